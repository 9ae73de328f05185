"""Why a figure changed: the change of a measure between two periods, split into the customers, products, product
lines, states and salespeople that drove it, and into new, lost and existing customers.

Every split is exact: its parts add up to the change, to the paisa. The biggest movers are named and the rest are
one "all other" part, worked out as what is left, so nothing is lost and nothing counted twice. A split is offered
only where the measure adds up across the dimension's values (orders do not split by product: an order can hold
several products); the explanation says why a split is missing. The overview, the "why" page, the reports and
the API (`/api/v1/changes/`) all read it from here.

Ratios (average order value, margin) change because their top and bottom change: they are split, exactly, into
the part due to each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from psycopg import sql

from elettro.kernel.money import format_money, format_money_compact, format_number, format_percent
from ingestion.models import Product

from . import catalogue, charts, engine, queries
from .dashboard import Panel
from .engine import Scope
from .filters import EARLIEST, LATEST
from .pages.common import customer_names
from .periods import Period, range_label
from .selectors import NOT_GIVEN
from .tables import Column, Table

# The dimensions a change is split by, in the order they are shown.
SPLITS = ("customer", "product", "product_line", "state", "salesperson")
# An order is one customer's, on one invoice: it adds up by customer, and (almost always) by state and salesperson.
# It does not add up by product or product line, whose orders overlap.
_ORDER_SPLITS = ("customer", "state", "salesperson")
CUSTOMER_GROUPS = "customer_group"
NAMED = 5  # the movers named in each split; the rest are one part
ZERO = Decimal(0)
TWO_PLACES, RATIO_PLACES = catalogue.TWO_PLACES, catalogue.FOUR_PLACES  # as the API prints them
# What the sentence names: the biggest movers of these splits, in this order, so many of each.
_SENTENCE = (("customer", 2), ("state", 1), ("product_line", 1), ("product", 1), ("salesperson", 1), ("ratio", 2))


class ChangeError(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Part:
    """One mover: its value (None for the rest), its label, the figure in each period and the change."""

    label: str
    before: Decimal | int
    now: Decimal | int
    value: str | None = None
    kind: str = "named"  # named | others | new | lost | existing | numerator | denominator

    @property
    def change(self) -> Decimal | int:
        return self.now - self.before


@dataclass(frozen=True)
class Split:
    """The change split by one dimension (or into new, lost and existing customers)."""

    key: str
    label: str
    parts: list[Part]

    @property
    def total(self) -> Decimal | int:
        return sum((part.change for part in self.parts), ZERO)


@dataclass(frozen=True)
class Change:
    measure: catalogue.Measure
    period: Period
    before_period: Period
    now: Decimal | int | None
    before: Decimal | int | None
    splits: list[Split] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # split key -> why it is not offered

    @property
    def change(self) -> Decimal | int | None:
        if self.now is None or self.before is None:
            return None
        return self.now - self.before

    @property
    def relative(self) -> Decimal | None:
        if self.change is None or not self.before:
            return None
        return Decimal(self.change) / abs(Decimal(self.before))

    def split(self, key: str) -> Split | None:
        return next((split for split in self.splits if split.key == key), None)


# ---------------------------------------------------------------- working it out


def measure_from(key: str) -> catalogue.Measure:
    measure = catalogue.MEASURES.get(key)
    if measure is None:
        raise ChangeError("measure", f"Unknown measure {key!r}: use any of {', '.join(catalogue.MEASURES)}.")
    return measure


def compared_with(period: Period, query) -> Period:
    """The period a change is measured from: `compare=previous` (the default) or `year_ago`, or the dates
    `vs_from` and `vs_to`."""
    start, end = (query.get("vs_from") or "").strip(), (query.get("vs_to") or "").strip()
    if start or end:
        if not (start and end):
            raise ChangeError("vs_from" if not start else "vs_to", "Give both vs_from and vs_to, or neither.")
        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise ChangeError("vs_from", "vs_from and vs_to are dates like 2025-10-01.") from None
        if last < first:
            raise ChangeError("vs_to", f"vs_to {last} is before vs_from {first}.")
        if not (first >= EARLIEST and last <= LATEST):
            raise ChangeError("vs_from", f"Compare with dates between {EARLIEST.year} and {LATEST.year}.")
        return Period(first, last)
    key = query.get("compare") or "previous"
    comparison = catalogue.COMPARISONS.get(key)
    if comparison is None:
        raise ChangeError("compare", f"compare is one of {', '.join(catalogue.COMPARISONS)}, not {key[:40]!r}.")
    return comparison.shift(period)


def explain(scope: Scope, before_period: Period, key: str, *, named: int = NAMED) -> Change:
    """The change of measure `key` from `before_period` to the scope's period, with the scope's filters."""
    measure = measure_from(key)
    before_scope = scope.shifted(before_period)
    if measure.combine == "ratio":
        return _ratio(measure, scope, before_scope)
    if measure.combine == "distinct":
        return _distinct(measure, scope, before_scope, named)
    return _summed(measure, scope, before_scope, named)


def _value(figure) -> Decimal | int:
    return ZERO if figure is None else figure


def _summed(measure, scope: Scope, before_scope: Scope, named: int) -> Change:
    key = measure.key
    now, before = queries.figures(scope, (key,))[key], queries.figures(before_scope, (key,))[key]
    change = Change(measure, scope.period, before_scope.period, now, before)
    if now is None or before is None:  # gross profit where no line has a cost
        change.missing[key] = f"there is no {measure.label.lower()} in one of the periods ({measure.note})"
        return change
    for dimension in SPLITS:
        if key == "orders" and dimension not in _ORDER_SPLITS:
            change.missing[dimension] = "an order can hold several products, so orders do not add up by them"
            continue
        movers = _compared(scope, before_scope, dimension, key, named)
        if movers.now != now or movers.before != before:
            # A figure that does not add up over the values (an order spanning two states) cannot be split
            # exactly; better no split than one that misleads.
            change.missing[dimension] = f"its {key} do not add up by {_label(dimension).lower()}"
            continue
        change.splits.append(movers.split(dimension))
        if dimension == "customer":
            change.splits.append(movers.customer_groups())
    return change


@dataclass(frozen=True)
class _Movers:
    """One dimension's biggest movers, and every value's sums by group: new (only now), lost (only before) and
    existing (both, or blank)."""

    top: list[Part]
    groups: dict[str, tuple[Decimal | int, Decimal | int, int]]  # group -> (before, now, values not blank)
    values: int  # every value, the blank one included (it is a part like the others)

    @property
    def before(self):
        return sum((before for before, _, _ in self.groups.values()), ZERO)

    @property
    def now(self):
        return sum((now for _, now, _ in self.groups.values()), ZERO)

    def split(self, dimension: str) -> Split:
        parts = list(self.top)
        rest = self.values - len(parts)
        rest_before = self.before - sum((part.before for part in parts), ZERO)
        rest_now = self.now - sum((part.now for part in parts), ZERO)
        if rest and (rest_before or rest_now):
            parts.append(Part(f"All other {_plural(dimension)} ({rest})", rest_before, rest_now, None, "others"))
        return Split(dimension, _label(dimension), parts)

    def customer_groups(self) -> Split:
        """Sales naming no customer count with the existing: they are there in both periods or neither."""
        (new_before, new_now, new), (lost_before, lost_now, lost), (kept_before, kept_now, kept) = (
            self.groups.get(group, (ZERO, ZERO, 0)) for group in ("new", "lost", "existing")
        )
        parts = [
            Part(f"New customers ({new})", new_before, new_now, None, "new"),
            Part(f"Lost customers ({lost})", lost_before, lost_now, None, "lost"),
            Part(f"Existing customers ({kept})", kept_before, kept_now, None, "existing"),
        ]
        return Split(CUSTOMER_GROUPS, "New, lost and existing customers", parts)


_NOTHING = sql.SQL("SELECT NULL::text AS value, 0 AS amount WHERE false")
_COMPARED = sql.SQL("""
WITH now AS ({now}), before AS ({before}),
both_ AS (
    SELECT COALESCE(n.value, b.value) AS value, COALESCE(b.amount, 0) AS before, COALESCE(n.amount, 0) AS now,
           CASE WHEN COALESCE(n.value, b.value) = '' THEN 'existing' WHEN b.value IS NULL THEN 'new'
                WHEN n.value IS NULL THEN 'lost' ELSE 'existing' END AS grp
    FROM now n FULL JOIN before b ON n.value = b.value
)
(SELECT value, before, now, NULL AS grp, NULL::bigint AS named, NULL::bigint AS values_ FROM both_
 WHERE now <> before ORDER BY abs(now - before) DESC, value = '', value COLLATE "C" LIMIT %s)
UNION ALL
(SELECT NULL, SUM(before), SUM(now), grp, COUNT(*) FILTER (WHERE value <> ''), COUNT(*) FROM both_ GROUP BY grp)
""")


def _compared(scope: Scope, before_scope: Scope, dimension: str, key: str, named: int) -> _Movers:
    """The measure's sum per value of the dimension in both periods, compared in the database: only the biggest
    movers and the groups' sums come back, not thousands of customers twice."""
    column = catalogue.DIMENSIONS[dimension].column
    parts, params = [], []
    for side in (scope, before_scope):
        found = _per_value(side, column, key)
        if found is None:
            parts.append(_NOTHING)
            continue
        query, side_params = found
        parts.append(
            sql.SQL("SELECT COALESCE({column}, '') AS value, COALESCE({key}, 0) AS amount FROM ({query}) v").format(
                column=sql.Identifier(column), key=sql.Identifier(key), query=query
            )
        )
        params.extend(side_params)
    rows = engine.fetch(_COMPARED.format(now=parts[0], before=parts[1]), [*params, named])
    whole = int if catalogue.SUM_OF[key].integer else (lambda value: value)
    top = [row for row in rows if row["grp"] is None]
    names = _names(dimension, [row["value"] for row in top if row["value"]])
    movers = [
        Part(names.get(row["value"]) or row["value"] or NOT_GIVEN, whole(row["before"]), whole(row["now"]),
             row["value"] or None)
        for row in top
    ]  # fmt: skip
    groups = {row["grp"]: (whole(row["before"]), whole(row["now"]), row["named"]) for row in rows if row["grp"]}
    return _Movers(movers, groups, sum(row["values_"] for row in rows if row["grp"]))


def _per_value(scope: Scope, column: str, key: str) -> tuple[sql.Composable, list] | None:
    """The query of the measure's sums per value of the dimension: from the rollups that keep them (customers,
    products, sales), else from the lines."""
    reads = catalogue.MEASURES[key].reads
    if column == "customer_key" and set(reads) <= {*catalogue.sums_kept("customer"), "orders"}:
        return engine.customers_sql(scope, (column,), reads)
    if column == "product_key" and set(reads) <= set(catalogue.sums_kept("product")):
        return engine.products_sql(scope, (column,), reads)
    if column in ("customer_key", "product_key"):  # a sum those rollups do not keep
        return engine.sales_sql(dataclasses.replace(scope, from_lines=True), (column,), reads)
    return engine.sales_sql(scope, (column,), reads)


def _distinct(measure, scope: Scope, before_scope: Scope, named: int) -> Change:
    """Customers: the change is the customers gained less those lost. New customers (first purchase ever) have no
    split: they are the customers themselves."""
    key = measure.key
    now = queries.figures(scope, (key,))[key]
    before = queries.figures(before_scope, (key,))[key]
    change = Change(measure, scope.period, before_scope.period, now, before)
    if key != "customers":
        change.missing[CUSTOMER_GROUPS] = "each new customer is counted once, in the period of the first purchase"
        return change
    groups = _compared(scope, before_scope, "customer", "revenue", 0).groups
    gained, lost, kept = (groups.get(group, (0, 0, 0))[2] for group in ("new", "lost", "existing"))
    change.splits.append(
        Split(
            CUSTOMER_GROUPS,
            "New, lost and existing customers",
            [
                Part(f"New customers ({gained})", 0, gained, None, "new"),
                Part(f"Lost customers ({lost})", lost, 0, None, "lost"),
                Part(f"Existing customers ({kept})", kept, kept, None, "existing"),
            ],
        )
    )
    for dimension in SPLITS:
        change.missing.setdefault(dimension, "a customer can buy in several of them, so customers do not add up")
    return change


def _ratio(measure, scope: Scope, before_scope: Scope) -> Change:
    """A ratio top/bottom changes by (top₁ − top₀)/bottom₁ from its top, and by top₀/bottom₁ − top₀/bottom₀
    from its bottom: the two add up to the change exactly."""
    top_key, bottom_key = measure.reads
    sums = (top_key, bottom_key)
    now_sums = _sums(scope, sums)
    before_sums = _sums(before_scope, sums)
    now = measure.value(catalogue.Figures(now_sums))
    before = measure.value(catalogue.Figures(before_sums))
    change = Change(measure, scope.period, before_scope.period, now, before)
    top0, bottom0 = before_sums.get(top_key) or 0, before_sums.get(bottom_key) or 0
    top1, bottom1 = now_sums.get(top_key) or 0, now_sums.get(bottom_key) or 0
    if now is None or before is None or not bottom0 or not bottom1:
        change.missing["ratio"] = f"there is no {measure.label.lower()} in one of the periods"
        return change
    places = TWO_PLACES if measure.unit == "money" else RATIO_PLACES
    from_top = (Decimal(top1 - top0) / Decimal(bottom1)).quantize(places)
    # The bottom's part is what is left, so the two add up to the change as the card shows it (rounded).
    from_bottom = Decimal(now - before).quantize(places) - from_top
    top_label, bottom_label = (_SUM_LABELS[k] for k in sums)
    change.splits.append(
        Split(
            "ratio",
            f"{measure.label}: from {top_label} and from {bottom_label}",
            [
                Part(f"From {top_label}", ZERO, from_top, None, "numerator"),
                Part(f"From {bottom_label}", ZERO, from_bottom, None, "denominator"),
            ],
        )
    )
    return change


_SUM_LABELS = {"revenue": "revenue", "orders": "orders", "gross_profit": "gross profit",
               "costed_revenue": "the revenue with a cost"}  # fmt: skip


def _sums(scope: Scope, keys: tuple[str, ...]) -> dict:
    total = engine.sales_total(scope)
    return {key: total.get(key) for key in keys}


# ---------------------------------------------------------------- names and words

_LABELS = {"customer": "Customers", "product": "Products", "product_line": "Product lines", "state": "States",
           "salesperson": "Salespeople"}  # fmt: skip
_PLURALS = {"customer": "customers", "product": "products", "product_line": "product lines", "state": "states",
            "salesperson": "salespeople"}  # fmt: skip


def _label(dimension: str) -> str:
    return _LABELS.get(dimension, catalogue.DIMENSIONS[dimension].label)


def _plural(dimension: str) -> str:
    return _PLURALS.get(dimension, dimension.replace("_", " "))


def _names(dimension: str, values: list[str]) -> dict[str, str]:
    if not values:
        return {}
    if dimension == "customer":
        return customer_names(values)
    if dimension == "product":
        return {key: name or key for key, name in Product.objects.filter(key__in=values).values_list("key", "name")}
    return {}


def amount(measure: catalogue.Measure, value, currency: str, *, signed: bool = False, compact: bool = True) -> str:
    """A figure as the cards write it (money compact, counts grouped, percentages) or, not `compact`, as tables
    do (money to the paisa); signed if asked."""
    if value is None:
        return "–"
    if measure.unit == "percent":
        return format_percent(value, signed=signed, decimals=1)
    sign = ("+" if value > 0 else "−" if value < 0 else "") if signed else ("−" if value < 0 else "")
    magnitude = abs(value)
    if measure.unit == "money":
        return sign + (format_money_compact if compact else format_money)(magnitude, currency)
    return sign + format_number(magnitude, currency, 0 if magnitude == int(magnitude) else 2)


def sentence(change: Change, currency: str, describe: Callable[[Period], str] | None = None) -> str:
    """'Revenue is down ₹12.4 L (−18.2%) from Oct 2025 to Nov 2025: Sharma Electricals −₹8.1 L, Gujarat …'"""
    describe = describe or span
    measure = change.measure
    diff = change.change
    when = f"from {describe(change.before_period)} to {describe(change.period)}"
    is_ = "are" if measure.label.endswith("s") else "is"  # "Orders are", "Revenue is"
    if diff is None:
        return f"{measure.label} cannot be compared {when}: there is none in one of the periods."
    groups = change.split(CUSTOMER_GROUPS)
    if not diff:
        text = f"{measure.label} {is_} unchanged {when}, at {amount(measure, change.now, currency)}"
        if groups and measure.key == "customers":
            new, lost = (next(p for p in groups.parts if p.kind == kind) for kind in ("new", "lost"))
            text += f": {new.now} new, {lost.before} lost"
        return text + "."
    head = f"{measure.label} {is_} {'up' if diff > 0 else 'down'} {amount(measure, abs(diff), currency)}"
    if change.relative is not None and measure.unit != "percent":
        head += f" ({format_percent(change.relative, signed=True, decimals=1)})"
    head += f" {when}"
    drivers = []
    for key, many in _SENTENCE:
        split = change.split(key)
        movers = [p for p in split.parts if p.kind != "others" and _same_sign(p.change, diff)] if split else []
        for part in movers[:many]:
            label = part.label[0].lower() + part.label[1:] if key == "ratio" else part.label
            drivers.append(f"{label} {amount(measure, part.change, currency, signed=True)}")
    if groups and measure.key == "customers":
        new, lost = (next(p for p in groups.parts if p.kind == kind) for kind in ("new", "lost"))
        drivers.append(f"{new.now} new, {lost.before} lost")
    text = head + (": " + ", ".join(drivers) + "." if drivers else ".")
    if groups and measure.combine == "sum":
        new, lost = (next(p for p in groups.parts if p.kind == kind) for kind in ("new", "lost"))
        text += (f" New customers brought {amount(measure, new.change, currency, signed=True)}; lost ones took "
                 f"{amount(measure, lost.change, currency, signed=True)}.")  # fmt: skip
    return text


def span(period: Period) -> str:
    """A period in few words, as the cards name theirs: 'Nov 2025', '1–4 Dec 2025'."""
    return range_label(period.start, period.end, months=True)


def _same_sign(a, b) -> bool:
    return (a > 0 and b > 0) or (a < 0 and b < 0)


# ---------------------------------------------------------------- as a dashboard panel (overview, reports)


def panel(d, key: str = "revenue", *, split: str = "customer") -> Panel | None:
    """'Why revenue changed' against the period before, as a panel: the sentence, a waterfall of one split, and
    a table of every split's named movers. None when the page has no period."""
    scope = d.scope
    if scope is None:
        return None
    change = explain(scope, scope.period.previous(), key)
    measure, currency = change.measure, d.currency
    money = currency if measure.unit == "money" else None
    before_label, now_label = span(change.before_period), span(change.period)
    table = Table(
        f"Why {measure.label.lower()} changed",
        [
            Column("split", "By"),
            Column("part", "What"),
            Column("before", before_label, measure.unit),
            Column("now", now_label, measure.unit),
            Column("change", "Change", measure.unit),
        ],
        [[s.label, p.label, p.before, p.now, p.change] for s in change.splits for p in s.parts],
    )
    shown = change.split(split) or (change.splits[0] if change.splits else None)
    figure = None
    if shown is not None and change.change:
        figure = charts.waterfall(
            (before_label, change.before), [(p.label, p.change) for p in shown.parts], (now_label, change.now),
            currency=money,
        )  # fmt: skip
    return Panel(f"why_{key}", table.title, table, figure, note=sentence(change, currency), wide=True)
