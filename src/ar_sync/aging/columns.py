"""Aging from columns: the same report as ``ar_sync.aging.age.age``, computed with numpy.

``age`` (the reference) walks ``AgingItem`` objects one by one in Decimal; at a million items
that takes seconds. Here the receivables are held as columns instead (``AgingColumns``: one
numpy array per field, integer minor units and day numbers) and bucketed and summed in a few
vectorised steps, every figure an exact integer until the report's ``Decimal``\\ s are made:

- ``amount`` is each document-currency amount in units of 10^-``AMOUNT_PLACES`` (the store's
  scale, so exact); per customer, currency and bucket these are summed, then rounded half-up
  to the currency's minor unit, as ``age`` quantizes its Decimal sums;
- ``base_amount`` is each item's amount converted to the base currency and rounded half-up per
  item to its minor unit (``money.to_base``, as ``receivables`` does), so every base figure is a
  sum of rounded item amounts, never a rounded sum;
- sums are int64 while no sum can overflow (``len * max|value| < 2**62``), else Python
  integers (an ``object`` array): exact either way.

``columns_from_batches`` builds the columns from the store's rows (``ar_sync.store.receivables``)
and ``columns_from_items`` from ``AgingItem``\\ s; ``age_columns`` ages them. The result equals
``age(...)`` on the same receivables, to the cent (``tests/test_aging_columns.py``,
``tests/conformance/test_aging_columns.py``). numpy pays for itself here: at 1,000,000 items
this takes about a tenth of ``age``'s time (``make bench`` prints both; the README says more).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
from babel.numbers import get_currency_precision

from ar_sync.aging.age import RECEIVABLE_CREDIT_KINDS, AgingItem, bucket_for, bucket_names
from ar_sync.domain import AgingReport, Basis, CustomerAging, RateQuote, Scheme
from ar_sync.money import AMOUNT_PLACES, quantize, to_base

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_INT64_SAFE = 2**62

__all__ = ["RECEIVABLE_CREDIT_KINDS", "AgingColumns", "age_columns", "columns_from_batches",
           "columns_from_items", "day_number"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AgingColumns:
    """Receivables as columns; item ``i`` is the i-th entry of every per-item array.

    - ``customer_ids``: sorted, distinct; ``groups``: the (customer index, currency) pairs met;
    - ``group``: per item, its index into ``groups`` (int64);
    - ``issue_day``, ``due_day``: days since 1970-01-01 (int64); a credit's due day is its date;
    - ``amount``: signed document-currency amount in units of 10^-``AMOUNT_PLACES`` (credits
      negative);
    - ``base_amount``: signed amount in the base currency's minor units, rounded per item.
    """

    base_currency: str
    customer_ids: tuple[str, ...]
    groups: tuple[tuple[int, str], ...]
    group: np.ndarray
    issue_day: np.ndarray
    due_day: np.ndarray
    amount: np.ndarray
    base_amount: np.ndarray

    def __len__(self) -> int:
        return len(self.group)


def day_number(day: date) -> int:
    """``day`` as whole days since 1970-01-01 (negative before)."""
    return day.toordinal() - EPOCH_ORDINAL


def _round_half_up(value: int, places_down: int) -> int:
    """``value`` divided by 10**``places_down``, rounded half-up (away from zero at .5);
    multiplied instead when ``places_down`` is negative."""
    if places_down <= 0:
        return value * 10**-places_down
    unit = 10**places_down
    quotient, rest = divmod(abs(value), unit)
    if 2 * rest >= unit:
        quotient += 1
    return quotient if value >= 0 else -quotient


class _Builder:
    """Collects items into lists, then makes ``AgingColumns`` (customers sorted, groups kept).

    ``base_amount`` is left to ``build`` for every item whose index is not in ``converted``
    (base minor units by index): a rate of 1 converts nothing, so its base amount is its
    ``amount`` rounded to the base unit, done for all of them at once."""

    def __init__(self, base_currency: str) -> None:
        self.base_currency = base_currency
        self.base_places = get_currency_precision(base_currency)
        self.pairs: dict[tuple[str, str], int] = {}
        self.group: list[int] = []
        self.issue_day: list[int] = []
        self.due_day: list[int] = []
        self.amount: list[int] = []
        self.converted: dict[int, int] = {}

    def codes(self, customer_ids: Iterable[str], currencies: Iterable[str]) -> list[int]:
        """The group code of each (customer, currency), new pairs numbered as met."""
        pairs = self.pairs
        return [pairs.setdefault(pair, len(pairs)) for pair in zip(customer_ids, currencies)]

    def build(self) -> AgingColumns:
        customer_ids = tuple(sorted({customer for customer, _ in self.pairs}))
        index = {customer: i for i, customer in enumerate(customer_ids)}
        groups = tuple((index[customer], currency) for customer, currency in self.pairs)
        amount = _integers(self.amount)
        base = _round_half_up_array(amount, AMOUNT_PLACES - self.base_places)
        if self.converted:
            if base.dtype != object and any(abs(v) >= 2**63 for v in self.converted.values()):
                base = base.astype(object)
            base[list(self.converted)] = list(self.converted.values())
        return AgingColumns(
            base_currency=self.base_currency,
            customer_ids=customer_ids,
            groups=groups,
            group=np.array(self.group, dtype=np.int64),
            issue_day=np.array(self.issue_day, dtype=np.int64),
            due_day=np.array(self.due_day, dtype=np.int64),
            amount=amount,
            base_amount=base,
        )


def _integers(values: list[int]) -> np.ndarray:
    """``values`` as int64, or as Python ints (``object``) if one does not fit in int64."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return np.array(values, dtype=object)


def _round_half_up_array(values: np.ndarray, places_down: np.ndarray | int) -> np.ndarray:
    """``_round_half_up`` of each value (``places_down`` one for all, or one per value, >= 0)."""
    if values.dtype == object:
        downs = np.broadcast_to(np.asarray(places_down), values.shape)
        return np.array([_round_half_up(int(v), int(d)) for v, d in zip(values, downs)],
                        dtype=object)
    unit = np.int64(10) ** np.asarray(places_down, dtype=np.int64)
    quotient, rest = np.divmod(np.abs(values), unit)
    rounded = quotient + (2 * rest >= unit)
    return np.where(values < 0, -rounded, rounded)


def columns_from_batches(
    batches: Iterable[Sequence[tuple[Any, ...]]], *, base_currency: str
) -> AgingColumns:
    """Columns of the store's receivables (``ar_sync.store.receivables.receivable_batches``:
    batches of rows with ``ReceivableRow``'s fields).

    Each batch is turned into columns at once (one transposition; the numbers are already
    integers). An item's base amount is ``money.to_base`` of its amount at its own rate, as
    ``receivables`` converts; at a rate of 1 (NULL in the row) only the rounding to the base
    unit remains, done on integers.

    The cycle collector is paused while the rows stream in (``_collector_paused``).
    """
    with _collector_paused():
        return _columns_from_batches(batches, base_currency=base_currency)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, then back as it was. The rows read here
    are tuples of strings and numbers, which form no cycles (reference counting frees each
    batch), but the collector counts every tuple: at 100,000 rows it runs hundreds of times,
    each full pass walking every object the process has imported, for a third of a second of
    an ``ar-sync aging`` and nothing to free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _columns_from_batches(
    batches: Iterable[Sequence[tuple[Any, ...]]], *, base_currency: str
) -> AgingColumns:
    builder = _Builder(base_currency)
    places = builder.base_places
    rates: dict[Any, Decimal] = {}
    for batch in batches:
        if not batch:
            continue
        customer_ids, currencies, issued, due, units, raw_rates, quotes = zip(*batch)
        offset = len(builder.group)
        builder.group.extend(builder.codes(customer_ids, currencies))
        builder.issue_day.extend(issued)
        builder.due_day.extend(due)
        builder.amount.extend(units)
        if raw_rates.count(None) == len(raw_rates):
            continue
        for i, raw_rate in enumerate(raw_rates):
            if raw_rate is None:
                continue
            rate = rates.get(raw_rate)
            if rate is None:
                rate = rates[raw_rate] = Decimal(raw_rate)
            amount = Decimal(units[i]).scaleb(-AMOUNT_PLACES)
            base = to_base(amount, rate=rate, quote=RateQuote(quotes[i]),
                           base_currency=base_currency)
            builder.converted[offset + i] = int(base.scaleb(places))
    return builder.build()


def _units(amount: Decimal) -> int:
    """``amount`` in units of 10^-``AMOUNT_PLACES``; ``ValueError`` if it has more places."""
    units = amount.scaleb(AMOUNT_PLACES)
    if units != units.to_integral_value():
        raise ValueError(f"{amount} has more than {AMOUNT_PLACES} decimal places")
    return int(units)


def columns_from_items(items: Iterable[AgingItem], *, base_currency: str) -> AgingColumns:
    """Columns of ``AgingItem``\\ s (their ``base_amount`` taken as given, quantized per item as
    ``age`` does); for tests and the benchmark. ``ValueError`` for an amount with more than
    ``AMOUNT_PLACES`` decimal places (the store never holds one)."""
    builder = _Builder(base_currency)
    for item in items:
        builder.group.extend(builder.codes((item.customer_id,), (item.currency,)))
        builder.issue_day.append(day_number(item.issue_date))
        builder.due_day.append(day_number(item.due_date))
        builder.amount.append(_units(item.amount))
        base = quantize(item.base_amount, base_currency)
        builder.converted[len(builder.amount) - 1] = int(base.scaleb(builder.base_places))
    return builder.build()


# --------------------------------------------------------------------------------------------
# Aging
# --------------------------------------------------------------------------------------------


def bucket_indexes(
    columns: AgingColumns, *, as_of: date, scheme: Scheme, basis: Basis
) -> np.ndarray:
    """Each item's bucket, as an index into ``bucket_names(scheme, basis)``: the reference
    ``ar_sync.aging.age.bucket_for`` of each distinct anchor day (due or issue date), looked up
    per item, so the boundaries are defined once."""
    anchor = columns.due_day if basis is Basis.DUE else columns.issue_day
    if len(anchor) == 0:
        return np.zeros(0, dtype=np.int64)
    first = int(anchor.min())
    offsets = anchor - first
    seen = np.zeros(int(offsets.max()) + 1, dtype=bool)
    seen[offsets] = True
    index = {name: i for i, name in enumerate(bucket_names(scheme, basis))}
    days = np.flatnonzero(seen)
    table = np.zeros(len(seen), dtype=np.int64)
    table[days] = [
        index[bucket_for(date.fromordinal(EPOCH_ORDINAL + first + day), as_of=as_of,
                         scheme=scheme, basis=basis)]
        for day in days.tolist()
    ]
    return table[offsets]


def _sums(size: int, index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``out[k] = sum(values[index == k])`` for ``k < size``, exact: int64 when no sum can
    overflow it, else Python integers. An ``index`` of ``size`` is dropped."""
    safe = values.dtype != object and (
        len(values) == 0 or int(np.abs(values).max()) * len(values) < _INT64_SAFE
    )
    out = np.zeros(size + 1, dtype=np.int64 if safe else object)
    np.add.at(out, index, values if safe else values.astype(object))
    return out[:size]


def _round_cells(cells: np.ndarray, places_down: np.ndarray) -> list[int]:
    """``_round_half_up_array`` of ``cells`` (flattened) as a list of Python ints."""
    return [int(cell) for cell in _round_half_up_array(cells.reshape(-1), places_down).tolist()]


@lru_cache(maxsize=16)
def _quantum(places: int) -> Decimal:
    """``Decimal(1).scaleb(-places)``: ``Decimal(units) * _quantum(p)`` is ``units`` minor
    units with exactly ``p`` places (exact below 10**28 units, far past any sum here)."""
    return Decimal(1).scaleb(-places)


def age_columns(
    columns: AgingColumns,
    *,
    as_of: date,
    scheme: Scheme = Scheme.DAYS,
    basis: Basis = Basis.DUE,
) -> AgingReport:
    """Age ``columns`` at ``as_of``: equal to ``age(items, as_of=..., scheme=..., basis=...,
    base_currency=columns.base_currency)`` on the same receivables (its docstring says what the
    report holds). Items issued after ``as_of`` are left out; a customer with any other item is
    listed, even at zero."""
    scheme, basis = Scheme(scheme), Basis(basis)
    names = bucket_names(scheme, basis)
    width = len(names)
    base = columns.base_currency
    base_places = get_currency_precision(base)
    groups, customers_n = len(columns.groups), len(columns.customer_ids)
    later = columns.issue_day > day_number(as_of)  # not yet owed: dropped from every sum
    bucket = bucket_indexes(columns, as_of=as_of, scheme=scheme, basis=basis)
    slot = np.where(later, groups * width, columns.group * width + bucket)
    group_customer = np.array([customer for customer, _ in columns.groups], dtype=np.int64)
    customer_slot = np.where(
        later, customers_n * width, group_customer[columns.group] * width + bucket
    )
    in_currency = _sums(groups * width, slot, columns.amount)
    in_base = _sums(customers_n * width, customer_slot, columns.base_amount)
    present = np.flatnonzero(np.bincount(slot // width, minlength=groups + 1)[:groups])

    # By currency: each group's cells rounded half-up to its currency's minor unit.
    places = [get_currency_precision(columns.groups[code][1]) for code in present.tolist()]
    cells = in_currency.reshape(groups, width)[present]
    down = np.repeat(np.array([AMOUNT_PLACES - p for p in places], dtype=np.int64), width)
    if np.any(down < 0):  # a currency with more places than the store keeps: scale up
        raise ValueError("a currency with more minor-unit places than the store keeps")
    quanta = [_quantum(place) for place in places for _ in names]
    amounts = [Decimal(cell) * quantum for cell, quantum in zip(_round_cells(cells, down), quanta)]
    per_customer: dict[int, list[tuple[str, dict[str, Decimal]]]] = {}
    for row, code in enumerate(present.tolist()):
        customer, currency = columns.groups[code]
        cells_of = dict(zip(names, amounts[row * width:(row + 1) * width]))
        per_customer.setdefault(customer, []).append((currency, cells_of))

    # In base currency: sums of the items' rounded base amounts, per customer and in total.
    listed = sorted(per_customer)
    base_rows = in_base.reshape(customers_n, width)[listed].tolist()
    quantum = _quantum(base_places)
    customers = []
    for customer, row in zip(listed, base_rows):
        customers.append(
            CustomerAging(
                customer_id=columns.customer_ids[customer],
                buckets={name: Decimal(cell) * quantum for name, cell in zip(names, row)},
                total=Decimal(sum(row)) * quantum,
                by_currency=dict(sorted(per_customer[customer])),
            )
        )
    totals = [sum(column) for column in zip(*base_rows)] if base_rows else [0] * width
    total_buckets = {name: Decimal(cell) * quantum for name, cell in zip(names, totals)}
    return AgingReport(
        as_of=as_of,
        basis=basis,
        scheme=scheme,
        base_currency=base,
        bucket_names=names,
        customers=tuple(customers),
        totals=total_buckets,
        total=Decimal(sum(totals)) * quantum,
    )
