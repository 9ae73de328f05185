from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from analytics import rollups
from tenants.commands import company_by_subdomain


class Command(BaseCommand):
    help = (
        "Refresh a company's rollups: the months whose sales lines changed since they were last read (the "
        "nightly's work), or everything with --full."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True)
        parser.add_argument("--full", action="store_true", help="rebuild every month, changed or not")

    def handle(self, *args, **options):
        company = company_by_subdomain(options["company"])
        with tenant_context(company):
            if options["full"]:
                seconds = rollups.refresh()
                self.stdout.write(f"{company.subdomain}: every month rebuilt in {seconds:.1f} s")
                return
            changed = rollups.refresh_changed()
        if changed:
            months = ", ".join(f"{month:%b %Y}" for month in changed)
            plural = "s" if len(changed) > 1 else ""
            self.stdout.write(f"{company.subdomain}: {len(changed)} changed month{plural} rebuilt ({months})")
        else:
            self.stdout.write(f"{company.subdomain}: no month changed; nothing to rebuild")
