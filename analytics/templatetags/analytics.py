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


def _row_html(columns, values, currency: str):
    def cells():
        for column, value in zip(columns, values, strict=True):
            shown = cell_text(value, column.kind, currency)
            yield (NUM if column.kind in NUMERIC else WRAP if len(shown) > SHORT_TEXT else PLAIN), shown

    return format_html_join("", "<td{}>{}</td>", cells())


@register.simple_tag
def render_table(table, currency, limit=TABLE_ROWS, footer=None, widths=None):
    """The table as HTML: the first `limit` rows (0 for all), then `footer` (a totals row) in <tfoot>; `widths`
    (a report's PDF) are the columns' widths in em, None for a column that takes what is left."""
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
    rows = format_html_join(
        "",
        "<tr>{}</tr>",
        ((_row_html(table.columns, row, currency),) for row in (table.rows[:limit] if limit else table.rows)),
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
