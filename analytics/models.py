"""Per-company figures kept between requests (in each company's own schema).

The rollups are sums over the sales lines that count (not cancelled, returned or excluded), kept at the grains
the dashboards read. `analytics.rollups` rebuilds them from the lines; nothing else writes them. Every text
dimension is '' when the file had no such column, so a filter on it is a plain equality.
"""

from django.db import models


class UsageSnapshot(models.Model):
    """What a company holds, measured nightly: the basis for plan limits and the operators' view."""

    taken_at = models.DateTimeField(auto_now_add=True, db_index=True)
    database_bytes = models.BigIntegerField()
    table_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-taken_at"]
        get_latest_by = "taken_at"

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}: {self.database_bytes} bytes in {self.table_count} tables"


def _dim(length: int = 128):
    return models.CharField(max_length=length, db_default="")


DIMENSIONS = ("branch", "state", "state_code", "country", "person", "segment")


def _key(table: str, *fields: str) -> models.UniqueConstraint:
    """A rollup's keys, one row each: what an upload's merge (analytics.rollup_merge) names in its ON CONFLICT.
    Its index also serves every read by month (or day, or cut and month), which comes first: no other index
    on the date is needed.
    Given as expressions, so it is a unique index rather than a table constraint: a company cloned from the
    template schema keeps an index's name, not a unique constraint's, and a later migration drops it by name."""
    return models.UniqueConstraint(*(models.F(field) for field in fields), name=f"{table}_key")


def _money():
    return models.DecimalField(max_digits=20, decimal_places=4, db_default=0)


class _Dimensions(models.Model):
    """The filter bar's dimensions. `person` is the salesperson, or the manager when the file names none."""

    branch = _dim()
    state = _dim(100)
    state_code = _dim(2)
    country = _dim(100)
    person = _dim()
    segment = _dim(100)

    class Meta:
        abstract = True


class _Money(models.Model):
    """Revenue is the net (taxable) amount. Gross profit and the revenue it was earned on cover only the lines
    whose cost or profit is known, so a margin is never diluted by lines without a cost."""

    revenue = _money()
    costed_revenue = _money()
    gross_profit = _money()

    class Meta:
        abstract = True


class _SalesCell(_Dimensions, _Money):
    product_line = _dim()
    lines = models.IntegerField(db_default=0)
    quantity = models.DecimalField(max_digits=20, decimal_places=3, db_default=0)
    cgst = _money()
    sgst = _money()
    igst = _money()
    discount = _money()
    # Distinct invoices in the cell; `orders_first` counts each invoice once, in its first product line only,
    # so summing it across product lines counts every invoice once.
    orders = models.IntegerField(db_default=0)
    orders_first = models.IntegerField(db_default=0)

    class Meta:
        abstract = True


class SalesMonth(_SalesCell):
    month = models.DateField(help_text="the first day of the month")

    class Meta:
        db_table = "analytics_sales_month"
        constraints = [_key("analytics_sales_month", "month", "product_line", *DIMENSIONS)]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_line} {self.branch}: {self.revenue}"


# The dimensions each cut keeps, smallest cut first (the number only names it): the engine reads the first that
# keeps every dimension a figure groups or filters by, and the full tables (SalesMonth, OrderDay) when none does;
# the rebuild sums each cut from the first bigger one that keeps its dimensions. Every cut keeps the product
# line, so `orders` and `orders_first` mean what they mean in the full tables. A country or a segment usually
# keeps most of the lines, so cuts 4 and 5 add them to the small cuts: a filter on them would otherwise read the
# full tables.
SALES_CUTS = {
    1: ("product_line",),
    4: ("product_line", "country", "segment"),
    3: ("product_line", "branch", "person"),
    2: ("product_line", "state", "state_code", "country", "segment"),
    5: ("product_line", "branch", "person", "country", "segment"),
}
# The cuts also kept by day (the others are kept by month only): by day the bigger cuts are half the size of the
# daily table and would cost the nightly rebuild more than they save a page.
DAY_CUTS = (1, 4)


class _SalesCut(_SalesCell):
    """The same sums with some dimensions added up: `cut` names which dimensions a row keeps (see
    SALES_CUTS); the others hold ''. A few thousand rows answer what the full table answers from a
    hundred thousand, whenever a figure needs only the cut's dimensions."""

    cut = models.SmallIntegerField()

    class Meta:
        abstract = True


class SalesDayCut(_SalesCut):
    day = models.DateField()

    class Meta:
        db_table = "analytics_sales_day_cut"
        constraints = [_key("analytics_sales_day_cut", "cut", "day", "product_line", *DIMENSIONS)]

    def __str__(self) -> str:
        return f"{self.day} cut {self.cut}: {self.revenue}"


class SalesMonthCut(_SalesCut):
    month = models.DateField()

    class Meta:
        db_table = "analytics_sales_month_cut"
        constraints = [_key("analytics_sales_month_cut", "cut", "month", "product_line", *DIMENSIONS)]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} cut {self.cut}: {self.revenue}"


class _CustomerCell(_Dimensions, _Money):
    month = models.DateField()
    customer_key = models.CharField(max_length=255)
    orders = models.IntegerField(db_default=0)
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        abstract = True


class CustomerMonth(_CustomerCell):
    class Meta:
        db_table = "analytics_customer_month"
        constraints = [_key("analytics_customer_month", "month", "customer_key", *DIMENSIONS)]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_key}: {self.revenue}"


class CustomerLineMonth(_CustomerCell):
    """The same per product line: read only when a page filters or groups by product line."""

    product_line = _dim()
    orders_first = models.IntegerField(db_default=0, help_text="orders counted in their first product line only")

    class Meta:
        db_table = "analytics_customer_line_month"
        constraints = [_key("analytics_customer_line_month", "month", "customer_key", "product_line", *DIMENSIONS)]
        indexes = [models.Index(fields=["product_line", "month"], name="customer_line_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_key} {self.product_line}: {self.revenue}"


class CustomerQuarter(_CustomerCell):
    """CustomerMonth summed by calendar quarter (`month` is the quarter's first day): a period's whole quarters
    read a third of the rows."""

    class Meta:
        db_table = "analytics_customer_quarter"
        constraints = [_key("analytics_customer_quarter", "month", "customer_key", *DIMENSIONS)]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} quarter {self.customer_key}: {self.revenue}"


class CustomerLineQuarter(_CustomerCell):
    """CustomerLineMonth summed by calendar quarter (`month` is the quarter's first day)."""

    product_line = _dim()
    orders_first = models.IntegerField(db_default=0, help_text="orders counted in their first product line only")

    class Meta:
        db_table = "analytics_customer_line_quarter"
        constraints = [_key("analytics_customer_line_quarter", "month", "customer_key", "product_line", *DIMENSIONS)]
        indexes = [models.Index(fields=["product_line", "month"], name="customer_line_quarter_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} quarter {self.customer_key} {self.product_line}: {self.revenue}"


class _ProductCell(_Money):
    product_key = models.CharField(max_length=255)
    product_name = models.CharField(max_length=255, db_default="")
    product_code = models.CharField(max_length=128, db_default="")
    product_line = _dim()
    lines = models.IntegerField(db_default=0)
    quantity = models.DecimalField(max_digits=20, decimal_places=3, db_default=0)
    discount = _money()

    class Meta:
        abstract = True


class ProductMonth(_ProductCell):
    month = models.DateField()

    class Meta:
        db_table = "analytics_product_month"
        constraints = [_key("analytics_product_month", "month", "product_key", "product_line")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_key}: {self.revenue}"


class _ProductSegmentCell(_ProductCell):
    month = models.DateField()
    country = _dim(100)
    segment = _dim(100)

    class Meta:
        abstract = True


class ProductSegmentMonth(_ProductSegmentCell):
    """ProductMonth by the customers' country and segment too. A filter on either keeps most of the lines, so no
    index narrows the daily table: product views filtered by them read a month's few thousand rows here instead."""

    class Meta:
        db_table = "analytics_product_segment_month"
        constraints = [
            _key("analytics_product_segment_month", "month", "product_key", "product_line", "country", "segment")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product_key} {self.country} {self.segment}: {self.revenue}"


class ProductQuarter(_ProductCell):
    """ProductMonth summed by calendar quarter (`month` is the quarter's first day): a period's whole quarters
    read a third of the rows."""

    month = models.DateField()

    class Meta:
        db_table = "analytics_product_quarter"
        constraints = [_key("analytics_product_quarter", "month", "product_key", "product_line")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} quarter {self.product_key}: {self.revenue}"


class ProductSegmentQuarter(_ProductSegmentCell):
    """ProductSegmentMonth summed by calendar quarter (`month` is the quarter's first day)."""

    class Meta:
        db_table = "analytics_product_segment_quarter"
        constraints = [
            _key("analytics_product_segment_quarter", "month", "product_key", "product_line", "country", "segment")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} quarter {self.product_key} {self.country} {self.segment}: {self.revenue}"


class ProductDay(_Dimensions, _ProductCell):
    """Per product, day and every filter dimension: the edge days of a period, and any product view filtered by
    more than the product line."""

    day = models.DateField()

    class Meta:
        db_table = "analytics_product_day"
        constraints = [_key("analytics_product_day", "day", "product_key", "product_line", *DIMENSIONS)]
        # A product view filtered by the organisation or a place reads a few of the million rows.
        indexes = [
            models.Index(fields=["branch", "day"], name="product_day_branch_idx"),
            models.Index(fields=["person", "day"], name="product_day_person_idx"),
            models.Index(fields=["state", "day"], name="product_day_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.product_key}: {self.revenue}"


class OrderDay(_Dimensions, _Money):
    """One row per order and product line, with the day, customer and every filter dimension: the daily grain.
    It answers the edge days of a period for the sales, customer and order-size views, and every figure whose
    filters no smaller table keeps. `orders` is 1 and `orders_first` 1 in the order's first product line only,
    so summing it counts each order once; `band` is the power of ten of the order's value (3 = 1,000 to
    9,999.99) and `line_band` that of the row's part of it."""

    day = models.DateField(db_index=True)
    customer_key = models.CharField(max_length=255)
    product_line = _dim()
    band = models.SmallIntegerField()
    line_band = models.SmallIntegerField()
    orders = models.IntegerField(db_default=0)
    orders_first = models.IntegerField(db_default=0)
    lines = models.IntegerField(db_default=0)
    quantity = models.DecimalField(max_digits=20, decimal_places=3, db_default=0)
    cgst = _money()
    sgst = _money()
    igst = _money()
    discount = _money()

    class Meta:
        db_table = "analytics_order_day"
        # Daily trends and edge days filtered by the organisation or a place read a few of the rows.
        indexes = [
            models.Index(fields=["branch", "day"], name="order_day_branch_idx"),
            models.Index(fields=["person", "day"], name="order_day_person_idx"),
            models.Index(fields=["state", "day"], name="order_day_state_idx"),
            # An upload's merge takes out the orders of the days and customers its lines touch.
            models.Index(fields=["customer_key", "day"], name="order_day_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.customer_key}: {self.orders} orders"


class OrderMonth(_Dimensions):
    """Orders by size: `band` is the power of ten of the invoice's value (3 = 1,000 to 9,999.99)."""

    month = models.DateField()
    band = models.SmallIntegerField()
    orders = models.IntegerField(db_default=0)
    revenue = _money()

    class Meta:
        db_table = "analytics_order_month"
        constraints = [_key("analytics_order_month", "month", "band", *DIMENSIONS)]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} band {self.band}: {self.orders} orders"


class HsnMonth(models.Model):
    """Sales by month, buyer (registered: the line has the buyer's GSTIN) and product, with the HSN, unit and GST
    rate as the lines give them: GSTR-1's HSN summary (analytics.gst) reads it, and takes what a line leaves
    blank from the item master as it reads, so a new item master needs no rebuild. Rebuilt and merged with the
    product tables. A line without a GST rate keeps NULL here, one key with the others (nulls not distinct)."""

    month = models.DateField()
    registered = models.BooleanField()
    product_key = models.CharField(max_length=255)
    product_name = models.CharField(max_length=255, db_default="")
    hsn = models.CharField(max_length=16, db_default="")
    unit = models.CharField(max_length=24, db_default="")
    gst_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    lines = models.IntegerField(db_default=0)
    quantity = models.DecimalField(max_digits=20, decimal_places=3, db_default=0)
    revenue = _money()
    cgst = _money()
    sgst = _money()
    igst = _money()

    class Meta:
        db_table = "analytics_hsn_month"
        constraints = [
            models.UniqueConstraint(
                *(models.F(field) for field in ("month", "registered", "product_key", "hsn", "unit", "gst_rate")),
                name="analytics_hsn_month_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.hsn or self.product_key}: {self.revenue}"


class CustomerFirst(models.Model):
    """Each customer's first and last purchase ever: what makes a customer new in a period."""

    customer_key = models.CharField(max_length=255, primary_key=True)
    first_day = models.DateField(db_index=True)
    last_day = models.DateField()

    class Meta:
        db_table = "analytics_customer_first"

    def __str__(self) -> str:
        return f"{self.customer_key}: first {self.first_day}"


class CustomerMonthCount(models.Model):
    """Per month, the customers who bought and how many of them bought for the first time ever: the Customers
    page's new-and-returning chart without filters, read from two dozen rows instead of every customer's months."""

    month = models.DateField(primary_key=True)
    customers = models.IntegerField()
    new = models.IntegerField()

    class Meta:
        db_table = "analytics_customer_month_count"

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.customers} customers, {self.new} new"


class DimensionValue(models.Model):
    """Every value of every filter dimension, with its revenue: the filter bar's choices, biggest first."""

    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=255)
    revenue = _money()

    class Meta:
        db_table = "analytics_dimension_value"
        constraints = [models.UniqueConstraint(fields=["dimension", "value"], name="dimension_value_once")]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}"


class RollupMonth(models.Model):
    """A fingerprint of one month's sales lines as the rollups last read them: how many lines, the sum of their ids
    and of their row versions (PostgreSQL's xmin, which every insert and update changes). The nightly compares
    it with the lines' own, and rebuilds only the months that differ."""

    month = models.DateField(primary_key=True)
    lines = models.BigIntegerField()
    id_sum = models.BigIntegerField()
    version_sum = models.BigIntegerField()

    class Meta:
        db_table = "analytics_rollup_month"

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.lines} lines"


class RollupState(models.Model):
    """One row: when the rollups were last refreshed and fully rebuilt, and the span of days with sales."""

    refreshed_at = models.DateTimeField(null=True)
    rebuilt_at = models.DateTimeField(null=True, help_text="the last full rebuild")
    first_day = models.DateField(null=True)
    last_day = models.DateField(null=True)
    seconds = models.FloatField(default=0)
    version = models.PositiveIntegerField(default=0, help_text="bumped by every refresh")

    class Meta:
        db_table = "analytics_rollup_state"

    def __str__(self) -> str:
        return f"rollups v{self.version} at {self.refreshed_at}"


class Target(models.Model):
    """A month's target for a summed measure of the catalogue: for the company (dimension and value ''), or for
    one salesperson or one branch. Set on the Targets page (analytics.targets); the overview's gauges and the
    behind-pace alert read it."""

    class Dimension(models.TextChoices):
        COMPANY = "", "The company"
        SALESPERSON = "salesperson", "Salesperson"
        BRANCH = "branch", "Branch"

    month = models.DateField(help_text="the month's first day")
    measure = models.CharField(max_length=40, help_text="a key of analytics.catalogue.MEASURES that adds up")
    dimension = models.CharField(max_length=16, choices=Dimension.choices, blank=True, default="")
    value = models.CharField(max_length=255, blank=True, default="", help_text="the salesperson or branch")
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_email = models.EmailField(blank=True)

    class Meta:
        db_table = "analytics_target"
        ordering = ["month", "dimension", "value", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["month", "measure", "dimension", "value"], name="analytics_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.dimension or 'company'} {self.value}: {self.amount}"
