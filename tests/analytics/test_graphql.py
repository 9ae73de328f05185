"""GraphQL at /api/graphql answers what REST answers, from the same catalogue, filters, auth and envelope: its
figures equal /api/v1/'s and the sums worked out here from the test's own rows; a bad argument is named; a query
too deep or with too many aliases is refused before it runs; only the company's own callers get in."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from graphql import get_introspection_query

from analytics import catalogue
from analytics.filters import DIMENSIONS as FILTER_DIMENSIONS
from tenants.models import Membership
from tenants.urls_util import company_host
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Product Line", "Branch", "Salesperson", "Qty", "Amount"]
LINES = [
    ["A-1", "02/04/2025", "Acme", "Fan", "Fans", "Pune", "Ravi", "2", "1000.10"],
    ["A-1", "02/04/2025", "Acme", "Lamp", "Lighting", "Pune", "Ravi", "4", "200.20"],
    ["B-7", "09/05/2025", "Beta", "Fan", "Fans", "Mumbai", "Meera", "1", "300.00"],
    ["D-3", "20/05/2025", "Gamma", "Lamp", "Lighting", "Mumbai", "Ravi", "3", "450.55"],
    ["E-9", "15/03/2025", "Beta", "Lamp", "Lighting", "Mumbai", "Meera", "1", "99.99"],  # the previous period
    ["C-2", "11/05/2024", "Acme", "Fan", "Fans", "Pune", "Ravi", "1", "500.00"],  # a year before
]
PERIOD = {"from": "2025-04-01", "to": "2025-05-31"}
URL = "/api/graphql"

KPIS = """query($f: Filters, $m: [Measure!]) {
  kpis(filters: $f, measures: $m) {
    period { from to } comparisons { previous { from to } yearAgo { from to } } currency
    rows { measure label unit value previous yearAgo changeVsPrevious changeVsYearAgo }
  }
}"""
BREAKDOWN = """query($d: Dimension!, $f: Filters, $m: [Measure!], $top: Int) {
  breakdown(dimension: $d, filters: $f, measures: $m, top: $top) {
    dimension count period { from to } rows { value label end values { measure value } }
  }
}"""


# ---------------------------------------------------------------- the truth, from the rows above


def _lines(start: date, end: date, **only) -> list[dict]:
    keys = ["invoice", "day", "customer", "item", "product_line", "branch", "salesperson", "qty", "amount"]
    found = []
    for line in LINES:
        row = dict(zip(keys, line, strict=True))
        row["day"] = datetime.strptime(row["day"], "%d/%m/%Y").date()
        if start <= row["day"] <= end and all(row[name] == value for name, value in only.items()):
            found.append(row)
    return found


def _truth(lines: list[dict]) -> dict:
    return {
        "revenue": f"{sum(Decimal(row['amount']) for row in lines):.2f}",
        "orders": len({(row["invoice"], row["day"], row["customer"]) for row in lines}),
        "customers": len({row["customer"] for row in lines}),
        "quantity": f"{sum(Decimal(row['qty']) for row in lines).normalize():f}",
        "lines": len(lines),
    }


# ---------------------------------------------------------------- helpers


def _body(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"data", "error", "metadata"}
    assert body["metadata"]["requestId"] == response["X-Request-ID"]
    return body


def ask(client, query: str, variables: dict | None = None, **headers) -> tuple[int, dict]:
    response = client.post(URL, {"query": query, "variables": variables or {}}, content_type="application/json",
                           **headers)  # fmt: skip
    return response.status_code, _body(response)


def rest(client, path: str, query: dict) -> dict:
    response = client.get(path, query)
    assert response.status_code == 200, response.content
    return _body(response)


@pytest.fixture
def company(make_company):
    company, _ = make_company()
    with tenant_context(company):
        load(csv_bytes([HEADER, *LINES]), "sales.csv")
    return company


# ---------------------------------------------------------------- the figures: REST's, and the rows'


def test_kpis_equal_rest_and_the_rows_with_both_comparisons(company, api_client):
    client = api_client(company)
    keys = list(catalogue.MEASURES)
    status, body = ask(client, KPIS, {"f": PERIOD, "m": keys})
    assert status == 200 and body["error"] is None and "errors" not in body["metadata"]
    kpis = body["data"]["kpis"]
    by_rest = rest(client, "/api/v1/kpis/", {**PERIOD, "measures": ",".join(keys)})
    assert kpis["rows"] == by_rest["data"]  # every field of every measure, in the order asked
    assert kpis["period"] == by_rest["metadata"]["period"] == PERIOD
    assert kpis["comparisons"] == by_rest["metadata"]["comparisons"]
    assert kpis["currency"] == "INR"

    row = {r["measure"]: r for r in kpis["rows"]}
    now = _truth(_lines(date(2025, 4, 1), date(2025, 5, 31)))
    before = _truth(_lines(date(2025, 2, 1), date(2025, 3, 31)))
    year_ago = _truth(_lines(date(2024, 4, 1), date(2024, 5, 31)))
    for key in ("revenue", "orders", "customers", "quantity", "lines"):
        assert (row[key]["value"], row[key]["previous"], row[key]["yearAgo"]) == (now[key], before[key], year_ago[key])
    assert row["revenue"]["value"] == "1950.85" and row["orders"]["value"] == 3
    change = (Decimal(now["revenue"]) - Decimal(year_ago["revenue"])) / Decimal(year_ago["revenue"])
    assert row["revenue"]["changeVsYearAgo"] == f"{change:.4f}"
    assert kpis["comparisons"]["previous"] == {"from": "2025-02-01", "to": "2025-03-31"}


@pytest.mark.parametrize("keys", [None, ["revenue", "orders", "customers", "quantity", "aov"]])
@pytest.mark.parametrize("dimension", ["branch", "product_line", "salesperson", "customer", "product", "month"])
def test_breakdowns_equal_rest(company, api_client, dimension, keys):
    client = api_client(company)
    status, body = ask(client, BREAKDOWN, {"d": dimension, "f": PERIOD, "m": keys})
    assert status == 200, body
    answer = body["data"]["breakdown"]
    measures = {"measures": ",".join(keys)} if keys else {}  # none: the dimension's defaults, as on REST
    by_rest = rest(client, f"/api/v1/breakdowns/{dimension}/", {**PERIOD, **measures})["data"]
    time = catalogue.DIMENSIONS[dimension].kind == "time"
    mine = [
        {**({"period": r["value"], "end": r["end"]} if time else {"value": r["value"]}), "label": r["label"],
         **{v["measure"]: v["value"] for v in r["values"]}}
        for r in answer["rows"]
    ]  # fmt: skip
    assert mine == by_rest and answer["count"] == len(by_rest) > 0
    assert answer["dimension"] == dimension


def test_a_breakdown_adds_up_each_branchs_lines_for_the_measure_fields_selected(company, api_client):
    query = """query($f: Filters) { breakdown(dimension: branch, filters: $f) { rows { value revenue orders } } }"""
    status, body = ask(api_client(company), query, {"f": PERIOD})
    assert status == 200, body
    truth = defaultdict(list)
    for row in _lines(date(2025, 4, 1), date(2025, 5, 31)):
        truth[row["branch"]].append(row)
    expected = sorted(
        ((branch, _truth(rows)) for branch, rows in truth.items()), key=lambda t: -Decimal(t[1]["revenue"])
    )
    # No `measures` argument: the fields selected are the measures worked out, the first one sorting.
    assert [(r["value"], r["revenue"], r["orders"]) for r in body["data"]["breakdown"]["rows"]] == [
        (branch, t["revenue"], t["orders"]) for branch, t in expected
    ]
    assert [r["value"] for r in body["data"]["breakdown"]["rows"]] == ["Pune", "Mumbai"]


def test_series_equal_rest(company, api_client):
    client = api_client(company)
    query = """query($f: Filters) { series(grain: month, filters: $f) { grain count rows { value end label revenue
               orders } } }"""
    status, body = ask(client, query, {"f": PERIOD})
    assert status == 200, body
    series = body["data"]["series"]
    by_rest = rest(client, "/api/v1/series/", {**PERIOD, "grain": "month", "measures": "revenue,orders"})["data"]
    assert [(r["value"], r["end"], r["label"], r["revenue"], r["orders"]) for r in series["rows"]] == [
        (r["period"], r["end"], r["label"], r["revenue"], r["orders"]) for r in by_rest
    ]  # fmt: skip
    april, may = (
        _truth(_lines(date(2025, 4, 1), date(2025, 4, 30))),
        _truth(_lines(date(2025, 5, 1), date(2025, 5, 31))),
    )
    assert [(r["revenue"], r["orders"]) for r in series["rows"]] == [
        (april["revenue"], april["orders"]), (may["revenue"], may["orders"])
    ]  # fmt: skip
    assert series["grain"] == "month" and series["count"] == 2


def test_top_and_sort_page_the_rows(company, api_client):
    query = """{ breakdown(dimension: customer, filters: {from: "2025-04-01", to: "2025-05-31"},
                 measures: [revenue], sort: revenue, descending: false, top: 2, offset: 1) { count rows { label } } }"""
    status, body = ask(api_client(company), query)
    assert status == 200, body
    # Ascending by revenue: Beta 300.00, Gamma 450.55, Acme 1200.30; from the second, two.
    assert body["data"]["breakdown"] == {"count": 3, "rows": [{"label": "Gamma"}, {"label": "Acme"}]}


# ---------------------------------------------------------------- filters


def test_filters_and_the_seed_names_narrow_as_on_rest(company, api_client):
    client = api_client(company)
    cases = [
        ({**PERIOD, "branch": "Pune"}, {**PERIOD, "branch": "Pune"}, {"branch": "Pune"}),
        ({**PERIOD, "salesperson": "Ravi"}, {**PERIOD, "salesperson": "Ravi"}, {"salesperson": "Ravi"}),
        ({"startDate": "2025-04-01", "endDate": "2025-05-31", "productLine": "Lighting"},
         {"startDate": "2025-04-01", "endDate": "2025-05-31", "productLine": "Lighting"}, {"product_line": "Lighting"}),
    ]  # fmt: skip
    for filters, rest_query, only in cases:
        status, body = ask(client, KPIS, {"f": filters, "m": ["revenue", "orders", "customers"]})
        assert status == 200, body
        rows = {r["measure"]: r["value"] for r in body["data"]["kpis"]["rows"]}
        truth = _truth(_lines(date(2025, 4, 1), date(2025, 5, 31), **only))
        assert rows == {key: truth[key] for key in ("revenue", "orders", "customers")}
        by_rest = rest(client, "/api/v1/kpis/", {**rest_query, "measures": "revenue,orders,customers"})["data"]
        assert body["data"]["kpis"]["rows"] == by_rest
    status, body = ask(client, BREAKDOWN, {"d": "state", "f": {**PERIOD, "branch": "Atlantis"}})
    assert status == 200 and body["data"]["breakdown"]["rows"] == []


def test_a_preset_is_an_enum_of_the_pages_presets(company, api_client):
    client = api_client(company)
    status, body = ask(client, """{ kpis(filters: {preset: last_12}, measures: [revenue]) {
        period { from to } rows { value } } }""")  # fmt: skip
    assert status == 200, body
    by_rest = rest(client, "/api/v1/kpis/", {"preset": "last_12", "measures": "revenue"})
    assert body["data"]["kpis"]["period"] == by_rest["metadata"]["period"]
    assert body["data"]["kpis"]["period"]["to"] == "2025-05-20"  # the latest 12 months with data end at its last day
    period = body["data"]["kpis"]["period"]
    lines = _lines(date.fromisoformat(period["from"]), date.fromisoformat(period["to"]))
    assert body["data"]["kpis"]["rows"] == [{"value": _truth(lines)["revenue"]}]


@pytest.mark.parametrize(
    ("filters", "argument"),
    [
        ({"from": "2025-13-01"}, "filters.from"),
        ({"from": "01/04/2025"}, "filters.from"),
        ({"startDate": "yesterday"}, "filters.startDate"),
        ({"from": "2025-05-01", "to": "2025-04-01"}, "filters.to"),
        ({"to": "2999-01-01"}, "filters.to"),
    ],
)
def test_a_malformed_date_is_an_error_naming_the_argument(company, api_client, filters, argument):
    status, body = ask(api_client(company), KPIS, {"f": filters})
    assert status == 400 and body["data"] is None
    assert body["error"]["code"] == "invalid_parameter" and body["error"]["parameter"] == argument
    assert body["error"]["message"].startswith(argument)
    (error,) = body["metadata"]["errors"]
    assert error["path"] == ["kpis"] and error["extensions"]["parameter"] == argument


def test_a_question_the_catalogue_cannot_answer_names_the_argument(company, api_client):
    query = """{ breakdown(dimension: branch, measures: [revenue], sort: orders) { rows { label } } }"""
    status, body = ask(api_client(company), query)
    assert status == 400 and body["error"]["parameter"] == "sort"
    status, body = ask(api_client(company), """{ breakdown(dimension: branch) { rows { newCustomers } } }""")
    assert status == 400 and body["error"]["parameter"] == "measures"
    status, body = ask(api_client(company), """{ breakdown(dimension: branch, top: 5000) { count } }""")
    assert status == 400 and body["error"]["parameter"] == "top"


def test_an_unknown_measure_is_refused_before_anything_runs(company, api_client):
    status, body = ask(api_client(company), """{ kpis(measures: [revenue, happiness]) { rows { value } } }""")
    assert status == 400 and body["data"] is None and body["error"]["code"] == "invalid_query"
    assert "happiness" in body["error"]["message"] and "Measure" in body["error"]["message"]


# ---------------------------------------------------------------- the catalogue, with no code per entry


def test_the_enums_and_the_catalogue_query_are_the_catalogue(company, api_client):
    query = """{ catalogue { measures { key label unit } dimensions { key source } comparisons { key } }
                 m: __type(name: "Measure") { enumValues { name } } d: __type(name: "Dimension") { enumValues { name } }
                 f: __type(name: "Filters") { inputFields { name } } r: __type(name: "Row") { fields { name } } }"""
    status, body = ask(api_client(company), query)
    assert status == 200, body
    data = body["data"]
    assert [m["key"] for m in data["catalogue"]["measures"]] == list(catalogue.MEASURES)
    assert data["catalogue"]["measures"][0] == {"key": "revenue", "label": "Revenue", "unit": "money"}
    assert [d["key"] for d in data["catalogue"]["dimensions"]] == list(catalogue.DIMENSIONS)
    assert [v["name"] for v in data["m"]["enumValues"]] == list(catalogue.MEASURES)
    assert [v["name"] for v in data["d"]["enumValues"]] == list(catalogue.DIMENSIONS)
    filters = {f["name"] for f in data["f"]["inputFields"]}
    camel = {"product_line": "productLine"}
    assert {camel.get(name, name) for name in FILTER_DIMENSIONS} | {"preset", "from", "to"} <= filters
    assert {"grossProfit", "newCustomers", "revenue"} <= {f["name"] for f in data["r"]["fields"]}


# ---------------------------------------------------------------- who may ask


def test_another_companys_key_is_refused(company, make_company, api_client):
    other, _ = make_company()
    client = api_client(other, host_of=company)
    status, body = ask(client, KPIS)
    assert status == 403 and body["data"] is None and body["error"]["code"] == "forbidden"
    assert "another company" in body["error"]["message"]


def test_no_key_is_refused_even_for_introspection(company):
    client = Client(HTTP_HOST=company_host(company.subdomain))
    for query in (KPIS, "{ __schema { queryType { name } } }"):
        response = client.post(URL, {"query": query}, content_type="application/json")
        body = _body(response)
        assert response.status_code == 401 and body["data"] is None
        assert body["error"]["code"] == "not_authenticated"
    bad = Client(HTTP_HOST=company_host(company.subdomain), HTTP_AUTHORIZATION="Bearer not-a-key")
    status, body = ask(bad, KPIS)
    assert status == 401 and body["error"]["code"] == "authentication_failed"


def test_introspection_answers_a_caller(company, api_client):
    status, body = ask(api_client(company), get_introspection_query(descriptions=True))
    assert status == 200, body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_a_members_session_needs_its_csrf_token_on_a_post(company, api_client):
    owner = Membership.objects.get(company=company, role="owner").user
    client = Client(HTTP_HOST=company_host(company.subdomain), enforce_csrf_checks=True)
    client.force_login(owner)
    query = """{ kpis(filters: {from: "2025-04-01", to: "2025-05-31"}, measures: [revenue]) { rows { value } } }"""
    status, body = ask(client, query)
    assert status == 403 and body["error"]["code"] == "forbidden" and "CSRF" in body["error"]["message"]
    token = "abcdefghijklmnopqrstuvwxyzABCDEF"
    client.cookies["csrftoken"] = token
    status, body = ask(client, query, HTTP_X_CSRFTOKEN=token)
    assert status == 200 and body["data"]["kpis"]["rows"] == [{"value": "1950.85"}]
    # A key needs no token: no browser sends it by itself.
    keyed = Client(HTTP_HOST=company_host(company.subdomain), enforce_csrf_checks=True,
                   HTTP_AUTHORIZATION=f"Bearer {api_client(company).key}")  # fmt: skip
    assert ask(keyed, query)[0] == 200
    # A GET runs queries with the session and no token (a GET changes nothing).
    response = client.get(URL, {"query": query})
    assert response.status_code == 200 and _body(response)["data"]["kpis"]["rows"] == [{"value": "1950.85"}]


def test_a_key_is_throttled_as_on_rest(company, api_client, settings):
    settings.API_THROTTLE_RATE = "2/min"
    client = api_client(company)
    for _ in range(2):
        assert ask(client, "{ catalogue { comparisons { key } } }")[0] == 200
    response = client.post(URL, {"query": "{ catalogue { comparisons { key } } }"}, content_type="application/json")
    body = _body(response)
    assert response.status_code == 429 and body["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0


# ---------------------------------------------------------------- limits


def test_a_query_nested_too_deep_is_refused(company, api_client):
    client = api_client(company)
    deep = "{ kpis { " + "rows { " * 9 + "value" + " }" * 9 + " } }"
    status, body = ask(client, deep)
    assert status == 400 and body["data"] is None and body["error"]["code"] == "query_too_complex"
    assert "at most 8 levels" in body["error"]["message"]
    introspection = (
        "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"
    )
    status, body = ask(client, introspection)
    assert status == 400 and body["error"]["code"] == "query_too_complex"


def test_too_many_aliases_or_tokens_are_refused(company, api_client):
    client = api_client(company)
    aliases = "{ " + " ".join(f"a{n}: catalogue {{ comparisons {{ key }} }}" for n in range(11)) + " }"
    status, body = ask(client, aliases)
    assert status == 400 and body["error"]["code"] == "query_too_complex"
    assert body["error"]["message"] == "The query has too many aliases: at most 10."
    ten = "{ " + " ".join(f"a{n}: catalogue {{ comparisons {{ key }} }}" for n in range(10)) + " }"
    assert ask(client, ten)[0] == 200
    long = "{ catalogue { " + "comparisons { key } " * 300 + "} }"
    status, body = ask(client, long)
    assert status == 400 and body["error"]["code"] == "query_too_complex" and "tokens" in body["error"]["message"]


# ---------------------------------------------------------------- the envelope and the transport


def test_our_own_fault_is_a_500_that_says_no_more_and_is_logged(company, api_client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("connection to server lost: password=hunter2")

    monkeypatch.setattr("analytics.queries.compared", broken)
    status, body = ask(api_client(company), KPIS)
    assert status == 500 and body["data"] is None and body["error"]["code"] == "server_error"
    assert "hunter2" not in json.dumps(body) and "request id" in body["error"]["message"]
    assert any("hunter2" in record.getMessage() or "hunter2" in (record.exc_text or "") for record in caplog.records)


def test_the_envelope_and_its_request_id(company, api_client):
    client = api_client(company)
    response = client.post(URL, {"query": "{ catalogue { comparisons { key label } } }"},
                           content_type="application/json", HTTP_X_REQUEST_ID="graphql-test-0001")  # fmt: skip
    body = _body(response)
    assert response["X-Request-ID"] == body["metadata"]["requestId"] == "graphql-test-0001"
    assert body == {
        "data": {"catalogue": {"comparisons": [{"key": "previous", "label": "Previous period"},
                                               {"key": "year_ago", "label": "Same period a year ago"}]}},
        "error": None,
        "metadata": {"requestId": "graphql-test-0001"},
    }  # fmt: skip
    status, body = ask(client, "{ catalogue { nothing } }")
    assert status == 400 and body["error"]["code"] == "invalid_query" and body["data"] is None
    assert body["metadata"]["errors"][0]["message"] == body["error"]["message"]


def test_get_runs_queries_and_the_ide_is_off(company, api_client):
    client = api_client(company)
    response = client.get(URL, {"query": "{ catalogue { comparisons { key } } }"})
    assert response.status_code == 200 and _body(response)["data"]["catalogue"]["comparisons"][0]["key"] == "previous"
    response = client.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 404 and _body(response)["error"]["code"] == "not_found"
    response = client.get(URL, {"query": "mutation { x }"})
    body = _body(response)
    assert response.status_code == 400 and body["data"] is None and "GET" in body["error"]["message"]


@pytest.mark.parametrize(
    "sent", [b"\xa2\xff", "not json", "5", "null", '"text"', "[]", '{"query": 5}', '{"variables": []}', "{}"]
)
def test_a_body_graphql_cannot_read_is_a_400_in_the_envelope(company, api_client, sent):
    response = api_client(company).post(URL, sent, content_type="application/json")
    body = _body(response)
    assert response.status_code == 400 and body["data"] is None and body["error"]["code"] == "invalid_query"
