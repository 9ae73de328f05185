"""Who sees what: members only, per the role matrix; other companies never; suspended companies nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tenants.models import Company
from tenants.roles import PERMISSIONS, Role, can

pytestmark = pytest.mark.django_db

OPEN_PATHS = {"auth/handoff/"}


def _company_paths() -> list[str]:
    """Every page of a company's subdomain, with sample ids filled in. The API (/api/, included) answers for itself:
    tests/elettro/test_api_access.py runs every endpoint with another company's key and session."""
    paths = []
    for pattern in get_resolver("elettro.urls_tenant").url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == "api/":
            continue
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if route in OPEN_PATHS:
            continue
        paths.append("/" + re.sub(r"<int:\w+>", "1", route))
    return paths


def test_every_company_page_is_covered():
    assert "/" in _company_paths() and "/members/" in _company_paths() and len(_company_paths()) >= 7


def test_a_member_of_company_a_gets_403_on_every_page_of_company_b(make_company, company_client):
    _a, owner_a = make_company("alpha", name="Alpha Traders")
    b, _ = make_company("bravo", name="Bravo Secret Industries")
    client = company_client(b, owner_a)

    for path in _company_paths():
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 403, (method.__name__, path)
            assert "Bravo Secret" not in response.content.decode()
            assert "not a member" in response.content.decode()


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_public_login(make_company, company_client):
    company, _ = make_company("alpha")

    response = company_client(company).get("/members/")

    assert response.status_code == 302
    assert response["Location"] == "http://localhost:8000/accounts/login/?next=%2Fgo%2Falpha%2F%3Fnext%3D%2Fmembers%2F"


def test_an_unknown_subdomain_gets_a_friendly_404(client):
    response = client.get("/", HTTP_HOST="nobody-here.localhost")

    assert response.status_code == 404
    assert "There is no company at nobody-here.localhost" in response.content.decode()


def test_a_suspended_company_shows_a_page_saying_so_and_none_of_its_data(make_company, company_client):
    company, owner = make_company("alpha", name="Alpha Confidential")
    Company.objects.filter(pk=company.pk).update(status=Company.Status.SUSPENDED)

    response = company_client(company, owner).get("/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "is suspended" in body and "Members" not in body


# What each page asks for, as the views declare it.
PAGE_PERMISSIONS = {
    "/": "dashboards.view",
    "/members/": "members.view",
    "/settings/": "company.settings",
    "/settings/exclusions/": "company.settings",
    "/uploads/": "uploads.view",
    "/uploads/new/": "uploads.create",
}


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize(("path", "permission"), PAGE_PERMISSIONS.items())
def test_each_role_sees_exactly_the_pages_the_matrix_allows(
    make_company, add_member, company_client, role, path, permission
):
    company, owner = make_company("alpha")
    user = owner if role == Role.OWNER else add_member(company, role)

    response = company_client(company, user).get(path)

    assert response.status_code == (200 if can(role, permission) else 403)


def test_the_matrix_has_no_permission_that_nobody_or_only_viewers_hold():
    for name, (_, holders) in PERMISSIONS.items():
        assert Role.OWNER in holders, name
    assert can(Role.VIEWER, "dashboards.view") and not can(Role.VIEWER, "uploads.create")
    assert not can(Role.ADMIN, "billing.manage") and not can(None, "dashboards.view")
    assert not can(Role.OWNER, "no.such.permission")


def test_the_readme_prints_the_same_matrix_as_the_code():
    from pathlib import Path

    from tenants.roles import permission_matrix_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert permission_matrix_markdown() in readme
