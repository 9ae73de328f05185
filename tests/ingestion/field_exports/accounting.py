"""Indian accounting software exports: Tally (Day Book, Sales Register voucher-wise and item-wise), Busy, Marg ERP,
Vyapar and Zoho Books, and variants that exercise one rule each (customer codes whose names change, amount-only
invoice lists, no invoice number, hand-joined CSVs).

The generators live in the `acc_*` modules beside this one; each writes its file the way the vendor's software does
and computes its truth from its own records (parties by the generator's key, amounts as Decimals it drew), never
with the product's code. The rules the truths follow:

- revenue is the taxable value where the file has it; where it only gives totals including GST (a Day Book, Vyapar's
  Sale Report) it is that total; gross and tax columns only: gross - tax; no line amount: qty x rate - discount;
  an invoice total repeated on every item line counts once per invoice;
- only sales vouchers count (Sales and the company's own sales types); credit notes are returns; "(cancelled)",
  Void and Draft invoices are out; every other voucher type is skipped and counted per type (`Truth.skipped`);
- orders are distinct (number, date, customer); without a number, distinct (customer, day);
- customers are distinct codes where the file has a code column, else distinct parties (one party's spellings
  differ only by case, spacing, "M/s." and "Pvt. Ltd."); walk-in sales ("Cash" in Tally and Busy, "CASH" in Marg,
  "Cash Sale" in Vyapar) are orders without a customer;
- lines in another currency (Zoho's USD invoices) are not counted.
"""

from tests.ingestion.field_exports.acc_tally import (
    tally_daybook_csv,
    tally_daybook_xlsx,
    tally_sales_register_items,
    tally_sales_register_vouchers,
)
from tests.ingestion.field_exports.acc_variants import (
    acc_amount_only_invoices,
    acc_hand_joined_csv,
    acc_no_invoice_number,
    acc_party_code_rename,
)
from tests.ingestion.field_exports.acc_vendors import (
    busy_sales_register,
    marg_sale_book,
    vyapar_sale_report,
    zoho_books_invoices,
    zoho_invoices_total_per_line,
)
from tests.ingestion.field_exports.truth import FieldExport

EXPORTS: tuple[FieldExport, ...] = (
    FieldExport("tally-daybook-xlsx", tally_daybook_xlsx),
    FieldExport("tally-daybook-csv", tally_daybook_csv),
    FieldExport("tally-sales-register-vouchers", tally_sales_register_vouchers),
    FieldExport("tally-sales-register-items-csv", tally_sales_register_items),
    FieldExport("busy-sales-register", busy_sales_register),
    FieldExport("marg-sale-book", marg_sale_book),
    FieldExport("vyapar-sale-report", vyapar_sale_report),
    FieldExport("zoho-books-invoices", zoho_books_invoices),
    FieldExport("zoho-invoices-total-per-line", zoho_invoices_total_per_line),
    FieldExport("acc-party-code-rename", acc_party_code_rename),
    FieldExport("acc-amount-only-invoices", acc_amount_only_invoices),
    FieldExport("acc-no-invoice-number", acc_no_invoice_number),
    FieldExport("acc-hand-joined-csv", acc_hand_joined_csv),
)
