"""Pricing: how quantity answers price (elasticity, with the revenue effect of the last price change), and what
moves together (correlation), for the period and filters chosen."""

from __future__ import annotations

from decimal import Decimal

from .. import charts, correlation, elasticity
from ..dashboard import NO_SALES, Dashboard, Page, Panel
from ..tables import Column, Table
from .common import label

CHART_PRODUCTS = 25
# The page works out the elasticity of the biggest products only (nearly all its time is per product); the
# panel's download and the API have every product.
TOP_PRODUCTS = 100
SHORT_PERIOD = 12  # months: below this, say that a longer period tells more

ELASTICITY_NOTE = (
    f"Elasticity: the % change in units sold for a 1% change in price, from the months' average unit prices "
    f"(revenue over quantity), net of the sales trend, with its {elasticity.CONFIDENCE} interval. -1.5 reads "
    f'"1% dearer sells 1.5% fewer units"; below -1 a price rise loses revenue. Given only with '
    f"{elasticity.MIN_MONTHS} or more months with sales and prices that varied by "
    f"{elasticity.MIN_PRICE_SPREAD:.0%} or more. Last price change: the last month whose price moved more than "
    f"{elasticity.PRICE_MOVE:.0%}; its effect is the revenue since, less what the same months would have brought "
    f"at the old price (with the quantity the elasticity expects at that price, else the quantity sold before)."
)
LINE_PRICE_NOTE = (
    " A line's price is its revenue over its quantity, so a shift towards dearer products reads as a rise."
)


def _r(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.2f}")


ELASTICITY_COLUMNS = [
    Column("months", "Months with sales", "number"),
    Column("price_spread", "Price variation", "percent"),
    Column("elasticity", "Elasticity", "number"),
    Column("low", f"{elasticity.CONFIDENCE} low", "number"),
    Column("high", f"{elasticity.CONFIDENCE} high", "number"),
    Column("std_error", "Std error", "number"),
    Column("reading", "Reading"),
    Column("changed", "Last price change", "date"),
    Column("old_price", "Old price", "money"),
    Column("new_price", "New price", "money"),
    Column("change", "Price change", "percent"),
    Column("revenue_after", "Revenue since", "money"),
    Column("expected", "At the old price", "money"),
    Column("effect", "Revenue effect", "money"),
    Column("basis", "Expected from"),
]


def elasticity_row(found: elasticity.Elasticity) -> list:
    change = found.last_change
    spread = None if found.price_spread is None else Decimal(f"{found.price_spread:.4f}")
    return [
        found.months,
        spread,
        _r(found.estimate),
        _r(found.low),
        _r(found.high),
        _r(found.std_error),
        found.reading,
        *(
            [change.month, change.old_price, change.new_price, change.change, change.revenue_after, change.expected,
             change.effect, change.basis]
            if change else [None] * 8
        ),
    ]  # fmt: skip


def elasticity_figure(found: list[elasticity.Elasticity]) -> dict | None:
    """Each estimate as a dot with its interval as a bar, biggest revenue on top; a line at zero."""
    shown = [f for f in found if f.shown]
    if not shown:
        return None
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": [f.estimate for f in shown],
        "y": [f.label for f in shown],
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": [f.high - f.estimate for f in shown],
            "arrayminus": [f.estimate - f.low for f in shown],
            "color": charts.PALETTE[0],
        },
        "marker": {"color": charts.PALETTE[0], "size": 9},
        "customdata": [f"{f.estimate:.2f} ({f.low:.2f} to {f.high:.2f}), {f.months} months" for f in shown],
        "hovertemplate": "%{y}: %{customdata}<extra></extra>",
        "name": "Elasticity",
    }
    layout = {
        "margin": {"l": 10, "r": 20, "t": 10, "b": 50},
        "font": charts.FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "height": max(260, 26 * len(shown) + 80),
        "xaxis": {"title": {"text": "elasticity (% units for +1% price)"}, "zeroline": True,
                  "zerolinecolor": "#5b6770", "gridcolor": "#e5e8ec"},
        "yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
    }  # fmt: skip
    return {"data": [trace], "layout": layout}


# Red for negative, white at zero, blue for positive: the sign is what a reader needs first.
CORRELATION_SCALE = [[0.0, "#c0392b"], [0.5, "#f7f7f7"], [1.0, "#1f5fbf"]]


def correlation_figure(matrix: correlation.Matrix, what: str) -> dict | None:
    """A heatmap of r from -1 to 1, each cell labelled; blank cells (too few months) stay empty."""
    if not any(v is not None for row in matrix.values for v in row):
        return None
    text = [["" if v is None else f"{v:.2f}" for v in row] for row in matrix.values]
    hover = [
        [f"r = {v:.2f} over {n} months" if v is not None else f"blank: {n} months in common" for v, n in pairs]
        for pairs in (zip(row, months, strict=True) for row, months in zip(matrix.values, matrix.months, strict=True))
    ]
    trace = {
        "type": "heatmap",
        "x": matrix.column_labels,
        "y": matrix.row_labels,
        "z": matrix.values,
        "zmin": -1,
        "zmax": 1,
        "text": text,
        "texttemplate": "%{text}",
        "customdata": hover,
        "hovertemplate": f"%{{y}} × %{{x}} ({what}): %{{customdata}}<extra></extra>",
        "colorscale": CORRELATION_SCALE,
        "colorbar": {"title": {"text": "r"}, "tickvals": [-1, -0.5, 0, 0.5, 1], "thickness": 12},
        "xgap": 2,
        "ygap": 2,
    }
    layout = {
        "margin": {"l": 10, "r": 20, "t": 10, "b": 60},
        "font": charts.FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "height": max(320, 30 * len(matrix.rows) + 120),
        "xaxis": {"type": "category", "automargin": True},
        "yaxis": {"type": "category", "autorange": "reversed", "automargin": True},
    }
    return {"data": [trace], "layout": layout}


def _matrix_table(title: str, head: str, matrix: correlation.Matrix, note: str) -> Table:
    return Table(
        title,
        [Column("row", head), *[Column(f"r_{i}", name, "number") for i, name in enumerate(matrix.column_labels)]],
        [[name, *(_r(v) for v in row)] for name, row in zip(matrix.row_labels, matrix.values, strict=True)],
        note=note,
    )


def _elasticity_note(found: list[elasticity.Elasticity], what: str) -> str:
    shown = sum(1 for f in found if f.shown)
    return f"Measured for {shown:,} of {len(found):,} {what}; the others say why not. " + ELASTICITY_NOTE


def build(d: Dashboard) -> Page:
    page = Page("pricing", "Pricing")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    months = len(scope.period.months())
    if months < SHORT_PERIOD:
        page.notes.append(
            f"This period has {months} months: elasticity and correlation need months of price changes, so a period "
            "of 24 months or more tells more."
        )

    lines = elasticity.elasticities(scope, "product_line")
    note = _elasticity_note(lines, "product lines") + LINE_PRICE_NOTE
    table = Table(
        "Price elasticity by product line",
        [Column("product_line", "Product line"), *ELASTICITY_COLUMNS],
        [[label(f.product_line), *elasticity_row(f)] for f in lines],
        note=note,
    )
    page.panels.append(
        Panel("elasticity_lines", table.title, table, elasticity_figure(lines), note=note, wide=True,
              empty="No sales in this period.")
    )  # fmt: skip

    # The page works out the biggest products only; the panel's download, built from the same table, every one.
    if d.query.get("download") == "elasticity_products":
        products = elasticity.elasticities(scope, "product")
        total = len(products)
    else:
        products, total = elasticity.elasticity_page(scope, "product", TOP_PRODUCTS)
    note = _elasticity_note(products, "products")
    if total > len(products):
        note = (
            f"The {TOP_PRODUCTS:,} biggest products by revenue, of {total:,} sold; the download and the API have "
            f"every product. {note}"
        )
    table = Table(
        "Price elasticity by product",
        [Column("product", "Product"), Column("product_line", "Product line"), *ELASTICITY_COLUMNS],
        [[f.label, label(f.product_line), *elasticity_row(f)] for f in products],
        note=note,
    )
    charted = [f for f in products if f.shown][:CHART_PRODUCTS]
    page.panels.append(
        Panel("elasticity_products", f"Price elasticity of the top {CHART_PRODUCTS} products measured", table,
              elasticity_figure(charted), note=note, wide=True, empty="No products in this period.")
    )  # fmt: skip

    matrix = correlation.line_revenue(scope)
    note = (
        f"Pearson's r of two product lines' monthly revenue over the months both sold: +1 always up together, -1 "
        f"one up when the other is down, 0 no straight-line relation. Blank: fewer than {correlation.MIN_MONTHS} "
        f"months in common, or a line whose revenue never changed. {correlation.WARNING}"
    )
    table = _matrix_table("Product lines' monthly revenue: correlation", "Product line", matrix, note)
    page.panels.append(
        Panel("line_correlation", table.title, table, correlation_figure(matrix, "revenue"), note=note, wide=True,
              empty="No product lines in this period.")
    )  # fmt: skip

    matrix = correlation.customer_price_quantity(scope, correlation.biggest_customers(scope))
    note = (
        f"For each of the {correlation.TOP_CUSTOMERS} biggest customers and the product lines they buy most: r between "
        "the price they paid for the line in a month (revenue over quantity) and the quantity they bought of it. "
        "Below zero: in the months they paid more, they bought less. Blank: fewer than "
        f"{correlation.MIN_MONTHS} months with a purchase of the line, or one price all along. {correlation.WARNING}"
    )
    table = _matrix_table("Price paid against quantity, top customers", "Customer", matrix, note)
    page.panels.append(
        Panel("customer_correlation", table.title, table, correlation_figure(matrix, "price and quantity"),
              note=note, wide=True, empty="No customers in this period.")
    )  # fmt: skip
    return page
