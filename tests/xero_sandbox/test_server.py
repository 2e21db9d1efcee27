"""The server object: tenants in load order, start and stop."""

from __future__ import annotations

from datetime import date

import pytest
from ar_sync_xero.sandbox import XeroSandbox, generate_company


def test_tenants_in_load_order_and_lifecycle(sample_company) -> None:
    other = generate_company(customers=2, invoices=3, seed=5, today=date(2026, 11, 23))
    sandbox = XeroSandbox([other, sample_company])
    assert sandbox.tenant_ids == [other.tenant_id, sample_company.tenant_id]
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.url
    with sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert sandbox.api_url == f"{sandbox.url}/api.xro/2.0"
        with pytest.raises(RuntimeError, match="already running"):
            sandbox.start()
    with pytest.raises(ValueError, match="two companies have the tenant id"):
        XeroSandbox([sample_company, sample_company])
