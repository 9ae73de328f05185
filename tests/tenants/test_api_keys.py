"""API keys as owners and admins meet them: the API keys page creates a key and shows it once, the key works on
the API until it is revoked, and then it is refused saying so; `create_api_key` does the same for scripts. And the
members list of the API, which shows one company's members to those who may see them."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tenants.api_keys import api_key_create
from tenants.models import ApiKey, AuditEvent
from tenants.urls_util import company_host, company_url

pytestmark = pytest.mark.django_db

PAGE = "/settings/api-keys/"


def _key_client(company, raw: str) -> Client:
    return Client(HTTP_HOST=company_host(company.subdomain), HTTP_AUTHORIZATION=f"Bearer {raw}")


def _row(response, key) -> str:
    """The key's row in the page's list."""
    return response.content.decode().split(f'data-prefix="{key.prefix}"')[1].split("</tr>")[0]


def test_an_owner_creates_a_key_sees_it_once_uses_it_and_revokes_it(make_company, company_client):
    company, owner = make_company()
    page = company_client(company, owner)

    response = page.post(PAGE, {"name": "Power BI", "role": "analyst"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get(company=company)
    html = response.content.decode()
    raw = html.split('<code id="new-key-value">')[1].split("</code>")[0]
    assert raw.startswith(key.prefix) and len(raw) > 40
    assert "Copy it now: it won't be shown again." in html
    assert f'curl -H "Authorization: Bearer {raw}" {company_url(company, "/api/v1/kpis/")}' in html
    assert (key.name, key.role, key.created_by) == ("Power BI", "analyst", owner)

    # Afterwards the page lists it by its prefix only.
    listing = page.get(PAGE)
    assert raw not in listing.content.decode()
    row = _row(listing, key)
    assert "Power BI" in row and "Analyst" in row and owner.email in row and "never" in row and "Active" in row

    api = _key_client(company, raw)
    assert api.get("/api/v1/kpis/").status_code == 200
    assert "never" not in _row(page.get(PAGE), key)  # its last use is shown

    revoked = page.post(f"{PAGE}{key.pk}/revoke/", follow=True)
    assert "is revoked" in revoked.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == owner
    refused = api.get("/api/v1/kpis/")
    body = json.loads(refused.content)
    assert refused.status_code == 401 and body["data"] is None and "revoked" in body["error"]["message"]
    row = _row(page.get(PAGE), key)
    assert "Revoked" in row and owner.email in row and "Revoke</button>" not in row
    actions = set(AuditEvent.objects.filter(company=company).values_list("action", flat=True))
    assert {AuditEvent.Action.API_KEY_CREATED, AuditEvent.Action.API_KEY_REVOKED} <= actions


def test_an_admin_may_not_make_a_key_above_admin_but_may_make_an_admin_key(make_company, add_member, company_client):
    company, _ = make_company()
    page = company_client(company, add_member(company, "admin"))
    response = page.post(PAGE, {"name": "Root", "role": "owner"})
    assert response.status_code == 400 and "new-key-value" not in response.content.decode()
    assert not ApiKey.objects.filter(company=company).exists()
    assert 'value="owner"' not in page.get(PAGE).content.decode()
    assert page.post(PAGE, {"name": "Sync", "role": "admin"}).status_code == 200
    assert ApiKey.objects.get(company=company).role == "admin"


def test_a_key_needs_a_name(make_company, company_client):
    company, owner = make_company()
    response = company_client(company, owner).post(PAGE, {"name": "  ", "role": "viewer"})
    assert response.status_code == 400 and "Name the key" in response.content.decode()
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "analyst", "manager"])
def test_below_admin_the_page_is_refused(make_company, add_member, company_client, role):
    company, _ = make_company()
    page = company_client(company, add_member(company, role))
    assert page.get(PAGE).status_code == 403
    assert page.post(PAGE, {"name": "Mine", "role": "viewer"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_another_company_s_key_cannot_be_revoked_from_here(make_company, company_client):
    company, owner = make_company()
    other, _ = make_company()
    theirs, raw = api_key_create(company=other, name="Theirs", role="viewer")
    assert company_client(company, owner).post(f"{PAGE}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert _key_client(other, raw).get("/api/v1/kpis/").status_code == 200
    assert theirs.prefix not in company_client(company, owner).get(PAGE).content.decode()


def test_the_command_prints_only_a_key_that_works(make_company):
    company, _ = make_company()
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "--company", company.subdomain, "--role", "analyst", "--name", "Tally sync",
                 stdout=out, stderr=err)  # fmt: skip
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    raw = lines[0]
    key = ApiKey.objects.get(company=company)
    assert raw.startswith(key.prefix) and (key.name, key.role, key.created_by) == ("Tally sync", "analyst", None)
    assert key.prefix in err.getvalue() and raw not in err.getvalue()
    assert _key_client(company, raw).get("/api/v1/kpis/").status_code == 200


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--company", "nobody-here", "--role", "viewer"], "nobody-here"),
        (["--role", "owner"], "owner"),
        (["--role", "superuser"], "superuser"),
    ],
)
def test_the_command_refuses_an_unknown_company_or_role(make_company, arguments, words):
    company, _ = make_company()
    arguments = arguments if "--company" in arguments else ["--company", company.subdomain, *arguments]
    with pytest.raises(CommandError, match=words):
        call_command("create_api_key", *arguments, "--name", "X", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiKey.objects.exists()


# ---------------------------------------------------------------- the members list


def test_a_manager_key_lists_exactly_the_company_s_members(make_company, add_member, api_client):
    company, owner = make_company()
    manager, analyst = add_member(company, "manager"), add_member(company, "analyst")
    other, other_owner = make_company()
    add_member(other, "viewer")
    client = api_client(company, "manager")

    body = json.loads(client.get("/api/v1/members/").content)
    rows = {row["email"]: row for row in body["data"]}
    assert set(rows) == {owner.email, manager.email, analyst.email}
    assert other_owner.email not in rows and body["metadata"]["count"] == 3
    assert (rows[owner.email]["role"], rows[owner.email]["name"]) == ("owner", "Owner Person")
    assert rows[analyst.email]["role"] == "analyst" and rows[analyst.email]["joinedAt"]

    first = json.loads(client.get("/api/v1/members/", {"limit": 2}).content)
    second = json.loads(client.get(first["metadata"]["next"]).content)
    assert [r["email"] for r in first["data"] + second["data"]] == sorted(rows)
    assert second["metadata"]["next"] is None


def test_an_analyst_key_may_not_list_members(make_company, api_client):
    company, _ = make_company()
    response = api_client(company, "analyst").get("/api/v1/members/")
    assert response.status_code == 403 and json.loads(response.content)["error"]["code"] == "forbidden"


def test_the_menu_links_to_api_keys_for_owners_and_admins_only(make_company, add_member, company_client):
    company, owner = make_company()
    link = 'href="/settings/api-keys/"'
    assert link in company_client(company, owner).get("/").content.decode()
    admin, manager = add_member(company, "admin"), add_member(company, "manager")
    assert link in company_client(company, admin).get("/").content.decode()
    assert link not in company_client(company, manager).get("/").content.decode()
