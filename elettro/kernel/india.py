"""Indian business rules shared by every app: GST state codes, GSTIN validation and rupee formatting."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# GST state codes as printed on GSTINs (first two digits). 25 (Daman and Diu) merged into 26 in 2020
# and 28 is pre-2014 Andhra Pradesh; both still appear on old invoices, so they stay readable.
GST_STATES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Daman and Diu",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh (old)",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
}

# Names seen in exports for the same state, folded to the official name.
_STATE_ALIASES = {
    "orissa": "Odisha",
    "pondicherry": "Puducherry",
    "new delhi": "Delhi",
    "nct of delhi": "Delhi",
    "j&k": "Jammu and Kashmir",
    "jammu & kashmir": "Jammu and Kashmir",
    "andaman & nicobar islands": "Andaman and Nicobar Islands",
    "uttaranchal": "Uttarakhand",
    "tamilnadu": "Tamil Nadu",
}
_STATE_BY_NAME = {name.lower(): code for code, name in GST_STATES.items() if code not in ("25", "28")}

_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GSTIN_SHAPE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][A-Z0-9][0-9A-Z]$")


def gstin_check_digit(first14: str) -> str:
    """The 15th character of a GSTIN: a base-36 Luhn variant over the first 14."""
    total = 0
    for index, char in enumerate(first14.upper()):
        product = _GSTIN_CHARS.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def normalize_gstin(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def gstin_error(value: str) -> str | None:
    """Why a GSTIN is invalid, in words a user understands, or None when it is valid."""
    gstin = normalize_gstin(value)
    if len(gstin) != 15:
        return f"A GSTIN has 15 characters; this one has {len(gstin)}."
    if not _GSTIN_SHAPE.match(gstin):
        return "A GSTIN is 2 digits of state code, a 10-character PAN, an entity number, a letter and a check digit."
    if gstin[:2] not in GST_STATES:
        return f"{gstin[:2]} is not a GST state code."
    if gstin_check_digit(gstin[:14]) != gstin[14]:
        return "The check digit does not match: please check the GSTIN for a typing mistake."
    return None


def gstin_is_valid(value: str | None) -> bool:
    return bool(value) and gstin_error(value) is None


def state_code_from_gstin(value: str) -> str | None:
    gstin = normalize_gstin(value)
    return gstin[:2] if gstin_is_valid(gstin) else None


def state_code_for_name(name: str | None) -> str | None:
    """GST state code for a state name or code as exports write it ('Maharashtra', 'MH'-less, '27')."""
    if not name:
        return None
    key = re.sub(r"\s+", " ", str(name)).strip().lower()
    if key.isdigit() and key.zfill(2) in GST_STATES:
        return key.zfill(2)
    key = _STATE_ALIASES.get(key, key).lower()
    return _STATE_BY_NAME.get(key)


# ---------------------------------------------------------------- rupees, the Indian way

_PAISA = Decimal("0.01")
_PLACES = {places: Decimal(1).scaleb(-places) for places in range(5)}


def group_indian(integer_digits: str) -> str:
    """'12345678' -> '1,23,45,678': the last three digits, then pairs."""
    if len(integer_digits) <= 3:
        return integer_digits
    head, tail = integer_digits[:-3], integer_digits[-3:]
    odd = len(head) % 2  # a lone leading digit, then pairs
    pairs = [head[:odd]] * odd + [head[i : i + 2] for i in range(odd, len(head), 2)]
    return ",".join(pairs) + "," + tail


def format_inr(amount: Decimal | int | float | str | None, *, symbol: bool = True, decimals: int = 2) -> str:
    """Full rupee amount with lakh/crore grouping: ₹98,38,141.37, -₹1,200.00."""
    if amount is None:
        return "—"
    exact = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    value = exact.quantize(_PLACES[decimals] if decimals in _PLACES else Decimal(1).scaleb(-decimals),
                           rounding=ROUND_HALF_UP)  # fmt: skip
    sign = "-" if value < 0 else ""
    text = f"{abs(value):.{decimals}f}"
    integer, _, fraction = text.partition(".")
    grouped = group_indian(integer) + (f".{fraction}" if fraction else "")
    return f"{sign}{'₹' if symbol else ''}{grouped}"


def format_inr_compact(amount: Decimal | int | float | str | None, *, symbol: bool = True) -> str:
    """Short form for cards and axes: ₹4.52 Cr, ₹98.4 L, ₹12.5 K, ₹950."""
    if amount is None:
        return "—"
    value = Decimal(str(amount))
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    prefix = f"{sign}{'₹' if symbol else ''}"
    for size, suffix in ((Decimal(10**7), "Cr"), (Decimal(10**5), "L"), (Decimal(10**3), "K")):
        if magnitude >= size:
            scaled = magnitude / size
            # Three significant figures, as on cards and axes: ₹4.52 Cr, ₹98.4 L, ₹512 K; big crores in whole units.
            places = Decimal("0.01") if scaled < 10 else Decimal("0.1") if scaled < 100 else Decimal(1)
            return f"{prefix}{scaled.quantize(places, rounding=ROUND_HALF_UP)} {suffix}"
    return f"{prefix}{magnitude.quantize(Decimal(1), rounding=ROUND_HALF_UP)}"


def to_paise(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
