"""`{% figures_freshness %}`: a dashboard's "Updated 4 Dec, 14:32 · Refresh" line, which refresh.js keeps current."""

from django import template

from ..freshness import figures_freshness as read_freshness
from ..freshness import poll_seconds

register = template.Library()


@register.inclusion_tag("analytics/_freshness.html", takes_context=True)
def figures_freshness(context):
    request = context["request"]
    return {
        "freshness": read_freshness(request.tenant),
        "poll_seconds": poll_seconds(),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
