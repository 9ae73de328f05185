import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from elettro.errors import ApplicationError
from ingestion import services
from ingestion.models import ImportJob, Kind
from tenants.commands import company_by_subdomain


class Command(BaseCommand):
    help = "Load export files into a company through the same pipeline as uploads; one JSON line per file."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's subdomain")
        parser.add_argument("--kind", default=Kind.SALES, choices=Kind.values)
        parser.add_argument("--mode", default=ImportJob.Mode.APPEND, choices=ImportJob.Mode.values)
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, **options):
        company = company_by_subdomain(options["company"])
        failed = 0
        with tenant_context(company):
            for path in map(Path, options["files"]):
                result = self._one(path, kind=options["kind"], mode=options["mode"])
                failed += result["status"] != "succeeded"
                self.stdout.write(json.dumps(result))
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} file(s) failed")

    def _one(self, path: Path, *, kind: str, mode: str) -> dict:
        empty = {"file": str(path), "status": "failed", "rows_read": 0, "rows_loaded": 0, "duplicates": 0,
                 "rows_rejected": 0}  # fmt: skip
        if not path.is_file():
            return {**empty, "error": f"No such file: {path}"}
        try:
            with path.open("rb") as handle:
                job = services.upload_create(file=File(handle, name=path.name), kind=kind, mode=mode, run="inline")
        except ApplicationError as error:
            return {**empty, "error": error.message}
        job = services.import_run(job_id=job.pk)
        return {
            "file": str(path),
            "status": job.status,
            "rows_read": job.rows_read,
            "rows_loaded": job.rows_loaded,
            "duplicates": job.duplicates,
            "rows_rejected": job.rows_rejected,
            "error": job.error or None,
            "job": job.pk,
        }
