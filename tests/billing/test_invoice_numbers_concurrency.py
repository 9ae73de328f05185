"""Invoice numbers stay gapless and distinct when charges arrive at the same moment: real transactions in
parallel threads, on committed data (a transactional test would flush the seeded plans and the public tenant)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from django.db import connection

from billing.invoices import invoice_issue
from billing.models import Invoice, InvoiceCounter


def test_concurrent_charges_get_gapless_distinct_numbers(make_company_committed):
    from django.db import close_old_connections, transaction

    company, _ = make_company_committed("invconc")
    connection.set_schema_to_public()
    moment = datetime(2030, 6, 1, tzinfo=UTC)
    barrier = threading.Barrier(6)
    errors = []

    def charge(i: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                invoice_issue(company=company, payment_id=f"pay_conc{i}", total_paise=100000, issued_at=moment,
                              description="Growth")  # fmt: skip
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=charge, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        sequences = sorted(Invoice.objects.filter(financial_year="2030-31").values_list("sequence", flat=True))
        assert sequences == [1, 2, 3, 4, 5, 6]
    finally:
        Invoice.objects.filter(company=company).delete()
        InvoiceCounter.objects.filter(financial_year="2030-31").delete()
