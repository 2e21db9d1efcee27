"""A realistic, seeded company of any size for demos, rehearsals and load tests.

``generate_company(customers, invoices, paid, seed, today)`` is deterministic: the same
arguments give the same company, ids included. What it contains:

- an NZD organisation in ``NEWZEALANDSTANDARDTIME``; customers with a payment profile (prompt
  payers, late payers, chronic non-payers) and every seventh customer billed in AUD at a
  ``CurrencyRate`` near 0.9150 (AUD per NZD); a few suppliers;
- exactly ``invoices`` open receivables (ACCREC, AUTHORISED, AmountDue > 0), due from 30 days
  after ``today`` to 200 days before it, the first five placed one in each aging bucket
  (current, 1-30, 31-60, 61-90, 91+ days overdue); about a quarter part-paid;
- ``paid`` fully paid ACCREC invoices (history), a few DRAFT, SUBMITTED, VOIDED and DELETED
  ones, and ACCPAY bills from the suppliers (some paid);
- credit notes (allocated in full, allocated in part, unallocated), overpayments (some of them
  allocated in part to open invoices), and at least three prepayments, in the base currency
  only (Xero takes prepayments in the base currency only:
  help.xero.com/us/BankAccounts_Details_Prepayment): one in three left unapplied, one applied
  in full to an open invoice, one applied in part (when some base-currency customer owes
  something). Unapplied prepayment is in neither Xero's receivables account ("Xero doesn't
  account for a prepayment in your Accounts Receivable until it's applied to an invoice":
  help.xero.com/nz/CustomerStatements-Prepayments) nor its aged receivables report (3P:
  poolwerx.freshdesk.com/support/solutions/articles/13000108203), nor ar-sync's aging, so
  the Trial Balance, the aged report and the aging still agree to the cent.

With ``history_months=N`` (default 0: none, the company byte for byte as without it) the N
months before ``today`` hold settled sales invoices as ``ar_sync.sandbox.history`` plans them
(paid on time or late by each customer's habit, part-paid, credited by a credit note allocated
on a later day, overpaid with the overpayment allocated later to the next invoice, voided; in
NZD and AUD); every tenth customer is new: no invoice older than 90 days.

Every date is before ``today`` and every ``UpdatedDateUTC`` is before ``today`` 00:00 UTC,
spread over the day of the record's last activity so that pages of changes are distinct.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from ar_sync.sandbox import history
from ar_sync_xero.sandbox.company import Company, build_company, midnight
from ar_sync_xero.sandbox.ledger import cents
from ar_sync_xero.sandbox.models import (
    Allocation,
    CompanyFile,
    Contact,
    ContactPerson,
    ContactRef,
    CreditNote,
    Invoice,
    InvoiceRef,
    LineItem,
    Organisation,
    Overpayment,
    Payment,
    Prepayment,
)

BASE_CURRENCY = "NZD"
FOREIGN_CURRENCY = "AUD"
GST = Decimal("0.15")
BUCKET_SEEDS = (-10, 15, 45, 75, 150)  # days overdue: current, 1-30, 31-60, 61-90, 91+
_PROFILES = {  # name: (weight as a debtor, days-overdue range of open invoices, days late paying)
    "prompt": (1, (-30, 12), (-10, 2)),
    "late": (2, (-20, 90), (5, 60)),
    "chronic": (3, (20, 200), (40, 150)),
}
_FIRST = (
    "Harbour",
    "Kauri",
    "Summit",
    "Rimu",
    "Totara",
    "Coastal",
    "Alpine",
    "Southern",
    "Northern",
    "Pohutukawa",
    "Kowhai",
    "Matai",
    "Ironsand",
    "Westport",
    "Tasman",
    "Ruru",
)
_SECOND = (
    "Cafe",
    "Builders",
    "Design",
    "Motors",
    "Dental",
    "Plumbing",
    "Bakery",
    "Joinery",
    "Electrical",
    "Print",
    "Surf Co",
    "Vineyard",
    "Logistics",
    "Studio",
    "Engineering",
    "Gardens",
    "Pharmacy",
    "Brewing",
    "Optometry",
    "Tiling",
)
_ITEMS = (
    "Consulting",
    "Installation",
    "Parts",
    "Maintenance",
    "Delivery",
    "Materials",
    "Design work",
    "Support plan",
    "Hire",
    "Training",
)


@dataclass
class _Customer:
    contact: Contact
    profile: str
    currency: str
    open_invoices: list[dict] = field(default_factory=list)


class _Builder:
    """Holds the random stream and the growing lists; each method adds one kind of record.

    Records are built typed and valid here, so they are not validated field by field again;
    ``build_company`` still checks every cross-reference and every total.
    """

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.yesterday = today - timedelta(days=1)
        self.invoices: list[dict] = []  # raw invoice fields; numbered and built at the end
        self.payments: list[Payment] = []
        self.credit_notes: list[CreditNote] = []
        self.overpayments: list[Overpayment] = []
        self.prepayments: list[Prepayment] = []

    # ---- primitives

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def stamp(self, day: date):
        """A moment during ``day`` (UTC), never later than the end of yesterday."""
        day = min(day, self.yesterday)
        return midnight(day) + timedelta(milliseconds=self.rng.randrange(86_400_000))

    def rate(self, currency: str) -> Decimal | None:
        if currency == BASE_CURRENCY:
            return None
        return Decimal("0.9000") + Decimal(self.rng.randrange(0, 300)) / 10000

    def lines(self, currency: str, count: int | None = None) -> tuple[LineItem, ...]:
        taxed = currency == BASE_CURRENCY
        result = []
        for _ in range(count or self.rng.randint(1, 3)):
            quantity = Decimal(self.rng.randint(1, 6))
            unit = self.money(15, 900)
            amount = quantity * unit
            result.append(
                LineItem(
                    LineItemID=self.uid(),
                    Description=self.rng.choice(_ITEMS),
                    Quantity=quantity,
                    UnitAmount=unit,
                    LineAmount=amount,
                    TaxAmount=cents(amount * GST) if taxed else Decimal("0.00"),
                    AccountCode="200",
                    TaxType="OUTPUT2" if taxed else "ZERORATEDOUTPUT",
                )
            )
        return tuple(result)

    @staticmethod
    def total(lines: tuple[LineItem, ...]) -> Decimal:
        return sum((line.LineAmount + line.TaxAmount for line in lines), Decimal("0.00"))  # type: ignore[operator]

    # ---- records

    def invoice(
        self,
        contact: Contact,
        currency: str,
        issued: date,
        due: date,
        status: str,
        kind: str = "ACCREC",
    ) -> dict:
        lines = self.lines(currency)
        raw = {
            "InvoiceID": self.uid(),
            "Type": kind,
            "Contact": ContactRef(ContactID=contact.ContactID, Name=contact.Name),
            "Date": issued,
            "DueDate": due,
            "Status": status,
            "LineAmountTypes": "Exclusive" if currency == BASE_CURRENCY else "NoTax",
            "LineItems": lines,
            "CurrencyCode": currency,
            "CurrencyRate": self.rate(currency),
            "Reference": f"PO {self.rng.randint(1000, 99999)}" if self.rng.random() < 0.6 else None,
            "Total": self.total(lines),
            "last_activity": issued,
        }
        self.invoices.append(raw)
        return raw

    def pay(self, invoice: dict, amount: Decimal, day: date, reference: str = "") -> None:
        self.payments.append(
            Payment(
                PaymentID=self.uid(),
                Date=day,
                Amount=amount,
                Reference=reference,
                CurrencyRate=invoice["CurrencyRate"],
                IsReconciled=self.rng.random() < 0.8,
                UpdatedDateUTC=self.stamp(day),
                Invoice=InvoiceRef(InvoiceID=invoice["InvoiceID"]),
            )
        )
        invoice["paid"] = invoice.get("paid", Decimal("0.00")) + amount
        invoice["last_activity"] = max(invoice["last_activity"], day)

    def allocate(self, invoice: dict, amount: Decimal, day: date) -> Allocation:
        invoice["paid"] = invoice.get("paid", Decimal("0.00")) + amount
        invoice["last_activity"] = max(invoice["last_activity"], day)
        return Allocation(
            AllocationID=self.uid(),
            Amount=amount,
            Date=day,
            Invoice=InvoiceRef(InvoiceID=invoice["InvoiceID"]),
        )

    def part_of_due(self, invoice: dict, low_pct: int, high_pct: int) -> Decimal:
        """Between ``low_pct`` and ``high_pct`` percent of what is still due, at least 0.01 left."""
        due = invoice["Total"] - invoice.get("paid", Decimal("0.00"))
        share = cents(due * self.rng.randint(low_pct, high_pct) / 100)
        return max(Decimal("0.01"), min(share, due - Decimal("0.01")))


def generate_company(
    customers: int = 40,
    invoices: int = 400,
    paid: int | None = None,
    seed: int = 7,
    today: date | None = None,
    history_months: int = 0,
) -> Company:
    """A seeded company with exactly ``invoices`` open receivables; see the module docstring.

    ``paid`` (fully paid history invoices) defaults to ``invoices // 2``; ``today`` defaults to
    the current date (then the result is deterministic only within that day). With
    ``history_months`` (0: none, and the company is exactly as without it) the months before
    ``today`` are filled as ``_history`` says.
    """
    if customers < 1 or invoices < 0 or (paid is not None and paid < 0) or history_months < 0:
        raise ValueError(
            "customers must be at least 1; invoices, paid and history_months cannot be negative"
        )
    today = today or date.today()
    paid = invoices // 2 if paid is None else paid
    build = _Builder(seed, today)
    org = Organisation(
        OrganisationID=build.uid(),
        Name=f"Sandbox Trading Ltd (seed {seed})",
        BaseCurrency=BASE_CURRENCY,
        CountryCode="NZ",
        Timezone="NEWZEALANDSTANDARDTIME",
        CreatedDateUTC=midnight(today - timedelta(days=730)),
    )
    people = [_customer(build, index) for index in range(customers)]
    suppliers = [_supplier(build, index) for index in range(max(2, customers // 8))]
    # With history, new customers (history.behaviour) get no invoices older than NEW_DAYS.
    established = [
        c for i, c in enumerate(people)
        if not history_months or history.behaviour(i, customers) != "new"
    ]
    _open_invoices(build, established, invoices)
    _paid_history(build, established, paid)
    _other_statuses(build, people, max(1, invoices // 100))
    _bills(build, suppliers, max(2, invoices // 20))
    _credits(build, people, invoices)
    _history(build, people, history_months)
    built = [_finish_invoice(build, raw) for raw in _numbered(build.invoices)]
    company_file = CompanyFile(
        Organisation=org,
        Contacts=(*(c.contact for c in people), *suppliers),
        Invoices=tuple(built),
        CreditNotes=tuple(build.credit_notes),
        Overpayments=tuple(build.overpayments),
        Prepayments=tuple(build.prepayments),
        Payments=tuple(build.payments),
    )
    return build_company(company_file)


def _customer(build: _Builder, index: int) -> _Customer:
    rng = build.rng
    name = f"{_FIRST[index % len(_FIRST)]} {_SECOND[(index // len(_FIRST)) % len(_SECOND)]}"
    if index >= len(_FIRST) * len(_SECOND):
        name += f" {index // (len(_FIRST) * len(_SECOND)) + 1}"
    slug = name.lower().replace(" ", "")
    persons = []
    if rng.random() < 0.3:
        persons = [
            ContactPerson(
                FirstName="Sam",
                LastName="Accounts",
                EmailAddress=f"sam@{slug}.example.nz",
                IncludeInEmails=True,
            )
        ]
    contact = Contact(
        ContactID=build.uid(),
        Name=name,
        AccountNumber=f"C{index + 1:05d}",
        EmailAddress=None if index % 10 == 9 else f"accounts@{slug}.example.nz",
        ContactPersons=tuple(persons),
        DefaultCurrency=FOREIGN_CURRENCY if index % 7 == 3 else None,
    )
    profile = rng.choices(list(_PROFILES), weights=(50, 35, 15))[0]
    currency = FOREIGN_CURRENCY if index % 7 == 3 else BASE_CURRENCY
    return _Customer(contact=contact, profile=profile, currency=currency)


def _supplier(build: _Builder, index: int) -> Contact:
    return Contact(
        ContactID=build.uid(),
        Name=f"{_FIRST[(index + 5) % len(_FIRST)]} Supplies {index + 1}",
        EmailAddress=f"billing{index + 1}@supplies.example.nz",
    )


def _open_invoices(build: _Builder, people: list[_Customer], count: int) -> None:
    """``count`` AUTHORISED receivables with something due; about a quarter part-paid."""
    rng, today = build.rng, build.today
    cumulative = list(accumulate(_PROFILES[c.profile][0] for c in people))
    for number in range(count):
        customer = rng.choices(people, cum_weights=cumulative)[0]
        low, high = _PROFILES[customer.profile][1]
        overdue = BUCKET_SEEDS[number] if number < len(BUCKET_SEEDS) else rng.randint(low, high)
        due = today - timedelta(days=overdue)
        issued = min(
            due - timedelta(days=rng.choice((7, 14, 20, 30))),
            today - timedelta(days=rng.randint(1, 10)),
        )
        invoice = build.invoice(customer.contact, customer.currency, issued, due, "AUTHORISED")
        customer.open_invoices.append(invoice)
        if rng.random() < 0.25 and issued < build.yesterday:
            day = build.day_between(issued, build.yesterday)
            build.pay(invoice, build.part_of_due(invoice, 10, 70), day, "Part payment")


def _paid_history(build: _Builder, people: list[_Customer], count: int) -> None:
    """``count`` fully paid invoices; one in five paid in two instalments."""
    rng, today = build.rng, build.today
    for _ in range(count):
        customer = rng.choice(people)
        issued = today - timedelta(days=rng.randint(35, 420))
        due = issued + timedelta(days=rng.choice((7, 14, 20, 30)))
        invoice = build.invoice(customer.contact, customer.currency, issued, due, "PAID")
        early, late = _PROFILES[customer.profile][2]
        settled = min(due + timedelta(days=rng.randint(early, late)), build.yesterday)
        settled = max(settled, issued)
        if rng.random() < 0.2:
            first = build.part_of_due(invoice, 30, 60)
            build.pay(invoice, first, build.day_between(issued, settled), "Instalment 1")
            build.pay(invoice, invoice["Total"] - first, settled, "Instalment 2")
        else:
            build.pay(invoice, invoice["Total"], settled, "Direct credit")


def _other_statuses(build: _Builder, people: list[_Customer], each: int) -> None:
    """A few recent DRAFT, SUBMITTED, VOIDED and DELETED sales invoices."""
    for status in ("DRAFT", "SUBMITTED", "VOIDED", "DELETED"):
        for _ in range(each):
            customer = build.rng.choice(people)
            issued = build.today - timedelta(days=build.rng.randint(1, 40))
            build.invoice(
                customer.contact, customer.currency, issued, issued + timedelta(days=20), status
            )


def _bills(build: _Builder, suppliers: list[Contact], count: int) -> None:
    """Supplier bills (ACCPAY); two in five already paid."""
    for _ in range(count):
        issued = build.today - timedelta(days=build.rng.randint(1, 120))
        due = issued + timedelta(days=30)
        bill = build.invoice(
            build.rng.choice(suppliers), BASE_CURRENCY, issued, due, "AUTHORISED", kind="ACCPAY"
        )
        if build.rng.random() < 0.4:
            bill["Status"] = "PAID"
            build.pay(bill, bill["Total"], build.day_between(issued, build.yesterday))


def _credits(build: _Builder, people: list[_Customer], open_count: int) -> None:
    """Credit notes, overpayments and prepayments; allocations never clear an open invoice."""
    rng = build.rng
    debtors = [c for c in people if c.open_invoices]
    for number in range(max(2, open_count // 25) if debtors else 0):
        customer = rng.choice(debtors)
        invoice = rng.choice(customer.open_invoices)
        day = build.day_between(invoice["Date"], build.yesterday)
        allocation = build.allocate(invoice, build.part_of_due(invoice, 10, 50), day)
        extra = Decimal("0.00") if number % 2 == 0 else build.money(10, 200)
        build.credit_notes.append(
            _credit(
                build,
                CreditNote,
                customer,
                day,
                allocation.Amount + extra,
                [allocation],
                CreditNoteID=build.uid(),
                CreditNoteNumber=f"CN-{number + 1:04d}",
                Type="ACCRECCREDIT",
            )
        )
    for number in range(max(1, open_count // 80)):
        customer = rng.choice(people)
        day = build.today - timedelta(days=rng.randint(1, 90))
        build.credit_notes.append(
            _credit(
                build,
                CreditNote,
                customer,
                day,
                build.money(20, 300),
                [],
                CreditNoteID=build.uid(),
                CreditNoteNumber=f"CN-U{number + 1:03d}",
                Type="ACCRECCREDIT",
            )
        )
    for _ in range(max(1, open_count // 100)):
        customer = rng.choice(debtors or people)
        day = build.today - timedelta(days=rng.randint(1, 60))
        allocations = []
        if customer.open_invoices and rng.random() < 0.5:
            invoice = rng.choice(customer.open_invoices)
            when = max(day, invoice["Date"])
            allocations = [build.allocate(invoice, build.part_of_due(invoice, 5, 30), when)]
        total = sum((a.Amount for a in allocations), Decimal("0.00")) + build.money(20, 400)
        build.overpayments.append(
            _credit(
                build, Overpayment, customer, day, total, allocations,
                OverpaymentID=build.uid(), Type="RECEIVE-OVERPAYMENT",
            )
        )
    _prepayments(build, people, max(3, open_count // 100))


def _prepayments(build: _Builder, people: list[_Customer], count: int) -> None:
    """``count`` base-currency prepayments: in turn unapplied, applied in full to one open
    invoice, applied in part (the applied ones only while a base-currency customer owes)."""
    rng = build.rng
    in_base = [c for c in people if c.currency == BASE_CURRENCY]
    owing = [c for c in in_base if c.open_invoices]
    for number in range(count if in_base else 0):
        applies = number % 3 != 0 and bool(owing)
        customer = rng.choice(owing if applies else in_base)
        day = build.today - timedelta(days=rng.randint(1, 60))
        allocations = []
        if applies:
            invoice = rng.choice(customer.open_invoices)
            when = max(day, invoice["Date"])
            allocations = [build.allocate(invoice, build.part_of_due(invoice, 5, 30), when)]
        left = Decimal("0.00") if applies and number % 3 == 1 else build.money(20, 400)
        total = sum((a.Amount for a in allocations), Decimal("0.00")) + left
        build.prepayments.append(
            _credit(
                build, Prepayment, customer, day, total, allocations,
                PrepaymentID=build.uid(), Type="RECEIVE-PREPAYMENT",
            )
        )


def _credit(
    build: _Builder,
    kind,
    customer: _Customer,
    day: date,
    total: Decimal,
    allocations: list[Allocation],
    **fields,
):
    last = max([day, *(a.Date for a in allocations if a.Date)])
    return kind(
        Contact=ContactRef(ContactID=customer.contact.ContactID, Name=customer.contact.Name),
        Date=day,
        Status="AUTHORISED" if total > sum((a.Amount for a in allocations), Decimal(0)) else "PAID",
        LineAmountTypes="NoTax",
        Total=total,
        CurrencyCode=customer.currency,
        CurrencyRate=build.rate(customer.currency),
        Reference=f"Ref {build.rng.randint(100, 999)}",
        Allocations=tuple(allocations),
        UpdatedDateUTC=build.stamp(last),
        **fields,
    )


def _history(build: _Builder, people: list[_Customer], months: int) -> None:
    """The ``months`` before today as ``ar_sync.sandbox.history.plan_history`` plans them, every
    bill closed by today: paid (on time or late), part-paid, credited (a credit note allocated
    on a later day), overpaid (an overpayment allocated later to the customer's next invoice,
    any part it cannot take left unallocated) and voided, each in its customer's currency."""
    plan = history.plan_history(
        build.rng, today=build.today, months=months, customers=len(people)
    )
    for number, planned in enumerate(plan, start=1):
        customer = people[planned.customer]
        status = "VOIDED" if planned.kind == "voided" else "PAID"
        raw = build.invoice(
            customer.contact, customer.currency, planned.issued, planned.due, status
        )
        total = raw["Total"]
        if planned.kind == "voided":
            # Voided that day, with nothing paid: "Xero prevents you from voiding a paid
            # document" (www.saasant.com/blog/xero-void-vs-delete/).
            raw["last_activity"] = planned.settled
        elif planned.kind == "part_paid" and planned.first is not None:
            build.pay(raw, cents(total * planned.share), planned.first, "Part payment")
            build.pay(raw, total - raw["paid"], planned.settled, "Balance")
        elif planned.kind == "credited" and planned.first and planned.applied:
            # An allocation has its own date, "the date the allocation is applied"
            # (Allocation.Date in ../shared/specs/xero/xero_accounting.yaml).
            allocation = build.allocate(raw, cents(total * planned.share), planned.applied)
            build.credit_notes.append(
                _credit(
                    build, CreditNote, customer, planned.first, allocation.Amount, [allocation],
                    CreditNoteID=build.uid(), CreditNoteNumber=f"CN-H{number:05d}",
                    Type="ACCRECCREDIT",
                )
            )
            build.pay(raw, total - raw["paid"], planned.settled, "Balance")
        elif planned.kind == "overpaid" and planned.applied and planned.closed:
            build.pay(raw, total, planned.settled, "Direct credit")
            _overpaid(build, customer, raw, planned)
        else:
            build.pay(raw, total, planned.settled, "Direct credit")


def _overpaid(
    build: _Builder, customer: _Customer, paid: dict, planned: history.Planned
) -> None:
    """The overpayment beside ``paid``, allocated on ``planned.applied`` to a new invoice."""
    assert planned.applied is not None and planned.closed is not None
    extra = max(Decimal("0.01"), cents(paid["Total"] * planned.share))
    due = planned.applied + timedelta(days=planned.due.toordinal() - planned.issued.toordinal())
    after = build.invoice(customer.contact, customer.currency, planned.applied, due, "PAID")
    allocation = build.allocate(after, min(extra, after["Total"]), planned.applied)
    build.overpayments.append(
        _credit(
            build, Overpayment, customer, planned.settled, extra, [allocation],
            OverpaymentID=build.uid(), Type="RECEIVE-OVERPAYMENT",
        )
    )
    if after["paid"] < after["Total"]:
        build.pay(after, after["Total"] - after["paid"], planned.closed, "Balance")


def _numbered(raw_invoices: list[dict]) -> list[dict]:
    """Sales invoices numbered INV-00001... in date order, bills BILL-00001...."""
    ordered = sorted(raw_invoices, key=lambda raw: (raw["Date"], raw["InvoiceID"]))
    counters = {"ACCREC": 0, "ACCPAY": 0}
    for raw in ordered:
        counters[raw["Type"]] += 1
        prefix = "INV" if raw["Type"] == "ACCREC" else "BILL"
        raw["InvoiceNumber"] = f"{prefix}-{counters[raw['Type']]:05d}"
    return ordered


def _finish_invoice(build: _Builder, raw: dict) -> Invoice:
    """The invoice, stamped during the day of its last payment or allocation."""
    fields = {k: v for k, v in raw.items() if k not in ("paid", "last_activity")}
    return Invoice(**fields, UpdatedDateUTC=build.stamp(raw["last_activity"]))
