"""Builders of upload files from code, so no binary fixture is ever committed."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def sample_data_dir() -> Path:
    configured = os.environ.get("ELETTRO_SAMPLE_DATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture
def sample_file() -> Callable[[str], Path]:
    """Path of a public sample data file, or a skip saying where it was looked for."""

    def find(name: str) -> Path:
        path = sample_data_dir() / name
        if not path.is_file():
            pytest.skip(f"{name} not found in {path.parent} (set ELETTRO_SAMPLE_DATA to the folder holding it)")
        return path

    return find


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def build_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """An .xlsx with the given sheets (name -> rows); ``hidden`` sheets are hidden; strings starting with '=' can
    be forced to stay text cells with ``text_cells``."""

    def build(
        sheets: dict[str, Iterable[Iterable[object]]],
        *,
        name: str = "book.xlsx",
        hidden: Iterable[str] = (),
        text_cells: dict[tuple[str, str], str] | None = None,
    ) -> Path:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
            if title in hidden:
                sheet.sheet_state = "hidden"
        for (title, ref), text in (text_cells or {}).items():
            cell = workbook[title][ref]
            cell.value = text
            cell.data_type = "s"  # stored as a string cell: Excel shows the text and never evaluates it
        path = tmp_path / name
        workbook.save(path)
        return path

    return build


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def write_raw_xlsx(path: Path, sheet_data: str, *, dimension: str | None = None, padding: int = 0) -> Path:
    """A one-sheet .xlsx written part by part, for what openpyxl won't write: cached formula values, lying
    dimensions, sheets padded to compress like a zip bomb (bench/read_memory.py writes its files with it too)."""
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension_xml}<sheetData>{sheet_data}</sheetData>{' ' * padding}</worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet, compresslevel=9)
    return path


@pytest.fixture
def build_raw_xlsx(tmp_path: Path) -> Callable[..., Path]:
    def build(sheet_data: str, *, dimension: str | None = None, padding: int = 0, name: str = "raw.xlsx") -> Path:
        return write_raw_xlsx(tmp_path / name, sheet_data, dimension=dimension, padding=padding)

    return build
