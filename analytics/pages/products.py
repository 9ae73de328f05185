"""Products: what sells, what earns, and how concentrated the revenue is."""

from __future__ import annotations

from decimal import Decimal

from elettro.kernel.money import format_money

from .. import charts, engine
from ..dashboard import NO_SALES, Dashboard, Page, Panel, margin, ratio
from ..tables import Column, Table
from .common import label

TOP = 25
PARETO_CHART = 300


def _band_label(band: int, currency: str) -> str:
    low = Decimal(10) ** band if band > 0 else Decimal(0)
    high = Decimal(10) ** (band + 1)
    return f"{format_money(low, currency, 0)} – {format_money(high, currency, 0)}"


def product_label(row: dict) -> str:
    """A product as the file names it: its name, else its code as spelled there (the key is folded to lower case
    to match the same product in another file, and is never shown)."""
    return row["product_name"] or row["product_code"] or row["product_key"]


def build(d: Dashboard) -> Page:
    page = Page("products", "Products")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    currency = d.currency
    lines = sorted(engine.sales(scope, ("product_line",)), key=lambda row: -row["revenue"])
    costed = any(row["costed_revenue"] for row in lines)
    table = Table(
        "Product lines",
        [
            Column("product_line", "Product line"),
            Column("revenue", "Revenue", "money"),
            Column("gross_profit", "Gross profit", "money"),
            Column("margin", "Margin", "percent"),
            Column("orders", "Orders", "number"),
            Column("quantity", "Quantity", "number"),
        ],
        [
            [
                label(r["product_line"]),
                r["revenue"],
                r["gross_profit"] if r["costed_revenue"] else None,
                margin(r["gross_profit"], r["costed_revenue"]),
                r["orders"],
                r["quantity"],
            ]
            for r in lines
        ],
    )
    figure = charts.lines(
        [label(r["product_line"]) for r in lines],
        {
            "Revenue": [r["revenue"] for r in lines],
            **({"Gross profit": [r["gross_profit"] for r in lines]} if costed else {}),
        },
        currency=currency,
        kinds={"Revenue": "bar", "Gross profit": "bar"},
    )
    page.panels.append(
        Panel(
            "product_lines",
            "Product lines by revenue and gross profit",
            table,
            figure,
            wide=True,
            empty="No sales in this period.",
        )
    )

    products = engine.products(scope)
    by_revenue = sorted(products, key=lambda r: (-r["revenue"], r["product_key"]))
    columns = [
        Column("product", "Product"),
        Column("product_line", "Product line"),
        Column("revenue", "Revenue", "money"),
        Column("gross_profit", "Gross profit", "money"),
        Column("margin", "Margin", "percent"),
        Column("quantity", "Quantity", "number"),
    ]

    def row(r):
        return [
            product_label(r),
            label(r["product_line"]),
            r["revenue"],
            r["gross_profit"] if r["costed_revenue"] else None,
            margin(r["gross_profit"], r["costed_revenue"]),
            r["quantity"],
        ]

    table = Table(f"Top {TOP} products by revenue", columns, [row(r) for r in by_revenue[:TOP]])
    figure = charts.bar([t[0] for t in table.rows], [t[2] for t in table.rows], currency=currency, horizontal=True)
    figure["layout"]["height"] = max(320, 22 * len(table.rows) + 60)
    page.panels.append(Panel("top_products", table.title, table, figure, empty="No products in this period."))
    if costed:
        by_profit = sorted(products, key=lambda r: (-r["gross_profit"], r["product_key"]))
        table = Table(f"Top {TOP} products by gross profit", columns, [row(r) for r in by_profit[:TOP]])
        figure = charts.bar(
            [t[0] for t in table.rows],
            [t[3] for t in table.rows],
            currency=currency,
            horizontal=True,
            color=charts.PALETTE[2],
        )
        figure["layout"]["height"] = max(320, 22 * len(table.rows) + 60)
        page.panels.append(Panel("top_products_profit", table.title, table, figure))
        worst = sorted(
            (r for r in products if r["costed_revenue"] > 0),
            key=lambda r: (r["gross_profit"] / r["costed_revenue"], r["product_key"]),
        )[:TOP]
        page.panels.append(
            Panel(
                "low_margin",
                f"{TOP} lowest-margin products",
                Table(f"{TOP} lowest-margin products", columns, [row(r) for r in worst]),
            )
        )

    total = sum((r["revenue"] for r in by_revenue), Decimal(0))
    running, cumulative, needed = Decimal(0), [], None
    for index, r in enumerate(by_revenue, start=1):
        running += r["revenue"]
        share = running / total if total else Decimal(0)
        cumulative.append(share)
        if needed is None and share >= Decimal("0.8"):
            needed = index
    note = (
        (
            f"{needed:,} of {len(by_revenue):,} products ({Decimal(needed) / len(by_revenue) * 100:.1f}%) make 80% of "
            "revenue."
        )
        if needed
        else ""
    )
    table = Table(
        "Pareto: cumulative share of revenue",
        [
            Column("rank", "Rank", "number"),
            Column("product", "Product"),
            Column("revenue", "Revenue", "money"),
            Column("cumulative", "Cumulative share", "percent"),
        ],
        [[i + 1, product_label(r), r["revenue"], cumulative[i]] for i, r in enumerate(by_revenue)],
        note=note,
    )
    shown = by_revenue[:PARETO_CHART]  # the curve past a few hundred products is a flat line; the table has all
    figure = (
        charts.pareto(
            [product_label(r) for r in shown],
            [r["revenue"] for r in shown],
            cumulative[:PARETO_CHART],
            currency=currency,
        )
        if shown
        else None
    )
    page.panels.append(
        Panel("pareto", "Pareto (80/20)", table, figure, note=note, wide=True, empty="No products in this period.")
    )

    sizes = sorted(engine.order_sizes(scope), key=lambda r: r["band"])
    orders_total = sum(r["orders"] for r in sizes)
    table = Table(
        "Deal-size mix",
        [
            Column("size", "Order value"),
            Column("orders", "Orders", "number"),
            Column("share", "Share of orders", "percent"),
            Column("revenue", "Revenue", "money"),
            Column("revenue_share", "Share of revenue", "percent"),
        ],
        [
            [
                _band_label(r["band"], currency),
                r["orders"],
                ratio(r["orders"], orders_total),
                r["revenue"],
                ratio(r["revenue"], total),
            ]
            for r in sizes
        ],
        note="Orders grouped by value in powers of ten."
        + (
            " With a product line chosen, an order's value is what it sold of that line."
            if scope.filters.product_line
            else ""
        ),
    )
    figure = charts.bar([t[0] for t in table.rows], [t[1] for t in table.rows], currency=None, color=charts.PALETTE[4])
    page.panels.append(
        Panel("deal_sizes", "Deal-size mix", table, figure, note=table.note, empty="No orders in this period.")
    )
    return page
