"""Load export files into a company through the same pipeline as uploads; one JSON line per file.

Exit status: 0 when every file loaded, 3 when a file needs its columns checked (its line carries the proposal),
1 when any file failed (its line carries the error). Never a bare traceback.
"""

import json
import logging
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from elettro.kernel.errors import ApplicationError
from ingestion import services
from ingestion.models import ImportJob, Kind

logger = logging.getLogger(__name__)

NEEDS_MAPPING = "needs_mapping"
# What --sheet-kind accepts, and the role the pipeline gives such a sheet.
SHEET_KINDS = {"sales": "data", "data": "data", "returns": "returns", "people": "people", "customers": "customers",
               "skip": "ignored", "ignored": "ignored"}  # fmt: skip


def _pair(text: str) -> tuple[str, str]:
    left, sep, right = text.partition("=")
    if not sep or not left.strip() or not right.strip():
        raise CommandError(f"{text!r} should look like NAME=VALUE")
    return left.strip(), right.strip()


class Command(BaseCommand):
    help = "Load export files into a company through the same pipeline as uploads; one JSON line per file."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's subdomain")
        parser.add_argument("--kind", default=Kind.SALES, choices=Kind.values)
        parser.add_argument("--mode", default=ImportJob.Mode.APPEND, choices=ImportJob.Mode.values)
        parser.add_argument(
            "--accept-proposal", action="store_true", help="load with the proposed columns when they need a check"
        )
        parser.add_argument(
            "--map", action="append", default=[], metavar="FIELD=COLUMN", help="use COLUMN for FIELD (repeatable)"
        )
        parser.add_argument(
            "--sheet-kind",
            action="append",
            default=[],
            metavar="SHEET=KIND",
            help=f"what a sheet holds: {', '.join(sorted(SHEET_KINDS))} (repeatable)",
        )
        parser.add_argument(
            "--load-good-rows", action="store_true", help="load the readable rows even when many were rejected"
        )
        parser.add_argument(
            "--kind-confirmed",
            action="store_true",
            help="load as --kind even when the file looks like another kind (a purchase register as sales, ...)",
        )
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, **options):
        try:
            overrides = dict(map(_pair, options["map"]))
            kinds = dict(map(_pair, options["sheet_kind"]))
            unknown = sorted(set(kinds.values()) - SHEET_KINDS.keys())
            if unknown:
                raise CommandError(f"Unknown sheet kind {unknown[0]!r}: use one of {', '.join(sorted(SHEET_KINDS))}")
            from tenants.commands import company_by_subdomain

            company = company_by_subdomain(options["company"])
        except CommandError as error:
            for path in options["files"]:
                self.stdout.write(json.dumps({**_empty(path), "error": str(error)}))
            raise
        results = []
        with tenant_context(company):
            for path in map(Path, options["files"]):
                try:
                    result = self._one(path, options=options, overrides=overrides, kinds=kinds)
                except Exception as error:  # the command's promise: a JSON line for every file, whatever happens
                    logger.exception("ingest of %s crashed", path)
                    result = {**_empty(path), "error": f"Something went wrong: {error}"}
                results.append(result)
                self.stdout.write(json.dumps(result, default=str))
        failed = sum(result["status"] not in ("succeeded", NEEDS_MAPPING) for result in results)
        if failed:
            raise CommandError(f"{failed} of {len(results)} file(s) failed")
        waiting = sum(result["status"] == NEEDS_MAPPING for result in results)
        if waiting:
            raise CommandError(
                f"{waiting} of {len(results)} file(s) need their columns checked: run again with --accept-proposal, "
                "--map FIELD=COLUMN or --sheet-kind SHEET=KIND (or, for a file that looks like another kind, the "
                "right --kind, or --kind-confirmed)",
                returncode=3,
            )

    def _one(self, path: Path, *, options: dict, overrides: dict[str, str], kinds: dict[str, str]) -> dict:
        if not path.is_file():
            return {**_empty(path), "error": f"No such file: {path}"}
        try:
            with path.open("rb") as handle:
                job = services.upload_create(
                    file=File(handle, name=path.name), kind=options["kind"], mode=options["mode"], run="inline",
                    load_good_rows=options["load_good_rows"], kind_confirmed=options["kind_confirmed"],
                )  # fmt: skip
        except ApplicationError as error:
            return {**_empty(path), "error": error.message}
        if options["accept_proposal"] or overrides or kinds:
            try:
                services.job_columns_choose(job=job, overrides=overrides, sheet_roles=_roles(kinds))
            except ApplicationError as error:
                proposal = _brief(job.proposal) if job.proposal else None
                status = NEEDS_MAPPING if proposal else "failed"
                return {**_empty(path), "status": status, "error": error.message, "proposal": proposal, "job": job.pk}
        job = services.import_run(job_id=job.pk)
        result = {
            "file": str(path),
            "status": job.status,
            "rows_read": job.rows_read,
            "rows_loaded": job.rows_loaded,
            "duplicates": job.duplicates,
            "rows_rejected": job.rows_rejected,
            "skipped": job.skipped,
            "set_aside": job.set_aside,
            "error": job.error or None,
            "job": job.pk,
        }
        if job.status == ImportJob.Status.MAPPING and job.kind_question:
            result.update(status=NEEDS_MAPPING, looks_like=job.kind_question["looks_like"],
                          suggested_kind=job.kind_question["suggested"])  # fmt: skip
        elif job.status == ImportJob.Status.MAPPING:
            result.update(status=NEEDS_MAPPING, proposal=_brief(job.proposal))
        return result


def _roles(kinds: dict[str, str]) -> dict[str, str]:
    return {sheet: SHEET_KINDS[kind] for sheet, kind in kinds.items()}


def _brief(proposal: dict) -> dict:
    """The proposal without its preview rows: what an operator needs to decide."""
    return {sheet: {key: value for key, value in plan.items() if key != "preview"} for sheet, plan in proposal.items()}


def _empty(path) -> dict:
    return {"file": str(path), "status": "failed", "rows_read": 0, "rows_loaded": 0, "duplicates": 0,
            "rows_rejected": 0}  # fmt: skip
