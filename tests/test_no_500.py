"""No bad parameter is a server error: edge dates, NUL characters, garbage ids and odd form values get a 400 with a
message (or a page that falls back and says why, or a 404 for a URL that names nothing), never a 500.

The explicit cases come first; then Hypothesis draws query strings over every company page's parameter names
(and random ones), and odd values for the forms, and checks that no answer is a 5xx.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db
# Hypothesis keeps a cache of the source's constants: under .data/, with the other local state, not in the repo.
set_hypothesis_home_dir(Path(__file__).resolve().parent.parent / ".data" / "hypothesis")

ROWS = [
    [*HEADER, "Product Line", "Branch", "Salesperson"],
    ["A-1", "15/05/2024", "Asha Traders", "Maharashtra", "Fan", "1", "1000", "1000", "18", "Fans", "Pune", "Ravi"],
    ["A-2", "20/03/2025", "Kiran Traders", "Kerala", "Lamp", "2", "226", "452", "18", "Lighting", "Kochi", "Meera"],
    ["A-3", "02/01/2025", "Asha Traders", "Maharashtra", "Lamp", "3", "226", "678", "18", "Lighting", "Pune", "Ravi"],
]

DASHBOARDS = ["/", "/trends/", "/geography/", "/products/", "/pricing/", "/customers/", "/people/", "/operations/",
              "/data/"]  # fmt: skip
OTHER_PAGES = [
    "/uploads/", "/uploads/new/", "/uploads/progress/", "/uploads/status/", "/uploads/what-counts/",
    "/settings/", "/settings/exclusions/", "/members/", "/reports/", "/reports/schedules/",
    "/reports/schedules/new/", "/reports/channels/", "/billing/", "/billing/status/", "/auth/handoff/",
    "/alerts/", "/alerts/new/", "/alerts/log/", "/targets/", "/invoices/", "/search/", "/customers/asha traders/",
    "/why/", "/operations/purchase/", "/operations/shipment/",
    "/products/fan/", "/dashboard/version/", "/reports/retention/",
]  # fmt: skip
COMPANY_PAGES = DASHBOARDS + OTHER_PAGES

DASHBOARD_PARAMS = ["from", "to", "preset", "period", "branch", "product_line", "state", "country", "salesperson",
                    "segment", "grain", "top", "download", "format", "measure", "compare", "vs_from", "vs_to",
                    "split", "q", "sort", "dir"]  # fmt: skip
OTHER_PARAMS = ["jobs", "kind", "token", "page", "next", "rule", "entity", "channel", "month", "number", "customer",
                "after", "before", "q"]  # fmt: skip

OUT_OF_RANGE = "must fall between 1900 and 2100"


@pytest.fixture(scope="module")
def shared_company(django_db_setup, django_db_blocker):
    """One company with a few sales lines for the whole module, made by the real signup service and committed;
    each test still runs in a transaction that is rolled back, so what a test posts is gone after it."""
    from django.contrib.sessions.models import Session

    from tenants import services
    from tests.conftest import PASSWORD

    with django_db_blocker.unblock():
        company, owner = services.company_create(
            name="No Five Hundreds", subdomain="nofive", owner_email="owner@nofive.example.com",
            owner_password=PASSWORD,
        )  # fmt: skip
        with tenant_context(company):
            job = load(csv_bytes(ROWS), "s.csv")
        assert job.status == "succeeded", job.error
    yield company, owner
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        company.delete(force_drop=True)
        owner.delete()
        Session.objects.all().delete()


@pytest.fixture
def company(shared_company):
    company, owner = shared_company
    company.refresh_from_db()
    company.owner = owner
    return company


@pytest.fixture
def client(company, company_client) -> Client:
    return company_client(company, company.owner)


def _get(client: Client, url: str, query=None, **extra):
    response = client.get(url, query, **extra)
    assert response.status_code < 500, (url, query, response.status_code)
    return response


# ---------------------------------------------------------------- dates


def test_dates_at_the_calendar_s_ends_fall_back_with_a_message(client):
    for url in DASHBOARDS:
        response = _get(client, url, {"from": "0001-01-01", "to": "9999-12-31"})
        assert response.status_code == 200 and OUT_OF_RANGE in response.content.decode(), url
    for query in [
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "9999-12-31"},
        {"to": "0001-01-01", "preset": "custom"},
        {"from": "0001-01-01", "to": "0001-01-31", "grain": "week"},
        {"from": "9999-12-01", "grain": "fy"},
        {"to": "9999-12-31", "grain": "quarter"},
    ]:
        for url in ("/", "/trends/"):
            response = _get(client, url, query)
            assert response.status_code == 200 and OUT_OF_RANGE in response.content.decode(), (url, query)


def test_dates_at_the_ends_of_the_range_allowed_work_on_every_page_and_grain(client):
    for query in [
        {"from": "1900-01-01", "to": "2100-12-31"},
        {"from": "1900-01-01", "to": "1900-01-01"},  # a period wholly before the first sale
    ]:
        for url in DASHBOARDS:
            response = _get(client, url, query)
            assert response.status_code == 200 and OUT_OF_RANGE not in response.content.decode(), (url, query)
    for query in [
        {"from": "1900-01-01", "to": "1900-03-31"},
        {"from": "2100-12-31"},  # a start after today: an empty period, not an error
        {"from": "2024-02-29", "to": "2025-02-28"},
    ]:
        for grain in ("day", "week", "quarter", "fy", "year"):
            assert _get(client, "/trends/", {**query, "grain": grain}).status_code == 200, (query, grain)


def test_a_preset_with_a_fiscal_year_start_in_any_month_works(company, client):
    for month in (1, 12):
        company.fiscal_year_start_month = month
        company.save()  # rolled back after the test
        for preset in ("this_quarter", "this_fy", "last_fy", "custom", "zz"):
            assert _get(client, "/trends/", {"preset": preset, "grain": "fy"}).status_code == 200


def test_garbage_in_the_filter_bar_is_explained_or_ignored(client):
    query = {"period": "zzz", "preset": "zzz" * 1000, "from": "2024-02-30", "to": "+1000-01-01",
             "branch": "x" * 10_000, "state": "'; DROP TABLE x; --", "salesperson": "\u202e\ufeff",
             "top": "99999999999999999999999", "grain": "zzz"}  # fmt: skip
    for url in DASHBOARDS:
        response = _get(client, url, query)
        assert response.status_code == 200 and "not a date like" in response.content.decode()
    for top in ("-1", "1e9", "", "٣"):
        assert _get(client, "/customers/", {"top": top}).status_code == 200


# ---------------------------------------------------------------- NUL characters


def test_a_nul_character_anywhere_is_a_400_with_a_message(client):
    for url in COMPANY_PAGES:
        for query in ["branch=%00", "from=2024-01-01%00", "x%00y=1", "jobs=1%00", "token=%00"]:
            response = client.get(f"{url}?{query}")
            assert response.status_code == 400, (url, query)
            assert "NUL character" in response.content.decode()
    assert client.get("/uploads/%00/").status_code == 400
    json = client.get("/uploads/status/?jobs=%00", HTTP_ACCEPT="application/json")
    assert json.status_code == 400 and "NUL" in json.json()["error"]


def test_a_nul_character_in_a_form_or_a_cookie_is_a_400(client, company):
    assert client.post("/settings/", {"name": "A\x00B"}).status_code == 400
    assert client.post("/reports/schedules/new/", {"name": "x", "email_to": "a@b.co\x00"}).status_code == 400
    assert client.post("/settings/exclusions/", {"field": "product", "pattern": "\x00"}).status_code == 400
    client.cookies.load('preference="a\\000b"')  # an octal escape in a quoted cookie value decodes to NUL
    assert client.get("/").status_code == 400


def test_a_nul_character_on_the_public_site_is_a_400(public_client):
    assert public_client.get("/invitations/abc%00def/").status_code == 400
    assert public_client.get("/accounts/login/?next=/%00").status_code == 400
    assert public_client.get("/?utm=%00").status_code == 400
    assert public_client.post("/signup/", {"email": "a\x00@example.com"}).status_code == 400


def test_public_pages_with_odd_parameters(public_client, company):
    public_client.force_login(company.owner)
    for url in ["/?next=//evil.example", "/pricing/?plan=" + "x" * 3000, "/signup/?plan=zz&cycle=zz",
                "/companies/?next=%ZZ", "/go/nofive/?next=https://evil.example/", "/go/nofive/?next=" + "/x" * 2000,
                "/go/no-such-company/", "/invitations/" + "x" * 3000 + "/", "/invitations/%E2%80%AE/",
                "/accounts/login/?next=%ZZ%", "/accounts/password/reset/key/zz-zz/"]:  # fmt: skip
        assert _get(public_client, url).status_code < 500, url


# ---------------------------------------------------------------- ids


def test_ids_that_are_not_numbers(client):
    for url in ["/uploads/abc/columns/", "/uploads/1x/delete/", "/reports/abc/", "/reports/schedules/x/",
                "/billing/invoices/x.pdf", "/members/x/role/", "/alerts/x/", "/alerts/states/x/snooze/"]:  # fmt: skip
        assert _get(client, url).status_code == 404
    for url in ["/uploads/99999999999999999999/columns/", "/reports/99999999999999999999/",
                "/reports/99999999999999999999/download/", "/reports/schedules/99999999999999999999/",
                "/uploads/99999999999999999999/rejected-rows.csv", "/alerts/99999999999999999999/"]:  # fmt: skip
        assert _get(client, url).status_code == 404
    for query in ["jobs=1,x", "jobs=abc", "jobs=-1", "jobs=1.5", "jobs=" + "9" * 40, "jobs=١٢"]:
        response = client.get(f"/uploads/progress/?{query}")
        assert response.status_code == 400 and "upload numbers" in response.content.decode(), query
        response = client.get(f"/uploads/status/?{query}", HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and "upload numbers" in response.json()["error"], query
    assert client.get("/uploads/status/?jobs=99999999,,88888888").json() == {"jobs": []}


def test_downloads_of_nothing(client):
    for url in DASHBOARDS:
        assert _get(client, url, {"download": "zzz", "format": "csv"}).status_code == 404, url
    for query in [{"download": "zzz"}, {"download": "", "format": "zzz"}, {"download": "x" * 5000},
                  {"download": "top_customers", "format": "pdf"}]:  # fmt: skip
        assert _get(client, "/customers/", query).status_code == 404, query


# ---------------------------------------------------------------- forms


def test_forms_with_odd_values(client, company):
    cases = [
        ("/settings/", {"name": "", "fiscal_year_start_month": "13", "timezone": "Mars/Olympus", "currency": "€€€"}),
        ("/settings/", {"name": "x" * 5000, "fiscal_year_start_month": "x", "home_state": "99", "gstin": "zz"}),
        ("/reports/schedules/new/", {"name": "S", "kind": "zz", "format": "doc", "frequency": "hourly",
                                     "time_of_day": "25:61", "day_of_month": "99999999999999999999",
                                     "weekday": "-3", "period": "0001", "email_to": "not an email"}),
        ("/reports/schedules/new/", {"name": "S", "kind": "sales-review", "format": "pdf", "frequency": "monthly",
                                     "time_of_day": "09:00", "day_of_month": "0", "period": "previous",
                                     "whatsapp_to": "+" + "9" * 300, "slack_webhook_url": "javascript:alert(1)"}),
        ("/reports/generate/", {"kind": "sales-review", "format": "pdf", "date_from": "0001-01-01",
                                "date_to": "9999-12-31"}),
        ("/reports/generate/", {"page": "trends", "format": "csv", "query": "from=0001-01-01&to=%00&grain=zz"}),
        ("/reports/generate/", {"kind": "zz", "format": "zz", "date_from": "31/31/2024", "query": "&&==%%"}),
        ("/reports/channels/", {"slack_bot_token": "x" * 1000, "whatsapp_template_language": "zz" * 50}),
        ("/uploads/new/", {"kind": "zz", "mode": "zz"}),
        ("/settings/exclusions/", {"delete": "abc"}),
        ("/settings/exclusions/", {"delete": "9" * 40}),
        ("/settings/exclusions/", {"field": "zz", "pattern": "x" * 5000}),
        ("/uploads/what-counts/", {"status_words": "= = =\n" * 100, "vt1": "zz"}),
        ("/members/invite/", {"email": "x", "role": "emperor"}),
        ("/billing/subscribe/", {"plan": "zz", "cycle": "zz"}),
        ("/billing/change-plan/", {"plan": "x" * 500}),
        ("/alerts/new/", {"measure": "revenue", "condition": "above", "value": "1e999999", "trailing": "8",
                          "hold_for": "99999999999999999999", "window": "month", "severity": "info",
                          "compare": "previous", "channel_kind_1": "webhook", "channel_target_1": "javascript:x"}),
        ("/alerts/new/", {"measure": "revenue", "condition": "above", "value": "NaN", "trailing": "8",
                          "hold_for": "1", "window": "month", "severity": "info", "compare": "previous",
                          "remind_after_hours": "-1", "filter_branch": "x" * 5000}),
        ("/alerts/backtest/", {"measure": "revenue", "condition": "change-below", "value": "1e30", "trailing": "8",
                               "hold_for": "1", "window": "week", "severity": "info", "compare": "last-year"}),
        ("/alerts/states/99999999999999999999/snooze/", {"until": "9999-12-31"}),
    ]  # fmt: skip
    for url, data in cases:
        response = client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
    out_of_range = client.post("/reports/generate/", cases[4][1])
    assert out_of_range.status_code == 400 and OUT_OF_RANGE in out_of_range.content.decode()
    assert client.post("/settings/exclusions/", {"delete": "abc"}).status_code == 400


def test_an_upload_with_odd_files(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        ("..\\..\\etc\\passwd", b"x"),
        ("a" * 300 + ".csv", b"a,b\n1,2\n"),  # past the file system's 255 bytes once stored
        ("€" * 120 + ".csv", b"a,b\n1,2\n"),
        ("empty.csv", b""),
        ("binary.xlsx", bytes(range(256)) * 4),
        ("no-extension", b"\xff\xfe"),
    ]
    for name, content in files:
        upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        response = client.post("/uploads/new/", {"kind": "sales", "mode": "append", "files": [upload]})
        assert response.status_code < 500, name


# ---------------------------------------------------------------- Hypothesis

EDGE_TEXT = ["", " ", "0", "-1", "1e308", "NaN", "null", "0001-01-01", "9999-12-31", "1900-01-01", "2100-12-31",
             "2024-02-29", "2023-02-29", "%", "%00", "\x00", "'", '"', "<script>", "../..", "\u202e", "😀" * 50,
             "x" * 3000, "1,x", ",,,", "99999999999999999999999999"]  # fmt: skip
WORDS = ["this_month", "last_month", "this_quarter", "this_fy", "last_fy", "last_12", "custom", "day", "week",
         "month", "quarter", "fy", "csv", "xlsx", "top_customers"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=40),
    st.dates().map(datetime.date.isoformat),
    st.integers().map(str),
    st.sampled_from(WORDS),
)


def queries(names: list[str]):
    keys = st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=12))
    return st.dictionaries(keys, st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3)), max_size=6)


FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FAST
@given(url=st.sampled_from(DASHBOARDS), query=queries(DASHBOARD_PARAMS))
def test_no_dashboard_query_is_a_server_error(client, url, query):
    response = client.get(url, query)
    assert response.status_code < 500
    if response.status_code == 400:
        assert "NUL character" in response.content.decode()


@FAST
@given(url=st.sampled_from(OTHER_PAGES), query=queries(OTHER_PARAMS + DASHBOARD_PARAMS[:4]))
def test_no_query_on_another_company_page_is_a_server_error(client, url, query):
    assert client.get(url, query).status_code < 500


SCHEDULE_FIELDS = ["name", "kind", "format", "frequency", "time_of_day", "weekday", "day_of_month", "period",
                   "email_to", "slack_webhook_url", "slack_channel", "whatsapp_to", "is_active",
                   "filter_branch"]  # fmt: skip
RULE_FIELDS = ["name", "measure", "each", "window", "condition", "value", "compare", "trailing", "hold_for",
               "severity", "remind_after_hours", "filter_branch", "channel_kind_1", "channel_target_1"]  # fmt: skip
FORMS = {
    "/settings/": ["name", "gstin", "home_state", "fiscal_year_start_month", "timezone", "currency"],
    "/reports/schedules/new/": SCHEDULE_FIELDS,
    "/reports/generate/": ["kind", "page", "format", "date_from", "date_to", "query", "branch", "state"],
    "/reports/channels/": ["slack_bot_token", "whatsapp_phone_number_id", "whatsapp_access_token"],
    "/settings/exclusions/": ["field", "pattern", "delete"],
    "/uploads/new/": ["kind", "mode"],
    "/alerts/new/": RULE_FIELDS,
}


@settings(FAST, max_examples=30)
@given(url=st.sampled_from(sorted(FORMS)), data=st.data())
def test_no_form_value_is_a_server_error(client, url, data):
    form = data.draw(queries(FORMS[url]), label="form")
    assert client.post(url, form).status_code < 500
