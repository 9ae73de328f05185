"""The billing banner on every company page: the trial's end, failing payments, or why the company is read-only."""

from __future__ import annotations

from .selectors import billing_state


def billing(request):
    membership = getattr(request, "membership", None)
    company = getattr(request, "tenant", None)
    if membership is None or company is None:
        return {}
    state = billing_state(company)
    if not (state.read_only or state.warning or state.on_trial):
        return {}
    return {"billing_banner": state}
