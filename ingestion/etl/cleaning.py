"""Turn the text of export cells into clean values: dates, exact decimal amounts, quantities with units, names.

Money never passes through float: amounts come out as plain decimal text ready for PostgreSQL COPY into NUMERIC,
or as Decimal from the scalar helpers. Column-wide work parses each distinct value once, so a million rows with a
few thousand distinct dates or names cost a few thousand parses.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from elettro.kernel.india import GST_STATES, gstin_error, gstin_is_valid, normalize_gstin, state_code_for_name
from ingestion.etl import mapping as fields
from ingestion.etl.errors import IngestError

DrCr = Literal["absolute", "debit_positive"]
DateOrder = Literal["DMY", "MDY", "YMD"]

MIN_YEAR = 1950
MAX_YEAR = 2099
# ₹1 crore crore: anything bigger is an ID or a phone number in the wrong column. The rollups add amounts up as
# whole ten-thousandths of a rupee in 64-bit integers, exact below 9.2 × 10^14 (SalesLine checks the bound too).
MAX_AMOUNT = Decimal(10) ** 14
# A rate column (GST %, discount %) keeps three whole digits; anything past this is an amount in the wrong column.
MAX_PERCENT = Decimal(999)
# Excel serial numbers for 1970-01-01 .. 2099-12-31: a five-digit number in a date column is one of these.
EXCEL_SERIAL_RANGE = (25569, 73050)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _reason(name: Hashable, value: object, problem: str) -> str:
    prefix = f"{name}: " if isinstance(name, str) and name else ""
    return f"{prefix}'{value}' {problem}"


def _map_distinct(series: pd.Series, parse: Callable[[str], object]) -> pd.Series:
    """Apply ``parse`` to each distinct non-empty value once and spread the results back over the rows."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)  # the extra last slot is what code -1 (blank) picks
    for index, value in enumerate(uniques.tolist()):
        results[index] = parse(value)
    return pd.Series(results[codes], index=series.index, dtype=object)


def _per_distinct(series: pd.Series, parse: Callable[[str], tuple[object, ...]], width: int) -> list[np.ndarray]:
    """Like _map_distinct for parsers returning ``width`` results: one object array per result, row-aligned."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    columns = [np.full(len(uniques) + 1, None, dtype=object) for _ in range(width)]
    for index, value in enumerate(uniques.tolist()):
        for column, item in zip(columns, parse(value), strict=True):
            column[index] = item
    return [column[codes] for column in columns]


def _nothing(index: pd.Index) -> pd.Series:
    """An object column of None: reasons start out absent (pandas would make ``Series(None)`` NaN)."""
    return pd.Series(np.full(len(index), None, dtype=object), index=index)


def _as_text(series: pd.Series) -> pd.Series:
    """Strings with surrounding whitespace removed and blanks as NaN, whatever the input dtype."""
    text = series.astype("str").str.strip()
    return text.mask(text == "")


# ---------------------------------------------------------------- names and text

# Zero-width joiners (U+200C, U+200D) stay: they change how Devanagari and other Indian scripts are written.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u2060\ufeff\u00ad\u0000-\u0008\u000e-\u001f\u007f-\u009f]")
_SPACES = re.compile(r"\s+")


def normalize_name(text: object) -> str | None:
    """Trimmed, single-spaced NFC text without NBSP, zero-width or control characters; None when nothing is left."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    cleaned = unicodedata.normalize("NFC", _INVISIBLE.sub("", str(text)))
    cleaned = _SPACES.sub(" ", cleaned).strip()
    return cleaned or None


_CLEAN_ASCII = r"[!-~]+(?: [!-~]+)*"  # printable ASCII words, single-spaced: nothing left to normalise


def normalize_names(series: pd.Series) -> pd.Series:
    text = series.astype("str")
    clean = text.str.fullmatch(_CLEAN_ASCII).fillna(False).astype(bool)
    if clean.all():
        return text
    result = text.to_numpy(dtype=object)
    rest = (~clean & text.notna()).to_numpy()
    result[rest] = _map_distinct(text[rest], normalize_name).to_numpy()
    return pd.Series(result, index=series.index, dtype="str")


_MS_PREFIX = re.compile(r"^(?:m\s*/\s*s\.?|messrs\.?|m/s)\s*", re.IGNORECASE)
# Spellings of the same legal form, folded to one token each so "ABC Pvt. Ltd." matches "ABC Private Limited".
_LEGAL_FORMS = (
    (re.compile(r"\b(?:private|pvt|prv|pvte)\b\.?|\(p\)|\bp\b\.?(?=\s*(?:ltd|limited)\b)"), " pvt "),
    (re.compile(r"\b(?:limited|ltd)\b\.?"), " ltd "),
    (re.compile(r"\bl\.?\s*l\.?\s*p\b\.?"), " llp "),
    (re.compile(r"\b(?:company|co)\b\.?"), " co "),
    (re.compile(r"\b(?:corporation|corpn|corp)\b\.?"), " corp "),
    (re.compile(r"\b(?:brothers|bros)\b\.?"), " bros "),
    (re.compile(r"\b(?:enterprises|enterprise|ent)\b\.?"), " enterprises "),
    (re.compile(r"\b(?:industries|inds|ind)\b\.?"), " industries "),
)


_TRAILING_LEGAL_FORM = re.compile(r"(?:[\s.,]+(?:pvt|ltd|llp))+[\s.,]*$")


def customer_key(text: object) -> str | None:
    """A matching key for customer names: case, spacing, punctuation, 'M/s.' and legal-form spellings ignored."""
    name = normalize_name(text)
    if name is None:
        return None
    key = unicodedata.normalize("NFKC", name).casefold()
    key = _MS_PREFIX.sub("", key)
    key = key.replace("&", " and ")
    for pattern, replacement in _LEGAL_FORMS:
        key = pattern.sub(replacement, key)
    key = re.sub(r"^the\s+", "", key.strip())
    # A register says "Sharma Electricals", the master "Sharma Electricals Pvt Ltd": the same party.
    key = _TRAILING_LEGAL_FORM.sub("", key) or key
    key = "".join(char for char in key if char.isalnum())
    return key or None


def customer_keys(series: pd.Series) -> pd.Series:
    return _map_distinct(series, customer_key).astype("str")


# ---------------------------------------------------------------- formula injection

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*)?(?:\.\d+)?(?:[eE][+-]?\d+)?$")


def is_formula_like(text: object) -> bool:
    """Would a spreadsheet treat this text as a formula (OWASP CSV injection)? Plain signed numbers are data."""
    if not isinstance(text, str) or not text:
        return False
    stripped = text.lstrip(" ")
    if not stripped.startswith(_FORMULA_STARTS) and not text.startswith(_FORMULA_STARTS):
        return False
    return not (_PLAIN_NUMBER.match(stripped) and any(char.isdigit() for char in stripped))


def neutralize_formula(text: object) -> object:
    """Prefix formula-like text with a single quote so Excel and LibreOffice show it instead of running it."""
    return f"'{text}" if is_formula_like(text) else text


def neutralize_formulas(series: pd.Series) -> pd.Series:
    return _map_distinct(series, neutralize_formula).where(series.notna(), series)


# ---------------------------------------------------------------- amounts

_WHITESPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# Currency marks exports put on amounts, longest first so "US$" wins over "$". A bare "$" is the US dollar, as
# the shops that write it mean; other dollars carry their prefix (A$, C$, S$).
_SIGNS = {"us$": "USD", "a$": "AUD", "au$": "AUD", "c$": "CAD", "ca$": "CAD", "s$": "SGD", "nz$": "NZD",
          "hk$": "HKD", "$": "USD", "₹": "INR", "rs.": "INR", "rs": "INR", "re.": "INR", "/-": "INR", "€": "EUR",
          "£": "GBP", "¥": "JPY", "د.إ": "AED", "﷼": "SAR"}  # fmt: skip
CURRENCY_CODES = frozenset(
    (
        "INR", "USD", "EUR", "GBP", "JPY", "CNY", "AUD", "CAD", "SGD", "NZD", "HKD", "CHF", "SEK",
        "NOK", "DKK", "AED", "SAR", "QAR", "OMR", "KWD", "BHD", "LKR", "NPR", "BDT", "PKR", "MYR",
        "THB", "IDR", "PHP", "VND", "KRW", "ZAR", "NGN", "KES", "EGP", "TRY", "RUB", "BRL", "MXN",
    )
)  # fmt: skip
_MARK = "|".join(re.escape(sign) for sign in sorted(_SIGNS, key=len, reverse=True))
_CODE = "|".join(code.lower() for code in sorted(CURRENCY_CODES))
_CURRENCY_PREFIX = re.compile(rf"^(?:{_MARK}|(?:{_CODE})\.?)", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(rf"(?:{_MARK}|{_CODE})$", re.IGNORECASE)
_DR_CR = re.compile(r"(dr|cr)\.?$", re.IGNORECASE)
_WESTERN_GROUPS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_INDIAN_GROUPS = re.compile(r"^\d{1,2}(?:,\d{2})*,\d{3}$")
_NUMBER = re.compile(r"^(\d[\d,]*)?(\.\d*)?(?:e[+-]?\d+)?$", re.IGNORECASE)
_DASHES = {"-", "–", "—", "--"}
_PER_UNIT = re.compile(r"(?<=\d)/[^\W\d_][\w.]{0,11}$")


def currency_code(mark: object) -> str | None:
    """'₹' / 'Rs.' / 'inr' -> 'INR', '$' -> 'USD', 'omr' -> 'OMR'; None for anything that is not a currency."""
    if mark is None or (isinstance(mark, float) and mark != mark):
        return None
    text = _WHITESPACE.sub("", str(mark)).casefold().rstrip(".")
    if not text:
        return None
    code = _SIGNS.get(text) or _SIGNS.get(text + ".")
    if code:
        return code
    return text.upper() if text.upper() in CURRENCY_CODES else None


def _amount(text: str, dr_cr: DrCr = "absolute") -> tuple[Decimal | None, str | None]:
    """(value, None), (None, None) for blank, or (None, why it is not an amount). Only rupees are amounts here."""
    value, problem, currency = _amount_in_currency(text, dr_cr)
    if currency not in (None, "INR"):
        return None, "is in a currency other than rupees"
    return value, problem


def _amount_in_currency(text: str, dr_cr: DrCr = "absolute") -> tuple[Decimal | None, str | None, str | None]:
    """(value, problem, currency the text names or None): '$1,299.00' -> (1299.00, None, 'USD')."""
    compact = _WHITESPACE.sub("", text).replace("−", "-")
    if not compact:
        return None, None, None
    if compact in _DASHES:
        return Decimal(0), None, None  # Excel's accounting format shows zero as a dash
    body = _PER_UNIT.sub("", compact.replace("(-)", "-", 1))  # Tally: '(-)1,200.00', '4,860.00/Nos'
    side_match = _DR_CR.search(body)
    side = side_match.group(1).lower() if side_match else None
    if side_match:
        body = body[: side_match.start()]
    negative, currency = False, None
    for _ in range(3):  # signs, brackets and ₹ come in every order: -₹1,200  ₹-1,200  (₹1,200)  ₹(1,200)
        before = body
        for pattern in (_CURRENCY_PREFIX, _CURRENCY_SUFFIX):
            mark = pattern.search(body)
            if mark and mark.group(0) and len(mark.group(0)) < len(body):
                currency = currency or currency_code(mark.group(0))
                body = body[: mark.start()] + body[mark.end() :]
        if body.startswith("(") and body.endswith(")"):
            negative, body = not negative, body[1:-1]
        if body.startswith(("-", "+")):
            negative, body = negative != (body[0] == "-"), body[1:]
        if body.endswith("-") and len(body) > 1:
            negative, body = not negative, body[:-1]  # trailing minus from old ERPs
        if body == before:
            break
    match = _NUMBER.match(body)
    if not body or not match or not any(char.isdigit() for char in body):
        return None, "is not a number", None
    integer = match.group(1) or ""
    if "," in integer and not (_WESTERN_GROUPS.match(integer) or _INDIAN_GROUPS.match(integer)):
        return None, "has commas in unusual places (is the decimal point a comma?)", None
    try:
        value = Decimal(body.replace(",", ""))
    except InvalidOperation:
        return None, "is not a number", None
    if negative:
        value = -value
    if dr_cr == "debit_positive" and side == "cr":
        value = -value
    if abs(value) >= MAX_AMOUNT:
        return None, "is too large to be an amount", None
    if value.as_tuple().exponent > 0:
        value = Decimal(_plain(value))  # 1.5E+3 from Excel's scientific display: keep it as 1500
    return (value.copy_abs() if value.is_zero() else value), None, currency


def _plain(value: Decimal) -> str:
    return format(value, "f")


def parse_amount(text: object, *, dr_cr: DrCr = "absolute") -> Decimal | None:
    """Exact value of an amount as exports write it; None when blank; IngestError when it isn't an amount.

    Understands 1,23,456.78 and 123,456.78, ₹ / Rs. / INR and '/-', (1,234.00) and 1234- as negatives, and a
    Dr/Cr suffix. ``dr_cr="absolute"`` (the default, right for sales and purchase registers) keeps the sign as
    written whichever side it is on; ``"debit_positive"`` is for balances: Dr positive, Cr negative.
    """
    if text is None or (isinstance(text, float) and text != text):
        return None
    value, problem = _amount(str(text), dr_cr)
    if problem:
        raise IngestError(_reason(None, text, problem), code="not_a_number")
    return value


# At most as many whole digits as MAX_AMOUNT less one: anything longer goes one by one and is refused there.
_PLAIN_DECIMAL = rf"-?\d{{1,{len(str(MAX_AMOUNT)) - 1}}}(?:\.\d+)?"
_GROUPED_DECIMAL = r"-?(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})(?:\.\d+)?"


def _plain_text(text: pd.Series) -> pd.Series:
    """Amounts already plain, or plainly grouped (1,23,456.78 / 123,456.78), as plain text; NaN for the rest.

    The common forms are done column-wide here; only unusual ones (₹, brackets, Dr/Cr) go one by one.
    """
    candidates = text
    if text.str.contains(",", regex=False).any():  # most exports write plain numbers: skip the grouped pass
        grouped = text.str.fullmatch(_GROUPED_DECIMAL).fillna(False).astype(bool)
        candidates = text.where(~grouped, text.str.replace(",", "", regex=False))
    plain = candidates.str.fullmatch(_PLAIN_DECIMAL).fillna(False).astype(bool)
    result = candidates.where(plain)
    if result.str.startswith("-0").any():
        result = result.str.replace(r"^-(0+(?:\.0+)?)$", r"\1", regex=True)
    return result


def parse_amounts(series: pd.Series, *, dr_cr: DrCr = "absolute") -> tuple[pd.Series, pd.Series]:
    """(plain decimal text or NaN per row, reason or None per row); reasons name the column and the value.

    Only rupees (or no currency at all) are amounts here; see ``parse_money`` for amounts in any currency."""
    values, errors, currencies = parse_money(series, dr_cr=dr_cr)
    foreign = currencies.notna() & (currencies != "INR")
    if foreign.any():
        errors = errors.copy()
        text = _as_text(series)[foreign]
        errors[foreign] = [_reason(series.name, value, "is in a currency other than rupees") for value in text]
        values = values.mask(foreign)
    return values, errors


def parse_money(series: pd.Series, *, dr_cr: DrCr = "absolute") -> tuple[pd.Series, pd.Series, pd.Series]:
    """(plain decimal text or NaN, reason or None, currency code the value names or None) per row."""
    text = _as_text(series)
    quick = _plain_text(text)
    result = quick.to_numpy(dtype=object)
    errors = np.full(len(text), None, dtype=object)
    currencies = np.full(len(text), None, dtype=object)
    rest = (quick.isna() & text.notna()).to_numpy()
    if rest.any():

        def one(value: str) -> tuple[str | None, str | None, str | None]:
            amount, problem, currency = _amount_in_currency(value, dr_cr)
            reason = problem and _reason(series.name, value, problem)
            return (None if amount is None else _plain(amount)), reason, currency

        result[rest], errors[rest], currencies[rest] = _per_distinct(text[rest], one, 3)
    index = series.index
    return (
        pd.Series(result, index=index, dtype="str"),
        pd.Series(errors, index=index, dtype=object),
        pd.Series(currencies, index=index, dtype=object),
    )


def canonical_decimals(series: pd.Series, places: int) -> pd.Series:
    """Decimal text as the database keeps it, at its scale: '1250.5', '1250.50' and 1250.5 written by Excel all give
    '1250.5000' (places=4), rounded as PostgreSQL rounds NUMERIC; '' when blank. Two exports of one line spell
    amounts differently; this doesn't."""
    values = pc.utf8_trim_whitespace(pa.array(series.astype("str"), type=pa.string(), from_pandas=True))
    values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    try:
        exact = pc.cast(values, pa.decimal128(38, 12))
    except pa.ArrowInvalid:  # something Arrow can't read as a decimal: one by one, kept as written if no number
        step = Decimal(1).scaleb(-places)

        def one(value: str) -> str:
            try:
                return _plain(Decimal(value).quantize(step, rounding=ROUND_HALF_UP))
            except InvalidOperation:
                return value

        text = pd.Series(values.to_pandas(), index=series.index)
        return _map_distinct(text, one).fillna("").astype("str")
    # PostgreSQL rounds NUMERIC halves away from zero.
    kept = pc.cast(pc.round(exact, ndigits=places, round_mode="half_towards_infinity"), pa.decimal128(38, places))
    text = pc.fill_null(pc.cast(kept, pa.string()), "")
    return pd.Series(pd.array(text, dtype="str"), index=series.index)


# ---------------------------------------------------------------- quantities and percentages

_QUANTITY = re.compile(r"^(?P<number>[(\-+−]?\s*[\d.,]*\d[\d.,]*\s*\)?-?)\s*(?P<unit>[^\W\d_][^\d=]*?)?\.?\s*(?:=.*)?$")


def _quantity(text: str) -> tuple[Decimal | None, str | None, str | None]:
    """(number, unit, problem): '12 Nos' -> (12, 'Nos'); '10 Box = 120 Nos' keeps the first (billed) unit."""
    stripped = normalize_name(text)
    if stripped is None:
        return None, None, None
    if stripped in _DASHES:
        return Decimal(0), None, None
    if stripped.startswith("(-)"):  # Tally writes returned quantities as '(-)3 Nos'
        stripped = "-" + stripped[3:].lstrip()
    match = _QUANTITY.match(stripped)
    if not match:
        return None, None, "is not a quantity"
    value, problem = _amount(match.group("number"))
    if problem:
        return None, None, "is not a quantity" if problem == "is not a number" else problem
    unit = (match.group("unit") or "").strip().rstrip(".") or None
    return value, unit, None


def parse_quantity(text: object) -> tuple[Decimal | None, str | None]:
    """('12 Nos') -> (Decimal('12'), 'Nos'); (None, None) when blank; IngestError when it isn't a quantity."""
    if text is None or (isinstance(text, float) and text != text):
        return None, None
    value, unit, problem = _quantity(str(text))
    if problem:
        raise IngestError(_reason(None, text, problem), code="not_a_number")
    return value, unit


def parse_quantities(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(plain decimal text, unit text, reason) per row; negative quantities are allowed (returns)."""
    text = _as_text(series)
    quick = _plain_text(text)
    numbers = quick.to_numpy(dtype=object)
    units = np.full(len(text), None, dtype=object)
    errors = np.full(len(text), None, dtype=object)
    rest = (quick.isna() & text.notna()).to_numpy()
    if rest.any():

        def one(value: str) -> tuple[str | None, str | None, str | None]:
            number, unit, problem = _quantity(value)
            reason = problem and _reason(series.name, value, problem)
            return (None if number is None else _plain(number)), unit, reason

        numbers[rest], units[rest], errors[rest] = _per_distinct(text[rest], one, 3)
    index = series.index
    return (
        pd.Series(numbers, index=index, dtype="str"),
        pd.Series(units, index=index, dtype="str"),
        pd.Series(errors, index=index, dtype=object),
    )


def parse_percent(text: object) -> Decimal | None:
    """'18%' -> 18, '18' -> 18; None when blank; IngestError otherwise. Fractions are a column-level decision."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    value, _, problem = _percent(str(text))
    if problem:
        raise IngestError(_reason(None, text, problem), code="not_a_number")
    return value


def _percent(text: str) -> tuple[Decimal | None, bool, str | None]:
    compact = _WHITESPACE.sub("", text)
    has_sign = compact.endswith("%")
    value, problem = _amount(compact.rstrip("%"))
    if value is not None and abs(value) > MAX_PERCENT:
        return None, has_sign, "is not a percentage"  # an amount in a rate column: blanked, never stored as a rate
    return value, has_sign, problem


def parse_percentages(series: pd.Series, *, fractions: bool | None = None) -> tuple[pd.Series, pd.Series]:
    """Percent numbers (18 means 18%) as plain text, and reasons.

    A column written as fractions (Excel cells formatted as %, read as 0.18) is detected once for the whole column:
    no '%' anywhere and every value between 0 and 1. Pass ``fractions`` to decide it yourself.
    """
    text = _as_text(series)
    values, signs, problems = _per_distinct(text, _percent, 3)
    present = values[pd.notna(values)]
    if fractions is None:
        fractions = bool(len(present)) and not any(sign for sign in signs if sign)
        fractions = fractions and all(0 <= value <= 1 for value in present)
        fractions = fractions and any(0 < value < 1 for value in present)
    scale = Decimal(100) if fractions else Decimal(1)
    texts = [None if value is None else _plain((value * scale).normalize()) for value in values]
    reasons = [
        None if problem is None else _reason(series.name, raw, problem)
        for raw, problem in zip(text, problems, strict=True)
    ]
    return pd.Series(texts, index=series.index, dtype="str"), pd.Series(reasons, index=series.index, dtype=object)


# ---------------------------------------------------------------- dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME = (
    r"(?:[ t]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?(?:z|[+-]\d{2}:?\d{2})?)?"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_ISO = re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$")
_COMPACT = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})$")
_NUMERIC = re.compile(rf"^(?P<a>\d{{1,2}})(?P<sep>[-/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_TIME}$")
_YEAR = r"(?P<y>\d{4}|\d{2})"
_DAY_MONTH = re.compile(
    rf"^{_WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[-/. ]*(?P<mon>[a-z]{{3,9}})\.?[-/., ]*{_YEAR}{_TIME}$"
)
_MONTH_DAY = re.compile(
    rf"^{_WEEKDAY}(?P<mon>[a-z]{{3,9}})\.?[-/. ]*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?[-/. ]+{_YEAR}{_TIME}$"
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


@dataclass(frozen=True)
class _DateParts:
    """A value's pieces: ``first`` is the day and ``second`` the month, except in forms whose order is still
    open ("?", like 01/04/2024), where they are the numbers as written."""

    order: str  # the form's own order, or "?" when it depends on the column
    year: int
    first: int
    second: int
    seconds: float = 0.0


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _time_seconds(match: re.Match[str]) -> float | None:
    if match.group("h") is None:
        return 0.0
    hour, minute, second = int(match.group("h")), int(match.group("mi")), int(match.group("s") or 0)
    ampm = (match.group("ampm") or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour * 3600 + minute * 60 + second


def _date_parts(text: str) -> _DateParts | str:
    """The pieces of one date, or why it isn't one."""
    value = text.strip().casefold()
    if _SERIAL.match(value):
        serial = float(value)
        low, high = EXCEL_SERIAL_RANGE
        if not low <= serial <= high:
            return "is not a date"
        moment = _EXCEL_EPOCH + timedelta(days=serial)
        seconds = round((serial % 1) * 86400)
        return _DateParts("YMD", moment.year, moment.day, moment.month, seconds)
    for pattern, order in ((_ISO, "YMD"), (_COMPACT, "YMD"), (_NUMERIC, "?"), (_DAY_MONTH, "DMY"), (_MONTH_DAY, "MDY")):
        match = pattern.match(value)
        if not match:
            continue
        seconds = _time_seconds(match) if "h" in pattern.groupindex else 0.0
        if seconds is None:
            return "has an impossible time"
        year = _full_year(match.group("y"))
        if order == "?":
            return _DateParts("?", year, int(match.group("a")), int(match.group("b")), seconds)
        if "mon" in pattern.groupindex:
            month = _MONTHS.get(match.group("mon"))
            if month is None:
                return "is not a date we recognise"
            return _DateParts(order, year, int(match.group("d")), month, seconds)
        return _DateParts(order, year, int(match.group("d")), int(match.group("m")), seconds)
    return "is not a date we recognise (write it like 01-04-2024 or 1-Apr-2024)"


def _is_real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _choose_order(parts: list[_DateParts], counts: list[int], prefer_dayfirst: bool) -> DateOrder:
    """Day/month order for a column: a first part over 12 proves day-first, a second part over 12 month-first."""
    dayfirst_rows = sum(count for part, count in zip(parts, counts, strict=True) if part.first > 12)
    monthfirst_rows = sum(count for part, count in zip(parts, counts, strict=True) if part.second > 12)
    if dayfirst_rows != monthfirst_rows:
        return "DMY" if dayfirst_rows > monthfirst_rows else "MDY"
    return "DMY" if prefer_dayfirst else "MDY"


def parse_dates(
    series: pd.Series,
    *,
    prefer_dayfirst: bool = True,
    min_year: int = MIN_YEAR,
    max_year: int = MAX_YEAR,
) -> tuple[pd.Series, DateOrder, pd.Series]:
    """(datetime64 per row, NaT when blank or bad; the day/month order used; reason or None per row).

    The order is decided once for the column from the data; when every value is ambiguous (01/04/2024), Indian
    day-first is assumed unless ``prefer_dayfirst=False``. Excel serial numbers and ISO dates need no decision.
    """
    text = _as_text(series)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parts = [_date_parts(value) for value in uniques.tolist()]
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).tolist()
    parsed = [(part, count) for part, count in zip(parts, counts, strict=True) if isinstance(part, _DateParts)]
    open_order = [(part, count) for part, count in parsed if part.order == "?"]
    if open_order:
        order = _choose_order([p for p, _ in open_order], [c for _, c in open_order], prefer_dayfirst)
    elif parsed:
        rows_per_order: Counter[str] = Counter()
        for part, count in parsed:
            rows_per_order[part.order] += count
        order = rows_per_order.most_common(1)[0][0]
    else:
        order = "DMY" if prefer_dayfirst else "MDY"
    values = np.full(len(uniques) + 1, np.datetime64("NaT"), dtype="datetime64[s]")
    problems = np.full(len(uniques) + 1, None, dtype=object)
    for index, part in enumerate(parts):
        if isinstance(part, str):
            problems[index] = _reason(series.name, uniques[index], part)
            continue
        day, month = (part.second, part.first) if part.order == "?" and order == "MDY" else (part.first, part.second)
        try:
            moment = datetime(part.year, month, day) + timedelta(seconds=part.seconds)
        except ValueError:
            if part.order == "?" and _is_real_date(part.year, month=day, day=month):
                problem = f"does not fit the {'day/month' if order == 'DMY' else 'month/day'} order of the column"
            else:
                problem = "is not a real date"
            problems[index] = _reason(series.name, uniques[index], problem)
            continue
        if not min_year <= moment.year <= max_year:
            problem = f"has the year {moment.year}, outside {min_year}–{max_year}"
            problems[index] = _reason(series.name, uniques[index], problem)
            continue
        values[index] = np.datetime64(moment, "s")
    dates = pd.Series(values[codes], index=series.index, name=series.name)
    errors = pd.Series(problems[codes], index=series.index, dtype=object)
    return dates, order, errors


def parse_date(text: object, *, order: DateOrder = "DMY") -> date | None:
    """One date as written; ``order`` settles values like 01/04/2024. None when blank or not a date."""
    if text is None or (isinstance(text, float) and text != text) or not str(text).strip():
        return None
    dates, _, _ = parse_dates(pd.Series([str(text)], dtype="str"), prefer_dayfirst=order != "MDY")
    value = dates.iloc[0]
    return None if pd.isna(value) else value.date()


# ---------------------------------------------------------------- whole tables


@dataclass
class CleanTable:
    """Canonical columns with clean values, and per row the reasons it is rejected (errors) or merely flagged."""

    rows: pd.DataFrame
    errors: pd.Series
    warnings: pd.Series
    date_orders: dict[str, str] = field(default_factory=dict)
    # The currency each row's amounts name ('$12.99' -> 'USD'), None where they name none.
    currencies: pd.Series | None = None

    @property
    def accepted(self) -> pd.DataFrame:
        return self.rows[self.errors.isna()]

    @property
    def rejected(self) -> pd.DataFrame:
        return self.rows[self.errors.notna()].assign(reason=self.errors[self.errors.notna()])


_NO_GSTIN = {"", "urp", "na", "n/a", "nil", "none", "-", "unregistered", "not registered", "consumer"}
_TRUE_WORDS = {"yes", "y", "true", "1", "returned", "x"}
_FALSE_WORDS = {"no", "n", "false", "0"}


def _join_reasons(current: pd.Series, new: pd.Series) -> pd.Series:
    left, right = current.to_numpy(dtype=object).copy(), new.to_numpy(dtype=object)
    left_missing, right_missing = pd.isna(left), pd.isna(right)
    both = ~left_missing & ~right_missing
    left[both] = left[both] + "; " + right[both]
    only_right = left_missing & ~right_missing
    left[only_right] = right[only_right]
    left[left_missing & right_missing] = None
    return pd.Series(left, index=current.index, dtype=object)


def clean_table(
    frame: pd.DataFrame,
    mapping: dict[str, str],
    kind: str,
    *,
    prefer_dayfirst: bool = True,
    dr_cr: DrCr = "absolute",
    min_year: int = MIN_YEAR,
    max_year: int = MAX_YEAR,
) -> CleanTable:
    """Clean every mapped column by its field's type; reasons name the user's column and value.

    A row is rejected when a required field is empty, or a required or STRICT_FIELDS value can't be read (a
    date, quantity or amount); other problems (an invalid GSTIN, an unreadable ship date or profit) blank the
    value and become warnings.
    """
    types = fields.FIELD_TYPES[kind]
    labels = fields.FIELD_LABELS[kind]
    required = {name for group in fields.REQUIRED[kind] for name in group}
    strict = required | set(fields.STRICT_FIELDS[kind])
    rows = pd.DataFrame(index=frame.index)
    errors = _nothing(frame.index)
    warnings = _nothing(frame.index)
    date_orders: dict[str, str] = {}
    units_in_quantities = None

    def parse(name: str, column: str) -> tuple:
        source = frame[column].rename(column)
        value_type = types[name]
        if value_type == fields.DATE:
            values, order, problems = parse_dates(
                source, prefer_dayfirst=prefer_dayfirst, min_year=min_year, max_year=max_year
            )
            return values, problems, order, None
        if value_type == fields.AMOUNT:
            values, problems, currencies = parse_money(source, dr_cr=dr_cr)
            return values, problems, None, currencies
        if value_type == fields.QUANTITY:
            values, units, problems = parse_quantities(source)
            return values, problems, None, units
        if value_type == fields.PERCENT:
            return (*parse_percentages(source), None, None)
        if value_type == fields.GSTIN:
            return (*_clean_gstins(source), None, None)
        if value_type == fields.FLAG:
            return (*_clean_flags(source), None, None)
        if value_type == fields.CURRENCY:
            return (*_clean_currencies(source), None, None)
        return normalize_names(source), None, None, None

    # Columns are independent and most of the work is in Arrow, which releases the GIL: two at a time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        parsed = list(pool.map(lambda item: parse(*item), mapping.items()))
    currencies = None
    for (name, _column), (values, problems, order, extra) in zip(mapping.items(), parsed, strict=True):
        value_type = types[name]
        rows[name] = values
        if order is not None:
            date_orders[name] = order
        if name == "quantity" and extra is not None and extra.notna().any():
            units_in_quantities = extra
        if value_type == fields.AMOUNT and extra.notna().any():
            currencies = extra if currencies is None else currencies.where(currencies.notna(), extra)
        if problems is not None:
            if name in strict and value_type != fields.GSTIN:
                errors = _join_reasons(errors, problems)
            else:
                warnings = _join_reasons(warnings, problems)
    if units_in_quantities is not None and "unit" in types:
        # '12 Nos' in the quantity column names the unit when no unit column says otherwise
        rows["unit"] = rows["unit"].fillna(units_in_quantities) if "unit" in rows else units_in_quantities
    needs = fields.NEEDS.get(kind, {})
    for group in fields.REQUIRED[kind]:
        present = [name for name in group if name in rows and needs.get(name, name) in mapping]
        if not present:
            continue
        # An alternative that needs a partner (a rate needs a quantity) is blank when either is.
        blank = np.logical_and.reduce(
            [
                _as_text(frame[mapping[name]]).isna().to_numpy()
                | _as_text(frame[mapping[needs.get(name, name)]]).isna().to_numpy()
                for name in present
            ]
        )
        what = " or ".join(labels[name] for name in group if name in present)
        columns = ", ".join(f"'{mapping[name]}'" for name in present)
        message = pd.Series(
            np.where(blank, f"{what} is empty (column {columns})", None), index=frame.index, dtype=object
        )
        errors = _join_reasons(errors, message.where(blank, None))
    if "state" in rows or "customer_gstin" in rows:
        rows["state_code"] = _state_codes(rows)
    if "state" in rows:
        # '27-Maharashtra', 'MAHARASHTRA', 'Orissa' -> the official name; foreign states stay as written
        official = _map_distinct(rows["state"], _state_code_of_text).map(GST_STATES, na_action="ignore")
        rows["state"] = official.where(official.notna(), rows["state"]).astype("str")
    return CleanTable(rows=rows, errors=errors, warnings=warnings, date_orders=date_orders, currencies=currencies)


def _clean_gstins(source: pd.Series) -> tuple[pd.Series, pd.Series]:
    def one(value: str) -> tuple[str | None, str | None]:
        gstin = normalize_gstin(value)
        if gstin.casefold() in _NO_GSTIN or value.strip().casefold() in _NO_GSTIN:
            return None, None
        if gstin_is_valid(gstin):
            return gstin, None
        return None, _reason(source.name, value, f"is not a valid GSTIN: {gstin_error(gstin)}")

    values, problems = _per_distinct(_as_text(source), one, 2)
    return pd.Series(values, index=source.index, dtype="str"), pd.Series(problems, index=source.index, dtype=object)


def _clean_currencies(source: pd.Series) -> tuple[pd.Series, pd.Series]:
    def one(value: str) -> tuple[str | None, str | None]:
        code = currency_code(value)
        return (code, None) if code else (None, _reason(source.name, value, "is not a currency we know"))

    values, problems = _per_distinct(_as_text(source), one, 2)
    return pd.Series(values, index=source.index, dtype="str"), pd.Series(problems, index=source.index, dtype=object)


def _clean_flags(source: pd.Series) -> tuple[pd.Series, pd.Series]:
    def one(value: str) -> tuple[bool | None, str | None]:
        word = value.strip().casefold()
        if word in _TRUE_WORDS:
            return True, None
        if word in _FALSE_WORDS:
            return False, None
        return None, _reason(source.name, value, "is not yes or no")

    values, problems = _per_distinct(_as_text(source), one, 2)
    return pd.Series(values, index=source.index, dtype="boolean"), pd.Series(problems, index=source.index, dtype=object)


def _state_code_of_text(value: str) -> str | None:
    match = re.match(r"^(\d{1,2})\s*[-–:]\s*(.*)$", value)
    if match and state_code_for_name(match.group(1)):
        return state_code_for_name(match.group(1))
    return state_code_for_name(value)


def _state_codes(rows: pd.DataFrame) -> pd.Series:
    """GST state code from the state column ('Maharashtra', '27-Maharashtra', '27'), else from the GSTIN."""

    codes = _nothing(rows.index)
    if "state" in rows:
        codes = _map_distinct(rows["state"], _state_code_of_text)
    if "customer_gstin" in rows:
        from_gstin = rows["customer_gstin"].str.slice(0, 2)
        codes = codes.where(codes.notna(), from_gstin.where(rows["customer_gstin"].notna(), None))
    return codes.astype("str")


def looks_like_number(text: object) -> bool:
    """Cheap test used to tell header rows from data rows: an amount, quantity or percentage."""
    if not isinstance(text, str) or not text.strip():
        return False
    value, _, problem = _quantity(text.rstrip("% "))
    return problem is None and value is not None


def looks_like_date(text: object) -> bool:
    return isinstance(text, str) and isinstance(_date_parts(text), _DateParts)
