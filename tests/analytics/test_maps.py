"""Maps on the Geography page and in its report: India's states and the world's countries, coloured by revenue,
drawn offline from the boundary files shipped in analytics/geodata."""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from decimal import Decimal
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django_tenants.utils import tenant_context

from analytics import maps
from elettro.kernel.india import GST_STATES
from elettro.kernel.money import format_money
from reports.generation import report_build, report_render
from reports.rendering.pdf import report_html
from tests.ingestion.test_pipeline import HEADER, csv_bytes, load

pytestmark = pytest.mark.django_db

GEODATA = Path(maps.__file__).resolve().parent / "geodata"
YEAR = {"from": "2024-04-01", "to": "2025-03-31"}
QUERY = "from=2024-04-01&to=2025-03-31"

# Sales as a file names them: old and odd spellings too. (state, country, taxable value)
PLANTED = [
    ("Tamil Nadu", "India", "125000.50"),
    ("Tamil Nadu", "India", "4999.50"),
    ("Maharashtra", "India", "980000.00"),
    ("Orissa", "India", "40000.00"),  # folded to Odisha by ingestion
    ("Ladakh", "India", "7500.25"),
    ("Delhi", "India", "66000.00"),
    ("Dadra and Nagar Haveli and Daman and Diu", "India", "12000.00"),
    ("California", "USA", "300000.00"),
    ("Ontario", "Canada", "55000.00"),
]
ODISHA = {"Orissa": "Odisha"}


def _rows(planted):
    rows = [[*HEADER, "Country"]]
    for n, (state, country, taxable) in enumerate(planted, start=1):
        rows.append(
            [f"M-{n}", f"{10 + n:02d}/06/2024", f"Buyer {n}", state, "Lamp", "1", taxable, taxable, "18", country]
        )
    return rows


def _regions(svg: str) -> dict[str, dict]:
    """Each drawn region: its value, colour and the hover title around it."""
    regions = {}
    for match in re.finditer(r'<(a|g) class="region"(?: href="([^"]*)")?><title>([^<]*)</title><path ([^>]*)/>', svg):
        attributes = dict(re.findall(r'(data-[\w-]+)="([^"]*)"', match.group(4)))
        regions[unescape(attributes["data-region"])] = {
            "value": Decimal(attributes["data-value"]) if attributes["data-value"] else None,
            "colour": attributes["data-colour"],
            "title": unescape(match.group(3)),
            "href": unescape(match.group(2) or ""),
        }
    return regions


def _map(html: str, kind: str) -> str:
    start = html.index(f'<figure class="map" data-map="{kind}">')
    return html[start : html.index("</figure>", start)]


def _load(company, planted=PLANTED):
    with tenant_context(company):
        job = load(csv_bytes(_rows(planted)), "sales.csv")
        assert job.status == "succeeded" and job.rows_rejected == 0, job.error


def test_every_gst_state_and_union_territory_has_a_shape():
    drawn = {shape.name for shape in maps.india_geometry().shapes}
    for code, name in GST_STATES.items():
        if code == "97":  # "Other Territory": no place on a map
            continue
        region = maps.india_region(name)
        assert region in drawn, name
        assert maps.india_region(code) == region, code
    # Old names and the merged union territory
    assert maps.india_region("Orissa") == "Odisha"
    assert maps.india_region("Uttaranchal") == "Uttarakhand"
    assert maps.india_region("Pondicherry") == "Puducherry"
    assert maps.india_region("Daman and Diu") == "Dadra and Nagar Haveli and Daman and Diu"
    assert maps.india_region("Dadra & Nagar Haveli") == "Dadra and Nagar Haveli and Daman and Diu"
    assert maps.india_region("Andhra Pradesh (old)") == "Andhra Pradesh"
    assert maps.india_region("Ladakh") == "Ladakh" != maps.india_region("Jammu and Kashmir")
    assert maps.india_region("California") is None and maps.india_region("") is None
    # One shape per state or union territory of today: 28 states and 8 union territories
    assert len(drawn) == 36


def test_country_names_and_codes_resolve_to_their_shapes():
    names = {shape.name for shape in maps.world_geometry().shapes}
    india = maps.world_region("India")
    assert india in names
    assert maps.world_region("IN") == maps.world_region("IND") == maps.world_region("bharat") == india
    usa = maps.world_region("United States")
    assert usa in names and usa != india
    assert maps.world_region("USA") == maps.world_region("US") == maps.world_region("United States of America") == usa
    assert maps.world_region("UK") == maps.world_region("United Kingdom") == maps.world_region("GB")
    assert maps.world_region("UAE") == maps.world_region("United Arab Emirates")
    for small in ("Singapore", "Bahrain", "Maldives", "Mauritius", "Hong Kong"):
        assert maps.world_region(small) in names, small
    assert maps.world_region("Atlantis") is None and maps.world_region("") is None


def test_the_boundary_files_are_small_and_carry_their_licence():
    for name in ("india_states.json", "world_countries.json"):
        path = GEODATA / name
        assert path.stat().st_size < 300 * 1024, name
        assert json.loads(path.read_text(encoding="utf-8"))["source"].startswith("npm ")
    licence = (GEODATA / "LICENCE.md").read_text(encoding="utf-8")
    for words in ("@react-map/india", "MIT", "world-atlas", "Natural Earth", "public domain", "i18n-iso-countries"):
        assert words in licence, words
    assert (GEODATA / "README.md").exists() and (GEODATA / "build.py").exists()


def test_the_geography_page_colours_each_state_by_its_revenue(make_company, company_client):
    company, owner = make_company("mapped")
    planted = [row for row in PLANTED if row[1] == "India"]
    _load(company, planted)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for state, _, taxable in planted:
        revenue[ODISHA.get(state, state)] += Decimal(taxable)

    response = company_client(company, owner).get(f"/geography/?{QUERY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-map="world"' not in html  # one country: no world map
    svg = _map(html, "india")
    regions = _regions(svg)
    assert len(regions) == 36
    for state, amount in revenue.items():
        assert regions[state]["value"] == amount, state
        assert regions[state]["title"] == f"{state}: {format_money(amount, 'INR')}"
        assert regions[state]["colour"] != maps.NO_SALES_GREY
        link = parse_qs(urlsplit(regions[state]["href"]).query)
        assert link["state"] == [state]  # a click filters the page to the state
        assert link["from"] == ["2024-04-01"]  # the rest of the query is kept
    # More revenue, a darker (or the same) step; the biggest state gets the darkest
    order = sorted(revenue, key=revenue.get)
    steps = [maps.STEPS.index(regions[state]["colour"]) for state in order]
    assert steps == sorted(steps) and steps[-1] == len(maps.STEPS) - 1 and steps[0] < steps[-1]
    for state in ("Kerala", "Gujarat", "Jammu and Kashmir"):
        assert regions[state]["value"] is None and regions[state]["colour"] == maps.NO_SALES_GREY
        assert regions[state]["title"] == f"{state}: no sales"
    assert "No sales" in svg  # the legend's grey
    assert 'role="group"' in svg and "aria-label=" in svg
    # The state table stays as the map's data table
    panel = html[html.index('data-panel="places"') :]
    assert "<table" in panel[: panel.index("</section>")]
    assert "Maharashtra" in panel[: panel.index("</section>")]


def test_a_second_country_adds_a_world_map_and_keeps_the_state_map(make_company, company_client):
    company, owner = make_company("abroad")
    _load(company)
    by_country: dict[str, Decimal] = defaultdict(Decimal)
    for _, country, taxable in PLANTED:
        by_country[country] += Decimal(taxable)

    html = company_client(company, owner).get(f"/geography/?{QUERY}").content.decode()
    world = _regions(_map(html, "world"))
    assert world[maps.world_region("India")]["value"] == by_country["India"]
    assert world[maps.world_region("USA")]["value"] == by_country["USA"]
    assert world[maps.world_region("Canada")]["value"] == by_country["Canada"]
    assert world[maps.world_region("France")]["colour"] == maps.NO_SALES_GREY
    assert parse_qs(urlsplit(world[maps.world_region("USA")]["href"]).query)["country"] == ["USA"]
    india = _regions(_map(html, "india"))
    assert india["Tamil Nadu"]["value"] == Decimal("130000.00")
    # California and Ontario are not Indian states: they are named under the map, not drawn
    assert "Not on the map: California" in html


def test_the_geography_report_pdf_shows_the_maps(make_company):
    company, _ = make_company("mapreport")
    _load(company)
    with tenant_context(company):
        report = report_build(company, "gst-summary", YEAR)
        html = report_html(report)
        content = report_render(report, "pdf")
        workbook = report_render(report, "xlsx")

    assert html.count('<figure class="map"') == 2
    assert 'data-map="world"' in html and 'data-map="india"' in html
    maharashtra = _regions(_map(html, "india"))["Maharashtra"]
    assert maharashtra["value"] == Decimal("980000.00")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    text = text.stdout.decode("utf-8")
    assert "Revenue by state" in text and "Revenue by country" in text
    assert "No sales" in text  # the maps' legends are printed
    assert "Revenue: ₹" not in text  # the hover readouts stay hidden on paper
    assert len(workbook) > 0


@pytest.mark.parametrize("value", ["", "Nowhere", "<script>"])
def test_places_without_a_shape_are_listed_not_drawn(value):
    drawn = maps.choropleth(
        maps.india_geometry(),
        {value: Decimal("10"), "Kerala": Decimal("20")},
        resolve=maps.india_region,
        currency="INR",
        title="Revenue <by> state",
    )
    assert drawn.unmapped == {value: Decimal("10")}
    assert "<script>" not in drawn.svg and "Revenue &lt;by&gt; state" in drawn.svg
    assert _regions(drawn.svg)["Kerala"]["value"] == Decimal("20")
