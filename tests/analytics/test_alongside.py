"""Work on a second connection: committed with the caller's block, rolled back when either side fails; the full
rollup rebuild puts the products there. Outside a test transaction, as a second connection sees committed rows only."""

from __future__ import annotations

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import tenant_context

from analytics import rollups
from analytics.alongside import work_alongside
from analytics.models import DimensionValue
from ingestion.sample_exports.invoice_lines import write_invoice_lines
from tests.analytics.test_rollups import assert_rollups_equal_raw
from tests.ingestion.test_pipeline import load


def _insert(value: str):
    def work(cursor):
        cursor.execute(
            "INSERT INTO analytics_dimension_value (dimension, value, revenue) VALUES ('branch', %s, 1)", [value]
        )

    return work


def _values() -> set[str]:
    return set(DimensionValue.objects.values_list("value", flat=True))


@pytest.fixture
def company(make_company_committed):
    company, _owner = make_company_committed("alongside")
    return company


def test_the_work_runs_on_its_own_connection_and_is_committed_with_the_block(company):
    with tenant_context(company):
        with transaction.atomic(), work_alongside(_insert("Pune")):
            connection.cursor().execute("SELECT pg_sleep(0.2)")
            assert "Pune" not in _values()  # another transaction's, not yet committed
        assert _values() == {"Pune"}


def test_a_failing_block_rolls_the_work_back(company):
    with tenant_context(company):
        with pytest.raises(ValueError, match="block failed"), transaction.atomic(), work_alongside(_insert("Pune")):
            DimensionValue.objects.create(dimension="branch", value="Nashik", revenue=1)
            raise ValueError("block failed")
        assert _values() == set()


def test_failing_work_fails_the_block_and_its_transaction(company):
    with tenant_context(company):
        with pytest.raises(IntegrityError, match="already exists"), transaction.atomic():
            DimensionValue.objects.create(dimension="branch", value="Nashik", revenue=1)
            with work_alongside(lambda cursor: [_insert(value)(cursor) for value in ("Pune", "Pune")]):
                pass
        assert _values() == set()


def test_given_a_snapshot_the_work_reads_as_the_caller_does(company):
    def values(cursor):
        cursor.execute("SELECT value FROM analytics_dimension_value")
        return {row[0] for row in cursor.fetchall()}

    with tenant_context(company):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            # Committed by someone else after the caller's snapshot: the caller does not see it, nor does the work.
            with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
                other.execute(f"SET search_path = {company.schema_name}")
                _insert("Nashik")(other.cursor())
            with work_alongside(values, snapshot=snapshot) as work:
                assert values(cursor) == set()
            with work_alongside(values) as without:
                pass
        assert work.result == set()
        assert without.result == {"Nashik"}


def test_inside_a_caller_s_transaction_the_work_runs_in_it(company):
    with tenant_context(company):
        with transaction.atomic():
            with work_alongside(_insert("Pune"), enabled=False):
                assert _values() == {"Pune"}  # the same transaction sees it at once
            transaction.set_rollback(True)
        assert _values() == set()


def test_a_full_rebuild_outside_a_transaction_fills_the_products_from_a_second_connection(
    make_company_committed, tmp_path
):
    company, _owner = make_company_committed("rollupsfull")
    path = tmp_path / "lines.csv"
    write_invoice_lines(path, lines=2000, seed=5)
    with tenant_context(company):
        assert load(path).status == "succeeded"
        assert not connection.in_atomic_block  # so the products are rebuilt alongside, on their own connection
        rollups.refresh()
        assert rollups.changed_months()[0] == []  # the fingerprints taken alongside were recorded
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            assert cursor.fetchone()[0] == 0  # the refresh let go of its lock
        for query in ({}, {"from": "2024-05-17", "to": "2025-02-03", "branch": "Pune"}):
            assert_rollups_equal_raw(company, query)
