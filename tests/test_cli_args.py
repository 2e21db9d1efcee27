"""Bad arguments are one line on stderr and exit status 2, for every command; ``--help`` is
typer's own; ``sandbox serve`` refuses bad and busy ports and tells ledgers' company files apart."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from ar_sync_quickbooks.sandbox.plugin import SAMPLE_COMPANY as QUICKBOOKS_SAMPLE
from ar_sync_xero.sandbox.plugin import SAMPLE_COMPANY as XERO_SAMPLE

from tests.xero.test_sandbox_command import _interrupt, _serve, _tenant_names


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["aging", "--scheme", "weeks"], "error: --scheme: 'weeks' is not one of days, months"),
        (["aging", "--basis", "paid"], "error: --basis: 'paid' is not one of due, invoice"),
        (["aging", "--format", "xml"], "error: --format: 'xml' is not one of table, csv, json"),
        (["orgs", "--format", "csv"], "error: --format: 'csv' is not one of table, json"),
        (["aging", "--sheme", "days"],
         "error: no such option: --sheme (Possible options: --help, --scheme)"),
        (["aging", "--as-of"], "error: option '--as-of' requires an argument"),
        (["sync", "extra"], "error: got unexpected extra argument(s) (extra)"),
        (["connect"], "error: missing argument 'platform'"),
        (["demo", "--customers", "many"],
         "error: --customers: input should be a valid integer, unable to parse string as an "
         "integer"),
        (["sandbox", "serve", "--port", "-1"],
         "error: --port: -1 is not a port number (1 to 65535, or 0 for any free one)"),
        (["sandbox", "serve", "--port", "80000"],
         "error: --port: 80000 is not a port number (1 to 65535, or 0 for any free one)"),
    ],
)
def test_a_usage_error_is_one_line_exit_2(cli, args, line):
    result = cli(*args)
    assert (result.code, result.out, result.err) == (2, "", line + "\n")


def test_help_is_unchanged_and_exits_0(cli):
    result = cli("aging", "--help")
    assert (result.code, result.err) == (0, "")
    assert "Usage: ar-sync aging [OPTIONS]" in result.out
    assert "--scheme" in result.out and "Error" not in result.out


def test_flags_that_take_no_value_show_none_in_help(cli):
    result = cli("sync", "--help")
    assert result.code == 0
    assert "<bool>" not in result.out
    flags = [line.split()[0] for line in result.out.splitlines() if line.startswith("  --")]
    assert flags == ["--org", "--all", "--full", "--wait", "--help"]
    assert "  --all           Sync every connected org" in result.out
    assert "  --wait SECONDS  When another run is syncing an org" in result.out


def test_no_command_prints_the_help_and_exits_2(cli):
    result = cli()
    assert result.code == 2
    assert "Usage: ar-sync [OPTIONS] COMMAND [ARGS]..." in result.out


def test_a_busy_port_is_one_line_exit_2(cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = cli("sandbox", "serve", "--port", str(port))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: port {port} on 127.0.0.1 is already in use; choose another port, or 0 for any "
        "free one\n"
    )


def test_a_quickbooks_company_file_is_served_as_quickbooks_without_platform(ar_home):
    process, url, banner = _serve("--company", str(QUICKBOOKS_SAMPLE))
    try:
        assert banner.startswith(f"QuickBooks Online sandbox listening on {url}\n")
        assert f"ar-sync connect quickbooks --sandbox {url}" in banner
        assert _tenant_names(url) == ["Redwood Landscaping Co."]
    finally:
        _interrupt(process)
    assert process.returncode == 0


def test_a_company_file_served_as_another_ledger_says_which_it_is(cli):
    result = cli("sandbox", "serve", "--platform", "xero", "--company", str(QUICKBOOKS_SAMPLE))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: {QUICKBOOKS_SAMPLE} is a QuickBooks Online company file (it has "
        "'CompanyInfo'), not a Xero one; serve it with --platform quickbooks\n"
    )


def test_company_files_of_two_ledgers_are_refused(cli):
    result = cli("sandbox", "serve", "--company", str(XERO_SAMPLE), "--company",
                 str(QUICKBOOKS_SAMPLE))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: the company files are for different ledgers: {XERO_SAMPLE} (xero), "
        f"{QUICKBOOKS_SAMPLE} (quickbooks); one sandbox serves one ledger\n"
    )


def test_a_file_of_neither_ledger_is_left_to_the_default_ledgers_loader(cli, tmp_path: Path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"Invoices": []}', encoding="utf-8")
    result = cli("sandbox", "serve", "--company", str(odd))
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(f"error: {odd}") and len(result.err.splitlines()) == 1
