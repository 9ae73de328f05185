"""Top accounts: a statement for each of the period's biggest customers (by revenue): who they are, what they
bought against before, and every invoice in the period with its tax."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from analytics.reading import (
    NO_SALES,
    NO_SALES_IN_PERIOD,
    Card,
    Column,
    Dashboard,
    Table,
    customer_details,
    invoices_for,
    top_customers,
)

from .base import Report, Section

ACCOUNTS = 10
ZERO = Decimal(0)


def build(d: Dashboard, accounts: int = ACCOUNTS) -> Report:
    report = Report("top-accounts", "Top accounts", d)
    scope = d.scope
    if scope is None:
        report.empty = NO_SALES
        return report
    top = top_customers(scope, accounts)
    if not top:
        report.empty = NO_SALES_IN_PERIOD
        return report
    before = {row["customer_key"]: row for row in top_customers(scope.shifted(scope.period.previous()), 10**6)}
    masters = customer_details([row["customer_key"] for row in top])
    invoices = defaultdict(list)
    for row in invoices_for(scope, [row["customer_key"] for row in top]):
        invoices[row["customer_key"]].append(row)

    total = sum((row["revenue"] for row in top), ZERO)
    ranking = Table(
        f"Top {len(top)} accounts",
        [
            Column("rank", "#", "number"),
            Column("customer", "Customer"),
            Column("revenue", "Revenue", "money"),
            Column("orders", "Orders", "number"),
            Column("previous", "Previous period", "money"),
            Column("share", "Share of these", "percent"),
        ],
        [
            [
                rank,
                row["name"],
                row["revenue"],
                row["orders"],
                before.get(row["customer_key"], {}).get("revenue"),
                row["revenue"] / total if total else None,
            ]
            for rank, row in enumerate(top, start=1)
        ],
    )
    report.cards = [
        Card("revenue", f"Revenue from the top {len(top)}", total),
        Card("orders", "Their orders", sum(row["orders"] for row in top), "number"),
    ]
    report.add(Section("ranking", ranking.title, ranking))

    columns = [
        Column("date", "Date", "date"),
        Column("invoice", "Invoice"),
        Column("lines", "Lines", "number"),
        Column("taxable", "Taxable value", "money"),
        Column("gst", "GST", "money"),
        Column("invoice_value", "Invoice value", "money"),
    ]
    for rank, row in enumerate(top, start=1):
        key = row["customer_key"]
        master = masters.get(key)
        rows = []
        for invoice in invoices[key]:
            tax = invoice["cgst"] + invoice["sgst"] + invoice["igst"]
            rows.append(
                [
                    invoice["invoice_date"],
                    invoice["invoice_number"],
                    invoice["lines"],
                    invoice["taxable"],
                    tax,
                    invoice["taxable"] + tax,
                ]
            )
        footer = ["", "Total", sum(r[2] for r in rows), *(sum((r[i] for r in rows), ZERO) for i in (3, 4, 5))]
        gstin = (master.gstin if master else "") or next((i["gstin"] for i in invoices[key] if i["gstin"]), "")
        facts = [
            f"GSTIN {gstin}" if gstin else "No GSTIN on file",
            *(value for value in (master.state, master.segment) if master and value),
            f"{row['orders']:,} orders in the period",
        ]
        title = f"{rank}. {row['name']}"
        report.add(
            Section(
                f"account_{rank}",
                title,
                Table(f"Statement: {row['name']}", columns, rows),
                note=" · ".join(facts),
                empty="No invoices in this period.",
                footer=footer if rows else None,
            )
        )
    return report
