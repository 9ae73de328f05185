"""A shared dashboard link survives login: the visitor logs in on the public site and lands on the very page, filters
and all, on the company's subdomain; a `next` naming another site lands on the company home instead."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django_tenants.utils import tenant_context

from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

SHARED_LINK = "/geography/?preset=last_month&state=Gujarat"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _on(host: str, location: str) -> str:
    """The path and query of a redirect, after checking it goes to `host` (a relative one stays where it is)."""
    parts = urlsplit(location)
    assert parts.netloc in ("", f"{host}:{settings.SITE_PORT}"), location
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _log_in(public: Client, login_location: str, email: str):
    """Log in as a browser would: the form carries `next` as a hidden field and posts it back."""
    login_page = public.get(_on(settings.BASE_DOMAIN, login_location))
    assert login_page.status_code == 200
    hidden = re.search(r'name="next" value="([^"]*)"', login_page.content.decode())
    assert hidden, "the login form lost the way back"
    next_value = hidden.group(1).replace("&amp;", "&")
    return public.post("/accounts/login/", {"login": email, "password": PASSWORD, "next": next_value})


def _hand_off(company, handoff_location: str):
    """Redeem the hand-off on the company's host in that host's own cookie jar, as a browser would."""
    host = f"{company.subdomain}.{settings.BASE_DOMAIN}"
    browser = Client(HTTP_HOST=host)
    landed = browser.get(_on(host, handoff_location))
    assert landed.status_code == 302
    return browser, _on(host, landed["Location"])


def test_a_shared_link_keeps_its_filters_through_login(make_company, company_client, public_client):
    company, owner = make_company("acme")
    with tenant_context(company):
        days = [("03", "Gujarat"), ("05", "Maharashtra"), ("07", "Gujarat")]
        sales = [
            [f"INV-{n}", f"{day}/01/2025", f"Customer {n}", state, "Wire", "1", "100", "100", "18"]
            for n, (day, state) in enumerate(days)
        ]
        assert load(csv_bytes([HEADER, *sales]), "jan.csv").rows_loaded == 3

    to_login = company_client(company).get(SHARED_LINK)
    assert to_login.status_code == 302
    logged_in = _log_in(public_client, to_login["Location"], owner.email)
    assert logged_in.status_code == 302
    to_company = public_client.get(_on(settings.BASE_DOMAIN, logged_in["Location"]))
    assert to_company.status_code == 302
    browser, landing = _hand_off(company, to_company["Location"])

    assert landing == SHARED_LINK
    page = browser.get(landing).content.decode()
    assert '<option value="last_month" selected>' in page
    assert '<option value="Gujarat" selected>' in page


def test_a_page_without_a_query_string_still_comes_back(make_company, company_client, public_client):
    company, owner = make_company("acme")

    logged_in = _log_in(public_client, company_client(company).get("/members/")["Location"], owner.email)
    to_company = public_client.get(_on(settings.BASE_DOMAIN, logged_in["Location"]))

    assert _hand_off(company, to_company["Location"])[1] == "/members/"


@pytest.mark.parametrize(
    "offsite", ["//evil.example.com/", "http://evil.example.com/", "/\\evil.example.com", "/\t/evil.example.com"]
)
def test_a_next_naming_another_site_lands_on_the_company_home(make_company, public_client, offsite):
    company, owner = make_company("acme")
    public_client.force_login(owner)

    to_company = public_client.get(f"/go/{company.subdomain}/", {"next": offsite})
    browser, landing = _hand_off(company, to_company["Location"])

    assert landing == "/"
    assert browser.get(landing).status_code == 200
