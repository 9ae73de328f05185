"""What readers.py falls back on when calamine can't (or shouldn't) read a workbook as it was uploaded.

- A look inside containers that the first reader trips over: the OLE directory (stream names in any case), the
  BIFF records of an .xls (FILEPASS, sheet kinds, where the cells really are), the cells really present in an
  .xlsx sheet whose declared range is huge.
- Copies the first reader can read: Excel's default-password encryption removed, package part names normalised.
- Second readers, xlrd for .xls and openpyxl for .xlsx/.xlsm, that read a sheet by its cells rather than its
  range. They give each cell the text fastexcel would give it, so readers.py turns both into the same RawSheet.

Nothing here raises IngestError: readers.py decides what a user is told.
"""

from __future__ import annotations

import datetime
import re
import shutil
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import olefile

# Excel opens a workbook "encrypted" with this password without asking: it is what "read-only recommended" and
# some report generators write. msoffcrypto-tool knows the schemes; we only ever try this one password.
DEFAULT_PASSWORD = "VelvetSweatshop"  # noqa: S105 - published by Microsoft, not a secret

# A sheet is read cell by cell, not as a dense grid, when its grid would be large and mostly empty: a stray value
# in IV65536 or XFD1048576 makes calamine allocate every cell between it and A1.
DENSE_BOX_LIMIT = 2_000_000
SPARSE_RATIO = 8

_XLS_MAX_ROWS = 65_536
_XLS_MAX_COLUMNS = 256
# Below this a workbook stream is walked record by record in well under a second, so every sheet is checked.
_ALWAYS_WALK_BYTES = 4 * 1024 * 1024


# ---------------------------------------------------------------- OLE containers


def ole_stream_names(path: Path) -> set[str] | None:
    """Lower-cased path of every stream in an OLE file; None when its directory can't be read.

    Report generators write ``WORKBOOK`` or ``BOOK`` in capitals; Excel and calamine don't mind, so neither do we.
    """
    try:
        with olefile.OleFileIO(str(path)) as ole:
            entries = ole.listdir(streams=True, storages=False)
    except Exception:  # olefile is pure Python: a broken directory raises, it can't crash the process
        return None
    return {"/".join(entry).lower() for entry in entries}


def names_in_raw_bytes(data: bytes, names: tuple[str, ...]) -> set[str]:
    """Which of ``names`` appear as UTF-16 directory names, in any case, in a container olefile can't parse."""
    found = set()
    for name in names:
        pattern = b"".join(
            b"[" + re.escape(c.lower().encode()) + re.escape(c.upper().encode()) + b"]\x00" for c in name
        )
        if re.search(pattern, data):
            found.add(name.lower())
    return found


def read_workbook_stream(path: Path) -> bytes | None:
    """The BIFF records of an .xls: its ``Workbook`` stream (``Book`` for Excel 5/95), in any case; None when the
    container can't be read or holds neither."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry).lower(): entry for entry in ole.listdir(streams=True, storages=False)}
            entry = streams.get("workbook") or streams.get("book")
            return ole.openstream(entry).read() if entry else None
    except Exception:  # pure Python: a broken container raises, it can't crash the process
        return None


# ---------------------------------------------------------------- Excel's default password


def opens_with_default_password(path: Path) -> bool:
    """Whether an encrypted workbook (.xlsx in OLE, or .xls with FILEPASS) opens with Excel's built-in password."""
    import msoffcrypto  # imported here: most uploads are never encrypted

    try:
        with path.open("rb") as handle:
            _load_default_key(msoffcrypto.OfficeFile(handle))
    except Exception:  # a wrong password, a scheme it doesn't know, or a broken header: all "password-protected"
        return False
    return True


def decrypt_with_default_password(path: Path, destination: Path) -> None:
    """Write the plain workbook to ``destination``; raises when the default password doesn't open it."""
    import msoffcrypto

    with path.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        _load_default_key(office)
        with destination.open("wb") as out:
            office.decrypt(out)


def _load_default_key(office) -> None:
    if getattr(office, "format", None) == "ooxml":
        office.load_key(password=DEFAULT_PASSWORD, verify_password=True)
    else:
        office.load_key(password=DEFAULT_PASSWORD)  # the binary formats always check the password's verifier


# ---------------------------------------------------------------- BIFF records of an .xls

_BOF = 0x0809
_EOF = 0x000A
_FILEPASS = 0x002F
_BOUNDSHEET = 0x0085
_DIMENSIONS = 0x0200
_MULRK = 0x00BD
# NUMBER, LABELSST, LABEL, RK, BOOLERR, FORMULA, RSTRING: each begins with its row and column.
_CELL_RECORDS = frozenset({0x0203, 0x00FD, 0x0204, 0x027E, 0x0205, 0x0006, 0x00D6})


@dataclass(frozen=True)
class XlsSheet:
    name: str
    offset: int
    kind: int  # 0 worksheet, 1 Excel 4.0 macro sheet, 2 chart, 6 VBA module
    visible: bool


@dataclass(frozen=True)
class XlsGlobals:
    biff_version: int  # 0x0600 for Excel 97 and later, 0x0500 for Excel 5/95
    encrypted: bool
    sheets: list[XlsSheet] = field(default_factory=list)


class NotBiff(ValueError):
    """The workbook stream doesn't begin with a BIFF5/8 BOF record."""


def xls_globals(stream: bytes) -> XlsGlobals:
    """The workbook-global records that matter before reading: version, FILEPASS, and the sheet list."""
    records = _records(stream, 0)
    try:
        kind, data = next(records)
    except StopIteration:
        raise NotBiff("empty workbook stream") from None
    if kind != _BOF or len(data) < 4:
        raise NotBiff(f"first record is 0x{kind:04x}")
    version = struct.unpack_from("<H", data)[0]
    encrypted = False
    sheets = []
    for kind, data in records:
        if kind == _EOF:
            break
        if kind == _FILEPASS:
            encrypted = True
        elif kind == _BOUNDSHEET and len(data) >= 8 and not encrypted:  # names are encrypted too: not needed then
            sheets.append(_boundsheet(data, version))
    return XlsGlobals(biff_version=version, encrypted=encrypted, sheets=sheets)


def _boundsheet(data: bytes, version: int) -> XlsSheet:
    offset, state, kind, length = struct.unpack_from("<IBBB", data)
    if version >= 0x0600:
        wide = data[7] & 0x01
        raw = data[8 : 8 + length * (2 if wide else 1)]
        name = raw.decode("utf-16-le" if wide else "latin-1", errors="replace")
    else:
        name = data[7 : 7 + length].decode("cp1252", errors="replace")
    return XlsSheet(name=name, offset=offset, kind=kind, visible=state & 0x03 == 0)


def _records(stream: bytes, position: int) -> Iterator[tuple[int, bytes]]:
    end = len(stream)
    while position + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, position)
        yield kind, stream[position + 4 : position + 4 + length]
        position += 4 + length


@dataclass(frozen=True)
class CellExtent:
    """Where a sheet's cells with values really are: their count and bounding box (0-based, inclusive)."""

    cells: int = 0
    last_row: int = -1
    first_column: int = 0
    last_column: int = -1

    @property
    def box(self) -> int:
        """Cells calamine allocates for the sheet: every row from the first, columns from the first used one."""
        if self.cells == 0:
            return 0
        return (self.last_row + 1) * (self.last_column - self.first_column + 1)

    @property
    def spread_out(self) -> bool:
        return self.box > DENSE_BOX_LIMIT and self.box > SPARSE_RATIO * self.cells


@dataclass(frozen=True)
class XlsSheetShape:
    declared_rows: int | None  # from DIMENSIONS: one past the last row; None when the record is missing
    declared_columns: int | None
    extent: CellExtent | None  # None when the declared range was small enough to trust without walking


def xls_sheet_shapes(stream: bytes, sheets: list[XlsSheet]) -> dict[str, XlsSheetShape]:
    """What each sheet declares and, when that is missing or large (or the file is small), where its cells are."""
    walk_all = len(stream) <= _ALWAYS_WALK_BYTES
    shapes = {}
    for sheet in sheets:  # every kind: calamine parses macro sheets and hidden sheets too
        rows, columns = _declared_dimensions(stream, sheet.offset)
        declared_small = rows is not None and columns is not None and rows * columns <= DENSE_BOX_LIMIT
        extent = None if declared_small and not walk_all else _xls_extent(stream, sheet.offset)
        shapes[sheet.name] = XlsSheetShape(declared_rows=rows, declared_columns=columns, extent=extent)
    return shapes


def calamine_can_read_xls(shapes: dict[str, XlsSheetShape]) -> bool:
    """False when calamine would reserve or allocate absurd memory for some sheet: it aborts the whole process
    (no exception) when the allocation fails, and a lying DIMENSIONS record or a stray far cell is enough."""
    for shape in shapes.values():
        if (shape.declared_rows or 0) > _XLS_MAX_ROWS or (shape.declared_columns or 0) > _XLS_MAX_COLUMNS:
            return False
        extent = shape.extent
        if extent is not None and (extent.spread_out or extent.last_column >= _XLS_MAX_COLUMNS):
            return False
    return True


def _declared_dimensions(stream: bytes, offset: int) -> tuple[int | None, int | None]:
    """DIMENSIONS comes before the first cell of a sheet; stop looking there."""
    for kind, data in _records(stream, offset + _record_length(stream, offset)):
        if kind == _DIMENSIONS:
            if len(data) >= 14:  # BIFF8: 32-bit rows
                first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", data)
            elif len(data) >= 8:  # BIFF5
                first_row, end_row, first_col, end_col = struct.unpack_from("<HHHH", data)
            else:
                return None, None
            return max(end_row - first_row, 0), max(end_col - first_col, 0)
        if kind in _CELL_RECORDS or kind in (_MULRK, _EOF, _BOF):
            break
    return None, None


def _record_length(stream: bytes, offset: int) -> int:
    if offset + 4 > len(stream):
        return len(stream)  # nothing to walk
    return 4 + struct.unpack_from("<H", stream, offset + 2)[0]


_TWO_SHORTS = struct.Struct("<HH")


def _xls_extent(stream: bytes, offset: int) -> CellExtent:
    """Walk a sheet's records to its EOF, keeping the count and bounding box of cells with values.

    Blank and MULBLANK records (formatting only) are left out, as calamine leaves them out. Written as a flat loop
    with plain comparisons: it runs once per record, some 100,000 times for a 2 MB sheet.
    """
    unpack = _TWO_SHORTS.unpack_from
    cell_records = _CELL_RECORDS
    end = len(stream) - 8  # every record read has its header and at least row and column
    position = offset + _record_length(stream, offset)
    cells, last_row, first_column, last_column = 0, -1, 1 << 16, -1
    while position <= end:
        kind, length = unpack(stream, position)
        if kind in cell_records:
            row, column = unpack(stream, position + 4)
            cells += 1
            if row > last_row:
                last_row = row
            if column < first_column:
                first_column = column
            if column > last_column:
                last_column = column
        elif kind == _MULRK and length >= 6 and position + 4 + length <= len(stream):
            row, first = unpack(stream, position + 4)
            last = max(unpack(stream, position + 2 + length)[0], first)
            cells += last - first + 1
            last_row = max(last_row, row)
            first_column = min(first_column, first)
            last_column = max(last_column, last)
        elif kind in (_EOF, _BOF):
            break
        position += 4 + length
    if not cells:
        return CellExtent()
    return CellExtent(cells=cells, last_row=last_row, first_column=first_column, last_column=last_column)


# ---------------------------------------------------------------- package part names of an .xlsx

CONTENT_TYPES = "[Content_Types].xml"


def normalised_part_name(name: str) -> str:
    """Some generators write ``xl\\workbook.xml``, ``/xl/...`` or ``[content_types].xml``: Excel opens those."""
    name = name.replace("\\", "/").lstrip("/")
    return CONTENT_TYPES if name.lower() == CONTENT_TYPES.lower() else name


def has_irregular_part_names(archive: zipfile.ZipFile) -> bool:
    return any(normalised_part_name(member.filename) != member.filename for member in archive.infolist())


def write_normalised_package(source: Path, destination: Path) -> None:
    """The same package with standard part names, streamed member by member (a part is never held whole)."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as out:
        seen = set()
        for member in archive.infolist():
            name = normalised_part_name(member.filename)
            if member.is_dir() or name in seen:
                continue
            seen.add(name)
            info = zipfile.ZipInfo(name, member.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED  # a ZipInfo of our own would otherwise be stored uncompressed
            with archive.open(member) as part, out.open(info, "w") as copy:
                shutil.copyfileobj(part, copy, 1024 * 1024)


# ---------------------------------------------------------------- cells really present in an .xlsx sheet

_DIMENSION_REF = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\"")
# A <c> element that is not self-closing: <c r="B7" s="3"/> is formatting only, and calamine skips it too.
_VALUE_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})(\d{1,7})\"[^>]*?(?<!/)>")
_CHUNK = 4 * 1024 * 1024


def declared_cells(sheet_head: bytes) -> int:
    """Cells in the range a sheet's <dimension> declares (0 when it has none)."""
    match = _DIMENSION_REF.search(sheet_head)
    if not match:
        return 0
    first_col, first_row, last_col, last_row = match.groups()
    if last_col is None:
        return 1
    rows = int(last_row) - int(first_row) + 1
    columns = column_number(last_col.decode()) - column_number(first_col.decode()) + 1
    return max(rows, 0) * max(columns, 0)


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def xlsx_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> CellExtent:
    """Count and bounding box of a sheet's cells with values, streaming its XML a few MB at a time.

    A regular expression scans in C, but each match is then seen by Python: use on sheets already known to have
    few cells (``count_value_cells`` finds that out at the speed of decompression).
    """
    cells, last_row = 0, 0
    columns: set[bytes] = set()
    for chunk in _xml_chunks(archive, member):
        found = _VALUE_CELL.findall(chunk)
        if not found:
            continue
        cells += len(found)
        columns.update({letters for letters, _ in found})
        last_row = max(last_row, max(int(row) for _, row in found))
    if not cells:
        return CellExtent()
    numbers = [column_number(letters.decode()) for letters in columns]
    return CellExtent(cells=cells, last_row=last_row - 1, first_column=min(numbers) - 1, last_column=max(numbers) - 1)


def _xml_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks that never split an element's start tag."""
    carry = b""
    with archive.open(member) as part:
        while True:
            block = part.read(_CHUNK)
            if not block:
                break
            data = carry + block
            cut = data.rfind(b"<")
            if cut <= 0:
                carry = data
                continue
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def count_value_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, stop_after: int | None = None) -> int:
    """Cells with a value in a sheet part, counted by their closing tags (a styled blank is self-closing) at the
    speed of decompression; stops once past ``stop_after``."""
    count = 0
    for chunk in _xml_chunks(archive, member):
        count += chunk.count(b"</c>") + chunk.count(b":c>")  # </c>, or </x:c> from generators that prefix
        if stop_after is not None and count > stop_after:
            break
    return count


def spread_out_sheet_parts(path: Path) -> list[str]:
    """Worksheet parts declaring a range over DENSE_BOX_LIMIT whose cells turn out to be few and far apart."""
    spread = []
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not is_worksheet_part(member.filename):
                continue
            with archive.open(member) as part:
                declared = declared_cells(part.read(64 * 1024))
            if declared <= DENSE_BOX_LIMIT:
                continue
            # Once the cells fill an eighth of the declared range the sheet can't be spread out: a big sheet
            # that is really full costs an eighth of a decompression, and only a sparse one is looked at closely.
            enough = declared // SPARSE_RATIO
            if count_value_cells(archive, member, stop_after=enough) > enough:
                continue
            if xlsx_extent(archive, member).spread_out:
                spread.append(member.filename)
    return spread


_WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


def is_worksheet_part(name: str) -> bool:
    return bool(_WORKSHEET_PART.match(normalised_part_name(name)))


# ---------------------------------------------------------------- the text fastexcel gives a cell

_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_DAYS_1900_TO_1904 = 1462


def number_text(value: float) -> str:
    """fastexcel's text for a number: nine decimals at most, trailing zeros and point dropped ("1200.5", "7")."""
    return format(value, ".9f").rstrip("0").rstrip(".")


def serial_date_text(serial: float, *, is_1904: bool = False) -> str:
    """calamine's date arithmetic (Excel's phantom 29-Feb-1900 included, milliseconds rounded), as chrono prints it.

    A serial outside the calendar (calamine panics on those) is shown as the number it is.
    """
    days = serial + _DAYS_1900_TO_1904 if is_1904 else serial
    if days < 60:
        days += 1  # serials before 1-Mar-1900 count from 31-Dec-1899
    try:
        moment = _EXCEL_EPOCH + datetime.timedelta(milliseconds=round(days * 86_400_000))
    except (OverflowError, ValueError):
        return number_text(serial)
    return datetime_text(moment)


def datetime_text(moment: datetime.datetime) -> str:
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if moment.microsecond % 1000 == 0 and moment.microsecond:
        return f"{text}.{moment.microsecond // 1000:03d}"
    if moment.microsecond:
        return f"{text}.{moment.microsecond:06d}"
    return text


# ---------------------------------------------------------------- second readers

# Row number (1-based, as Excel numbers it) → absolute column index (0-based) → fastexcel's text for the cell.
SheetCells = dict[int, dict[int, str]]


@dataclass(frozen=True)
class FallbackSheet:
    name: str
    cells: SheetCells
    spread_out: bool  # build only the rows that have cells: the grid between them would be mostly empty


def read_xls_with_xlrd(path: Path) -> Iterator[FallbackSheet]:
    """Every visible worksheet of a legacy .xls, by xlrd, which ignores macro sheets, charts and modules.

    ``ragged_rows`` keeps each row as long as its own last cell, so a stray far cell costs one long row, not a grid.
    """
    import xlrd  # only the fallback needs it

    book = xlrd.open_workbook(str(path), on_demand=True, ragged_rows=True, formatting_info=False)
    try:
        for index, name in enumerate(book.sheet_names()):
            if book._sheet_visibility[index] != 0:  # known before the sheet is loaded
                continue
            sheet = book.sheet_by_index(index)
            cells = _xlrd_cells(sheet, datemode=book.datemode)
            book.unload_sheet(index)
            yield FallbackSheet(name=name, cells=cells, spread_out=_cells_extent(cells).spread_out)
    finally:
        book.release_resources()


def _xlrd_cells(sheet, *, datemode: int) -> SheetCells:
    import xlrd

    cells: SheetCells = {}
    for row in range(sheet.nrows):
        if not sheet.row_len(row):
            continue
        texts = {}
        for column, (kind, value) in enumerate(zip(sheet.row_types(row), sheet.row_values(row), strict=True)):
            if kind == xlrd.XL_CELL_TEXT and value != "":
                texts[column] = value
            elif kind == xlrd.XL_CELL_NUMBER:
                texts[column] = number_text(value)
            elif kind == xlrd.XL_CELL_DATE:
                texts[column] = serial_date_text(value, is_1904=bool(datemode))
            elif kind == xlrd.XL_CELL_BOOLEAN:
                texts[column] = "true" if value else "false"
            # errors (#DIV/0!, #N/A) and blanks stay empty, as fastexcel leaves them
        if texts:
            cells[row + 1] = texts
    return cells


def read_xlsx_with_openpyxl(path: Path) -> Iterator[FallbackSheet]:
    """Every visible worksheet of an .xlsx/.xlsm, by openpyxl's read-only streaming parser, cell by cell.

    Going below ``iter_rows`` on purpose: it pads every row to the declared width and every gap with empty rows,
    which for A1:XFD1048576 is the very grid we are avoiding.
    """
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import WorkSheetParser

    with path.open("rb") as handle:  # a file object: openpyxl refuses paths whose name doesn't end in .xlsx
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        try:
            date_styles = set(book._date_formats)  # style ids whose format is a date
            is_1904 = book.epoch.year == 1904
            for sheet in book.worksheets:
                if not isinstance(sheet, ReadOnlyWorksheet) or sheet.sheet_state != "visible":
                    continue
                with sheet._get_source() as source:
                    # No date formats given: numbers come back raw and are dated here, as calamine dates them.
                    parser = WorkSheetParser(source, sheet._shared_strings, data_only=True)
                    cells = _openpyxl_cells(parser, date_styles=date_styles, is_1904=is_1904)
                yield FallbackSheet(name=sheet.title, cells=cells, spread_out=_cells_extent(cells).spread_out)
        finally:
            book.close()


def _openpyxl_cells(parser, *, date_styles: set[int], is_1904: bool) -> SheetCells:
    cells: SheetCells = {}
    for row_number, row in parser.parse():
        texts = {}
        for cell in row:
            text = _openpyxl_text(cell, date_styles=date_styles, is_1904=is_1904)
            if text is not None:
                texts[cell["column"] - 1] = text
        if texts:
            cells.setdefault(row_number, {}).update(texts)
    return cells


def _openpyxl_text(cell: dict, *, date_styles: set[int], is_1904: bool) -> str | None:
    value = cell["value"]
    kind = cell["data_type"]
    if value is None or kind == "e":
        return None
    if kind == "n":
        if cell["style_id"] in date_styles:
            return serial_date_text(float(value), is_1904=is_1904)
        return number_text(float(value))
    if kind == "b":
        return "true" if value else "false"
    if kind == "d" and isinstance(value, datetime.datetime):  # an ISO date stored as t="d"
        return datetime_text(value)
    text = str(value)
    return text or None


def _cells_extent(cells: SheetCells) -> CellExtent:
    if not cells:
        return CellExtent()
    columns = [column for row in cells.values() for column in (min(row), max(row))]
    count = sum(len(row) for row in cells.values())
    return CellExtent(cells=count, last_row=max(cells) - 1, first_column=min(columns), last_column=max(columns))
