"""The kiosk's outbox: an opinion or a vote carries the key its page drew for it, and however
often and in whatever order it is sent again (the answer lost on the way back, a reload before
the answer, two processes at once), it is stored once and every sending answers the same
tracking code. The guard still counts what is new, and its refusal stores nothing."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.engagement import services
from gongkai.engagement.models import Opinion
from gongkai.guard import limits
from gongkai.guard.tests.test_challenge import solve

from .conftest import PHONE, dues_table, send

OPINION = {"kind": "inquiry", "text": "党费表里第三组的金额请再核对。", "sender_contact": PHONE}
MANY = {"opinion": limits.Limit(10_000, 10_000, 100_000, 3600), "vote": limits.Limit(10_000, 10_000, 100_000, 3600)}  # fmt: skip


def post_json(client: Client, url: str, data: dict[str, Any], **headers: str) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def answered(people: Any, org: Any) -> Opinion:
    opinion = send(org)
    services.answer(opinion, actor=people.clerk, text="已核对，本月底更新。")
    return opinion


@pytest.mark.django_db
def test_a_replayed_submission_is_the_first_one(tree):
    key = uuid.uuid4()
    first = send(tree.village, key=key)
    again = send(tree.village, text="别的内容", key=str(key).upper())
    assert again.pk == first.pk and again.tracking_code == first.tracking_code
    assert Opinion.objects.count() == 1 and Opinion.objects.get().submission_key == key
    # A key is one submission to one organization.
    with pytest.raises(ValidationError):
        send(tree.sibling_village, key=key)
    for bad in ("x", "0" * 41, "\x00"):
        with pytest.raises(ValidationError):
            send(tree.village, key=bad)
    assert Opinion.objects.count() == 1
    # Without a key every sending is its own.
    send(tree.village)
    send(tree.village)
    assert Opinion.objects.count() == 3


@pytest.mark.django_db
def test_a_replayed_vote_is_the_first_vote(people, tree):
    opinion = answered(people, tree.village)
    key = uuid.uuid4()
    services.rate(opinion, "satisfied", key=key)
    # The same vote again (its answer was lost): the recorded vote, no second event.
    again = services.rate(Opinion.objects.get(pk=opinion.pk), "dissatisfied", key=key)
    assert again.rating == "satisfied"
    with pytest.raises(ValidationError):  # another vote: the first stands
        services.rate(Opinion.objects.get(pk=opinion.pk), "dissatisfied", key=uuid.uuid4())
    stored = Opinion.objects.get(pk=opinion.pk)
    assert stored.rating == "satisfied" and stored.rating_key == key
    assert stored.events.filter(kind="rated").count() == 1


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sendings=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["page", "rule", "form"])),
        min_size=1,
        max_size=8,
    )
)
def test_any_interleaving_of_replays_stores_each_key_once(tree, sendings):
    """Up to three submissions, each sent any number of times in any order, through the kiosk
    page's outbox, the rule itself or the plain form: one opinion per key, one code each."""
    keys = [uuid.uuid4() for _ in range(3)]
    client = Client()
    codes: dict[int, set[str]] = {i: set() for i in range(3)}
    with limits_override(MANY):
        for index, way in sendings:
            key = keys[index]
            text = f"第{index}条：路灯坏了。"
            if way == "page":
                response = post_json(
                    client,
                    f"/kiosk/{tree.village.code}/send",
                    {**OPINION, "text": text, "key": str(key)},
                )
                assert response.status_code in (200, 201)
                codes[index].add(response.json()["tracking_code"])
            elif way == "rule":
                codes[index].add(send(tree.village, text=text, key=key).tracking_code)
            else:
                response = client.post(
                    f"/kiosk/{tree.village.code}/opinion",
                    {**OPINION, "text": text, "key": str(key)},
                )
                assert response.status_code == 302
                codes[index].add(Opinion.objects.get(submission_key=key).tracking_code)
    for index in range(3):
        stored = Opinion.objects.filter(submission_key=keys[index])
        sent = any(i == index for i, _ in sendings)
        assert stored.count() == (1 if sent else 0)
        if sent:
            assert codes[index] == {stored.get().tracking_code}
            assert stored.get().text == f"第{index}条：路灯坏了。"


class limits_override:
    """settings.GUARD_LIMITS for a block (hypothesis examples share one test's settings)."""

    def __init__(self, value: dict[str, Any]) -> None:
        from django.test import override_settings

        self._override = override_settings(GUARD_LIMITS=value)

    def __enter__(self) -> None:
        self._override.enable()

    def __exit__(self, *exc: object) -> None:
        self._override.disable()


@pytest.mark.django_db
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(votes=st.lists(st.tuples(st.booleans(), st.sampled_from(["satisfied", "basically", "dissatisfied"])), min_size=1, max_size=6))  # fmt: skip
def test_any_interleaving_of_vote_replays_records_the_first_vote_once(people, tree, votes):
    """The kiosk resends its queued vote (same key) while other keys try to vote too."""
    opinion = answered(people, tree.village)
    mine = uuid.uuid4()
    client = Client()
    first: str | None = None
    with limits_override(MANY):
        for replay, rating in votes:
            key = mine if replay else uuid.uuid4()
            response = post_json(
                client,
                f"/kiosk/{tree.village.code}/vote",
                {"key": str(key), "code": opinion.code_display, "rating": rating},
            )
            if first is None:
                assert response.status_code == 200
                first, first_key = response.json()["rating"], key
            elif key == first_key:
                assert response.status_code == 200 and response.json()["rating"] == first
            else:
                assert response.status_code == 400
    stored = Opinion.objects.get(pk=opinion.pk)
    assert stored.rating == first and stored.events.filter(kind="rated").count() == 1


@pytest.mark.django_db
def test_the_page_outbox_answers_and_refuses_in_chinese(people, tree, village_catalog, settings):
    d = dues_table(people, tree, village_catalog)
    url = f"/kiosk/{tree.village.code}/send"
    client = Client()
    key = str(uuid.uuid4())
    sent = post_json(client, url, {**OPINION, "key": key, "disclosure": str(d.pk), "now": True})
    assert sent.status_code == 201
    opinion = Opinion.objects.get()
    assert opinion.channel == "kiosk" and opinion.disclosure == d and opinion.account is None
    assert sent.json()["tracking_code_display"] == opinion.code_display
    # Sent at the screen: the receipt page shows it once.
    receipt = client.get(f"/kiosk/{tree.village.code}/receipt")
    assert opinion.code_display in receipt.content.decode()
    replay = post_json(Client(), url, {**OPINION, "key": key})
    assert replay.status_code == 200 and replay.json()["tracking_code"] == opinion.tracking_code
    assert Opinion.objects.count() == 1
    # Refused for good, in Chinese, nothing stored.
    for body in ({**OPINION, "key": "nope"}, {**OPINION, "text": "", "key": str(uuid.uuid4())},
                 {**OPINION, "text": "a\x00b", "key": str(uuid.uuid4())},
                 {**OPINION, "text": "长" * 5000, "key": str(uuid.uuid4())}):  # fmt: skip
        refused = post_json(client, url, body)
        assert refused.status_code == 400 and any("\u4e00" <= c <= "\u9fff" for c in refused.json()["detail"])  # fmt: skip
    assert client.post(url, b"[1", content_type="application/json").status_code == 400
    assert client.post(url, b"x" * 70_000, content_type="application/json").status_code == 400
    assert Opinion.objects.count() == 1
    # A key of another organization's opinion is not answered with that opinion.
    other = post_json(client, f"/kiosk/{tree.sibling_village.code}/send", {**OPINION, "key": key})
    assert other.status_code == 400 and opinion.code_display not in other.content.decode()


@pytest.mark.django_db
def test_the_guard_counts_what_is_new_and_its_refusal_keeps_nothing(tree, settings):
    settings.GUARD_LIMITS = {"opinion": limits.Limit(3, 1, 1000, 3600)}
    url = f"/kiosk/{tree.village.code}/send"
    client = Client()
    first = str(uuid.uuid4())
    assert post_json(client, url, {**OPINION, "key": first}).status_code == 201
    # Past the soft limit: the question, nothing stored (the page keeps it queued).
    second = str(uuid.uuid4())
    asked = post_json(client, url, {**OPINION, "key": second})
    assert asked.status_code == 429 and asked.json()["challenge"] is True
    assert asked.json()["question"] and "\u4e00" <= asked.json()["detail"][0] <= "\u9fff"
    assert not Opinion.objects.filter(submission_key=second).exists()
    # Answered in the headers, as the page sends it: stored.
    answer = challenge_answer(asked.json()["question"])
    passed = post_json(
        client,
        url,
        {**OPINION, "key": second},
        **{"X-Guard-Token": asked.json()["token"], "X-Guard-Answer": answer},
    )
    assert passed.status_code == 201
    # Past the hard limit: refused with Retry-After, but a replay of what was stored is still
    # answered (and not counted): the page can always learn its tracking code.
    for _ in range(3):
        post_json(client, url, {**OPINION, "key": str(uuid.uuid4())})
    hard = post_json(client, url, {**OPINION, "key": str(uuid.uuid4())})
    assert hard.status_code == 429 and int(hard["Retry-After"]) > 0
    replay = post_json(client, url, {**OPINION, "key": first})
    assert replay.status_code == 200
    assert Opinion.objects.count() == 2


def challenge_answer(question: str) -> str:
    """Solve the self-hosted challenge the way a person would read it."""
    return str(solve(question))


@pytest.mark.django_db
def test_the_worker_and_the_manifest(tree):
    client = Client()
    worker = client.get(f"/kiosk/{tree.village.code}/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == f"/kiosk/{tree.village.code}/"
    assert "no-store" in worker["Cache-Control"]
    body = worker.content.decode()
    assert f'"/kiosk/{tree.village.code}/opinion"' in body and "engagement/kiosk.css" in body
    manifest = client.get(f"/kiosk/{tree.village.code}/manifest.webmanifest")
    data = json.loads(manifest.content)
    assert manifest["Content-Type"].startswith("application/manifest+json")
    assert data["display"] == "fullscreen" and data["start_url"] == f"/kiosk/{tree.village.code}/"
    assert data["icons"][0]["src"].endswith("engagement/kiosk-icon.svg")
    assert finders.find("engagement/kiosk-icon.svg")
    assert client.get("/kiosk/NOPE/sw.js").status_code == 404
    home = client.get(f"/kiosk/{tree.village.code}/").content.decode()
    for attribute in ("data-idle-seconds=", "data-kiosk-worker=", "返回首页", "全屏", "manifest.webmanifest"):  # fmt: skip
        assert attribute in home
    assert "no-store" in client.get(f"/kiosk/{tree.village.code}/")["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_two_processes_sending_the_same_key_store_one(tree):
    """The first sending holds its transaction open (inserted, not committed) while the replay
    arrives on another connection: the replay's check finds nothing, its insert waits on the
    unique key, and when the first commits it answers the first one's code."""
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (scripts/with-postgres.sh)")
    from django.db import transaction

    key = uuid.uuid4()
    inserted, results, errors = threading.Event(), {}, []

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = send(tree.village, key=key).tracking_code
                inserted.set()
                # Long enough for the replay to reach the insert and wait on the key.
                threading.Event().wait(1.0)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            inserted.set()
        finally:
            connections.close_all()

    def replay() -> None:
        try:
            inserted.wait(10)
            results["replay"] = send(tree.village, text="重发", key=key).tracking_code
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=replay)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert results["first"] == results["replay"]
    assert Opinion.objects.filter(submission_key=key).count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_processes_racing_store_one(tree):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (scripts/with-postgres.sh)")
    key = uuid.uuid4()
    barrier = threading.Barrier(6)
    codes: list[str] = []
    errors: list[Exception] = []

    def go() -> None:
        try:
            barrier.wait(10)
            codes.append(send(tree.village, key=key).tracking_code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(set(codes)) == 1 and len(codes) == 6
    assert Opinion.objects.filter(submission_key=key).count() == 1


@pytest.mark.django_db
def test_the_api_takes_an_idempotency_key(people, tree, settings):
    settings.GUARD_LIMITS = {"opinion": limits.Limit(1, 1, 1000, 3600)}
    client = Client()
    key = str(uuid.uuid4())
    body = {"organization": tree.village.code, **OPINION}
    first = post_json(client, "/api/v1/opinions", body, **{"Idempotency-Key": key})
    assert first.status_code == 201
    # The limit is used up, but a replay is answered with the first receipt, nothing stored.
    again = post_json(client, "/api/v1/opinions", body, **{"Idempotency-Key": key})
    assert again.status_code == 201 and again.json() == first.json()
    assert Opinion.objects.count() == 1 and Opinion.objects.get().submission_key == uuid.UUID(key)
    assert post_json(client, "/api/v1/opinions", body).status_code == 429
    bad = post_json(client, "/api/v1/opinions", body, **{"Idempotency-Key": "x" * 50})
    assert bad.status_code == 400 and "标识" in bad.json()["detail"]
    other = post_json(
        client,
        "/api/v1/opinions",
        {**body, "organization": tree.sibling_village.code},
        **{"Idempotency-Key": key},
    )
    assert other.status_code == 400 and Opinion.objects.count() == 1
    # The vote: a replay with its key is the vote recorded, another vote is refused.
    opinion = Opinion.objects.get()
    services.answer(opinion, actor=people.clerk, text="已核对。")
    vote_key = str(uuid.uuid4())
    url = f"/api/v1/opinions/track/{opinion.tracking_code}/rating"
    for rating in ("basically", "dissatisfied"):
        voted = post_json(client, url, {"rating": rating}, **{"Idempotency-Key": vote_key})
        assert voted.status_code == 200 and voted.json()["rating"] == "basically"
    assert post_json(client, url, {"rating": "satisfied"}).status_code == 400
    assert Opinion.objects.get().events.filter(kind="rated").count() == 1


def test_the_api_document_names_the_idempotency_key(db):
    """The operations that take the header say so in /api/v1/openapi.json, and only they."""
    schema = Client().get("/api/v1/openapi.json").json()
    taking = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            headers = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
            if headers:
                assert headers[0]["in"] == "header" and headers[0]["required"] is False
                assert headers[0]["schema"]["format"] == "uuid"
                taking.add((method, path))
    assert taking == {
        ("post", "/api/v1/opinions"),
        ("post", "/api/v1/opinions/with-files"),
        ("post", "/api/v1/opinions/track/{code}/rating"),
    }
