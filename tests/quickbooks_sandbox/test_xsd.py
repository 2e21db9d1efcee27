"""The entities and reports the sandbox emits, validated against Intuit's XSD
(``../shared/specs/quickbooks_xsd``, Apache-2.0) with xmlschema.

QBO's JSON is its XML seen through a fixed mapping, which ``to_xml`` reverses: a JSON key is an
XML attribute when the XSD type declares an attribute of that name (``domain``, ``sparse``,
``status``; ``name``/``type`` of references), the text when the type has simple content (a
reference's ``value``), and otherwise a child element; arrays are repeated elements; children are
written in the order of the XSD's sequences. Keys the XSD does not have fail the test.

What the XSD cannot take as the sandbox writes it, and why (documented exceptions):

- None so far: every entity the sandbox writes, the company settings and both aged reports
  validate. (A reference's ``name``, a report cell's ``id``/``value`` and a row's
  ``type``/``group`` are XSD attributes; the rules above handle them.)
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import requests

xmlschema = pytest.importorskip("xmlschema")

NS = "http://schema.intuit.com/finance/v3"


@pytest.fixture(scope="session")
def schema(qbo_xsd_dir: Path):
    return xmlschema.XMLSchema(str(qbo_xsd_dir / "IntuitRestServiceDef.xsd"))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _child_elements(xsd_type) -> list:
    """The type's child elements in the order of its (extended) sequences."""
    content = getattr(xsd_type, "content", None)
    if content is None or not hasattr(content, "iter_elements"):
        return []
    return list(content.iter_elements())


def to_xml(xsd_element, value: Any, problems: list[str], path: str) -> ET.Element:
    """``value`` (QBO JSON) as the XML element ``xsd_element`` defines (see the docstring)."""
    node = ET.Element(f"{{{NS}}}{xsd_element.local_name}")
    xsd_type = xsd_element.type
    if not isinstance(value, dict):
        node.text = _text(value)
        return node
    attributes = {name.split("}")[-1] for name in getattr(xsd_type, "attributes", {}) or {} if name}
    children = {e.local_name: e for e in _child_elements(xsd_type)}
    simple = xsd_type.has_simple_content() if hasattr(xsd_type, "has_simple_content") else False
    pending: dict[str, Any] = {}
    for key, item in value.items():
        if key in attributes:
            node.set(key, _text(item))
        elif simple and key == "value":
            node.text = _text(item)
        elif key in children:
            pending[key] = item
        else:
            problems.append(f"{path}.{key}: not in the XSD type {xsd_type.local_name or xsd_type}")
    for name, child in children.items():
        if name not in pending:
            continue
        items = pending[name] if isinstance(pending[name], list) else [pending[name]]
        for index, item in enumerate(items):
            node.append(to_xml(child, item, problems, f"{path}.{name}[{index}]"))
    return node


def _validate(schema, name: str, value: dict[str, Any]) -> list[str]:
    element = schema.maps.elements[f"{{{NS}}}{name}"]
    problems: list[str] = []
    xml = to_xml(element, value, problems, name)
    problems += [
        str(error.reason or error.message) + f" ({name} {value.get('Id', '')})"
        for error in schema.iter_errors(xml)
    ]
    return problems


def _entities(connected) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for entity in ("Customer", "Invoice", "Payment", "CreditMemo"):
        answer = connected.qb.query(f"SELECT * FROM {entity} MAXRESULTS 1000")
        out[entity] = json.loads(
            json.dumps(answer["QueryResponse"][entity], default=str), parse_float=Decimal
        )
    return out


def test_entities_validate(schema, connected) -> None:
    qb = connected.qb
    qb.update_object(
        "Invoice", json.dumps({"Id": "101", "SyncToken": "0", "sparse": True, "PrivateNote": "n"})
    )
    from quickbooks.objects.invoice import Invoice

    Invoice.get(101, qb=qb).send(qb=qb, send_to="ap@example.com")  # DeliveryInfo, EmailStatus
    note = qb.create_object(
        "Attachable",
        json.dumps(
            {"AttachableRef": [{"EntityRef": {"type": "Invoice", "value": "101"}}], "Note": "n"}
        ),
    )["Attachable"]
    problems: list[str] = []
    for entity, records in _entities(connected).items():
        assert records
        for record in records:
            problems += _validate(schema, entity, record)
    for path, name in (
        (f"attachable/{note['Id']}", "Attachable"),
        ("preferences", "Preferences"),
        (f"companyinfo/{connected.realm_id}", "CompanyInfo"),
    ):
        answer = requests.get(connected.url(path), headers=connected.bearer, timeout=10)
        assert answer.status_code == 200, path
        problems += _validate(schema, name, json.loads(answer.text, parse_float=Decimal)[name])
    assert problems == []


def test_an_invalid_entity_is_caught(schema, sample_company) -> None:
    """The converter is not vacuous: a bad date and an unknown key are reported."""
    invoice = dict(sample_company.invoices[0])
    assert _validate(schema, "Invoice", invoice) == []
    assert _validate(schema, "Invoice", {**invoice, "DueDate": "soon"})
    assert _validate(schema, "Invoice", {**invoice, "Bogus": 1}) == [
        "Invoice.Bogus: not in the XSD type Invoice"
    ]


def test_reports_validate(schema, connected) -> None:
    problems: list[str] = []
    for name in ("AgedReceivables", "AgedReceivableDetail"):
        report = connected.qb.get_report(name, {"report_date": "2026-06-30"})
        problems += _validate(schema, "Report", report)
    assert problems == []


def _xsd_marks(schema, entity: str) -> dict[str, tuple[str | None, str | None]]:
    """``{element: (Filterable, Sortable)}`` from the XSD annotations of ``entity``'s elements
    (its base types' included), e.g. ``{"TxnDate": ("ALL", "ALL")}``."""
    import re

    marks = {}
    for child in schema.elements[entity].type.content.iter_elements():
        notes = child.annotation.documentation if child.annotation else []
        text = " ".join(str(note.text or "") for note in notes)
        found = [re.search(rf"{word}:\s*([A-Z]*)", text) for word in ("Filterable", "Sortable")]
        marks[child.local_name] = tuple(m.group(1) if m else None for m in found)
    return marks


@pytest.mark.parametrize("entity", ["Customer", "Invoice", "Payment", "CreditMemo"])
def test_the_query_table_keeps_what_the_xsd_marks_for_qbo(schema, entity) -> None:
    from ar_sync_quickbooks.sandbox import queryable

    for name, (filterable, sortable) in _xsd_marks(schema, entity).items():
        prop = queryable.lookup(entity, name)
        if filterable in ("ALL", "QBO"):
            assert prop is not None and prop.filterable, (entity, name)
        if sortable in ("ALL", "QBO"):
            assert prop is not None and prop.sortable, (entity, name)
    # What QBO refuses to filter carries no mark at all, and the table leaves it out.
    for entity_name, name in (("Payment", "UnappliedAmt"), ("CreditMemo", "RemainingCredit")):
        if entity_name == entity:
            assert _xsd_marks(schema, entity)[name] == (None, None)
            assert queryable.lookup(entity, name) is None
