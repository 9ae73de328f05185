"""Cleaning cell text: every date form, every number form, names, formula guard, and row rejection reasons."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd
import pytest

from ingestion.etl.cleaning import (
    clean_table,
    customer_key,
    customer_keys,
    is_formula_like,
    neutralize_formula,
    neutralize_formulas,
    normalize_name,
    normalize_names,
    parse_amount,
    parse_amounts,
    parse_date,
    parse_dates,
    parse_percent,
    parse_percentages,
    parse_quantities,
    parse_quantity,
)
from ingestion.etl.errors import IngestError


@pytest.fixture(autouse=True)
def _back_to_public():
    """Overrides the project-wide schema reset for this module only: these tests never touch Django or a database
    and run under ``-p no:django``, where no settings exist."""
    yield


D = datetime.date


def dates_of(values, **options):
    dates, order, errors = parse_dates(pd.Series(values, name="Date", dtype="str"), **options)
    return [None if pd.isna(value) else value.to_pydatetime() for value in dates], order, errors.tolist()


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-Apr-24", datetime.datetime(2024, 4, 1)),
        ("01-Apr-2024", datetime.datetime(2024, 4, 1)),
        ("01/04/2024", datetime.datetime(2024, 4, 1)),
        ("2024-04-01", datetime.datetime(2024, 4, 1)),
        ("2024-04-01 10:00:00", datetime.datetime(2024, 4, 1, 10)),
        ("2024-04-01T10:00:00", datetime.datetime(2024, 4, 1, 10)),
        ("45383", datetime.datetime(2024, 4, 1)),
        ("45383.5", datetime.datetime(2024, 4, 1, 12)),
        ("1.4.2024", datetime.datetime(2024, 4, 1)),
        ("01-04-24", datetime.datetime(2024, 4, 1)),
        ("April 1, 2024", datetime.datetime(2024, 4, 1)),
        ("Apr 1 2024", datetime.datetime(2024, 4, 1)),
        ("1 April 2024", datetime.datetime(2024, 4, 1)),
        ("1st April 2024", datetime.datetime(2024, 4, 1)),
        ("Mon, 1 Apr 2024", datetime.datetime(2024, 4, 1)),
        ("01Apr2024", datetime.datetime(2024, 4, 1)),
        ("1-Sept-24", datetime.datetime(2024, 9, 1)),
        ("20240401", datetime.datetime(2024, 4, 1)),
        ("01/04/2024 10:30 PM", datetime.datetime(2024, 4, 1, 22, 30)),
        ("  1-APR-24  ", datetime.datetime(2024, 4, 1)),
    ],
)
def test_each_date_form(text, expected):
    values, _, errors = dates_of([text])
    assert values == [expected]
    assert errors == [None]


def test_month_first_dates_with_two_digit_years():
    values, order, errors = dates_of(["02/24/03", "05/07/03", "2/24/2003 0:00"])
    assert order == "MDY"
    assert values == [datetime.datetime(2003, 2, 24), datetime.datetime(2003, 5, 7), datetime.datetime(2003, 2, 24)]
    assert errors == [None, None, None]


def test_order_is_decided_once_for_the_column():
    # 05/07/2024 alone is ambiguous; 25/07/2024 in the same column proves day-first for all of it.
    values, order, _ = dates_of(["05/07/2024", "25/07/2024"])
    assert order == "DMY"
    assert values[0] == datetime.datetime(2024, 7, 5)


def test_ambiguous_columns_default_to_day_first():
    values, order, _ = dates_of(["01/04/2024", "02/04/2024"])
    assert order == "DMY"
    assert values == [datetime.datetime(2024, 4, 1), datetime.datetime(2024, 4, 2)]


def test_ambiguous_columns_can_prefer_month_first():
    values, order, _ = dates_of(["01/04/2024", "02/04/2024"], prefer_dayfirst=False)
    assert order == "MDY"
    assert values == [datetime.datetime(2024, 1, 4), datetime.datetime(2024, 2, 4)]


@pytest.mark.parametrize(
    ("values", "order"),
    [(["2024-04-01", "2024-04-02"], "YMD"), (["1-Apr-24"], "DMY"), (["April 1, 2024"], "MDY")],
)
def test_order_reported_for_unambiguous_forms(values, order):
    assert dates_of(values)[1] == order


def test_a_value_contradicting_the_column_order_is_rejected_not_guessed():
    values, order, errors = dates_of(["25/07/2024", "26/07/2024", "07/25/2024"])
    assert order == "DMY"
    assert values[2] is None
    assert errors[2] == "Date: '07/25/2024' does not fit the day/month order of the column"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2024", "Date: '31/02/2024' is not a real date"),
        ("01/01/1900", "Date: '01/01/1900' has the year 1900, outside 1950–2099"),
        ("01-Jan-2200", "Date: '01-Jan-2200' has the year 2200, outside 1950–2099"),
        ("next week", "Date: 'next week' is not a date we recognise (write it like 01-04-2024 or 1-Apr-2024)"),
        ("12345", "Date: '12345' is not a date"),
        ("1-Apr-24 25:00", "Date: '1-Apr-24 25:00' has an impossible time"),
        ("1-Foo-24", "Date: '1-Foo-24' is not a date we recognise"),
    ],
)
def test_impossible_dates_get_a_reason(text, reason):
    values, _, errors = dates_of(["1-Apr-24", text])
    assert values[1] is None
    assert errors[1] == reason


def test_blank_dates_are_missing_not_errors():
    values, _, errors = dates_of(["", None, "  "])
    assert values == [None, None, None]
    assert errors == [None, None, None]


def test_excel_serials_given_as_numbers():
    dates, _, errors = parse_dates(pd.Series([45383.0, 45384.0]))
    assert [value.date() for value in dates] == [D(2024, 4, 1), D(2024, 4, 2)]
    assert errors.isna().all()


def test_year_range_is_a_parameter():
    values, _, errors = dates_of(["01/01/1940"], min_year=1900)
    assert values == [datetime.datetime(1940, 1, 1)]
    assert errors == [None]


def test_parse_date_scalar():
    assert parse_date("1-Apr-24") == D(2024, 4, 1)
    assert parse_date("01/04/2024", order="MDY") == D(2024, 1, 4)
    assert parse_date("") is None
    assert parse_date("nonsense") is None


def test_dates_keep_the_index_of_the_rows():
    series = pd.Series(["1-Apr-24", "2-Apr-24"], index=[7, 9], name="Date")
    dates, _, errors = parse_dates(series)
    assert list(dates.index) == [7, 9]
    assert list(errors.index) == [7, 9]


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,23,456.78", "123456.78"),
        ("12,34,56,789.00", "123456789.00"),
        ("123,456.78", "123456.78"),
        ("1,234,567", "1234567"),
        ("₹1,200", "1200"),
        ("₹ 1,200.50", "1200.50"),
        ("Rs. 1,200", "1200"),
        ("Rs 1,200", "1200"),
        ("INR 1,200", "1200"),
        ("1,200 INR", "1200"),
        ("1,200.00 ₹", "1200.00"),
        ("Rs. 500/-", "500"),
        ("(1,234.00)", "-1234.00"),
        ("(₹1,234.00)", "-1234.00"),
        ("1234-", "-1234"),
        ("-₹1,200", "-1200"),
        ("₹-1,200", "-1200"),
        ("−45.5", "-45.5"),
        ("+45", "45"),
        (".5", "0.5"),
        ("1.5E+3", "1500"),
        ("0.10", "0.10"),
        ("-", "0"),
        ("-0.00", "0.00"),
        ("1\u00a0234.50", "1234.50"),
        ("1,000.00 Dr", "1000.00"),
        ("1,000.00 Cr", "1000.00"),
        ("1,000.00Cr.", "1000.00"),
    ],
)
def test_each_amount_form(text, expected):
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert format(value, "f") == expected
    texts, errors = parse_amounts(pd.Series([text], name="Value"))
    assert texts.tolist() == [expected]
    assert errors.isna().all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,000.00 Dr", "1000.00"), ("1,000.00 Cr", "-1000.00"), ("(500) Cr", "500"), ("500", "500")],
)
def test_balances_count_debit_positive_and_credit_negative(text, expected):
    assert format(parse_amount(text, dr_cr="debit_positive"), "f") == expected
    assert parse_amounts(pd.Series([text]), dr_cr="debit_positive")[0].tolist() == [expected]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("abc", "is not a number"),
        ("12.5.1", "is not a number"),
        ("1,2,3", "has commas in unusual places (is the decimal point a comma?)"),
        ("12,5", "has commas in unusual places (is the decimal point a comma?)"),
        ("$100", "is in a currency other than rupees"),
        ("9876543210123456", "is too large to be an amount"),
        ("200000000000000", "is too large to be an amount"),  # ₹2 crore crore: past the 10^14 bound
        ("18%", "is not a number"),
    ],
)
def test_impossible_amounts_get_a_reason_naming_column_and_value(text, problem):
    texts, errors = parse_amounts(pd.Series(["5", text], name="Net Amount"))
    assert texts.isna().tolist() == [False, True]
    assert errors.tolist() == [None, f"Net Amount: '{text}' {problem}"]
    with pytest.raises(IngestError) as caught:
        parse_amount(text)
    assert str(caught.value) == f"'{text}' {problem}"


def test_blank_amounts_are_none():
    assert parse_amount("") is None
    assert parse_amount("   ") is None
    assert parse_amount(None) is None


def test_amounts_never_become_floats():
    texts, _ = parse_amounts(pd.Series(["0.1", "0.2", "1,23,456.789", "731.94"]))
    assert texts.tolist() == ["0.1", "0.2", "123456.789", "731.94"]
    assert all(isinstance(value, str) for value in texts)
    assert sum(Decimal(value) for value in texts[:2]) == Decimal("0.3")


def test_amount_column_with_a_million_rows_is_vectorised_over_distinct_values():
    series = pd.Series(["1,200.00", "5", "(3.50)", None] * 250_000, dtype="str")
    texts, errors = parse_amounts(series)
    assert texts.iloc[:4].tolist()[:3] == ["1200.00", "5", "-3.50"]
    assert texts.isna().sum() == 250_000
    assert errors.isna().all()


# ---------------------------------------------------------------- quantities and percentages


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("12 Nos", "12", "Nos"),
        ("5.000 Pcs", "5.000", "Pcs"),
        ("3 kg", "3", "kg"),
        ("10 Box", "10", "Box"),
        ("12Nos", "12", "Nos"),
        ("1,200 Nos.", "1200", "Nos"),
        ("10 Box = 120 Nos", "10", "Box"),
        ("-2 Nos", "-2", "Nos"),
        ("(2) Nos", "-2", "Nos"),
        ("2.5 Sq. Mtr", "2.5", "Sq. Mtr"),
        ("12", "12", None),
    ],
)
def test_quantities_with_units(text, number, unit):
    value, found_unit = parse_quantity(text)
    assert format(value, "f") == number
    assert found_unit == unit
    numbers, units, errors = parse_quantities(pd.Series([text], name="Quantity"))
    assert numbers.tolist() == [number]
    assert (units.tolist() == [unit]) if unit else units.isna().all()
    assert errors.isna().all()


@pytest.mark.parametrize("text", ["abc", "12 x 3", "Nos 12", "₹ 12"])
def test_impossible_quantities_get_a_reason(text):
    numbers, _, errors = parse_quantities(pd.Series([text], name="Qty"))
    assert numbers.isna().all()
    assert errors.iloc[0].startswith(f"Qty: '{text}' ")
    with pytest.raises(IngestError):
        parse_quantity(text)


def test_percentages():
    assert parse_percent("18%") == Decimal(18)
    assert parse_percent("18 %") == Decimal(18)
    assert parse_percent("12.5") == Decimal("12.5")
    values, errors = parse_percentages(pd.Series(["18%", "5", "12 %", None]))
    assert values.tolist()[:3] == ["18", "5", "12"]
    assert errors.isna().all()


def test_a_column_of_fractions_is_read_as_percent():
    # Excel cells formatted as % are read as their value: 0.2 shows as 20%.
    assert parse_percentages(pd.Series(["0.2", "0", "0.45"]))[0].tolist() == ["20", "0", "45"]
    assert parse_percentages(pd.Series(["0.5", "18"]))[0].tolist() == ["0.5", "18"]
    assert parse_percentages(pd.Series(["0.5"]), fractions=False)[0].tolist() == ["0.5"]


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Ravi   Traders  ", "Ravi Traders"),
        ("Ravi\u00a0Traders", "Ravi Traders"),
        ("Ravi\u200bTraders", "RaviTraders"),
        ("Ravi\tTraders\n", "Ravi Traders"),
        ("Cafe\u0301", "Café"),
        ("\ufeffRavi", "Ravi"),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_name(text, expected):
    assert normalize_name(text) == expected


def test_zero_width_joiners_in_indian_scripts_are_kept():
    assert normalize_name("क्\u200dष") == "क्\u200dष"


def test_normalize_names_vectorised():
    assert normalize_names(pd.Series([" A  B ", None, "A B"])).tolist()[::2] == ["A B", "A B"]


@pytest.mark.parametrize(
    "variant",
    [
        "ABC Traders Pvt Ltd",
        "M/s. ABC Traders Pvt. Ltd.",
        "M/S ABC TRADERS PRIVATE LIMITED",
        "abc traders (P) ltd",
        "ABC Traders P. Ltd.",
        "  A.B.C.  Traders Pvt Ltd ",
        "Messrs ABC Traders Private Ltd",
        "ABC Traders",
    ],
)
def test_customer_keys_fold_spellings_of_the_same_company(variant):
    # A register writes "ABC Traders" where the master writes "ABC Traders Pvt Ltd": one party, one key.
    assert customer_key(variant) == customer_key("ABC Traders Private Limited") == "abctraders"


def test_customer_keys_keep_different_companies_apart():
    assert customer_key("ABC Traders Pvt Ltd") != customer_key("ABC Trading Co")
    assert customer_key("Ltd") == "ltd"  # a name that is only a legal form keeps it
    assert customer_key("Sharma & Sons") == customer_key("Sharma and Sons")
    assert customer_keys(pd.Series(["M/s Ravi", None])).tolist()[0] == "ravi"


# ---------------------------------------------------------------- formula injection


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ('=HYPERLINK("http://evil.example","Click")', True),
        ("=cmd|' /C calc'!A0", True),
        ("+1+2", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("@SUM(A1:A2)", True),
        ("\t=1+2", True),
        ("  =1+2", True),
        ("＝1+2", True),
        ("-12.50", False),
        ("+91", False),
        ("Ravi Traders", False),
        ("", False),
        (None, False),
    ],
)
def test_formula_guard(text, formula):
    assert is_formula_like(text) is formula
    assert neutralize_formula(text) == (f"'{text}" if formula else text)


def test_neutralize_formulas_vectorised_keeps_blanks():
    result = neutralize_formulas(pd.Series(["=1+2", None, "ok"], dtype=object))
    assert result.tolist()[0] == "'=1+2"
    assert pd.isna(result.iloc[1])
    assert result.iloc[2] == "ok"


# ---------------------------------------------------------------- whole tables

SALES_MAPPING = {
    "invoice": "Voucher No.",
    "date": "Date",
    "customer": "Particulars",
    "customer_gstin": "GSTIN/UIN",
    "product_name": "Stock Item",
    "quantity": "Quantity",
    "net_amount": "Value",
    "state": "Place of Supply",
}


def sales_frame(**overrides) -> pd.DataFrame:
    columns = {
        "Date": ["1-Apr-24", "2-Apr-24"],
        "Particulars": ["Ravi  Traders", "M/s Cash"],
        "Voucher No.": ["S/1", "S/2"],
        "GSTIN/UIN": ["27AAPFU0939F1ZV", "URP"],
        "Stock Item": ["Widget", "Gadget"],
        "Quantity": ["10 Nos", "-2 Nos"],
        "Value": ["1,000.00", "(200.00)"],
        "Place of Supply": ["27-Maharashtra", "Karnataka"],
    }
    columns.update(overrides)
    return pd.DataFrame(columns, dtype="str")


def test_clean_table_turns_text_into_typed_canonical_columns():
    clean = clean_table(sales_frame(), SALES_MAPPING, "sales")
    assert clean.errors.isna().all()
    assert clean.warnings.isna().all()
    rows = clean.rows
    assert [value.date() for value in rows["date"]] == [D(2024, 4, 1), D(2024, 4, 2)]
    assert rows["customer"].tolist() == ["Ravi Traders", "M/s Cash"]
    assert rows["customer_gstin"].tolist()[0] == "27AAPFU0939F1ZV"
    assert pd.isna(rows["customer_gstin"].iloc[1])  # URP: unregistered, not an error
    assert rows["quantity"].tolist() == ["10", "-2"]  # a return is allowed
    assert rows["unit"].tolist() == ["Nos", "Nos"]
    assert rows["net_amount"].tolist() == ["1000.00", "-200.00"]
    assert rows["state"].tolist() == ["Maharashtra", "Karnataka"]
    assert rows["state_code"].tolist() == ["27", "29"]
    assert clean.date_orders == {"date": "DMY"}


@pytest.mark.parametrize(
    ("column", "bad", "reason"),
    [
        ("Date", "01/01/1900", "Date: '01/01/1900' has the year 1900, outside 1950–2099"),
        ("Date", "01/01/2200", "Date: '01/01/2200' has the year 2200, outside 1950–2099"),
        ("Quantity", "ten", "Quantity: 'ten' is not a quantity"),
        ("Value", "N/A", "Value: 'N/A' is not a number"),
        ("Date", None, "Invoice date is empty (column 'Date')"),
        ("Value", "  ", "Net amount (before tax) is empty (column 'Value')"),
    ],
)
def test_impossible_values_reject_the_row_with_a_reason(column, bad, reason):
    frame = sales_frame(**{column: [sales_frame()[column].iloc[0], bad]})
    clean = clean_table(frame, SALES_MAPPING, "sales")
    assert clean.errors.tolist() == [None, reason]
    assert len(clean.accepted) == 1
    assert clean.rejected["reason"].tolist() == [reason]


@pytest.mark.parametrize("column", ["Voucher No.", "Particulars", "Stock Item"])
def test_a_sale_without_invoice_number_customer_or_product_is_kept(column):
    """Walk-in retail, amount-only invoice lists and files without numbers are sales too: a date and an amount do."""
    clean = clean_table(sales_frame(**{column: [sales_frame()[column].iloc[0], None]}), SALES_MAPPING, "sales")
    assert clean.errors.isna().all() and len(clean.accepted) == 2


def test_invalid_gstin_is_a_warning_not_a_rejection():
    clean = clean_table(sales_frame(**{"GSTIN/UIN": ["27AAPFU0939F1ZV", "27AAPFU0939F1ZX"]}), SALES_MAPPING, "sales")
    assert clean.errors.isna().all()
    assert clean.warnings.iloc[1].startswith("GSTIN/UIN: '27AAPFU0939F1ZX' is not a valid GSTIN: The check digit")
    assert pd.isna(clean.rows["customer_gstin"].iloc[1])


def test_several_problems_on_one_row_are_all_reported():
    frame = sales_frame(Date=["1-Apr-24", "31/02/2024"], Value=["5", "abc"])
    assert clean_table(frame, SALES_MAPPING, "sales").errors.iloc[1] == (
        "Date: '31/02/2024' is not a real date; Value: 'abc' is not a number"
    )


def test_month_first_file_can_be_cleaned_month_first():
    frame = sales_frame(Date=["01/04/2024", "02/04/2024"])
    clean = clean_table(frame, SALES_MAPPING, "sales", prefer_dayfirst=False)
    assert clean.date_orders == {"date": "MDY"}
    assert clean.rows["date"].iloc[0].date() == D(2024, 1, 4)


def test_flags_percentages_and_optional_fields_warn_instead_of_rejecting():
    frame = pd.DataFrame(
        {
            "Order ID": ["A", "B", "C"],
            "Returned": ["Yes", "No", "maybe"],
            "Disc %": ["10%", "0%", "5%"],
            "Profit": ["5", "-2", "lots"],
            "Ship Date": ["2-4-24", "3-4-24", "someday"],
        }
    )
    mapping = {"invoice": "Order ID", "returned": "Returned", "discount_percent": "Disc %", "profit": "Profit",
               "ship_date": "Ship Date"}  # fmt: skip
    clean = clean_table(frame, mapping, "sales")
    assert clean.rows["returned"].tolist()[:2] == [True, False]
    assert pd.isna(clean.rows["returned"].iloc[2])
    assert clean.rows["discount_percent"].tolist() == ["10", "0", "5"]
    assert clean.rows["profit"].tolist()[:2] == ["5", "-2"]
    assert clean.warnings.iloc[2] == (
        "Returned: 'maybe' is not yes or no; Profit: 'lots' is not a number; "
        "Ship Date: 'someday' is not a date we recognise (write it like 01-04-2024 or 1-Apr-2024)"
    )
    assert "is not" not in (clean.errors.iloc[2] or "")
