"""The masters: customer and item lists that describe the parties and products sales lines name.

A master is loaded on its own (kinds customers and items) or as a sheet of a sales workbook, and fills in what
lines leave empty: a customer's GSTIN, state and segment; an item's product line and cost. Lines loaded before the
master arrived are filled by set-based UPDATEs; lines loaded after it are filled as they are built.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, models
from django.db.models.functions import Lower

from . import exclusions
from .etl.cleaning import canonical_decimals, customer_keys
from .etl.errors import IngestError
from .frame_columns import maybe as _maybe
from .frame_columns import text as _text
from .loading import LoadResult, Write, copy_frame, load_rows
from .models import Customer, Kind, MasterRecord, Product

if TYPE_CHECKING:
    from .pipeline import Outcome


# A line meets a customer of the master by its folded name, or by the master's code when the line is keyed by code
# ('#' and the code folded). One row per key a line may carry, so the UPDATE is one hash join: an OR of the two
# conditions in the join would compare every line with every customer (an hour for a million lines).
_MASTER_CUSTOMERS = """(
    SELECT DISTINCT ON (match) * FROM (
        SELECT key AS match, * FROM ingestion_customer WHERE from_master AND key = ANY(%(keys)s)
        UNION ALL
        SELECT '#' || lower(btrim(code)) AS match, * FROM ingestion_customer
        WHERE from_master AND key = ANY(%(keys)s) AND btrim(code) <> ''
    ) found ORDER BY match, key
) c"""

# Sales line column -> customer master column: what a master fills in where a line leaves it empty.
CUSTOMER_FILLS = {
    "customer_gstin": "gstin", "state": "state", "state_code": "state_code", "city": "city", "country": "country",
    "segment": "segment", "salesperson": "salesperson", "branch": "branch",
}  # fmt: skip


# Which columns of a line a master filled in, one bit each in SalesLine.from_masters, so that deleting the master
# puts back exactly what the file said. TAX_MOVED: a rate-split CGST+SGST that a master's state made one IGST.
FILLED = {column: 1 << bit for bit, column in enumerate([*CUSTOMER_FILLS, "product_line", "sub_category"])}
TAX_MOVED = 1 << len(FILLED)
CUSTOMER_BITS = sum(FILLED[column] for column in CUSTOMER_FILLS) | TAX_MOVED
ITEM_BITS = FILLED["product_line"] | FILLED["sub_category"]


def _fill(out: pd.DataFrame, column: str, values: pd.Series) -> None:
    """`values` where the line leaves `column` empty, marking the line's bit for it."""
    filled = ((out[column] == "") & (values != "")).to_numpy()
    if filled.any():
        out[column] = out[column].where(~filled, values)
        out["from_masters"] = out["from_masters"].to_numpy() | np.where(filled, FILLED[column], 0)


def enrich_from_customer_master(out: pd.DataFrame) -> None:
    """Fill the customer's details (CUSTOMER_FILLS) from the customer master where the line leaves them empty."""
    keys = set(out["customer_key"]) - {""}
    codes = {key[1:] for key in keys if key.startswith("#")}
    master = pd.DataFrame(
        Customer.objects.filter(from_master=True)
        .annotate(code_folded=Lower("code"))
        .filter(models.Q(key__in=keys) | models.Q(code_folded__in=codes))
        .values("key", "code", *CUSTOMER_FILLS.values())
    )
    if master.empty:
        return
    # Lines keyed by a customer code meet the master through the master's code column.
    by_code = master[master["code"] != ""].assign(key=lambda m: "#" + m["code"].str.strip().str.casefold())
    master = pd.concat([master, by_code]).drop_duplicates("key").drop(columns="code")
    joined = out[["customer_key"]].merge(master, how="left", left_on="customer_key", right_on="key")
    joined.index = out.index
    for column, source in CUSTOMER_FILLS.items():
        _fill(out, column, joined[source].fillna(""))
    gstin_state = out["customer_gstin"].str[:2]
    from_gstin = gstin_state.where(gstin_state.str.isdigit(), "")
    if (out["from_masters"] & FILLED["customer_gstin"]).any():  # the state code of a GSTIN the master gave
        _fill(out, "state_code", from_gstin.where((out["from_masters"] & FILLED["customer_gstin"]) != 0, ""))
    out["state_code"] = out["state_code"].where(out["state_code"] != "", from_gstin)


def _folded(names: pd.Series) -> pd.Series:
    """A product name for matching: case-insensitive, runs of spaces as one ('Ceiling  FAN' == 'ceiling fan')."""
    return names.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()


def enrich_from_item_master(out: pd.DataFrame) -> None:
    """The item master's product line and sub-category where the line leaves them empty, and its cost (unit cost
    times quantity) where the file gives the line no cost. An item meets a line by code when both have one, else by
    name; see _cost_lines_from_items for the same rule in SQL."""
    items = pd.DataFrame(
        Product.objects.filter(from_master=True).values("code", "name", "product_line", "sub_category", "unit_cost")
    )
    out["cost_from_master"] = False
    if items.empty:
        return
    items["unit_cost"] = items["unit_cost"].map(lambda value: None if value is None else str(value))  # per item
    code, name = items["code"].str.strip().str.casefold(), _folded(items["name"])
    coded = code != ""
    # Match keys: "c:" a code; "n:" a name, for lines without a code; "u:" the name of an item without a code,
    # which lines with a code may meet too.
    table = pd.concat(
        [
            items[coded].assign(match=("c:" + code)[coded]),
            items.assign(match="n:" + name),
            items[~coded].assign(match=("u:" + name)[~coded]),
        ]
    )
    table = table[~table["match"].isin(["c:", "n:", "u:"])].drop_duplicates("match", keep="last").set_index("match")
    line_code, line_name = out["product_code"].str.strip().str.casefold(), _folded(out["product_name"])
    has_code = (line_code != "").to_numpy()
    first = np.where(has_code, "c:" + line_code, "n:" + line_name)
    second = np.where(has_code, "u:" + line_name, "")
    found = table.reindex(first).reset_index(drop=True)
    missing = found["name"].isna().to_numpy()
    if missing.any() and has_code.any():
        found.loc[missing] = table.reindex(second).reset_index(drop=True).loc[missing].to_numpy()
    found.index = out.index
    for column in ("product_line", "sub_category"):
        _fill(out, column, found[column].fillna("").astype("str"))
    own = out["cost"].astype("str").fillna("").str.strip()
    costable = (own == "") & found["unit_cost"].notna() & out["quantity"].notna()
    if not costable.any():
        return
    # Exact decimal arithmetic in Arrow, rounded half away from zero at four places as PostgreSQL's round() does.
    unit_cost = pa.array(canonical_decimals(found.loc[costable, "unit_cost"], 4)).cast(pa.decimal256(40, 4))
    quantity = pa.array(canonical_decimals(out.loc[costable, "quantity"], 3)).cast(pa.decimal256(30, 3))
    product = pc.round(pc.multiply(unit_cost, quantity), ndigits=4, round_mode="half_towards_infinity")
    cost = pc.cast(pc.cast(product, pa.decimal256(60, 4)), pa.string()).to_pylist()
    out["cost"] = out["cost"].astype(object)
    out.loc[costable, "cost"] = cost
    out["cost_from_master"] = costable


def load_customers(rows, *, job, lookups, outcome) -> Write:
    frame = pd.DataFrame({"name": _text(rows, "name")})
    frame["key"] = customer_keys(frame["name"]).fillna("").astype(str)
    frame["code"] = _text(rows, "customer_code")
    for column in (*CUSTOMER_FILLS.values(), "region", "postal_code"):
        frame[column] = _text(rows, column)
    gstin_state = frame["gstin"].str[:2]
    frame["state_code"] = frame["state_code"].where(
        frame["state_code"] != "", gstin_state.where(gstin_state.str.isdigit(), "")
    )
    frame["from_master"] = True
    named = frame[frame["key"] != ""]
    outcome.set_apart("rows without a name", len(frame) - len(named))
    frame = named.drop_duplicates("key", keep="last")
    outcome.set_apart("duplicate rows within the file (merged)", len(named) - len(frame))
    return lambda: _write_customers(frame, job_id=job.pk)


def _write_customers(frame: pd.DataFrame, *, job_id: int | None) -> tuple[LoadResult, tuple]:
    existing = set(Customer.objects.filter(key__in=set(frame["key"]), from_master=True).values_list("key", flat=True))
    if job_id is not None:
        _keep_records(Kind.CUSTOMERS, frame, job_id)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ingestion_customer WHERE key = ANY(%s)", [list(frame["key"])])
    load_rows(table="ingestion_customer", frame=frame, conflict_columns=("key",))
    # Lines loaded before the master arrived get its details where they had none; lines keyed by a customer code
    # meet the master through its code column.
    sets = ", ".join(f"{line} = CASE WHEN l.{line} = '' THEN c.{master} ELSE l.{line} END"
                     for line, master in CUSTOMER_FILLS.items())  # fmt: skip
    marks = " | ".join(f"CASE WHEN l.{line} = '' AND c.{master} <> '' THEN {FILLED[line]} ELSE 0 END"
                       for line, master in CUSTOMER_FILLS.items())  # fmt: skip
    gaps = " OR ".join(f"(l.{line} = '' AND c.{master} <> '')" for line, master in CUSTOMER_FILLS.items())
    # Taxes worked out from a rate while the state was unknown were split as intra-state; once the master names a
    # state outside the home state they are one IGST (every expression here reads the line as it was).
    moves = "l.tax_from_rate AND l.state_code = '' AND c.state_code NOT IN ('', %(home)s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE ingestion_salesline l SET {sets},
              igst = CASE WHEN {moves} THEN l.igst + l.cgst + l.sgst ELSE l.igst END,
              cgst = CASE WHEN {moves} THEN 0 ELSE l.cgst END,
              sgst = CASE WHEN {moves} THEN 0 ELSE l.sgst END,
              from_masters = l.from_masters | {marks} | CASE WHEN {moves} THEN {TAX_MOVED} ELSE 0 END
            FROM {_MASTER_CUSTOMERS}
            WHERE l.customer_key = c.match AND ({gaps})
            """,
            {"keys": list(frame["key"]), "home": connection.tenant.home_state},
        )
    # A customer the master already described counts as a duplicate; its details are refreshed all the same.
    return LoadResult(staged=len(frame), inserted=len(frame) - len(existing)), (None, None)


# ---------------------------------------------------------------- item master

# Product column -> its length, for cutting text to fit
_ITEM_TEXT = {"key": 255, "code": 128, "name": 255, "product_line": 128, "sub_category": 128, "unit": 24, "hsn": 16}


def load_items(rows, *, job, lookups, outcome) -> Write:
    """An item master (Tally's List of Stock Items, Stock Summary, any item list): one Product per item, keyed as
    sales lines key products (code, else name, casefolded), carrying the group, unit, HSN, GST rate and unit cost."""
    frame = pd.DataFrame({"code": _text(rows, "code").str.strip(), "name": _text(rows, "name").str.strip()})
    frame["key"] = frame["code"].where(frame["code"] != "", frame["name"]).str.casefold()
    for column in ("product_line", "sub_category", "unit", "hsn"):
        frame[column] = _text(rows, column).str.strip()
    for column, limit in _ITEM_TEXT.items():
        frame[column] = frame[column].str.slice(0, limit)
    frame["gst_rate"] = _maybe(rows, "gst_rate")
    frame["unit_cost"] = _maybe(rows, "unit_cost")
    frame["from_master"] = True
    named = frame[frame["key"] != ""]
    outcome.set_apart("rows without a name or code", len(frame) - len(named))
    _refuse_conflicting_costs(named)
    frame = named.drop_duplicates("key", keep="last")
    outcome.set_apart("duplicate rows within the file (merged)", len(named) - len(frame))
    return lambda: _write_items(frame, outcome, job_id=job.pk)


def _refuse_conflicting_costs(items: pd.DataFrame) -> None:
    """One item listed twice with two different costs: which cost is right is the owner's call, not ours."""
    costs = items.assign(cost=canonical_decimals(items["unit_cost"], 4))
    costs = costs[costs["cost"] != ""]
    varying = costs.groupby("key")["cost"].nunique()
    varying = varying[varying > 1]
    if varying.empty:
        return
    named = costs[costs["key"].isin(varying.index)].drop_duplicates("key")
    examples = ", ".join(
        f"'{row.name or row.code}' ({' and '.join(sorted(set(costs.loc[costs['key'] == row.key, 'cost'])))})"
        for row in named.head(3).itertuples()
    )
    raise IngestError(
        f"{len(varying):,} item(s) are listed more than once with different costs, e.g. {examples}. Nothing was "
        "loaded: keep one row per item (or give each its own item code) and upload the item master again.",
        code="conflicting_costs",
    )


def _write_items(frame: pd.DataFrame, outcome: Outcome | None, *, job_id: int | None) -> tuple[LoadResult, tuple]:
    keys = list(frame["key"])
    existing = Product.objects.filter(key__in=keys, from_master=True).count()
    if job_id is not None:
        _keep_records(Kind.ITEMS, frame, job_id)
    columns = ", ".join(frame.columns)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in frame.columns if column != "key")
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own cursor, for COPY
        cursor.execute("DROP TABLE IF EXISTS stage_items")
        cursor.execute(f"CREATE TEMP TABLE stage_items ON COMMIT DROP AS SELECT {columns} FROM ingestion_product "
                       "WITH NO DATA")  # fmt: skip
        copy_frame(cursor, "stage_items", frame)
        cursor.execute(
            f"INSERT INTO ingestion_product ({columns}) SELECT {columns} FROM stage_items "
            f"ON CONFLICT (key) DO UPDATE SET {updates}"
        )
        cursor.execute("DROP TABLE stage_items")
    costed = _cost_lines_from_items(keys)
    if costed and outcome is not None:
        outcome.messages.append(f"{costed:,} sales line(s) already loaded took their cost or product line from it.")
    # An item the master already described counts as a duplicate; its details are refreshed all the same.
    return LoadResult(staged=len(frame), inserted=len(frame) - existing), (None, None)


# An item meets a line by code when both have one, else by name (folded as _folded folds it). The name pass runs
# first, so that a line meeting one item by name and another by code ends with the code's.
_FOLD = "lower(btrim(regexp_replace({}, '\\s+', ' ', 'g')))"
# Three equi-joins, each filtered on the line's own columns first, so a register whose lines all carry codes never
# folds a million names: lines without a code by name; lines with a code by the name of an item without one; then
# by code.
_BY_NAME = f"p.name <> '' AND {_FOLD.format('l.product_name')} = {_FOLD.format('p.name')}"
_ITEM_MATCHES = (
    f"l.product_code = '' AND {_BY_NAME}",
    f"l.product_code <> '' AND p.code = '' AND {_BY_NAME}",
    "l.product_code <> '' AND p.code <> '' AND lower(btrim(l.product_code)) = lower(btrim(p.code))",
)
# A line takes the master's cost when its file gave none, or the master gave the one it has (a newer master
# re-costs the lines an older one costed).
_COSTABLE = "p.unit_cost IS NOT NULL AND l.quantity IS NOT NULL AND (l.cost IS NULL OR l.cost_from_master)"


@contextmanager
def _hash_joins(cursor):
    """Lines meet items by hashing, never in a nested loop: on a freshly loaded table the planner can guess a
    handful of lines and scan a million once per item (2,000 scans of 1,000,000 lines). For the rest of the
    statement block only; the setting returns to what it was."""
    cursor.execute("SELECT current_setting('enable_nestloop')")
    (before,) = cursor.fetchone()
    cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [before])


def _cost_lines_from_items(keys: list[str]) -> int:
    """Lines loaded before the master arrived (or costed by an older one) take its cost and fill their empty
    product line, in set-based UPDATEs (one per way to meet); returns how many line updates were made."""
    changed = 0
    codeless = Product.objects.filter(from_master=True, key__in=keys, code="").exists()
    with connection.cursor() as cursor, _hash_joins(cursor):
        for match in _ITEM_MATCHES:
            if match == _ITEM_MATCHES[1] and not codeless:
                continue  # no item without a code for lines with one to meet by name
            cursor.execute(
                f"""
                UPDATE ingestion_salesline l SET
                  cost = CASE WHEN {_COSTABLE} THEN round(p.unit_cost * l.quantity, 4) ELSE l.cost END,
                  cost_from_master = CASE WHEN {_COSTABLE} THEN true ELSE l.cost_from_master END,
                  product_line = CASE WHEN l.product_line = '' THEN p.product_line ELSE l.product_line END,
                  sub_category = CASE WHEN l.sub_category = '' THEN p.sub_category ELSE l.sub_category END,
                  from_masters = l.from_masters
                    | CASE WHEN l.product_line = '' AND p.product_line <> '' THEN {FILLED["product_line"]} ELSE 0 END
                    | CASE WHEN l.sub_category = '' AND p.sub_category <> '' THEN {FILLED["sub_category"]} ELSE 0 END
                FROM ingestion_product p
                WHERE p.from_master AND p.key = ANY(%s) AND {match}
                  AND ((({_COSTABLE}) AND l.cost IS DISTINCT FROM round(p.unit_cost * l.quantity, 4))
                       OR (l.product_line = '' AND p.product_line <> '')
                       OR (l.sub_category = '' AND p.sub_category <> ''))
                """,
                [keys],
            )
            changed += cursor.rowcount
    if changed:  # a product line the master gave may be one the exclusion rules keep out (packing material)
        exclusions.remark(touched_bits=ITEM_BITS)
    return changed


# ---------------------------------------------------------------- history, and taking a master back


def _keep_records(kind: str, frame: pd.DataFrame, job_id: int) -> None:
    """Keep the master's rows as loaded, so that deleting a later master can bring these back."""
    columns = [column for column in frame.columns if column != "key"]
    rows = frame[columns].itertuples(index=False, name=None)
    records = pd.DataFrame({"job_id": job_id, "kind": kind, "key": frame["key"].to_numpy()})
    # Text for every value (a cost stays the exact decimal it was), null for a missing one.
    records["values"] = [
        json.dumps({column: None if pd.isna(value) else str(value) for column, value in zip(columns, row, strict=True)})
        for row in rows
    ]
    with connection.cursor() as cursor:
        copy_frame(cursor.cursor, "ingestion_masterrecord", records)


def _latest_records(kind: str, keys: list[str]) -> pd.DataFrame:
    """Per key, the newest master row still kept, as the frame a master load writes."""
    latest = (
        MasterRecord.objects.filter(kind=kind, key__in=keys)
        .order_by("key", "-job_id")
        .distinct("key")
        .values_list("key", "values")
    )
    return pd.DataFrame([{"key": key, **values} for key, values in latest])


def take_back(job_id: int) -> dict[str, int]:
    """Undo what a master upload (or a sales workbook's customer sheet) did, inside the caller's transaction:
    the lines lose what it filled in, and its customers and items go back to the master loaded before it, if any."""
    taken = {"customers": _take_back_customers(job_id), "items": _take_back_items(job_id)}
    MasterRecord.objects.filter(job_id=job_id).delete()
    return taken


def _take_back_customers(job_id: int) -> int:
    keys = list(MasterRecord.objects.filter(job_id=job_id, kind=Kind.CUSTOMERS).values_list("key", flat=True))
    if not keys:
        return 0
    restore = ", ".join(f"{line} = CASE WHEN l.from_masters & {FILLED[line]} <> 0 THEN '' ELSE l.{line} END"
                        for line in CUSTOMER_FILLS)  # fmt: skip
    moved = f"l.from_masters & {TAX_MOVED} <> 0"
    with connection.cursor() as cursor:
        # A tax a master's state moved to IGST splits back as the load split it: half, rounded, and the rest.
        cursor.execute(
            f"""
            UPDATE ingestion_salesline l SET {restore},
              cgst = CASE WHEN {moved} THEN round(l.igst / 2, 2) ELSE l.cgst END,
              sgst = CASE WHEN {moved} THEN l.igst - round(l.igst / 2, 2) ELSE l.sgst END,
              igst = CASE WHEN {moved} THEN 0 ELSE l.igst END,
              from_masters = l.from_masters & {~CUSTOMER_BITS & 0x7FFF}
            FROM {_MASTER_CUSTOMERS}
            WHERE l.customer_key = c.match AND l.from_masters & {CUSTOMER_BITS} <> 0
            """,
            {"keys": keys},
        )
        cursor.execute("DELETE FROM ingestion_customer WHERE from_master AND key = ANY(%s)", [keys])
    MasterRecord.objects.filter(job_id=job_id, kind=Kind.CUSTOMERS).delete()
    earlier = _latest_records(Kind.CUSTOMERS, keys)
    if not earlier.empty:
        _write_customers(earlier, job_id=None)
    with connection.cursor() as cursor:
        # Customers no master describes any more are again the customers their lines name.
        cursor.execute(
            """
            INSERT INTO ingestion_customer (key, name, code, gstin, state, state_code, city, country, segment,
                                            region, postal_code, salesperson, branch, from_master, last_seen)
            SELECT DISTINCT ON (customer_key) customer_key, customer_name, customer_code, customer_gstin, state,
                   state_code, city, country, segment, '', '', '', '', false, invoice_date
            FROM ingestion_salesline WHERE customer_key = ANY(%s) AND NOT is_cancelled
            ORDER BY customer_key, invoice_date DESC
            ON CONFLICT (key) DO NOTHING
            """,
            [keys],
        )
    return len(keys)


def _take_back_items(job_id: int) -> int:
    keys = list(MasterRecord.objects.filter(job_id=job_id, kind=Kind.ITEMS).values_list("key", flat=True))
    if not keys:
        return 0
    with connection.cursor() as cursor, _hash_joins(cursor):
        for match in _ITEM_MATCHES:
            cursor.execute(
                f"""
                UPDATE ingestion_salesline l SET
                  cost = CASE WHEN l.cost_from_master THEN NULL ELSE l.cost END, cost_from_master = false,
                  product_line = CASE WHEN l.from_masters & {FILLED["product_line"]} <> 0 THEN ''
                                      ELSE l.product_line END,
                  sub_category = CASE WHEN l.from_masters & {FILLED["sub_category"]} <> 0 THEN ''
                                      ELSE l.sub_category END,
                  from_masters = l.from_masters & {~ITEM_BITS & 0x7FFF}
                FROM ingestion_product p
                WHERE p.from_master AND p.key = ANY(%s) AND {match}
                  AND (l.cost_from_master OR l.from_masters & {ITEM_BITS} <> 0)
                """,
                [keys],
            )
        exclusions.remark()  # a line whose product line came off may no longer be one the rules keep out
        cursor.execute(
            "UPDATE ingestion_product SET from_master = false, unit_cost = NULL, gst_rate = NULL, unit = '', "
            "hsn = '' WHERE key = ANY(%s)",
            [keys],
        )
    MasterRecord.objects.filter(job_id=job_id, kind=Kind.ITEMS).delete()
    earlier = _latest_records(Kind.ITEMS, keys)
    if not earlier.empty:
        _write_items(earlier, None, job_id=None)
    # A line the taken-back item had costed may meet another item of the master (by code rather than name).
    _cost_lines_from_items(list(Product.objects.filter(from_master=True).values_list("key", flat=True)))
    return len(keys)
