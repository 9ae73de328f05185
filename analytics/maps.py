"""Choropleth maps of India's states and the world's countries, drawn on the server as inline SVG.

The same markup serves the page (hover and keyboard focus show each place's figure; a click filters to it) and
the PDF, which WeasyPrint draws without JavaScript. The shapes come from analytics/geodata (see its README for
their source and licence) and are projected and simplified once per process.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlencode

from django.utils.html import escape

from elettro.kernel.india import GST_STATES, state_code_for_name
from elettro.kernel.money import format_money, format_money_compact

GEODATA = Path(__file__).resolve().parent / "geodata"

# Sequential blues, light to dark, as the heatmaps use; a neutral grey, paler than the palest blue, for no sales.
STEPS = ("#c0d6f1", "#8db5e3", "#5a8fd0", "#2f67b4", "#143f86")
NO_SALES_GREY = "#e9ebef"

# GST codes that no longer have a shape of their own: Daman and Diu (25) merged into 26 in 2020, and pre-2014
# Andhra Pradesh (28) is drawn as today's Andhra Pradesh.
_FOLDED_CODES = {"25": "26", "28": "37"}
_OLD_STATE_NAMES = {
    "daman and diu": "25",
    "dadra and nagar haveli": "26",
    "dnh and dd": "26",
    "andhra pradesh (old)": "28",
}
# Country names that exports use and the ISO lists do not.
_COUNTRY_ALIASES = {
    "bharat": "IN",
    "uae": "AE",
    "u.a.e.": "AE",
    "u.a.e": "AE",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "britain": "GB",
    "holland": "NL",
    "korea": "KR",
    "south korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "vietnam": "VN",
    "czech republic": "CZ",
    "turkey": "TR",
    "ivory coast": "CI",
    "burma": "MM",
    "ceylon": "LK",
    "persia": "IR",
    "kosovo": "XK",
}


@dataclass(frozen=True)
class Shape:
    name: str
    d: str  # SVG path data, in the map's viewBox units


@dataclass(frozen=True)
class Geometry:
    kind: str  # "india" | "world"
    width: float
    height: float
    shapes: tuple[Shape, ...]
    readout: tuple[float, float, float]  # where the hovered place's name and figure are written: x, y, font size

    def shape(self, name: str) -> Shape | None:
        return next((shape for shape in self.shapes if shape.name == name), None)


# ---------------------------------------------------------------- names to shapes


def india_region(state: str | None) -> str | None:
    """The India map's region for a state as sales store it ('Tamil Nadu', 'Orissa', '33', 'Daman and Diu')."""
    if not state:
        return None
    key = re.sub(r"\s+", " ", str(state).replace("&", " and ")).strip().lower()
    code = state_code_for_name(key) or _OLD_STATE_NAMES.get(key)
    code = _FOLDED_CODES.get(code, code)
    name = GST_STATES.get(code or "")
    return name if name and india_geometry().shape(name) else None


def world_region(country: str | None) -> str | None:
    """The world map's region for a country as sales store it: a name ('India', 'United States'), or an ISO code
    ('IN', 'USA')."""
    if not country:
        return None
    key = re.sub(r"\s+", " ", str(country)).strip().lower()
    return _country_index().get(key)


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    by_code: dict[str, str] = {}
    for country in _world_source()["countries"]:
        name = country["name"]
        if country["iso_a2"]:
            by_code[country["iso_a2"].lower()] = name
        for alias in (name, country["iso_a2"], country["iso_a3"], *country["names"]):
            if alias:
                index.setdefault(alias.lower(), name)
    for alias, code in _COUNTRY_ALIASES.items():
        if code.lower() in by_code:
            index.setdefault(alias, by_code[code.lower()])
    index.setdefault("xk", index.get("kosovo", ""))
    return {key: value for key, value in index.items() if value}


# ---------------------------------------------------------------- geometry, loaded and projected once


@cache
def _world_source() -> dict:
    return json.loads((GEODATA / "world_countries.json").read_text(encoding="utf-8"))


@cache
def india_geometry() -> Geometry:
    source = json.loads((GEODATA / "india_states.json").read_text(encoding="utf-8"))
    left, top, right, bottom = source["bounds"]
    pad = 6.0
    shapes = []
    # The source draws Ladakh as the whole north with Jammu and Kashmir over it, so regions are drawn largest
    # first: a smaller region inside a bigger one stays on top, visible and hoverable.
    for region in sorted(source["regions"], key=lambda region: -_extent(region["rings"])):
        rings = [[(x - left + pad, y - top + pad) for x, y in _pairs(ring)] for ring in region["rings"]]
        shapes.append(Shape(region["name"], _path(rings, tolerance=0.35, places=1)))
    # The Bay of Bengal, between the coast and the Andaman Islands, is open sea: the readout goes there.
    return Geometry("india", right - left + 2 * pad, bottom - top + 2 * pad, tuple(shapes), (490.0, 470.0, 30.0))


@cache
def world_geometry() -> Geometry:
    scale = 180.0  # Equal Earth units to viewBox units: the world is about 975 wide
    projected = []
    for country in _world_source()["countries"]:
        rings = [[_equal_earth(lon, lat) for lon, lat in _pairs(ring)] for ring in country["rings"]]
        projected.append((country["name"], [[(x * scale, -y * scale) for x, y in ring] for ring in rings]))
    xs = [x for _, rings in projected for ring in rings for x, _ in ring]
    ys = [y for _, rings in projected for ring in rings for _, y in ring]
    left, top, pad = min(xs), min(ys), 4.0
    shapes = []
    for name, rings in projected:
        moved = [[(x - left + pad, y - top + pad) for x, y in ring] for ring in rings]
        shapes.append(Shape(name, _path(moved, tolerance=0.45, places=1)))
    width, height = max(xs) - left + 2 * pad, max(ys) - top + 2 * pad
    # The South Pacific, bottom left, is open sea.
    return Geometry("world", width, height, tuple(shapes), (12.0, height - 64.0, 30.0))


def _extent(rings: list[list[float]]) -> float:
    xs = [x for ring in rings for x in ring[0::2]]
    ys = [y for ring in rings for y in ring[1::2]]
    return (max(xs) - min(xs)) * (max(ys) - min(ys))


def _pairs(flat: list[float]):
    return zip(flat[0::2], flat[1::2], strict=True)


def _equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """The Equal Earth projection (Šavrič, Patterson and Jenny, 2018): equal-area, with straight parallels."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    m = math.sqrt(3) / 2
    theta = math.asin(m * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = math.radians(lon) * math.cos(theta) / (m * (a1 + 3 * a2 * t2 + t6 * (7 * a3 + 9 * a4 * t2)))
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return x, y


def _path(rings: list[list[tuple[float, float]]], *, tolerance: float, places: int) -> str:
    """Relative SVG path data; rings are thinned to what the drawing can show (small islands are kept)."""
    parts = []
    for ring in rings:
        points = thin(ring, tolerance)
        step = 10**places
        grid = [(round(x * step), round(y * step)) for x, y in points]
        out = [f"M{_num(grid[0][0], places)} {_num(grid[0][1], places)}"]
        moves = []
        for (x1, y1), (x2, y2) in pairwise(grid):
            if (x1, y1) != (x2, y2):
                moves.append(f"{_num(x2 - x1, places)} {_num(y2 - y1, places)}")
        if moves:
            out.append("l" + " ".join(moves))
        parts.append("".join(out) + "z")
    return "".join(parts).replace(" -", "-")


def _num(value: int, places: int) -> str:
    text = f"{value / 10**places:.{places}f}".rstrip("0").rstrip(".")
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else (text or "0")


def thin(points: list[tuple[float, float]], tolerance: float, *, whole: int = 5) -> list[tuple[float, float]]:
    """Douglas-Peucker; a ring of `whole` points or fewer keeps every point, so islands keep their shape. The
    boundary files' build (geodata/build.py) thins with it too."""
    if len(points) <= whole:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            x, y = points[i]
            distance = (
                abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length if length else math.hypot(x - x1, y - y1)
            )
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    kept = [point for point, flag in zip(points, keep, strict=True) if flag]
    return kept if len(kept) >= 4 else points


# ---------------------------------------------------------------- the drawing


@dataclass(frozen=True)
class MapResult:
    svg: str  # the figure: map, legend and readout; every text escaped
    unmapped: dict[str, Decimal]  # values whose place has no shape (blank, foreign states, unknown names)


def colour_steps(top: Decimal) -> list[Decimal]:
    """Upper bounds of the colour steps: a square-root scale of the largest figure, so a few big places don't
    leave every other one in the palest colour."""
    return [top * Decimal(index * index) / Decimal(len(STEPS) ** 2) for index in range(1, len(STEPS) + 1)]


def colour_for(value: Decimal, bounds: list[Decimal]) -> str:
    for colour, bound in zip(STEPS, bounds, strict=True):
        if value <= bound:
            return colour
    return STEPS[-1]


def choropleth(
    geometry: Geometry,
    values: Mapping[str, Decimal],
    *,
    resolve: Callable[[str], str | None],
    currency: str,
    title: str,
    measure: str = "Revenue",
    link: Callable[[str], str] | None = None,
) -> MapResult:
    """Colour each region by the sum of the values that resolve to it. `values` are keyed by the stored value
    (a state or country as the sales name it); `link(value)` gives the URL a click on the region opens."""
    totals: dict[str, Decimal] = {}
    keys: dict[str, str] = {}  # region -> the stored value a click filters on (the biggest one drawn there)
    unmapped: dict[str, Decimal] = {}
    for value, amount in sorted(values.items(), key=lambda item: -item[1]):
        region = resolve(value)
        if region is None:
            unmapped[value] = amount
            continue
        totals[region] = totals.get(region, Decimal(0)) + amount
        keys.setdefault(region, value)
    shown = {region: amount for region, amount in totals.items() if amount}
    top = max((amount for amount in shown.values() if amount > 0), default=Decimal(0))
    bounds = colour_steps(top) if top else []
    ranked = sorted(shown.items(), key=lambda item: -item[1])
    summary = "; ".join(f"{region} {format_money_compact(amount, currency)}" for region, amount in ranked[:5])
    places = "states and union territories" if geometry.kind == "india" else "countries"
    label = f"{title}. {len(shown)} of {len(geometry.shapes)} {places} with sales" + (
        f". Highest: {summary}." if summary else "."
    )
    x, y, size = geometry.readout
    parts = [
        f'<svg class="choropleth" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {geometry.width:.0f} '
        f'{geometry.height:.0f}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'role="{"group" if link else "img"}" aria-label="{escape(label)}" data-map="{geometry.kind}">',
        f"<title>{escape(title)}</title>",
        _STYLE,
    ]
    for shape in geometry.shapes:
        amount = shown.get(shape.name)
        colour = colour_for(amount, bounds) if amount is not None and bounds else NO_SALES_GREY
        if amount is not None and amount < 0:
            colour = STEPS[0]
        said = f"{shape.name}: {format_money(amount, currency)}" if amount is not None else f"{shape.name}: no sales"
        short = format_money_compact(amount, currency) if amount is not None else "No sales"
        value = f"{amount}" if amount is not None else ""
        path = (
            f'<path d="{shape.d}" fill="{colour}" data-region="{escape(shape.name)}" data-value="{value}"'
            f' data-colour="{colour}"/>'
        )
        lines = [*_wrap(shape.name), f"{measure}: {short}"]
        readout = (
            f'<text class="readout" x="{x:.0f}" y="{y:.0f}" font-size="{size:.0f}" visibility="hidden">'
            + "".join(
                f'<tspan x="{x:.0f}" dy="{size * 1.2 if index else 0:.0f}">{escape(line)}</tspan>'
                for index, line in enumerate(lines)
            )
            + "</text>"
        )
        if link and amount is not None:
            href = escape(link(keys[shape.name]))
            parts.append(f'<a class="region" href="{href}"><title>{escape(said)}</title>{path}{readout}</a>')
        else:
            parts.append(f'<g class="region"><title>{escape(said)}</title>{path}{readout}</g>')
    parts.append("</svg>")
    legend = _legend(bounds, currency, measure)
    return MapResult(f'<figure class="map" data-map="{geometry.kind}">{"".join(parts)}{legend}</figure>', unmapped)


def _wrap(name: str, width: int = 15) -> list[str]:
    """A long place name on several short lines, so the readout stays in the open sea."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _legend(bounds: list[Decimal], currency: str, measure: str) -> str:
    items = []
    lower = Decimal(0)
    for colour, upper in zip(STEPS, bounds, strict=False):
        text = f"{format_money_compact(lower, currency)} – {format_money_compact(upper, currency)}"
        items.append(_swatch(colour, text))
        lower = upper
    items.append(_swatch(NO_SALES_GREY, "No sales"))
    title = f'<span class="legend-title">{escape(measure)}</span>'
    return f'<figcaption class="map-legend">{title}{"".join(items)}</figcaption>'


def _swatch(colour: str, text: str) -> str:
    # The swatch is a tiny SVG so that it prints (background colours may be dropped when printing).
    return (
        '<span class="legend-item"><svg width="14" height="10" viewBox="0 0 14 10" aria-hidden="true">'
        f'<rect width="14" height="10" fill="{colour}" stroke="#98a2b3" stroke-width="1"/></svg> '
        f"{escape(text)}</span>"
    )


# Inside the SVG, so the page needs no stylesheet of its own and the PDF (which ignores :hover) looks the same.
_STYLE = (
    "<style>"
    ".choropleth path{stroke:#fff;stroke-width:.8;stroke-linejoin:round}"
    ".choropleth .region{outline:none;cursor:default}"
    ".choropleth a.region{cursor:pointer}"
    ".choropleth .region:hover path,.choropleth .region:focus path{stroke:#101828;stroke-width:2}"
    ".choropleth .region:hover .readout,.choropleth .region:focus .readout{visibility:visible}"
    ".choropleth .readout{fill:#101828;font-family:sans-serif;font-weight:600;paint-order:stroke;"
    "stroke:#fff;stroke-width:5px;stroke-linejoin:round}"
    "</style>"
)


def filter_link(query: Mapping[str, str], dimension: str) -> Callable[[str], str]:
    """A function giving '?…&state=Gujarat': the page's query with one filter set (and no download)."""
    kept = {key: value for key, value in query.items() if key not in (dimension, "download", "format")}

    def link(value: str) -> str:
        return "?" + urlencode({**kept, dimension: value})

    return link
