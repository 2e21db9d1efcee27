"""What a user sees when things go wrong: rate limits, expired and revoked tokens, bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import SandboxControl
from tests.xero.company import EXPECTED_TOTALS, build_company, dump_company


def _total(cli) -> str:
    return cli("aging", "--format", "json").json()["orgs"][0]["totals"]["total"]


def _one_line_error(result) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    return lines[0]


def test_a_429_storm_is_waited_out(cli, connected):
    connected.control.fault(kind="rate_limit", path="Invoices", count=3, retry_after=1,
                            problem="minute")
    result = cli("sync")
    assert result.code == 0, result.err
    assert "; 3 retries after waiting 3.0s" in result.out
    calls = connected.control.calls()
    assert calls["rate_limited"] == 3
    assert calls["by_endpoint"]["GET Invoices"] == 4  # three 429s, then the page
    assert _total(cli) == EXPECTED_TOTALS["total"]


def test_server_errors_and_a_malformed_body_are_retried(cli, connected):
    connected.control.fault(kind="server_error", path="Contacts", count=2, status=503)
    connected.control.fault(kind="malformed", path="CreditNotes", count=1)
    result = cli("sync")
    assert result.code == 0, result.err
    by_endpoint = connected.control.calls()["by_endpoint"]
    assert by_endpoint["GET Contacts"] == 3
    assert by_endpoint["GET CreditNotes"] == 2
    assert _total(cli) == EXPECTED_TOTALS["total"]


@pytest.fixture
def strict_sandbox(company_file):
    """A sandbox whose old refresh tokens die at once (no grace), to prove rotation is saved."""
    from ar_sync_xero.sandbox import XeroSandbox, load_company

    sandbox = XeroSandbox([load_company(company_file)], port=0, refresh_grace=0)
    sandbox.start()
    sandbox.control = SandboxControl(sandbox.url)
    yield sandbox
    sandbox.stop()


def _stored_token(ar_home: Path) -> dict:
    (entries,) = json.loads((ar_home / "sandbox-keyring.cfg").read_text())["ar-sync"].values()
    return json.loads(entries)["token"]


def test_a_token_expiring_mid_sync_is_refreshed_and_the_rotated_one_stored(
    cli, ar_home, strict_sandbox
):
    assert cli("connect", "xero", "--sandbox", strict_sandbox.url).code == 0
    before = _stored_token(ar_home)
    strict_sandbox.control.fault(kind="expire_tokens", path="Invoices")
    assert cli("sync").code == 0
    after = _stored_token(ar_home)
    assert after["refresh_token"] != before["refresh_token"]
    assert after["access_token"] != before["access_token"]
    # With no grace period only the rotated refresh token works: refreshing again proves it is
    # the one that was stored.
    strict_sandbox.control.fault(kind="expire_tokens", path="Contacts")
    again = cli("sync")
    assert again.code == 0, again.err
    assert _stored_token(ar_home)["refresh_token"] != after["refresh_token"]
    assert _total(cli) == EXPECTED_TOTALS["total"]


def test_a_revoked_connection_is_one_line_and_exit_2(cli, connected):
    connected.control.fault(kind="revoke")
    line = _one_line_error(cli("sync"))
    assert line.startswith("error: ")
    assert "connect xero" in line


def test_unknown_org_and_bad_date(cli, connected):
    line = _one_line_error(cli("sync", "--org", "nope"))
    assert line == (
        "error: unknown org 'nope' (known: Kauri Test Traders "
        "(xero:5a6d3e4f-1111-4c2b-9d7e-00000000a001))"
    )
    assert cli("sync").code == 0
    line = _one_line_error(cli("aging", "--as-of", "2026-13-01"))
    assert line == "error: --as-of: not a date (expected YYYY-MM-DD): '2026-13-01'"


def test_commands_before_anything_is_connected(cli):
    line = _one_line_error(cli("sync"))
    assert line == "error: no orgs yet: connect one with `ar-sync connect xero`"


def test_a_malformed_company_file_is_refused_with_the_field(cli, tmp_path, today):
    company = build_company(today)
    company["Invoices"][2]["DueDate"] = "2026-13-01"
    bad = tmp_path / "bad.json"
    bad.write_text(dump_company(company), encoding="utf-8")
    line = _one_line_error(cli("sandbox", "serve", "--company", str(bad)))
    assert str(bad) in line and "Invoices[2].DueDate" in line

    broken = tmp_path / "broken.json"
    broken.write_text('{"Organisation": {', encoding="utf-8")
    line = _one_line_error(cli("sandbox", "serve", "--company", str(broken)))
    assert str(broken) in line and "line 1" in line


def test_bad_generate_spec(cli):
    line = _one_line_error(cli("sandbox", "serve", "--generate", "customers=4,colour=red"))
    assert line == "error: --generate: unknown key 'colour' (known: customers, invoices, seed, history_months)"


def test_a_real_connection_without_a_keyring_says_how_to_configure_one(cli, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("AR_SYNC_XERO_CLIENT_SECRET", "def")  # not --client-secret: warned about
    line = _one_line_error(cli("connect", "xero", "--client-id", "abc", "--no-browser"))
    assert "no usable keyring" in line and "PYTHON_KEYRING_BACKEND" in line


def test_no_token_reaches_the_database_logs_or_output(cli, ar_home, connected):
    outputs = []
    for args in (("sync",), ("aging",), ("orgs",)):
        result = cli(*args)
        outputs += [result.out, result.err]
    connected.control.fault(kind="expire_tokens")
    result = cli("sync", "-v")
    outputs += [result.out, result.err]
    token = _stored_token(ar_home)
    secrets = [token["access_token"], token["refresh_token"], "ar-sync-sandbox-secret"]
    haystacks = {
        "database": (ar_home / "ar-sync.sqlite").read_bytes(),
        "log": (ar_home / "logs" / "ar-sync.log").read_bytes(),
        "output": "".join(outputs).encode(),
    }
    for wal in ar_home.glob("ar-sync.sqlite-*"):
        haystacks[wal.name] = wal.read_bytes()
    for name, haystack in haystacks.items():
        for secret in secrets:
            assert secret.encode() not in haystack, f"a secret leaked into the {name}"
    keyring_file = ar_home / "sandbox-keyring.cfg"
    assert stat.S_IMODE(keyring_file.stat().st_mode) == 0o600
