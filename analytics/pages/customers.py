"""Customers: who buys most, who is slipping away (RFM), who is new, and what the best customers look like."""

from __future__ import annotations

import functools
from decimal import Decimal

from .. import charts, engine
from ..dashboard import NO_SALES, Dashboard, Page, Panel, ratio
from ..engine import Scope
from ..tables import Column, Table
from .common import customer_names, label

# RFM: recency, frequency and money each scored 1-5 by quintile across the period's customers (5 is best);
# the segment names follow the common RFM grid.
SEGMENTS = [
    ("Champions", lambda r, f, m: r >= 4 and f >= 4),
    ("Loyal", lambda r, f, m: r >= 3 and f >= 4),
    ("Potential loyalists", lambda r, f, m: r >= 4 and f >= 2),
    ("New", lambda r, f, m: r >= 4),
    ("Need attention", lambda r, f, m: r == 3),
    ("Can't lose them", lambda r, f, m: r <= 2 and f >= 4 and m >= 4),
    ("At risk", lambda r, f, m: r <= 2 and f >= 3),
    ("Hibernating", lambda r, f, m: r == 2),
    ("Lost", lambda r, f, m: True),
]


def _scores(values: list, reverse: bool = False) -> list[int]:
    """Quintile scores 1-5 by rank; ties share the lower rank so equal values score the same."""
    n = len(values)
    order = sorted(range(n), key=lambda i: values[i], reverse=reverse)
    scores, rank = [0] * n, 0
    for position, index in enumerate(order):
        if position == 0 or values[index] != values[order[position - 1]]:
            rank = position
        scores[index] = 1 + (rank * 5) // n
    return scores


@functools.cache
def _segment(r: int, f: int, m: int) -> str:
    return next(name for name, test in SEGMENTS if test(r, f, m))


def rfm(rows: list[dict], scope: Scope) -> list[dict]:
    """The customers `rows` (one per customer of the period) with recency (days before the period's last day with
    sales), orders and revenue, their scores and segment."""
    if not rows:
        return []
    end = min(scope.period.end, max(row["last_day"] for row in rows))
    recency = [(end - row["last_day"]).days for row in rows]
    r_scores = _scores([-days for days in recency])
    f_scores = _scores([row["orders"] for row in rows])
    m_scores = _scores([row["revenue"] for row in rows])
    for row, days, r, f, m in zip(rows, recency, r_scores, f_scores, m_scores, strict=True):
        row.update(recency=days, r=r, f=f, m=m, segment=_segment(r, f, m))
    return rows


def build(d: Dashboard) -> Page:
    page = Page("customers", "Customers")
    scope = d.scope
    if scope is None:
        page.empty = NO_SALES
        return page
    currency = d.currency
    try:
        top_n = min(50, max(5, int(d.query.get("top", 10))))
    except (TypeError, ValueError):
        top_n = 10
    page.controls = {"top": top_n, "top_choices": [5, 10, 20, 50]}

    # One query for every customer of the period by state and segment: the top N, the RFM segments and most of
    # the ideal-customer profile are all read from it.
    parts = engine.customers(scope, ("customer_key", *PLACES))
    scored = rfm(_by_customer(parts), scope)
    top = sorted(scored, key=lambda r: (-r["revenue"], r["customer_key"]))[:top_n]
    names = customer_names(r["customer_key"] for r in top)
    top = [{**r, "name": names.get(r["customer_key"], r["customer_key"])} for r in top]
    table = Table(
        f"Top {top_n} customers",
        [
            Column("customer", "Customer"),
            Column("revenue", "Revenue", "money"),
            Column("gross_profit", "Gross profit", "money"),
            Column("orders", "Orders", "number"),
            Column("last", "Last purchase", "date"),
        ],
        [
            [r["name"], r["revenue"], r["gross_profit"] if r["costed_revenue"] else None, r["orders"], r["last_day"]]
            for r in top
        ],
    )
    figure = charts.bar([r["name"] for r in top], [r["revenue"] for r in top], currency=currency, horizontal=True)
    figure["layout"]["height"] = max(320, 22 * len(top) + 60)
    page.panels.append(Panel("top_customers", table.title, table, figure, empty="No customers in this period."))

    segments: dict[str, list] = {name: [0, Decimal(0)] for name, _ in SEGMENTS}
    for row in scored:
        segments[row["segment"]][0] += 1
        segments[row["segment"]][1] += row["revenue"]
    total = sum((row["revenue"] for row in scored), Decimal(0))
    kept = [(name, count, revenue) for name, (count, revenue) in segments.items() if count]
    table = Table(
        "RFM segments",
        [
            Column("segment", "Segment"),
            Column("customers", "Customers", "number"),
            Column("revenue", "Revenue", "money"),
            Column("share", "Share of revenue", "percent"),
        ],
        [[name, count, revenue, ratio(revenue, total)] for name, count, revenue in kept],
        note="Recency, frequency (orders) and money scored 1–5 by quintile among this period's customers.",
    )
    figure = charts.bar([k[0] for k in kept], [k[1] for k in kept], currency=None, color=charts.PALETTE[3])
    page.panels.append(
        Panel("rfm", "RFM segments", table, figure, note=table.note, empty="No customers in this period.")
    )
    at_risk = overdue(scored)[:25]
    names = customer_names(r["customer_key"] for r in at_risk)
    table = Table(
        "Customers at risk",
        [
            Column("customer", "Customer"),
            Column("revenue", "Revenue", "money"),
            Column("orders", "Orders", "number"),
            Column("usual", "Usually buys every (days)", "number"),
            Column("recency", "Days since last purchase", "number"),
        ],
        [
            [names.get(r["customer_key"], r["customer_key"]), r["revenue"], r["orders"], r["usual_gap"], r["recency"]]
            for r in at_risk
        ],
        note=f"Customers with {OVERDUE_MIN_ORDERS} or more orders in the period whose last purchase is more than "
        f"{OVERDUE_TIMES} times their own usual gap between orders ago (and {OVERDUE_MIN_DAYS} days or more), "
        "the most revenue first.",
    )
    page.panels.append(
        Panel(
            "at_risk",
            "Customers at risk: call them",
            table,
            None,
            note=table.note,
            empty="Nobody at risk: no regular customer is overdue against their own rhythm.",
        )
    )

    months = engine.new_and_returning(scope)
    table = Table(
        "New and returning customers by month",
        [Column("month", "Month"), Column("new", "New", "number"), Column("returning", "Returning", "number")],
        [[f"{r['month']:%b %Y}", r["new"], r["customers"] - r["new"]] for r in months],
        note="New: the customer's first purchase ever was that month.",
    )
    figure = charts.stacked_bars(
        [t[0] for t in table.rows],
        {"New": [t[1] for t in table.rows], "Returning": [t[2] for t in table.rows]},
        currency=None,
    )
    page.panels.append(
        Panel(
            "new_returning",
            "New and returning customers",
            table,
            figure,
            note=table.note,
            wide=True,
            empty="No customers in this period.",
        )
    )

    _ideal_customer(page, scope, scored, parts, currency)
    return page


PLACES = ("state", "segment")
_SUMS = ("revenue", "costed_revenue", "gross_profit", "orders")


# "At risk": a customer's time since their last purchase is well past their own usual gap between purchases.
OVERDUE_TIMES = 2
OVERDUE_MIN_ORDERS = 3  # two gaps at least, to know what is usual
OVERDUE_MIN_DAYS = 14  # a weekly buyer a week late is not yet worth a call


def overdue(rows: list[dict]) -> list[dict]:
    """The customers (rows from `rfm`) overdue against their own rhythm, the most revenue first; each gets
    `usual_gap`, their mean days between orders in the period (first to last purchase over the gaps)."""
    found = []
    for row in rows:
        if row["orders"] < OVERDUE_MIN_ORDERS:
            continue
        usual = Decimal((row["last_day"] - row["first_day"]).days) / (row["orders"] - 1)
        if row["recency"] >= OVERDUE_MIN_DAYS and row["recency"] > OVERDUE_TIMES * usual:
            found.append({**row, "usual_gap": usual.quantize(Decimal(1))})
    return sorted(found, key=lambda r: (-r["revenue"], r["customer_key"]))


def _by_customer(parts: list[dict]) -> list[dict]:
    """Each customer's parts by state and segment added up. An order has one state and segment, so its orders
    add up too."""
    customers: dict[str, dict] = {}
    for part in parts:
        row = customers.get(part["customer_key"])
        if row is None:
            customers[part["customer_key"]] = row = dict(part)
            for place in PLACES:
                del row[place]
            continue
        for name in _SUMS:
            row[name] += part[name]
        row["first_day"] = min(row["first_day"], part["first_day"])
        row["last_day"] = max(row["last_day"], part["last_day"])
    return list(customers.values())


def _shares(pairs) -> list[tuple[str, Decimal]]:
    """(value, amount) pairs added up by value, biggest first, ties by value in byte order as the engine sorts."""
    sums: dict[str, Decimal] = {}
    for value, amount in pairs:
        sums[value] = sums.get(value, Decimal(0)) + amount
    return sorted(sums.items(), key=lambda pair: (-pair[1], pair[0].encode()))


def _ideal_customer(page: Page, scope: Scope, scored: list[dict], parts: list[dict], currency: str) -> None:
    """Where the top fifth of customers by gross profit (revenue when there are no costs) are, and what they buy."""
    costed = any(row["costed_revenue"] for row in scored)
    key = "gross_profit" if costed else "revenue"
    ranked = sorted(scored, key=lambda r: (-r[key], r["customer_key"]))
    best = {row["customer_key"] for row in ranked[: max(1, len(ranked) // 5)]} if ranked else set()
    rows = []
    if best:
        # States and segments from the customers' parts; product lines from the table by product line, unless
        # the filter holds them to one, which then has all of the best customers' amount.
        chosen = [part for part in parts if part["customer_key"] in best]
        shares = {place: _shares((part[place], part[key]) for part in chosen) for place in PLACES}
        if scope.filters.product_line:
            total = sum((row[key] for row in scored if row["customer_key"] in best), Decimal(0))
            shares["product_line"] = [(scope.filters.product_line, total)]
        else:
            shares |= engine.customer_shares(scope, ("product_line",), sorted(best), key)
        for dimension, title in (("state", "State"), ("segment", "Segment"), ("product_line", "Product line")):
            whole = sum((amount for _, amount in shares[dimension]), Decimal(0))
            for value, amount in shares[dimension][:5]:
                rows.append([title, label(value), amount, ratio(amount, whole)])
    measure = "Gross profit" if costed else "Revenue"
    table = Table(
        "Ideal-customer profile",
        [
            Column("dimension", "Looking at"),
            Column("value", "Value"),
            Column("amount", measure, "money"),
            Column("share", f"Share of their {measure.lower()}", "percent"),
        ],
        rows,
        note=f"The top 20% of customers by {measure.lower()} ({len(best):,} customers): their top states, "
        "segments and product lines.",
    )
    page.panels.append(
        Panel("icp", "Ideal-customer profile", table, None, note=table.note, empty="No customers in this period.")
    )
