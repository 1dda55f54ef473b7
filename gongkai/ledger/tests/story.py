"""A realistic ledger built through the real workflow, once per test module, for the tamper
table and the privacy tests.

The town is a log root of its own (GONGKAI_LEDGER_ROOT_DEPTHS = [0, 1]) and is witnessed in
the county's log. Before any log exists, one disclosure of the sibling village is recorded in
the old hash chain, so each log starts with a checkpoint entry committing to it. Then:

    QS#0  checkpoint of the old chain
    QS#1  publish  A  village, public, a clean PDF served as the original
    QS#2  publish  B  village, party-internal, a PDF holding a mobile number (masked text served)
    QS#3  publish  C  village, major matter, party-first, two consultation opinions handled
    QS#4  publish  D  sibling village, public
    QS#5  correct  A  with a reason (a new revision)
    QS#6  withdraw D  with a reason
          (`ledger.witness()`: YL#0 checkpoint, YL#1 witnesses QS at size 7)
    QS#7  publish  E  sibling village, public
    QS#8  correct  C  with a reason, changing how an opinion was handled

`Story.saved` is the latest QS head as a reader would have saved it at the end.

`story_module` builds it in a transaction that spans the test module and is rolled back at
its end; each test (which asks for `story`) runs inside a savepoint rolled back after it
(pytest-django's `db`), and the files on disk are put back after each test.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings

from gongkai.catalog import services as catalog_services
from gongkai.catalog.exchange import parse_yaml
from gongkai.catalog.models import Catalog
from gongkai.conftest import _LEDGER_KEY, People, Tree, grant, make_org, make_user
from gongkai.disclosures import attachments, workflow
from gongkai.disclosures.models import Attachment, Disclosure, Opinion, Revision, State
from gongkai.disclosures.tests import files
from gongkai.disclosures.tests.conftest import CATALOG, CHECKLIST, item_key
from gongkai.ledger import log as ledger
from gongkai.ledger import services
from gongkai.ledger.models import Log, LogEntry, SignedHead
from gongkai.ledger.verification import SavedHead
from gongkai.organizations.models import Organization, Role

#: Monday 3 March 2025, 09:00 in Beijing: every move of the story happens from here on.
T0 = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.UTC)

#: What a module-scoped story needs from settings (the per-test autouse fixture sets the
#: same key and name again).
STORY_SETTINGS: dict[str, Any] = {
    "GONGKAI_LEDGER_ROOT_DEPTHS": [0, 1],
    "GONGKAI_LEDGER_KEY_FILE": str(_LEDGER_KEY),
    "GONGKAI_LEDGER_NAME": "gongkai.test",
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}

MOBILE = "13812345678"
MOBILE_MASKED = "138****5678"


class Clock:
    """The workflow's clock, moved forward by `step` at every `tick()`."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def tick(self, step: dt.timedelta = dt.timedelta(minutes=7)) -> dt.datetime:
        self.now += step
        return self.now

    def jump(self, to: dt.datetime) -> None:
        self.now = max(self.now, to)


@dataclass
class Story:
    tree: Tree
    people: People
    old: Disclosure
    a: Disclosure
    b: Disclosure
    c: Disclosure
    d: Disclosure
    e: Disclosure
    #: A's clean PDF (served as the original) and B's PDF with a mobile number (masked text).
    clean_file: Attachment
    masked_file: Attachment
    opinions: list[Opinion]
    media: Path
    #: The latest QS head, as a reader saved it at the end of the story.
    saved: SavedHead
    #: Size of QS when the county's log witnessed it.
    witnessed_size: int
    files_backup: Path
    extra: dict[str, Any] = field(default_factory=dict)

    qs = "QS"
    yl = "YL"

    def entry(self, kind: str, disclosure: Disclosure | None = None, log: str = "QS") -> LogEntry:
        """The one entry of `kind` about `disclosure` (or the one of `kind` in `log`)."""
        found = LogEntry.objects.filter(kind=kind, log__root__code=log)
        if disclosure is not None:
            found = found.filter(disclosure=disclosure)
        return found.get()

    def at(self, kind: str, disclosure: Disclosure | None = None, log: str = "QS") -> int:
        return self.entry(kind, disclosure, log).index

    def log(self, name: str = "QS") -> Log:
        return Log.objects.get(root__code=name)

    def revision(self, disclosure: Disclosure, number: int) -> Revision:
        return Revision.objects.get(disclosure=disclosure, number=number)

    def published_revision(self, kind: str, disclosure: Disclosure) -> Revision:
        """The revision an entry of `kind` about `disclosure` is about."""
        revision = self.entry(kind, disclosure).revision
        assert revision is not None
        return revision


def _catalogs(tree: Tree, people: People) -> dict[str, Catalog]:
    town = catalog_services.create_catalog(
        tree.town, actor=people.office, title="镇目录", inherit=False
    )
    catalog_services.load_catalog_data(town, actor=people.office, data=parse_yaml(CATALOG).data)
    catalog_services.publish_catalog(town, actor=people.office)
    catalog_services.push_down(town, actor=people.office)
    return {
        "village": Catalog.objects.get(organization=tree.village),
        "sibling": Catalog.objects.get(organization=tree.sibling_village),
    }


def make_tree() -> Tree:
    """The shared test tree (gongkai/conftest.py `tree`), built outside a test."""
    k = Organization.Kind
    county = make_org("YL", "云岭县委", k.COMMITTEE, None)
    town = make_org("QS", "青石镇党委", k.COMMITTEE, county)
    village = make_org("QS-01", "东岭村党支部", k.BRANCH, town, is_pilot=True)
    sibling = make_org("QS-02", "西岭村党支部", k.BRANCH, town)
    other_town = make_org("BS", "白沙镇党委", k.COMMITTEE, county)
    unrelated = make_org("BS-01", "白沙村党支部", k.BRANCH, other_town)
    return Tree(county, town, village, sibling, other_town, unrelated)


def make_people(tree: Tree) -> People:
    """The shared personas (gongkai/conftest.py `people`); the village's clerk and reviewer
    act for the sibling village too."""
    r = Role.Kind
    clerk = make_user("clerk", "李文书", mobile="13800000001")
    reviewer = make_user("reviewer", "张书记")
    member = make_user("member", "王党员")
    superior = make_user("superior", "赵委员")
    office = make_user("office", "陈主任")
    supervisor = make_user("supervisor", "刘监督")
    admin = make_user("admin", "系统管理员", is_staff=True, is_superuser=True)
    outsider = make_user("outsider", "路人甲")
    grant(clerk, tree.village, r.CLERK)
    grant(reviewer, tree.village, r.REVIEWER)
    grant(member, tree.village, r.MEMBER)
    grant(clerk, tree.sibling_village, r.CLERK)
    grant(reviewer, tree.sibling_village, r.REVIEWER)
    grant(superior, tree.town, r.REVIEWER)
    grant(office, tree.town, r.OFFICE)
    grant(supervisor, tree.town, r.SUPERVISOR)
    return People(clerk, reviewer, member, superior, office, supervisor, admin, outsider)


class Mover:
    """Drives the workflow with the story's clock."""

    def __init__(self, people: People, clock: Clock) -> None:
        self.people = people
        self.clock = clock

    def create(self, org: Organization, catalog: Catalog, item: str, **content: Any) -> Disclosure:
        with workflow.clock(self.clock.tick()):
            return workflow.create_disclosure(
                org, actor=self.people.clerk, item_key=item_key(catalog, item), **content
            )

    def attach(self, d: Disclosure, name: str, content: bytes) -> Attachment:
        with workflow.clock(self.clock.tick()):
            return attachments.attach(d, SimpleUploadedFile(name, content), actor=self.people.clerk)

    def publish_plain(self, d: Disclosure) -> Disclosure:
        """Submit, review, approve and publish a plain (not major) disclosure."""
        p = self.people
        with workflow.clock(self.clock.tick()):
            workflow.submit(d, actor=p.clerk)
        with workflow.clock(self.clock.tick()):
            workflow.review(d, actor=p.reviewer, checklist=CHECKLIST)
        with workflow.clock(self.clock.tick()):
            workflow.approve(d, actor=p.reviewer)
        with workflow.clock(self.clock.tick()):
            return workflow.publish(d, actor=p.clerk)

    def consult(self, d: Disclosure, opinions: list[tuple[str, str, str]]) -> list[Opinion]:
        """Submit, open a consultation, take `opinions` ((author, text, handling)), handle
        them and close it once its window has passed."""
        p = self.people
        with workflow.clock(self.clock.tick()):
            workflow.submit(d, actor=p.clerk)
        with workflow.clock(self.clock.tick()):
            workflow.open_consultation(d, actor=p.clerk, days=5)
        taken = []
        for author, text, _handling in opinions:
            with workflow.clock(self.clock.tick()):
                taken.append(workflow.add_opinion(d, author=author, text=text))
        for opinion, (_author, _text, handling) in zip(taken, opinions, strict=True):
            with workflow.clock(self.clock.tick()):
                workflow.handle_opinion(opinion, actor=p.clerk, handling=handling)
        d.refresh_from_db()
        assert d.consultation_until is not None
        self.clock.jump(d.consultation_until)
        with workflow.clock(self.clock.tick()):
            workflow.close_consultation(d, actor=p.clerk)
        return taken

    def review_major(self, d: Disclosure) -> Disclosure:
        p = self.people
        with workflow.clock(self.clock.tick()):
            workflow.review(d, actor=p.reviewer, checklist=CHECKLIST)
        with workflow.clock(self.clock.tick()):
            workflow.superior_approve(d, actor=p.superior_reviewer)
        with workflow.clock(self.clock.tick()):
            return workflow.publish(d, actor=p.clerk)


def _old_chain(mover: Mover, tree: Tree, catalog: Catalog) -> Disclosure:
    """A disclosure published before the logs: recorded in the old hash chain only."""
    old = mover.create(
        tree.sibling_village,
        catalog,
        "phones",
        title="西岭村监督电话（旧）",
        body="<p>0871-6123409</p>",
    )
    with workflow.clock(mover.clock.tick()):
        workflow.submit(old, actor=mover.people.clerk)
    revision = old.revisions.get()
    at = mover.clock.tick()
    Revision.objects.filter(pk=revision.pk).update(
        published_at=at,
        published_title=revision.title,
        published_body=revision.body,
        published_data=revision.data,
        published_period="",
    )
    Disclosure.objects.filter(pk=old.pk).update(
        state=State.PUBLISHED, publish_from=at, public_from=at, published_revision=revision
    )
    services.append_entry(action="publish", revision=revision, at=at)
    old.refresh_from_db()
    return old


def build_story(media: Path) -> Story:
    tree = make_tree()
    people = make_people(tree)
    catalogs = _catalogs(tree, people)
    village, sibling = catalogs["village"], catalogs["sibling"]
    clock = Clock(T0)
    move = Mover(people, clock)

    old = _old_chain(move, tree, sibling)

    a = move.create(
        tree.village,
        village,
        "phones",
        title="东岭村监督电话",
        body="<p>监督电话：0871-6123401</p>",
    )
    clean = move.attach(a, "通知.pdf", files.pdf("Village notice: the road is finished"))
    move.publish_plain(a)

    b = move.create(
        tree.village,
        village,
        "dues",
        title="党员党费缴纳情况",
        body="<p>2025年第一季度党费已收齐。</p>",
        period="2025年第一季度",
    )
    masked = move.attach(b, "党费名单.pdf", files.pdf(f"Contact Wang, mobile {MOBILE}"))
    move.publish_plain(b)

    c = move.create(
        tree.village,
        village,
        "building",
        title="村委会办公楼修缮方案",
        body="<p>预算6.8万元，拟比价三家。</p>",
    )
    opinions = move.consult(
        c,
        [
            ("党员甲", "建议公开比价结果", "已补充三家比价"),
            ("村民乙", "工期是否影响办事", "分段施工，不停办"),
        ],
    )
    move.review_major(c)

    d = move.create(
        tree.sibling_village, sibling, "phones", title="西岭村监督电话", body="<p>0871-6123402</p>"
    )
    move.publish_plain(d)

    with workflow.clock(clock.tick()):
        workflow.correct(
            a,
            actor=people.reviewer,
            reason="电话号码有误",
            title="东岭村监督电话（更正）",
            body="<p>监督电话：0871-6123410</p>",
        )
    with workflow.clock(clock.tick()):
        workflow.withdraw(d, actor=people.reviewer, reason="号码已停用")

    done = ledger.witness(at=clock.tick())
    assert done.witnessed == [("YL", "QS", 7)], done
    witnessed = 7

    e = move.create(
        tree.sibling_village,
        sibling,
        "phones",
        title="西岭村新监督电话",
        body="<p>0871-6123403</p>",
    )
    move.publish_plain(e)
    with workflow.clock(clock.tick()):
        workflow.correct(
            c,
            actor=people.reviewer,
            reason="补充比价结果",
            title=c.title,
            body="<p>预算6.8万元，三家比价后选定最低价。</p>",
            handlings={opinions[0].pk: "已公开三家比价结果"},
        )

    head = SignedHead.objects.filter(log__root__code="QS").order_by("-size", "-at", "-pk").first()
    assert head is not None and head.size == 9
    saved = SavedHead("QS", head.size, head.root_hash)
    backup = media.parent / (media.name + "-backup")
    shutil.copytree(media, backup)
    for item in (a, b, c, d, e):
        item.refresh_from_db()
    return Story(
        tree=tree,
        people=people,
        old=old,
        a=a,
        b=b,
        c=c,
        d=d,
        e=e,
        clean_file=clean,
        masked_file=masked,
        opinions=[Opinion.objects.get(pk=o.pk) for o in opinions],
        media=media,
        saved=saved,
        witnessed_size=witnessed,
        files_backup=backup,
    )


def restore_files(story: Story) -> None:
    shutil.rmtree(story.media)
    shutil.copytree(story.files_backup, story.media)


@pytest.fixture(scope="module")
def story_module(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Story]:
    media = tmp_path_factory.mktemp("story") / "media"
    media.mkdir()
    with (
        django_db_blocker.unblock(),
        override_settings(**STORY_SETTINGS, MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        story = build_story(media)
        yield story
        transaction.set_rollback(True)


@pytest.fixture
def story(story_module: Story, db: Any, settings: Any) -> Iterator[Story]:
    """The module's story, for one test: its database changes are rolled back after it and
    the files on disk put back."""
    for name, value in STORY_SETTINGS.items():
        setattr(settings, name, value)
    settings.MEDIA_ROOT = str(story_module.media)
    yield story_module
    # Rolled back whatever the test did; marking it so also spares the rollback a check of
    # the foreign keys a test broke on purpose (a deleted row an entry still names).
    transaction.set_rollback(True)
    restore_files(story_module)
