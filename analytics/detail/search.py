"""The header's search: customers, products and invoices whose name, key or number contains the words."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from ingestion.models import Customer, Product

from ..scoped import customer_keys, viewer_filters
from .common import customer_url, product_url
from .invoices import InvoiceSearch, invoice_keys, invoice_rows

MAX_QUERY = 200
SHOWN = 8


@dataclass
class SearchResults:
    query: str
    message: str = ""  # why nothing was searched; a bad query is said, not a 500
    too_long: bool = False
    customers: list[dict] = field(default_factory=list)
    customers_found: int = 0
    products: list[dict] = field(default_factory=list)
    products_found: int = 0
    invoices: list[dict] = field(default_factory=list)
    invoices_more: bool = False

    @property
    def nothing_found(self) -> bool:
        return not self.message and not (self.customers or self.products or self.invoices)


def search(text: str, period_query: str = "") -> SearchResults:
    query = " ".join(text.replace("\x00", "").split())
    if not query:
        return SearchResults("", "Type part of a customer's or product's name, or an invoice number, to search.")
    if len(query) > MAX_QUERY:
        return SearchResults(
            query[:MAX_QUERY],
            f"That search is {len(query):,} characters long; searches can be at most {MAX_QUERY}. Shorten it.",
            too_long=True,
        )
    found = SearchResults(query)
    scope = viewer_filters()
    customers = Customer.objects.exclude(key="").filter(Q(name__icontains=query) | Q(key__icontains=query))
    if (within := customer_keys(scope)) is not None:  # a member limited to some salespeople finds only theirs
        customers = customers.filter(key__in=within)
    found.customers_found = customers.count()
    found.customers = [
        {"name": c.name, "state": c.state, "url": customer_url(c.key, period_query)}
        for c in customers.order_by("name", "key")[:SHOWN]
    ]
    products = Product.objects.filter(Q(name__icontains=query) | Q(code__icontains=query))
    found.products_found = products.count()
    found.products = [
        {"name": p.name or p.code or p.key, "code": p.code, "product_line": p.product_line,
         "url": product_url(p.key, period_query)}
        for p in products.order_by("name", "key")[:SHOWN]
    ]  # fmt: skip
    keys = invoice_keys(InvoiceSearch(number=query, scope=scope), SHOWN + 1)
    found.invoices_more = len(keys) > SHOWN
    found.invoices = invoice_rows(keys[:SHOWN], scope)
    for row in found.invoices:
        row["customer_url"] = customer_url(row["customer_key"], period_query) if row["known_customer"] else ""
    return found
