"""What the shop corpus shares: seeded people and catalogues, money, file writers and the analyst's tally.

Nothing here knows how the product reads a file. The tally adds up the generator's own records, the way an analyst
would from the vendor's screen: a line counts or not, it belongs to an order and maybe to a customer, and it is in
the company's currency or not.
"""

from __future__ import annotations

import csv
import random
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from tests.ingestion.field_exports.truth import Truth

CENT = Decimal("0.01")
BAISA = Decimal("0.001")  # Omani rial: three decimals


def money(value: Decimal | int | str, places: Decimal = CENT) -> Decimal:
    return Decimal(value).quantize(places, ROUND_HALF_UP)


def plain(value: Decimal, places: int = 2) -> str:
    """1234.5 -> '1234.50': how most exports write an amount."""
    return f"{value:.{places}f}"


def western(value: Decimal, places: int = 2, sign: str = "") -> str:
    """1234567.5 -> '1,234,567.50' (WooCommerce and Shopify's grouping, with an optional currency sign)."""
    text = f"{abs(value):,.{places}f}"
    return f"{'-' if value < 0 else ''}{sign}{text}"


def indian(value: Decimal, places: int = 2) -> str:
    """123456.5 -> '1,23,456.50': lakhs and crores, as Indian ERPs print amounts."""
    text = f"{abs(value):.{places}f}"
    whole, _, fraction = text.partition(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join([*groups, tail])
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{fraction}" if places else f"{sign}{whole}"


def fiscal_year(day: date) -> int:
    """The Indian fiscal year a day falls in, by its starting year (1-Apr-2025 -> 2025, 31-Mar-2025 -> 2024)."""
    return day.year if day.month >= 4 else day.year - 1


def moment(rng: random.Random, start: date, end: date, *, hours: tuple[int, int] = (8, 23)) -> datetime:
    """A time of day on a day between start and end (inclusive), business hours by default."""
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    return datetime(day.year, day.month, day.day, rng.randrange(*hours), rng.randrange(60), rng.randrange(60))


def weighted(rng: random.Random, choices: Sequence[tuple[object, float]]) -> object:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


# ---------------------------------------------------------------- people and places

FIRST_NAMES = (
    "Aarav", "Aditi", "Akash", "Ananya", "Anil", "Anjali", "Arjun", "Bhavna", "Deepak", "Divya", "Farhan", "Gaurav",
    "Geeta", "Harish", "Isha", "Jaya", "Karan", "Kavita", "Lakshmi", "Mahesh", "Meera", "Mohit", "Neha", "Nikhil",
    "Pooja", "Pradeep", "Priya", "Rahul", "Rajesh", "Ravi", "Rekha", "Rohan", "Sachin", "Sakshi", "Sandeep", "Sanjay",
    "Shreya", "Simran", "Sneha", "Sunil", "Suresh", "Swati", "Tanvi", "Uday", "Varun", "Vidya", "Vikram", "Yash",
    "Zoya", "Imran", "Fatima", "Joseph", "Mary", "Gurpreet", "Harpreet", "Kiran", "Lalit", "Naveen", "Omkar", "Payal",
)  # fmt: skip
LAST_NAMES = (
    "Sharma", "Verma", "Patel", "Shah", "Mehta", "Iyer", "Nair", "Reddy", "Rao", "Gupta", "Agarwal", "Joshi",
    "Kulkarni", "Deshpande", "Pillai", "Menon", "Singh", "Kaur", "Khan", "Sheikh", "D'Souza", "Fernandes", "Banerjee",
    "Chatterjee", "Mukherjee", "Das", "Bose", "Ghosh", "Chauhan", "Yadav", "Mishra", "Pandey", "Tiwari", "Saxena",
    "Bhatt", "Trivedi", "Jain", "Kapoor", "Malhotra", "Sethi",
)  # fmt: skip
US_FIRST_NAMES = (
    "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas", "Mia", "Logan",
    "Amelia", "Aiden", "Harper", "Carter", "Evelyn", "Jackson", "Abigail", "Priya", "Arjun", "Wei", "Mei",
)  # fmt: skip
US_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Patel", "Chen",
)  # fmt: skip
BUSINESS_WORDS = (
    "Traders", "Electricals", "Agencies", "Hardware", "Distributors", "Engineering Works", "Power Solutions",
    "Switchgears", "Sales Corporation", "Cables", "Marketing", "Automation",
)  # fmt: skip
CITIES = (  # (city, state, Shopify province code, GST state code)
    ("Mumbai", "Maharashtra", "MH", "27"),
    ("Pune", "Maharashtra", "MH", "27"),
    ("Nagpur", "Maharashtra", "MH", "27"),
    ("Nashik", "Maharashtra", "MH", "27"),
    ("Ahmedabad", "Gujarat", "GJ", "24"),
    ("Surat", "Gujarat", "GJ", "24"),
    ("Bengaluru", "Karnataka", "KA", "29"),
    ("Mysuru", "Karnataka", "KA", "29"),
    ("Chennai", "Tamil Nadu", "TN", "33"),
    ("Coimbatore", "Tamil Nadu", "TN", "33"),
    ("Hyderabad", "Telangana", "TS", "36"),
    ("Kochi", "Kerala", "KL", "32"),
    ("New Delhi", "Delhi", "DL", "07"),
    ("Gurugram", "Haryana", "HR", "06"),
    ("Jaipur", "Rajasthan", "RJ", "08"),
    ("Lucknow", "Uttar Pradesh", "UP", "09"),
    ("Kolkata", "West Bengal", "WB", "19"),
    ("Indore", "Madhya Pradesh", "MP", "23"),
    ("Bhubaneswar", "Odisha", "OR", "21"),
    ("Chandigarh", "Chandigarh", "CH", "04"),
    ("Goa", "Goa", "GA", "30"),
)
US_PLACES = (
    ("San Jose", "CA"), ("Los Angeles", "CA"), ("Austin", "TX"), ("Houston", "TX"), ("Edison", "NJ"), ("Seattle", "WA"),
    ("Chicago", "IL"), ("New York", "NY"), ("Atlanta", "GA"), ("Boston", "MA"), ("Denver", "CO"), ("Miami", "FL"),
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    city: str
    state: str
    province: str  # Shopify's province code: MH, KA... or a US state
    phone: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


MAIL_DOMAINS = ("gmail.com", "yahoo.co.in", "outlook.com", "rediffmail.com", "hotmail.com")


def people(rng: random.Random, count: int, *, us: bool = False) -> list[Person]:
    """Distinct shoppers: no two share a name or an email, so an analyst counting either gets the same answer."""
    firsts, lasts = (US_FIRST_NAMES, US_LAST_NAMES) if us else (FIRST_NAMES, LAST_NAMES)
    pairs = rng.sample([(first, last) for first in firsts for last in lasts], count)
    result, emails = [], set()
    for first, last in pairs:
        handle = rng.choice((f"{first}.{last}", f"{first}{last[0]}", f"{first[0]}{last}", f"{first}_{last}"))
        handle = handle.lower().replace("'", "") + (str(rng.randrange(10, 99)) if rng.random() < 0.4 else "")
        email = f"{handle}@{rng.choice(MAIL_DOMAINS)}"
        while email in emails:
            email = f"{handle}{rng.randrange(100, 999)}@{rng.choice(MAIL_DOMAINS)}"
        emails.add(email)
        if us:
            city, province = rng.choice(US_PLACES)
            state, phone = province, f"+1{rng.randrange(200, 999)}{rng.randrange(1000000, 9999999)}"
        else:
            city, state, province, _ = rng.choice(CITIES)
            phone = f"+91{rng.choice('6789')}{rng.randrange(100000000, 999999999)}"
        result.append(Person(first, last, email, city, state, province, phone))
    return result


def businesses(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """Distinct trading names with their city and state: 'Mehta Switchgears', 'Iyer Cables', ..."""
    names = rng.sample([f"{last} {word}" for last in LAST_NAMES for word in BUSINESS_WORDS], count)
    result = []
    for name in names:
        city, state, _, _ = rng.choice(CITIES)
        result.append((name, city, state))
    return result


def name_key(text: str) -> str:
    """How an analyst tells two spellings of one name apart: case, spaces and punctuation don't matter."""
    return "".join(char for char in text.casefold() if char.isalnum())


# ---------------------------------------------------------------- catalogues


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    price: Decimal  # list price, before tax, in the catalogue's currency
    gst: Decimal  # rate in percent
    unit: str = "Nos"
    hsn: str = ""


def _items(rows: Iterable[tuple]) -> tuple[Item, ...]:
    return tuple(Item(sku, name, Decimal(price), Decimal(gst), *rest) for sku, name, price, gst, *rest in rows)


# An Indian D2C apparel and home brand selling on its own site and the marketplaces.
SHOP_ITEMS = _items(
    (
        ("KUR-BLU-M", "Cotton Kurta - Blue / M", "899.00", "5"),
        ("KUR-BLU-L", "Cotton Kurta - Blue / L", "899.00", "5"),
        ("KUR-MAR-M", "Cotton Kurta - Maroon / M", "949.00", "5"),
        ("KUR-MAR-XL", "Cotton Kurta - Maroon / XL", "949.00", "5"),
        ("DUP-SLK-RED", "Silk Blend Dupatta - Red", "649.00", "5"),
        ("DUP-SLK-GRN", "Silk Blend Dupatta - Green", "649.00", "5"),
        ("SAR-CHN-01", "Chanderi Saree with Blouse Piece", "2499.00", "5"),
        ("SAR-BAN-02", "Banarasi Art Silk Saree", "3299.00", "5"),
        ("BED-DBL-IND", "Indigo Block Print Double Bedsheet (2 Pillow Covers)", "1299.00", "12"),
        ("BED-SGL-FLR", "Floral Single Bedsheet", "699.00", "12"),
        ("CUS-JUT-40", "Jute Cushion Cover 40x40 cm (Set of 2)", "499.00", "12"),
        ("TWL-BTH-GRY", "Bamboo Bath Towel - Grey", "799.00", "12"),
        ("TWL-HND-SET", "Hand Towel Set of 4", "599.00", "12"),
        ("MUG-KHD-350", "Khadi Print Ceramic Mug 350 ml", "349.00", "12"),
        ("BTL-CPR-1L", "Copper Water Bottle 1 L", "1099.00", "12"),
        ("CDL-SAN-200", "Sandalwood Soy Candle 200 g", "449.00", "18"),
        ("DIF-REE-LAV", "Reed Diffuser - Lavender 100 ml", "699.00", "18"),
        ("BAG-TOT-CNV", 'Canvas Tote Bag "Chai Lover"', "399.00", "12"),
        ("WAL-LTH-BRN", "Leather Bi-fold Wallet - Brown", "1199.00", "18"),
        ("STL-CTN-M", "Cotton Stole, 180 cm", "549.00", "5"),
        ("RUG-DHR-46", "Handwoven Dhurrie 4x6 ft", "2199.00", "12"),
        ("LMP-BRS-01", "Brass Diya Table Lamp", "1899.00", "12"),
        ("TRY-WOD-SRV", "Mango Wood Serving Tray", "999.00", "12"),
        ("PLT-TER-06", "Terracotta Planter 6 inch", "299.00", "12"),
        ("JWL-OXD-ER", "Oxidised Silver Jhumka Earrings", "399.00", "3"),
        ("JWL-KDN-NK", "Kundan Necklace Set", "1799.00", "3"),
        ("SOP-NEE-125", "Neem & Tulsi Handmade Soap 125 g", "149.00", "18"),
        ("OIL-HAR-200", "Ayurvedic Hair Oil 200 ml", "299.00", "18"),
        ("TEA-MSL-250", "Masala Chai 250 g", "275.00", "5"),
        ("DRY-MIX-500", "Dry Fruit Mix 500 g", "649.00", "12"),
    )
)

US_SHOP_ITEMS = _items(
    (
        ("KUR-BLU-M", "Cotton Kurta - Blue / M", "34.99", "0"),
        ("KUR-MAR-L", "Cotton Kurta - Maroon / L", "36.99", "0"),
        ("SAR-CHN-01", "Chanderi Saree with Blouse Piece", "89.00", "0"),
        ("DUP-SLK-RED", "Silk Blend Dupatta - Red", "24.50", "0"),
        ("BED-QN-IND", "Indigo Block Print Queen Duvet Cover", "79.00", "0"),
        ("CUS-JUT-18", "Jute Pillow Cover 18x18 (Set of 2)", "22.00", "0"),
        ("MUG-KHD-12", "Khadi Print Mug 12 oz", "14.99", "0"),
        ("BTL-CPR-34", "Copper Water Bottle 34 oz", "29.99", "0"),
        ("CDL-SAN-7", "Sandalwood Soy Candle 7 oz", "18.00", "0"),
        ("TEA-MSL-8", "Masala Chai Loose Leaf 8 oz", "12.99", "0"),
        ("JWL-OXD-ER", "Oxidized Silver Jhumka Earrings", "16.00", "0"),
        ("RUG-DHR-46", "Handwoven Dhurrie Rug 4x6", "119.00", "0"),
        ("LMP-BRS-01", "Brass Diya Table Lamp", "64.00", "0"),
        ("TRY-WOD-SRV", "Mango Wood Serving Tray", "38.00", "0"),
        ("SOP-NEE-4", "Neem & Tulsi Soap 4 oz", "7.50", "0"),
    )
)

# An electrical-goods manufacturer selling to dealers: what its ERP bills.
ERP_ITEMS = _items(
    (
        ("FG-CBL-0150", "FR PVC Copper Wire 1.5 sq mm (90 m)", "1485.00", "18", "Coil", "85444999"),
        ("FG-CBL-0250", "FR PVC Copper Wire 2.5 sq mm (90 m)", "2390.00", "18", "Coil", "85444999"),
        ("FG-CBL-0400", "FR PVC Copper Wire 4 sq mm (90 m)", "3760.00", "18", "Coil", "85444999"),
        ("FG-CBL-A16", "Armoured Cable 4C x 16 sq mm Al", "412.50", "18", "Mtr", "85446090"),
        ("FG-MCB-SP06", "MCB SP 6A C-Curve", "168.00", "18", "Nos", "85362010"),
        ("FG-MCB-SP32", "MCB SP 32A C-Curve", "184.00", "18", "Nos", "85362010"),
        ("FG-MCB-DP63", "MCB DP 63A C-Curve", "612.00", "18", "Nos", "85362010"),
        ("FG-RCC-4P40", "RCCB 4P 40A 30mA", "2985.00", "18", "Nos", "85362090"),
        ("FG-DB-8W", "Distribution Board 8 Way DD", "1320.00", "18", "Nos", "85371000"),
        ("FG-SW-6A", "Modular Switch 6A 1-Way (Pack of 10)", "640.00", "18", "Pack", "85365090"),
        ("FG-SKT-16", "Modular Socket 16A 6-Pin", "215.00", "18", "Nos", "85366990"),
        ("FG-LED-09", "LED Bulb 9W B22 Cool Day Light", "72.00", "12", "Nos", "85395000"),
        ("FG-LED-PNL", "LED Panel 2x2 36W", "1150.00", "12", "Nos", "94054900"),
        ("FG-FAN-1200", "Ceiling Fan 1200 mm BLDC", "2890.00", "18", "Nos", "84145110"),
        ("FG-CND-20", "PVC Conduit Pipe 20 mm (3 m)", "38.50", "18", "Len", "39172390"),
        ("FG-EXT-4S", "Extension Board 4 Socket with Surge", "455.00", "18", "Nos", "85366990"),
        ("FG-TRM-25", "Brass Terminal Lug 25 sq mm (Pkt 100)", "980.00", "18", "Pkt", "85369090"),
        ("FG-INS-TP", "PVC Insulation Tape 18 mm (Pack of 10)", "120.00", "18", "Pack", "39199090"),
        ("FG-STB-5K", "Voltage Stabiliser 5 kVA", "6350.00", "18", "Nos", "85044090"),
        ("FG-SPD-T2", "Surge Protection Device Type 2", "1875.00", "18", "Nos", "85363000"),
    )
)

# A neighbourhood supermarket's billing counter: rates include GST (MRP), loose goods sold by the kilo.
POS_ITEMS = (
    ("Toor Dal (Loose)", Decimal("148.00"), True),
    ("Basmati Rice Premium (Loose)", Decimal("129.00"), True),
    ("Sugar (Loose)", Decimal("46.00"), True),
    ("Atta Chakki Fresh 5 kg", Decimal("265.00"), False),
    ("Sunflower Oil 1 L Pouch", Decimal("142.00"), False),
    ("Amul Butter 100 g", Decimal("58.00"), False),
    ("Amul Taaza Milk 500 ml", Decimal("27.00"), False),
    ("Parle-G 250 g", Decimal("25.00"), False),
    ("Tata Salt 1 kg", Decimal("28.00"), False),
    ("Maggi Noodles 4 Pack", Decimal("56.00"), False),
    ("Surf Excel Easy Wash 1 kg", Decimal("140.00"), False),
    ("Colgate Strong Teeth 200 g", Decimal("105.00"), False),
    ("Onion (Loose)", Decimal("38.00"), True),
    ("Potato (Loose)", Decimal("32.00"), True),
    ("Tomato (Loose)", Decimal("44.00"), True),
    ("Banana (Dozen)", Decimal("60.00"), False),
    ("Britannia Good Day 200 g", Decimal("40.00"), False),
    ("Haldiram Bhujia 400 g", Decimal("110.00"), False),
    ("Red Label Tea 500 g", Decimal("285.00"), False),
    ("Vim Bar 300 g", Decimal("30.00"), False),
    ("Dettol Soap 125 g x 4", Decimal("196.00"), False),
    ("Eggs (Tray of 30)", Decimal("198.00"), False),
    ("Paneer 200 g", Decimal("90.00"), False),
    ("Coriander Bunch", Decimal("15.00"), False),
)


# ---------------------------------------------------------------- the analyst's tally


@dataclass
class Tally:
    """The figures, added up from the generator's own records line by line.

    `line` is called once for every line written to the file. A line in another currency is kept but never added;
    a line that doesn't count (cancelled, returned, a quotation...) is kept but adds nothing; a line that counts adds
    its revenue, its order and its customer (when it has one).
    """

    currency: str = "INR"
    revenue: Decimal = Decimal(0)
    orders: set[object] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)
    lines: int = 0
    other_currency: int = 0
    _totals_taken: set[object] = field(default_factory=set)

    def line(
        self,
        *,
        order: object,
        amount: Decimal = Decimal(0),
        counts: bool = True,
        customer: str | None = None,
        currency: str | None = None,
    ) -> None:
        self.lines += 1
        if currency is not None and currency != self.currency:
            self.other_currency += 1
            return
        if not counts:
            return
        self.revenue += amount
        self.orders.add(order)
        if customer:
            self.customers.add(customer)

    def order_total_once(self, order: object, total: Decimal) -> None:
        """A per-order total printed on each of its lines: taken once for the order, never per line."""
        if order not in self._totals_taken:
            self._totals_taken.add(order)
            self.revenue += total

    def truth(self, *, assert_lines: bool = True) -> Truth:
        return Truth(
            revenue=self.revenue,
            orders=len(self.orders),
            customers=len(self.customers),
            lines_loaded=self.lines if assert_lines else None,
            other_currency_lines=self.other_currency,
        )


# ---------------------------------------------------------------- writers


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8",
    newline: str = "\r\n",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(["" if value is None else value for value in row] for row in rows)
    return path


def write_lines(path: Path, lines: Iterable[Sequence[object]], *, sep: str, encoding: str = "utf-8") -> Path:
    """Unquoted delimited text (Amazon's flat files): the writer trusts the fields to hold no separator."""
    with path.open("w", encoding=encoding, newline="") as handle:
        for fields in lines:
            texts = ["" if value is None else str(value) for value in fields]
            assert not any(sep in text or "\n" in text for text in texts), texts
            handle.write(sep.join(texts) + "\n")
    return path


_EPOCH = datetime(1899, 12, 30)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _serial(value: date) -> str:
    """Excel's day number for a date or a date and time (the 1900 system)."""
    moment_ = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    delta = moment_ - _EPOCH
    serial = Decimal(delta.days) + Decimal(delta.seconds) / Decimal(86400)
    return format(serial.quantize(Decimal("0.00000001")).normalize(), "f")


def write_xlsx(
    path: Path,
    sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[object]]]],
    *,
    date_format: str = "dd-mm-yyyy",
    datetime_format: str = "yyyy-mm-dd hh:mm:ss",
    number_formats: dict[str, str] | None = None,
) -> Path:
    """A workbook as Excel saves it: shared strings, real date cells with a display format, and real numbers.

    ``number_formats`` maps a column name to its display format ('#,##0.00'). Written part by part: openpyxl
    takes most of a second for a thousand rows, this takes a tenth.
    """
    strings: dict[str, int] = {}
    styles: dict[str, int] = {}  # format code -> cell style index (0 is General)

    def style(code: str) -> int:
        return styles.setdefault(code, len(styles) + 1)

    def text(value: str) -> str:
        return f'<c r="{{ref}}" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>'

    sheet_parts = []
    for header, rows in sheets.values():
        formats = [(number_formats or {}).get(name) for name in header]
        lines = []
        for row_number, row in enumerate([header, *rows], start=1):
            cells = []
            for index, value in enumerate(row):
                if value is None or value == "":
                    continue
                ref = f"{_column(index)}{row_number}"
                if isinstance(value, bool):
                    cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, date):
                    code = datetime_format if isinstance(value, datetime) else date_format
                    cells.append(f'<c r="{ref}" s="{style(code)}"><v>{_serial(value)}</v></c>')
                elif isinstance(value, (int, float, Decimal)):
                    number = format(value, "f") if isinstance(value, Decimal) else repr(value)
                    code = formats[index] if row_number > 1 else None
                    styled = f' s="{style(code)}"' if code else ""
                    cells.append(f'<c r="{ref}"{styled}><v>{number}</v></c>')
                else:
                    cells.append(text(str(value)).replace("{ref}", ref))
            lines.append(f'<row r="{row_number}">{"".join(cells)}</row>')
        sheet_parts.append(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
            f'xmlns:r="{_RELS}"><sheetData>{"".join(lines)}</sheetData></worksheet>'
        )

    shared = "".join(
        f'<si><t xml:space="preserve">{escape(value)}</t></si>'
        if value != value.strip()
        else f"<si><t>{escape(value)}</t></si>"
        for value in strings
    )
    number_formats_xml = "".join(
        f'<numFmt numFmtId="{163 + index}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
        for code, index in styles.items()
    )
    cell_styles = "".join(
        f'<xf numFmtId="{163 + index}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for index in styles.values()
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{number}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for number in range(1, len(sheet_parts) + 1)
            )
            + '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
            "<sheets>"
            + "".join(
                f'<sheet name="{escape(title)}" sheetId="{number}" r:id="rId{number}"/>'
                for number, title in enumerate(sheets, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE_RELS}">'
            + "".join(
                f'<Relationship Id="rId{number}" Type="{_RELS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
                for number in range(1, len(sheet_parts) + 1)
            )
            + f'<Relationship Id="rId{len(sheet_parts) + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{len(sheet_parts) + 2}" Type="{_RELS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(styles)}">{number_formats_xml}</numFmts>' if styles else "")
            + '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(styles) + 1}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            f"{cell_styles}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>'
        ),
    }
    for number, sheet in enumerate(sheet_parts, start=1):
        parts[f"xl/worksheets/sheet{number}.xml"] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path
