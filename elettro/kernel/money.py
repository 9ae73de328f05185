"""Money in whichever currency a company bills in.

Rupees keep the lakh/crore conventions of `elettro.kernel.india`; every other currency is written the western way.
All displayed digits come from Decimal arithmetic so a total never shows a float's 0.30000000000000004.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from elettro.kernel.india import format_inr, format_inr_compact, group_indian

Amount = Decimal | int | float | str

# Prefix, minor units and name, in the order a company picks from at signup. Codes here are the ones companies
# sign up with; anything else is still shown, as "XYZ 1,234.00", because a wrong symbol is worse than an
# unfamiliar code. Where a sign is shared ($, ¥, Rs) the others carry a prefix or their code.
_CURRENCIES: dict[str, tuple[str, int, str]] = {
    "INR": ("₹", 2, "Indian rupee"),
    "USD": ("$", 2, "US dollar"),
    "EUR": ("€", 2, "Euro"),
    "GBP": ("£", 2, "British pound"),
    "AED": ("AED ", 2, "UAE dirham"),
    "SAR": ("SAR ", 2, "Saudi riyal"),
    "QAR": ("QAR ", 2, "Qatari riyal"),
    "OMR": ("OMR ", 3, "Omani rial"),
    "KWD": ("KWD ", 3, "Kuwaiti dinar"),
    "BHD": ("BHD ", 3, "Bahraini dinar"),
    "SGD": ("S$", 2, "Singapore dollar"),
    "MYR": ("RM", 2, "Malaysian ringgit"),
    "AUD": ("A$", 2, "Australian dollar"),
    "NZD": ("NZ$", 2, "New Zealand dollar"),
    "CAD": ("C$", 2, "Canadian dollar"),
    "HKD": ("HK$", 2, "Hong Kong dollar"),
    "CHF": ("CHF ", 2, "Swiss franc"),
    "JPY": ("¥", 0, "Japanese yen"),
    "CNY": ("CN¥", 2, "Chinese yuan"),
    "LKR": ("LKR ", 2, "Sri Lankan rupee"),
    "NPR": ("NPR ", 2, "Nepalese rupee"),
    "BDT": ("BDT ", 2, "Bangladeshi taka"),
    "ZAR": ("R", 2, "South African rand"),
}

# For forms: "INR – Indian rupee (₹)", INR first.
CURRENCY_CHOICES: list[tuple[str, str]] = [
    (code, f"{code} – {name}" + (f" ({symbol})" if symbol.strip() != code else ""))
    for code, (symbol, _, name) in _CURRENCIES.items()
]

# Western compact units, largest first. INR has its own (K, L, Cr) in elettro.kernel.india.
_WESTERN_UNITS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(10**12), "T"),
    (Decimal(10**9), "B"),
    (Decimal(10**6), "M"),
    (Decimal(10**3), "K"),
)

# Axis steps are these multiples of a power of ten: round enough to read at a glance.
_NICE_MULTIPLES = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))


def normalize_currency(currency: str | None) -> str:
    """Upper-case ISO code; a company without one set is an Indian company."""
    return (currency or "INR").strip().upper() or "INR"


def currency_symbol(currency: str | None) -> str:
    """What goes before the digits: '₹', '$', 'AED ', or the code and a space for unknown currencies."""
    code = normalize_currency(currency)
    return _CURRENCIES[code][0] if code in _CURRENCIES else f"{code} "


def currency_decimals(currency: str | None) -> int:
    """Minor units: 2 for most, 3 for the Gulf dinars and the Omani rial, 0 for yen, which has no subunit in use."""
    code = normalize_currency(currency)
    return _CURRENCIES[code][1] if code in _CURRENCIES else 2


def is_known_currency(currency: str | None) -> bool:
    """Is this a code a company can pick (signup, Settings, `create_company --currency`)?"""
    return (currency or "").strip().upper() in _CURRENCIES


def currency_problem(currency: str | None) -> str | None:
    """Why a company cannot have this currency, or None when it can."""
    if is_known_currency(currency):
        return None
    return "Choose a currency from the list, such as INR for rupees or USD for US dollars."


def to_decimal(value: Amount) -> Decimal:
    """Decimal from anything a view hands over; floats via str() so 0.1 stays 0.1, not its binary neighbour."""
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as error:
            raise ValueError(f"Not an amount: {value!r}") from error
    if not number.is_finite():
        raise ValueError(f"Not a finite amount: {value!r}")
    return number


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _quantize(number: Decimal, decimals: int) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _group(number: Decimal, decimals: int, *, indian: bool) -> tuple[str, str]:
    """(sign, grouped digits) of a rounded number; -0.00 is plain 0.00 so nothing shows '-$0.00'."""
    rounded = _quantize(number, decimals)
    sign = "-" if rounded < 0 else ""
    magnitude = abs(rounded)
    if not indian:
        return sign, f"{magnitude:,.{decimals}f}"
    integer, _, fraction = f"{magnitude:.{decimals}f}".partition(".")
    return sign, group_indian(integer) + (f".{fraction}" if fraction else "")


def format_money(value: Amount | None, currency: str = "INR", decimals: int | None = None) -> str:
    """Full amount: ₹98,38,141.37, $1,234,567.89, AED 1,234.00, ¥1,234,568; '' when there is no amount.

    `decimals` defaults to the currency's minor units (2; 3 for KWD, BHD, OMR). Currencies without a minor unit
    in use (yen) are always shown in whole units, whatever `decimals` says.
    """
    if _is_missing(value):
        return ""
    number = to_decimal(value)
    code = normalize_currency(currency)
    minor = currency_decimals(code)
    places = (minor if decimals is None else decimals) if minor else 0
    if code == "INR":
        return format_inr(number, decimals=places)
    sign, digits = _group(number, places, indian=False)
    return f"{sign}{currency_symbol(code)}{digits}"


def _three_significant(magnitude: Decimal) -> Decimal:
    """Round to 3 significant figures before picking a unit, so 999,950 becomes 1.00M rather than 1000K."""
    if magnitude < 1000:
        return _quantize(magnitude, 0)
    return magnitude.quantize(Decimal(1).scaleb(magnitude.adjusted() - 2), rounding=ROUND_HALF_UP)


def _compact_digits(scaled: Decimal) -> str:
    places = 2 if scaled < 10 else 1 if scaled < 100 else 0
    return f"{_quantize(scaled, places):.{places}f}"


def format_money_compact(value: Amount | None, currency: str = "INR") -> str:
    """Short form for cards and axes: ₹98.4 L, ₹4.52 Cr, $9.84M, $862K, $950; '' when there is no amount."""
    if _is_missing(value):
        return ""
    number = to_decimal(value)
    code = normalize_currency(currency)
    if code == "INR":
        return format_inr_compact(number)
    sign = "-" if number < 0 else ""
    rounded = _three_significant(abs(number))
    if rounded == 0:
        sign = ""
    prefix = f"{sign}{currency_symbol(code)}"
    for size, suffix in _WESTERN_UNITS:
        if rounded >= size:
            return f"{prefix}{_compact_digits(rounded / size)}{suffix}"
    return f"{prefix}{rounded:.0f}"


def format_number(value: Amount | None, currency: str = "INR", decimals: int = 0) -> str:
    """A count as the company's readers group it: 5,00,000 for rupee companies, 500,000 for everyone else."""
    if _is_missing(value):
        return ""
    sign, digits = _group(to_decimal(value), decimals, indian=normalize_currency(currency) == "INR")
    return sign + digits


def _nice_steps(raw: Decimal) -> Iterator[Decimal]:
    """1/2/2.5/5 × 10ⁿ steps from the smallest that is at least `raw`, upwards; never below one whole unit,
    because compact labels are whole units under 1,000 and a ₹0.5 tick would be labelled ₹1."""
    power = Decimal(1).scaleb(raw.adjusted()) if raw > 1 else Decimal(1)
    while True:
        for multiple in _NICE_MULTIPLES:
            if multiple * power >= raw:
                yield multiple * power
        power *= 10


def _labelled_exactly(tick: Decimal) -> bool:
    """Compact labels show whole units under 1,000 and 3 significant figures above (whole crores past ₹100 Cr),
    so a tick with more digits than that would be labelled with a number it is not."""
    if tick != tick.to_integral_value():
        return False
    return abs(tick) < 1000 or len(tick.normalize().as_tuple().digits) <= 3


def axis_ticks(
    max_value: Amount | None,
    currency: str = "INR",
    count: int = 5,
    *,
    min_value: Amount | None = None,
) -> tuple[list[float], list[str]]:
    """Plotly tickvals and ticktext for a money axis, since Plotly's own labels cannot say lakh or crore.

    Ticks run from 0 (or below, to cover a negative `min_value`) to at least `max_value`, about `count` of
    them; an axis with nothing above or below zero gets the single tick 0.
    """
    high = max(to_decimal(max_value), Decimal(0)) if not _is_missing(max_value) else Decimal(0)
    low = min(to_decimal(min_value), Decimal(0)) if not _is_missing(min_value) else Decimal(0)
    if high == low:
        return [0.0], [format_money_compact(0, currency)]
    for step in _nice_steps((high - low) / max(count - 1, 1)):
        first = int((low / step).to_integral_value(rounding=ROUND_FLOOR))
        last = int((high / step).to_integral_value(rounding=ROUND_CEILING))
        ticks = [index * step for index in range(first, last + 1)]
        if all(_labelled_exactly(tick) for tick in ticks):
            break
    return [float(tick) for tick in ticks], [format_money_compact(tick, currency) for tick in ticks]


def format_percent(value: Amount | None, decimals: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.123 -> 12.3% (or +12.3% when signed); '–' when there is no value,
    because an empty cell in a percentage column reads as zero."""
    if _is_missing(value):
        return "–"
    percent = _quantize(to_decimal(value) * 100, decimals)
    if percent == 0:
        percent = abs(percent)
    sign = "+" if signed and percent > 0 else ""
    return f"{sign}{percent:.{decimals}f}%"
