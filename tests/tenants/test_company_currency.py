"""A company's currency is chosen at signup (INR unless said), by `create_company --currency`, and in Settings;
only codes Elettro knows how to write are accepted."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from elettro.kernel.errors import ApplicationError
from elettro.kernel.money import CURRENCY_CHOICES
from tenants import services
from tenants.models import Company, User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "company_name": "Pacific Lamps",
    "subdomain": "pacific",
    "home_state": "27",
    "full_name": "Dana Lee",
    "email": "dana@pacific.example.com",
    "password": "Ledger-Book-2024",
}


def test_the_signup_form_offers_the_common_currencies_with_rupees_chosen(public_client):
    body = public_client.get("/signup/").content.decode()

    assert 'name="currency"' in body
    assert '<option value="INR" selected>' in body
    for code in ("USD", "EUR", "GBP", "AED", "SGD", "AUD", "CAD", "JPY"):
        assert f'<option value="{code}">' in body
    assert "lakh and crore" in body


def test_signup_stores_the_chosen_currency(public_client):
    response = public_client.post("/signup/", {**SIGNUP, "currency": "USD"})

    assert response.status_code == 302
    assert Company.objects.get(subdomain="pacific").currency == "USD"


def test_signup_without_a_currency_is_in_rupees(public_client):
    response = public_client.post("/signup/", SIGNUP)

    assert response.status_code == 302
    assert Company.objects.get(subdomain="pacific").currency == "INR"


@pytest.mark.parametrize("bad", ["XYZ", "dollars", "US", "₹"])
def test_signup_with_an_unknown_currency_shows_the_field_error_and_creates_nothing(public_client, bad):
    response = public_client.post("/signup/", {**SIGNUP, "currency": bad})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="currency"' in body and "Choose a currency" in body
    assert not Company.objects.filter(subdomain="pacific").exists()
    assert not User.objects.filter(email=SIGNUP["email"]).exists()


def test_a_logged_in_user_adds_a_second_company_in_another_currency(public_client, make_company):
    _, owner = make_company("first")
    public_client.force_login(owner)

    public_client.post(
        "/signup/", {"company_name": "Gulf Co", "subdomain": "gulf", "home_state": "29", "currency": "AED"}
    )

    assert Company.objects.get(subdomain="gulf").currency == "AED"
    assert Company.objects.get(subdomain="first").currency == "INR"


def test_the_service_normalises_the_code_and_refuses_what_it_cannot_write(db):
    company, _ = services.company_create(
        name="Maple Ltd", subdomain="maple", owner_email="o@maple.example.com", owner_password="Gr8-Pickles-2025",
        currency=" cad ",
    )  # fmt: skip
    assert company.currency == "CAD"

    with pytest.raises(ApplicationError) as raised:
        services.company_create(
            name="Nowhere", subdomain="nowhere", owner_email="o@nowhere.example.com", owner_password="Gr8-Pickles-2025",
            currency="ABC",
        )  # fmt: skip
    assert list(raised.value.field_errors) == ["currency"]
    assert not Company.objects.filter(subdomain="nowhere").exists()


def test_every_listed_currency_is_accepted_by_the_service(db):
    # One company is enough to show the check and the list agree; the list itself is what the check reads.
    codes = [code for code, _ in CURRENCY_CHOICES]
    assert codes[0] == "INR" and {"USD", "EUR", "GBP", "AED", "SGD", "AUD", "CAD"} <= set(codes)
    assert all(not services._company_field_errors(name="X", subdomain="", home_state="27", gstin="", currency=code)
               .get("currency") for code in codes)  # fmt: skip


def test_create_company_command_takes_a_currency_and_prints_the_same_json(db, capsys):
    call_command(
        "create_company", "--name", "Liberty Tools", "--subdomain", "liberty",
        "--owner-email", "ops@liberty.example.com", "--owner-password", "Gr8-Pickles-2025", "--currency", "usd",
    )  # fmt: skip

    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"subdomain", "schema", "owner_email", "url", "status", "trial_ends_at"}
    assert Company.objects.get(subdomain="liberty").currency == "USD"


def test_create_company_command_is_in_rupees_unless_told(db, capsys):
    call_command(
        "create_company", "--name", "Desi Tools", "--subdomain", "desi",
        "--owner-email", "ops@desi.example.com", "--owner-password", "Gr8-Pickles-2025",
    )  # fmt: skip

    assert Company.objects.get(subdomain="desi").currency == "INR"


def test_create_company_command_refuses_an_unknown_currency_with_the_reason(db):
    with pytest.raises(CommandError, match="currency: Choose a currency"):
        call_command(
            "create_company", "--name", "X", "--subdomain", "xcurrency",
            "--owner-email", "x@example.com", "--owner-password", "Gr8-Pickles-2025", "--currency", "DOLLAR",
        )  # fmt: skip
    assert not Company.objects.filter(subdomain="xcurrency").exists()


def _settings(company, **changes) -> dict:
    return {
        "name": company.name,
        "gstin": company.gstin,
        "home_state": company.home_state,
        "fiscal_year_start_month": company.fiscal_year_start_month,
        "timezone": company.timezone,
        "currency": company.currency,
        **changes,
    }


def test_an_owner_changes_the_currency_in_settings(make_company, company_client):
    company, owner = make_company("settle")
    client = company_client(company, owner)

    page = client.get("/settings/").content.decode()
    assert '<option value="INR" selected>' in page and '<option value="USD">' in page

    assert client.post("/settings/", _settings(company, currency="EUR")).status_code == 302
    company.refresh_from_db()
    assert company.currency == "EUR"

    refused = client.post("/settings/", _settings(company, currency="EURO"))
    assert refused.status_code == 400 and 'data-field="currency"' in refused.content.decode()
    company.refresh_from_db()
    assert company.currency == "EUR"


def test_a_currency_outside_the_list_does_not_block_saving_other_settings(make_company, company_client):
    # The first upload may have set a currency the signup list does not offer.
    company, owner = make_company("franc")
    Company.objects.filter(pk=company.pk).update(currency="XOF")
    company.refresh_from_db()
    client = company_client(company, owner)

    assert '<option value="XOF" selected>' in client.get("/settings/").content.decode()
    assert client.post("/settings/", _settings(company, name="Franc Traders")).status_code == 302
    company.refresh_from_db()
    assert (company.name, company.currency) == ("Franc Traders", "XOF")
