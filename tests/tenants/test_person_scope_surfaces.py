"""What a scoped member (Ravi, limited to his own sales) may open besides the dashboards: the reports, schedules and
alert rules other people made may hold the whole company's figures, so he sees only his own, on the pages and
through the API, and the rest answer 404; the owner still sees everything. Targets show only where their figure
lies inside his view: never the company's, nor another salesperson's."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import time
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.models import Target
from tenants.models import Membership
from tests.ingestion.test_pipeline import csv_bytes, load
from tests.tenants.test_person_scope import FY, ONLY_OTHERS, SALES, _revenue, _rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_company, add_member):
    company, owner = make_company("scopedsurfaces")
    with tenant_context(company):
        job = load(csv_bytes(_rows()), "sales.csv")
        assert job.status == "succeeded" and job.rows_loaded == len(SALES), job.error or job.messages
    ravi = add_member(company, "manager", "ravi@surfaces.example.com")
    Membership.objects.filter(user=ravi, company=company).update(scope={"salesperson": ["Ravi"]})
    return company, owner, ravi


def _json(response) -> dict:
    return json.loads(response.content)


# ---------------------------------------------------------------- reports and schedules


@pytest.fixture
def runs(shop):
    """A company-wide report the owner made, one Ravi made, and a report of each one's schedule."""
    from reports.models import Delivery, Schedule
    from reports.services import run_create, run_generate

    company, owner, ravi = shop
    query = {"from": FY[0].isoformat(), "to": FY[1].isoformat()}
    with tenant_context(company):
        schedules = {
            who: Schedule.objects.create(
                name=f"{who}'s monthly", format="csv", time_of_day=time(8), created_by_id=user.pk,
                email_to=f"{who}@example.com",
            )
            for who, user in (("owner", owner), ("ravi", ravi))
        }  # fmt: skip
        made = {
            "owner": run_create(company=company, kind="sales-review", fmt="csv", query=query, user=owner,
                                enqueue=False),
            "ravi": run_create(company=company, kind="sales-review", fmt="csv", query=query, user=ravi,
                               enqueue=False),
            "owner_schedule": run_create(company=company, kind="sales-review", fmt="csv", query=query,
                                         schedule=schedules["owner"], enqueue=False),
            "ravi_schedule": run_create(company=company, kind="sales-review", fmt="csv", query=query,
                                        schedule=schedules["ravi"], enqueue=False),
        }  # fmt: skip
        made = {name: run_generate(run) for name, run in made.items()}
        assert all(run.status == "done" for run in made.values()), {n: r.error for n, r in made.items()}
        for who, schedule in schedules.items():
            Delivery.objects.create(schedule=schedule, run=made[f"{who}_schedule"], channel="email",
                                    target=f"{who}@example.com", status="sent")  # fmt: skip
    return made, schedules


def test_a_scoped_member_lists_and_opens_only_the_reports_he_or_his_schedules_made(shop, runs, company_client):
    company, owner, ravi = shop
    made, _ = runs
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)
    mine = {made["ravi"].pk, made["ravi_schedule"].pk}
    others = {made["owner"].pk, made["owner_schedule"].pk}

    assert {run.pk for run in as_ravi.get("/reports/").context["runs"]} == mine
    assert {run.pk for run in as_owner.get("/reports/").context["runs"]} == mine | others
    # The report of his schedule holds his sales alone; the owner's holds the whole company's.
    assert Decimal(made["ravi_schedule"].headline["revenue"]["value"]) == _revenue("Ravi")
    whole = sum((Decimal(s[5]) for s in SALES if FY[0] <= s[1] <= FY[1]), Decimal(0))
    assert Decimal(made["owner_schedule"].headline["revenue"]["value"]) == whole

    for pk in mine:
        assert as_ravi.get(f"/reports/{pk}/").status_code == 200
        assert _json(as_ravi.get(f"/reports/{pk}/status/"))["id"] == pk
        assert as_ravi.get(f"/reports/{pk}/download/").status_code == 200
    for pk in others:
        for path in (f"/reports/{pk}/", f"/reports/{pk}/status/", f"/reports/{pk}/download/"):
            assert as_ravi.get(path).status_code == 404, path
            assert as_owner.get(path).status_code == 200, path
        assert as_ravi.post(f"/reports/{pk}/retry/").status_code == 404

    # The API answers the same: his runs listed, the others not found.
    listed = _json(as_ravi.get("/api/v1/report-runs/"))["data"]
    assert {row["id"] for row in listed} == mine
    assert {row["id"] for row in _json(as_owner.get("/api/v1/report-runs/"))["data"]} == mine | others
    for pk in others:
        assert as_ravi.get(f"/api/v1/report-runs/{pk}/").status_code == 404
        assert as_ravi.get(f"/api/v1/report-runs/{pk}/download/").status_code == 404
        assert as_owner.get(f"/api/v1/report-runs/{pk}/").status_code == 200
    downloaded = as_ravi.get(f"/api/v1/report-runs/{made['ravi'].pk}/download/")
    assert downloaded.status_code == 200
    text = b"".join(downloaded.streaming_content)
    assert all(name.encode() not in text for name in ONLY_OTHERS)


def test_a_scoped_member_manages_only_his_own_schedules(shop, runs, company_client):
    from reports.models import Schedule

    company, owner, ravi = shop
    _, schedules = runs
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)

    page = as_ravi.get("/reports/schedules/")
    assert [item["schedule"].pk for item in page.context["items"]] == [schedules["ravi"].pk]
    assert [d.schedule_id for d in page.context["deliveries"]] == [schedules["ravi"].pk]
    assert "owner@example.com" not in page.content.decode()
    owners = as_owner.get("/reports/schedules/")
    assert {item["schedule"].pk for item in owners.context["items"]} == {s.pk for s in schedules.values()}

    theirs = schedules["owner"].pk
    assert as_ravi.get(f"/reports/schedules/{theirs}/").status_code == 404
    assert as_ravi.post(f"/reports/schedules/{theirs}/test/").status_code == 404
    assert as_ravi.post(f"/reports/schedules/{theirs}/delete/").status_code == 404
    assert as_ravi.get(f"/reports/schedules/{schedules['ravi'].pk}/").status_code == 200
    with tenant_context(company):
        assert Schedule.objects.filter(pk=theirs).exists()

    assert [row["id"] for row in _json(as_ravi.get("/api/v1/schedules/"))["data"]] == [schedules["ravi"].pk]
    assert as_ravi.get(f"/api/v1/schedules/{theirs}/").status_code == 404
    assert as_ravi.delete(f"/api/v1/schedules/{theirs}/").status_code == 404
    assert as_owner.get(f"/api/v1/schedules/{theirs}/").status_code == 200
    with tenant_context(company):
        assert Schedule.objects.filter(pk=theirs).exists()


def test_a_scoped_key_reads_only_the_reports_its_maker_made(shop, runs, company_client):
    from tenants.api_keys import api_key_create

    company, owner, _ = shop
    made, _ = runs
    with tenant_context(company):
        _, scoped = api_key_create(company=company, name="Ravi's sheet", role="manager", created_by=owner,
                                   scope={"salesperson": ["Ravi"]})  # fmt: skip
        _, whole = api_key_create(company=company, name="Books", role="manager", created_by=owner)
    client = company_client(company)

    def get(raw: str, path: str):
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}")

    def post(raw: str, path: str, body: dict):
        return client.post(path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert {row["id"] for row in _json(get(whole, "/api/v1/report-runs/"))["data"]} == {r.pk for r in made.values()}
    # The key acts for the owner, who sees everything: limited, it may read none of what they made...
    assert _json(get(scoped, "/api/v1/report-runs/"))["data"] == []
    assert get(scoped, f"/api/v1/report-runs/{made['owner'].pk}/download/").status_code == 404
    assert _json(get(scoped, "/api/v1/schedules/"))["data"] == []
    # ...nor make a report, a schedule or a rule, which would be made with the owner's view.
    asks = {
        "/api/v1/report-runs/": {"kind": "sales-review", "format": "csv"},
        "/api/v1/schedules/": {"name": "Mine", "frequency": "daily", "time": "08:00", "emailTo": ["a@example.com"]},
        "/api/v1/alert-rules/": {"measure": "revenue", "condition": "above", "value": "1"},
    }
    for path, body in asks.items():
        refused = post(scoped, path, body)
        assert refused.status_code == 403, (path, refused.content)
        assert "limited to some of the company's sales" in _json(refused)["error"]["message"]
    with tenant_context(company):
        from reports.models import AlertRule, ReportRun, Schedule

        assert (ReportRun.objects.count(), Schedule.objects.count(), AlertRule.objects.count()) == (4, 2, 0)


# ---------------------------------------------------------------- alerts


@pytest.fixture
def alerts(shop):
    """A rule on the company's revenue and one per customer, by the owner; one per customer by Ravi. All fire."""
    from reports.alerts.rules import rule_create
    from reports.alerts.run import evaluate_company

    company, owner, ravi = shop
    with tenant_context(company):
        rules = {
            "company": rule_create(company, name="Company revenue", measure="revenue", condition="above", value="0",
                                   window="fytd", user=owner),
            "customers": rule_create(company, name="Every customer", measure="revenue", condition="above",
                                     value="0", each="customer", window="fytd", user=owner),
            "ravi": rule_create(company, name="My customers", measure="revenue", condition="above", value="0",
                                each="customer", window="fytd", user=ravi),
        }  # fmt: skip
        evaluate_company(company, as_of=FY[1])
    return rules


def test_a_scoped_member_sees_only_his_rules_their_states_and_their_log(shop, alerts, company_client):
    from reports.models import AlertEvent, AlertRule, AlertState

    company, owner, ravi = shop
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)
    mine, theirs = alerts["ravi"], [alerts["company"], alerts["customers"]]
    with tenant_context(company):
        my_states = set(AlertState.objects.filter(rule=mine).values_list("pk", flat=True))
        their_states = set(AlertState.objects.filter(rule__in=theirs).values_list("pk", flat=True))
        my_events = set(AlertEvent.objects.filter(rule=mine).values_list("pk", flat=True))
        their_events = set(AlertEvent.objects.filter(rule__in=theirs).values_list("pk", flat=True))
    assert my_states and their_states and my_events and their_events

    page = as_ravi.get("/alerts/")
    assert [item.rule.pk for item in page.context["items"]] == [mine.pk]
    text = page.content.decode()
    assert "My customers" in text and "Company revenue" not in text and "Every customer" not in text
    assert all(name not in text for name in ONLY_OTHERS)
    assert {item.rule.pk for item in as_owner.get("/alerts/").context["items"]} == {r.pk for r in alerts.values()}

    for rule in theirs:
        assert as_ravi.get(f"/alerts/{rule.pk}/").status_code == 404
        assert as_ravi.post(f"/alerts/{rule.pk}/delete/").status_code == 404
        assert as_owner.get(f"/alerts/{rule.pk}/").status_code == 200
    for pk in their_states:
        assert as_ravi.post(f"/alerts/states/{pk}/acknowledge/").status_code == 404
        assert as_ravi.post(f"/alerts/states/{pk}/snooze/", {"until": "2099-01-01"}).status_code == 404
    with tenant_context(company):
        assert AlertRule.objects.count() == 3
        assert not AlertState.objects.filter(pk__in=their_states, acknowledged_at__isnull=False).exists()
    assert as_ravi.post(f"/alerts/states/{min(my_states)}/acknowledge/").status_code == 302

    log = as_ravi.get("/alerts/log/")
    assert {event.pk for event in log.context["events"]} == my_events
    assert [value for value, _ in log.context["form"].fields["rule"].choices] == ["", str(mine.pk)]
    assert as_ravi.get(f"/alerts/log/?rule={theirs[0].pk}").status_code == 400  # not a choice he has
    rows = list(csv.reader(io.StringIO(as_ravi.get("/alerts/log/?format=csv").content.decode())))
    assert {row[1] for row in rows[1:]} == {"My customers"} and len(rows) - 1 == len(my_events)
    assert {e.pk for e in as_owner.get("/alerts/log/").context["events"]} == my_events | their_events


def test_the_alerts_api_answers_a_scoped_member_with_his_rules_only(shop, alerts, company_client):
    from reports.models import AlertState

    company, owner, ravi = shop
    as_owner, as_ravi = company_client(company, owner), company_client(company, ravi)
    mine, theirs = alerts["ravi"], [alerts["company"], alerts["customers"]]

    assert [row["id"] for row in _json(as_ravi.get("/api/v1/alert-rules/"))["data"]] == [mine.pk]
    assert len(_json(as_owner.get("/api/v1/alert-rules/"))["data"]) == 3
    for rule in theirs:
        assert as_ravi.get(f"/api/v1/alert-rules/{rule.pk}/").status_code == 404
        assert as_ravi.delete(f"/api/v1/alert-rules/{rule.pk}/").status_code == 404
    states = _json(as_ravi.get("/api/v1/alerts/"))["data"]
    assert states and {row["rule"] for row in states} == {mine.pk}
    assert all(row["label"] not in ONLY_OTHERS for row in states)
    with tenant_context(company):
        theirs_firing = AlertState.objects.filter(rule__in=theirs).first()
    assert as_ravi.post(f"/api/v1/alerts/{theirs_firing.pk}/acknowledge/").status_code == 404
    events = _json(as_ravi.get("/api/v1/alert-events/"))["data"]
    assert events and {row["rule"] for row in events} == {mine.pk}
    assert {row["rule"] for row in _json(as_owner.get("/api/v1/alert-events/?rule=" + str(theirs[0].pk)))["data"]} == {
        theirs[0].pk
    }
    assert _json(as_ravi.get(f"/api/v1/alert-events/?rule={theirs[0].pk}"))["data"] == []


# ---------------------------------------------------------------- targets


TARGET_HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Salesperson", "Qty", "Amount"]


@pytest.fixture
def month_of_targets(make_company, add_member):
    """This month's sales by Ravi (Pune) and Meena (Chennai), with targets for the company, each of them and Pune."""
    from analytics import targets

    company, owner = make_company("scopedtargets")
    today = timezone.localtime(timezone=company.zone).date()
    first = today.replace(day=1)
    sales = [("T-1", "Alpha Traders", "Pune", "Ravi", "400000"), ("T-2", "Chennai Power", "Chennai", "Meena", "250000"),
             ("T-3", "Bharat Electricals", "Pune", "Meena", "70000")]  # fmt: skip
    rows = [TARGET_HEADER] + [[no, f"{first:%d/%m/%Y}", who, "Fan", branch, person, 1, amount]
                              for no, who, branch, person, amount in sales]  # fmt: skip
    with tenant_context(company):
        job = load(csv_bytes(rows), "month.csv")
        assert job.status == "succeeded", job.error
        targets.target_set(measure="revenue", month=today, amount=2000000)
        targets.target_set(measure="revenue", month=today, amount=1000000, dimension="salesperson", value="Ravi")
        targets.target_set(measure="revenue", month=today, amount=900000, dimension="salesperson", value="Meena")
        targets.target_set(measure="revenue", month=today, amount=600000, dimension="branch", value="Pune")
    members = {}
    for name, scope in (("ravi", {"salesperson": ["Ravi"]}), ("pune", {"branch": ["Pune"]}),
                        ("ravi_in_pune", {"salesperson": ["Ravi"], "branch": ["Pune"]})):  # fmt: skip
        members[name] = add_member(company, "manager", f"{name}@targets.example.com")
        Membership.objects.filter(user=members[name], company=company).update(scope=scope)
    sums = {("salesperson", p): sum(Decimal(s[4]) for s in sales if s[3] == p) for p in ("Ravi", "Meena")}
    sums[("branch", "Pune")] = sum(Decimal(s[4]) for s in sales if s[2] == "Pune")
    return company, owner, members, today, sums


def test_targets_and_gauges_show_only_what_lies_inside_the_members_view(month_of_targets, company_client):
    company, owner, members, _, sums = month_of_targets

    def shown(client) -> dict:
        return {(p.dimension, p.value): p.actual for p in client.get("/targets/").context["items"]}

    def gauges(client) -> list[str]:
        page = client.get("/?preset=this_month").context["page"]
        return [f"{g.dimension}:{g.value}" for g in page.controls["gauges"]]

    as_owner = company_client(company, owner)
    assert set(shown(as_owner)) == {("", ""), ("salesperson", "Ravi"), ("salesperson", "Meena"), ("branch", "Pune")}
    assert gauges(as_owner) == [":", "branch:Pune", "salesperson:Meena", "salesperson:Ravi"]

    as_ravi = company_client(company, members["ravi"])
    assert shown(as_ravi) == {("salesperson", "Ravi"): sums[("salesperson", "Ravi")]}
    assert gauges(as_ravi) == ["salesperson:Ravi"]
    page = as_ravi.get("/targets/").content.decode()
    assert "Meena" not in page and "The company" not in page and "₹20,00,000" not in page

    as_pune = company_client(company, members["pune"])
    assert shown(as_pune) == {("branch", "Pune"): sums[("branch", "Pune")]}
    assert gauges(as_pune) == ["branch:Pune"]

    # Ravi's target counts his sales in every branch, more than a view of his sales in Pune holds.
    as_both = company_client(company, members["ravi_in_pune"])
    assert shown(as_both) == {} and gauges(as_both) == []


def test_a_scoped_member_sets_targets_only_inside_his_view(month_of_targets, company_client):
    company, _, members, today, _ = month_of_targets
    as_ravi = company_client(company, members["ravi"])
    month = f"{today:%Y-%m}"
    with tenant_context(company):
        before = set(Target.objects.values_list("dimension", "value", "amount"))

    form = as_ravi.get("/targets/").context["form"]
    assert form.who_choices == [("Salesperson", [("salesperson:Ravi", "Ravi")])]
    for who, said in (("salesperson:Meena", "does not include the salesperson “Meena”"),
                      ("", "a company target is the whole company's figure")):  # fmt: skip
        for extra in ({}, {"clear": "1"}):
            refused = as_ravi.post("/targets/", {"month": month, "measure": "revenue", "who": who, "amount": "5",
                                                 **extra})  # fmt: skip
            assert refused.status_code == 400 and said in html.unescape(refused.content.decode())
    with tenant_context(company):
        assert set(Target.objects.values_list("dimension", "value", "amount")) == before

    saved = as_ravi.post("/targets/", {"month": month, "measure": "revenue", "who": "salesperson:Ravi",
                                       "amount": "12,00,000"})  # fmt: skip
    assert saved.status_code == 302
    with tenant_context(company):
        assert Target.objects.get(dimension="salesperson", value="Ravi", month=today.replace(day=1)).amount == 1200000


def test_a_scoped_makers_behind_pace_rule_judges_only_his_targets(month_of_targets):
    from reports.alerts.evaluation import evaluate
    from reports.alerts.rules import rule_create

    company, owner, members, today, sums = month_of_targets
    with tenant_context(company):
        mine = rule_create(company, measure="revenue", condition="behind-pace", each="salesperson",
                           user=members["ravi"])  # fmt: skip
        everyone = rule_create(company, measure="revenue", condition="behind-pace", each="salesperson", user=owner)
        seen = {o.entity: o.value for o in evaluate(mine, company, as_of=today)}
        all_seen = {o.entity: o.value for o in evaluate(everyone, company, as_of=today)}
    assert seen == {"Ravi": sums[("salesperson", "Ravi")]}
    assert all_seen == {"Ravi": sums[("salesperson", "Ravi")], "Meena": sums[("salesperson", "Meena")]}


def test_nothing_is_hidden_from_an_unscoped_manager(month_of_targets, add_member, company_client):
    company, _, _, _, _ = month_of_targets
    manager = add_member(company, "manager", "whole@targets.example.com")
    items = company_client(company, manager).get("/targets/").context["items"]
    with tenant_context(company):
        assert len(items) == Target.objects.count() == 4
