import json

from django.core.management.base import BaseCommand, CommandError

from elettro.kernel.errors import ApplicationError
from tenants import services


class Command(BaseCommand):
    help = "Create a company with its schema, subdomain and owner (the same service as self-signup)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--subdomain", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--owner-name", default="")
        parser.add_argument("--home-state", default="27", help="GST state code, e.g. 27 for Maharashtra")
        parser.add_argument("--gstin", default="")
        parser.add_argument(
            "--currency", default="INR", help="ISO code the company's figures are in, e.g. INR (default) or USD"
        )

    def handle(self, *args, **options):
        try:
            company, owner = services.company_create(
                name=options["name"],
                subdomain=options["subdomain"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
                owner_name=options["owner_name"],
                home_state=options["home_state"],
                gstin=options["gstin"],
                currency=options["currency"],
            )
        except ApplicationError as error:
            details = "; ".join(f"{field}: {' '.join(problems)}" for field, problems in error.field_errors.items())
            raise CommandError(f"{error.message} {details}".strip()) from error
        self.stdout.write(
            json.dumps(
                {
                    "subdomain": company.subdomain,
                    "schema": company.schema_name,
                    "owner_email": owner.email,
                    "url": company.url,
                    "status": company.status,
                    "trial_ends_at": company.trial_ends_at.isoformat(),
                }
            )
        )
