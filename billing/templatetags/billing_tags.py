from django import template

from billing.invoices import rupees

register = template.Library()


@register.filter
def paise(value):
    """{{ 589882|paise }} -> ₹5,898.82"""
    return rupees(int(value)) if value is not None else ""
