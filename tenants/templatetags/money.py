"""Numbers the Indian way in templates.

{{ amount|inr }} -> ₹98,38,141.37   {{ amount|inr_compact }} -> ₹98.4 L   {{ rupees|inr_whole }} -> ₹1,49,990
{{ count|num_in }} -> 5,00,000
"""

from django import template

from elettro.india import format_inr, format_inr_compact, group_indian

register = template.Library()


@register.filter
def inr(value):
    return format_inr(value)


@register.filter
def inr_compact(value):
    return format_inr_compact(value)


@register.filter
def inr_whole(value):
    return format_inr(value, decimals=0)


@register.filter
def num_in(value):
    if value is None or value == "":
        return ""
    number = int(value)
    return ("-" if number < 0 else "") + group_indian(str(abs(number)))
