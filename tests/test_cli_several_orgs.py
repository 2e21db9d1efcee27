"""The README's own sequence with a Xero and a QuickBooks org: ``sync`` syncs every org by
default, and ``aging`` reports the orgs it can, saying on stderr which it skipped and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SandboxControl
from tests.quickbooks import company as qb_company
from tests.xero import company as xero_company

XERO_ORG = f"xero:{xero_company.ORG_ID}"
QB_ORG = f"quickbooks:{qb_company.REALM}"


@pytest.fixture
def qb_sandbox(tmp_path: Path, today: date) -> Iterator[Any]:
    """The hand-checked QuickBooks company (``tests/quickbooks/company.py``), served."""
    from ar_sync_quickbooks.sandbox import QuickBooksSandbox, load_company

    path = tmp_path / "maple.json"
    path.write_text(qb_company.dump_company(qb_company.build_company(today)), encoding="utf-8")
    with QuickBooksSandbox([load_company(path)], port=0) as sandbox:
        sandbox.control = SandboxControl(sandbox.url)
        yield sandbox


@pytest.fixture
def both(cli, xero_sandbox, qb_sandbox) -> None:
    """Both test companies connected, as the README does it; neither synced yet."""
    for platform, sandbox in (("xero", xero_sandbox), ("quickbooks", qb_sandbox)):
        result = cli("connect", platform, "--sandbox", sandbox.url)
        assert result.code == 0, result.err


def _totals(cli) -> dict[str, str]:
    result = cli("aging", "--format", "json")
    assert result.code == 0, result.err
    return {org["org_id"]: org["totals"]["total"] for org in result.json()["orgs"]}


def test_sync_without_options_syncs_every_org(cli, both):
    result = cli("sync")
    assert result.code == 0, result.err
    names = [line.split(":", 1)[0] for line in result.out.splitlines()]
    assert sorted(names) == ["Kauri Test Traders", qb_company.NAME]
    assert _totals(cli) == {
        XERO_ORG: xero_company.EXPECTED_TOTALS["total"],
        QB_ORG: qb_company.EXPECTED_TOTALS["total"],
    }


def test_aging_reports_the_synced_org_and_says_which_it_skipped(cli, both):
    assert cli("sync", "--org", "xero").code == 0
    result = cli("aging", "--format", "json")
    assert result.code == 0, result.err
    assert [org["org_id"] for org in result.json()["orgs"]] == [XERO_ORG]
    assert result.err == (
        f"skipped: {qb_company.NAME} has never been synced; run `ar-sync sync --org {QB_ORG}`\n"
    )


def test_aging_with_no_org_it_can_report_is_one_line_exit_2(cli, both):
    result = cli("aging")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: no org can be aged: Kauri Test Traders has never been synced; run `ar-sync sync "
        f"--org {XERO_ORG}` | {qb_company.NAME} has never been synced; run `ar-sync sync --org "
        f"{QB_ORG}`\n"
    )


def test_one_named_org_that_was_never_synced_is_still_an_error(cli, both):
    assert cli("sync", "--org", "xero").code == 0
    result = cli("aging", "--org", "quickbooks")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: {qb_company.NAME} has never been synced; run `ar-sync sync --org {QB_ORG}`\n"
    )
