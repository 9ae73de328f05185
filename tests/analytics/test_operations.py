"""The Operations page's figures: the demo ERP sheets loaded through the real pipeline, checked against the same
files read with openpyxl, and small hand-made sheets whose totals are known."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from analytics.operations import (
    LATE_ROWS,
    STATUS_WORDS,
    OperationsSummary,
    classify_status,
    operations_summary,
)
from analytics.periods import Period
from ingestion import services
from ingestion.models import ImportJob
from ingestion.sample_exports import build_sales_book, write_erp_exports
from ingestion.sample_exports.erp import PRODUCTION_HEADER_ROW

pytestmark = pytest.mark.django_db

AS_OF = date(2024, 9, 30)  # the demo book's end: its statuses are as of this day
PAISA = Decimal("0.01")
# What the demo generator writes, bucketed by hand (not by the code under test).
DEMO_BUCKETS = {
    "Pending": "pending",
    "Partially Received": "in_progress",
    "Received": "completed",
    "Cancelled": "cancelled",
    "Planned": "pending",
    "In Progress": "in_progress",
    "Completed": "completed",
    "Packed": "completed",
    "Repacked": "completed",
    "Damaged - Replaced": "completed",
    "In Transit": "in_progress",
    "Delivered": "completed",
    "Delayed": "in_progress",
}


# ---------------------------------------------------------------- helpers


def load(content: bytes | Path, name: str | None = None, *, kind: str) -> ImportJob:
    if isinstance(content, Path):
        name, content = name or content.name, content.read_bytes()
    job = services.upload_create(file=ContentFile(content, name=name), kind=kind, run="inline")
    job = services.import_run(job_id=job.pk)
    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    return job


def csv_bytes(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def sheet(path: Path, header_row: int = 1) -> list[dict]:
    """The data rows of a generated workbook as dicts; date cells as dates, blanks as None."""
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header, *data = rows[header_row - 1 :]
    records = []
    for row in data:
        if all(value in (None, "") for value in row):
            continue
        pairs = zip(header, row, strict=True)
        records.append({name: value.date() if isinstance(value, datetime) else value for name, value in pairs})
    return records


def dec(value: object) -> Decimal:
    return Decimal(0) if value in (None, "") else Decimal(str(value))


def bucket_counts(rows: list[dict]) -> dict[str, int]:
    counts = Counter(DEMO_BUCKETS[row["Status"]] for row in rows)
    return {name: counts.get(name, 0) for name in ("pending", "in_progress", "completed", "cancelled", "other")}


def expected_late(rows: list[dict], *, expected: str, actual: str, done: set[str], today: date) -> tuple:
    """(late rows, judged rows): arrived after the promised day, or out past it and not finished/cancelled."""
    late, judged = [], []
    for row in rows:
        if row["Status"] == "Cancelled" or row[expected] is None:
            continue
        if row[actual] is not None:
            judged.append(row)
            if row[actual] > row[expected]:
                late.append(row)
        elif row[expected] < today and row["Status"] not in done:
            judged.append(row)
            late.append(row)
    return late, judged


def late_orders(late: list[dict], *, number: str, party: str, expected: str, actual: str, today: date) -> dict:
    """{number: (party, first promised day, last arrival or None while a line is out, most days late, lines)}:
    a purchase order is late once, however many of its lines are."""
    lines: dict[str, list[dict]] = defaultdict(list)
    for row in late:
        lines[row[number]].append(row)
    orders = {}
    for key, rows in lines.items():
        arrivals = [r[actual] for r in rows]
        orders[key] = (
            rows[0][party],
            min(r[expected] for r in rows),
            None if None in arrivals else max(arrivals),
            max(((r[actual] or today) - r[expected]).days for r in rows),
            len(rows),
        )
    return orders


def buckets_of(section) -> dict[str, int]:
    statuses = section.statuses
    return {
        "pending": statuses.pending,
        "in_progress": statuses.in_progress,
        "completed": statuses.completed,
        "cancelled": statuses.cancelled,
        "other": statuses.other,
    }


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def erp_files(tmp_path_factory) -> dict[str, Path]:
    return write_erp_exports(tmp_path_factory.mktemp("erp"), build_sales_book(end=AS_OF))


@pytest.fixture(scope="module")
def demo_rows(erp_files) -> dict[str, list[dict]]:
    rows = {
        "purchase": sheet(erp_files["purchase"]),
        "production": sheet(erp_files["production"], header_row=PRODUCTION_HEADER_ROW),
        "packing": sheet(erp_files["packing"]),
        "shipment": sheet(erp_files["shipments"]),
    }
    for row in rows["packing"]:  # a dd-mm-yyyy text column in the export
        row["Packing Date"] = datetime.strptime(row["Packing Date"], "%d-%m-%Y").date()
    return rows


@pytest.fixture
def company(make_company):
    company, _ = make_company("ops", home_state="27")
    with tenant_context(company):
        yield company


@pytest.fixture
def demo_loaded(company, erp_files, demo_rows):
    kinds = {"purchase": "purchase", "production": "production", "packing": "packing", "shipments": "shipment"}
    for name, kind in kinds.items():
        job = load(erp_files[name], kind=kind)
        assert job.rows_loaded == len(demo_rows[kind]) and job.rows_rejected == 0
    return demo_rows


# ---------------------------------------------------------------- the status words


@pytest.mark.parametrize(("status", "bucket"), sorted(DEMO_BUCKETS.items()))
def test_every_status_the_demo_writes_lands_in_its_bucket(status, bucket):
    assert classify_status(status) == bucket


@pytest.mark.parametrize(
    ("status", "bucket"),
    [
        ("OPEN", "pending"),
        ("ordered", "pending"),
        ("Awaiting approval", "pending"),
        ("New", "pending"),
        ("Not delivered", "pending"),
        ("WIP", "in_progress"),
        ("running", "in_progress"),
        ("dispatched", "in_progress"),
        ("Shipped", "in_progress"),
        ("partially  received", "in_progress"),
        ("Closed", "completed"),
        ("done", "completed"),
        ("Canceled", "cancelled"),
        ("REJECTED", "cancelled"),
        ("", "other"),
        ("On approval", "other"),
    ],
)
def test_statuses_are_matched_case_and_punctuation_insensitively(status, bucket):
    assert classify_status(status) == bucket


def test_whole_words_only():
    assert classify_status("Renewed") == "other"  # contains "new", but not as a word
    assert all(bucket in {"pending", "in_progress", "completed", "cancelled"} for bucket, _ in STATUS_WORDS)


# ---------------------------------------------------------------- the demo sheets


def test_demo_totals_and_statuses_match_the_files(demo_loaded):
    rows = demo_loaded

    summary = operations_summary(None, today=AS_OF)

    assert not summary.is_empty and summary.not_uploaded == ()
    for kind in ("purchase", "production", "packing", "shipment"):
        section = getattr(summary, kind)
        assert section.uploaded and not section.is_empty
        assert section.records == len(rows[kind])
        assert section.quantity == sum((dec(r.get("Qty", r.get("Quantity"))) for r in rows[kind]), Decimal(0))
        assert buckets_of(section) == bucket_counts(rows[kind]), kind
        assert section.statuses.other_statuses == ()
    purchase_amount = sum((dec(r["Amount"]) for r in rows["purchase"]), Decimal(0))
    assert summary.purchase.amount.quantize(PAISA) == purchase_amount.quantize(PAISA)
    assert isinstance(summary.purchase.amount, Decimal)
    assert summary.production.amount is None and summary.shipment.amount is None
    assert summary.production.late is None and summary.packing.late is None
    # The demo's production sheet has no rejected column: "not tracked" is not "nothing rejected".
    assert summary.production.rejected_quantity is None and summary.production.rejection_rate is None
    departments = Counter(r["Department"] for r in rows["production"])
    assert {d.department: d.records for d in summary.production.by_department} == dict(departments)
    assert [d.records for d in summary.production.by_department] == sorted(departments.values(), reverse=True)


def test_demo_by_month_matches_the_files(demo_loaded):
    rows = demo_loaded
    summary = operations_summary(None, today=AS_OF)

    months: dict[date, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for row in rows["purchase"]:
        month = months[row["Order Date"].replace(day=1)]
        month[0] += 1
        month[1] += dec(row["Qty"])
        month[2] += dec(row["Amount"])
    got = [(m.month, m.records, m.quantity, m.amount.quantize(PAISA)) for m in summary.purchase.by_month]
    assert got == [(day, n, qty, amount.quantize(PAISA)) for day, (n, qty, amount) in sorted(months.items())]

    packed = Counter(r["Packing Date"].replace(day=1) for r in rows["packing"])
    assert [(m.month, m.records) for m in summary.packing.by_month] == sorted(packed.items())
    assert all(m.amount is None for m in summary.packing.by_month)
    assert sum(m.records for m in summary.shipment.by_month) == len(rows["shipment"])


@pytest.mark.parametrize("days_after", [0, 45])
def test_demo_late_purchase_orders_and_shipments(demo_loaded, days_after):
    rows = demo_loaded
    today = AS_OF + timedelta(days=days_after)

    summary = operations_summary(None, today=today)

    checks = (
        (summary.purchase, rows["purchase"], "Expected Delivery", "Received Date", {"Received"}, "PO No", "Vendor"),
        (summary.shipment, rows["shipment"], "Expected Delivery", "Delivered Date", {"Delivered"}, "Shipment ID",
         "Customer"),
    )  # fmt: skip
    for section, records, expected, actual, done, number, party in checks:
        late, judged = expected_late(records, expected=expected, actual=actual, done=done, today=today)
        orders = late_orders(late, number=number, party=party, expected=expected, actual=actual, today=today)
        judged_orders = {r[number] for r in judged}
        assert section.late.late == len(orders) > 0
        assert section.late.judged == len(judged_orders)
        assert section.late.late_share == (Decimal(len(orders)) / len(judged_orders)).quantize(Decimal("0.0001"))
        listed = section.late.latest
        assert len(listed) == min(LATE_ROWS, len(orders))
        assert len({row.number for row in listed}) == len(listed)  # each order once
        assert [row.expected for row in listed] == sorted((o[1] for o in orders.values()), reverse=True)[: len(listed)]
        assert all(order[3] > 0 for order in orders.values())
        for row in listed:
            assert (row.party, row.expected, row.actual, row.days_late, row.lines) == orders[row.number]
    # Still on the road past the promised day: late only once the day has passed.
    delayed = [r for r in rows["shipment"] if r["Status"] == "Delayed"]
    assert delayed and all(r["Expected Delivery"] < AS_OF for r in delayed)
    pending_later = [r for r in rows["purchase"] if r["Status"] == "Pending" and r["Expected Delivery"] >= AS_OF]
    if days_after and pending_later:
        assert any(row.actual is None for row in summary.purchase.late.latest)


def test_demo_period_filter(demo_loaded):
    rows = demo_loaded
    june = Period(date(2024, 6, 1), date(2024, 6, 30))

    summary = operations_summary(june, today=AS_OF)

    main_dates = {"purchase": "Order Date", "production": "Start Date", "packing": "Packing Date",
                  "shipment": "Shipment Date"}  # fmt: skip
    for kind, column in main_dates.items():
        in_june = [r for r in rows[kind] if june.start <= r[column] <= june.end]
        section = getattr(summary, kind)
        assert section.records == len(in_june) > 0
        assert buckets_of(section) == bucket_counts(in_june)
        assert [m.month for m in section.by_month] == [date(2024, 6, 1)]
    june_pos = [r for r in rows["purchase"] if june.start <= r["Order Date"] <= june.end]
    assert summary.purchase.amount.quantize(PAISA) == sum((dec(r["Amount"]) for r in june_pos), Decimal(0))
    late, _ = expected_late(june_pos, expected="Expected Delivery", actual="Received Date", done={"Received"},
                            today=AS_OF)  # fmt: skip
    assert summary.purchase.late.late == len({row["PO No"] for row in late})


def test_a_period_without_rows_is_empty_but_not_unuploaded(demo_loaded):
    summary = operations_summary(Period(date(2030, 1, 1), date(2030, 1, 31)), today=AS_OF)

    assert not summary.is_empty
    assert all(section.is_empty and section.uploaded for section in summary.sections)
    assert summary.purchase.amount == 0 and summary.purchase.late.late_share is None


def test_few_queries_whatever_the_number_of_rows(demo_loaded):
    with CaptureQueriesContext(connection) as queries:
        operations_summary(None, today=AS_OF)

    # django-tenants sets the search path before each query; what counts is the reads.
    reads = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    # statuses and months for each section, the late counts and the late orders for two, the departments for
    # production
    assert len(reads) == 13


# ---------------------------------------------------------------- small sheets with known totals

PO_HEADER = ["PO No", "Vendor", "Item", "Qty", "Amount", "Order Date", "Expected Delivery", "Received Date",
             "Status", "Branch"]  # fmt: skip


def test_branch_filter_and_exact_money(company):
    rows = [
        PO_HEADER,
        ["PO-1", "Tata Copper", "Rod", "10", "1,000.10", "01-04-2024", "10-04-2024", "09-04-2024", "Received", "Pune"],
        ["PO-2", "Tata Copper", "Rod", "5", "500.05", "03-04-2024", "12-04-2024", "15-04-2024", "Received", "Pune"],
        ["PO-3", "Havells", "MCB", "7", "700.33", "02-05-2024", "10-05-2024", "", "Open", "Mumbai"],
        ["PO-4", "Havells", "MCB", "1", "99.99", "05-05-2024", "08-05-2024", "", "Cancelled", "Mumbai"],
        ["PO-5", "Polycab", "Wire", "2", "0.01", "06-05-2024", "30-05-2024", "", "On approval", "Mumbai"],
    ]
    load(csv_bytes(rows), "po.csv", kind="purchase")
    today = date(2024, 5, 20)

    everything = operations_summary(None, today=today)
    pune = operations_summary(None, branch="pune", today=today)
    mumbai = operations_summary(None, branch="Mumbai ", today=today)

    assert everything.purchase.records == 5 and everything.purchase.amount == Decimal("2300.48")
    assert everything.purchase.quantity == Decimal("25")
    assert (pune.purchase.records, pune.purchase.amount) == (2, Decimal("1500.15"))
    assert (mumbai.purchase.records, mumbai.purchase.amount) == (3, Decimal("800.33"))
    # PO-2 arrived 3 days late; PO-3 is open and 10 days past its date; PO-4 is cancelled; PO-5 is not yet due.
    assert (pune.purchase.late.late, pune.purchase.late.judged) == (1, 2)
    assert pune.purchase.late.late_share == Decimal("0.5")
    assert (mumbai.purchase.late.late, mumbai.purchase.late.judged) == (1, 1)
    assert [(r.number, r.party, r.expected, r.actual, r.days_late) for r in everything.purchase.late.latest] == [
        ("PO-3", "Havells", date(2024, 5, 10), None, 10),
        ("PO-2", "Tata Copper", date(2024, 4, 12), date(2024, 4, 15), 3),
    ]
    statuses = everything.purchase.statuses
    assert (statuses.pending, statuses.completed, statuses.cancelled, statuses.other) == (1, 2, 1, 1)
    assert statuses.other_statuses == ("On approval",)
    assert [(m.month, m.records, m.amount) for m in everything.purchase.by_month] == [
        (date(2024, 4, 1), 2, Decimal("1500.15")),
        (date(2024, 5, 1), 3, Decimal("800.33")),
    ]
    assert operations_summary(None, branch="Delhi", today=today).purchase.is_empty


def test_a_finished_row_without_an_arrival_date_is_not_judged(company):
    rows = [
        ["Shipment ID", "Customer", "Qty", "Shipment Date", "Expected Delivery", "Status"],
        ["S-1", "Ravi Traders", "3", "01-04-2024", "05-04-2024", "Delivered"],
        ["S-2", "Ravi Traders", "4", "01-04-2024", "05-04-2024", "In Transit"],
    ]
    load(csv_bytes(rows), "ship.csv", kind="shipment")

    late = operations_summary(None, today=date(2024, 4, 20)).shipment.late

    assert (late.late, late.judged) == (1, 1)
    assert [(r.number, r.days_late) for r in late.latest] == [("S-2", 15)]


def test_production_rejections_by_department(company):
    rows = [
        ["Production ID", "Product", "Quantity", "Rejected Qty", "Start Date", "Status", "Department"],
        ["P-1", "Panel", "100", "5", "01-04-2024", "Completed", "Assembly"],
        ["P-2", "Panel", "300", "3", "02-04-2024", "WIP", "Assembly"],
        ["P-3", "Cable", "1000", "", "03-04-2024", "Planned", "Cables"],
    ]
    load(csv_bytes(rows), "prod.csv", kind="production")

    production = operations_summary(None).production

    assert production.records == 3 and production.quantity == Decimal("1400")
    assert production.rejected_quantity == Decimal("8")
    assert production.rejection_rate == Decimal("0.0057")  # 8 / 1400
    assert (production.statuses.completed, production.statuses.in_progress, production.statuses.pending) == (1, 1, 1)
    departments = {d.department: d for d in production.by_department}
    assert departments["Assembly"].records == 2 and departments["Assembly"].rejection_rate == Decimal("0.02")
    assert departments["Cables"].rejected_quantity == Decimal("0") and departments["Cables"].rejection_rate == 0


def test_an_empty_company(company):
    summary = operations_summary(Period(date(2024, 4, 1), date(2025, 3, 31)), branch="Pune")

    assert isinstance(summary, OperationsSummary)
    assert summary.is_empty
    assert summary.not_uploaded == ("Purchase", "Production", "Packing", "Shipment")
    for section in summary.sections:
        assert section.is_empty and not section.uploaded
        assert section.records == 0 and section.quantity == Decimal(0) and section.by_month == ()
    assert summary.purchase.amount == Decimal(0)
    assert summary.purchase.late.late == 0 and summary.purchase.late.late_share is None
    assert summary.purchase.late.latest == ()
    assert summary.production.by_department == () and summary.production.rejection_rate is None
