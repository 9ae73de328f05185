"""A company with generated sales (GSTINs, salespeople, branches, costs) for the report tests."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from ingestion.sample_exports.invoice_lines import write_invoice_lines
from tests.ingestion.test_pipeline import load

# The generator's sales run over the fiscal years 2024-25 and 2025-26.
FY_2024_25 = {"from": "2024-04-01", "to": "2025-03-31"}


@pytest.fixture
def sales_company(make_company, tmp_path):
    company, owner = make_company("reporter", name="Kaveri Switchgear Pvt Ltd")
    path = tmp_path / "lines.csv"
    totals = write_invoice_lines(path, lines=3000, seed=7)
    with tenant_context(company):
        job = load(path)
    assert job.status == "succeeded", job.error
    return company, owner, totals
