"""A company: one QuickBooks Online realm and its books, loaded from a file or built in memory.

A company file is written in QBO's own JSON shapes::

    {"realmId"?: "9130...", "CompanyInfo": {"CompanyName", "Country"?, "DefaultTimeZone"?},
     "Preferences"?: {"CurrencyPrefs": {"MultiCurrencyEnabled": true,
                                         "HomeCurrency": {"value": "USD"}}},
     "Customer": [...], "Invoice": [...], "Payment": [...], "CreditMemo": [...],
     "Attachable"?: [...]}

``load_company(path)`` validates every field (the shapes are pydantic models, ``models.py``) and
every cross-reference, and fills in what QBO derives:

- ``realmId`` (absent): a stable 16-digit number derived from ``CompanyName``;
- ``DefaultTimeZone`` (absent): ``America/Los_Angeles``; ``Country``: ``US``; home currency
  ``USD``; timestamps are written with the company time zone's offset;
- ids are positive whole numbers as strings, unique per entity; ``SyncToken`` ``"0"``;
  ``MetaData`` Create/LastUpdatedTime (transactions: 09:00 local on ``TxnDate``; customers:
  08:00 on their first transaction date); ``domain``/``sparse``;
- ``CurrencyRef`` (the customer's currency; customers default to the home currency) and
  ``ExchangeRate`` (1 for home-currency documents, written only when multicurrency is on;
  required for a foreign currency: home units per foreign unit);
- lines: ``Id``/``LineNum`` and the ``SubTotalLineDetail`` line (the sales lines' sum);
  ``TotalAmt`` = sales lines - ``DiscountLineDetail`` lines + ``TxnTaxDetail.TotalTax``
  (``ledger.py``; a document with ``TotalAmt`` but no lines gets one "Services" line);
- jobs (``ParentRef``): ``Job``, ``Level``, ``FullyQualifiedName`` ``Parent:Job`` and the
  parent's ``BalanceWithJobs`` (its own ``Balance`` plus its jobs'), as QBO records them;
- **balances are computed** from the payments (``ledger.py``): ``Invoice.Balance``,
  ``LinkedTxn``, ``CreditMemo.RemainingCredit``/``Balance``, ``Payment.UnappliedAmt``,
  ``Customer.Balance``/``BalanceWithJobs``, ``HomeBalance``/``HomeTotalAmt``. A file may give
  any of them, and then it must equal the computed value (so a file that says an invoice is
  open while its payments say it is paid is refused, naming the invoice).

Payment lines must link existing invoices and credit memos of the payment's customer, in its
currency, and may not apply more than a document's total. Every amount fits QBO's 10.5 format
(``entities.amount_problem``: at most 10 digits before the point and 5 after), a total its
lines add up to included. A refused file raises
``CompanyFileError("<path>: Invoice[3] (Id 12).CustomerRef.value: <problem>")``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, tzinfo
from decimal import Decimal
from pathlib import Path

from ar_sync.sandbox.company_file import load_company_file, refused
from ar_sync.sandbox.errors import RecordError
from ar_sync_quickbooks.sandbox import ledger, wire
from ar_sync_quickbooks.sandbox.entities import (
    ATTACHABLE,
    CREDIT_MEMO,
    CURRENCY_NAMES,
    CUSTOMER,
    ENTITIES,
    INVOICE,
    MAX_AMOUNT,
    PAYMENT,
    Entity,
    amount_problem,
    ordered,
)
from ar_sync_quickbooks.sandbox.models import validate_document

DEFAULT_TIMEZONE = "America/Los_Angeles"
MAX_JOB_LEVELS = 5  # a customer and four levels of jobs below it (the Customer reference)
DEFAULT_CURRENCY = "USD"
_DOC_KEYS = ("Invoice", "CreditMemo", "Payment")


@dataclass(frozen=True)
class Company:
    """One realm's books, complete and consistent (see the module docstring).

    Records are QBO JSON objects (dicts with ``Decimal`` amounts); treat them as read-only.
    """

    realm_id: str
    info: dict[str, object]
    preferences: dict[str, object]
    customers: tuple[dict[str, object], ...] = ()
    invoices: tuple[dict[str, object], ...] = ()
    payments: tuple[dict[str, object], ...] = ()
    credit_memos: tuple[dict[str, object], ...] = ()
    attachables: tuple[dict[str, object], ...] = ()

    @property
    def name(self) -> str:
        return str(self.info["CompanyName"])

    @property
    def timezone(self) -> tzinfo:
        return wire.zone(str(self.info["DefaultTimeZone"]))

    @property
    def home_currency(self) -> str:
        return home_currency(self.preferences)

    @property
    def multicurrency(self) -> bool:
        prefs = self.preferences.get("CurrencyPrefs") or {}
        return bool(prefs.get("MultiCurrencyEnabled"))  # type: ignore[union-attr]

    def records(self, entity: str) -> tuple[dict[str, object], ...]:
        return {
            "Customer": self.customers,
            "Invoice": self.invoices,
            "Payment": self.payments,
            "CreditMemo": self.credit_memos,
            "Attachable": self.attachables,
        }[entity]


def home_currency(preferences: dict[str, object]) -> str:
    prefs = preferences.get("CurrencyPrefs") or {}
    return str(((prefs.get("HomeCurrency") or {}).get("value")) or DEFAULT_CURRENCY)  # type: ignore[union-attr]


def realm_id_for(name: str) -> str:
    """A stable 16-digit realm id for a company name."""
    digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    return str(10**15 + digest % (9 * 10**15))


# --------------------------------------------------------------------------- loading


def load_company(path: Path | str) -> Company:
    """Read, validate and complete a company file; raises ``CompanyFileError``."""
    return load_company_file(path, parse_company)


def parse_company(data: object, *, source: str = "<company>") -> Company:
    """Validate and complete decoded company-file JSON (floats must be ``Decimal``)."""
    try:
        return build_company(data)
    except RecordError as error:
        raise refused(source, error) from None


def build_company(data: object) -> Company:
    """A complete ``Company`` from company-file JSON; raises ``RecordError``.

    The shapes are ``models.py``'s (pydantic); the rules between records are the builder's.
    """
    return _Builder(validate_document(data)).build()  # new objects: ``data`` stays as it is


def company_document(company: Company) -> dict[str, object]:
    """The company in file shape (``load_company`` reads it back to an equal company)."""
    document: dict[str, object] = {
        "realmId": company.realm_id,
        "CompanyInfo": company.info,
        "Preferences": company.preferences,
    }
    for entity in ("Customer", "Invoice", "Payment", "CreditMemo", "Attachable"):
        records = company.records(entity)
        if records or entity != "Attachable":
            document[entity] = [ordered(ENTITIES[entity], r) for r in records]
    return document


class _Builder:
    """Validates and completes one company document (see the module docstring)."""

    def __init__(self, document: dict[str, object]) -> None:
        self.doc = document
        self.records: dict[str, list[dict[str, object]]] = {}
        self.paths: dict[tuple[str, str], str] = {}

    def build(self) -> Company:
        info = self._info(self.doc["CompanyInfo"])  # type: ignore[arg-type]
        self.tz = wire.zone(str(info["DefaultTimeZone"]))
        if "MetaData" in info:
            self._check_times(info["MetaData"], "CompanyInfo")  # type: ignore[arg-type]
        prefs = self._preferences(self.doc.get("Preferences") or {})  # type: ignore[arg-type]
        self.home = home_currency(prefs)
        self.multicurrency = bool(prefs["CurrencyPrefs"]["MultiCurrencyEnabled"])  # type: ignore[index]
        realm = self.doc.get("realmId")
        realm_id = realm_id_for(str(info["CompanyName"])) if realm is None else str(realm)
        for name in ("Customer", "Invoice", "CreditMemo", "Payment", "Attachable"):
            self.records[name] = self._list(name)
        self.customers = {str(c["Id"]): c for c in self.records["Customer"]}
        self.by_id = {
            name: {str(r["Id"]): r for r in self.records[name]}
            for name in ("Invoice", "CreditMemo")
        }
        self._names: dict[str, str] = {}
        for index, customer in enumerate(self.records["Customer"]):  # documents use it
            path = self._path("Customer", index, customer)
            customer["CurrencyRef"] = self._currency(customer.get("CurrencyRef"), self.home, path)
        for name, entity in (("Invoice", INVOICE), ("CreditMemo", CREDIT_MEMO)):
            for index, record in enumerate(self.records[name]):
                self._sales_document(entity, record, self._path(name, index, record))
        for index, record in enumerate(self.records["Payment"]):
            self._payment(record, self._path("Payment", index, record))
        self._settle()
        for index, record in enumerate(self.records["Customer"]):
            self._customer(record, self._path("Customer", index, record))
        self._jobs()
        for index, record in enumerate(self.records["Attachable"]):
            self._attachable(record, self._path("Attachable", index, record))
        if "MetaData" not in info:
            first = self._earliest_stamp()
            info["MetaData"] = {"CreateTime": first, "LastUpdatedTime": first}
        return Company(
            realm_id=realm_id,
            info=ordered_info(info),
            preferences=prefs,
            customers=tuple(ordered(CUSTOMER, r) for r in self.records["Customer"]),
            invoices=tuple(ordered(INVOICE, r) for r in self.records["Invoice"]),
            payments=tuple(ordered(PAYMENT, r) for r in self.records["Payment"]),
            credit_memos=tuple(ordered(CREDIT_MEMO, r) for r in self.records["CreditMemo"]),
            attachables=tuple(ordered(ATTACHABLE, r) for r in self.records["Attachable"]),
        )

    # ---- sections

    def _info(self, info: dict[str, object]) -> dict[str, object]:
        info.setdefault("Country", "US")
        info.setdefault("DefaultTimeZone", DEFAULT_TIMEZONE)
        info.setdefault("domain", "QBO")
        info.setdefault("sparse", False)
        info.setdefault("Id", "1")
        info.setdefault("SyncToken", "0")
        return info

    def _preferences(self, prefs: dict[str, object]) -> dict[str, object]:
        currency: dict[str, object] = prefs.get("CurrencyPrefs") or {}  # type: ignore[assignment]
        multi = currency.get("MultiCurrencyEnabled", False)
        home: dict[str, object] = currency.get("HomeCurrency") or {}  # type: ignore[assignment]
        code = home.get("value", DEFAULT_CURRENCY)
        prefs["CurrencyPrefs"] = {
            **currency,
            "MultiCurrencyEnabled": multi,
            "HomeCurrency": {"value": code},
        }
        prefs.setdefault("domain", "QBO")
        prefs.setdefault("sparse", False)
        prefs.setdefault("Id", "1")
        prefs.setdefault("SyncToken", "0")
        return prefs

    def _list(self, name: str) -> list[dict[str, object]]:
        records: list[dict[str, object]] = self.doc.get(name) or []  # type: ignore[assignment]
        seen: dict[str, int] = {}
        for index, record in enumerate(records):
            record_id = str(record["Id"])
            if record_id in seen:
                raise RecordError(
                    f"{name}[{index}].Id",
                    f"duplicate {name} Id {record_id!r} (also {name}[{seen[record_id]}])",
                )
            seen[record_id] = index
        return records

    def _path(self, name: str, index: int, record: dict[str, object]) -> str:
        return f"{name}[{index}] (Id {record['Id']})"

    # ---- records

    def _common(self, record: dict[str, object], path: str) -> None:
        record.setdefault("domain", "QBO")
        record.setdefault("sparse", False)
        record.setdefault("SyncToken", "0")
        record.pop("status", None)

    def _customer(self, record: dict[str, object], path: str) -> None:
        self._common(record, path)
        display = str(record["DisplayName"])
        if self._names.setdefault(display, str(record["Id"])) != record["Id"]:
            raise RecordError(
                f"{path}.DisplayName",
                f"duplicate name {display!r} (also Customer Id {self._names[display]})",
            )
        record["CurrencyRef"] = self._currency(record.get("CurrencyRef"), self.home, path)
        if "ParentRef" in record:
            record["ParentRef"] = {"value": record["ParentRef"]["value"]}  # type: ignore[index]
        record.setdefault("Taxable", False)
        record.setdefault("Job", "ParentRef" in record)
        record.setdefault("BillWithParent", False)
        record.setdefault("PreferredDeliveryMethod", "Print")
        record.setdefault("PrintOnCheckName", display)
        record.setdefault("Active", True)
        self._derived(record, "Balance", self.balances.get(str(record["Id"]), wire.ZERO), path)
        self._metadata(record, path, self._first_activity.get(str(record["Id"])), hour=8)

    def _jobs(self) -> None:
        """Each customer's place among jobs (``ParentRef``): ``FullyQualifiedName``
        ``Parent:Job``, ``Level`` (jobs only) and ``BalanceWithJobs``, as the recorded
        ``customer_query_page.response.json`` shows them (customers 7-9 and 22-23: a parent with
        Balance 0 and BalanceWithJobs 85.0, "Freeman Sporting Goods:55 Twin Lane", Level 1)."""
        customers = self.records["Customer"]
        parents = {str(c["Id"]): ledger.parent_of(c) for c in customers}
        names = {str(c["Id"]): str(c["DisplayName"]) for c in customers}
        totals = ledger.balances_with_jobs(self.balances, parents)
        for index, record in enumerate(customers):
            path = self._path("Customer", index, record)
            own = str(record["Id"])
            parent = parents[own]
            if parent is not None and parent not in parents:
                raise RecordError(f"{path}.ParentRef.value", f"no Customer with Id {parent!r}")
            chain = ledger.ancestry(own, parents)
            if parents[chain[-1]] in chain:  # the walk up stopped at a loop
                raise RecordError(f"{path}.ParentRef.value", "a customer cannot be its own job")
            if len(chain) > MAX_JOB_LEVELS:
                raise RecordError(
                    f"{path}.ParentRef.value", f"more than {MAX_JOB_LEVELS} levels of jobs"
                )
            currency = record["CurrencyRef"]
            if parent is not None and currency != self.customers[parent]["CurrencyRef"]:
                raise RecordError(  # UNCONFIRMED: a job is billed in its parent's currency
                    f"{path}.CurrencyRef.value", "a job must be in its parent's currency"
                )
            name = ":".join(names[c] for c in reversed(chain))
            if record.get("FullyQualifiedName", name) != name:
                raise RecordError(
                    f"{path}.FullyQualifiedName",
                    f"is {record['FullyQualifiedName']!r} but the jobs give {name!r}",
                )
            record["FullyQualifiedName"] = name
            if parent is None:
                record.pop("Level", None)
            else:
                record["Level"] = len(chain) - 1
            self._derived(record, "BalanceWithJobs", totals[own], path)

    def _currency(self, given: object, default: str, path: str) -> dict[str, object]:
        code = default if given is None else given["value"]  # type: ignore[index]
        if code != self.home and not self.multicurrency:
            raise RecordError(
                f"{path}.CurrencyRef.value",
                f"{code} needs Preferences.CurrencyPrefs.MultiCurrencyEnabled = true",
            )
        return {"value": code, "name": CURRENCY_NAMES.get(str(code), str(code))}

    def _customer_ref(self, record: dict[str, object], path: str) -> dict[str, object]:
        found: dict[str, object] = record["CustomerRef"]  # type: ignore[assignment]
        customer = self.customers.get(str(found["value"]))
        if customer is None:
            raise RecordError(
                f"{path}.CustomerRef.value", f"no Customer with Id {found['value']!r}"
            )
        record["CustomerRef"] = {"value": found["value"], "name": customer.get("DisplayName")}
        return customer

    def _rate(self, record: dict[str, object], path: str) -> None:
        foreign = record["CurrencyRef"]["value"] != self.home  # type: ignore[index]
        if "ExchangeRate" in record:
            if not foreign and record["ExchangeRate"] != 1:
                raise RecordError(f"{path}.ExchangeRate", "must be 1 in the home currency")
        elif foreign:
            raise RecordError(
                f"{path}.ExchangeRate",
                f"is required for {record['CurrencyRef']['value']} "  # type: ignore[index]
                f"(home-currency units per one foreign unit)",
            )
        elif self.multicurrency:
            record["ExchangeRate"] = Decimal(1)

    def _sales_document(self, entity: Entity, record: dict[str, object], path: str) -> None:
        self._common(record, path)
        customer = self._customer_ref(record, path)
        customer_currency = str(
            self._currency(customer.get("CurrencyRef"), self.home, path)["value"]
        )
        record["CurrencyRef"] = self._currency(record.get("CurrencyRef"), customer_currency, path)
        if record["CurrencyRef"]["value"] != customer_currency:  # type: ignore[index]
            raise RecordError(
                f"{path}.CurrencyRef.value",
                f"must be the customer's currency {customer_currency}",
            )
        self._rate(record, path)
        if entity is INVOICE:
            record.setdefault("DueDate", record["TxnDate"])
            for key in (
                "AllowIPNPayment",
                "AllowOnlinePayment",
                "AllowOnlineCreditCardPayment",
                "AllowOnlineACHPayment",
            ):
                record.setdefault(key, False)
            record.setdefault("LinkedTxn", [])
        record.setdefault("DocNumber", str(1000 + int(str(record["Id"]))))
        record["TxnTaxDetail"] = _tax_detail(record.get("TxnTaxDetail"))
        tax = ledger.total_tax(record)
        record["Line"] = complete_lines(record, path, tax=tax)
        total = ledger.document_total(record["Line"], tax)  # type: ignore[arg-type]
        if total < 0:  # UNCONFIRMED: QBO's own refusal text for a negative total
            raise RecordError(f"{path}.Line", f"the discounts make the total negative ({total})")
        if amount_problem(total):  # UNCONFIRMED: QBO refuses lines adding up past its 10.5 format
            raise RecordError(
                f"{path}.TotalAmt",
                f"the lines add up to {total:f}, more than QBO holds ({MAX_AMOUNT} either way)",
            )
        if "TotalAmt" in record and record["TotalAmt"] != total:
            raise RecordError(
                f"{path}.TotalAmt",
                f"is {record['TotalAmt']} but the lines less discounts plus tax add up to {total}",
            )
        record["TotalAmt"] = total
        record.setdefault("ApplyTaxAfterDiscount", False)
        record.setdefault("PrintStatus", "NotSet")
        record.setdefault("EmailStatus", "NotSet")
        self._metadata(record, path, str(record["TxnDate"]))

    def _payment(self, record: dict[str, object], path: str) -> None:
        self._common(record, path)
        customer = self._customer_ref(record, path)
        customer_currency = str(
            self._currency(customer.get("CurrencyRef"), self.home, path)["value"]
        )
        record["CurrencyRef"] = self._currency(record.get("CurrencyRef"), customer_currency, path)
        currency = record["CurrencyRef"]["value"]  # type: ignore[index]
        if currency != customer_currency:
            raise RecordError(
                f"{path}.CurrencyRef.value", f"must be the customer's currency {customer_currency}"
            )
        self._rate(record, path)
        lines: list[dict[str, object]] = record.get("Line") or []  # type: ignore[assignment]
        for index, line in enumerate(lines):
            where = f"{path}.Line[{index}]"
            for number, link in enumerate(line["LinkedTxn"]):  # type: ignore[arg-type]
                at = f"{where}.LinkedTxn[{number}]"
                txn_type, txn_id = str(link["TxnType"]), str(link["TxnId"])
                target = self.by_id[txn_type].get(txn_id)
                if target is None:
                    raise RecordError(f"{at}.TxnId", f"no {txn_type} with Id {txn_id!r}")
                if target["CustomerRef"]["value"] != record["CustomerRef"]["value"]:  # type: ignore[index]
                    raise RecordError(
                        f"{at}.TxnId", f"{txn_type} {txn_id} belongs to another customer"
                    )
        record["Line"] = lines
        record.setdefault("ProcessPayment", False)
        self._metadata(record, path, str(record["TxnDate"]))

    def _attachable(self, record: dict[str, object], path: str) -> None:
        self._common(record, path)
        refs: list[dict[str, object]]
        refs = record.get("AttachableRef") or []  # type: ignore[assignment]
        for index, item in enumerate(refs):
            at = f"{path}.AttachableRef[{index}].EntityRef"
            entity_ref: dict[str, object] = item["EntityRef"]  # type: ignore[assignment]
            kind, value = entity_ref["type"], entity_ref.get("value")
            if not any(r["Id"] == value for r in self.records[str(kind)]):  # few attachables
                raise RecordError(f"{at}.value", f"no {kind} with Id {value!r}")
            item.setdefault("IncludeOnSend", False)
        if "Note" not in record and "FileName" not in record:
            raise RecordError(path, "needs a Note or a FileName")
        self._metadata(record, path, None)

    # ---- derived values

    def _settle(self) -> None:
        applied = ledger.applications(self.records["Payment"])
        for index, invoice in enumerate(self.records["Invoice"]):
            given = {k: invoice.get(k) for k in ("Balance", "HomeBalance", "HomeTotalAmt")}
            links = applied.get(("Invoice", str(invoice["Id"])), [])
            ledger.settle_invoice(invoice, links, self.home)
            self._check_given(invoice, given, self._path("Invoice", index, invoice))
        for index, memo in enumerate(self.records["CreditMemo"]):
            given = {
                k: memo.get(k)
                for k in ("Balance", "RemainingCredit", "HomeBalance", "HomeTotalAmt")
            }
            links = applied.get(("CreditMemo", str(memo["Id"])), [])
            ledger.settle_credit_memo(memo, links, self.home)
            self._check_given(memo, given, self._path("CreditMemo", index, memo))
        for index, payment in enumerate(self.records["Payment"]):
            given = {"UnappliedAmt": payment.get("UnappliedAmt")}
            ledger.settle_payment(payment)
            self._check_given(payment, given, self._path("Payment", index, payment))
        self.balances = ledger.customer_balances(
            self.records["Invoice"], self.records["CreditMemo"], self.records["Payment"]
        )
        self._first_activity: dict[str, str] = {}
        for name in _DOC_KEYS:
            for record in self.records[name]:
                customer = str(record["CustomerRef"]["value"])  # type: ignore[index]
                day = str(record["TxnDate"])
                if customer not in self._first_activity or day < self._first_activity[customer]:
                    self._first_activity[customer] = day

    def _check_given(self, record: dict[str, object], given: dict[str, object], path: str) -> None:
        for key, value in given.items():
            if value is not None:
                self._derived(record, key, record.get(key), path, given=value)
        for key in ("Balance", "RemainingCredit", "UnappliedAmt"):
            if key in record and record[key] < 0:  # type: ignore[operator]
                raise RecordError(
                    f"{path}.{key}",
                    f"payments apply more than the total: {key} would be {record[key]}",
                )

    def _derived(
        self,
        record: dict[str, object],
        key: str,
        computed: object,
        path: str,
        *,
        given: object = None,
    ) -> None:
        if given is None:
            given = record.get(key)
        if given is not None:
            if computed is None or given != computed:
                raise RecordError(
                    f"{path}.{key}",
                    f"is {given} but the books give {computed} (it is derived from the payments)",
                )
        record[key] = computed

    def _metadata(
        self, record: dict[str, object], path: str, day: str | None, *, hour: int = 9
    ) -> None:
        meta: dict[str, object] = record.get("MetaData") or {}  # type: ignore[assignment]
        self._check_times(meta, path)
        if "CreateTime" not in meta:
            if day is None:
                meta["CreateTime"] = self._earliest_stamp()
            else:
                start = datetime.combine(wire.parse_day(day), time(hour), tzinfo=self.tz)
                meta["CreateTime"] = wire.stamp(start.astimezone(UTC), self.tz)
        meta.setdefault("LastUpdatedTime", meta["CreateTime"])
        record["MetaData"] = {
            "CreateTime": meta["CreateTime"],
            "LastUpdatedTime": meta["LastUpdatedTime"],
        }

    def _check_times(self, meta: dict[str, object], path: str) -> None:
        for key in ("CreateTime", "LastUpdatedTime"):
            if key in meta:
                try:
                    wire.parse_instant(meta[key], self.tz)
                except ValueError as error:
                    raise RecordError(f"{path}.MetaData.{key}", str(error)) from None

    def _earliest_stamp(self) -> str:
        days = [str(r["TxnDate"]) for name in _DOC_KEYS for r in self.records.get(name, [])]
        first = min(days, default="2020-01-01")
        start = datetime.combine(wire.parse_day(first), time(8), tzinfo=self.tz)
        return wire.stamp(start.astimezone(UTC), self.tz)


def _tax_detail(given: object) -> dict[str, object]:
    """``TxnTaxDetail`` with a ``TotalTax`` (default 0), which ``TotalAmt`` includes."""
    detail: dict[str, object] = given or {}  # type: ignore[assignment]
    return {**detail, "TotalTax": detail.get("TotalTax", wire.ZERO)}


def complete_lines(
    record: dict[str, object], path: str, *, tax: Decimal = wire.ZERO
) -> list[dict[str, object]]:
    """Sales lines (validated by ``models.SALES_LINE``) with ``Id``/``LineNum`` and the trailing
    sub-total line (the sales lines' sum before discounts); a sub-total line given is dropped.
    Without lines, ``TotalAmt`` less ``tax`` is one "Services" line."""
    if "Line" not in record:
        if "TotalAmt" not in record:
            raise RecordError(f"{path}.Line", "is required (or give TotalAmt)")
        amount = record["TotalAmt"] - tax  # type: ignore[operator]
        given: list[dict[str, object]] = [
            {
                "Amount": amount,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}},
            }
        ]
    else:
        given = record["Line"]  # type: ignore[assignment]
    lines: list[dict[str, object]] = []
    for line in given:
        if line["DetailType"] != ledger.SUBTOTAL:
            number = len(lines) + 1
            lines.append({"Id": str(number), "LineNum": number, **line})
    if not lines:
        raise RecordError(f"{path}.Line", "must hold at least one sales line")
    lines.append(
        {
            "Amount": ledger.subtotal(lines),
            "DetailType": ledger.SUBTOTAL,
            "SubTotalLineDetail": {},
        }
    )
    return lines


def ordered_info(info: dict[str, object]) -> dict[str, object]:
    first = (
        "CompanyName",
        "LegalName",
        "CompanyAddr",
        "Country",
        "Email",
        "WebAddr",
        "DefaultTimeZone",
        "domain",
        "sparse",
        "Id",
        "SyncToken",
        "MetaData",
    )
    out = {k: info[k] for k in first if k in info}
    out.update({k: v for k, v in info.items() if k not in out})
    return out


def all_ids(company: Company) -> Iterable[int]:
    for entity in ENTITIES:
        for record in company.records(entity):
            yield int(str(record["Id"]))
