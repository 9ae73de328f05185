"""The alerts pages as people meet them: a manager makes and changes a rule through the form, a bad rule says why
and saves nothing, an analyst sees the rules but may not change them, "Try it" backtests a rule that is never
saved, the log filters and exports exactly what it shows, and snooze and acknowledge record what they say."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from elettro.kernel.money import format_money_compact
from reports.models import AlertChannel, AlertEvent, AlertRule, AlertState
from tenants.models import AuditEvent
from tenants.roles import Role, can
from tests.ingestion.test_pipeline import csv_bytes, load

pytestmark = pytest.mark.django_db

HEADER = ["Invoice No", "Date", "Customer", "Item", "Branch", "Qty", "Amount"]
IST = timezone.get_fixed_timezone(330)

# What the form sends for "revenue of each customer down by 30% month on month, by email".
FALL = {
    "name": "", "measure": "revenue", "each": "customer", "window": "month", "condition": "change-below",
    "value": "30", "compare": "previous", "trailing": "8", "no_data_of": "sales", "hold_for": "1",
    "severity": "warning", "remind_after_hours": "", "filter_branch": "Pune",
    "channel_kind_1": "email", "channel_target_1": "ops@example.com",
}  # fmt: skip


def _field_errors(html: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, message in re.findall(r'data-field="([^"]+)">([^<]+)<', html):
        errors.setdefault(field, []).append(message)
    return errors


def _year_of_sales(company) -> None:
    """1,000 a month for two customers through 2024; Asha falls by half in June and Bala by 60% in October."""
    amounts = {m: {"Asha Traders": 1000, "Bala & Sons": 1000} for m in range(1, 13)}
    amounts[6]["Asha Traders"] = 500
    amounts[10]["Bala & Sons"] = 400
    rows = [[f"Y-{m}-{c[:1]}", f"12/{m:02d}/2024", c, "Fan", "Pune", 1, str(a)]
            for m, d in amounts.items() for c, a in d.items()]  # fmt: skip
    with tenant_context(company):
        job = load(csv_bytes([HEADER, *rows]), "year.csv")
    assert job.status == "succeeded", job.error


# ---------------------------------------------------------------- the rule form


def test_a_manager_creates_a_rule_through_the_form_and_it_is_saved_with_its_channel(
    make_company, add_member, company_client
):
    company, _ = make_company()
    manager = add_member(company, "manager")
    client = company_client(company, manager)

    assert client.get("/alerts/new/").status_code == 200
    response = client.post("/alerts/new/", FALL)

    assert response.status_code == 302 and response["Location"] == "/alerts/"
    with tenant_context(company):
        rule = AlertRule.objects.get()
        assert (rule.measure, rule.each, rule.window, rule.condition, rule.value, rule.compare) == (
            "revenue", "customer", "month", "change-below", Decimal(30), "previous"
        )  # fmt: skip
        assert rule.filters == {"branch": "Pune"} and rule.created_by_email == manager.email
        assert [(c.kind, c.target) for c in rule.channels.all()] == [("email", "ops@example.com")]
    page = client.get("/alerts/").content.decode()
    row = re.search(rf'<tr data-rule="{rule.pk}">(.*?)</tr>', page, re.S).group(1)
    for text in (rule.name, "Revenue", "Pune", "Each customer", "Month to date",
                 "Down by at least 30% against the previous period", "Email: ops@example.com", "OK"):  # fmt: skip
        assert text in row, text


def test_a_bad_threshold_shows_the_error_on_its_field_and_saves_nothing(make_company, company_client):
    company, owner = make_company()
    client = company_client(company, owner)

    response = client.post("/alerts/new/", FALL | {"value": "thirty"})

    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == {"value": ["value must be a number, not &#x27;thirty&#x27;."]}
    with tenant_context(company):
        assert AlertRule.objects.count() == 0 and AlertChannel.objects.count() == 0


def test_a_bad_channel_is_said_by_the_channels_and_saves_nothing(make_company, company_client):
    company, owner = make_company()
    client = company_client(company, owner)

    response = client.post("/alerts/new/", FALL | {"channel_kind_2": "webhook",
                                                   "channel_target_2": "https://10.0.0.1/hook"})  # fmt: skip

    assert response.status_code == 400
    errors = _field_errors(response.content.decode())
    assert list(errors) == ["channels"] and errors["channels"][0].startswith("webhook: ")
    with tenant_context(company):
        assert AlertRule.objects.count() == 0 and AlertChannel.objects.count() == 0


def test_a_webhook_s_signing_secret_is_shown_to_those_who_make_rules_and_its_url_to_no_one_else(
    make_company, add_member, company_client
):
    company, owner = make_company()
    hook = "https://hooks.example.com/elettro/8f3k2j"
    company_client(company, owner).post("/alerts/new/", FALL | {"channel_kind_2": "webhook", "channel_target_2": hook})
    with tenant_context(company):
        rule = AlertRule.objects.get()
        secret = AlertChannel.objects.get(kind="webhook").secret
    assert len(secret) >= 16

    edit = company_client(company, owner).get(f"/alerts/{rule.pk}/").content.decode()
    assert f"<code>{secret}</code>" in edit
    rules_page = company_client(company, add_member(company, "viewer")).get("/alerts/").content.decode()
    assert "Webhook hooks.example.com …3k2j" in rules_page  # its host and last characters tell it apart
    assert "elettro/8f3k2j" not in rules_page and secret not in rules_page


def test_editing_a_rule_keeps_its_id_and_frees_the_channel_it_no_longer_uses(make_company, company_client, settings):
    settings.BILLING_TRIAL_PLAN = "starter"  # one alert channel
    company, owner = make_company()
    client = company_client(company, owner)
    client.post("/alerts/new/", FALL)
    with tenant_context(company):
        rule = AlertRule.objects.get()
        state = AlertState.objects.create(rule=rule, entity="asha", entity_label="Asha Traders", status="firing",
                                          since=timezone.now(), breaches=1)  # fmt: skip

    edit = client.get(f"/alerts/{rule.pk}/").content.decode()
    assert 'value="ops@example.com"' in edit and 'name="value" value="30"' in edit

    changed = FALL | {"name": "Customers falling", "value": "40", "channel_target_1": "sales@example.com"}
    response = client.post(f"/alerts/{rule.pk}/", changed)

    assert response.status_code == 302, _field_errors(response.content.decode())
    with tenant_context(company):
        rule.refresh_from_db()
        assert (rule.name, rule.value) == ("Customers falling", Decimal(40))
        assert list(AlertChannel.objects.values_list("kind", "target")) == [("email", "sales@example.com")]
        assert AlertState.objects.filter(pk=state.pk, status="firing").exists()  # the same thing is still judged

        # Judging another measure starts the states again, and the log says so.
        client.post(f"/alerts/{rule.pk}/", changed | {"measure": "orders"})
        assert AlertState.objects.filter(rule=rule).count() == 0
        ended = AlertEvent.objects.get(rule=rule, kind="state")
        assert (ended.entity_label, ended.from_status, ended.to_status) == ("Asha Traders", "firing", "ok")

        # A second channel is over the starter plan's one: refused, and the rule stays as it was.
        refused = client.post(f"/alerts/{rule.pk}/", changed | {"value": "50", "channel_kind_2": "email",
                                                               "channel_target_2": "boss@example.com"})  # fmt: skip
        assert refused.status_code == 400 and "allows 1 alert channels" in refused.content.decode()
        rule.refresh_from_db()
        assert rule.value == Decimal(40)
        assert list(AlertChannel.objects.values_list("target", flat=True)) == ["sales@example.com"]

    assert client.post(f"/alerts/{rule.pk}/delete/").status_code == 302
    with tenant_context(company):
        assert AlertRule.objects.count() == 0 and AlertChannel.objects.count() == 0
        assert AlertEvent.objects.get().rule_name == "Customers falling"  # the log outlives the rule


def test_a_rule_with_more_channels_than_the_form_offers_keeps_them_all_when_edited(make_company, company_client):
    from reports.alerts import rules

    company, owner = make_company()
    addresses = [f"person{n}@example.com" for n in range(1, 6)]
    with tenant_context(company):
        rule = rules.rule_create(company, measure="revenue", condition="above", value="100",
                                 channels=[("email", address) for address in addresses])  # fmt: skip
    client = company_client(company, owner)
    form = client.get(f"/alerts/{rule.pk}/").content.decode()
    assert all(f'value="{address}"' in form for address in addresses)

    posted = dict(re.findall(r'name="(channel_(?:kind|target)_\d+)"[^>]*value="([^"]*)"', form))
    posted |= {f"channel_kind_{n}": "email" for n in range(1, 6)}  # the selects' chosen options
    response = client.post(f"/alerts/{rule.pk}/", FALL | {"each": "", "condition": "above", "value": "200"} | posted)

    assert response.status_code == 302, _field_errors(response.content.decode())
    with tenant_context(company):
        assert sorted(rule.channels.values_list("target", flat=True)) == addresses
        assert AlertRule.objects.get().value == Decimal(200)


def test_an_analyst_sees_the_rules_but_may_not_change_them(make_company, add_member, company_client):
    company, owner = make_company()
    company_client(company, owner).post("/alerts/new/", FALL)
    with tenant_context(company):
        rule = AlertRule.objects.get()
    client = company_client(company, add_member(company, "analyst"))

    page = client.get("/alerts/")
    assert page.status_code == 200 and rule.name in page.content.decode()
    assert "/alerts/new/" not in page.content.decode() and "/delete/" not in page.content.decode()
    assert 'href="/alerts/"' in client.get("/").content.decode()  # in the nav

    for path in ("/alerts/new/", f"/alerts/{rule.pk}/", f"/alerts/{rule.pk}/delete/", "/alerts/backtest/"):
        response = client.post(path, FALL | {"value": "99"})
        assert response.status_code == 403, path
        assert "schedules.manage" in response.content.decode() or "role does not allow" in response.content.decode()
    assert client.get("/alerts/new/").status_code == 403
    with tenant_context(company):
        rule.refresh_from_db()
        assert rule.value == Decimal(30) and AlertRule.objects.count() == 1


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_gets_exactly_the_alerts_pages_the_matrix_allows(make_company, add_member, company_client, role):
    company, owner = make_company()
    client = company_client(company, owner if role == Role.OWNER else add_member(company, role))

    for path, permission in {"/alerts/": "dashboards.view", "/alerts/log/": "dashboards.view",
                             "/alerts/new/": "schedules.manage"}.items():  # fmt: skip
        assert client.get(path).status_code == (200 if can(role, permission) else 403), path
    csv_status = client.get("/alerts/log/?format=csv").status_code
    assert csv_status == (200 if can(role, "data.export") else 403)


# ---------------------------------------------------------------- try it


def test_try_it_names_the_days_and_customers_the_rule_would_have_fired_for_and_saves_nothing(
    make_company, company_client
):
    company, owner = make_company()
    _year_of_sales(company)
    client = company_client(company, owner)
    tried = FALL | {"filter_branch": "", "channel_kind_2": "webhook", "channel_target_2": "http://10.0.0.1/x"}

    response = client.post("/alerts/backtest/", tried, HTTP_X_REQUESTED_WITH="fetch")

    assert response.status_code == 200
    html = response.content.decode()
    # The sales run from 12 Jan to 12 Dec 2024: monthly checks from January's end to 12 December.
    sentence = re.search(r"<p data-sentence><strong>(.*?)</strong>", html).group(1)
    assert sentence == ("From 12 Jan 2024 to 12 Dec 2024 this rule would have fired 2 times, on 30 Jun 2024, "
                        "31 Oct 2024, for Asha Traders, Bala &amp; Sons.")  # fmt: skip
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr data-firing>(.*?)</tr>", html)]
    money = format_money_compact
    assert rows == [
        ["30 Jun 2024", "Asha Traders", money(500), money(1000), "-50.0%"],
        ["31 Oct 2024", "Bala &amp; Sons", money(400), money(1000), "-60.0%"],
    ]
    assert re.search(r"12 checks in \d+\.\d\d s\. Nothing was saved\.", html)
    with tenant_context(company):
        assert AlertRule.objects.count() == AlertState.objects.count() == AlertChannel.objects.count() == 0


def test_try_it_says_what_is_wrong_with_a_rule_that_cannot_be_tried(make_company, company_client):
    company, owner = make_company()
    _year_of_sales(company)
    client = company_client(company, owner)

    bad = client.post("/alerts/backtest/", FALL | {"value": "lots"})
    no_cost = client.post("/alerts/backtest/", FALL | {"measure": "gross_profit"})

    assert bad.status_code == 400 and "value must be a number, not &#x27;lots&#x27;" in bad.content.decode()
    assert no_cost.status_code == 400 and "Your data has no gross profit yet" in no_cost.content.decode()
    with tenant_context(company):
        assert AlertRule.objects.count() == 0


# ---------------------------------------------------------------- the log


def _plant_log(company) -> tuple[AlertRule, AlertRule, list[AlertEvent]]:
    """Events at known times: (rule, entity label, kind, channel, at UTC)."""
    with tenant_context(company):
        fall = AlertRule.objects.create(name="Customers falling", measure="revenue", each="customer",
                                        condition="change-below", value=30)  # fmt: skip
        big = AlertRule.objects.create(name="Big day", measure="revenue", condition="above", value=100000)
        plan = [
            (fall, "Asha Traders", "state", "", datetime(2025, 3, 30, 10, 0, tzinfo=UTC)),
            (fall, "Asha Traders", "notification", "slack", datetime(2025, 3, 30, 10, 0, 1, tzinfo=UTC)),
            (fall, "Asha Traders", "delivery", "slack", datetime(2025, 3, 30, 10, 0, 2, tzinfo=UTC)),
            (fall, "Bala & Sons", "state", "", datetime(2025, 3, 31, 20, 0, tzinfo=UTC)),  # 1 Apr 01:30 IST
            (fall, "Bala & Sons", "notification", "whatsapp", datetime(2025, 3, 31, 20, 0, 1, tzinfo=UTC)),
            (big, "", "state", "", datetime(2025, 4, 2, 9, 0, tzinfo=UTC)),
            (big, "", "notification", "email", datetime(2025, 4, 2, 9, 0, 1, tzinfo=UTC)),
        ]
        events = []
        for rule, label, kind, channel, at in plan:
            event = AlertEvent.objects.create(
                rule=rule, rule_name=rule.name, entity=label.lower()[:4], entity_label=label, kind=kind,
                from_status="ok" if kind == "state" else "", to_status="firing" if kind == "state" else "",
                channel_kind=channel, target=f"{channel} target" if channel else "",
                result="failed" if channel == "whatsapp" else "sent" if channel else "done",
                error="template not approved" if channel == "whatsapp" else "", attempts=1 if channel else 0,
            )  # fmt: skip
            AlertEvent.objects.filter(pk=event.pk).update(at=at)
            event.at = at
            events.append(event)
    return fall, big, events


def _shown(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-event="(\d+)"', html)]


def test_the_log_filters_by_rule_entity_channel_kind_and_days_in_the_company_s_time_zone(make_company, company_client):
    company, owner = make_company()
    fall, _big, events = _plant_log(company)
    client = company_client(company, owner)
    newest_first = [e.pk for e in sorted(events, key=lambda e: e.at, reverse=True)]

    def shown(**query) -> list[int]:
        response = client.get("/alerts/log/", query)
        assert response.status_code == 200, response.content.decode()
        return _shown(response.content.decode())

    def expected(keep) -> list[int]:
        return [pk for pk in newest_first if keep(next(e for e in events if e.pk == pk))]

    assert shown() == newest_first
    assert shown(rule=fall.pk) == expected(lambda e: e.rule_name == "Customers falling")
    assert shown(entity="bala") == expected(lambda e: e.entity_label == "Bala & Sons")
    assert shown(channel="slack") == expected(lambda e: e.channel_kind == "slack")
    assert shown(kind="state") == expected(lambda e: e.kind == "state")
    # 31 Mar 20:00 UTC is 1 Apr in India, where this company is.
    assert shown(**{"from": "2025-04-01", "to": "2025-04-01"}) == expected(
        lambda e: e.at.astimezone(IST).date() == date(2025, 4, 1)
    )
    assert len(shown(**{"from": "2025-04-01", "to": "2025-04-01"})) == 2
    assert shown(rule=fall.pk, kind="notification", **{"to": "2025-03-31"}) == [events[1].pk]

    page = client.get("/alerts/log/", {"entity": "bala"}).content.decode()
    assert "1 Apr 2025, 01:30:00" in page and "Failed: template not approved" in page

    assert client.get("/alerts/log/", {"from": "2025-04-02", "to": "2025-04-01"}).status_code == 400
    assert client.get("/alerts/log/", {"kind": "zz", "rule": "x"}).status_code == 400


def test_the_log_s_csv_holds_exactly_the_filtered_rows_and_is_recorded_as_an_export(
    make_company, add_member, company_client
):
    company, owner = make_company()
    fall, _big, events = _plant_log(company)
    client = company_client(company, owner)
    query = {"rule": fall.pk, "from": "2025-03-31"}

    response = client.get("/alerts/log/", query | {"format": "csv"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:6] == ["Time", "Rule", "Entity", "Kind", "From", "To"]
    in_range = [e for e in events if e.rule_name == fall.name and e.at.astimezone(IST).date() >= date(2025, 3, 31)]
    wanted = sorted(in_range, key=lambda e: e.at, reverse=True)
    assert [(row[0], row[1], row[2], row[6], row[8], row[10]) for row in table[1:]] == [
        (f"{e.at.astimezone(IST):%Y-%m-%d %H:%M:%S}", e.rule_name, e.entity_label, e.channel_kind,
         e.get_result_display(), e.error)
        for e in wanted
    ]  # fmt: skip
    assert len(table) - 1 == len(_shown(client.get("/alerts/log/", query).content.decode())) == 2
    audit = AuditEvent.objects.get(company=company, action=AuditEvent.Action.EXPORT)
    assert audit.actor_email == owner.email and "alert log" in audit.summary and audit.details["rows"] == 2

    viewer = company_client(company, add_member(company, "viewer"))
    assert viewer.get("/alerts/log/", query).status_code == 200
    assert viewer.get("/alerts/log/", query | {"format": "csv"}).status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1


def test_the_log_shows_a_hundred_a_page(make_company, company_client):
    company, owner = make_company()
    with tenant_context(company):
        AlertEvent.objects.bulk_create(
            AlertEvent(rule_name="R", entity=f"e{n}", entity_label=f"E{n:03d}", kind="state") for n in range(105)
        )
    client = company_client(company, owner)

    first, second = client.get("/alerts/log/").content.decode(), client.get("/alerts/log/?page=2").content.decode()

    assert len(_shown(first)) == 100 and len(_shown(second)) == 5
    assert not set(_shown(first)) & set(_shown(second))
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert len(_shown(client.get("/alerts/log/?page=zz").content.decode())) == 100


# ---------------------------------------------------------------- snooze and acknowledge


def test_anyone_who_sees_it_may_acknowledge_and_a_manager_may_snooze_until_a_day(
    make_company, add_member, company_client
):
    company, owner = make_company()
    with tenant_context(company):
        rule = AlertRule.objects.create(name="Customers falling", measure="revenue", each="customer",
                                        condition="change-below", value=30)  # fmt: skip
        state = AlertState.objects.create(rule=rule, entity="asha", entity_label="Asha Traders", status="firing",
                                          since=timezone.now(), value=500, baseline=1000, breaches=1)  # fmt: skip
    viewer = add_member(company, "viewer")
    as_viewer, as_owner = company_client(company, viewer), company_client(company, owner)

    page = as_viewer.get("/alerts/").content.decode()
    row = re.search(rf'<tr data-state="{state.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Asha Traders" in row and format_money_compact(500) in row and format_money_compact(1000) in row
    assert "Acknowledge" in row and "Snooze" not in row

    assert as_viewer.post(f"/alerts/states/{state.pk}/acknowledge/").status_code == 302
    assert as_viewer.post(f"/alerts/states/{state.pk}/snooze/", {"until": "2099-01-01"}).status_code == 403
    with tenant_context(company):
        state.refresh_from_db()
    assert state.acknowledged_by_email == viewer.email and state.acknowledged_at is not None
    assert state.snoozed_until is None
    assert f"Acknowledged by {viewer.email}" in as_viewer.get("/alerts/").content.decode()

    today = timezone.localtime(timezone=company.zone).date()
    tomorrow = today + timedelta(days=1)
    owner_page = as_owner.get("/alerts/").content.decode()
    assert f'name="until" value="{tomorrow:%Y-%m-%d}"' in owner_page  # tomorrow unless chosen otherwise

    assert as_owner.post(f"/alerts/states/{state.pk}/snooze/", {"until": today.isoformat()}).status_code == 302
    with tenant_context(company):
        state.refresh_from_db()
    assert state.snoozed_until is None  # today is refused: "Choose a day after today."

    until = today + timedelta(days=3)
    response = as_owner.post(f"/alerts/states/{state.pk}/snooze/", {"until": until.isoformat()}, follow=True)
    assert f"snoozed until {until:%-d %b %Y}" in response.content.decode()
    with tenant_context(company):
        state.refresh_from_db()
    # Until the start of that day in the company's time zone (India: 18:30 UTC the day before).
    assert state.snoozed_until == datetime(until.year, until.month, until.day, tzinfo=IST)
    assert f"Snoozed until {until:%-d %b %Y}" in response.content.decode()
