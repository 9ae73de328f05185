"""People and branches: who earns the company's gross profit (not just who sells most), and how branches compare."""

from __future__ import annotations

from decimal import Decimal

from .. import charts, engine
from ..dashboard import NO_SALES, Dashboard, Page, Panel, margin, ratio
from ..tables import Column, Table
from .common import label

MIX_PEOPLE = 12


def build(d: Dashboard) -> Page:
    page = Page("people", "People & branches")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    currency = d.currency
    people = engine.sales(scope, ("person", "branch"))
    merged: dict[str, dict] = {}
    for row in people:  # a person may sell from more than one branch: one line each, branches listed
        entry = merged.setdefault(
            row["person"],
            {
                "branches": set(),
                **dict.fromkeys(("revenue", "gross_profit", "costed_revenue"), Decimal(0)),
                "orders": 0,
            },
        )
        entry["branches"].add(label(row["branch"], ""))
        for key in ("revenue", "gross_profit", "costed_revenue", "orders"):
            entry[key] += row[key]
    costed = any(entry["costed_revenue"] for entry in merged.values())
    rank_by = "gross_profit" if costed else "revenue"
    ranked = sorted(merged.items(), key=lambda item: (-item[1][rank_by], item[0]))
    table = Table(
        "Salesperson / manager leaderboard",
        [
            Column("rank", "Rank", "number"),
            Column("person", "Salesperson / manager"),
            Column("branch", "Branch"),
            Column("gross_profit", "Gross profit", "money"),
            Column("margin", "Margin", "percent"),
            Column("gp_per_order", "Gross profit per order", "money"),
            Column("revenue", "Revenue", "money"),
            Column("orders", "Orders", "number"),
        ],
        [
            [
                index,
                label(person),
                ", ".join(sorted(b for b in e["branches"] if b)),
                e["gross_profit"] if e["costed_revenue"] else None,
                margin(e["gross_profit"], e["costed_revenue"]),
                (e["gross_profit"] / e["orders"]).quantize(Decimal("0.01"))
                if e["orders"] and e["costed_revenue"]
                else None,
                e["revenue"],
                e["orders"],
            ]
            for index, (person, e) in enumerate(ranked, start=1)
        ],
        note="Ranked by gross profit, not volume."
        if costed
        else "Ranked by revenue: the files give no cost or profit, so gross profit cannot be ranked.",
    )
    values = [e[rank_by] for _, e in ranked[:20]]
    figure = charts.bar(
        [label(p) for p, _ in ranked[:20]],
        values,
        currency=currency,
        horizontal=True,
        color=charts.PALETTE[2] if costed else charts.PALETTE[0],
    )
    figure["layout"]["height"] = max(320, 22 * len(values) + 60)
    page.panels.append(
        Panel(
            "leaderboard",
            "Leaderboard",
            table,
            figure,
            note=table.note,
            wide=True,
            empty="No salesperson or manager in these sales: map the column when uploading.",
        )
    )

    top_people = [person for person, _ in ranked[:MIX_PEOPLE]]
    mix_rows = engine.sales(scope, ("person", "product_line"), ("revenue",))
    lines = sorted({row["product_line"] for row in mix_rows if row["person"] in top_people})
    revenue = {(row["person"], row["product_line"]): row["revenue"] for row in mix_rows}
    table = Table(
        "Product mix by salesperson",
        [Column("person", "Salesperson / manager")]
        + [Column(f"l{i}", label(line), "percent") for i, line in enumerate(lines)],
        [
            [label(person)] + [ratio(revenue.get((person, line), 0), merged[person]["revenue"]) for line in lines]
            for person in top_people
        ],
        note="Share of each person's revenue by product line.",
    )
    figure = charts.stacked_bars(
        [label(p) for p in top_people],
        {
            label(line): [ratio(revenue.get((p, line), 0), merged[p]["revenue"]) or 0 for p in top_people]
            for line in lines
        },
        currency=None,
        percent=True,
    )
    page.panels.append(
        Panel(
            "product_mix",
            "Product mix",
            table,
            figure if top_people else None,
            note=table.note,
            wide=True,
            empty="No salespeople in these sales.",
        )
    )

    monthly = engine.sales(scope, ("month", "branch"), ("revenue", "gross_profit", "costed_revenue"))
    months = sorted({row["month"] for row in monthly})
    branches = sorted(
        {row["branch"] for row in monthly}, key=lambda b: -sum(r["revenue"] for r in monthly if r["branch"] == b)
    )
    cell = {(row["month"], row["branch"]): row["revenue"] for row in monthly}
    table = Table(
        "Branches by month",
        [Column("month", "Month")] + [Column(f"b{i}", label(b), "money") for i, b in enumerate(branches)],
        [[f"{m:%b %Y}"] + [cell.get((m, b)) for b in branches] for m in months],
    )
    figure = charts.lines(
        [f"{m:%b %Y}" for m in months],
        {label(b): [cell.get((m, b), Decimal(0)) for m in months] for b in branches[:10]},
        currency=currency,
    )
    page.panels.append(
        Panel(
            "branches",
            "Branches / regions over time",
            table,
            figure if branches else None,
            wide=True,
            empty="No sales in this period.",
        )
    )
    page.panels.append(_branch_profit(monthly, months, branches, currency))
    return page


def _branch_profit(monthly: list[dict], months: list, branches: list, currency: str) -> Panel:
    """Each branch's gross profit and margin by month, beside its revenue: over the lines with a cost only, so a
    margin is never diluted by lines without one (a branch-month without any has neither)."""
    costed = any(row["costed_revenue"] for row in monthly)
    cell = {(row["month"], row["branch"]): row for row in monthly}
    rows = []
    for m in months if costed else []:
        for b in branches:
            row = cell.get((m, b))
            if row is None:
                continue
            has_cost = bool(row["costed_revenue"])
            rows.append([f"{m:%b %Y}", label(b), row["revenue"], row["gross_profit"] if has_cost else None,
                         margin(row["gross_profit"], row["costed_revenue"])])  # fmt: skip
    table = Table(
        "Branch gross profit and margin by month",
        [
            Column("month", "Month"),
            Column("branch", "Branch"),
            Column("revenue", "Revenue", "money"),
            Column("gross_profit", "Gross profit", "money"),
            Column("margin", "Margin", "percent"),
        ],
        rows,
        note="Gross profit and margin over the lines that have a cost.",
    )
    profit = {
        label(b): [cell[(m, b)]["gross_profit"] if (m, b) in cell else Decimal(0) for m in months]
        for b in branches[:10]
    }
    figure = charts.lines([f"{m:%b %Y}" for m in months], profit, currency=currency) if rows else None
    return Panel(
        "branch_profit",
        "Branch gross profit and margin over time",
        table,
        figure,
        note=table.note,
        wide=True,
        empty="No line in these sales has a cost, so there is no gross profit: upload an item master with unit "
        "costs, or a sales file with a cost or profit column.",
    )
