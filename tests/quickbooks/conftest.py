"""Recorded real QuickBooks responses from ``../shared/fixtures/quickbooks/recorded_json``.

Skipped when absent, unless ``AR_SYNC_REQUIRE_SPECS=1`` (as CI sets), like the Xero spec tests.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest


def _fixture_dir(rootpath: Path) -> Path | None:
    candidates = [rootpath.parent / "shared" / "fixtures" / "quickbooks" / "recorded_json"]
    if os.environ.get("AR_SYNC_SPECS"):
        specs = Path(os.environ["AR_SYNC_SPECS"])
        candidates.insert(0, specs.parent / "fixtures" / "quickbooks" / "recorded_json")
    return next((c for c in candidates if (c / "INDEX.md").is_file()), None)


@pytest.fixture(scope="session")
def recorded(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """``recorded("invoice_read")``: that response body, amounts as ``Decimal``."""
    found = _fixture_dir(request.config.rootpath)
    if found is None:
        reason = "recorded QuickBooks responses not found in ../shared/fixtures/quickbooks"
        if os.environ.get("AR_SYNC_REQUIRE_SPECS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)

    def load(name: str) -> Any:
        text = (found / f"{name}.response.json").read_text(encoding="utf-8")
        return json.loads(text, parse_float=Decimal)

    return load


@pytest.fixture
def qb_company_file(tmp_path: Path, today) -> Path:
    """The hand-checked QuickBooks company (``tests/quickbooks/company.py``) as a file."""
    from tests.quickbooks.company import build_company, dump_company

    path = tmp_path / "maple.json"
    path.write_text(dump_company(build_company(today)), encoding="utf-8")
    return path


@pytest.fixture
def qb_sandbox(qb_company_file: Path) -> Iterator[Any]:
    """A running QuickBooks sandbox serving the test company; ``.control`` drives it."""
    from ar_sync_quickbooks.sandbox import QuickBooksSandbox, load_company
    from tests.conftest import SandboxControl

    sandbox = QuickBooksSandbox([load_company(qb_company_file)], port=0)
    sandbox.start()
    sandbox.control = SandboxControl(sandbox.url)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def qb_connected(cli, qb_sandbox: Any) -> Any:
    """The test company connected through ``ar-sync connect quickbooks --sandbox``."""
    result = cli("connect", "quickbooks", "--sandbox", qb_sandbox.url)
    assert result.code == 0, result.err
    return qb_sandbox
