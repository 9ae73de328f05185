"""A page per ERP department (purchase, production, packing, shipment): its summary, late items and records.

`DEPARTMENTS` says how each department's record table reads: its columns in the sheet's order, and the fields a
search looks in. The figures come from analytics.operations, so this page, the Operations page and the API agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..operations import PACKING, PRODUCTION, PURCHASE, SHIPMENT, _Spec
from ..tables import Column


@dataclass(frozen=True)
class Department:
    kind: str  # purchase, production, packing, shipment: the URL's name
    spec: _Spec
    columns: tuple[Column, ...]  # the record table's columns, keyed by model field
    search_fields: tuple[str, ...]  # number, vendor / customer, product, status
    number_label: str  # what one record's number is called
    party_label: str = ""  # vendor / customer; '' for departments without one

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def date_field(self) -> str:
        return self.spec.date_field

    @property
    def sort_fields(self) -> tuple[str, ...]:
        """What the table can be sorted by: every column it shows."""
        return tuple(column.key for column in self.columns)


def _columns(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(key, label, kind) for key, label, kind in specs)


DEPARTMENTS: dict[str, Department] = {
    "purchase": Department(
        "purchase",
        PURCHASE,
        _columns(
            ("po_number", "PO number", "text"),
            ("vendor", "Vendor", "text"),
            ("item", "Item", "text"),
            ("item_code", "Item code", "text"),
            ("quantity", "Quantity", "number"),
            ("received_quantity", "Received", "number"),
            ("unit", "Unit", "text"),
            ("unit_price", "Unit price", "money"),
            ("amount", "Amount", "money"),
            ("order_date", "Order date", "date"),
            ("delivery_date", "Expected delivery", "date"),
            ("received_date", "Received on", "date"),
            ("status", "Status", "text"),
            ("branch", "Branch", "text"),
        ),
        search_fields=("po_number", "vendor", "item", "item_code", "status"),
        number_label="PO number",
        party_label="Vendor",
    ),
    "production": Department(
        "production",
        PRODUCTION,
        _columns(
            ("production_id", "Production ID", "text"),
            ("product", "Product", "text"),
            ("batch", "Batch", "text"),
            ("quantity", "Quantity", "number"),
            ("rejected_quantity", "Rejected", "number"),
            ("unit", "Unit", "text"),
            ("start_date", "Start date", "date"),
            ("end_date", "End date", "date"),
            ("department", "Department", "text"),
            ("machine", "Machine", "text"),
            ("shift", "Shift", "text"),
            ("status", "Status", "text"),
            ("branch", "Branch", "text"),
        ),
        search_fields=("production_id", "product", "batch", "department", "status"),
        number_label="Production ID",
    ),
    "packing": Department(
        "packing",
        PACKING,
        _columns(
            ("packing_id", "Packing ID", "text"),
            ("product", "Product", "text"),
            ("quantity", "Quantity", "number"),
            ("unit", "Unit", "text"),
            ("package_type", "Package type", "text"),
            ("packages", "Packages", "number"),
            ("date", "Packing date", "date"),
            ("batch", "Batch", "text"),
            ("operator", "Operator", "text"),
            ("status", "Status", "text"),
            ("branch", "Branch", "text"),
        ),
        search_fields=("packing_id", "product", "batch", "status"),
        number_label="Packing ID",
    ),
    "shipment": Department(
        "shipment",
        SHIPMENT,
        _columns(
            ("shipment_id", "Shipment ID", "text"),
            ("invoice", "Invoice", "text"),
            ("customer", "Customer", "text"),
            ("destination", "Destination", "text"),
            ("quantity", "Quantity", "number"),
            ("unit", "Unit", "text"),
            ("shipment_date", "Shipment date", "date"),
            ("expected_delivery", "Expected delivery", "date"),
            ("delivered_date", "Delivered on", "date"),
            ("transporter", "Transporter", "text"),
            ("vehicle_number", "Vehicle", "text"),
            ("eway_bill", "E-way bill", "text"),
            ("status", "Status", "text"),
            ("branch", "Branch", "text"),
        ),
        search_fields=("shipment_id", "invoice", "customer", "destination", "status"),
        number_label="Shipment ID",
        party_label="Customer",
    ),
}


def department(kind: str) -> Department | None:
    return DEPARTMENTS.get((kind or "").strip().lower())
