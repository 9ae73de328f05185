"""The pages a dashboard drills into, as a member reads them: a customer's and a product's page, the invoice list,
the header's search; every figure checked against sums worked out here from the planted lines."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from django_tenants.utils import tenant_context

from analytics.detail import invoices as invoice_list
from analytics.engine import Scope
from analytics.pages.customers import rfm
from analytics.periods import Period
from elettro.kernel.money import format_money, format_number, format_percent
from ingestion.models import Customer
from tenants import roles
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Invoice Date", "Customer", "GSTIN", "State", "Product", "Product Line", "Qty", "Rate",
          "Taxable Value", "Cost", "GST %"]  # fmt: skip
GSTIN = "27AAPFU0939F1ZV"
COPPER, MCB, LED = "Copper wire 4 sq mm", "MCB 16A", "LED panel 18W"
LINES = {COPPER: "Cables", MCB: "Switchgear", LED: "Lighting"}
# (invoice, day, customer, product, quantity, amount, cost or None): FY 2024-25 and the year before it.
SALES = [
    ("K-1", date(2023, 6, 10), "Kaveri Cables", COPPER, 10, "100000", "80000"),
    ("K-2", date(2023, 9, 5), "Kaveri Cables", MCB, 5, "50000", "40000"),
    ("K-3", date(2024, 5, 10), "Kaveri Cables", COPPER, 20, "250000", "200000"),
    ("K-3", date(2024, 5, 10), "Kaveri Cables", MCB, 2, "20000", "15000"),
    ("K-4", date(2025, 1, 20), "Kaveri Cables", COPPER, 5, "60000", "45000"),
    ("K-5", date(2025, 3, 15), "Kaveri Cables", LED, 3, "30000", None),
    ("P-1", date(2024, 7, 1), "Pune Electricals", COPPER, 8, "90000", "70000"),
    ("P-2", date(2024, 8, 1), "Pune Electricals", MCB, 1, "10000", None),
    ("C-1", date(2024, 11, 11), "Chennai Power", LED, 4, "40000", None),
]
STATES = {"Kaveri Cables": "Maharashtra", "Pune Electricals": "Maharashtra", "Chennai Power": "Tamil Nadu"}
FY = Period(date(2024, 4, 1), date(2025, 3, 31))
BEFORE = Period(date(2023, 4, 1), date(2024, 3, 31))
QUERY = "from=2024-04-01&to=2025-03-31"


def _rows(sales=SALES) -> list[list[str]]:
    rows = [HEADER]
    for invoice, day, customer, product, quantity, amount, cost in sales:
        gstin = GSTIN if customer == "Kaveri Cables" else ""
        rate = str(Decimal(amount) / quantity)
        place = [STATES[customer], product, LINES[product]]
        rows.append(
            [invoice, f"{day:%d/%m/%Y}", customer, gstin, *place, str(quantity), rate, amount, cost or "", "18"]
        )
    return rows


def _sum(period: Period, *, customer=None, product=None, field=5) -> Decimal:
    return sum(
        (Decimal(sale[field]) for sale in SALES
         if period.start <= sale[1] <= period.end and customer in (None, sale[2]) and product in (None, sale[3])),
        Decimal(0),
    )  # fmt: skip


def _orders(period: Period, customer: str) -> int:
    return len({(s[0], s[1]) for s in SALES if s[2] == customer and period.start <= s[1] <= period.end})


@pytest.fixture
def shop(make_company):
    company, owner = make_company("detail")
    with tenant_context(company):
        job = load(csv_bytes(_rows()), "sales.csv")
        assert job.status == "succeeded" and job.rows_loaded == len(SALES), job.error or job.messages
        keys = dict(Customer.objects.values_list("name", "key"))
    return company, owner, keys


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_customer_page_shows_the_period_s_figures_products_invoices_segment_and_changes(shop, company_client):
    company, owner, keys = shop
    response = company_client(company, owner).get(f"/customers/{quote(keys['Kaveri Cables'])}/?{QUERY}")
    assert response.status_code == 200
    page = _text(response)

    revenue, before = _sum(FY, customer="Kaveri Cables"), _sum(BEFORE, customer="Kaveri Cables")
    assert (revenue, before) == (Decimal(360000), Decimal(150000))  # the plant is what this test says it is
    assert "<h1>Kaveri Cables</h1>" in page and GSTIN in page and "Maharashtra" in page
    card = page[page.index('data-kpi="revenue"') :][:600]
    assert f'title="{format_money(revenue)}"' in card
    assert format_percent((revenue - before) / before, signed=True) in card
    orders = page[page.index('data-kpi="orders"') :][:600]
    assert f"<strong data-value>{format_number(_orders(FY, 'Kaveri Cables'))}</strong>" in orders

    # Products bought in the period, biggest first, with their quantity, linking to the product page.
    products = page[page.index('id="panel-products"') : page.index('id="panel-changes"')]
    bought = sorted({s[3] for s in SALES if s[2] == "Kaveri Cables" and FY.start <= s[1] <= FY.end},
                    key=lambda p: -_sum(FY, customer="Kaveri Cables", product=p))  # fmt: skip
    assert [re.sub("<[^>]+>", "", cell) for cell in re.findall(r"<tr><td>(.*?)</td>", products)] == bought
    copper = _sum(FY, customer="Kaveri Cables", product=COPPER)
    quantity = sum(s[4] for s in SALES if s[2] == "Kaveri Cables" and s[3] == COPPER and FY.start <= s[1] <= FY.end)
    assert re.search(rf'<a href="/products/{quote(COPPER.lower())}/\?{QUERY}" data-drill>{COPPER}</a></td>'
                     rf'<td class="num">{re.escape(format_money(copper))}</td><td class="num">{quantity}</td>',
                     products.replace("&amp;", "&"))  # fmt: skip

    # What changed: copper and the LED panel rose, the MCB fell, by the planted amounts.
    changes = {p: _sum(FY, customer="Kaveri Cables", product=p) - _sum(BEFORE, customer="Kaveri Cables", product=p)
               for p in LINES}  # fmt: skip
    rising = page[page.index("data-rising") : page.index("Fell most")]
    falling = page[page.index("data-falling") :]
    assert [p for p in re.findall(r">([^<]+)</a>:", rising)] == sorted(
        (p for p in changes if changes[p] > 0), key=lambda p: -changes[p]
    )
    assert f'{MCB}</a>: <span class="down">{format_money(changes[MCB])}</span>' in falling

    # The last invoices, newest first, each linking to the invoice list filtered to it.
    invoices = page[page.index("data-invoices") :]
    mine = sorted({(s[1], s[0]) for s in SALES if s[2] == "Kaveri Cables"}, reverse=True)
    assert re.findall(r"data-drill>([^<]+)</a>", invoices) == [number for _, number in mine]
    k3 = sum(Decimal(s[5]) for s in SALES if s[0] == "K-3")
    assert f"{format_money(k3)}</td>" in invoices
    assert "/invoices/?number=K-3&from=2024-05-10&to=2024-05-10" in invoices.replace("&amp;", "&")

    # The RFM segment as the Customers page scores the period's customers, from sums made here.
    customers = []
    for name in STATES:
        sales = [s for s in SALES if s[2] == name and FY.start <= s[1] <= FY.end]
        customers.append({"customer_key": keys[name], "revenue": sum(Decimal(s[5]) for s in sales),
                          "orders": _orders(FY, name), "last_day": max(s[1] for s in sales)})  # fmt: skip
    segment = next(r for r in rfm(customers, Scope(FY)) if r["customer_key"] == keys["Kaveri Cables"])["segment"]
    assert f"<strong data-value>{segment}</strong>" in page[page.index('data-kpi="segment"') :]


def test_the_customer_history_has_every_month_of_the_period(shop, company_client):
    company, owner, keys = shop
    page = _text(company_client(company, owner).get(f"/customers/{keys['Kaveri Cables']}/?{QUERY}"))
    history = page[page.index('id="panel-history"') : page.index('id="panel-products"')]
    months = re.findall(r"<tr><td>(\w{3} \d{4})</td><td class=\"num\">([^<]+)</td>", history)
    assert [m for m, _ in months] == [f"{m:%b %Y}" for m in FY.months()]
    may = sum(Decimal(s[5]) for s in SALES if s[2] == "Kaveri Cables" and s[1].strftime("%Y-%m") == "2024-05")
    assert dict(months)["May 2024"] == format_money(may) and dict(months)["Jun 2024"] == format_money(0)


def test_the_product_page_shows_history_customers_and_margin(shop, company_client):
    company, owner, keys = shop
    client = company_client(company, owner)
    page = _text(client.get(f"/products/{quote(COPPER.lower())}/?{QUERY}"))

    revenue = _sum(FY, product=COPPER)
    cost = _sum(FY, product=COPPER, field=6)
    assert f'title="{format_money(revenue)}"' in page[page.index('data-kpi="revenue"') :][:300]
    assert f"<strong data-value>{format_percent((revenue - cost) / revenue)}</strong>" in page
    assert "<span data-product-line>Cables</span>" in page
    customers = page[page.index('id="panel-customers"') :]
    ranked = sorted(STATES, key=lambda c: -_sum(FY, customer=c, product=COPPER))
    ranked = [c for c in ranked if _sum(FY, customer=c, product=COPPER)]
    assert re.findall(r"data-drill>([^<]+)</a>", customers) == ranked
    assert f'href="/customers/{keys[ranked[0]]}/?{QUERY}"' in customers.replace("&amp;", "&")
    assert format_money(_sum(FY, customer=ranked[0], product=COPPER)) in customers

    # Some LED panel lines have no cost: none at all here, so the page says there is no cost data.
    led = _text(client.get(f"/products/{quote(LED.lower())}/?{QUERY}"))
    assert "data-no-cost" in led and "No cost data" in led


def test_an_unknown_key_or_another_company_s_customer_is_a_404_in_the_company_s_style(
    shop, company_client, make_company
):
    company, owner, _ = shop
    other, _ = make_company("otherco")
    with tenant_context(other):
        load(
            csv_bytes([HEADER, ["Z-2", "01/06/2024", "Zeta Traders", "", "Kerala", "Zinc rod", "Metals", "1", "7",
                                "7", "", "18"]]),
            "zeta.csv",
        )  # fmt: skip
        zeta = Customer.objects.get(name="Zeta Traders").key
    client = company_client(company, owner)
    for url in ("/customers/nobody-at-all/", f"/customers/{zeta}/", "/products/zinc%20rod/", "/products/nothing/"):
        response = client.get(url)
        assert response.status_code == 404, url
        page = response.content.decode()
        assert "Page not found" in page and company.name in page and 'href="/trends/"' in page  # the company's nav


def test_search_finds_customers_products_and_invoices_and_explains_bad_input(shop, company_client):
    company, owner, keys = shop
    client = company_client(company, owner)

    empty = client.get("/search/?q=")
    assert empty.status_code == 200 and "data-message" in empty.content.decode()
    assert "Type part of a customer" in empty.content.decode()
    long = client.get("/search/?q=" + "x" * 1000)
    assert long.status_code == 400 and "1,000 characters" in long.content.decode()
    assert "at most 200" in long.content.decode()

    page = _text(client.get("/search/?q=kaveri"))
    assert f'href="/customers/{keys["Kaveri Cables"]}/">Kaveri Cables</a>' in page
    assert "Pune Electricals</a>" not in page
    page = _text(client.get("/search/?q=wire"))
    assert f'href="/products/{quote(COPPER.lower())}/">{COPPER}</a>' in page
    page = _text(client.get("/search/?q=k-3"))
    found = page[page.index('data-found="invoices"') :]
    assert ">K-3</a>" in found and ">K-4</a>" not in found
    assert format_money(sum(Decimal(s[5]) for s in SALES if s[0] == "K-3")) in found
    nothing = _text(client.get("/search/?q=no-such-thing"))
    assert "Nothing matches" in nothing


def _numbers(page: str) -> list[str]:
    return re.findall(r'<tr data-invoice="([^"]+)">', page)


def test_the_invoice_list_searches_by_number_customer_and_dates_newest_first(shop, company_client):
    company, owner, keys = shop
    client = company_client(company, owner)
    newest_first = [n for _, n in sorted({(s[1], s[0]) for s in SALES}, reverse=True)]

    assert _numbers(_text(client.get("/invoices/"))) == newest_first
    assert _numbers(_text(client.get("/invoices/?number=k-"))) == [n for n in newest_first if n.startswith("K-")]
    page = _text(client.get("/invoices/?customer=pune"))
    assert _numbers(page) == [n for n in newest_first if n.startswith("P-")]
    assert f'href="/customers/{keys["Pune Electricals"]}/"' in page
    in_fy = [n for d, n in sorted({(s[1], s[0]) for s in SALES}, reverse=True) if FY.start <= d <= FY.end]
    assert _numbers(_text(client.get(f"/invoices/?{QUERY}"))) == in_fy
    row = _text(client.get("/invoices/?number=K-3"))
    assert re.search(rf'data-invoice="K-3">.*?<td class="num">2</td>\s*<td class="num">'
                     rf"{re.escape(format_money(Decimal(270000)))}</td>", row, re.S)  # fmt: skip

    bad = client.get("/invoices/?from=yesterday&number=" + "9" * 1000)
    assert bad.status_code == 400
    assert "not a date like" in bad.content.decode() and "longer than 200" in bad.content.decode()


def test_the_invoice_list_pages_by_cursor_both_ways(shop, company_client, monkeypatch):
    company, owner, _ = shop
    monkeypatch.setattr(invoice_list, "PAGE_SIZE", 3)
    client = company_client(company, owner)
    newest_first = [n for _, n in sorted({(s[1], s[0]) for s in SALES}, reverse=True)]

    seen, url = [], "/invoices/"
    while url:
        page = _text(client.get(url))
        seen.append(_numbers(page))
        older = re.search(r'<a href="(\?[^"]*before=[^"]+)" rel="next"', page)
        url = "/invoices/" + older.group(1) if older else ""
    assert seen == [newest_first[i : i + 3] for i in range(0, len(newest_first), 3)]
    newer = re.search(r'<a href="(\?[^"]*after=[^"]+)" rel="prev"', page)
    assert _numbers(_text(client.get("/invoices/" + newer.group(1)))) == seen[-2]
    broken = client.get("/invoices/?before=not-a-cursor")
    assert broken.status_code == 400 and _numbers(_text(broken)) == newest_first[:3]


def test_dashboard_tables_link_rows_to_the_filtered_page_and_to_customers(shop, company_client):
    company, owner, keys = shop
    page = _text(company_client(company, owner).get(f"/?{QUERY}"))
    lines = page[page.index('id="panel-product_lines"') :]
    assert f'<a href="/?{QUERY}&product_line=Cables" data-drill>Cables</a>' in lines
    customers = page[page.index('id="panel-top_customers"') :]
    assert f'<a href="/customers/{keys["Kaveri Cables"]}/?{QUERY}" data-drill>Kaveri Cables</a>' in customers
    assert '"chart-product_lines"' in page[page.index('id="drill"') :]


def test_a_role_without_dashboards_view_is_refused_every_detail_page(shop, add_member, company_client, monkeypatch):
    company, _, keys = shop
    viewer = add_member(company, "viewer")
    label, _holders = roles.PERMISSIONS["dashboards.view"]
    monkeypatch.setitem(roles.PERMISSIONS, "dashboards.view", (label, frozenset({roles.Role.OWNER})))
    client = company_client(company, viewer)
    for url in (f"/customers/{keys['Kaveri Cables']}/", f"/products/{quote(COPPER.lower())}/", "/invoices/",
                "/search/?q=kaveri"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Kaveri Cables" not in response.content.decode()
