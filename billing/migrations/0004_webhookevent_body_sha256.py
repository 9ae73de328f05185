"""Webhook bodies are deduplicated by their SHA-256 as well as by Razorpay's event id (a replay under a new id
changes nothing). Existing events get the hash of their stored body; of two with the same body, the first."""

import hashlib

from django.db import migrations, models


def hash_stored_bodies(apps, schema_editor):
    WebhookEvent = apps.get_model("billing", "WebhookEvent")
    seen = set()
    for event in WebhookEvent.objects.order_by("pk").only("pk", "raw_body").iterator():
        if not event.raw_body:
            continue
        digest = hashlib.sha256(event.raw_body.encode("utf-8")).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        WebhookEvent.objects.filter(pk=event.pk).update(body_sha256=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_subscriptions_events_invoices"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="body_sha256",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="SHA-256 of the raw body, on the row that applied it",
                max_length=64,
                null=True,
                unique=True,
            ),
        ),
        migrations.RunPython(hash_stored_bodies, migrations.RunPython.noop),
    ]
