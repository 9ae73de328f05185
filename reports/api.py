"""Reports' API: ask for a report and fetch its file once the reports worker has made it, and the schedules that
send reports by themselves. The same forms, services and permissions as the Reports and Schedules pages
(reports/views.py):

- `report-runs/`: the reports made, newest first (`reports.download`); POST asks for one (`reports.generate`) and
  answers 202 with the run and its status address.
- `report-runs/<id>/`: its status (queued, running, done, or failed with the reason); `.../download/` its file.
- `schedules/`, `schedules/<id>/`: list, create, read and delete schedules (`schedules.manage`).

A body is JSON or a form; a field an endpoint does not take is a 400 naming it, so a misspelt one is never
silently dropped.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.http import FileResponse
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status

from analytics.reading import DIMENSIONS, PRESETS
from elettro.api.errors import ApiError, bad_parameter, refusal
from elettro.api.paging import Counted, page_of
from elettro.api.schema import PAGE_PARAMETERS, enveloped
from elettro.api.views import ApiView, ByMethodView
from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record

from . import delivery, kinds, selectors, services
from .forms import GenerateForm, ScheduleForm
from .generation import CONTENT_TYPES
from .models import Format, ReportRun, Schedule

# ---------------------------------------------------------------- reading a body


_SCALARS = (str, int, float, bool)


def _fields(request, allowed, *, lists=(), objects=()) -> dict:
    """The body's fields, each checked to be one this endpoint takes and of a shape it can read."""
    data = request.data
    if not hasattr(data, "keys"):
        raise ApiError("Send the fields as a JSON object or a form.", code="invalid_request")
    body = {}
    for name in data:
        if name == "csrfmiddlewaretoken":  # a form posted from a page carries it
            continue
        if name not in allowed:
            raise bad_parameter(name, f"{name} is not a field here; the fields are {', '.join(allowed)}.")
        value = data.get(name)
        if name in lists and hasattr(data, "getlist"):  # a form repeats the field for each item
            value = data.getlist(name)
        if isinstance(value, dict) and name in objects:
            value = {str(key): _text(f"{name}.{key}", item) for key, item in value.items()}
        elif isinstance(value, list) and name in lists:
            value = [_text(name, item) for item in value]
        else:
            value = _text(name, value)
        body[name] = value
    return body


def _text(name: str, value) -> str:
    if value is None:
        return ""
    if not isinstance(value, _SCALARS):
        raise bad_parameter(name, f"{name} must be a single value, not {type(value).__name__}.")
    return str(value).lower() if isinstance(value, bool) else str(value)


def _choice(body: dict, name: str, choices, *, default: str | None = None) -> str:
    value = body.get(name) or default
    if not value:
        raise bad_parameter(name, f"{name} is required: one of {', '.join(choices)}.")
    if value not in choices:
        raise bad_parameter(name, f"Unknown {name} {value[:40]!r}: use one of {', '.join(choices)}.")
    return value


def _form_error(form, names: dict[str, str]) -> ApiError:
    """A form's first error, naming the API's field (`names` maps the form's names to the API's)."""
    for field, errors in form.errors.items():
        if field == "__all__":
            return ApiError(" ".join(errors), code="invalid_request")
        name = names.get(field, field)
        return bad_parameter(name, f"{name}: {' '.join(errors)}")
    return ApiError("The request is not valid.", code="invalid_request")


def _bodies(schema: dict) -> dict:
    """A request body's schema as JSON and as a form (which has no objects: filters go as their own fields)."""
    form = {name: value for name, value in schema["properties"].items() if value.get("type") != "object"}
    return {
        "application/json": {**schema, "additionalProperties": False},
        "application/x-www-form-urlencoded": {**schema, "properties": form, "additionalProperties": False},
    }


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


_ID = {"type": "integer"}
_WHEN = {"type": "string", "format": "date-time", "nullable": True}
_FILTERS = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in DIMENSIONS},
    "additionalProperties": False,
    "description": "only sales of these (the dashboards' filters)",
}

# ---------------------------------------------------------------- report runs

RUN = {
    "type": "object",
    "properties": {
        "id": _ID,
        "kind": {"type": "string", "enum": list(kinds.KINDS)},
        "kindLabel": {"type": "string"},
        "format": {"type": "string", "enum": list(Format.values)},
        "status": {"type": "string", "enum": list(ReportRun.Status.values)},
        "progress": {"type": "integer", "description": "0 to 100"},
        "stage": {"type": "string"},
        "error": {"type": "string", "nullable": True, "description": "why it failed, when it did"},
        "period": {
            "type": "object",
            "nullable": True,
            "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}},
        },
        "periodLabel": {"type": "string"},
        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
        "scheduleId": {"type": "integer", "nullable": True},
        "createdBy": {"type": "string", "nullable": True, "description": "who asked; null for a schedule or command"},
        "createdAt": _WHEN,
        "finishedAt": _WHEN,
        "filename": {"type": "string", "nullable": True},
        "sizeBytes": {"type": "integer", "nullable": True},
        "pages": {"type": "integer", "nullable": True},
        "chartsMissing": {"type": "integer", "description": "charts that could not be drawn (their tables are in)"},
        "statusUrl": {"type": "string", "format": "uri"},
        "downloadUrl": {"type": "string", "format": "uri", "nullable": True, "description": "once done"},
    },
    "required": ["id", "kind", "format", "status", "statusUrl"],
}
RUN_REQUEST = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": list(kinds.KINDS)},
        "format": {"type": "string", "enum": list(Format.values), "default": Format.PDF},
        "from": {"type": "string", "format": "date", "description": "first day; with to, wins over preset"},
        "to": {"type": "string", "format": "date", "description": "last day"},
        "preset": {"type": "string", "enum": [key for key in PRESETS if key != "custom"]},
        "filters": _FILTERS,
        **{name: {"type": "string", "description": f"the same as filters.{name}"} for name in DIMENSIONS},
    },
    "required": ["kind"],
}
RUN_FIELDS = ("kind", "format", "from", "to", "preset", "filters", *DIMENSIONS)
# The Generate form's names for the API's fields, so an error names what the caller sent.
RUN_NAMES = {"date_from": "from", "date_to": "to", "query": "preset"}


def _run(request, run: ReportRun) -> dict:
    done = run.status == ReportRun.Status.DONE
    return {
        "id": run.pk, "kind": run.kind, "kindLabel": run.get_kind_display(), "format": run.format,
        "status": run.status, "progress": run.progress, "stage": run.stage, "error": run.error or None,
        "period": {"from": run.period_start.isoformat(), "to": run.period_end.isoformat()}
        if run.period_start and run.period_end else None,
        "periodLabel": run.period_label,
        "filters": {name: value for name, value in (run.query or {}).items() if name in DIMENSIONS},
        "scheduleId": run.schedule_id, "createdBy": run.created_by_email or None,
        "createdAt": _when(run.created_at), "finishedAt": _when(run.finished_at),
        "filename": run.filename if done else None, "sizeBytes": run.size_bytes if done else None,
        "pages": run.pages, "chartsMissing": run.charts_missing,
        "statusUrl": request.build_absolute_uri(reverse("api_report_run", args=[run.pk])),
        "downloadUrl": request.build_absolute_uri(reverse("api_report_download", args=[run.pk])) if done else None,
    }  # fmt: skip


def _generate_form(request) -> GenerateForm:
    """The Reports page's Generate form, filled from the body; its errors are 400s naming the API's field."""
    body = _fields(request, RUN_FIELDS, objects=("filters",))
    kind = _choice(body, "kind", list(kinds.KINDS))
    fmt = _choice(body, "format", list(Format.values), default=Format.PDF)
    preset = body.get("preset") or ""
    if preset:
        _choice(body, "preset", [key for key in PRESETS if key != "custom"])
    filters = body.get("filters") or {}
    if isinstance(filters, str):
        raise bad_parameter("filters", 'filters is an object such as {"branch": "Pune"}.')
    for name in filters:
        if name not in DIMENSIONS:
            raise bad_parameter("filters", f"filters.{name} is not a filter: use {', '.join(DIMENSIONS)}.")
    filters = {**filters, **{name: body[name] for name in DIMENSIONS if name in body}}
    form = GenerateForm({
        "kind": kind, "format": fmt, "date_from": body.get("from", ""), "date_to": body.get("to", ""),
        "query": urlencode({"preset": preset}) if preset else "", **filters,
    })  # fmt: skip
    if not form.is_valid():
        raise _form_error(form, RUN_NAMES)
    return form


def refuse_scoped_key(request) -> None:
    """A key limited to some sales may not make reports, schedules or alert rules (selectors.is_scoped_key)."""
    if selectors.is_scoped_key(getattr(request, "membership", None)):
        raise ApiError(
            "This key is limited to some of the company's sales, and what it made would be made for the person who "
            "created it, who sees them all: ask them, or use a key without a limit.",
            code="forbidden",
            status_code=status.HTTP_403_FORBIDDEN,
        )


def _run_of(request, run_id: int) -> ReportRun:
    """A run the caller may see (a scoped member or key: theirs and their schedules'), else 404."""
    run = selectors.report_runs(viewer=request.membership).filter(pk=run_id).first()
    if run is None:
        raise ApiError(f"No report run {run_id} in this company.", code="not_found", status_code=404)
    return run


class ReportRunsView(ByMethodView):
    permissions = {"GET": "reports.download", "POST": "reports.generate"}

    @extend_schema(
        operation_id="report_runs_list",
        summary="The reports made, newest first (as on the Reports page)",
        parameters=PAGE_PARAMETERS,
        responses={200: enveloped({"type": "array", "items": RUN})},
    )
    def get(self, request):
        page, paging = page_of(request, Counted(selectors.report_runs(viewer=request.membership)))
        return self.answer([_run(request, run) for run in page], **paging)

    @extend_schema(
        operation_id="report_runs_create",
        summary="Ask for a report: the reports worker makes it; follow statusUrl until it is done",
        request=_bodies(RUN_REQUEST),
        responses={202: enveloped(RUN)},
    )
    def post(self, request):
        refuse_scoped_key(request)
        form = _generate_form(request)
        data = form.cleaned_data
        query = services.run_query(query=data["query"], filters=form.filters(), date_from=data["date_from"],
                                   date_to=data["date_to"])  # fmt: skip
        try:
            run = services.run_create(
                company=request.tenant, kind=data["kind"], fmt=data["format"], query=query, user=request.user
            )
        except ApplicationError as problem:
            raise refusal(problem, RUN_NAMES) from None
        body = _run(request, run)
        response = self.answer(body)
        response.status_code = status.HTTP_202_ACCEPTED
        response["Location"] = body["statusUrl"]
        return response


class ReportRunView(ApiView):
    required_permission = "reports.download"

    @extend_schema(
        operation_id="report_run_status",
        summary="A report's status: queued, running, done (with its downloadUrl) or failed (with why)",
        responses={200: enveloped(RUN)},
    )
    def get(self, request, run_id: int):
        return self.answer(_run(request, _run_of(request, run_id)))


class ReportDownloadView(ApiView):
    required_permission = "reports.download"

    def perform_content_negotiation(self, request, force=False):
        # The answer is the file whatever the caller accepts; only errors are JSON, in the envelope.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="report_run_download",
        summary="A done report's file (PDF, Excel, or CSV in a zip); a 404 until it is done",
        responses={
            (200, kind): OpenApiResponse(OpenApiTypes.BINARY, description="the report's file")
            for kind in CONTENT_TYPES.values()
        },
    )
    def get(self, request, run_id: int):
        run = _run_of(request, run_id)
        if run.status != ReportRun.Status.DONE:
            why = f"it failed: {run.error}" if run.status == ReportRun.Status.FAILED else f"it is {run.status}"
            raise ApiError(f"Report run {run.pk} has no file: {why}.", code="not_ready", status_code=404)
        if run.file_deleted_at:
            raise ApiError(run.file_deleted_message, code="file_deleted", status_code=410)
        if not run.file:
            raise ApiError("This report has no file.", code="not_found", status_code=404)
        try:
            handle = run.file.open("rb")
        except FileNotFoundError:
            raise ApiError("This report's file is no longer stored.", code="not_found", status_code=404) from None
        # As the Reports page's download does; a key's downloads also say which key.
        key = getattr(getattr(request, "membership", None), "api_key", None)
        if key is None:
            audit_record(Action.EXPORT, f"Downloaded the report “{run.filename}”", report=run.pk)
        else:
            audit_record(Action.EXPORT, f"Downloaded the report “{run.filename}” with the API key {key.prefix}…",
                         report=run.pk, key=key.prefix)  # fmt: skip
        response = FileResponse(
            handle, as_attachment=True, filename=run.filename, content_type=CONTENT_TYPES[run.format]
        )
        response["Cache-Control"] = "private, no-store"
        return response


# ---------------------------------------------------------------- schedules

# The API's names for the schedule form's fields.
SCHEDULE_NAMES = {
    "name": "name", "kind": "kind", "format": "format", "frequency": "frequency", "timeOfDay": "time_of_day",
    "weekday": "weekday", "dayOfMonth": "day_of_month", "period": "period", "emailTo": "email_to",
    "slackWebhookUrl": "slack_webhook_url", "slackChannel": "slack_channel", "whatsappTo": "whatsapp_to",
    "isActive": "is_active",
}  # fmt: skip
SCHEDULE_FIELDS = (*SCHEDULE_NAMES, "filters", *DIMENSIONS)
_FORM_TO_API = {form: api for api, form in SCHEDULE_NAMES.items()} | {f"filter_{n}": f"filters.{n}" for n in DIMENSIONS}
_WEEKDAYS = {label.lower(): value for value, label in Schedule.Weekday.choices}
_PERIODS = ["previous", *(key for key in PRESETS if key != "custom")]

SCHEDULE = {
    "type": "object",
    "properties": {
        "id": _ID,
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": list(kinds.KINDS)},
        "format": {"type": "string", "enum": list(Format.values)},
        "frequency": {"type": "string", "enum": list(Schedule.Frequency.values)},
        "timeOfDay": {"type": "string", "description": "HH:MM in the company's time zone"},
        "weekday": {"type": "integer", "nullable": True, "description": "0 Monday to 6 Sunday, for weekly"},
        "dayOfMonth": {"type": "integer", "nullable": True, "description": "1 to 31, for monthly"},
        "period": {"type": "string", "enum": _PERIODS},
        "filters": {"type": "object", "additionalProperties": {"type": "string"}},
        "emailTo": {"type": "array", "items": {"type": "string"}},
        "slackWebhook": {"type": "string", "nullable": True, "description": "the webhook's last characters only"},
        "slackChannel": {"type": "string", "nullable": True},
        "whatsappTo": {"type": "array", "items": {"type": "string"}},
        "isActive": {"type": "boolean"},
        "nextRunAt": _WHEN,
        "lastRunAt": _WHEN,
        "problems": {"type": "array", "items": {"type": "string"}, "description": "what stops a channel working"},
        "createdBy": {"type": "string", "nullable": True},
        "createdAt": _WHEN,
        "updatedAt": _WHEN,
        "url": {"type": "string", "format": "uri"},
    },
    "required": ["id", "name", "kind", "format", "frequency", "timeOfDay", "isActive", "url"],
}
_RECIPIENTS = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
SCHEDULE_REQUEST = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": list(kinds.KINDS)},
        "format": {"type": "string", "enum": list(Format.values), "default": Format.PDF},
        "frequency": {"type": "string", "enum": list(Schedule.Frequency.values)},
        "timeOfDay": {"type": "string", "description": "HH:MM in the company's time zone"},
        "weekday": {"description": "weekly: 0 (Monday) to 6, or the day's name", "oneOf": [
            {"type": "integer"}, {"type": "string"}]},
        "dayOfMonth": {"type": "integer", "description": "monthly: 1 to 31 (the last day in shorter months)"},
        "period": {"type": "string", "enum": _PERIODS, "default": "previous"},
        "filters": _FILTERS,
        "emailTo": {**_RECIPIENTS, "description": "addresses: a list, or separated by commas"},
        "slackWebhookUrl": {"type": "string", "format": "uri"},
        "slackChannel": {"type": "string", "description": "with the company's Slack bot token"},
        "whatsappTo": {**_RECIPIENTS, "description": "numbers with the country code (PDF reports only)"},
        "isActive": {"type": "boolean", "default": True},
        **{name: {"type": "string", "description": f"the same as filters.{name}"} for name in DIMENSIONS},
    },
    "required": ["name", "kind", "frequency", "timeOfDay"],
}  # fmt: skip


def _webhook_label(url: str) -> str:
    # The URL is the secret (anyone holding it can post): its last characters tell two apart, as the history does.
    return f"Slack webhook …{urlsplit(url).path[-4:]}"


def _listed(text: str) -> list[str]:
    return [piece.strip() for piece in text.replace(";", ",").replace("\n", ",").split(",") if piece.strip()]


def _schedule(request, schedule: Schedule, config) -> dict:
    return {
        "id": schedule.pk, "name": schedule.name, "kind": schedule.kind, "format": schedule.format,
        "frequency": schedule.frequency, "timeOfDay": schedule.time_of_day.strftime("%H:%M"),
        "weekday": schedule.weekday, "dayOfMonth": schedule.day_of_month, "period": schedule.period,
        "filters": dict(schedule.filters or {}), "emailTo": _listed(schedule.email_to),
        "slackWebhook": _webhook_label(schedule.slack_webhook_url) if schedule.slack_webhook_url else None,
        "slackChannel": schedule.slack_channel or None, "whatsappTo": _listed(schedule.whatsapp_to),
        "isActive": schedule.is_active, "nextRunAt": _when(schedule.next_run_at),
        "lastRunAt": _when(schedule.last_run_at), "problems": delivery.channel_problems(schedule, config),
        "createdBy": schedule.created_by_email or None, "createdAt": _when(schedule.created_at),
        "updatedAt": _when(schedule.updated_at),
        "url": request.build_absolute_uri(reverse("api_schedule", args=[schedule.pk])),
    }  # fmt: skip


def _schedule_form(request, config) -> ScheduleForm:
    """The Schedules page's form, filled from the body; its errors are 400s naming the API's field."""
    body = _fields(request, SCHEDULE_FIELDS, lists=("emailTo", "whatsappTo"), objects=("filters",))
    _choice(body, "kind", list(kinds.KINDS))
    _choice(body, "format", list(Format.values), default=Format.PDF)
    data = {form: body[api] for api, form in SCHEDULE_NAMES.items() if api in body}
    data.setdefault("format", Format.PDF)
    data.setdefault("period", "previous")
    data.setdefault("is_active", "true")  # a schedule made here runs unless told otherwise
    for name in ("email_to", "whatsapp_to"):
        if isinstance(data.get(name), list):
            data[name] = ", ".join(data[name])
    if str(data.get("weekday", "")).lower() in _WEEKDAYS:
        data["weekday"] = _WEEKDAYS[data["weekday"].lower()]
    filters = body.get("filters") or {}
    if isinstance(filters, str):
        raise bad_parameter("filters", 'filters is an object such as {"branch": "Pune"}.')
    for name, value in filters.items():
        if name not in DIMENSIONS:
            raise bad_parameter("filters", f"filters.{name} is not a filter: use {', '.join(DIMENSIONS)}.")
        data[f"filter_{name}"] = value
    data.update({f"filter_{name}": body[name] for name in DIMENSIONS if name in body})
    form = ScheduleForm(data, slack_bot_token=config.slack_bot_token)
    if not form.is_valid():
        raise _form_error(form, _FORM_TO_API)
    return form


def _schedule_of(request, schedule_id: int) -> Schedule:
    schedule = selectors.schedules(viewer=request.membership).filter(pk=schedule_id).first()
    if schedule is None:
        raise ApiError(f"No schedule {schedule_id} in this company.", code="not_found", status_code=404)
    return schedule


class SchedulesView(ApiView):
    required_permission = "schedules.manage"

    @extend_schema(
        operation_id="schedules_list",
        summary="The report schedules (as on the Schedules page)",
        parameters=PAGE_PARAMETERS,
        responses={200: enveloped({"type": "array", "items": SCHEDULE})},
    )
    def get(self, request):
        config = delivery.channel_settings()
        page, paging = page_of(request, Counted(selectors.schedules(viewer=request.membership)))
        rows = [_schedule(request, schedule, config) for schedule in page]
        return self.answer(rows, timezone=request.tenant.timezone, **paging)

    @extend_schema(
        operation_id="schedules_create",
        summary="Create a schedule: it sends its report by email, Slack or WhatsApp at its time",
        request=_bodies(SCHEDULE_REQUEST),
        responses={201: enveloped(SCHEDULE)},
    )
    def post(self, request):
        refuse_scoped_key(request)
        config = delivery.channel_settings()
        form = _schedule_form(request, config)
        try:
            schedule = services.schedule_save(form=form, company=request.tenant, user=request.user)
        except ApplicationError as problem:  # over the plan's limit, or read-only
            raise refusal(problem, _FORM_TO_API) from None
        body = _schedule(request, schedule, config)
        response = self.answer(body, timezone=request.tenant.timezone)
        response.status_code = status.HTTP_201_CREATED
        response["Location"] = body["url"]
        return response


class ScheduleView(ApiView):
    required_permission = "schedules.manage"

    @extend_schema(operation_id="schedule_retrieve", summary="One schedule", responses={200: enveloped(SCHEDULE)})
    def get(self, request, schedule_id: int):
        schedule = _schedule_of(request, schedule_id)
        return self.answer(_schedule(request, schedule, delivery.channel_settings()), timezone=request.tenant.timezone)

    @extend_schema(
        operation_id="schedule_delete",
        summary="Delete a schedule; the reports it made and its delivery history stay",
        responses={200: enveloped({
            "type": "object", "properties": {"id": _ID, "name": {"type": "string"}, "deleted": {"type": "boolean"}},
        })},
    )  # fmt: skip
    def delete(self, request, schedule_id: int):
        schedule = _schedule_of(request, schedule_id)
        pk, name = schedule.pk, schedule.name
        services.schedule_delete(schedule=schedule, user=request.user)
        return self.answer({"id": pk, "name": name, "deleted": True})


urlpatterns = [
    path("report-runs/", ReportRunsView.as_view(), name="api_report_runs"),
    path("report-runs/<int:run_id>/", ReportRunView.as_view(), name="api_report_run"),
    path("report-runs/<int:run_id>/download/", ReportDownloadView.as_view(), name="api_report_download"),
    path("schedules/", SchedulesView.as_view(), name="api_schedules"),
    path("schedules/<int:schedule_id>/", ScheduleView.as_view(), name="api_schedule"),
]
