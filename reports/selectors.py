"""Reads for the reports pages and API. A member limited to some salespeople, branches or states (tenants/scopes.py)
sees only the reports, schedules and alert rules they made: someone else's may hold the whole company's figures."""

from django.db.models import Q, QuerySet

from .models import Delivery, ReportRun, Schedule

# Nothing matches this.
_NOTHING = Q(pk__in=[])


def is_scoped_key(viewer) -> bool:
    """An API key limited to some sales. It acts for the person who made it, and what it would make (a report, a
    schedule, an alert rule) would be theirs, made with their wider view: so it makes none and reads none."""
    return getattr(viewer, "api_key", None) is not None and bool(getattr(viewer, "scope", None))


def made_by_viewer(viewer, *makers: str) -> Q:
    """What `viewer` (a Membership, an API key's KeyMembership, or None for a task) may see of what people made:
    everything when their view is the whole company; else only rows where one of the `makers` fields (such as
    "created_by_id", "schedule__created_by_id") is them. A scoped key sees nothing (is_scoped_key)."""
    if viewer is None or not getattr(viewer, "scope", None):
        return Q()
    if is_scoped_key(viewer):
        return _NOTHING
    user_id = getattr(viewer, "user_id", None) or getattr(getattr(viewer, "user", None), "pk", None)
    if user_id is None:
        return _NOTHING
    found = Q()
    for field in makers:
        found |= Q(**{field: user_id})
    return found


def report_runs(*, viewer) -> QuerySet[ReportRun]:
    """The runs `viewer` may see, newest first: a scoped member's own and their schedules'."""
    mine = made_by_viewer(viewer, "created_by_id", "schedule__created_by_id")
    return ReportRun.objects.select_related("schedule").filter(mine).order_by("-created_at", "-pk")


def schedules(*, viewer) -> QuerySet[Schedule]:
    return Schedule.objects.filter(made_by_viewer(viewer, "created_by_id")).order_by("name", "pk")


def deliveries(*, viewer) -> QuerySet[Delivery]:
    """The delivery history: a scoped member's own schedules' and runs' only."""
    mine = made_by_viewer(viewer, "schedule__created_by_id", "run__created_by_id")
    return Delivery.objects.select_related("schedule", "run").filter(mine).order_by("-created_at", "-pk")
