"""The invoice mappers take each field's common form inline (issue 10, sync CPU): a record off
that path still maps, or is refused, exactly as through the shared helpers, and amounts and
rates keep the digits the ledger wrote."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from ar_sync_quickbooks import mapping as quickbooks
from ar_sync_xero import mapping as xero

from ar_sync.errors import DataError

XERO_INVOICE = """{"Type": "ACCREC", "InvoiceID": "inv-1", "InvoiceNumber": "INV-1",
  "Contact": {"ContactID": "c-1"}, "Date": "/Date(1776297600000+0000)/",
  "DueDate": "/Date(1778889600000+0000)/", "Status": "AUTHORISED", "CurrencyCode": "AUD",
  "CurrencyRate": 1.000000, "Total": 404.73, "AmountDue": 404.73, "Payments": [],
  "UpdatedDateUTC": "/Date(1776298303624+0000)/"}"""


def _xero(**changes: object) -> dict:
    row = json.loads(XERO_INVOICE, parse_float=Decimal)
    row.update(changes)
    return row


def _qbo(**changes: object) -> dict:
    row = {"Id": "130", "TxnDate": "2026-09-01", "DueDate": "2026-10-01", "TotalAmt":
           Decimal("1289.18"), "Balance": Decimal("1289.18"), "CustomerRef": {"value": "7"},
           "CurrencyRef": {"value": "USD"}, "ExchangeRate": 1,
           "MetaData": {"LastUpdatedTime": "2026-09-01T13:16:17-07:00"}}
    row.update(changes)
    return row


def test_xero_rates_and_amounts_keep_the_digits_written() -> None:
    invoice = xero.invoice_from_xero(_xero(), org_id="xero:t", base_currency="NZD")
    assert (str(invoice.fx_rate), str(invoice.total), str(invoice.amount_due)) == (
        "1.000000", "404.73", "404.73")
    absent = xero.invoice_from_xero(_xero(CurrencyRate=None, AmountDue=None),
                                    org_id="xero:t", base_currency="NZD")
    assert (absent.fx_rate, str(absent.amount_due)) == (Decimal(1), "404.73")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"AmountDue": Decimal("1.23456")},
         "AmountDue 1.23456 has more decimal places than ar-sync stores (at most 4)"),
        ({"DueDate": "2026-05-16"}, "DueDate is not a Xero date: '2026-05-16'"),
        ({"InvoiceID": ""}, "missing InvoiceID"),
        ({"Contact": ["c-1"]}, "Contact is not an object"),
    ],
    ids=["amount-places", "due-date", "no-id", "contact"],
)
def test_xero_fields_off_the_common_path_are_refused_by_name(changes, message) -> None:
    with pytest.raises(DataError) as refused:
        xero.invoice_from_xero(_xero(**changes), org_id="xero:t", base_currency="NZD")
    assert str(refused.value) == message


def test_quickbooks_home_rate_and_written_rates() -> None:
    home = quickbooks.invoice_from_quickbooks(_qbo(), org_id="qbo:1", base_currency="USD")
    assert str(home.fx_rate) == "1"
    written = quickbooks.invoice_from_quickbooks(
        _qbo(ExchangeRate=Decimal("1.0")), org_id="qbo:1", base_currency="USD")
    assert str(written.fx_rate) == "1.0"
    assert str(home.updated_at) == "2026-09-01 20:16:17+00:00"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"DueDate": "2026-13-01"}, "DueDate is not a date: '2026-13-01'"),
        ({"Balance": Decimal("1.234567")},
         "Balance 1.234567 has more decimal places than ar-sync stores (at most 4)"),
        ({"MetaData": {"LastUpdatedTime": 5}},
         "MetaData.LastUpdatedTime is not a timestamp: 5"),
        ({"ExchangeRate": Decimal("-2")}, "ExchangeRate must be positive, got -2"),
    ],
    ids=["due-date", "balance-places", "instant", "rate"],
)
def test_quickbooks_fields_off_the_common_path_are_refused_by_name(changes, message) -> None:
    with pytest.raises(DataError) as refused:
        quickbooks.invoice_from_quickbooks(_qbo(**changes), org_id="qbo:1", base_currency="USD")
    assert str(refused.value) == message
    assert refused.value.record_id == "130"
