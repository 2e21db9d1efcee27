"""Aging: bucket boundaries, receivable selection, currency conversion, a worked example."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from ar_sync.aging.age import (
    AgingItem,
    ItemKind,
    age,
    bucket_for,
    bucket_names,
    bucket_of,
    months_between,
    receivables,
)
from ar_sync.domain import Basis, Credit, CreditKind, DocumentStatus, Invoice, RateQuote, Scheme

D = Decimal
UPDATED = datetime(2026, 11, 1, tzinfo=timezone.utc)
AS_OF = date(2026, 11, 23)


def invoice(
    invoice_id: str = "inv-1",
    *,
    customer_id: str = "c1",
    status: DocumentStatus = DocumentStatus.OPEN,
    issue_date: date = date(2026, 10, 1),
    due_date: date = date(2026, 10, 31),
    currency: str = "NZD",
    fx_rate: Decimal = D(1),
    fx_quote: RateQuote = RateQuote.DOCUMENT_PER_BASE,
    total: str = "100.00",
    amount_due: str = "100.00",
) -> Invoice:
    return Invoice(
        org_id="xero:t1",
        invoice_id=invoice_id,
        customer_id=customer_id,
        number=f"INV-{invoice_id}",
        status=status,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        fx_rate=fx_rate,
        fx_quote=fx_quote,
        total=D(total),
        amount_due=D(amount_due),
        updated_at=UPDATED,
    )


def credit(
    credit_id: str = "cn-1",
    *,
    customer_id: str = "c1",
    kind: CreditKind = CreditKind.CREDIT_NOTE,
    status: DocumentStatus = DocumentStatus.OPEN,
    on: date = date(2026, 11, 10),
    currency: str = "NZD",
    fx_rate: Decimal = D(1),
    fx_quote: RateQuote = RateQuote.DOCUMENT_PER_BASE,
    total: str = "50.00",
    remaining: str = "50.00",
) -> Credit:
    return Credit(
        org_id="xero:t1",
        credit_id=credit_id,
        kind=kind,
        customer_id=customer_id,
        number=f"CN-{credit_id}",
        status=status,
        date=on,
        currency=currency,
        fx_rate=fx_rate,
        fx_quote=fx_quote,
        total=D(total),
        remaining=D(remaining),
        updated_at=UPDATED,
    )


def item(
    customer_id: str,
    document_id: str,
    *,
    due: date,
    issued: date | None = None,
    amount: str,
    base: str | None = None,
    currency: str = "NZD",
    kind: ItemKind = ItemKind.INVOICE,
) -> AgingItem:
    return AgingItem(
        customer_id=customer_id,
        document_id=document_id,
        number=document_id.upper(),
        kind=kind,
        issue_date=issued if issued is not None else due,
        due_date=due,
        currency=currency,
        amount=D(amount),
        base_amount=D(base if base is not None else amount),
    )


# --- bucket names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "basis", "names"),
    [
        (Scheme.DAYS, Basis.DUE, ("current", "1-30", "31-60", "61-90", "91+")),
        (Scheme.DAYS, Basis.INVOICE, ("0-30", "31-60", "61-90", "91+")),
        (
            Scheme.MONTHS,
            Basis.DUE,
            ("current", "<1 month", "1 month", "2 months", "3 months", "older"),
        ),
        (Scheme.MONTHS, Basis.INVOICE, ("<1 month", "1 month", "2 months", "3 months", "older")),
    ],
)
def test_bucket_names(scheme: Scheme, basis: Basis, names: tuple[str, ...]) -> None:
    assert bucket_names(scheme, basis) == names
    assert bucket_names(str(scheme), str(basis)) == names  # plain strings from a CLI work too


# --- boundaries: (anchor date, as_of, expected bucket) ---------------------------------------

DAYS_DUE = [
    (date(2026, 11, 24), AS_OF, "current"),  # due tomorrow
    (date(2026, 11, 23), AS_OF, "current"),  # due today: 0 days
    (date(2026, 11, 22), AS_OF, "1-30"),  # 1 day
    (date(2026, 10, 24), AS_OF, "1-30"),  # 30 days
    (date(2026, 10, 23), AS_OF, "31-60"),  # 31 days
    (date(2026, 9, 24), AS_OF, "31-60"),  # 60 days
    (date(2026, 9, 23), AS_OF, "61-90"),  # 61 days
    (date(2026, 8, 25), AS_OF, "61-90"),  # 90 days
    (date(2026, 8, 24), AS_OF, "91+"),  # 91 days
    (date(2020, 1, 1), AS_OF, "91+"),
]

DAYS_INVOICE = [
    (date(2026, 12, 25), AS_OF, "0-30"),  # future-dated document
    (date(2026, 11, 23), AS_OF, "0-30"),  # issued today
    (date(2026, 10, 24), AS_OF, "0-30"),  # 30 days
    (date(2026, 10, 23), AS_OF, "31-60"),  # 31 days
    (date(2026, 9, 24), AS_OF, "31-60"),  # 60 days
    (date(2026, 9, 23), AS_OF, "61-90"),  # 61 days
    (date(2026, 8, 25), AS_OF, "61-90"),  # 90 days
    (date(2026, 8, 24), AS_OF, "91+"),  # 91 days
]

MONTHS_DUE = [
    (date(2026, 12, 1), date(2026, 11, 30), "current"),
    (date(2026, 11, 30), date(2026, 11, 30), "current"),  # due today is not overdue
    (date(2026, 11, 1), date(2026, 11, 30), "<1 month"),  # same month, 29 days overdue
    (date(2026, 11, 22), AS_OF, "<1 month"),
    (date(2026, 10, 31), date(2026, 11, 1), "1 month"),  # one day, but last month
    (date(2026, 10, 1), date(2026, 11, 30), "1 month"),
    (date(2026, 9, 30), date(2026, 11, 1), "2 months"),
    (date(2026, 8, 31), date(2026, 11, 1), "3 months"),
    (date(2026, 8, 1), date(2026, 11, 30), "3 months"),
    (date(2026, 7, 31), date(2026, 11, 1), "older"),  # 4 months
    (date(2025, 12, 31), date(2026, 1, 1), "1 month"),  # across a year end
    (date(2025, 9, 30), date(2026, 1, 1), "older"),
]

MONTHS_INVOICE = [
    (date(2027, 1, 5), AS_OF, "<1 month"),  # future-dated: negative months
    (date(2026, 11, 30), AS_OF, "<1 month"),  # later this month: still this month
    (date(2026, 11, 1), date(2026, 11, 30), "<1 month"),
    (date(2026, 11, 23), AS_OF, "<1 month"),  # issued today
    (date(2026, 10, 31), date(2026, 11, 1), "1 month"),
    (date(2026, 9, 1), date(2026, 11, 30), "2 months"),
    (date(2026, 8, 31), date(2026, 11, 1), "3 months"),
    (date(2026, 7, 31), date(2026, 11, 1), "older"),
    (date(2025, 11, 23), AS_OF, "older"),
]


@pytest.mark.parametrize(
    ("scheme", "basis", "anchor", "as_of", "expected"),
    [(Scheme.DAYS, Basis.DUE, *case) for case in DAYS_DUE]
    + [(Scheme.DAYS, Basis.INVOICE, *case) for case in DAYS_INVOICE]
    + [(Scheme.MONTHS, Basis.DUE, *case) for case in MONTHS_DUE]
    + [(Scheme.MONTHS, Basis.INVOICE, *case) for case in MONTHS_INVOICE],
)
def test_bucket_boundaries(
    scheme: Scheme, basis: Basis, anchor: date, as_of: date, expected: str
) -> None:
    assert bucket_for(anchor, as_of=as_of, scheme=scheme, basis=basis) == expected
    assert expected in bucket_names(scheme, basis)


@pytest.mark.parametrize(
    ("basis", "expected"),
    [(Basis.DUE, "1-30"), (Basis.INVOICE, "61-90")],
)
def test_bucket_of_uses_the_basis_date(basis: Basis, expected: str) -> None:
    # Issued 2026-08-25 (90 days before as_of), due 2026-10-24 (30 days overdue).
    it = item("c1", "i1", issued=date(2026, 8, 25), due=date(2026, 10, 24), amount="1.00")
    assert bucket_of(it, as_of=AS_OF, scheme=Scheme.DAYS, basis=basis) == expected


def test_months_between_ignores_the_day() -> None:
    assert months_between(date(2026, 10, 31), date(2026, 11, 1)) == 1
    assert months_between(date(2026, 11, 1), date(2026, 11, 30)) == 0
    assert months_between(date(2026, 12, 1), date(2026, 11, 30)) == -1
    assert months_between(date(2025, 11, 15), date(2026, 11, 15)) == 12


# --- receivables ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "amount_due", "is_receivable"),
    [
        (DocumentStatus.OPEN, "100.00", True),
        (DocumentStatus.OPEN, "0.01", True),
        (DocumentStatus.OPEN, "0.00", False),
        (DocumentStatus.OPEN, "-5.00", False),
        (DocumentStatus.DRAFT, "100.00", False),
        (DocumentStatus.SUBMITTED, "100.00", False),
        (DocumentStatus.PAID, "0.00", False),
        (DocumentStatus.PAID, "100.00", False),
        (DocumentStatus.VOIDED, "100.00", False),
        (DocumentStatus.DELETED, "100.00", False),
    ],
)
def test_invoice_receivable_selection(
    status: DocumentStatus, amount_due: str, is_receivable: bool
) -> None:
    items = receivables([invoice(status=status, amount_due=amount_due)], [], base_currency="NZD")
    assert len(items) == (1 if is_receivable else 0)


@pytest.mark.parametrize(
    ("status", "remaining", "is_receivable"),
    [
        (DocumentStatus.OPEN, "50.00", True),
        (DocumentStatus.OPEN, "0.00", False),
        (DocumentStatus.DRAFT, "50.00", False),
        (DocumentStatus.SUBMITTED, "50.00", False),
        (DocumentStatus.PAID, "0.00", False),
        (DocumentStatus.VOIDED, "50.00", False),
        (DocumentStatus.DELETED, "50.00", False),
    ],
)
def test_credit_receivable_selection(
    status: DocumentStatus, remaining: str, is_receivable: bool
) -> None:
    items = receivables([], [credit(status=status, remaining=remaining)], base_currency="NZD")
    assert len(items) == (1 if is_receivable else 0)


def test_open_invoice_becomes_item_with_amount_due() -> None:
    inv = invoice(total="250.00", amount_due="120.50")
    assert receivables([inv], [], base_currency="NZD") == [
        AgingItem(
            customer_id="c1",
            document_id="inv-1",
            number="INV-inv-1",
            kind=ItemKind.INVOICE,
            issue_date=date(2026, 10, 1),
            due_date=date(2026, 10, 31),
            currency="NZD",
            amount=D("120.50"),
            base_amount=D("120.50"),
        )
    ]


@pytest.mark.parametrize("kind", [k for k in CreditKind if k is not CreditKind.PREPAYMENT])
def test_open_credit_is_negative_dated_and_due_on_its_date(kind: CreditKind) -> None:
    cr = credit(kind=kind, on=date(2026, 9, 5), total="80.00", remaining="30.00")
    [it] = receivables([], [cr], base_currency="NZD")
    assert it == AgingItem(
        customer_id="c1",
        document_id="cn-1",
        number="CN-cn-1",
        kind=ItemKind.CREDIT,
        issue_date=date(2026, 9, 5),
        due_date=date(2026, 9, 5),
        currency="NZD",
        amount=D("-30.00"),
        base_amount=D("-30.00"),
    )
    # 79 days old: it sits in the 61-90 bucket as a negative amount.
    report = age([it], as_of=AS_OF, base_currency="NZD")
    assert report.customers[0].buckets["61-90"] == D("-30.00")
    assert report.total == D("-30.00")


# (kind, what remains unapplied, the aging item's amount; None: not a receivable). Xero keeps
# a prepayment out of receivables until it is applied
# (help.xero.com/nz/CustomerStatements-Prepayments).
UNAPPLIED_BY_KIND = [
    (CreditKind.CREDIT_NOTE, "50.00", "-50.00"),
    (CreditKind.OVERPAYMENT, "30.00", "-30.00"),
    (CreditKind.PAYMENT, "12.34", "-12.34"),
    (CreditKind.PREPAYMENT, "200.00", None),
    (CreditKind.PREPAYMENT, "0.01", None),
]


@pytest.mark.parametrize(("kind", "remaining", "expected"), UNAPPLIED_BY_KIND)
def test_an_unapplied_prepayment_is_left_out_other_credits_are_kept(
    kind: CreditKind, remaining: str, expected: str | None
) -> None:
    cr = credit(kind=kind, total=remaining, remaining=remaining)
    items = receivables([], [cr], base_currency="NZD")
    assert [str(i.amount) for i in items] == ([] if expected is None else [expected])
    assert [str(i.base_amount) for i in items] == ([] if expected is None else [expected])


def test_a_part_applied_prepayment_counts_only_through_its_invoice() -> None:
    # INV 400.00, due 2026-10-31 (23 days: 1-30), had 150.00 of a 200.00 prepayment applied, so
    # 250.00 is due. The prepayment's other 50.00 (dated 2026-08-01: would be 91+) is left out;
    # a 50.00 credit note (2026-11-10: 1-30) and a 30.00 overpayment (2026-09-05, 79 days: 61-90)
    # are kept. Balance: 250.00 - 50.00 - 30.00 = 170.00.
    inv = invoice(total="400.00", amount_due="250.00")
    credits = [
        credit("cn", kind=CreditKind.CREDIT_NOTE, on=date(2026, 11, 10), remaining="50.00"),
        credit("op", kind=CreditKind.OVERPAYMENT, on=date(2026, 9, 5), remaining="30.00"),
        credit(
            "pp", kind=CreditKind.PREPAYMENT, on=date(2026, 8, 1), total="200.00", remaining="50.00"
        ),
    ]
    items = receivables([inv], credits, base_currency="NZD")
    assert [(i.document_id, str(i.amount)) for i in items] == [
        ("inv-1", "250.00"),
        ("cn", "-50.00"),
        ("op", "-30.00"),
    ]
    report = age(items, as_of=AS_OF, base_currency="NZD")
    assert as_text(report.customers[0].buckets) == {
        "current": "0.00",
        "1-30": "200.00",
        "31-60": "0.00",
        "61-90": "-30.00",
        "91+": "0.00",
    }
    assert str(report.total) == "170.00"


@pytest.mark.parametrize(
    ("currency", "amount", "rate", "quote", "base", "expected"),
    [
        # Xero: CurrencyRate is document units per base unit; 100 / 0.9150 = 109.289...
        ("AUD", "100.00", "0.9150", RateQuote.DOCUMENT_PER_BASE, "NZD", "109.29"),
        # QuickBooks: ExchangeRate is base units per document unit; 100 * 1.0850.
        ("EUR", "100.00", "1.0850", RateQuote.BASE_PER_DOCUMENT, "USD", "108.50"),
        # half-up at exactly half a cent: 10.01 * 0.5 = 5.005
        ("EUR", "10.01", "0.5", RateQuote.BASE_PER_DOCUMENT, "USD", "5.01"),
        # to a zero-decimal base currency: 1000 / 0.0073 = 136986.30... yen
        ("NZD", "1000.00", "0.0073", RateQuote.DOCUMENT_PER_BASE, "JPY", "136986"),
    ],
)
def test_foreign_currency_conversion(
    currency: str, amount: str, rate: str, quote: RateQuote, base: str, expected: str
) -> None:
    inv = invoice(currency=currency, fx_rate=D(rate), fx_quote=quote, amount_due=amount)
    cr = credit(currency=currency, fx_rate=D(rate), fx_quote=quote, remaining=amount)
    inv_item, cr_item = receivables([inv], [cr], base_currency=base)
    assert inv_item.amount == D(amount)
    assert inv_item.currency == currency
    assert str(inv_item.base_amount) == expected
    # A credit converts to exactly minus the invoice: half-up rounds away from zero both ways.
    assert cr_item.amount == -D(amount)
    assert str(cr_item.base_amount) == "-" + expected


def test_negative_half_cent_rounds_away_from_zero() -> None:
    # 0.01 EUR at 0.5 USD/EUR is 0.005 USD: +0.01 for an invoice, -0.01 for a credit.
    quote = RateQuote.BASE_PER_DOCUMENT
    inv = invoice(currency="EUR", fx_rate=D("0.5"), fx_quote=quote, amount_due="0.01")
    cr = credit(currency="EUR", fx_rate=D("0.5"), fx_quote=quote, remaining="0.01")
    inv_item, cr_item = receivables([inv], [cr], base_currency="USD")
    assert inv_item.base_amount == D("0.01")
    assert cr_item.base_amount == D("-0.01")
    assert str(cr_item.base_amount) == "-0.01"


def test_receivables_keeps_invoices_then_credits_in_input_order() -> None:
    items = receivables(
        [invoice("b"), invoice("a", status=DocumentStatus.PAID), invoice("c")],
        [credit("z"), credit("y")],
        base_currency="NZD",
    )
    assert [i.document_id for i in items] == ["b", "c", "z", "y"]


# --- age --------------------------------------------------------------------------------------


def test_empty_report_has_every_bucket_at_zero() -> None:
    report = age([], as_of=AS_OF, base_currency="NZD")
    assert report.customers == ()
    assert report.bucket_names == ("current", "1-30", "31-60", "61-90", "91+")
    assert {k: str(v) for k, v in report.totals.items()} == dict.fromkeys(
        report.bucket_names, "0.00"
    )
    assert str(report.total) == "0.00"


def test_zero_buckets_use_the_base_currency_minor_unit() -> None:
    report = age(
        [item("c1", "i1", due=AS_OF, amount="500", currency="JPY")],
        as_of=AS_OF,
        base_currency="JPY",
    )
    assert [str(v) for v in report.customers[0].buckets.values()] == ["500", "0", "0", "0", "0"]
    assert str(report.total) == "500"


def worked_items() -> list[AgingItem]:
    """Three customers of an NZD org, aged at 2026-11-23 by due date in days."""
    return [
        # Acme: NZD and AUD invoices, and a credit note.
        item("acme", "a1", due=date(2026, 11, 30), issued=date(2026, 10, 31),
             amount="1000.00"),  # current
        item("acme", "a2", due=date(2026, 11, 3), amount="250.50"),  # 20 days: 1-30
        item("acme", "a3", due=date(2026, 10, 24), amount="100.00", currency="AUD", base="109.29"),
        item("acme", "a4", due=date(2026, 8, 1), amount="75.25"),  # 114 days: 91+
        item("acme", "cn1", due=date(2026, 11, 10), amount="-50.00", kind=ItemKind.CREDIT),
        # Bolt: 31 and 61 days overdue.
        item("bolt", "b1", due=date(2026, 10, 23), amount="400.00"),  # 31-60
        item("bolt", "b2", due=date(2026, 9, 23), amount="600.00"),  # 61-90
        # Cask: an overpayment exactly cancels an invoice in the same bucket.
        item("cask", "k1", due=date(2026, 9, 1), amount="80.00"),  # 83 days: 61-90
        item("cask", "op1", due=date(2026, 9, 10), amount="-80.00", kind=ItemKind.CREDIT),
    ]


def test_an_item_issued_after_the_as_of_date_is_not_yet_owed() -> None:
    """As the ledgers' aged reports leave out what is dated after their report date."""
    items = [
        item("acme", "a1", due=date(2026, 11, 20), issued=date(2026, 10, 21), amount="100.00"),
        item("acme", "a2", due=date(2026, 12, 24), issued=date(2026, 11, 24), amount="40.00"),
        item("bolt", "b1", due=date(2026, 11, 24), issued=date(2026, 11, 24), amount="-5.00",
             kind=ItemKind.CREDIT),
    ]
    report = age(items, as_of=AS_OF, base_currency="NZD")
    assert [(c.customer_id, str(c.total)) for c in report.customers] == [("acme", "100.00")]
    assert as_text(report.totals) == {"current": "0.00", "1-30": "100.00", "31-60": "0.00",
                                      "61-90": "0.00", "91+": "0.00"}
    later = age(items, as_of=date(2026, 11, 24), base_currency="NZD")
    assert [(c.customer_id, str(c.total)) for c in later.customers] == [
        ("acme", "140.00"), ("bolt", "-5.00")
    ]


def as_text(mapping: object) -> dict[str, str]:
    assert isinstance(mapping, dict)
    return {k: str(v) for k, v in mapping.items()}


def test_worked_multi_customer_example() -> None:
    report = age(worked_items(), as_of=AS_OF, base_currency="NZD")
    assert [c.customer_id for c in report.customers] == ["acme", "bolt", "cask"]
    acme, bolt, cask = report.customers
    assert as_text(acme.buckets) == {
        "current": "1000.00",
        "1-30": "309.79",  # 250.50 + 109.29 (AUD) - 50.00 (credit)
        "31-60": "0.00",
        "61-90": "0.00",
        "91+": "75.25",
    }
    assert str(acme.total) == "1385.04"
    assert {cur: as_text(b) for cur, b in acme.by_currency.items()} == {
        "AUD": {
            "current": "0.00",
            "1-30": "100.00",
            "31-60": "0.00",
            "61-90": "0.00",
            "91+": "0.00",
        },
        "NZD": {
            "current": "1000.00",
            "1-30": "200.50",
            "31-60": "0.00",
            "61-90": "0.00",
            "91+": "75.25",
        },
    }
    assert list(acme.by_currency) == ["AUD", "NZD"]
    assert as_text(bolt.buckets) == {
        "current": "0.00",
        "1-30": "0.00",
        "31-60": "400.00",
        "61-90": "600.00",
        "91+": "0.00",
    }
    assert str(bolt.total) == "1000.00"
    # Cask nets to zero everywhere but is still listed.
    assert as_text(cask.buckets) == dict.fromkeys(report.bucket_names, "0.00")
    assert str(cask.total) == "0.00"
    assert as_text(report.totals) == {
        "current": "1000.00",
        "1-30": "309.79",
        "31-60": "400.00",
        "61-90": "600.00",
        "91+": "75.25",
    }
    assert str(report.total) == "2385.04"
    assert (report.as_of, report.basis, report.scheme, report.base_currency) == (
        AS_OF,
        Basis.DUE,
        Scheme.DAYS,
        "NZD",
    )


def test_worked_example_by_invoice_date_in_months() -> None:
    items = [
        item("acme", "a1", issued=date(2026, 11, 2), due=date(2026, 12, 2), amount="10.00"),
        item("acme", "a2", issued=date(2026, 10, 31), due=date(2026, 11, 30), amount="20.00"),
        item("acme", "a3", issued=date(2026, 8, 1), due=date(2026, 8, 31), amount="30.00"),
        item("acme", "a4", issued=date(2026, 7, 31), due=date(2026, 8, 30), amount="40.00"),
    ]
    report = age(
        items, as_of=AS_OF, scheme=Scheme.MONTHS, basis=Basis.INVOICE, base_currency="NZD"
    )
    assert as_text(report.totals) == {
        "<1 month": "10.00",
        "1 month": "20.00",
        "2 months": "0.00",
        "3 months": "30.00",
        "older": "40.00",
    }
    by_due = age(items, as_of=AS_OF, scheme=Scheme.MONTHS, basis=Basis.DUE, base_currency="NZD")
    assert as_text(by_due.totals) == {
        "current": "30.00",  # a1 due 2026-12-02, a2 due 2026-11-30
        "<1 month": "0.00",
        "1 month": "0.00",
        "2 months": "0.00",
        "3 months": "70.00",  # a3 due in August, a4 due in August
        "older": "0.00",
    }


def test_totals_sum_rounded_item_amounts() -> None:
    # Three thirds of a cent-rounded conversion: each item is rounded, and the total is the
    # sum of those rounded figures (0.33 * 3 = 0.99), not the rounding of an unrounded sum (1.00).
    quote = RateQuote.BASE_PER_DOCUMENT
    invs = [
        invoice(f"i{n}", currency="EUR", fx_rate=D("0.3333"), fx_quote=quote, amount_due="1.00")
        for n in range(3)
    ]
    report = age(receivables(invs, [], base_currency="USD"), as_of=AS_OF, base_currency="USD")
    assert str(report.total) == "0.99"
    assert str(report.customers[0].by_currency["EUR"]["1-30"]) == "3.00"
