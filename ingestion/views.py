"""Upload pages: upload, check the columns, watch progress, see every upload and its rejected rows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from elettro.kernel.errors import ApplicationError
from tenants.audit import Action, audit_record
from tenants.permissions import require_permission

from . import sale_rules, services, undo
from .etl import mapping as fields
from .forms import UploadForm
from .models import ImportJob, Kind, VoucherType
from .selectors import import_jobs


@require_http_methods(["GET", "POST"])
@require_permission("uploads.create")
def upload(request: HttpRequest) -> HttpResponse:
    # A link may say what to upload (?kind=items from a panel that needs an item master).
    chosen = request.GET.get("kind")
    form = UploadForm(request.POST or None, request.FILES or None,
                      initial={"kind": chosen} if chosen in Kind.values else None)  # fmt: skip
    errors = []
    plan_limited = False
    refused = getattr(request, "upload_refused", None)  # a file passed the size limit while it streamed in
    if refused:
        errors.append(refused)
    elif request.method == "POST" and form.is_valid():
        jobs = []
        options = {"kind": form.cleaned_data["kind"], "mode": form.cleaned_data["mode"], "user": request.user,
                   "batch": uuid.uuid4().hex}  # fmt: skip
        for file in form.cleaned_data["files"]:
            file.name = services.short_name(file.name or "upload")
            try:
                jobs.append(services.upload_create(file=file, review=True, **options))
            except ApplicationError as error:
                errors.append(error.message)
                plan_limited = plan_limited or error.code in ("plan_limit", "read_only")
        if jobs:  # the good files go ahead; the refused ones are named on the next page
            for error in errors:
                messages.error(request, error, extra_tags="plan_limit" if plan_limited else "")
            return redirect(reverse("upload_progress") + "?jobs=" + ",".join(str(job.pk) for job in jobs))
    context = {"form": form, "errors": errors, "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
               "max_bytes": settings.UPLOAD_MAX_BYTES,
               "plan_limited": plan_limited}  # fmt: skip
    status = 413 if refused else 400 if errors or form.errors else 200
    return render(request, "ingestion/upload.html", context, status=status)


def _job_ids(request) -> list[int]:
    """?jobs=12,13: the uploads a progress page follows (50 at most); anything else there is a 400 that says so."""
    parts = [part.strip() for part in request.GET.get("jobs", "").split(",") if part.strip()][:50]
    if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in parts):
        raise BadRequest("?jobs= takes upload numbers separated by commas, such as ?jobs=12,13.")
    return [int(part) for part in parts]


@require_GET
@require_permission("uploads.view")
def progress(request: HttpRequest) -> HttpResponse:
    jobs = list(import_jobs().filter(pk__in=_job_ids(request)))
    return render(request, "ingestion/progress.html", {"jobs": jobs, "ids": ",".join(str(j.pk) for j in jobs)})


def job_state(job: ImportJob) -> dict:
    return {
        "id": job.pk, "file": job.original_name, "status": job.status, "status_label": job.get_status_display(),
        "progress": job.progress, "stage": job.stage, "rows_read": job.rows_read, "rows_loaded": job.rows_loaded,
        "duplicates": job.duplicates, "rows_rejected": job.rows_rejected, "error": job.error,
        "left_out": sum(job.skipped.values()), "set_aside": sum(job.set_aside.values()),
        "messages": job.messages,
        "mapping_url": reverse("upload_mapping", args=[job.waiting_on or job.pk])
        if job.status == ImportJob.Status.MAPPING else None,
        "rejects_url": reverse("upload_rejects", args=[job.pk]) if job.rejects_file else None,
    }  # fmt: skip


@require_GET
@require_permission("uploads.view")
def status(request: HttpRequest) -> JsonResponse:
    jobs = import_jobs().filter(pk__in=_job_ids(request))
    return JsonResponse({"jobs": [job_state(job) for job in jobs]})


@require_GET
@require_permission("uploads.view")
def uploads(request: HttpRequest) -> HttpResponse:
    jobs = list(import_jobs()[:200])
    for job in jobs:
        job.can_retry = undo.can_retry(job)
        job.is_stuck = undo.is_stuck(job)
    context = {"jobs": jobs, "retention_days": settings.UPLOAD_FILE_RETENTION_DAYS}
    return render(request, "ingestion/uploads.html", context)


@require_http_methods(["GET", "POST"])
@require_permission("uploads.create")
def mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=job_id)
    if job.status != ImportJob.Status.MAPPING:
        return redirect(reverse("upload_progress") + f"?jobs={job.pk}")
    if job.kind_question:
        return _what_is_it(request, job)
    if job.waiting_on:  # another file of its batch, with the same columns, is checked for both
        return redirect("upload_mapping", job.waiting_on)
    labels = fields.FIELD_LABELS[job.kind]

    def sheet_labels(plan: dict) -> dict[str, str]:  # a customer master sheet is mapped to the master's fields
        return fields.FIELD_LABELS[Kind.CUSTOMERS] if plan["role"] == "customers" else labels

    error = None
    if request.method == "POST":
        chosen, roles, voucher_roles = {}, {}, {}
        for index, (sheet, plan) in enumerate(job.proposal.items()):
            chosen[sheet] = {name: request.POST.get(f"s{index}-{name}", "") for name in sheet_labels(plan)}
            roles[sheet] = request.POST.get(f"s{index}-role", "")
            for number, name in enumerate(plan.get("voucher_types", {})):
                voucher_roles[name] = request.POST.get(f"s{index}-vt{number}", "")
        try:
            services.job_mapping_confirm(
                job=job, mappings=chosen, roles=roles,
                voucher_roles={name: role for name, role in voucher_roles.items() if role}, user=request.user,
            )  # fmt: skip
        except ApplicationError as problem:
            error = problem.message
        else:
            return redirect(reverse("upload_progress") + f"?jobs={job.pk}")
    required = {name for group in fields.REQUIRED[job.kind] for name in group}
    sheets = [
        {
            "index": index,
            "name": name,
            **plan,
            "fields": [
                {"name": field, "label": label, "required": field in required, "chosen": plan["mapping"].get(field, "")}
                for field, label in sheet_labels(plan).items()
            ],
            "voucher_rows": [
                {"number": number, "name": voucher, "role": role}
                for number, (voucher, role) in enumerate(plan.get("voucher_types", {}).items())
            ],
        }
        for index, (name, plan) in enumerate(job.proposal.items())
    ]
    context = {"job": job, "sheets": sheets, "error": error, "roles": SHEET_ROLES,
               "voucher_choices": VoucherType.Role.choices}  # fmt: skip
    return render(request, "ingestion/mapping.html", context, status=400 if error else 200)


def _what_is_it(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """The file looked like another kind than the person said: ask what it is; nothing loads until they answer."""
    question = job.kind_question
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "discard":
                undo.upload_delete(job_id=job.pk, user=request.user)
                messages.success(request, f"“{job.original_name}” was not loaded.")
                return redirect("uploads")
            services.job_kind_answer(job=job, kind=request.POST.get("kind", ""))
        except ApplicationError as problem:
            messages.error(request, problem.message)
            return redirect("upload_mapping", job.pk)
        return redirect(reverse("upload_progress") + f"?jobs={job.pk}")
    first = [kind for kind in (question.get("suggested"), question["declared"]) if kind]
    choices = [(kind, Kind(kind).label) for kind in dict.fromkeys([*first, *Kind.values])]
    return render(request, "ingestion/kind_question.html", {"job": job, "question": question, "choices": choices})


SHEET_ROLES = (
    ("data", "Sales lines"),
    ("returns", "Returned orders"),
    ("people", "Regional managers / people"),
    ("customers", "Customer master"),
    ("ignored", "Skip this sheet"),
)


@require_POST
@require_permission("uploads.create")
def load_good_rows(request: HttpRequest, job_id: int) -> HttpResponse:
    """A file held for review: load its readable rows anyway."""
    return _on_review(request, job_id, services.job_load_good_rows, reverse("upload_progress") + f"?jobs={job_id}")


@require_POST
@require_permission("uploads.create")
def recheck(request: HttpRequest, job_id: int) -> HttpResponse:
    """A file held for review: back to its column check, where a wrong column is usually the cause."""
    return _on_review(request, job_id, services.job_columns_reopen, reverse("upload_mapping", args=[job_id]))


def _on_review(request: HttpRequest, job_id: int, act, then: str) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=job_id)
    try:
        act(job=job)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("uploads")
    return redirect(then)


@require_http_methods(["GET", "POST"])
@require_permission("uploads.create")
def delete(request: HttpRequest, job_id: int) -> HttpResponse:
    """Take an upload back: a confirmation that says what goes, then its lines (or a master's effect) go."""
    job = get_object_or_404(ImportJob, pk=job_id)
    if request.method == "POST":
        try:
            job = undo.upload_delete(job_id=job.pk, user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"“{job.original_name}” is deleted: {_what_went(job.deletion)} The dashboards "
                                      "are being updated.")  # fmt: skip
        return redirect("uploads")
    context = {"job": job, "preview": undo.deletion_preview(job), "busy": job.status in ("queued", "running")}
    return render(request, "ingestion/delete.html", context)


def _what_went(deletion: dict) -> str:
    parts = []
    if deletion.get("lines"):
        parts.append(f"{deletion['lines']:,} lines from {deletion['date_from']} to {deletion['date_to']}")
    if deletion.get("customers"):
        parts.append(f"{deletion['customers']:,} customers' master details")
    if deletion.get("items"):
        parts.append(f"{deletion['items']:,} items' master details")
    if deletion.get("records"):
        parts.append(f"{deletion['records']:,} records")
    return (" and ".join(parts) or "nothing had been loaded from it") + " went."


@require_POST
@require_permission("uploads.create")
def retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """Run a failed or stuck upload again from its stored file."""
    job = get_object_or_404(ImportJob, pk=job_id)
    try:
        undo.upload_retry(job_id=job.pk, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("uploads")
    return redirect(reverse("upload_progress") + f"?jobs={job.pk}")


@require_http_methods(["GET", "POST"])
@require_permission("company.settings")
def sale_rules_page(request: HttpRequest) -> HttpResponse:
    """What counts as a sale: the company's voucher types and the status words that keep a line out."""
    if request.method == "POST":
        try:
            services.sale_rules_update(
                voucher_roles={
                    row.name: request.POST.get(f"vt{row.pk}", row.role) for row in VoucherType.objects.all()
                },
                status_words=request.POST.get("status_words", ""),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Saved. Uploads from now on follow these rules.")
        return redirect("sale_rules")
    words = sale_rules.status_words()
    context = {
        "voucher_types": VoucherType.objects.all(),
        "voucher_choices": VoucherType.Role.choices,
        "status_words": "\n".join(f"{word} = {meaning}" for word, meaning in sorted(words.items())),
    }
    return render(request, "ingestion/sale_rules.html", context)


@require_GET
@require_permission("uploads.view")
def rejects(request: HttpRequest, job_id: int) -> FileResponse:
    job = get_object_or_404(ImportJob, pk=job_id)
    if not job.rejects_file:
        raise Http404("This upload has no rejected rows")
    name = job.original_name.rsplit(".", 1)[0] + "-rejected-rows.csv"
    audit_record(Action.EXPORT, f"Downloaded the rejected rows of “{job.original_name}”", upload=job.pk)
    return FileResponse(job.rejects_file.open("rb"), as_attachment=True, filename=name, content_type="text/csv")


@require_http_methods(["GET", "POST"])
@require_permission("company.settings")
def exclusions(request: HttpRequest) -> HttpResponse:
    """Lines to keep out of sales figures (packing material, freight, round off...): listed, added, removed."""
    from django.db import transaction

    from .models import ExclusionRule
    from .tasks import exclusions_apply

    if request.method == "POST":
        try:
            if "delete" in request.POST:
                rule_id = request.POST.get("delete", "").strip()
                if not (rule_id.isascii() and rule_id.isdigit() and len(rule_id) <= 18):
                    raise BadRequest("There is no such rule to remove.")
                services.exclusion_remove(rule_id=int(rule_id))
                messages.success(request, "Rule removed. Sales figures are being updated.")
            else:
                rule = services.exclusion_add(
                    field=request.POST.get("field", ""), pattern=request.POST.get("pattern", "")
                )
                messages.success(request, f"Lines whose {rule.get_field_display().lower()} contains “{rule.pattern}” "
                                          "are now kept out of sales. Figures are being updated.")  # fmt: skip
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            transaction.on_commit(exclusions_apply.delay)
        return redirect("exclusions")
    rules = ExclusionRule.objects.all()
    return render(request, "ingestion/exclusions.html", {"rules": rules, "fields": ExclusionRule.Field.choices})
