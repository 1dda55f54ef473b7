"""Answered topic requests for the echo wall (回音壁), which the engagement app builds: it
merges `entries(org, user)` into its own list.

Only answered topics (not merged ones: their answer is the other topic's) whose echo scope
reaches the person, by the one rule (`gongkai.disclosures.visibility.in_scope`, asked through
`services.can_see`); the question and the answer masked; the proposer never named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gongkai.organizations.models import Organization
from gongkai.topics import services
from gongkai.topics.models import Outcome, State, TopicRequest

#: How many answers one call returns at most, newest first.
LIMIT = 200


@dataclass(frozen=True)
class EchoEntry:
    kind: str
    #: The masked title and description of the topic.
    question: str
    #: The masked answer.
    answer: str
    answered_at: dt.datetime
    organization: Organization
    #: The topic's page (a path on this site).
    link: str
    support_count: int


def question_text(topic: TopicRequest) -> str:
    title, description = services.public_title(topic), services.public_description(topic)
    return f"{title}\n{description}" if description else title


def entries(org: Organization, user: Any, *, limit: int = LIMIT) -> list[EchoEntry]:
    topics = (
        TopicRequest.objects.filter(organization=org, state=State.ANSWERED)
        .exclude(outcome=Outcome.MERGED)
        .select_related("organization")
        .order_by("-answered_at", "-pk")
    )
    out: list[EchoEntry] = []
    for topic in topics[: limit * 2]:
        if not services.can_see(user, topic):
            continue
        assert topic.answered_at is not None
        out.append(
            EchoEntry(
                kind="topic",
                question=question_text(topic),
                answer=services.public_answer(topic),
                answered_at=topic.answered_at,
                organization=topic.organization,
                link=services.member_link(topic),
                support_count=topic.support_count,
            )
        )
        if len(out) >= limit:
            break
    return out
