"""Tokens: an expired access token is refreshed once and the rotated refresh token is stored
before use; a revoked grant is one clear line, exit 2, and no secret anywhere."""

from __future__ import annotations

import pytest

from tests.conformance.support import (
    SMALL,
    aging,
    connect,
    one_line_error,
    post_form,
    stored_secret,
    sync_ok,
)


def test_an_expired_token_is_refreshed_once_and_the_rotated_one_stored(cli, start_ledger):
    # A strict sandbox: a used refresh token dies at once, so only the stored one can work.
    ledger = start_ledger(**SMALL, strict_refresh=True)
    driver = ledger.driver
    connect(cli, ledger)
    sync_ok(cli)
    reference = aging(cli)
    before = stored_secret(ledger.org_id)

    ledger.control.fault(kind="expire_tokens")
    ledger.control.reset_calls()
    sync_ok(cli)
    assert ledger.control.calls()["by_endpoint"].get(driver.token_endpoint) == 1
    after = stored_secret(ledger.org_id)
    assert after["token"]["refresh_token"] != before["token"]["refresh_token"]
    assert after["token"]["access_token"] != before["token"]["access_token"]
    assert aging(cli) == reference

    # The ledger refuses the old refresh token now ...
    status, body = post_form(
        ledger.url + driver.token_path,
        {"grant_type": "refresh_token", "refresh_token": before["token"]["refresh_token"]},
        user=before["client_id"],
        password=before["client_secret"],
    )
    assert (status, body["error"]) == (400, "invalid_grant")
    # ... and the stored one is alive: the next expiry is refreshed with it.
    ledger.control.fault(kind="expire_tokens")
    ledger.control.reset_calls()
    sync_ok(cli)
    assert ledger.control.calls()["by_endpoint"].get(driver.token_endpoint) == 1
    rotated_again = stored_secret(ledger.org_id)["token"]["refresh_token"]
    assert rotated_again != after["token"]["refresh_token"]
    assert aging(cli) == reference


@pytest.mark.parametrize("expired_first", [False, True], ids=["revoked", "revoked-and-expired"])
def test_a_revoked_grant_is_one_line_exit_2_and_leaks_nothing(
    cli, connected, ar_home, expired_first
):
    """Revoked with a live access token (the API call is refused) or with an expired one (the
    refresh is refused): either way, one line telling the user to connect again."""
    platform = connected.platform
    outputs = []
    done = cli("sync")
    outputs += [done.out, done.err]
    if expired_first:
        connected.control.fault(kind="expire_tokens")
    connected.control.fault(kind="revoke")

    failed = cli("sync")
    line = one_line_error(failed)
    assert f"ar-sync connect {platform}" in line, line
    outputs += [failed.out, failed.err]
    # Verbose: the log lines join the error on stderr, and still carry no secret.
    verbose = cli("-v", "sync")
    assert verbose.code == 2 and "Traceback" not in verbose.err
    assert verbose.err.strip().splitlines()[-1] == line
    outputs += [verbose.out, verbose.err]

    secret = stored_secret(connected.org_id)
    secrets = [
        secret["client_secret"],
        secret["token"]["access_token"],
        secret["token"]["refresh_token"],
    ]
    haystacks = {"output": "".join(outputs).encode()}
    for path in (ar_home / "logs").rglob("*"):
        if path.is_file():
            haystacks[f"log {path.name}"] = path.read_bytes()
    for path in ar_home.glob("ar-sync.sqlite*"):
        haystacks[f"database {path.name}"] = path.read_bytes()
    assert any(name.startswith("log") for name in haystacks)
    for name, haystack in haystacks.items():
        for value in secrets:
            assert value.encode() not in haystack, f"a secret reached the {name}"

    # Doing what the line says brings the org back.
    connect(cli, connected)
    sync_ok(cli)
    assert aging(cli)["org_id"] == connected.org_id
