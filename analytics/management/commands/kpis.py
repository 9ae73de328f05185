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
    help = "Print a company's headline figures for a period: revenue, orders, AOV, customers, GST, gross profit."

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True)
        parser.add_argument("--from", dest="date_from")
        parser.add_argument("--to", dest="date_to")
        parser.add_argument("--json", action="store_true", help="one JSON object (the default output)")

    def handle(self, *args, **options):
        company = company_by_subdomain(options["company"])
        with tenant_context(company):
            figures = selectors.kpis(date_from=_date(options["date_from"]), date_to=_date(options["date_to"]))
        self.stdout.write(json.dumps(figures.as_json()))
