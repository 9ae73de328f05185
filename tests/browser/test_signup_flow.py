"""A new customer in a real browser: sign up, land on their own subdomain, log out, log in, pick the company."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_signup_lands_on_the_subdomain_then_logout_login_and_company_picker(live_site, page):
    port = live_site.rsplit(":", 1)[1]
    page.goto(f"{live_site}/")
    page.get_by_role("link", name="Start free trial").click()

    page.get_by_label("Company name").fill("Kaveri Cables")
    page.get_by_label("Subdomain").fill("kaveri")
    page.get_by_label("Home state (for GST)").select_option("29")
    page.get_by_label("Your name").fill("Meera Rao")
    page.get_by_label("Work email").fill("meera@kaveri.example.com")
    page.get_by_label("Password").fill("Copper-Wire-2025")
    page.get_by_role("button", name="Create my company").click()

    expect(page).to_have_url(f"http://kaveri.localhost:{port}/")
    expect(page.locator("h1")).to_have_text("Kaveri Cables")
    expect(page.locator(".who")).to_contain_text("meera@kaveri.example.com · Owner")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_site}/")
    page.goto(f"http://kaveri.localhost:{port}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))  # logged out of the subdomain too

    page.goto(f"{live_site}/accounts/login/")
    page.get_by_label("Email").fill("meera@kaveri.example.com")
    page.get_by_label("Password").fill("Copper-Wire-2025")
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(f"{live_site}/companies/")
    page.get_by_role("link", name="Kaveri Cables").click()
    expect(page).to_have_url(f"http://kaveri.localhost:{port}/")
    expect(page.locator("h1")).to_have_text("Kaveri Cables")


def test_a_wrong_password_is_refused_and_the_visitor_can_try_again(live_site, page, make_company_committed):
    make_company_committed("tara")
    page.goto(f"{live_site}/accounts/login/")
    page.get_by_label("Email").fill("owner@tara.example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()

    expect(page.locator("body")).to_contain_text("not correct")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
