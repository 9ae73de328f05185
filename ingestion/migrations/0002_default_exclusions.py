"""Every company starts with the exclusions Indian distributors almost always want (editable in settings)."""

from django.db import migrations

DEFAULTS = [
    ("product_line", "packing material"),
    ("product_line", "packaging"),
    ("product", "packing material"),
    ("product", "packaging material"),
    ("product", "raw material"),
    ("product", "freight"),
    ("product", "round off"),
    ("product", "rounding off"),
]


def add_defaults(apps, schema_editor):
    ExclusionRule = apps.get_model("ingestion", "ExclusionRule")
    if not ExclusionRule.objects.exists():
        ExclusionRule.objects.bulk_create(ExclusionRule(field=field, pattern=pattern) for field, pattern in DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
