"""The Xero sandbox as a ``SandboxPlugin`` (``ar_sync.sandbox.plugin``): what
``XeroPlugin.sandbox`` gives ``ar-sync sandbox serve``, the demo and the tests."""

from __future__ import annotations

from pathlib import Path

from ar_sync.sandbox.plugin import LedgerSandbox
from ar_sync_xero.sandbox.company import load_company, parse_company
from ar_sync_xero.sandbox.copy import company_from_records
from ar_sync_xero.sandbox.generate import generate_company
from ar_sync_xero.sandbox.limits import SandboxLimits
from ar_sync_xero.sandbox.server import XeroSandbox

SAMPLE_COMPANY = Path(__file__).parent / "samples" / "small_company.json"

plugin = LedgerSandbox(
    platform="xero",
    display_name="Xero",
    company_marker="Organisation",  # every company file has it (company.py), no QBO file does
    sample=SAMPLE_COMPANY,
    load=load_company,
    generate=generate_company,
    server=XeroSandbox,
    copy=company_from_records,
    parse=parse_company,
    # A rehearsal's calls never reach Xero: no minute, day or concurrency limit slows it.
    relaxed=SandboxLimits(per_minute=10**9, per_day=10**9, app_per_minute=10**9, concurrent=64),
)
