"""Rebuild india_states.json and world_countries.json from the npm packages named in README.md.

Run from the repository root: `.venv/bin/python analytics/geodata/build.py`. It downloads three tarballs from the
npm registry (nothing else), simplifies and rounds the shapes so each file stays small, and writes the two files
beside this script. The output is deterministic for the pinned versions below.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # run as a script from the checkout: the repository's packages
from analytics.maps import thin  # noqa: E402

REGISTRY = "https://registry.npmjs.org"
INDIA = ("@react-map/india", "1.0.21", "india-1.0.21.tgz")
WORLD = ("world-atlas", "2.0.2", "world-atlas-2.0.2.tgz")
CODES = ("i18n-iso-countries", "7.14.0", "i18n-iso-countries-7.14.0.tgz")

# The India package still draws the two UTs merged in 2020 apart; GST has one code (26) for them.
MERGED = {
    "Dadra and Nagar Haveli": "Dadra and Nagar Haveli and Daman and Diu",
    "Daman and Diu": "Dadra and Nagar Haveli and Daman and Diu",
}

# Natural Earth draws the Siachen Glacier as a feature of its own; India administers it, so it is drawn as India.
INTO = {"Siachen Glacier": "India"}


def package_files(name: str, version: str, tarball: str, wanted: tuple[str, ...]) -> dict[str, bytes]:
    url = f"{REGISTRY}/{name}/-/{tarball}"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https URL
        data = response.read()
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            path = member.name.removeprefix("package/")
            if path in wanted:
                files[path] = archive.extractfile(member).read()
    missing = set(wanted) - set(files)
    if missing:
        raise SystemExit(f"{name}@{version} has no {', '.join(sorted(missing))}")
    return files


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on one ring (the pages' own, analytics.maps.thin); rings of four points or fewer (islands)
    are kept whole so small places stay on the map."""
    return thin(points, tolerance, whole=4)


def flat(points, places: int) -> list[float]:
    out: list[float] = []
    previous = None
    for x, y in points:
        point = (round(x, places), round(y, places))
        if point != previous:
            out += point
        previous = point
    return out


# ---------------------------------------------------------------- India: SVG paths, already projected


def svg_rings(d: str) -> list[list[tuple[float, float]]]:
    """Absolute points of the rings of an SVG path using M, L, H, V, Z (either case)."""
    rings, ring = [], []
    x = y = 0.0
    for command, args in re.findall(r"([MLHVZmlhvz])([^MLHVZmlhvz]*)", d):
        numbers = [float(n) for n in re.findall(r"-?\d*\.?\d+(?:e-?\d+)?", args)]
        if command in "Zz":
            if ring:
                rings.append(ring)
            ring = []
            continue
        if command in "Hh":
            for n in numbers:
                x = x + n if command == "h" else n
                ring.append((x, y))
        elif command in "Vv":
            for n in numbers:
                y = y + n if command == "v" else n
                ring.append((x, y))
        else:
            for index in range(0, len(numbers), 2):
                dx, dy = numbers[index], numbers[index + 1]
                if command in "ml":
                    x, y = x + dx, y + dy
                else:
                    x, y = dx, dy
                if command in "Mm" and index == 0 and ring:
                    rings.append(ring)
                    ring = []
                ring.append((x, y))
    if ring:
        rings.append(ring)
    return rings


def build_india() -> dict:
    name, version, tarball = INDIA
    source = package_files(name, version, tarball, ("src/constants.ts",))["src/constants.ts"].decode()
    start = source.index("export const drawPath = {") + len("export const drawPath = {")
    body = source[start : source.index("};", start)]
    regions: dict[str, list[list[float]]] = {}
    for _, state, d in re.findall(r"\s*('?)([^':\n]+)\1:\s*\n?\s*'([^']+)',?", body):
        state = MERGED.get(state.strip(), state.strip())
        for ring in svg_rings(d):
            regions.setdefault(state, []).append(flat(simplify(ring, 0.12), 1))
    xs = [ring[i] for rings in regions.values() for ring in rings for i in range(0, len(ring), 2)]
    ys = [ring[i] for rings in regions.values() for ring in rings for i in range(1, len(ring), 2)]
    return {
        "source": f"npm {name}@{version} (src/constants.ts, drawPath)",
        "units": "SVG user units, already projected by the source",
        "bounds": [min(xs), min(ys), max(xs), max(ys)],
        "regions": [{"name": state, "rings": rings} for state, rings in sorted(regions.items())],
    }


# ---------------------------------------------------------------- World: Natural Earth TopoJSON, lon/lat


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(arcs, indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points += arc[1:] if points else arc
    return points


def clip(ring: list[tuple[float, float]], inside, cross) -> list[tuple[float, float]]:
    """Sutherland-Hodgman against one half-plane: `inside(point)`, and `cross(a, b)` where an edge leaves it."""
    out = []
    for index, point in enumerate(ring):
        before = ring[index - 1]
        if inside(point):
            if not inside(before):
                out.append(cross(before, point))
            out.append(point)
        elif inside(before):
            out.append(cross(before, point))
    return out


def at_longitude(edge: float):
    def cross(a, b):
        share = (edge - a[0]) / (b[0] - a[0])
        return (edge, a[1] + share * (b[1] - a[1]))

    return cross


def split_at_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that crosses 180° (Russia's far east, Fiji) as the two rings a flat map draws on either side."""
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        while lon - previous > 180:
            lon -= 360
        while lon - previous < -180:
            lon += 360
        unwrapped.append((lon, lat))
    if all(-180 <= lon <= 180 for lon, _ in unwrapped):
        return [ring]
    west = clip(unwrapped, lambda p: p[0] <= 180, at_longitude(180))
    shifted = [(lon - 360, lat) for lon, lat in unwrapped] if max(lon for lon, _ in unwrapped) > 180 else []
    if not shifted:  # the ring strays below -180 instead
        west = clip(unwrapped, lambda p: p[0] >= -180, at_longitude(-180))
        shifted = [(lon + 360, lat) for lon, lat in unwrapped]
        east = clip(shifted, lambda p: p[0] <= 180, at_longitude(180))
    else:
        east = clip(shifted, lambda p: p[0] >= -180, at_longitude(-180))
    return [part for part in (west, east) if len(part) >= 3]


def build_world() -> dict:
    name, version, tarball = WORLD
    topology = json.loads(package_files(name, version, tarball, ("countries-50m.json",))["countries-50m.json"])
    codes_name, codes_version, codes_tarball = CODES
    code_files = package_files(codes_name, codes_version, codes_tarball, ("codes.json", "langs/en.json"))
    codes = {numeric: (alpha2, alpha3) for alpha2, alpha3, numeric, _ in json.loads(code_files["codes.json"])}
    english = json.loads(code_files["langs/en.json"])["countries"]
    arcs = decode_arcs(topology)
    countries = []
    merged: dict[str, list] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["properties"]["name"] == "Antarctica" or not geometry.get("arcs"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [
            flat(simplify(part, 0.12), 2)
            for polygon in polygons
            for ring in polygon
            for part in split_at_antimeridian(ring_points(arcs, ring))
        ]
        if geometry["properties"]["name"] in INTO:
            merged.setdefault(INTO[geometry["properties"]["name"]], []).extend(rings)
            continue
        alpha2, alpha3 = codes.get(geometry.get("id", ""), ("", ""))
        names = english.get(alpha2, [])
        names = [names] if isinstance(names, str) else names
        countries.append(
            {
                "name": geometry["properties"]["name"],
                "iso_a2": alpha2,
                "iso_a3": alpha3,
                "names": names,
                "rings": rings,
            }
        )
    for country in countries:
        country["rings"] += merged.get(country["name"], [])
    return {
        "source": f"npm {name}@{version} (countries-50m.json, Natural Earth 4.1.0); names and ISO codes from "
        f"npm {codes_name}@{codes_version}",
        "units": "longitude, latitude in degrees",
        "countries": sorted(countries, key=lambda country: country["name"]),
    }


def main() -> None:
    for filename, data in (("india_states.json", build_india()), ("world_countries.json", build_world())):
        path = HERE / filename
        path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
