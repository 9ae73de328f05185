"""Drill-down from a dashboard page: where each bar and each table row leads.

A panel whose table is keyed by a filter dimension (its first text column: product line, state, salesperson...)
leads to the same page with that filter set, keeping the period and the other filters; one keyed by customer or
product leads to that customer's or product's page. Values the filter bar does not know, and blanks shown as
"(not given)", lead nowhere.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Q

from ingestion.models import Customer, Product

from ..dashboard import Page
from ..filters import Selection
from ..templatetags.analytics import TABLE_ROWS
from .common import customer_url, product_url

# A table column that holds a filter dimension's values: the filter it sets.
DIMENSION_COLUMNS = {
    "product_line": "product_line",
    "state": "state",
    "country": "country",
    "branch": "branch",
    "person": "salesperson",
    "salesperson": "salesperson",
    "segment": "segment",
}
# Tables whose column has a dimension's name but not its values: RFM segments are not the customers' segments.
NOT_DRILLABLE = {("customers", "rfm")}
TEXT_KINDS = {"text"}


def _key_column(table) -> int | None:
    """The first text column: what a row is about (a leaderboard's rank comes before its person)."""
    return next((i for i, column in enumerate(table.columns) if column.kind in TEXT_KINDS), None)


def _unique(pairs) -> dict[str, str]:
    """{label: key} for the labels that name one key only."""
    pairs = set(pairs)
    counts = Counter(label for label, _ in pairs)
    return {label: key for label, key in pairs if counts[label] == 1}


def _customer_keys(labels: set[str]) -> dict[str, str]:
    return _unique(Customer.objects.filter(name__in=labels).exclude(key="").values_list("name", "key"))


def _product_keys(labels: set[str]) -> dict[str, str]:
    found = Product.objects.filter(Q(name__in=labels) | Q(code__in=labels)).values_list("name", "code", "key")
    # A product is shown by its name, else its code.
    return _unique((name or code, key) for name, code, key in found if (name or code) in labels)


def drill_links(page: Page, selection: Selection, known: dict[str, list[str]], path: str) -> dict[str, dict]:
    """{panel key: {"column": index, "hrefs": [href or None per row], "labels": {label: href}}} for the panels that
    drill. `known` holds the filter bar's values of each dimension; `path` is the page's own path."""
    drills = {}
    query = selection.query()
    for panel in page.panels:
        index = _key_column(panel.table)
        if index is None or (page.key, panel.key) in NOT_DRILLABLE or not panel.table.rows:
            continue
        column = panel.table.columns[index].key
        # Only the rows the page shows (a chart draws from the top of its table): a products table of 2,000 rows
        # would otherwise look up and link every product, most of the page's time at 1,000,000 lines.
        rows = panel.table.rows[:TABLE_ROWS]
        labels = {row[index] for row in rows if isinstance(row[index], str) and row[index]}
        if column in DIMENSION_COLUMNS:
            dimension = DIMENSION_COLUMNS[column]
            values = set(known.get(dimension, ())) & labels
            targets = {value: f"{path}?{selection.query(**{dimension: value})}" for value in values}
        elif column == "customer":
            targets = {label: customer_url(key, query) for label, key in _customer_keys(labels).items()}
        elif column == "product":
            targets = {label: product_url(key, query) for label, key in _product_keys(labels).items()}
        else:
            continue
        if targets:
            hrefs = [targets.get(row[index]) if isinstance(row[index], str) else None for row in rows]
            drills[panel.key] = {"column": index, "hrefs": hrefs, "labels": targets}
    return drills


def chart_links(page: Page, drills: dict[str, dict]) -> dict[str, dict[str, str]]:
    """{chart element id: {label: href}}: what a click on a bar of each drawn chart opens."""
    return {
        f"chart-{panel.key}": drills[panel.key]["labels"]
        for panel in page.panels
        if panel.key in drills and panel.shows_chart
    }
