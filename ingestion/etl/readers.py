"""Read an uploaded CSV or Excel file into tables of the text a user sees, deciding the real format from its bytes.

Nothing here trusts the file name: exports get renamed, and a PDF or a zip saved as ``.xlsx`` must fail with a message
the uploader can act on. Workbooks are checked for zip bombs from the central directory before anything is parsed.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import functools
import io
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import charset_normalizer
import fastexcel
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import python_calamine

from ingestion.etl import workbook_fallbacks as fallbacks
from ingestion.etl.errors import IngestError

MB = 1024 * 1024
MAX_BYTES = 50 * MB
# A 50 MB xlsx of real data unzips to 300-700 MB of XML (Excel's XML compresses 5-15x); cells are capped separately.
MAX_UNZIPPED_BYTES = 1024 * MB
MAX_CELLS = 60_000_000
MAX_COLUMNS = 16_384  # Excel's own limit; a wider "CSV" is not a table
# A sheet wider than this is cut to the columns that hold something (a stray cell or format far to the right makes
# Excel report 16,384); one still wider than MAX_USED_COLUMNS is refused, so the column check stays a page.
WIDE_SHEET_COLUMNS = 256
MAX_USED_COLUMNS = 512
MAX_ZIP_MEMBERS = 10_000
# Deflate tops out near 1030x; real worksheets stay well under 100x even when every row repeats.
MAX_COMPRESSION_RATIO = 200
_RATIO_CHECKED_FROM = 10 * MB

CSV_DELIMITERS = (",", ";", "\t", "|")
_HEAD_CHARS = 256 * 1024
_HEAD_RECORDS = 200

TEXT_FORMAT = "csv"
WORKBOOK_FORMATS = ("xlsx", "xls", "xlsb", "ods")


@dataclass(frozen=True)
class RawSheet:
    """One table as read: no header applied, every cell the text a user sees (NaN when empty).

    ``rows`` has integer column labels from 0 and an index of 1-based row numbers: the Excel row number for
    workbooks, the record number (blank lines not counted) for delimited text.
    """

    name: str
    rows: pd.DataFrame
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)


def read_table(
    path: str | os.PathLike[str],
    *,
    filename: str,
    max_bytes: int = MAX_BYTES,
    max_cells: int = MAX_CELLS,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
) -> list[RawSheet]:
    """Every non-empty visible table in the file, or IngestError saying what is wrong with it."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise IngestError("The file is empty. Export the report again and upload the new file.", code="empty")
    if size > max_bytes:
        raise IngestError(
            f"This file is {size / MB:.1f} MB; the largest file we accept is {max_bytes / MB:g} MB. "
            "Export a shorter period (for example one quarter at a time) and upload each file.",
            code="too_large",
        )
    file_format = detect_format(path, filename=filename, max_unzipped_bytes=max_unzipped_bytes, max_cells=max_cells)
    if file_format == TEXT_FORMAT:
        sheets = [_read_delimited(path.read_bytes(), name=Path(filename).name, max_cells=max_cells)]
    elif file_format == "tally_xml":
        from ingestion.etl.tally_xml import read_tally_xml

        sheets = [read_tally_xml(path.read_bytes(), name=Path(filename).name)]
    else:
        sheets = _read_workbook(path, file_format, max_cells=max_cells)
    sheets = [_cut_to_used_columns(sheet) for sheet in sheets if not sheet.rows.empty]
    if not sheets:
        raise IngestError(
            "We couldn't find any data in this file: it has no rows, or every sheet is empty or hidden.",
            code="no_data",
        )
    return sheets


def _cut_to_used_columns(sheet: RawSheet) -> RawSheet:
    """A wide sheet without its empty columns, or IngestError when it is still too wide to be an export. Sheets of
    ordinary width are left as they are, spacer columns and all."""
    if sheet.rows.shape[1] <= WIDE_SHEET_COLUMNS:
        return sheet
    used = sheet.rows.loc[:, sheet.rows.notna().any()]
    if used.shape[1] > MAX_USED_COLUMNS:
        raise _too_wide(sheet.name, used.shape[1])
    note = f"Left out {sheet.rows.shape[1] - used.shape[1]:,} empty columns."
    return dataclasses.replace(sheet, rows=used.set_axis(range(used.shape[1]), axis=1), notes=[*sheet.notes, note])


def _too_wide(sheet_name: str, used_columns: int) -> IngestError:
    return IngestError(
        f"The sheet “{sheet_name}” has {used_columns:,} filled columns; we read sheets of up to "
        f"{MAX_USED_COLUMNS:,}. A sales register or master has a few dozen: delete the extra columns, or export the "
        "report again.",
        code="too_many_columns",
    )


# ---------------------------------------------------------------- what the file really is

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC_FORMATS = (
    (b"%PDF", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "an image (PNG)"),
    (b"\xff\xd8\xff", "an image (JPEG)"),
    (b"GIF87a", "an image (GIF)"),
    (b"GIF89a", "an image (GIF)"),
    (b"II*\x00", "an image (TIFF)"),
    (b"MM\x00*", "an image (TIFF)"),
    (b"\x1f\x8b", "a compressed (gzip) archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "a Word (RTF) document"),
)
_NATURAL_EXTENSIONS = {
    "a PDF": {".pdf"},
    "a Word (RTF) document": {".rtf", ".doc"},
    "a Word document": {".doc", ".docx"},
    "a PowerPoint presentation": {".ppt", ".pptx"},
}
_EXPORT_ADVICE = "Export the report from Tally (or your accounting software) as Excel or CSV and upload that."


def detect_format(
    path: str | os.PathLike[str],
    *,
    filename: str,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    max_cells: int = MAX_CELLS,
) -> str:
    """``"csv"`` for delimited text, ``"tally_xml"`` for Tally's XML, or one of WORKBOOK_FORMATS; else IngestError."""
    path = Path(path)
    extension = Path(filename).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_format(path, extension, max_unzipped_bytes=max_unzipped_bytes, max_cells=max_cells)
    if head.startswith(_CFB_MAGIC):
        return _ole_format(path, extension, max_unzipped_bytes=max_unzipped_bytes, max_cells=max_cells)
    _reject_old_excel(head)
    for magic, what in _MAGIC_FORMATS:
        if head.startswith(magic):
            raise _not_a_table(what, extension)
    from ingestion.etl.tally_xml import looks_like_tally_xml

    if looks_like_tally_xml(head, extension=extension):
        return "tally_xml"
    _reject_markup(head, extension)
    return TEXT_FORMAT


def _not_a_table(what: str, extension: str) -> IngestError:
    if extension and extension not in _NATURAL_EXTENSIONS.get(what, set()):
        opening = f"This file looks like {what} renamed to {extension}."
    else:
        opening = f"This file is {what}, not a spreadsheet."
    return IngestError(f"{opening} {_EXPORT_ADVICE}", code="not_a_table")


def _reject_markup(head: bytes, extension: str) -> None:
    """Web pages and XML that many systems save with an .xls name: say how to turn them into a real workbook."""
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text[:1] != b"<":
        return
    save_as = "Open it in Excel, choose File → Save As → Excel Workbook (.xlsx), and upload that."
    if b"<html" in text or b"<!doctype html" in text or b"<table" in text:
        raise IngestError(f"This file is a web page (HTML) saved with a spreadsheet name. {save_as}", code="html")
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        raise IngestError(f"This file is an old Excel 2003 XML spreadsheet. {save_as}", code="xml_spreadsheet")
    raise IngestError(f"This file is XML data, not a table. {_EXPORT_ADVICE}", code="xml")


def _zip_format(path: Path, extension: str, *, max_unzipped_bytes: int, max_cells: int) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {fallbacks.normalised_part_name(member.filename).lower() for member in members}
            if "xl/workbook.xml" in names:
                file_format = "xlsx"
            elif "xl/workbook.bin" in names:
                file_format = "xlsb"
            elif "mimetype" in names and archive.read("mimetype")[:80].startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"
            ):
                file_format = "ods"
            elif any(name.startswith("word/") for name in names):
                raise _not_a_table("a Word document", extension)
            elif any(name.startswith("ppt/") for name in names):
                raise _not_a_table("a PowerPoint presentation", extension)
            else:
                raise IngestError(
                    "This file is a zip archive, not an Excel workbook. "
                    "Unzip it and upload the Excel or CSV file inside.",
                    code="zip",
                )
            check_zip_safety(archive, max_unzipped_bytes=max_unzipped_bytes, max_cells=max_cells)
            return file_format
    except zipfile.BadZipFile as exc:
        raise _damaged() from exc


# Stream names looked for in an OLE container whose directory olefile can't follow.
_OLE_STREAMS = ("Workbook", "Book", "EncryptedPackage", "EncryptionInfo", "WordDocument", "PowerPoint Document")


def _ole_format(path: Path, extension: str, *, max_unzipped_bytes: int, max_cells: int) -> str:
    """Legacy Office container: an .xls, or an encrypted .xlsx (Excel wraps those in OLE with an EncryptedPackage).

    Stream names are compared in any case: Crystal Reports and many ERPs write ``WORKBOOK`` or ``BOOK``.
    """
    streams = fallbacks.ole_stream_names(path)
    names = streams if streams is not None else fallbacks.names_in_raw_bytes(path.read_bytes(), _OLE_STREAMS)
    if "encryptedpackage" in names or "encryptioninfo" in names:
        if streams is None or not fallbacks.opens_with_default_password(path):
            raise _password_protected()
        return _decrypted_package_format(path, extension, max_unzipped_bytes=max_unzipped_bytes, max_cells=max_cells)
    if "workbook" in names or "book" in names:
        if streams is not None:
            _refuse_xls_with_a_password(path)
        return "xls"
    if "worddocument" in names:
        raise _not_a_table("a Word document", extension)
    if "powerpoint document" in names:
        raise _not_a_table("a PowerPoint presentation", extension)
    raise IngestError(f"This file is an old Microsoft Office file but not a spreadsheet. {_EXPORT_ADVICE}", code="ole")


def _decrypted_package_format(path: Path, extension: str, *, max_unzipped_bytes: int, max_cells: int) -> str:
    """What the package Excel's default password unlocks really is, zip-bomb checks included."""
    with tempfile.TemporaryDirectory(prefix="workbook-") as scratch:
        plain = _decrypted_copy(path, Path(scratch) / "plain.zip")
        return _zip_format(plain, extension, max_unzipped_bytes=max_unzipped_bytes, max_cells=max_cells)


def _refuse_xls_with_a_password(path: Path) -> None:
    """A FILEPASS record means the workbook is encrypted, XOR-obfuscated ones included, whatever calamine says."""
    records = _xls_records(path)
    if records is not None and records[1].encrypted and not fallbacks.opens_with_default_password(path):
        raise _password_protected()


def _xls_records(path: Path) -> tuple[bytes, fallbacks.XlsGlobals] | None:
    """The workbook stream and its global records; None when they can't be read (the readers will then say the
    file is damaged, or read it anyway)."""
    stream = fallbacks.read_workbook_stream(path)
    if stream is None:
        return None
    try:
        return stream, fallbacks.xls_globals(stream)
    except Exception:  # not BIFF5/8, or records cut short
        return None


def _decrypted_copy(path: Path, destination: Path) -> Path:
    try:
        fallbacks.decrypt_with_default_password(path, destination)
    except Exception as exc:  # detection found the default password opens it: this is a broken encrypted file
        raise _password_protected() from exc
    return destination


# BOF record types of the workbook formats before Excel 5, which wrote no OLE container.
_OLD_EXCEL_BOFS = {0x0009: "Excel 2.x", 0x0209: "Excel 3.0/4.0", 0x0409: "Excel 3.0/4.0"}
_OLD_EXCEL_SUBSTREAMS = {0x0010: "worksheet", 0x0020: "chart", 0x0040: "macro sheet", 0x0100: "workbook"}


def _reject_old_excel(head: bytes) -> None:
    """Excel 2.x-4.0 files are a bare BIFF stream: a BOF record, then the version and what the file holds."""
    if len(head) < 8:
        return
    record, length, _version, substream = struct.unpack_from("<HHHH", head)
    if record not in _OLD_EXCEL_BOFS or not 4 <= length <= 16 or substream not in _OLD_EXCEL_SUBSTREAMS:
        return
    raise IngestError(
        f"This is an {_OLD_EXCEL_BOFS[record]} {_OLD_EXCEL_SUBSTREAMS[substream]}, a format too old for us to read. "
        "Open it in Excel, save it as .xlsx (File → Save As → Excel Workbook) and upload that.",
        code="old_excel",
    )


def _password_protected() -> IngestError:
    return IngestError(
        "This workbook is password-protected, so we can't read it. Open it in Excel, remove the password "
        "(File → Info → Protect Workbook → Encrypt with Password, and clear it), save, and upload it again.",
        code="encrypted",
    )


def _damaged() -> IngestError:
    return IngestError(
        "This Excel file is damaged and can't be opened. If it opens in Excel, save it again as .xlsx and upload "
        "that; otherwise export the report again.",
        code="damaged",
    )


# ---------------------------------------------------------------- zip bombs, before any parsing


def check_zip_safety(archive: zipfile.ZipFile, *, max_unzipped_bytes: int, max_cells: int) -> None:
    """Refuse archives that would expand absurdly, reading only the central directory and each sheet's first bytes.

    A sheet declaring more cells than we accept (formatting that reaches XFD1048576 does that) has its real
    cells counted instead, streaming, and stops being counted once past the limit.
    """
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise _unsafe_workbook(f"it holds {len(members):,} parts")
    if any(member.flag_bits & 0x1 for member in members):
        raise _password_protected()
    unzipped = sum(member.file_size for member in members)
    if unzipped > max_unzipped_bytes:
        raise _unsafe_workbook(
            f"it expands to {unzipped / MB:,.0f} MB when opened, more than the {max_unzipped_bytes / MB:,.0f} MB "
            "we can read safely"
        )
    for member in members:
        if member.file_size >= _RATIO_CHECKED_FROM:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise _unsafe_workbook(f"one of its parts expands {ratio:,.0f} times when opened")
    cells, counted = _sheet_cells(archive, members, max_cells=max_cells)
    if cells > max_cells:
        amount = f"has at least {cells:,}" if counted else f"declares {cells:,}"
        raise IngestError(
            f"This workbook {amount} cells; we can read at most {max_cells:,}. "
            "Delete unused rows and columns, or split it into several files, and upload again.",
            code="too_many_cells",
        )


def _sheet_cells(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], *, max_cells: int) -> tuple[int, bool]:
    """Cells of all worksheets, by declared range; and whether some sheet's real cells had to be counted."""
    total, counted = 0, False
    for member in members:
        if not fallbacks.is_worksheet_part(member.filename):
            continue
        with archive.open(member) as part:
            cells = fallbacks.declared_cells(part.read(64 * 1024))
        if cells > max_cells:
            cells = fallbacks.count_value_cells(archive, member, stop_after=max_cells - total)
            counted = True
        total += cells
        if total > max_cells:
            break
    return total, counted


def _unsafe_workbook(reason: str) -> IngestError:
    return IngestError(
        f"We can't safely open this workbook: {reason}. Open it in Excel, delete unused sheets, rows and columns, "
        "save it as .xlsx and upload it again.",
        code="unsafe_zip",
    )


# ---------------------------------------------------------------- workbooks


def _read_workbook(path: Path, file_format: str, *, max_cells: int) -> list[RawSheet]:
    """calamine (through fastexcel) first; a second reader when calamine refuses the workbook or would need a grid
    far larger than its cells. Whatever either raises, a Rust panic included, ends as an IngestError."""
    with tempfile.TemporaryDirectory(prefix="workbook-") as scratch:
        scratch_dir = Path(scratch)
        if file_format == "xls":
            return _read_xls(path, scratch_dir, max_cells=max_cells)
        if _is_ole(path):  # an .xlsx that Excel's default password encrypts: detect_format checked it opens
            path = _decrypted_copy(path, scratch_dir / f"plain.{file_format}")
        if file_format == "xlsx":
            return _read_xlsx(path, scratch_dir, max_cells=max_cells)
        return _read_with_calamine(path, file_format, max_cells=max_cells)


def _is_ole(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(_CFB_MAGIC)) == _CFB_MAGIC


def _read_xls(path: Path, scratch: Path, *, max_cells: int) -> list[RawSheet]:
    records = _xls_records(path)
    if records is not None and records[1].encrypted:  # detect_format checked the default password opens it
        path = _decrypted_copy(path, scratch / "plain.xls")
        records = _xls_records(path)
    calamine_fits = True
    if records is not None:
        stream, globals_ = records
        del records
        with _reader_failures_as_ingest_errors():
            calamine_fits = fallbacks.calamine_can_read_xls(fallbacks.xls_sheet_shapes(stream, globals_.sheets))
        del stream
    return _first_reader_then_second(
        functools.partial(_read_with_calamine, path, "xls", max_cells=max_cells) if calamine_fits else None,
        functools.partial(_read_with_second_reader, fallbacks.read_xls_with_xlrd, path, "xls", max_cells=max_cells),
    )


def _read_xlsx(path: Path, scratch: Path, *, max_cells: int) -> list[RawSheet]:
    with _reader_failures_as_ingest_errors():
        spread_out = fallbacks.spread_out_sheet_parts(path)
    read_by_cells = functools.partial(_read_xlsx_by_cells, path, scratch, max_cells=max_cells, spread_out=spread_out)
    if spread_out:  # calamine would allocate the whole grid between A1 and the farthest cell
        return read_by_cells()
    return _first_reader_then_second(
        functools.partial(_read_with_calamine, path, "xlsx", max_cells=max_cells), read_by_cells
    )


def _read_xlsx_by_cells(path: Path, scratch: Path, *, max_cells: int, spread_out: list[str]) -> list[RawSheet]:
    """openpyxl after calamine; on a copy with standard part names when the package has odd ones, which calamine
    is given another try on first (it is much the faster)."""
    with _reader_failures_as_ingest_errors(), zipfile.ZipFile(path) as archive:
        irregular = fallbacks.has_irregular_part_names(archive)
    if irregular:
        standard = scratch / "standard.xlsx"
        with _reader_failures_as_ingest_errors():
            fallbacks.write_normalised_package(path, standard)
        path = standard
    by_openpyxl = functools.partial(
        _read_with_second_reader, fallbacks.read_xlsx_with_openpyxl, path, "xlsx", max_cells=max_cells
    )
    if irregular and not spread_out:
        return _first_reader_then_second(
            functools.partial(_read_with_calamine, path, "xlsx", max_cells=max_cells), by_openpyxl
        )
    return _first_reader_then_second(None, by_openpyxl)


def _first_reader_then_second(
    first: Callable[[], list[RawSheet]] | None, second: Callable[[], list[RawSheet]]
) -> list[RawSheet]:
    """The second reader is tried only when the first called the workbook damaged (or was not fit to try).

    A password, a zip bomb or too many cells is the workbook's own problem: another reader can't help with it.
    """
    failure = None
    if first is not None:
        try:
            return first()
        except IngestError as error:
            if error.code != "damaged":
                raise
            failure = error
    try:
        with _reader_failures_as_ingest_errors():
            return second()
    except IngestError as error:
        if error.code == "damaged" and failure is not None:
            raise failure from failure.__cause__
        raise


def _read_with_calamine(path: Path, file_format: str, *, max_cells: int) -> list[RawSheet]:
    batches = _calamine_batches(path, max_cells=max_cells)
    sheets: list[RawSheet] = []
    while batches:
        name, batch = batches.pop(0)
        arrays = batch.columns
        if len(arrays) > WIDE_SHEET_COLUMNS:  # empty columns go before the per-column work (_cut_to_used_columns)
            arrays = [column for column in arrays if column.null_count < len(column)]
            if len(arrays) > MAX_USED_COLUMNS:
                raise _too_wide(name, len(arrays))
        columns = [_as_displayed(column) for column in arrays]
        del arrays
        del batch  # each copy goes as soon as the next exists: a 50 MB upload is judged by its peak
        rows = _arrow_to_frame(columns)
        del columns
        if rows.notna().to_numpy().any():
            sheets.append(RawSheet(name=name, rows=rows, file_format=file_format))
    return sheets


def _calamine_batches(path: Path, *, max_cells: int) -> list[tuple[str, pa.RecordBatch]]:
    """Every visible worksheet's text as Arrow. calamine's grid of a sheet (some 75 bytes a cell, the largest thing
    in memory) is freed sheet by sheet, and the reader with its shared strings before any frame is built."""
    with _reader_failures_as_ingest_errors():
        visible = _visible_worksheets(path)
        reader = fastexcel.read_excel(str(path))
    batches = []
    cells = 0
    for name in visible:
        with _reader_failures_as_ingest_errors():
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            cells += sheet.height * sheet.width
            if cells > max_cells:
                raise _too_many_cells(max_cells)
            batch = sheet.to_arrow() if sheet.width else None
            del sheet
        if batch is not None and batch.num_rows:
            batches.append((name, batch))
    return batches


def _visible_worksheets(path: Path) -> list[str]:
    """Visible worksheets only: Excel 4.0 macro sheets hold macros, not data, and are skipped with charts."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.visible == python_calamine.SheetVisibleEnum.Visible
            and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
    finally:
        workbook.close()


def _read_with_second_reader(
    read: Callable[[Path], Iterable[fallbacks.FallbackSheet]], path: Path, file_format: str, *, max_cells: int
) -> list[RawSheet]:
    sheets: list[RawSheet] = []
    cells = 0
    for sheet in read(path):
        if not sheet.cells:
            continue
        numbers, first_column, last_column = _frame_layout(sheet)
        cells += len(numbers) * (last_column - first_column + 1)
        if cells > max_cells:
            raise _too_many_cells(max_cells)
        rows = _frame_from_cells(sheet.cells, numbers, first_column, last_column)
        sheets.append(RawSheet(name=sheet.name, rows=rows, file_format=file_format))  # its cells are never empty
    return sheets


def _frame_layout(sheet: fallbacks.FallbackSheet) -> tuple[Iterable[int], int, int]:
    """Rows and columns of the frame fastexcel's grid would give: rows from Excel row 1, columns from the first
    one used; for a spread-out sheet only the rows that have cells (their index still the Excel row numbers)."""
    numbers = sorted(sheet.cells) if sheet.spread_out else range(1, max(sheet.cells) + 1)
    first_column = min(min(row) for row in sheet.cells.values())
    last_column = max(max(row) for row in sheet.cells.values())
    return numbers, first_column, last_column


def _frame_from_cells(
    cells: fallbacks.SheetCells, numbers: Iterable[int], first_column: int, last_column: int
) -> pd.DataFrame:
    """One ``_as_displayed`` over every cell, column after column, then cut into columns: a sheet 16,384 columns
    wide would otherwise cost 16,384 rounds of Arrow calls."""
    numbers = list(numbers)
    empty: dict[int, str] = {}
    rows = [cells.get(number, empty) for number in numbers]
    columns = range(first_column, last_column + 1)
    flat = _as_displayed(pa.array([row.get(column) for column in columns for row in rows], pa.string()))
    frame = _arrow_to_frame([flat.slice(index * len(rows), len(rows)) for index in range(len(columns))])
    if numbers != list(range(1, len(numbers) + 1)):
        frame.index = pd.Index(numbers, dtype="int64")
    return frame


@contextlib.contextmanager
def _reader_failures_as_ingest_errors() -> Iterator[None]:
    """Whatever a reader raises becomes a refusal with a reason, a Rust panic included.

    calamine and fastexcel are Rust behind pyo3: a panic arrives as ``pyo3_runtime.PanicException``, which derives
    from BaseException precisely so that ``except Exception`` doesn't swallow it. Swallowing it is the point here
    (it left jobs "Running" for ever); only what must stop the process or the task is let through.
    """
    try:
        yield
    except IngestError:
        raise
    except BaseException as exc:
        if isinstance(exc, _must_propagate()):
            raise
        raise _workbook_error(exc) from exc


@functools.cache
def _must_propagate() -> tuple[type[BaseException], ...]:
    stops: list[type[BaseException]] = [KeyboardInterrupt, SystemExit, GeneratorExit]
    try:  # the worker has Celery; the readers also run without it (the ingest command, the bench)
        from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
    except ImportError:
        pass
    else:
        stops += [SoftTimeLimitExceeded, TimeLimitExceeded]
    return tuple(stops)


def _workbook_error(exc: BaseException) -> IngestError:
    if isinstance(exc, MemoryError):
        return IngestError(
            "This workbook is too big for us to open. Delete unused sheets, rows and columns, or split it into "
            "several files, and upload again.",
            code="too_many_cells",
        )
    message = str(exc).lower()
    if isinstance(exc, python_calamine.PasswordError) or "password" in message or "encrypted" in message:
        return _password_protected()
    return _damaged()


def _too_many_cells(max_cells: int) -> IngestError:
    return IngestError(
        f"This workbook has more than {max_cells:,} cells; split it into several files and upload each.",
        code="too_many_cells",
    )


_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2}) 00:00:00$"
_TIME_ONLY = r"^1899-12-3[01] (\d{2}:\d{2}:\d{2})$"  # how calamine dates a time-of-day cell
_LONG_DECIMAL = r"^-?\d+\.\d{6,}$"


def _as_displayed(column: pa.Array) -> pa.Array:
    """fastexcel's text for a cell, moved closer to what Excel shows: no midnight on dates, TRUE/FALSE, 15 digits."""
    column = column.cast(pa.string())
    column = pc.replace_substring_regex(column, _MIDNIGHT, r"\1")
    column = pc.replace_substring_regex(column, _TIME_ONLY, r"\1")
    column = pc.if_else(pc.equal(column, "true"), "TRUE", column)
    column = pc.if_else(pc.equal(column, "false"), "FALSE", column)
    column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    long_decimal = pc.fill_null(pc.match_substring_regex(column, _LONG_DECIMAL), False)
    if pc.any(long_decimal).as_py():
        values = column.to_pylist()
        for index in pc.indices_nonzero(long_decimal).to_pylist():
            values[index] = _fifteen_digits(values[index])
        column = pa.array(values, pa.string())
    return column


def _fifteen_digits(text: str) -> str:
    """Excel shows and computes with 15 significant digits; beyond that a binary float's noise shows through."""
    digits = len(text.lstrip("-").replace(".", "").lstrip("0"))
    if digits <= 15:
        return text
    value = Decimal(format(float(text), ".15g"))
    shown = format(value, "f")
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def _arrow_to_frame(columns: list[pa.Array], *, first_row: int = 1) -> pd.DataFrame:
    table = pa.table(columns, names=[str(index) for index in range(len(columns))])
    frame = table.to_pandas()
    frame.columns = range(len(columns))
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return frame


# ---------------------------------------------------------------- encodings

# Tried in this order; on equal scores the earlier wins. Windows Excel saves "CSV" as cp1252, DOS-era and Tally
# exports can be cp850/cp437, and iso-8859-15 differs from cp1252 in the euro sign. latin-1 decodes any byte
# string, which is why it is last and never assumed. Mac Roman is left out: its lower-case accents sit where
# cp850's do, so the two tie on most words and cp850 is by far the likelier.
SINGLE_BYTE_CANDIDATES = ("cp1252", "cp850", "iso8859-15", "cp437", "latin-1")
_SAMPLE_BYTES = 256 * 1024
_COMMON_LETTERS = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœšžÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŒŠŽŸ")
# Symbols people really type in Indian and European business data; anything else non-ASCII is suspect.
_PLAIN_SYMBOLS = set("₹€£°’‘“”–—•…×©®™\u00a0")
_WORD_SYMBOLS = set("’'")  # allowed inside a word: O’Brien


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a delimited file and the encoding used: BOMs first, then strict UTF-8, then the best-scoring guess."""
    for bom, encoding, label in (
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),  # before UTF-16: its BOM starts the same way
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), label
    utf16 = _bomless_utf16(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = _non_ascii_lines(data)
    ranked = sorted(
        (decoding_penalty(decoded), order, encoding)
        for order, encoding in enumerate(_candidates(sample))
        if (decoded := _try_decode(sample, encoding)) is not None
    )
    for _, _, encoding in ranked:
        text = _try_decode(data, encoding)
        if text is not None:
            return text, encoding
    return data.decode("utf-8", errors="replace"), "utf-8"


def _candidates(sample: bytes) -> list[str]:
    candidates = [*SINGLE_BYTE_CANDIDATES, "utf-8-replace"]
    guess = charset_normalizer.from_bytes(sample[:65536]).best()
    if guess is not None:
        name = codecs.lookup(guess.encoding).name
        if name not in {codecs.lookup(c).name for c in SINGLE_BYTE_CANDIDATES} and name != "utf-8":
            candidates.append(name)
    return candidates


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        if encoding == "utf-8-replace":  # a UTF-8 file with a few stray bytes pasted in from elsewhere
            return data.decode("utf-8", errors="replace")
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _bomless_utf16(data: bytes) -> str | None:
    """Excel's "Unicode Text" without a BOM: every other byte of ASCII text is zero."""
    head = data[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 4:
        return None
    even_zeros = head[0::2].count(0)
    odd_zeros = head[1::2].count(0)
    if odd_zeros > len(head) // 2 * 0.4 and even_zeros < odd_zeros // 4:
        return "utf-16-le"
    if even_zeros > len(head) // 2 * 0.4 and odd_zeros < even_zeros // 4:
        return "utf-16-be"
    return None


def _non_ascii_lines(data: bytes) -> bytes:
    """Only lines with non-ASCII bytes tell encodings apart; keep up to a bounded sample of them."""
    lines = []
    total = 0
    for match in re.finditer(rb"[^\n]*[\x80-\xff][^\n]*", data):
        lines.append(match.group())
        total += len(lines[-1])
        if total > _SAMPLE_BYTES:
            break
    return b"\n".join(lines)


def decoding_penalty(text: str) -> float:
    """How implausible a decoding looks: low for real accented words, high for mojibake.

    Wrong single-byte decodings show as control characters, box-drawing, currency signs and symbols stuck
    between letters (cp850 'Señor' read as cp1252 is 'Se¤or'), or capitals inside lower-case words ('cafÚ').
    """
    penalty = 0.0
    for match in re.finditer(r"[^\x00-\x7f]", text):
        index = match.start()
        char = match.group()
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        between_letters = before.isalpha() and after.isalpha()
        category = unicodedata.category(char)
        if char == "\ufffd":
            penalty += 8
        elif "\x80" <= char <= "\x9f" or category == "Cc":
            penalty += 10
        elif "\u2500" <= char <= "\u259f" or char == "¤":
            penalty += 6
        elif category.startswith("L"):
            if char.isupper() and before.isalpha() and (before.islower() or after.islower()):
                penalty += 3  # a capital inside a word: 'cafÚ', 'SÆo'
            if before in "ÃÂ":
                penalty += 4  # UTF-8 read as cp1252: 'Ã©'
            if not before.isalpha() and not after.isalpha():
                penalty += 1  # a letter standing alone: 'Ç' or 'ñ' where '€' belongs
            if char in _COMMON_LETTERS:
                pass
            elif "\u00c0" <= char <= "\u024f":
                penalty += 1.5  # Latin letters that Indian and Western business names rarely use: ð, þ, ı
        elif char in _PLAIN_SYMBOLS:
            if between_letters and char not in _WORD_SYMBOLS:
                penalty += 4
            if before in "ÃÂ":
                penalty += 4
        else:
            penalty += 2 + (4 if between_letters else 0) + (4 if before in "ÃÂ" else 0)
    return penalty


# ---------------------------------------------------------------- delimited text


_CONTROL_CHARACTERS = [chr(code) for code in range(32) if chr(code) not in "\t\n\r\x0c"]


def _without_stray_nuls(text: str, notes: list[str]) -> str:
    """A few NUL characters (a damaged export, a field pasted from another program) are removed and the lines named;
    many control characters mean a binary file, or UTF-16 read as bytes, which is refused."""
    sample = text[:65536]
    controls = sum(sample.count(char) for char in _CONTROL_CHARACTERS)
    if controls > max(len(sample) // 100, 10):
        raise IngestError(f"This file is not a spreadsheet or a text table. {_EXPORT_ADVICE}", code="binary")
    count = text.count("\x00")
    lines: list[int] = []
    line, counted_to = 1, 0
    position = text.find("\x00")
    while position != -1 and len(lines) < 5:  # each line once, counting newlines only up to the next NUL
        line += text.count("\n", counted_to, position)
        lines.append(line)
        end_of_line = text.find("\n", position)
        if end_of_line == -1:
            position = -1
            break
        line, counted_to = line + 1, end_of_line + 1
        position = text.find("\x00", counted_to)
    named = ", ".join(str(line) for line in lines) + (" and others" if position != -1 else "")
    notes.append(f"Removed {count:,} NUL characters (a damaged export) on line{'s' if len(lines) > 1 else ''} {named}.")
    return text.replace("\x00", "")


def _read_delimited(data: bytes, *, name: str, max_cells: int) -> RawSheet:
    text, encoding = decode_text(data)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line ends
    notes: list[str] = []
    if "\x00" in text:
        text = _without_stray_nuls(text, notes)
    delimiter, skip = _declared_delimiter(text)
    if skip:
        text = text[skip:]
        notes.append("The first line named the separator (sep=...): used it.")
    if delimiter is None:
        delimiter = sniff_delimiter(text[:65536])
    if not text.strip():
        raise IngestError("The file is empty. Export the report again and upload the new file.", code="empty")
    head, body_start, width = _head_records(text, delimiter)
    if width > MAX_COLUMNS:
        raise IngestError(
            f"This file has {width:,} columns; a table can have at most {MAX_COLUMNS:,}. {_EXPORT_ADVICE}",
            code="too_many_columns",
        )
    estimated_cells = text.count("\n", body_start) * width
    if estimated_cells > max_cells:
        raise IngestError(
            f"This file has about {estimated_cells:,} cells; we can read at most {max_cells:,}. "
            "Split it into several files and upload each.",
            code="too_many_cells",
        )
    body = _parse_body(text[body_start:], delimiter, width)
    if body is None:
        body = _parse_with_csv_module(text[body_start:], delimiter)
        width = max(width, body.shape[1])
    preamble = pd.DataFrame([row + [None] * (width - len(row)) for row in head], dtype="str")
    preamble = preamble.replace("", None) if not preamble.empty else preamble
    body = body.reindex(columns=range(width))
    rows = pd.concat([preamble, body.astype("str")], ignore_index=True) if len(preamble) else body.astype("str")
    rows.columns = range(width)
    rows.index = pd.RangeIndex(1, len(rows) + 1)
    return RawSheet(name=name, rows=rows, file_format=TEXT_FORMAT, encoding=encoding, delimiter=delimiter, notes=notes)


def _declared_delimiter(text: str) -> tuple[str | None, int]:
    """Excel writes ``sep=;`` as the first line when the list separator isn't a comma."""
    match = re.match(r"\ufeff?sep=(.)\r?\n", text[:16])
    return (match.group(1), match.end()) if match else (None, 0)


def sniff_delimiter(sample: str) -> str | None:
    """The separator that splits most records into the same number (>1) of fields; None for a one-column file."""
    sample = sample[: sample.rfind("\n") + 1] or sample
    best: tuple[int, int, int] | None = None
    chosen = None
    for order, delimiter in enumerate(CSV_DELIMITERS):
        if delimiter not in sample:
            continue
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(row)]
        except csv.Error:
            continue
        wide = [width for width in widths if width > 1]
        if not wide:
            continue
        modal_width, agreeing = Counter(wide).most_common(1)[0]
        score = (agreeing, modal_width, -order)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


class _LineFeeder:
    """Lines for csv.reader that remember how far into the text they got, so the body can start at a record."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def __iter__(self) -> _LineFeeder:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.text):
            raise StopIteration
        end = self.text.find("\n", self.position)
        end = len(self.text) if end < 0 else end + 1
        line = self.text[self.position : end]
        self.position = end
        return line


def _head_records(text: str, delimiter: str | None) -> tuple[list[list[str]], int, int]:
    """Split off the title lines above the table (narrower than it) so the fast parser sees a rectangular body.

    Returns the preamble records, the offset where the rectangular body starts, and the table's width.
    """
    feeder = _LineFeeder(text)
    reader = csv.reader(feeder, delimiter=delimiter or "\x1f")
    records: list[tuple[list[str], int, int]] = []  # fields, start offset, end offset
    try:
        while len(records) < _HEAD_RECORDS and feeder.position < _HEAD_CHARS:
            start = feeder.position
            try:
                fields = next(reader)
            except StopIteration:
                break
            records.append((fields, start, feeder.position))
    except csv.Error as exc:
        raise _malformed_text(exc) from exc
    widths = [len(fields) for fields, _, _ in records if any(cell.strip() for cell in fields)]
    width = max(widths, default=1)
    for index, (fields, start, _) in enumerate(records):
        if len(fields) == width:
            return [fields for fields, _, _ in records[:index] if fields], start, width  # blank lines go, as below
    return [], 0, width


def _parse_body(body: str, delimiter: str | None, width: int) -> pd.DataFrame | None:
    """pyarrow's multithreaded parser, every column as text; None when some record has a different width."""
    names = [str(index) for index in range(width)]
    ragged = []

    def note_ragged(_row: object) -> str:
        ragged.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(body.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 * MB),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter or "\x1f",
                quote_char='"',
                double_quote=True,
                newlines_in_values=True,
                invalid_row_handler=note_ragged,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],  # never pandas' list: "NA" is North America, "NULL" may be a product code
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if ragged:
        return None
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _parse_with_csv_module(body: str, delimiter: str | None) -> pd.DataFrame:
    """Slow but exact for records of varying width (title and total lines in the middle of the table)."""
    try:
        records = [row for row in csv.reader(io.StringIO(body), delimiter=delimiter or "\x1f") if row]
    except csv.Error as exc:
        raise _malformed_text(exc) from exc
    width = max((len(row) for row in records), default=1)
    padded = [row + [""] * (width - len(row)) for row in records]
    return pd.DataFrame(padded, columns=range(width), dtype="str").replace("", None)


def _malformed_text(exc: csv.Error) -> IngestError:
    return IngestError(
        "We couldn't split this file into rows and columns: a quote mark (\") is probably left open, or a cell is "
        f"extremely long ({exc}). Export the report again as CSV or Excel and upload that.",
        code="malformed_csv",
    )
