"""What counts as a sale: a company's voucher types and the status words that keep a line out of the figures.

Both are guessed from words the first time, shown to the owner, and remembered per company once seen or changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import StatusWord, VoucherType

Role = VoucherType.Role

# Read in this order: "Sales Order" is an order before it is a sale, "Sales Return" a return.
_ROLE_WORDS: tuple[tuple[str, str], ...] = (
    (Role.RETURN, r"credit\s*note|credit\s*memo|\bcr\.?\s*note|return|refund|\bcn\b"),
    (
        Role.SKIP,
        r"order|quotation|quote|estimate|proforma|pro-forma|delivery|challan|purchase|receipt|payment|journal|"
        r"contra|payroll|stock|debit\s*note|debit\s*memo|memorandum|reversing|attendance|material|rejection|"
        r"physical|manufactur|transfer|opening|advance",
    ),
    (Role.SALE, r"sale|sales|supply|invoice|\bbill\b|\bpos\b|retail|export|\btax\b|counter|cash\s*memo"),
)


def guess_role(name: str) -> str:
    """The role a voucher type's name suggests; a name we can't place is left out until the owner says."""
    text = name.casefold()
    for role, pattern in _ROLE_WORDS:
        if re.search(pattern, text):
            return role
    return Role.SKIP


def voucher_roles(names: Iterable[str]) -> dict[str, str]:
    """Role per voucher type, remembering a guess for each type seen for the first time."""
    wanted = {name.strip() for name in names if name and name.strip()}
    known = dict(VoucherType.objects.filter(name__in=wanted).values_list("name", "role"))
    new = [VoucherType(name=name[:64], role=guess_role(name)) for name in sorted(wanted - known.keys())]
    VoucherType.objects.bulk_create(new, ignore_conflicts=True)
    return {**known, **{row.name: row.role for row in new}}


def voucher_role_set(*, name: str, role: str) -> VoucherType:
    row, _ = VoucherType.objects.update_or_create(name=name.strip()[:64], defaults={"role": role, "guessed": False})
    return row


# Parties that are no customer: counter sales booked to the cash ledger. Their lines are walk-in sales (customer
# unknown), so they are not counted as one big customer. Matched on the folded name (see customer_key).
WALK_IN_KEYS = frozenset(
    {"cash", "cashsale", "cashsales", "cashcustomer", "cashcustomers", "cashac", "cashaccount", "cashbill",
     "walkin", "walkincustomer", "walkincustomers", "countersale", "countersales", "retailcustomer", "cashparty"}
)  # fmt: skip

# Words of a status that void a line. Multi-word phrases first so "Shipped - Returned to Seller" is a return.
DEFAULT_STATUS_WORDS: dict[str, str] = {
    "cancel": StatusWord.Meaning.CANCELLED,
    "void": StatusWord.Meaning.CANCELLED,
    "reversed": StatusWord.Meaning.CANCELLED,
    "rejected": StatusWord.Meaning.CANCELLED,
    "lost": StatusWord.Meaning.CANCELLED,
    "failed": StatusWord.Meaning.CANCELLED,
    "draft": StatusWord.Meaning.CANCELLED,  # never sent to the customer: not a sale yet
    "optional": StatusWord.Meaning.CANCELLED,  # Tally's optional vouchers do not post to the books
    "quotation": StatusWord.Meaning.CANCELLED,  # an offer, not a sale (Odoo's "Quotation Sent")
    "estimate": StatusWord.Meaning.CANCELLED,
    "proforma": StatusWord.Meaning.CANCELLED,
    "refund": StatusWord.Meaning.RETURNED,
    "return": StatusWord.Meaning.RETURNED,
    "rto": StatusWord.Meaning.RETURNED,
    "credit note": StatusWord.Meaning.RETURNED,
    "creditnote": StatusWord.Meaning.RETURNED,
}


def status_words() -> dict[str, str]:
    """word -> meaning for this company: its own list once edited, else the defaults."""
    saved = dict(StatusWord.objects.values_list("word", "meaning"))
    return saved or dict(DEFAULT_STATUS_WORDS)


def status_words_set(words: dict[str, str]) -> None:
    """Replace the company's list (an empty list brings the defaults back)."""
    StatusWord.objects.all().delete()
    StatusWord.objects.bulk_create(
        StatusWord(word=word.strip().casefold()[:64], meaning=meaning)
        for word, meaning in words.items()
        if word.strip()
    )


def status_pattern(words: Iterable[str]) -> str | None:
    """One case-insensitive regex for whole words or word starts ('cancel' matches 'Cancelled', not 'rto' 'Ortho').

    A partial refund or return leaves the sale standing ("partially_refunded"): the export doesn't say how much."""
    escaped = [re.escape(word.strip()) for word in words if word.strip()]
    return rf"(?<![a-z0-9])(?<!partially[ _-])(?:{'|'.join(escaped)})" if escaped else None
