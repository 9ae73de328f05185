"""The small world the accounting exports are drawn from: parties, stock items, invoices, and how Indian
accounting software spells them (Tally dates, lakh-grouped amounts, "10 Nos", "1,250.00/Nos").

Every generator owns its records: an `Invoice` knows its party by a key, so a truth counts parties by that key and
never by folding the names the file spells. Names are made so that no two parties fold to the same name even under
an aggressive folding (no prefix, no suffix, no punctuation), while one party's spellings differ only by case,
spacing, "M/s." and the spelling of "Pvt. Ltd.": the product may merge those, and must never merge two parties.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from elettro.kernel.india import group_indian, gstin_check_digit

HOME_STATE = "27"  # the test company's home state (Maharashtra): CGST + SGST inside it, IGST outside
PAISA = Decimal("0.01")
RUPEE = Decimal("1")
FY_START = date(2024, 4, 1)
FY_END = date(2025, 3, 31)

COMPANY_NAME = "Shree Sai Electricals Pvt. Ltd."
COMPANY_ADDRESS = ("Plot 14, Sector 7, MIDC Bhosari", "Pune - 411026, Maharashtra")
COMPANY_GSTIN = "27AAKCS4417M1Z" + gstin_check_digit("27AAKCS4417M1Z")


def money(value: Decimal | int | str) -> Decimal:
    """Rupees to the paisa, halves away from zero, as Tally and the GST portal round."""
    return Decimal(value).quantize(PAISA, rounding=ROUND_HALF_UP)


ZERO = Decimal("0.00")


def sum_of(values) -> Decimal:
    """The sum of amounts, ₹0.00 when there are none."""
    return sum(values, ZERO)


def rupees(value: Decimal) -> Decimal:
    """Rounded to the whole rupee (an invoice's "Round Off")."""
    return value.quantize(RUPEE, rounding=ROUND_HALF_UP).quantize(PAISA)


# ---------------------------------------------------------------- how the software spells things


def group_lakh(value: Decimal, *, tally_negative: bool = False) -> str:
    """'1,23,456.00': the last three digits, then pairs. Negative as '-1,234.00', or Tally's '(-)1,234.00'."""
    integer, fraction = f"{abs(money(value)):.2f}".split(".")
    grouped = group_indian(integer)
    sign = ("(-)" if tally_negative else "-") if value < 0 else ""
    return f"{sign}{grouped}.{fraction}"


def tally_date(day: date) -> str:
    """'1-Jul-24', as Tally prints a date."""
    return f"{day.day}-{day:%b}-{day:%y}"


def tally_quantity(quantity: Decimal, unit: str) -> str:
    """'10 Nos', '250.00 Mtr', '12.500 Kg'."""
    places = UNIT_PLACES[unit]
    return f"{quantity:.{places}f} {unit}"


def tally_rate(rate: Decimal, unit: str) -> str:
    """'1,250.00/Nos'."""
    return f"{group_lakh(rate)}/{unit}"


def fiscal_label(day: date) -> str:
    """'24-25' for a day in FY 2024-25."""
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first % 100:02d}-{(first + 1) % 100:02d}"


def business_days(start: date, end: date, rng: random.Random, *, sundays: float = 0.05) -> list[date]:
    """Every working day from start to end: Mondays to Saturdays, and now and then a Sunday; a few holidays shut."""
    days = []
    day = start
    while day <= end:
        open_today = rng.random() < sundays if day.weekday() == 6 else rng.random() > 0.03
        if open_today:
            days.append(day)
        day += timedelta(days=1)
    return days


# ---------------------------------------------------------------- parties

_PREFIXES = (
    "Sharma", "Patil", "Deshmukh", "Kulkarni", "Joshi", "Shinde", "Jadhav", "Pawar", "Gaikwad", "Agarwal",
    "Gupta", "Jain", "Mehta", "Shah", "Patel", "Desai", "Iyer", "Reddy", "Naidu", "Menon", "Banerjee", "Malhotra",
    "Kapoor", "Shaikh", "Chavan", "Bhosale", "Wagh", "Thakur", "Rathod", "Salunkhe",
    "Shree Ganesh", "Om Sai", "Jai Bhavani", "Sai Krupa", "Mahalaxmi", "Balaji", "Siddhivinayak", "Vighnaharta",
    "Sahyadri", "Deccan", "Konkan", "Indrayani", "Pavana", "Godavari", "Narmada", "Trimurti", "Swami Samarth",
    "Jyotiba", "Tulja Bhavani", "Ekvira",
)  # fmt: skip
_TRADES = (
    "Electricals", "Electric Stores", "Traders", "Enterprises", "Hardware", "Engineering Works", "Agencies",
    "Switchgear Company", "Power Solutions", "Lighting House", "Industries", "Sales Corporation", "Distributors",
    "Electro Systems", "Cable House", "Pumps and Motors",
)  # fmt: skip
_PEOPLE = (
    "Rajesh Verma", "Anil Menon", "Sunita Kale", "Prakash Nikam", "Vaishali Pande", "Mohammed Irfan Ansari",
    "Kiran Bhat", "Suresh Yadav", "Meera Krishnan", "Ganesh Lokhande", "Neha Kulshreshtha", "Arvind Tiwari",
)  # fmt: skip
_STATES = ("27",) * 14 + ("24", "24", "29", "29", "07", "33", "09", "30", "23")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

CASH_PARTY = "Cash"  # Tally's cash ledger, the Particulars of a counter sale: a walk-in, not a customer


@dataclass(frozen=True)
class Party:
    key: int  # the generator's identity of the party: truths count these
    name: str  # canonical spelling
    state: str  # GST state code
    gstin: str | None  # None: unregistered (B2C)
    code: str  # a party code, for the exports that carry one
    company: bool  # "Pvt. Ltd." in its name

    @property
    def intra_state(self) -> bool:
        return self.state == HOME_STATE

    def spelled(self, rng: random.Random, *, variety: float = 0.0) -> str:
        """The name as one row of a file spells it: now and then with or without "M/s.", in capitals, with a doubled
        space, or "Pvt Ltd" for "Pvt. Ltd." (all of which fold to the one party)."""
        if rng.random() >= variety:
            return self.name
        name = self.name
        kind = rng.randrange(5)
        if kind == 0:
            name = rng.choice(("M/s. ", "M/S ", "M/s ")) + name
        elif kind == 1:
            name = name.upper()
        elif kind == 2:
            words = name.split(" ")
            at = rng.randrange(1, len(words)) if len(words) > 1 else 1
            name = " ".join(words[:at]) + "  " + " ".join(words[at:])
        elif kind == 3 and self.company:
            name = name.replace("Pvt. Ltd.", rng.choice(("Pvt Ltd", "PVT. LTD.", "Pvt. Ltd")))
        else:
            name = "M/s. " + name + " "
        return name.rstrip() if kind != 4 else name


def aggressive_fold(name: str) -> str:
    """Stricter than any folding the product may do: used only to prove no two parties could be merged."""
    text = name.lower()
    text = re.sub(r"^m/s\.?\s*", "", text)
    text = re.sub(r"\b(pvt|private)\.?\s*(ltd|limited)\.?", "", text)
    text = re.sub(r"[^a-z0-9]+", "", text)
    return text


def make_pan(rng: random.Random, *, holder: str, initial: str) -> str:
    head = "".join(rng.choice(_LETTERS) for _ in range(3))
    return f"{head}{holder}{initial.upper()}{rng.randrange(10000):04d}{rng.choice(_LETTERS)}"


def make_gstin(state: str, pan: str, entity: str = "1") -> str:
    """A GSTIN with a valid check digit: state code, PAN, entity number, 'Z', check digit."""
    first14 = f"{state}{pan}{entity}Z"
    return first14 + gstin_check_digit(first14)


def make_parties(rng: random.Random, count: int, *, people: int = 3, start_key: int = 1) -> list[Party]:
    """`count` distinct trading parties (a quarter of them "Pvt. Ltd.", a fifth unregistered) and a few persons."""
    parties: list[Party] = []
    seen: set[str] = set()
    combos = [(prefix, trade) for prefix in _PREFIXES for trade in _TRADES]
    rng.shuffle(combos)
    used_prefixes: set[str] = set()
    for prefix, trade in combos:
        if len(parties) >= count:
            break
        if prefix in used_prefixes and rng.random() < 0.8:
            continue  # mostly one party per family name, so names read like a real ledger
        company = rng.random() < 0.25
        name = f"{prefix} {trade}" + (" Pvt. Ltd." if company else "")
        if aggressive_fold(name) in seen:
            continue
        seen.add(aggressive_fold(name))
        used_prefixes.add(prefix)
        state = rng.choice(_STATES)
        registered = company or rng.random() < 0.8
        gstin = (
            make_gstin(state, make_pan(rng, holder="C" if company else "F", initial=prefix[0])) if registered else None
        )
        key = start_key + len(parties)
        parties.append(Party(key, name, state, gstin, f"C{1000 + key}", company))
    for person in rng.sample(_PEOPLE, people):
        if aggressive_fold(person) in seen:
            continue
        seen.add(aggressive_fold(person))
        key = start_key + len(parties)
        parties.append(Party(key, person, HOME_STATE, None, f"C{1000 + key}", False))
    return parties


def weighted(rng: random.Random, parties: list[Party]) -> Party:
    """A party drawn with a long tail: the first parties buy far more often than the last."""
    weights = [1 / (1 + index) ** 0.6 for index in range(len(parties))]
    return rng.choices(parties, weights=weights)[0]


# ---------------------------------------------------------------- stock items

UNIT_PLACES = {"Nos": 0, "Pcs": 0, "Set": 0, "Box": 0, "Coil": 0, "Mtr": 2, "Kg": 3}


@dataclass(frozen=True)
class Item:
    name: str
    sku: str
    unit: str
    rate: Decimal
    gst: int  # percent


ITEMS: tuple[Item, ...] = tuple(
    Item(name, f"SKU-{index:03d}", unit, Decimal(rate), gst)
    for index, (name, unit, rate, gst) in enumerate(
        (
            ("FR PVC Copper Wire 1.5 sq mm (90 m Coil)", "Coil", "1840.00", 18),
            ("FR PVC Copper Wire 2.5 sq mm (90 m Coil)", "Coil", "2960.00", 18),
            ("FRLS Copper Wire 4.0 sq mm (90 m Coil)", "Coil", "5280.00", 18),
            ("XLPE Armoured Al Cable 3.5C x 25 sq mm", "Mtr", "168.00", 18),
            ("XLPE Armoured Al Cable 4C x 16 sq mm", "Mtr", "142.00", 18),
            ("MCB 16A SP C-Curve", "Nos", "189.00", 18),
            ("MCB 32A TP C-Curve", "Nos", "1245.00", 18),
            ("RCCB 40A 4P 30mA", "Nos", "3980.00", 18),
            ("MCCB 100A TP 25kA", "Nos", "8650.00", 18),
            ("8-Way TPN Distribution Board", "Nos", "4320.00", 18),
            ("Modular Switch 6A 1-Way", "Box", "540.00", 18),
            ("Modular Socket 16A 3-Pin", "Box", "1320.00", 18),
            ("LED Batten 20W 4 ft", "Nos", "265.00", 12),
            ("LED Panel 15W Round Recessed", "Nos", "410.00", 12),
            ("LED Flood Light 100W IP65", "Nos", "2290.00", 12),
            ("LED Street Light 60W", "Nos", "3150.00", 12),
            ("Ceiling Fan 1200 mm Energy Saver", "Nos", "2480.00", 18),
            ("Exhaust Fan 250 mm", "Nos", "1190.00", 18),
            ("Monoblock Pump 1 HP", "Nos", "7450.00", 12),
            ("Submersible Pump 1.5 HP V4", "Set", "15800.00", 12),
            ("Induction Motor 5 HP 4-Pole", "Nos", "18900.00", 12),
            ("Copper Earthing Strip 25 x 3 mm", "Kg", "985.000", 18),
            ("GI Earthing Electrode 2 m", "Nos", "1380.00", 18),
            ("PVC Conduit Pipe 25 mm (3 m)", "Pcs", "62.00", 18),
            ("Cable Tie 300 mm (Pack of 100)", "Box", "145.00", 18),
            ("Insulation Tape 18 mm", "Pcs", "18.50", 18),
            ("Lugs Copper 16 sq mm (Pack of 50)", "Box", "690.00", 18),
            ("Busbar Support Insulator SM-51", "Nos", "38.00", 18),
            ("Changeover Switch 63A 4P", "Nos", "2875.00", 18),
            ("Panel Meter Digital VAF", "Nos", "1650.00", 18),
        ),
        start=1,
    )
)


def draw_quantity(rng: random.Random, item: Item) -> Decimal:
    if item.unit == "Mtr":
        return Decimal(rng.choice((25, 50, 75, 100, 150, 250, 500))).quantize(Decimal("0.01"))
    if item.unit == "Kg":
        return (Decimal(rng.randrange(5000, 60000)) / 1000).quantize(Decimal("0.001"))
    if item.rate > 5000:
        return Decimal(rng.choice((1, 1, 1, 2, 2, 3, 4, 5)))
    if item.rate > 1000:
        return Decimal(rng.choice((1, 2, 2, 3, 4, 5, 6, 8, 10, 12)))
    return Decimal(rng.choice((5, 10, 10, 12, 20, 24, 25, 40, 50, 100)))


# ---------------------------------------------------------------- invoices


@dataclass
class Line:
    item: Item
    quantity: Decimal
    rate: Decimal
    discount_pct: Decimal  # 0 when none
    value: Decimal  # taxable value: quantity x rate less the discount, to the paisa
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def discount(self) -> Decimal:
        return money(self.quantity * self.rate) - self.value


@dataclass
class Invoice:
    day: date
    number: str
    party: Party | None  # None: a walk-in (counter) sale
    lines: list[Line]
    kind: str = "Sales"  # the voucher type as the file prints it
    cancelled: bool = False
    round_to_rupee: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def taxable(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal("0.00"))

    @property
    def cgst(self) -> Decimal:
        return sum((line.cgst for line in self.lines), Decimal("0.00"))

    @property
    def sgst(self) -> Decimal:
        return sum((line.sgst for line in self.lines), Decimal("0.00"))

    @property
    def igst(self) -> Decimal:
        return sum((line.igst for line in self.lines), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def exact_total(self) -> Decimal:
        return self.taxable + self.tax

    @property
    def total(self) -> Decimal:
        """What the invoice is for: rounded to the rupee when the company rounds off."""
        return rupees(self.exact_total) if self.round_to_rupee else self.exact_total

    @property
    def round_off(self) -> Decimal:
        return self.total - self.exact_total


def make_line(rng: random.Random, item: Item, intra_state: bool, *, discount: bool = False, taxed: bool = True) -> Line:
    quantity = draw_quantity(rng, item)
    discount_pct = (
        Decimal(rng.choice((0, 0, 0, 2, 5, 5, 7.5, 10))).quantize(Decimal("0.01")) if discount else Decimal(0)
    )
    value = money(quantity * item.rate * (100 - discount_pct) / 100)
    zero = Decimal("0.00")
    if not taxed:
        return Line(item, quantity, item.rate, discount_pct, value, zero, zero, zero)
    if intra_state:
        half = money(value * item.gst / Decimal(200))
        return Line(item, quantity, item.rate, discount_pct, value, half, half, zero)
    return Line(item, quantity, item.rate, discount_pct, value, zero, zero, money(value * item.gst / 100))


def make_lines(
    rng: random.Random, party: Party | None, count: tuple[int, int], *, discount: bool = False, taxed: bool = True
) -> list[Line]:
    intra = party is None or party.intra_state
    items = rng.sample(ITEMS, rng.randint(*count))
    return [make_line(rng, item, intra, discount=discount, taxed=taxed) for item in items]
