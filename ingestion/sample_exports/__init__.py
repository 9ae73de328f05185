"""Realistic export files for the demo company and the benchmarks, generated from a seed.

- `write_demo_exports`: the demo company's Tally Sales Registers, customer master (salespeople and branches),
  item master (Tally's List of Stock Items: stock groups and standard costs) and ERP department sheets.
- `write_invoice_lines` / `expected_totals`: generic invoice-line files of any size, for benchmarks;
  `write_customer_segments`: a customer master giving their customers a segment and a country.

Pure Python: nothing here needs Django.
"""

from ingestion.sample_exports.catalogue import COMPANY, CUSTOMERS, DEMO_END, DEMO_START, PRODUCT_LINES, PRODUCTS
from ingestion.sample_exports.erp import write_erp_exports
from ingestion.sample_exports.invoice_lines import (
    Cardinalities,
    InvoiceLineTotals,
    cardinalities,
    expected_totals,
    write_customer_segments,
    write_invoice_lines,
)
from ingestion.sample_exports.tally import (
    DemoExports,
    DemoTotals,
    SalesBook,
    build_sales_book,
    write_customer_master,
    write_demo_exports,
    write_item_master,
    write_sales_register,
)

__all__ = [
    "COMPANY",
    "CUSTOMERS",
    "DEMO_END",
    "DEMO_START",
    "PRODUCTS",
    "PRODUCT_LINES",
    "Cardinalities",
    "DemoExports",
    "DemoTotals",
    "InvoiceLineTotals",
    "SalesBook",
    "build_sales_book",
    "cardinalities",
    "expected_totals",
    "write_customer_master",
    "write_customer_segments",
    "write_demo_exports",
    "write_erp_exports",
    "write_invoice_lines",
    "write_item_master",
    "write_sales_register",
]
