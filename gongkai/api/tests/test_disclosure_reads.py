"""Reading disclosures through the API: the one visibility rule, zero leaks.

Every read endpoint (list, detail, revisions, proof, the log's entries) is held to
`visibility.can_see` over roles × scopes × states × times, and the named cases below say the
rule out loud: anonymous vs member vs outsider, before publish_from, inside the party-first
lag, withdrawn (reason only), drafts never. Content is the published revision, masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Event, Revision, State
from gongkai.disclosures.visibility import can_see
from gongkai.ledger import log as ledger
from gongkai.ledger.canonical import canonical_json

from .conftest import CHECKLIST, ApiClient, force_state, item_key, published

HOUR = dt.timedelta(hours=1)
#: (publish_from, public_from) relative to now.
TIMES = {
    "before publish_from": (HOUR, 3 * HOUR),
    "inside the party-first lag": (-HOUR, HOUR),
    "after the lag": (-3 * HOUR, -HOUR),
}
PERSONAS = [
    "anonymous",
    "outsider",
    "clerk",
    "member",
    "superior_reviewer",
    "office",
    "supervisor",
    "admin",
]
ID_NUMBER = "11010519491231002X"  # a valid resident ID number (checksum X)
MOBILE = "13912345678"


def visible_ids(client: ApiClient) -> set[int]:
    response = client.get("/disclosures/", page_size=100)
    assert response.status_code == 200
    return {d["id"] for d in response.json()["results"]}


def log_entries(client: ApiClient, log: str = "YL") -> list[dict]:
    response = client.get(f"/ledger/logs/{log}/entries", limit=1000)
    assert response.status_code == 200
    assert response.json()["next_start"] is None
    return response.json()["results"]


def ledger_disclosures(client: ApiClient) -> set[int]:
    """The disclosures whose entries the caller may read in the log (every index is listed,
    opaque or not)."""
    entries = log_entries(client)
    assert [e["index"] for e in entries] == list(range(len(entries)))
    return {e["document"]["disclosure"] for e in entries if e["visible"]}


@pytest.fixture
def every_case(people, tree, village_catalog) -> dict[tuple[str, str, str], Disclosure]:
    """One disclosure for each (scope, state, time), each with a published revision and an
    entry in the log, so only the rule can keep any of them from being read."""
    now = timezone.now()
    made = {}
    for scope, state, when in itertools.product(Scope.values, State.values, TIMES):
        publish_offset, public_offset = TIMES[when]
        d = workflow.create_disclosure(
            tree.village,
            actor=people.clerk,
            item_key=item_key(village_catalog, "phones"),
            title=f"{scope}/{state}/{when}",
        )
        revision = Revision.objects.create(
            disclosure=d,
            number=1,
            title=d.title,
            created_by=people.clerk,
            published_at=now + publish_offset,
        )
        made[scope, state, when] = d = force_state(
            d,
            state,
            scope=scope,
            publish_from=now + publish_offset,
            public_from=None if scope == Scope.PARTY else now + public_offset,
            published_revision=revision,
        )
        event = Event.objects.create(
            disclosure=d, action="publish", from_state="approved", to_state=state,
            role="clerk", at=now,
        )  # fmt: skip
        ledger.record_move(d, kind="publish", revision=revision, event=event, at=now)
    return made


def test_every_read_endpoint_follows_the_rule(people, every_case, as_person):
    leaks: list[tuple[str, tuple[str, str, str], str]] = []
    misses: list[tuple[str, tuple[str, str, str], str]] = []
    for persona in PERSONAS:
        user = AnonymousUser() if persona == "anonymous" else getattr(people, persona)
        client = as_person(persona)
        listed, in_ledger = visible_ids(client), ledger_disclosures(client)
        # Public items after the lag are for everyone: the checks below are not vacuous.
        assert listed, persona
        for case, d in every_case.items():
            want = can_see(user, d)
            seen = {
                "list": d.pk in listed,
                **{
                    path or "detail": client.get(f"/disclosures/{d.pk}{path}").status_code == 200
                    for path in ("", "/revisions", "/proof")
                },
            }
            leaks += [(persona, case, where) for where, shown in seen.items() if shown and not want]
            # A publication's entry is read while the content is on show, never once withdrawn.
            readable = want and d.state != State.WITHDRAWN
            if (d.pk in in_ledger) != readable:
                (leaks if d.pk in in_ledger else misses).append((persona, case, "ledger"))
            misses += [
                (persona, case, where) for where, shown in seen.items() if want and not shown
            ]
    assert leaks == []
    assert misses == []


# --- the rule, case by case -------------------------------------------------------------------


@pytest.fixture
def catalog(village_catalog):
    return village_catalog


def make(people, tree, catalog, local: str, title: str, body: str = "") -> Disclosure:
    return workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(catalog, local),
        title=title,
        body=body,
    )


def test_the_public_sees_public_items_and_not_party_ones(people, tree, catalog, as_person):
    public = published(people, make(people, tree, catalog, "phones", "监督电话"))
    party = published(people, make(people, tree, catalog, "dues", "党费收缴"))
    assert visible_ids(as_person("anonymous")) == {public.pk}
    assert visible_ids(as_person("outsider")) == {public.pk}
    assert visible_ids(as_person("member")) == {public.pk, party.pk}
    assert as_person("anonymous").get(f"/disclosures/{party.pk}").status_code == 404
    assert as_person("member").get(f"/disclosures/{party.pk}").status_code == 200


def test_nothing_shows_before_publish_from(people, tree, catalog, as_person):
    later = published(
        people,
        make(people, tree, catalog, "phones", "监督电话"),
        at=timezone.now() + dt.timedelta(days=2),
    )
    for persona in ("anonymous", "member", "clerk"):
        assert visible_ids(as_person(persona)) == set()
        assert as_person(persona).get(f"/disclosures/{later.pk}").status_code == 404
        assert not any(e["visible"] for e in log_entries(as_person(persona)))


def test_inside_the_party_first_lag_only_the_party_sees_it(people, tree, catalog, as_person):
    d = make(people, tree, catalog, "phones", "监督电话")
    d = published(people, d)
    force_state(d, State.PUBLISHED, public_from=timezone.now() + dt.timedelta(days=3))
    assert visible_ids(as_person("member")) == {d.pk}
    assert visible_ids(as_person("anonymous")) == set()
    assert as_person("outsider").get(f"/disclosures/{d.pk}").status_code == 404


def test_a_draft_is_never_read_publicly(people, tree, catalog, as_person):
    d = make(people, tree, catalog, "phones", "草稿标题")
    workflow.submit(d, actor=people.clerk)
    for persona in ("anonymous", "member", "clerk", "reviewer", "admin"):
        client = as_person(persona)
        assert visible_ids(client) == set()
        for path in ("", "/revisions", "/proof"):
            response = client.get(f"/disclosures/{d.pk}{path}")
            assert response.status_code == 404
            assert response.json() == {"detail": "未找到，或您无权查看。"}
            assert "草稿标题" not in response.content.decode()


def test_a_withdrawn_disclosure_shows_its_title_and_reason_only(people, tree, catalog, as_person):
    d = published(
        people, make(people, tree, catalog, "phones", "监督电话", "<p>电话 0871-6123401</p>")
    )
    workflow.withdraw(d, actor=people.reviewer, reason=f"号码有误，联系人 {MOBILE} 已更正")
    client = as_person("anonymous")
    body = client.get(f"/disclosures/{d.pk}").json()
    assert body["title"] == "监督电话"
    assert body["withdrawn"] is True
    assert body["state"] == "withdrawn"
    assert body["body"] is None and body["data"] is None
    assert body["withdrawal_reason"] == "号码有误，联系人 139****5678 已更正"
    assert body["withdrawn_at"] is not None
    assert body["attachments"] is None and body["opinions"] is None and body["events"] is None
    revisions = client.get(f"/disclosures/{d.pk}/revisions").json()
    assert [(r["title"], r["body"], r["data"]) for r in revisions] == [("监督电话", None, None)]
    assert "0871-6123401" not in client.get(f"/disclosures/{d.pk}/revisions").content.decode()
    # The ledger still shows that it was published and withdrawn: the publication's entry is
    # opaque now (its document held the content), the withdrawal's is readable.
    entries = client.get(f"/disclosures/{d.pk}/proof").json()["entries"]
    assert [(e["visible"], e.get("kind")) for e in entries] == [(False, None), (True, "withdraw")]
    assert "0871-6123401" not in client.get(f"/disclosures/{d.pk}/proof").content.decode()
    assert entries[1]["document"]["reason"] == "号码有误，联系人 139****5678 已更正"


def test_content_is_the_published_revision_never_the_working_copy(people, tree, catalog, as_person):
    d = published(people, make(people, tree, catalog, "phones", "监督电话", "<p>原文</p>"))
    # Someone changes the working fields behind the workflow's back: the API never shows them.
    Disclosure.objects.filter(pk=d.pk).update(title="工作稿标题", body="<p>工作稿</p>")
    body = as_person("anonymous").get(f"/disclosures/{d.pk}").json()
    assert (body["title"], body["body"]) == ("监督电话", "<p>原文</p>")
    assert as_person("anonymous").get("/disclosures/").json()["results"][0]["title"] == "监督电话"


def test_personal_numbers_are_masked_everywhere(people, tree, catalog, as_person):
    d = make(
        people,
        tree,
        catalog,
        "phones",
        f"名单 {ID_NUMBER}",
        f"<p>身份证 {ID_NUMBER}，电话 {MOBILE}</p>",
    )
    workflow.edit_draft(
        d,
        actor=people.clerk,
        title=d.title,
        body=d.body,
        data={"rows": [{"name": "王某", "id": ID_NUMBER, "phone": MOBILE}]},
    )
    d = published(people, d)
    client = as_person("anonymous")
    texts = [
        client.get("/disclosures/").content.decode(),
        client.get(f"/disclosures/{d.pk}").content.decode(),
        client.get(f"/disclosures/{d.pk}/revisions").content.decode(),
    ]
    for text in texts:
        assert ID_NUMBER not in text and MOBILE not in text
        assert "1101**********002X" in text
    detail = client.get(f"/disclosures/{d.pk}").json()
    assert detail["data"] == {
        "rows": [{"name": "王某", "id": "1101**********002X", "phone": "139****5678"}]
    }


def test_a_recorded_exception_shows_that_kind_unmasked(people, tree, catalog, as_person):
    d = make(people, tree, catalog, "phones", "联系方式", f"<p>{MOBILE}，{ID_NUMBER}</p>")
    workflow.submit(d, actor=people.clerk)
    workflow.review(
        d,
        actor=people.reviewer,
        checklist=CHECKLIST,
        mask_exceptions={"mobile": "监督电话须公开"},
    )
    workflow.approve(d, actor=people.reviewer)
    workflow.publish(d, actor=people.clerk)
    body = as_person("anonymous").get(f"/disclosures/{d.pk}").json()["body"]
    assert MOBILE in body
    assert ID_NUMBER not in body


def test_revisions_list_every_published_one_with_the_correction_reason(
    people, tree, catalog, as_person
):
    d = published(people, make(people, tree, catalog, "phones", "监督电话", "<p>一</p>"))
    workflow.correct(
        d, actor=people.reviewer, reason="号码变更", title="监督电话（更正）", body="<p>二</p>"
    )
    revisions = as_person("anonymous").get(f"/disclosures/{d.pk}/revisions").json()
    # The snapshot taken at submission was never published and is not listed.
    assert [(r["number"], r["note"], r["title"], r["body"]) for r in revisions] == [
        (2, "", "监督电话", "<p>一</p>"),
        (3, "号码变更", "监督电话（更正）", "<p>二</p>"),
    ]
    detail = as_person("anonymous").get(f"/disclosures/{d.pk}").json()
    assert (detail["revision"], detail["body"]) == (3, "<p>二</p>")
    # Readers are told versions that count publications only: 第 1 版, then 第 2 版.
    assert [r["version"] for r in revisions] == [1, 2]
    assert detail["version"] == 2
    listed = as_person("anonymous").get("/disclosures/").json()["results"]
    assert [x["version"] for x in listed if x["id"] == d.pk] == [2]


def test_the_proof_lets_anyone_recompute_the_hashes(people, tree, catalog, as_person):
    d = published(people, make(people, tree, catalog, "phones", "监督电话"))
    proof = as_person("anonymous").get(f"/disclosures/{d.pk}/proof").json()
    [entry] = proof["entries"]
    published_hash = hashlib.sha256(canonical_json(entry["document"])).hexdigest()
    assert published_hash == entry["published_hash"]
    commitment = ledger.commitment_of(published_hash, entry["sealed_hash"])
    assert commitment == entry["commitment"]
    leaf = ledger.leaf_bytes(proof["log"], entry["index"], entry["at"], "QS-01", commitment)
    assert hashlib.sha256(b"\x00" + leaf).hexdigest() == entry["leaf_hash"]
    listed = as_person("anonymous").get("/ledger/logs/YL/entries").json()["results"][0]
    assert listed == {k: v for k, v in entry.items() if k != "inclusion"}


def test_filters(people, tree, catalog, as_person):
    public = published(people, make(people, tree, catalog, "phones", "监督电话"))
    party = published(people, make(people, tree, catalog, "dues", "党费"))
    gone = published(people, make(people, tree, catalog, "phones", "旧电话"))
    workflow.withdraw(gone, actor=people.reviewer, reason="过期")
    member = as_person("member")

    def ids(**params):
        return {d["id"] for d in member.get("/disclosures/", **params).json()["results"]}

    assert ids(scope="party") == {party.pk}
    assert ids(scope="public") == {public.pk, gone.pk}
    assert ids(state="withdrawn") == {gone.pk}
    assert ids(organization="QS-01") == {public.pk, party.pk, gone.pk}
    assert ids(organization="QS-02") == set()
    response = member.get("/disclosures/", state="draft")
    assert response.status_code == 422  # only public states can be asked for
    assert response.json()["errors"][0]["field"] == "state"


def test_the_log_pages_by_index(people, tree, catalog, as_person):
    for n in range(3):
        published(people, make(people, tree, catalog, "phones", f"第{n}条"))
    client = as_person("anonymous")
    first = client.get("/ledger/logs/YL/entries", limit=2).json()
    assert [e["index"] for e in first["results"]] == [0, 1]
    assert first["next_start"] == 2
    rest = client.get("/ledger/logs/YL/entries", limit=2, start=2).json()
    assert [e["index"] for e in rest["results"]] == [2]
    assert rest["next_start"] is None
    assert client.get("/ledger/logs/YL/entries", start=99).json() == {
        "results": [],
        "next_start": None,
    }
    assert client.get("/ledger/logs/QS/entries").status_code == 404  # no such log


# --- query counts ------------------------------------------------------------------------------


def test_list_endpoints_cost_the_same_queries_however_many_rows(
    people, tree, catalog, django_assert_num_queries
):
    anonymous = ApiClient()
    member = ApiClient(people.member)
    published(people, make(people, tree, catalog, "phones", "一"))
    member.get("/organizations/")  # records the token's first use outside the counts

    def counts() -> tuple[int, ...]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        result = []
        for client, path in (
            (anonymous, "/disclosures/"),
            (anonymous, "/ledger/logs/YL/entries"),
            (member, "/disclosures/"),
            (member, "/ledger/logs/YL/entries"),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            result.append(len(captured))
        return tuple(result)

    before = counts()
    for n in range(6):
        published(people, make(people, tree, catalog, "dues" if n % 2 else "phones", f"第{n}条"))
    assert counts() == before
    # count + page; the log, a page of its entries and which of their disclosures the caller
    # may read; a member's token and roles add two.
    assert before == (2, 3, 4, 5)
    with django_assert_num_queries(2):
        anonymous.get("/disclosures/", organization="QS-01", scope="public")
