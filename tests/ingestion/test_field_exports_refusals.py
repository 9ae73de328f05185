"""Real exports that must be refused, each with a message that says why, and nothing loaded.

A Day Book of a month with receipts, payments, purchases, journals and contras but no sales voucher is an
accounting file, not a sales file: loading its Debit Amounts as sales would invent revenue.
"""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from ingestion.models import SalesLine
from tests.ingestion.field_exports.acc_tally import write_day_book_without_sales

pytestmark = pytest.mark.django_db


def test_a_day_book_without_sales_vouchers_is_refused_with_a_message_and_loads_nothing(make_company, tmp_path):
    company, _ = make_company(home_state="27")
    path = write_day_book_without_sales(tmp_path)
    out = StringIO()
    with pytest.raises(CommandError):  # `ingest` exits 1 on a failed file, after printing its JSON line
        call_command("ingest", "--company", company.subdomain, str(path), stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["status"] == "failed", result
    error = result.get("error") or ""
    assert re.search(r"\bno sales vouchers?\b", error, re.IGNORECASE), (
        f"the message should say there are no sales vouchers: {error!r}"
    )
    assert result["rows_loaded"] == 0, result
    with tenant_context(company):
        assert not SalesLine.objects.exists()
