"""``ar-sync report``: one self-contained HTML page of each org's receivables and collections.

Gathers each selected org's figures (``ar_sync.report_data.gather_report``) and writes the page
``ar_sync.views.report.render_report`` draws. Reads the store; writes only the file (and, as
``ar-sync aging --as-of`` does, the month-end aging it computes from history). Module level
stays light (``tests/test_startup.py``): the store, pygal and Jinja2 load inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ar_sync.cli import ORG_OPTION, _each_org, _parse_date, app, state, stdout
from ar_sync.clock import utc_now
from ar_sync.errors import ConfigError


@app.command("report")
def report_command(
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write (made or replaced).",
                                      show_default=False)],
    org: Annotated[str | None, ORG_OPTION] = None,
    date_from: Annotated[
        str | None,
        typer.Option("--from", help="First day of the period, YYYY-MM-DD (default: the first "
                     "day of the 12 calendar months ending with --to's).", show_default=False),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", help="Last day of the period, YYYY-MM-DD (default: each org's "
                     "today).", show_default=False),
    ] = None,
) -> None:
    """Write an HTML report that opens with no network: the aging by bucket at --to, the aging
    at each month end, DSO and cash collected per month (from the org's stored history), the
    top overdue customers with their payment records, and the collections activity of the
    period (contacts per stage and channel, promises kept and broken). Prints the file's path
    and size."""
    from ar_sync.report_data import gather_report
    from ar_sync.views.report import render_report

    start = _parse_date(date_from, "--from")
    end = _parse_date(date_to, "--to")
    if start is not None and end is not None and start > end:
        raise ConfigError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
    now = utc_now()
    reports = _each_org(
        org, "reported",
        lambda org_id: gather_report(state.store(), org_id, start=start, end=end, now=now),
    )
    page = render_report(reports, generated_at=now)
    data = page.encode("utf-8")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"--out: cannot write {out}: {exc.strerror}") from None
    stdout.print(f"{out} ({_size(len(data))})", markup=False, highlight=False, soft_wrap=True)


def _size(length: int) -> str:
    """A file size for people: ``812 bytes``, ``97.3 KB`` (1 KB = 1,000 bytes)."""
    if length < 1000:
        return f"{length} bytes"
    if length < 1_000_000:
        return f"{length / 1000:.1f} KB"
    return f"{length / 1_000_000:.1f} MB"
