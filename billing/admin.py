"""Operators' billing: plans (synced to Razorpay), subscriptions with trial extensions and free plans (each in
the audit trail), webhook events with their raw payloads, invoices and the audit trail itself."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from elettro.kernel.errors import ApplicationError

from . import services
from .models import HistoryEntry, Invoice, OperatorAction, Plan, Subscription, WebhookEvent


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "monthly_price_paise", "annual_price_paise", "max_members", "is_public",
                    "razorpay_monthly_plan_id", "razorpay_annual_plan_id")  # fmt: skip
    list_editable = ("is_public",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("razorpay_monthly_plan_id", "razorpay_monthly_amount_paise", "razorpay_annual_plan_id",
                       "razorpay_annual_amount_paise")  # fmt: skip
    actions = ("sync_to_razorpay",)

    @admin.action(description="Sync the selected plans to Razorpay (monthly and annual)")
    def sync_to_razorpay(self, request, queryset):
        try:
            for plan in queryset:
                for cycle in ("monthly", "annual"):
                    services.plan_sync(plan=plan, cycle=cycle)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, "Plans synced to Razorpay.", messages.SUCCESS)


class OperatorForm(forms.Form):
    action = forms.ChoiceField(choices=[("trial_extend", "Extend the trial"), ("plan_grant_free", "Grant a plan free")])
    days = forms.IntegerField(min_value=1, max_value=365, required=False, help_text="for a trial extension")
    plan = forms.ModelChoiceField(Plan.objects.all(), required=False, help_text="for a free plan")
    until = forms.DateTimeField(required=False, help_text="free plan ends (empty: no end)")
    reason = forms.CharField(max_length=300, help_text="recorded in the audit trail")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("company", "plan", "cycle", "status", "razorpay_subscription_id", "current_end", "free_until")
    list_filter = ("status", "plan", "cycle")
    search_fields = ("company__name", "company__subdomain", "razorpay_subscription_id")
    readonly_fields = [f.name for f in Subscription._meta.fields if f.name != "id"] + ["operator_link"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="operator actions")
    def operator_link(self, obj):
        url = reverse("admin:billing_subscription_operate", args=[obj.pk])
        return format_html('<a href="{}">Extend the trial or grant a plan free</a>', url)

    def get_urls(self):
        own = [path("<int:pk>/operate/", self.admin_site.admin_view(self.operate), name="billing_subscription_operate")]
        return own + super().get_urls()

    def operate(self, request, pk: int):
        sub = get_object_or_404(Subscription.objects.select_related("company"), pk=pk)
        form = OperatorForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "trial_extend":
                    services.trial_extend(company=sub.company, days=data["days"] or 0, operator=request.user,
                                          reason=data["reason"])  # fmt: skip
                else:
                    if data["plan"] is None:
                        raise ApplicationError("Choose the plan to grant.")
                    services.plan_grant_free(company=sub.company, plan=data["plan"], until=data["until"],
                                             operator=request.user, reason=data["reason"])  # fmt: skip
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, "Done, and recorded in the audit trail.", messages.SUCCESS)
                return redirect("admin:billing_subscription_change", sub.pk)
        context = {**self.admin_site.each_context(request), "form": form, "subscription": sub,
                   "title": f"Billing actions for {sub.company}", "opts": self.model._meta}  # fmt: skip
        return render(request, "admin/billing/operate.html", context)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "event", "event_id", "company", "razorpay_subscription_id", "outcome")
    list_filter = ("event",)
    search_fields = ("event_id", "razorpay_subscription_id", "company__subdomain")
    readonly_fields = ("event_id", "event", "company", "razorpay_subscription_id", "created_at_razorpay",
                       "received_at", "outcome", "raw_payload")  # fmt: skip
    exclude = ("raw_body", "payload")

    @admin.display(description="raw payload (as received)")
    def raw_payload(self, obj):
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", obj.raw_body)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "company", "issued_at", "total_paise", "place_of_supply", "razorpay_payment_id")
    search_fields = ("number", "company__name", "razorpay_payment_id")
    list_filter = ("financial_year",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OperatorAction)
class OperatorActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "company", "action", "operator_email", "reason")
    list_filter = ("action",)
    search_fields = ("company__name", "operator_email", "reason")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OperatorAction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "company", "kind", "message")
    list_filter = ("kind",)
    search_fields = ("company__name", "message")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in HistoryEntry._meta.fields]

    def has_add_permission(self, request):
        return False
