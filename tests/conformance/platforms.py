"""Everything platform-specific the conformance suite needs, one driver per ledger.

The tests themselves are platform-neutral: they drive the real CLI (``ar-sync connect PLATFORM
--sandbox URL``, ``sync``, ``aging --format json``, ``orgs``) and the sandbox's ``/_sandbox/``
control endpoints, which every sandbox exposes alike (``tenants``, ``tokens``, ``state``,
``writes``, ``invoices``, ``invoices/{id}/void``, ``invoices/{id}/payments``, ``faults``,
``calls``). A driver answers the questions only a platform can answer:

- how to start its sandbox on a generated company (``start_sandbox``), optionally refusing a
  rotated refresh token at once (``strict_refresh``);
- what the books in ``GET /_sandbox/state`` hold, in the platform's own JSON shapes
  (``base_currency``, ``open_invoices``, ``open_credits``, ``first_sync_rows``);
- how to take an invoice out of the receivables (``remove_invoice``: Xero voids it);
- which endpoint names of the sandbox's call log are the sync's calls, how big a page is, and
  so the fewest calls a sync can make (``fixed_sync_calls``, ``streams``);
- the token endpoint (``token_endpoint``: the call-log name, ``"POST connect/token"``, which is
  also its path);
- for the writer: the ledger's name and note limit, how a key goes on the wire (``wire_key``),
  what the write log (``GET /_sandbox/writes``) says in the suite's terms (``written``), which
  invoice can be emailed and whether it was (``emailable_invoice``, ``emailed``), and which
  emails the ledger refuses, with the error the writer gives (``email_refusals``).

A new ledger adds a ``PlatformDriver`` subclass below and one line in ``_CANDIDATES``; its
parameter is skipped (with the reason) until its plugin is installed.
"""

from __future__ import annotations

import importlib.util
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from ar_sync.connector import (
    CUSTOMER_ATTACHMENT,
    CUSTOMER_NOTE,
    INVOICE_EMAIL,
    INVOICE_NOTE,
    available_platforms,
)
from ar_sync.sandbox.plugin import GenerateSpec, SandboxHandle, load_sandbox

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Half-up to the cent, the way ledgers (and ar-sync) round a converted document."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An open receivable as the sandbox's books hold it.

    ``balance`` is in the document's currency; ``base_balance`` in the org's base currency,
    converted at the document's own rate and rounded half-up to the cent. ``untouched``: no
    payment or credit has been applied to it (so every ledger lets it be voided or deleted).
    """

    invoice_id: str
    number: str
    customer_id: str
    currency: str
    balance: Decimal
    base_balance: Decimal
    untouched: bool
    issued: date


@dataclass(frozen=True, slots=True)
class OpenCredit:
    """Unapplied customer credit that reduces the receivables (credit note, overpayment,
    QuickBooks payment; not a Xero prepayment), in base currency."""

    credit_id: str
    customer_id: str
    base_remaining: Decimal
    issued: date


@dataclass(frozen=True, slots=True)
class StreamCalls:
    """One connector stream as the sandbox's call log sees it.

    ``endpoint`` is the call-log name of its list call (``calls["by_endpoint"]``);
    ``fault_path`` a piece of the request path a ``/_sandbox/faults`` fault can match to hit
    this stream only; ``page_size`` the most records one call returns.
    """

    name: str
    endpoint: str
    fault_path: str
    page_size: int

    def min_calls(self, rows: int) -> int:
        """The fewest list calls that can read ``rows`` records: at least one, even for none."""
        return max(1, math.ceil(rows / self.page_size))


@dataclass(frozen=True, slots=True)
class Written:
    """One entry of a sandbox's write log in the suite's terms: ``kind`` (``INVOICE_NOTE`` ...),
    the invoice or customer written to, the idempotency key as sent, whether the sandbox
    replayed an earlier answer instead of writing, the note's text or the file's name (None
    for an email), and the file's size in bytes (None but for an attachment)."""

    kind: str
    target: str
    key: str | None
    replay: bool
    text: str | None = None
    size: int | None = None


class PlatformDriver:
    """What a conformance test needs to know about one ledger. Subclass per platform.

    ``implemented`` stays False in a skeleton: its parameter is skipped rather than failing.
    """

    platform: ClassVar[str]
    implemented: ClassVar[bool] = True
    plugin_module: ClassVar[str]  # importable when the plugin is installed
    token_endpoint: ClassVar[str]  # call-log name of the OAuth token endpoint, "POST path"
    fixed_sync_calls: ClassVar[Mapping[str, int]]  # calls every sync makes once (org info)
    streams: ClassVar[tuple[StreamCalls, ...]]  # in the connector's sync order
    invoice_stream: ClassVar[str]  # the name (in ``streams``) of the invoices stream
    # (invoices, credits, customers) a sync writes after one invoice is paid through the
    # sandbox: Xero changes the invoice only; QuickBooks also has a new Payment document and
    # the customer's balance changed.
    payment_changes: ClassVar[tuple[int, int, int]]
    # Extra fault fields for a 429 whose Retry-After (a day) is too long to wait out.
    long_throttle: ClassVar[Mapping[str, object]] = {}
    removal: ClassVar[str]  # what ``remove_invoice`` does, for messages: "void", "delete"

    # -- availability -------------------------------------------------------------------
    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this platform cannot be tested here, or None when it can."""
        try:
            # find_spec of a submodule imports its package, which may be mid-way in the making.
            found = importlib.util.find_spec(cls.plugin_module) is not None
        except Exception as error:  # noqa: BLE001 (any import failure means: not testable)
            return f"{cls.plugin_module} cannot be imported: {type(error).__name__}: {error}"
        if not found:
            return f"{cls.plugin_module} is not importable"
        if cls.platform not in available_platforms():
            return (
                f"no {cls.platform!r} entry point in the ar_sync.connectors group "
                "(pip install -e . after adding it to pyproject.toml)"
            )
        if not cls.implemented:
            return f"{cls.__name__} in tests/conformance/platforms.py is still a skeleton"
        return None

    # -- sandbox ------------------------------------------------------------------------
    def start_sandbox(
        self, spec: GenerateSpec, *, strict_refresh: bool = False, relaxed_limits: bool = False
    ) -> SandboxHandle:
        """A running sandbox serving one generated company.

        ``strict_refresh``: a refresh token, once used, is refused at once (no grace period),
        so a test can prove the rotated token was the one stored. ``relaxed_limits``: no rate
        limit (a simulation stepping days of jobs through in seconds).
        """
        raise NotImplementedError

    # -- the books (``GET /_sandbox/state``) ---------------------------------------------
    def base_currency(self, state: dict[str, Any]) -> str:
        raise NotImplementedError

    def timezone(self, state: dict[str, Any]) -> str:
        """The org's IANA timezone, as the connector maps it."""
        raise NotImplementedError

    def local_today(self, state: dict[str, Any]) -> date:
        """Today in the org's timezone: the date ``ar-sync aging`` ages at by default."""
        return datetime.now(ZoneInfo(self.timezone(state))).date()

    def owed_invoices(self, state: dict[str, Any]) -> list[OpenInvoice]:
        """The open invoices already owed: issued on or before the org's today (a generated
        company dated from the UTC date can hold documents dated ahead of a zone west of UTC)."""
        as_of = self.local_today(state)
        return [invoice for invoice in self.open_invoices(state) if invoice.issued <= as_of]

    def open_invoices(self, state: dict[str, Any]) -> list[OpenInvoice]:
        """Every open receivable invoice (approved, balance > 0), in the state's order."""
        raise NotImplementedError

    def open_credits(self, state: dict[str, Any]) -> list[OpenCredit]:
        """Every unapplied customer credit with something remaining."""
        raise NotImplementedError

    def first_sync_rows(self, state: dict[str, Any]) -> dict[str, int]:
        """Records each stream must read on a first sync (stream name -> rows)."""
        raise NotImplementedError

    def first_sync_summary(self, state: dict[str, Any]) -> dict[str, int]:
        """``{"invoices", "credits", "customers"}`` a first sync of a one-page company writes
        (the counts of ``ar-sync sync``'s summary line)."""
        raise NotImplementedError

    # -- changes ------------------------------------------------------------------------
    def remove_invoice(self, control: Any, invoice_id: str) -> None:
        """Take an untouched open invoice out of the receivables (void or delete it)."""
        raise NotImplementedError

    # -- writing back ------------------------------------------------------------------------
    ledger_name: ClassVar[str]  # how the writer's messages name the ledger
    note_limit: ClassVar[int]  # characters a note may hold, marker included
    note_fault_path: ClassVar[str]  # a fault ``path`` that hits the note writes only
    unknown_customer: ClassVar[str]  # a customer id the books do not have
    # The ledger's refusal of a customer note / attachment for ``unknown_customer``, as the
    # writer words it after "cannot ...: ".
    unknown_customer_refusals: ClassVar[Mapping[str, str]]

    def wire_key(self, key: str) -> str:
        """The idempotency token the ledger receives for the caller's ``key``."""
        raise NotImplementedError

    def written(self, control: Any) -> list[Written]:
        """The org's write log, oldest first."""
        raise NotImplementedError

    def emailable_invoice(self, state: dict[str, Any]) -> str:
        """An open invoice the ledger will email (its customer has an address)."""
        raise NotImplementedError

    def emailed(self, state: dict[str, Any], invoice_id: str) -> bool:
        """Whether the books show the invoice as sent by email."""
        raise NotImplementedError

    def email_refusals(self, control: Any, state: dict[str, Any]) -> list[tuple[str, str]]:
        """``(invoice id, the writer's error message)`` for invoices the ledger will not email
        (making one through the control endpoints where the books have none)."""
        raise NotImplementedError

    # -- derived, platform-neutral ---------------------------------------------------------
    def stream(self, name: str) -> StreamCalls:
        return next(s for s in self.streams if s.name == name)

    def expected_aging(self, state: dict[str, Any]) -> dict[str, Decimal]:
        """Per customer: open invoices less unapplied credits, base currency (nonzero only),
        counting only documents issued on or before the org's today (a document dated ahead is
        not yet owed, as in the ledger's own aged report)."""
        as_of = self.local_today(state)
        totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
        for invoice in self.open_invoices(state):
            if invoice.issued <= as_of:
                totals[invoice.customer_id] += invoice.base_balance
        for credit in self.open_credits(state):
            if credit.issued <= as_of:
                totals[credit.customer_id] -= credit.base_remaining
        return {cid: total for cid, total in totals.items() if total != 0}

    def first_sync_lower_bound(self, state: dict[str, Any]) -> dict[str, int]:
        """The fewest calls per call-log endpoint a first sync of these books can make."""
        rows = self.first_sync_rows(state)
        bound = dict(self.fixed_sync_calls)
        for stream in self.streams:
            bound[stream.endpoint] = bound.get(stream.endpoint, 0) + stream.min_calls(
                rows[stream.name]
            )
        return bound

    def incremental_minimum(self) -> dict[str, int]:
        """Calls of a sync with (almost) nothing changed: the fixed ones and one per stream."""
        bound = dict(self.fixed_sync_calls)
        for stream in self.streams:
            bound[stream.endpoint] = bound.get(stream.endpoint, 0) + 1
        return bound

    def stream_calls(self, calls: dict[str, Any], name: str) -> int:
        """Calls the call log (``GET /_sandbox/calls``) holds for one stream, whatever their
        status.

        The default counts the stream's endpoint; a platform whose streams share an endpoint
        (QuickBooks' ``query``) overrides this and ``stream_log``.
        """
        return int(calls["by_endpoint"].get(self.stream(name).endpoint, 0))

    def stream_log(self, calls: dict[str, Any], name: str) -> list[dict[str, Any]]:
        """The call-log entries (``{"method", "path", "query", "status", ...}``) of one
        stream's list calls: by default, those whose path holds the stream's ``fault_path``
        (the same test a fault makes)."""
        piece = self.stream(name).fault_path.lower()
        return [entry for entry in calls["log"] if piece in str(entry["path"]).lower()]

    @property
    def token_path(self) -> str:
        """``/connect/token`` from ``"POST connect/token"``."""
        return "/" + self.token_endpoint.split(" ", 1)[1]


# ------------------------------------------------------------------------------------ Xero


def _xero_day(value: str) -> date:
    """A Xero date as the state holds it: ``/Date(1776124800000+0000)/`` or ``YYYY-MM-DD``."""
    text = str(value)
    if text.startswith("/Date("):
        millis = int(text[len("/Date("):].split("+")[0].split(")")[0])
        return datetime.fromtimestamp(millis / 1000, UTC).date()
    return date.fromisoformat(text[:10])


def _xero_rate(document: dict[str, Any]) -> Decimal:
    rate = document.get("CurrencyRate")
    return Decimal(1) if rate in (None, 0) else Decimal(str(rate))


class XeroDriver(PlatformDriver):
    """Xero: ``connectors/ar_sync_xero``. Page size 1,000 (Xero's maximum ``pageSize``, which
    the connector asks for); every sync first reads ``GET Organisation``; five streams."""

    platform = "xero"
    plugin_module = "ar_sync_xero.plugin"
    token_endpoint = "POST connect/token"
    fixed_sync_calls: ClassVar[Mapping[str, int]] = {"GET Organisation": 1}
    streams: ClassVar[tuple[StreamCalls, ...]] = (
        StreamCalls("contacts", "GET Contacts", "/api.xro/2.0/Contacts", 1000),
        StreamCalls("invoices", "GET Invoices", "/api.xro/2.0/Invoices", 1000),
        StreamCalls("credit_notes", "GET CreditNotes", "/api.xro/2.0/CreditNotes", 1000),
        StreamCalls("overpayments", "GET Overpayments", "/api.xro/2.0/Overpayments", 1000),
        StreamCalls("prepayments", "GET Prepayments", "/api.xro/2.0/Prepayments", 1000),
    )
    invoice_stream = "invoices"
    removal = "void"
    payment_changes = (1, 0, 0)
    long_throttle: ClassVar[Mapping[str, object]] = {"problem": "day"}

    # (collection, id field, customer-side Type, stream): every one is synced, but only credit
    # notes and overpayments reduce the receivables while unapplied (``_AGED_CREDITS``): Xero
    # keeps a prepayment out of Accounts Receivable until it is applied
    # (help.xero.com/nz/CustomerStatements-Prepayments), and ar-sync's aging follows it.
    _CREDITS = (
        ("CreditNotes", "CreditNoteID", "ACCRECCREDIT", "credit_notes"),
        ("Overpayments", "OverpaymentID", "RECEIVE-OVERPAYMENT", "overpayments"),
        ("Prepayments", "PrepaymentID", "RECEIVE-PREPAYMENT", "prepayments"),
    )
    _AGED_CREDITS = tuple(credit for credit in _CREDITS if credit[3] != "prepayments")

    def start_sandbox(
        self, spec: GenerateSpec, *, strict_refresh: bool = False, relaxed_limits: bool = False
    ) -> SandboxHandle:
        if not strict_refresh:
            return load_sandbox(self.platform).start(generate=spec, relaxed_limits=relaxed_limits)
        # The sandbox plugin's start cannot set the refresh grace (Xero's is 30 minutes) and no
        # control endpoint changes it, so the strict sandbox is built as the plugin builds it.
        from ar_sync_xero.sandbox import XeroSandbox, generate_company

        company = generate_company(
            customers=spec.customers,
            invoices=spec.invoices,
            paid=spec.invoices // 2,
            seed=spec.seed,
            today=spec.today,
        )
        lifted = {"limits": load_sandbox(self.platform).relaxed} if relaxed_limits else {}
        return XeroSandbox([company], port=0, refresh_grace=0, **lifted).start()

    def base_currency(self, state: dict[str, Any]) -> str:
        return str(state["Organisation"]["BaseCurrency"])

    def timezone(self, state: dict[str, Any]) -> str:
        from ar_sync_xero.timezones import iana_timezone

        return iana_timezone(state["Organisation"].get("Timezone")) or "UTC"

    def _open_invoice_rows(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            row
            for row in state["Invoices"]
            if row["Type"] == "ACCREC"
            and row["Status"] == "AUTHORISED"
            and Decimal(str(row["AmountDue"])) > 0
        ]

    def open_invoices(self, state: dict[str, Any]) -> list[OpenInvoice]:
        base = self.base_currency(state)
        found = []
        for row in self._open_invoice_rows(state):
            due = Decimal(str(row["AmountDue"]))
            found.append(
                OpenInvoice(
                    invoice_id=row["InvoiceID"],
                    number=row.get("InvoiceNumber", ""),
                    customer_id=row["Contact"]["ContactID"],
                    currency=row.get("CurrencyCode") or base,
                    balance=due,
                    base_balance=cents(due / _xero_rate(row)),
                    untouched=Decimal(str(row.get("AmountPaid", 0))) == 0
                    and Decimal(str(row.get("AmountCredited", 0))) == 0,
                    issued=_xero_day(row["Date"]),
                )
            )
        return found

    def open_credits(self, state: dict[str, Any]) -> list[OpenCredit]:
        """Unapplied credit notes and overpayments; an unapplied prepayment is no receivable."""
        found = []
        for collection, id_field, kind, _stream in self._AGED_CREDITS:
            for row in state.get(collection, ()):
                remaining = Decimal(str(row.get("RemainingCredit", 0)))
                if row["Type"] == kind and row["Status"] == "AUTHORISED" and remaining > 0:
                    found.append(
                        OpenCredit(
                            credit_id=row[id_field],
                            customer_id=row["Contact"]["ContactID"],
                            base_remaining=cents(remaining / _xero_rate(row)),
                            issued=_xero_day(row["Date"]),
                        )
                    )
        return found

    def first_sync_rows(self, state: dict[str, Any]) -> dict[str, int]:
        # Contacts: all of them, archived ones included (includeArchived=true): Xero's IsCustomer
        # filter is not optimised and cannot follow a contact that becomes a customer later.
        rows = {
            "contacts": len(state["Contacts"]),
            "invoices": len(self._open_invoice_rows(state)),
        }
        for collection, _id_field, kind, stream in self._CREDITS:
            rows[stream] = sum(
                1
                for row in state.get(collection, ())
                if row["Type"] == kind and row["Status"] == "AUTHORISED"
            )
        return rows

    def first_sync_summary(self, state: dict[str, Any]) -> dict[str, int]:
        rows = self.first_sync_rows(state)
        return {
            "invoices": rows["invoices"],
            "credits": rows["credit_notes"] + rows["overpayments"] + rows["prepayments"],
            "customers": rows["contacts"],
        }

    def remove_invoice(self, control: Any, invoice_id: str) -> None:
        control.request("POST", f"invoices/{invoice_id}/void")

    # -- writing back: Xero's history notes, contact attachments and invoice email --------
    ledger_name = "Xero"
    note_limit = 250
    note_fault_path = "/History"
    unknown_customer = "00000000-0000-4000-8000-000000000000"
    unknown_customer_refusals: ClassVar[Mapping[str, str]] = {
        CUSTOMER_NOTE: "Xero found nothing at PUT Contacts/{id}/History (404)",
        CUSTOMER_ATTACHMENT: "Xero found nothing at PUT Contacts/{id}/Attachments/{FileName} (404)",
    }
    _WRITE_KINDS: ClassVar[Mapping[str, str]] = {
        "invoice_history": INVOICE_NOTE,
        "contact_history": CUSTOMER_NOTE,
        "contact_attachment": CUSTOMER_ATTACHMENT,
        "invoice_email": INVOICE_EMAIL,
    }
    _NOT_EMAILABLE = (
        "Only sales invoices (ACCREC) with a status of SUBMITTED, AUTHORISED or PAID can be "
        "emailed; this one is "
    )

    def wire_key(self, key: str) -> str:
        from ar_sync_xero.writer import idempotency_key

        return idempotency_key(key)  # the key itself; over 128 characters, its SHA-256

    def written(self, control: Any) -> list[Written]:
        return [
            Written(
                kind=self._WRITE_KINDS[entry["kind"]],
                target=entry["target_id"],
                key=entry["idempotency_key"],
                replay=entry["replay"],
                text=entry.get("details") or entry.get("file_name"),
                size=entry.get("size"),
            )
            for entry in control.request("GET", "writes")["writes"]
        ]

    def _recipients(self, state: dict[str, Any], contact_id: str) -> list[str]:
        (contact,) = [c for c in state["Contacts"] if c["ContactID"] == contact_id]
        people = [p["EmailAddress"] for p in contact.get("ContactPersons") or ()
                  if p.get("IncludeInEmails") and p.get("EmailAddress")]
        return [a for a in [contact.get("EmailAddress"), *people] if a]

    def emailable_invoice(self, state: dict[str, Any]) -> str:
        return next(
            row["InvoiceID"]
            for row in self._open_invoice_rows(state)
            if self._recipients(state, row["Contact"]["ContactID"])
        )

    def emailed(self, state: dict[str, Any], invoice_id: str) -> bool:
        (row,) = [row for row in state["Invoices"] if row["InvoiceID"] == invoice_id]
        return row.get("SentToContact") is True

    def email_refusals(self, control: Any, state: dict[str, Any]) -> list[tuple[str, str]]:
        """A draft, and an approved invoice of a contact with no address (the generated
        company has both)."""
        prefix = "Xero refused POST Invoices/{id}/Email (400): "
        draft = next(
            row["InvoiceID"]
            for row in state["Invoices"]
            if row["Type"] == "ACCREC" and row["Status"] == "DRAFT"
        )
        silent = next(
            row
            for row in self._open_invoice_rows(state)
            if not self._recipients(state, row["Contact"]["ContactID"])
        )
        return [
            (draft, f"cannot email invoice {draft}: {prefix}{self._NOT_EMAILABLE}ACCREC DRAFT"),
            (
                silent["InvoiceID"],
                f"cannot email invoice {silent['InvoiceID']}: {prefix}The contact "
                f"{silent['Contact']['Name']} has no email address",
            ),
        ]


# ------------------------------------------------------------------------------ QuickBooks


def _qb_amount(row: dict[str, Any], field: str) -> Decimal:
    return Decimal(str(row.get(field) or 0))


def _qb_positive(state: dict[str, Any], collection: str, field: str) -> int:
    """How many rows of ``collection`` in the books have ``field > 0``."""
    return sum(1 for row in state.get(collection, ()) if _qb_amount(row, field) > 0)


def _qb_rate(row: dict[str, Any]) -> Decimal:
    rate = row.get("ExchangeRate")
    return Decimal(1) if rate in (None, 0) else Decimal(str(rate))


class QuickBooksDriver(PlatformDriver):
    """QuickBooks Online: ``connectors/ar_sync_quickbooks``. Every sync reads the OAuth
    discovery document, CompanyInfo and Preferences; a first sync queries four entities 1,000
    rows a page (all four share the ``query`` endpoint): every customer, active or not;
    invoices and credit memos with ``Balance > 0``; every payment (QuickBooks cannot filter on
    ``UnappliedAmt``, so the connector keeps the unapplied ones itself). Later syncs make one
    CDC call for all of them. The sandbox refuses a used refresh token at once, so it is
    always strict. Amounts convert as ``Balance x ExchangeRate`` (home units per foreign
    unit)."""

    platform = "quickbooks"
    plugin_module = "ar_sync_quickbooks.plugin"
    token_endpoint = "POST oauth2/v1/tokens/bearer"
    fixed_sync_calls: ClassVar[Mapping[str, int]] = {
        # intuit-oauth's AuthClient reads the OAuth discovery document when it is built.
        "GET .well-known/openid_configuration": 1,
        "GET companyinfo/{id}": 1,
        "GET preferences": 1,
    }
    streams: ClassVar[tuple[StreamCalls, ...]] = (
        StreamCalls("customers", "POST query", "FROM Customer", 1000),
        StreamCalls("invoices", "POST query", "FROM Invoice", 1000),
        StreamCalls("credit_memos", "POST query", "FROM CreditMemo", 1000),
        StreamCalls("payments", "POST query", "FROM Payment", 1000),
    )
    invoice_stream = "invoices"
    removal = "delete"
    payment_changes = (1, 1, 1)

    def start_sandbox(
        self, spec: GenerateSpec, *, strict_refresh: bool = False, relaxed_limits: bool = False
    ) -> SandboxHandle:
        return load_sandbox(self.platform).start(generate=spec, relaxed_limits=relaxed_limits)

    def base_currency(self, state: dict[str, Any]) -> str:
        prefs = (state.get("Preferences") or {}).get("CurrencyPrefs") or {}
        return str((prefs.get("HomeCurrency") or {}).get("value") or "USD")

    def timezone(self, state: dict[str, Any]) -> str:
        from ar_sync_quickbooks.mapping import org_from_quickbooks

        org = org_from_quickbooks(state["CompanyInfo"], state.get("Preferences"), realm_id="r",
                                  connection_id="c", api_url=None)
        return org.timezone

    def open_invoices(self, state: dict[str, Any]) -> list[OpenInvoice]:
        base = self.base_currency(state)
        return [
            OpenInvoice(
                invoice_id=row["Id"],
                number=row.get("DocNumber", ""),
                customer_id=row["CustomerRef"]["value"],
                currency=(row.get("CurrencyRef") or {}).get("value") or base,
                balance=_qb_amount(row, "Balance"),
                base_balance=cents(_qb_amount(row, "Balance") * _qb_rate(row)),
                untouched=_qb_amount(row, "Balance") == _qb_amount(row, "TotalAmt")
                and not row.get("LinkedTxn"),
                issued=date.fromisoformat(row["TxnDate"]),
            )
            for row in state.get("Invoice", ())
            if _qb_amount(row, "Balance") > 0
        ]

    def open_credits(self, state: dict[str, Any]) -> list[OpenCredit]:
        found = []
        for collection, field in (("CreditMemo", "RemainingCredit"), ("Payment", "UnappliedAmt")):
            for row in state.get(collection, ()):
                if _qb_amount(row, field) > 0:
                    found.append(
                        OpenCredit(
                            credit_id=row["Id"],
                            customer_id=row["CustomerRef"]["value"],
                            base_remaining=cents(_qb_amount(row, field) * _qb_rate(row)),
                            issued=date.fromisoformat(row["TxnDate"]),
                        )
                    )
        return found

    def first_sync_rows(self, state: dict[str, Any]) -> dict[str, int]:
        """Rows the first sync's queries return (what QuickBooks can filter on): every
        customer, invoices and credit memos with a balance, every payment."""
        return {
            "customers": len(state.get("Customer", ())),
            "invoices": _qb_positive(state, "Invoice", "Balance"),
            "credit_memos": _qb_positive(state, "CreditMemo", "Balance"),
            "payments": len(state.get("Payment", ())),
        }

    def first_sync_summary(self, state: dict[str, Any]) -> dict[str, int]:
        """What it keeps: the credits are the credit memos with remaining credit and the
        payments with an unapplied amount (fully applied ones are read but not stored)."""
        rows = self.first_sync_rows(state)
        return {
            "invoices": rows["invoices"],
            "credits": _qb_positive(state, "CreditMemo", "RemainingCredit")
            + _qb_positive(state, "Payment", "UnappliedAmt"),
            "customers": rows["customers"],
        }

    def incremental_minimum(self) -> dict[str, int]:
        """One CDC answer serves every stream."""
        return {**self.fixed_sync_calls, "GET cdc": 1}

    def stream_log(self, calls: dict[str, Any], name: str) -> list[dict[str, Any]]:
        """Query calls for this stream's entity (the call log keeps each query's statement)."""
        piece = self.stream(name).fault_path.lower()
        return [
            entry
            for entry in calls["log"]
            if entry["path"].endswith("/query") and piece in _statement(entry).lower()
        ]

    def stream_calls(self, calls: dict[str, Any], name: str) -> int:
        return len(self.stream_log(calls, name))

    def remove_invoice(self, control: Any, invoice_id: str) -> None:
        control.request("DELETE", f"invoices/{invoice_id}")

    # -- writing back: Attachable notes and uploads, invoice send -------------------------
    ledger_name = "QuickBooks"
    note_limit = 2000
    note_fault_path = "/attachable"
    unknown_customer = "999999"
    # A note's fault is the answer's (HTTP 400); an upload's sits inside AttachableResponse.
    unknown_customer_refusals: ClassVar[Mapping[str, str]] = {
        CUSTOMER_NOTE: "QuickBooks refused POST attachable (6000): A business validation error "
        "has occurred while processing your request: Business Validation Error: The entity "
        "Customer 999999 that you are trying to link does not exist. Customer 999999",
        CUSTOMER_ATTACHMENT: "QuickBooks refused POST upload (6000): Business Validation Error: "
        "The entity Customer 999999 that you are trying to link does not exist. Customer 999999",
    }

    def wire_key(self, key: str) -> str:
        from ar_sync_quickbooks.writer import request_id

        return request_id(key)  # requestid: a UUID derived from the key

    def written(self, control: Any) -> list[Written]:
        found = []
        for entry in control.request("GET", "writes")["writes"]:
            if entry["kind"] == "invoice_email":
                kind, target = INVOICE_EMAIL, entry["target_id"]
            else:
                (ref,) = entry["refs"]
                target = ref["value"]
                if entry["kind"] == "attachable_upload":
                    kind = CUSTOMER_ATTACHMENT
                else:
                    kind = INVOICE_NOTE if ref["type"] == "Invoice" else CUSTOMER_NOTE
            found.append(
                Written(
                    kind=kind,
                    target=target,
                    key=entry["requestid"],
                    replay=entry["replay"],
                    text=entry.get("note") or entry.get("file_name"),
                    size=entry.get("size"),
                )
            )
        return found

    def emailable_invoice(self, state: dict[str, Any]) -> str:
        return next(
            row["Id"]
            for row in self._open_rows(state)
            if (row.get("BillEmail") or {}).get("Address")
        )

    def _open_rows(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        return [row for row in state.get("Invoice", ()) if _qb_amount(row, "Balance") > 0]

    def emailed(self, state: dict[str, Any], invoice_id: str) -> bool:
        (row,) = [row for row in state["Invoice"] if row["Id"] == invoice_id]
        return row.get("EmailStatus") == "EmailSent"

    def email_refusals(self, control: Any, state: dict[str, Any]) -> list[tuple[str, str]]:
        """An invoice without ``BillEmail`` (QuickBooks has no drafts), made for the test: a
        generated invoice always has its customer's address."""
        model = self._open_rows(state)[0]
        created = control.request(
            "POST",
            "invoices",
            {
                "CustomerRef": model["CustomerRef"],
                "TxnDate": model["TxnDate"],
                "DueDate": model["DueDate"],
                "Line": [
                    {
                        "Amount": 10,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": model["Line"][0]["SalesItemLineDetail"],
                    }
                ],
            },
        )["Invoice"]["Id"]
        return [
            (
                created,
                f"cannot email invoice {created}: QuickBooks refused POST invoice/{{id}}/send "
                "(6000): A business validation error has occurred while processing your "
                "request: Business Validation Error: The invoice has no email address "
                "(BillEmail) to send it to.",
            )
        ]


def _statement(entry: dict[str, Any]) -> str:
    """The query statement of a call-log entry (the sandbox logs it; GET sends it in the URL)."""
    return str(entry.get("statement") or entry.get("query") or "")


# ---------------------------------------------------------------------------- registry

_CANDIDATES: tuple[PlatformDriver, ...] = (XeroDriver(), QuickBooksDriver())

DRIVERS: dict[str, PlatformDriver] = {
    driver.platform: driver for driver in _CANDIDATES if driver.unavailable_reason() is None
}
"""The drivers whose platform is installed and whose driver is complete."""

SKIPPED: dict[str, str] = {
    driver.platform: reason
    for driver in _CANDIDATES
    if (reason := driver.unavailable_reason()) is not None
}
"""Platforms left out, with the reason shown as the skipped parameter's reason."""

ALL_PLATFORMS: tuple[str, ...] = tuple(driver.platform for driver in _CANDIDATES)
