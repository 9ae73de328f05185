"""GST invoices for successful charges: gapless numbers per financial year, the tax split, and the PDF."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from elettro.kernel.india import GST_STATES, format_inr, state_code_from_gstin

from .models import Invoice, InvoiceCounter


def financial_year(moment: datetime) -> str:
    """Indian financial years run April to March: 15 May 2025 is in 2025-26, 15 Feb 2026 too."""
    day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def seller_state() -> str:
    return state_code_from_gstin(settings.BILLING_SELLER_GSTIN) or settings.BILLING_SELLER_GSTIN[:2]


def gst_split(*, total_paise: int, place_of_supply: str) -> dict[str, int]:
    """Split a GST-inclusive total into taxable value and tax, all in integer paise: CGST+SGST when the customer
    is in our state, IGST otherwise. The parts always add up to the total."""
    if not isinstance(total_paise, int) or isinstance(total_paise, bool):
        raise TypeError("amounts are integer paise")
    rate = settings.BILLING_GST_PERCENT
    taxable = (total_paise * 100 * 2 + (100 + rate)) // ((100 + rate) * 2)  # rounded half up, no floats
    tax = total_paise - taxable
    if place_of_supply == seller_state():
        cgst = tax // 2
        return {"taxable_paise": taxable, "cgst_paise": cgst, "sgst_paise": tax - cgst, "igst_paise": 0}
    return {"taxable_paise": taxable, "cgst_paise": 0, "sgst_paise": 0, "igst_paise": tax}


def _next_number(year: str) -> int:
    """Take the next number of the year. The counter row stays locked until the caller's transaction ends, so
    two charges at once queue here and a rolled-back invoice gives its number back."""
    counter, _ = InvoiceCounter.objects.select_for_update().get_or_create(financial_year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def invoice_issue(*, company, payment_id: str, total_paise: int, issued_at: datetime, description: str,
                  subscription_id: str = "", razorpay_invoice_id: str = "", period_start: date | None = None,
                  period_end: date | None = None) -> tuple[Invoice, bool]:  # fmt: skip
    """The invoice for one payment, made once: a second call for the same payment returns the first.
    Call inside a transaction."""
    existing = Invoice.objects.filter(razorpay_payment_id=payment_id).first()
    if existing is not None:
        return existing, False
    place = state_code_from_gstin(company.gstin) or company.home_state
    year = financial_year(issued_at)
    sequence = _next_number(year)
    invoice = Invoice.objects.create(
        company=company, number=f"EL/{year}/{sequence:05d}", financial_year=year, sequence=sequence,
        issued_at=issued_at, razorpay_payment_id=payment_id, razorpay_subscription_id=subscription_id,
        razorpay_invoice_id=razorpay_invoice_id, description=description[:200], period_start=period_start,
        period_end=period_end, seller_name=settings.BILLING_SELLER_NAME, seller_gstin=settings.BILLING_SELLER_GSTIN,
        seller_address=settings.BILLING_SELLER_ADDRESS, customer_name=company.name, customer_gstin=company.gstin,
        place_of_supply=place, total_paise=total_paise, **gst_split(total_paise=total_paise, place_of_supply=place),
    )  # fmt: skip
    return invoice, True


def rupees(paise: int) -> str:
    return format_inr(Decimal(paise) / 100)  # Decimal division is exact for paise


def invoice_pdf(invoice: Invoice) -> bytes:
    """The PDF is drawn from the invoice's frozen figures, so it is the same document every time, by the renderer
    reports use (elettro.pdf)."""
    from elettro.pdf import html_to_pdf

    rate = settings.BILLING_GST_PERCENT
    context = {
        "invoice": invoice,
        "place_of_supply_name": GST_STATES.get(invoice.place_of_supply, invoice.place_of_supply),
        "taxable": rupees(invoice.taxable_paise),
        "cgst": rupees(invoice.cgst_paise),
        "sgst": rupees(invoice.sgst_paise),
        "igst": rupees(invoice.igst_paise),
        "total": rupees(invoice.total_paise),
        "intra_state": invoice.igst_paise == 0,
        "half_rate": f"{rate / 2:g}",
        "rate": rate,
    }
    return html_to_pdf(render_to_string("billing/invoice_pdf.html", context))
