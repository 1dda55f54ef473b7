import django.db.models.deletion
from django.db import migrations, models

from gongkai.search.migrations._vendor import VendorSQL


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("disclosures", "0007_disclosure_period_key"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Entry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("disclosure", "Disclosure"), ("opinion", "Echo-wall answer"), ("topic", "Answered topic request"), ("request", "Information request decision")], max_length=12, verbose_name="kind")),
                ("source_id", models.BigIntegerField()),
                ("sort_key", models.BigIntegerField(unique=True)),
                ("scope", models.CharField(choices=[("party", "Inside the party"), ("institution", "Inside the unit"), ("public", "To society")], default="public", max_length=20)),
                ("category_key", models.CharField(blank=True, max_length=64)),
                ("item_key", models.CharField(blank=True, max_length=200)),
                ("period_key", models.CharField(blank=True, max_length=40)),
                ("date", models.DateTimeField()),
                ("withdrawn", models.BooleanField(default=False)),
                ("title", models.TextField()),
                ("period", models.TextField(blank=True)),
                ("text", models.TextField(blank=True)),
                ("normalized", models.TextField(blank=True)),
                ("disclosure", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="disclosures.disclosure")),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="organizations.organization")),
            ],
            options={
                "verbose_name": "search index entry",
                "verbose_name_plural": "search index entries",
                "constraints": [models.UniqueConstraint(fields=("kind", "source_id"), name="search_entry_once")],
            },
        ),
        VendorSQL(
            "sqlite",
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "words, grams, tokenize = 'unicode61', detail = 'column')",
            "DROP TABLE IF EXISTS search_fts",
        ),
        VendorSQL(
            "postgresql",
            [
                "ALTER TABLE search_entry ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector",
                "CREATE INDEX search_entry_tsv ON search_entry USING gin (tsv)",
            ],
            [
                "DROP INDEX IF EXISTS search_entry_tsv",
                "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
            ],
        ),
    ]
