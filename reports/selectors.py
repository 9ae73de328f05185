from django.db.models import QuerySet

from .models import Delivery, ReportRun, Schedule


def report_runs() -> QuerySet[ReportRun]:
    return ReportRun.objects.select_related("schedule").order_by("-created_at", "-pk")


def schedules() -> QuerySet[Schedule]:
    return Schedule.objects.order_by("name", "pk")


def deliveries() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("schedule", "run").order_by("-created_at", "-pk")
