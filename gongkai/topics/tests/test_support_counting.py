"""The support count stored on a topic equals the number of distinct supporters after any
sequence of support and unsupport by several members (run on SQLite and, through
scripts/with-postgres.sh, on PostgreSQL), and a crowd of concurrent supporters on
PostgreSQL leaves the same."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.topics import services
from gongkai.topics.models import TopicRequest, TopicSupport

SEQUENCES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
steps = st.lists(
    st.tuples(st.integers(min_value=0, max_value=5), st.booleans()), min_size=1, max_size=30
)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@SEQUENCES
@given(sequence=steps)
def test_the_count_is_the_distinct_supporters(people, tree, topic, members, sequence):
    crowd = [*members, people.clerk]
    with rolled_back():
        expected: set[int] = set()
        for who, on in sequence:
            person = crowd[who]
            if on:
                added = services.support(topic, actor=person)
                assert added is (person.pk not in expected)
                expected.add(person.pk)
            else:
                taken = services.unsupport(topic, actor=person)
                assert taken is (person.pk in expected)
                expected.discard(person.pk)
            stored = TopicRequest.objects.get(pk=topic.pk).support_count
            assert stored == len(expected) == TopicSupport.objects.filter(topic=topic).count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_supporters_are_counted_once_each(people, tree, members):
    topic = services.propose(tree.village, actor=people.member, title="并发附议")
    crowd = [*members, people.clerk] * 3  # each person three times, at once
    barrier = threading.Barrier(len(crowd))
    errors: list[BaseException] = []

    def act(person) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            services.support(TopicRequest.objects.get(pk=topic.pk), actor=person)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(p,)) for p in crowd]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    topic.refresh_from_db()
    assert topic.support_count == len(members) + 1 == topic.supports.count()
