"""The rules of opinions: submit, triage, assign, pass on, answer, publish, rate.

Plain functions; pages, the kiosk and the API call them and show what they raise
(ValidationError in Chinese, PermissionDenied). Every step is recorded as an OpinionEvent.

Decisions:
- The deadline is `answer_days` working days after the day of receipt (Beijing date), from
  the responsible organization's AnswerRule, else its nearest superior's, else
  settings.ENGAGEMENT_ANSWER_DAYS (10). Passing the opinion to another unit keeps it.
- The sender, holding the tracking code, sees the answer once it is given (masked), whether
  or not it is published on the echo wall; the echo wall shows only published answers.
- The satisfaction vote is taken once: the first vote stands, a second one is refused (a
  one-touch kiosk button cannot flip a recorded result); staff cannot vote for the sender.
- A submission or a vote may carry the key its device drew for it (a UUID; the kiosk queues
  what is sent offline and sends it again until it hears back). The key is unique in the
  database: a replay, even one racing the first sending in another process, stores nothing
  and answers what the first sending stored (the same tracking code, the same vote).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai import permissions
from gongkai.catalog.models import Scope
from gongkai.disclosures import scanning
from gongkai.disclosures.visibility import in_scope
from gongkai.engagement.models import (
    ANSWER_MAX,
    CONTACT_MAX,
    NAME_MAX,
    OPEN_STATES,
    OPINION_MAX,
    REASON_MAX,
    AnswerRule,
    Channel,
    Kind,
    Opinion,
    OpinionAttachment,
    OpinionEvent,
    Rating,
    State,
)
from gongkai.guard import tracking, uploads
from gongkai.guard.text import plain
from gongkai.notifications.models import BODY_MAX, SUBJECT_MAX
from gongkai.notifications.services import notify
from gongkai.organizations.models import Organization, Role
from gongkai.search import index as search_index
from gongkai.workdays import services as workdays

EMPTY = gettext_lazy("Please write your opinion.")
UNKNOWN_KIND = gettext_lazy("Choose what kind of opinion this is.")
UNKNOWN_CHANNEL = gettext_lazy("Unknown channel.")
WRONG_ORGANIZATION = gettext_lazy("The disclosure does not belong to this organization.")
CANNOT_HANDLE = gettext_lazy("Only the responsible unit's staff handle this opinion.")
NOT_OPEN = gettext_lazy("This opinion is no longer waiting for an answer.")
BAD_TRIAGE = gettext_lazy("Choose valid, duplicate, spam or out of scope.")
REASON_REQUIRED = gettext_lazy("Give the reason: the sender reads it with the tracking code.")
DUPLICATE_OF_REQUIRED = gettext_lazy("Name the opinion this one repeats (its tracking code).")
DUPLICATE_OF_SELF = gettext_lazy("An opinion cannot repeat itself.")
DUPLICATE_UNKNOWN = gettext_lazy("No opinion of this organization has that tracking code.")
NOT_STAFF = gettext_lazy("Assign the opinion to a clerk, reviewer or principal of the unit.")
ANSWER_REQUIRED = gettext_lazy("Write the answer.")
NOT_ANSWERED = gettext_lazy("Only an answered opinion can go on the echo wall.")
BAD_SCOPE = gettext_lazy("Choose to whom the echo wall shows it.")
BAD_RATING = gettext_lazy("Choose satisfied, basically satisfied or dissatisfied.")
NOT_YET_ANSWERED = gettext_lazy("The answer has not been given yet; vote once you have read it.")
ALREADY_RATED = gettext_lazy("This answer has already been rated; the first vote stands.")
KEY_OF_ANOTHER = gettext_lazy("This submission key was already used for another message.")
BAD_KEY = gettext_lazy("The submission key is not valid.")
BAD_TARGET = gettext_lazy(
    "An opinion can be passed only to a unit below the responsible one or to its superior."
)

DEFAULT_ANSWER_DAYS = 10
DEFAULT_ESCALATE_AFTER = 5
#: Who hears of a new opinion at the responsible unit.
NEW_OPINION_ROLES = (Role.Kind.CLERK, Role.Kind.PRINCIPAL)
#: Whom an opinion may be assigned to.
ASSIGNABLE_ROLES = (Role.Kind.CLERK, Role.Kind.REVIEWER, Role.Kind.PRINCIPAL)


# --- rules per organization -------------------------------------------------------------


def rule_for(org: Organization) -> tuple[int, int]:
    """(working days to answer, working days overdue before escalation) for `org`."""
    rules = {
        r.organization_id: r
        for r in AnswerRule.objects.filter(
            organization__in=org.ancestors(include_self=True).values("pk")
        )
    }
    chain = [org.pk, *reversed([a.pk for a in org.ancestors()])]
    for pk in chain:
        if pk in rules:
            return rules[pk].answer_days, rules[pk].escalate_after_days
    return (
        int(getattr(settings, "ENGAGEMENT_ANSWER_DAYS", DEFAULT_ANSWER_DAYS)),
        int(getattr(settings, "ENGAGEMENT_ESCALATE_AFTER_DAYS", DEFAULT_ESCALATE_AFTER)),
    )


def deadline_for(org: Organization, received_at: dt.datetime) -> workdays.Deadline:
    days, _escalate = rule_for(org)
    return workdays.deadline(timezone.localdate(received_at), days)


# --- helpers ------------------------------------------------------------------------------


def _record(
    opinion: Opinion, kind: str, actor: Any = None, note: Any = "", at: dt.datetime | None = None
) -> OpinionEvent:
    return OpinionEvent.objects.create(
        opinion=opinion,
        kind=kind,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=str(note)[:REASON_MAX],
    )


def _require_handler(user: Any, opinion: Opinion) -> None:
    if not permissions.can_handle_opinions(user, opinion.responsible):
        raise PermissionDenied(CANNOT_HANDLE)


def _people(org: Organization, kinds: tuple[str, ...]) -> list[Any]:
    roles = Role.objects.filter(
        organization=org, kind__in=kinds, user__is_active=True
    ).select_related("user")
    return list({r.user_id: r.user for r in roles}.values())


def console_link(opinion: Opinion) -> str:
    return reverse("engagement_console:detail", args=[opinion.pk])


def _notify(user: Any, opinion: Opinion, kind: str, event: str, subject: str, body: str) -> None:
    notify(
        user,
        key=f"opinion:{opinion.pk}:{event}",
        kind=kind,
        subject=subject[:SUBJECT_MAX],
        body=body[:BODY_MAX],
        link=console_link(opinion) if event != "answered" else reverse("engagement:track"),
        organization=opinion.responsible,
    )


def shown_text(text: str, opinion: Opinion) -> str:
    """`text` as the public may read it: personal numbers masked (disclosures.scanning.mask),
    and the sender's own name and contact, should they appear in it, replaced by marks."""
    masked = scanning.mask(text)
    names = [opinion.sender_name, opinion.sender_contact]
    if opinion.account is not None:
        names += [opinion.account.display_name, opinion.account.username]
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len)[::-1]:
        masked = masked.replace(name, "＊" * min(len(name), 6))
    return masked


def parse_key(value: Any) -> uuid.UUID | None:
    """A device's submission key (a UUID in its usual text form), None when empty; anything
    else is refused with a ValidationError in Chinese."""
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    text = str(value).strip()
    if len(text) > 40:
        raise ValidationError(BAD_KEY)
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise ValidationError(BAD_KEY) from exc


def by_key(key: Any) -> Opinion | None:
    """The opinion a submission key already stored, or None."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    return (
        Opinion.objects.select_related("organization", "responsible")
        .filter(submission_key=parsed)
        .first()
    )


def _replayed(org: Organization, key: uuid.UUID | None) -> Opinion | None:
    existing = by_key(key)
    if existing is not None and existing.organization_id != org.pk:
        raise ValidationError({"key": [str(KEY_OF_ANOTHER)]})
    return existing


def _new_code() -> str:
    while True:
        code = tracking.new_code()
        if not Opinion.objects.filter(tracking_code=code).exists():
            return code


# --- the steps ----------------------------------------------------------------------------


def submit(
    org: Organization,
    *,
    kind: str,
    text: str,
    channel: str,
    item_key: str = "",
    disclosure: Any = None,
    sender_name: str = "",
    sender_contact: str = "",
    account: Any = None,
    files: Sequence[Any] = (),
    now: dt.datetime | None = None,
    key: Any = None,
) -> Opinion:
    """Store an opinion sent to `org`, give it a tracking code and a deadline, tell the unit.

    `key` (a UUID drawn by the sending device): when an opinion with it is already stored,
    that opinion is returned and nothing else happens (see the module's decisions).

    The caller has already asked the guard (gongkai.guard.limits) for public input. `files`
    (at most guard.uploads.DEFAULT_MAX_FILES) are checked by their bytes, read and scanned
    (gongkai.guard.uploads.check_all) before anything is stored, outside the transaction
    (the sandboxed reader may take seconds); a refusal is a ValidationError on "attachments".
    They are stored with the opinion, in its transaction, for the handling staff only."""
    submission_key = parse_key(key)
    existing = _replayed(org, submission_key)
    if existing is not None:
        return existing
    errors: dict[str, list[str]] = {}

    def clean(field: str, value: Any, bound: int, label: Any = None) -> str:
        try:
            return plain(value, max_length=bound)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return ""

    body = clean("text", text, OPINION_MAX)
    if not body and "text" not in errors:
        errors["text"] = [str(EMPTY)]
    name = clean("sender_name", sender_name, NAME_MAX)
    contact = clean("sender_contact", sender_contact, CONTACT_MAX)
    key = clean("item_key", item_key, 200)
    if kind not in Kind.values:
        errors["kind"] = [str(UNKNOWN_KIND)]
    if channel not in Channel.values:
        errors["channel"] = [str(UNKNOWN_CHANNEL)]
    if disclosure is not None and disclosure.organization_id != org.pk:
        errors["disclosure"] = [str(WRONG_ORGANIZATION)]
    if errors:
        raise ValidationError(errors)
    try:
        checked = uploads.check_all([f for f in files if f is not None])
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from exc
    now = now or timezone.now()
    due = deadline_for(org, now)
    stored: list[OpinionAttachment] = []
    try:
        with transaction.atomic():
            raced: Opinion | None = None
            for _attempt in range(5):
                try:
                    with transaction.atomic():
                        opinion = Opinion.objects.create(
                            kind=kind,
                            organization=org,
                            item_key=key,
                            disclosure=disclosure,
                            text=body,
                            sender_name=name,
                            sender_contact=contact,
                            account=account
                            if getattr(account, "is_authenticated", False)
                            else None,
                            channel=channel,
                            tracking_code=_new_code(),
                            responsible=org,
                            received_at=now,
                            due_date=due.date,
                            due_provisional=due.provisional,
                            submission_key=submission_key,
                        )
                        opinion.masked_question = shown_text(body, opinion)
                        opinion.save(update_fields=["masked_question"])
                    break
                except IntegrityError:
                    # The same key stored by a racing replay (the other process committed
                    # first): answer its opinion. Else a tracking code drawn twice: draw again.
                    raced = _replayed(org, submission_key)
                    if raced is not None:
                        break
                    continue
            else:  # pragma: no cover - 60 random bits
                raise RuntimeError("no free tracking code")
            if raced is not None:
                return raced
            for one in checked:
                stored.append(store_attachment(opinion, one))
            _record(opinion, OpinionEvent.Kind.SUBMITTED, account, Channel(channel).label, now)
            subject = _("New opinion to %(org)s (%(kind)s)") % {
                "org": org.name,
                "kind": Kind(kind).label,
            }
            text_body = _("Received %(code)s; please answer by %(due)s.") % {
                "code": opinion.code_display,
                "due": due.date.isoformat(),
            }
            for person in _people(org, NEW_OPINION_ROLES):
                _notify(person, opinion, "general", "received", subject, text_body)
    except BaseException:
        # Rolled back: the files written for it go too.
        for row in stored:
            row.file.delete(save=False)
        raise

    return opinion


def store_attachment(opinion: Opinion, checked: uploads.Checked) -> OpinionAttachment:
    """One checked file of `opinion`, inside the caller's transaction."""
    row = OpinionAttachment(
        opinion=opinion,
        name=checked.name,
        kind=checked.kind,
        size=len(checked.content),
        sha256=checked.sha256,
        text=checked.text,
        complete=checked.complete,
        findings=len(checked.findings),
    )
    # The storage path is random (models.attachment_path): the typed name never reaches it.
    row.file.save(checked.name, ContentFile(checked.content), save=False)
    row.save()
    return row


TRIAGE_STATES = (State.VALID, State.DUPLICATE, State.SPAM, State.OUT_OF_SCOPE)


def triage(
    opinion: Opinion,
    *,
    actor: Any,
    state: str,
    reason: str = "",
    duplicate_of: str = "",
    now: dt.datetime | None = None,
) -> Opinion:
    """Accept the opinion (valid) or close it as a duplicate, spam or out of scope, with a
    reason; a duplicate names the opinion it repeats by tracking code."""
    _require_handler(actor, opinion)
    if opinion.state not in OPEN_STATES:
        raise ValidationError(NOT_OPEN)
    if state not in TRIAGE_STATES:
        raise ValidationError({"state": [str(BAD_TRIAGE)]})
    note = plain(reason, max_length=REASON_MAX)
    if state != State.VALID and not note:
        raise ValidationError({"reason": [str(REASON_REQUIRED)]})
    original = None
    if state == State.DUPLICATE:
        code = tracking.normalize(duplicate_of or "")
        if code is None:
            raise ValidationError({"duplicate_of": [str(DUPLICATE_OF_REQUIRED)]})
        if code == opinion.tracking_code:
            raise ValidationError({"duplicate_of": [str(DUPLICATE_OF_SELF)]})
        original = (
            Opinion.objects.filter(tracking_code=code, responsible=opinion.responsible).first()
            or Opinion.objects.filter(tracking_code=code, organization=opinion.organization).first()
        )
        if original is None:
            raise ValidationError({"duplicate_of": [str(DUPLICATE_UNKNOWN)]})
    with transaction.atomic():
        opinion.state = state
        opinion.triage_reason = note
        opinion.duplicate_of = original
        opinion.save(update_fields=["state", "triage_reason", "duplicate_of"])
        _record(
            opinion,
            OpinionEvent.Kind.TRIAGED,
            actor,
            f"{State(state).label}{'：' + note if note else ''}",
            now,
        )
    return opinion


def assign(opinion: Opinion, *, actor: Any, to: Any, now: dt.datetime | None = None) -> Opinion:
    """Give the opinion to one of the responsible unit's staff, who hears of it."""
    _require_handler(actor, opinion)
    if opinion.state not in OPEN_STATES:
        raise ValidationError(NOT_OPEN)
    if (
        to is None
        or not Role.objects.filter(
            user=to, organization=opinion.responsible, kind__in=ASSIGNABLE_ROLES
        ).exists()
    ):
        raise ValidationError({"assigned_to": [str(NOT_STAFF)]})
    with transaction.atomic():
        opinion.assigned_to = to
        if opinion.state == State.RECEIVED:
            opinion.state = State.VALID
        opinion.save(update_fields=["assigned_to", "state"])
        _record(opinion, OpinionEvent.Kind.ASSIGNED, actor, to.display_name or to.username, now)
        _notify(
            to,
            opinion,
            "general",
            f"assigned:{to.pk}",
            _("Opinion %(code)s assigned to you") % {"code": opinion.code_display},
            _("Please answer by %(due)s.") % {"due": opinion.due_date.isoformat()},
        )
    return opinion


def pass_on(opinion: Opinion, *, actor: Any, to: Organization, reason: str = "") -> Opinion:
    """Make another unit responsible: one below the responsible unit, or its superior."""
    _require_handler(actor, opinion)
    if opinion.state not in OPEN_STATES:
        raise ValidationError(NOT_OPEN)
    current = opinion.responsible
    if to.pk == current.pk or not (to.is_within(current) or to.pk == current.parent_id):
        raise ValidationError({"responsible": [str(BAD_TARGET)]})
    note = plain(reason, max_length=REASON_MAX)
    with transaction.atomic():
        opinion.responsible = to
        opinion.assigned_to = None
        opinion.save(update_fields=["responsible", "assigned_to"])
        _record(opinion, OpinionEvent.Kind.REASSIGNED, actor, f"{to.name} {note}".strip())
        for person in _people(to, NEW_OPINION_ROLES):
            _notify(
                person,
                opinion,
                "general",
                f"passed:{to.pk}",
                _("Opinion %(code)s passed to %(org)s")
                % {"code": opinion.code_display, "org": to.name},
                _("Please answer by %(due)s.") % {"due": opinion.due_date.isoformat()},
            )
    return opinion


def answer(opinion: Opinion, *, actor: Any, text: str, now: dt.datetime | None = None) -> Opinion:
    """Record the answer; the sender reads it (masked) with the tracking code and, when
    signed in, hears of it."""
    _require_handler(actor, opinion)
    if opinion.state not in OPEN_STATES:
        raise ValidationError(NOT_OPEN)
    body = plain(text, max_length=ANSWER_MAX)
    if not body:
        raise ValidationError({"answer": [str(ANSWER_REQUIRED)]})
    with transaction.atomic():
        opinion.answer = body
        opinion.masked_answer = shown_text(body, opinion)
        now = now or timezone.now()
        opinion.answered_at = now
        opinion.answered_by = actor
        opinion.state = State.ANSWERED
        opinion.save(
            update_fields=["answer", "masked_answer", "answered_at", "answered_by", "state"]
        )
        _record(opinion, OpinionEvent.Kind.ANSWERED, actor, "", now)
        if opinion.account is not None and opinion.account.is_active:
            _notify(
                opinion.account,
                opinion,
                "general",
                "answered",
                _("Your opinion %(code)s has been answered") % {"code": opinion.code_display},
                _("%(org)s answered your opinion. Read it with the tracking code.")
                % {"org": opinion.responsible.name},
            )
    return opinion


def publish(
    opinion: Opinion, *, actor: Any, scope: str = Scope.PUBLIC, now: dt.datetime | None = None
) -> Opinion:
    """Show the question and answer on the organization's echo wall to `scope`, masked
    again at this moment, without the sender."""
    _require_handler(actor, opinion)
    if opinion.state != State.ANSWERED:
        raise ValidationError(NOT_ANSWERED)
    if scope not in Scope.values:
        raise ValidationError({"scope": [str(BAD_SCOPE)]})
    with transaction.atomic():
        opinion.masked_question = shown_text(opinion.text, opinion)
        opinion.masked_answer = shown_text(opinion.answer, opinion)
        opinion.echo_scope = scope
        opinion.published = True
        now = now or timezone.now()
        opinion.published_at = now
        opinion.save(
            update_fields=[
                "masked_question",
                "masked_answer",
                "echo_scope",
                "published",
                "published_at",
            ]
        )
        _record(opinion, OpinionEvent.Kind.PUBLISHED, actor, Scope(scope).label, now)
        search_index.update_opinion(opinion)
    return opinion


def unpublish(opinion: Opinion, *, actor: Any, reason: str = "") -> Opinion:
    _require_handler(actor, opinion)
    note = plain(reason, max_length=REASON_MAX)
    with transaction.atomic():
        opinion.published = False
        opinion.save(update_fields=["published"])
        _record(opinion, OpinionEvent.Kind.UNPUBLISHED, actor, note)
        search_index.update_opinion(opinion)
    return opinion


def rate(
    opinion: Opinion, rating: str, *, now: dt.datetime | None = None, key: Any = None
) -> Opinion:
    """The sender's satisfaction vote (whoever holds the tracking code): once.

    `key` (a UUID drawn by the voting device): a replay of a vote already recorded with it
    answers that vote, recorded once, instead of refusing it as a second vote."""
    if rating not in Rating.values:
        raise ValidationError({"rating": [str(BAD_RATING)]})
    vote_key = parse_key(key)
    if vote_key is not None:
        recorded = Opinion.objects.filter(pk=opinion.pk, rating_key=vote_key).first()
        if recorded is not None:
            opinion.rating, opinion.rated_at = recorded.rating, recorded.rated_at
            opinion.rating_key = vote_key
            return opinion
    if opinion.state != State.ANSWERED:
        raise ValidationError(NOT_YET_ANSWERED)
    when = now or timezone.now()
    with transaction.atomic():
        # Conditional: two votes at once, one wins. The key is unique: a key already used
        # on another opinion is refused by the database, not stored twice.
        try:
            with transaction.atomic():
                updated = Opinion.objects.filter(pk=opinion.pk, rating="").update(
                    rating=rating, rated_at=when, rating_key=vote_key
                )
        except IntegrityError as exc:
            raise ValidationError(BAD_KEY) from exc
        if not updated:
            if vote_key is not None:
                recorded = Opinion.objects.filter(pk=opinion.pk, rating_key=vote_key).first()
                if recorded is not None:  # the same vote, recorded by a racing replay
                    opinion.rating, opinion.rated_at = recorded.rating, recorded.rated_at
                    opinion.rating_key = vote_key
                    return opinion
            raise ValidationError(ALREADY_RATED)
        opinion.rating, opinion.rated_at, opinion.rating_key = rating, when, vote_key
        _record(opinion, OpinionEvent.Kind.RATED, None, Rating(rating).label, when)
    return opinion


# --- reading ------------------------------------------------------------------------------


def find(code_text: str) -> Opinion | None:
    """The opinion a typed tracking code names, or None."""
    code = tracking.normalize(code_text or "")
    if code is None:
        return None
    return (
        Opinion.objects.select_related("organization", "responsible")
        .filter(tracking_code=code)
        .first()
    )


def echo_wall(org: Organization, user: Any) -> Any:
    """The published answers of `org` the person may see, newest first (the scope rule is
    gongkai.disclosures.visibility.in_scope, asked once per scope)."""
    return wall_of(org.pk, echo_scopes(org, user))


def echo_scopes(org: Organization, user: Any) -> list[str]:
    """The scopes of `org`'s answers the person may see."""
    return [s for s in Scope.values if in_scope(user, org, s)]


def wall_of(organization_id: int, scopes: list[str]) -> Any:
    """The published answers of an organization in `scopes`, newest first."""
    return (
        Opinion.objects.on_wall()
        .filter(organization_id=organization_id, echo_scope__in=scopes)
        .order_by("-published_at", "-pk")
    )


def remaining_days(opinion: Opinion, on: dt.date) -> int:
    """Working days left until the deadline (negative: overdue by that many)."""
    if on <= opinion.due_date:
        return workdays.count_provisional(on, opinion.due_date)[0]
    return -workdays.count_provisional(opinion.due_date, on)[0]


def is_overdue(opinion: Opinion, on: dt.date) -> bool:
    return opinion.state in OPEN_STATES and on > opinion.due_date
