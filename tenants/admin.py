"""Operators run the service from here (public domain, staff only)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count

from . import services
from .models import Company, Domain, Invitation, Membership, User


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "subdomain", "status", "member_count", "home_state", "trial_ends_at", "created_at")
    list_filter = ("status", "home_state", "currency")
    search_fields = ("name", "subdomain", "schema_name", "gstin", "domains__domain", "memberships__user__email")
    readonly_fields = ("schema_name", "created_at")
    inlines = (DomainInline, MembershipInline)
    actions = ("suspend", "reactivate")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships", distinct=True))

    @admin.display(ordering="member_count", description="members")
    def member_count(self, company):
        return company.member_count

    def get_readonly_fields(self, request, obj=None):
        # The schema and subdomain are fixed once the company exists; new ones are made by signup or create_company.
        return (*self.readonly_fields, "subdomain") if obj else self.readonly_fields

    @admin.action(description="Suspend the selected companies (their people see a suspended page)")
    def suspend(self, request, queryset):
        for company in queryset.exclude(schema_name="public"):
            services.company_set_status(
                company=company, status=Company.Status.SUSPENDED, reason="Suspended by operator"
            )
        self.message_user(request, f"Suspended {queryset.count()} companies.", messages.SUCCESS)

    @admin.action(description="Reactivate the selected companies")
    def reactivate(self, request, queryset):
        for company in queryset.filter(status=Company.Status.SUSPENDED):
            services.company_set_status(company=company, status=Company.Status.ACTIVE)
        self.message_user(request, "Reactivated.", messages.SUCCESS)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__name")
    list_select_related = ("tenant",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "last_login", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "company", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "company__name", "company__subdomain")
    list_select_related = ("user", "company")
    autocomplete_fields = ("user", "company")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "company", "role", "created_at", "expires_at", "accepted_at")
    search_fields = ("email", "company__name")
    list_select_related = ("company",)
    readonly_fields = ("token",)
