"""The QuickBooks Online sandbox as a ``SandboxPlugin`` (``ar_sync.sandbox.plugin``): what
``QuickBooksPlugin.sandbox`` gives ``ar-sync sandbox serve``, the demo and the tests."""

from __future__ import annotations

from pathlib import Path

from ar_sync.sandbox.plugin import LedgerSandbox
from ar_sync_quickbooks.sandbox.company import load_company
from ar_sync_quickbooks.sandbox.generate import generate_company
from ar_sync_quickbooks.sandbox.server import QuickBooksSandbox

SAMPLE_COMPANY = Path(__file__).parent / "samples" / "small_company.json"

plugin = LedgerSandbox(
    platform="quickbooks",
    display_name="QuickBooks Online",
    company_marker="CompanyInfo",  # every company file has it (company.py), no Xero file does
    sample=SAMPLE_COMPANY,
    load=load_company,
    generate=generate_company,
    server=QuickBooksSandbox,
)
