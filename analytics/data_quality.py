"""Reads for the Data page: how good each recent upload was, and what to change in the export to make it better.

The score (0-100) is four weighted parts, so a person can see where points went:

    completeness  40  the useful optional columns for the kind that were mapped; for sales, averaged with how
                      many of the upload's lines have a customer, product line and state
    rejects       25  rows the pipeline could not use; 10% or more of the rows rejected loses all 25 points,
                      because every rejected row is a hole in the figures
    duplicates    15  rows already loaded; gentle (linear), as overlapping exports are often uploaded on purpose
    unmapped      20  columns of the file that nothing read, as a share of all its columns

Grades: good from 85, fair from 60, poor below. A failed upload scores 0 and its error is the fix; an upload
still queued, running or waiting for its columns has no score yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum

from elettro.kernel.money import format_number
from ingestion.models import Customer, GstinProblem, ImportJob, Kind, SalesLine

from . import gst
from .models import RollupState

WEIGHTS = {"completeness": 40, "rejects": 25, "duplicates": 15, "unmapped": 20}
REJECTS_ZERO_AT = Decimal("0.10")  # this share of rows rejected, or more, costs every rejects point
GOOD, FAIR = 85, 60
# Counting a sales upload's empty fields reads its lines; past this many we leave it out rather than slow the page.
LINE_CHECK_MAX_ROWS = 2_000_000
UNMAPPED_LISTED = 6  # column names spelled out in a fix before "and N more"

SHARE_PLACES = Decimal("0.0001")
ONE = Decimal(1)


@dataclass(frozen=True)
class _Useful:
    """Optional fields that make a page right; any one of `fields` mapped satisfies it."""

    fields: tuple[str, ...]
    fix: str


USEFUL: dict[str, tuple[_Useful, ...]] = {
    Kind.SALES: (
        _Useful(("product_line",), "No product line column: map one so the Products page can group sales."),
        _Useful(("state",), "No state column: map the party's state so GST and Geography are right."),
        _Useful(("customer_gstin",), "No GSTIN column: map the party's GSTIN so B2B sales and GST are right."),
        _Useful(("cost", "profit"), "No cost or profit column: map one so gross profit can be shown."),
        _Useful(("salesperson", "manager"), "No salesperson column: map one to see sales by person."),
        _Useful(("quantity",), "No quantity column: map one so volumes and average prices can be shown."),
        _Useful(
            ("gst_rate", "cgst", "sgst", "igst"),
            "No GST rate or tax columns: map them so the GST page shows the tax on each sale.",
        ),
    ),
    Kind.CUSTOMERS: (
        _Useful(("gstin",), "No GSTIN column: map it so each customer's state and B2B status are known."),
        _Useful(("state",), "No state column: map it so Geography can place customers."),
        _Useful(("city",), "No city column: map it so Geography can show cities."),
        _Useful(("segment",), "No segment column: map it so sales can be split by customer type."),
    ),
    Kind.ITEMS: (
        _Useful(("unit_cost",), "No cost column: map the cost or standard rate so sales lines get gross profit."),
        _Useful(("product_line",), "No stock group column: map one so the Products page can group sales."),
    ),
    Kind.PURCHASE: (
        _Useful(("amount", "unit_price"), "No amount or rate column: map one so purchase value can be shown."),
        _Useful(("delivery_date",), "No expected delivery date column: map one so late orders can be found."),
        _Useful(("received_date",), "No received date column: map one so late orders can be found."),
        _Useful(("status",), "No status column: map one so open and finished orders can be told apart."),
    ),
    Kind.PRODUCTION: (
        _Useful(("status",), "No status column: map one so planned, running and finished batches show."),
        _Useful(("end_date",), "No end date column: map one so finished batches are dated."),
        _Useful(("rejected_quantity",), "No rejected quantity column: map one so the rejection rate can be shown."),
        _Useful(("department",), "No department column: map one so production can be split by department."),
    ),
    Kind.PACKING: (
        _Useful(("status",), "No status column: map one so packed and pending records can be told apart."),
        _Useful(("package_type", "packages"), "No package column: map the package type or number of packages."),
        _Useful(("operator",), "No operator column: map one to see packing by person."),
    ),
    Kind.SHIPMENT: (
        _Useful(("expected_delivery",), "No expected delivery column: map one so late shipments can be found."),
        _Useful(("delivered_date",), "No delivered date column: map one so late shipments can be found."),
        _Useful(("status",), "No status column: map one so shipments on the road show."),
        _Useful(("transporter",), "No transporter column: map one to compare transporters."),
    ),
}

# Sales line fields checked for blanks: (SalesLine column, canonical field of the column fix, fix sentence).
LINE_FIELDS = (
    ("customer_name", "customer", "{share} of lines have no customer: fill in the party in the export."),
    (
        "product_line",
        "product_line",
        "{share} of lines have no product line: add the stock group to the export so the Products page can group them.",
    ),
    (
        "state",
        "state",
        "{share} of lines have no state: add the party's state or GSTIN to the export so GST and Geography are right.",
    ),
)


@dataclass(frozen=True)
class QualityParts:
    completeness: Decimal  # 0..1
    column_share: Decimal  # useful optional fields mapped, 0..1
    missing_fields: tuple[str, ...]  # canonical names of the useful fields not mapped (first of each group)
    line_share: Decimal | None  # sales: share of key fields filled on the upload's lines; None when not checked
    empty_lines: tuple[tuple[str, Decimal], ...]  # sales: (SalesLine column, share of lines with it blank)
    rejected_share: Decimal
    duplicate_share: Decimal
    unmapped_count: int
    unmapped_share: Decimal
    # Points won in each part, out of WEIGHTS; they add up to the score before rounding.
    completeness_points: Decimal
    rejects_points: Decimal
    duplicates_points: Decimal
    unmapped_points: Decimal


@dataclass(frozen=True)
class UploadQuality:
    job_id: int
    file_name: str
    kind: str
    kind_label: str
    status: str
    created_at: datetime
    rows_read: int
    rows_loaded: int
    duplicates: int
    rows_rejected: int
    unmapped_columns: tuple[str, ...]
    has_rejects_file: bool
    score: int | None  # 0..100; None while the upload has not finished
    grade: str  # good, fair, poor; '' while not finished
    parts: QualityParts | None  # None for failed and unfinished uploads
    fixes: tuple[str, ...]


@dataclass(frozen=True)
class CostSources:
    """Of the lines that count in sales: how many have a cost, and whether it came from the item master (unit cost
    times quantity) or from the sales file itself."""

    lines: int
    costed: int
    from_master: int
    from_file: int


def _kept_until_lines_change(name: str, compute):
    """A figure read from up to every sales line, kept in the cache until the lines change: every change moves the
    rollups' version and refresh time. Computed afresh while the rollups have never run."""
    state = RollupState.objects.values_list("version", "refreshed_at").first()
    if state is None or state[1] is None:
        return compute()
    key = f"analytics:{name}:{state[0]}:{state[1].timestamp()}"
    return cache.get_or_set(key, compute, timeout=7 * 24 * 3600)


def cost_sources() -> CostSources:
    """How many lines that count have a cost, and from where (a scan of every line)."""
    return _kept_until_lines_change("cost-sources", _count_cost_sources)


def _count_cost_sources() -> CostSources:
    counts = SalesLine.objects.filter(counts=True).aggregate(
        lines=Count("id"),
        costed=Count("id", filter=Q(cost__isnull=False)),
        from_master=Count("id", filter=Q(cost__isnull=False, cost_from_master=True)),
    )
    return CostSources(**counts, from_file=counts["costed"] - counts["from_master"])


@dataclass(frozen=True)
class InvalidGstin:
    customer: str
    value: str
    reason: str
    rows: int
    upload: str


def invalid_gstins(limit: int = 200) -> list[InvalidGstin]:
    """Customers an upload gave an invalid GSTIN (bad check digit, unknown state code), until a valid one is known
    for them: their lines are taxed as of an unknown state meanwhile."""
    fixed = Customer.objects.filter(key=OuterRef("customer_key")).exclude(gstin="")
    problems = (
        GstinProblem.objects.exclude(job__status=ImportJob.Status.DELETED)
        .exclude(Exists(fixed))
        .values("customer_name", "value", "reason")
        .annotate(rows=Sum("rows"), upload=Max("job__original_name"))
        .order_by("customer_name", "value")[:limit]
    )
    return [InvalidGstin(p["customer_name"] or "(no name)", p["value"], p["reason"], p["rows"], p["upload"])
            for p in problems]  # fmt: skip


@dataclass(frozen=True)
class HsnGap:
    """Lines with no HSN (`hsn` ''), or with an HSN of the wrong shape, and where that HSN came from."""

    hsn: str
    problem: str
    source: str  # "sales export" or "item master"
    lines: int
    revenue: Decimal
    share: Decimal | None  # of all the revenue
    products: str


def hsn_gaps(limit: int = 200) -> list[HsnGap]:
    """Every period's lines that GSTR-1's HSN summary cannot file as they are: without an HSN (first), then each
    invalid HSN, biggest first. Read from the HSN rollup, with the item master's HSN where a line has none."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(NULLIF(c.hsn, ''), p.hsn, '') AS hsn, c.hsn <> '' AS on_line, SUM(c.lines)::bigint, "
            "SUM(c.revenue), COUNT(DISTINCT c.product_key), MIN(c.product_name) "
            "FROM analytics_hsn_month c LEFT JOIN ingestion_product p ON p.key = c.product_key GROUP BY 1, 2"
        )
        found = cursor.fetchall()
    total = sum((revenue for *_, revenue, _items, _name in found), Decimal(0))
    gaps = []
    for hsn, on_line, lines, revenue, items, name in found:
        problem = "no HSN" if not hsn else gst.hsn_problem(hsn)
        if not problem:
            continue
        products = name if items == 1 else f"{name} and {items - 1} more"
        source = "sales export" if on_line else "item master"
        gaps.append(HsnGap(hsn, problem, source if hsn else "", lines, revenue, _ratio(revenue, total), products))
    # A line without an HSN has none of its own either, so those lines are one group.
    return sorted(gaps, key=lambda gap: (gap.hsn != "", -gap.revenue, gap.hsn, gap.source))[:limit]


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole else None


def upload_quality(limit: int = 50) -> list[UploadQuality]:
    """The latest `limit` uploads of the current company, newest first, each scored."""
    jobs = list(ImportJob.objects.defer("proposal", "messages").order_by("-created_at", "-id")[:limit])
    return [_quality(job) for job in jobs]


def grade_for(score: int) -> str:
    return "good" if score >= GOOD else "fair" if score >= FAIR else "poor"


def _quality(job: ImportJob) -> UploadQuality:
    if job.status == ImportJob.Status.FAILED:
        error = job.error.strip() or "This upload failed: upload the file again."
        return _result(job, score=0, grade="poor", parts=None, fixes=(error,))
    if job.status != ImportJob.Status.SUCCEEDED:
        waiting = job.status == ImportJob.Status.MAPPING
        fixes = ("Check the columns of this upload so it can be loaded.",) if waiting else ()
        return _result(job, score=None, grade="", parts=None, fixes=fixes)
    parts, fixes = _parts(job)
    total = parts.completeness_points + parts.rejects_points + parts.duplicates_points + parts.unmapped_points
    score = int(total.quantize(ONE, rounding=ROUND_HALF_UP))
    return _result(job, score=score, grade=grade_for(score), parts=parts, fixes=tuple(fixes))


def _result(job: ImportJob, **scored) -> UploadQuality:
    return UploadQuality(
        job_id=job.pk,
        file_name=job.original_name,
        kind=job.kind,
        kind_label=Kind(job.kind).label if job.kind in Kind.values else job.kind,
        status=job.status,
        created_at=job.created_at,
        rows_read=job.rows_read,
        rows_loaded=job.rows_loaded,
        duplicates=job.duplicates,
        rows_rejected=job.rows_rejected,
        unmapped_columns=tuple(job.unmapped_columns or ()),
        has_rejects_file=bool(job.rejects_file),
        **scored,
    )


def _parts(job: ImportJob) -> tuple[QualityParts, list[str]]:
    fixes: list[str] = []
    mapped = _mapped_fields(job)
    useful = USEFUL.get(job.kind, ())
    missing = [group for group in useful if not mapped & set(group.fields)]
    column_share = _share(len(useful) - len(missing), len(useful)) if useful else ONE
    fixes += [group.fix for group in missing]

    empty_lines = _empty_lines(job)
    line_share = None
    completeness = column_share
    if empty_lines is not None:
        line_share = ONE - _mean([share for _, share in empty_lines])
        completeness = ((column_share + line_share) / 2).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
        told = {field for group in missing for field in group.fields}
        for (_, share), (_, field, fix) in zip(empty_lines, LINE_FIELDS, strict=True):
            if share and field not in told:  # an unmapped column's fix already says it
                fixes.append(fix.format(share=_percent(share)))

    rows = max(job.rows_read, job.rows_loaded + job.duplicates + job.rows_rejected)
    rejected_share, duplicate_share = _share(job.rows_rejected, rows), _share(job.duplicates, rows)
    if job.rows_rejected:
        fixes.append(f"{_rows(job.rows_rejected)} rejected: download the rejected rows to see why.")
    if job.duplicates:
        fixes.append(
            f"{_rows(job.duplicates)} already loaded and skipped: nothing to fix if you meant to upload an "
            "overlapping period."
        )

    unmapped = list(job.unmapped_columns or ())
    mapped_columns = {column for mapping in (job.column_mapping or {}).values() for column in mapping.values()}
    unmapped_share = _share(len(unmapped), len(unmapped) + len(mapped_columns))
    if unmapped:
        fixes.append(_unmapped_fix(unmapped))

    weight = {name: Decimal(points) for name, points in WEIGHTS.items()}
    rejects_lost = min(ONE, rejected_share / REJECTS_ZERO_AT)
    parts = QualityParts(
        completeness=completeness,
        column_share=column_share,
        missing_fields=tuple(group.fields[0] for group in missing),
        line_share=line_share,
        empty_lines=tuple(empty_lines or ()),
        rejected_share=rejected_share,
        duplicate_share=duplicate_share,
        unmapped_count=len(unmapped),
        unmapped_share=unmapped_share,
        completeness_points=_points(weight["completeness"] * completeness),
        rejects_points=_points(weight["rejects"] * (ONE - rejects_lost)),
        duplicates_points=_points(weight["duplicates"] * (ONE - duplicate_share)),
        unmapped_points=_points(weight["unmapped"] * (ONE - unmapped_share)),
    )
    return parts, fixes


def _mapped_fields(job: ImportJob) -> set[str]:
    """Canonical fields mapped on any data sheet (column_mapping is sheet -> {field: column})."""
    return {field for mapping in (job.column_mapping or {}).values() for field, column in mapping.items() if column}


def _empty_lines(job: ImportJob) -> list[tuple[str, Decimal]] | None:
    """Share of the upload's lines with each key field blank, or None when not checked.

    Only lines this upload added carry its id (duplicates belong to the upload that loaded them first); cancelled
    vouchers are left out, as they have no item or party details to give. The invoice date range lets the
    BRIN index skip the blocks of other uploads, since source_job has no index of its own.
    """
    if job.kind != Kind.SALES or not 0 < job.rows_loaded <= LINE_CHECK_MAX_ROWS:
        return None
    finished = int(job.finished_at.timestamp()) if job.finished_at else 0  # a retried upload counts afresh
    return _kept_until_lines_change(f"empty-lines:{job.pk}:{finished}", lambda: _count_empty_lines(job))


def _count_empty_lines(job: ImportJob) -> list[tuple[str, Decimal]] | None:
    lines = SalesLine.objects.filter(source_job_id=job.pk, is_cancelled=False)
    if job.date_from and job.date_to:
        lines = lines.filter(invoice_date__range=(job.date_from, job.date_to))
    blanks = {column: Count("id", filter=Q(**{column: ""})) for column, _, _ in LINE_FIELDS}
    figures = lines.aggregate(total=Count("id"), **blanks)
    if not figures["total"]:
        return None  # replaced by a later upload, or only cancelled vouchers
    return [(column, _share(figures[column], figures["total"])) for column, _, _ in LINE_FIELDS]


def _unmapped_fix(columns: list[str]) -> str:
    names = ", ".join(columns[:UNMAPPED_LISTED])
    if len(columns) > UNMAPPED_LISTED:
        names += f" and {len(columns) - UNMAPPED_LISTED} more"
    if len(columns) == 1:
        return f"Column {names} was not used: map it if it holds something we should read."
    return f"Columns {names} were not used: map them if they hold something we should read."


def _rows(count: int) -> str:
    grouped = format_number(count, getattr(connection.tenant, "currency", "INR"))  # lakh grouping for rupees only
    return "1 row was" if count == 1 else f"{grouped} rows were"


def _percent(share: Decimal) -> str:
    whole = (share * 100).quantize(ONE, rounding=ROUND_HALF_UP)
    return "Under 1%" if whole == 0 and share > 0 else f"{whole}%"


def _share(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def _points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
