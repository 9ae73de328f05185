"""A page per ERP department: its cards, status breakdown, late items (each purchase order once), the record table's
search, sort and pages, and its Excel and CSV downloads, checked against truths worked out here from the planted
sheets."""

from __future__ import annotations

import csv
import html
import io
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.models import AuditEvent
from tests.analytics.test_operations import csv_bytes, load

pytestmark = pytest.mark.django_db

PO_HEADER = ["PO No", "Vendor", "Item", "Qty", "Amount", "Order Date", "Expected Delivery", "Received Date", "Status",
             "Branch"]  # fmt: skip
BUCKETS = {"Pending": "pending", "Open": "pending", "Partially Received": "in_progress", "Received": "completed",
           "Cancelled": "cancelled"}  # fmt: skip
DONE = {"Received", "Cancelled"}
VENDORS = ["Tata Copper", "Havells India", "Polycab Wires", "Finolex Cables", "Crompton Greaves"]
ITEMS = ["Copper rod", "MCB 32A", "Wire 2.5 sq mm", "Cable gland", "Fan motor", "LED driver"]
PAISA = Decimal("0.01")


def _dmy(day: date | None) -> str:
    return f"{day:%d-%m-%Y}" if day else ""


def planted_purchases() -> list[dict]:
    """45 purchase orders of one to three lines each (about 90 lines): lines of an order share its vendor and
    dates; their statuses and arrivals differ."""
    rng = random.Random(22)
    rows = []
    for n in range(1, 46):
        vendor = rng.choice(VENDORS)
        ordered = date(2024, 4, 1) + timedelta(days=rng.randint(0, 150))
        expected = ordered + timedelta(days=rng.randint(5, 20))
        branch = rng.choice(["Pune", "Mumbai"])
        for item in rng.sample(ITEMS, rng.randint(1, 3)):
            status = rng.choice(list(BUCKETS))
            received = None
            if status in ("Received", "Partially Received"):
                received = expected + timedelta(days=rng.randint(-3, 6))
            if status == "Received" and rng.random() < 0.1:
                received = None  # finished without an arrival date: not judged
            rows.append({
                "PO No": f"PO-{n:03d}", "Vendor": vendor, "Item": item, "Qty": Decimal(rng.randint(1, 500)),
                "Amount": Decimal(rng.randint(100, 900_000)) / 100, "Order Date": ordered,
                "Expected Delivery": expected, "Received Date": received, "Status": status, "Branch": branch,
            })  # fmt: skip
    return rows


def purchase_csv(rows: list[dict]) -> bytes:
    table = [PO_HEADER]
    for row in rows:
        table.append([row["PO No"], row["Vendor"], row["Item"], str(row["Qty"]), f"{row['Amount']:,}",
                      _dmy(row["Order Date"]), _dmy(row["Expected Delivery"]), _dmy(row["Received Date"]),
                      row["Status"], row["Branch"]])  # fmt: skip
    return csv_bytes(table)


def late_truth(rows: list[dict], today: date) -> tuple[dict, set, Decimal]:
    """({PO: (vendor, first promised day, days late, late lines, late amount)}, the POs that could be judged, the late
    lines' amount), worked out line by line."""
    late: dict[str, list[dict]] = defaultdict(list)
    judged = set()
    for row in rows:
        if row["Status"] == "Cancelled":
            continue
        received, expected = row["Received Date"], row["Expected Delivery"]
        if received is not None:
            judged.add(row["PO No"])
            if received > expected:
                late[row["PO No"]].append(row)
        elif expected < today and row["Status"] not in DONE:
            judged.add(row["PO No"])
            late[row["PO No"]].append(row)
    orders = {
        number: (
            lines[0]["Vendor"],
            min(r["Expected Delivery"] for r in lines),
            max(((r["Received Date"] or today) - r["Expected Delivery"]).days for r in lines),
            len(lines),
            sum((r["Amount"] for r in lines), Decimal(0)),
        )
        for number, lines in late.items()
    }
    amount = sum((r["Amount"] for lines in late.values() for r in lines), Decimal(0))
    return orders, judged, amount


def matches(row: dict, words: str) -> bool:
    text = " ".join(str(row[f]) for f in ("PO No", "Vendor", "Item", "Status")).lower()
    return all(word.lower() in text for word in words.split())


@pytest.fixture
def planted(make_company):
    company, owner = make_company("depts")
    rows = planted_purchases()
    with tenant_context(company):
        assert load(purchase_csv(rows), "po.csv", kind="purchase").rows_loaded == len(rows)
    return company, owner, rows


@pytest.fixture
def owner_client(planted, company_client):
    company, owner, _ = planted
    return company_client(company, owner)


def kpis(response) -> dict:
    return {card.key: card.value for card in response.context["summary"].cards}


def page_rows(response) -> list[list]:
    return response.context["records"].rows


# ---------------------------------------------------------------- the page


def test_cards_and_status_breakdown_match_the_sheet(planted, owner_client):
    _, _, rows = planted
    today = timezone.localdate()

    response = owner_client.get("/operations/purchase/")

    assert response.status_code == 200
    cards = kpis(response)
    buckets = Counter(BUCKETS[r["Status"]] for r in rows)
    assert cards["records"] == len(rows) > 50
    assert cards["amount"] == sum(r["Amount"] for r in rows)
    assert cards["quantity"] == sum(r["Qty"] for r in rows)
    assert (cards["pending"], cards["in_progress"], cards["completed"], cards["cancelled"]) == (
        buckets["pending"], buckets["in_progress"], buckets["completed"], buckets["cancelled"],
    )  # fmt: skip
    orders, judged, late_amount = late_truth(rows, today)
    assert cards["late"] == len(orders) > 0
    assert cards["late_amount"] == late_amount
    by_status = {row[0]: row[2] for row in response.context["summary"].statuses.rows}
    assert by_status == dict(Counter(r["Status"] for r in rows))
    page = response.content.decode()
    assert 'data-kpi="late_amount"' in page and 'id="chart-status"' in page
    assert f"of {len(judged):,} orders" in page


def test_the_late_list_shows_each_purchase_order_once(planted, owner_client, api_client):
    company, _, rows = planted
    today = timezone.localdate()
    orders, _, _ = late_truth(rows, today)
    assert any(order[3] > 1 for order in orders.values()), "the planted data must have an order late on two lines"

    late = owner_client.get("/operations/purchase/").context["summary"].late.rows

    numbers = [row[0] for row in late]
    assert len(numbers) == len(set(numbers)) == min(20, len(orders))
    assert [row[3] for row in late] == sorted((o[1] for o in orders.values()), reverse=True)[: len(late)]
    for number, party, _status, promised, _arrived, days, lines, amount in late:
        assert (party, promised, days, lines, amount) == orders[number]
    # The Operations page and the API read the same list.
    operations = owner_client.get("/operations/")
    assert [r[0] for r in operations.context["page"].panel("purchase_late").table.rows] == numbers
    summary = api_client(company, "viewer").get("/api/v1/departments/purchase/").json()["data"]
    assert [row["number"] for row in summary["late"]["latest"]] == numbers
    assert summary["late"]["late"] == len(orders)


def test_the_operations_page_links_each_department(planted, owner_client):
    page = owner_client.get("/operations/", {"branch": "Pune"}).content.decode()

    assert 'href="/operations/purchase/?branch=Pune"' in page
    for kind in ("production", "packing", "shipment"):  # never uploaded: no link to an empty page
        assert f'href="/operations/{kind}/' not in page


def test_search_sort_and_pages(planted, owner_client):
    _, _, rows = planted

    first = owner_client.get("/operations/purchase/")
    second = owner_client.get("/operations/purchase/", {"page": "2"})
    newest_first = sorted(rows, key=lambda r: r["Order Date"], reverse=True)
    assert len(page_rows(first)) == 50 and len(page_rows(second)) == len(rows) - 50
    assert [r[9] for r in page_rows(first) + page_rows(second)] == [r["Order Date"] for r in newest_first]
    assert {(r[0], r[2]) for r in page_rows(first) + page_rows(second)} == {(r["PO No"], r["Item"]) for r in rows}
    assert 'href="?page=2"' in first.content.decode()

    by_amount = owner_client.get("/operations/purchase/", {"sort": "amount", "dir": "desc"})
    assert [r[8] for r in page_rows(by_amount)] == sorted((r["Amount"] for r in rows), reverse=True)[:50]
    by_vendor = owner_client.get("/operations/purchase/", {"sort": "vendor", "dir": "asc", "page": "2"})
    assert [r[1].lower() for r in page_rows(by_vendor)] == sorted(r["Vendor"].lower() for r in rows)[50:]
    assert 'aria-sort="ascending"' in by_vendor.content.decode()

    words = "havells mcb"
    found = owner_client.get("/operations/purchase/", {"q": words})
    expected = [r for r in rows if matches(r, words)]
    assert expected and found.context["records"].count == len(expected)
    assert sorted((r[0], r[2]) for r in page_rows(found)) == sorted((r["PO No"], r["Item"]) for r in expected)
    # The cards stay the period's; the search narrows the records only.
    assert kpis(found)["records"] == len(rows)
    status = owner_client.get("/operations/purchase/", {"q": "partially"})
    assert status.context["records"].count == sum(r["Status"] == "Partially Received" for r in rows)


def test_the_filter_bar_applies(planted, owner_client):
    _, _, rows = planted
    may = [r for r in rows if date(2024, 5, 1) <= r["Order Date"] <= date(2024, 5, 31) and r["Branch"] == "Pune"]

    response = owner_client.get("/operations/purchase/", {"from": "2024-05-01", "to": "2024-05-31", "branch": "Pune"})

    assert kpis(response)["records"] == response.context["records"].count == len(may) > 0
    assert kpis(response)["amount"] == sum(r["Amount"] for r in may)
    assert sorted(r[0] for r in page_rows(response)) == sorted(r["PO No"] for r in may)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "password"}, "Cannot sort by 'password'"),
        ({"sort": "vendor", "dir": "sideways"}, "dir is asc or desc"),
        ({"page": "abc"}, "page must be a whole number"),
        ({"page": "0"}, "page must be a whole number"),
        ({"page": "999"}, "There is no page 999"),
        ({"q": "x" * 300}, "longer than 200 characters"),
    ],
)
def test_bad_parameters_give_a_message(planted, owner_client, params, message):
    response = owner_client.get("/operations/purchase/", params)

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert response.context["records"].rows  # the page still shows records


def test_an_unknown_department_is_not_found_and_an_empty_one_says_upload(planted, owner_client):
    assert owner_client.get("/operations/accounts/").status_code == 404
    empty = owner_client.get("/operations/shipment/")
    assert empty.status_code == 200 and "No shipment sheet yet" in empty.content.decode()


# ---------------------------------------------------------------- downloads


def _sheet(book, name: str) -> list[tuple]:
    return list(book[name].iter_rows(values_only=True))


def test_the_excel_download_has_a_summary_and_the_searched_records(planted, owner_client):
    company, _, rows = planted
    words = "tata"
    expected = [r for r in rows if matches(r, words)]

    response = owner_client.get("/operations/purchase/download/xlsx/", {"q": words, "branch": "Pune"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="depts-purchase-records')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Summary", "Purchase records"]
    summary = {row[0]: row[1] for row in _sheet(book, "Summary") if row[0]}
    pune = [r for r in rows if r["Branch"] == "Pune"]
    expected = [r for r in expected if r["Branch"] == "Pune"]
    assert summary["Company"] == company.name and summary["Period"] == "All dates"
    assert summary["Branch / region"] == "Pune" and summary["Search"] == words
    assert summary["Records in this file"] == len(expected)
    assert summary["Records"] == len(pune)
    assert Decimal(str(summary["Amount"])).quantize(PAISA) == sum(r["Amount"] for r in pune)
    assert isinstance(summary["Generated at"], datetime)
    company_now = datetime.now(ZoneInfo(company.timezone)).replace(tzinfo=None)
    assert abs(summary["Generated at"] - company_now) < timedelta(minutes=5)

    sheet = book["Purchase records"]
    header, *data = _sheet(book, "Purchase records")
    assert header[:3] == ("PO number", "Vendor", "Item")
    got = sorted(
        (r[0], r[1], r[2], Decimal(str(r[4])), Decimal(str(r[8])).quantize(PAISA), r[9].date(),
         r[11].date() if r[11] else None, r[12])
        for r in data
    )  # fmt: skip
    want = sorted(
        (r["PO No"], r["Vendor"], r["Item"], r["Qty"], r["Amount"], r["Order Date"], r["Received Date"], r["Status"])
        for r in expected
    )  # fmt: skip
    assert got == want and want
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:N{len(data) + 1}"
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb.endswith("DCE6F1")
    assert "₹" in sheet["I2"].number_format and sheet["J2"].number_format == "dd-mmm-yyyy"
    assert sheet.column_dimensions["B"].width >= max(len(r["Vendor"]) for r in expected)
    with tenant_context(company):
        event = AuditEvent.objects.filter(company=company, action="export").latest("at")
    assert "purchase records" in event.summary and event.details["records"] == len(expected)


def test_the_csv_download_holds_the_sorted_records(planted, owner_client):
    _, _, rows = planted

    response = owner_client.get("/operations/purchase/download/csv/", {"sort": "amount", "dir": "asc"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    data = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [Decimal(row["Amount"]) for row in data] == sorted(r["Amount"] for r in rows)
    assert Counter(row["PO number"] for row in data) == Counter(r["PO No"] for r in rows)


def test_downloads_need_data_export_and_good_parameters(planted, company_client, add_member):
    company, owner, _ = planted
    viewer = company_client(company, add_member(company, "viewer"))

    assert viewer.get("/operations/purchase/").status_code == 200
    assert "data-downloads" not in viewer.get("/operations/purchase/").content.decode()
    assert viewer.get("/operations/purchase/download/xlsx/").status_code == 403
    owner_client = company_client(company, owner)
    assert "data-downloads" in owner_client.get("/operations/purchase/").content.decode()
    bad = owner_client.get("/operations/purchase/download/pdf/")
    assert bad.status_code == 400 and "use xlsx or csv" in bad.content.decode()
    bad = owner_client.get("/operations/purchase/download/csv/", {"sort": "secret"})
    assert bad.status_code == 400 and "Cannot sort by 'secret'" in bad.content.decode()


# ---------------------------------------------------------------- the API


def test_the_records_api_searches_and_sorts(planted, api_client):
    company, _, rows = planted
    client = api_client(company, "analyst")

    found = client.get("/api/v1/departments/purchase/records/", {"q": "polycab", "sort": "amount", "order": "desc"})

    assert found.status_code == 200
    body = found.json()
    expected = sorted((r["Amount"] for r in rows if matches(r, "polycab")), reverse=True)
    assert [Decimal(row["amount"]) for row in body["data"]] == expected and expected
    assert body["metadata"]["count"] == len(expected)
    everything = client.get("/api/v1/departments/purchase/records/", {"limit": "1000"}).json()
    assert [row["orderDate"] for row in everything["data"]] == sorted(
        (r["Order Date"].isoformat() for r in rows), reverse=True
    )
    camel = client.get("/api/v1/departments/purchase/records/", {"sort": "poNumber", "order": "asc", "limit": "1000"})
    assert [row["poNumber"] for row in camel.json()["data"]] == sorted(r["PO No"] for r in rows)
    for params, parameter in (({"sort": "recordHash"}, "sort"), ({"order": "up"}, "order"), ({"q": "y" * 201}, "q")):
        bad = client.get("/api/v1/departments/purchase/records/", params)
        assert bad.status_code == 400 and bad.json()["error"]["parameter"] == parameter


def test_shipment_and_production_pages(planted, owner_client):
    company, _, _ = planted
    today = timezone.localdate()
    ship = [
        ["Shipment ID", "Invoice", "Customer", "Qty", "Shipment Date", "Expected Delivery", "Delivered Date", "Status"],
        ["S-1", "INV-1", "Ravi Traders", "3", "01-04-2024", "05-04-2024", "09-04-2024", "Delivered"],
        ["S-2", "INV-2", "Asha Stores", "4", "02-04-2024", "06-04-2024", "", "In Transit"],
        ["S-3", "INV-3", "Asha Stores", "5", "03-04-2024", "08-04-2024", "07-04-2024", "Delivered"],
    ]
    prod = [
        ["Production ID", "Product", "Quantity", "Rejected Qty", "Start Date", "Status", "Department"],
        ["P-1", "Panel", "100", "5", "01-04-2024", "Completed", "Assembly"],
        ["P-2", "Panel", "300", "3", "02-04-2024", "WIP", "Assembly"],
    ]
    with tenant_context(company):
        load(csv_bytes(ship), "ship.csv", kind="shipment")
        load(csv_bytes(prod), "prod.csv", kind="production")

    shipments = owner_client.get("/operations/shipment/", {"sort": "customer"})
    production = owner_client.get("/operations/production/")

    cards = kpis(shipments)
    assert (cards["records"], cards["completed"], cards["in_progress"], cards["late"]) == (3, 2, 1, 2)
    assert "amount" not in cards and "late_amount" not in cards
    late = {row[0]: row[5] for row in shipments.context["summary"].late.rows}
    assert late == {"S-2": (today - date(2024, 4, 6)).days, "S-1": 4}
    assert [row[2] for row in page_rows(shipments)] == ["Asha Stores", "Asha Stores", "Ravi Traders"]
    cards = kpis(production)
    assert (cards["records"], cards["quantity"], cards["rejection_rate"]) == (2, 400, Decimal("0.02"))
    assert "has no promised dates" in production.content.decode()
