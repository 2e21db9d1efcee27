"""``render_json`` writes its customers from a template (for speed at 100,000 documents); the
text must stay exactly what ``json.dumps(document, indent=2, ensure_ascii=False)`` writes."""

from __future__ import annotations

import json
from datetime import date

from ar_sync.aging.age import age
from ar_sync.domain import Basis, OrgAging, Scheme
from ar_sync.views.aging import render_json
from tests.test_aging import item

AS_OF = date(2026, 11, 23)


def _org(org_id: str, names: dict[str, str], *, currency: str = "NZD") -> OrgAging:
    items = [item(customer, f"{customer}-{n}", due=date(2026, 11, 1 + n), amount=f"{n}1.50",
                  currency=currency)
             for n, customer in enumerate(names)]
    report = age(items, as_of=AS_OF, scheme=Scheme.MONTHS, basis=Basis.DUE, base_currency=currency)
    return OrgAging(org_id=org_id, name=f'Kauri "{org_id}" Ltd', platform="xero",
                    base_currency=currency, report=report, customer_names=names)


def test_json_is_json_dumps_indented_text_exactly() -> None:
    orgs = [
        _org("xero:a", {"c1": 'Café "Ōtautahi"\\ Ltd', "c2": "Tab\tand\nnewline", "c3": "😀"}),
        _org("xero:empty", {}),  # no customers: "customers": []
        _org("quickbooks:b", {"z": "Zed"}, currency="JPY"),
    ]
    text = render_json(orgs, as_of=None, basis=Basis.DUE, scheme=Scheme.MONTHS)
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert [c["name"] for c in document["orgs"][0]["customers"]] == [
        'Café "Ōtautahi"\\ Ltd', "Tab\tand\nnewline", "😀"
    ]
    assert document["orgs"][1]["customers"] == []
    assert document["orgs"][2]["customers"][0]["buckets"]["<1 month"] == "2"  # JPY: 1.50 -> 2
