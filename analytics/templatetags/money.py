"""Rupees the Indian way in templates: {{ amount|inr }} -> ₹98,38,141.37, {{ amount|inr_compact }} -> ₹98.4 L."""

from django import template

from elettro.india import format_inr, format_inr_compact

register = template.Library()


@register.filter
def inr(value):
    return format_inr(value)


@register.filter
def inr_compact(value):
    return format_inr_compact(value)
