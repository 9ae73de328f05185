import json
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants import services
from tenants.models import Company, User
from tenants.urls_util import company_url, public_url

DEMO_SUBDOMAIN = "demo"
DEMO_EMAIL = "owner@demo.example.com"


class Command(BaseCommand):
    help = "Create the demo company `demo` with an owner login (idempotent), then print where to log in."

    def add_arguments(self, parser):
        parser.add_argument("--print-only", action="store_true", help="only print the URLs and the login")

    def handle(self, *args, **options):
        credentials_file = settings.BASE_DIR / ".data" / "demo-login.json"
        if not options["print_only"]:
            company = Company.objects.filter(subdomain=DEMO_SUBDOMAIN).first()
            if company is None:
                password = secrets.token_urlsafe(12)
                if User.objects.filter(email=DEMO_EMAIL).exists():
                    User.objects.filter(email=DEMO_EMAIL).delete()
                company, _ = services.company_create(
                    name="Elettro Demo Distributors",
                    subdomain=DEMO_SUBDOMAIN,
                    owner_email=DEMO_EMAIL,
                    owner_password=password,
                    owner_name="Demo Owner",
                    home_state="27",
                )
                credentials_file.parent.mkdir(parents=True, exist_ok=True)
                credentials_file.write_text(json.dumps({"email": DEMO_EMAIL, "password": password}))
                self.stdout.write(f"created the demo company at {company.url}")
            self._load_data(company)
        if not credentials_file.exists():
            self.stdout.write("No demo login recorded: run `make setup`.")
            return
        login = json.loads(credentials_file.read_text())
        demo = Company(subdomain=DEMO_SUBDOMAIN)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "  Where to log in (`make run` serves these):",
                    f"    Public site and login : {public_url('/accounts/login/')}",
                    f"    Demo company          : {company_url(demo)}",
                    f"    Demo owner login      : {login['email']}  /  {login['password']}",
                    f"    Health                : {public_url('/health/')}",
                    f"    Operator admin        : {public_url('/admin/')}",
                    "                            (make a staff login: .venv/bin/python manage.py createsuperuser)",
                    "",
                ]
            )
        )

    def _load_data(self, company) -> None:
        """The demo's sales and ERP data, loaded once through the real upload pipeline."""
        from django.conf import settings
        from django_tenants.utils import tenant_context

        from ingestion.demo import demo_data_load

        with tenant_context(company):
            for result in demo_data_load(out_dir=settings.BASE_DIR / ".data" / "demo-exports"):
                self.stdout.write(
                    f"  loaded {result['file']}: {result['rows_loaded']} rows"
                    f" ({result['duplicates']} duplicates, {result['rows_rejected']} rejected) {result['status']}"
                )
