"""connect -> sync -> aging over real HTTP: python-quickbooks and intuit-oauth against the
QuickBooks sandbox, and the QuickBooks-only paths: CDC, its 30-day limit and 1,000-object cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ar_sync.domain import DocumentStatus
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.records import load_credits, load_customers, load_invoices
from ar_sync.store.runs import set_stream_state
from ar_sync_quickbooks.sandbox import QuickBooksSandbox, load_company
from tests.conftest import SandboxControl
from tests.quickbooks.company import (
    EXPECTED,
    EXPECTED_TOTALS,
    INACTIVE,
    NAME,
    REALM,
    build_company,
    dump_company,
)

ORG = f"quickbooks:{REALM}"


def _aging(cli) -> dict:
    result = cli("aging", "--format", "json")
    assert result.code == 0, result.err
    (org,) = result.json()["orgs"]
    return org


def _by_customer(org: dict) -> dict[str, dict[str, str]]:
    return {c["customer_id"]: {**c["buckets"], "total": c["total"]} for c in org["customers"]}


def _api_calls(sandbox) -> dict[str, int]:
    return {
        name: count
        for name, count in sandbox.control.calls()["by_endpoint"].items()
        if "oauth2" not in name and "openid" not in name
    }


def test_connect_sync_aging_gives_the_hand_checked_figures(cli, qb_connected, today):
    (org,) = cli("orgs", "--format", "json").json()
    assert (org["org_id"], org["name"], org["platform"], org["base_currency"], org["timezone"]) == (
        ORG, NAME, "quickbooks", "USD", "UTC"
    )
    qb_connected.control.reset_calls()
    synced = cli("sync")
    assert synced.code == 0, synced.err
    # Open only: invoices with a balance, the unapplied credit memo and payment, every customer
    # (the inactive one too).
    assert f"{NAME}: 5 invoices, 2 credits, 5 customers" in synced.out
    assert _api_calls(qb_connected) == {
        "GET companyinfo/{id}": 1, "GET preferences": 1, "POST query": 4,
    }
    aged = _aging(cli)
    assert aged["as_of"] == today.isoformat()
    assert _by_customer(aged) == EXPECTED
    assert aged["totals"] == EXPECTED_TOTALS


def test_a_first_sync_sends_only_filters_quickbooks_accepts(cli, qb_connected):
    qb_connected.control.reset_calls()
    assert cli("sync").code == 0
    statements = [entry["statement"] for entry in qb_connected.control.calls()["log"]
                  if entry["path"].endswith("/query")]
    # No UnappliedAmt or RemainingCredit filter (QuickBooks refuses both with 4001): payments
    # come whole, credit memos by Balance, and inactive customers are asked for.
    page = "ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000"
    assert statements == [
        f"SELECT * FROM Customer WHERE Active IN (true, false) {page}",
        f"SELECT * FROM Invoice WHERE Balance > '0' {page}",
        f"SELECT * FROM CreditMemo WHERE Balance > '0' {page}",
        f"SELECT * FROM Payment {page}",
    ]
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        credits = sorted(c.credit_id for c in load_credits(tx, ORG))
    assert credits == ["201", "303"]  # payments 301 and 302 are fully applied: not stored


def test_an_inactive_customer_who_owes_is_in_the_aging_by_name(cli, qb_connected):
    assert cli("sync").code == 0
    customer_id, name = INACTIVE
    (row,) = [c for c in _aging(cli)["customers"] if c["customer_id"] == customer_id]
    assert (row["name"], row["total"], row["buckets"]["31-60"]) == (name, "320.00", "320.00")
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        (customer,) = [c for c in load_customers(tx, ORG) if c.customer_id == customer_id]
    assert customer.is_active is False


def test_an_invoice_voided_over_its_note_leaves_the_aging(cli, qb_connected):
    assert cli("sync").code == 0
    voided = qb_connected.control.request("POST", "invoices/101/void")["Invoice"]
    assert voided["PrivateNote"] == "Voided - Promised to pay by the 15th"
    assert cli("sync").code == 0  # incremental: one CDC answer
    aged = _by_customer(_aging(cli))
    assert aged["1"] == {"current": "40.00", "1-30": "0.00", "31-60": "0.00", "61-90": "0.00",
                         "91+": "0.00", "total": "40.00"}
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        (invoice,) = [i for i in load_invoices(tx, ORG) if i.invoice_id == "101"]
    assert (invoice.status, invoice.amount_due) == (DocumentStatus.VOIDED, Decimal(0))


def test_incremental_sync_reads_one_cdc_answer_and_applies_payments_and_deletions(
    cli, qb_connected, today
):
    assert cli("sync").code == 0
    qb_connected.control.pay("101")  # Amy's 250.00 paid in full
    qb_connected.control.request("DELETE", "invoices/103")  # Cool Cars' 1,200.00 deleted
    qb_connected.control.reset_calls()
    assert cli("sync").code == 0
    assert _api_calls(qb_connected) == {
        "GET companyinfo/{id}": 1, "GET preferences": 1, "GET cdc": 1,
    }
    aged = _by_customer(_aging(cli))
    assert aged["1"]["total"] == "40.00"
    assert aged["2"] == {"current": "0.00", "1-30": "-80.00", "31-60": "0.00", "61-90": "-30.00",
                         "91+": "0.00", "total": "-110.00"}
    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        open_ids = {i.invoice_id for i in load_invoices(tx, ORG)}
        payments = {c.credit_id: c for c in load_credits(tx, ORG, with_allocations=True)}
    assert "103" not in open_ids  # the tombstone removed the row
    assert sorted(payments) == ["201", "303", *[p for p in payments if p not in ("201", "303")]]
    (new_payment,) = [c for c in payments.values() if c.credit_id not in ("201", "303")]
    assert [(a.invoice_id, a.amount) for a in new_payment.allocations] == [
        ("101", Decimal("250.00"))
    ]


def test_a_watermark_older_than_cdc_allows_falls_back_to_queries(cli, qb_connected):
    assert cli("sync").code == 0
    _set_watermarks(datetime.now(UTC) - timedelta(days=31))
    qb_connected.control.pay("103", "200.00")
    qb_connected.control.reset_calls()
    assert cli("sync").code == 0
    calls = _api_calls(qb_connected)
    assert calls.get("GET cdc") is None and calls["POST query"] == 4
    assert _by_customer(_aging(cli))["2"]["31-60"] == "1000.00"
    statements = [e["statement"] for e in qb_connected.control.calls()["log"] if e["statement"]]
    # Every Customer query asks for inactive customers too, incremental ones as well.
    assert statements[0].startswith(
        "SELECT * FROM Customer WHERE Active IN (true, false) AND MetaData.LastUpdatedTime >= '"
    )
    assert not any("UnappliedAmt" in s or "RemainingCredit" in s for s in statements)


def _set_watermarks(moment: datetime) -> None:
    """Rewind every stream's stored watermark, as if the last sync had run at ``moment``."""
    with Store(load_settings(None).db_url) as store, store.transaction() as tx:
        for stream in ("customers", "invoices", "credit_memos", "payments"):
            set_stream_state(tx, ORG, stream,
                             {"mode": "incremental", "watermark": moment.isoformat()},
                             now=moment)


def test_a_cdc_answer_at_the_cap_is_split_and_loses_nothing(cli, tmp_path, today):
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0).isoformat()
    company = build_company(today)
    company["Invoice"] += [
        {"Id": str(1000 + n), "DocNumber": f"B-{n}", "TxnDate": today.isoformat(),
         "DueDate": today.isoformat(), "CustomerRef": {"value": "4"},
         "TotalAmt": Decimal("1.00"),
         "MetaData": {"CreateTime": yesterday, "LastUpdatedTime": yesterday}}
        for n in range(1001)
    ]
    path = tmp_path / "busy.json"
    path.write_text(dump_company(company), encoding="utf-8")
    with QuickBooksSandbox([load_company(path)]) as sandbox:
        control = SandboxControl(sandbox.url)
        assert cli("connect", "quickbooks", "--sandbox", sandbox.url).code == 0
        assert cli("sync").code == 0
        # The last sync ran two days ago: 1,001 invoices changed since, over CDC's cap.
        _set_watermarks(datetime.now(UTC) - timedelta(days=2))
        control.reset_calls()
        assert cli("sync").code == 0
        calls = control.calls()["by_endpoint"]
    # One all-entity answer at the cap; then one per entity, and Invoice's (still at the cap)
    # is read by query pages instead: 1,007 changed rows, 1,001 stamped in the same second, so
    # a keyset page, one more that cannot get past that second, then page 2 of it.
    assert (calls["GET cdc"], calls["POST query"]) == (5, 3)
    assert _by_customer(_aging(cli))["4"]["total"] == "1001.00"


def test_connecting_without_the_apps_credentials_says_which_setting_is_missing(cli):
    result = cli("connect", "quickbooks")
    assert result.code == 2
    assert result.err.strip() == (
        "error: no QuickBooks Online client id: pass --client-id or set "
        "AR_SYNC_QUICKBOOKS_CLIENT_ID"
    )
