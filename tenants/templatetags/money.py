"""Numbers the way each company's readers write them, in templates.

A company's figures always go through the currency-aware filters, given the company's currency:
{{ amount|money:company.currency }} -> $1,234.56   {{ amount|money_compact:company.currency }} -> $9.84M
{{ amount|money_whole:company.currency }} -> $1,235   {{ count|number:company.currency }} -> 500,000
{{ share|percent }} -> 12.3%   {{ growth|signed_percent }} -> +12.3%   (fractions in: 0.123 is 12.3%)

The rupee-only filters are for what is in rupees whatever the company's currency (Elettro's own plan prices,
billed in INR), never for a company's figures:
{{ amount|inr }} -> ₹98,38,141.37   {{ amount|inr_compact }} -> ₹98.4 L   {{ rupees|inr_whole }} -> ₹1,49,990
{{ count|num_in }} -> 5,00,000

A value that is not a number renders as '' (percentages as '–') rather than failing the whole page.
"""

from django import template

from elettro.kernel.india import format_inr, format_inr_compact, group_indian
from elettro.kernel.money import format_money, format_money_compact, format_number, format_percent

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


@register.filter
def money(value, currency="INR"):
    try:
        return format_money(value, currency)
    except (TypeError, ValueError):
        return ""


@register.filter
def money_compact(value, currency="INR"):
    try:
        return format_money_compact(value, currency)
    except (TypeError, ValueError):
        return ""


@register.filter
def money_whole(value, currency="INR"):
    try:
        return format_money(value, currency, decimals=0)
    except (TypeError, ValueError):
        return ""


@register.filter
def number(value, currency="INR"):
    try:
        return format_number(value, currency)
    except (TypeError, ValueError):
        return ""


@register.filter
def percent(value):
    try:
        return format_percent(value)
    except (TypeError, ValueError):
        return "–"


@register.filter
def signed_percent(value):
    try:
        return format_percent(value, signed=True)
    except (TypeError, ValueError):
        return "–"
