"""The server object and the command line that ``make demo`` uses."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from datetime import date
from importlib.resources import files

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


def test_command_line_serves_files_and_generated_companies() -> None:
    sample = str(files("ar_sync_xero.sandbox").joinpath("samples/small_company.json"))
    command = [
        sys.executable,
        "-m",
        "ar_sync_xero.sandbox",
        "--port",
        "0",
        "--company",
        sample,
        "--generate",
        "12",
        "--customers",
        "4",
        "--today",
        "2026-11-23",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            started = json.loads(server.stdout.readline())
            with urllib.request.urlopen(f"{started['url']}/_sandbox/tenants") as response:
                tenants = json.loads(response.read())["tenants"]
        finally:
            server.terminate()
    assert [t["name"] for t in tenants] == ["Kiwi Widgets Ltd", "Sandbox Trading Ltd (seed 7)"]
    assert started["tenants"] == [t["id"] for t in tenants]
