"""Rows kept in paging order, with one sorted view per filter, so a page costs the same at any
size: the first request of a filter reads the table once, every later one bisects.

A sandbox answers "the rows that match F, changed after T, in (last-update, id) order, page P".
Filtering and sorting the whole table for each page costs O(n) a call (0.94 s at 100,000
invoices). ``OrderedRows`` keeps, per filter *signature* (whatever identifies the filter: the
query's own text, normalised), the matching rows sorted by a key tuple whose leading elements are
what a bound compares on; ``View.position`` finds a bound by bisection and a page is a slice.

Writes keep the views exact: ``replace(old, new)`` takes the old row out of every view by its key
and puts the new one in each view whose predicate it passes (O(views x log n) compares plus a
list shift). A predicate must read only the row, never other state, or a view could go stale.
Keys must be unique per row (end them with the row id) and must not change while a row is in
the table except through ``replace``. Views are created on demand and the least recently used
are dropped past ``max_views``; ``select`` builds none when the rows past its lower bound are
few (``scan_limit``): a sync that finds little changed reads those directly.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

Row = TypeVar("Row")
Key = tuple  # a row's sort key: comparable, unique (ends with the row id)


class View(Generic[Row]):
    """The rows that pass one predicate, in key order (``keys[i]`` is ``rows[i]``'s key)."""

    __slots__ = ("keys", "predicate", "rows")

    def __init__(self, keys: list[Key], rows: list[Row],
                 predicate: Callable[[Row], bool] | None) -> None:
        self.keys, self.rows, self.predicate = keys, rows, predicate

    def position(self, prefix: Key, *, after: bool) -> int:
        """The index of the first row whose key, cut to ``len(prefix)``, is ``> prefix``
        (``after``) or ``>= prefix`` (otherwise)."""
        width = len(prefix)
        find = bisect_right if after else bisect_left
        return find(self.keys, prefix, key=lambda key: key[:width])

    def _remove(self, key: Key) -> None:
        at = bisect_left(self.keys, key)
        if at < len(self.keys) and self.keys[at] == key:
            del self.keys[at]
            del self.rows[at]

    def _insert(self, key: Key, row: Row) -> None:
        at = bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.rows.insert(at, row)


class Slice(Sequence[Row]):
    """``rows[first:last]`` without copying it (a page is then one slice of ``rows``)."""

    def __init__(self, rows: list[Row], first: int, last: int) -> None:
        self._rows, self._first, self._last = rows, first, max(first, last)

    def __len__(self) -> int:
        return self._last - self._first

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1:
                return self._rows[self._first + start : self._first + max(start, stop)]
            return [self[i] for i in range(start, stop, step)]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._rows[self._first + index % len(self)]


class OrderedRows(Generic[Row]):
    """One collection in ``key`` order, and its filtered views (see the module docstring)."""

    def __init__(self, rows: Iterable[Row], key: Callable[[Row], Key], *,
                 max_views: int = 16, scan_limit: int = 5000) -> None:
        pairs = sorted(((key(row), row) for row in rows), key=lambda pair: pair[0])
        self._key = key
        self._max_views = max_views
        self._scan_limit = scan_limit
        self.all: View[Row] = View([k for k, _ in pairs], [r for _, r in pairs], None)
        self._views: OrderedDict[Hashable, View[Row]] = OrderedDict()

    def view(self, signature: Hashable, predicate: Callable[[Row], bool] | None) -> View[Row]:
        """The view for ``signature`` (built from ``predicate`` the first time; None: all)."""
        if predicate is None:
            return self.all
        found = self._views.get(signature)
        if found is not None:
            self._views.move_to_end(signature)
            return found
        everything = self.all
        chosen = [i for i, row in enumerate(everything.rows) if predicate(row)]
        built = View([everything.keys[i] for i in chosen], [everything.rows[i] for i in chosen],
                     predicate)
        self._views[signature] = built
        if len(self._views) > self._max_views:
            self._views.popitem(last=False)
        return built

    def select(self, signature: Hashable, predicate: Callable[[Row], bool] | None, *,
               low: Key | None = None, after: bool = False,
               high: Key | None = None) -> Sequence[Row]:
        """The rows that pass ``predicate``, in key order, whose key cut to a bound's length is
        above ``low`` (``> low`` when ``after``, else ``>=``; None: no bound) and below ``high``
        (``< high``; None: no bound). A slice of the view for ``signature``; when no such view
        exists yet and at most ``scan_limit`` rows lie between the bounds, those rows are
        filtered directly instead (the same rows, without reading the whole table)."""
        everything = self.all
        if predicate is not None and low is not None and signature not in self._views:
            first = everything.position(low, after=after)
            last = len(everything.keys) if high is None else everything.position(high,
                                                                                 after=False)
            if last - first <= self._scan_limit:
                return [row for row in everything.rows[first:last] if predicate(row)]
        view = self.view(signature, predicate)
        first = 0 if low is None else view.position(low, after=after)
        last = len(view.keys) if high is None else view.position(high, after=False)
        return Slice(view.rows, first, last)

    def replace(self, old: Row | None, new: Row | None) -> None:
        """``old`` leaves the table (None: nothing leaves), ``new`` enters it (None: nothing)."""
        old_key = None if old is None else self._key(old)
        new_key = None if new is None else self._key(new)
        for view in (self.all, *self._views.values()):
            if old_key is not None:
                view._remove(old_key)
            if new is not None and (view.predicate is None or view.predicate(new)):
                view._insert(new_key, new)  # type: ignore[arg-type]
