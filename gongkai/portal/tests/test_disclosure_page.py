"""The disclosure page: what was published, masked; its revisions and corrections; how it was
handled, in role terms; a withdrawal's reason; the ledger check."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gongkai.catalog.models import Scope
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Revision
from gongkai.ledger.models import LogEntry, SignedHead

from .conftest import CHECKLIST, item_key, published, reader

ID_NUMBER = "110101199003074514"
MASKED_ID = "1101**********4514"
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def notice(people, draft) -> Disclosure:  # type: ignore[no-untyped-def]
    """The village's supervision phone, published through the workflow (with a ledger entry)."""
    return published(people, draft)


def test_it_shows_what_was_published_and_when(people, notice, client):
    html = client.get(f"/d/{notice.pk}/").content.decode()
    assert "东岭村监督电话" in html
    assert "监督电话：0871-6123401" in html
    assert "东岭村党支部" in html
    assert "社会" in html and "公开栏" in html  # scope and channel
    local = timezone.localtime(notice.publish_from, BEIJING)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in html  # Beijing time
    assert f'datetime="{local.replace(microsecond=0).isoformat()}"' in html  # no microseconds
    assert "第 1 版" in html  # the first publication, whatever drafts came before


def test_a_party_first_item_shows_when_it_opens_to_society(people, tree, village_catalog):
    renovation = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "building"),
        title="村委会办公楼修缮方案",
        body="<p>预算6.8万元</p>",
    )
    # Straight to published, inside the lag (the life cycle is the disclosures app's test).
    now = timezone.now()
    Revision.objects.create(
        disclosure=renovation, number=1, title=renovation.title, body=renovation.body,
        published_at=now - dt.timedelta(hours=1), created_by=people.clerk,
    )  # fmt: skip
    Disclosure.objects.filter(pk=renovation.pk).update(
        state="published",
        publish_from=now - dt.timedelta(hours=1),
        public_from=now + dt.timedelta(days=3),
        publicity_until=now + dt.timedelta(days=7),
        published_revision=Revision.objects.get(disclosure=renovation),
    )
    html = reader(people, "member").get(f"/d/{renovation.pk}/").content.decode()
    assert "向社会公开时间" in html and "此前仅在党内公开" in html
    assert "党内先行" in html
    assert "公示期" in html
    assert reader(people, "anonymous").get(f"/d/{renovation.pk}/").status_code == 404


def test_personal_numbers_are_masked_in_the_text_and_the_table(people, tree, village_catalog):
    draft = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title=f"联系人身份证{ID_NUMBER}",
        body=f"<p>联系人手机 13912345678，身份证 {ID_NUMBER}</p>",
        data={
            "fields": {"note": f"证号{ID_NUMBER}"},
            "rows": [{"姓名": "张三", "证号": ID_NUMBER}],
        },
    )
    disclosure = published(people, draft)
    html = reader(people, "anonymous").get(f"/d/{disclosure.pk}/").content.decode()
    assert ID_NUMBER not in html and "13912345678" not in html
    assert html.count(MASKED_ID) >= 3  # title, body, field and table
    assert '<th scope="col">姓名</th>' in html and "张三" in html
    listing = reader(people, "anonymous").get("/o/QS-01/").content.decode()
    assert ID_NUMBER not in listing and MASKED_ID in listing


def test_a_kind_the_reviewer_recorded_shows_unmasked(people, tree, village_catalog):
    draft = workflow.create_disclosure(
        tree.village,
        actor=people.clerk,
        item_key=item_key(village_catalog, "phones"),
        title="村监督员联系方式",
        body="<p>监督员手机 13912345678</p>",
    )
    workflow.submit(draft, actor=people.clerk)
    workflow.review(
        draft,
        actor=people.reviewer,
        checklist=CHECKLIST,
        mask_exceptions={"mobile": "监督员手机须公开以便群众联系"},
    )
    workflow.approve(draft, actor=people.reviewer)
    workflow.publish(draft, actor=people.clerk)
    html = reader(people, "anonymous").get(f"/d/{draft.pk}/").content.decode()
    assert "13912345678" in html


def test_a_correction_is_a_new_revision_with_its_reason_on_show(people, notice, client):
    workflow.correct(
        notice,
        actor=people.reviewer,
        reason="区号有误，予以更正",
        title="东岭村监督电话",
        body="<p>监督电话：0871-6123409</p>",
    )
    html = client.get(f"/d/{notice.pk}/").content.decode()
    assert "0871-6123409" in html  # the correction is shown
    assert "0871-6123401" in html  # and the earlier revision stays readable
    assert html.count("区号有误，予以更正") >= 2  # on the content and in the revisions
    assert "更正原因" in html and "已更正" in html
    # Versions count publications: the first publication is 1, the correction 2.
    assert "第 2 版" in html and "第 1 版" in html and "第 3 版" not in html
    assert "第 2 版相对第 1 版的修改" in html  # the readable diff, labelled by version


def test_the_timeline_names_roles_never_people(people, notice, client):
    html = client.get(f"/d/{notice.pk}/").content.decode()
    assert "办理情况" in html
    for action in ("起草", "提交审核", "批准", "发布"):
        assert action in html
    assert "经办人" in html and "党组织审核" in html
    for name in ("李文书", "张书记", "13800000001"):
        assert name not in html


def test_a_returns_reasons_stay_off_the_public_timeline(people, draft, client):
    workflow.submit(draft, actor=people.clerk)
    workflow.return_to_clerk(draft, actor=people.reviewer, reason="内部意见：电话号码缺区号")
    disclosure = published(people, draft)
    html = client.get(f"/d/{disclosure.pk}/").content.decode()
    assert "退回" in html
    assert "内部意见" not in html


def test_a_withdrawal_leaves_only_the_title_its_reason_and_time(people, notice, client):
    workflow.withdraw(notice, actor=people.reviewer, reason="电话已停用，另行公布")
    html = client.get(f"/d/{notice.pk}/").content.decode()
    assert "东岭村监督电话" in html
    assert "已撤回" in html and "电话已停用，另行公布" in html
    assert "撤回时间" in html
    assert "0871-6123401" not in html  # the content is gone from view
    assert "已发布的版本" not in html and "办理情况" not in html
    # The log still shows it was published and withdrawn: the publication's entry is opaque
    # now (its document held the content), the withdrawal's is readable, for anyone.
    assert f'href="/d/{notice.pk}/proof"' in html
    proof = client.get(f"/d/{notice.pk}/proof").content.decode()
    block = proof[proof.index('id="ledger"') :]
    assert block.count("不可见条目（已承诺）") == 1
    assert "撤回" in block and "第 1 条" in block


def test_the_ledger_check_lists_the_entries_and_the_signed_head(people, notice, client):
    workflow.correct(
        notice, actor=people.reviewer, reason="补充说明", title="东岭村监督电话", body="<p>改</p>"
    )
    page = client.get(f"/d/{notice.pk}/").content.decode()
    # The disclosure's page links to its proof with one short word, nothing more.
    assert f'href="/d/{notice.pk}/proof"' in page and "核验" in page
    assert 'id="ledger"' not in page and "data-ledger-check" not in page
    assert "sha256sum" not in page and "python" not in page.lower()
    html = client.get(f"/d/{notice.pk}/proof").content.decode()
    block = html[html.index('id="ledger"') :]
    assert "台账核验" in block
    entries = list(LogEntry.objects.filter(disclosure=notice).order_by("index"))
    assert [e.index for e in entries] == [0, 1]
    assert "第 0 条" in block and "发布" in block and "第 1 条" in block and "更正" in block
    head = SignedHead.objects.order_by("-size").first()
    assert f"共 {head.size} 条" in block and head.root_hash[:16] in block
    assert head.root_hash[:17] not in block  # the short form
    # A QR code of the proof's address, drawn on the server (no script).
    assert '<svg role="img"' in block and f"/api/v1/disclosures/{notice.pk}/proof" in block
    assert 'href="/ledger/how/"' in block and 'href="/ledger/YL/"' in block
    # The in-browser check (portal/ledger-check.js): the markup the static script looks for.
    assert "data-ledger-check" in html
    assert f'data-proof-url="/api/v1/disclosures/{notice.pk}/proof"' in html
    assert 'data-keys-url="/api/v1/ledger/keys"' in html
    assert '<script src="/static/portal/ledger-check.js" defer></script>' in html
    # Nothing of the old chain: no shell recipe, no content hashes.
    assert "sha256sum" not in html and "canonical.json" not in html


def test_a_disclosure_that_was_never_published_is_not_found(people, draft, client):
    assert client.get(f"/d/{draft.pk}/").status_code == 404
    assert reader(people, "clerk").get(f"/d/{draft.pk}/").status_code == 404  # preview: console
    assert client.get("/d/999999/").status_code == 404


def test_not_found_looks_the_same_whether_or_not_it_exists(people, shown, client, settings):
    settings.DEBUG = False
    hidden = shown(scope=Scope.PARTY, title="党内事项")
    invisible = client.get(f"/d/{hidden.pk}/")
    missing = client.get("/d/999999/")
    assert invisible.status_code == missing.status_code == 404

    def without_token(body: bytes) -> str:
        return re.sub(r'"X-CSRFToken": "[^"]*"', "", body.decode())

    assert without_token(invisible.content) == without_token(missing.content)


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_the_query_count_does_not_grow_with_revisions_or_disclosures(
    persona, people, notice, django_assert_num_queries
):
    client = reader(people, persona)
    url = f"/d/{notice.pk}/"
    client.get(url)  # the catalog item's name comes from the cached effective catalog
    # The disclosure with its published revision (read once; its row also says when the
    # page next changes by the clock), its events, the files on show, the echo wall's
    # answers about it, the board postings; the ledger is on the proof page. From the
    # second version on, its earlier published versions and the versions' file names (for
    # the diffs); never put out for consultation (its events say so), it has no opinions to
    # read. A signed-in reader adds the session, the user and the user's roles.
    first, corrected = (5, 7) if persona == "anonymous" else (8, 10)
    with django_assert_num_queries(first):
        assert client.get(url).status_code == 200
    for n in range(4):
        workflow.correct(
            notice, actor=people.reviewer, reason=f"第{n}次更正", title="东岭村监督电话",
            body=f"<p>{n}</p>",
        )  # fmt: skip
        with django_assert_num_queries(corrected):
            html = client.get(url).content.decode()
    assert "第3次更正" in html


def test_the_echo_walls_answers_about_it_follow_their_scope(people, notice):
    from gongkai.engagement import services
    from gongkai.engagement.tests.conftest import send

    def answered(question: str, scope: str) -> None:
        opinion = send(notice.organization, text=question, disclosure=notice)
        services.answer(opinion, actor=people.clerk, text=f"答复：{question}")
        services.publish(opinion, actor=people.clerk, scope=scope)

    answered("监督电话何时有人接听？", Scope.PUBLIC)
    answered("党员大会何时讨论此事？", Scope.PARTY)
    send(notice.organization, text="尚未答复的问题", disclosure=notice)
    anonymous = reader(people, "anonymous").get(f"/d/{notice.pk}/").content.decode()
    assert "答复：监督电话何时有人接听？" in anonymous
    assert "党员大会" not in anonymous and "尚未答复的问题" not in anonymous
    member = reader(people, "member").get(f"/d/{notice.pk}/").content.decode()
    assert "答复：党员大会何时讨论此事？" in member
