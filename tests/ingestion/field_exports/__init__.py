"""Exports in the shapes real customers upload, with their quirks, each with its truth computed on its own.

Every module here adds `FieldExport`s to its `EXPORTS` tuple; `ALL` gathers them. A generator writes the file the
way the vendor's software does (title blocks, voucher types, continuation rows, text amounts, currencies...) and
returns the figures an analyst would compute from the same records, never with the product's code.
"""

from tests.ingestion.field_exports import accounting, shops
from tests.ingestion.field_exports.truth import FieldExport, Truth

ALL: tuple[FieldExport, ...] = (*accounting.EXPORTS, *shops.EXPORTS)

__all__ = ["ALL", "FieldExport", "Truth"]
