"""Every page of a company with sales, and every public page, at phone size (390x844), desktop size (1280x900)
and at 200% zoom (a 1280x900 window zoomed twice is 640x450 CSS pixels at twice the density): none scrolls
sideways, and axe-core finds no serious or critical accessibility violation. A full-page screenshot of each is
kept in test-artifacts/<viewport>/<page>.png. On the phone the navigation sits behind a menu button and the filter
bar folds to a one-line summary of the period and filters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from analytics.detail.common import customer_url, product_url
from analytics.pages import PAGES
from ingestion.models import PRODUCT_KEY, Customer, SalesLine
from tests.conftest import PASSWORD
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS = {
    "phone-390x844": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "has_touch": True},
    "desktop-1280x900": {"viewport": {"width": 1280, "height": 900}},
    "zoom-200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
AXE_VIEWPORTS = ("phone-390x844", "desktop-1280x900")  # at 200% zoom the markup is the desktop's: axe is not rerun
HEADER = ["Invoice No", "Invoice Date", "Customer", "State", "Product", "Product Line", "Salesperson", "Branch",
          "Qty", "Rate", "Taxable Value", "GST %"]  # fmt: skip
SALES = [
    ("A-1", "10/04/2024", "Kaveri Cables and Conductors Private Limited", "Maharashtra", "Copper wire 4 sq mm",
     "Cables", "Anil Kumar", "Pune", "4000000"),
    ("A-2", "05/05/2024", "Pune Electricals", "Gujarat", "MCB 16A", "Switchgear", "Anil Kumar", "Pune", "2520000"),
    ("A-3", "15/07/2024", "Chennai Power", "Tamil Nadu", "Copper wire 6 sq mm", "Cables", "Divya Iyer", "Chennai",
     "3738141.37"),
    ("A-4", "11/11/2024", "Chennai Power", "Tamil Nadu", "RCCB 40A", "Switchgear", "Divya Iyer", "Chennai",
     "2000000"),
    ("A-5", "20/01/2025", "Ravi Traders", "Kerala", "Isolator 63A", "Switchgear", "Divya Iyer", "Chennai", "50000"),
]  # fmt: skip
COMPANY_PAGES = {
    **{key: "/" if key == "overview" else f"/{key}/" for key in PAGES},
    "uploads": "/uploads/",
    "upload-new": "/uploads/new/",
    "reports": "/reports/",
    "schedules": "/reports/schedules/",
    "alerts": "/alerts/",
    "alert-new": "/alerts/new/",
    "alert-log": "/alerts/log/",
    "targets": "/targets/",
    "members": "/members/",
    "settings": "/settings/",
    "api-keys": "/settings/api-keys/",
    "audit-log": "/audit/",
    "billing": "/billing/",
    "purchase": "/operations/purchase/",
    "report-retention": "/reports/retention/",
}
PUBLIC_PAGES = {
    "landing": "/",
    "pricing": "/pricing/",
    "signup": "/signup/",
    "login": "/accounts/login/",
    "password-reset": "/accounts/password/reset/",
    "password-reset-done": "/accounts/password/reset/done/",
    "password-reset-from-key-done": "/accounts/password/reset/key/done/",
}
WIDTH = "document.documentElement.scrollWidth - window.innerWidth"
# What sticks out past the right edge, to name in a failure.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-3).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className)"""


def _company_with_sales(make_company_committed):
    company, owner = make_company_committed("everypage")
    rows = [HEADER] + [[*sale[:8], "1", sale[8], sale[8], "18"] for sale in SALES]
    with tenant_context(company):
        job = load(csv_bytes(rows), "sales.csv")
        assert job.status == "succeeded" and job.rows_loaded == len(SALES), job.error or job.messages
        # The pages a dashboard drills into, for a customer and a product that sold.
        customer = Customer.objects.get(name="Chennai Power").key
        product = SalesLine.objects.annotate(key=PRODUCT_KEY).filter(product_name="RCCB 40A").values("key")[0]["key"]
        drilled = {
            "why": "/why/?measure=revenue",
            "customer": customer_url(customer),
            "product": product_url(product),
            "invoices": "/invoices/?customer=Chennai",
            "search": "/search/?q=chennai",
            "not-found": None,
        }
    connection.set_schema_to_public()
    return company, owner, drilled


def _look(page, axe: Axe | None, folder: str, name: str, problems: list[str]) -> None:
    """Screenshot the page, then note sideways scrolling and serious accessibility violations."""
    if page.locator(".chart").count():
        page.wait_for_function("() => document.querySelectorAll('.chart:not([data-drawn])').length === 0")
    page.screenshot(path=str(ARTIFACTS / folder / f"{name}.png"), full_page=True)
    overflow = page.evaluate(WIDTH)
    if overflow > 0:
        problems.append(f"{folder}/{name}: {overflow}px wider than the window ({page.evaluate(WIDEST)})")
    if axe is None:
        return
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            where = [node["target"] for node in violation["nodes"][:3]]
            problems.append(f"{folder}/{name}: axe {violation['impact']} {violation['id']} at {where}")


def _log_in(page, live_site: str, email: str, subdomain: str) -> None:
    page.goto(f"{live_site}/accounts/login/?next=/go/{subdomain}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(rf"^http://{subdomain}\.localhost:\d+/$"))


def _a_wrong_password_is_named_on_the_login_page(page, live_site, email, folder, problems) -> None:
    page.goto(f"{live_site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page.get_by_label("Email")).to_have_value(email)
    _look(page, Axe(), folder, "login-error", problems)


def _phone_folds_the_menu_and_the_filters(page) -> None:
    menu = page.get_by_role("button", name="Menu")
    nav = page.locator(".main-nav")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Products", exact=True)).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search customers, products and invoices")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "phone-390x844" / "menu-open.png"))
    menu.click()
    expect(nav).to_be_hidden()

    summary = page.locator("[data-filter-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_have_text("Latest 12 months")
    expect(page.locator("#filter-bar")).to_be_hidden()
    page.locator("[data-filter-toggle]").click()
    expect(page.locator("#filter-bar select[name=state]")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "phone-390x844" / "filters-open.png"))


def _desktop_shows_the_menu_and_the_filters(page) -> None:
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator(".main-nav").get_by_role("link", name="Products", exact=True)).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search customers, products and invoices")).to_be_visible()
    expect(page.locator("[data-filter-summary]")).to_be_hidden()
    expect(page.locator("#filter-bar select[name=state]")).to_be_visible()


def test_every_page_fits_the_phone_and_the_desktop_and_passes_axe(live_site, browser, make_company_committed):
    company, owner, drilled = _company_with_sales(make_company_committed)
    port = live_site.rsplit(":", 1)[1]
    home = f"http://{company.subdomain}.localhost:{port}"
    problems: list[str] = []
    for folder, options in VIEWPORTS.items():
        axe = Axe() if folder in AXE_VIEWPORTS else None
        (ARTIFACTS / folder).mkdir(parents=True, exist_ok=True)
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            for name, path in PUBLIC_PAGES.items():
                page.goto(f"{live_site}{path}")
                expect(page.locator("main h1")).to_be_visible()
                _look(page, axe, folder, name, problems)
            # The link in the reset email opens the form for a new password (allauth moves the key into the session).
            # Its key holds the last login, so it is made afresh for each viewport.
            owner.refresh_from_db()
            reset_key = f"{user_pk_to_url_str(owner)}-{default_token_generator.make_token(owner)}"
            page.goto(f"{live_site}/accounts/password/reset/key/{reset_key}/")
            expect(page.locator("input[name=password1]")).to_be_visible()
            _look(page, axe, folder, "password-reset-from-key", problems)

            if folder.startswith("phone"):
                _a_wrong_password_is_named_on_the_login_page(page, live_site, owner.email, folder, problems)
            _log_in(page, live_site, owner.email, company.subdomain)
            if folder.startswith("phone"):
                _phone_folds_the_menu_and_the_filters(page)
            elif folder.startswith("desktop"):
                _desktop_shows_the_menu_and_the_filters(page)
            for name, path in {**COMPANY_PAGES, **drilled}.items():
                response = page.goto(f"{home}{path or '/customers/no-such-customer/'}")
                assert response.status == (404 if path is None else 200), (name, response.status)
                _look(page, axe, folder, name, problems)
            page.goto(f"{live_site}/accounts/logout/")
            expect(page.get_by_role("button", name="Sign Out")).to_be_visible()
            _look(page, axe, folder, "logout", problems)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
