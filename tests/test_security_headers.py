"""Security headers: a strict Content-Security-Policy with a fresh nonce on every inline script, Cache-Control
private and no-store on everything of a company (pages, JSON, downloads), Referrer-Policy and nosniff."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django_tenants.utils import tenant_context

from elettro import security_headers
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent
ROWS = [
    [*HEADER, "Product Line"],
    ["A-1", "15/05/2024", "Asha Traders", "Maharashtra", "Fan", "1", "1000", "1000", "18", "Fans"],
    ["A-2", "20/03/2025", "Kiran Traders", "Kerala", "Lamp", "2", "226", "452", "18", "Lighting"],
]


@pytest.fixture
def company_with_sales(make_company):
    company, owner = make_company("headers")
    with tenant_context(company):
        job = load(csv_bytes(ROWS), "s.csv")
    return company, owner, job


class Scripts(HTMLParser):
    """Every <script> of a page: its attributes, and whether it is inline (no src)."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def scripts_of(html: str) -> list[dict]:
    parser = Scripts()
    parser.feed(html)
    return parser.scripts


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def nonce_of(response) -> str:
    (nonce,) = [s[len("'nonce-") : -1] for s in policy(response)["script-src"] if s.startswith("'nonce-")]
    return nonce


def assert_common_headers(response) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'" and len(csp["script-src"]) == 2  # 'self' and the nonce, nothing else
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]  # plotly.js styles its SVG inline
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["form-action"][0] == "'self'"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def assert_private(response) -> None:
    assert response["Cache-Control"] == "private, no-store"


def test_a_company_page_its_download_and_its_json(company_with_sales, company_client):
    company, owner, job = company_with_sales
    client = company_client(company, owner)

    first, second = client.get("/products/?from=2024-04-01&to=2025-03-31"), client.get("/products/")
    assert first.status_code == second.status_code == 200
    for response in (first, second):
        assert_common_headers(response)
        assert_private(response)
    assert nonce_of(first) != nonce_of(second) and len(nonce_of(first)) >= 22

    link = re.search(r'href="\?([^"]*download=[^"]*format=csv[^"]*)"', first.content.decode())
    download = client.get("/products/?" + link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert_common_headers(download)
    assert_private(download)

    status = client.get(f"/uploads/status/?jobs={job.pk}")
    assert status.status_code == 200 and status.json()["jobs"][0]["id"] == job.pk
    assert_common_headers(status)
    assert_private(status)

    refused = client.get("/?branch=%00")  # answered by a middleware before any view: the headers still come
    assert refused.status_code == 400
    assert_common_headers(refused)
    assert_private(refused)

    static = client.get("/static/js/dashboard.js")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/trends/", "/uploads/new/", "/uploads/progress/?jobs={job}", "/billing/"])
def test_every_inline_script_carries_the_request_s_nonce(company_with_sales, company_client, url):
    company, owner, job = company_with_sales
    client = company_client(company, owner)

    response = client.get(url.format(job=job.pk))

    assert response.status_code == 200
    nonce = nonce_of(response)
    scripts = scripts_of(response.content.decode())
    inline = [s for s in scripts if "src" not in s]
    assert inline or url == "/billing/", "the page was expected to have an inline script"
    for script in inline:
        assert script.get("nonce") == nonce, script
    for script in scripts:  # scripts from files come from our own origin only
        assert "src" not in script or script["src"].startswith("/static/"), script


def test_the_public_landing_page_and_a_signed_in_public_page(make_company, public_client):
    landing = public_client.get("/")
    assert landing.status_code == 200
    assert_common_headers(landing)
    assert "no-store" not in landing.get("Cache-Control", "")  # nothing personal: caches may keep it
    assert all(s.get("nonce") == nonce_of(landing) for s in scripts_of(landing.content.decode()) if "src" not in s)

    _company, owner = make_company("picker")
    public_client.force_login(owner)
    picker = public_client.get("/companies/")
    assert picker.status_code in (200, 302)
    assert_common_headers(picker)
    assert_private(picker)

    login = public_client.get("/accounts/login/")  # sets the CSRF cookie: never kept by a shared cache
    assert_private(login)


def test_form_action_allows_the_site_s_own_hosts_and_checkout_allows_razorpay(settings):
    settings.SITE_SCHEME, settings.SITE_PORT, settings.BASE_DOMAIN = "https", 443, "elettro.example"
    request = RequestFactory().get("/billing/checkout/")
    request.csp_nonce = "abc"

    directives = dict(part.split(" ", 1) for part in security_headers._policy(request).split("; "))

    assert directives["form-action"] == "'self' https://elettro.example https://*.elettro.example"
    assert directives["script-src"] == "'self' 'nonce-abc' https://checkout.razorpay.com https://*.razorpay.com"
    assert "https://api.razorpay.com" in directives["frame-src"] and "'self'" in directives["connect-src"]
    request = RequestFactory().get("/billing/")
    request.csp_nonce = "abc"
    assert "razorpay" not in security_headers._policy(request)


def test_report_only_is_a_setting_and_production_enforces(company_with_sales, company_client, settings):
    company, owner, _ = company_with_sales
    settings.CSP_REPORT_ONLY = True
    response = company_client(company, owner).get("/uploads/")
    assert "Content-Security-Policy" not in response and "'nonce-" in response["Content-Security-Policy-Report-Only"]
    production = (REPO / "elettro" / "settings" / "production.py").read_text()
    assert re.search(r"^CSP_REPORT_ONLY = False", production, re.M)


def test_no_template_has_an_inline_script_without_a_nonce_or_an_inline_event_handler():
    folders = [REPO / "templates", *REPO.glob("*/templates")]
    templates = [path for folder in folders for path in folder.rglob("*.html") if "pdf" not in path.parts]
    assert len(templates) > 20
    for path in templates:
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'nonce="{{ request.csp_nonce }}"' in tag, (path, tag)
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text), path
        assert "javascript:" not in text, path
    assert settings.MIDDLEWARE.index("elettro.security_headers.SecurityHeadersMiddleware") < settings.MIDDLEWARE.index(
        "tenants.middleware.CompanyHostMiddleware"
    )
