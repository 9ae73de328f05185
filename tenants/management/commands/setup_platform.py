from django.core.management.base import BaseCommand

from tenants.platform import public_tenant_ensure, template_schema_ensure


class Command(BaseCommand):
    help = "Create the public tenant for BASE_DOMAIN and the migrated template schema new companies are cloned from."

    def handle(self, *args, **options):
        public = public_tenant_ensure()
        template_schema_ensure(verbosity=max(options["verbosity"] - 1, 0))
        self.stdout.write(f"public site: {public.domains.first()}; template schema ready")
