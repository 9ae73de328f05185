"""Peak memory of reading workbooks: tiny files that declare a huge range, and a realistic one near the upload limit.

Each file is read by ``read_table`` in a child process, so its peak RSS (``resource.getrusage``) is the read's own.
The target is under 1 GB for anything under the 50 MB upload limit.
Run: .venv/bin/python bench/read_memory.py [--rows 600000] [--keep]
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

TARGET_MB = 1024


def _child(path: Path, filename: str) -> None:
    from ingestion.etl.readers import read_table

    started = time.perf_counter()
    sheets = read_table(path, filename=filename)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shapes = [list(sheet.rows.shape) for sheet in sheets]
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak), "shapes": shapes}))


def measure(path: Path, filename: str) -> dict:
    """Read in a child. Linux carries the parent's RSS at fork into the child's ru_maxrss, so the parent running
    this never builds or imports anything large itself."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path), filename], check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- files made for the purpose


def tiny_xls_declaring_the_whole_grid(folder: Path) -> Path:
    """The issue's case: a few cells, DIMENSIONS of 65,536 × 256, and one stray value in IV65536."""
    from tests.ingestion.test_reader_corpus import SALES, Raw, number, xls_file

    stray = Raw(number(65_535, 255, 1.0))
    path = folder / "tiny-whole-grid.xls"
    path.write_bytes(xls_file({"Sales": [*SALES, [stray]]}, declared={"Sales": (65_536, 256)}))
    return path


def tiny_xls_with_a_lying_dimensions_record(folder: Path) -> Path:
    """DIMENSIONS of 4e9 rows × 65,535 columns: calamine's up-front reservation of that aborted the process."""
    from tests.ingestion.test_reader_corpus import SALES, xls_file

    path = folder / "tiny-lying-dimensions.xls"
    path.write_bytes(xls_file({"Sales": SALES}, declared={"Sales": (4_000_000_000, 65_535)}))
    return path


def tiny_xlsx(folder: Path, name: str, sheet_data: str) -> Path:
    from tests.ingestion.conftest import write_raw_xlsx

    return write_raw_xlsx(folder / name, sheet_data, dimension="A1:XFD1048576")


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
_CONTENT_TYPES_FULL = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_WORKBOOK_RELS_FULL = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
HEADER = ["Invoice No", "Date", "Party", "GSTIN", "City", "Item", "HSN", "Qty", "Rate", "Taxable", "GST", "Total"]


def realistic_xlsx(folder: Path, rows: int) -> Path:
    """A sales register as Excel writes it: shared strings (every invoice number among them), dates as styled
    serials, integer and two-decimal amounts. Streamed to the zip, so building it takes little memory."""
    from tests.ingestion.conftest import _ROOT_RELS, _WORKBOOK

    rng = random.Random(23)
    strings: dict[str, int] = {}

    def shared(text: str) -> int:
        return strings.setdefault(text, len(strings))

    parties = [f"Party {index:04d} Traders Pvt Ltd" for index in range(3000)]
    cities = ["Pune", "Mumbai", "Delhi", "Chennai", "Kolkata", "Bengaluru", "Hyderabad", "Ahmedabad", "Jaipur", "Surat"]
    items = [f"Item {index:04d} {rng.choice(['Steel', 'Cable', 'Pipe', 'Valve'])}" for index in range(800)]
    start = (datetime.date(2024, 4, 1) - datetime.date(1899, 12, 30)).days
    path = folder / "realistic-sales.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="A1:L{rows + 1}"/><sheetData>'.encode()
            )
            header = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{shared(h)}</v></c>' for i, h in enumerate(HEADER))
            sheet.write(f'<row r="1">{header}</row>'.encode())
            batch = []
            for row in range(2, rows + 2):
                party = rng.randrange(len(parties))
                qty = rng.randint(1, 500)
                rate = round(rng.uniform(10, 5000), 2)
                taxable = round(qty * rate, 2)
                gst = round(taxable * 0.18, 2)
                batch.append(
                    f'<row r="{row}">'
                    f'<c r="A{row}" t="s"><v>{shared(f"INV/24-25/{row:07d}")}</v></c>'
                    f'<c r="B{row}" s="1"><v>{start + row // 3000}</v></c>'
                    f'<c r="C{row}" t="s"><v>{shared(parties[party])}</v></c>'
                    f'<c r="D{row}" t="s"><v>{shared(f"27AAPFU{party:04d}F1ZV")}</v></c>'
                    f'<c r="E{row}" t="s"><v>{shared(cities[party % len(cities)])}</v></c>'
                    f'<c r="F{row}" t="s"><v>{shared(rng.choice(items))}</v></c>'
                    f'<c r="G{row}"><v>{7300 + party % 90}</v></c>'
                    f'<c r="H{row}"><v>{qty}</v></c>'
                    f'<c r="I{row}"><v>{rate}</v></c>'
                    f'<c r="J{row}"><v>{taxable}</v></c>'
                    f'<c r="K{row}"><v>{gst}</v></c>'
                    f'<c r="L{row}"><v>{round(taxable + gst, 2)}</v></c>'
                    "</row>"
                )
                if len(batch) == 10_000:
                    sheet.write("".join(batch).encode())
                    batch = []
            sheet.write("".join(batch).encode() + b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as table:
            table.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                + f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            )
            table.write("".join(f"<si><t>{escape(text)}</t></si>" for text in strings).encode())
            table.write(b"</sst>")
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES_FULL)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS_FULL)
        archive.writestr("xl/styles.xml", _STYLES)
    return path


def _build(folder: Path, rows: int) -> None:
    """Write the files (in a child too: the parent must stay small, see ``measure``) and print their paths."""
    files = [
        tiny_xls_declaring_the_whole_grid(folder),
        tiny_xls_with_a_lying_dimensions_record(folder),
        tiny_xlsx(folder, "tiny-declares-xfd1048576.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>'),
        tiny_xlsx(
            folder,
            "tiny-value-in-xfd1048576.xlsx",
            '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>',
        ),
        realistic_xlsx(folder, rows),
    ]
    print(json.dumps([str(path) for path in files]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=600_000, help="lines in the realistic sales register")
    parser.add_argument("--keep", action="store_true", help="keep the files in bench/out/read_memory")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), args.child[1])
        return
    if args.build:
        _build(Path(args.build), args.rows)
        return
    folder = HERE / "out" / "read_memory" if args.keep else Path(tempfile.mkdtemp(prefix="read-memory-"))
    folder.mkdir(parents=True, exist_ok=True)
    built = subprocess.run(
        [sys.executable, __file__, "--build", str(folder), "--rows", str(args.rows)],
        check=True,
        capture_output=True,
        text=True,
    )
    files = [Path(name) for name in json.loads(built.stdout.strip().splitlines()[-1])]
    print(f"{'file':34} {'size':>10} {'seconds':>8} {'peak MB':>8}  shape")
    worst = 0
    for path in files:
        result = measure(path, path.name)
        worst = max(worst, result["peak_mb"])
        size = path.stat().st_size
        shown = f"{size / 1024:,.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MB"
        print(f"{path.name:34} {shown:>10} {result['seconds']:>8} {result['peak_mb']:>8}  {result['shapes']}")
    print(f"worst peak {worst} MB; target under {TARGET_MB} MB: {'met' if worst < TARGET_MB else 'NOT MET'}")
    if not args.keep:
        for path in files:
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
