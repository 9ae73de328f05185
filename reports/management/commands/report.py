import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from analytics.reading import DIMENSIONS
from reports import kinds
from reports.generation import report_build, report_render
from tenants.commands import company_by_subdomain


def _date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date like 2024-04-01") from error


class Command(BaseCommand):
    help = (
        "Render a report synchronously, exactly as the Generate button would: "
        "report --company SUB --kind sales-review --from 2024-04-01 --to 2025-03-31 --format pdf --out review.pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's subdomain")
        parser.add_argument("--kind", required=True, choices=list(kinds.KINDS))
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD (default: the latest 12 months with data)")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD")
        parser.add_argument("--format", dest="fmt", required=True, choices=["pdf", "xlsx", "csv"])
        parser.add_argument("--out", required=True, help="where to write the file")
        for name in DIMENSIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=f"filter: only this {name}")

    def handle(self, *args, **options):
        company = company_by_subdomain(options["company"])
        query = {
            key: value
            for key, value in (("from", _date(options["date_from"])), ("to", _date(options["date_to"])))
            if value
        }
        query.update({name: options[name] for name in DIMENSIONS if options.get(name)})
        out = Path(options["out"])
        if out.parent and not out.parent.exists():
            raise CommandError(f"The folder {out.parent} does not exist.")
        started = time.perf_counter()
        with tenant_context(company):
            report = report_build(company, options["kind"], query)
            content = report_render(report, options["fmt"])
        out.write_bytes(content)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Wrote {report.title} for {company.name}, {report.period_label}, "
            f"to {out} ({len(content) / 1024:,.0f} KB, {seconds:.1f} s)"
        )
