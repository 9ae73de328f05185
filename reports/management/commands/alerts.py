import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from reports.alerts.run import evaluate_company
from tenants.commands import company_by_subdomain


class Command(BaseCommand):
    help = (
        "Evaluate a company's alert rules as of a day (the last day with sales by default) and print one JSON line "
        "per state change: alerts --company SUB --evaluate [--as-of YYYY-MM-DD] --json"
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's subdomain")
        parser.add_argument("--evaluate", action="store_true", help="evaluate the rules now (the only action yet)")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="one JSON object per state change (the default)")

    def handle(self, *args, **options):
        if not options["evaluate"]:
            raise CommandError("Say what to do: --evaluate.")
        as_of = None
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as error:
                raise CommandError(f"--as-of {options['as_of']!r} is not a date like 2025-04-30") from error
        company = company_by_subdomain(options["company"])
        with tenant_context(company):
            for change in evaluate_company(company, as_of=as_of):
                self.stdout.write(json.dumps(change))
