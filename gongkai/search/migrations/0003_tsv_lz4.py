from django.db import migrations

from gongkai.search.migrations._vendor import VendorSQL


class Migration(migrations.Migration):
    """PostgreSQL compresses `tsv` (about 3 KB an entry, stored out of line) with lz4 where
    the server has it, instead of pglz: writing a million entries spent about 30 s of the
    server's CPU compressing them with pglz, and lz4 also reads them back faster (the GIN
    index is built from them; relevance ranks them). A server built without lz4 keeps pglz.
    Values already stored keep their compression until they are written again."""

    dependencies = [("search", "0002_tsv_statistics")]

    operations = [
        VendorSQL(
            "postgresql",
            """
            DO $$
            BEGIN
                ALTER TABLE search_entry ALTER COLUMN tsv SET COMPRESSION lz4;
            EXCEPTION WHEN feature_not_supported THEN
                RAISE NOTICE 'this server has no lz4: search_entry.tsv keeps pglz';
            END
            $$;
            """,
            "ALTER TABLE search_entry ALTER COLUMN tsv SET COMPRESSION default",
        )
    ]
