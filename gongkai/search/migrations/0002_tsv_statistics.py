from django.db import migrations

from gongkai.search.migrations._vendor import VendorSQL


class Migration(migrations.Migration):
    """PostgreSQL keeps statistics of the most common grams of `tsv` (100 by default, for
    ten times as many elements): at a million entries it listed grams down to a share of
    4 %, and every rarer one was taken for 0.5 %. Newest first chooses how it reads by the
    grams' shares (`backends.plan_of`), which needs them down to about 0.1 %: 1000 lists
    them (ANALYZE then samples 300,000 entries instead of 30,000)."""

    dependencies = [("search", "0001_initial")]

    operations = [
        VendorSQL(
            "postgresql",
            "ALTER TABLE search_entry ALTER COLUMN tsv SET STATISTICS 1000",
            "ALTER TABLE search_entry ALTER COLUMN tsv SET STATISTICS -1",
        )
    ]
