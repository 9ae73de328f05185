from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from elettro.kernel.errors import ApplicationError
from tenants.api_keys import KEY_ROLES, api_key_create
from tenants.models import Company


class Command(BaseCommand):
    help = (
        "Create an API key for a company (the same service as the API keys page). The key alone goes to stdout, "
        "on one line, so a script can capture it; it is shown this once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's subdomain")
        parser.add_argument("--role", required=True, help=f"one of {', '.join(KEY_ROLES)}")
        parser.add_argument("--name", required=True, help="what will use it, such as 'Power BI'")

    def handle(self, *args, **options):
        subdomain, role = options["company"], options["role"]
        company = Company.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).filter(subdomain=subdomain).first()
        if company is None:
            raise CommandError(f"No company has the subdomain {subdomain!r}.")
        if role not in KEY_ROLES:
            raise CommandError(f"A key's role is one of {', '.join(KEY_ROLES)}, not {role!r}.")
        try:
            key, raw = api_key_create(company=company, name=options["name"], role=role)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"Created the API key {key.prefix}… “{key.name}” ({key.role}) for {company.subdomain}. "
            "Copy it now: it is not shown again.",
            style_func=str,  # what happened, not an error: without BaseCommand's red
        )
        self.stdout.write(raw)
