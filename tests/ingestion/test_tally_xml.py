"""Tally XML voucher exports: read into the item-wise Sales Register layout, loaded like the Excel register, and
clear refusals for XML that is not a usable Tally export.

The files are written here in code, with the quirks of real exports: UTF-16 LE with a BOM, ``&#4;`` placeholders
and other characters XML 1.0 forbids, VOUCHER attributes, batch, accounting and rate allocations repeating the
AMOUNT and GST tags inside each item, signed amounts (debits negative), and ledger and stock item masters mixed in.
The expected cells are worked out from the voucher descriptions, never from the XML.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from ingestion.etl import tally_xml
from ingestion.etl.errors import IngestError
from ingestion.etl.readers import read_table

PAISE = Decimal("0.01")
HEADER = [
    "Date", "Particulars", "Vch Type", "Vch No.", "GSTIN/UIN", "Place of Supply", "Stock Item", "Quantity", "Rate",
    "Value", "CGST", "SGST", "IGST", "Round Off", "Gross Total", "Narration", "Status",
]  # fmt: skip


# ---------------------------------------------------------------- describing vouchers


@dataclass
class Item:
    name: str
    quantity: int
    rate: Decimal
    unit: str = "Nos"

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.rate).quantize(PAISE, ROUND_HALF_UP)


@dataclass
class Voucher:
    """One voucher as its author sees it: everything positive; the XML writer signs the amounts as Tally does."""

    kind: str  # "Sales", "Credit Note" or "Receipt"
    number: str
    day: date
    party: str
    gstin: str | None = None
    place_of_supply: str | None = None
    items: list[Item] = field(default_factory=list)
    sales_ledger: str = "Sales GST 18%"
    accounting_value: Decimal | None = None  # a voucher without items: its sales (or bank) ledger amount
    tax_rate: Decimal = Decimal(18)
    inter_state: bool = False
    round_off: Decimal = Decimal(0)
    narration: str | None = None
    cancelled: bool = False
    optional: bool = False
    legacy_tags: bool = False  # Tally.ERP 9: INVENTORYENTRIES.LIST, no ISPARTYLEDGER

    @property
    def taxable(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal(0)) if self.items else self.accounting_value

    def tax(self, head: str) -> Decimal | None:
        if self.kind == "Receipt":
            return None
        if self.inter_state:
            return (self.taxable * self.tax_rate / 100).quantize(PAISE, ROUND_HALF_UP) if head == "IGST" else None
        return (self.taxable * self.tax_rate / 200).quantize(PAISE, ROUND_HALF_UP) if head in ("CGST", "SGST") else None

    @property
    def total(self) -> Decimal:
        taxes = sum((self.tax(head) or Decimal(0) for head in ("CGST", "SGST", "IGST")), Decimal(0))
        return self.taxable + taxes + self.round_off


# The party is debited in a sale and credited in a credit note or receipt; Tally writes debits negative.
PARTY_DEBITED = {"Sales": True, "Credit Note": False, "Receipt": False}


def day_book(vouchers: list[Voucher], *, masters: bool = True) -> list[Voucher | str]:
    """The vouchers with masters mixed in, as a Day Book exported with its ledgers and stock items."""
    if not masters:
        return list(vouchers)
    return [LEDGER_MASTER, vouchers[0], STOCK_ITEM_MASTER, *vouchers[1:], UNIT_MASTER]


LEDGER_MASTER = (
    '<LEDGER NAME="Kaveri Cables &amp; Wires" RESERVEDNAME=""><PARENT>Sundry Debtors</PARENT>'
    "<GSTREGISTRATIONTYPE>Regular</GSTREGISTRATIONTYPE><ISBILLWISEON>Yes</ISBILLWISEON>"
    '<OPENINGBALANCE>-25000.00</OPENINGBALANCE><LANGUAGENAME.LIST><NAME.LIST TYPE="String">'
    "<NAME>Kaveri Cables &amp; Wires</NAME></NAME.LIST></LANGUAGENAME.LIST></LEDGER>"
)
STOCK_ITEM_MASTER = (
    '<STOCKITEM NAME="Copper Wire 1.5 sqmm" RESERVEDNAME=""><PARENT>&#4; Primary</PARENT>'
    "<BASEUNITS>Nos</BASEUNITS><OPENINGBALANCE> 100 Nos</OPENINGBALANCE><OPENINGRATE>1100.00/Nos</OPENINGRATE>"
    "</STOCKITEM>"
)
UNIT_MASTER = '<UNIT NAME="Nos" RESERVEDNAME=""><NAME>Nos</NAME><ISSIMPLEUNIT>Yes</ISSIMPLEUNIT></UNIT>'


# ---------------------------------------------------------------- writing them as Tally does


def _signed(amount: Decimal, *, debit: bool) -> str:
    return f"{-amount if debit else amount:.2f}"


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _ledger_entry(tag: str, name: str, amount: Decimal, *, debit: bool, party: bool, legacy: bool) -> str:
    party_flag = "" if legacy else f"<ISPARTYLEDGER>{_yes(party)}</ISPARTYLEDGER>"
    bills = (
        "<BILLALLOCATIONS.LIST><NAME>1</NAME><BILLTYPE>New Ref</BILLTYPE>"
        f"<AMOUNT>{_signed(amount, debit=debit)}</AMOUNT></BILLALLOCATIONS.LIST>"
        if party
        else ""
    )
    return (
        f'<{tag}><OLDAUDITENTRYIDS.LIST TYPE="Number"><OLDAUDITENTRYIDS>-1</OLDAUDITENTRYIDS>'
        f"</OLDAUDITENTRYIDS.LIST><LEDGERNAME>{escape(name)}</LEDGERNAME>"
        "<GSTCLASS>&#4; Not Applicable</GSTCLASS>"
        f"<ISDEEMEDPOSITIVE>{_yes(debit)}</ISDEEMEDPOSITIVE>{party_flag}"
        f"<AMOUNT>{_signed(amount, debit=debit)}</AMOUNT>{bills}</{tag}>"
    )


def _inventory_entry(voucher: Voucher, item: Item, *, debit: bool) -> str:
    tag = "INVENTORYENTRIES.LIST" if voucher.legacy_tags else "ALLINVENTORYENTRIES.LIST"
    amount = _signed(item.amount, debit=debit)
    quantity = f" {item.quantity} {item.unit}"
    rates = "".join(
        f"<RATEDETAILS.LIST><GSTRATEDUTYHEAD>{head}</GSTRATEDUTYHEAD><GSTRATE> {rate}</GSTRATE></RATEDETAILS.LIST>"
        for head, rate in (("CGST", 9), ("SGST/UTGST", 9), ("IGST", 18))
    )
    return (
        f"<{tag}><STOCKITEMNAME>{escape(item.name)}</STOCKITEMNAME>"
        "<GSTOVRDNISREVCHARGEAPPL>&#4; Not Applicable</GSTOVRDNISREVCHARGEAPPL>"
        f"<ISDEEMEDPOSITIVE>{_yes(debit)}</ISDEEMEDPOSITIVE>"
        f"<RATE>{item.rate:.2f}/{item.unit}</RATE><AMOUNT>{amount}</AMOUNT>"
        f"<ACTUALQTY>{quantity}</ACTUALQTY><BILLEDQTY>{quantity}</BILLEDQTY>"
        "<BATCHALLOCATIONS.LIST><GODOWNNAME>Main Location</GODOWNNAME><BATCHNAME>Primary Batch</BATCHNAME>"
        f"<AMOUNT>{amount}</AMOUNT><ACTUALQTY>{quantity}</ACTUALQTY><BILLEDQTY>{quantity}</BILLEDQTY>"
        "</BATCHALLOCATIONS.LIST>"
        f"<ACCOUNTINGALLOCATIONS.LIST><LEDGERNAME>{escape(voucher.sales_ledger)}</LEDGERNAME>"
        f"<ISDEEMEDPOSITIVE>{_yes(debit)}</ISDEEMEDPOSITIVE><AMOUNT>{amount}</AMOUNT></ACCOUNTINGALLOCATIONS.LIST>"
        f"{rates}</{tag}>"
    )


def _entries(voucher: Voucher) -> str:
    if voucher.cancelled:
        return ""  # Tally keeps a cancelled voucher's number and date, and drops its entries
    party_debited = PARTY_DEBITED[voucher.kind]
    legacy = voucher.legacy_tags
    tag = "ALLLEDGERENTRIES.LIST" if not voucher.items and not legacy else "LEDGERENTRIES.LIST"
    parts = [_inventory_entry(voucher, item, debit=not party_debited) for item in voucher.items]
    parts.append(_ledger_entry(tag, voucher.party, voucher.total, debit=party_debited, party=True, legacy=legacy))
    if not voucher.items:
        ledger = "HDFC Bank A/c" if voucher.kind == "Receipt" else voucher.sales_ledger
        parts.append(
            _ledger_entry(tag, ledger, voucher.accounting_value, debit=not party_debited, party=False, legacy=legacy)
        )
    names = {"CGST": "Output CGST 9%", "SGST": "Output SGST 9%", "IGST": "IGST @18%"}
    if voucher.kind == "Credit Note":
        names = {"CGST": "CGST", "SGST": "SGST"}
    for head, name in names.items():
        tax = voucher.tax(head)
        if tax is not None:
            parts.append(_ledger_entry(tag, name, tax, debit=not party_debited, party=False, legacy=legacy))
    if voucher.round_off:
        debit = (voucher.round_off < 0) != (not party_debited)
        parts.append(_ledger_entry(tag, "Round Off", abs(voucher.round_off), debit=debit, party=False, legacy=legacy))
    return "".join(parts)


def _voucher_xml(voucher: Voucher) -> str:
    key = f"{voucher.number}-{voucher.day:%Y%m%d}"
    optional_fields = "".join(
        f"<{tag}>{escape(value)}</{tag}>"
        for tag, value in (
            ("PARTYGSTIN", voucher.gstin),
            ("PLACEOFSUPPLY", voucher.place_of_supply),
            ("NARRATION", voucher.narration),
        )
        if value
    )
    view = "Invoice Voucher View" if voucher.items else "Accounting Voucher View"
    return (
        f'<VOUCHER REMOTEID="udi-{key}" VCHKEY="vk-{key}:00000008" VCHTYPE="{voucher.kind}" ACTION="Create" '
        f'OBJVIEW="{view}"><OLDAUDITENTRYIDS.LIST TYPE="Number"><OLDAUDITENTRYIDS>-1</OLDAUDITENTRYIDS>'
        f"</OLDAUDITENTRYIDS.LIST><DATE>{voucher.day:%Y%m%d}</DATE><GUID>udi-{key}</GUID>"
        "<GSTREGISTRATIONTYPE>&#4; Unknown</GSTREGISTRATIONTYPE><VATDEALERTYPE>&#4; Unknown</VATDEALERTYPE>"
        f"<VOUCHERTYPENAME>{voucher.kind}</VOUCHERTYPENAME><VOUCHERNUMBER>{escape(voucher.number)}</VOUCHERNUMBER>"
        f"<PARTYLEDGERNAME>{escape(voucher.party)}</PARTYLEDGERNAME><PARTYNAME>{escape(voucher.party)}</PARTYNAME>"
        f"{optional_fields}<PERSISTEDVIEW>{view}</PERSISTEDVIEW>"
        f"<ISINVOICE>{_yes(bool(voucher.items))}</ISINVOICE>"
        f"<ISCANCELLED>{_yes(voucher.cancelled)}</ISCANCELLED><ISOPTIONAL>{_yes(voucher.optional)}</ISOPTIONAL>"
        '<UDF:VCHNOTE.LIST DESC="`VchNote`" ISLIST="YES" TYPE="String"><UDF:VCHNOTE DESC="`VchNote`">'
        "checked\x1f</UDF:VCHNOTE></UDF:VCHNOTE.LIST>"
        "<INVENTORYENTRIESIN.LIST>      </INVENTORYENTRIESIN.LIST>"
        f"{_entries(voucher)}</VOUCHER>"
    )


def tally_xml_text(records: list[Voucher | str]) -> str:
    """An XML (Data Interchange) export of these vouchers and masters, one TALLYMESSAGE each."""
    messages = "".join(
        '\r\n<TALLYMESSAGE xmlns:UDF="TallyUDF">\r\n'
        + (_voucher_xml(record) if isinstance(record, Voucher) else record)
        + "\r\n</TALLYMESSAGE>"
        for record in records
    )
    return (
        '<?xml version="1.0" encoding="UTF-16"?>\r\n<ENVELOPE>\r\n <HEADER>\r\n  <TALLYREQUEST>Import Data'
        "</TALLYREQUEST>\r\n </HEADER>\r\n <BODY>\r\n  <IMPORTDATA>\r\n   <REQUESTDESC>\r\n    <REPORTNAME>"
        "Vouchers</REPORTNAME>\r\n    <STATICVARIABLES><SVCURRENTCOMPANY>Sharma Traders Pvt Ltd</SVCURRENTCOMPANY>"
        "</STATICVARIABLES>\r\n   </REQUESTDESC>\r\n   <REQUESTDATA>"
        f"{messages}\r\n   </REQUESTDATA>\r\n  </IMPORTDATA>\r\n </BODY>\r\n</ENVELOPE>\r\n"
    )


def tally_xml_bytes(records: list[Voucher | str], encoding: str = "utf-16") -> bytes:
    """Encoded as Tally writes by default: UTF-16 LE with a BOM (Python's 'utf-16' on a little-endian machine)."""
    if encoding == "utf-16":
        return b"\xff\xfe" + tally_xml_text(records).encode("utf-16-le")
    return tally_xml_text(records).replace('encoding="UTF-16"', 'encoding="UTF-8"').encode(encoding)


# ---------------------------------------------------------------- the rows the register should show


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def expected_rows(vouchers: list[Voucher]) -> list[list[str | None]]:
    """Worked out from the descriptions: one row per item (voucher fields repeated), or one row without items."""
    rows = []
    for voucher in vouchers:
        status = "Cancelled" if voucher.cancelled else ("Optional" if voucher.optional else None)
        repeated = [voucher.day.strftime("%d-%m-%Y"), voucher.party, voucher.kind, voucher.number, voucher.gstin,
                    voucher.place_of_supply]  # fmt: skip
        first_only = {
            "taxes": [None] * 3 if voucher.cancelled else [_money(voucher.tax(h)) for h in ("CGST", "SGST", "IGST")],
            "round_off": _money(voucher.round_off) if voucher.round_off and not voucher.cancelled else None,
            "gross": None if voucher.cancelled else _money(voucher.total),
            "narration": voucher.narration,
        }
        lines = [(i.name, f"{i.quantity} {i.unit}", f"{i.rate:.2f}/{i.unit}", _money(i.amount)) for i in voucher.items]
        if not lines:
            lines = [(None, None, None, None if voucher.cancelled else _money(voucher.accounting_value))]
        for position, (item, quantity, rate, value) in enumerate(lines):
            first = position == 0
            taxes = first_only["taxes"] if first else [None] * 3
            rows.append([*repeated, item, quantity, rate, value, *taxes,
                         first_only["round_off"] if first else None, first_only["gross"] if first else None,
                         first_only["narration"] if first else None, status])  # fmt: skip
    return rows


def cells(sheet) -> list[list[object]]:
    return [[None if value != value else value for value in row] for row in sheet.rows.to_numpy().tolist()]


# ---------------------------------------------------------------- the vouchers of the tests

APRIL = 2024


def three_item_sale() -> Voucher:
    return Voucher(
        "Sales", "S/24-25/001", date(APRIL, 4, 1), "Kaveri Cables & Wires", gstin="27AAPFU0939F1ZV",
        place_of_supply="Maharashtra",
        items=[Item("Copper Wire 1.5 sqmm", 10, Decimal("1250.00")), Item("MCB 16A", 5, Decimal("200.00")),
               Item("Modular Switch 6A", 3, Decimal("333.33"))],
        round_off=Decimal("0.01"), narration="Being goods sold vide challan 12",
    )  # fmt: skip


def inter_state_sale() -> Voucher:
    return Voucher(
        "Sales", "S/24-25/002", date(APRIL, 4, 2), "राम ट्रेडर्स", gstin="29AAPFU0939F1ZR",
        place_of_supply="Karnataka", items=[Item("Copper Wire 1.5 sqmm", 4, Decimal("1250.00"))], inter_state=True,
        legacy_tags=True,
    )  # fmt: skip


def accounting_sale() -> Voucher:
    return Voucher(
        "Sales", "S/24-25/003", date(APRIL, 4, 3), "Señor Cañón Exports", place_of_supply="Maharashtra",
        accounting_value=Decimal("5000.00"), sales_ledger="Sales GST 18%",
    )  # fmt: skip


def cancelled_sale() -> Voucher:
    return Voucher("Sales", "S/24-25/004", date(APRIL, 4, 4), "Kaveri Cables & Wires", cancelled=True)


def optional_sale() -> Voucher:
    return Voucher(
        "Sales", "S/24-25/005", date(APRIL, 4, 5), "Kaveri Cables & Wires", place_of_supply="Maharashtra",
        items=[Item("MCB 16A", 1, Decimal("200.00"))], optional=True,
    )  # fmt: skip


def receipt() -> Voucher:
    return Voucher(
        "Receipt", "R/001", date(APRIL, 4, 6), "Kaveri Cables & Wires", accounting_value=Decimal("10000.00"),
        narration="Received by NEFT",
    )  # fmt: skip


def credit_note() -> Voucher:
    return Voucher(
        "Credit Note", "CN/24-25/001", date(APRIL, 4, 12), "Kaveri Cables & Wires", gstin="27AAPFU0939F1ZV",
        place_of_supply="Maharashtra", items=[Item("Copper Wire 1.5 sqmm", 2, Decimal("1250.00"))],
    )  # fmt: skip


def all_vouchers() -> list[Voucher]:
    return [three_item_sale(), inter_state_sale(), accounting_sale(), cancelled_sale(), optional_sale(), receipt(),
            credit_note()]  # fmt: skip


# ---------------------------------------------------------------- reading


def read_one(path: Path):
    sheets = read_table(path, filename=path.name)
    assert len(sheets) == 1
    return sheets[0]


@pytest.mark.parametrize(
    ("encoding", "reported"), [("utf-16", "utf-16"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")]
)
def test_day_book_reads_as_the_item_wise_sales_register(write_file, encoding, reported):
    vouchers = all_vouchers()
    sheet = read_one(write_file("DayBook.xml", tally_xml_bytes(day_book(vouchers), encoding)))

    assert sheet.file_format == "tally_xml" and sheet.encoding == reported
    assert cells(sheet) == [HEADER, *expected_rows(vouchers)]
    assert list(sheet.rows.index) == list(range(1, 1 + 1 + 9))  # the header, then 7 vouchers, one of 3 items
    assert sheet.rows.columns.tolist() == list(range(len(HEADER)))
    assert "Skipped 1 ledger, 1 stock item, 1 unit" in " ".join(sheet.notes)


def test_the_worked_figures_are_the_ones_tally_would_show():
    """Pins the test's own arithmetic, so a slip in the builder can't make reader and test agree on nonsense."""
    sale = three_item_sale()
    assert [item.amount for item in sale.items] == [Decimal("12500.00"), Decimal("1000.00"), Decimal("999.99")]
    assert (sale.tax("CGST"), sale.tax("SGST"), sale.tax("IGST")) == (Decimal("1305.00"), Decimal("1305.00"), None)
    assert sale.total == Decimal("17110.00")
    assert inter_state_sale().total == Decimal("5900.00") and accounting_sale().total == Decimal("5900.00")


def test_a_tally_xml_export_saved_with_a_spreadsheet_name_is_still_read(write_file):
    sheet = read_one(write_file("daybook.xls", tally_xml_bytes([three_item_sale()])))
    assert sheet.file_format == "tally_xml" and len(sheet.rows) == 4


def test_placeholders_and_forbidden_characters_are_tolerated(write_file):
    text = tally_xml_text([receipt()])
    text = text.replace("<NARRATION>Received by NEFT", "<NARRATION>Received&#1; by&#x1F; NEFT\x02")
    text = text.replace("<PARTYNAME>", "<PLACEOFSUPPLY>&#4; Not Applicable</PLACEOFSUPPLY><PARTYNAME>")
    sheet = read_one(write_file("receipt.xml", b"\xff\xfe" + text.encode("utf-16-le")))

    header, row = cells(sheet)
    row = dict(zip(header, row, strict=True))
    assert row["Narration"] == "Received by NEFT" and row["Place of Supply"] is None
    assert row["Value"] == "10000.00" and row["Gross Total"] == "10000.00"


def test_a_reference_cut_between_two_chunks_is_read_whole(write_file, monkeypatch):
    monkeypatch.setattr(tally_xml, "_CHUNK_BYTES", 7)  # every '&#4;' and '&amp;' straddles some boundary
    vouchers = [three_item_sale(), inter_state_sale(), receipt()]
    sheet = read_one(write_file("DayBook.xml", tally_xml_bytes(day_book(vouchers))))
    assert cells(sheet) == [HEADER, *expected_rows(vouchers)]


@pytest.mark.parametrize(
    ("ledger", "column"),
    [
        ("Output CGST 9%", "CGST"),
        ("CGST", "CGST"),
        ("Output SGST 9%", "SGST"),
        ("UTGST @9%", "SGST"),
        ("IGST @18%", "IGST"),
        ("Output Cess", "Cess"),
        ("Round Off", "Round Off"),
        ("Rounding Off A/c", "Round Off"),
        ("Sales GST 18%", "Value"),
        ("Processing Charges", "Value"),
    ],
)
def test_ledgers_are_told_apart_by_their_names(ledger, column):
    voucher = (
        '<VOUCHER VCHTYPE="Sales"><DATE>20240401</DATE><VOUCHERTYPENAME>Sales</VOUCHERTYPENAME>'
        "<PARTYLEDGERNAME>Ravi</PARTYLEDGERNAME>"
        "<ALLLEDGERENTRIES.LIST><LEDGERNAME>Ravi</LEDGERNAME><AMOUNT>-112.50</AMOUNT></ALLLEDGERENTRIES.LIST>"
        "<ALLLEDGERENTRIES.LIST><LEDGERNAME>Sales</LEDGERNAME><AMOUNT>100.00</AMOUNT></ALLLEDGERENTRIES.LIST>"
        f"<ALLLEDGERENTRIES.LIST><LEDGERNAME>{ledger}</LEDGERNAME><AMOUNT>12.50</AMOUNT></ALLLEDGERENTRIES.LIST>"
        "</VOUCHER>"
    )
    sheet = tally_xml.read_tally_xml(tally_xml_text([voucher]).encode("utf-8"), name="x.xml")

    header, row = cells(sheet)
    values = dict(zip(header, row, strict=True))
    assert values["Value"] == ("112.50" if column == "Value" else "100.00")
    if column != "Value":
        assert values[column] == "12.50"
    assert values["Gross Total"] == "112.50"


def _streamed(vouchers: list[Voucher]) -> Iterator[str]:
    """The export of ``vouchers`` handed over one TALLYMESSAGE at a time, so only the parser can hold it all."""
    head, tail = tally_xml_text([]).split("<REQUESTDATA>")
    yield head + "<REQUESTDATA>"
    for voucher in vouchers:
        yield tally_xml_text([voucher]).split("<REQUESTDATA>")[1].split("\r\n   </REQUESTDATA>")[0]
    yield tail


def _peak_bytes_to_walk(count: int) -> int:
    vouchers = [three_item_sale()] * count
    tracemalloc.start()
    try:
        seen = sum(1 for _ in tally_xml._vouchers(tally_xml._clean_chunks(_streamed(vouchers)), Counter()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    return peak


def test_memory_stays_flat_however_many_vouchers_the_file_holds():
    """Each voucher is dropped from the tree once read: 20 times the vouchers must not need 20 times the memory."""
    assert _peak_bytes_to_walk(2000) < 2 * _peak_bytes_to_walk(100)


# ---------------------------------------------------------------- refusals


UBL_INVOICE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
    b"<ID>INV-1</ID></Invoice>"
)
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>'


def _billion_laughs() -> bytes:
    """Nine levels of ten references each: a billion 'lol's if a parser expanded them."""
    levels = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        previous = f"lol{level - 1}" if level > 1 else "lol"
        levels.append(f'<!ENTITY lol{level} "{f"&{previous};" * 10}">')
    declarations = "\n ".join(levels)
    document = f"<!DOCTYPE ENVELOPE [\n {declarations}\n]>\n<ENVELOPE><BODY>&lol9;</BODY></ENVELOPE>"
    return f'<?xml version="1.0"?>\n{document}'.encode()


BILLION_LAUGHS = _billion_laughs()
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE ENVELOPE [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<ENVELOPE><BODY>&xxe;</BODY></ENVELOPE>"
)


def _truncated() -> bytes:
    whole = tally_xml_bytes(day_book([three_item_sale(), receipt()]))
    cut = whole.index("<STOCKITEMNAME>MCB".encode("utf-16-le")) + 9  # mid-element, and mid-character
    return whole[:cut]


def _masters_only() -> bytes:
    return tally_xml_bytes([LEDGER_MASTER, STOCK_ITEM_MASTER, LEDGER_MASTER])


def _mismatched() -> bytes:
    return tally_xml_text([receipt()]).replace("</VOUCHERNUMBER>", "</VOUCHERNO>").encode("utf-8")


BAD_FILES = {
    # name: (bytes, file name, code, words the message must hold)
    "ubl": (UBL_INVOICE, "invoice.xml", "not_tally_xml", ["This XML file is not a Tally export", "<Invoice>"]),
    "rss": (RSS, "feed.xml", "not_tally_xml", ["This XML file is not a Tally export", "Excel or CSV"]),
    "truncated": (_truncated(), "DayBook.xml", "tally_xml_incomplete", ["incomplete", "Export it from Tally again"]),
    "masters": (
        _masters_only(),
        "Masters.xml",
        "tally_xml_no_vouchers",
        ["no vouchers", "2 ledgers, 1 stock item", "Day Book", "Sales Register"],
    ),
    "bomb": (BILLION_LAUGHS, "DayBook.xml", "xml_doctype", ["<!DOCTYPE>", "Export the vouchers from Tally again"]),
    "bomb_utf16": (b"\xff\xfe" + BILLION_LAUGHS.decode().encode("utf-16-le"), "DayBook.xml", "xml_doctype", []),
    "external": (EXTERNAL_ENTITY, "DayBook.xml", "xml_doctype", ["<!ENTITY>"]),
    "damaged": (_mismatched(), "DayBook.xml", "tally_xml_damaged", ["damaged at line", "Export it from Tally"]),
}


@pytest.mark.parametrize("case", BAD_FILES.keys())
def test_bad_xml_is_refused_with_a_message_saying_what_to_do(write_file, case):
    content, name, code, words = BAD_FILES[case]
    started = time.perf_counter()
    with pytest.raises(IngestError) as caught:
        read_table(write_file(name, content), filename=name)

    assert caught.value.code == code
    assert all(word in caught.value.message for word in words), caught.value.message
    assert time.perf_counter() - started < 2  # nothing was expanded


def test_other_xml_saved_with_a_spreadsheet_name_is_refused_as_before(write_file):
    with pytest.raises(IngestError) as caught:
        read_table(write_file("feed.xls", RSS), filename="feed.xls")
    assert caught.value.code == "xml"


def test_a_declaration_is_refused_even_when_cut_between_two_chunks(monkeypatch):
    monkeypatch.setattr(tally_xml, "_CHUNK_BYTES", 5)
    with pytest.raises(IngestError) as caught:
        tally_xml.read_tally_xml(EXTERNAL_ENTITY, name="x.xml")
    assert caught.value.code == "xml_doctype"


# ---------------------------------------------------------------- loading through the pipeline


def upload(content: bytes, name: str):
    from django.core.files import File

    from ingestion import services

    with io.BytesIO(content) as handle:
        job = services.upload_create(file=File(handle, name=name), kind="sales", run="inline")
    return services.import_run(job_id=job.pk)


@pytest.fixture
def company(make_company):
    from django_tenants.utils import tenant_context

    company, _ = make_company("tallyxml", home_state="27")
    with tenant_context(company):
        yield company


def _counted() -> tuple[int, Decimal]:
    from django.db.models import Sum

    from ingestion.models import SalesLine

    counted = SalesLine.objects.filter(counts=True)
    return counted.count(), counted.aggregate(total=Sum("net_amount"))["total"]


@pytest.mark.django_db
def test_sales_vouchers_load_like_the_excel_register(company):
    from ingestion.models import SalesLine

    sales = [three_item_sale(), inter_state_sale(), accounting_sale(), cancelled_sale()]
    job = upload(tally_xml_bytes(day_book(sales)), "DayBook.xml")

    assert job.status == "succeeded", job.error
    assert job.rows_loaded == 6 and job.rows_rejected == 0
    expected = sum((voucher.taxable for voucher in sales if not voucher.cancelled), Decimal(0))
    assert _counted() == (5, expected)
    first = SalesLine.objects.get(invoice_number="S/24-25/001", product_name="Copper Wire 1.5 sqmm")
    assert (first.quantity, first.unit, first.unit_price) == (Decimal(10), "Nos", Decimal("1250"))
    assert (first.cgst, first.sgst, first.igst) == (Decimal("1305"), Decimal("1305"), Decimal(0))
    assert first.state_code == "27" and str(first.invoice_date) == "2024-04-01"
    assert SalesLine.objects.get(invoice_number="S/24-25/002").igst == Decimal("900")
    assert SalesLine.objects.get(invoice_number="S/24-25/004").is_cancelled


@pytest.mark.django_db
def test_a_whole_day_book_counts_only_its_sales(company):
    """The receipt is left out, the credit note is a return and the cancelled sale does not count.

    The optional voucher is left out of this file: whether an optional sale counts is not a voucher-type rule.
    """
    vouchers = [v for v in all_vouchers() if not v.optional]
    job = upload(tally_xml_bytes(day_book(vouchers)), "DayBook.xml")

    assert job.status == "succeeded", job.error
    assert job.rows_loaded == 3 + 1 + 1 + 1 + 1  # the sales' lines, the cancelled sale's, the credit note's
    counted = [three_item_sale(), inter_state_sale(), accounting_sale()]
    assert _counted() == (5, sum((voucher.taxable for voucher in counted), Decimal(0)))


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["ubl", "truncated", "masters", "bomb", "damaged"])
def test_bad_xml_fails_the_job_with_its_message_and_loads_nothing(company, case):
    from ingestion.models import SalesLine

    content, name, _, words = BAD_FILES[case]
    job = upload(content, name)

    assert job.status == "failed"
    assert all(word in job.error for word in words), job.error
    assert job.rows_loaded == 0 and SalesLine.objects.count() == 0
