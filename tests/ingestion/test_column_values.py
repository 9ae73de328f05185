"""Safe suggestions: a column is proposed for a field only when its values behave like the field's."""

from __future__ import annotations

import pandas as pd
import pytest

from ingestion.etl import column_values
from ingestion.etl.mapping import auto_map


def proposal(table: dict[str, list[object]]) -> dict[str, str]:
    data = pd.DataFrame({name: pd.Series(values, dtype="str") for name, values in table.items()})
    return auto_map(list(table), "sales", fits=column_values.judge(data, "sales"))


N = 30
DATES = [f"{day:02d}/04/2024" for day in range(1, N + 1)]
AMOUNTS = [f"{1000 + 37 * n}.50" for n in range(N)]


@pytest.mark.parametrize(
    ("column", "values", "field"),
    [
        ("Profit", [f"0.{n % 9 + 1}" for n in range(N)], "profit"),  # a margin ratio
        ("Cost", [f"{n % 40}%" for n in range(N)], "cost"),  # a percentage
        ("Cost", ["250.00"] * N, "cost"),  # one constant down the file
        ("CGST", ["9", "2.5", "6", "14"] * (N // 4) + ["9", "9"], "cgst"),  # tax rates under a tax name
        ("Tax", ["true", "false"] * (N // 2), "tax_amount"),  # a yes/no flag
        ("Item", [str(10 * (n % 3 + 1)) for n in range(N)], "product_name"),  # SAP's item numbers 10, 20, 30
    ],
)
def test_a_column_whose_values_do_not_behave_is_not_proposed(column, values, field):
    assert field not in proposal({"Date": DATES, "Amount": AMOUNTS, column: values})


def test_a_blank_date_column_gives_way_to_the_one_with_dates():
    mapping = proposal({"Invoice Date": [""] * N, "Ordered On": DATES, "Amount": AMOUNTS})
    assert mapping["date"] == "Ordered On"


def test_columns_that_behave_are_proposed_as_their_names_say():
    mapping = proposal({"Date": DATES, "Cost": [f"{700 + n}.00" for n in range(N)], "Amount": AMOUNTS})
    assert (mapping["date"], mapping["cost"], mapping["net_amount"]) == ("Date", "Cost", "Amount")


def test_money_received_or_a_running_balance_is_never_the_sale_amount():
    mapping = auto_map(["Date", "Party", "Received/Paid Amount", "Balance Due", "Total Amount"], "sales")
    assert mapping.get("net_amount") is None and mapping["gross_amount"] == "Total Amount"


def test_a_day_books_credit_amount_is_not_the_gross_amount_of_sales():
    mapping = auto_map(["Date", "Particulars", "Vch Type", "Vch No.", "Debit Amount", "Credit Amount"], "sales")
    assert (mapping["gross_amount"], mapping["credit_amount"]) == ("Debit Amount", "Credit Amount")
