"""Per-company figures kept between requests (in each company's own schema)."""

from django.db import models


class UsageSnapshot(models.Model):
    """What a company holds, measured nightly: the basis for plan limits and the operators' view."""

    taken_at = models.DateTimeField(auto_now_add=True, db_index=True)
    database_bytes = models.BigIntegerField()
    table_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-taken_at"]
        get_latest_by = "taken_at"

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M}: {self.database_bytes} bytes in {self.table_count} tables"
