import json

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from analytics.reading import DIMENSIONS
from elettro.kernel.errors import ApplicationError
from reports.alerts import rules
from reports.models import AlertRule
from tenants.commands import company_by_subdomain

_WINDOWS = {"day": "day", "week": "week", "month": "month", "fytd": "fytd"}


def _channel(text: str) -> tuple[str, str]:
    kind, colon, target = text.partition(":")
    if not colon or not target:
        raise CommandError(f"--channel {text!r}: write it as KIND:TARGET, e.g. slack:https://hooks.slack.com/...")
    return kind.strip().lower(), target.strip()


class Command(BaseCommand):
    help = (
        "Create an alert rule, as the rule form would, and print it as JSON: alert_rule --company SUB --measure "
        "revenue --each customer --window month --condition change-below --value 30 --compare previous "
        "--channel slack:https://hooks.slack.com/services/..."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", required=True, help="the company's subdomain")
        parser.add_argument("--measure", required=True, help="a measure of the catalogue, e.g. revenue")
        parser.add_argument("--each", default="", help="one alert per value of this dimension, e.g. customer")
        parser.add_argument("--window", default="month", choices=list(_WINDOWS))
        parser.add_argument("--condition", required=True, choices=list(AlertRule.Condition.values))
        parser.add_argument("--value", help="threshold; % for a change; z-score for unusual; days for no-data")
        parser.add_argument("--compare", default="previous", choices=["previous", "last-year"])
        parser.add_argument("--channel", action="append", default=[], help="KIND:TARGET (email, slack, whatsapp, "
                            "webhook); repeat for more")  # fmt: skip
        parser.add_argument("--name", default="")
        parser.add_argument("--hold-for", type=int, default=1, help="evaluations the condition must hold to fire")
        parser.add_argument("--severity", default="warning", choices=list(AlertRule.Severity.values))
        for name in DIMENSIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=f"filter: only this {name}")

    def handle(self, *args, **options):
        company = company_by_subdomain(options["company"])
        channels = [_channel(text) for text in options["channel"]]
        with tenant_context(company):
            try:
                rule = rules.rule_create(
                    company, measure=options["measure"], each=options["each"], window=_WINDOWS[options["window"]],
                    condition=options["condition"], value=options["value"], compare=options["compare"],
                    filters={name: options[name] for name in DIMENSIONS if options.get(name)},
                    name=options["name"], channels=channels, hold_for=options["hold_for"],
                    severity=options["severity"],
                )  # fmt: skip
            except ApplicationError as error:
                raise CommandError(error.message) from error
            self.stdout.write(json.dumps(rules.as_json(rule)))
