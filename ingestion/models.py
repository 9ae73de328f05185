"""What each company uploads and what we load from it. These tables live in every company's own schema."""

from __future__ import annotations

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast, Coalesce, Lower, NullIf

from ingestion.etl.cleaning import MAX_AMOUNT


class Kind(models.TextChoices):
    SALES = "sales", "Sales lines (invoices, sales register)"
    CUSTOMERS = "customers", "Customer master"
    ITEMS = "items", "Item master (stock items)"
    PURCHASE = "purchase", "Purchase orders"
    PRODUCTION = "production", "Production batches"
    PACKING = "packing", "Packing records"
    SHIPMENT = "shipment", "Shipments"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        MAPPING = "mapping", "Waiting for you to check the columns"
        REVIEW = "review", "Needs review: many rows could not be read"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DELETED = "deleted", "Deleted"

    class Mode(models.TextChoices):
        APPEND = "append", "Add new lines (skip duplicates)"
        REPLACE_PERIOD = "replace-period", "Replace every line in the file's date range"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SALES)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.APPEND)
    file = models.FileField(upload_to="uploads/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    checksum = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the uploaded bytes")
    size_bytes = models.BigIntegerField(default=0)
    # Users live in the public schema; a plain id keeps deleting a user from reaching into every company's tables.
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)
    uploaded_by_email = models.EmailField(blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=80, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_replaced = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(
        default=dict, blank=True, help_text="voucher type -> rows left out because that type is not a sale"
    )
    set_aside = models.JSONField(
        default=dict,
        blank=True,
        help_text="rows read that are not lines (blank, total, repeated header, merged duplicate) -> count; with "
        "the loaded, duplicate, rejected and skipped rows they add up to rows_read",
    )
    load_good_rows = models.BooleanField(
        default=False, help_text="a person chose to load the readable rows of a file with many rejected rows"
    )
    needs_review = models.BooleanField(
        default=False, help_text="ask a person to confirm the columns unless they were confirmed before"
    )
    # Files uploaded together share a batch: those with the same columns need one column check, not one each.
    batch = models.CharField(max_length=32, blank=True, db_default="", db_index=True)
    column_signature = models.CharField(max_length=64, blank=True, db_default="")
    waiting_on = models.BigIntegerField(
        null=True, blank=True, help_text="the upload of the same batch whose column check this one waits for"
    )
    kind_confirmed = models.BooleanField(
        default=False, db_default=False, help_text="a person said the file is this kind though it looked like another"
    )
    kind_question = models.JSONField(
        default=dict, blank=True, db_default={}, help_text="what the file looked like instead (kind_guess), to ask"
    )
    proposal = models.JSONField(default=dict, blank=True, help_text="per sheet: columns, suggested mapping, preview")
    column_mapping = models.JSONField(default=dict, blank=True)
    sheet_roles = models.JSONField(
        default=dict, blank=True, help_text="sheet -> what a person said it holds: data, returns, people or ignored"
    )
    unmapped_columns = models.JSONField(default=list, blank=True)
    messages = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    rejects_file = models.FileField(upload_to="rejects/%Y/%m/", blank=True, max_length=300)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="the running worker's lease (heartbeat)")
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0, help_text="runs started")
    # An upload taken back: who, when, and what went with it (lines, period, master rows); the row stays as the record.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by_email = models.EmailField(blank=True, db_default="")
    deletion = models.JSONField(default=dict, blank=True, db_default={})
    # A failed or deleted upload's file goes after the retention period (ingestion/retention.py); the row stays.
    file_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.DELETED)


class ColumnMapping(models.Model):
    """A mapping a person confirmed, reused for the next file with the same columns."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    signature = models.CharField(max_length=64)
    columns = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="canonical field -> column name in the file")
    confirmed_by_email = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "signature"], name="one_mapping_per_column_set")]

    def __str__(self) -> str:
        return f"{self.kind}: {', '.join(self.columns[:4])}…"


class ExclusionRule(models.Model):
    """Lines whose product or product line matches stay stored but count in no sales figure."""

    class Field(models.TextChoices):
        PRODUCT = "product", "Product name or code"
        PRODUCT_LINE = "product_line", "Product line / stock group"

    field = models.CharField(max_length=16, choices=Field.choices, default=Field.PRODUCT)
    pattern = models.CharField(max_length=120, help_text="Words to match, case-insensitive, e.g. 'freight'")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["field", "pattern"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} contains “{self.pattern}”"


class VoucherType(models.Model):
    """What a company's voucher or document type means: its own sales types, its returns, everything else left out.

    Rows are added, with a guess from the name, the first time an upload shows a type; the owner can change them."""

    class Role(models.TextChoices):
        SALE = "sale", "Sale (counts in revenue)"
        RETURN = "return", "Return (kept, not counted)"
        SKIP = "skip", "Not a sale (left out)"

    name = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=8, choices=Role.choices)
    guessed = models.BooleanField(default=True, help_text="guessed from the name; False once a person chose")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_role_display()}"


class StatusWord(models.Model):
    """A word in a line's status that keeps the line out of the figures. No rows: the defaults in code apply."""

    class Meaning(models.TextChoices):
        CANCELLED = "cancelled", "Not a sale (cancelled, void, draft, quotation)"
        RETURNED = "returned", "Returned or refunded"

    word = models.CharField(max_length=64, unique=True)
    meaning = models.CharField(max_length=10, choices=Meaning.choices)

    class Meta:
        ordering = ["meaning", "word"]

    def __str__(self) -> str:
        return f"{self.word}: {self.meaning}"


class MasterRecord(models.Model):
    """One row of a master upload as it was loaded: the history that lets a master be deleted and the one it
    replaced come back. The current Customer and Product rows are the latest record per key."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=255)
    values = models.JSONField(help_text="the Customer or Product columns the master gave")

    class Meta:
        indexes = [models.Index(fields=["kind", "key"], name="master_record_key_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} (upload {self.job_id})"


class GstinProblem(models.Model):
    """A GSTIN an upload gave that is not valid (bad check digit, unknown state code): the line or customer loaded
    without it, so it is taxed as unknown, and the Data quality page names the customer so it gets fixed."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    customer_name = models.CharField(max_length=255)
    customer_key = models.CharField(max_length=255, blank=True)
    value = models.CharField(max_length=64, help_text="the GSTIN as the file gave it")
    reason = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["customer_name"]

    def __str__(self) -> str:
        return f"{self.customer_name}: {self.value}"


class Customer(models.Model):
    """One row per customer seen in sales or given by a customer master upload (which wins)."""

    name = models.CharField(max_length=255)
    key = models.CharField(max_length=255, unique=True, help_text="name folded for matching")
    code = models.CharField(max_length=64, blank=True)
    gstin = models.CharField(max_length=15, blank=True)
    state = models.CharField(max_length=100, blank=True)
    state_code = models.CharField(max_length=2, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    segment = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    salesperson = models.CharField(max_length=128, blank=True, db_default="")
    branch = models.CharField(max_length=128, blank=True, db_default="")
    from_master = models.BooleanField(default=False, help_text="came from a customer master upload")
    last_seen = models.DateField(null=True, blank=True, help_text="date of the latest line naming the customer")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """One row per product seen in sales (key: code, else name, casefolded) or given by an item master upload,
    whose rows (from_master) carry the unit cost that costs sales lines without a cost of their own."""

    key = models.CharField(max_length=255, unique=True)
    code = models.CharField(max_length=128, blank=True)
    name = models.CharField(max_length=255, blank=True)
    product_line = models.CharField(max_length=128, blank=True)
    sub_category = models.CharField(max_length=128, blank=True)
    unit = models.CharField(max_length=24, blank=True, db_default="")
    hsn = models.CharField(max_length=16, blank=True, db_default="")
    gst_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    unit_cost = models.DecimalField(max_digits=20, decimal_places=4, null=True, help_text="cost of one unit")
    from_master = models.BooleanField(default=False, db_default=False, help_text="came from an item master upload")

    class Meta:
        ordering = ["product_line", "name"]

    def __str__(self) -> str:
        return self.name or self.code


def _in_units(expression, scale: int = 4) -> models.GeneratedField:
    """`expression` in whole units of 10^-scale, as the column's own scale makes it: exact. The rollups add these
    up, as a bigint sum costs a third of a numeric one over a million lines."""
    return models.GeneratedField(
        expression=Cast(expression * 10**scale, models.BigIntegerField()),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )


def _amounts_within(limit, *names: str) -> models.Q:
    condition = models.Q()
    for name in names:
        condition &= models.Q(**{f"{name}__isnull": True}) | models.Q(**{f"{name}__gt": -limit, f"{name}__lt": limit})
    return condition


# A line's product as the rollups key it (analytics.engine's product_key): its code, else its name, lower-cased.
PRODUCT_KEY = Lower(Coalesce(NullIf(F("product_code"), Value("")), F("product_name")))


class SalesLine(models.Model):
    """One invoice line as the company's books have it.

    Optional text columns default to '' in the database, so a load leaves out the columns a file does not have.
    Money is NUMERIC with four decimal places, as exact as the file: exports carry amounts like 957.5775, and
    rounding each line to paise before adding would make totals drift from the books (figures round at the end).
    """

    invoice_number = models.CharField(max_length=64)
    invoice_date = models.DateField()
    customer_name = models.CharField(max_length=255)
    customer_key = models.CharField(max_length=255)
    customer_code = models.CharField(max_length=64, blank=True, db_default="")
    customer_gstin = models.CharField(max_length=15, blank=True, db_default="")
    product_code = models.CharField(max_length=128, blank=True, db_default="")
    product_name = models.CharField(max_length=255, blank=True, db_default="")
    product_line = models.CharField(max_length=128, blank=True, db_default="")
    sub_category = models.CharField(max_length=128, blank=True, db_default="")
    quantity = models.DecimalField(max_digits=18, decimal_places=3, null=True)
    unit = models.CharField(max_length=24, blank=True, db_default="")
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    net_amount = models.DecimalField(max_digits=20, decimal_places=4)
    gst_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    cgst = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    sgst = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    igst = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    gross_amount = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    cost = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    cost_from_master = models.BooleanField(
        default=False, db_default=False, help_text="cost is the item master's unit cost times the quantity"
    )
    from_masters = models.SmallIntegerField(
        default=0, db_default=0, help_text="bits of masters.FILLED: which columns a master filled in, to undo them"
    )
    profit = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    discount = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    salesperson = models.CharField(max_length=128, blank=True, db_default="")
    manager = models.CharField(max_length=128, blank=True, db_default="")
    branch = models.CharField(
        max_length=128, blank=True, db_default="", help_text="branch, or the region when no branch is given"
    )
    region = models.CharField(max_length=128, blank=True, db_default="")
    state = models.CharField(max_length=100, blank=True, db_default="")
    state_code = models.CharField(max_length=2, blank=True, db_default="")
    city = models.CharField(max_length=100, blank=True, db_default="")
    country = models.CharField(max_length=100, blank=True, db_default="")
    postal_code = models.CharField(max_length=20, blank=True, db_default="")
    segment = models.CharField(max_length=100, blank=True, db_default="")
    status = models.CharField(max_length=64, blank=True, db_default="")
    deal_size = models.CharField(max_length=32, blank=True, db_default="")
    voucher_type = models.CharField(max_length=64, blank=True, db_default="")
    currency = models.CharField(max_length=3, blank=True, db_default="", help_text="'' is the company's currency")
    is_other_currency = models.BooleanField(
        default=False, db_default=False, help_text="in another currency than the company's: kept, never added in"
    )
    tax_from_rate = models.BooleanField(
        default=False, db_default=False, help_text="CGST/SGST/IGST worked out from the GST rate, not given by the file"
    )
    amount_includes_tax = models.BooleanField(
        default=False, db_default=False, help_text="the file gave only a total including GST (a Day Book)"
    )
    hsn = models.CharField(max_length=16, blank=True, db_default="")
    line_number = models.CharField(max_length=32, blank=True, db_default="")
    ship_date = models.DateField(null=True)
    is_cancelled = models.BooleanField(default=False)
    is_returned = models.BooleanField(default=False)
    is_excluded = models.BooleanField(default=False, help_text="matched an exclusion rule")
    counts = models.BooleanField(
        default=True, help_text="counts in revenue: not cancelled, returned, excluded or in another currency"
    )
    line_hash = models.BigIntegerField(help_text="hash of the line's content, for duplicates")
    occurrence = models.PositiveSmallIntegerField(default=1, help_text="nth identical line in the same invoice")
    # No database constraint: checking it would fire a trigger per line, seconds per million lines loaded.
    source_job = models.ForeignKey(
        ImportJob, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    # The amounts the rollups add up, in ten-thousandths of a rupee (quantity in thousandths); a line's gross profit
    # is its profit when the file gives one, else net minus cost, and NULL without either. Kept by the database.
    net_amount_e4 = _in_units(F("net_amount"))
    cgst_e4 = _in_units(F("cgst"))
    sgst_e4 = _in_units(F("sgst"))
    igst_e4 = _in_units(F("igst"))
    gross_profit_e4 = _in_units(Coalesce(F("profit"), F("net_amount") - F("cost")))
    quantity_e3 = _in_units(F("quantity"), 3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line_hash", "occurrence"], name="sales_line_once"),
            models.CheckConstraint(
                condition=_amounts_within(MAX_AMOUNT, "net_amount", "cgst", "sgst", "igst", "cost", "profit"),
                name="sales_amounts_in_range",
                violation_error_message=f"Amounts must lie between -{MAX_AMOUNT:,} and {MAX_AMOUNT:,}.",
            ),
        ]
        # Few indexes on purpose: a b-tree costs seconds per million lines loaded, and dashboards read rollups.
        # A BRIN index on the date costs almost nothing to keep and narrows date-range scans to the blocks of
        # the uploads that cover those dates (exports arrive period by period).
        indexes = [
            BrinIndex(fields=["invoice_date"], name="sales_date_brin"),
            # Pages say when revenue includes GST, or customers are unknown; most companies have no such line,
            # and an empty partial index costs a load nothing.
            models.Index(
                fields=["invoice_date"], name="sales_incl_tax_idx", condition=models.Q(amount_includes_tax=True)
            ),
            models.Index(fields=["invoice_date"], name="sales_walk_in_idx", condition=models.Q(customer_key="")),
            # Invoices newest first (the API's invoices list): a page walks this from its cursor, where without it
            # every page sorts the whole table (1-2 s at 1,000,000 lines against about 1 ms).
            models.Index(fields=["invoice_date", "invoice_number", "customer_key"], name="sales_invoice_idx"),
            # A product's lines (the product page's top customers): without it, 0.9-1.4 s at 1,000,000 lines
            # against about 25 ms. The expression is the rollups' product key, so both must stay the same.
            models.Index(PRODUCT_KEY, "invoice_date", name="sales_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_number} {self.invoice_date} {self.product_name or self.product_code}"


class _ErpRecord(models.Model):
    """Rows of an ERP department sheet; columns are named as ingestion.etl.mapping names the fields."""

    record_hash = models.BigIntegerField(unique=True, help_text="hash of the row's content, for duplicates")
    source_job = models.ForeignKey(ImportJob, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=64, blank=True)
    branch = models.CharField(max_length=128, blank=True)

    class Meta:
        abstract = True


def _text(length: int = 255):
    return models.CharField(max_length=length, blank=True)


def _qty():
    return models.DecimalField(max_digits=18, decimal_places=3, null=True)


def _money(places: int = 4):
    return models.DecimalField(max_digits=20, decimal_places=places, null=True)


class PurchaseOrder(_ErpRecord):
    po_number = _text(64)
    vendor = _text()
    vendor_gstin = _text(15)
    item = _text()
    item_code = _text(128)
    quantity = _qty()
    received_quantity = _qty()
    unit = _text(24)
    unit_price = _money(4)
    amount = _money()
    order_date = models.DateField(null=True, db_index=True)
    delivery_date = models.DateField(null=True, help_text="expected")
    received_date = models.DateField(null=True)

    def __str__(self) -> str:
        return self.po_number


class ProductionBatch(_ErpRecord):
    production_id = _text(64)
    product = _text()
    batch = _text(64)
    quantity = _qty()
    rejected_quantity = _qty()
    unit = _text(24)
    start_date = models.DateField(null=True, db_index=True)
    end_date = models.DateField(null=True)
    department = _text(128)
    machine = _text(128)
    shift = _text(32)

    def __str__(self) -> str:
        return self.production_id or self.batch


class PackingRecord(_ErpRecord):
    packing_id = _text(64)
    product = _text()
    quantity = _qty()
    unit = _text(24)
    package_type = _text(64)
    packages = _qty()
    date = models.DateField(null=True, db_index=True)
    batch = _text(64)
    operator = _text(128)

    def __str__(self) -> str:
        return self.packing_id


class Shipment(_ErpRecord):
    shipment_id = _text(64)
    invoice = _text(64)
    customer = _text()
    destination = _text()
    quantity = _qty()
    unit = _text(24)
    shipment_date = models.DateField(null=True, db_index=True)
    expected_delivery = models.DateField(null=True)
    delivered_date = models.DateField(null=True)
    transporter = _text(128)
    vehicle_number = _text(32)
    eway_bill = _text(32)

    def __str__(self) -> str:
        return self.shipment_id
