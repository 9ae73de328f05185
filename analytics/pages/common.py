"""Pieces several pages share: customer names, the place-of-supply dimension, ranked tables."""

from __future__ import annotations

from ingestion.models import Customer

from .. import engine
from ..engine import Scope

UNKNOWN_CUSTOMER = "Walk-in / unknown customers"


def customer_names(keys) -> dict[str, str]:
    """Names by customer key; sales that named no customer (key '') show as one walk-in row."""
    return {"": UNKNOWN_CUSTOMER, **dict(Customer.objects.filter(key__in=list(keys)).values_list("key", "name"))}


def top_customers(scope: Scope, limit: int, *, order: str = "revenue") -> list[dict]:
    """The biggest customers with their names, biggest first (ties by name, so pages are stable)."""
    rows = engine.top_customers(scope, limit, order)
    names = customer_names(row["customer_key"] for row in rows)
    for row in rows:
        row["name"] = names.get(row["customer_key"], row["customer_key"])
    return rows


def place_dimension(scope: Scope) -> str:
    """'country' when sales go to more than one country, else 'state'."""
    if scope.filters.country:
        return "state"
    countries = {row["country"] for row in engine.sales(scope, ("country",), ("revenue",)) if row["country"]}
    return "country" if len(countries) > 1 else "state"


def label(value: str, blank: str = "(not given)") -> str:
    return value or blank
