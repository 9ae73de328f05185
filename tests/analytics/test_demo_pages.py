"""The demo shows everything: loaded as `make setup` loads it (customer master with salespeople and branches, item
master with stock groups and standard costs, two years of Tally registers, the ERP sheets), every dashboard page
has content in every panel: no chart, series or table column shows only '(not given)', no panel asks for an
upload, and gross profit and margins are real numbers.

The demo is loaded once for the module into its own committed company (about 20 seconds); each test reads the
rendered pages inside its own rolled-back transaction.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from analytics.pages import PAGES
from ingestion.demo import demo_data_load
from ingestion.sample_exports import DEMO_END, PRODUCT_LINES
from ingestion.sample_exports.catalogue import BRANCHES, SALESPERSONS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOT_GIVEN = "(not given)"
BLANK = {"", NOT_GIVEN}
URLS = {name: "/" if name == "overview" else f"/{name}/" for name in PAGES}


@pytest.fixture(scope="module")
def demo_company(django_db_setup, django_db_blocker, tmp_path_factory):
    from tenants import services

    with django_db_blocker.unblock():
        company, owner = services.company_create(
            name="Elettro Demo Distributors", subdomain="demo-pages", owner_email="owner@demo-pages.example.com",
            owner_password=PASSWORD, home_state="27",
        )  # fmt: skip
        with tenant_context(company):
            results = demo_data_load(out_dir=tmp_path_factory.mktemp("demo-exports"), end=DEMO_END)
        connection.set_schema_to_public()
    yield company, owner, results
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        company.delete(force_drop=True)
        owner.delete()


# ---------------------------------------------------------------- reading a rendered page


@dataclass
class TableView:
    headers: list[str] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class PanelView:
    key: str
    title: str = ""
    chart: bool = False
    hints: list[str] = field(default_factory=list)
    tables: list[TableView] = field(default_factory=list)


class _PageParser(HTMLParser):
    """The panels (title, chart, upload hints, tables) and KPI cards of a dashboard page."""

    def __init__(self):
        super().__init__()
        self.panels: dict[str, PanelView] = {}
        self.cards: dict[str, dict] = {}  # key -> {"value": the figure, "notes": label, margin, changes}
        self.hints: list[str] = []
        self._panel: PanelView | None = None
        self._card: str | None = None
        self._card_depth = 0
        self._text: list[str] | None = None
        self._target: str = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "data-hint" in attrs:
            self.hints.append(attrs["data-hint"])
            if self._panel is not None:
                self._panel.hints.append(attrs["data-hint"])
        if tag == "section" and "data-panel" in attrs:
            self._panel = self.panels[attrs["data-panel"]] = PanelView(attrs["data-panel"])
        elif tag == "div" and "kpi" in classes:
            self._card, self._card_depth = attrs["data-kpi"], 1
            self.cards[self._card] = {"value": "", "notes": []}
            return
        if self._card is not None:
            if tag == "div":
                self._card_depth += 1
            if tag in ("strong", "span"):
                self._text, self._target = [], tag
        if self._panel is None:
            return
        if tag == "div" and "chart" in classes:
            self._panel.chart = True
        elif tag == "h2":
            self._text, self._target = [], "title"
        elif tag == "table":
            self._panel.tables.append(TableView())
        elif tag == "th" and self._panel.tables:
            self._panel.tables[-1].numeric.append("num" in classes)
            self._text, self._target = [], "th"
        elif tag == "tr" and self._panel.tables and self._panel.tables[-1].headers:
            self._panel.tables[-1].rows.append([])
        elif tag == "td" and self._panel.tables:
            self._text, self._target = [], "td"

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        text = " ".join("".join(self._text or []).split())
        if self._card is not None:
            if tag == self._target == "strong":
                self.cards[self._card]["value"] = text
            elif tag == self._target == "span" and text:
                self.cards[self._card]["notes"].append(text)
            if tag in ("strong", "span"):
                self._text = None
            elif tag == "div":
                self._card_depth -= 1
                if not self._card_depth:
                    self._card = None
            return
        if self._panel is None:
            return
        if tag == "h2" and self._target == "title":
            self._panel.title, self._text = text, None
        elif tag == "th" and self._target == "th":
            self._panel.tables[-1].headers.append(text)
            self._text = None
        elif tag == "td" and self._target == "td":
            self._panel.tables[-1].rows[-1].append(text)
            self._text = None
        elif tag == "section":
            self._panel = None


def figures(html: str) -> dict[str, dict]:
    start = html.index('id="figures">') + len('id="figures">')
    return {
        item["id"].removeprefix("chart-"): item["figure"]
        for item in json.loads(html[start : html.index("</script>", start)])
    }


def read_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


@pytest.fixture
def page(demo_company, company_client):
    company, owner, _ = demo_company
    client = company_client(company, owner)

    def get(name: str) -> tuple[_PageParser, dict[str, dict]]:
        response = client.get(URLS[name])
        assert response.status_code == 200, name
        html = response.content.decode()
        return read_page(html), figures(html)

    return get


# ---------------------------------------------------------------- what "only (not given)" means


def _blank(values) -> bool:
    values = [str(value).strip() for value in values]
    return bool(values) and all(value in BLANK for value in values)


def figure_problems(figure: dict) -> list[str]:
    """Where a figure's categories (bars, slices, heatmap rows) or its series names are all '(not given)'/blank."""
    problems = []
    for index, trace in enumerate(figure["data"]):
        if trace.get("type") == "pie":
            axes = {"slices": trace.get("labels", [])}
        elif trace.get("type") == "heatmap":
            axes = {"columns": trace.get("x", []), "rows": trace.get("y", [])}
        elif trace.get("orientation") == "h":
            axes = {"bars": trace.get("y", [])}
        else:
            axes = {"x": trace.get("x", [])}
        for axis, values in axes.items():
            if _blank(values):
                problems.append(
                    f"trace {index} ({trace.get('name') or 'unnamed'}): its {axis} are {sorted(set(values))}"
                )
    names = [trace.get("name") for trace in figure["data"] if trace.get("name")]
    if names and all(name == NOT_GIVEN for name in names):
        problems.append(f"its only series is {NOT_GIVEN!r}")
    return problems


def table_problems(table: TableView) -> list[str]:
    """A text column whose every value is '(not given)', or column headings (a column per branch, per product
    line) that are; when the first column names sections (the ideal-customer profile's State / Segment / Product
    line), each section on its own."""
    problems = []
    if len(table.headers) > 1 and all(header == NOT_GIVEN for header in table.headers[1:]):
        problems.append(f"its only column after {table.headers[0]!r} is {NOT_GIVEN!r}")
    if not table.rows:
        return problems
    firsts = [row[0] for row in table.rows]
    sectioned = len(set(firsts)) < len(firsts)
    groups: dict[str, list[list[str]]] = defaultdict(list)
    for row in table.rows:
        groups[row[0] if sectioned else ""].append(row)
    for column, (header, numeric) in enumerate(zip(table.headers, table.numeric, strict=True)):
        if numeric or (sectioned and column == 0):
            continue
        for section, rows in groups.items():
            values = [row[column] for row in rows]
            if values and all(value == NOT_GIVEN for value in values):
                where = f" in the {section!r} rows" if section else ""
                problems.append(f"column {header!r}{where} shows only {NOT_GIVEN!r}")
    return problems


# ---------------------------------------------------------------- the tests


def test_the_demo_loads_every_file(demo_company):
    _, _, results = demo_company
    files = {result["file"]: result for result in results}
    assert {"customer_master.csv", "item_master.xlsx"} <= set(files)
    assert all(result["status"] == "succeeded" and not result["rows_rejected"] for result in results), results
    assert files["item_master.xlsx"]["rows_loaded"] == 88  # every stock item the registers sell


@pytest.mark.parametrize("name", list(PAGES))
def test_no_demo_panel_shows_only_not_given(page, name):
    parsed, charts = page(name)

    problems = []
    for key, figure in charts.items():
        problems += [f"{name} page, chart {key!r}: {problem}" for problem in figure_problems(figure)]
    for panel in parsed.panels.values():
        for table in panel.tables:
            problems += [f"{name} page, panel {panel.title!r}: {problem}" for problem in table_problems(table)]
        if panel.hints:
            problems.append(f"{name} page, panel {panel.title!r} asks for an upload: {panel.hints}")
    assert parsed.panels, f"{name} page has no panels"
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_panel_of_not_given():
    """The two checks above, on what an unfilled panel looked like."""
    one_bar = {"data": [{"type": "bar", "orientation": "h", "y": [NOT_GIVEN], "x": [5.0], "name": ""}]}
    one_series = {"data": [{"type": "bar", "x": ["Asha"], "y": [1.0], "name": NOT_GIVEN}]}
    assert figure_problems(one_bar) and figure_problems(one_series)
    rows = [["State", "Maharashtra", "₹1"], ["State", "Goa", "₹1"], ["Product line", NOT_GIVEN, "₹2"]]
    profile = TableView(["Looking at", "Value", "Revenue"], [False, False, True], rows)
    assert table_problems(profile) == ["column 'Value' in the 'Product line' rows shows only '(not given)'"]
    by_branch = TableView(["Month", NOT_GIVEN], [False, True], [["Apr 2025", "₹1"]])
    assert table_problems(by_branch)


def test_people_page_ranks_every_salesperson_by_gross_profit_and_shows_their_mix_and_branches(page):
    parsed, charts = page("people")

    leaderboard = parsed.panels["leaderboard"]
    assert leaderboard.chart and "leaderboard" in charts
    table = leaderboard.tables[0]
    people = {row[table.headers.index("Salesperson / manager")] for row in table.rows}
    assert people == set(SALESPERSONS)
    assert all(row[table.headers.index("Branch")] for row in table.rows)
    assert all(_number(row[table.headers.index("Gross profit")]) > 0 for row in table.rows)
    assert all(0 < _number(row[table.headers.index("Margin")]) < 60 for row in table.rows)

    mix = parsed.panels["product_mix"]
    assert mix.chart
    goods = {line.name for line in PRODUCT_LINES if not line.excluded_by_default}
    assert set(mix.tables[0].headers[1:]) == goods  # packaging and freight are excluded from sales
    assert {trace["name"] for trace in charts["product_mix"]["data"]} == goods

    branches = parsed.panels["branches"]
    assert branches.chart
    assert set(branches.tables[0].headers[1:]) == {branch.name for branch in BRANCHES}


def test_overview_and_products_show_gross_profit_and_margins(page):
    overview, _ = page("overview")
    card = overview.cards["gross_profit"]
    assert card["value"].startswith("₹"), card
    assert any(re.fullmatch(r"margin \d+\.\d%", note) for note in card["notes"]), card
    lines = overview.panels["product_lines"].tables[0]
    assert all(_number(row[lines.headers.index("Margin")]) > 0 for row in lines.rows)

    products, charts = page("products")
    table = products.panels["product_lines"].tables[0]
    assert len(table.rows) == 6
    for row in table.rows:
        assert _number(row[table.headers.index("Gross profit")]) > 0, row
        assert 0 < _number(row[table.headers.index("Margin")]) < 60, row
    assert [trace["name"] for trace in charts["product_lines"]["data"]] == ["Revenue", "Gross profit"]
    assert {"top_products_profit", "low_margin"} <= set(products.panels)


def test_the_ideal_customer_profile_names_product_lines(page):
    parsed, _ = page("customers")
    table = parsed.panels["icp"].tables[0]
    assert table.headers[2] == "Gross profit"  # the top fifth by gross profit: the demo has costs
    sections = defaultdict(list)
    for row in table.rows:
        sections[row[0]].append(row[1])
    goods = {line.name for line in PRODUCT_LINES if not line.excluded_by_default}
    assert set(sections) == {"State", "Segment", "Product line"}
    assert sections["Product line"] and set(sections["Product line"]) <= goods


def _number(text: str) -> float:
    """'₹1,23,456.78', '12.3%', '1,234' as a number (a dash is no number: the test fails on it)."""
    cleaned = re.sub(r"[₹,%\s]", "", text)
    assert re.fullmatch(r"-?\d+(\.\d+)?", cleaned), f"not a number: {text!r}"
    return float(cleaned)
