"""Small builders for domain records with readable defaults (all in org ``ORG``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ar_sync.domain import (
    Allocation,
    AllocationSource,
    Credit,
    CreditKind,
    Customer,
    DocumentStatus,
    Invoice,
    Org,
)

ORG = "xero:tenant-1"
T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def make_org(**changes: Any) -> Org:
    fields: dict[str, Any] = {
        "org_id": ORG,
        "platform": "xero",
        "tenant_id": "tenant-1",
        "name": "Kauri Plumbing Ltd",
        "base_currency": "NZD",
        "timezone": "Pacific/Auckland",
        "connection_id": "conn-1",
        "api_url": None,
    }
    fields.update(changes)
    return Org(**fields)


def customer(customer_id: str = "C1", **changes: Any) -> Customer:
    fields: dict[str, Any] = {
        "org_id": ORG,
        "customer_id": customer_id,
        "name": f"Customer {customer_id}",
        "email": f"{customer_id.lower()}@example.test",
        "is_active": True,
        "updated_at": T0,
    }
    fields.update(changes)
    return Customer(**fields)


def payment(allocation_id: str, invoice_id: str, amount: str, day: int = 10) -> Allocation:
    return Allocation(
        org_id=ORG,
        allocation_id=allocation_id,
        invoice_id=invoice_id,
        source=AllocationSource.PAYMENT,
        source_id=f"pay-{allocation_id}",
        amount=Decimal(amount),
        date=date(2025, 2, day),
    )


def application(
    allocation_id: str, credit_id: str, invoice_id: str, amount: str, day: int = 12
) -> Allocation:
    return Allocation(
        org_id=ORG,
        allocation_id=allocation_id,
        invoice_id=invoice_id,
        source=AllocationSource.CREDIT_NOTE,
        source_id=credit_id,
        amount=Decimal(amount),
        date=date(2025, 2, day),
    )


def invoice(invoice_id: str = "I1", **changes: Any) -> Invoice:
    fields: dict[str, Any] = {
        "org_id": ORG,
        "invoice_id": invoice_id,
        "customer_id": "C1",
        "number": f"INV-{invoice_id}",
        "status": DocumentStatus.OPEN,
        "issue_date": date(2025, 1, 15),
        "due_date": date(2025, 2, 14),
        "currency": "NZD",
        "total": Decimal("115.00"),
        "amount_due": Decimal("115.00"),
        "updated_at": T0,
    }
    fields.update(changes)
    return Invoice(**fields)


def credit(credit_id: str = "CN1", **changes: Any) -> Credit:
    fields: dict[str, Any] = {
        "org_id": ORG,
        "credit_id": credit_id,
        "kind": CreditKind.CREDIT_NOTE,
        "customer_id": "C1",
        "number": f"CN-{credit_id}",
        "status": DocumentStatus.OPEN,
        "date": date(2025, 1, 20),
        "currency": "NZD",
        "total": Decimal("50.00"),
        "remaining": Decimal("50.00"),
        "updated_at": T0,
    }
    fields.update(changes)
    return Credit(**fields)
