"""The dashboard pages as a member meets them: every page, the filter bar, downloads, roles and other companies."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import plotly.graph_objects as go
import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from analytics.pages import PAGES
from ingestion.models import ImportJob
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

URLS = ["/"] + [f"/{name}/" for name in PAGES if name != "overview"]
ROWS = [
    [*HEADER, "Product Line"],
    [
        "A-1",
        "15/05/2024",
        '=HYPERLINK("http://x")',
        "Maharashtra",
        "Fan",
        "1",
        "9838141.37",
        "9838141.37",
        "18",
        "Fans",
    ],
    ["A-2", "20/03/2025", "Kiran Traders", "Kerala", "Lamp", "2", "226000", "452000", "18", "Lighting"],
]


@pytest.fixture
def company_with_sales(make_company):
    company, owner = make_company("dash")
    with tenant_context(company):
        load(csv_bytes(ROWS), "s.csv")
    return company, owner


@pytest.mark.parametrize("url", URLS)
def test_a_viewer_sees_every_page_and_its_charts_are_valid_plotly(company_with_sales, add_member, company_client, url):
    company, _ = company_with_sales
    viewer = add_member(company, "viewer")

    response = company_client(company, viewer).get(url + "?from=2024-04-01&to=2025-03-31")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/plotly.min.js" in html
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", html)  # no script from another host (no CDN)
    start = html.index('id="figures">') + len('id="figures">')
    for item in json.loads(html[start : html.index("</script>", start)]):
        go.Figure(item["figure"])  # raises on any property Plotly does not know
    assert "CSV</a>" not in html  # viewers see figures but do not download them


def test_the_overview_shows_the_period_s_figures_and_a_filter_narrows_them(company_with_sales, company_client):
    company, owner = company_with_sales
    client = company_client(company, owner)

    everything = client.get("/?from=2024-04-01&to=2025-03-31").content.decode()
    lighting = client.get("/?from=2024-04-01&to=2025-03-31&product_line=Lighting").content.decode()

    assert 'title="₹1,02,90,141.37"' in everything and "₹1.03 Cr" in everything
    assert 'title="₹4,52,000.00"' in lighting and "₹4.52 L" in lighting
    assert 'href="/products/?from=2024-04-01&amp;to=2025-03-31&amp;product_line=Lighting"' in lighting


def test_downloads_hold_the_table_with_formulas_neutralised(company_with_sales, add_member, company_client):
    company, _ = company_with_sales
    analyst = add_member(company, "analyst")
    client = company_client(company, analyst)

    response = client.get("/?from=2024-04-01&to=2025-03-31&download=top_customers&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Disposition"].startswith('attachment; filename="dash-overview-top_customers')
    assert rows[0] == ["Customer", "Revenue", "Orders"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "9838141.37", "1"] and rows[2] == ["Kiran Traders", "452000.00", "1"]

    response = client.get("/products/?from=2024-04-01&to=2025-03-31&download=product_lines&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]][:2] == ["Product line", "Revenue"]
    assert sheet["A2"].value == "Fans" and float(sheet["B2"].value) == 9838141.37

    assert client.get("/?download=nothing&format=csv").status_code == 404


def test_a_viewer_cannot_download_and_another_company_sees_nothing(
    company_with_sales, make_company, add_member, company_client
):
    company, _ = company_with_sales
    viewer = add_member(company, "viewer")
    _, stranger = make_company("other")

    assert company_client(company, viewer).get("/?download=top_customers&format=csv").status_code == 403
    for url in URLS:
        response = company_client(company, stranger).get(url)
        assert response.status_code == 403 and "Kiran" not in response.content.decode()
    assert company_client(company).get("/trends/").status_code == 302  # not logged in: to the login page


@pytest.mark.parametrize("url", URLS)
def test_an_empty_company_is_told_what_to_upload(make_company, company_client, url):
    company, owner = make_company("empty")

    html = company_client(company, owner).get(url).content.decode()

    assert "Upload" in html and ("No sales yet" in html or "No ERP sheets yet" in html or "No uploads yet" in html)


def test_bad_dates_are_explained_not_a_server_error(company_with_sales, company_client):
    company, owner = company_with_sales

    response = company_client(company, owner).get("/?from=31-03-2025&to=soon")

    assert response.status_code == 200 and "not a date like" in response.content.decode()


def test_trends_forecast_is_hidden_with_too_little_history(company_with_sales, company_client):
    company, owner = company_with_sales

    html = company_client(company, owner).get("/trends/?from=2024-04-01&to=2025-03-31").content.decode()

    assert "A forecast needs at least 12 whole months of sales" in html


def test_when_an_upload_says_done_the_dashboards_show_it(company_with_sales, company_client):
    """The rollups follow an upload in its own transaction: no refresh to wait for, no page that reloads."""
    company, owner = company_with_sales
    client = company_client(company, owner)
    more = [[*HEADER, "Product Line"], ["A-3", "21/03/2025", "New Buyer", "Goa", "Fan", "1", "1000.55", "1000.55",
                                        "18", "Fans"]]  # fmt: skip
    with tenant_context(company):
        assert load(csv_bytes(more), "march.csv").status == "succeeded"
    html = client.get("/?from=2024-04-01&to=2025-03-31").content.decode()
    assert "₹1,02,91,141.92" in html  # 98,38,141.37 + 4,52,000 + 1,000.55, straight after the upload
    assert 'http-equiv="refresh"' not in html and "being added" not in html


def test_a_change_the_dashboards_cannot_follow_keeps_nothing_and_says_why(company_with_sales):
    """A rollup table that refuses its rows (here a real CHECK constraint) fails the upload: its lines roll back
    with it, and the upload says what happened."""
    company, _ = company_with_sales
    more = [[*HEADER, "Product Line"], ["A-9", "22/03/2025", "Late Buyer", "Goa", "Lamp", "1", "10", "10", "18",
                                        "Lighting"]]  # fmt: skip
    with tenant_context(company), connection.cursor() as cursor:
        lines_before = ImportJob.objects.count(), _lines()
        cursor.execute("ALTER TABLE analytics_sales_month ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
        job = load(csv_bytes(more), "refused.csv")
        cursor.execute("ALTER TABLE analytics_sales_month DROP CONSTRAINT refuse_all")
        assert job.status == "failed" and "The dashboards could not be brought up to date" in job.error
        assert _lines() == lines_before[1]


def _lines() -> int:
    from ingestion.models import SalesLine

    return SalesLine.objects.count()


@pytest.mark.parametrize("url", URLS)
def test_every_page_answers_once_every_upload_is_deleted(company_with_sales, company_client, url):
    """No line left, and a period asked for by its dates: each page says there is nothing, never a 500."""
    from ingestion import undo

    company, owner = company_with_sales
    with tenant_context(company):
        for job in ImportJob.objects.all():
            undo.upload_delete(job_id=job.pk)
    response = company_client(company, owner).get(url + "?from=2024-04-01&to=2025-03-31")
    assert response.status_code == 200
