from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Companies and people"

    def ready(self) -> None:
        from . import signals, two_factor  # noqa: F401  (their receivers connect on import)
