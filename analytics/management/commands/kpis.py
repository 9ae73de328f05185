import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from analytics import selectors
from tenants.commands import company_by_subdomain


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date like 2024-04-01") from error


class Command(BaseCommand):
    help = (
        "Print a company's headline figures for a period: revenue, orders, AOV, customers, GST, gross profit. "
        "With --by, the same figures for each value of a dimension, one JSON object a line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True)
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="one JSON object (the default output)")
        parser.add_argument(
            "--by",
            metavar="DIMENSION",
            help=f"one of {', '.join(selectors.BY_DIMENSIONS)}: one JSON object per value, a line each (JSON "
            'Lines), {"<dimension>": value, "label": ..., <the --json keys>}; categories by revenue, biggest '
            'first, periods in time order; an empty value is null, labelled "(not given)"',
        )

    def handle(self, *args, **options):
        by = options["by"]
        if by is not None and by not in selectors.BY_DIMENSIONS:
            raise CommandError(f"Unknown dimension {by!r} for --by: use one of {', '.join(selectors.BY_DIMENSIONS)}")
        date_from, date_to = _date(options["date_from"]), _date(options["date_to"])
        if date_from and date_to and date_to < date_from:
            raise CommandError(f"--to {date_to} is before --from {date_from}")
        company = company_by_subdomain(options["company"])
        with tenant_context(company):
            if by is None:
                self.stdout.write(json.dumps(selectors.kpis(date_from=date_from, date_to=date_to).as_json()))
                return
            rows = selectors.kpis_by(
                by, date_from=date_from, date_to=date_to, fiscal_start_month=company.fiscal_year_start_month or 4
            )
        for row in rows:
            self.stdout.write(json.dumps(row.as_json()))
