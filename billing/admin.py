from django.contrib import admin

from .models import Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "monthly_price_paise", "annual_price_paise", "max_members", "is_public")
    list_editable = ("is_public",)
    prepopulated_fields = {"slug": ("name",)}
