"""GST figures the sales rollups do not keep: sales to registered buyers (with a GSTIN, GSTR-1's B2B) against
unregistered ones (B2C), and the B2B sales per buyer GSTIN, read from the sales lines that count, with the
dashboard's filters (a report asks once, so a scan of the period's lines is fine there); and GSTR-1's HSN-wise
summary (Table 12), which a page shows, from its own small rollup (HsnMonth)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from psycopg import sql

from .engine import ORDER_RAW, RAW_SQL, Scope, scope_split, where
from .tables import Column, Table

_MEASURES = sql.SQL(
    "COUNT(DISTINCT {order}) AS invoices, SUM(l.net_amount) AS taxable, "
    "SUM(l.cgst) AS cgst, SUM(l.sgst) AS sgst, SUM(l.igst) AS igst"
).format(order=ORDER_RAW)


def _where(scope: Scope, params: list) -> sql.Composable:
    params.extend([scope.period.start, scope.period.end])
    conditions = [sql.SQL("l.counts"), sql.SQL("l.invoice_date BETWEEN %s AND %s")]
    conditions += where(scope.filters, RAW_SQL, params)  # a member's scope as well as the filters
    return sql.SQL(" AND ").join(conditions)


def _fetch(query: sql.Composable, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def registration_split(scope: Scope) -> list[dict]:
    """Two rows at most: `registered` True (the buyer's GSTIN is on the line) and False, with their sums."""
    params: list = []
    return _fetch(
        sql.SQL(
            "SELECT (l.customer_gstin <> '') AS registered, {measures} FROM ingestion_salesline l "
            "WHERE {where} GROUP BY 1 ORDER BY 1 DESC"
        ).format(measures=_MEASURES, where=_where(scope, params)),
        params,
    )


def b2b_receivers(scope: Scope) -> list[dict]:
    """One row per buyer GSTIN, largest taxable value first, with the buyer's name as the lines give it."""
    params: list = []
    return _fetch(
        sql.SQL(
            "SELECT upper(l.customer_gstin) AS gstin, MIN(l.customer_name) AS name, {measures} "
            "FROM ingestion_salesline l WHERE l.customer_gstin <> '' AND {where} "
            "GROUP BY 1 ORDER BY taxable DESC, gstin"
        ).format(measures=_MEASURES, where=_where(scope, params)),
        params,
    )


def invoices_for(scope: Scope, customer_keys: list[str]) -> list[dict]:
    """Each invoice of these customers in the scope, oldest first: the lines of a customer statement."""
    if not customer_keys:
        return []
    params: list = []
    where = _where(scope, params)
    params.append(list(customer_keys))
    return _fetch(
        sql.SQL(
            "SELECT l.customer_key, l.invoice_date, l.invoice_number, COUNT(*) AS lines, SUM(l.net_amount) AS taxable, "
            "SUM(l.cgst) AS cgst, SUM(l.sgst) AS sgst, SUM(l.igst) AS igst, MAX(l.customer_gstin) AS gstin "
            "FROM ingestion_salesline l WHERE {where} AND l.customer_key = ANY(%s) "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).format(where=where),
        params,
    )


# ---------------------------------------------------------------- GSTR-1 Table 12: the HSN-wise summary
#
# A row per supply (B2B: the buyer's GSTIN is on the line; B2C: not), HSN, unit (UQC) and GST rate, as Table 12
# has asked since 2025, with the products' names for a description. A line's HSN, unit and rate are its own, else
# its item master's (ingestion.Product, by the product key). Whole months read the HSN rollup (HsnMonth); the
# edge days of a period, a filtered page and the oracle read the lines.

HSN_LENGTHS = (4, 6, 8)  # HSN codes have 4, 6 or 8 digits; SAC codes (services) 6, starting 99
NO_HSN = "(no HSN)"
# GST rates in use; a rate worked out from a line's taxes lands on one of these, give or take rounding.
STANDARD_RATES = tuple(
    Decimal(rate) for rate in ("0", "0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "14", "18", "28", "40")
)
_RATE_SLACK = Decimal("0.1")
ZERO = Decimal(0)

# A line's keys in the HSN rollup, over the lines `l` (analytics.rollups builds HsnMonth with these).
HSN_KEYS: dict[str, sql.Composable] = {
    "registered": sql.SQL("(l.customer_gstin <> '')"),
    "product_key": RAW_SQL["product_key"],
    "hsn": sql.SQL("btrim(l.hsn)"),
    "unit": sql.SQL("btrim(l.unit)"),
    "gst_rate": sql.SQL("l.gst_rate"),
}
HSN_NAME = sql.SQL("MAX(COALESCE(NULLIF(l.product_name, ''), l.product_code))")
HSN_SUMS = ("lines", "quantity", "revenue", "cgst", "sgst", "igst")
_HSN_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, [*HSN_KEYS, "product_name", *HSN_SUMS]))


def hsn_problem(code: str) -> str:
    """What is wrong with an HSN or SAC code, in a few words; '' when it has a valid shape (4, 6 or 8 digits)."""
    if not code:
        return ""
    if not code.isascii() or not code.isdigit():
        return "not only digits"
    if len(code) not in HSN_LENGTHS:
        return f"{len(code)} digits, not 4, 6 or 8"
    return ""


@dataclass
class HsnRow:
    registered: bool
    hsn: str  # '' when neither the line nor the item master gives one
    uqc: str
    rate: Decimal | None
    first: str = ""  # the products sold under it: the first and last by name, and how many
    last: str = ""
    items: int = 0
    lines: int = 0
    quantity: Decimal = ZERO
    taxable: Decimal = ZERO
    igst: Decimal = ZERO
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO

    @property
    def problem(self) -> str:
        return "no HSN" if not self.hsn else hsn_problem(self.hsn)

    @property
    def description(self) -> str:
        if self.items <= 1 or self.first == self.last:
            return self.first
        if self.items == 2:
            return f"{self.first}, {self.last}"
        return f"{self.first} and {self.items - 1} more"


@dataclass
class HsnSummary:
    rows: list[HsnRow]

    def _of(self, which) -> tuple[int, Decimal]:
        kept = [row for row in self.rows if which(row)]
        return sum(row.lines for row in kept), sum((row.taxable for row in kept), ZERO)

    @property
    def without_hsn(self) -> tuple[int, Decimal]:
        """(lines, taxable value) of the lines neither the file nor the item master gives an HSN."""
        return self._of(lambda row: not row.hsn)

    @property
    def invalid(self) -> tuple[int, Decimal]:
        """(lines, taxable value) of the lines whose HSN has the wrong length or characters."""
        return self._of(lambda row: bool(row.hsn) and bool(row.problem))

    def total(self, name: str):
        return sum((getattr(row, name) for row in self.rows), 0 if name == "lines" else ZERO)


def _rate_of(rate) -> Decimal | None:
    """A GST rate on the standard rate it is within rounding of (18.00 and 17.98 are 18), else as it is."""
    if rate is None:
        return None
    nearest = min(STANDARD_RATES, key=lambda standard: abs(standard - rate))
    return nearest if abs(nearest - rate) <= _RATE_SLACK else Decimal(rate).normalize() + 0


def _hsn_lines(ranges, scope: Scope, params: list) -> sql.Composable:
    """The HSN rollup's rows, summed from the lines that count on the given days (with the page's filters)."""
    days = sql.SQL(" OR ").join([sql.SQL("l.invoice_date BETWEEN %s AND %s")] * len(ranges))
    for start, end in ranges:
        params.extend([start, end])
    conditions = [sql.SQL("l.counts"), sql.SQL("({})").format(days), *where(scope.filters, RAW_SQL, params)]
    keys = [sql.SQL("{} AS {}").format(expression, sql.Identifier(key)) for key, expression in HSN_KEYS.items()]
    sums = [sql.SQL("COUNT(*)"), sql.SQL("COALESCE(SUM(l.quantity), 0)")]
    sums += [sql.SQL("SUM(l.{})").format(sql.Identifier(column)) for column in ("net_amount", "cgst", "sgst", "igst")]
    sums = [sql.SQL("{} AS {}").format(total, sql.Identifier(name)) for total, name in zip(sums, HSN_SUMS, strict=True)]
    return sql.SQL(
        "SELECT {keys}, {name} AS product_name, {sums} FROM ingestion_salesline l WHERE {where} GROUP BY {groups}"
    ).format(
        keys=sql.SQL(", ").join(keys),
        name=HSN_NAME,
        sums=sql.SQL(", ").join(sums),
        where=sql.SQL(" AND ").join(conditions),
        groups=sql.SQL(", ").join(sql.Literal(n) for n in range(1, len(HSN_KEYS) + 1)),
    )


def hsn_summary(scope: Scope) -> HsnSummary:
    """GSTR-1's HSN-wise summary of the scope's sales: B2B rows first, then B2C, each by HSN (no HSN last)."""
    split = scope_split(scope)
    if split is None:
        return HsnSummary([])
    params: list = []
    parts = []
    if scope.from_lines or scope.filters.columns():
        # The rollup keeps no filter dimension: a filtered page reads its lines (about a second a year at
        # 1,000,000 lines, where the whole company's page reads a few thousand rollup rows).
        parts.append(_hsn_lines(split.ranges(), scope, params))
    else:
        if split.months:
            params.append(list(split.months))
            parts.append(sql.SQL("SELECT {} FROM analytics_hsn_month WHERE month = ANY(%s)").format(_HSN_COLUMNS))
        if split.edges:
            parts.append(_hsn_lines(split.edges, scope, params))
    # The item master fills what a line lacks; a rate neither gives is the one the cell's taxes imply, to a tenth
    # of a percent (snapped to a standard rate below).
    rows = _fetch(
        sql.SQL(
            "SELECT c.registered, COALESCE(NULLIF(c.hsn, ''), p.hsn, '') AS hsn, "
            "upper(COALESCE(NULLIF(c.unit, ''), btrim(p.unit), '')) AS uqc, COALESCE(c.gst_rate, p.gst_rate, "
            "round((c.cgst + c.sgst + c.igst) * 100 / NULLIF(c.revenue, 0), 1)) AS rate, "
            "MIN(c.product_name) AS first, MAX(c.product_name) AS last, COUNT(DISTINCT c.product_key) AS items, "
            "SUM(c.lines)::bigint AS lines, SUM(c.quantity) AS quantity, SUM(c.revenue) AS taxable, "
            "SUM(c.igst) AS igst, SUM(c.cgst) AS cgst, SUM(c.sgst) AS sgst "
            "FROM ({cells}) c LEFT JOIN ingestion_product p ON p.key = c.product_key GROUP BY 1, 2, 3, 4"
        ).format(cells=_per_product(parts)),
        params,
    )
    merged: dict[tuple, HsnRow] = {}
    for found in rows:
        key = (found["registered"], found["hsn"], found["uqc"], _rate_of(found["rate"]))
        row = merged.setdefault(key, HsnRow(*key))
        row.first = min(filter(None, (row.first, found["first"])), default="")
        row.last = max(filter(None, (row.last, found["last"])), default="")
        row.items += found["items"]
        row.lines += found["lines"]
        for name in ("quantity", "taxable", "igst", "cgst", "sgst"):
            setattr(row, name, getattr(row, name) + found[name])
    ordered = sorted(
        merged.values(),
        key=lambda row: (not row.registered, not row.hsn, row.hsn, row.uqc, row.rate is None, row.rate or ZERO),
    )
    return HsnSummary(ordered)


def _per_product(parts: list[sql.Composable]) -> sql.Composable:
    """The parts' rows summed over the period first, by the rollup's own columns: a product's months become one
    row before the item master is joined (a tenth of the rows to join and group by expressions)."""
    keys = sql.SQL(", ").join(map(sql.Identifier, HSN_KEYS))
    sums = sql.SQL(", ").join(sql.SQL("SUM({0}) AS {0}").format(sql.Identifier(name)) for name in HSN_SUMS)
    return sql.SQL("SELECT {keys}, MAX(product_name) AS product_name, {sums} FROM ({parts}) u GROUP BY {keys}").format(
        keys=keys, sums=sums, parts=sql.SQL(" UNION ALL ").join(parts)
    )


HSN_COLUMNS = [
    Column("supply", "Supplies"),
    Column("hsn", "HSN/SAC"),
    Column("description", "Description"),
    Column("uqc", "UQC"),
    Column("quantity", "Total quantity", "number"),
    Column("rate", "Rate (%)", "number"),
    Column("taxable", "Taxable value", "money"),
    Column("igst", "IGST", "money"),
    Column("cgst", "CGST", "money"),
    Column("sgst", "SGST/UTGST", "money"),
    Column("lines", "Lines", "number"),
    Column("check", "Check"),
]


def hsn_table(summary: HsnSummary) -> Table:
    """The summary as a table: the page's panel, its download, the report's section."""
    rows = [
        [
            "B2B" if row.registered else "B2C",
            row.hsn or NO_HSN,
            row.description,
            row.uqc,
            row.quantity,
            row.rate,
            row.taxable,
            row.igst,
            row.cgst,
            row.sgst,
            row.lines,
            f"Invalid HSN: {row.problem}" if row.hsn and row.problem else ("No HSN" if not row.hsn else ""),
        ]
        for row in summary.rows
    ]
    return Table("HSN-wise summary (GSTR-1 Table 12)", HSN_COLUMNS, rows, note=hsn_note(summary))


def hsn_note(summary: HsnSummary) -> str:
    """What a filer must know before copying the table: lines without an HSN, lines with an invalid one."""
    notes = [
        "B2B: buyers with a GSTIN on the line; B2C: the rest. HSN, unit and rate come from the sales line, else "
        "the item master. No cess: the files give none."
    ]
    lines, value = summary.without_hsn
    if lines:
        notes.append(
            f"{lines:,} line(s) worth {value:,.2f} have no HSN (row {NO_HSN}): give the HSN/SAC column in the sales "
            "export or the item master."
        )
    lines, value = summary.invalid
    if lines:
        notes.append(
            f"{lines:,} line(s) worth {value:,.2f} are under an invalid HSN (marked in Check): an HSN has 4, 6 or 8 "
            "digits, a SAC 6 starting 99. Fix the code in the item or the export; the Data quality page lists them."
        )
    return " ".join(notes)
