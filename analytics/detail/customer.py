"""The customer page: one customer's history, products, last invoices, RFM segment and what changed.

Sums come from the customer rollups (a month's or a quarter's row per customer, the daily table for edge days);
the products and the invoices from the customer's own sales lines, found through the invoice index (date,
number, customer), which narrows a period to the customer's lines without reading the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from psycopg import sql

from ingestion.models import Customer
from ingestion.selectors import counted_sales_lines

from .. import engine
from ..dashboard import Dashboard
from ..filters import Filters
from ..models import OrderDay
from ..pages.customers import SEGMENTS
from ..scoped import customer_within, lines_q, rollup_q
from ..tables import Column, Table
from .common import Periods, change, fetch, history_figure, monthly, periods_of, product_url
from .product import PRODUCT_KEY, product_label

TOP_PRODUCTS = 20
MOVERS = 5
LAST_INVOICES = 20


@dataclass
class Figures:
    revenue: Decimal = Decimal(0)
    orders: int = 0

    @property
    def average_order(self) -> Decimal | None:
        return self.revenue / self.orders if self.orders else None


@dataclass
class CustomerPage:
    customer: Customer
    periods: Periods | None = None
    now: Figures = field(default_factory=Figures)
    before: Figures = field(default_factory=Figures)
    last_day: date | None = None
    segment: dict | None = None  # the customer's RFM row: segment, r, f, m, recency
    history: Table | None = None
    figure: dict | None = None
    products: Table | None = None
    product_links: list = field(default_factory=list)
    rising: list[dict] = field(default_factory=list)
    falling: list[dict] = field(default_factory=list)
    invoices: list[dict] = field(default_factory=list)

    @property
    def revenue_change(self) -> Decimal | None:
        return change(self.now.revenue, self.before.revenue)

    @property
    def orders_change(self) -> Decimal | None:
        return change(self.now.orders, self.before.orders)


def customer_page(key: str, dashboard: Dashboard) -> CustomerPage | None:
    """None for a key that names no customer (walk-in sales, key '', are no customer)."""
    customer = Customer.objects.filter(key=key).first() if key else None
    # A member limited to some salespeople sees only the customers they sold to, and only those sales.
    if customer is None or not customer_within(key, dashboard.selection.filters):
        return None
    found = CustomerPage(customer)
    periods = found.periods = periods_of(dashboard)
    found.invoices = last_invoices(key, dashboard.selection.filters.scoped())
    if periods is None:
        return found
    found.now, found.before = figures(key, periods.scope()), figures(key, periods.scope(periods.previous))
    rows = monthly(_by_month(key, periods), periods.history, ("revenue", "orders"))
    found.history = Table(
        "Revenue and orders by month",
        [Column("month", "Month"), Column("revenue", "Revenue", "money"), Column("orders", "Orders", "number")],
        [[f"{row['month']:%b %Y}", row["revenue"], row["orders"]] for row in rows],
    )
    found.figure = history_figure(rows, "revenue", "orders", "Orders", dashboard.currency, periods.shown)
    found.segment, found.last_day = segment(key, periods.scope())
    _products(found, key, periods, dashboard)
    return found


def figures(key: str, scope) -> Figures:
    query = engine.customers_sql(scope, ("customer_key",), ("revenue", "orders"), customers=[key])
    rows = fetch(*query) if query else []
    return Figures(rows[0]["revenue"], rows[0]["orders"]) if rows else Figures()


def _by_month(key: str, periods: Periods) -> list[dict]:
    query = engine.customers_sql(periods.scope(periods.history), ("month",), ("revenue", "orders"), customers=[key])
    return fetch(*query) if query else []


def segment(key: str, scope) -> tuple[dict | None, date | None]:
    """The customer's RFM scores and segment as the Customers page works them out among the period's customers
    (analytics.pages.customers.rfm), and their last purchase in the period; (None, None) when they bought nothing
    in it. A score needs only how many customers rank below this one, so the database counts them: the page does
    not read every customer's row."""
    found = engine.customers_sql(scope, ("customer_key",), ("revenue", "orders", "last_day"))
    if found is None:
        return None, None
    query, params = found
    rows = fetch(
        sql.SQL(
            "WITH all_ AS MATERIALIZED ({query}) "
            "SELECT COUNT(*) AS n, MAX(c.last_day) AS latest, "
            "COUNT(*) FILTER (WHERE c.last_day < me.last_day) AS r_rank, "
            "COUNT(*) FILTER (WHERE c.orders < me.orders) AS f_rank, "
            "COUNT(*) FILTER (WHERE c.revenue < me.revenue) AS m_rank, "
            "MAX(me.last_day) AS last_day, MAX(me.orders) AS orders, MAX(me.revenue) AS revenue "
            "FROM all_ c CROSS JOIN (SELECT * FROM all_ WHERE customer_key = %s) me"
        ).format(query=query),
        [*params, key],
    )
    row = rows[0] if rows else None
    if row is None or row["last_day"] is None:
        return None, None
    # As rfm() scores: 1 + rank * 5 // n, the rank being how many customers have less (ties share the rank).
    n = row["n"]
    r, f, m = (1 + row[rank] * 5 // n for rank in ("r_rank", "f_rank", "m_rank"))
    end = min(scope.period.end, row["latest"])
    name = next(name for name, test in SEGMENTS if test(r, f, m))
    scored = {"segment": name, "r": r, "f": f, "m": m, "recency": (end - row["last_day"]).days, **row}
    return scored, row["last_day"]


def _products(found: CustomerPage, key: str, periods: Periods, dashboard: Dashboard) -> None:
    """What the customer bought in the period, against the period before: the top products, and those that rose
    and fell most."""
    now = Q(invoice_date__gte=periods.period.start)
    lines = counted_sales_lines().filter(
        lines_q(periods.filters),
        customer_key=key, invoice_date__gte=periods.previous.start, invoice_date__lte=periods.period.end,
    )  # fmt: skip
    rows = list(
        lines.annotate(product_key=PRODUCT_KEY)
        .values("product_key")
        .annotate(
            product_name=Max("product_name"),
            product_code=Max("product_code"),
            revenue=Sum("net_amount", filter=now, default=Decimal(0)),
            quantity=Sum("quantity", filter=now, default=Decimal(0)),
            before=Sum("net_amount", filter=~now, default=Decimal(0)),
        )
    )
    for row in rows:
        row["label"], row["change"] = product_label(row), row["revenue"] - row["before"]
    bought = sorted((r for r in rows if r["revenue"]), key=lambda r: (-r["revenue"], r["product_key"]))
    shown = bought[:TOP_PRODUCTS]
    found.products = Table(
        "Products bought",
        [
            Column("product", "Product"),
            Column("revenue", "Revenue", "money"),
            Column("quantity", "Quantity", "number"),
            Column("before", "Period before", "money"),
            Column("change", "Change", "percent"),
        ],
        [[r["label"], r["revenue"], r["quantity"], r["before"], change(r["revenue"], r["before"])] for r in shown],
        note=f"Top {TOP_PRODUCTS} of {len(bought):,} products by revenue." if len(bought) > TOP_PRODUCTS else "",
    )
    moved = sorted((r for r in rows if r["change"]), key=lambda r: (-r["change"], r["product_key"]))
    found.rising = [r for r in moved if r["change"] > 0][:MOVERS]
    found.falling = [r for r in reversed(moved) if r["change"] < 0][:MOVERS]
    query = dashboard.selection.query()
    for row in (*shown, *found.rising, *found.falling):
        row["url"] = product_url(row["product_key"], query)
    found.product_links = [r["url"] for r in shown]


def last_invoices(key: str, filters: Filters | None = None, limit: int = LAST_INVOICES) -> list[dict]:
    """The customer's latest invoices (number, date, lines, amount), newest first, within the member's scope
    (`filters`). The customer's days with orders come from the daily rollup's customer index; the lines of those
    days through the invoice index."""
    filters = filters or Filters()
    days = list(
        OrderDay.objects.filter(rollup_q(filters), customer_key=key)
        .values_list("day", flat=True)
        .distinct()
        .order_by("-day")[:limit]
    )
    if not days:
        return []
    return list(
        counted_sales_lines()
        .filter(lines_q(filters), customer_key=key, invoice_date__gte=min(days))
        .values("invoice_date", "invoice_number")
        .annotate(lines=Count("id"), amount=Sum("net_amount"))
        .order_by("-invoice_date", "-invoice_number")[:limit]
    )
