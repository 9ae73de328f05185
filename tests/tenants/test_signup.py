"""Self-signup: a company gets its own schema, subdomain and owner; bad input creates nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.models import Company, Domain, Membership, User

pytestmark = pytest.mark.django_db

GOOD = {
    "company_name": "Sharma Electricals",
    "subdomain": "sharma",
    "home_state": "27",
    "full_name": "Asha Sharma",
    "email": "asha@sharma.example.com",
    "password": "Ledger-Book-2024",
}


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def _nothing_created(subdomain: str, email: str) -> bool:
    return not (
        Company.objects.filter(subdomain=subdomain).exists()
        or Domain.objects.filter(domain__startswith=f"{subdomain}.").exists()
        or User.objects.filter(email=email).exists()
        or schema_exists(subdomain.replace("-", "_"))
    )


def test_signup_creates_an_isolated_schema_and_lands_the_owner_on_their_subdomain(public_client):
    response = public_client.post("/signup/", GOOD)

    assert response.status_code == 302
    assert response["Location"].startswith("http://sharma.localhost:8000/auth/handoff/?token=")
    company = Company.objects.get(subdomain="sharma")
    assert company.schema_name == "sharma" and company.status == Company.Status.TRIAL
    assert (company.trial_ends_at - company.created_at).days == 13  # 14 days less the seconds since creation
    assert Domain.objects.get(tenant=company).domain == "sharma.localhost"
    owner = User.objects.get(email="asha@sharma.example.com")
    assert owner.password.startswith("argon2")
    assert Membership.objects.get(company=company).role == "owner"
    # Its own schema holds every company table, and it is a separate copy: nothing in it yet.
    assert _tables("sharma") == _tables("tenant_template") and "analytics_usagesnapshot" in _tables("sharma")
    assert "analytics_usagesnapshot" not in _tables("public")

    # Following the hand-off logs the owner in on the subdomain.
    landing = public_client.get(response["Location"].split(":8000")[1], HTTP_HOST="sharma.localhost")
    assert landing.status_code == 302 and landing["Location"] == "/"
    home = public_client.get("/", HTTP_HOST="sharma.localhost")
    assert home.status_code == 200 and "Sharma Electricals" in home.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"subdomain": "www"}, "subdomain", "reserved"),
        ({"subdomain": "admin"}, "subdomain", "reserved"),
        ({"subdomain": "Bad_Name!"}, "subdomain", "lower-case"),
        ({"subdomain": "ab"}, "subdomain", "3 to 63 characters"),
        ({"subdomain": "-acme"}, "subdomain", "starting with a letter"),
        ({"subdomain": "acme-"}, "subdomain", "not ending with a hyphen"),
        ({"password": "password123"}, "password", "too common"),
        ({"password": "short"}, "password", "too short"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"company_name": ""}, "company_name", "required"),
    ],
)
def test_signup_with_bad_input_shows_the_field_error_and_creates_nothing(public_client, change, field, message):
    data = {**GOOD, **change}

    response = public_client.post("/signup/", data)

    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-field="{field}"' in body and message in body
    assert _nothing_created(data["subdomain"].lower(), data["email"])


def test_a_taken_subdomain_is_refused_and_an_existing_email_gets_a_mail_not_an_answer(public_client, make_company):
    from django.core import mail

    make_company("taken", owner_email="first@example.com")

    taken = public_client.post("/signup/", {**GOOD, "subdomain": "taken"})
    existing = public_client.post("/signup/", {**GOOD, "email": "FIRST@example.com"})

    assert taken.status_code == 400 and "is taken" in taken.content.decode()
    # Whether an address has an account is told only to its inbox (tests/tenants/test_rate_limits.py).
    assert existing.status_code == 200 and "Check your email" in existing.content.decode()
    assert "already exists" not in existing.content.decode()
    assert [m.to for m in mail.outbox] == [["FIRST@example.com"]] and "already exists" in mail.outbox[0].body
    assert Company.objects.filter(subdomain="taken").count() == 1
    assert not Company.objects.filter(subdomain="sharma").exists()


def test_a_failure_halfway_leaves_no_schema_user_or_domain(public_client):
    # A real database failure after the schema was cloned: memberships refuse inserts.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION public.refuse_insert() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse BEFORE INSERT ON public.tenants_membership
            FOR EACH ROW EXECUTE FUNCTION public.refuse_insert();
            """
        )

    with pytest.raises(Exception, match="disk full"):
        public_client.post("/signup/", GOOD)

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse ON public.tenants_membership")
    assert _nothing_created("sharma", GOOD["email"])


def test_a_logged_in_user_can_add_a_second_company(public_client, make_company):
    _, owner = make_company("first")
    public_client.force_login(owner)

    response = public_client.post("/signup/", {"company_name": "Second Co", "subdomain": "second", "home_state": "29"})

    assert response.status_code == 302
    assert set(owner.memberships.values_list("company__subdomain", flat=True)) == {"first", "second"}
    picker = public_client.get("/companies/").content.decode()
    assert 'data-subdomain="first"' in picker and 'data-subdomain="second"' in picker


def test_create_company_command_uses_the_signup_service_and_prints_json(db, capsys):
    import json

    from django.core.management import call_command

    call_command(
        "create_company", "--name", "Acme Foods", "--subdomain", "acme-foods",
        "--owner-email", "ops@acme.example.com", "--owner-password", "Gr8-Pickles-2025", "--home-state", "29",
    )  # fmt: skip

    printed = json.loads(capsys.readouterr().out)
    assert printed["subdomain"] == "acme-foods" and printed["schema"] == "acme_foods"
    assert printed["owner_email"] == "ops@acme.example.com"
    assert schema_exists("acme_foods")
    assert Company.objects.get(subdomain="acme-foods").home_state == "29"


def test_create_company_command_refuses_bad_input_with_the_reason(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="reserved"):
        call_command(
            "create_company", "--name", "X", "--subdomain", "api",
            "--owner-email", "x@example.com", "--owner-password", "Gr8-Pickles-2025",
        )  # fmt: skip
    assert not User.objects.filter(email="x@example.com").exists()


def test_signup_renames_a_ready_spare_schema_into_place(public_client):
    from tenants.models import SpareSchema
    from tenants.schema_pool import spares_fill

    spares_fill()  # what beat does every ten minutes; earlier signups in this process may have used the spares
    spare = SpareSchema.objects.order_by("created_at").first()
    assert spare is not None, "the pool keeps spare schemas ready"

    public_client.post("/signup/", GOOD)

    assert not SpareSchema.objects.filter(pk=spare.pk).exists()
    assert schema_exists("sharma") and not schema_exists(spare.name)


def test_the_worker_task_refills_spares_and_drops_stale_ones(db, settings):
    from tenants.models import SpareSchema
    from tenants.schema_pool import spares_fill

    spares_fill(target=settings.SCHEMA_POOL_SIZE)  # a full pool, whatever earlier committed tests took from it
    stale = SpareSchema.objects.first()
    SpareSchema.objects.filter(pk=stale.pk).update(migration_state="an-older-migration-state")

    made = spares_fill(target=settings.SCHEMA_POOL_SIZE)

    assert made == 1 and not schema_exists(stale.name)
    assert SpareSchema.objects.count() == settings.SCHEMA_POOL_SIZE
    assert all(schema_exists(spare.name) for spare in SpareSchema.objects.all())
