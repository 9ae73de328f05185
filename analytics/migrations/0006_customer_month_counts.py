from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0005_customer_quarters"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerMonthCount",
            fields=[
                ("month", models.DateField(primary_key=True, serialize=False)),
                ("customers", models.IntegerField()),
                ("new", models.IntegerField()),
            ],
            options={
                "db_table": "analytics_customer_month_count",
            },
        ),
        # Companies with sales already: count their months from the rollups they have.
        migrations.RunSQL(
            """
            INSERT INTO analytics_customer_month_count (month, customers, new)
            SELECT c.month, COUNT(*), COUNT(*) FILTER (WHERE f.first_day >= c.month)
            FROM (SELECT DISTINCT month, customer_key FROM analytics_customer_month) c
            JOIN analytics_customer_first f USING (customer_key)
            GROUP BY c.month
            """,
            migrations.RunSQL.noop,
        ),
    ]
