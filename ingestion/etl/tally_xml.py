"""Read a Tally XML export of vouchers into one table shaped like Tally's item-wise Sales Register in Excel.

Tally Prime and Tally.ERP 9 export the Day Book, a Sales Register or any voucher list as "XML (Data Interchange)":
ENVELOPE / HEADER / BODY / IMPORTDATA / REQUESTDATA / TALLYMESSAGE / VOUCHER, one voucher per TALLYMESSAGE, with
ledger and stock item masters sometimes mixed in. Laid out as the register the rest of the pipeline already reads,
a voucher with stock items gives one row per item and a voucher without (accounting invoice, receipt, journal) one
row; every voucher type is kept, because the pipeline, not the reader, decides what counts as a sale.

What real exports look like, and what this module does about it:

* UTF-16 LE with a BOM is Tally's default; ASCII/UTF-8 exports exist. Decoded by BOM, else by declaration.
* Tally writes ``&#4;`` (and other control characters XML 1.0 forbids) before its built-in names, as in
  ``&#4; Not Applicable``. A strict parser rejects the whole file; these are stripped before parsing, and a value
  that began with ``&#4;`` is one of Tally's placeholders, so it reads as empty.
* Amounts are signed the accounting way: a credit is positive, a debit negative. In a sale the party ledger is
  debited (``<ISDEEMEDPOSITIVE>Yes</ISDEEMEDPOSITIVE>``, ``<AMOUNT>-1180.00</AMOUNT>``) and the items, sales and tax
  ledgers are credited. Amounts here are turned to face the party: a sale's lines and a credit note's lines both
  read positive, and ``Vch Type`` says which is which.
* DATE is ``YYYYMMDD``; RATE is ``1250.00/Nos``; ACTUALQTY and BILLEDQTY are `` 10 Nos``: kept as the text Tally
  wrote (the cleaner reads those), only trimmed; dates become ``dd-mm-yyyy``.
* Only direct children of a VOUCHER or of an entry are read: the same tags (AMOUNT, BILLEDQTY, GSTRATEDUTYHEAD)
  repeat inside batch, accounting and rate allocations.

Parsing is streaming (XMLPullParser fed in chunks, each finished voucher dropped from the tree), so memory follows
the output, not the file. A DOCTYPE or ENTITY declaration is refused before the parser sees it: Tally never writes
one, and entity expansion is how XML bombs work.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import pandas as pd

from ingestion.etl.errors import IngestError

if TYPE_CHECKING:
    from ingestion.etl.readers import RawSheet

FORMAT = "tally_xml"

COLUMNS = (
    "Date", "Particulars", "Vch Type", "Vch No.", "GSTIN/UIN", "Place of Supply", "Stock Item", "Quantity", "Rate",
    "Value", "CGST", "SGST", "IGST", "Cess", "Round Off", "Gross Total", "Narration", "Status",
)  # fmt: skip
# Shown only when some voucher has them, as Tally's register adds a column per extra ledger.
OPTIONAL_COLUMNS = ("Cess", "Round Off")
_COLUMN = {name: index for index, name in enumerate(COLUMNS)}
# Voucher fields every item row repeats, so a row never depends on the one above it.
_REPEATED = ("Date", "Particulars", "Vch Type", "Vch No.", "GSTIN/UIN", "Place of Supply", "Status")

_CHUNK_BYTES = 1024 * 1024
_HEAD_CHARS = 4096
# Stands in for Tally's &#4; marker until the value is read: a private-use character XML accepts.
_PLACEHOLDER = "\ue004"

_TAX_HEADS = (
    ("CGST", re.compile(r"\bcgst", re.IGNORECASE)),
    ("SGST", re.compile(r"\b(?:sgst|utgst)", re.IGNORECASE)),
    ("IGST", re.compile(r"\bigst", re.IGNORECASE)),
    ("Cess", re.compile(r"\bcess", re.IGNORECASE)),
)
_ROUND_OFF = re.compile(r"\bround", re.IGNORECASE)

_TALLY_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CHAR_REFERENCE = re.compile(r"&#(?:x([0-9a-fA-F]+)|([0-9]+));")
# Anything but the five predefined entities and character references: a bare '&' some exporter forgot to escape,
# or an entity no declaration defines (and none may: declarations are refused).
_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_FORBIDDEN_CHARS = re.compile("[\x00-\x03\x05-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_DECLARATION = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(r"""^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_MAX_REFERENCE_CHARS = 16  # '&#x10FFFF;' and '&quot;' are shorter: a longer tail is no reference


# ---------------------------------------------------------------- what detect_format asks


def looks_like_tally_xml(head: bytes, *, extension: str = "") -> bool:
    """Whether the first bytes of an upload are a Tally ENVELOPE, or XML uploaded as .xml.

    Other XML uploaded as .xml comes here too, so its uploader hears it is not a Tally export; web pages and
    Excel 2003 XML saved with a spreadsheet name are left to the readers' own refusals.
    """
    text = _decode_head(head).lstrip("\ufeff \t\r\n").lower()
    if not text.startswith("<"):
        return False
    if "<html" in text or "<!doctype html" in text or "urn:schemas-microsoft-com:office:spreadsheet" in text:
        return False
    return "<envelope" in text or extension.lower() == ".xml"


def _decode_head(head: bytes) -> str:
    encoding, bom = _bom_encoding(head)
    return head[bom:].decode(encoding or "utf-8", errors="ignore")


# ---------------------------------------------------------------- reading


def read_tally_xml(data: bytes, *, name: str) -> RawSheet:
    """The vouchers of a Tally XML export as one register-shaped table, or IngestError saying what to do."""
    from ingestion.etl.readers import RawSheet  # readers dispatches here, so it is imported when needed

    encoding, label = _choose_encoding(data)
    try:
        register = _read_register(data, encoding)
    except UnicodeDecodeError:
        # No BOM and no declaration, and not UTF-8 after all: an "ASCII" export from Windows Tally.
        encoding = label = "cp1252"
        register = _read_register(data, encoding)
    if not register.vouchers:
        raise _no_vouchers(register.other_records)
    notes = [f"Read {register.vouchers:,} voucher(s) from a Tally XML export."]
    if register.other_records:
        notes.append(f"Skipped {_describe_records(register.other_records)}: only vouchers are read.")
    return RawSheet(name=name, rows=register.frame(), file_format=FORMAT, encoding=label, notes=notes)


@dataclass
class _Register:
    """Rows as they are made, and what else the file held."""

    rows: list[list[str | None]] = field(default_factory=list)
    vouchers: int = 0
    other_records: Counter[str] = field(default_factory=Counter)

    def frame(self) -> pd.DataFrame:
        used = [
            index
            for index, column in enumerate(COLUMNS)
            if column not in OPTIONAL_COLUMNS or any(row[index] is not None for row in self.rows)
        ]
        table = [[COLUMNS[index] for index in used], *([row[index] for index in used] for row in self.rows)]
        frame = pd.DataFrame(table, dtype="str")
        frame.columns = range(len(used))
        frame.index = pd.RangeIndex(1, len(table) + 1)
        return frame


def _read_register(data: bytes, encoding: str) -> _Register:
    register = _Register()
    for voucher in _vouchers(_clean_chunks(_decoded_chunks(data, encoding)), register.other_records):
        register.rows.extend(voucher_rows(voucher))
        register.vouchers += 1
    return register


# ---------------------------------------------------------------- bytes to clean XML text


def _bom_encoding(data: bytes) -> tuple[str | None, int]:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return encoding, len(bom)
    if data[:2] == b"<\x00":
        return "utf-16-le", 0
    if data[:2] == b"\x00<":
        return "utf-16-be", 0
    return None, 0


def _choose_encoding(data: bytes) -> tuple[str, str]:
    """The codec to decode with and the name reported for it."""
    encoding, bom = _bom_encoding(data)
    if encoding:
        label = "utf-8-sig" if encoding == "utf-8" and bom else ("utf-16" if bom else encoding)
        return encoding, label
    declared = _DECLARED_ENCODING.match(data[:200].decode("ascii", errors="ignore").lstrip())
    if declared:
        try:
            name = codecs.lookup(declared.group(1)).name
        except LookupError:
            name = None
        # A UTF-16 declaration on bytes without UTF-16's zero bytes is wrong: the bytes are what they are.
        if name and not name.startswith(("utf-16", "utf-32")):
            return name, declared.group(1).lower()
    return "utf-8", "utf-8"


def _decoded_chunks(data: bytes, encoding: str) -> Iterator[str]:
    _, bom = _bom_encoding(data)
    errors = "strict" if encoding == "utf-8" else "replace"  # strict UTF-8 so a cp1252 file is noticed
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    view = memoryview(data)
    for start in range(bom, len(data), _CHUNK_BYTES):
        yield decoder.decode(view[start : start + _CHUNK_BYTES])
    # Bytes left over at the end are half a character: the file was cut off. Dropped, so the parser reports an
    # incomplete file rather than a bad character.
    try:
        yield decoder.decode(b"", final=True).rstrip("\ufffd")
    except UnicodeDecodeError:
        return


def _clean_chunks(chunks: Iterable[str]) -> Iterator[str]:
    """XML 1.0-valid text: forbidden characters and references to them gone, Tally's &#4; kept as a placeholder.

    A reference cut between two chunks is held back until the next one completes it.
    """
    pending = ""
    overlap = ""
    for chunk in chunks:
        text = pending + chunk
        ampersand = text.rfind("&")
        if ampersand >= 0 and ";" not in text[ampersand:] and len(text) - ampersand < _MAX_REFERENCE_CHARS:
            text, pending = text[:ampersand], text[ampersand:]
        else:
            pending = ""
        _refuse_declarations(overlap + text)
        overlap = text[-_MAX_REFERENCE_CHARS:]
        yield _clean_text(text)
    if pending:
        yield _clean_text(pending)


def _clean_text(text: str) -> str:
    text = _CHAR_REFERENCE.sub(_valid_reference, text)
    text = _BARE_AMPERSAND.sub("&amp;", text)
    return _FORBIDDEN_CHARS.sub("", text.replace("\x04", _PLACEHOLDER))


def _valid_reference(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    if code == 4:
        return _PLACEHOLDER
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return match.group()
    return ""


def _refuse_declarations(text: str) -> None:
    if _DECLARATION.search(text):
        raise IngestError(
            "This XML file declares a document type or entities (<!DOCTYPE> or <!ENTITY>). Tally never writes "
            "those, and they can make a file expand without limit, so it was not read. Export the vouchers from "
            "Tally again and upload that file.",
            code="xml_doctype",
        )


# ---------------------------------------------------------------- XML to vouchers


def _vouchers(chunks: Iterable[str], other_records: Counter[str]) -> Iterator[ET.Element]:
    """Each finished VOUCHER element, in file order; everything already read is dropped from the tree."""
    parser = ET.XMLPullParser(events=("start", "end"))
    walk = _Walk(other_records)
    for chunk in chunks:
        try:
            parser.feed(chunk)
            events = list(parser.read_events())
        except ET.ParseError as exc:
            raise _damaged(exc) from exc
        yield from walk.vouchers(events)
    try:
        parser.close()  # raises only here when the text ended before the ENVELOPE was closed
    except ET.ParseError as exc:
        raise _incomplete() from exc


class _Walk:
    """Where the parser is in the tree, across chunks."""

    def __init__(self, other_records: Counter[str]) -> None:
        self.open_elements: list[ET.Element] = []
        self.voucher_depth = 0
        self.other_records = other_records

    def vouchers(self, events: list[tuple[str, ET.Element]]) -> Iterator[ET.Element]:
        for event, element in events:
            if event == "start":
                self._enter(element)
                continue
            self.open_elements.pop()
            parent = self.open_elements[-1] if self.open_elements else None
            if element.tag == "VOUCHER":
                self.voucher_depth -= 1
                if self.voucher_depth == 0:
                    yield element
            elif self.voucher_depth == 0 and parent is not None and parent.tag == "TALLYMESSAGE":
                self.other_records[element.tag] += 1
            if self.voucher_depth == 0 and parent is not None:
                parent.remove(element)  # read and done with: memory stays at about one voucher

    def _enter(self, element: ET.Element) -> None:
        if not self.open_elements and element.tag != "ENVELOPE":
            raise _not_tally(element.tag)
        self.open_elements.append(element)
        if element.tag == "VOUCHER":
            self.voucher_depth += 1


# ---------------------------------------------------------------- one voucher to register rows


@dataclass
class _Entry:
    name: str
    amount: Decimal | None


def voucher_rows(voucher: ET.Element) -> list[list[str | None]]:
    """The register rows of one VOUCHER element: one per stock item, or one for an accounting voucher."""
    party = _text(voucher, "PARTYLEDGERNAME") or _text(voucher, "PARTYNAME")
    ledger_elements = _entries(voucher, ("ALLLEDGERENTRIES.LIST", "LEDGERENTRIES.LIST"), "LEDGERNAME")
    party_entries, others = _split_party(ledger_elements, party)
    party = party or (others[0].name if others else None)
    # Facing the party: a sale (party debited) and a credit note (party credited) both come out positive.
    party_total = _total(entry.amount for entry in party_entries)
    facing = Decimal(-1) if party_total is not None and party_total > 0 else Decimal(1)

    voucher_cells: dict[str, str | None] = {
        "Date": _register_date(_text(voucher, "DATE")),
        "Particulars": party,
        "Vch Type": _text(voucher, "VOUCHERTYPENAME") or _clean_value(voucher.get("VCHTYPE")),
        "Vch No.": _text(voucher, "VOUCHERNUMBER"),
        "GSTIN/UIN": _text(voucher, "PARTYGSTIN"),
        "Place of Supply": _text(voucher, "PLACEOFSUPPLY") or _text(voucher, "STATENAME"),
        "Status": _status(voucher),
    }
    first_row_cells: dict[str, str | None] = {
        "Gross Total": _plain(abs(party_total)) if party_total is not None else None,
        "Narration": _text(voucher, "NARRATION"),
    }
    ordinary: list[_Entry] = []
    for head, entries in _by_head(others).items():
        if head is None:
            ordinary = entries
        else:
            first_row_cells[head] = _plain(_facing_total(entries, facing))

    items = _entries(voucher, ("ALLINVENTORYENTRIES.LIST", "INVENTORYENTRIES.LIST"), "STOCKITEMNAME")
    if not items:  # an accounting voucher may still allocate stock items under its sales ledger
        items = [
            allocation
            for ledger in ledger_elements
            for allocation in ledger.findall("INVENTORYALLOCATIONS.LIST")
            if _text(allocation, "STOCKITEMNAME")
        ]
    if items:
        item_cells = [_item_cells(item, facing) for item in items]
    else:
        item_cells = [{"Value": _plain(_accounting_value(ordinary, party_entries, facing))}]

    rows = []
    for position, cells in enumerate(item_cells):
        row: list[str | None] = [None] * len(COLUMNS)
        for column, value in (voucher_cells | cells | (first_row_cells if position == 0 else {})).items():
            if position == 0 or column in _REPEATED or column in cells:
                row[_COLUMN[column]] = value
        rows.append(row)
    return rows


def _entries(voucher: ET.Element, tags: tuple[str, ...], name_tag: str) -> list[ET.Element]:
    """The first of ``tags`` that holds named entries: ALL...LIST is the complete list where Tally writes both."""
    for tag in tags:
        found = [entry for entry in voucher.findall(tag) if _text(entry, name_tag)]
        if found:
            return found
    return []


def _split_party(ledgers: list[ET.Element], party: str | None) -> tuple[list[_Entry], list[_Entry]]:
    entries = [
        (ledger, _Entry(_text(ledger, "LEDGERNAME") or "", _amount(_text(ledger, "AMOUNT")))) for ledger in ledgers
    ]
    flagged = [entry for ledger, entry in entries if _is_yes(_text(ledger, "ISPARTYLEDGER"))]
    if flagged:
        return flagged, [entry for ledger, entry in entries if not _is_yes(_text(ledger, "ISPARTYLEDGER"))]
    key = (party or "").casefold()
    named = [entry for _, entry in entries if key and entry.name.casefold() == key]
    return named, [entry for _, entry in entries if not (key and entry.name.casefold() == key)]


def _by_head(entries: list[_Entry]) -> dict[str | None, list[_Entry]]:
    """Entries grouped as CGST, SGST, IGST, Cess, Round Off, or None for sales and every other ledger."""
    groups: dict[str | None, list[_Entry]] = {None: []}
    for entry in entries:
        groups.setdefault(_head(entry.name), []).append(entry)
    return groups


def _head(ledger_name: str) -> str | None:
    for head, pattern in _TAX_HEADS:
        if pattern.search(ledger_name):
            return head
    return "Round Off" if _ROUND_OFF.search(ledger_name) else None


def _item_cells(item: ET.Element, facing: Decimal) -> dict[str, str | None]:
    amount_text = _text(item, "AMOUNT")
    amount = _amount(amount_text)
    return {
        "Stock Item": _text(item, "STOCKITEMNAME"),
        "Quantity": _squeeze(_text(item, "BILLEDQTY") or _text(item, "ACTUALQTY")),
        "Rate": _squeeze(_text(item, "RATE")),
        # An amount we can't read stays as written, so the cleaner rejects the row with its text.
        "Value": _plain(amount * facing) if amount is not None else amount_text,
    }


def _accounting_value(ordinary: list[_Entry], party_entries: list[_Entry], facing: Decimal) -> Decimal | None:
    """What a voucher without items is for: its non-party, non-tax ledgers, or its debits when it has no party."""
    if party_entries:
        total = _facing_total(ordinary, facing)
        return abs(total) if total is not None else None
    debits = [-entry.amount for entry in ordinary if entry.amount is not None and entry.amount < 0]
    return sum(debits, Decimal(0)) if debits else _total(entry.amount for entry in ordinary)


def _facing_total(entries: list[_Entry], facing: Decimal) -> Decimal | None:
    total = _total(entry.amount for entry in entries)
    return total * facing if total is not None else None


def _total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    present = [amount for amount in amounts if amount is not None]
    return sum(present, Decimal(0)) if present else None


def _status(voucher: ET.Element) -> str | None:
    if _is_yes(_text(voucher, "ISCANCELLED")):
        return "Cancelled"
    if _is_yes(_text(voucher, "ISOPTIONAL")):
        return "Optional"
    return None


# ---------------------------------------------------------------- cell text


def _text(element: ET.Element, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None else _clean_value(child.text)


def _clean_value(text: str | None) -> str | None:
    """Trimmed text, None when empty or one of Tally's &#4; placeholders ('Not Applicable', 'Unknown')."""
    if text is None:
        return None
    text = text.strip()
    if text.startswith(_PLACEHOLDER):
        return None
    return text.replace(_PLACEHOLDER, "").strip() or None


def _squeeze(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _is_yes(text: str | None) -> bool:
    return (text or "").strip().casefold() == "yes"


def _register_date(text: str | None) -> str | None:
    match = _TALLY_DATE.match(text or "")
    return f"{match[3]}-{match[2]}-{match[1]}" if match else text


def _amount(text: str | None) -> Decimal | None:
    """Tally's amount text as a Decimal; a foreign-currency amount ('$100.00 @ ₹83.10/$ = ₹8310.00') in rupees."""
    if not text:
        return None
    rupees = text.rsplit("=", 1)[-1]
    digits = re.sub(r"[^0-9.\-]", "", rupees)
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _plain(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(value.copy_abs() if value.is_zero() else value, "f")


# ---------------------------------------------------------------- refusals


def _describe_records(records: Counter[str]) -> str:
    names = {"LEDGER": "ledger", "STOCKITEM": "stock item", "GROUP": "group", "UNIT": "unit", "GODOWN": "godown"}
    parts = []
    for tag, count in records.most_common():
        noun = names.get(tag, tag.lower().replace(".list", ""))
        parts.append(f"{count:,} {noun}{'' if count == 1 else 's'}")
    return ", ".join(parts)


def _no_vouchers(records: Counter[str]) -> IngestError:
    held = f" It holds only masters ({_describe_records(records)})." if records else ""
    return IngestError(
        f"This Tally XML file holds no vouchers.{held} In Tally, open the Day Book (or the Sales Register) for the "
        "period you want, export it with the format XML (Data Interchange) so the file holds the vouchers "
        "themselves, and upload that.",
        code="tally_xml_no_vouchers",
    )


def _not_tally(root_tag: str) -> IngestError:
    return IngestError(
        f"This XML file is not a Tally export (its data starts with <{root_tag.split('}')[-1]}>, where Tally's "
        "starts with <ENVELOPE>). Upload a Tally XML export of vouchers (Day Book or Sales Register), or export "
        "the report as Excel or CSV and upload that.",
        code="not_tally_xml",
    )


def _incomplete() -> IngestError:
    return IngestError(
        "This Tally XML file is incomplete: it stops in the middle of the data, so it was probably cut off while "
        "it was exported, copied or uploaded. Export it from Tally again and upload the new file.",
        code="tally_xml_incomplete",
    )


def _damaged(exc: ET.ParseError) -> IngestError:
    line = exc.position[0] if getattr(exc, "position", None) else None
    where = f" at line {line:,}" if line else ""
    return IngestError(
        f"This Tally XML file is damaged{where}, so it can't be read. Export it from Tally again and upload the "
        "new file; if it was edited by hand, upload the original export.",
        code="tally_xml_damaged",
    )
