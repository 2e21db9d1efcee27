"""Which properties a query may filter (``WHERE``) or sort (``ORDERBY``) on: one table, sourced.

QuickBooks Online answers a ``WHERE`` on any other property with 4001 ``QueryValidationError:
property '<name>' is not queryable`` (ruckus/quickbooks-ruby#258 for ``Payment.UnappliedAmt``,
#403 for the whole recorded fault body), so the sandbox refuses exactly what is not listed here.
The list comes from Intuit's documentation and schema, never from the connector:

===========  ==========================================================================
source       what it is
===========  ==========================================================================
DOC-Cust     Intuit's Customer reference, attributes marked "filterable"/"sortable"
             (developer.intuit.com .../all-entities/customer; the text as scraped in
             abossenbroek/qbo-mcp ``qbo-api-docs/entities/customer.md``)
DOC-Inv      Intuit's Invoice reference, as quoted in ``../shared/notes/quickbooks-api.md``
             §1.1 and §1.3 (Id, DocNumber, TxnDate, DueDate, Balance, CustomerRef, MetaData)
DOC-Pay      Intuit's Payment reference, notes §3 (TxnDate filterable and sortable)
XSD          ``../shared/specs/quickbooks_xsd`` annotations ``Filterable: ALL|QBO`` /
             ``Sortable: ALL|QBO`` (``QBW`` means QuickBooks Desktop only and counts for
             nothing here)
REC-BATCH    the recorded real query ``select * from SalesReceipt where TotalAmt > '300.00'``
             (``../shared/fixtures/quickbooks/recorded_json/batch_mixed_incl_5010_stale``);
             SalesReceipt, Invoice and CreditMemo share the XSD's ``SalesTransaction`` type
CDATA        CData's QuickBooks Online driver, whose columns say what the API filters
             server-side (docs.gravitydata.co/sources/quickbooks-online/tables/payments)
DOC-Att      Intuit's Attachable reference (developer.intuit.com .../all-entities/attachable,
             as scraped in abossenbroek/qbo-mcp ``qbo-api-docs/entities/attachable.md``):
             FileName and Note "filterable, sortable"; its "Query an attachable" sample
             ``select Id from attachable where AttachableRef.EntityRef.Type = 'purchase' and
             AttachableRef.EntityRef.value = '611'`` (the type spelt in lower case, the
             object's ``EntityRef.type`` is ``Purchase``: compared case-insensitively)
UNCONFIRMED  allowed for want of a source either way; listed in the package docstring
===========  ==========================================================================

Left out on purpose (so refused): ``Payment.UnappliedAmt`` (#258 above),
``CreditMemo.RemainingCredit`` (Finance.xsd marks it neither filterable nor sortable; public
code queries ``CreditMemo WHERE Balance > '0'`` and reads RemainingCredit itself),
``Customer.Job``/``CurrencyRef``, ``PrivateNote``, ``EmailStatus`` (no source marks them).

Kinds: ``id`` (compared as a number), ``str`` (exact for ``=``/``IN``/``<``/``>``; ``LIKE`` is
case-insensitive, UNCONFIRMED), ``money`` (``Decimal``), ``date``, ``datetime`` (instants),
``bool``, ``ref`` (a ``{"value", "name"}`` compared by ``value``), ``name`` (a string compared
case-insensitively: an entity type).
"""

from __future__ import annotations

from dataclasses import dataclass

F, S, FS = "F", "S", "FS"  # filterable, sortable, both


@dataclass(frozen=True)
class Property:
    """One queryable property of one entity (``name`` is the canonical dotted spelling)."""

    entity: str
    name: str
    kind: str
    use: str  # F, S or FS
    source: str

    @property
    def filterable(self) -> bool:
        return "F" in self.use

    @property
    def sortable(self) -> bool:
        return "S" in self.use


def _common(entity: str, source: str) -> tuple[Property, ...]:
    """Id and the two MetaData times, filterable and sortable everywhere [XSD IntuitEntity,
    ModificationMetaData: Filterable/Sortable ALL]."""
    return (
        Property(entity, "Id", "id", FS, source),
        Property(entity, "MetaData.CreateTime", "datetime", FS, "XSD ModificationMetaData"),
        Property(entity, "MetaData.LastUpdatedTime", "datetime", FS, "XSD ModificationMetaData"),
    )


PROPERTIES: tuple[Property, ...] = (
    *_common("Customer", "DOC-Cust"),
    Property("Customer", "DisplayName", "str", FS, "DOC-Cust"),
    Property("Customer", "GivenName", "str", FS, "DOC-Cust; XSD NameBase ALL"),
    Property("Customer", "MiddleName", "str", FS, "DOC-Cust; XSD NameBase ALL"),
    Property("Customer", "FamilyName", "str", FS, "DOC-Cust; XSD NameBase ALL"),
    Property("Customer", "CompanyName", "str", FS, "DOC-Cust"),
    Property("Customer", "PrintOnCheckName", "str", FS, "DOC-Cust"),
    Property("Customer", "FullyQualifiedName", "str", FS, "DOC-Cust"),
    Property("Customer", "PrimaryEmailAddr", "str", F, "DOC-Cust"),
    Property("Customer", "Active", "bool", FS, "DOC-Cust (the XSD says QBW)"),
    Property("Customer", "Balance", "money", FS, "DOC-Cust (the XSD says QBW)"),
    Property("Customer", "BalanceWithJobs", "money", FS, "DOC-Cust sortable; XSD Filterable ALL"),
    *_common("Invoice", "DOC-Inv"),
    Property("Invoice", "DocNumber", "str", FS, "DOC-Inv; XSD Transaction Filterable QBO"),
    Property("Invoice", "TxnDate", "date", FS, "DOC-Inv; XSD Transaction ALL"),
    Property("Invoice", "DueDate", "date", FS, "DOC-Inv"),
    Property("Invoice", "CustomerRef", "ref", F, "DOC-Inv"),
    Property("Invoice", "Balance", "money", FS, "DOC-Inv; XSD SalesTransaction Filterable ALL"),
    Property("Invoice", "HomeBalance", "money", F, "XSD SalesTransaction Filterable ALL"),
    Property("Invoice", "TotalAmt", "money", F, "REC-BATCH"),
    *_common("CreditMemo", "XSD IntuitEntity"),
    Property("CreditMemo", "DocNumber", "str", F, "XSD Transaction Filterable QBO"),
    Property("CreditMemo", "TxnDate", "date", FS, "XSD Transaction ALL"),
    Property("CreditMemo", "Balance", "money", F, "XSD SalesTransaction Filterable ALL"),
    Property("CreditMemo", "HomeBalance", "money", F, "XSD SalesTransaction Filterable ALL"),
    Property("CreditMemo", "TotalAmt", "money", F, "REC-BATCH"),
    Property("CreditMemo", "CustomerRef", "ref", F, "UNCONFIRMED (as DOC-Inv; XSD says QBW)"),
    *_common("Payment", "CDATA"),
    Property("Payment", "DocNumber", "str", F, "XSD Transaction Filterable QBO"),
    Property("Payment", "TxnDate", "date", FS, "DOC-Pay; CDATA; XSD Transaction ALL"),
    Property("Payment", "CustomerRef", "ref", F, "CDATA (the XSD says QBW)"),
    Property("Payment", "TotalAmt", "money", F, "UNCONFIRMED (the XSD says QBW)"),
    *_common("Attachable", "XSD IntuitEntity"),
    Property("Attachable", "FileName", "str", FS, "DOC-Att"),
    Property("Attachable", "Note", "str", FS, "DOC-Att"),
    Property("Attachable", "AttachableRef.EntityRef.Type", "name", F, "DOC-Att"),
    Property("Attachable", "AttachableRef.EntityRef.value", "id", F, "DOC-Att"),
)

_BY_ENTITY: dict[str, dict[str, Property]] = {}
for _prop in PROPERTIES:
    _BY_ENTITY.setdefault(_prop.entity, {})[_prop.name] = _prop


def lookup(entity: str, name: str) -> Property | None:
    """The property ``name`` of ``entity`` matched case-insensitively (``Metadata.`` works,
    as the documented example spells it [DOC-Query]), or None when it is not queryable."""
    wanted = name.lower()
    return next(
        (prop for key, prop in _BY_ENTITY.get(entity, {}).items() if key.lower() == wanted), None
    )


def kind(entity: str, name: str) -> str:
    """The kind of a canonical property name (which ``lookup`` returned)."""
    return _BY_ENTITY[entity][name].kind
