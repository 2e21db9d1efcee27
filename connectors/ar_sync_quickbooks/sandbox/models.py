"""The shapes of a QuickBooks Online company file, as pydantic models (``validate_document``).

Records stay QBO JSON objects: each entity is a ``TypedDict`` whose fields are every property
QBO knows for it (``entities.ENTITIES``; any other is refused), and the properties the sandbox
reads are typed with ``checks.py``'s rules: ids, text lengths, amounts in QBO's 10.5 format,
dates, booleans, references. ``validate_document`` returns the document with those values
normalised (ids as strings, amounts as ``Decimal``), each record's and line's keys in the file's
own order, or raises ``RecordError`` naming the first field at fault as the loader does
(``Invoice[0] (Id 10).TxnDate``, ``not a date (YYYY-MM-DD): '2026-13-01'``).

A ``null`` where QBO would leave the property out (a currency, a derived balance, an empty
section) counts as absent. What depends on other records or on the company's settings (a
reference to an existing customer, currencies and rates, derived balances, jobs) is
``company.py``'s, and so are the properties QBO fills in when a file leaves them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, TypeAdapter, ValidationError, with_config
from pydantic_core import ErrorDetails
from typing_extensions import Required, TypedDict

from ar_sync.sandbox.company_file import dotted_field, validator_problem
from ar_sync.sandbox.errors import RecordError
from ar_sync_quickbooks.sandbox import checks, ledger, wire
from ar_sync_quickbooks.sandbox.entities import ENTITIES, ENTITY_NAMES

FILE_KEYS = (
    "realmId",
    "CompanyInfo",
    "Preferences",
    "Customer",
    "Invoice",
    "Payment",
    "CreditMemo",
    "Attachable",
)
INFO_KEYS = (
    "CompanyName",
    "LegalName",
    "CompanyAddr",
    "CustomerCommunicationAddr",
    "LegalAddr",
    "CompanyEmailAddr",
    "CustomerCommunicationEmailAddr",
    "CompanyURL",
    "PrimaryPhone",
    "CompanyStartDate",
    "FiscalYearStartMonth",
    "Country",
    "Email",
    "WebAddr",
    "DefaultTimeZone",
    "SupportedLanguages",
    "NameValue",
    "domain",
    "sparse",
    "Id",
    "SyncToken",
    "MetaData",
)
LINE_TYPES = ("SalesItemLineDetail", "DescriptionOnly", "DiscountLineDetail", ledger.SUBTOTAL)
ATTACHABLE_TARGETS = ("Customer", "Invoice", "Payment", "CreditMemo")
# Derived values a file may give (then ``company.py`` checks them) or leave out, or write null.
_DERIVED = ("Balance", "BalanceWithJobs", "HomeBalance", "HomeTotalAmt", "RemainingCredit",
            "UnappliedAmt")


def _rule(check: Callable[..., Any], **options: object) -> BeforeValidator:
    """``checks.<check>`` as a field validator: its ``RecordError`` becomes pydantic's error at
    the field's own location."""

    def run(value: object) -> Any:
        try:
            return check(value, "", **options)
        except RecordError as error:
            raise ValueError(error.problem) from None

    return BeforeValidator(run)


def _one_of(label: str, values: Iterable[str]) -> BeforeValidator:
    allowed = tuple(values)

    def run(value: object) -> object:
        if value not in allowed:
            raise ValueError(f"{label} {value!r}")
        return value

    return BeforeValidator(run)


def _display_name(value: object, path: str) -> str:
    """A customer's ``DisplayName``: text of at most 500 characters without ':', tab or newline
    (the Customer reference's business rules)."""
    name = checks.text(value, path, max_length=500)
    if any(c in name for c in ":\t\n"):
        raise RecordError(path, "must not contain ':', tab or newline")
    return name


def _company_name(value: object, path: str) -> str:
    name = checks.text(value, path, max_length=1024)
    if not name.strip():
        raise RecordError(path, "must not be empty")
    return name


def _time_zone(value: object, path: str) -> str:
    name = checks.text(value, path)
    try:
        wire.zone(name)
    except ValueError as error:
        raise RecordError(path, str(error)) from None
    return name


def _currency_code(value: object, path: str) -> str:
    code = checks.text(value, path)
    if len(code) != 3 or not code.isupper():
        raise RecordError(path, f"must be an ISO 4217 code such as USD, got {code!r}")
    return code


def _email_address(value: object, path: str) -> str:
    address = checks.text(value, path)
    if "@" not in address or "." not in address:
        raise RecordError(path, "is not an email address")
    return address


def _links(value: object, path: str) -> list[object]:
    links = checks.array(value, path)
    if not links:
        raise RecordError(path, "must link one transaction")
    return links


Id = Annotated[str, _rule(checks.record_id)]
Text = Annotated[str, _rule(checks.text)]
Bool = Annotated[bool, _rule(checks.boolean)]
Money = Annotated[Decimal, _rule(checks.money)]
SignedMoney = Annotated[Decimal, _rule(checks.money, negative=True)]
Rate = Annotated[Decimal, _rule(checks.rate)]
Day = Annotated[str, _rule(checks.day)]
Object = dict[str, Any]  # not an object: "must be an object, got ..." (``_problem``)


def _text(max_length: int) -> Any:
    return Annotated[str, _rule(checks.text, max_length=max_length)]


def _shape(
    name: str,
    fields: Mapping[str, Any],
    *,
    known: Iterable[str] = (),
    extra: str = "forbid",
    nullable: Iterable[str] = (),
) -> Any:
    """A ``TypedDict`` of ``fields`` (``Required[...]`` where a file must give one) and the
    ``known`` properties kept as given; ``null`` in a ``nullable`` property means absent."""
    absent = frozenset(nullable)
    # Typed fields first, in the order given (pydantic reports errors in field order), then
    # the other known properties, sorted (a frozenset's order differs from run to run).
    every = dict(fields) | {key: Any for key in sorted(known) if key not in fields}
    shape = with_config(ConfigDict(extra=extra))(  # type: ignore[arg-type]
        TypedDict(name, every, total=False)  # type: ignore[operator]
    )

    def without_nulls(value: object) -> object:
        if isinstance(value, dict) and absent:
            return {k: v for k, v in value.items() if not (v is None and k in absent)}
        return value

    return Annotated[shape, BeforeValidator(without_nulls)]


Ref = _shape("Ref", {"value": Required[Text], "name": Text, "type": Any})
MetaData = Object  # its times are company.py's (they are read in the company's time zone)

_COMMON = {"Id": Required[Id], "SyncToken": Text, "MetaData": MetaData}

CUSTOMER = _shape(
    "Customer",
    {
        **_COMMON,
        "DisplayName": Required[Annotated[str, _rule(_display_name)]],
        **{
            key: Text
            for key in ("GivenName", "FamilyName", "CompanyName", "Notes", "PrintOnCheckName",
                        "FullyQualifiedName", "Title", "MiddleName", "Suffix")
        },
        **{key: Bool for key in ("Active", "Job", "BillWithParent", "Taxable")},
        "PrimaryEmailAddr": _shape(
            "EmailAddress",
            {"Address": Required[Annotated[str, _rule(_email_address)]]},
            extra="allow",
        ),
        "CurrencyRef": Ref,
        "ParentRef": Ref,
        "Balance": SignedMoney,
        "BalanceWithJobs": SignedMoney,
    },
    known=ENTITIES["Customer"].allowed,
    nullable=("MetaData", "CurrencyRef", *_DERIVED),
)

SALES_LINE = _shape(
    "SalesLine",
    {
        "DetailType": Required[
            Annotated[str, _one_of("unsupported line type", LINE_TYPES)]
        ],
        "Amount": Required[Money],
        "Description": _text(4000),
    },
    extra="allow",
)


def _sales_document(name: str, extra: Mapping[str, Any]) -> Any:
    return _shape(
        name,
        {
            **_COMMON,
            "CustomerRef": Required[Ref],
            "CurrencyRef": Ref,
            "ExchangeRate": Rate,
            "TxnDate": Required[Day],
            "DocNumber": _text(21),
            "PrivateNote": _text(4000),
            "TxnTaxDetail": _shape("TxnTaxDetail", {"TotalTax": Money}, extra="allow"),
            "Line": list[SALES_LINE],
            "TotalAmt": Money,
            "BillEmail": _shape("EmailAddress", {"Address": Required[_text(100)]}, extra="allow"),
            **{key: SignedMoney for key in ("Balance", "HomeBalance", "HomeTotalAmt")},
            **extra,
        },
        known=ENTITIES[name].allowed,
        nullable=("MetaData", "CurrencyRef", "TxnTaxDetail", *_DERIVED),
    )


INVOICE = _sales_document(
    "Invoice",
    {
        "DueDate": Day,
        "Deposit": Money,
        **{
            key: Bool
            for key in ("AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment",
                        "AllowOnlineACHPayment")
        },
    },
)
CREDIT_MEMO = _sales_document("CreditMemo", {"RemainingCredit": SignedMoney})

LINK = _shape(
    "LinkedTxn",
    {
        "TxnId": Required[Id],
        "TxnType": Required[
            Annotated[str, _one_of("must be Invoice or CreditMemo, got", ledger.LINK_TYPES)]
        ],
    },
    extra="allow",
)
PAYMENT = _shape(
    "Payment",
    {
        **_COMMON,
        "CustomerRef": Required[Ref],
        "CurrencyRef": Ref,
        "ExchangeRate": Rate,
        "TxnDate": Required[Day],
        "TotalAmt": Required[Money],
        "UnappliedAmt": SignedMoney,
        "Line": list[
            _shape(
                "PaymentLine",
                {
                    "Amount": Required[Money],
                    "LinkedTxn": Required[Annotated[list[LINK], _rule(_links)]],
                },
                extra="allow",
            )
        ],
    },
    known=ENTITIES["Payment"].allowed,
    nullable=("MetaData", "CurrencyRef", "Line", *_DERIVED),
)

ATTACHABLE = _shape(
    "Attachable",
    {
        **_COMMON,
        "AttachableRef": list[
            _shape(
                "AttachableRef",
                {
                    "EntityRef": Required[
                        _shape(
                            "EntityRef",
                            {
                                "type": Required[
                                    Annotated[
                                        str,
                                        _one_of("unsupported entity type", ATTACHABLE_TARGETS),
                                    ]
                                ],
                                "value": Any,
                            },
                            extra="allow",
                        )
                    ]
                },
                extra="allow",
            )
        ],
    },
    known=ENTITIES["Attachable"].allowed,
    nullable=("MetaData", "AttachableRef"),
)

COMPANY_INFO = _shape(
    "CompanyInfo",
    {
        "CompanyName": Required[Annotated[str, _rule(_company_name)]],
        "Country": Text,
        "DefaultTimeZone": Annotated[str, _rule(_time_zone)],
        "Id": Id,
        "SyncToken": Text,
        "MetaData": Object,
    },
    known=INFO_KEYS,
)
PREFERENCES = _shape(
    "Preferences",
    {
        "CurrencyPrefs": _shape(
            "CurrencyPrefs",
            {
                "MultiCurrencyEnabled": Bool,
                "HomeCurrency": _shape(
                    "HomeCurrency",
                    {"value": Required[Annotated[str, _rule(_currency_code)]]},
                    extra="allow",
                ),
            },
            extra="allow",
            nullable=("HomeCurrency",),
        )
    },
    extra="allow",
    nullable=("CurrencyPrefs",),
)

DOCUMENT = TypeAdapter(
    _shape(
        "CompanyFile",
        {
            "realmId": Id,
            "CompanyInfo": Required[COMPANY_INFO],
            "Preferences": PREFERENCES,
            "Customer": list[CUSTOMER],
            "Invoice": list[INVOICE],
            "CreditMemo": list[CREDIT_MEMO],
            "Payment": list[PAYMENT],
            "Attachable": list[ATTACHABLE],
        },
        nullable=tuple(key for key in FILE_KEYS if key != "CompanyInfo"),
    )
)


def validate_document(data: object) -> dict[str, Any]:
    """The company-file document validated and normalised (see the module docstring); raises
    ``RecordError`` for the first field at fault."""
    try:
        validated = DOCUMENT.validate_python(data)
    except ValidationError as error:
        errors = error.errors(include_url=False)
        first = min(errors, key=lambda e: (_stage(e), errors.index(e)))
        raise RecordError(_field(first["loc"], data), _problem(first)) from None
    return in_file_order(data, validated)


def _stage(error: ErrorDetails) -> int:
    """Which error is named first: the file's sections, then the company's settings, then each
    record's id and properties (one it should not have before one that is wrong), then the
    rest, each in file order."""
    loc = error["loc"]
    if len(loc) <= 1 or loc[0] in ("CompanyInfo", "Preferences", "realmId"):
        return 0
    if len(loc) == 2 or (len(loc) == 3 and (loc[2] == "Id" or error["type"] == "extra_forbidden")):
        return 1
    return 2


def in_file_order(given: Any, validated: dict[str, Any]) -> dict[str, Any]:
    """``validated`` with the keys of each record and each of its lines in ``given``'s order
    (what a response shows as the file had it; smaller objects keep the models' order)."""
    for section in ENTITY_NAMES:
        records = validated.get(section)
        if records:
            validated[section] = [
                _keys_as(old, new) for old, new in zip(given[section], records, strict=True)
            ]
    return validated


def _keys_as(given: dict[str, Any], validated: dict[str, Any]) -> dict[str, Any]:
    ordered = {key: validated[key] for key in given if key in validated}
    lines = ordered.get("Line")
    if isinstance(lines, list):
        ordered["Line"] = [_keys_as(g, v) for g, v in zip(given["Line"], lines, strict=True)]
    return ordered


def _field(loc: tuple[int | str, ...], document: object) -> str:
    """``Invoice[0] (Id 10).Line[0].Amount``: a record's path carries its id, unless the id is
    what is wrong; ``(document)`` for the whole file."""
    field = dotted_field(loc)
    if len(loc) < 3 or loc[0] not in ENTITY_NAMES or loc[2] == "Id":
        return field
    section, index = str(loc[0]), int(loc[1])
    try:
        record = document[section][index]  # type: ignore[index]
        record_id = checks.record_id(record["Id"], "")
    except (KeyError, IndexError, TypeError, RecordError):
        return field
    prefix = f"{section}[{index}]"
    return f"{prefix} (Id {record_id}){field[len(prefix):]}"


def _problem(error: ErrorDetails) -> str:
    """The loader's wording of one pydantic error."""
    kind, loc = error["type"], error["loc"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        if len(loc) == 1:
            return f"unknown section (expected {', '.join(FILE_KEYS)})"
        if len(loc) >= 2 and str(loc[-2]).endswith("Ref"):
            return "unknown property of a reference"
        return "unknown property"
    if kind == "dict_type":
        return f"must be an object, got {checks.kind(error['input'])}"
    if kind == "list_type":
        return f"must be an array, got {checks.kind(error['input'])}"
    return validator_problem(error)
