"""Benchmark files: a generic ERP invoice-line export of any size, drawn with numpy and written by pyarrow.

One row per invoice line, several lines per invoice, sorted by invoice (and so by date):

    Invoice No | Invoice Date | Customer | Customer GSTIN | State | City | Product Code | Product Name |
    Product Line | Salesperson | Branch | Quantity | Unit Price | Net Amount | CGST | SGST | IGST | Gross Amount |
    Cost | Status

- Invoice No "SI/24-25/000123", numbered per fiscal year in date order; dates from 1-Apr-2024 to 31-Mar-2026
  with the demo's seasonality and growth. CSV dates are dd-mm-yyyy text; .xlsx dates are date cells.
- Money is drawn in integer paise and written as exact 2-decimal text (CSV) or numbers (.xlsx):
  Net Amount = Quantity x Unit Price rounded half up to the paisa; CGST = SGST = Net x rate/2 for a customer in
  Maharashtra (the seller's state, code 27), IGST = Net x rate otherwise, each rounded half up; Gross Amount =
  Net + CGST + SGST + IGST; Cost = Quantity x unit cost.
- Quantity is a whole number, or has 2 decimals for goods sold by the metre or kilogram.
- Status is "Invoiced", or "Cancelled" on every line of about 1.5% of invoices.
- Customer GSTINs are valid and carry the customer's state code; about 6% of customers (B2C) have none.
- No segment or country: `write_customer_segments` writes a customer master that gives every customer both.

Cardinalities scale with the number of lines (see `cardinalities`): 1,000,000 lines have about 200,000
invoices, 5,000 customers, 2,000 products, 30 states, 50 salespersons and 10 branches.
"""

from __future__ import annotations

import csv
import os
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from elettro.kernel.india import gstin_check_digit
from ingestion.sample_exports.catalogue import (
    CABLES,
    FANS,
    FREIGHT,
    LIGHTING,
    MOTORS,
    PACKAGING,
    PANELS,
    PRICE_RISE,
    PRODUCTS_BY_LINE,
    STATE_CITIES,
    STATE_CODES,
    SWITCHGEAR,
    UNIT_DECIMALS,
    ProductLine,
    demand_factor,
    fiscal_years,
)

COLUMNS = (
    "Invoice No",
    "Invoice Date",
    "Customer",
    "Customer GSTIN",
    "State",
    "City",
    "Product Code",
    "Product Name",
    "Product Line",
    "Salesperson",
    "Branch",
    "Quantity",
    "Unit Price",
    "Net Amount",
    "CGST",
    "SGST",
    "IGST",
    "Gross Amount",
    "Cost",
    "Status",
)
INVOICED = "Invoiced"
CANCELLED = "Cancelled"
PERIOD_START = date(2024, 4, 1)
PERIOD_END = date(2026, 3, 31)
XLSX_MAX_LINES = 1_048_575  # Excel's row limit, less the header
CANCEL_RATE = 0.015
B2C_SHARE = 0.06

# Share of lines per product line; packaging and freight have a few products each, goods lines share the rest.
_LINE_SHARE: dict[ProductLine, float] = {
    CABLES: 0.27,
    SWITCHGEAR: 0.27,
    LIGHTING: 0.17,
    FANS: 0.10,
    MOTORS: 0.10,
    PANELS: 0.04,
    PACKAGING: 0.02,
    FREIGHT: 0.03,
}
_GOODS_SHARE = {CABLES: 0.28, SWITCHGEAR: 0.27, LIGHTING: 0.18, FANS: 0.10, MOTORS: 0.10, PANELS: 0.07}
_FIXED_PRODUCTS = {PACKAGING: 5, FREIGHT: 2}
_LINES: tuple[ProductLine, ...] = tuple(_LINE_SHARE)
_YEARS = fiscal_years(PERIOD_START, PERIOD_END)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


_BRANDS = _names(
    "Voltera, Shaktiline, Urjamax, Vidyutron, Tejasvi, Jyotika, Surakshit, Ambertek, Kiranlite, Sparcon, Dhruvtek, "
    "Akashdeep, Omkarline, Navtek, Relion, Sumtek, Praxiom, Electrix, Powerex, Lumexa, Ampora, Wattson, Fluxon, "
    "Coreline, Ohmtek"
)
_NAME_HEADS = _names(
    "Sharma, Patil, Gupta, Agarwal, Shah, Patel, Mehta, Jain, Reddy, Rao, Iyer, Nair, Menon, Kulkarni, Deshmukh, "
    "Joshi, Singh, Verma, Mishra, Pandey, Yadav, Chauhan, Bansal, Goyal, Mittal, Khanna, Kapoor, Malhotra, Bhatia, "
    "Sethi, Arora, Chopra, Das, Ghosh, Banerjee, Mukherjee, Sen, Bose, Pillai, Naidu, Shetty, Hegde, Kamath, Bhat, "
    "Gowda, Murugan, Balaji, Venkatesh, Shree Ganesh, Sai, Jai Bhavani, Om Sai, Shiv Shakti, Mahalaxmi, Bharat, "
    "National, Royal, Star, Supreme, Modern, New India, Universal, Sunrise, Global, Prime, Apex, Galaxy, Kaveri, "
    "Ganga, Narmada, Sahyadri, Deccan, Konkan, Malwa, Marwar, Vijay, Laxmi, Krishna, Annapurna, Sree Durga"
)
_NAME_TRADES = _names(
    "Electricals, Electric Stores, Electric Traders, Electric Co, Electro Systems, Power Solutions, Switchgear, "
    "Cable House, Lighting Centre, Pumps & Motors, Engineering Works, Enterprises, Agencies, Electric Mart, "
    "Power Controls, Infra Projects"
)
# suffix, PAN holder type (C company, F firm or LLP, P proprietor)
_NAME_SUFFIXES = (
    ("", "P"),
    (" Pvt Ltd", "C"),
    (" LLP", "F"),
    (" & Co", "F"),
    (" (India) Pvt Ltd", "C"),
    (" & Sons", "F"),
)
_FIRST_NAMES = _names(
    "Aarav, Aditi, Akash, Ananya, Anil, Arjun, Deepa, Divya, Gaurav, Harish, Isha, Kavita, Kiran, Manoj, Meera, "
    "Nikhil, Pooja, Rahul, Rajesh, Ramesh, Ritu, Sandeep, Shalini, Sanjay, Suresh, Swati, Tarun, Usha, Varun, "
    "Yogesh"
)
_LAST_NAMES = _names(
    "Acharya, Bhatt, Chatterjee, Dubey, Fernandes, Gill, Hussain, Iyengar, Jadhav, Kaur, Kumar, Lal, Mathur, "
    "Nambiar, Ojha, Pawar, Qureshi, Rathore, Saxena, Thakur, Upadhyay, Vaidya, Wagh, Zaveri, Bose, Chandra, Dutta, "
    "Gokhale, Kohli, Rane"
)
_BRANCH_CITIES = _names(
    "Mumbai, Pune, Delhi, Bengaluru, Chennai, Hyderabad, Ahmedabad, Kolkata, Jaipur, Lucknow, Indore, Nagpur, Kochi, "
    "Coimbatore, Surat, Bhubaneswar, Chandigarh, Guwahati, Patna, Raipur"
)
_GSTIN_LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@dataclass(frozen=True)
class Cardinalities:
    invoices: int
    customers: int
    products: int
    states: int
    salespersons: int
    branches: int


def cardinalities(lines: int) -> Cardinalities:
    """How many of each thing a file of `lines` lines has: proportional to 1,000,000 lines = 200k invoices, 5k
    customers, 2k products, 30 states, 50 salespersons, 10 branches, with floors for small files."""
    scale = lines / 1_000_000
    salespersons = max(5, round(50 * scale))
    return Cardinalities(
        invoices=max(1, round(lines / 5)),
        customers=max(10, round(5000 * scale)),
        products=max(20, round(2000 * scale)),
        states=min(len(STATE_CITIES), max(5, round(30 * scale))),
        salespersons=salespersons,
        branches=min(salespersons, max(3, round(10 * scale))),
    )


@dataclass(frozen=True)
class InvoiceLineTotals:
    """What a load of the file must reproduce. Revenue, tax, gross and cost leave cancelled lines out."""

    lines: int  # every row, cancelled ones included
    invoices: int  # distinct invoices, cancelled ones excluded
    cancelled_lines: int
    cancelled_invoices: int
    revenue: Decimal  # sum of Net Amount
    tax: Decimal  # CGST + SGST + IGST
    gross: Decimal
    cost: Decimal
    customers: int  # distinct customers on any line
    products: int  # distinct products on any line


@dataclass(frozen=True)
class _Draw:
    """Everything drawn for a file: entity tables, then one entry per invoice, then one per line."""

    state_names: list[str]
    city_names: list[str]
    customer_names: list[str]
    customer_gstin: list[str | None]
    customer_state: np.ndarray
    customer_city: np.ndarray
    customer_salesperson: np.ndarray
    salesperson_names: list[str]
    salesperson_branch: np.ndarray
    branch_names: list[str]
    product_codes: list[str]
    product_names: list[str]
    product_line: np.ndarray  # index into _LINES
    invoice_day: np.ndarray  # datetime64[D]
    invoice_fy: np.ndarray  # index into _YEARS
    invoice_customer: np.ndarray
    invoice_cancelled: np.ndarray
    line_invoice: np.ndarray
    line_product: np.ndarray
    quantity: np.ndarray  # hundredths of a unit
    unit_price: np.ndarray  # paise
    net: np.ndarray
    cgst: np.ndarray
    sgst: np.ndarray
    igst: np.ndarray
    gross: np.ndarray
    cost: np.ndarray

    @property
    def line_customer(self) -> np.ndarray:
        return self.invoice_customer[self.line_invoice]

    @property
    def line_cancelled(self) -> np.ndarray:
        return self.invoice_cancelled[self.line_invoice]


def _customers(rng: np.random.Generator, count: int, states: int) -> dict:
    state_names = list(STATE_CITIES)[:states]
    state_weight = 1 / np.arange(1, states + 1) ** 0.9
    state_weight[0] *= 2.5  # the home state
    state = rng.choice(states, size=count, p=state_weight / state_weight.sum())
    city_counts = np.array([len(STATE_CITIES[s]) for s in state_names])
    city_offset = np.concatenate(([0], np.cumsum(city_counts)[:-1]))
    city = city_offset[state] + (rng.random(count) ** 2 * city_counts[state]).astype(np.int64)
    city_names = [c for s in state_names for c in STATE_CITIES[s]]

    pool = len(_NAME_HEADS) * len(_NAME_TRADES) * len(_NAME_SUFFIXES)
    picks = np.concatenate([rng.permutation(pool) for _ in range(-(-count // pool))])[:count]
    heads, rest = np.divmod(picks, len(_NAME_TRADES) * len(_NAME_SUFFIXES))
    trades, suffixes = np.divmod(rest, len(_NAME_SUFFIXES))
    pan_head = _GSTIN_LETTERS[rng.integers(0, 26, size=(count, 3))]
    pan_digits = rng.integers(0, 10000, size=count)
    pan_last = _GSTIN_LETTERS[rng.integers(0, 26, size=count)]
    b2c = rng.random(count) < B2C_SHARE
    names, gstins = [], []
    for i in range(count):  # one pass per customer (thousands), not per line
        head, trade = _NAME_HEADS[heads[i]], _NAME_TRADES[trades[i]]
        suffix, holder = _NAME_SUFFIXES[suffixes[i]]
        repeat = i // pool
        names.append(f"{head} {trade}{suffix}" + (f" ({repeat + 1})" if repeat else ""))
        if b2c[i]:
            gstins.append(None)
            continue
        first14 = f"{STATE_CODES[state_names[state[i]]]}{''.join(pan_head[i])}{holder}{head[0]}"
        first14 += f"{pan_digits[i]:04d}{pan_last[i]}1Z"
        gstins.append(first14 + gstin_check_digit(first14))
    return {
        "state_names": state_names,
        "city_names": city_names,
        "customer_names": names,
        "customer_gstin": gstins,
        "customer_state": state,
        "customer_city": city,
    }


def _people(count: int, branches: int) -> tuple[list[str], np.ndarray, list[str]]:
    combos = len(_FIRST_NAMES) * len(_LAST_NAMES)
    names = []
    for i in range(count):  # i -> (i mod 30, (i + 7 * (i mod 30)) mod 30 ... ): distinct pairs for 900 people
        first = _FIRST_NAMES[i % len(_FIRST_NAMES)]
        last = _LAST_NAMES[(i * 7 + i // len(_FIRST_NAMES)) % len(_LAST_NAMES)]
        names.append(f"{first} {last}" + (f" {i // combos + 1}" if i >= combos else ""))
    branch_names = [_BRANCH_CITIES[i] if i < len(_BRANCH_CITIES) else f"Branch {i + 1}" for i in range(branches)]
    return names, np.arange(count) % branches, branch_names


def _products(rng: np.random.Generator, count: int) -> dict:
    goods = count - sum(_FIXED_PRODUCTS.values())
    per_line = {line: max(1, int(goods * share)) for line, share in _GOODS_SHARE.items()}
    per_line[CABLES] += goods - sum(per_line.values())
    per_line.update(_FIXED_PRODUCTS)
    codes, names, lines, prices, costs, units, weights = [], [], [], [], [], [], []
    for line_index, line in enumerate(_LINES):
        bases = PRODUCTS_BY_LINE[line]
        popularity = 1 / rng.permutation(np.arange(1, per_line[line] + 1)) ** 0.8
        weights.append(_LINE_SHARE[line] * popularity / popularity.sum())
        factors = rng.uniform(0.85, 1.25, size=per_line[line])
        for j in range(per_line[line]):
            base = bases[j % len(bases)]
            variant = j // len(bases)
            name = base.name
            if variant:
                brand = _BRANDS[(variant - 1) % len(_BRANDS)]
                mark = (variant - 1) // len(_BRANDS)
                name = f"{base.name} - {brand}" + (f" Mk{mark + 1}" if mark else "")
            codes.append(f"{line.code}-{j + 1:05d}")
            names.append(name)
            lines.append(line_index)
            prices.append(float(base.list_price) * 100 * factors[j] if line is not FREIGHT else 0.0)
            costs.append(float(base.cost_ratio))
            units.append(base.unit)
    weights_all = np.concatenate(weights)
    return {
        "product_codes": codes,
        "product_names": names,
        "product_line": np.array(lines),
        "price": np.rint(np.array(prices)).astype(np.int64),
        "cost_ratio": np.array(costs),
        "unit_decimals": np.array([UNIT_DECIMALS.get(u, 0) for u in units]),
        "unit_is_metre": np.array([u == "Mtr" for u in units]),
        "weight": weights_all / weights_all.sum(),
    }


def _draw(lines: int, seed: int) -> _Draw:
    if lines < 1:
        raise ValueError("lines must be at least 1")
    rng = np.random.default_rng(seed)
    card = cardinalities(lines)
    customers = _customers(rng, card.customers, card.states)
    people, people_branch, branch_names = _people(card.salespersons, card.branches)
    products = _products(rng, card.products)
    customer_salesperson = rng.integers(0, card.salespersons, size=card.customers)
    customer_weight = rng.lognormal(0, 1.1, size=card.customers)
    customer_discount = rng.choice(np.array([0, 3, 5, 8, 10, 12]), size=card.customers)  # percent

    # Invoices: dates weighted by season, weekday and growth, sorted so numbers follow dates.
    days = (PERIOD_END - PERIOD_START).days + 1
    day_weight = np.array([demand_factor(PERIOD_START + timedelta(days=d), PERIOD_START) for d in range(days)])
    n_invoices = min(card.invoices, lines)
    offsets = np.sort(rng.choice(days, size=n_invoices, p=day_weight / day_weight.sum()))
    invoice_day = np.datetime64(PERIOD_START, "D") + offsets
    fy_starts = np.array([fy.start for fy in _YEARS], dtype="datetime64[D]")
    invoice_fy = np.searchsorted(fy_starts, invoice_day, side="right") - 1
    invoice_customer = rng.choice(card.customers, size=n_invoices, p=customer_weight / customer_weight.sum())
    invoice_cancelled = rng.random(n_invoices) < CANCEL_RATE

    # Lines: cut 0..lines into n_invoices non-empty runs (about 5 lines each, a geometric spread).
    cuts = np.sort(rng.choice(np.arange(1, lines), size=n_invoices - 1, replace=False))
    per_invoice = np.diff(np.concatenate(([0], cuts, [lines])))
    line_invoice = np.repeat(np.arange(n_invoices), per_invoice)
    line_customer = invoice_customer[line_invoice]
    line_product = rng.choice(len(products["product_codes"]), size=lines, p=products["weight"])
    line_fy = invoice_fy[line_invoice]

    list_price = products["price"][line_product] * float(PRICE_RISE) ** line_fy
    freight = products["product_line"][line_product] == _LINES.index(FREIGHT)
    unit_price = np.rint(list_price * (100 - customer_discount[line_customer]) / 100).astype(np.int64)
    unit_price = np.where(freight, rng.integers(250, 4000, size=lines) * 100, unit_price)
    unit_price = np.maximum(unit_price, 1)

    raw = 2_500_000 * rng.lognormal(0, 0.9, size=lines) / unit_price  # units for a line worth about Rs 25,000
    whole = np.clip(np.rint(raw), 1, np.where(unit_price > 10_000_000, 3, 500)) * 100
    metres = np.maximum(10, np.rint(raw / 10) * 10) * 100 + np.where(rng.random(lines) < 0.15, 50, 0)
    fraction = np.maximum(100, np.rint(raw * 100))
    metre = products["unit_is_metre"][line_product]
    decimal = products["unit_decimals"][line_product] > 0
    quantity = np.where(metre, metres, np.where(decimal, fraction, whole))
    quantity = np.where(freight, 100, quantity).astype(np.int64)

    rate = np.array([line.gst_rate for line in _LINES])[products["product_line"][line_product]]
    net = (quantity * unit_price + 50) // 100
    intra = customers["customer_state"][line_customer] == 0  # Maharashtra is first
    half = (net * rate + 100) // 200
    cgst = np.where(intra, half, 0)
    igst = np.where(intra, 0, (net * rate + 50) // 100)
    unit_cost = np.rint(list_price * products["cost_ratio"][line_product]).astype(np.int64)
    unit_cost = np.where(freight, np.rint(unit_price * 0.95).astype(np.int64), unit_cost)
    cost = (quantity * unit_cost + 50) // 100

    return _Draw(
        **customers,
        customer_salesperson=customer_salesperson,
        salesperson_names=people,
        salesperson_branch=people_branch,
        branch_names=branch_names,
        product_codes=products["product_codes"],
        product_names=products["product_names"],
        product_line=products["product_line"],
        invoice_day=invoice_day,
        invoice_fy=invoice_fy,
        invoice_customer=invoice_customer,
        invoice_cancelled=invoice_cancelled,
        line_invoice=line_invoice,
        line_product=line_product,
        quantity=quantity,
        unit_price=unit_price,
        net=net,
        cgst=cgst,
        sgst=cgst,
        igst=igst,
        gross=net + 2 * cgst + igst,
        cost=cost,
    )


def _rupees(paise: int) -> Decimal:
    return Decimal(int(paise)).scaleb(-2)


def _totals(draw: _Draw) -> InvoiceLineTotals:
    live = ~draw.line_cancelled
    return InvoiceLineTotals(
        lines=len(draw.net),
        invoices=int((~draw.invoice_cancelled).sum()),
        cancelled_lines=int((~live).sum()),
        cancelled_invoices=int(draw.invoice_cancelled.sum()),
        revenue=_rupees(draw.net[live].sum()),
        tax=_rupees((draw.cgst + draw.sgst + draw.igst)[live].sum()),
        gross=_rupees(draw.gross[live].sum()),
        cost=_rupees(draw.cost[live].sum()),
        customers=len(np.unique(draw.line_customer)),
        products=len(np.unique(draw.line_product)),
    )


def expected_totals(*, lines: int, seed: int = 1) -> InvoiceLineTotals:
    """The totals of the file `write_invoice_lines` writes for these arguments, without writing it."""
    return _totals(_draw(lines, seed))


def _decimal_array(paise: np.ndarray) -> pa.Array:
    """Integer paise as decimal128(18, 2): pyarrow prints it as exact rupees ("1234.50")."""
    words = np.empty((len(paise), 2), dtype=np.int64)
    words[:, 0] = paise
    words[:, 1] = paise >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(paise), [None, pa.py_buffer(words)])


def _invoice_numbers(draw: _Draw) -> pa.Array:
    fy = draw.invoice_fy
    first_of_fy = np.searchsorted(fy, fy, side="left")  # fy is sorted: invoices are in date order
    sequence = pa.array(np.arange(len(fy)) - first_of_fy + 1)
    prefix = pa.array([f"SI/{year.short}/" for year in _YEARS]).take(pa.array(fy))
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(pc.cast(sequence, pa.string()), 6, "0"), "")


def _table(draw: _Draw) -> pa.Table:
    customer = pa.array(draw.line_customer)
    product = pa.array(draw.line_product)
    invoice = pa.array(draw.line_invoice)
    salesperson = draw.customer_salesperson[draw.line_customer]
    dates = pc.strftime(pa.array(draw.invoice_day).cast(pa.timestamp("s")), format="%d-%m-%Y")
    quantity = pa.array(draw.quantity / 100)  # float64 prints as "13" or "152.5", exactly
    line_names = pa.array([line.name for line in _LINES])
    columns = [
        _invoice_numbers(draw).take(invoice),
        dates.take(invoice),
        pa.array(draw.customer_names).take(customer),
        pa.array(draw.customer_gstin, type=pa.string()).take(customer),
        pa.array(draw.state_names).take(pa.array(draw.customer_state[draw.line_customer])),
        pa.array(draw.city_names).take(pa.array(draw.customer_city[draw.line_customer])),
        pa.array(draw.product_codes).take(product),
        pa.array(draw.product_names).take(product),
        line_names.take(pa.array(draw.product_line[draw.line_product])),
        pa.array(draw.salesperson_names).take(pa.array(salesperson)),
        pa.array(draw.branch_names).take(pa.array(draw.salesperson_branch[salesperson])),
        quantity,
        _decimal_array(draw.unit_price),
        _decimal_array(draw.net),
        _decimal_array(draw.cgst),
        _decimal_array(draw.sgst),
        _decimal_array(draw.igst),
        _decimal_array(draw.gross),
        _decimal_array(draw.cost),
        pa.array([INVOICED, CANCELLED]).take(pa.array(draw.line_cancelled.astype(np.int8))),
    ]
    return pa.Table.from_arrays(columns, names=list(COLUMNS))


# ---------------------------------------------------------------- a lean .xlsx writer
#
# openpyxl needs about 75 s for 200,000 lines here (no lxml), so the benchmark sheet is written directly: one
# worksheet with shared strings, dates as serial numbers with a dd-mm-yyyy format, money as exact decimals.
# The same parts Excel itself writes, in a zip with fixed timestamps, so the same seed gives the same bytes.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    _XML_HEAD + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
    '<sheets><sheet name="Invoice Lines" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
# Cell styles: 0 plain, 1 date (dd-mm-yyyy), 2 money (#,##0.00), 3 bold header.
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd-mm-yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_LETTERS = "ABCDEFGHIJKLMNOPQRST"  # the 20 columns
_KINDS = "sdsssssssssnmmmmmmms"  # per column: shared string, date, number, money
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _cell_template(letter: str, kind: str, slot: int) -> str:
    if kind == "s":
        return f'<c r="{letter}{{0}}" t="s"><v>{{{slot}}}</v></c>'
    style = {"d": ' s="1"', "m": ' s="2"', "n": ""}[kind]
    return f'<c r="{letter}{{0}}"{style}><v>{{{slot}}}</v></c>'


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _SharedStrings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def ids(self, strings: list[str | None]) -> np.ndarray:
        """Index of each string in the table, -1 for None."""
        return np.array([-1 if s is None else self.index.setdefault(s, len(self.index)) for s in strings])

    def xml(self) -> str:
        items = "".join(f"<si><t>{_xml_text(s)}</t></si>" for s in self.index)
        return _XML_HEAD + f'<sst xmlns="{_MAIN_NS}" uniqueCount="{len(self.index)}">{items}</sst>'


def _zip_entry(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def _write_xlsx(path: Path, draw: _Draw) -> None:
    sst = _SharedStrings()
    header = sst.ids(list(COLUMNS))
    invoice_no = sst.ids(_invoice_numbers(draw).to_pylist())
    customer = sst.ids(draw.customer_names)
    gstin = sst.ids(draw.customer_gstin)
    state = sst.ids(draw.state_names)
    city = sst.ids(draw.city_names)
    code = sst.ids(draw.product_codes)
    name = sst.ids(draw.product_names)
    line = sst.ids([line.name for line in _LINES])
    person = sst.ids(draw.salesperson_names)
    branch = sst.ids(draw.branch_names)
    status = sst.ids([INVOICED, CANCELLED])

    c = draw.line_customer
    p = draw.line_product
    salesperson = draw.customer_salesperson[c]
    serial = (draw.invoice_day - _EXCEL_EPOCH).astype(np.int64)[draw.line_invoice]
    quantity = [q // 100 if q % 100 == 0 else q / 100 for q in draw.quantity.tolist()]
    money = [
        pc.cast(_decimal_array(v), pa.string()).to_pylist()
        for v in (draw.unit_price, draw.net, draw.cgst, draw.sgst, draw.igst, draw.gross, draw.cost)
    ]
    columns = [
        invoice_no[draw.line_invoice],
        serial,
        customer[c],
        gstin[c],
        state[draw.customer_state[c]],
        city[draw.customer_city[c]],
        code[p],
        name[p],
        line[draw.product_line[p]],
        person[salesperson],
        branch[draw.salesperson_branch[salesperson]],
    ]
    values = [col.tolist() for col in columns] + [
        quantity,
        *money,
        status[draw.line_cancelled.astype(np.int64)].tolist(),
    ]
    cells = [
        _cell_template(letter, kind, slot)
        for slot, (letter, kind) in enumerate(zip(_LETTERS, _KINDS, strict=True), start=1)
    ]
    with_gstin = '<row r="{0}">' + "".join(cells) + "</row>"
    without_gstin = '<row r="{0}">' + "".join(cells[:3] + cells[4:]) + "</row>"
    rows = len(draw.net) + 1
    head = "".join(f'<c r="{letter}1" s="3" t="s"><v>{i}</v></c>' for letter, i in zip(_LETTERS, header, strict=True))

    with zipfile.ZipFile(path, "w") as archive:
        for part, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
        ):
            archive.writestr(_zip_entry(archive, part), text)
        with archive.open(_zip_entry(archive, "xl/worksheets/sheet1.xml"), "w", force_zip64=True) as sheet:
            sheet.write(
                (
                    _XML_HEAD + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                    f'<dimension ref="A1:T{rows}"/><sheetViews><sheetView workbookViewId="0">'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView>'
                    f'</sheetViews><sheetData><row r="1">{head}</row>'
                ).encode()
            )
            chunk: list[str] = []
            for number, row in enumerate(zip(*values, strict=True), start=2):
                chunk.append((with_gstin if row[3] >= 0 else without_gstin).format(number, *row))
                if len(chunk) == 20_000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())
        archive.writestr(_zip_entry(archive, "xl/sharedStrings.xml"), sst.xml())


def write_invoice_lines(
    path: Path | str, *, lines: int, fmt: Literal["csv", "xlsx"] = "csv", seed: int = 1
) -> InvoiceLineTotals:
    """Write `lines` invoice lines to `path` as UTF-8 CSV or .xlsx; returns the totals a load must reproduce."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"fmt must be 'csv' or 'xlsx', not {fmt!r}")
    if fmt == "xlsx" and lines > XLSX_MAX_LINES:
        raise ValueError(f"an .xlsx sheet holds at most {XLSX_MAX_LINES:,} lines")
    path = Path(path)
    draw = _draw(lines, seed)
    tmp = path.with_name(path.name + ".partial")
    try:
        if fmt == "csv":
            pacsv.write_csv(_table(draw), tmp)
        else:
            _write_xlsx(tmp, draw)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _totals(draw)


# A customer master for the invoice-line customers: the lines name no segment or country, so this gives each
# customer one, as a customer list exported from the ERP would. Shares of customers; about 1 in 20 buys from abroad.
MASTER_SEGMENTS = (("Dealer", 40), ("Contractor", 25), ("OEM", 15), ("Institutional", 12), ("Project", 8))
EXPORT_COUNTRIES = ("United Arab Emirates", "Nepal", "Bangladesh", "Sri Lanka")


def write_customer_segments(path: Path | str, customers: Iterable[str]) -> Path:
    """Write a customer master CSV (Customer Name, Country, Segment) for `customers`, the names as the lines
    spell them. Customers are shuffled by a checksum of their name, so every run assigns the same: every 20th is
    abroad (the first one too, so a few customers have one), and the checksum picks the segment."""
    weights = [name for name, share in MASTER_SEGMENTS for _ in range(share)]
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Customer Name", "Country", "Segment"])
        for index, name in enumerate(sorted(set(customers), key=lambda name: (zlib.crc32(name.encode()), name))):
            abroad = EXPORT_COUNTRIES[index // 20 % len(EXPORT_COUNTRIES)] if index % 20 == 0 else None
            writer.writerow([name, abroad or "India", weights[zlib.crc32(name.encode()) % len(weights)]])
    return path
