"""How a report's table fits the A4 page: each table gets the first of a few layouts in which its widest
row fits the page's width, so no column is ever cut off the page's right edge.

Table cells that hold numbers never wrap (a split amount is misread), so a table with many big amounts
(six money columns in crores, as in the GST summary) is wider than a portrait page at the usual size. In order,
a table is set: as usual; a point smaller with tighter cells; on a landscape page; smaller on a landscape page;
and, when even that is too narrow, smaller still with amounts allowed to break. Portrait comes first so a
report stays one way up unless a table needs more room. The width is estimated from the text the PDF prints,
with character widths a little over those of the report's font (DejaVu Sans, bold for headers and totals),
so an estimate that errs makes a table smaller rather than cut off.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.reading import NUMERIC, SHORT_TEXT, Table, cell_text

MM = 72 / 25.4  # points in a millimetre
# The content width of A4 (210 mm x 297 mm) inside the template's 14 mm side margins.
PORTRAIT = (210 - 28) * MM
LANDSCAPE = (297 - 28) * MM
WRAP_CHARS = 16  # a column of long text that wraps still gets this many characters a line, to stay readable


@dataclass(frozen=True)
class Fit:
    css: str  # the classes the template gives the table's section
    width: float  # points available to the table
    size: float  # font size, points
    padding: float  # a cell's left and right padding together, points


FITS = (
    Fit("", PORTRAIT, 8, 6),
    Fit("compact", PORTRAIT, 7, 4),
    Fit("wide", LANDSCAPE, 8, 6),
    Fit("wide compact", LANDSCAPE, 7, 4),
)
SQUEEZED = Fit("wide squeezed", LANDSCAPE, 6, 3)  # amounts may break: the only way left to stay on the page


def _em(char: str) -> float:
    """A character's width in em: DejaVu Sans Bold's, rounded up (bold digits are 0.696 em)."""
    if char.isdigit() or char in "₹$€£¥":
        return 0.7
    if char in ",.:;'| ":
        return 0.38
    if char in "%@&#mwMW":
        return 1.1
    if char.isupper():
        return 0.85
    return 0.66


def text_width(text: str) -> float:
    """The width of `text` in em."""
    return sum(_em(char) for char in text)


def _column_width(label: str, kind: str, cells: list[str]) -> tuple[float, bool]:
    """The narrowest the column can be, in em, and whether its text wraps: headers wrap between words,
    numbers and short text don't, long text wraps but keeps WRAP_CHARS characters a line."""
    widths = [max((text_width(word) for word in label.split()), default=0)]
    wraps = False
    for shown in cells:
        if kind in NUMERIC or len(shown) <= SHORT_TEXT:
            widths.append(text_width(shown))
        else:
            wraps = True
            longest = max((text_width(word) for word in shown.split()), default=0)
            widths.append(max(longest, text_width(shown[:WRAP_CHARS])))
    return max(widths), wraps


@dataclass(frozen=True)
class Layout:
    fit: Fit
    # Each column's width in em, or None for a column of long text, which takes the width left over: without
    # widths the renderer shares the page out by the longest cells, and a long name ends up in a narrow column.
    widths: list[float | None]


def table_layout(table: Table, currency: str, footer: list | None = None) -> Layout:
    """The first fit in which the table, at its narrowest, is as wide as the page or less."""
    rows = [*table.rows, *([footer] if footer else [])]
    columns = [
        _column_width(column.label, column.kind, [cell_text(row[index], column.kind, currency) for row in rows])
        for index, column in enumerate(table.columns)
    ]
    fit = next(
        (fit for fit in FITS if sum(em * fit.size + fit.padding for em, _ in columns) <= fit.width),
        SQUEEZED,
    )
    # Squeezed, amounts may break, so no column is held at the width of its longest amount.
    widths = [None if wraps or fit is SQUEEZED else round(em, 2) for em, wraps in columns]
    return Layout(fit, widths)
