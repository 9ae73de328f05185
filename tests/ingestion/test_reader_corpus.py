"""A corpus of awkward workbooks, each built here byte by byte: what can be read is read, what can't is refused for
its true reason, a crash inside a reader never escapes, and a tiny file can't take huge memory.

Legacy .xls files are written record by record (BIFF8) inside a minimal OLE compound file, so no binary fixture is
committed and every oddity (a capitalised stream name, a lying DIMENSIONS record, a FILEPASS record) is one line.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingestion.etl import readers
from ingestion.etl.errors import IngestError
from ingestion.etl.readers import read_table

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _back_to_public():
    """Overrides the project-wide schema reset: these tests never touch Django or a database."""
    yield


# ---------------------------------------------------------------- an OLE compound file, version 3

_SECTOR = 512
_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
_MINI_STREAM_CUTOFF = 4096


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding top-level ``streams``, each in regular sectors (padded past the mini-stream cutoff,
    which BIFF readers ignore: they stop at the EOF record)."""
    names = list(streams)
    payloads = [_past_the_cutoff(streams[name]) for name in names]
    payload_sectors = [-(-len(payload) // _SECTOR) for payload in payloads]
    directory_sectors = -(-(1 + len(names)) // 4)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + directory_sectors + sum(payload_sectors):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("streams too large for a compound file without DIFAT sectors")
    fat = [_FATSECT] * fat_sectors
    first_directory_sector = len(fat)
    starts = []
    for count in [directory_sectors, *payload_sectors]:
        starts.append(len(fat))
        fat += [len(fat) + index + 1 for index in range(count - 1)] + [_ENDOFCHAIN]
    fat += [_FREESECT] * (fat_sectors * 128 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        fat_sectors,
        first_directory_sector,
        0,
        _MINI_STREAM_CUTOFF,
        _ENDOFCHAIN,
        0,
        _ENDOFCHAIN,
        0,
    )
    header += struct.pack("<109I", *range(fat_sectors), *[_FREESECT] * (109 - fat_sectors))
    directory = _directory_entry("Root Entry", 5, child=1 if names else _NOSTREAM, start=_ENDOFCHAIN, size=0)
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else _NOSTREAM
        directory += _directory_entry(name, 2, right=right, start=starts[index + 1], size=len(payloads[index]))
    directory = directory.ljust(directory_sectors * _SECTOR, b"\0")
    body = b"".join(
        payload.ljust(count * _SECTOR, b"\0") for payload, count in zip(payloads, payload_sectors, strict=True)
    )
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + body


def _past_the_cutoff(data: bytes) -> bytes:
    """Zero records (4 bytes each) up to the cutoff: msoffcrypto walks the padding too and wants whole headers."""
    padding = max(_MINI_STREAM_CUTOFF - len(data), 0)
    return data + bytes(padding + -padding % 4)


def _directory_entry(name: str, kind: int, *, start: int, size: int, right=_NOSTREAM, child=_NOSTREAM) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    return struct.pack(
        "<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, _NOSTREAM, right, child, bytes(16), 0, 0, 0, start, size
    )


# ---------------------------------------------------------------- BIFF8 records

BOF, EOF, FILEPASS, BOUNDSHEET, DIMENSIONS = 0x0809, 0x000A, 0x002F, 0x0085, 0x0200
GENERAL_XF, DATE_XF, DATETIME_XF, TIME_XF = 15, 16, 17, 18
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


@dataclass(frozen=True)
class Raw:
    """A record written as given, in place of a cell."""

    data: bytes


@dataclass(frozen=True)
class Dated:
    """A number stored with a date format: how a corrupt or absurd date is written."""

    serial: float


def record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def bof(substream: int) -> bytes:
    return record(BOF, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0x41, 0x06))


def number(row: int, column: int, value: float, xf: int = GENERAL_XF) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, column, xf, value))


def boolerr(row: int, column: int, value: int, *, error: bool) -> bytes:
    return record(0x0205, struct.pack("<HHHBB", row, column, GENERAL_XF, value, int(error)))


def mulrk(row: int, first_column: int, integers: list[int]) -> bytes:
    """A run of RK numbers in one record, as Excel writes adjacent numbers."""
    runs = b"".join(struct.pack("<HI", GENERAL_XF, (value << 2) | 0x02) for value in integers)
    return record(
        0x00BD, struct.pack("<HH", row, first_column) + runs + struct.pack("<H", first_column + len(integers) - 1)
    )


def dimensions(rows: int, columns: int) -> bytes:
    return record(DIMENSIONS, struct.pack("<IIHHH", 0, rows, 0, columns, 0))


def _globals_head(extra: bytes) -> bytes:
    font = record(0x0031, struct.pack("<HHHHHBBBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0, 5, 0) + b"Arial")
    style_xfs = b"".join(record(0x00E0, struct.pack("<HHH", 0, 0, 0xFFF5) + bytes(14)) for _ in range(15))
    cell_xfs = b"".join(record(0x00E0, struct.pack("<HHH", 0, fmt, 0x0001) + bytes(14)) for fmt in (0, 14, 22, 21))
    return bof(0x0005) + extra + record(0x0042, struct.pack("<H", 1200)) + font * 5 + style_xfs + cell_xfs


def _cell(row: int, column: int, value: object, strings: dict[str, int]) -> bytes:
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, str):
        return record(0x00FD, struct.pack("<HHHI", row, column, GENERAL_XF, strings.setdefault(value, len(strings))))
    if isinstance(value, Dated):
        return number(row, column, value.serial, DATE_XF)
    if isinstance(value, bool):
        return boolerr(row, column, int(value), error=False)
    if isinstance(value, datetime.datetime):
        return number(row, column, (value - _EXCEL_EPOCH) / datetime.timedelta(days=1), DATETIME_XF)
    if isinstance(value, datetime.date):
        return number(row, column, (value - _EXCEL_EPOCH.date()).days, DATE_XF)
    if isinstance(value, datetime.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return number(row, column, seconds / 86400, TIME_XF)
    return number(row, column, float(value))


def xls_stream(
    sheets: dict[str, list[list[object]]],
    *,
    kinds: dict[str, int] | None = None,
    hidden: tuple[str, ...] = (),
    declared: dict[str, tuple[int, int]] | None = None,
    globals_extra: bytes = b"",
) -> bytes:
    """A BIFF8 workbook stream; ``kinds`` marks sheets as macro sheets (1), ``declared`` sets DIMENSIONS."""
    strings: dict[str, int] = {}
    bodies = []
    for name, rows in sheets.items():
        kind = (kinds or {}).get(name, 0)
        cells = [
            _cell(r, c, value, strings)
            for r, row in enumerate(rows)
            for c, value in enumerate(row)
            if value is not None
        ]
        width = max((len(row) for row in rows), default=0)
        rows_declared, columns_declared = (declared or {}).get(name, (len(rows), width))
        substream = 0x0040 if kind == 1 else 0x0010
        bodies.append(
            (name, kind, bof(substream) + dimensions(rows_declared, columns_declared) + b"".join(cells) + record(EOF))
        )
    head = _globals_head(globals_extra)
    sst = b""
    if strings:
        text = b"".join(struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings)
        sst = record(0x00FC, struct.pack("<II", len(strings), len(strings)) + text)
    boundsheets_size = sum(len(_boundsheet(0, name, kind, False)) for name, kind, _ in bodies)
    offset = len(head) + boundsheets_size + len(sst) + len(record(EOF))
    boundsheets = b""
    for name, kind, body in bodies:
        boundsheets += _boundsheet(offset, name, kind, name in hidden)
        offset += len(body)
    return head + boundsheets + sst + record(EOF) + b"".join(body for _, _, body in bodies)


def _boundsheet(offset: int, name: str, kind: int, hidden: bool) -> bytes:
    return record(BOUNDSHEET, struct.pack("<IBBBB", offset, int(hidden), kind, len(name), 1) + name.encode("utf-16-le"))


def xls_file(sheets: dict[str, list[list[object]]], *, stream_name: str = "Workbook", **options) -> bytes:
    return ole_file({stream_name: xls_stream(sheets, **options)})


SALES = [
    ["Date", "Party", "Amount"],
    [datetime.date(2024, 4, 1), "Ravi Traders", 1200.5],
    [datetime.date(2024, 4, 2), "Sita & Co", 7],
]
SALES_TEXT = [["Date", "Party", "Amount"], ["2024-04-01", "Ravi Traders", "1200.5"], ["2024-04-02", "Sita & Co", "7"]]


def cells(sheet) -> list[list[object]]:
    return [[None if value != value else value for value in row] for row in sheet.rows.to_numpy().tolist()]


def refusal(path: Path, filename: str | None = None, **limits) -> IngestError:
    with pytest.raises(IngestError) as caught:
        read_table(path, filename=filename or path.name, **limits)
    return caught.value


@pytest.fixture
def without_calamine(monkeypatch):
    """Make calamine refuse every workbook as damaged, so the second reader does the reading."""

    def refuse(*_args, **_kwargs):
        raise readers._damaged()

    monkeypatch.setattr(readers, "_read_with_calamine", refuse)


# ---------------------------------------------------------------- the right reason when refusing


def _biff_bof(record_type: int, version: int, substream: int) -> bytes:
    return struct.pack("<HHHHH", record_type, 6, version, substream, 0) + b"\x00" * 64


def _filepass_xor() -> bytes:
    return record(FILEPASS, struct.pack("<HHH", 0, 0x1234, 0x5678))  # a key and verifier not of the default password


def _encrypted_xlsx(build_xlsx, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = build_xlsx({"Sales": SALES})
    encrypted = io.BytesIO()
    with plain.open("rb") as handle:
        OOXMLFile(handle).encrypt(password, encrypted)
    return encrypted.getvalue()


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


REFUSALS = {
    # name: (file name, bytes builder, code, words the message must contain)
    "xlsx with a real password": (
        "locked.xlsx",
        lambda build_xlsx: _encrypted_xlsx(build_xlsx, "s3cret"),
        "encrypted",
        ["password-protected", "remove the password"],
    ),
    "xls obfuscated with XOR": (
        "locked.xls",
        lambda _: xls_file({"Sales": SALES}, globals_extra=_filepass_xor()),
        "encrypted",
        ["password-protected"],
    ),
    "xls encrypted with RC4 and a real password": (
        "locked.xls",
        lambda _: rc4_encrypted_xls({"Sales": SALES}, password="s3cret"),
        "encrypted",
        ["password-protected"],
    ),
    "xls whose workbook stream is noise": (
        "noise.xls",
        lambda _: ole_file({"Workbook": bytes(range(256)) * 20}),
        "damaged",
        ["damaged", "save it again as .xlsx"],
    ),
    "xls cut off before its list of sheets": (
        "cut.xls",
        lambda _: ole_file({"Workbook": xls_stream({"Sales": SALES * 40})[:500]}),
        "damaged",
        ["damaged"],
    ),
    "xlsx whose workbook part is not XML": (
        "broken.xlsx",
        lambda _: _zip({"xl/workbook.xml": "not xml <<<", "[Content_Types].xml": "nor this"}),
        "damaged",
        ["damaged"],
    ),
    "Excel 3.0 worksheet": (
        "old.xls",
        lambda _: _biff_bof(0x0209, 0x0300, 0x0010),
        "old_excel",
        ["Excel 3.0/4.0 worksheet", "save it as .xlsx"],
    ),
    "Excel 4.0 worksheet": (
        "old.xls",
        lambda _: _biff_bof(0x0409, 0x0400, 0x0010),
        "old_excel",
        ["Excel 3.0/4.0 worksheet", "save it as .xlsx"],
    ),
    "Excel 4.0 workbook": (
        "old.xlw",
        lambda _: _biff_bof(0x0409, 0x0400, 0x0100),
        "old_excel",
        ["Excel 3.0/4.0 workbook", "save it as .xlsx"],
    ),
    "Excel 2.x worksheet": (
        "old.xls",
        lambda _: struct.pack("<HHHH", 0x0009, 4, 0x0002, 0x0010) + b"\x00" * 64,
        "old_excel",
        ["Excel 2.x worksheet", "save it as .xlsx"],
    ),
    "Word document in OLE renamed .xls": (
        "report.xls",
        lambda _: ole_file({"WordDocument": b"\x00" * 100}),
        "not_a_table",
        ["a Word document renamed to .xls"],
    ),
    "OLE file with no workbook in it": (
        "report.xls",
        lambda _: ole_file({"Contents": b"\x00" * 100}),
        "ole",
        ["old Microsoft Office file but not a spreadsheet"],
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_each_unreadable_file_is_refused_for_its_true_reason(case, write_file, build_xlsx):
    filename, build, code, words = REFUSALS[case]
    error = refusal(write_file(filename, build(build_xlsx)))
    assert error.code == code, str(error)
    for word in words:
        assert word in str(error)


def test_the_refusal_reasons_are_distinct_messages(write_file, build_xlsx):
    messages = {}
    for filename, build, code, _ in REFUSALS.values():
        messages.setdefault(code, set()).add(str(refusal(write_file(filename, build(build_xlsx)))))
    firsts = {code: sorted(texts)[0] for code, texts in messages.items()}
    assert len(set(firsts.values())) == len(firsts)


# ---------------------------------------------------------------- read what can be read


@pytest.mark.parametrize("stream_name", ["Workbook", "WORKBOOK", "workbook", "Book", "BOOK"])
def test_workbook_stream_name_in_any_case_is_read(write_file, stream_name):
    sheet = read_table(write_file("erp.xls", xls_file({"Sales": SALES}, stream_name=stream_name)), filename="erp.xls")
    assert [cells(s) for s in sheet] == [SALES_TEXT]


def test_macro_sheet_is_skipped_and_worksheets_kept(write_file):
    path = write_file("macro.xls", xls_file({"Macro1": [["=HALT()"]], "Sales": SALES}, kinds={"Macro1": 1}))
    sheets = read_table(path, filename="macro.xls")
    assert [(s.name, cells(s)) for s in sheets] == [("Sales", SALES_TEXT)]


def test_macro_sheet_calamine_cannot_parse_does_not_lose_the_worksheets(write_file):
    # An error code outside Excel's list makes calamine refuse the whole workbook ("Unrecognized error: 0x3").
    broken = Raw(boolerr(0, 1, 3, error=True))
    path = write_file("macro.xls", xls_file({"Macro1": [["x", broken]], "Sales": SALES}, kinds={"Macro1": 1}))
    sheets = read_table(path, filename="macro.xls")
    assert [(s.name, cells(s)) for s in sheets] == [("Sales", SALES_TEXT)]


def test_record_calamine_cannot_parse_is_read_by_xlrd(write_file):
    rows = [*SALES, ["Total", None, Raw(boolerr(3, 2, 3, error=True))]]
    sheets = read_table(write_file("erp.xls", xls_file({"Sales": rows})), filename="erp.xls")
    assert cells(sheets[0]) == [*SALES_TEXT, ["Total", None, None]]


def test_rk_runs_are_read_and_measured_to_their_last_column(write_file):
    from ingestion.etl import workbook_fallbacks

    rows = [["Item", "Jan", "Feb", "Mar"], ["Steel", Raw(mulrk(1, 1, [5, 6, 7]))]]
    data = xls_stream({"Qty": rows})
    shapes = workbook_fallbacks.xls_sheet_shapes(data, workbook_fallbacks.xls_globals(data).sheets)
    assert shapes["Qty"].extent == workbook_fallbacks.CellExtent(cells=8, last_row=1, first_column=0, last_column=3)
    sheet = read_table(write_file("rk.xls", ole_file({"Workbook": data})), filename="rk.xls")[0]
    assert cells(sheet) == [["Item", "Jan", "Feb", "Mar"], ["Steel", "5", "6", "7"]]


def test_hidden_sheets_of_an_xls_read_by_xlrd_stay_hidden(write_file, without_calamine):
    path = write_file("erp.xls", xls_file({"Secret": [["x"]], "Sales": SALES}, hidden=("Secret",)))
    assert [s.name for s in read_table(path, filename="erp.xls")] == ["Sales"]


def _package(names: dict[str, str], build_raw_xlsx) -> bytes:
    """The one-sheet package of build_raw_xlsx with its part names replaced."""
    plain = build_raw_xlsx('<row r="1"><c r="A1" t="inlineStr"><is><t>Party</t></is></c><c r="B1"><v>5</v></c></row>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            out.writestr(names.get(member.filename, member.filename), source.read(member))
    return buffer.getvalue()


BACKSLASH_NAMES = {
    "[Content_Types].xml": "[content_types].xml",
    "_rels/.rels": "_rels\\.rels",
    "xl/workbook.xml": "xl\\workbook.xml",
    "xl/_rels/workbook.xml.rels": "xl\\_rels\\workbook.xml.rels",
    "xl/worksheets/sheet1.xml": "xl\\worksheets\\sheet1.xml",
}


def test_package_with_backslash_part_names_is_read(write_file, build_raw_xlsx):
    path = write_file("export.xlsx", _package(BACKSLASH_NAMES, build_raw_xlsx))
    assert cells(read_table(path, filename="export.xlsx")[0]) == [["Party", "5"]]


def test_package_with_backslash_part_names_is_read_by_openpyxl_too(write_file, build_raw_xlsx, without_calamine):
    path = write_file("export.xlsx", _package(BACKSLASH_NAMES, build_raw_xlsx))
    assert cells(read_table(path, filename="export.xlsx")[0]) == [["Party", "5"]]


def test_xlsx_with_excels_default_password_is_opened(write_file, build_xlsx):
    path = write_file("readonly.xlsx", _encrypted_xlsx(build_xlsx, "VelvetSweatshop"))
    assert [cells(s) for s in read_table(path, filename="readonly.xlsx")] == [SALES_TEXT]


def test_xls_with_excels_default_password_is_opened(write_file):
    path = write_file("readonly.xls", rc4_encrypted_xls({"Sales": SALES}, password="VelvetSweatshop"))
    assert [cells(s) for s in read_table(path, filename="readonly.xls")] == [SALES_TEXT]


def rc4_encrypted_xls(sheets: dict[str, list[list[object]]], *, password: str) -> bytes:
    """An .xls encrypted as Excel 97-2003 does (RC4, MS-XLS 2.2.10): every record body but BOF, FILEPASS and a
    BOUNDSHEET's offset, with the key changed every 1024 bytes of the stream."""
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
    from cryptography.hazmat.primitives.ciphers import Cipher
    from msoffcrypto.method.rc4 import DocumentRC4, _makekey

    salt, verifier = bytes(range(16)), bytes(range(100, 116))
    check = Cipher(ARC4(_makekey(password, salt, 0)), mode=None).encryptor()
    proof = check.update(verifier) + check.update(hashlib.md5(verifier).digest())  # noqa: S324 - the format's own hash
    filepass = record(FILEPASS, struct.pack("<HHH", 1, 1, 1) + salt + proof)
    plain = xls_stream(sheets, globals_extra=filepass)
    scrambled = DocumentRC4.decrypt(password, salt, io.BytesIO(plain), blocksize=1024).read()  # RC4 is symmetric
    out = bytearray(plain)
    position = 0
    while position + 4 <= len(plain):
        kind, length = struct.unpack_from("<HH", plain, position)
        body = position + 4
        if kind == BOUNDSHEET:
            out[body + 4 : body + length] = scrambled[body + 4 : body + length]
        elif kind not in (BOF, FILEPASS):
            out[body : body + length] = scrambled[body : body + length]
        position = body + length
    return ole_file({"Workbook": bytes(out)})


# ---------------------------------------------------------------- both readers give the same text


MIXED = [
    ["Date", "When", "Time", "Party", "Amount", "Paid", "Ratio"],
    [
        datetime.date(2024, 4, 1),
        datetime.datetime(2024, 4, 1, 10, 30),
        datetime.time(18, 45),
        "Ravi Traders",
        1200.5,
        True,
        0.1 + 0.2,
    ],
    [],
    [
        datetime.date(1900, 1, 1),
        datetime.datetime(2024, 12, 31, 23, 59, 59),
        None,
        "  spaced  ",
        731.9399999999999,
        False,
        1 / 3,
    ],
    [None, None, None, "007", 45383, None, 1e21],
]


def test_xlrd_gives_the_same_text_as_calamine(write_file, monkeypatch):
    path = write_file("mixed.xls", xls_file({"Data": MIXED, "Other": [[None, None, "offset"], [None, None, 5]]}))
    first = read_table(path, filename="mixed.xls")
    monkeypatch.setattr(readers, "_read_with_calamine", lambda *a, **k: (_ for _ in ()).throw(readers._damaged()))
    second = read_table(path, filename="mixed.xls")
    assert [s.name for s in second] == [s.name for s in first] == ["Data", "Other"]
    for mine, theirs in zip(second, first, strict=True):
        assert cells(mine) == cells(theirs)
        assert list(mine.rows.index) == list(theirs.rows.index)
        assert list(mine.rows.columns) == list(theirs.rows.columns)
    assert cells(first[0])[1] == [
        "2024-04-01",
        "2024-04-01 10:30:00",
        "18:45:00",
        "Ravi Traders",
        "1200.5",
        "TRUE",
        "0.3",
    ]


def test_openpyxl_gives_the_same_text_as_calamine(build_xlsx, monkeypatch):
    rows = [[value for value in row] for row in MIXED]
    path = build_xlsx(
        {"Data": rows, "Other": [[None, None, "offset"], [None, None, 5]], "Secret": [["x"]]}, hidden=["Secret"]
    )
    first = read_table(path, filename="mixed.xlsx")
    monkeypatch.setattr(readers, "_read_with_calamine", lambda *a, **k: (_ for _ in ()).throw(readers._damaged()))
    second = read_table(path, filename="mixed.xlsx")
    assert [s.name for s in second] == [s.name for s in first] == ["Data", "Other"]
    for mine, theirs in zip(second, first, strict=True):
        assert cells(mine) == cells(theirs)
        assert list(mine.rows.index) == list(theirs.rows.index)


# ---------------------------------------------------------------- no crash escapes


CORRUPT_DATE = {"Sales": [["Date", "Amount"], [Dated(-1e15), 5], [datetime.date(2024, 4, 1), 6]]}


def _panic_type() -> type[BaseException]:
    """The exception pyo3 raises for a Rust panic, got by making fastexcel panic on the corrupt date."""
    import fastexcel

    data = xls_file(CORRUPT_DATE)
    reader = fastexcel.read_excel(data)
    try:
        reader.load_sheet(0, header_row=None, dtypes="string").to_arrow()
    except BaseException as panic:  # the point: a panic is not an Exception
        return type(panic)
    pytest.fail("fastexcel no longer panics on a date serial of -1e15: find another corrupt workbook (fuzz)")


def test_the_corrupt_workbook_really_makes_the_native_reader_panic():
    panic = _panic_type()
    assert not issubclass(panic, Exception)
    assert panic.__name__ == "PanicException"


def test_a_panic_in_the_native_reader_falls_back_to_the_second_reader(write_file):
    # Found by fuzzing: flipping bytes of a small BIFF8 file, one mutation turned a date cell into an absurd serial
    # and fastexcel panicked converting it ("TimeDelta::milliseconds out of bounds"). This builds that cell directly.
    sheets = read_table(write_file("fuzzed.xls", xls_file(CORRUPT_DATE)), filename="fuzzed.xls")
    assert cells(sheets[0]) == [["Date", "Amount"], ["-1000000000000000", "5"], ["2024-04-01", "6"]]


def test_a_panic_with_no_second_reader_to_help_is_a_damaged_file(write_file, monkeypatch):
    def xlrd_fails_too(_path):
        raise ValueError("xlrd can't either")

    monkeypatch.setattr(readers.fallbacks, "read_xls_with_xlrd", xlrd_fails_too)
    error = refusal(write_file("fuzzed.xls", xls_file(CORRUPT_DATE)))
    assert error.code == "damaged"
    assert isinstance(error.__cause__, _panic_type())


class _NativePanic(BaseException):
    """Stands in for pyo3_runtime.PanicException, which can't be imported."""


@pytest.mark.parametrize("raised", [_NativePanic("boom"), RuntimeError("boom"), MemoryError()])
def test_anything_a_reader_raises_becomes_an_ingest_error(build_xlsx, monkeypatch, raised):
    def explode(*_args, **_kwargs):
        raise raised

    monkeypatch.setattr(readers.fastexcel, "read_excel", explode)
    monkeypatch.setattr(readers.fallbacks, "read_xlsx_with_openpyxl", explode)
    error = refusal(build_xlsx({"Sales": SALES}))
    assert error.code == ("too_many_cells" if isinstance(raised, MemoryError) else "damaged")


def _stops():
    from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

    return [KeyboardInterrupt(), SystemExit(1), SoftTimeLimitExceeded(), TimeLimitExceeded()]


@pytest.mark.parametrize("raised", _stops(), ids=lambda exc: type(exc).__name__)
def test_interrupts_and_task_time_limits_go_through(build_xlsx, monkeypatch, raised):
    def stop(*_args, **_kwargs):
        raise raised

    monkeypatch.setattr(readers.fastexcel, "read_excel", stop)
    with pytest.raises(type(raised)):
        read_table(build_xlsx({"Sales": SALES}), filename="sales.xlsx")


# ---------------------------------------------------------------- bounded memory: read by cells, not by range


def test_xls_with_a_lying_dimensions_record_is_read(write_file):
    # calamine reserves DIMENSIONS' rows × columns up front: 4e9 × 65535 aborted the whole process.
    path = write_file("lying.xls", xls_file({"Sales": SALES}, declared={"Sales": (4_000_000_000, 65_535)}))
    assert cells(read_table(path, filename="lying.xls")[0]) == SALES_TEXT


def test_xls_with_a_stray_cell_in_the_far_corner_is_read_by_its_cells(write_file):
    rows = [["Party", "Amount"], ["Ravi", 5]]
    stray = Raw(number(65_535, 255, 1.0))
    path = write_file("corner.xls", xls_file({"Sales": [*rows, [stray]]}, declared={"Sales": (65_536, 256)}))
    sheet = read_table(path, filename="corner.xls")[0]
    assert list(sheet.rows.index) == [1, 2, 65_536]
    assert sheet.rows.shape == (3, 256)
    assert cells(sheet)[0][:3] == ["Party", "Amount", None]
    assert cells(sheet)[2][255] == "1"


def test_xlsx_declaring_the_whole_grid_is_read_by_its_cells(build_raw_xlsx):
    path = build_raw_xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576")
    assert cells(read_table(path, filename="huge.xlsx")[0]) == [["1"]]


def test_xlsx_with_a_value_in_xfd1048576_is_read_by_its_cells(build_raw_xlsx):
    data = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    sheet = read_table(build_raw_xlsx(data, dimension="A1:XFD1048576"), filename="corner.xlsx")[0]
    assert list(sheet.rows.index) == [1, 1_048_576]
    assert sheet.rows.shape == (2, 2)  # the 16,382 empty columns between are cut
    assert cells(sheet)[1][-1] == "2"


def test_xlsx_whose_real_cells_exceed_the_limit_is_still_refused(build_raw_xlsx):
    data = "".join(f'<row r="{row}"><c r="A{row}"><v>{row}</v></c><c r="B{row}" s="0"/></row>' for row in range(1, 101))
    error = refusal(build_raw_xlsx(data, dimension="A1:XFD1048576"), filename="big.xlsx", max_cells=50)
    assert error.code == "too_many_cells"
    assert "has at least" in str(error)
    assert "we can read at most 50" in str(error)


# VmHWM, not ru_maxrss: Linux counts the parent's RSS at fork into the child's ru_maxrss, and pytest is large.
_PEAK_CHILD = """
import json, sys
from ingestion.etl.readers import read_table
sheets = read_table(sys.argv[1], filename=sys.argv[2])
peak_kb = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(json.dumps({"shape": list(sheets[0].rows.shape), "peak_mb": peak_kb / 1024}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak memory from /proc")
def test_a_41_kb_xls_declaring_the_whole_grid_stays_small_in_memory(write_file):
    # The file: a few cells, one of them at IV65536. Read as a grid this peaked at 1.7 GB.
    stray = Raw(number(65_535, 255, 1.0))
    path = write_file("tiny.xls", xls_file({"Sales": [*SALES, [stray]]}, declared={"Sales": (65_536, 256)}))
    assert path.stat().st_size < 41_000
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_CHILD, str(path), "tiny.xls"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    peak = json.loads(result.stdout.strip().splitlines()[-1])
    assert peak["shape"] == [4, 256]
    assert peak["peak_mb"] < 500
