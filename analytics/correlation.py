"""Correlation: between product lines' monthly revenue, and between the price a customer paid for a product line
and the quantity they bought of it, month by month.

Both are Pearson's r over the months in common: months in which both lines sold, or in which the customer bought
the line. A pair with fewer than MIN_MONTHS such months, or with a figure that never changed, is left blank (None)
rather than shown as noise. r runs from -1 (one always up when the other is down) through 0 (no straight-line
relation) to +1 (always up together).

Correlation is not cause: WARNING says so wherever a matrix is shown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from psycopg import sql

from ingestion.models import Customer

from . import engine
from .engine import Scope

MIN_MONTHS = 6
TOP_CUSTOMERS = 15
TOP_LINES = 8
WARNING = (
    "Correlation is not cause: two figures that move together may both follow something else (the season, a big "
    "customer, a price list), and neither need drive the other."
)


@dataclass
class Matrix:
    """r for each row and column (None where too few months or no variation), with the months each covers."""

    rows: list[str]  # keys
    columns: list[str]
    values: list[list[float | None]]
    months: list[list[int]]
    row_labels: list[str]
    column_labels: list[str]

    def cell(self, row: str, column: str) -> float | None:
        return self.values[self.rows.index(row)][self.columns.index(column)]


def pearson(a: list[float], b: list[float]) -> float | None:
    """Pearson's r of two equally long lists; None when either never changes."""
    n = len(a)
    mean_a, mean_b = sum(a) / n, sum(b) / n
    da, db = [v - mean_a for v in a], [v - mean_b for v in b]
    saa, sbb = sum(v * v for v in da), sum(v * v for v in db)
    # Relative to the values' size: a series constant but for float rounding has no variation either.
    if saa <= 1e-18 * max(1.0, sum(v * v for v in a)) or sbb <= 1e-18 * max(1.0, sum(v * v for v in b)):
        return None
    r = sum(x * y for x, y in zip(da, db, strict=True)) / math.sqrt(saa * sbb)
    return max(-1.0, min(1.0, r))


def _correlate(first: dict[date, float], second: dict[date, float]) -> tuple[float | None, int]:
    common = sorted(first.keys() & second.keys())
    if len(common) < MIN_MONTHS:
        return None, len(common)
    return pearson([first[m] for m in common], [second[m] for m in common]), len(common)


# ---------------------------------------------------------------- product lines' revenue


def line_revenue(scope: Scope) -> Matrix:
    """Product line × product line: r of their monthly revenue over the months both sold (the diagonal is 1)."""
    series: dict[str, dict[date, float]] = defaultdict(dict)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in engine.sales(scope, ("product_line", "month"), ("revenue",)):
        series[row["product_line"]][row["month"]] = float(row["revenue"])
        totals[row["product_line"]] += row["revenue"]
    lines = sorted(series, key=lambda line: (-totals[line], line))
    values, months = [], []
    for first in lines:
        found = [_correlate(series[first], series[second]) for second in lines]
        values.append([r for r, _ in found])
        months.append([n for _, n in found])
    labels = [line or "(not given)" for line in lines]
    return Matrix(lines, lines, values, months, labels, labels)


# ---------------------------------------------------------------- a customer's price and quantity


def _customer_months(scope: Scope, customers: list[str]) -> list[tuple]:
    """(customer key, product line, month, revenue, quantity) of these customers, read from the daily order
    rollup (one row per order and product line, with the customer and every filter dimension) or the lines."""
    span = scope.span or engine.data_span(scope.from_lines)
    if span is None or not customers:
        return []
    start, end = max(scope.period.start, span[0]), min(scope.period.end, span[1])
    if end < start:
        return []
    if scope.from_lines:
        table = sql.SQL("ingestion_salesline AS l")
        columns = {key: engine.RAW_SQL[key] for key in ("customer_key", "product_line", "day")}
        revenue, quantity = sql.SQL("SUM(l.net_amount)"), sql.SQL("SUM(l.quantity)")
        conditions = [sql.SQL("l.counts")]
        filter_columns = engine.RAW_SQL
    else:
        table = sql.Identifier("analytics_order_day")
        columns = {key: sql.Identifier(key) for key in ("customer_key", "product_line", "day")}
        revenue, quantity = sql.SQL("SUM(revenue)"), sql.SQL("SUM(quantity)")
        conditions = []
        filter_columns = None
    params: list = [start, end]
    conditions.append(sql.SQL("{} BETWEEN %s AND %s").format(columns["day"]))
    for name, value in scope.filters.columns().items():
        column = filter_columns[name] if filter_columns else sql.Identifier(name)
        conditions.append(sql.SQL("{} = %s").format(column))
        params.append(value)
    conditions.append(sql.SQL("{} IN (SELECT unnest(%s::text[]))").format(columns["customer_key"]))
    params.append(list(customers))
    query = sql.SQL(
        "SELECT {customer}, {line}, date_trunc('month', {day})::date, {revenue}, {quantity} FROM {table} "
        "WHERE {conditions} GROUP BY 1, 2, 3"
    ).format(
        customer=columns["customer_key"],
        line=columns["product_line"],
        day=columns["day"],
        revenue=revenue,
        quantity=quantity,
        table=table,
        conditions=sql.SQL(" AND ").join(conditions),
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def biggest_customers(scope: Scope, limit: int = TOP_CUSTOMERS) -> list[tuple[str, str]]:
    """The `limit` customers with the most revenue, as (key, name); sales that name no customer are no one's."""
    rows = [row for row in engine.top_customers(scope, limit + 1) if row["customer_key"]][:limit]
    names = dict(Customer.objects.filter(key__in=[row["customer_key"] for row in rows]).values_list("key", "name"))
    return [(row["customer_key"], names.get(row["customer_key"]) or row["customer_key"]) for row in rows]


def customer_price_quantity(scope: Scope, customers: list[tuple[str, str]], lines: int = TOP_LINES) -> Matrix:
    """Customer × product line: r between the price the customer paid for the line in a month (revenue over
    quantity) and the quantity they bought of it, over the months they bought it. Below zero: in the months the
    customer paid more, they bought less. `customers` are (key, name), biggest first; the columns are the
    `lines` product lines they bought most of."""
    keys = [key for key, _ in customers]
    cells: dict[tuple[str, str], dict[date, tuple[float, float]]] = defaultdict(dict)
    by_line: dict[str, Decimal] = defaultdict(Decimal)
    for customer, line, month, revenue, quantity in _customer_months(scope, keys):
        by_line[line] += revenue
        if quantity > 0 and revenue > 0:
            cells[(customer, line)][month] = (float(revenue / quantity), float(quantity))
    columns = sorted(by_line, key=lambda line: (-by_line[line], line))[:lines]
    values, months = [], []
    for customer in keys:
        row_values, row_months = [], []
        for line in columns:
            found = cells.get((customer, line), {})
            if len(found) < MIN_MONTHS:
                row_values.append(None)
            else:
                ordered = sorted(found)
                row_values.append(pearson([found[m][0] for m in ordered], [found[m][1] for m in ordered]))
            row_months.append(len(found))
        values.append(row_values)
        months.append(row_months)
    return Matrix(keys, columns, values, months, [name for _, name in customers],
                  [line or "(not given)" for line in columns])  # fmt: skip
