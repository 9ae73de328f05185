"""Every request has an id, echoed as X-Request-ID, on its log lines and on those of the tasks it enqueues, and the
production log format is one JSON object per line with the context fields."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time

import pytest

from elettro import request_id as ids
from elettro.logs import ContextFilter, JsonFormatter
from tests.conftest import REPO

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines():
    """A JSON handler, as production's, on the request logger: returns the lines it wrote, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    request_logger = logging.getLogger("elettro.request")
    request_logger.addHandler(handler)
    old_level = request_logger.level
    request_logger.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    request_logger.removeHandler(handler)
    request_logger.setLevel(old_level)


@pytest.mark.django_db
def test_every_response_has_a_new_request_id(public_client, make_company, company_client):
    first, second = public_client.get("/"), public_client.get("/pricing/")
    company, owner = make_company()
    on_company_host = company_client(company, owner).get("/")

    found = [r["X-Request-ID"] for r in (first, second, on_company_host)]
    assert all(HEX_ID.fullmatch(value) for value in found), found
    assert len(set(found)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["4bf92f3577b34da6a3ce929d0e0e4736", "req-2026.12.05_abc-DEF", "a" * 64])
def test_a_well_formed_incoming_id_is_echoed(public_client, incoming):
    assert public_client.get("/", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    ["a" * 65, "x" * 10_000, "short", "has spaces in it", "evil\r\nSet-Cookie: a=b", "<script>alert(1)</script>",
     "../../../etc/passwd", "-starts-with-a-dash", "ünïcödé-request-id", ""],
    ids=["65 chars", "10k chars", "too short", "spaces", "CRLF", "markup", "path", "leading dash", "unicode", "empty"],
)  # fmt: skip
def test_a_garbage_or_oversized_incoming_id_is_replaced(public_client, incoming, json_lines):
    response = public_client.get("/", HTTP_X_REQUEST_ID=incoming)

    assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert [line["request_id"] for line in json_lines()] == [response["X-Request-ID"]]


@pytest.mark.django_db
def test_one_json_line_per_request_with_its_duration(public_client, json_lines):
    response = public_client.get("/pricing/", HTTP_X_REQUEST_ID="trace-0001-abcdef")

    (line,) = json_lines()
    assert line["request_id"] == "trace-0001-abcdef" == response["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/pricing/", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["logger"] == "elettro.request" and line["level"] == "INFO"
    assert line["company"] == "public" and line["user_id"] is None and line["task_id"] is None


@pytest.mark.django_db
def test_the_request_line_names_the_logged_in_user_and_the_company(make_company, company_client, json_lines):
    company, owner = make_company()

    response = company_client(company, owner).get("/")

    (line,) = json_lines()
    assert response.status_code == 200
    assert line["user_id"] == owner.pk and line["company"] == company.schema_name


def test_the_json_formatter_writes_one_object_with_the_context_fields():
    record = logging.LogRecord("billing.webhooks", logging.ERROR, __file__, 1, "charge %s failed", ("pay_1",), None)
    record.amount_paise = 589882  # as passed with extra=
    record.odd = object()  # not JSON: written as text
    token_r, token_t = ids.request_id_var.set("req-abcdef12"), ids.task_id_var.set("task-1234")
    try:
        ContextFilter().filter(record)
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        text = JsonFormatter().format(record)
    finally:
        ids.request_id_var.reset(token_r)
        ids.task_id_var.reset(token_t)

    assert "\n" not in text
    line = json.loads(text)
    assert (
        line["message"] == "charge pay_1 failed" and line["level"] == "ERROR" and line["logger"] == "billing.webhooks"
    )
    assert line["request_id"] == "req-abcdef12" and line["task_id"] == "task-1234"
    assert {"company", "user_id", "time"} <= set(line)
    assert line["amount_paise"] == 589882 and line["odd"].startswith("<object object")
    assert "ValueError: boom" in line["exc_info"]


def test_the_plain_format_shows_the_context_only_when_there_is_one():
    formatter = logging.Formatter("%(levelname)s %(message)s%(context)s")
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    ContextFilter().filter(outside)
    token = ids.request_id_var.set("req-abcdef12")
    try:
        inside = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        ContextFilter().filter(inside)
    finally:
        ids.request_id_var.reset(token)

    assert "request_id" not in formatter.format(outside)
    assert "[request_id=req-abcdef12" in formatter.format(inside)


def test_publishing_a_task_stamps_the_request_id_and_the_send_time():
    headers: dict = {}
    token = ids.request_id_var.set("req-abcdef12")
    try:
        ids.on_before_task_publish(headers=headers)
    finally:
        ids.request_id_var.reset(token)

    assert headers[ids.TASK_HEADER] == "req-abcdef12"
    assert abs(headers[ids.SENT_AT_HEADER] - time.time()) < 5


@pytest.mark.worker
def test_a_task_enqueued_by_a_request_logs_the_request_id_in_the_worker(
    make_company_committed, company_client, celery_worker_process
):
    company, owner = make_company_committed("request-ids")
    request_id = f"reqid-{time.time_ns()}"

    # Adding an exclusion rule enqueues ingestion.exclusions_apply for the company, on commit.
    response = company_client(company, owner).post(
        "/settings/exclusions/", {"field": "product", "pattern": "packing"}, HTTP_X_REQUEST_ID=request_id
    )
    assert response.status_code == 302 and response["X-Request-ID"] == request_id

    # This test process's worker logs to its own file: find our task's end by the id.
    log = REPO / ".data" / f"test-worker-{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}.log"
    deadline, lines = time.monotonic() + 30, []
    while time.monotonic() < deadline and not any(" succeeded " in line or " raised " in line for line in lines):
        time.sleep(0.2)
        text = log.read_text(errors="replace")
        lines = [line for line in text.splitlines() if request_id in line and "ingestion.exclusions_apply[" in line]
    assert lines, f"no worker log line names request {request_id}"
    # The line also names the task's own id and, when it ran (on this run's worker), the company's schema.
    assert all("task_id=" in line for line in lines)
    for line in lines:
        if " succeeded " in line:
            assert f"company={company.schema_name}" in line
