"""A realistic, seeded QuickBooks Online company of any size for demos, rehearsals, load tests.

``generate_company(customers=, invoices=, paid=, seed=, today=)`` is deterministic: the same
arguments give the same company, ids included. It holds:

- a USD company in ``America/Los_Angeles`` with multicurrency on; ``customers`` customers, every
  seventh billed in EUR, GBP or CAD at an ``ExchangeRate`` (USD per foreign unit, 4 decimal
  places) near 1.0834, 1.2671 and 0.7342;
- exactly ``invoices`` open invoices (``Balance > 0``), net 30, due from 30 days after ``today``
  to 200 days before it (the first five one in each aging bucket: current, 1-30, 31-60, 61-90,
  91+ days overdue); about a quarter part-paid by Payments linking them;
- exactly ``paid`` fully paid invoices (a Payment each), a voided invoice per 25 open ones (at
  least one; every amount 0, ``PrivateNote`` "Voided", or "Voided - <its note>" for every
  other one, as QBO writes it over a note the invoice had), an unapplied credit memo
  (``RemainingCredit > 0``) per five customers and an unapplied payment
  (``UnappliedAmt > 0``) per six customers (at least one of each);
- one inactive customer (``Active: false``) per ten customers (at least one when there are two
  or more), each still owing on open invoices: QBO hides them from a customer query that does
  not ask for them, while their invoices stay in the receivables. (QBO refuses to make a
  customer with a balance inactive, ruckus/quickbooks-ruby#390; one ends up so when a payment
  is deleted or voided after it was made inactive.)

With ``history_months=N`` (default 0: none, the company byte for byte as without it) the N
months before ``today`` hold settled invoices as ``ar_sync.sandbox.history`` plans them (paid on
time or late by each customer's habit, part-paid, credited by a credit memo applied later by a
zero-total payment, overpaid with the unapplied rest applied later to the next invoice, voided;
in each customer's currency); every tenth customer is new (created 90 days before ``today``,
no invoice older). History records are dated at least two days before ``today``.

Every ``TxnDate`` is on or before ``today``, every payment before it; ``MetaData`` times are
spread over the day of each record's last activity, written with the company's offset, and
none is later than ``now`` when it is given (the generation instant: the sandbox plugin passes
its clock's), whatever the hour.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from ar_sync.sandbox import history
from ar_sync_quickbooks.sandbox import ledger, wire
from ar_sync_quickbooks.sandbox.company import DEFAULT_TIMEZONE, Company, build_company
from ar_sync_quickbooks.sandbox.wire import ZERO

BUCKET_SEEDS = (-10, 15, 45, 75, 150)  # days overdue: current, 1-30, 31-60, 61-90, 91+
TERMS_DAYS = 30
FOREIGN = (("EUR", Decimal("1.0834")), ("GBP", Decimal("1.2671")), ("CAD", Decimal("0.7342")))
_FIRST = (
    "Redwood",
    "Harbor",
    "Summit",
    "Cedar",
    "Golden",
    "Pacific",
    "Mesa",
    "Willow",
    "Granite",
    "Canyon",
    "Bayside",
    "Sierra",
    "Juniper",
    "Coastal",
    "Prairie",
    "Aspen",
)
_SECOND = (
    "Bakery",
    "Design",
    "Plumbing",
    "Dental",
    "Books",
    "Garage",
    "Florist",
    "Studio",
    "Roofing",
    "Catering",
    "Cycles",
    "Pharmacy",
    "Printing",
    "Outfitters",
    "Vineyard",
)
_ITEMS = (
    ("1", "Services"),
    ("4", "Design"),
    ("5", "Rock Fountain"),
    ("7", "Installation"),
    ("11", "Pump"),
    ("13", "Maintenance"),
)


def generate_company(
    *,
    customers: int,
    invoices: int,
    paid: int,
    seed: int,
    today: date,
    history_months: int = 0,
    now: datetime | None = None,
) -> Company:
    """A complete, consistent company (see the module docstring); ``history_months`` (0: none,
    and the company is exactly as without it) fills the months before ``today`` as
    ``_Generator._history`` says. ``now`` (an aware instant, the generation's; None: no cap)
    caps every ``MetaData`` stamp, so none is in the future whatever the hour; a stamp already
    at or before it is unchanged, so the company is the same as without it at most hours."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if invoices < 0 or paid < 0 or history_months < 0:
        raise ValueError("invoices, paid and history_months must not be negative")
    generator = _Generator(random.Random(seed), today, history_months, now)
    return build_company(generator.document(customers, invoices, paid))


class _Generator:
    def __init__(
        self, rng: random.Random, today: date, history_months: int = 0,
        now: datetime | None = None,
    ) -> None:
        self.rng, self.today, self.history_months = rng, today, history_months
        self.now = None if now is None else now.astimezone(UTC).replace(microsecond=0)
        self.tz = wire.zone(DEFAULT_TIMEZONE)
        self._ids = iter(range(1, 10**9))
        self.customers: list[dict[str, object]] = []
        self.invoices: list[dict[str, object]] = []
        self.payments: list[dict[str, object]] = []
        self.memos: list[dict[str, object]] = []
        self._open: list[dict[str, object]] = []  # the open invoices (never fully paid)
        # who gets the invoices and credits older than history.NEW_DAYS: with history, not the
        # new customers (history.behaviour)
        self._established: list[dict[str, object]] = []
        self._minute = 0

    def document(self, customers: int, invoices: int, paid: int) -> dict[str, object]:
        for index in range(customers):
            self._customer(index, customers)
        for index in range(invoices):
            overdue = (
                BUCKET_SEEDS[index] if index < len(BUCKET_SEEDS) else self.rng.randint(-30, 200)
            )
            self._open_invoice(overdue, part_paid=self.rng.random() < 0.25)
        for _ in range(paid):
            self._paid_invoice()
        for number in range(max(1, invoices // 25)):
            self._voided_invoice(prior_note=number % 2 == 1)
        for _ in range(max(1, customers // 5)):
            self._credit_memo()
        for _ in range(max(1, customers // 6)):
            self._unapplied_payment()
        self._history()
        for customer in self.customers:
            customer.pop("_rate", None)
        self._deactivate(customers // 10 if customers >= 10 else min(1, customers - 1))
        return {
            "realmId": "9130357766900" + str(self.rng.randint(100, 999)),
            "CompanyInfo": {
                "CompanyName": "Sandbox Company_US_1",
                "LegalName": "Sandbox Company US 1 LLC",
                "Country": "US",
                "Email": {"Address": "noreply@quickbooks.example"},
                "DefaultTimeZone": DEFAULT_TIMEZONE,
            },
            "Preferences": {
                "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
            },
            "Customer": self.customers,
            "Invoice": self.invoices,
            "Payment": self.payments,
            "CreditMemo": self.memos,
        }

    # ---- helpers

    def _id(self) -> str:
        return str(next(self._ids))

    def _amount(self, low: int = 50, high: int = 5000) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    def _stamp(self, day: date) -> str:
        """A time on ``day`` spread over the working day (on ``today``: its first minutes, so
        that nothing is stamped later than a caller's "now" on the day it generates), and never
        after ``now`` when it is given: a working day in Los Angeles ends at 00:59 UTC the next
        day, so yesterday's records would otherwise be in the future until then.

        ``today`` may be the UTC date or the company's local one: its first minutes are counted
        from the earlier of the two midnights, so a company west of UTC generated just after
        midnight UTC (still yesterday in its zone) is not stamped in the future."""
        self._minute = (self._minute + 7) % 540
        if day >= self.today:
            midnight = min(
                datetime.combine(day, time(), tzinfo=self.tz),
                datetime.combine(day, time(), tzinfo=UTC),
            )
            moment = midnight + timedelta(seconds=self._minute)
        else:
            moment = datetime.combine(day, time(8), tzinfo=self.tz) + timedelta(
                minutes=self._minute
            )
        moment = moment.astimezone(UTC)
        if self.now is not None and moment > self.now:
            moment = self.now
        return wire.stamp(moment, self.tz)

    def _meta(self, created: date, updated: date | None = None) -> dict[str, str]:
        first = self._stamp(created)
        last = self._stamp(updated) if updated and updated > created else first
        return {"CreateTime": first, "LastUpdatedTime": _later(first, last, self.tz)}

    def _customer(self, index: int, customers: int) -> None:
        name = f"{_FIRST[index % len(_FIRST)]} {_SECOND[(index // len(_FIRST)) % len(_SECOND)]}"
        if index >= len(_FIRST) * len(_SECOND):
            name += f" {index // (len(_FIRST) * len(_SECOND)) + 1}"
        customer: dict[str, object] = {
            "Id": self._id(),
            "DisplayName": name,
            "CompanyName": name,
            "PrimaryEmailAddr": {
                "Address": f"ap{index + 1}@{name.lower().replace(' ', '-')}.example"
            },
            "MetaData": self._meta(self.today - timedelta(days=400 + index % 30)),
        }
        if self.history_months and history.behaviour(index, customers) == "new":
            customer["MetaData"] = self._meta(self.today - timedelta(days=history.NEW_DAYS))
        else:
            self._established.append(customer)
        if index % 7 == 3:
            currency, base = FOREIGN[(index // 7) % len(FOREIGN)]
            customer["CurrencyRef"] = {"value": currency}
            customer["_rate"] = base
        self.customers.append(customer)

    def _rate(self, customer: dict[str, object]) -> dict[str, object]:
        base = customer.get("_rate")
        if base is None:
            return {}
        jitter = Decimal(self.rng.randint(-150, 150)) / 10000
        return {"ExchangeRate": base + jitter}  # type: ignore[operator]

    def _invoice(
        self, customer: dict[str, object], txn_date: date, total: Decimal
    ) -> dict[str, object]:
        item = self.rng.choice(_ITEMS)
        invoice_id = self._id()
        invoice = {
            "Id": invoice_id,
            "DocNumber": str(1000 + len(self.invoices) + 1),
            "TxnDate": txn_date.isoformat(),
            "DueDate": (txn_date + timedelta(days=TERMS_DAYS)).isoformat(),
            "CustomerRef": {"value": customer["Id"]},
            **self._rate(customer),
            "BillEmail": dict(customer["PrimaryEmailAddr"]),  # type: ignore[arg-type]
            "Line": [
                {
                    "Description": f"{item[1]} for {customer['DisplayName']}",
                    "Amount": total,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": item[0], "name": item[1]}},
                }
            ],
            "MetaData": self._meta(txn_date),
        }
        self.invoices.append(invoice)
        return invoice

    def _pay(
        self, invoice: dict[str, object], amount: Decimal, day: date, total: Decimal | None = None
    ) -> dict[str, object]:
        """A payment of ``total`` (default ``amount``) on ``day``, ``amount`` of it to
        ``invoice``."""
        customer_id = invoice["CustomerRef"]["value"]  # type: ignore[index]
        payment = {
            "Id": self._id(),
            "TxnDate": day.isoformat(),
            "CustomerRef": {"value": customer_id},
            **({"ExchangeRate": invoice["ExchangeRate"]} if "ExchangeRate" in invoice else {}),
            "TotalAmt": amount if total is None else total,
            "PaymentRefNum": str(self.rng.randint(1000, 99999)),
            "Line": [
                {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
            "MetaData": self._meta(day),
        }
        self.payments.append(payment)
        self._touch(invoice, payment["MetaData"]["LastUpdatedTime"])  # type: ignore[index]
        return payment

    def _touch(self, record: dict[str, object], stamp: str) -> None:
        """Move ``record``'s ``LastUpdatedTime`` to ``stamp`` if that is later."""
        meta: dict[str, str] = record["MetaData"]  # type: ignore[assignment]
        record["MetaData"] = {
            "CreateTime": meta["CreateTime"],
            "LastUpdatedTime": _later(meta["LastUpdatedTime"], stamp, self.tz),
        }

    def _link(
        self, payment: dict[str, object], record: dict[str, object], kind: str, amount: Decimal,
        day: date,
    ) -> None:
        """Add a line applying ``amount`` of ``payment`` to ``record`` (a ``kind``: Invoice or
        CreditMemo), edited on ``day``: both records' stamps move to that day."""
        payment["Line"].append(  # type: ignore[attr-defined]
            {"Amount": amount, "LinkedTxn": [{"TxnId": record["Id"], "TxnType": kind}]}
        )
        stamp = self._stamp(day)
        self._touch(payment, stamp)
        self._touch(record, stamp)

    def _payment_day(self, txn_date: date) -> date:
        latest = self.today - timedelta(days=1)
        if latest <= txn_date:
            return txn_date
        return txn_date + timedelta(days=self.rng.randint(0, (latest - txn_date).days))

    def _open_invoice(self, overdue: int, *, part_paid: bool) -> None:
        customer = self.rng.choice(self._established)
        txn_date = self.today - timedelta(days=overdue + TERMS_DAYS)
        invoice = self._invoice(customer, txn_date, self._amount())
        self._open.append(invoice)
        if part_paid and txn_date < self.today:
            total: Decimal = invoice["Line"][0]["Amount"]  # type: ignore[index]
            share = Decimal(self.rng.randint(10, 80)) / 100
            self._pay(invoice, wire.cents(total * share), self._payment_day(txn_date))

    def _paid_invoice(self) -> None:
        customer = self.rng.choice(self._established)
        txn_date = self.today - timedelta(days=self.rng.randint(31, 400))
        invoice = self._invoice(customer, txn_date, self._amount())
        self._pay(invoice, invoice["Line"][0]["Amount"], self._payment_day(txn_date))  # type: ignore[index]

    def _voided_invoice(self, *, prior_note: bool) -> None:
        customer = self.rng.choice(self._established)
        txn_date = self.today - timedelta(days=self.rng.randint(5, 120))
        self._void(self._invoice(customer, txn_date, Decimal("0.00")), prior_note=prior_note)

    @staticmethod
    def _void(invoice: dict[str, object], *, prior_note: bool) -> None:
        """Zero ``invoice`` (its total already 0) and note it voided, as QBO writes it."""
        note = f"Order {invoice['DocNumber']} cancelled by the customer" if prior_note else None
        invoice["PrivateNote"] = ledger.voided_note(note)
        invoice["Line"][0]["Description"] = "Voided"  # type: ignore[index]

    def _history(self) -> None:
        """The ``history_months`` before today as ``ar_sync.sandbox.history.plan_history``
        plans them, every bill closed by today: paid (on time or late), part-paid, credited (a
        credit memo applied on a later day by a zero-total payment linking both), overpaid (a
        payment whose unapplied rest is applied later, by a line added to it, to the customer's
        next invoice; what that cannot take stays unapplied) and voided, each in its customer's
        currency."""
        plan = history.plan_history(
            self.rng, today=self.today, months=self.history_months, customers=len(self.customers)
        )
        for planned in plan:
            customer = self.customers[planned.customer]
            total = ZERO if planned.kind == "voided" else self._amount()
            invoice = self._invoice(customer, planned.issued, total)
            invoice["DueDate"] = planned.due.isoformat()
            share = wire.cents(total * planned.share)
            if planned.kind == "voided":
                self._void(invoice, prior_note=False)
                self._touch(invoice, self._stamp(planned.settled))
            elif planned.kind == "part_paid" and planned.first:
                self._pay(invoice, share, planned.first)
                self._pay(invoice, total - share, planned.settled)
            elif planned.kind == "credited" and planned.first and planned.applied:
                # A zero-total payment linking both applies the memo (notes §3, citing
                # docs.breadwinner.com/quickbooks/applying-credit-to-an-invoice).
                memo = self._memo(customer, planned.first, share)
                self._link(self._pay(invoice, share, planned.applied, ZERO), memo,
                           "CreditMemo", share, planned.applied)
                self._pay(invoice, total - share, planned.settled)
            elif planned.kind == "overpaid" and planned.applied and planned.closed:
                extra = max(Decimal("0.01"), share)
                payment = self._pay(invoice, total, planned.settled, total + extra)
                # The unapplied rest is applied later by editing the payment to tick the newer
                # invoice (3P, QBO's receive-payment screen:
                # help.noviams.com/en/articles/9875512-payment-applied-to-the-wrong-invoice);
                # QBO keeps no date of that edit (reports.py, UNCONFIRMED).
                after = self._invoice(customer, planned.applied, self._amount())
                after["DueDate"] = (planned.applied + (planned.due - planned.issued)).isoformat()
                applied = min(extra, after["Line"][0]["Amount"])  # type: ignore[index]
                self._link(payment, after, "Invoice", applied, planned.applied)
                rest = after["Line"][0]["Amount"] - applied  # type: ignore[index]
                if rest > 0:
                    self._pay(after, rest, planned.closed)
            else:
                self._pay(invoice, total, planned.settled)

    def _deactivate(self, count: int) -> None:
        """Make ``count`` customers that owe on open invoices inactive (the last ones to have
        an open invoice, so the first invoices, one per aging bucket, keep active owners)."""
        owing = [
            str(invoice["CustomerRef"]["value"])  # type: ignore[index]
            for invoice in self._open
        ]
        chosen = list(dict.fromkeys(reversed(owing)))[:count]
        for customer in self.customers:
            if customer["Id"] in chosen:
                customer["Active"] = False

    def _credit_memo(self) -> None:
        customer = self.rng.choice(self._established)
        txn_date = self.today - timedelta(days=self.rng.randint(1, 150))
        self._memo(customer, txn_date)

    def _memo(
        self, customer: dict[str, object], txn_date: date, amount: Decimal | None = None
    ) -> dict[str, object]:
        """A credit memo for ``amount`` (default: 20.00 to 400.00) dated ``txn_date``."""
        self.memos.append(
            {
                "Id": self._id(),
                "DocNumber": f"CM-{len(self.memos) + 1:04d}",
                "TxnDate": txn_date.isoformat(),
                "CustomerRef": {"value": customer["Id"]},
                **self._rate(customer),
                "Line": [
                    {
                        "Description": "Credit for returned goods",
                        "Amount": self._amount(20, 400) if amount is None else amount,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}},
                    }
                ],
                "MetaData": self._meta(txn_date),
            }
        )
        return self.memos[-1]

    def _unapplied_payment(self) -> None:
        customer = self.rng.choice(self.customers)
        day = self.today - timedelta(days=self.rng.randint(1, 90))
        self.payments.append(
            {
                "Id": self._id(),
                "TxnDate": day.isoformat(),
                "CustomerRef": {"value": customer["Id"]},
                **self._rate(customer),
                "TotalAmt": self._amount(10, 300),
                "PrivateNote": "Received without remittance advice",
                "Line": [],
                "MetaData": self._meta(day),
            }
        )


def _later(first: str, second: str, tz: object) -> str:
    """The later of two timestamps, compared as instants."""
    a, b = wire.parse_instant(first, tz), wire.parse_instant(second, tz)  # type: ignore[arg-type]
    return first if a >= b else second
