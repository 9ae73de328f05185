"""The signup page names the real address a company will get, never a template placeholder."""

from __future__ import annotations

import html

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_signup_shows_the_base_domain_in_the_address_help(public_client):
    response = public_client.get("/signup/")

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "{base}" not in page
    assert f"Your address will be <subdomain>.{settings.BASE_DOMAIN}. Lower-case letters" in page
