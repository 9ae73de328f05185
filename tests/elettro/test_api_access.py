"""Every API endpoint refuses what the pages refuse: company A's key on company B's host, A's members' sessions on
B's host, no credentials where data is served, a revoked key; and a key's calls are throttled with 429 and
Retry-After. The endpoints are read from the URL configuration, so a new one is covered the day it is added."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context

from tenants.api_keys import api_key_create, api_key_revoke
from tenants.urls_util import company_host
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

# What a path parameter is filled with: a real value, so a refusal is never just a 404 for a bad id.
SAMPLES = {"dimension": "branch", "department": "purchase", "what": "excel", "action": "acknowledge"}
# These describe the API or the service, not a company's data: open without a key (a wrong key is still refused).
OPEN = {"/api/v1/health/", "/api/health", "/api/v1/schema/", "/api/v1/docs/"}


def _paths(patterns=None, prefix: str = "") -> list[str]:
    if patterns is None:
        api = next(p for p in get_resolver("elettro.urls_tenant").url_patterns if str(p.pattern) == "api/")
        return _paths(api.url_patterns, "/api/")
    paths = []
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            paths += _paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            filled = re.sub(r"<int:\w+>", "1", route)
            filled = re.sub(r"<str:(\w+)>", lambda m: SAMPLES[m.group(1)], filled)
            paths.append(prefix + filled)
    return paths


def test_the_api_has_the_endpoints_the_issue_lists():
    paths = set(_paths())
    listed = ["/api/v1/kpis/", "/api/v1/series/", "/api/v1/breakdowns/branch/", "/api/v1/customers/",
              "/api/v1/products/", "/api/kpis", "/api/sales-over-time", "/api/health", "/api/v1/schema/"]  # fmt: skip
    assert [path for path in listed if path not in paths] == []


@pytest.fixture
def two_companies(make_company):
    a, owner_a = make_company(name="Alpha Traders")
    b, _ = make_company(name="Bravo Secret Industries")
    with tenant_context(b):
        load(csv_bytes([["Invoice No", "Date", "Customer", "Amount"], ["S-1", "01/04/2025", "Secret Buyer", "999"]]),
             "b.csv")  # fmt: skip
    return a, owner_a, b


def _refused(response) -> bool:
    return response.status_code in (401, 403)


def test_company_a_key_is_refused_on_every_endpoint_of_company_b(two_companies, api_client):
    a, _, b = two_companies
    client = api_client(a, "admin", host_of=b)
    for path in _paths():
        for method in (client.get, client.post):
            response = method(path)
            assert _refused(response), (method.__name__, path, response.status_code)
            assert b"Secret Buyer" not in response.content and b"Bravo" not in response.content
            body = json.loads(response.content)
            assert body["data"] is None and body["error"]["code"] == "forbidden", path
            assert "another company" in body["error"]["message"]


def test_a_member_of_company_a_is_refused_on_company_b_and_strangers_get_no_data(two_companies, company_client):
    _, owner_a, b = two_companies
    member_of_a = company_client(b, owner_a)
    stranger = company_client(b)
    for path in _paths():
        if path in OPEN:
            continue
        for client in (member_of_a, stranger):
            response = client.get(path)
            assert _refused(response), (path, response.status_code)
            assert b"Secret Buyer" not in response.content


def test_a_revoked_or_unknown_key_is_refused_with_a_message_that_says_why(two_companies):
    _, _, b = two_companies
    key, raw = api_key_create(company=b, name="Power BI", role="viewer")
    client = Client(HTTP_HOST=company_host(b.subdomain), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/kpis/").status_code == 200
    api_key_revoke(key=key)
    response = client.get("/api/v1/kpis/")
    assert response.status_code == 401 and "revoked" in json.loads(response.content)["error"]["message"]
    unknown = Client(HTTP_HOST=company_host(b.subdomain), HTTP_AUTHORIZATION="Bearer elk_not-a-real-key")
    assert unknown.get("/api/v1/kpis/").status_code == 401


def test_roles_apply_as_on_the_pages(two_companies, api_client):
    _, _, b = two_companies
    viewer, analyst = api_client(b, "viewer"), api_client(b, "analyst")
    assert viewer.get("/api/v1/kpis/").status_code == 200
    assert viewer.get("/api/v1/departments/purchase/records/").status_code == 403  # data.export
    assert analyst.get("/api/v1/departments/purchase/records/").status_code == 200


@override_settings(API_THROTTLE_RATE="3/min")
def test_a_key_is_throttled_with_429_and_retry_after(two_companies, api_client):
    _, _, b = two_companies
    client, other = api_client(b), api_client(b)
    answers = [client.get("/api/v1/catalogue/") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert json.loads(answers[-1].content)["error"]["code"] == "rate_limited"
    assert other.get("/api/v1/catalogue/").status_code == 200  # per key, not per company
