"""Real exports' shapes, loaded unaided by the `ingest` command, give the analyst's figures.

Each generator in tests/ingestion/field_exports writes a file the way the vendor's software does and computes its
truth from its own records; here the file goes through the operator's command and the figures a user reads (the
headline KPIs) must match exactly.
"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from analytics.selectors import kpis
from ingestion.models import ImportJob, SalesLine
from tests.ingestion.field_exports import ALL, FieldExport

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("export", ALL, ids=lambda export: export.name)
def test_a_field_export_loads_unaided_with_the_analysts_figures(export: FieldExport, make_company, tmp_path):
    company, _ = make_company(home_state="27")
    company.currency = export.currency
    company.save(update_fields=["currency"])
    path, truth = export.write(tmp_path)
    out = StringIO()
    with contextlib.suppress(CommandError):  # the JSON line says why, which the assertion shows
        call_command("ingest", "--company", company.subdomain, str(path), stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["status"] == "succeeded", result
    with tenant_context(company):
        figures = kpis()
        job = ImportJob.objects.get(pk=result["job"])
        other_currency = SalesLine.objects.filter(is_other_currency=True).count()
    assert (figures.revenue, figures.orders, figures.customers) == (
        truth.revenue.quantize(Decimal("0.0001")),
        truth.orders,
        truth.customers,
    ), job.messages
    assert other_currency == truth.other_currency_lines
    if truth.lines_loaded is not None:
        assert result["rows_loaded"] == truth.lines_loaded
    assert {name: job.skipped.get(name) for name in truth.skipped} == truth.skipped, job.skipped
    # Every row read is accounted for: loaded, duplicate, rejected, left out by type, or set aside.
    accounted = job.rows_loaded + job.duplicates + job.rows_rejected + sum(job.skipped.values())
    assert accounted + sum(job.set_aside.values()) == job.rows_read, (job.set_aside, job.skipped)
