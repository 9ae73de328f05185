"""Taking an upload back: a sales file's lines, a master's effect on lines, with the dashboards following; and
running a failed or stuck upload again."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics import engine
from analytics.engine import Scope
from analytics.filters import Filters
from analytics.periods import Period
from elettro.kernel.errors import ApplicationError
from ingestion import undo
from ingestion.models import Customer, ImportJob, Product, SalesLine
from tests.ingestion.test_pipeline import csv_bytes, load

APRIL = Scope(Period(date(2024, 4, 1), date(2024, 4, 30)), Filters())

SALES = [["Invoice No", "Date", "Customer", "Item", "Qty", "Amount", "GST %"],
         ["1", "01/04/2024", "Ravi Traders", "Copper Wire 1.5mm", "10", "1000", "18"],
         ["2", "02/04/2024", "Kaveri Cables", "PVC Conduit", "4", "250", "18"],
         ["3", "03/04/2024", "Asha Stores", "Copper Wire 1.5mm", "2", "200", "18"]]  # fmt: skip
CUSTOMERS = [["Customer Name", "Salesperson", "Branch", "State"],
             ["Ravi Traders", "Sunil", "Pune", "Maharashtra"],
             ["Kaveri Cables", "Meena", "Bengaluru", "Karnataka"]]  # fmt: skip
ITEMS = [["Name of Item", "Stock Group", "Unit", "Standard Cost"],
         ["Copper Wire 1.5mm", "Wires", "mtr", "80"],
         ["PVC Conduit", "Conduits", "nos", "50"]]  # fmt: skip


def revenue_by(dimension: str) -> dict:
    return {row[dimension]: row["revenue"] for row in engine.sales(APRIL, (dimension,))}


def delete(job, user=None, *, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return undo.upload_delete(job_id=job.pk, user=user)


@pytest.fixture
def company(make_company):
    company, owner = make_company("undo", home_state="27")
    with tenant_context(company):
        yield company, owner


@pytest.mark.django_db
def test_deleting_a_sales_upload_takes_its_lines_and_figures_away_and_records_who(
    company, django_capture_on_commit_callbacks
):
    _, owner = company
    kept = load(csv_bytes([SALES[0], ["9", "20/04/2024", "Zed Electricals", "Fuse", "1", "70", "18"]]), "kept.csv")
    job = load(csv_bytes(SALES), "april.csv")
    assert sum(revenue_by("month").values()) == Decimal(1520)

    preview = undo.deletion_preview(job)
    assert (preview["lines"], preview["date_from"], preview["date_to"]) == (3, date(2024, 4, 1), date(2024, 4, 3))

    deleted = delete(job, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert deleted.status == "deleted" and deleted.deleted_by_email == owner.email and deleted.deleted_at
    assert deleted.deletion["lines"] == 3 and deleted.deletion["date_from"] == "2024-04-01"
    assert set(SalesLine.objects.values_list("source_job_id", flat=True)) == {kept.pk}
    assert sum(revenue_by("month").values()) == Decimal(70)  # the dashboards followed
    # Customers only the deleted lines named are gone; the others stay.
    assert set(Customer.objects.values_list("name", flat=True)) == {"Zed Electricals"}


@pytest.mark.django_db
def test_deleting_every_upload_brings_every_figure_back_to_zero(company, django_capture_on_commit_callbacks):
    sales = load(csv_bytes(SALES), "april.csv")
    customers = load(csv_bytes(CUSTOMERS), "customers.csv", kind="customers")
    items = load(csv_bytes(ITEMS), "items.csv", kind="items")
    assert revenue_by("person") == {"Sunil": Decimal(1000), "Meena": Decimal(250), "": Decimal(200)}
    for job in (sales, customers, items):
        delete(job, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert not SalesLine.objects.exists() and not Customer.objects.exists()
    assert revenue_by("person") == {} and revenue_by("month") == {}


@pytest.mark.django_db
def test_deleting_a_customer_master_takes_back_what_it_filled_in_before_and_after(
    company, django_capture_on_commit_callbacks
):
    before = load(csv_bytes(SALES), "april.csv")
    master = load(csv_bytes(CUSTOMERS), "customers.csv", kind="customers")
    load(csv_bytes([SALES[0], ["4", "05/04/2024", "Kaveri Cables", "PVC Conduit", "2", "100", "18"]]), "later.csv")
    karnataka = SalesLine.objects.get(invoice_number="2")
    assert (karnataka.salesperson, karnataka.igst, karnataka.cgst) == ("Meena", Decimal(45), 0)
    assert SalesLine.objects.get(invoice_number="4").igst == Decimal(18)  # built with the master's state

    delete(master, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    lines = {line.invoice_number: line for line in SalesLine.objects.all()}
    assert {line.salesperson for line in lines.values()} == {""}
    assert {line.branch for line in lines.values()} == {""}
    assert {line.state_code for line in lines.values()} == {""}
    # The taxes split as they were loaded without a state: CGST + SGST, half each.
    assert (lines["2"].cgst, lines["2"].sgst, lines["2"].igst) == (Decimal("22.50"), Decimal("22.50"), 0)
    assert (lines["4"].cgst, lines["4"].sgst, lines["4"].igst) == (Decimal(9), Decimal(9), 0)
    assert revenue_by("person") == {"": Decimal(1550)}
    assert not Customer.objects.filter(from_master=True).exists()
    assert Customer.objects.filter(name="Kaveri Cables").exists()  # still a customer of the sales lines
    assert before.status == "succeeded"


@pytest.mark.django_db
def test_deleting_a_newer_master_brings_back_the_one_it_replaced(company, django_capture_on_commit_callbacks):
    load(csv_bytes(SALES), "april.csv")
    load(csv_bytes(CUSTOMERS), "customers-v1.csv", kind="customers")
    newer = load(csv_bytes([CUSTOMERS[0], ["Ravi Traders", "Anil", "Nashik", "Maharashtra"]]), "v2.csv",
                 kind="customers")  # fmt: skip
    assert Customer.objects.get(name="Ravi Traders").salesperson == "Anil"
    delete(newer, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert Customer.objects.get(name="Ravi Traders").salesperson == "Sunil"
    assert revenue_by("person") == {"Sunil": Decimal(1000), "Meena": Decimal(250), "": Decimal(200)}


@pytest.mark.django_db
def test_deleting_an_item_master_takes_back_its_costs_and_product_lines_but_not_a_lines_own_cost(
    company, django_capture_on_commit_callbacks
):
    load(csv_bytes(SALES), "april.csv")
    load(csv_bytes([[*SALES[0], "Cost"], ["5", "06/04/2024", "Asha Stores", "PVC Conduit", "1", "90", "18", "30"]]),
         "own-cost.csv")  # fmt: skip
    items = load(csv_bytes(ITEMS), "items.csv", kind="items")
    costs = dict(SalesLine.objects.values_list("invoice_number", "cost"))
    assert costs == {"1": Decimal(800), "2": Decimal(200), "3": Decimal(160), "5": Decimal(30)}
    assert revenue_by("product_line") == {"Wires": Decimal(1200), "Conduits": Decimal(340)}

    delete(items, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    costs = dict(SalesLine.objects.values_list("invoice_number", "cost"))
    assert costs == {"1": None, "2": None, "3": None, "5": Decimal(30)}
    assert set(SalesLine.objects.values_list("product_line", flat=True)) == {""}
    assert not Product.objects.filter(from_master=True).exists()


@pytest.mark.django_db
def test_deleting_an_upload_whose_lines_a_later_replace_period_removed_says_so_and_changes_nothing(
    company, django_capture_on_commit_callbacks
):
    first = load(csv_bytes(SALES), "april.csv")
    later = load(csv_bytes([SALES[0], ["1", "01/04/2024", "Ravi Traders", "Copper Wire 1.5mm", "10", "900", "18"],
                            ["3", "03/04/2024", "Asha Stores", "Copper Wire 1.5mm", "2", "200", "18"]]),
                 "april-corrected.csv", mode="replace-period")  # fmt: skip
    assert later.rows_replaced == 3 and not SalesLine.objects.filter(source_job_id=first.pk).exists()

    with pytest.raises(ApplicationError, match=r"already replaced by “april-corrected\.csv”"):
        delete(first, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    first.refresh_from_db()
    assert first.status == "succeeded" and first.deleted_at is None
    assert SalesLine.objects.count() == 2 and sum(revenue_by("month").values()) == Decimal(1100)


@pytest.mark.django_db
def test_deleting_twice_says_it_was_already_deleted(company, django_capture_on_commit_callbacks):
    _, owner = company
    job = load(csv_bytes(SALES), "april.csv")
    delete(job, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError, match="already deleted, by owner@undo"):
        delete(job, owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)


def test_two_deletions_at_once_delete_once(make_company_committed):
    """Two people press Delete at the same moment: one deletes, the other is told it is already deleted."""
    company, _ = make_company_committed("undotwice")
    with tenant_context(company):
        job = load(csv_bytes(SALES), "april.csv")
        other = load(csv_bytes([SALES[0], SALES[1]]), "again.csv")  # all duplicates: nothing of its own
    results, start = [], threading.Barrier(2)

    def press_delete():
        try:
            with tenant_context(company):
                start.wait(timeout=10)
                undo.upload_delete(job_id=job.pk)
                results.append("deleted it")
        except ApplicationError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=press_delete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["deleted", "deleted it"]  # the second was told: error code "deleted"
    with tenant_context(company):
        job.refresh_from_db()
        assert job.status == "deleted" and job.deletion["lines"] == 3
        assert not SalesLine.objects.exists() and other.rows_loaded == 0


@pytest.mark.django_db
def test_a_failed_or_stuck_upload_can_be_run_again(company, django_capture_on_commit_callbacks):
    from ingestion import services

    job = load(csv_bytes(SALES), "april.csv")
    ImportJob.objects.filter(pk=job.pk).update(status="failed", error="the worker was killed", rows_loaded=0)
    SalesLine.objects.all().delete()
    job.refresh_from_db()
    assert undo.can_retry(job)
    with django_capture_on_commit_callbacks(execute=False):
        queued = undo.upload_retry(job_id=job.pk)
    assert queued.status == "queued" and queued.error == ""
    assert services.import_run(job_id=job.pk).status == "succeeded" and SalesLine.objects.count() == 3

    stuck = load(csv_bytes(SALES), "again.csv")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=stuck.pk).update(status="running", started_at=an_hour_ago, heartbeat_at=an_hour_ago)
    stuck.refresh_from_db()
    assert undo.is_stuck(stuck) and undo.can_retry(stuck)
    ImportJob.objects.filter(pk=stuck.pk).update(heartbeat_at=timezone.now())
    stuck.refresh_from_db()
    with pytest.raises(ApplicationError, match="only a failed or stuck upload"):
        undo.upload_retry(job_id=stuck.pk)


@pytest.mark.django_db
def test_an_item_master_after_the_sales_applies_the_exclusion_rules_to_the_product_lines_it_gives(
    company, django_capture_on_commit_callbacks
):
    from ingestion.models import ExclusionRule

    ExclusionRule.objects.create(field="product_line", pattern="packing")
    load(csv_bytes([SALES[0], SALES[1], ["7", "04/04/2024", "Ravi Traders", "Carton Box", "5", "40", "18"]]),
         "april.csv")  # fmt: skip
    items = load(csv_bytes([*ITEMS, ["Carton Box", "Packing Material", "nos", "6"]]), "items.csv", kind="items")
    assert SalesLine.objects.get(invoice_number="7").is_excluded
    assert revenue_by("product_line") == {"Wires": Decimal(1000)}

    delete(items, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert not SalesLine.objects.get(invoice_number="7").is_excluded
    assert revenue_by("product_line") == {"": Decimal(1040)}
