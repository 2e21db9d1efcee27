"""The QuickBooks Online sandbox as a ``SandboxPlugin`` (``ar_sync.sandbox.plugin``): what
``QuickBooksPlugin.sandbox`` gives ``ar-sync sandbox serve``, the demo and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ar_sync.sandbox.clock import utc_now
from ar_sync.sandbox.plugin import LedgerSandbox
from ar_sync_quickbooks.sandbox.company import Company, load_company, parse_company
from ar_sync_quickbooks.sandbox.copy import company_from_records
from ar_sync_quickbooks.sandbox.generate import generate_company
from ar_sync_quickbooks.sandbox.limits import SandboxLimits
from ar_sync_quickbooks.sandbox.server import QuickBooksSandbox

SAMPLE_COMPANY = Path(__file__).parent / "samples" / "small_company.json"


def generate_now(**spec: Any) -> Company:
    """``generate_company`` with ``now`` read from the sandbox's clock as the server starts, so
    that no stamp is later than the moment it is served from (a sandbox reads the clock:
    ``ar_sync.sandbox.clock``)."""
    return generate_company(**spec, now=utc_now())


plugin = LedgerSandbox(
    platform="quickbooks",
    display_name="QuickBooks Online",
    company_marker="CompanyInfo",  # every company file has it (company.py), no Xero file does
    sample=SAMPLE_COMPANY,
    load=load_company,
    generate=generate_now,
    server=QuickBooksSandbox,
    copy=company_from_records,
    parse=parse_company,
    # A rehearsal's calls never reach QuickBooks: no minute or concurrency limit slows it.
    relaxed=SandboxLimits(per_minute=10**9, concurrent=64),
)
