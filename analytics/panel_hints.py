"""What to upload to fill a panel that would otherwise show only '(not given)'.

A breakdown by salesperson, branch, product line or place is only as good as the column that feeds it: when no
line of the period carries that column, the chart would be one bar labelled '(not given)'. Such a panel says
instead which file and which column fill it, with a link to the upload page.

Two tables, and nothing else, decide this: HINTS says once per dimension what to upload, BREAKDOWNS says which
dimensions each panel (by its key, the same on every page) breaks its figures down by and where its table holds
their values. `Panel.hints` (analytics.dashboard) reads them; the page template shows a panel's `missing` hint
in place of its chart, and its other hints as notes under it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from ingestion.models import Kind

NOT_GIVEN = "(not given)"  # what a page shows for a blank dimension value (analytics.pages.common.label)


@dataclass(frozen=True)
class Hint:
    dimension: str
    reason: str  # why the panel is empty: "No sales line names a salesperson."
    action: str  # what fills it, as the link's text: "Upload a customer master with a Salesperson column"
    kind: str  # the upload kind that fills it (ingestion.models.Kind)

    @property
    def url(self) -> str:
        return f"{reverse('upload')}?kind={self.kind}"  # the upload form opens on that kind


_CUSTOMER_MASTER = "Upload a customer master"
_ITEM_MASTER = "Upload an item master (Tally: List of Stock Items)"

HINTS: dict[str, Hint] = {
    hint.dimension: hint
    for hint in (
        Hint("salesperson", "No sales line names a salesperson.",
             f"{_CUSTOMER_MASTER} with a Salesperson column", Kind.CUSTOMERS),
        Hint("branch", "No sales line names a branch.", f"{_CUSTOMER_MASTER} with a Branch column", Kind.CUSTOMERS),
        Hint("product_line", "No sales line has a product line.",
             f"{_ITEM_MASTER} with a Stock Group column", Kind.ITEMS),
        Hint("cost", "No sales line has a cost, so gross profit and margin are blank.",
             "Upload an item master with a cost or standard rate column", Kind.ITEMS),
        Hint("state", "No sales line says which state it went to.",
             f"{_CUSTOMER_MASTER} with a State or GSTIN column", Kind.CUSTOMERS),
        Hint("country", "No sales line says which country it went to.",
             f"{_CUSTOMER_MASTER} with a Country column", Kind.CUSTOMERS),
        Hint("segment", "No customer has a segment.", f"{_CUSTOMER_MASTER} with a Segment column", Kind.CUSTOMERS),
        Hint("department", "The production sheet names no department.",
             "Upload production batches with a Department column", Kind.PRODUCTION),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Breakdown:
    """Where a panel's table holds the values of one dimension, and what a blank value reads as there.

    `column`: the values of that column (skipped when the table has no such column). `headers`: the labels of the
    columns after the first (a column per branch, per product line). `section`: only the rows whose first cell is
    this (the ideal-customer profile lists states, segments and product lines one under the other).
    `whole`: the panel shows nothing but this breakdown, so the hint takes the chart's place; otherwise the chart
    stays and the hint is a note under it.
    """

    dimension: str
    column: str = ""
    headers: bool = False
    section: str = ""
    whole: bool = True
    blanks: tuple = ("", None, NOT_GIVEN)


_COST = Breakdown("cost", column="gross_profit", whole=False, blanks=(None,))

BREAKDOWNS: dict[str, tuple[Breakdown, ...]] = {
    # People & branches
    "leaderboard": (Breakdown("salesperson", column="person"), Breakdown("branch", column="branch", whole=False),
                    _COST),
    "product_mix": (Breakdown("salesperson", column="person"), Breakdown("product_line", headers=True)),
    "branches": (Breakdown("branch", headers=True),),
    # Overview and Products
    "product_lines": (Breakdown("product_line", column="product_line"), _COST),
    "top_products": (Breakdown("product_line", column="product_line", whole=False), _COST),
    # Overview, Geography
    "places": (Breakdown("state", column="state"), Breakdown("country", column="country")),
    "supply": (Breakdown("state", column="supply", blanks=("Place not known",)),),
    # Customers
    "top_customers": (_COST,),
    "icp": tuple(
        Breakdown(dimension, column="value", section=section, whole=False)
        for dimension, section in (("state", "State"), ("segment", "Segment"), ("product_line", "Product line"))
    ),
    # Operations
    "production_departments": (Breakdown("department", column="department"),),
}  # fmt: skip


def _values(breakdown: Breakdown, table) -> list:
    """The breakdown's values in the table; none when the table does not hold it."""
    if breakdown.headers:
        return [column.label for column in table.columns[1:]]
    keys = [column.key for column in table.columns]
    if breakdown.column not in keys:
        return []
    index = keys.index(breakdown.column)
    return [row[index] for row in table.rows if not breakdown.section or row[0] == breakdown.section]


@dataclass(frozen=True)
class PanelHints:
    missing: Hint | None = None  # shown instead of the chart and table: what the panel breaks down by is blank
    notes: tuple[Hint, ...] = ()  # shown under the chart: a column beside the breakdown is blank


def hints_for(key: str, table) -> PanelHints:
    """What a panel's table lacks, by its BREAKDOWNS: a dimension whose every value is blank. A table without
    rows lacks nothing here (the panel says the period is empty)."""
    if not table.rows:
        return PanelHints()
    missing, notes = None, []
    for breakdown in BREAKDOWNS.get(key, ()):
        values = _values(breakdown, table)
        if not values or any(value not in breakdown.blanks for value in values):
            continue
        hint = HINTS[breakdown.dimension]
        if breakdown.whole and missing is None:
            missing = hint
        elif hint not in notes and hint is not missing:
            notes.append(hint)
    return PanelHints(missing, () if missing else tuple(notes))
