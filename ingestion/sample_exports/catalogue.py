"""The demo company's world: who sells what to whom, and the rules every sample export follows.

Everything here is fixed: the same names, GSTINs and prices whatever the seed, so a screenshot, a guide and
a test can all name "Sharma Electricals" or "FR PVC Insulated Copper Wire 1.5 sq mm (90 m Coil)". Seeds vary
the transactions the writers (tally, erp, invoice_lines) draw from this world, never the world itself.

The small helpers at the bottom (money rounding, the GST split, fiscal years, reproducible .xlsx files) are
shared by the writers.
"""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from elettro.kernel.india import GST_STATES, gstin_check_digit

HOME_STATE_CODE = "27"  # Maharashtra: CGST + SGST inside it, IGST everywhere else
DEMO_START = date(2024, 4, 1)
DEMO_END = date(2026, 3, 31)  # default end of the demo: FY 2024-25 and FY 2025-26 in full

PAISA = Decimal("0.01")


# ---------------------------------------------------------------- GSTINs


def make_gstin(state_code: str, pan: str, entity: str = "1") -> str:
    """A valid GSTIN: state code, PAN, entity number, 'Z', check digit."""
    first14 = f"{state_code}{pan}{entity}Z"
    return first14 + gstin_check_digit(first14)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def make_pan(rng: random.Random, *, holder: str, initial: str) -> str:
    """A PAN-shaped string: 3 letters, holder type (C company, F firm, P person, G government), initial, 4 digits,
    a letter."""
    head = "".join(rng.choice(_LETTERS) for _ in range(3))
    return f"{head}{holder}{initial.upper()}{rng.randrange(10000):04d}{rng.choice(_LETTERS)}"


# ---------------------------------------------------------------- the company


@dataclass(frozen=True)
class Company:
    name: str
    address: str
    city: str
    state: str
    gstin: str

    @property
    def state_code(self) -> str:
        return self.gstin[:2]


COMPANY = Company(
    name="Elettro Demo Distributors Pvt Ltd",
    address="Unit 7, Sai Industrial Estate, MIDC Bhosari, Pune - 411026, Maharashtra",
    city="Pune",
    state="Maharashtra",
    gstin=make_gstin(HOME_STATE_CODE, "AAHCE4821K"),
)


# ---------------------------------------------------------------- products


@dataclass(frozen=True)
class ProductLine:
    name: str
    code: str
    gst_rate: int  # percent
    hsn: str
    excluded_by_default: bool = False  # packaging and freight are not "sales" in the dashboards


CABLES = ProductLine("Cables & Wires", "CW", 18, "8544")
SWITCHGEAR = ProductLine("Switchgear", "SG", 18, "8536")
LIGHTING = ProductLine("Lighting", "LT", 12, "9405")
FANS = ProductLine("Fans", "FN", 28, "8414")
MOTORS = ProductLine("Motors & Pumps", "MP", 12, "8413")
PANELS = ProductLine("Panels", "PN", 18, "8537")
PACKAGING = ProductLine("Packaging Material", "PK", 18, "4819", excluded_by_default=True)
FREIGHT = ProductLine("Freight Charges", "FR", 5, "9965", excluded_by_default=True)

PRODUCT_LINES: tuple[ProductLine, ...] = (CABLES, SWITCHGEAR, LIGHTING, FANS, MOTORS, PANELS, PACKAGING, FREIGHT)
GOODS_LINES: tuple[ProductLine, ...] = tuple(line for line in PRODUCT_LINES if not line.excluded_by_default)

# Decimal places Tally prints for each unit of measure ("12 Nos", "250.00 Mtr", "12.500 Kg").
UNIT_DECIMALS = {"Nos": 0, "Pcs": 0, "Set": 0, "Coil": 0, "Box": 0, "Mtr": 2, "Kg": 3}


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    line: ProductLine
    unit: str  # "" for freight, which carries no quantity
    list_price: Decimal  # rupees per unit, before the customer's discount
    cost_ratio: Decimal  # purchase cost as a share of list price

    @property
    def gst_rate(self) -> int:
        return self.line.gst_rate


_PRODUCT_TABLE: dict[ProductLine, list[tuple[str, str, int]]] = {
    CABLES: [
        ("FR PVC Insulated Copper Wire 0.75 sq mm (90 m Coil)", "Coil", 980),
        ("FR PVC Insulated Copper Wire 1.0 sq mm (90 m Coil)", "Coil", 1290),
        ("FR PVC Insulated Copper Wire 1.5 sq mm (90 m Coil)", "Coil", 1840),
        ("FR PVC Insulated Copper Wire 2.5 sq mm (90 m Coil)", "Coil", 2960),
        ("FR PVC Insulated Copper Wire 4.0 sq mm (90 m Coil)", "Coil", 4650),
        ("FR PVC Insulated Copper Wire 6.0 sq mm (90 m Coil)", "Coil", 6890),
        ("FRLS PVC Copper Wire 1.5 sq mm (90 m Coil)", "Coil", 2090),
        ("FRLS PVC Copper Wire 2.5 sq mm (90 m Coil)", "Coil", 3340),
        ("FRLS PVC Copper Wire 4.0 sq mm (90 m Coil)", "Coil", 5280),
        ("LT XLPE Armoured Aluminium Cable 3.5C x 25 sq mm", "Mtr", 168),
        ("LT XLPE Armoured Aluminium Cable 3.5C x 50 sq mm", "Mtr", 275),
        ("LT XLPE Armoured Aluminium Cable 3.5C x 95 sq mm", "Mtr", 470),
        ("LT XLPE Armoured Aluminium Cable 4C x 16 sq mm", "Mtr", 142),
        ("Flexible Copper Cable 3 Core 1.5 sq mm", "Mtr", 68),
        ("Flexible Copper Cable 3 Core 2.5 sq mm", "Mtr", 104),
        ("Flexible Copper Cable 4 Core 4.0 sq mm", "Mtr", 215),
        ("Cat6 UTP LAN Cable (305 m Box)", "Box", 7450),
        ("RG6 Co-axial Cable (100 m Coil)", "Coil", 1650),
    ],
    SWITCHGEAR: [
        ("MCB SP 6A C-Curve 10kA", "Nos", 185),
        ("MCB SP 10A C-Curve 10kA", "Nos", 185),
        ("MCB SP 16A C-Curve 10kA", "Nos", 190),
        ("MCB SP 20A C-Curve 10kA", "Nos", 195),
        ("MCB SP 32A C-Curve 10kA", "Nos", 210),
        ("MCB DP 32A C-Curve 10kA", "Nos", 520),
        ("MCB DP 63A C-Curve 10kA", "Nos", 780),
        ("MCB TPN 63A C-Curve 10kA", "Nos", 1950),
        ("RCCB 2P 25A 30mA", "Nos", 1850),
        ("RCCB 4P 40A 30mA", "Nos", 3450),
        ("MCCB 3P 100A 25kA", "Nos", 6900),
        ("MCCB 3P 250A 36kA", "Nos", 16800),
        ("Distribution Board 8-Way SPN Double Door", "Nos", 1450),
        ("Distribution Board 12-Way TPN Double Door", "Nos", 5200),
        ("Changeover Switch 63A 4P", "Nos", 2850),
        ("Modular Switch 6A 1-Way (Box of 20)", "Box", 1120),
        ("Modular Socket 6/16A 3-Pin", "Nos", 125),
        ("Power Contactor 3P 32A AC3", "Nos", 2350),
    ],
    LIGHTING: [
        ("LED Bulb 9W B22 Cool Day Light", "Pcs", 72),
        ("LED Bulb 12W B22 Cool Day Light", "Pcs", 98),
        ("LED Bulb 15W B22 Cool Day Light", "Pcs", 135),
        ("LED Batten 20W 4 ft", "Pcs", 265),
        ("LED Batten 36W 4 ft", "Pcs", 420),
        ("LED Panel 36W 2x2 ft Recessed", "Pcs", 1150),
        ("LED Downlight 12W Round", "Pcs", 340),
        ("LED Street Light 60W", "Nos", 3200),
        ("LED Street Light 120W", "Nos", 5400),
        ("LED Flood Light 50W IP65", "Nos", 1350),
        ("LED Flood Light 100W IP65", "Nos", 2550),
        ("LED Flood Light 200W IP65", "Nos", 5100),
        ("LED High Bay 150W", "Nos", 6400),
    ],
    FANS: [
        ("Ceiling Fan 1200 mm Standard", "Pcs", 1850),
        ("Ceiling Fan 1200 mm Decorative", "Pcs", 3450),
        ("Ceiling Fan 1200 mm BLDC Energy Saver", "Pcs", 3990),
        ("Ceiling Fan 900 mm", "Pcs", 1750),
        ("Exhaust Fan 150 mm", "Pcs", 980),
        ("Exhaust Fan 225 mm", "Pcs", 1450),
        ("Exhaust Fan 300 mm", "Pcs", 2150),
        ("Pedestal Fan 400 mm", "Pcs", 2650),
        ("Wall Fan 400 mm", "Pcs", 2250),
        ("Industrial Air Circulator 600 mm", "Nos", 6800),
    ],
    MOTORS: [
        ("Induction Motor 1 HP 3-Phase 1440 RPM", "Nos", 9800),
        ("Induction Motor 2 HP 3-Phase 1440 RPM", "Nos", 13400),
        ("Induction Motor 5 HP 3-Phase 1440 RPM", "Nos", 24500),
        ("Induction Motor 7.5 HP 3-Phase 1440 RPM", "Nos", 33900),
        ("Induction Motor 10 HP 3-Phase 1440 RPM", "Nos", 43800),
        ("Monoblock Pump 0.5 HP", "Nos", 5200),
        ("Monoblock Pump 1 HP", "Nos", 6900),
        ("Monoblock Pump 2 HP", "Nos", 11800),
        ("Submersible Pump 1 HP 4-inch V4", "Nos", 14500),
        ("Submersible Pump 1.5 HP 4-inch V4", "Nos", 18900),
        ("Openwell Submersible Pump 1 HP", "Nos", 9800),
        ("Shallow Well Jet Pump 1 HP", "Nos", 8700),
    ],
    PANELS: [
        ("APFC Panel 100 kVAr", "Set", 285000),
        ("MCC Panel 10 Feeder", "Set", 465000),
        ("PCC Panel 800A", "Set", 620000),
        ("Feeder Pillar 4-Way Outdoor", "Nos", 78000),
        ("DOL Starter Panel 10 HP", "Nos", 24500),
        ("Star-Delta Starter Panel 25 HP", "Nos", 48500),
        ("LT Metering Panel CT-Operated", "Nos", 56000),
        ("Solar ACDB 10 kW", "Nos", 18500),
        ("Solar DCDB 10 kW", "Nos", 16500),
        ("AMF Panel 125 kVA", "Set", 165000),
    ],
    PACKAGING: [
        ("Wooden Cable Drum (Returnable)", "Nos", 2800),
        ("Corrugated Box 5-Ply Large", "Nos", 85),
        ("Stretch Wrap Film 23 Micron", "Kg", 210),
        ("Wooden Pallet 1200x1000 mm", "Nos", 1450),
        ("Bubble Wrap Roll 1 m x 100 m", "Nos", 1150),
    ],
    FREIGHT: [
        ("Freight Charges - Local", "", 0),
        ("Freight Charges - Outstation", "", 0),
    ],
}

_COST_RATIO = {CABLES: "0.82", SWITCHGEAR: "0.74", LIGHTING: "0.68", FANS: "0.76", MOTORS: "0.79", PANELS: "0.71"}


def _build_products() -> tuple[Product, ...]:
    products = []
    for line, rows in _PRODUCT_TABLE.items():
        for index, (name, unit, price) in enumerate(rows, start=1):
            products.append(
                Product(
                    code=f"{line.code}-{index:03d}",
                    name=name,
                    line=line,
                    unit=unit,
                    list_price=Decimal(price),
                    cost_ratio=Decimal(_COST_RATIO.get(line, "0.90")),
                )
            )
    return tuple(products)


PRODUCTS: tuple[Product, ...] = _build_products()
PRODUCTS_BY_LINE: dict[ProductLine, tuple[Product, ...]] = {
    line: tuple(p for p in PRODUCTS if p.line is line) for line in PRODUCT_LINES
}

# Components the panel shop buys (they appear in purchase orders, never on a sales invoice).
PANEL_COMPONENTS: tuple[tuple[str, str, int], ...] = (
    ("CRCA Panel Enclosure 1200x800x400 mm", "Nos", 14500),
    ("Copper Busbar 25x5 mm", "Kg", 980),
    ("Panel Wiring Kit - Control", "Set", 3200),
    ("Digital Multifunction Meter", "Nos", 4200),
    ("APFC Relay 8 Stage", "Nos", 6800),
    ("Capacitor 25 kVAr 440V", "Nos", 5600),
)


# ---------------------------------------------------------------- people and places


@dataclass(frozen=True)
class Branch:
    name: str
    state: str


@dataclass(frozen=True)
class Salesperson:
    name: str
    branch: Branch


MUMBAI = Branch("Mumbai", "Maharashtra")
PUNE = Branch("Pune", "Maharashtra")
DELHI = Branch("Delhi", "Delhi")
BENGALURU = Branch("Bengaluru", "Karnataka")
BRANCHES: tuple[Branch, ...] = (MUMBAI, PUNE, DELHI, BENGALURU)

SALESPERSONS: dict[str, Salesperson] = {
    person.name: person
    for person in (
        Salesperson("Rohit Deshmukh", MUMBAI),
        Salesperson("Farah Shaikh", MUMBAI),
        Salesperson("Amit Kulkarni", PUNE),
        Salesperson("Priya Joshi", PUNE),
        Salesperson("Vikram Malhotra", DELHI),
        Salesperson("Neha Gupta", DELHI),
        Salesperson("Karthik Rao", BENGALURU),
    )
}

SEGMENTS = ("Dealer", "Contractor", "OEM", "Retail", "Government")

# How each segment's purchases spread over the goods lines (Cables, Switchgear, Lighting, Fans, Motors, Panels).
SEGMENT_MIX: dict[str, tuple[int, ...]] = {
    "Dealer": (30, 28, 18, 12, 10, 2),
    "Contractor": (35, 30, 15, 5, 5, 10),
    "OEM": (15, 25, 2, 3, 35, 20),
    "Retail": (20, 25, 35, 20, 0, 0),
    "Government": (20, 20, 30, 10, 10, 10),
}
# Typical taxable value of one invoice line, in rupees, by segment.
SEGMENT_LINE_VALUE = {"Dealer": 42000, "Contractor": 38000, "OEM": 65000, "Retail": 6500, "Government": 52000}
SEGMENT_DISCOUNT = {"Dealer": "0.10", "Contractor": "0.05", "OEM": "0.12", "Retail": "0", "Government": "0.03"}
SEGMENT_ITEMS = {"Dealer": (2, 7), "Contractor": (2, 6), "OEM": (1, 4), "Retail": (1, 3), "Government": (2, 5)}
_PAN_HOLDER = {"Pvt Ltd": "C", "Ltd": "C", "Govt": "G", "Person": "P"}


@dataclass(frozen=True)
class Customer:
    code: str
    name: str  # as Tally prints it in the Sales Register
    master_name: str  # as the customer master spells it: now and then "M/s. " or a stray full stop differs
    city: str
    state: str
    segment: str
    salesperson: Salesperson
    weight: float  # relative number of invoices
    gstin: str | None  # None: a B2C customer
    active_from: date = DEMO_START
    active_to: date | None = None

    @property
    def state_code(self) -> str:
        return STATE_CODES[self.state]

    @property
    def intra_state(self) -> bool:
        return self.state_code == HOME_STATE_CODE


STATE_CODES: dict[str, str] = {name: code for code, name in GST_STATES.items() if code not in ("25", "28")}

# name, master name (None: same), city, state, segment, salesperson, weight, PAN holder type (None: B2C, no GSTIN),
# then optionally active from, active to
_CUSTOMER_TABLE: tuple[tuple, ...] = (
    ("Sharma Electricals", "M/s. Sharma Electricals", "Mumbai", "Maharashtra", "Dealer", "Rohit Deshmukh", 9, "F"),
    ("Patil Electric Co.", None, "Pune", "Maharashtra", "Contractor", "Amit Kulkarni", 6, "F"),
    ("Shree Ganesh Electric Traders", None, "Nashik", "Maharashtra", "Dealer", "Farah Shaikh", 5, "P"),
    ("Deshmukh Power Solutions Pvt Ltd", None, "Nagpur", "Maharashtra", "Contractor", "Priya Joshi", 4, "C"),
    ("Konkan Engineering Works", None, "Thane", "Maharashtra", "OEM", "Rohit Deshmukh", 4, "F"),
    ("PWD Electrical Division, Pune", None, "Pune", "Maharashtra", "Government", "Amit Kulkarni", 2, "G"),
    ("Kulkarni Lighting House", None, "Pune", "Maharashtra", "Retail", "Priya Joshi", 4, "P"),
    ("Cash Sales - Pune Counter", None, "Pune", "Maharashtra", "Retail", "Priya Joshi", 5, None),
    ("Aurangabad Pump House", "Aurangabad Pump House.", "Aurangabad", "Maharashtra", "Dealer", "Amit Kulkarni", 3, "P"),
    ("Patel Electric Stores", None, "Ahmedabad", "Gujarat", "Dealer", "Farah Shaikh", 6, "F"),
    ("Shah Switchgear Agency", None, "Surat", "Gujarat", "Dealer", "Rohit Deshmukh", 4, "P"),
    ("Vadodara Panel Industries", None, "Vadodara", "Gujarat", "OEM", "Farah Shaikh", 3, "C"),
    ("Bangalore Electro Systems Pvt Ltd", None, "Bengaluru", "Karnataka", "Contractor", "Karthik Rao", 6, "C"),
    ("Mysore Lighting Centre", None, "Mysuru", "Karnataka", "Retail", "Karthik Rao", 3, "P"),
    ("Hubli Motors & Pumps", None, "Hubballi", "Karnataka", "Dealer", "Karthik Rao", 3, "F"),
    ("Sri Murugan Electricals", None, "Chennai", "Tamil Nadu", "Dealer", "Karthik Rao", 5, "F"),
    ("Coimbatore Pump Traders", None, "Coimbatore", "Tamil Nadu", "Dealer", "Karthik Rao", 4, "F"),
    ("Kovai Engineering Industries", None, "Coimbatore", "Tamil Nadu", "OEM", "Karthik Rao", 3, "C"),
    ("Deccan Power Projects", None, "Hyderabad", "Telangana", "Contractor", "Karthik Rao", 4, "C", "2025-04-15"),
    ("Hyderabad Electric Mart", None, "Hyderabad", "Telangana", "Retail", "Karthik Rao", 2, "P", None, "2025-01-31"),
    ("Gupta Electric Co", "Gupta Electric Co.", "New Delhi", "Delhi", "Dealer", "Vikram Malhotra", 7, "F"),
    ("Capital Infra Electricals Pvt Ltd", None, "New Delhi", "Delhi", "Contractor", "Neha Gupta", 5, "C"),
    ("Delhi Jal Board - Electrical Wing", None, "Delhi", "Delhi", "Government", "Neha Gupta", 2, "G"),
    ("Agarwal Electricals", None, "Lucknow", "Uttar Pradesh", "Dealer", "Vikram Malhotra", 5, "F"),
    ("Noida Control Systems Pvt Ltd", None, "Noida", "Uttar Pradesh", "OEM", "Neha Gupta", 3, "C", "2025-06-01"),
    ("Jaipur Light House", "JAIPUR LIGHT HOUSE", "Jaipur", "Rajasthan", "Retail", "Vikram Malhotra", 3, "P"),
    ("Marwar Electric Traders", None, "Jodhpur", "Rajasthan", "Dealer", "Neha Gupta", 3, "F"),
    ("Malwa Electricals", None, "Indore", "Madhya Pradesh", "Dealer", "Priya Joshi", 4, "F"),
    ("Bhopal Power Controls", None, "Bhopal", "Madhya Pradesh", "OEM", "Amit Kulkarni", 2, "C"),
    ("Rajesh Verma", None, "Indore", "Madhya Pradesh", "Retail", "Priya Joshi", 1, None),
    ("D'Souza Electrical Works", "D’Souza Electrical Works", "Margao", "Goa", "Contractor", "Farah Shaikh", 3, "F"),
    ("Kochi Electric Emporium", None, "Kochi", "Kerala", "Retail", "Karthik Rao", 2, "P", "2025-09-01"),
    ("Anil Menon", None, "Thrissur", "Kerala", "Retail", "Karthik Rao", 1, None),
    ("Kolkata Cable House", None, "Kolkata", "West Bengal", "Dealer", "Vikram Malhotra", 4, "F"),
)


def _build_customers() -> tuple[Customer, ...]:
    customers = []
    for index, row in enumerate(_CUSTOMER_TABLE, start=1):
        name, master_name, city, state, segment, salesperson, weight, holder, *dates = row
        active_from = date.fromisoformat(dates[0]) if dates and dates[0] else DEMO_START
        active_to = date.fromisoformat(dates[1]) if len(dates) > 1 and dates[1] else None
        gstin = None
        if holder:
            rng = random.Random(f"gstin:{name}")  # noqa: S311 (a str seed is hashed: stable across runs)
            initial = next(ch for ch in name if ch.isalpha())
            gstin = make_gstin(STATE_CODES[state], make_pan(rng, holder=holder, initial=initial))
        customers.append(
            Customer(
                code=f"C{index:04d}",
                name=name,
                master_name=master_name or name,
                city=city,
                state=state,
                segment=segment,
                salesperson=SALESPERSONS[salesperson],
                weight=float(weight),
                gstin=gstin,
                active_from=active_from,
                active_to=active_to,
            )
        )
    return tuple(customers)


CUSTOMERS: tuple[Customer, ...] = _build_customers()

VENDORS: dict[ProductLine, str] = {
    CABLES: "Deccan Cables & Conductors Pvt Ltd",
    SWITCHGEAR: "Sahyadri Switchgear Ltd",
    LIGHTING: "Prakash Lumina Industries",
    FANS: "Vayu Electricals Pvt Ltd",
    MOTORS: "Kaveri Pumps & Motors Ltd",
    PANELS: "Trimurti Sheet Metal Works",
    PACKAGING: "Ganga Packaging Industries",
}
TRANSPORTERS = ("Sahyadri Roadlines", "Western Cargo Movers", "Bharat Transport Co.", "Speedline Logistics")
PACKING_OPERATORS = ("Santosh Pawar", "Ganesh More", "Sunil Jadhav", "Meena Shinde", "Ravi Gaikwad")

# Cities by state, for the benchmark's thousands of customers. Ordered by how much business a distributor
# in Pune does there: the first entries get the most customers.
STATE_CITIES: dict[str, tuple[str, ...]] = {
    "Maharashtra": ("Mumbai", "Pune", "Nagpur", "Nashik", "Thane", "Aurangabad"),
    "Gujarat": ("Ahmedabad", "Surat", "Vadodara", "Rajkot"),
    "Karnataka": ("Bengaluru", "Mysuru", "Hubballi", "Mangaluru"),
    "Tamil Nadu": ("Chennai", "Coimbatore", "Madurai", "Tiruchirappalli"),
    "Delhi": ("New Delhi", "Delhi"),
    "Uttar Pradesh": ("Lucknow", "Noida", "Kanpur", "Ghaziabad", "Varanasi"),
    "Telangana": ("Hyderabad", "Warangal", "Karimnagar"),
    "Rajasthan": ("Jaipur", "Jodhpur", "Udaipur", "Kota"),
    "Madhya Pradesh": ("Indore", "Bhopal", "Jabalpur", "Gwalior"),
    "West Bengal": ("Kolkata", "Howrah", "Durgapur", "Siliguri"),
    "Haryana": ("Gurugram", "Faridabad", "Panipat"),
    "Punjab": ("Ludhiana", "Amritsar", "Jalandhar"),
    "Kerala": ("Kochi", "Thiruvananthapuram", "Kozhikode", "Thrissur"),
    "Andhra Pradesh": ("Visakhapatnam", "Vijayawada", "Guntur"),
    "Odisha": ("Bhubaneswar", "Cuttack", "Rourkela"),
    "Bihar": ("Patna", "Gaya", "Muzaffarpur"),
    "Chhattisgarh": ("Raipur", "Bhilai", "Bilaspur"),
    "Jharkhand": ("Ranchi", "Jamshedpur", "Dhanbad"),
    "Assam": ("Guwahati", "Dibrugarh", "Silchar"),
    "Goa": ("Margao", "Panaji", "Vasco da Gama"),
    "Uttarakhand": ("Dehradun", "Haridwar", "Rudrapur"),
    "Himachal Pradesh": ("Baddi", "Shimla", "Solan"),
    "Jammu and Kashmir": ("Jammu", "Srinagar"),
    "Chandigarh": ("Chandigarh",),
    "Puducherry": ("Puducherry", "Karaikal"),
    "Dadra and Nagar Haveli and Daman and Diu": ("Silvassa", "Daman"),
    "Tripura": ("Agartala",),
    "Meghalaya": ("Shillong",),
    "Manipur": ("Imphal",),
    "Sikkim": ("Gangtok",),
}


# ---------------------------------------------------------------- when people buy

# Demand by calendar month: monsoon dip (Jun-Aug), festive peak (Oct-Nov), year-end push (March).
MONTH_SEASONALITY: dict[int, float] = dict(
    zip(range(1, 13), (1.00, 1.05, 1.40, 0.95, 0.90, 0.78, 0.72, 0.80, 0.95, 1.30, 1.25, 1.00), strict=True)
)  # January..December
# Product lines with a season of their own: fans sell in summer, lights for Diwali, pumps before the monsoon.
LINE_SEASONALITY: dict[ProductLine, dict[int, float]] = {
    FANS: {1: 0.6, 2: 1.3, 3: 1.8, 4: 2.0, 5: 1.8, 6: 1.0, 7: 0.5, 8: 0.5, 9: 0.6, 10: 0.6, 11: 0.5, 12: 0.4},
    LIGHTING: {10: 1.6, 11: 1.5},
    MOTORS: {3: 1.4, 4: 1.4, 5: 1.4, 6: 1.1, 7: 0.7, 8: 0.7, 10: 1.2, 11: 1.2},
}
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.08)  # Monday..Sunday: Sundays almost shut
ANNUAL_GROWTH = 0.18  # volume growth per year
PRICE_RISE = Decimal("1.04")  # list prices rise 4% at the start of each fiscal year after the first


def demand_factor(day: date, start: date = DEMO_START) -> float:
    """Expected invoices on a day relative to an average day at the start: season x weekday x growth."""
    years = (day - start).days / 365.25
    return MONTH_SEASONALITY[day.month] * WEEKDAY_FACTOR[day.weekday()] * (1 + ANNUAL_GROWTH * years)


# ---------------------------------------------------------------- money and GST


def money(value: Decimal | int | str) -> Decimal:
    """Rupees rounded to the paisa, halves away from zero (as Tally and the GST portal round)."""
    return Decimal(value).quantize(PAISA, rounding=ROUND_HALF_UP)


def gst_split(value: Decimal, rate: int, *, intra_state: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(CGST, SGST, IGST) on a taxable value: half the rate each inside the home state, the whole rate outside."""
    if intra_state:
        half = money(value * rate / Decimal(200))
        return half, half, Decimal("0.00")
    return Decimal("0.00"), Decimal("0.00"), money(value * rate / Decimal(100))


# ---------------------------------------------------------------- fiscal years


@dataclass(frozen=True)
class FiscalYear:
    start: date  # 1 April
    end: date  # 31 March

    @property
    def short(self) -> str:
        """'24-25'"""
        return f"{self.start.year % 100:02d}-{self.end.year % 100:02d}"

    @property
    def label(self) -> str:
        """'FY24-25'"""
        return f"FY{self.short}"


def fiscal_year(day: date) -> FiscalYear:
    first = day.year if day.month >= 4 else day.year - 1
    return FiscalYear(date(first, 4, 1), date(first + 1, 3, 31))


def fiscal_years(start: date, end: date) -> list[FiscalYear]:
    years = []
    year = fiscal_year(start)
    while year.start <= end:
        years.append(year)
        year = fiscal_year(year.end + timedelta(days=1))
    return years


def tally_date(day: date) -> str:
    """'1-Apr-24', as Tally prints a date."""
    return f"{day.day}-{day:%b}-{day:%y}"


# ---------------------------------------------------------------- reproducible .xlsx files

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CORE_STAMP = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def freeze_xlsx(path: Path, stamp: datetime) -> None:
    """Make a saved workbook byte-identical run after run.

    openpyxl stamps docProps/core.xml with the time of saving and every zip entry with the clock; both are
    replaced here by `stamp` and a fixed zip date, so the same seed gives the same bytes.
    """
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_STAMP.sub(rb"\g<1>" + iso + rb"\g<3>", data)
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, data)
