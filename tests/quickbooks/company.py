"""A small QuickBooks company whose aging is worked out by hand, with dates relative to today.

Aged by due date on ``today`` (amounts in USD; the EUR invoice converted at ExchangeRate 1.0834,
home units per euro):

==========================  =======  ======  =======  ======  ======  =======
customer                    current  1-30    31-60    61-90   91+     total
==========================  =======  ======  =======  ======  ======  =======
Amy's Bird Sanctuary (1)      40.00  250.00     0.00    0.00    0.00   290.00
Cool Cars (2)                  0.00  -80.00  1200.00  -30.00    0.00  1090.00
Dukes Basketball Camp (3)      0.00    0.00     0.00    0.00  541.70   541.70
Paid Up Ltd (4)              (nothing open)
Old Mill Bakery (5)            0.00    0.00   320.00    0.00    0.00   320.00
TOTAL                         40.00  170.00  1520.00  -30.00  541.70  2241.70
==========================  =======  ======  =======  ======  ======  =======

- 101: due today-10, 250.00 open -> 1-30 (its PrivateNote: "Promised to pay by the 15th").
- 102: due today+5, 100.00 less payment 301 (60.00) = 40.00 -> current.
- 103: due today-45, 1200.00 -> 31-60.
- 104: EUR 500.00 due today-95; 500.00 x 1.0834 = 541.70 USD -> 91+.
- 105: paid in full by payment 302; 106: voided (amounts zero, PrivateNote "Voided").
- Credit memo 201: 80.00 unapplied, dated today-3, aged as if due then -> 1-30, negative.
- Payment 303: 30.00 unapplied, dated today-70 -> 61-90, negative.
- Old Mill Bakery (5) is inactive (``Active: false``) and still owes invoice 107: 320.00 due
  today-40 -> 31-60. A customer query that does not ask for inactive ones would miss it.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

REALM = "9130357766"
NAME = "Maple & Pine LLC"

EXPECTED = {
    "1": {"current": "40.00", "1-30": "250.00", "31-60": "0.00", "61-90": "0.00", "91+": "0.00",
          "total": "290.00"},
    "2": {"current": "0.00", "1-30": "-80.00", "31-60": "1200.00", "61-90": "-30.00",
          "91+": "0.00", "total": "1090.00"},
    "3": {"current": "0.00", "1-30": "0.00", "31-60": "0.00", "61-90": "0.00", "91+": "541.70",
          "total": "541.70"},
    "5": {"current": "0.00", "1-30": "0.00", "31-60": "320.00", "61-90": "0.00", "91+": "0.00",
          "total": "320.00"},
}
EXPECTED_TOTALS = {"current": "40.00", "1-30": "170.00", "31-60": "1520.00", "61-90": "-30.00",
                   "91+": "541.70", "total": "2241.70"}
INACTIVE = ("5", "Old Mill Bakery")


def _ref(value: str, name: str | None = None) -> dict[str, str]:
    return {"value": value, **({"name": name} if name else {})}


def build_company(today: date) -> dict[str, Any]:
    """The company file (QuickBooks' own shapes) for ``today``."""

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    def invoice(id_: str, customer: str, total: str, balance: str, due: int, **extra: Any):
        return {
            "Id": id_,
            "DocNumber": f"10{id_}",
            "TxnDate": day(due - 30),
            "DueDate": day(due),
            "CustomerRef": _ref(customer),
            "TotalAmt": Decimal(total),
            "Balance": Decimal(balance),
            **extra,
        }

    return {
        "realmId": REALM,
        "CompanyInfo": {"CompanyName": NAME, "Country": "US", "DefaultTimeZone": "UTC"},
        "Preferences": {
            "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
        },
        "Customer": [
            {"Id": "1", "DisplayName": "Amy's Bird Sanctuary",
             "PrimaryEmailAddr": {"Address": "birds@example.com"}},
            {"Id": "2", "DisplayName": "Cool Cars"},
            {"Id": "3", "DisplayName": "Dukes Basketball Camp", "CurrencyRef": _ref("EUR")},
            {"Id": "4", "DisplayName": "Paid Up Ltd"},
            {"Id": "5", "DisplayName": "Old Mill Bakery", "Active": False},
        ],
        "Invoice": [
            invoice("101", "1", "250.00", "250.00", -10,
                    PrivateNote="Promised to pay by the 15th"),
            invoice("102", "1", "100.00", "40.00", 5),
            invoice("103", "2", "1200.00", "1200.00", -45),
            invoice("104", "3", "500.00", "500.00", -95, CurrencyRef=_ref("EUR"),
                    ExchangeRate=Decimal("1.0834")),
            invoice("105", "4", "75.00", "0", -20),
            invoice("106", "2", "0", "0", -15, PrivateNote="Voided"),
            invoice("107", "5", "320.00", "320.00", -40),
        ],
        "Payment": [
            {"Id": "301", "TxnDate": day(-2), "CustomerRef": _ref("1"),
             "TotalAmt": Decimal("60.00"), "UnappliedAmt": Decimal("0"),
             "Line": [{"Amount": Decimal("60.00"),
                       "LinkedTxn": [{"TxnId": "102", "TxnType": "Invoice"}]}]},
            {"Id": "302", "TxnDate": day(-12), "CustomerRef": _ref("4"),
             "TotalAmt": Decimal("75.00"), "UnappliedAmt": Decimal("0"),
             "Line": [{"Amount": Decimal("75.00"),
                       "LinkedTxn": [{"TxnId": "105", "TxnType": "Invoice"}]}]},
            {"Id": "303", "TxnDate": day(-70), "CustomerRef": _ref("2"),
             "TotalAmt": Decimal("30.00"), "UnappliedAmt": Decimal("30.00"), "Line": []},
        ],
        "CreditMemo": [
            {"Id": "201", "DocNumber": "CM-201", "TxnDate": day(-3), "CustomerRef": _ref("2"),
             "TotalAmt": Decimal("80.00"), "RemainingCredit": Decimal("80.00")},
        ],
    }


def dump_company(company: dict[str, Any]) -> str:
    """JSON with amounts as exact numbers (``250.00``), as QuickBooks writes them."""

    def marked(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"{_MARK}{value}{_MARK}"
        raise TypeError(type(value).__name__)

    text = json.dumps(company, indent=2, default=marked)
    return re.sub(f'"{_MARK}(-?[0-9.]+){_MARK}"', r"\1", text)


_MARK = "@@decimal@@"
