"""Every Accounting API response the sandbox serves, validated against Xero's OpenAPI document.

The spec (16.1.0) is parsed once per session. Request URLs are mapped onto the spec's server
``https://api.xero.com/api.xro/2.0``. Responses are validated for every status the spec
documents for the operation (200, 204, and 400 on writes); 401/403/404/429 and 5xx are not
in the document, so they are checked by the other test modules instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import yaml
from ar_sync_xero.sandbox import Company, SandboxLimits, generate_company
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_SERVER = "https://api.xero.com"


@dataclass
class SpecRequest:
    """A request as openapi-core reads it (its ``Request`` protocol)."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str


@dataclass
class SpecResponse:
    status_code: int
    data: bytes
    headers: Headers
    content_type: str


@pytest.fixture(scope="session")
def xero_spec(xero_spec_path: Path) -> OpenAPI:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads 900 KB in 0.6 s
    with xero_spec_path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)
    # The document itself is Xero's; checking it against the OpenAPI meta-schema is not our test.
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


def _calls(company: Company) -> Iterator[tuple[str, str, bytes | None, str]]:
    """(method, path + query, body, content type) for every endpoint and variant served."""
    invoice = next(i for i in company.invoices if i.Type == "ACCREC" and i.Status == "AUTHORISED")
    contact_id = invoice.Contact.ContactID
    yield "GET", "/Organisation", None, ""
    for key, records in (
        ("Invoices", company.invoices),
        ("Contacts", company.contacts),
        ("CreditNotes", company.credit_notes),
        ("Overpayments", company.overpayments),
        ("Prepayments", company.prepayments),
        ("Payments", company.payments),
    ):
        for query in ("", "?page=1", "?page=2&pageSize=3", "?order=UpdatedDateUTC%20DESC&page=1"):
            yield "GET", f"/{key}{query}", None, ""
        if records:
            first = records[0]
            record_id = (
                first.PaymentID
                if key == "Payments"
                else getattr(first, "ContactID", None) or first.id
            )
            yield "GET", f"/{key}/{record_id}", None, ""
    yield "GET", "/Invoices?summaryOnly=true", None, ""
    yield "GET", "/Contacts?summaryOnly=true", None, ""
    yield "GET", "/Contacts?includeArchived=true&page=1", None, ""
    yield "GET", "/Contacts?where=IsCustomer%3D%3Dtrue&order=Name%20ASC", None, ""
    yield "GET", "/Accounts", None, ""
    yield "GET", "/Accounts?where=SystemAccount%3D%3D%22DEBTORS%22", None, ""
    for report_date in ("2026-11-23", "2026-10-31"):
        yield "GET", f"/Reports/TrialBalance?date={report_date}", None, ""
    yield "GET", "/Reports/TrialBalance?date=2026-11-23&paymentsOnly=true", None, ""
    yield (
        "GET",
        "/Invoices?Statuses=AUTHORISED&where=Type%3D%3D%22ACCREC%22+AND+AmountDue%3E0&pageSize=1000",
        None,
        "",
    )
    note = b'{"HistoryRecords": [{"Details": "Reminder sent"}]}'
    for kind, record_id in (("Invoices", invoice.id), ("Contacts", contact_id)):
        yield "PUT", f"/{kind}/{record_id}/History", note, "application/json"
        yield "GET", f"/{kind}/{record_id}/History", None, ""
    yield (
        "PUT",
        f"/Invoices/{invoice.id}/History",
        b'{"HistoryRecords": []}',
        "application/json",
    )  # 400
    pdf = f"/Contacts/{contact_id}/Attachments/{quote('Statement 2026.pdf')}"
    yield "PUT", pdf, b"%PDF-1.4", "application/octet-stream"
    yield "POST", pdf, b"%PDF-1.4 again", "application/octet-stream"
    yield (
        "PUT",
        f"/Contacts/{contact_id}/Attachments/empty.pdf",
        b"",
        "application/octet-stream",
    )  # 400
    yield (
        "POST",
        f"/Invoices/{invoice.id}/Email",
        b"{}",
        "application/json",
    )  # 204 or 400 (no email)
    draft = next((i for i in company.invoices if i.Status == "DRAFT"), None)
    if draft is not None:
        yield "POST", f"/Invoices/{draft.id}/Email", b"{}", "application/json"  # 400
    for contact in company.contacts:
        yield (
            "GET",
            f"/Reports/AgedReceivablesByContact?contactId={contact.ContactID}&date=2026-11-23",
            None,
            "",
        )


@pytest.mark.parametrize("company_kind", ["sample", "generated"])
def test_every_response_conforms_to_the_spec(
    company_kind, xero_spec, sample_company, make_sandbox, connect, http
) -> None:
    company = (
        sample_company
        if company_kind == "sample"
        else generate_company(customers=12, invoices=60, paid=30, seed=11, today=date(2026, 11, 23))
    )
    # Well over 60 calls: the per-minute limit is not what this test is about.
    sandbox = make_sandbox([company], limits=SandboxLimits(per_minute=1000))
    xero = connect(sandbox)
    headers = {
        "Authorization": f"Bearer {xero.token['access_token']}",
        "xero-tenant-id": xero.tenant,
    }
    statuses = []
    for method, target, body, content_type in _calls(company):
        request_headers = {**headers, **({"Content-Type": content_type} if content_type else {})}
        response = http(method, sandbox.api_url + target, headers=request_headers, body=body)
        url = urlsplit(sandbox.api_url + target)
        spec_request = SpecRequest(
            host_url=SPEC_SERVER,
            path=url.path.replace("%20", " "),
            method=method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(parse_qsl(url.query)),
                header=Headers({"xero-tenant-id": xero.tenant}),
            ),
            body=body,
            content_type=content_type,
        )
        spec_response = SpecResponse(
            response.status,
            response.data,
            Headers(list(response.headers.items())),
            response.headers.get("Content-Type", ""),
        )
        assert response.status in (200, 204, 400), (
            method,
            target,
            response.status,
            response.data[:300],
        )
        xero_spec.validate_response(spec_request, spec_response)
        statuses.append(response.status)
    assert statuses.count(400) >= 3 and 200 in statuses
