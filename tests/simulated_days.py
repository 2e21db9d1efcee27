"""Stepping ``ar-sync serve``'s scheduler through simulated days, nothing sleeping: the clock
the scheduler and its jobs read moves from one due time to the next."""

from __future__ import annotations

from datetime import datetime

from ar_sync.scheduler import Fired, Runtime, Scheduler
from ar_sync.settings import load_settings
from ar_sync.store import Store

# Every stage a ledger note only: reminders need no mail server.
NOTES_ONLY_POLICY = """
[stages.friendly]
channels = ["ledger_note"]
[stages.reminder]
channels = ["ledger_note"]
[stages.firm]
channels = ["ledger_note"]
[stages.final]
channels = ["ledger_note"]
"""


class SimulatedClock:
    """The instant the scheduler and its jobs see; moved only by ``run_days``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def run_days(start: datetime, end: datetime, *, workers: int) -> list[Fired]:
    """Every job of the stored timetables due in [``start``, ``end``) (aware UTC), run unpaced
    (the sandboxes' rate limits lifted) at its due time; what fired, in order."""
    clock = SimulatedClock(start)
    fired: list[Fired] = []
    with Store(load_settings(None).db_url) as store:
        scheduler = Scheduler(Runtime(store=store, settings=load_settings(None), now=clock,
                                      paced=False), workers=workers)
        try:
            scheduler.refresh(start)
            while (due := scheduler.next_run_time()) is not None and due < end:
                clock.at = due
                fired.extend(scheduler.run_due(due))
        finally:
            scheduler.close()
    return fired
