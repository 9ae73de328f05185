"""Is this file what the person said it is? A purchase register, a stock list or a ledger uploaded as sales, or a
sales file uploaded as a master, is recognised from its title lines, its columns and its voucher types, and the
person is asked before anything loads.

Only strong evidence asks: a Day Book mixes purchases with sales and is a sales upload; a title that speaks of
sales settles it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .etl import mapping as fields
from .etl.errors import IngestError
from .etl.headers import locate_header
from .models import Kind

SAMPLE_ROWS = 500

_SALES_TITLE = re.compile(r"\bsales?\b|day ?book|\binvoices?\b|outward|gstr-?1\b|\borders?\b", re.IGNORECASE)
_TITLES = (  # (pattern in the title lines or sheet name, what the file is, the kind that loads it)
    (re.compile(r"purchases? (register|book|day ?book|report)|\bgstr-?2[ab]?\b|inward suppl", re.I),
     "a purchase register", Kind.PURCHASE),
    (re.compile(r"stock summary|list of (stock )?items|stock items?\b|closing stock|stock (statement|position|"
                r"register|report)|item master|inventory (summary|report|list)|godown summary", re.I),
     "a stock list or item master", Kind.ITEMS),
    (re.compile(r"\bledger( account| vouchers| statement)?\b|statement of accounts?|account statement|"
                r"\bgroup summary\b|trial balance|outstandings?\b|bills receivable", re.I),
     "a ledger or account statement", None),
)  # fmt: skip
# Columns only a purchase register has. A bare "Vendor" is not one: Shopify's orders name each product's vendor.
_PURCHASE_COLUMNS = re.compile(r"(supplier|vendor|party)('?s)? (invoice|inv|bill)\b|input (c|s|i)gst|purchase "
                               r"(ledger|account|a/c|value|amount)|bill of entry", re.I)  # fmt: skip
_STOCK_COLUMNS = re.compile(r"(opening|closing) (balance|stock|qty|quantity|value)|reorder level|stock in hand|"
                            r"\bstock group\b|minimum stock", re.I)  # fmt: skip


@dataclass(frozen=True)
class KindQuestion:
    declared: str
    looks_like: str  # worded for the person: "a purchase register"
    suggested: str | None  # the kind that loads it, when we have one
    evidence: str

    @property
    def message(self) -> str:
        said = Kind(self.declared).label.lower()
        return (f"This file looks like {self.looks_like}, not {said}: {self.evidence}. Nothing was loaded. "
                "Tell us what it is.")  # fmt: skip

    def as_json(self) -> dict:
        return {**asdict(self), "message": self.message}


class WrongKind(IngestError):
    def __init__(self, question: KindQuestion) -> None:
        super().__init__(question.message, code="wrong_kind")
        self.question = question


def check(sheets, kind: str) -> None:
    """Raise WrongKind when the file's evidence says it is something other than `kind`."""
    for sheet in sheets:
        question = _question(sheet, kind)
        if question is not None:
            raise WrongKind(question)


def _question(sheet, kind: str) -> KindQuestion | None:
    try:
        header = locate_header(sheet.rows, kind=kind)
    except IngestError:
        return None
    titles = [*header.title_lines, str(sheet.name)]
    title_text = " · ".join(line for line in titles if line)
    columns = [str(column) for column in header.columns]
    if kind == Kind.SALES:
        return _not_sales(title_text, columns, header)
    if kind in (Kind.CUSTOMERS, Kind.ITEMS):
        return _sales_as_master(kind, title_text, columns, header)
    return None


def _not_sales(title_text: str, columns: list[str], header) -> KindQuestion | None:
    for pattern, looks_like, suggested in _TITLES:
        if (found := pattern.search(title_text)) and not _SALES_TITLE.search(_without(title_text, found.group(0))):
            return KindQuestion(Kind.SALES, looks_like, suggested, f"its title says “{found.group(0)}”")
    if _SALES_TITLE.search(title_text):
        return None
    purchase = [column for column in columns if _PURCHASE_COLUMNS.search(column)]
    if purchase:
        return KindQuestion(Kind.SALES, "a purchase register", Kind.PURCHASE,
                            f"it has a “{purchase[0]}” column")  # fmt: skip
    stock = [column for column in columns if _STOCK_COLUMNS.search(column)]
    if stock and "date" not in fields.auto_map(columns, Kind.SALES):
        return KindQuestion(Kind.SALES, "a stock list or item master", Kind.ITEMS,
                            f"it has a “{stock[0]}” column and no date")  # fmt: skip
    return _purchase_vouchers(columns, header)


def _purchase_vouchers(columns: list[str], header) -> KindQuestion | None:
    """Every voucher type a purchase one (and no sales type): a purchase register exported without its title."""
    column = fields.auto_map(columns, Kind.SALES).get("voucher_type")
    if column is None:
        return None
    types = {str(value).strip() for value in header.data[column].head(SAMPLE_ROWS).dropna()} - {"", "nan"}
    purchases = {name for name in types if re.search(r"purchase|\bgrn\b|receipt note|debit note", name, re.I)}
    if types and purchases == types:
        return KindQuestion(Kind.SALES, "a purchase register", Kind.PURCHASE,
                            f"every voucher is a {sorted(purchases)[0]}")  # fmt: skip
    return None


def _sales_as_master(kind: str, title_text: str, columns: list[str], header) -> KindQuestion | None:
    """A sales register uploaded as a customer or item master: its title says so, or it has the date, amount and
    invoice or quantity of sales and names the same customer or item on many rows."""
    if found := re.search(r"sales register|sales book|day ?book|invoice register|\bgstr-?1\b", title_text, re.I):
        return KindQuestion(kind, "a sales register", Kind.SALES, f"its title says “{found.group(0)}”")
    sales = fields.auto_map(columns, Kind.SALES)
    if "date" not in sales or not ({"net_amount", "gross_amount"} & sales.keys()):
        return None
    if not ({"invoice", "quantity"} & sales.keys()):
        return None
    own = fields.auto_map(columns, kind).get("name")
    if own is None:
        return None
    names = header.data[own].head(SAMPLE_ROWS).dropna().astype(str).str.strip()
    names = names[names != ""]
    if len(names) >= 4 and names.nunique() <= 0.8 * len(names):
        what = "customer" if kind == Kind.CUSTOMERS else "item"
        evidence = f"it has dates, amounts and invoices, and names the same {what} on several rows"
        return KindQuestion(kind, "a sales file", Kind.SALES, evidence)
    return None


def _without(text: str, part: str) -> str:
    return text.replace(part, " ")
