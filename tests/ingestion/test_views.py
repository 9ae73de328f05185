"""The upload pages as a company's people use them: upload, check the columns, see results and rejected rows."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from ingestion import services
from ingestion.models import ColumnMapping, ImportJob, SalesLine
from tests.ingestion.test_pipeline import HEADER, csv_bytes

pytestmark = pytest.mark.django_db

# One bad row in six: few enough that the good rows load without a review.
ROWS = [HEADER, *[[f"V-1{n}", "01/04/2024", "Ravi Traders", "Maharashtra", "Wire", "1", "100", "100", "18"]
                  for n in range(5)],
        ["V-2", "02/04/2024", "Ravi Traders", "Maharashtra", "Fan", "x", "100", "100", "18"]]  # fmt: skip


def _upload(client, name="sales.csv", content=None, **extra):
    file = SimpleUploadedFile(name, content if content is not None else csv_bytes(ROWS), content_type="text/csv")
    return client.post("/uploads/new/", {"kind": "sales", "mode": "append", "files": [file], **extra})


def _run_queued(company):
    """What the worker does with each queued job (a real worker runs in the browser and worker tests)."""
    with tenant_context(company):
        for job in ImportJob.objects.filter(status="queued"):
            services.import_run(job_id=job.pk)


def test_upload_then_check_columns_then_load_and_the_mapping_is_remembered(make_company, company_client):
    company, owner = make_company("views")
    client = company_client(company, owner)

    response = _upload(client)
    assert response.status_code == 302 and "/uploads/progress/?jobs=" in response["Location"]
    _run_queued(company)
    with tenant_context(company):
        job = ImportJob.objects.get()
    assert job.status == "mapping" and job.uploaded_by_email == owner.email

    page = client.get(f"/uploads/{job.pk}/columns/").content.decode()
    assert "Check the columns of sales.csv" in page and "Ravi Traders" in page  # the preview rows
    assert '<option value="Invoice No" selected>' in page

    chosen = {f"s0-{name}": column for name, column in
              {"invoice": "Invoice No", "date": "Invoice Date", "customer": "Customer", "state": "State",
               "product_name": "Product", "quantity": "Qty", "unit_price": "Rate", "net_amount": "Taxable Value",
               "gst_rate": "GST %"}.items()}  # fmt: skip
    assert client.post(f"/uploads/{job.pk}/columns/", chosen).status_code == 302
    _run_queued(company)

    state = client.get(f"/uploads/status/?jobs={job.pk}").json()["jobs"][0]
    assert state["status"] == "succeeded" and state["progress"] == 100
    assert state["rows_loaded"] == 5 and state["rows_rejected"] == 1 and state["rejects_url"]
    rejected = client.get(state["rejects_url"])
    assert rejected.status_code == 200 and b"V-2" in b"".join(rejected.streaming_content)
    with tenant_context(company):
        assert ColumnMapping.objects.count() == 1 and SalesLine.objects.count() == 5

    # The same columns again: no question asked.
    _upload(
        client,
        "sales-may.csv",
        csv_bytes([HEADER, ["V-3", "01/05/2024", "Ravi", "Kerala", "Fan", "1", "5", "5", "18"]]),
    )
    _run_queued(company)
    with tenant_context(company):
        assert ImportJob.objects.get(original_name="sales-may.csv").status == "succeeded"
    listing = client.get("/uploads/").content.decode()
    assert "sales-may.csv" in listing and "rows and reasons (CSV)" in listing


def test_a_required_column_left_out_is_named_and_nothing_loads(make_company, company_client):
    company, owner = make_company("views")
    client = company_client(company, owner)
    _upload(client)
    _run_queued(company)
    with tenant_context(company):
        job = ImportJob.objects.get()

    response = client.post(f"/uploads/{job.pk}/columns/", {"s0-invoice": "Invoice No", "s0-date": "Invoice Date"})

    assert response.status_code == 400 and "Choose a column for: Net amount" in response.content.decode()
    with tenant_context(company):
        assert SalesLine.objects.count() == 0 and ImportJob.objects.get().status == "mapping"


def test_wrong_files_are_refused_on_the_page_with_the_limit_shown(make_company, company_client, settings):
    company, owner = make_company("views")
    client = company_client(company, owner)
    assert "up to <strong>50 MB</strong>" in client.get("/uploads/new/").content.decode()

    not_a_sheet = _upload(client, "photo.png", b"\x89PNG....")
    settings.UPLOAD_MAX_BYTES = 10
    too_big = _upload(client, "big.csv")

    assert not_a_sheet.status_code == 400 and "is not a spreadsheet or CSV file" in not_a_sheet.content.decode()
    assert too_big.status_code == 413 and "“big.csv” is over the" in too_big.content.decode()
    with tenant_context(company):
        assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(("role", "can_upload", "can_see"), [("viewer", False, False), ("analyst", True, True)])
def test_who_may_upload(make_company, add_member, company_client, role, can_upload, can_see):
    company, _ = make_company("views")
    client = company_client(company, add_member(company, role))

    assert (client.get("/uploads/new/").status_code == 200) == can_upload
    assert (_upload(client).status_code == 302) == can_upload
    assert (client.get("/uploads/").status_code == 200) == can_see


def test_rejected_rows_of_one_company_are_not_served_to_another(make_company, company_client):
    a, owner_a = make_company("alpha")
    b, owner_b = make_company("bravo")
    with tenant_context(a):
        job = services.upload_create(file=SimpleUploadedFile("s.csv", csv_bytes(ROWS)), run="inline")
        job = services.import_run(job_id=job.pk)
        assert job.rejects_file

    assert company_client(b, owner_b).get(f"/uploads/{job.pk}/rejected-rows.csv").status_code == 404
    assert company_client(b, owner_a).get(f"/uploads/{job.pk}/rejected-rows.csv").status_code == 403
    assert company_client(a, owner_a).get(f"/uploads/{job.pk}/rejected-rows.csv").status_code == 200


def test_an_admin_adds_and_removes_exclusion_rules_on_the_settings_page(
    make_company, company_client, django_capture_on_commit_callbacks
):
    company, owner = make_company("views")
    client = company_client(company, owner)
    assert "freight" in client.get("/settings/exclusions/").content.decode()  # the defaults every company starts with

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.post(
            "/settings/exclusions/", {"field": "product", "pattern": "  Loading   charges "}, follow=True
        )
    assert "are now kept out of sales" in page.content.decode() and len(callbacks) == 1  # re-marking is queued
    with tenant_context(company):
        from ingestion.models import ExclusionRule

        rule = ExclusionRule.objects.get(pattern="Loading charges")
    client.post("/settings/exclusions/", {"delete": rule.pk})
    with tenant_context(company):
        assert not ExclusionRule.objects.filter(pk=rule.pk).exists()
    assert (
        "Type the words"
        in client.post("/settings/exclusions/", {"field": "product", "pattern": " "}, follow=True).content.decode()
    )


def test_a_workbook_with_lookup_sheets_is_checked_and_loaded_as_proposed(make_company, company_client, build_xlsx):
    """Superstore's shape: orders, a Returns sheet and a People sheet; the page submits as it was proposed."""
    company, owner = make_company("views")
    client = company_client(company, owner)
    path = build_xlsx(
        {
            "Orders": [["Order ID", "Order Date", "Customer Name", "Region", "Sales"],
                       ["CA-1", "2024-04-01", "Ravi", "West", "100"], ["CA-2", "2024-04-02", "Kaveri", "East", "50"]],
            "Returns": [["Returned", "Order ID"], ["Yes", "CA-2"]],
            "People": [["Person", "Region"], ["Anna", "West"], ["Chuck", "East"]],
        }
    )  # fmt: skip
    _upload(client, "superstore.xlsx", path.read_bytes())
    _run_queued(company)
    with tenant_context(company):
        job = ImportJob.objects.get()
    page = client.get(f"/uploads/{job.pk}/columns/").content.decode()
    assert '<option value="returns" selected>' in page and '<option value="people" selected>' in page

    proposed = {}
    for index, plan in enumerate(job.proposal.values()):
        proposed[f"s{index}-role"] = plan["role"]
        proposed.update({f"s{index}-{name}": column for name, column in plan["mapping"].items()})
    response = client.post(f"/uploads/{job.pk}/columns/", proposed)

    assert response.status_code == 302, response.content.decode()[:500]
    _run_queued(company)
    with tenant_context(company):
        assert ImportJob.objects.get().status == "succeeded"
        assert SalesLine.objects.get(invoice_number="CA-2").is_returned
        assert SalesLine.objects.get(invoice_number="CA-1").manager == "Anna"


def test_voucher_types_are_shown_on_the_column_check_and_remembered(make_company, company_client):
    company, owner = make_company("views")
    client = company_client(company, owner)
    rows = [["Date", "Particulars", "Vch Type", "Vch No.", "Debit Amount"],
            ["01/04/2024", "Ravi", "Bhosari Sales", "1", "1180"],
            ["01/04/2024", "Kaveri", "Receipt", "7", "500"],
            ["02/04/2024", "Asha", "Rate Contract", "2", "90"]]  # fmt: skip
    _upload(client, "daybook.csv", csv_bytes(rows))
    _run_queued(company)
    with tenant_context(company):
        job = ImportJob.objects.get()
    page = client.get(f"/uploads/{job.pk}/columns/").content.decode()
    assert "Bhosari Sales" in page and "Debit Amount" in page and "(including GST)" in page
    types = list(job.proposal["daybook.csv"]["voucher_types"])
    assert job.proposal["daybook.csv"]["voucher_types"] == {"Bhosari Sales": "sale", "Rate Contract": "skip",
                                                             "Receipt": "skip"}  # fmt: skip

    chosen = {f"s0-{name}": column for name, column in job.proposal["daybook.csv"]["mapping"].items()}
    chosen[f"s0-vt{types.index('Rate Contract')}"] = "sale"  # the owner knows better
    assert client.post(f"/uploads/{job.pk}/columns/", chosen).status_code == 302
    _run_queued(company)

    with tenant_context(company):
        job.refresh_from_db()
        assert job.status == "succeeded" and job.skipped == {"Receipt": 1}
        assert sorted(SalesLine.objects.values_list("net_amount", flat=True)) == [90, 1180]
        assert all(SalesLine.objects.values_list("amount_includes_tax", flat=True))
    listing = client.get("/uploads/").content.decode()
    assert "Left out, not sales: Receipt 1" in listing
    overview = client.get("/").content.decode()
    assert "data-includes-tax" in overview


def test_a_mostly_rejected_upload_waits_and_its_good_rows_load_on_request(make_company, company_client):
    company, owner = make_company("views")
    client = company_client(company, owner)
    bad = [[f"V-{n}", "01/04/2024", "Ravi", "Maharashtra", "Fan", "x", "100", "100", "18"] for n in range(2, 5)]
    rows = [HEADER, ["V-1", "01/04/2024", "Ravi", "Maharashtra", "Wire", "1", "100", "100", "18"], *bad]
    _upload(client, "bad.csv", csv_bytes(rows))
    _run_queued(company)
    with tenant_context(company):
        job = ImportJob.objects.get()
        if job.status == "mapping":  # first upload of these columns: confirm them as proposed
            mapping = job.proposal["bad.csv"]["mapping"]
            client.post(f"/uploads/{job.pk}/columns/", {f"s0-{k}": v for k, v in mapping.items()})
    _run_queued(company)
    with tenant_context(company):
        job.refresh_from_db()
    assert job.status == "review" and "3 of 4 rows could not be read" in job.error
    listing = html.unescape(client.get("/uploads/").content.decode())
    assert "Load the good rows anyway" in listing and "column 'Qty': is not a quantity" in listing

    assert client.post(f"/uploads/{job.pk}/load-good-rows/").status_code == 302
    _run_queued(company)
    with tenant_context(company):
        job.refresh_from_db()
        assert job.status == "succeeded" and SalesLine.objects.count() == 1 and job.rows_rejected == 3


def test_what_counts_as_a_sale_is_editable_by_the_owner(make_company, company_client):
    company, owner = make_company("views")
    client = company_client(company, owner)
    page = client.get("/uploads/what-counts/").content.decode()
    assert "rto = returned" in page and "cancel = cancelled" in page

    bad = html.unescape(
        client.post("/uploads/what-counts/", {"status_words": "rto returned"}, follow=True).content.decode()
    )
    saved = client.post("/uploads/what-counts/", {"status_words": "rto = returned\nhold = cancelled"})

    assert "write a word, '=', then cancelled or returned" in bad
    assert saved.status_code == 302
    with tenant_context(company):
        from ingestion.sale_rules import status_words

        assert status_words() == {"rto": "returned", "hold": "cancelled"}


def test_delete_an_upload_after_a_confirmation_that_says_what_goes(make_company, add_member, company_client):
    company, owner = make_company("deleting")
    with tenant_context(company):
        job = services.upload_create(file=SimpleUploadedFile("april.csv", csv_bytes(ROWS[:6])), run="inline")
        job = services.import_run(job_id=job.pk)
    viewer = company_client(company, add_member(company, "viewer"))
    assert viewer.get(f"/uploads/{job.pk}/delete/").status_code == 403
    assert viewer.post(f"/uploads/{job.pk}/delete/").status_code == 403

    client = company_client(company, owner)
    page = client.get(f"/uploads/{job.pk}/delete/").content.decode()
    assert "5 sales lines" in page and "1 Apr 2024 to 1 Apr 2024" in page
    listed = client.get("/uploads/").content.decode()
    assert f'href="/uploads/{job.pk}/delete/"' in listed

    response = client.post(f"/uploads/{job.pk}/delete/", follow=True)
    page = html.unescape(response.content.decode())
    assert "“april.csv” is deleted: 5 lines from 2024-04-01 to 2024-04-01 went." in page
    assert f"Deleted by {owner.email}" in page
    with tenant_context(company):
        assert not SalesLine.objects.exists()

    again = html.unescape(client.post(f"/uploads/{job.pk}/delete/", follow=True).content.decode())
    assert "was already deleted" in again


def test_a_failed_upload_has_a_retry_button_that_runs_it_again(make_company, company_client):
    company, owner = make_company("retrying")
    client = company_client(company, owner)
    with tenant_context(company):
        job = services.upload_create(file=SimpleUploadedFile("april.csv", csv_bytes(ROWS[:6])), run="inline")
        ImportJob.objects.filter(pk=job.pk).update(status="failed", error="The worker stopped.")
    listed = client.get("/uploads/").content.decode()
    assert f'action="/uploads/{job.pk}/retry/"' in listed
    response = client.post(f"/uploads/{job.pk}/retry/")
    assert response.status_code == 302 and response["Location"].endswith(f"?jobs={job.pk}")
    _run_queued(company)
    with tenant_context(company):
        job.refresh_from_db()
        assert job.status == "succeeded" and SalesLine.objects.count() == 5
    assert f'action="/uploads/{job.pk}/retry/"' not in client.get("/uploads/").content.decode()


def test_files_with_the_same_columns_uploaded_together_need_one_column_check(make_company, company_client):
    company, owner = make_company("batch")
    client = company_client(company, owner)

    def month(m: int) -> bytes:
        return csv_bytes([HEADER, *[[f"V-{m}{n}", f"0{n + 1}/0{m}/2024", "Ravi Traders", "Maharashtra", "Wire", "1",
                                     "100", "100", "18"] for n in range(2)]])  # fmt: skip

    files = [SimpleUploadedFile(f"m{m}.csv", month(m)) for m in (4, 5, 6)]
    other = SimpleUploadedFile("other.csv", csv_bytes([["Date", "Amount"], ["01/07/2024", "5"]]))
    response = client.post("/uploads/new/", {"kind": "sales", "mode": "append", "files": [*files, other]})
    assert response.status_code == 302
    _run_queued(company)
    with tenant_context(company):
        jobs = {job.original_name: job for job in ImportJob.objects.all()}
    asking = [job for job in jobs.values() if job.status == "mapping" and not job.waiting_on]
    assert len(asking) == 2 and "other.csv" in {job.original_name for job in asking}  # one check per column set
    leader = next(job for job in asking if job.original_name != "other.csv")
    followers = [job for job in jobs.values() if job.waiting_on == leader.pk]
    assert len(followers) == 2 and all(job.status == "mapping" for job in followers)
    assert "Waits for the column check of" in followers[0].stage
    # A follower's column check is its leader's.
    assert client.get(f"/uploads/{followers[0].pk}/columns/")["Location"].endswith(f"/uploads/{leader.pk}/columns/")

    page = client.get(f"/uploads/{leader.pk}/columns/").content.decode()
    assert '<option value="Invoice No" selected>' in page
    chosen = {f"s0-{name}": column for name, column in
              {"invoice": "Invoice No", "date": "Invoice Date", "customer": "Customer", "state": "State",
               "product_name": "Product", "quantity": "Qty", "unit_price": "Rate", "net_amount": "Taxable Value",
               "gst_rate": "GST %"}.items()}  # fmt: skip
    assert client.post(f"/uploads/{leader.pk}/columns/", chosen).status_code == 302
    _run_queued(company)
    with tenant_context(company):
        statuses = dict(ImportJob.objects.values_list("original_name", "status"))
        assert statuses == {"m4.csv": "succeeded", "m5.csv": "succeeded", "m6.csv": "succeeded", "other.csv": "mapping"}
        assert SalesLine.objects.count() == 6


def test_the_upload_page_opens_on_the_kind_a_link_names(make_company, company_client):
    company, owner = make_company("kindlink")
    page = company_client(company, owner).get("/uploads/new/?kind=items").content.decode()
    assert '<option value="items" selected>' in page
    page = company_client(company, owner).get("/uploads/new/?kind=nonsense").content.decode()
    assert '<option value="sales" selected>' in page
