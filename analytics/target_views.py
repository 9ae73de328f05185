"""The Targets page: a month's targets with their progress, and the form that sets one.

Anyone who sees the dashboards sees the targets; setting or removing one needs `schedules.manage`, as alert rules
do, because a target is what the behind-pace alert judges.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from elettro.kernel.errors import ApplicationError
from tenants.permissions import has_permission, require_permission

from . import targets
from .periods import add_months, month_start
from .scoped import viewer_filters


def _month(text: str) -> date | None:
    """'2025-06' (what <input type=month> sends) or '2025-06-01'."""
    text = (text or "").strip()[:10]
    try:
        return date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    except ValueError:
        return None


class TargetForm(forms.Form):
    month = forms.CharField(max_length=10, widget=forms.TextInput(attrs={"type": "month"}))
    measure = forms.ChoiceField(choices=())
    who = forms.CharField(max_length=300, required=False, label="For")
    amount = forms.CharField(max_length=40, label="Target")

    def __init__(self, *args, choices: dict[str, list[str]], whole_company: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = list(targets.summable_measures().items())
        # A member with a limited view sets targets only for the salespeople or branches in it (targets.py).
        self.who_choices = ([("", "The company")] if whole_company else []) + [
            (label, [(f"{name}:{value}", value) for value in choices[name]])
            for name, label in targets.TARGET_DIMENSIONS.items()
            if choices[name]
        ]

    def clean_month(self):
        month = _month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("Give the month as 2025-06.")
        return month

    def arguments(self) -> dict:
        dimension, _, value = self.cleaned_data["who"].partition(":")
        return {"measure": self.cleaned_data["measure"], "month": self.cleaned_data["month"],
                "dimension": dimension, "value": value}  # fmt: skip


def _today(request: HttpRequest) -> date:
    return timezone.localtime(timezone=request.tenant.zone).date()


@require_http_methods(["GET", "POST"])
@require_permission("dashboards.view")
def targets_page(request: HttpRequest) -> HttpResponse:
    today = _today(request)
    month = month_start(_month(request.GET.get("month", "")) or today)
    choices = targets.target_choices()
    whole_company = not viewer_filters().limits
    form = TargetForm(initial={"month": f"{month:%Y-%m}"}, choices=choices, whole_company=whole_company)
    status = 200
    if request.method == "POST":
        if not has_permission(request, "schedules.manage"):
            return render(request, "tenants/forbidden.html", {"permission": "schedules.manage"}, status=403)
        form = TargetForm(request.POST, choices=choices, whole_company=whole_company)
        if form.is_valid():
            try:
                if "clear" in request.POST:
                    targets.target_clear(**form.arguments())
                    messages.success(request, "Target removed.")
                else:
                    targets.target_set(amount=form.cleaned_data["amount"], user=request.user, **form.arguments())
                    messages.success(request, "Target saved.")
            except ApplicationError as problem:
                for field, errors in problem.field_errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                return redirect(f"{request.path}?month={form.cleaned_data['month']:%Y-%m}")
        status = 400
    context = {
        "form": form,
        "month": month,
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
        "is_current": month == month_start(today),
        "items": targets.month_progress(month, today=today),
        "currency": request.tenant.currency or "INR",
    }
    return render(request, "analytics/targets.html", context, status=status)
