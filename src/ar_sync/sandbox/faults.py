"""Injected faults: what ``POST /_sandbox/faults`` arms and each matching call may trigger.

A fault matches calls whose path contains ``path`` (case-insensitive; empty matches every
call except ``/_sandbox/``). It lets ``after`` matching calls through, then fires on the next
``count`` ones (``-1``: until cleared). Kinds that act per call:

- ``rate_limit``: a 429 storm (``retry_after`` seconds, default 1; ``problem`` names the limit,
  one of the platform's ``problems``), before the real limits;
- ``server_error``: ``status`` (default 500) instead of running the request; it happens before
  the idempotency layer, so a retry with the same key really runs;
- ``slow``: stalls ``seconds`` (default 1.0, at most 120) before answering, sending nothing
  (not even headers), while holding a concurrency slot: a client's read timeout shorter than
  that fires. A stall ends early when the server stops (``FaultBook.release``), so it never
  holds up a shutdown;
- ``malformed``: runs the request, then answers 200 with the body cut in half.

``expire_tokens`` and ``revoke`` act once, when posted, on the OAuth grants (the platform's
identity store does it); the book only validates them.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

CALL_KINDS = ("rate_limit", "server_error", "slow", "malformed")
IMMEDIATE_KINDS = ("expire_tokens", "revoke")
_FIELDS = ("kind", "path", "after", "count", "retry_after", "problem", "status", "seconds")


@dataclass
class Fault:
    id: int
    kind: str
    path: str = ""
    after: int = 0
    count: int = 1
    retry_after: int = 1
    problem: str = "minute"
    status: int = 500
    seconds: float = 1.0
    seen: int = 0
    fired: int = 0

    def fires_on(self, path: str) -> bool:
        """Count a call against this fault; True when the fault fires for it."""
        if self.path.lower() not in path.lower():
            return False
        if self.seen < self.after:
            self.seen += 1
            return False
        if self.count != -1 and self.fired >= self.count:
            return False
        self.fired += 1
        return True

    def as_json(self) -> dict[str, object]:
        """The fault as JSON values (``seconds`` as a decimal: the sandboxes write no floats)."""
        return {**asdict(self), "seconds": Decimal(str(self.seconds))}


@dataclass(frozen=True)
class Triggered:
    """The faults that fire for one call (at most one of each kind: the oldest armed).

    ``released`` is set when stalls should end at once (the server is stopping).
    """

    storm: Fault | None = None
    server_error: Fault | None = None
    slow: Fault | None = None
    malformed: Fault | None = None
    released: threading.Event | None = None

    def stall(self) -> None:
        """Wait out the ``slow`` fault, if one fired: its ``seconds``, or until released."""
        if self.slow is None:
            return
        if self.released is None:
            threading.Event().wait(self.slow.seconds)
        else:
            self.released.wait(self.slow.seconds)


def parse_fault(spec: Mapping[str, object], fault_id: int, problems: Sequence[str]) -> Fault:
    """A ``Fault`` from the control endpoint's JSON; raises ``ValueError`` naming the field."""
    kind = spec.get("kind")
    if kind not in CALL_KINDS + IMMEDIATE_KINDS:
        raise ValueError(
            f"kind must be one of {', '.join(CALL_KINDS + IMMEDIATE_KINDS)}, got {kind!r}"
        )
    unknown = set(spec) - set(_FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    fault = Fault(id=fault_id, kind=str(kind))
    for name, kind_of, valid in (
        ("path", str, lambda v: True),
        ("after", int, lambda v: v >= 0),
        ("count", int, lambda v: v == -1 or v >= 1),
        ("retry_after", int, lambda v: v >= 0),
        ("problem", str, lambda v: v in problems),
        ("status", int, lambda v: 500 <= v <= 599),
        ("seconds", (int, float, Decimal), lambda v: 0 <= v <= 120),
    ):
        if name in spec:
            value = spec[name]
            if isinstance(value, bool) or not isinstance(value, kind_of) or not valid(value):
                raise ValueError(f"{name}: invalid value {value!r}")
            setattr(fault, name, float(value) if name == "seconds" else value)
    return fault


class FaultBook:
    """The armed per-call faults; thread-safe. ``problems``: the valid ``problem`` names."""

    def __init__(self, problems: Sequence[str] = ("minute",)) -> None:
        self.problems = tuple(problems)
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._released = threading.Event()  # set: the stalls in progress end now

    def arm(self, spec: Mapping[str, object]) -> Fault:
        """Validate a fault; per-call kinds are kept, immediate kinds are only returned."""
        with self._lock:
            fault = parse_fault(spec, next(self._ids), self.problems)
            if fault.kind in CALL_KINDS:
                self._faults.append(fault)
            return fault

    def clear(self) -> None:
        """Disarm every fault. Stalls in progress go on: a stalled call that woke now would
        land in the call log of whatever the caller does next."""
        with self._lock:
            self._faults.clear()

    def release(self) -> None:
        """End the stalls in progress (a server stopping calls this); later stalls wait again."""
        with self._lock:
            released, self._released = self._released, threading.Event()
        released.set()

    def armed(self) -> list[dict[str, object]]:
        with self._lock:
            return [fault.as_json() for fault in self._faults]

    def take(self, path: str) -> Triggered:
        """The faults that fire on a call to ``path``; every matching fault counts the call."""
        with self._lock:
            fired: dict[str, Fault] = {}
            for fault in self._faults:
                if fault.fires_on(path):
                    fired.setdefault(fault.kind, fault)
            return Triggered(
                storm=fired.get("rate_limit"),
                server_error=fired.get("server_error"),
                slow=fired.get("slow"),
                malformed=fired.get("malformed"),
                released=self._released,
            )
