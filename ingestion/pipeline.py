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

from . import followers, kind_guess, masters, sale_rules
from .etl import column_values
from .etl import mapping as fields
from .etl.amounts import sources as amount_sources
from .etl.amounts import work_out
from .etl.cleaning import (
    clean_table,
    currency_code,
    customer_keys,
    neutralize_formula,
    parse_money,
)
from .etl.errors import IngestError, NeedsReview
from .etl.headers import HeaderResult, locate_header, tidy_columns, tidy_rows
from .etl.readers import read_table
from .frame_columns import maybe as _maybe
from .frame_columns import text as _text
from .line_identity import line_hashes, occurrences
from .loading import LoadResult, Write, load_new_rows, load_rows
from .models import ColumnMapping, ExclusionRule, GstinProblem, ImportJob, Kind, SalesLine, VoucherType

logger = logging.getLogger(__name__)
# The kinds whose upload changes sales lines (a master fills in their state, segment or cost): the dashboards
# follow them in the load's transaction. ERP sheets feed the Operations page, which reads them directly.
LINE_KINDS = (Kind.SALES, Kind.CUSTOMERS, Kind.ITEMS)

Progress = Callable[[int, str], None]

# Past this share of rejected rows a file is not loaded until a person has looked: 41 good rows of 23,672 is not
# an upload that "succeeded".
REVIEW_SHARE = 0.2
# An order's place, branch, segment and people are its first line's, so no order is counted twice when its lines
# disagree (a web-shop's lines shipped to two states, a register whose salesperson is set per item).
ORDER_LEVEL = ("state", "state_code", "country", "city", "postal_code", "region", "branch", "segment",
               "salesperson", "manager")  # fmt: skip

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
    role: str  # one of ROLES: data, returns, people, customers, ignored
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
    notes: list[dict] = field(default_factory=list)  # rows loaded with a change worth telling (a name cut short)
    skipped: dict[str, int] = field(default_factory=dict)  # voucher type -> rows left out
    set_aside: dict[str, int] = field(default_factory=dict)  # blank, total, repeated header... -> rows
    derived: dict[str, list[str]] = field(default_factory=dict)  # sheet -> how its amounts were worked out
    gstin_problems: list[dict] = field(default_factory=list)  # customer, value, reason, rows: for Data quality

    def set_apart(self, what: str, rows: int) -> None:
        if rows:
            self.set_aside[what] = self.set_aside.get(what, 0) + rows


# ---------------------------------------------------------------- planning: which sheet is what


def remembered_mapping(kind: str, columns: list[str]) -> dict[str, str] | None:
    saved = ColumnMapping.objects.filter(kind=kind, signature=fields.columns_signature(columns)).first()
    if saved is None or any(column not in columns for column in saved.mapping.values()):
        return None
    return saved.mapping


ROLES = ("data", "returns", "people", "customers", "ignored")
# What tells a customer master sheet inside a sales workbook: a name and at least two of these.
_MASTER_FIELDS = {"gstin", "customer_code", "state", "city", "segment", "phone", "email", "address", "postal_code"}


def _mapping_for(kind: str, columns: list[str], data: pd.DataFrame, confirmed: dict[str, str] | None) -> dict:
    mapping = confirmed or remembered_mapping(kind, columns)
    if not mapping:
        mapping = fields.auto_map(columns, kind, fits=column_values.judge(data, kind))
        mapping = column_values.orders_over_invoices(mapping, data) if kind == Kind.SALES else mapping
    return mapping


def _is_customer_master(columns: list[str], data: pd.DataFrame) -> dict[str, str] | None:
    """The customer-master mapping of a sheet that looks like one (a name and its details, no sales)."""
    mapping = _mapping_for(Kind.CUSTOMERS, columns, data, None)
    return mapping if "name" in mapping and len(_MASTER_FIELDS & mapping.keys()) >= 2 else None


def lookup_role(mapping: dict[str, str]) -> str | None:
    """The lookup a sales workbook's extra sheet is: returned orders, or the person of each region."""
    if {"invoice", "returned"} <= mapping.keys():
        return "returns"
    if "region" in mapping and ({"salesperson", "manager"} & mapping.keys()):
        return "people"
    return None


def plan_sheets(
    sheets,
    kind: str,
    *,
    confirmed: dict[str, dict[str, str]] | None = None,
    roles: dict[str, str] | None = None,
    require_data: bool = True,
) -> list[SheetPlan]:
    """Find each sheet's header and mapping, and say which sheets hold data and which are lookups; `roles` are
    what a person said a sheet holds."""
    plans = []
    for sheet in sheets:
        header = locate_header(sheet.rows, kind=kind)
        chosen = (confirmed or {}).get(sheet.name)
        said = (roles or {}).get(sheet.name)
        if kind == Kind.SALES and said == "customers":
            mapping = _mapping_for(Kind.CUSTOMERS, header.columns, header.data, chosen)
            plans.append(SheetPlan(sheet.name, header, mapping, "customers", remembered=bool(chosen)))
            continue
        mapping = _mapping_for(kind, header.columns, header.data, chosen)
        missing = fields.missing_required(mapping, kind)
        role = "data" if not missing else "ignored"
        # A sheet that maps only as a lookup (Superstore's Returns and People) is that lookup.
        if kind == Kind.SALES and (lookup := lookup_role(mapping)) and (missing or _few_fields(mapping)):
            role = lookup
        elif (
            kind == Kind.SALES and missing and not said and (master := _is_customer_master(header.columns, header.data))
        ):
            mapping, role, missing = master, "customers", []
        role = said or role
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


def _few_fields(mapping: dict[str, str]) -> bool:
    """A returns or people sheet has a handful of columns; now that a sale needs only a date and an amount, a
    two-column lookup must not pass for sales."""
    return len(mapping) <= 3


# ---------------------------------------------------------------- the job

PREVIEW_ROWS = 8


def propose(job: ImportJob, *, always: bool = False) -> dict | None:
    """What a person should check before loading: None when every data sheet's columns were confirmed before
    (unless `always`)."""
    sheets = read_table(job.file.path, filename=job.original_name, max_bytes=settings.UPLOAD_MAX_BYTES)
    if not job.kind_confirmed:
        kind_guess.check(sheets, job.kind)
    plans = plan_sheets(
        sheets, job.kind, confirmed=job.column_mapping or None, roles=job.sheet_roles or None, require_data=False
    )
    relevant = [plan for plan in plans if plan.role != "ignored" or len(plans) == 1]
    currency = connection.tenant.currency
    foreign = job.kind == Kind.SALES and any(set(file_currencies(plan)) - {currency} for plan in relevant)
    # A file in another currency is asked about even when its columns are known: its lines would not count.
    if not always and not foreign and relevant and all(p.remembered and p.role != "ignored" for p in relevant):
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
            **(how_sales_are_read(plan) if job.kind == Kind.SALES else {}),
        }
    return proposal


def how_sales_are_read(plan: SheetPlan) -> dict:
    """What the column check says about a sales sheet: how amounts, orders and customers are worked out, and
    which voucher types count as sales."""
    mapping = plan.mapping
    labels = {name: f"'{column}'" for name, column in mapping.items()}
    notes = {"amounts": [source.how for source in amount_sources(lambda name: name in mapping, labels)]}
    if "invoice" in mapping:
        notes["orders"] = f"An order is an invoice: {labels['invoice']}."
    else:
        notes["orders"] = "The file has no invoice numbers: an order is a customer's purchases on one day."
    if "customer_code" in mapping:
        notes["customers"] = (
            f"Customers are told apart by their code, {labels['customer_code']}, under their latest name."
        )
    elif "customer" in mapping:
        notes["customers"] = f"Customers are told apart by their name, {labels['customer']}."
    else:
        notes["customers"] = "The file names no customer (walk-in sales): its customers are counted as unknown."
    column = mapping.get("voucher_type")
    if column is not None and plan.header.data is not None:
        types = plan.header.data[column].dropna().astype("str").str.strip()
        notes["voucher_types"] = sale_rules.voucher_roles(sorted(set(types) - {""})[:200])
    company = connection.tenant.currency
    other = [code for code in file_currencies(plan) if code != company]
    if len(other) == 1 and not SalesLine.objects.exists():
        notes["currencies"] = (
            f"Amounts in {other[0]}: if every line of this first file is in {other[0]}, this company's figures "
            f"will be in {other[0]} (now {company}). You can change it under Settings."
        )
    elif other:
        notes["currencies"] = (
            f"Amounts in {' and '.join(other)}: this company's figures are in {company}, so those lines will be kept "
            "but not counted. If they should count, change the company's currency under Settings first."
        )
    return notes


def file_currencies(plan: SheetPlan, *, rows: int = 5000) -> list[str]:
    """The currencies a sheet's first rows name, in a currency column or on its amounts ('$12.99')."""
    data, mapping = plan.header.data, plan.mapping
    if data is None:
        return []
    head = data.head(rows)
    found: set[str] = set()
    if "currency" in mapping:
        found |= {code for code in head[mapping["currency"]].dropna().map(currency_code) if code}
    for name in ("net_amount", "gross_amount", "unit_price"):
        if name in mapping:
            _, _, codes = parse_money(head[mapping[name]])
            found |= set(codes.dropna())
    return sorted(found)


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
    if not job.kind_confirmed:
        kind_guess.check(sheets, job.kind)  # a purchase register uploaded as sales waits for the person's word
    progress(15, "Finding the columns")
    plans = plan_sheets(sheets, job.kind, confirmed=job.column_mapping or None, roles=job.sheet_roles or None)
    outcome = Outcome()
    outcome.messages += [f"{sheet.name}: {note}" for sheet in sheets for note in sheet.notes]  # what reading mended
    del sheets  # the plans keep each table's rows below its header; the raw copy can go
    frames = []
    for plan in plans:
        if plan.role != "data":
            continue
        outcome.rows_read += len(plan.header.data)
        tidy = _tidy(plan, job.kind)
        outcome.set_apart("blank rows", tidy.blank_rows)
        outcome.set_apart("total rows", len(tidy.total_rows))
        outcome.set_apart("repeated header rows", tidy.repeated_headers)
        progress(25, f"Cleaning {plan.name}")
        if job.kind == Kind.SALES:
            _keep_cancelled_vouchers(tidy.rows, plan.mapping)
        cleaned = clean_table(tidy.rows, plan.mapping, job.kind)
        if job.kind == Kind.SALES:
            _leave_out_other_vouchers(cleaned, outcome)
            _carry_currency(cleaned)
            outcome.derived[plan.name] = _work_out_amounts(cleaned, plan.mapping)
        outcome.mapping[plan.name] = plan.mapping
        outcome.unmapped += [c for c in plan.header.columns if c not in plan.mapping.values() and c.strip()]
        rejected = cleaned.rejected
        for label, row in rejected.iterrows():
            original = tidy.rows.loc[label]
            outcome.rejects.append({"sheet": plan.name, "row": label, "reason": row["reason"], **original.to_dict()})
        # Loaded rows with a blanked value (an invalid GSTIN: the line is then taxed as unknown) are listed too.
        for label, warning in cleaned.warnings[cleaned.errors.isna() & cleaned.warnings.notna()].items():
            original = tidy.rows.loc[label]
            outcome.notes.append({"sheet": plan.name, "row": label, "reason": f"loaded, but {warning}",
                                  **original.to_dict()})  # fmt: skip
        outcome.gstin_problems += _gstin_problems(cleaned, job.kind)
        frames.append(cleaned.accepted if len(rejected) else cleaned.rows)
        plan.header.data = None  # a million raw rows we no longer need
        del tidy, cleaned
    outcome.rows_rejected = len(outcome.rejects)
    rows = _combine(frames)
    frames.clear()
    if rows.empty and outcome.skipped and not outcome.rejects:
        raise IngestError(_no_sales_vouchers(outcome.skipped), code="no_sales_vouchers")
    if rows.empty:
        reasons = "; ".join(sorted({r["reason"] for r in outcome.rejects})[:3])
        raise IngestError(f"No row of this file could be used. {reasons}".strip(), code="no_rows")
    if outcome.rows_rejected > REVIEW_SHARE * (outcome.rows_rejected + len(rows)) and not job.load_good_rows:
        raise NeedsReview(
            _review_message(outcome.rejects, good=len(rows)),
            rejects=outcome.rejects,
            rows_read=outcome.rows_read,
            rows_good=len(rows),
        )
    progress(55, "Preparing the lines")
    lookups = {plan.role: plan for plan in plans if plan.role in ("returns", "people")}
    loader = _LOADERS[job.kind]
    write = loader(rows, job=job, lookups=lookups, outcome=outcome)
    del rows
    masters = [_master_sheet(plan, job=job, outcome=outcome) for plan in plans if plan.role == "customers"]
    # Progress is written outside the load's transaction so it shows while the load runs.
    progress(70, "Loading new lines and updating the dashboards")
    with transaction.atomic():
        result, (date_from, date_to) = write()
        for write_master in masters:  # after the lines, so its details reach this file's lines too
            write_master()
        if job.kind in LINE_KINDS:
            # The dashboards, in this transaction: done means they show it. New lines alone can be merged in;
            # a replaced period or a master's details on older lines rebuild the months they touch.
            only_added = job.kind == Kind.SALES and not result.replaced and not masters
            followers.lines_changed(appended_after=result.after_id if only_added else None)
        outcome.rows_loaded, outcome.duplicates, outcome.rows_replaced = (
            result.inserted,
            result.duplicates,
            result.replaced,
        )
        outcome.date_from, outcome.date_to = date_from, date_to
        GstinProblem.objects.bulk_create([GstinProblem(job=job, **problem) for problem in outcome.gstin_problems])
        _finish(job, outcome)
    return outcome


_GSTIN_FIELDS = {Kind.SALES: ("customer_gstin", "customer"), Kind.CUSTOMERS: ("gstin", "name")}
_INVALID_GSTIN = re.compile(r"'([^']*)' is not a valid GSTIN: ([^;]*)")
GSTIN_PROBLEMS_KEPT = 5000  # per upload: enough to fix a master, not a second copy of a broken file


def _gstin_problems(cleaned, kind: str) -> list[dict]:
    """The customers a loaded row gave an invalid GSTIN for (it was blanked), one entry per customer and value."""
    gstin, name = _GSTIN_FIELDS.get(kind, (None, None))
    if gstin not in cleaned.rows:
        return []
    warned = cleaned.warnings.notna() & cleaned.errors.isna()
    found = cleaned.warnings[warned].astype(str).str.extract(_INVALID_GSTIN).dropna()
    if found.empty:
        return []
    names = cleaned.rows.loc[found.index, name] if name in cleaned.rows else pd.Series("", index=found.index)
    found["customer_name"] = names.fillna("").astype(str).str.slice(0, 255)
    found["customer_key"] = customer_keys(found["customer_name"]).fillna("").astype(str).str.slice(0, 255)
    found = found.rename(columns={0: "value", 1: "reason"})
    found["value"], found["reason"] = found["value"].str.slice(0, 64), found["reason"].str.strip().str.slice(0, 200)
    grouped = found.groupby(["customer_name", "customer_key", "value", "reason"], sort=True).size()
    return [{"customer_name": n, "customer_key": k, "value": v, "reason": r, "rows": int(count)}
            for (n, k, v, r), count in grouped.head(GSTIN_PROBLEMS_KEPT).items()]  # fmt: skip


def _tidy(plan: SheetPlan, kind: str):
    """The sheet's rows without blank, total and repeated header rows, voucher and order fields filled in."""
    keys, items = tidy_columns(plan.mapping, kind)
    day, order = None, []
    if kind == Kind.SALES and "invoice" in plan.mapping:
        # Voucher numbers restart per voucher type: the type is part of what an order is.
        order = [plan.mapping[name] for name in ("voucher_type", "invoice") if name in plan.mapping]
    if kind == Kind.SALES:
        day = plan.mapping.get("date")
    return tidy_rows(plan.header.data, keys, item_columns=items, day_column=day, order_columns=order)


def _master_sheet(plan: SheetPlan, *, job: ImportJob, outcome: Outcome) -> Write:
    """A customer master sheet inside a sales workbook, loaded as a customers upload would load it."""
    tidy = tidy_rows(plan.header.data)
    cleaned = clean_table(tidy.rows, plan.mapping, Kind.CUSTOMERS)
    outcome.messages.append(f"{plan.name}: {len(cleaned.accepted):,} customers read as the customer master.")
    return masters.load_customers(cleaned.accepted, job=job, lookups={}, outcome=Outcome())


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The accepted rows of every data sheet; a single sheet is used as it is, not copied."""
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _keep_cancelled_vouchers(rows: pd.DataFrame, mapping: dict[str, str]) -> None:
    """Tally shows a cancelled voucher as one line with no item or amount: keep it, at zero, flagged cancelled."""
    marked = pd.Series(False, index=rows.index)
    cancel_words = [word for word, meaning in sale_rules.status_words().items() if meaning == "cancelled"]
    for name in ("customer", "status", "voucher_type"):
        if name in mapping:
            marked |= _matches_any(rows[mapping[name]].astype("str").fillna(""), cancel_words)
    if not marked.any():
        return
    amount = next((mapping[name] for name in ("net_amount", "gross_amount", "credit_amount") if name in mapping), None)
    for column, placeholder in ((amount, "0"), (mapping.get("product_name"), "(cancelled voucher)")):
        if column is not None:
            empty = marked & rows[column].isna()
            rows.loc[empty, column] = placeholder


def _leave_out_other_vouchers(cleaned, outcome: Outcome) -> None:
    """Only sales vouchers are sales: returns are kept and marked, every other type is left out and counted."""
    if "voucher_type" not in cleaned.rows:
        return
    types = cleaned.rows["voucher_type"].astype("str").fillna("").str.strip()
    roles = sale_rules.voucher_roles(types.unique().tolist())
    role = types.map(roles).fillna(VoucherType.Role.SALE)
    skip = (role == VoucherType.Role.SKIP).to_numpy()
    for name, count in types[skip].value_counts().items():
        outcome.skipped[name] = outcome.skipped.get(name, 0) + int(count)
    keep = ~skip
    cleaned.rows = cleaned.rows[keep].assign(voucher_role=role[keep])
    cleaned.errors, cleaned.warnings = cleaned.errors[keep], cleaned.warnings[keep]
    if cleaned.currencies is not None:
        cleaned.currencies = cleaned.currencies[keep]


def _work_out_amounts(cleaned, mapping: dict[str, str]) -> list[str]:
    """Each line's net amount from what the sheet gives; returns how, for the column check and the job."""
    rows = cleaned.rows
    amounts = work_out(rows, {name: f"'{column}'" for name, column in mapping.items()})
    rows["net_amount"] = amounts.net
    rows["amount_includes_tax"] = amounts.includes_tax
    if amounts.gross is not None:
        rows["gross_amount"] = amounts.gross
    return _describe_amounts(amounts)


def _describe_amounts(amounts) -> list[str]:
    lines = ["Net amount = " + ", else ".join(amounts.how)] if amounts.how else []
    lines += [
        f"{name.replace('_', ' ')}: an invoice total repeated on each line, counted once" for name in amounts.repeated
    ]
    return lines


def _carry_currency(cleaned) -> None:
    """A currency column wins; else the currency the amounts name ('$12.99'); else none (the company's)."""
    found = cleaned.currencies
    if found is None:
        return
    if "currency" in cleaned.rows:
        cleaned.rows["currency"] = cleaned.rows["currency"].where(cleaned.rows["currency"].notna(), found)
    else:
        cleaned.rows["currency"] = found


def _no_sales_vouchers(skipped: dict[str, int]) -> str:
    kinds = ", ".join(
        f"{name or 'no type'} ({count:,})" for name, count in sorted(skipped.items(), key=lambda i: -i[1])
    )
    return (
        f"This file has no sales vouchers: it holds {kinds}. Only sales vouchers are loaded as sales, and credit "
        "notes as returns. If one of these types is how your company records sales, mark it as a sale under "
        "Uploads → What counts as a sale and upload the file again; otherwise export the Sales Register or a Day "
        "Book that includes sales."
    )


_REASON = re.compile(r"^(?P<column>.*?): '.*' (?P<problem>[^']*)$|^(?P<what>.*?) is empty \(column (?P<col>.*)\)$")


def _review_message(rejects: list[dict], *, good: int) -> str:
    """The top reasons and the columns they came from, for a file most of whose rows could not be read."""
    counts: dict[str, int] = {}
    for reject in rejects:
        for reason in str(reject["reason"]).split("; "):
            match = _REASON.match(reason)
            if match and match.group("column") is not None:
                key = f"column '{match.group('column')}': {match.group('problem')}"
            elif match:
                key = f"{match.group('what')} is empty (column {match.group('col')})"
            else:
                key = reason
            counts[key] = counts.get(key, 0) + 1
    top = sorted(counts.items(), key=lambda item: -item[1])[:3]
    reasons = "; ".join(f"{reason} ({count:,} rows)" for reason, count in top)
    total = len(rejects) + good
    return (
        f"{len(rejects):,} of {total:,} rows could not be read, so nothing was loaded yet. Top reasons: {reasons}. "
        "Check the columns chosen for them, or load the good rows anyway."
    )


def _finish(job: ImportJob, outcome: Outcome) -> None:
    if outcome.rejects or outcome.notes:
        rows = outcome.rejects + outcome.notes
        job.rejects_file.save(f"rejects-{job.pk}.csv", ContentFile(rejects_csv(rows)), save=False)
    if outcome.duplicates:
        outcome.messages.append(f"{outcome.duplicates} line(s) were already loaded and were skipped.")
    if outcome.skipped:
        kinds = ", ".join(f"{name} {count:,}" for name, count in sorted(outcome.skipped.items(), key=lambda i: -i[1]))
        outcome.messages.append(f"Left out, not sales: {kinds}.")
    if outcome.notes:
        outcome.messages.append(
            f"{len(outcome.notes):,} row(s) were loaded with a value blanked or cut (an invalid GSTIN, a name too long"
            " for its column): the rejected-rows file lists each, with its reason."
        )
    for sheet, lines in outcome.derived.items():
        outcome.messages += [f"{sheet}: {line}." for line in lines]
    if outcome.set_aside:
        rows = ", ".join(f"{count:,} {what}" for what, count in outcome.set_aside.items())
        outcome.messages.append(f"Set aside, not lines: {rows}.")
    job.skipped, job.set_aside = outcome.skipped, outcome.set_aside
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


def rejects_csv(rejects: list[dict]) -> bytes:
    columns = list(dict.fromkeys(key for row in rejects for key in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rejects:
        writer.writerow([neutralize_formula("" if pd.isna(row.get(c)) else str(row.get(c))) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- sales


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


def _matches_words(values: pd.Series, words: list[str]) -> pd.Series:
    """Values with any of the words at a word's start: 'cancel' finds 'Cancelled', 'rto' doesn't find 'Porto'."""
    pattern = sale_rules.status_pattern(words)
    if pattern is None:
        return pd.Series(False, index=values.index)
    return _matches(values, re.compile(pattern, re.IGNORECASE))


def _matches_any(values: pd.Series, patterns: list[str]) -> pd.Series:
    """Case-insensitive match of any pattern, tested once per distinct value (a million lines hold few products)."""
    if not patterns:
        return pd.Series(False, index=values.index)
    return _matches(values, re.compile("|".join(re.escape(p) for p in patterns), re.IGNORECASE))


def _matches(values: pd.Series, regex: re.Pattern) -> pd.Series:
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


def build_sales_frame(
    rows: pd.DataFrame,
    *,
    home_state: str,
    lookups: dict[str, SheetPlan],
    job_id,
    currency: str = "INR",
    notes: list[dict] | None = None,
) -> pd.DataFrame:
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
    out["amount_includes_tax"] = rows.pop("amount_includes_tax") if "amount_includes_tax" in present else False
    _identify_customers(out)
    out["from_masters"] = 0
    masters.enrich_from_customer_master(out)
    masters.enrich_from_item_master(out)

    # Region-level lookups: the branch filter falls back to the region, managers come from the People sheet.
    out["branch"] = out["branch"].where(out["branch"] != "", out["region"])
    people = _people(lookups.get("people"))
    if people:
        from_people = out["region"].str.strip().str.casefold().map(people).fillna("")
        out["manager"] = out["manager"].where(out["manager"] != "", from_people)
    _one_value_per_order(out)

    same_state = (out["state_code"] == home_state) | (out["state_code"] == "")
    out["tax_from_rate"] = False
    if present & {"cgst", "sgst", "igst"}:  # taxes the file states are kept as given
        for name in ("cgst", "sgst", "igst"):
            out[name] = _text(rows, name, take=True).replace("", "0")
    elif "gst_rate" in present:
        out["cgst"], out["sgst"], out["igst"] = _split_gst(out["net_amount"], out["gst_rate"], same_state)
        out["tax_from_rate"] = out["gst_rate"].notna()  # a master that later names the state may re-split these
        by_master = (out["from_masters"] & masters.FILLED["state_code"]) != 0
        moved = (out["tax_from_rate"] & ~same_state & by_master).to_numpy()
        out["from_masters"] = out["from_masters"].to_numpy() | np.where(moved, masters.TAX_MOVED, 0)
    else:
        out["cgst"] = out["sgst"] = out["igst"] = "0"

    words = sale_rules.status_words()
    returned_invoices = _returned_invoices(lookups.get("returns"))
    status_text = out["status"] + " " + out["voucher_type"]
    role = _text(rows, "voucher_role", take=True)
    out["is_cancelled"] = _matches_words(status_text, [w for w, m in words.items() if m == "cancelled"])
    out["is_cancelled"] |= _matches_any(out["customer_name"], ["(cancelled)"])
    # A yes/no column (SAP's CANCELED: Y, or C for the document that cancels another), or the date an order was
    # cancelled (Shopify's "Cancelled at"), cancels the line too.
    flag = _text(rows, "cancelled", take=True).str.strip().str.casefold()
    not_cancelled = flag.isin({"", "n", "no", "false", "0", "nan", "none", "-"})
    out["is_cancelled"] |= ~not_cancelled
    returned_flag = rows.pop("returned").fillna(False).astype(bool) if "returned" in present else False
    out["is_returned"] = _matches_words(status_text, [w for w, m in words.items() if m == "returned"])
    out["is_returned"] |= role == VoucherType.Role.RETURN
    out["is_returned"] |= out["invoice_number"].isin(returned_invoices)
    out["is_returned"] |= returned_flag
    out["is_excluded"] = _exclusion_mask(out)
    out["currency"] = _text(rows, "currency", take=True).str.upper()
    out["is_other_currency"] = (out["currency"] != "") & (out["currency"] != currency)
    out["counts"] = ~(out["is_cancelled"] | out["is_returned"] | out["is_excluded"] | out["is_other_currency"])
    _fit_text(out, notes if notes is not None else [])

    out["line_hash"] = line_hashes(out)
    out["occurrence"] = occurrences(out["line_hash"].to_numpy())
    out["source_job_id"] = job_id
    return out


def _identify_customers(out: pd.DataFrame) -> None:
    """A customer code is the identity when there is one (a code whose name changes is one customer); else the
    folded name. Walk-in lines with neither stay unknown: key ''."""
    names, codes = out["customer_name"], out["customer_code"].str.strip()
    by_name = customer_keys(names).fillna("").astype(str)
    by_name = by_name.mask(by_name.isin(sale_rules.WALK_IN_KEYS), "")  # 'Cash', 'Cash Sale': walk-in sales
    coded = codes != ""
    if not coded.any():
        out["customer_key"] = by_name
        return
    out["customer_key"] = ("#" + codes.str.casefold()).where(coded, by_name)
    out["customer_name"] = names.where(names != "", codes)


def _one_value_per_order(out: pd.DataFrame) -> None:
    """Order-level columns take the order's first filled value on every line of the order (see ORDER_LEVEL)."""
    numbered = out["invoice_number"] != ""
    if not numbered.any():
        return
    order = out.groupby(["invoice_number", "invoice_date", "customer_key"], sort=False).ngroup()
    order = order.where(numbered, -1 - np.arange(len(out)))  # lines without a number stand alone
    for column in ORDER_LEVEL:
        values = out[column]
        if not (values != "").any():
            continue
        first = values.mask(values == "").groupby(order.to_numpy()).transform("first").fillna("")
        if not first.equals(values):
            out[column] = first.astype(values.dtype)


def _fit_text(out: pd.DataFrame, notes: list[dict]) -> None:
    """Text longer than its column is cut to fit, and each cut is noted in the rejected-rows file."""
    for model_field in SalesLine._meta.concrete_fields:
        if model_field.get_internal_type() != "CharField" or model_field.column not in out:
            continue
        values, limit = out[model_field.column], model_field.max_length
        long = values.str.len() > limit
        if not long.any():
            continue
        for label, text in values[long].items():
            notes.append(
                {"row": label, "reason": f"{model_field.verbose_name}: cut to {limit} characters (the line was "
                 f"loaded): '{text}'"}
            )  # fmt: skip
        out[model_field.column] = values.where(~long, values.str.slice(0, limit))


_OPTIONAL_TEXT = [f.column for f in SalesLine._meta.concrete_fields if f.get_internal_type() == "CharField" and f.blank]


def _load_sales(rows, *, job, lookups, outcome) -> Write:
    """Prepare the lines now; the returned function writes them, inside the caller's transaction."""
    company = connection.tenant
    currency = _first_upload_currency(rows, company.currency, outcome)
    frame = build_sales_frame(
        rows, home_state=company.home_state, lookups=lookups, job_id=job.pk, currency=currency, notes=outcome.notes
    )
    del rows
    excluded = int(frame["is_excluded"].sum())
    if excluded:
        outcome.messages.append(f"{excluded} line(s) matched an exclusion rule: kept, but not counted in sales.")
    _tell_other_currencies(frame, currency, outcome)
    copies = int((frame["occurrence"] > 1).sum())
    if copies:  # kept: two equal item lines can be real; a hand-joined file that repeats a month is worth a look
        outcome.messages.append(
            f"{copies:,} line(s) are exact copies of an earlier line of this file (same invoice, item, quantity and "
            "amount). They were kept; if the file was joined by hand, check it."
        )
    span = (frame["invoice_date"].min().date(), frame["invoice_date"].max().date())
    renamed = {"customer_name": "name", "customer_key": "key", "customer_code": "code", "customer_gstin": "gstin"}
    kept = [*renamed, "state", "state_code", "city", "country", "segment", "invoice_date"]
    # Columns first, then rows: filtering the whole frame would copy a million lines of forty columns. A customer
    # is shown under the name of its latest line.
    customers = frame[kept][~frame["is_cancelled"] & (frame["customer_key"] != "")]
    customers = customers.sort_values("invoice_date", kind="stable").drop_duplicates("customer_key", keep="last")
    customers = customers.rename(columns={**renamed, "invoice_date": "last_seen"})
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
        if currency != company.currency:  # in the load's transaction: a failed load leaves the currency as it was
            type(company).objects.filter(pk=company.pk).update(currency=currency)
            company.currency = currency
        result = load_new_rows(
            table="ingestion_salesline",
            frame=frame,
            key_columns=("line_hash", "occurrence"),
            window=("invoice_date BETWEEN %s AND %s", list(span)),  # a line's date is part of its hash
            replace=job.mode == ImportJob.Mode.REPLACE_PERIOD,
        )
        load_rows(table="ingestion_customer", frame=customers, conflict_columns=("key",))
        _rename_customers(customers)
        load_rows(table="ingestion_product", frame=products, conflict_columns=("key",))
        return result, span

    return write


def _first_upload_currency(rows: pd.DataFrame, currency: str, outcome: Outcome) -> str:
    """The company's currency, or, for its first sales file, the one currency every line of the file names: a
    company that signed up with the default rupees and uploads dollar orders is a dollar company."""
    if "currency" not in rows or SalesLine.objects.exists():
        return currency
    named = set(rows["currency"].dropna().astype(str).str.strip().str.upper())
    if len(named) != 1 or "" in named or rows["currency"].isna().any() or named == {currency}:
        return currency
    (found,) = named
    outcome.messages.append(
        f"Every line of this first file is in {found}, so this company's figures are now in {found} (it was "
        f"{currency}). Change it under Settings if that is wrong."
    )
    return found


def _tell_other_currencies(frame: pd.DataFrame, currency: str, outcome: Outcome) -> None:
    """Lines in other currencies are kept, never added in; a file with nothing in the company's currency is refused."""
    other = frame["is_other_currency"]
    if not other.any():
        return
    names = " and ".join(sorted(set(frame.loc[other, "currency"])))
    if other.all():
        raise IngestError(
            f"Every line of this file is in {names}, and this company's figures are in {currency}. If {names} is "
            "your company's currency, change it under Settings and upload the file again; otherwise upload the "
            f"sales you made in {currency}.",
            code="other_currency",
        )
    outcome.messages.append(f"{int(other.sum()):,} lines in {names} are not counted in {currency} figures.")


def _rename_customers(customers: pd.DataFrame) -> None:
    """A customer seen again under a newer name (same code) takes that name; an older file never renames it."""
    if customers.empty:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE ingestion_customer c SET name = s.name, last_seen = s.last_seen
            FROM unnest(%s::text[], %s::text[], %s::date[]) AS s(key, name, last_seen)
            WHERE c.key = s.key AND NOT c.from_master AND (c.last_seen IS NULL OR s.last_seen >= c.last_seen)
              AND (c.name IS DISTINCT FROM s.name OR c.last_seen IS DISTINCT FROM s.last_seen)
            """,
            [
                customers["key"].tolist(),
                customers["name"].tolist(),
                [day.date() for day in customers["last_seen"]],
            ],
        )


# ---------------------------------------------------------------- ERP sheets


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
    unique = frame.drop_duplicates("record_hash")
    outcome.set_apart("duplicate rows within the file (merged)", len(frame) - len(unique))
    frame = unique
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
    Kind.CUSTOMERS: masters.load_customers,
    Kind.ITEMS: masters.load_items,
    Kind.PURCHASE: _load_erp,
    Kind.PRODUCTION: _load_erp,
    Kind.PACKING: _load_erp,
    Kind.SHIPMENT: _load_erp,
}
