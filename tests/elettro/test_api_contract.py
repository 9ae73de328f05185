"""The API keeps its published contract: schemathesis reads the live OpenAPI schema from /api/v1/schema/ on a
company's host and sends every operation valid and invalid inputs it draws from it. No answer may be a 5xx, and
every answer (errors included) must match the schema: its status, its content type and its body."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.urls_util import company_host
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROWS = [["Invoice No", "Date", "Customer", "Item", "Product Line", "Branch", "State", "Qty", "Amount"],
        ["A-1", "02/04/2025", "Acme", "Fan", "Fans", "Pune", "Maharashtra", "2", "1000.10"],
        ["B-7", "09/05/2025", "Beta", "Lamp", "Lighting", "Kochi", "Kerala", "1", "300.00"]]  # fmt: skip
# Draws per operation and mode: enough to reach every parameter's edge cases, few enough for `make test`.
EXAMPLES = 12


@pytest.fixture
def app():
    """Django's WSGI application, which keeps the test's database connection open between requests (as Django's
    test client does): closing it would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def live_schema(make_company, api_client, app):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes(ROWS), "sales.csv")
    client = api_client(company, "admin")
    headers = {"Host": company_host(company.subdomain), "Authorization": f"Bearer {client.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app, headers=headers)
    return schema, headers


def test_every_operation_answers_within_its_schema_for_valid_and_invalid_inputs(live_schema):
    schema, headers = live_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    # Health takes no input and answers 503 here by design: the tests run no Celery worker (tests/test_health.py).
    operations = [operation for operation in operations if not operation.path.endswith("/health/")]
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            run()


def test_the_schema_is_valid_openapi_and_generates_without_a_warning(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/kpis/" in (tmp_path / "schema.yaml").read_text()
