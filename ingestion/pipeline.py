"""The ETL for one uploaded file: read -> find header -> map -> tidy -> clean -> enrich -> load.

Reading and cleaning run outside any transaction so progress is visible while they work; the load, and the
job's success, are one transaction: a failure or a killed worker leaves no row behind, and running the same
job again gives the same result, because every line is keyed by its content.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from .etl import mapping as fields
from .etl.cleaning import clean_table, customer_keys, neutralize_formula
from .etl.errors import IngestError
from .etl.headers import HeaderResult, locate_header, tidy_columns, tidy_rows
from .etl.readers import read_table
from .loading import LoadResult, load_new_rows, load_rows
from .models import ColumnMapping, Customer, ExclusionRule, ImportJob, Kind, SalesLine

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

# What makes two sales lines the same line. Status, salesperson and the like may change between exports of the
# same invoice, so they are not part of it.
SALES_IDENTITY = (
    "invoice_number", "invoice_date", "customer_key", "product_code", "product_name",
    "quantity", "unit_price", "net_amount", "line_number",
)  # fmt: skip
# Words in a status, voucher type or party that mark a line cancelled or returned.
CANCEL_WORDS = ("cancel", "void", "reversed")
RETURN_WORDS = ("return", "credit note", "creditnote")

# canonical field -> SalesLine column, where the names differ
_SALES_COLUMNS = {"invoice": "invoice_number", "date": "invoice_date", "customer": "customer_name"}
_ERP_TABLES = {
    Kind.PURCHASE: ("ingestion_purchaseorder", "order_date"),
    Kind.PRODUCTION: ("ingestion_productionbatch", "start_date"),
    Kind.PACKING: ("ingestion_packingrecord", "date"),
    Kind.SHIPMENT: ("ingestion_shipment", "shipment_date"),
}


@dataclass
class SheetPlan:
    name: str
    header: HeaderResult
    mapping: dict[str, str]
    role: str  # data, returns, people, ignored
    missing: list[str] = field(default_factory=list)
    remembered: bool = False  # the mapping was confirmed by a person before


@dataclass
class Outcome:
    rows_read: int = 0
    rows_loaded: int = 0
    duplicates: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    date_from: object = None
    date_to: object = None
    rejects: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------- planning: which sheet is what


def remembered_mapping(kind: str, columns: list[str]) -> dict[str, str] | None:
    saved = ColumnMapping.objects.filter(kind=kind, signature=fields.columns_signature(columns)).first()
    if saved is None or any(column not in columns for column in saved.mapping.values()):
        return None
    return saved.mapping


def plan_sheets(
    sheets, kind: str, *, confirmed: dict[str, dict[str, str]] | None = None, require_data: bool = True
) -> list[SheetPlan]:
    """Find each sheet's header and mapping, and say which sheets hold data and which are lookups."""
    plans = []
    for sheet in sheets:
        header = locate_header(sheet.rows, kind=kind)
        mapping = (confirmed or {}).get(sheet.name) or remembered_mapping(kind, header.columns)
        mapping = mapping or fields.auto_map(header.columns, kind)
        missing = fields.missing_required(mapping, kind)
        role = "data" if not missing else "ignored"
        if missing and kind == Kind.SALES:
            if {"invoice", "returned"} <= mapping.keys():
                role = "returns"
            elif "region" in mapping and ({"salesperson", "manager"} & mapping.keys()):
                role = "people"
        plan = SheetPlan(name=sheet.name, header=header, mapping=mapping, role=role, missing=missing)
        plan.remembered = (
            bool((confirmed or {}).get(sheet.name)) or remembered_mapping(kind, header.columns) is not None
        )
        plans.append(plan)
    if require_data and not any(plan.role == "data" for plan in plans):
        best = min(plans, key=lambda plan: len(plan.missing))
        where = f" (best match: sheet '{best.name}')" if len(plans) > 1 else ""
        raise IngestError(
            f"We could not find the columns we need for {Kind(kind).label.lower()}: "
            f"{', '.join(best.missing)}{where}. Check that this is the right file, or choose the columns yourself.",
            code="missing_required",
        )
    return plans


# ---------------------------------------------------------------- the job

PREVIEW_ROWS = 8


def propose(job: ImportJob) -> dict | None:
    """What a person should check before loading: None when every data sheet's columns were confirmed before."""
    sheets = read_table(job.file.path, filename=job.original_name, max_bytes=settings.UPLOAD_MAX_BYTES)
    plans = plan_sheets(sheets, job.kind, confirmed=job.column_mapping or None, require_data=False)
    relevant = [plan for plan in plans if plan.role != "ignored" or len(plans) == 1]
    if relevant and all(plan.remembered and plan.role != "ignored" for plan in relevant):
        return None
    proposal = {}
    for plan in plans:
        head = plan.header.data.head(PREVIEW_ROWS)
        preview = head.astype(object).where(head.notna(), "")
        proposal[plan.name] = {
            "columns": plan.header.columns,
            "mapping": plan.mapping,
            "missing": plan.missing,
            "role": plan.role,
            "title_lines": plan.header.title_lines[:5],
            "preview": [[str(value) for value in row] for row in preview.itertuples(index=False)],
        }
    return proposal


def run_job(job: ImportJob, *, progress: Progress) -> Outcome:
    outer, started, marks = progress, time.perf_counter(), []

    def progress(percent: int, stage: str) -> None:  # also keeps how long each stage took, for the log
        marks.append((stage, time.perf_counter()))
        outer(percent, stage)

    try:
        return _run(job, progress)
    finally:
        marks.append(("end", time.perf_counter()))
        spans = ", ".join(f"{a}: {t2 - t1:.1f}s" for (a, t1), (_, t2) in pairwise(marks))
        logger.info("import job %s took %.1fs (%s)", job.pk, time.perf_counter() - started, spans)


def _run(job: ImportJob, progress: Progress) -> Outcome:
    progress(5, "Reading the file")
    sheets = read_table(job.file.path, filename=job.original_name, max_bytes=settings.UPLOAD_MAX_BYTES)
    progress(15, "Finding the columns")
    plans = plan_sheets(sheets, job.kind, confirmed=job.column_mapping or None)
    del sheets  # the plans keep each table's rows below its header; the raw copy can go
    outcome = Outcome()
    frames = []
    for plan in plans:
        if plan.role != "data":
            continue
        keys, items = tidy_columns(plan.mapping, job.kind)
        tidy = tidy_rows(plan.header.data, keys, item_columns=items)
        progress(25, f"Cleaning {plan.name}")
        if job.kind == Kind.SALES:
            _keep_cancelled_vouchers(tidy.rows, plan.mapping)
        cleaned = clean_table(tidy.rows, plan.mapping, job.kind)
        outcome.rows_read += len(tidy.rows)
        outcome.mapping[plan.name] = plan.mapping
        outcome.unmapped += [c for c in plan.header.columns if c not in plan.mapping.values() and c.strip()]
        if tidy.total_rows:
            outcome.messages.append(f"{plan.name}: skipped {len(tidy.total_rows)} total row(s).")
        rejected = cleaned.rejected
        for label, row in rejected.iterrows():
            original = tidy.rows.loc[label]
            outcome.rejects.append({"sheet": plan.name, "row": label, "reason": row["reason"], **original.to_dict()})
        frames.append(cleaned.accepted if len(rejected) else cleaned.rows)
        plan.header.data = None  # a million raw rows we no longer need
        del tidy, cleaned
    outcome.rows_rejected = len(outcome.rejects)
    rows = _combine(frames)
    frames.clear()
    if rows.empty:
        reasons = "; ".join(sorted({r["reason"] for r in outcome.rejects})[:3])
        raise IngestError(f"No row of this file could be used. {reasons}".strip(), code="no_rows")
    progress(55, "Preparing the lines")
    lookups = {plan.role: plan for plan in plans if plan.role in ("returns", "people")}
    loader = _LOADERS[job.kind]
    write = loader(rows, job=job, lookups=lookups, outcome=outcome)
    del rows
    # Progress is written outside the load's transaction so it shows while the load runs.
    progress(70, "Loading new lines")
    with transaction.atomic():
        result, (date_from, date_to) = write()
        outcome.rows_loaded, outcome.duplicates, outcome.rows_replaced = (
            result.inserted,
            result.duplicates,
            result.replaced,
        )
        outcome.date_from, outcome.date_to = date_from, date_to
        _finish(job, outcome)
    return outcome


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The accepted rows of every data sheet; a single sheet is used as it is, not copied."""
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _keep_cancelled_vouchers(rows: pd.DataFrame, mapping: dict[str, str]) -> None:
    """Tally shows a cancelled voucher as one line with no item or amount: keep it, at zero, flagged cancelled."""
    marked = pd.Series(False, index=rows.index)
    for name in ("customer", "status", "voucher_type"):
        if name in mapping:
            marked |= _matches_any(rows[mapping[name]].astype("str").fillna(""), CANCEL_WORDS)
    if not marked.any():
        return
    for name, placeholder in (("net_amount", "0"), ("product_name", "(cancelled voucher)")):
        column = mapping.get(name)
        if column is not None:
            empty = marked & rows[column].isna()
            rows.loc[empty, column] = placeholder


def _finish(job: ImportJob, outcome: Outcome) -> None:
    if outcome.rejects:
        job.rejects_file.save(f"rejects-{job.pk}.csv", ContentFile(_rejects_csv(outcome.rejects)), save=False)
    if outcome.duplicates:
        outcome.messages.append(f"{outcome.duplicates} line(s) were already loaded and were skipped.")
    job.status = ImportJob.Status.SUCCEEDED
    job.progress = 100
    job.stage = "Done"
    job.rows_read, job.rows_loaded, job.duplicates = outcome.rows_read, outcome.rows_loaded, outcome.duplicates
    job.rows_rejected, job.rows_replaced = outcome.rows_rejected, outcome.rows_replaced
    job.column_mapping, job.unmapped_columns = outcome.mapping, sorted(set(outcome.unmapped))
    job.messages = outcome.messages
    job.date_from, job.date_to = outcome.date_from, outcome.date_to
    job.finished_at = timezone.now()
    job.error = ""
    job.save()


def _rejects_csv(rejects: list[dict]) -> bytes:
    columns = list(dict.fromkeys(key for row in rejects for key in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rejects:
        writer.writerow([neutralize_formula("" if pd.isna(row.get(c)) else str(row.get(c))) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- sales


def _text(rows: pd.DataFrame, name: str, *, take: bool = False) -> pd.Series:
    """A text column with '' for missing values; `take` moves it out of `rows` to keep one copy in memory."""
    if name not in rows:
        return pd.Series("", index=rows.index, dtype="str")
    column = rows.pop(name) if take else rows[name]
    return column.astype("str").fillna("")


def _maybe(rows: pd.DataFrame, name: str) -> pd.Series:
    """An optional numeric column, moved out of `rows`: missing values stay missing (NULL)."""
    if name not in rows:
        return pd.Series(None, index=rows.index, dtype=object)
    return rows.pop(name)


def content_hash(frame: pd.DataFrame, columns) -> np.ndarray:
    """A 64-bit hash of each row's values in `columns` (dates hash as dates, text as text)."""
    return pd.util.hash_pandas_object(frame[list(columns)], index=False).to_numpy().view(np.int64)


def _decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") or pd.isna(value) else Decimal(value)


def _split_gst(net: pd.Series, rate: pd.Series, intra: pd.Series) -> tuple[list, list, list]:
    """Tax from the taxable value and rate: CGST+SGST (half each) within the home state, IGST across states."""
    cgst, sgst, igst = [], [], []
    cent = Decimal("0.01")
    for amount, percent, same_state in zip(net, rate, intra, strict=True):
        value, pct = _decimal(amount), _decimal(percent)
        if value is None or pct is None:
            cgst.append("0"), sgst.append("0"), igst.append("0")
            continue
        tax = (value * pct / 100).quantize(cent, rounding=ROUND_HALF_UP)
        if same_state:
            half = (tax / 2).quantize(cent, rounding=ROUND_HALF_UP)
            cgst.append(str(half)), sgst.append(str(tax - half)), igst.append("0")
        else:
            cgst.append("0"), sgst.append("0"), igst.append(str(tax))
    return cgst, sgst, igst


def _matches_any(values: pd.Series, patterns: list[str]) -> pd.Series:
    """Case-insensitive match of any pattern, tested once per distinct value (a million lines hold few products)."""
    if not patterns:
        return pd.Series(False, index=values.index)
    regex = re.compile("|".join(re.escape(p) for p in patterns), re.IGNORECASE)
    codes, uniques = pd.factorize(values)
    hits = np.array([bool(regex.search(value)) for value in uniques.tolist()] + [False])
    return pd.Series(hits[codes], index=values.index)


def _exclusion_mask(frame: pd.DataFrame) -> pd.Series:
    rules = list(ExclusionRule.objects.filter(is_active=True).values_list("field", "pattern"))
    lines = [pattern.strip() for field_name, pattern in rules if field_name == ExclusionRule.Field.PRODUCT_LINE]
    products = [pattern.strip() for field_name, pattern in rules if field_name == ExclusionRule.Field.PRODUCT]
    return (
        _matches_any(frame["product_line"], lines)
        | _matches_any(frame["product_name"], products)
        | _matches_any(frame["product_code"], products)
    )


def _people(plan: SheetPlan | None) -> dict[str, str]:
    """Region -> person from a 'People' sheet (Superstore's regional managers)."""
    if plan is None:
        return {}
    person = plan.mapping.get("manager") or plan.mapping.get("salesperson")
    data = plan.header.data[[plan.mapping["region"], person]].dropna()
    return {str(region).strip().casefold(): str(name).strip() for region, name in data.itertuples(index=False)}


def _returned_invoices(plan: SheetPlan | None) -> set[str]:
    if plan is None:
        return set()
    data = plan.header.data
    flag = data[plan.mapping["returned"]].astype(str).str.strip().str.casefold()
    returned = data[flag.isin({"yes", "y", "true", "1", "returned", "x"})]
    return set(returned[plan.mapping["invoice"]].astype(str).str.strip())


def build_sales_frame(rows: pd.DataFrame, *, home_state: str, lookups: dict[str, SheetPlan], job_id) -> pd.DataFrame:
    """Canonical cleaned rows -> SalesLine columns, with every Indian business rule applied.

    Columns are moved out of `rows` as they are used, so a million lines are not held twice.
    """
    present = set(rows.columns)
    out = pd.DataFrame(index=rows.index)
    for canonical in ("invoice", "customer", "customer_gstin", "customer_code", "product_code", "product_name",
                      "product_line", "sub_category", "unit", "salesperson", "manager", "branch", "region", "state",
                      "state_code", "city", "country", "postal_code", "segment", "status", "deal_size",
                      "voucher_type", "hsn", "line_number"):  # fmt: skip
        out[_SALES_COLUMNS.get(canonical, canonical)] = _text(rows, canonical, take=True)
    out["invoice_date"] = rows.pop("date").astype("datetime64[s]")
    out["ship_date"] = _maybe(rows, "ship_date")
    if "ship_date" in present:
        out["ship_date"] = out["ship_date"].astype("datetime64[s]")
    for name in ("quantity", "unit_price", "net_amount", "gst_rate", "gross_amount", "cost", "profit", "discount"):
        out[name] = _maybe(rows, name)
    out["customer_key"] = customer_keys(out["customer_name"]).fillna("").astype(str)
    _enrich_from_customer_master(out)

    # Region-level lookups: the branch filter falls back to the region, managers come from the People sheet.
    out["branch"] = out["branch"].where(out["branch"] != "", out["region"])
    people = _people(lookups.get("people"))
    if people:
        from_people = out["region"].str.strip().str.casefold().map(people).fillna("")
        out["manager"] = out["manager"].where(out["manager"] != "", from_people)

    same_state = (out["state_code"] == home_state) | (out["state_code"] == "")
    if present & {"cgst", "sgst", "igst"}:  # taxes the file states are kept as given
        for name in ("cgst", "sgst", "igst"):
            out[name] = _text(rows, name, take=True).replace("", "0")
    elif "gst_rate" in present:
        out["cgst"], out["sgst"], out["igst"] = _split_gst(out["net_amount"], out["gst_rate"], same_state)
    else:
        out["cgst"] = out["sgst"] = out["igst"] = "0"

    returned_invoices = _returned_invoices(lookups.get("returns"))
    status_text = out["status"] + " " + out["voucher_type"]
    out["is_cancelled"] = _matches_any(status_text, CANCEL_WORDS)
    out["is_cancelled"] |= _matches_any(out["customer_name"], ["(cancelled)"])
    returned_flag = rows.pop("returned").fillna(False).astype(bool) if "returned" in present else False
    out["is_returned"] = _matches_any(status_text, RETURN_WORDS)
    out["is_returned"] |= out["invoice_number"].isin(returned_invoices)
    out["is_returned"] |= returned_flag
    out["is_excluded"] = _exclusion_mask(out)
    out["counts"] = ~(out["is_cancelled"] | out["is_returned"] | out["is_excluded"])

    out["line_hash"] = content_hash(out, SALES_IDENTITY)
    out["occurrence"] = out.groupby("line_hash").cumcount() + 1
    out["source_job_id"] = job_id
    return out


def _enrich_from_customer_master(out: pd.DataFrame) -> None:
    """Fill GSTIN, state, city, country and segment from the customer master where the line leaves them empty."""
    master = pd.DataFrame(
        Customer.objects.filter(from_master=True, key__in=set(out["customer_key"])).values(
            "key", "gstin", "state", "state_code", "city", "country", "segment"
        )
    )
    if master.empty:
        return
    joined = out[["customer_key"]].merge(master, how="left", left_on="customer_key", right_on="key")
    joined.index = out.index
    targets = {"customer_gstin": "gstin", "state": "state", "state_code": "state_code", "city": "city",
               "country": "country", "segment": "segment"}  # fmt: skip
    for column, source in targets.items():
        fill = joined[source].fillna("")
        out[column] = out[column].where(out[column] != "", fill)
    gstin_state = out["customer_gstin"].str[:2]
    out["state_code"] = out["state_code"].where(
        out["state_code"] != "", gstin_state.where(gstin_state.str.isdigit(), "")
    )


Write = Callable[[], tuple[LoadResult, tuple]]
_OPTIONAL_TEXT = [f.column for f in SalesLine._meta.concrete_fields if f.get_internal_type() == "CharField" and f.blank]


def _load_sales(rows, *, job, lookups, outcome) -> Write:
    """Prepare the lines now; the returned function writes them, inside the caller's transaction."""
    frame = build_sales_frame(rows, home_state=connection.tenant.home_state, lookups=lookups, job_id=job.pk)
    del rows
    excluded = int(frame["is_excluded"].sum())
    if excluded:
        outcome.messages.append(f"{excluded} line(s) matched an exclusion rule: kept, but not counted in sales.")
    span = (frame["invoice_date"].min().date(), frame["invoice_date"].max().date())
    renamed = {"customer_name": "name", "customer_key": "key", "customer_code": "code", "customer_gstin": "gstin"}
    kept = [*renamed, "state", "state_code", "city", "country", "segment"]
    # Columns first, then rows: filtering the whole frame would copy a million lines of forty columns.
    customers = frame[kept][~frame["is_cancelled"]].drop_duplicates("customer_key").rename(columns=renamed)
    customers["from_master"] = False
    customers["region"] = customers["postal_code"] = ""
    products = frame[["product_code", "product_name", "product_line", "sub_category"]]
    key = products["product_code"].where(products["product_code"] != "", products["product_name"]).str.casefold()
    products = products.assign(key=key).drop_duplicates("key")
    products = products.rename(columns={"product_code": "code", "product_name": "name"})
    products = products[products["key"] != ""]
    # Text columns the file left empty are not sent at all: the database fills in ''.
    frame = frame.drop(columns=[c for c in _OPTIONAL_TEXT if c in frame and not frame[c].str.len().any()])

    def write() -> tuple[LoadResult, tuple]:
        result = load_new_rows(
            table="ingestion_salesline",
            frame=frame,
            key_columns=("line_hash", "occurrence"),
            window=("invoice_date BETWEEN %s AND %s", list(span)),  # a line's date is part of its hash
            replace=job.mode == ImportJob.Mode.REPLACE_PERIOD,
        )
        load_rows(table="ingestion_customer", frame=customers, conflict_columns=("key",))
        load_rows(table="ingestion_product", frame=products, conflict_columns=("key",))
        return result, span

    return write


# ---------------------------------------------------------------- customer master and ERP sheets


def _load_customers(rows, *, job, lookups, outcome) -> Write:
    frame = pd.DataFrame({"name": _text(rows, "name")})
    frame["key"] = customer_keys(frame["name"]).fillna("").astype(str)
    frame["code"] = _text(rows, "customer_code")
    for column in ("gstin", "state", "state_code", "city", "country", "segment", "region", "postal_code"):
        frame[column] = _text(rows, column)
    gstin_state = frame["gstin"].str[:2]
    frame["state_code"] = frame["state_code"].where(
        frame["state_code"] != "", gstin_state.where(gstin_state.str.isdigit(), "")
    )
    frame["from_master"] = True
    frame = frame[frame["key"] != ""].drop_duplicates("key", keep="last")
    return lambda: _write_customers(frame)


def _write_customers(frame: pd.DataFrame) -> tuple[LoadResult, tuple]:
    existing = set(Customer.objects.filter(key__in=set(frame["key"]), from_master=True).values_list("key", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ingestion_customer WHERE key = ANY(%s)", [list(frame["key"])])
    load_rows(table="ingestion_customer", frame=frame, conflict_columns=("key",))
    # Lines loaded before the master arrived get its details where they had none.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE ingestion_salesline l SET
              customer_gstin = CASE WHEN l.customer_gstin = '' THEN c.gstin ELSE l.customer_gstin END,
              state = CASE WHEN l.state = '' THEN c.state ELSE l.state END,
              state_code = CASE WHEN l.state_code = '' THEN c.state_code ELSE l.state_code END,
              city = CASE WHEN l.city = '' THEN c.city ELSE l.city END,
              country = CASE WHEN l.country = '' THEN c.country ELSE l.country END,
              segment = CASE WHEN l.segment = '' THEN c.segment ELSE l.segment END
            FROM ingestion_customer c
            WHERE c.key = l.customer_key AND c.from_master AND c.key = ANY(%s)
              AND (l.customer_gstin = '' OR l.state = '' OR l.state_code = '' OR l.city = ''
                   OR l.country = '' OR l.segment = '')
            """,
            [list(frame["key"])],
        )
    # A customer the master already described counts as a duplicate; its details are refreshed all the same.
    return LoadResult(staged=len(frame), inserted=len(frame) - len(existing)), (None, None)


def _load_erp(rows, *, job, lookups, outcome) -> Write:
    table, date_column = _ERP_TABLES[job.kind]
    model_columns = {f.column for f in _erp_model(job.kind)._meta.concrete_fields}
    frame = pd.DataFrame(index=rows.index)
    for name in rows.columns:
        if name not in model_columns or name in ("id", "record_hash", "source_job_id"):
            continue
        value_type = fields.FIELD_TYPES[job.kind].get(name)
        if value_type == "date":
            frame[name] = rows[name].dt.date.where(rows[name].notna(), None)
        elif value_type in ("amount", "quantity", "percent"):
            frame[name] = rows[name]
        else:
            frame[name] = _text(rows, name)
    for column in model_columns - set(frame.columns) - {"id", "record_hash", "source_job_id"}:
        field_type = _erp_model(job.kind)._meta.get_field(column).get_internal_type()
        frame[column] = "" if field_type == "CharField" else None
    frame["record_hash"] = content_hash(frame, sorted(c for c in frame.columns if c != "status"))
    frame = frame.drop_duplicates("record_hash")
    frame["source_job_id"] = job.pk
    dates = frame[date_column].dropna()
    span = (dates.min(), dates.max()) if len(dates) else (None, None)
    replace = None
    if job.mode == ImportJob.Mode.REPLACE_PERIOD and span[0] is not None:
        replace = (f"{date_column} BETWEEN %s AND %s", list(span))
    return lambda: (load_rows(table=table, frame=frame, conflict_columns=("record_hash",), replace_where=replace), span)


def _erp_model(kind: str):
    from . import models

    return {
        Kind.PURCHASE: models.PurchaseOrder,
        Kind.PRODUCTION: models.ProductionBatch,
        Kind.PACKING: models.PackingRecord,
        Kind.SHIPMENT: models.Shipment,
    }[kind]


_LOADERS = {
    Kind.SALES: _load_sales,
    Kind.CUSTOMERS: _load_customers,
    Kind.PURCHASE: _load_erp,
    Kind.PRODUCTION: _load_erp,
    Kind.PACKING: _load_erp,
    Kind.SHIPMENT: _load_erp,
}
