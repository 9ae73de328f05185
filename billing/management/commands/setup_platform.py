"""Set up the platform: the public company, the template schema new companies are cloned from, and the default
plans. Here in billing, the lowest app that knows all three."""

from django.core.management.base import BaseCommand

from billing.services import default_plans_ensure
from tenants.platform import public_tenant_ensure, template_schema_ensure


class Command(BaseCommand):
    help = (
        "Create the public tenant for BASE_DOMAIN, the migrated template schema new companies are cloned from, "
        "and the default plans when there are none."
    )

    def handle(self, *args, **options):
        public = public_tenant_ensure()
        template_schema_ensure(verbosity=max(options["verbosity"] - 1, 0))
        if seeded := default_plans_ensure():
            self.stdout.write(f"seeded {seeded} default plans")
        self.stdout.write(f"public site: {public.domains.first()}; template schema ready")
