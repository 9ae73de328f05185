"""One login serves every subdomain: the signed, one-time hand-off, and logging out everywhere."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.handoff import handoff_create

pytestmark = pytest.mark.django_db


def _redeem(company, token):
    client = Client(HTTP_HOST=f"{company.subdomain}.localhost")
    return client, client.get("/auth/handoff/", {"token": token})


def test_a_hand_off_logs_in_once_and_only_on_its_company(make_company):
    alpha, owner = make_company("alpha")
    bravo, _ = make_company("bravo")
    token = handoff_create(user=owner, company=alpha, family="f1", next_path="/members/")

    _, elsewhere = _redeem(bravo, token)
    assert "accounts/login" in elsewhere["Location"]

    client, response = _redeem(alpha, token)
    assert response["Location"] == "/members/"
    assert client.get("/members/").status_code == 200

    _, again = _redeem(alpha, token)
    assert "accounts/login" in again["Location"]


def test_a_tampered_or_offsite_hand_off_is_refused(make_company):
    alpha, owner = make_company("alpha")
    token = handoff_create(user=owner, company=alpha, family="f1", next_path="//evil.example.com/")

    _, tampered = _redeem(alpha, token[:-2] + "xx")
    _, offsite = _redeem(alpha, token)

    assert "accounts/login" in tampered["Location"]
    assert offsite["Location"] == "/"


def test_going_to_a_company_from_the_picker_and_logging_out_everywhere(make_company, public_client):
    alpha, owner = make_company("alpha")
    public_client.force_login(owner)

    to_company = public_client.get("/go/alpha/", {"next": "/members/"})
    assert to_company["Location"].startswith("http://alpha.localhost:8000/auth/handoff/")
    company_client, landed = _redeem(alpha, to_company["Location"].split("token=")[1])
    assert landed["Location"] == "/members/"

    company_client.post("/logout/")

    # The public site's session belonged to the same login: it is over too.
    assert public_client.get("/companies/").status_code == 302
    assert company_client.get("/").status_code == 302


def test_the_picker_refuses_companies_the_user_is_not_in(make_company, public_client):
    _, owner = make_company("alpha")
    make_company("bravo")
    public_client.force_login(owner)

    assert public_client.get("/go/bravo/").status_code == 403
