"""Filling the demo company through the real pipeline, from our own generator of realistic exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.files import File

from . import services
from .models import Kind, SalesLine
from .sample_exports import write_demo_exports


def demo_data_load(*, out_dir: Path, end: date | None = None) -> list[dict]:
    """Generate the demo exports and load them in the order a new customer would upload them.

    The masters go first, so every sales line is built with its salesperson, branch, product line and cost (and
    packaging lines meet the default exclusion of the 'packaging' product line as they load).
    """
    if SalesLine.objects.exists():
        return []
    exports = write_demo_exports(out_dir, end=end or date.today())
    uploads = [(exports.customer_master, Kind.CUSTOMERS), (exports.item_master, Kind.ITEMS)]
    uploads += [(path, Kind.SALES) for path in (*exports.overlapping_registers, *exports.sales_registers)]
    uploads += [
        (exports.erp_purchase, Kind.PURCHASE),
        (exports.erp_production, Kind.PRODUCTION),
        (exports.erp_packing, Kind.PACKING),
        (exports.erp_shipments, Kind.SHIPMENT),
    ]
    results = []
    for path, kind in uploads:
        with path.open("rb") as handle:
            job = services.upload_create(file=File(handle, name=path.name), kind=kind, run="inline")
        job = services.import_run(job_id=job.pk)
        results.append({"file": path.name, "status": job.status, "rows_loaded": job.rows_loaded,
                        "duplicates": job.duplicates, "rows_rejected": job.rows_rejected})  # fmt: skip
    return results
