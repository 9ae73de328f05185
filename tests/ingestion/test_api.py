"""The ingestion API as a script uses it: send a file and follow it to its result, read its rejected rows, and walk
the sales lines and invoices page by page with the pages' filters, in JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from ingestion import services
from ingestion.models import ImportJob, SalesLine
from tenants.api_keys import PREFIX_LENGTH
from tenants.audit import Action
from tenants.models import AuditEvent, Company
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = [
    "Invoice No",
    "Invoice Date",
    "Customer",
    "Item Code",
    "Item",
    "Product Line",
    "Branch",
    "State",
    "Country",
    "Segment",
    "Salesperson",
    "Manager",
    "Qty",
    "Rate",
    "Taxable Value",
    "CGST",
    "SGST",
    "IGST",
]
# 13 invoices over four days; several share a day, two share a number (different customers), one has a freight line
# (kept out of sales by the default exclusion rules) and some name no salesperson, only a manager.
ROWS = [
    ["A-1", "02/04/2025", "Acme", "F1", "Fan", "Fans", "Pune", "Maharashtra", "India", "Retail", "Asha", "Ravi",
     "2", "500.10", "1000.20", "90.02", "90.02", "0"],
    ["A-1", "02/04/2025", "Acme", "L1", "Lamp", "Lighting", "Pune", "Maharashtra", "India", "Retail", "Asha", "Ravi",
     "4", "50.05", "200.20", "18.02", "18.02", "0"],
    ["A-1", "02/04/2025", "Acme", "FR", "Freight", "", "Pune", "Maharashtra", "India", "Retail", "Asha", "Ravi",
     "", "", "150", "13.50", "13.50", "0"],
    ["A-2", "02/04/2025", "Beta", "F1", "Fan", "Fans", "Mumbai", "Maharashtra", "India", "Trade", "", "Ravi",
     "1", "300", "300", "27", "27", "0"],
    ["A-2", "02/04/2025", "Gamma", "F1", "Fan", "Fans", "Chennai", "Tamil Nadu", "India", "Trade", "Kiran", "Meena",
     "3", "300", "900", "0", "0", "162"],
    ["B-7", "09/05/2025", "Beta", "L1", "Lamp", "Lighting", "Mumbai", "Maharashtra", "India", "Trade", "", "Ravi",
     "10", "50.5775", "505.775", "45.52", "45.52", "0"],
    *[[f"C-{n}", "11/05/2025", "Delta", "W1", "Wire", "Cables", "Pune", "Maharashtra", "India", "Retail", "Asha",
       "Ravi", str(n), "100", str(100 * n), str(9 * n), str(9 * n), "0"] for n in range(1, 9)],
    ["C-3", "11/05/2025", "Delta", "W2", "Wire 2", "Cables", "Pune", "Maharashtra", "India", "Retail", "Asha", "Ravi",
     "1", "10", "10", "0.90", "0.90", "0"],
    ["D-1", "20/06/2025", "Epsilon", "L1", "Lamp", "Lighting", "Delhi", "Delhi", "India", "Retail", "Kiran", "Meena",
     "5", "40", "200", "0", "0", "36"],
]  # fmt: skip
# One bad row in six: few enough that the good rows load without a review.
WITH_A_BAD_ROW = [
    ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Qty", "Rate", "Taxable Value", "GST %"],
    *[[f"V-1{n}", "01/04/2024", "Ravi Traders", "Maharashtra", "Wire", "1", "100", "100", "18"] for n in range(5)],
    ["V-2", "02/04/2024", "Ravi Traders", "Maharashtra", "Fan", "x", "100", "100", "18"],
]  # fmt: skip


def _body(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"data", "error", "metadata"}, body
    return body


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = _body(response)
    assert body["data"] is None
    return body["error"]


def _jobs(company) -> int:
    with tenant_context(company):
        return ImportJob.objects.count()


@pytest.fixture
def company(make_company):
    company, _ = make_company(home_state="27")
    return company


@pytest.fixture
def with_lines(company):
    with tenant_context(company):
        job = load(csv_bytes([HEADER, *ROWS]), "sales.csv")
    assert job.status == "succeeded" and job.rows_loaded == len(ROWS), job.error
    return company


# ---------------------------------------------------------------- uploads


def _send(client, content: bytes, name: str = "sales.csv", **fields):
    return client.post("/api/v1/uploads/", {"file": SimpleUploadedFile(name, content, content_type="text/csv"),
                                            **fields})  # fmt: skip


def _remember_columns(company):
    """The company confirmed these columns on the page before: the next file with them loads without a check."""
    chosen = {"invoice": "Invoice No", "date": "Invoice Date", "customer": "Customer", "state": "State",
              "product_name": "Product", "quantity": "Qty", "unit_price": "Rate", "net_amount": "Taxable Value",
              "gst_rate": "GST %"}  # fmt: skip
    with tenant_context(company):
        services.mapping_confirm(kind="sales", columns=WITH_A_BAD_ROW[0], mapping=chosen)


def test_an_analyst_sends_a_file_and_follows_it_to_its_result(
    company, api_client, monkeypatch, django_capture_on_commit_callbacks
):
    _remember_columns(company)
    client = api_client(company, "analyst")
    queued = []
    monkeypatch.setattr(services, "enqueue", queued.append)  # the worker's queue, seen from here
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, csv_bytes(WITH_A_BAD_ROW), mode="replace-period")

    assert response.status_code == 202, response.content
    sent = _body(response)["data"]
    assert sent["status"] == "queued" and sent["fileName"] == "sales.csv" and sent["mode"] == "replace-period"
    assert response["Location"] == sent["links"]["self"] and queued == [sent["id"]]
    with tenant_context(company):
        services.import_run(job_id=sent["id"])  # what the worker does with it

    followed = _body(client.get(sent["links"]["self"]))["data"]
    assert followed["status"] == "succeeded" and followed["finishedAt"] and followed["error"] is None
    assert followed["rowsRead"] == 6 and followed["rowsLoaded"] == 5 and followed["rowsRejected"] == 1
    with tenant_context(company):
        assert SalesLine.objects.filter(source_job_id=sent["id"]).count() == 5
    listed = _body(client.get("/api/v1/uploads/"))
    assert [job["id"] for job in listed["data"]] == [sent["id"]] and listed["metadata"]["count"] == 1


def test_a_file_with_new_columns_waits_for_its_column_check_on_the_page(company, api_client):
    client = api_client(company, "analyst")
    sent = _body(_send(client, csv_bytes(WITH_A_BAD_ROW)))["data"]
    with tenant_context(company):
        services.import_run(job_id=sent["id"])

    waiting = _body(client.get(f"/api/v1/uploads/{sent['id']}/"))["data"]
    assert waiting["status"] == "mapping" and waiting["rowsLoaded"] == 0
    assert waiting["links"]["columnCheck"].endswith(f"/uploads/{sent['id']}/columns/")


def test_the_uploads_are_listed_newest_first_and_paged(company, api_client):
    with tenant_context(company):
        first = load(csv_bytes(WITH_A_BAD_ROW), "march.csv")
        second = load(csv_bytes([HEADER, *ROWS]), "april.csv")
    client = api_client(company, "analyst")
    body = _body(client.get("/api/v1/uploads/", {"limit": 1}))
    assert [job["fileName"] for job in body["data"]] == ["april.csv"] and body["metadata"]["count"] == 2
    rest = _body(client.get(body["metadata"]["next"]))
    assert [job["id"] for job in rest["data"]] == [first.pk] and rest["metadata"]["next"] is None
    assert body["data"][0]["id"] == second.pk and body["data"][0]["links"]["rejectedRows"] is None
    assert rest["data"][0]["links"]["rejectedRows"].endswith(f"/api/v1/uploads/{first.pk}/rejected-rows/")


def test_a_viewer_may_not_send_files_nor_see_uploads(company, api_client):
    viewer = api_client(company, "viewer")
    assert _error(_send(viewer, csv_bytes(WITH_A_BAD_ROW)), 403)["code"] == "forbidden"
    assert viewer.get("/api/v1/uploads/").status_code == 403
    assert _jobs(company) == 0


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({}, "file"),
        ({"kind": "recipes"}, "kind"),
        ({"mode": "overwrite-everything"}, "mode"),
    ],
)
def test_a_bad_upload_is_a_400_naming_what_to_change_and_creates_nothing(company, api_client, fields, parameter):
    client = api_client(company, "analyst")
    if parameter == "file":
        response = client.post("/api/v1/uploads/", fields)
    else:
        response = _send(client, csv_bytes(WITH_A_BAD_ROW), **fields)
    error = _error(response, 400)
    assert error["parameter"] == parameter and parameter in error["message"]
    assert _jobs(company) == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_the_page_s_message(company, api_client):
    error = _error(_send(api_client(company, "analyst"), b"\x89PNG....", "photo.png"), 400)
    assert error["parameter"] == "file" and "is not a spreadsheet or CSV file" in error["message"]
    assert _jobs(company) == 0


@pytest.mark.parametrize("stopped_while_streaming", [True, False])
def test_a_file_over_the_size_limit_is_a_413_and_nothing_is_stored(company, api_client, settings,
                                                                   stopped_while_streaming):  # fmt: skip
    settings.UPLOAD_MAX_BYTES = 100
    if not stopped_while_streaming:  # a file that came in whole is measured before it is stored
        settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
    error = _error(_send(api_client(company, "analyst"), csv_bytes(WITH_A_BAD_ROW), "big.csv"), 413)
    assert error["code"] == "too_large" and error["parameter"] == "file" and "big.csv" in error["message"]
    assert _jobs(company) == 0


def test_a_read_only_company_s_upload_is_refused_with_its_code_and_nothing_is_stored(company, api_client):
    Company.objects.filter(pk=company.pk).update(trial_ends_at=timezone.now() - timedelta(days=1))
    error = _error(_send(api_client(company, "analyst"), csv_bytes(WITH_A_BAD_ROW)), 402)
    assert error["code"] == "read_only" and "read-only" in error["message"]
    assert _jobs(company) == 0


def test_an_unknown_upload_is_a_404_in_the_envelope(company, api_client):
    client = api_client(company, "analyst")
    assert _error(client.get("/api/v1/uploads/999999/"), 404)["code"] == "not_found"
    assert _error(client.get("/api/v1/uploads/999999/rejected-rows/"), 404)["code"] == "not_found"


def test_rejected_rows_are_listed_with_their_reasons_and_download_as_csv(company, api_client):
    with tenant_context(company):
        job = load(csv_bytes(WITH_A_BAD_ROW), "sales.csv")
        clean = load(csv_bytes([HEADER, *ROWS]), "clean.csv")
    client = api_client(company, "analyst")

    rows = _body(client.get(f"/api/v1/uploads/{job.pk}/rejected-rows/"))
    assert rows["metadata"]["count"] == 1 and len(rows["data"]) == 1
    row = rows["data"][0]
    assert row["values"]["Invoice No"] == "V-2" and row["values"]["Qty"] == "x" and row["reason"]
    download = client.get(f"/api/v1/uploads/{job.pk}/rejected-rows/", {"format": "csv"})
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [(r["values.Invoice No"], r["reason"]) for r in table] == [("V-2", row["reason"])]
    assert _body(client.get(f"/api/v1/uploads/{clean.pk}/rejected-rows/"))["data"] == []
    read = AuditEvent.objects.filter(company=company, action=Action.EXPORT, details__upload=job.pk)
    assert (
        read.count() == 2 and client.key[:PREFIX_LENGTH] in read.first().summary
    )  # as the page's download, with the key
    assert api_client(company, "viewer").get(f"/api/v1/uploads/{job.pk}/rejected-rows/").status_code == 403


# ---------------------------------------------------------------- lines


def _walk(client, url: str, query: dict) -> list[dict]:
    """Every row of a list, following metadata.next to the end."""
    rows, body = [], _body(client.get(url, query))
    rows += body["data"]
    while body["metadata"]["next"]:
        body = _body(client.get(body["metadata"]["next"]))
        rows += body["data"]
    return rows


def test_lines_page_by_cursor_newest_first_and_none_repeats_or_is_skipped(with_lines, api_client):
    client = api_client(with_lines, "analyst")
    with tenant_context(with_lines):
        truth = list(SalesLine.objects.order_by("-id").values_list("id", flat=True))

    first = _body(client.get("/api/v1/lines/", {"pageSize": 5}))
    assert [line["id"] for line in first["data"]] == truth[:5] and first["metadata"]["pageSize"] == 5
    walked = _walk(client, "/api/v1/lines/", {"pageSize": 5})
    assert [line["id"] for line in walked] == truth and len(truth) == len(ROWS)
    second = _body(client.get(first["metadata"]["next"]))
    back = _body(client.get(second["metadata"]["previous"]))
    assert [line["id"] for line in back["data"]] == truth[:5]


def test_a_line_carries_its_fields_with_amounts_as_exact_strings(with_lines, api_client):
    lines = _walk(api_client(with_lines, "analyst"), "/api/v1/lines/", {"pageSize": 1000})
    lamp = next(line for line in lines if line["invoiceNumber"] == "B-7")
    assert lamp["invoiceDate"] == "2025-05-09" and lamp["customerName"] == "Beta" and lamp["productCode"] == "L1"
    assert (lamp["quantity"], lamp["unitPrice"], lamp["netAmount"], lamp["cgst"]) == ("10", "50.5775", "505.775",
                                                                                     "45.52")  # fmt: skip
    assert lamp["salesperson"] == "" and lamp["manager"] == "Ravi" and lamp["counts"] is True
    assert lamp["igst"] == "0.00" and isinstance(lamp["upload"], int)
    freight = next(line for line in lines if line["productName"] == "Freight")
    assert freight["counts"] is False and freight["netAmount"] == "150.00" and freight["quantity"] is None


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ({"branch": "Pune"}, lambda row: row[6] == "Pune"),
        ({"productLine": "Lighting"}, lambda row: row[5] == "Lighting"),
        ({"product_line": "Fans", "productLine": "Lighting"}, lambda row: row[5] == "Fans"),  # the page's name wins
        ({"state": "Tamil Nadu"}, lambda row: row[7] == "Tamil Nadu"),
        ({"segment": "Trade", "country": "India"}, lambda row: row[9] == "Trade"),
        # The filter bar's person: the salesperson, or the manager when the line names none.
        ({"salesperson": "Ravi"}, lambda row: row[10] == "" and row[11] == "Ravi"),
        ({"salesperson": "Asha"}, lambda row: row[10] == "Asha"),
        ({"from": "2025-05-01", "to": "2025-05-31"}, lambda row: row[1].endswith("/05/2025")),
        ({"startDate": "2025-05-10"}, lambda row: row[1] in ("11/05/2025", "20/06/2025")),
        ({"branch": "Atlantis"}, lambda row: False),
    ],
)
def test_filters_narrow_the_lines_as_on_the_pages(with_lines, api_client, query, keep):
    lines = _walk(api_client(with_lines, "analyst"), "/api/v1/lines/", {**query, "pageSize": 4})
    expected = sorted((row[0], row[3], row[14]) for row in ROWS if keep(row))
    got = sorted((line["invoiceNumber"], line["productCode"], line["netAmount"]) for line in lines)
    assert [(n, c) for n, c, _ in got] == [(n, c) for n, c, _ in expected]
    assert sum(Decimal(a) for _, _, a in got) == sum(Decimal(a) for _, _, a in expected)


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/api/v1/lines/", {"pageSize": "5000"}, "pageSize"),
        ("/api/v1/invoices/", {"pageSize": "5000"}, "pageSize"),
        ("/api/v1/lines/", {"pageSize": "0"}, "pageSize"),
        ("/api/v1/lines/", {"from": "2025-13-01"}, "from"),
        ("/api/v1/invoices/", {"endDate": "yesterday"}, "endDate"),
        ("/api/v1/lines/", {"from": "2025-05-01", "to": "2025-04-01"}, "to"),
        ("/api/v1/lines/", {"cursor": "not-a-cursor"}, "cursor"),
        ("/api/v1/invoices/", {"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_a_malformed_parameter_is_a_400_that_names_it(with_lines, api_client, path, query, parameter):
    error = _error(api_client(with_lines, "analyst").get(path, query), 400)
    assert error["code"] == "invalid_parameter" and error["parameter"] == parameter and parameter in error["message"]


def test_lines_and_invoices_are_raw_data_a_viewer_may_not_read(with_lines, api_client):
    viewer = api_client(with_lines, "viewer")
    assert _error(viewer.get("/api/v1/lines/"), 403)["code"] == "forbidden"
    assert viewer.get("/api/v1/invoices/").status_code == 403


# ---------------------------------------------------------------- invoices


def _invoices_truth(rows) -> list[tuple]:
    """From the file itself: one invoice per number, date and customer, over the lines that are not freight,
    newest first (date, then number, then customer, each descending)."""
    grouped = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
    for row in rows:
        if row[4] == "Freight":
            continue
        day, month, year = row[1].split("/")
        totals = grouped[(f"{year}-{month}-{day}", row[0], row[2].casefold())]
        totals[0] += 1
        for index, column in enumerate((12, 14, 15, 16, 17), start=1):
            totals[index] += Decimal(row[column] or 0)
    return [(day, number, customer, *totals) for (day, number, customer), totals in sorted(grouped.items(),
                                                                                             reverse=True)]  # fmt: skip


def _as_tuple(invoice: dict) -> tuple:
    return (invoice["invoiceDate"], invoice["invoiceNumber"], invoice["customerKey"], invoice["lines"],
            *[Decimal(invoice[name]) for name in ("quantity", "netAmount", "cgst", "sgst", "igst")])  # fmt: skip


def test_invoices_group_the_counting_lines_exactly_and_page_without_repeats(with_lines, api_client):
    client = api_client(with_lines, "analyst")
    truth = _invoices_truth(ROWS)
    assert len(truth) == 13

    for size in (1, 3, 13, 100):
        walked = _walk(client, "/api/v1/invoices/", {"pageSize": size})
        assert [_as_tuple(invoice) for invoice in walked] == truth, size
    acme = _body(client.get("/api/v1/invoices/", {"q": "acm"}))["data"]
    assert [(i["invoiceNumber"], i["customerName"], i["lines"], i["netAmount"]) for i in acme] == [
        ("A-1", "Acme", 2, "1200.40")
    ]

    first = _body(client.get("/api/v1/invoices/", {"pageSize": 4}))
    second = _body(client.get(first["metadata"]["next"]))
    assert first["metadata"]["previous"] is None and second["metadata"]["previous"]
    back = _body(client.get(second["metadata"]["previous"]))
    assert back["data"] == first["data"] and back["metadata"]["previous"] is None


def test_invoices_take_the_filters_and_a_search(with_lines, api_client):
    client = api_client(with_lines, "analyst")
    may = _walk(client, "/api/v1/invoices/", {"from": "2025-05-01", "to": "2025-05-31", "pageSize": 2})
    assert [_as_tuple(i) for i in may] == [t for t in _invoices_truth(ROWS) if t[0].startswith("2025-05")]
    chennai = _walk(client, "/api/v1/invoices/", {"branch": "Chennai"})
    assert [(i["invoiceNumber"], i["customerName"], i["igst"]) for i in chennai] == [("A-2", "Gamma", "162.00")]
    by_number = _walk(client, "/api/v1/invoices/", {"q": " c-3 "})
    assert [(i["invoiceNumber"], i["lines"], i["netAmount"]) for i in by_number] == [("C-3", 2, "310.00")]


# ---------------------------------------------------------------- CSV and XLSX


def test_lines_and_invoices_download_as_csv_and_xlsx(with_lines, api_client):
    client = api_client(with_lines, "analyst")
    response = client.get("/api/v1/invoices/", {"format": "csv", "pageSize": 1000})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="invoices.csv"' in response["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    truth = [(t[1], t[5]) for t in _invoices_truth(ROWS)]
    assert [(r["invoiceNumber"], Decimal(r["netAmount"])) for r in table] == truth

    response = client.get("/api/v1/lines/", {"format": "xlsx", "branch": "Delhi"})
    assert response.status_code == 200 and 'filename="lines.xlsx"' in response["Content-Disposition"]
    sheet = list(load_workbook(io.BytesIO(response.content)).active.values)
    columns = sheet[0]
    assert len(sheet) == 2 and "netAmount" in columns and "counts" in columns
    line = dict(zip(columns, sheet[1], strict=True))
    assert line["invoiceNumber"] == "D-1" and line["netAmount"] == 200 and line["igst"] == 36

    bad = client.get("/api/v1/lines/", {"format": "csv", "from": "someday"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")
