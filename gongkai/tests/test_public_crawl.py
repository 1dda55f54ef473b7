"""Issue 10's planted crawler: the demo town, with items planted in every state a reader must
not see (party-internal, a draft, scheduled, party first and not yet public, withdrawn,
exempted with a party-only notice) and an information request's applicant, is walked by an
anonymous reader through every public page, feed, sitemap entry, printed board and search
result the site offers. It reaches none of the planted texts and finds no unmasked ID or
mobile number anywhere — PDFs read back as text, feeds and JSON included."""

from __future__ import annotations

import datetime as dt
import random
import re
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from gongkai.accounts.models import User
from gongkai.compliance import exemptions
from gongkai.compliance.models import OPEN_STATES, Exemption, Obligation, ReasonCategory
from gongkai.devtools.crawl import Crawl, crawl
from gongkai.devtools.demo import load_demo
from gongkai.devtools.demo.disclosures import _draft as demo_draft
from gongkai.disclosures import workflow
from gongkai.inforequests import services as requests
from gongkai.organizations.models import Organization

#: Planted texts no anonymous reader may reach, by why.
PARTY = "植入党内事项甲正文"
PARTY_TITLE = "植入党内学习安排"
DRAFT = "植入草稿乙标题"
SCHEDULED = "植入定时丙标题"
PARTY_FIRST = "植入先党内丁标题"
WITHDRAWN = "植入撤回戊正文"
EXEMPT_REASON = "植入免于公开己理由"
EXEMPT_NOTICE = "植入仅党内可见的决定庚"
APPLICANT = ("植入申请人辛", "13623456789", "110101198807071236", "植入住址壬")
#: A public item whose body carries a mobile and an ID number: masked at publication.
MASKED_TITLE = "植入公开癸名单"
RAW_NUMBERS = ("13798765432", "11010519650203123X")

#: Unmasked mobile and ID numbers, wherever they appear (not inside longer tokens such as
#: hashes or signatures).
MOBILE = re.compile(r"(?<![0-9A-Za-z+/=])1[3-9]\d{9}(?![0-9A-Za-z+/=])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z+/=])\d{17}[\dXx](?![0-9A-Za-z+/=])")
CHECKLIST = dict.fromkeys(workflow.SECRECY_CHECKLIST, True)
pytestmark = pytest.mark.django_db


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _draft(org: Organization, local: str, title: str, body: str) -> Any:
    """A draft with the structured data its item asks for, filled the way the demo fills it."""
    return demo_draft(
        org, _user("clerk"), local, title, random.Random(title), body=f"<p>{body}</p>"
    )


def _publish(d: Any, **extra: Any) -> Any:
    workflow.submit(d, actor=_user("clerk"))
    workflow.review(d, actor=_user("reviewer"), checklist=CHECKLIST)
    workflow.approve(d, actor=_user("reviewer"))
    return workflow.publish(d, actor=_user("clerk"), **extra)


def _plant() -> dict[str, Any]:
    village = Organization.objects.get(code="QS-01")
    now = timezone.now()
    _publish(_draft(village, "ideology-responsibility", PARTY_TITLE, PARTY))
    _draft(village, "civility-practice", DRAFT, "草稿正文")
    _publish(
        _draft(village, "civility-practice", SCHEDULED, "定时正文"),
        publish_from=now + dt.timedelta(days=3),
    )
    _publish(_draft(village, "activists", PARTY_FIRST, "先党内正文"))
    gone = _publish(_draft(village, "village-rules", "村规民约修订", WITHDRAWN))
    workflow.withdraw(gone, actor=_user("reviewer"), reason="内容有误，撤回后重新公开")
    _publish(
        _draft(
            village,
            "hardship-support",
            MASKED_TITLE,
            f"帮扶对象王某，身份证{RAW_NUMBERS[1]}，电话{RAW_NUMBERS[0]}",
        )
    )
    obligation = (
        Obligation.objects.filter(organization=village, state__in=OPEN_STATES)
        .order_by("due_date")
        .first()
    )
    assert obligation is not None, "the demo village has an open obligation to exempt"
    asked = exemptions.request(
        obligation,
        actor=_user("clerk"),
        kind=Exemption.Kind.EXEMPT,
        reason_category=ReasonCategory.values[0],
        reason=EXEMPT_REASON,
        legal_basis="党务公开条例第十一条",
    )
    exemptions.decide(asked, actor=_user("superior"), approve=True, reason=EXEMPT_NOTICE)
    received = requests.receive(
        village,
        requests.Application(
            name=APPLICANT[0],
            phone=APPLICANT[1],
            id_number=APPLICANT[2],
            address=APPLICANT[3],
            description="申请公开村集体资产出租合同",
        ),
    )
    return {"village": village, "request": received}


@pytest.fixture(scope="module")
def planted(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from gongkai.conftest import _LEDGER_KEY, IMMEDIATE_TASKS

    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        GONGKAI_LEDGER_KEY_FILE=str(_LEDGER_KEY),
        GONGKAI_LEDGER_NAME="gongkai.test",
        MEDIA_ROOT=tempfile.mkdtemp(prefix="gongkai-crawl-media-"),
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        TASKS={"default": {"BACKEND": IMMEDIATE_TASKS, "QUEUES": ["default"]}},
    )
    cache.clear()
    with fast, django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield _plant()
        transaction.set_rollback(True)
    cache.clear()


def _starts(code: str, town: str) -> list[str]:
    searches = ["党费", "公示", "党", "名单", "植入", "申请", "身份证", "电话"]
    return [
        "/",
        "/robots.txt",
        "/sitemap.xml",
        "/feed.atom",
        f"/o/{code}/",
        f"/o/{town}/",
        f"/o/{code}/feed.atom",
        f"/o/{code}/feed.rss",
        f"/o/{town}/feed.atom",
        f"/o/{code}/board.pdf",
        f"/o/{code}/board.pdf?size=A3",
        f"/o/{town}/board.pdf",
        f"/o/{code}/echo/",
        f"/kiosk/{code}/",
        "/api/v1/disclosures/",
        *(f"/search?q={q}" for q in searches),
        *(f"/search?q={q}&sort=relevance" for q in searches),
        *(f"/search/feed?q={q}" for q in searches[:3]),
        *(f"/api/v1/search?q={q}" for q in searches[:3]),
    ]


@pytest.fixture(scope="module")
def walked(planted, django_db_blocker) -> Crawl:  # type: ignore[no-untyped-def]
    static = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    with static, django_db_blocker.unblock():
        return crawl(Client(), _starts(planted["village"].code, "QS"), limit=6000)


def test_the_crawl_reaches_every_kind_of_public_surface(walked: Crawl) -> None:
    everything = "\n".join(walked.pages.values())
    # It did reach the public content, so finding nothing below means something.
    assert MASKED_TITLE in everything
    assert walked.of_type("html") and walked.of_type("json")
    assert walked.of_type("pdf"), "no printed board was read"
    assert any("sitemap" in url for url in walked.of_type("xml")), "no sitemap was read"
    assert walked.of_type("atom") and walked.of_type("rss"), "no feed was read"
    assert any(
        url.startswith("/search?") and MASKED_TITLE in walked.pages[url] for url in walked.pages
    )


@pytest.mark.parametrize(
    "needle",
    [
        PARTY,
        PARTY_TITLE,
        DRAFT,
        SCHEDULED,
        PARTY_FIRST,
        WITHDRAWN,
        EXEMPT_REASON,
        EXEMPT_NOTICE,
        *APPLICANT,
        *RAW_NUMBERS,
    ],
)
def test_no_planted_text_reaches_an_anonymous_reader(walked: Crawl, needle: str) -> None:
    assert walked.containing(needle) == []


def test_no_unmasked_mobile_or_id_number_anywhere(walked: Crawl) -> None:
    found = {
        url: sorted(set(MOBILE.findall(text)) | set(ID_NUMBER.findall(text)))
        for url, text in walked.pages.items()
    }
    assert {url: numbers for url, numbers in found.items() if numbers} == {}
