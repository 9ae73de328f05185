from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from tenants import scopes

        from . import handlers  # noqa: F401  (connects the receivers)
        from .scoped import scope_choices

        # The members page offers the salespeople, branches and states the sales name; tenants cannot import us.
        scopes.choices_from(scope_choices)
