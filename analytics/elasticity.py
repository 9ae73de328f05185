"""Price elasticity per product and per product line, from the company's own monthly sales.

A month's price is its average unit price: revenue over quantity (revenue is the taxable value, so discounts
count). The elasticity is the slope of log(quantity) on log(price) over the months with sales, fitted by least
squares with a straight-line time trend beside it, so that a business growing while its prices rise is not read
as customers liking dearer goods. An elasticity of -1.5 reads "1% dearer sells 1.5% fewer units". It comes with
its standard error and a 95% interval from the t distribution.

It is given only where the prices moved enough to say something: MIN_MONTHS months with sales, at least two
prices, and a spread of prices (their coefficient of variation) of MIN_PRICE_SPREAD or more. Otherwise `reason`
says why not.

Beside it, the revenue effect of the last price change (see PriceChange).

The months are read from the product rollups (engine.products) or, for product lines, the sales rollups
(engine.sales), both through the engine so the filter bar applies and `from_lines` reads the lines instead. A
month the period (or the data, so far) covers only in part counts its quantity at the rate of a whole month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from psycopg import sql

from . import engine
from .engine import Scope
from .periods import month_end

MIN_MONTHS = 6
MIN_PRICE_SPREAD = 0.03  # the months' prices' standard deviation over their mean
PRICE_MOVE = Decimal("0.05")  # a month whose price is this much off the month before is a price change
MONTHS_BEFORE = 3  # the old price and quantity: the months with sales just before the change, up to this many
CONFIDENCE = "95%"
# Past this share of the price's movement following the time trend, price and trend cannot be told apart.
MAX_TREND_FIT = 0.9
_CENT = Decimal("0.01")
BY = ("product", "product_line")

# The t distribution's 97.5th percentile (a two-sided 95% interval) by degrees of freedom; past 30, the
# Cornish-Fisher expansion around the normal's 1.96 is within 0.001 of it.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
    2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile(df: int) -> float:
    """The 97.5th percentile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError(df)
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class PriceChange:
    """The last month whose average price moved more than PRICE_MOVE from the month with sales before it.

    The old price is the average price of the MONTHS_BEFORE months with sales before that month; the new price
    that of the month and every month with sales after it in the period. `expected` is what those months would
    have brought at the old price: the old price times the quantity expected at it. With an elasticity, that
    quantity is the quantity sold times (old price / new price) ** elasticity; without one, the monthly quantity
    of the months before, for as many months. The effect is the revenue less that."""

    month: date
    old_price: Decimal
    new_price: Decimal
    # new over old, less one, from the prices before rounding: an old price under half a paisa (a bulk item
    # sold by the gram) rounds to 0.00, and the change must still be worked out from what was paid.
    change: Decimal
    months_after: int
    revenue_after: Decimal
    expected: Decimal
    basis: str  # "elasticity" or "quantity as before"

    @property
    def effect(self) -> Decimal:
        return self.revenue_after - self.expected


@dataclass
class Elasticity:
    key: str
    label: str
    product_line: str
    months: int
    revenue: Decimal
    price_spread: float | None  # coefficient of variation of the months' prices
    estimate: float | None = None
    std_error: float | None = None
    low: float | None = None
    high: float | None = None
    reason: str = ""  # why no estimate is given
    last_change: PriceChange | None = None

    @property
    def shown(self) -> bool:
        return self.estimate is not None

    @property
    def reading(self) -> str:
        """What the estimate says, in a sentence's words."""
        if self.estimate is None:
            return self.reason
        if self.low <= 0 <= self.high:
            return "no clear effect of price on quantity (the interval includes zero)"
        direction = "fewer" if self.estimate < 0 else "more"
        return f"1% dearer sells about {abs(self.estimate):.1f}% {direction} units"


# ---------------------------------------------------------------- reading the months


def _coverage(scope: Scope) -> dict[date, float]:
    """The share of each month of the period that the period and the days with sales so far cover."""
    span = scope.span or engine.data_span(scope.from_lines)
    if span is None:
        return {}
    end = min(scope.period.end, span[1])
    shares = {}
    for month in scope.period.months():
        first, last = max(month, scope.period.start), min(month_end(month), end)
        if last >= first:
            shares[month] = ((last - first).days + 1) / month_end(month).day
    return shares


# The products (or lines) sold in the period, most revenue first, then by key in byte order (as Python sorts
# them): a page of them (all when LIMIT is NULL), each with how many there are in all. Read from the product (or
# sales) rollups at their coarsest, before any month is looked at.
_RANKED = """
SELECT r.*, COUNT(*) OVER () AS total FROM ({sold}) r ORDER BY r.revenue DESC, {ordered} LIMIT %s OFFSET %s
"""

# Per product (or line), from its months with sales `s`: the sums a fit needs (centred, as PostgreSQL's regr_*
# aggregates give them, with x = log price, y = log quantity per whole month, t = the month's number), the
# months' prices' spread, and the months before and since the last price change (`moved`: the number of the
# last month whose price moved more than PRICE_MOVE from the month with sales before it).
_SUMS = """
WITH m AS ({months}),
priced AS (
    SELECT {keys}, m.month, m.revenue, m.quantity, c.share, c.t, m.revenue::float8 / m.quantity::float8 AS price
    FROM m JOIN unnest(%s::date[], %s::float8[], %s::float8[]) AS c(month, share, t) ON c.month = m.month
    WHERE m.quantity > 0 AND m.revenue > 0
),
s AS (
    SELECT priced.*, ln(price) AS x, ln(quantity::float8 / share) AS y,
        row_number() OVER w AS i,
        price / lag(price) OVER w - 1 AS moved_by
    FROM priced
    WINDOW w AS (PARTITION BY {ordered} ORDER BY month)
),
marked AS (
    SELECT s.*, MAX(i) FILTER (WHERE abs(moved_by) > %s) OVER (PARTITION BY {ordered}) AS moved FROM s
)
SELECT {grouped}, COUNT(*) AS months,
    MIN(round(price * 100)) <> MAX(round(price * 100)) AS prices_differ,
    stddev_pop(price) / avg(price) AS spread,
    regr_sxx(x, x) AS sxx, regr_sxx(t, t) AS stt, regr_sxy(x, t) AS sxt,
    regr_sxy(y, x) AS sxy, regr_sxy(y, t) AS sty, regr_syy(y, x) AS syy,
    MIN(month) FILTER (WHERE i = moved) AS moved_month,
    SUM(revenue) FILTER (WHERE i >= moved) AS revenue_after,
    SUM(quantity) FILTER (WHERE i >= moved) AS quantity_after,
    SUM(share) FILTER (WHERE i >= moved) AS share_after,
    COUNT(*) FILTER (WHERE i >= moved) AS months_after,
    SUM(revenue) FILTER (WHERE i < moved AND i >= moved - %s) AS revenue_before,
    SUM(quantity) FILTER (WHERE i < moved AND i >= moved - %s) AS quantity_before,
    SUM(share) FILTER (WHERE i < moved AND i >= moved - %s) AS share_before
FROM marked GROUP BY {ordered}
"""
# A product without a month with sales (a positive quantity and revenue) in the period.
_NO_MONTHS = {"months": 0, "prices_differ": False, "spread": None, "moved_month": None}


def _sums(scope: Scope, by: str, limit: int | None = None, offset: int = 0) -> tuple[list[dict], int]:
    """Each product's (or product line's) revenue in the period and sums over its months with sales, most revenue
    first, and how many there are in all (0 when `offset` is past the end); only the `limit` from `offset` on when
    a limit is given: the months of those alone are read and fitted, nearly all the time."""
    if by not in BY:
        raise ValueError(by)
    coverage = _coverage(scope)
    keys = ("product_key", "product_line") if by == "product" else ("product_line",)

    def each(form: str) -> sql.Composable:
        return sql.SQL(", ").join(sql.SQL(form).format(sql.Identifier(key)) for key in keys)

    if by == "product":
        sold = engine.products_sql(scope, keys, ("product_name", "product_code", "revenue"))
    else:
        sold = engine.sales_sql(scope, keys, ("revenue",))
    if sold is None or not coverage:
        return [], 0
    ranked = engine.fetch(
        sql.SQL(_RANKED).format(sold=sold[0], ordered=each('r.{} COLLATE "C"')), [*sold[1], limit, offset]
    )
    if not ranked:
        return [], 0

    if by == "product":
        found = engine.product_months_sql(scope) or engine.products_sql(
            scope, (*keys, "month"), ("revenue", "quantity")
        )
    else:
        found = engine.sales_sql(scope, (*keys, "month"), ("revenue", "quantity"))
    months, params = found
    if limit is not None:  # the page's products' months only (the condition reaches the rollups' scans)
        months = sql.SQL("SELECT * FROM ({}) page WHERE {} = ANY(%s)").format(months, sql.Identifier(keys[0]))
        params = [*params, sorted({row[keys[0]] for row in ranked})]
    query = sql.SQL(_SUMS).format(
        months=months,
        keys=each("m.{}"),
        # Byte order: the same groups, sorted without the language's collation rules (a third of the time).
        ordered=each('{} COLLATE "C"'),
        grouped=each('{0} COLLATE "C" AS {0}'),
    )
    numbers = [month.year * 12 + month.month for month in coverage]  # the trend's time, in months
    params = [*params, list(coverage), list(coverage.values()), numbers, float(PRICE_MOVE), *[MONTHS_BEFORE] * 3]
    sums = {tuple(row[key] for key in keys): row for row in engine.fetch(query, params)}
    rows = []
    for product in ranked:
        row = {**_NO_MONTHS, **sums.get(tuple(product[key] for key in keys), {}), **product}
        row.setdefault("product_key", row["product_line"])
        row.setdefault("product_name", None)
        row.setdefault("product_code", None)
        rows.append(row)
    return rows, ranked[0]["total"]


# ---------------------------------------------------------------- the fit


def _why_not(row: dict) -> str:
    """Why the months cannot give an elasticity, or '' when they can."""
    months = row["months"]
    if months == 0:
        return "No month with sales (a positive quantity and revenue) in this period."
    if months < 2:
        return f"Too few months: only {months} month with sales ({MIN_MONTHS} needed)."
    if not row["prices_differ"]:
        return "Not enough price variation: one price all along."
    if months < MIN_MONTHS:
        return f"Too few months: only {months} months with sales ({MIN_MONTHS} needed)."
    if row["spread"] < MIN_PRICE_SPREAD:
        return (
            f"Not enough price variation: the monthly price varied by only {row['spread']:.1%} "
            f"({MIN_PRICE_SPREAD:.0%} needed)."
        )
    return ""


def measure(rows: list[dict], by: str = "product") -> list[Elasticity]:
    """The elasticity of each product (or line) from its sums, or why there is none; fitted for all at once."""
    results = []
    fit = []
    for row in rows:
        if by == "product":
            name = row["product_name"] or row["product_code"] or row["product_key"]
        else:
            name = row["product_line"] or "(not given)"
        result = Elasticity(row["product_key"], name, row["product_line"], row["months"], row["revenue"], row["spread"])
        result.reason = _why_not(row)
        if not result.reason:
            fit.append(len(results))
        results.append(result)
    if fit:
        _fit([results[i] for i in fit], [rows[i] for i in fit])
    for result, row in zip(results, rows, strict=True):
        result.last_change = _last_change(row, result.estimate)
    return results


def _fit(results: list[Elasticity], rows: list[dict]) -> None:
    """log(quantity per whole month) = a + b·log(price) + c·month, by least squares for each product at once; b
    is the elasticity. From the centred sums: (b, c) solve [[sxx, sxt], [sxt, stt]]·(b, c) = (sxy, sty)."""

    def column(name):
        return np.array([row[name] for row in rows], dtype=float)

    sizes = column("months")
    sxx, stt, sxt, sxy, sty, syy = (column(name) for name in ("sxx", "stt", "sxt", "sxy", "sty", "syy"))
    det = sxx * stt - sxt**2
    with np.errstate(divide="ignore", invalid="ignore"):
        # The share of the price's movement that the time trend explains.
        trend_fit = np.where(sxx * stt > 0, sxt**2 / (sxx * stt), 1.0)
        slope = (stt * sxy - sxt * sty) / det
        trend = (sxx * sty - sxt * sxy) / det
        residual = np.maximum(syy - slope * sxy - trend * sty, 0.0)
        variance = residual / (sizes - 3) * stt / det
    for index, result in enumerate(results):
        fitted = math.isfinite(slope[index]) and math.isfinite(variance[index]) and variance[index] >= 0
        if trend_fit[index] > MAX_TREND_FIT or not fitted:  # price and time all but in step: no fit to speak of
            result.reason = (
                "The price moved steadily with time, so its effect cannot be told apart from the sales trend."
            )
            continue
        error = math.sqrt(variance[index])
        margin = t_quantile(int(sizes[index]) - 3) * error
        result.estimate, result.std_error = float(slope[index]), error
        result.low, result.high = result.estimate - margin, result.estimate + margin


# ---------------------------------------------------------------- the last price change


def _last_change(row: dict, elasticity: float | None) -> PriceChange | None:
    """The revenue effect of the last price change (see PriceChange); None when the price never moved."""
    if row["moved_month"] is None:
        return None
    old_price = row["revenue_before"] / row["quantity_before"]
    new_price = row["revenue_after"] / row["quantity_after"]
    if elasticity is not None:
        factor = Decimal(repr(float(old_price / new_price) ** elasticity))
        expected_quantity, basis = row["quantity_after"] * factor, "elasticity"
    else:
        per_month = row["quantity_before"] / Decimal(repr(row["share_before"]))
        expected_quantity, basis = per_month * Decimal(repr(row["share_after"])), "quantity as before"
    return PriceChange(
        month=row["moved_month"],
        old_price=old_price.quantize(_CENT, ROUND_HALF_UP),
        new_price=new_price.quantize(_CENT, ROUND_HALF_UP),
        change=new_price / old_price - 1,
        months_after=row["months_after"],
        revenue_after=row["revenue_after"].quantize(_CENT, ROUND_HALF_UP),
        expected=(old_price * expected_quantity).quantize(_CENT, ROUND_HALF_UP),
        basis=basis,
    )


def elasticities(scope: Scope, by: str = "product") -> list[Elasticity]:
    """Every product's (or product line's) elasticity or why there is none, most revenue first (the revenue of
    its months with sales, then its key)."""
    return measure(_sums(scope, by)[0], by)


def elasticity_page(scope: Scope, by: str, limit: int, offset: int = 0) -> tuple[list[Elasticity], int]:
    """elasticities(scope, by)[offset:offset + limit], working out only those, and how many there are in all."""
    rows, total = _sums(scope, by, limit, offset)
    if not rows and offset:  # past the end: the count alone
        total = _sums(scope, by, 1)[1]
    return measure(rows, by), total
