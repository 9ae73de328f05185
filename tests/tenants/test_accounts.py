"""Accounts as allauth runs them: verification mail, password reset and change, login rate limits, Argon2."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from tenants.models import User
from tests.conftest import PASSWORD
from tests.tenants.test_signup import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_signup_sends_an_email_verification_link(public_client):
    public_client.post("/signup/", GOOD)

    assert len(mail.outbox) == 1 and mail.outbox[0].to == [GOOD["email"]]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_password_reset_mails_a_link_that_sets_a_new_password(public_client, make_company):
    _, owner = make_company("alpha")

    public_client.post("/accounts/password/reset/", {"email": owner.email})

    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body


def test_logged_in_users_can_change_their_password(public_client, make_company):
    _, owner = make_company("alpha")
    public_client.force_login(owner)

    response = public_client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "Brand-New-Secret-9", "password2": "Brand-New-Secret-9"},
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Brand-New-Secret-9") and owner.password.startswith("argon2")


def test_failed_logins_are_rate_limited(public_client, make_company):
    _, owner = make_company("alpha")

    answers = [
        public_client.post("/accounts/login/", {"login": owner.email, "password": "wrong-guess"}).content.decode()
        for _ in range(6)
    ]
    blocked = public_client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})

    assert "not correct" in answers[0] and "Too many failed login attempts" in answers[-1]
    # Even the right password waits now.
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in public_client.session


def test_createsuperuser_makes_a_staff_login(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Operator-Pass-2026")
    call_command("createsuperuser", "--noinput", "--email", "ops@example.com", verbosity=0)

    operator = User.objects.get(email="ops@example.com")
    assert operator.is_staff and operator.is_superuser and operator.check_password("Operator-Pass-2026")
