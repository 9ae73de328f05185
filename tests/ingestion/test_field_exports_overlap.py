"""An overlapping re-export loads its overlap as duplicates, however the second file spells its lines.

The same ERP's invoice lines are exported twice: April-June as .xlsx (numbers, real dates), then May-July as CSV
(text amounts with Indian grouping or four decimals, '1-Jul-24' dates). The second load must report every May-June
line as a duplicate, load only July, and the figures must be those of the union computed by the generator.
"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from analytics.selectors import kpis
from tests.ingestion.field_exports.shop_overlap import write_overlap_pair

pytestmark = pytest.mark.django_db


def _ingest(company, path) -> dict:
    """The command's JSON line for the file, also when it failed (the command then raises after printing it)."""
    out = StringIO()
    with contextlib.suppress(CommandError):  # the JSON line says why; the assertions show it
        call_command("ingest", "--company", company.subdomain, str(path), stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_an_overlapping_re_export_spelled_as_text_reports_the_overlap_as_duplicates(make_company, tmp_path):
    company, _ = make_company(home_state="27")
    first, second, truth = write_overlap_pair(tmp_path)

    loaded = _ingest(company, first)
    assert loaded["status"] == "succeeded", loaded
    assert loaded["rows_loaded"] == truth.first_lines, loaded

    again = _ingest(company, second)
    assert again["status"] == "succeeded", again
    assert again["duplicates"] == truth.overlap_lines, again
    assert again["rows_loaded"] == truth.new_lines, again

    with tenant_context(company):
        figures = kpis()
    assert figures.revenue == truth.revenue.quantize(Decimal("0.0001"))
    assert figures.orders == truth.orders
    assert figures.customers == truth.customers
