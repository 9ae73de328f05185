"""Marking stored sales lines against the company's exclusion rules (packing material, freight, round off...):
when a rule changes, every line; when a master fills or takes back product lines, the lines it touched."""

from __future__ import annotations

import re

from django.db import connection

from .models import ExclusionRule


def _pg_regex(patterns: list[str]) -> str | None:
    """One case-insensitive PostgreSQL regex matching any of the plain-text patterns."""
    escaped = [re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", pattern.strip()) for pattern in patterns if pattern.strip()]
    return "|".join(escaped) or None


def remark(*, touched_bits: int = 0) -> None:
    """Mark lines excluded or not by the rules of now: every line, or only those with any of `touched_bits` set
    in from_masters (the lines a master gave a product line) when a master changed them."""
    rules = list(ExclusionRule.objects.filter(is_active=True).values_list("field", "pattern"))
    products = _pg_regex([pattern for field, pattern in rules if field == ExclusionRule.Field.PRODUCT])
    lines = _pg_regex([pattern for field, pattern in rules if field == ExclusionRule.Field.PRODUCT_LINE])
    only = "AND from_masters & %(bits)s <> 0" if touched_bits else ""
    excluded = (
        "(COALESCE(product_name ~* %(p)s OR product_code ~* %(p)s, false) OR COALESCE(product_line ~* %(l)s, false))"
    )
    if products is None and lines is None:
        excluded = "false"  # no rule: only lines marked before need changing, and no regex runs
    with connection.cursor() as cursor:
        # Each line is judged on its own columns: no self-join, and only the lines whose mark changes are written.
        cursor.execute(
            f"""
            UPDATE ingestion_salesline SET
              is_excluded = {excluded},
              counts = NOT (is_cancelled OR is_returned OR {excluded} OR is_other_currency)
            WHERE is_excluded IS DISTINCT FROM {excluded} {only}
            """,
            {"p": products, "l": lines, "bits": touched_bits},
        )


def excluded_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ingestion_salesline WHERE is_excluded")
        return cursor.fetchone()[0]
