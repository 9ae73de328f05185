"""A member's scope (Filters.limits) as ORM conditions, for the pages that read the sales lines or the rollups
through the ORM rather than the engine: a customer's and a product's page, the invoice list and the search.
The engine applies the same limits in SQL (engine.where)."""

from __future__ import annotations

from django.db.models import Q

from tenants import scopes

from .filters import COLUMNS, Filters, limits_from

# Nothing matches this: a dimension the scope lists with no values.
_NONE = Q(pk__in=[])


def viewer_filters() -> Filters:
    """The scope of whoever the request or task acts for (tenants.scopes.current), as Filters with nothing chosen:
    for the pages that do not read the filter bar (dashboard_for reads it for those that do)."""
    return Filters(limits=limits_from(scopes.current()))


def scope_choices() -> dict[str, list[str]]:
    """Every salesperson, branch and state the company's sales name, biggest first: what a scope may name."""
    from .models import DimensionValue

    found: dict[str, list[str]] = {name: [] for name in scopes.SCOPE_DIMENSIONS}
    rows = DimensionValue.objects.filter(dimension__in=list(found)).order_by("dimension", "-revenue", "value")
    for dimension, value in rows.values_list("dimension", "value"):
        found[dimension].append(value)
    return found


def rollup_q(filters: Filters) -> Q:
    """The scope over a rollup's dimension columns (person, branch, state)."""
    found = Q()
    for name, values in filters.limits:
        found &= Q(**{f"{COLUMNS.get(name, name)}__in": values}) if values else _NONE
    return found


def lines_q(filters: Filters) -> Q:
    """The scope over the sales lines. A line's person is its salesperson, or its manager when it names none
    (engine.PERSON)."""
    found = Q()
    for name, values in filters.limits:
        if not values:
            found &= _NONE
        elif name == "salesperson":
            found &= Q(salesperson__in=values) | Q(salesperson="", manager__in=values)
        else:
            found &= Q(**{f"{name}__in": values})
    return found


def customer_keys(filters: Filters):
    """The keys of the customers with any sale in the scope (a subquery), or None when there is no scope."""
    if not filters.limits:
        return None
    from .models import OrderDay

    return OrderDay.objects.filter(rollup_q(filters)).values("customer_key")


def customer_within(key: str, filters: Filters) -> bool:
    """Whether the customer bought anything within the scope, ever: outside it, their page does not exist."""
    if not filters.limits:
        return True
    from .models import OrderDay

    return OrderDay.objects.filter(rollup_q(filters), customer_key=key).exists()
