"""Writers appending at the same moment get consecutive numbers and one unbroken chain."""

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction

from gongkai.devtools.bench import forget_database, register_database
from gongkai.devtools.synthetic import ledger as synthetic
from gongkai.disclosures.models import Revision
from gongkai.ledger.models import LedgerEntry
from gongkai.ledger.services import append_entry, verify

WRITERS = 6
EACH = 5


def append_from_threads(revisions: list[Revision], using: str) -> list[BaseException]:
    """WRITERS threads, each appending EACH entries in its own transactions, released at once."""
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            start.wait()
            for n in range(EACH):
                with transaction.atomic(using=using):
                    append_entry(action="correct", revision=revisions[(k + n) % len(revisions)])
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections[using].close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_never_fork_the_chain(
    tree, make_disclosure, make_revision
):
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database cannot be shared by threads")
    disclosures = [make_disclosure(tree.village, f"公示{k}") for k in range(3)]
    revisions = [make_revision(d, title=d.title) for d in disclosures]

    errors = append_from_threads(revisions, "default")

    assert errors == []
    assert list(LedgerEntry.objects.values_list("sequence", flat=True)) == list(
        range(1, WRITERS * EACH + 1)
    )
    assert verify().ok


def sqlite_options() -> dict[str, object]:
    """The options the site runs SQLite with (settings.py), even when the tests run on
    PostgreSQL."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        return dict(default["OPTIONS"])
    return {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }


def test_concurrent_writers_on_a_sqlite_file_never_fork_the_chain(
    django_db_blocker, tmp_path: Path
):
    # Its own database file, outside Django's test-case machinery (which forbids threads
    # their own connections): the test database is in memory and cannot be shared.
    alias = "ledger_concurrency"
    with django_db_blocker.unblock():
        concurrent_appends_on_a_file(alias, tmp_path)


def concurrent_appends_on_a_file(alias: str, tmp_path: Path) -> None:
    register_database(
        alias,
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "ledger.sqlite3"),
            "OPTIONS": sqlite_options(),
        },
    )
    try:
        call_command("migrate", database=alias, verbosity=0, interactive=False)
        synthetic.build_log(3, using=alias, record=False)
        revisions = list(Revision.objects.using(alias).order_by("pk"))

        errors = append_from_threads(revisions, alias)

        assert errors == []
        sequences = LedgerEntry.objects.using(alias).values_list("sequence", flat=True)
        assert list(sequences) == list(range(1, WRITERS * EACH + 1))
        assert verify(using=alias).ok
    finally:
        forget_database(alias)
