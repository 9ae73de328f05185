"""The dashboard pages as a member meets them: every page, the filter bar, downloads, roles and other companies."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import openpyxl
import plotly.graph_objects as go
import pytest
from django_tenants.utils import tenant_context

from analytics import rollups
from analytics.models import RollupState
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


def test_while_an_upload_s_lines_are_being_added_the_pages_say_so(company_with_sales, company_client):
    company, owner = company_with_sales
    client = company_client(company, owner)
    assert "data-catching-up" not in client.get("/").content.decode()  # the upload's task refreshed the rollups

    with tenant_context(company):
        job = ImportJob.objects.get()
        # As between an upload's commit and its task's rebuild: the rollups last read the lines before it.
        RollupState.objects.update(refreshed_at=job.finished_at - timedelta(seconds=1))
    html = client.get("/").content.decode()
    assert "being added to the dashboards" in html
    assert '<meta http-equiv="refresh"' in html  # and reloads itself until they are

    with tenant_context(company):  # the upload's task is long gone: it failed, and the nightly will do it
        ImportJob.objects.update(finished_at=job.finished_at - timedelta(hours=1))
        RollupState.objects.update(refreshed_at=job.finished_at - timedelta(hours=2))
    html = client.get("/").content.decode()
    assert "tonight's refresh will add it" in html
    assert 'http-equiv="refresh"' not in html

    with tenant_context(company):
        rollups.refresh_changed()  # nothing left to read: checked current
    html = client.get("/").content.decode()
    assert "data-catching-up" not in html
    assert 'http-equiv="refresh"' not in html

    with tenant_context(company):
        load(csv_bytes(ROWS), "again.csv")  # every line a duplicate: nothing to add
    assert "data-catching-up" not in client.get("/").content.decode()
