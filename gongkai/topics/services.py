"""The rules of topic requests (点题公开). Pages, the API, the demo and the daily reminders call
these; each checks the one permission predicate (gongkai.permissions) and works in one
transaction.

Visibility: members and staff of the organization see its topics (open and answered); an
answer, with its question, is shown beyond them to the audience its echo scope names, as
`gongkai.disclosures.visibility.in_scope` decides (the one rule). What anyone but the
handling staff reads is masked (`gongkai.disclosures.scanning.mask`), and the proposer is
never named to anyone but the handling staff.
"""

from __future__ import annotations

import html
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongkai import permissions, validation
from gongkai.accounts.models import User
from gongkai.catalog import services as catalog_services
from gongkai.catalog.effective import applicable_catalog, effective_catalog
from gongkai.catalog.models import Catalog, Scope, Timing
from gongkai.disclosures import scanning, visibility, workflow
from gongkai.guard import text as guard_text
from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX
from gongkai.notifications.services import notify
from gongkai.organizations.models import Organization, Role
from gongkai.search import index as search_index
from gongkai.topics.models import (
    ANSWER_MAX,
    DEFAULT_ANSWER_DAYS,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Outcome,
    State,
    TopicRequest,
    TopicSettings,
    TopicSupport,
)
from gongkai.workdays import services as workdays

#: Support counts at which the organization's staff hear that a topic is wanted.
SUPPORT_THRESHOLDS = (3, 10, 30, 100)
#: The name shown for a proposer to anyone but the handling staff.
PROPOSER_SHOWN = _("Party member")
#: The timings a topic's catalog item may take (periodic items need a period and a rule).
ITEM_TIMINGS = (Timing.EVENT, Timing.STANDING, Timing.ON_REQUEST)

NOT_PROPOSER = _("Only members and staff of %(org)s may propose topics there.")
NOT_SUPPORTER = _("Only members and staff of %(org)s may support its topics.")
NOT_ANSWERER = _("You may not answer the topic requests of %(org)s.")
NOT_ITEM = _("Adding items to the catalog of %(org)s needs its principal or office.")
NOT_DRAFTER = _("Drafting a disclosure of %(org)s needs its clerk.")
TITLE_REQUIRED = _("Give the topic a title.")
ANSWER_REQUIRED = _("Write the answer.")
REASON_REQUIRED = _("Say why the topic is declined.")
NOT_OPEN = _("This topic has already been answered.")
OWN_TOPIC = _("You proposed this topic yourself; support is for other people's topics.")
BAD_SCOPE = _("Choose who sees the answer.")
BAD_TIMING = _("Choose when the item is disclosed: when it happens, standing, or on request.")
NO_CATALOG = _("%(org)s has no disclosure catalog to add the item to.")
UNKNOWN_ITEM = _("There is no item “%(key)s” in the catalog of %(org)s.")
UNKNOWN_CATEGORY = _("There is no category “%(key)s” in the catalog of %(org)s.")
MERGE_SELF = _("A topic cannot be merged into itself.")
MERGE_OTHER_ORG = _("Topics can only be merged within one organization.")
MERGE_MERGED = _("That topic has itself been merged; choose the one it was merged into.")


# --- text ----------------------------------------------------------------------------------


def plain_text(value: Any, *, max_length: int, label: Any = None) -> str:
    """What a person typed as bounded plain text (gongkai.guard.text.plain, the one cleaner
    of what people send); a ValidationError in Chinese naming the field otherwise."""
    return guard_text.plain(value, max_length=max_length, label=label)


def masked(text: str) -> str:
    """Text as shown beyond the handling staff: every personal number masked."""
    return scanning.mask(text or "")


def public_title(topic: TopicRequest) -> str:
    return masked(topic.title)


def public_description(topic: TopicRequest) -> str:
    return masked(topic.description)


def public_answer(topic: TopicRequest) -> str:
    return masked(topic.answer)


# --- visibility ----------------------------------------------------------------------------


def can_see(user: Any, topic: TopicRequest) -> bool:
    """Members and staff of the organization see every topic of it; an answered topic is
    seen beyond them by the audience of its echo scope (the one rule: in_scope). A merged
    topic's answer is the other topic's, so it is not shown beyond the organization."""
    return can_read_topics(user, topic.organization) or (
        topic.state == State.ANSWERED
        and topic.outcome != Outcome.MERGED
        and visibility.in_scope(user, topic.organization, topic.echo_scope)
    )


def can_read_topics(user: Any, org: Organization) -> bool:
    """Read the organization's topic list, open topics included."""
    return visibility.in_scope(user, org, Scope.PARTY)


def visible_in(org: Organization, user: Any) -> QuerySet[TopicRequest]:
    """`can_see` as a queryset over one organization's topics, in the members' order: all of
    them for its members and staff; for anyone else the answered ones whose echo scope
    reaches them (each scope asked of the one rule)."""
    qs = listed(org)
    if can_read_topics(user, org):
        return qs
    scopes = [scope for scope in Scope.values if visibility.in_scope(user, org, scope)]
    return qs.filter(state=State.ANSWERED, echo_scope__in=scopes).exclude(outcome=Outcome.MERGED)


def sees_proposer(user: Any, topic: TopicRequest) -> bool:
    """Only the handling staff see who proposed a topic."""
    return permissions.can_answer_topic(user, topic.organization)


def listed(org: Organization) -> QuerySet[TopicRequest]:
    """The organization's topics for its members: open ones by support, then answered ones,
    newest answer first."""
    return (
        TopicRequest.objects.filter(organization=org)
        .select_related("organization", "merged_into")
        .annotate(
            answered_rank=Case(
                When(state=State.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("answered_rank", "-support_count", F("answered_at").desc(nulls_last=True), "-pk")
    )


def for_console(org: Organization, today: Any = None) -> QuerySet[TopicRequest]:
    """The console's list: open topics first, overdue ones first among them, then the most
    supported, the soonest due; answered ones after, newest first."""
    today = today or timezone.localdate()
    return (
        TopicRequest.objects.filter(organization=org)
        .select_related("organization", "proposer")
        .annotate(
            rank=Case(
                When(state=State.OPEN, due_date__lt=today, then=Value(0)),
                When(state=State.OPEN, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "-support_count", "due_date", F("answered_at").desc(nulls_last=True))
    )


def is_overdue(topic: TopicRequest, today: Any = None) -> bool:
    return topic.state == State.OPEN and topic.due_date < (today or timezone.localdate())


def supported_by(user: Any, topics: list[TopicRequest]) -> set[int]:
    """Which of `topics` the person supports (one query)."""
    if not getattr(user, "is_authenticated", False) or not topics:
        return set()
    return set(
        TopicSupport.objects.filter(member=user, topic__in=topics).values_list(
            "topic_id", flat=True
        )
    )


# --- proposing and support -----------------------------------------------------------------


def answer_days(org: Organization) -> int:
    row = TopicSettings.objects.filter(organization=org).first()
    return row.answer_days if row else DEFAULT_ANSWER_DAYS


@transaction.atomic
def propose(org: Organization, *, actor: Any, title: str, description: str = "") -> TopicRequest:
    if not permissions.can_propose_topic(actor, org):
        raise PermissionDenied(NOT_PROPOSER % {"org": org.name})
    title = plain_text(title, max_length=TITLE_MAX, label=_("Title"))
    description = plain_text(description, max_length=DESCRIPTION_MAX, label=_("Description"))
    if not title:
        raise ValidationError(TITLE_REQUIRED)
    now = timezone.now()
    days = answer_days(org)
    due = workdays.deadline(timezone.localdate(now), days)
    topic = TopicRequest.objects.create(
        organization=org,
        proposer=actor,
        title=title,
        description=description,
        created_at=now,
        answer_days=days,
        due_date=due.date,
        due_provisional=due.provisional,
    )
    _tell_staff_of_new(topic)
    return topic


def _lock_open(topic: TopicRequest) -> TopicRequest:
    locked = (
        TopicRequest.objects.select_for_update().select_related("organization").get(pk=topic.pk)
    )
    if locked.state != State.OPEN:
        raise ValidationError(NOT_OPEN)
    return locked


@transaction.atomic
def support(topic: TopicRequest, *, actor: Any) -> bool:
    """The person supports the topic; True when this call added the support. The count on
    the topic moves with the row in one transaction, by an UPDATE (never read, add, write)."""
    org = topic.organization
    if not permissions.can_support_topic(actor, org):
        raise PermissionDenied(NOT_SUPPORTER % {"org": org.name})
    if topic.proposer_id == actor.pk:
        raise ValidationError(OWN_TOPIC)
    if not TopicRequest.objects.filter(pk=topic.pk, state=State.OPEN).exists():
        raise ValidationError(NOT_OPEN)
    try:
        with transaction.atomic():
            TopicSupport.objects.create(topic=topic, member=actor)
    except IntegrityError:
        return False  # supported already (perhaps by a concurrent call of the same person)
    TopicRequest.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    count = TopicRequest.objects.filter(pk=topic.pk).values_list("support_count", flat=True).get()
    topic.support_count = count
    if count in SUPPORT_THRESHOLDS:
        _tell_staff_of_support(topic, count)
    return True


@transaction.atomic
def unsupport(topic: TopicRequest, *, actor: Any) -> bool:
    """Take one's support back while the topic is open; True when there was one."""
    org = topic.organization
    if not permissions.can_support_topic(actor, org):
        raise PermissionDenied(NOT_SUPPORTER % {"org": org.name})
    if not TopicRequest.objects.filter(pk=topic.pk, state=State.OPEN).exists():
        raise ValidationError(NOT_OPEN)
    deleted, _rows = TopicSupport.objects.filter(topic=topic, member=actor).delete()
    if not deleted:
        return False
    TopicRequest.objects.filter(pk=topic.pk).update(support_count=F("support_count") - 1)
    topic.support_count = (
        TopicRequest.objects.filter(pk=topic.pk).values_list("support_count", flat=True).get()
    )
    return True


# --- answering -----------------------------------------------------------------------------


def _check_answerer(actor: Any, org: Organization) -> None:
    if not permissions.can_answer_topic(actor, org):
        raise PermissionDenied(NOT_ANSWERER % {"org": org.name})


def _answer_fields(answer: str, echo_scope: str, *, required: Any = ANSWER_REQUIRED) -> str:
    text = plain_text(answer, max_length=ANSWER_MAX, label=_("Answer"))
    if not text:
        raise ValidationError(required)
    if echo_scope not in Scope.values:
        raise ValidationError(BAD_SCOPE)
    return text


def _close(
    topic: TopicRequest, *, actor: Any, outcome: str, answer: str, echo_scope: str, **extra: Any
) -> TopicRequest:
    topic.state = State.ANSWERED
    topic.outcome = outcome
    topic.answer = answer
    topic.echo_scope = echo_scope
    topic.answered_by = actor
    topic.answered_at = timezone.now()
    for name, value in extra.items():
        setattr(topic, name, value)
    topic.save()
    search_index.update_topic(topic)
    _tell_of_answer(topic)
    return topic


def item_categories(org: Organization) -> list[tuple[str, str]]:
    """The categories a topic's item may go into: the draft of the organization's layer (or
    of the superior's, which a new layer would inherit)."""
    catalog = Catalog.objects.filter(organization=org).first()
    if catalog is None:
        catalog = catalog_services.nearest_superior_catalog(org)
        if catalog is None:
            return []
        version = catalog.version
    else:
        version = catalog.draft_version
    return [(c.key, str(c.name)) for c in effective_catalog(catalog, version).categories]


def disclosure_items(org: Organization) -> list[tuple[str, str]]:
    """The items of the organization's published catalog a disclosure may be drafted for."""
    catalog = applicable_catalog(org)
    if catalog is None:
        return []
    return [(item.key, str(item.value("name"))) for item in catalog.items]


@transaction.atomic
def accept_as_item(
    topic: TopicRequest,
    *,
    actor: Any,
    answer: str,
    echo_scope: str = Scope.PARTY,
    category_key: str = "",
    item_name: str = "",
    item_scope: str = Scope.PARTY,
    timing: str = Timing.EVENT,
) -> TopicRequest:
    """Turn the topic into a local item of the organization's catalog layer (opened by
    inheriting the superior's if it has none). The item joins the layer's draft; when the
    draft held nothing else, it is published at once, so the item is in force; otherwise it
    waits for the catalog's next publication with the other changes."""
    org = topic.organization
    _check_answerer(actor, org)
    if not permissions.can_accept_topic_as_item(actor, org):
        raise PermissionDenied(NOT_ITEM % {"org": org.name})
    topic = _lock_open(topic)
    answer = _answer_fields(answer, echo_scope)
    if item_scope not in Scope.values:
        raise ValidationError(BAD_SCOPE)
    if timing not in ITEM_TIMINGS:
        raise ValidationError(BAD_TIMING)
    name = plain_text(item_name, max_length=TITLE_MAX, label=_("Item")) or masked(topic.title)
    catalog = Catalog.objects.filter(organization=org).first()
    if catalog is None:
        if catalog_services.nearest_superior_catalog(org) is None:
            raise ValidationError(NO_CATALOG % {"org": org.name})
        catalog = catalog_services.inherit_catalog(org, actor=actor)
    categories = [c.key for c in effective_catalog(catalog, catalog.draft_version).categories]
    category_key = validation.check_text(category_key, max_length=64)
    if category_key and category_key not in categories:
        raise ValidationError(UNKNOWN_CATEGORY % {"key": category_key, "org": org.name})
    had_draft = catalog_services.has_draft(catalog)
    key = catalog_services.save_item(
        catalog,
        actor=actor,
        values={
            "category_key": category_key or (categories[0] if categories else ""),
            "name": name,
            "description": masked(topic.description),
            "scope": item_scope,
            "timing": timing,
            "responsible_unit": org.name,
        },
    )
    if not had_draft:
        catalog_services.publish_catalog(
            catalog, actor=actor, note=gettext("Topic request: %(title)s") % {"title": name}
        )
    return _close(
        topic,
        actor=actor,
        outcome=Outcome.CATALOG_ITEM,
        answer=answer,
        echo_scope=echo_scope,
        item_key=key,
    )


@transaction.atomic
def accept_as_disclosure(
    topic: TopicRequest, *, actor: Any, answer: str, item_key: str, echo_scope: str = Scope.PARTY
) -> TopicRequest:
    """Turn the topic into a disclosure draft for an item of the catalog, linked to it."""
    org = topic.organization
    _check_answerer(actor, org)
    if not permissions.can_accept_topic_as_disclosure(actor, org):
        raise PermissionDenied(NOT_DRAFTER % {"org": org.name})
    topic = _lock_open(topic)
    answer = _answer_fields(answer, echo_scope)
    item_key = validation.check_text(item_key, max_length=64)
    if item_key not in dict(disclosure_items(org)):
        raise ValidationError(UNKNOWN_ITEM % {"key": item_key, "org": org.name})
    disclosure = workflow.create_disclosure(
        org,
        actor=actor,
        item_key=item_key,
        title=masked(topic.title),
        body=html.escape(masked(topic.description)).replace("\n", "<br>"),
    )
    return _close(
        topic,
        actor=actor,
        outcome=Outcome.DISCLOSURE,
        answer=answer,
        echo_scope=echo_scope,
        disclosure=disclosure,
    )


@transaction.atomic
def decline(
    topic: TopicRequest, *, actor: Any, reason: str, echo_scope: str = Scope.PARTY
) -> TopicRequest:
    _check_answerer(actor, topic.organization)
    topic = _lock_open(topic)
    reason = _answer_fields(reason, echo_scope, required=REASON_REQUIRED)
    return _close(
        topic, actor=actor, outcome=Outcome.DECLINED, answer=reason, echo_scope=echo_scope
    )


@transaction.atomic
def merge(
    topic: TopicRequest,
    *,
    actor: Any,
    into: TopicRequest,
    answer: str,
    echo_scope: str = Scope.PARTY,
) -> TopicRequest:
    """Merge the topic into another of the same organization: its supporters support the
    other one (each person once), and the answer says where it went."""
    _check_answerer(actor, topic.organization)
    if into.pk == topic.pk:
        raise ValidationError(MERGE_SELF)
    if into.organization_id != topic.organization_id:
        raise ValidationError(MERGE_OTHER_ORG)
    if into.outcome == Outcome.MERGED:
        raise ValidationError(MERGE_MERGED)
    topic = _lock_open(topic)
    answer = _answer_fields(answer, echo_scope)
    target = TopicRequest.objects.select_for_update().get(pk=into.pk)
    movers = (
        TopicSupport.objects.filter(topic=topic)
        .exclude(member__in=TopicSupport.objects.filter(topic=target).values("member"))
        .exclude(member=target.proposer_id)
    )
    if target.state == State.OPEN:
        for support_row in movers:
            TopicSupport.objects.create(topic=target, member_id=support_row.member_id)
        target.support_count = TopicSupport.objects.filter(topic=target).count()
        target.save(update_fields=["support_count"])
    return _close(
        topic,
        actor=actor,
        outcome=Outcome.MERGED,
        answer=answer,
        echo_scope=echo_scope,
        merged_into=target,
    )


# --- notifications -------------------------------------------------------------------------


def member_link(topic: TopicRequest) -> str:
    return reverse("topics:detail", args=[topic.organization.code, topic.pk])


def list_link(org: Organization) -> str:
    return reverse("topics:list", args=[org.code])


def console_link(topic: TopicRequest) -> str:
    return reverse("topics_console:detail", args=[topic.pk])


def handlers(
    org: Organization, kinds: tuple[str, ...] = (Role.Kind.CLERK, Role.Kind.PRINCIPAL)
) -> list[Any]:
    """The people at the organization itself who handle its topics."""
    return list(
        User.objects.filter(
            is_active=True, roles__organization=org, roles__kind__in=kinds
        ).distinct()
    )


def _send(
    recipient: Any, topic: TopicRequest, *, key: str, kind: str, subject: str, body: str, link: str
) -> None:
    notify(
        recipient,
        key=key,
        kind=kind,
        subject=subject[:SUBJECT_MAX],
        body=body[:BODY_MAX],
        link=link,
        organization=topic.organization,
    )


def _tell_staff_of_new(topic: TopicRequest) -> None:
    subject = gettext("New topic request: %(title)s") % {"title": topic.title}
    body = gettext(
        "A member of %(org)s proposed a topic to be disclosed. Please answer by %(due)s."
    ) % {"org": topic.organization.name, "due": topic.due_date.isoformat()}
    for person in handlers(topic.organization):
        if person.pk == topic.proposer_id:
            continue
        _send(person, topic, key=f"topic:{topic.pk}:new", kind="general", subject=subject,
              body=body, link=console_link(topic))  # fmt: skip


def _tell_staff_of_support(topic: TopicRequest, count: int) -> None:
    subject = gettext("%(count)d members support the topic: %(title)s") % {
        "count": count,
        "title": topic.title,
    }
    body = gettext("The topic request of %(org)s is due to be answered by %(due)s.") % {
        "org": topic.organization.name,
        "due": topic.due_date.isoformat(),
    }
    for person in handlers(topic.organization):
        _send(person, topic, key=f"topic:{topic.pk}:support:{count}", kind="general",
              subject=subject, body=body, link=console_link(topic))  # fmt: skip


def _tell_of_answer(topic: TopicRequest) -> None:
    """The proposer and every supporter hear of the answer (masked: they are not staff)."""
    subject = gettext("Your topic request was answered: %(title)s") % {"title": public_title(topic)}
    body = f"{topic.get_outcome_display()}: {public_answer(topic)}"
    people = {topic.proposer_id, *topic.supports.values_list("member_id", flat=True)}
    for person in User.objects.filter(pk__in=people, is_active=True):
        _send(person, topic, key=f"topic:{topic.pk}:answered", kind="general", subject=subject,
              body=body, link=member_link(topic))  # fmt: skip


def outcome_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Outcome.choices]


def open_topics(org: Organization) -> QuerySet[TopicRequest]:
    return TopicRequest.objects.filter(organization=org, state=State.OPEN)


def merge_targets(topic: TopicRequest) -> QuerySet[TopicRequest]:
    return (
        TopicRequest.objects.filter(organization=topic.organization_id)
        .exclude(pk=topic.pk)
        .exclude(outcome=Outcome.MERGED)
        .filter(Q(state=State.OPEN) | Q(state=State.ANSWERED))
        .order_by("-support_count", "-pk")
    )
