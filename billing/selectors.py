from django.db.models import QuerySet

from .models import Plan


def public_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(is_public=True).order_by("sort_order", "monthly_price_paise")
