"""Random sequences of appends, replace-periods, deletions and customer-master updates: after each, the rollups
that followed the change in its own transaction give every figure the sales lines give, to the paisa, and a
full rebuild changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics import rollups
from elettro.kernel.errors import ApplicationError
from ingestion import undo
from ingestion.models import ImportJob, Kind
from tenants.models import Company
from tests.analytics.test_rollups import SALES_PAGES, page_figures
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Product Line", "Branch", "Qty", "Amount"]
CUSTOMERS = ["Asha Traders", "Bala & Sons", "Chetan Stores", "Dev Agencies", "Esha Electricals"]
ITEMS = [("Ceiling fan", "Fans"), ("LED bulb", "Lighting"), ("Copper wire", "Cables"), ("MCB", "Switchgear")]
MONTHS = [date(2025, m, 1) for m in (4, 5, 6, 7, 8, 9)]
QUERIES = [{"from": "2025-04-01", "to": "2025-09-30"}, {"from": "2025-04-10", "to": "2025-08-20", "branch": "Pune"},
           {"from": "2025-04-01", "to": "2025-09-30", "product_line": "Fans"}]  # fmt: skip

line = st.tuples(
    st.integers(0, len(MONTHS) - 1), st.integers(1, 28), st.integers(0, len(CUSTOMERS) - 1),
    st.integers(0, len(ITEMS) - 1), st.sampled_from(["Pune", "Mumbai"]), st.integers(1, 9),
    st.decimals(min_value="0.01", max_value="99999.99", places=2),
)  # fmt: skip
append = st.tuples(st.just("append"), st.lists(line, min_size=1, max_size=12))
replace = st.tuples(st.just("replace"), st.lists(line, min_size=1, max_size=8))
delete = st.tuples(st.just("delete"), st.integers(0, 50))
master = st.tuples(
    st.just("master"),
    st.lists(st.tuples(st.sampled_from(CUSTOMERS), st.sampled_from(["Dealer", "OEM", "Retail"]),
                       st.sampled_from(["India", "Nepal"])), min_size=1, max_size=5, unique_by=lambda t: t[0]),
)  # fmt: skip


def _lines_csv(lines, serial: int) -> bytes:
    rows = [HEADER]
    for n, (month, day, customer, item, branch, qty, amount) in enumerate(lines):
        name, product_line = ITEMS[item]
        when = MONTHS[month].replace(day=day)
        rows.append([f"S{serial}-{n}", f"{when:%d/%m/%Y}", CUSTOMERS[customer], name, product_line, branch, qty,
                     str(amount)])  # fmt: skip
    return csv_bytes(rows)


def _apply(step, serial: int) -> None:
    kind, payload = step
    if kind == "append":
        assert load(_lines_csv(payload, serial), f"append-{serial}.csv").status == "succeeded"
    elif kind == "replace":
        job = load(_lines_csv(payload, serial), f"replace-{serial}.csv", mode=ImportJob.Mode.REPLACE_PERIOD)
        assert job.status == "succeeded", job.error
    elif kind == "delete":
        loaded = list(ImportJob.objects.filter(status="succeeded").order_by("pk"))
        if loaded:
            try:
                undo.upload_delete(job_id=loaded[payload % len(loaded)].pk)
            except ApplicationError as refused:  # a later replace-period took every line: it says so, changes nothing
                assert refused.code == "already_replaced", refused.message
    else:
        rows = [["Customer Name", "Segment", "Country"], *[list(row) for row in payload]]
        job = load(csv_bytes(rows), f"master-{serial}.csv", kind=Kind.CUSTOMERS)
        assert job.status == "succeeded", job.error


def _figures(company, pages, queries, *, from_lines: bool = False) -> dict:
    return {
        (name, str(query)): page_figures(company, query, name, from_lines=from_lines)
        for name in pages
        for query in queries
    }


# Found by this test: every upload deleted (the Trends page then had no days with sales), and a deletion of an
# upload whose every line a later replace-period took.
@example(steps=[("delete", 0), ("delete", 0)])
@example(steps=[("replace", [(0, 1, 0, 0, "Mumbai", 7, "1.66"), (4, 19, 0, 1, "Pune", 5, "30757.58")]),
                ("delete", 0)])  # fmt: skip
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(append, replace, delete, master), min_size=2, max_size=4))
def test_after_any_sequence_of_changes_the_rollups_equal_the_lines_and_a_rebuild(make_company, steps):
    company, _ = _company(make_company)
    # Each example in a savepoint rolled back at its end: one company serves them all.
    with tenant_context(company), transaction.atomic():
        _apply(("append", BASE), 0)
        for serial, step in enumerate(steps, start=1):
            _apply(step, serial)
            quick = _figures(company, ["overview"], QUERIES[:2])
            assert quick == _figures(company, ["overview"], QUERIES[:2], from_lines=True), f"after {step} ({serial})"
        followed = _figures(company, SALES_PAGES, QUERIES)
        assert followed == _figures(company, SALES_PAGES, QUERIES, from_lines=True)
        tables = rollup_rows()
        rollups.refresh()  # the nightly's full rebuild must find nothing to change
        assert _figures(company, SALES_PAGES, QUERIES) == followed
        assert_same_rows(tables, rollup_rows())
        transaction.set_rollback(True)


# Every month, customer and item, two branches: 80 lines, enough that an append of up to 12 is merged, not rebuilt
# (analytics.rollup_merge.worth_merging).
BASE = [
    (n % 6, 1 + n % 27, n % 5, n % 4, ("Pune", "Mumbai")[n % 2], 1 + n % 9, f"{100 + 37 * n}.25") for n in range(80)
]


def rollup_rows() -> dict[str, list[tuple]]:
    """Every row of every rollup table, without its id, in a stable order: what a merge and a rebuild must agree
    on, row for row (not only the figures the pages happen to ask for)."""
    tables = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name LIKE 'analytics\\_%%' AND table_name NOT IN ('analytics_rollup_state', "
            "'analytics_usagesnapshot')"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM "
                "information_schema.columns WHERE table_schema = current_schema() AND table_name = %s "
                "AND column_name <> 'id'",
                [table],
            )
            (columns,) = cursor.fetchone()
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}")
            tables[table] = cursor.fetchall()
    return tables


def assert_same_rows(followed: dict[str, list[tuple]], rebuilt: dict[str, list[tuple]]) -> None:
    assert followed.keys() == rebuilt.keys()
    for table, rows in rebuilt.items():
        missing = [row for row in rows if row not in followed[table]][:3]
        extra = [row for row in followed[table] if row not in rows][:3]
        assert followed[table] == rows, f"{table}: a rebuild has {missing} and not {extra}"


_COMPANIES: dict = {}


def _company(make_company):
    """One company for every example of the test (a schema per example would hold a lock per table)."""
    key = connection.settings_dict["NAME"]
    if key not in _COMPANIES or not Company.objects.filter(pk=_COMPANIES[key][0].pk).exists():
        _COMPANIES[key] = make_company()
    return _COMPANIES[key]
