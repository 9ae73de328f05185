"""Money, counts, percentages and axis ticks in the company's currency; no database needed."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from django.template import Context, Template

from elettro.kernel.india import format_inr, format_inr_compact
from elettro.kernel.money import (
    CURRENCY_CHOICES,
    axis_ticks,
    currency_decimals,
    currency_problem,
    currency_symbol,
    format_money,
    format_money_compact,
    format_number,
    format_percent,
)

# ---------------------------------------------------------------- format_money


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("9838141.37"), "INR", "₹98,38,141.37"),
        (Decimal("-1200.5"), "INR", "-₹1,200.50"),
        (Decimal("1234567.89"), "USD", "$1,234,567.89"),
        (Decimal("1234567.89"), "EUR", "€1,234,567.89"),
        (Decimal("1234567.89"), "GBP", "£1,234,567.89"),
        (Decimal("1234"), "AED", "AED 1,234.00"),
        (Decimal("1234567.89"), "SGD", "S$1,234,567.89"),
        (Decimal("1234567.89"), "AUD", "A$1,234,567.89"),
        (Decimal("1234567.89"), "JPY", "¥1,234,568"),
        (Decimal("1234567.89"), "CAD", "C$1,234,567.89"),
        (Decimal("1234567.89"), "NZD", "NZ$1,234,567.89"),
        (Decimal("1234567.89"), "HKD", "HK$1,234,567.89"),
        (Decimal("1234567.89"), "CNY", "CN¥1,234,567.89"),
        (Decimal("1234567.89"), "SAR", "SAR 1,234,567.89"),
        (Decimal("1234567.89"), "LKR", "LKR 1,234,567.89"),  # another rupee: never ₹, never lakh grouping
        (Decimal("1234.5678"), "KWD", "KWD 1,234.568"),  # three minor units
        (Decimal("1234.5"), "OMR", "OMR 1,234.500"),
        (Decimal("1234"), "XYZ", "XYZ 1,234.00"),
        (Decimal("-1234"), "USD", "-$1,234.00"),
        (Decimal("0.005"), "USD", "$0.01"),  # half up, like india.format_inr
        (Decimal("-0.001"), "USD", "$0.00"),  # no "-$0.00"
        (0, "USD", "$0.00"),
        (999, "usd", "$999.00"),  # codes are case-insensitive
    ],
)
def test_format_money(value, currency, expected):
    assert format_money(value, currency) == expected


def test_format_money_inr_is_exactly_format_inr():
    for amount in ("9838141.37", "45200000", "-1200.5", "950", "123456789012.345", "0.004"):
        assert format_money(Decimal(amount)) == format_inr(Decimal(amount))
        assert format_money(Decimal(amount), "INR", decimals=0) == format_inr(Decimal(amount), decimals=0)


def test_format_money_missing_values_are_blank():
    assert format_money(None) == ""
    assert format_money(None, "USD") == ""
    assert format_money("") == ""


def test_format_money_never_does_float_arithmetic():
    assert format_money(0.1 + 0.2, "USD") == "$0.30"
    assert format_money(Decimal("12345678901234567.15"), "USD") == "$12,345,678,901,234,567.15"
    assert format_money(Decimal("12345678901234567.15")) == "₹12,34,56,78,90,12,34,567.15"
    assert format_money("1234.5", "EUR") == "€1,234.50"


def test_yen_is_always_whole():
    assert format_money(Decimal("1234.5"), "USD", decimals=0) == "$1,235"
    assert format_money(Decimal("1234.4"), "JPY", decimals=2) == "¥1,234"
    assert format_money(Decimal("98765.4321"), "USD", decimals=3) == "$98,765.432"


def test_whole_amounts_of_a_three_decimal_currency():
    assert format_money(Decimal("1234.5"), "KWD", decimals=0) == "KWD 1,235"
    assert format_money(Decimal("1234.5"), "BHD", decimals=2) == "BHD 1,234.50"


def test_the_currencies_a_company_can_pick():
    codes = [code for code, _ in CURRENCY_CHOICES]
    assert codes[0] == "INR" and len(codes) == len(set(codes))
    assert {"INR", "USD", "EUR", "GBP", "AED", "SGD", "AUD", "CAD", "JPY"} <= set(codes)
    assert dict(CURRENCY_CHOICES)["INR"] == "INR – Indian rupee (₹)"
    assert dict(CURRENCY_CHOICES)["AED"] == "AED – UAE dirham"  # its sign is its code: said once
    for code in codes:
        assert currency_problem(code) is None and currency_problem(code.lower()) is None
        assert currency_symbol(code) and currency_decimals(code) in (0, 2, 3)
    # Only ₹ is the rupee sign, and only INR has it.
    assert [code for code in codes if "₹" in currency_symbol(code)] == ["INR"]


@pytest.mark.parametrize("bad", ["XYZ", "", None, "US", "dollar", "₹"])
def test_a_currency_elettro_cannot_write_is_a_problem(bad):
    assert currency_problem(bad)


def test_a_company_without_a_currency_is_indian():
    assert format_money(Decimal("100000"), None) == "₹1,00,000.00"
    assert currency_symbol("") == "₹"


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", object()])
def test_format_money_rejects_what_is_not_an_amount(bad):
    with pytest.raises(ValueError):
        format_money(bad)


# ---------------------------------------------------------------- format_money_compact


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("9838141.37"), "INR", "₹98.4 L"),
        (Decimal("45200000"), "INR", "₹4.52 Cr"),
        (Decimal("358000000"), "INR", "₹35.8 Cr"),
        (Decimal("-1200.5"), "INR", "-₹1.20 K"),
        (Decimal("9838141.37"), "USD", "$9.84M"),
        (Decimal("862000"), "USD", "$862K"),
        (Decimal("1234567890"), "USD", "$1.23B"),
        (Decimal("950"), "USD", "$950"),
        (Decimal("999.4"), "USD", "$999"),
        (Decimal("999.6"), "USD", "$1.00K"),  # rounded before the unit is picked
        (Decimal("999950"), "USD", "$1.00M"),
        (Decimal("12345"), "EUR", "€12.3K"),
        (Decimal("-9838141.37"), "GBP", "-£9.84M"),
        (Decimal("-0.4"), "USD", "$0"),
        (Decimal("2500"), "AED", "AED 2.50K"),
        (Decimal("5000000"), "JPY", "¥5.00M"),
        (Decimal("1230000000000"), "USD", "$1.23T"),
        (Decimal("750"), "XYZ", "XYZ 750"),
        (Decimal("1234567.89"), "CAD", "C$1.23M"),
        (Decimal("12345"), "USD", "$12.3K"),
        (Decimal("12345678"), "LKR", "LKR 12.3M"),
    ],
)
def test_format_money_compact(value, currency, expected):
    assert format_money_compact(value, currency) == expected


def test_format_money_compact_inr_is_exactly_format_inr_compact():
    for amount in ("9838141.37", "45200000", "-1200.5", "950", "123456789012.345", "99950"):
        assert format_money_compact(Decimal(amount)) == format_inr_compact(Decimal(amount))


def test_format_money_compact_missing_is_blank():
    assert format_money_compact(None) == ""
    assert format_money_compact(None, "USD") == ""


# ---------------------------------------------------------------- format_number


@pytest.mark.parametrize(
    ("value", "currency", "decimals", "expected"),
    [
        (500000, "INR", 0, "5,00,000"),
        (500000, "USD", 0, "500,000"),
        (-12345678, "INR", 0, "-1,23,45,678"),
        (-12345678, "EUR", 0, "-12,345,678"),
        (Decimal("1234.56"), "INR", 1, "1,234.6"),
        (Decimal("123456.789"), "INR", 2, "1,23,456.79"),
        (999, "USD", 0, "999"),
        (Decimal("-0.4"), "USD", 0, "0"),
        (None, "INR", 0, ""),
    ],
)
def test_format_number(value, currency, decimals, expected):
    assert format_number(value, currency, decimals) == expected


# ---------------------------------------------------------------- format_percent


@pytest.mark.parametrize(
    ("value", "signed", "expected"),
    [
        (Decimal("0.123"), False, "12.3%"),
        (Decimal("0.123"), True, "+12.3%"),
        (Decimal("-0.04"), True, "-4.0%"),
        (Decimal("-0.04"), False, "-4.0%"),
        (Decimal("0.0005"), False, "0.1%"),
        (Decimal("-0.0001"), True, "0.0%"),
        (0, True, "0.0%"),
        (Decimal("1.5"), False, "150.0%"),
        (0.125, False, "12.5%"),
        (None, False, "–"),
        (None, True, "–"),
    ],
)
def test_format_percent(value, signed, expected):
    assert format_percent(value, signed=signed) == expected


# ---------------------------------------------------------------- axis_ticks

_UNITS = {
    "Cr": Decimal(10**7),
    "L": Decimal(10**5),
    "K": Decimal(10**3),
    "M": Decimal(10**6),
    "B": Decimal(10**9),
    "T": Decimal(10**12),
}


def _parse_compact(label: str) -> Decimal:
    """Read a compact label back, to prove the label says exactly what the tick is."""
    sign = -1 if label.startswith("-") else 1
    body = label.lstrip("-").lstrip("₹$€£¥ASD").strip()
    for suffix, size in _UNITS.items():
        if body.endswith(suffix):
            return sign * Decimal(body.removesuffix(suffix).strip()) * size
    return sign * Decimal(body)


def test_axis_ticks_in_lakh_and_crore():
    values, labels = axis_ticks(Decimal("9838141.37"))
    assert values == [0.0, 2_500_000.0, 5_000_000.0, 7_500_000.0, 10_000_000.0]
    assert labels == ["₹0", "₹25.0 L", "₹50.0 L", "₹75.0 L", "₹1.00 Cr"]


def test_axis_ticks_in_dollars():
    values, labels = axis_ticks(Decimal("9838141.37"), "USD")
    assert values == [0.0, 2_500_000.0, 5_000_000.0, 7_500_000.0, 10_000_000.0]
    assert labels == ["$0", "$2.50M", "$5.00M", "$7.50M", "$10.0M"]


def test_axis_ticks_use_nice_steps():
    assert axis_ticks(45_200_000, count=6)[0] == [float(n * 10**7) for n in range(6)]
    assert axis_ticks(900, "USD")[0] == [0.0, 250.0, 500.0, 750.0, 1000.0]
    assert axis_ticks(130_000, "USD", count=3)[0] == [0.0, 100_000.0, 200_000.0]
    assert axis_ticks(3)[0] == [0.0, 1.0, 2.0, 3.0]  # never a fractional rupee, which would be labelled ₹1
    assert axis_ticks(9)[0] == [0.0, 5.0, 10.0]  # not 2.5, which would be labelled ₹3


@pytest.mark.parametrize("empty", [0, Decimal("-5"), None])
def test_axis_ticks_for_an_empty_axis_is_zero(empty):
    assert axis_ticks(empty) == ([0.0], ["₹0"])
    assert axis_ticks(empty, "USD") == ([0.0], ["$0"])


def test_axis_ticks_cover_a_negative_minimum():
    values, labels = axis_ticks(Decimal("100"), "USD", min_value=Decimal("-37"))
    assert values == [-50.0, 0.0, 50.0, 100.0]
    assert labels == ["-$50", "$0", "$50", "$100"]
    values, labels = axis_ticks(Decimal("-10"), min_value=Decimal("-240000"))
    assert values == [-300_000.0, -200_000.0, -100_000.0, 0.0]
    assert labels == ["-₹3.00 L", "-₹2.00 L", "-₹1.00 L", "₹0"]


@pytest.mark.parametrize("currency", ["INR", "USD"])
@pytest.mark.parametrize("count", [2, 3, 4, 5, 6, 8, 10])
def test_axis_ticks_are_nice_cover_the_range_and_are_labelled_exactly(currency, count):
    for digits in range(1, 13):
        for lead in ("1", "1.3", "2.2", "4.9", "7.51", "9.99"):
            high = Decimal(lead).scaleb(digits)
            values, labels = axis_ticks(high, currency, count)
            ticks = [Decimal(str(value)) for value in values]
            assert ticks[0] == 0 and ticks[-1] >= high
            assert len(ticks) <= count
            step = ticks[1] - ticks[0]
            assert all(b - a == step for a, b in pairwise(ticks))
            assert step.normalize().as_tuple().digits in {(1,), (2,), (2, 5), (5,)}
            assert [_parse_compact(label) for label in labels] == ticks, labels


# ---------------------------------------------------------------- template filters


def _render(source: str, **context) -> str:
    return Template("{% load money %}" + source).render(Context(context))


def test_money_filters():
    assert _render("{{ v|money:c }}", v=Decimal("1234567.89"), c="USD") == "$1,234,567.89"
    assert _render("{{ v|money:c }}", v=Decimal("9838141.37"), c="INR") == "₹98,38,141.37"
    assert _render("{{ v|money }}", v=Decimal("9838141.37")) == "₹98,38,141.37"
    assert _render("{{ v|money:c }}", v=Decimal("9838141.37"), c=None) == "₹98,38,141.37"
    assert _render("{{ v|money_compact:c }}", v=Decimal("9838141.37"), c="USD") == "$9.84M"
    assert _render("{{ v|money_compact:c }}", v=Decimal("45200000"), c="INR") == "₹4.52 Cr"
    assert _render("{{ v|money_whole:c }}", v=Decimal("1234.5"), c="EUR") == "€1,235"
    assert _render("{{ v|money_whole:c }}", v=Decimal("149990"), c="INR") == "₹1,49,990"
    assert _render("{{ v|number:c }}", v=500000, c="INR") == "5,00,000"
    assert _render("{{ v|number:c }}", v=500000, c="USD") == "500,000"
    assert _render("{{ v|money:c }}", v=None, c="USD") == ""
    assert _render("{{ v|money:'USD' }}|{{ v|money_compact }}|{{ v|number }}", v="oops") == "||"


def test_percent_filters():
    assert _render("{{ v|percent }}", v=Decimal("0.123")) == "12.3%"
    assert _render("{{ v|percent }}", v=None) == "–"
    assert _render("{{ v|signed_percent }}", v=Decimal("0.123")) == "+12.3%"
    assert _render("{{ v|signed_percent }}", v=Decimal("-0.04")) == "-4.0%"
    assert _render("{{ v|signed_percent }}", v=None) == "–"
    assert _render("{{ v|percent }}", v="oops") == "–"


def test_the_rupee_filters_still_work():
    assert _render("{{ v|inr }}", v=Decimal("9838141.37")) == "₹98,38,141.37"
    assert _render("{{ v|inr_compact }}", v=Decimal("9838141.37")) == "₹98.4 L"
    assert _render("{{ v|inr_whole }}", v=Decimal("149990")) == "₹1,49,990"
    assert _render("{{ v|num_in }}", v=500000) == "5,00,000"
