"""Data quality: how good each upload was, and what to fix in the next export."""

from __future__ import annotations

from django.utils import timezone

from ..dashboard import Dashboard, Page, Panel
from ..data_quality import HsnGap, cost_sources, hsn_gaps, invalid_gstins, upload_quality
from ..tables import Column, Table


def build(d: Dashboard) -> Page:
    page = Page("data", "Data quality")
    uploads = upload_quality()
    if not uploads:
        page.empty = "No uploads yet. Upload a sales register or an ERP sheet and each file is scored here."
        return page
    page.controls = {"uploads": uploads}
    table = Table(
        "Uploads and their quality",
        [
            Column("file", "File"),
            Column("kind", "Kind"),
            Column("uploaded", "Uploaded"),
            Column("status", "Status"),
            Column("score", "Score", "number"),
            Column("grade", "Grade"),
            Column("rows", "Rows read", "number"),
            Column("loaded", "Loaded", "number"),
            Column("duplicates", "Duplicates", "number"),
            Column("rejected", "Rejected", "number"),
            Column("unmapped", "Unused columns"),
            Column("fixes", "What to fix"),
        ],
        [
            [
                u.file_name,
                u.kind_label,
                f"{timezone.localtime(u.created_at, d.zone):%d %b %Y, %H:%M}",
                u.status,
                u.score,
                u.grade,
                u.rows_read,
                u.rows_loaded,
                u.duplicates,
                u.rows_rejected,
                ", ".join(u.unmapped_columns),
                " ".join(u.fixes),
            ]
            for u in uploads
        ],
    )
    page.panels.append(Panel("uploads", "Uploads", table, None, wide=True))
    gstins = invalid_gstins()
    if gstins:
        invalid = Table(
            "Invalid GSTINs: fix them in Tally or the customer master, then upload it again",
            [Column("customer", "Customer"), Column("value", "GSTIN as given"), Column("reason", "What is wrong"),
             Column("rows", "Rows", "number"), Column("upload", "Upload")],
            [[g.customer, g.value, g.reason, g.rows, g.upload] for g in gstins],
        )  # fmt: skip
        page.panels.append(Panel("gstins", "Invalid GSTINs", invalid, None, wide=True))
    gaps = hsn_gaps()
    if gaps:
        hsn = Table(
            "HSN codes GSTR-1 cannot take as they are",
            [Column("problem", "Problem"), Column("hsn", "HSN as given"), Column("source", "From"),
             Column("lines", "Lines", "number"), Column("revenue", "Revenue", "money"),
             Column("share", "Share of revenue", "percent"), Column("products", "Products"),
             Column("fix", "What to fix")],
            [[f"Invalid HSN: {g.problem}" if g.hsn else "No HSN", g.hsn, g.source, g.lines, g.revenue, g.share,
              g.products, _hsn_fix(g)] for g in gaps],
            note="These lines still load and count everywhere; the Geography page's HSN summary shows them under "
            "(no HSN) or their code as given, marked.",
        )  # fmt: skip
        page.panels.append(Panel("hsn", "HSN codes", hsn, None, note=hsn.note, wide=True))
    costs = cost_sources()
    if costs.lines:
        costed = Table(
            "Where the lines' costs come from",
            [Column("what", "Counted sales lines"), Column("lines", "Lines", "number")],
            [
                ["With a cost", costs.costed],
                ["… from the item master (unit cost × quantity)", costs.from_master],
                ["… from the sales file", costs.from_file],
                ["Without a cost (no gross profit)", costs.lines - costs.costed],
            ],
        )
        page.panels.append(Panel("costs", "Costs", costed, None))
    return page


def _hsn_fix(gap: HsnGap) -> str:
    if not gap.hsn:
        return (
            "Add the HSN/SAC column to the sales export, or upload an item master (such as Tally's List of Stock "
            "Items) that gives each item's HSN."
        )
    where = "the sales export's HSN column" if gap.source == "sales export" else "the item master"
    return f"Correct the code in {where}: an HSN has 4, 6 or 8 digits, a SAC 6 starting 99; then upload it again."
