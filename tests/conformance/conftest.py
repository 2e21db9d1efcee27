"""Fixtures of the conformance suite: one parameter per ledger, sandboxes on generated companies.

``driver`` is parametrised over every platform in ``platforms.py``; a platform whose plugin is not
installed (or whose driver is still a skeleton) is a skipped parameter with the reason. Tests take
``ledger`` (a running sandbox on a small generated company, not yet connected), ``connected`` (the
same, connected with ``ar-sync connect PLATFORM --sandbox URL``) or ``start_ledger`` for their own
company, and use the CLI fixture ``cli`` from ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ar_sync.sandbox.plugin import GenerateSpec
from tests.conformance.platforms import DRIVERS, PlatformDriver
from tests.conformance.support import PLATFORM_PARAMS, SMALL, Control, Ledger, connect


@pytest.fixture(params=PLATFORM_PARAMS)
def driver(request: pytest.FixtureRequest) -> PlatformDriver:
    """The ledger under test (the test id shows its platform name)."""
    return DRIVERS[request.param]


@pytest.fixture
def start_ledger(driver: PlatformDriver, today: date) -> Iterator[Callable[..., Ledger]]:
    """``start_ledger(customers=, invoices=, seed=, strict_refresh=False, relaxed_limits=False)``:
    a running sandbox on a generated company dated from ``today``; stopped when the test ends."""
    handles: list[Any] = []

    def start(*, customers: int, invoices: int, seed: int, strict_refresh: bool = False,
              relaxed_limits: bool = False) -> Ledger:
        spec = GenerateSpec(today=today, customers=customers, invoices=invoices, seed=seed)
        handle = driver.start_sandbox(spec, strict_refresh=strict_refresh,
                                      relaxed_limits=relaxed_limits)
        handles.append(handle)
        return Ledger(driver=driver, handle=handle, control=Control(handle.url), spec=spec)

    yield start
    for handle in reversed(handles):
        handle.stop()


@pytest.fixture
def ledger(start_ledger: Callable[..., Ledger]) -> Ledger:
    """The small generated company's sandbox, not connected yet."""
    return start_ledger(**SMALL)


@pytest.fixture
def connected(cli: Callable[..., Any], ledger: Ledger) -> Ledger:
    """The small company connected through the CLI; the call log is reset afterwards."""
    connect(cli, ledger)
    ledger.control.reset_calls()
    return ledger


@pytest.fixture
def twin_home(tmp_path: Path) -> Path:
    """A second AR_SYNC_HOME, for a twin run to compare with (see ``support.cli_in``)."""
    return tmp_path / "twin-home"
