"""Template helpers of the dashboards: links that keep the filter bar, and tables in the company's money."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from elettro.kernel.money import format_money, format_number, format_percent

register = template.Library()

TABLE_ROWS = 100


@register.simple_tag
def dashboard_url(name, selection):
    url = reverse("home") if name == "overview" else reverse(f"dashboard_{name}")
    query = selection.query()
    return f"{url}?{query}" if query else url


@register.simple_tag
def query_with(selection, **changes):
    return selection.query(**changes)


def cell_text(value, kind: str, currency: str) -> str:
    """A value as a table cell shows it, in the company's money (reports' PDFs measure their columns by it)."""
    if value is None or value == "":
        return "–" if kind in ("money", "number", "percent") else ""
    if isinstance(value, str):  # a label in a number column, like a totals row's "Total"
        return value
    if kind == "money":
        return format_money(value, currency)
    if kind == "number":
        return format_number(value, currency, 0 if float(value) == int(value) else 2)
    if kind == "percent":
        return format_percent(value)
    if kind == "date" and hasattr(value, "strftime"):
        return f"{value:%-d %b %Y}"
    return str(value)


NUMERIC = {"money", "number", "percent"}
SHORT_TEXT = 24  # text up to this long is kept on one line (invoice numbers, dates); longer text may wrap
# A cell's class attribute, already HTML: passed through format_html_join as is, not escaped into &quot;.
NUM, WRAP, PLAIN = mark_safe(' class="num"'), mark_safe(' class="wrap"'), mark_safe("")


def _row_html(columns, values, currency: str, link: tuple[int, str] | None = None):
    """A row's cells; `link` (column index, href) makes that cell's text a link, the row's drill-down."""

    def cells():
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            shown = cell_text(value, column.kind, currency)
            kind = NUM if column.kind in NUMERIC else WRAP if len(shown) > SHORT_TEXT else PLAIN
            yield (
                kind,
                format_html('<a href="{}" data-drill>{}</a>', link[1], shown) if link and link[0] == index else shown,
            )

    return format_html_join("", "<td{}>{}</td>", cells())


@register.filter
def drill_for(drill, key):
    """The table links of one panel from the page's drill-down (see analytics.views), or None."""
    return (drill or {}).get(key)


@register.simple_tag
def render_table(table, currency, limit=TABLE_ROWS, footer=None, widths=None, links=None):
    """The table as HTML: the first `limit` rows (0 for all), then `footer` (a totals row) in <tfoot>; `widths`
    (a report's PDF) are the columns' widths in em, None for a column that takes what is left. `links`
    ({"column": index, "hrefs": [href or None per row]}) links a cell of each row to where it drills."""
    cols = ""
    if widths:
        cols = format_html(
            "<colgroup>{}</colgroup>",
            format_html_join(
                "", "<col{}>", ((format_html(' style="width: {}em"', w) if w else PLAIN,) for w in widths)
            ),
        )
    head = format_html_join(
        "", '<th scope="col"{}>{}</th>', ((NUM if c.kind in NUMERIC else PLAIN, c.label) for c in table.columns)
    )
    hrefs = links["hrefs"] if links else []

    def link(number: int) -> tuple[int, str] | None:
        href = hrefs[number] if number < len(hrefs) else None
        return (links["column"], href) if href else None

    rows = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (_row_html(table.columns, row, currency, link(number)),)
            for number, row in enumerate(table.rows[:limit] if limit else table.rows)
        ),
    )
    foot = ""
    if footer:
        foot = format_html("<tfoot><tr>{}</tr></tfoot>", _row_html(table.columns, footer, currency))
    return format_html(
        '<div class="table-wrap"><table class="data">{}<thead><tr>{}</tr></thead><tbody>{}</tbody>{}</table></div>',
        cols,
        head,
        rows,
        foot,
    )


@register.simple_tag
def figure(measure, value, currency, signed=False):
    """A measure's value in full (money to the paisa), signed if asked: the "why did it change" tables."""
    from analytics.why import amount

    return amount(measure, value, currency, signed=signed, compact=False)
