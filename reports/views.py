"""Reports pages: generate and download reports, and manage schedules, channels and the delivery history."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record
from tenants.permissions import require_permission

from . import delivery, kinds, selectors, services
from .forms import ChannelSettingsForm, GenerateForm, ReportRetentionForm, ScheduleForm
from .generation import CONTENT_TYPES
from .models import ReportRun, Schedule
from .retention import report_settings, retention_days, retention_save


def _run_of(request: HttpRequest, run_id: int, **conditions) -> ReportRun:
    """A run the requester may see (a scoped member: theirs and their schedules'), else 404."""
    return get_object_or_404(selectors.report_runs(viewer=request.membership), pk=run_id, **conditions)


def _schedule_of(request: HttpRequest, schedule_id: int) -> Schedule:
    return get_object_or_404(selectors.schedules(viewer=request.membership), pk=schedule_id)


@require_GET
@require_permission("reports.download")
def reports(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/reports.html",
        {
            "runs": selectors.report_runs(viewer=request.membership)[:200],
            "form": GenerateForm(initial={"kind": "sales-review"}),
            "retention_days": retention_days(),
        },
    )


@require_POST
@require_permission("reports.generate")
def generate(request: HttpRequest) -> HttpResponse:
    """From the Reports page (dates in the form) or a dashboard page (its selection in `query`)."""
    form = GenerateForm(request.POST)
    if not form.is_valid():
        runs = selectors.report_runs(viewer=request.membership)[:200]
        return render(request, "reports/reports.html", {"runs": runs, "form": form}, status=400)
    data = form.cleaned_data
    query = services.run_query(query=data["query"], filters=form.filters(), date_from=data["date_from"],
                               date_to=data["date_to"])  # fmt: skip
    try:
        run = services.run_create(
            company=request.tenant,
            kind=form.cleaned_data["kind"],
            fmt=form.cleaned_data["format"],
            query=query,
            user=request.user,
        )
    except ApplicationError as problem:
        form.add_error(None, problem.message)
        return render(
            request,
            "reports/reports.html",
            {"runs": selectors.report_runs(viewer=request.membership)[:200], "form": form},
            status=400,
        )
    return redirect("report_run", run_id=run.pk)


@require_GET
@require_permission("reports.download")
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    return render(request, "reports/run.html", {"run": _run_of(request, run_id)})


def run_state(run: ReportRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "progress": run.progress,
        "stage": run.stage,
        "error": run.error,
        "charts_missing": run.charts_missing,
        "download_url": reverse("report_download", args=[run.pk]) if run.status == ReportRun.Status.DONE else "",
    }


@require_POST
@require_permission("reports.generate")
def retry(request: HttpRequest, run_id: int) -> HttpResponse:
    """Make a failed report again (or one whose worker stopped)."""
    try:
        services.run_retry(run=_run_of(request, run_id))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("report_run", run_id)


@require_GET
@require_permission("reports.download")
def run_status(request: HttpRequest, run_id: int) -> JsonResponse:
    return JsonResponse(run_state(_run_of(request, run_id)))


@require_GET
@require_permission("reports.download")
def download(request: HttpRequest, run_id: int) -> FileResponse:
    report = _run_of(request, run_id, status=ReportRun.Status.DONE)
    if report.file_deleted_at:
        return render(request, "reports/file_deleted.html", {"run": report}, status=410)
    if not report.file:
        raise Http404("This report has no file.")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404("This report's file is no longer stored.") from None
    audit_record(Action.EXPORT, f"Downloaded the report “{report.filename}”", report=report.pk)
    response = FileResponse(
        handle, as_attachment=True, filename=report.filename, content_type=CONTENT_TYPES[report.format]
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- schedules


@require_GET
@require_permission("schedules.manage")
def schedules(request: HttpRequest) -> HttpResponse:
    config = delivery.channel_settings()
    items = [
        {"schedule": s, "problems": delivery.channel_problems(s, config)}
        for s in selectors.schedules(viewer=request.membership)
    ]
    return render(
        request,
        "reports/schedules.html",
        {
            "items": items,
            "deliveries": selectors.deliveries(viewer=request.membership)[:100],
            "config": config,
            "kinds": kinds.KINDS,
        },
    )


@require_http_methods(["GET", "POST"])
@require_permission("schedules.manage")
def schedule_edit(request: HttpRequest, schedule_id: int | None = None) -> HttpResponse:
    schedule = _schedule_of(request, schedule_id) if schedule_id else None
    config = delivery.channel_settings()
    form = ScheduleForm(request.POST or None, instance=schedule, slack_bot_token=config.slack_bot_token)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.schedule_save(form=form, company=request.tenant, user=request.user)
        except ApplicationError as problem:
            # Over the plan's limit or read-only: said above the form, with the upgrade link (see base.html).
            messages.error(request, problem.message, extra_tags=problem.code)
            return render(request, "reports/schedule_form.html", {"form": form, "schedule": schedule}, status=400)
        else:
            messages.success(request, f"Schedule “{saved.name}” saved.")
            return redirect("report_schedules")
    return render(
        request, "reports/schedule_form.html", {"form": form, "schedule": schedule}, status=400 if form.errors else 200
    )


@require_POST
@require_permission("schedules.manage")
def schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = _schedule_of(request, schedule_id)
    name = schedule.name
    services.schedule_delete(schedule=schedule, user=request.user)
    messages.success(request, f"Schedule “{name}” deleted. Its reports and delivery history are kept.")
    return redirect("report_schedules")


@require_POST
@require_permission("schedules.manage")
def schedule_test(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = _schedule_of(request, schedule_id)
    results = services.schedule_send_test(schedule=schedule, company=request.tenant)
    for item in results:
        if item.status == item.Status.SENT:
            messages.success(request, f"Test sent by {item.get_channel_display()} to {item.target}.")
        else:
            messages.error(request, f"{item.get_channel_display()} to {item.target}: {item.error}")
    if not results:
        messages.error(request, "This schedule has no recipients to test.")
    return redirect("report_schedules")


@require_http_methods(["GET", "POST"])
@require_permission("schedules.manage")
def channels(request: HttpRequest) -> HttpResponse:
    config = delivery.channel_settings()
    form = ChannelSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Channel settings saved.")
        return redirect("report_channels")
    sender = delivery.whatsapp_sender(config)
    return render(
        request,
        "reports/channels.html",
        {"form": form, "config": config, "whatsapp_ready": bool(sender[0] and sender[1])},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@require_permission("company.settings")
def retention(request: HttpRequest) -> HttpResponse:
    """How long generated report files are kept (the company's setting; the runs' history is always kept)."""
    form = ReportRetentionForm(request.POST or None, instance=report_settings())
    if request.method == "POST" and form.is_valid():
        saved = retention_save(form=form)
        messages.success(request, f"Report files are kept {saved.file_retention_days} days.")
        return redirect("report_retention")
    return render(request, "reports/retention.html", {"form": form}, status=400 if form.errors else 200)
