"""Sales lines' identity (line_hash, occurrence) recomputed from their values as stored.

Until now a line's hash was taken from the text the file spelled ("1,23,456.00", "1250.5000"), so a re-export
that spelled amounts or dates differently loaded the same lines again. The identity of this release is computed from
the cleaned values (ingestion.line_identity); stored lines are moved to it here, in chunks, so a re-upload of any
earlier file still finds its lines. A later change of the identity needs a migration like this one.
"""

import pandas as pd
from django.db import migrations, models

CHUNK = 200_000
_COLUMNS = ("id", "invoice_number", "invoice_date", "customer_key", "product_code", "product_name",
            "quantity::text", "unit_price::text", "net_amount::text", "line_number")  # fmt: skip


def rehash(apps, schema_editor):
    from ingestion.line_identity import line_hashes

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE new_identity (id bigint PRIMARY KEY, line_hash bigint) ON COMMIT DROP")
        last = 0
        while True:
            cursor.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM ingestion_salesline WHERE id > %s ORDER BY id LIMIT %s",
                [last, CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            names = [column.split("::")[0] for column in _COLUMNS]
            frame = pd.DataFrame.from_records(rows, columns=names)
            frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
            hashes = line_hashes(frame)
            with cursor.copy("COPY new_identity (id, line_hash) FROM STDIN") as copy:
                for row in zip(frame["id"].tolist(), hashes.tolist(), strict=True):
                    copy.write_row(row)
            last = int(frame["id"].iloc[-1])
        cursor.execute(
            """
            UPDATE ingestion_salesline l SET line_hash = n.line_hash, occurrence = n.occurrence
            FROM (SELECT id, line_hash, row_number() OVER (PARTITION BY line_hash ORDER BY id) AS occurrence
                  FROM new_identity) n
            WHERE l.id = n.id AND (l.line_hash, l.occurrence) IS DISTINCT FROM (n.line_hash, n.occurrence)
            """
        )


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0006_real_exports")]

    operations = [
        migrations.RemoveConstraint(model_name="salesline", name="sales_line_once"),
        migrations.RunPython(rehash, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="salesline",
            constraint=models.UniqueConstraint(fields=("line_hash", "occurrence"), name="sales_line_once"),
        ),
    ]
