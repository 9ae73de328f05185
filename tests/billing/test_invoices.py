"""GST invoices: numbered per financial year without gaps, tax split by place of supply, a PDF the owner
downloads."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from pypdf import PdfReader

from billing.invoices import financial_year, gst_split, invoice_issue
from billing.models import Invoice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (datetime(2025, 3, 31, 18, 29, tzinfo=UTC), "2024-25"),  # 23:59 on 31 March in India
        (datetime(2025, 3, 31, 18, 31, tzinfo=UTC), "2025-26"),  # 00:01 on 1 April in India
        (datetime(2025, 3, 31, 12, 0, tzinfo=UTC), "2024-25"),
        (datetime(2026, 1, 15, tzinfo=UTC), "2025-26"),
        (datetime(2099, 12, 31, tzinfo=UTC), "2099-00"),
    ],
)
def test_financial_years_start_in_april_indian_time(moment, year):
    assert financial_year(moment) == year


@pytest.mark.parametrize("total", [589882, 176882, 1, 100, 1769882, 999999])
def test_the_tax_split_adds_up_in_integer_paise(total):
    intra = gst_split(total_paise=total, place_of_supply="29")
    inter = gst_split(total_paise=total, place_of_supply="27")
    assert intra["igst_paise"] == 0 and inter["cgst_paise"] == inter["sgst_paise"] == 0
    for split in (intra, inter):
        assert all(isinstance(value, int) for value in split.values())
        assert sum(split.values()) == total
    assert abs(intra["cgst_paise"] - intra["sgst_paise"]) <= 1


def test_floats_are_refused():
    with pytest.raises(TypeError):
        gst_split(total_paise=5898.82, place_of_supply="27")


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_an_inter_state_invoice_carries_igst_and_both_gstins(active, razorpay):
    company, client, _ = active("growth")
    invoice = Invoice.objects.get(company=company)
    assert (invoice.taxable_paise, invoice.igst_paise, invoice.cgst_paise) == (499900, 89982, 0)
    page = client.get("/billing/").content.decode()
    assert f"Download invoice {invoice.number}" in page
    response = client.get(f"/billing/invoices/{invoice.pk}.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number.replace("/", "-")}.pdf"'
    text = _pdf_text(response.content)
    for expected in ("Tax invoice", invoice.number, "29AAACE1234F1Z2", "27AAPFU0939F1ZV", "Maharashtra (27)",
                     "IGST @ 18%", "₹899.82", "₹4,999.00", "₹5,898.82"):  # fmt: skip
        assert expected in text, expected
    assert "CGST" not in text


def test_an_intra_state_invoice_splits_cgst_and_sgst(make_company, company_client, razorpay, send_webhook):
    company, owner = make_company(home_state="29")
    client = company_client(company, owner)
    client.post("/billing/subscribe/", {"plan": "starter", "cycle": "monthly"})
    sub_id = next(iter(razorpay.subscriptions))
    send_webhook(razorpay.event("subscription.charged", sub_id, status="active", payment=razorpay.payment(sub_id)))
    invoice = Invoice.objects.get(company=company)
    assert (invoice.place_of_supply, invoice.cgst_paise, invoice.sgst_paise, invoice.igst_paise) == (
        "29",
        13491,
        13491,
        0,
    )
    text = _pdf_text(client.get(f"/billing/invoices/{invoice.pk}.pdf").content)
    assert "CGST @ 9%" in text and "SGST @ 9%" in text and "Unregistered" in text


def test_other_companies_cannot_download_an_invoice(active, make_company, company_client):
    company, _, _ = active()
    invoice = Invoice.objects.get(company=company)
    connection.set_schema_to_public()
    other, other_owner = make_company()
    assert company_client(other, other_owner).get(f"/billing/invoices/{invoice.pk}.pdf").status_code == 404
    assert company_client(company, other_owner).get(f"/billing/invoices/{invoice.pk}.pdf").status_code == 403


def test_numbers_are_sequential_per_year_and_restart_in_april(owner_company):
    company, _ = owner_company
    moments = [datetime(2025, 5, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)]
    numbers = [
        invoice_issue(
            company=company, payment_id=f"pay_seq{i}", total_paise=589882, issued_at=moment, description="Growth"
        )[0].number
        for i, moment in enumerate(moments)
    ]
    assert numbers == ["EL/2025-26/00001", "EL/2025-26/00002", "EL/2026-27/00001"]
