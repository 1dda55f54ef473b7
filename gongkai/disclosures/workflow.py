"""The disclosure workflow: a table of allowed moves and one guarded function per move.

Every move runs in one transaction: it locks the disclosure row, checks the state and the
person's permission (gongkai.permissions), changes what the move changes, and writes an
Event row (who, when, from, to, why). Publication, correction and withdrawal also append to
the ledger inside the same transaction. Pages, the API and commands call these functions and
nothing else changes `state`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai import permissions, validation
from gongkai.catalog.effective import EffectiveItem, effective_catalog
from gongkai.catalog.models import Catalog, Scope
from gongkai.disclosures import data as structured_data
from gongkai.disclosures import scanning
from gongkai.disclosures.content import sanitize_html
from gongkai.disclosures.models import Disclosure, Event, Opinion, Revision, State
from gongkai.organizations.models import Organization
from gongkai.workdays.services import deadline


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit for review")
    OPEN_CONSULTATION = "open_consultation", _("Open consultation")
    CLOSE_CONSULTATION = "close_consultation", _("Close consultation")
    REVIEW = "review", _("Pass review (content and secrecy)")
    SEND_TO_SUPERIOR = "send_to_superior", _("Send to the superior for review")
    SUPERIOR_APPROVE = "superior_approve", _("Approve as the superior")
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return to the clerk")
    PUBLISH = "publish", _("Publish")
    END_PUBLICITY = "end_publicity", _("End the publicity period")
    ARCHIVE = "archive", _("Archive")
    WITHDRAW = "withdraw", _("Withdraw")
    CORRECT = "correct", _("Correct")


S, A = State, Action
CLERK, REVIEWER, SUPERIOR, CLERK_OR_REVIEWER, SYSTEM = (
    "clerk",
    "reviewer",
    "superior",
    "clerk_or_reviewer",
    "system",
)

#: (state, action) -> (new state, who may do it). Everything absent is refused.
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, CLERK),
    (S.RETURNED, A.SUBMIT): (S.SUBMITTED, CLERK),
    (S.SUBMITTED, A.OPEN_CONSULTATION): (S.CONSULTATION, CLERK_OR_REVIEWER),
    (S.CONSULTATION, A.CLOSE_CONSULTATION): (S.SUBMITTED, CLERK_OR_REVIEWER),
    (S.SUBMITTED, A.REVIEW): (S.REVIEWED, REVIEWER),
    (S.REVIEWED, A.SEND_TO_SUPERIOR): (S.SUPERIOR_REVIEW, REVIEWER),
    (S.SUPERIOR_REVIEW, A.SUPERIOR_APPROVE): (S.APPROVED, SUPERIOR),
    (S.REVIEWED, A.APPROVE): (S.APPROVED, REVIEWER),
    (S.SUBMITTED, A.RETURN): (S.RETURNED, REVIEWER),
    (S.CONSULTATION, A.RETURN): (S.RETURNED, REVIEWER),
    (S.REVIEWED, A.RETURN): (S.RETURNED, REVIEWER),
    (S.APPROVED, A.RETURN): (S.RETURNED, REVIEWER),
    (S.SUPERIOR_REVIEW, A.RETURN): (S.RETURNED, SUPERIOR),
    (S.APPROVED, A.PUBLISH): (S.PUBLISHED, CLERK_OR_REVIEWER),
    (S.PUBLISHED, A.END_PUBLICITY): (S.PUBLICITY_ENDED, SYSTEM),
    (S.PUBLICITY_ENDED, A.ARCHIVE): (S.ARCHIVED, CLERK_OR_REVIEWER),
    (S.PUBLISHED, A.WITHDRAW): (S.WITHDRAWN, REVIEWER),
    (S.PUBLICITY_ENDED, A.WITHDRAW): (S.WITHDRAWN, REVIEWER),
    (S.ARCHIVED, A.WITHDRAW): (S.WITHDRAWN, REVIEWER),
    (S.PUBLISHED, A.CORRECT): (S.PUBLISHED, REVIEWER),
    (S.PUBLICITY_ENDED, A.CORRECT): (S.PUBLICITY_ENDED, REVIEWER),
}

NOT_ALLOWED_NOW = _("“%(action)s” is not possible while the disclosure is “%(state)s”.")
NOT_YOURS = _("You may not “%(action)s” for %(org)s.")
REASON_REQUIRED = _("Give a reason; it stays on record.")
NOT_EDITABLE = _("Only a draft or a returned disclosure can be edited.")
CONSULT_FIRST = _("This item requires consultation before review.")
OPINIONS_UNHANDLED = _("Record how every opinion was handled before closing the consultation.")
CONSULTATION_RUNNING = _("The consultation period runs until %(until)s.")
CHECKLIST_INCOMPLETE = _("Confirm every point of the secrecy checklist.")
SECRET_MARKING = _("The text carries a secret marking (%(found)s); clear it or remove it first.")
SUPERIOR_NEEDED = _("This is a major matter: it must go to the superior for review.")
BACKDATED = _(
    "A publication cannot be dated in the past (%(at)s); a late disclosure stays visibly late."
)
NOT_A_MAJOR_MATTER = _("Only major matters go to the superior for review.")
NO_SUPERIOR = _("%(org)s has no superior organization to review this.")
NO_CATALOG = _("%(org)s has no published catalog yet.")
UNKNOWN_ITEM = _("The catalog of %(org)s has no such item.")
PUBLICITY_NOT_OVER = _("The publicity period lasts until %(until)s.")
EXCEPTION_REASON_REQUIRED = _("Say why %(kind)s must show unmasked.")

#: What the reviewer confirms, by name, in the secrecy review (保密审查).
SECRECY_CHECKLIST = {
    "no_state_secret": _("Contains no party or state secret"),
    "no_internal_only": _("Contains nothing meant only for inside the party beyond its scope"),
    "personal_data_minimised": _("Personal data is limited to what the disclosure needs"),
    "sources_checked": _("Figures and names were checked against their sources"),
}

LOCAL = ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Refusal:
    """Why a move is not possible, for pages that show buttons only when they would work."""

    message: str


_SIMULATED_NOW: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "simulated_now", default=None
)


def _now() -> dt.datetime:
    return _SIMULATED_NOW.get() or timezone.now()


@contextlib.contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    """Run moves as if it were `at`: events, ledger entries and publication times all say
    `at`. Only for building history (the demo, seeds, tests); pages and the API never use it,
    so a person can never date a publication earlier than it happened."""
    token = _SIMULATED_NOW.set(at)
    try:
        yield
    finally:
        _SIMULATED_NOW.reset(token)


def _may(role: str, actor: Any, disclosure: Disclosure) -> bool:
    org = disclosure.organization
    checks: dict[str, Callable[[], bool]] = {
        CLERK: lambda: permissions.can_draft(actor, org),
        REVIEWER: lambda: permissions.can_review(actor, org),
        SUPERIOR: lambda: permissions.can_review_as_superior(actor, org),
        CLERK_OR_REVIEWER: lambda: (
            permissions.can_draft(actor, org) or permissions.can_review(actor, org)
        ),
        SYSTEM: lambda: (
            actor is None or permissions.can_review(actor, org) or permissions.can_draft(actor, org)
        ),
    }
    return checks[role]()


def allowed_actions(actor: Any, disclosure: Disclosure) -> list[str]:
    """The moves this person could try now (the guards inside a move may still refuse)."""
    return [
        action
        for (state, action), (_target, role) in TRANSITIONS.items()
        if state == disclosure.state and _may(role, actor, disclosure)
    ]


def _label(action: str) -> str:
    return str(Action(action).label)


@transaction.atomic
def _move(
    disclosure: Disclosure,
    action: str,
    *,
    actor: Any,
    reason: str = "",
    apply: Callable[[Disclosure], None] | None = None,
    at: dt.datetime | None = None,
) -> Disclosure:
    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("organization", "organization__parent")
        .get(pk=disclosure.pk)
    )
    move = TRANSITIONS.get((locked.state, action))
    if move is None:
        raise ValidationError(
            NOT_ALLOWED_NOW % {"action": _label(action), "state": State(locked.state).label}
        )
    target, role = move
    if not _may(role, actor, locked):
        raise PermissionDenied(
            NOT_YOURS % {"action": _label(action), "org": locked.organization.name}
        )
    before = locked.state
    if apply is not None:
        apply(locked)  # may raise ValidationError: the transaction then changes nothing
    locked.state = target
    locked.save()
    Event.objects.create(
        disclosure=locked,
        action=action,
        from_state=before,
        to_state=target,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or _now(),
        reason=reason,
    )
    disclosure.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _need_reason(reason: str) -> str:
    reason = validation.check_text(reason, max_length=validation.REASON_MAX).strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    return reason


# --- creating and editing a draft ------------------------------------------------------------


def effective_item(org: Organization, item_key: str) -> tuple[Catalog, EffectiveItem]:
    catalog = Catalog.objects.filter(organization=org, version__gt=0).first()
    if catalog is None:
        raise ValidationError(NO_CATALOG % {"org": org.name})
    item = effective_catalog(catalog).find(item_key)
    if item is None:
        raise ValidationError(UNKNOWN_ITEM % {"org": org.name})
    return catalog, item


@transaction.atomic
def create_disclosure(
    org: Organization,
    *,
    actor: Any,
    item_key: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    period: str = "",
    event_date: dt.date | None = None,
    beyond_authority: bool = False,
    channels: list[str] | None = None,
) -> Disclosure:
    """A clerk starts a draft for a catalog item; the item's rules are copied onto it."""
    validation.check_disclosure_content(
        title=title, body=body, period=period, event_date=event_date, data=data
    )
    if not permissions.can_draft(actor, org):
        raise PermissionDenied(NOT_YOURS % {"action": _("Draft"), "org": org.name})
    catalog, item = effective_item(org, item_key)
    _check_data(item.value("form"), data or {})
    disclosure = Disclosure.objects.create(
        organization=org,
        catalog=catalog,
        catalog_version=catalog.version,
        item=item.item,
        period=period,
        event_date=event_date,
        title=title.strip(),
        body=sanitize_html(body),
        data=data or {},
        scope=item.value("scope"),
        party_first=item.value("party_first"),
        party_first_lag_days=item.value("party_first_lag_days") or 0,
        channels=_channels(channels)
        if channels is not None
        else list(item.value("channels") or []),
        consultation_required=item.value("consultation_required"),
        needs_superior_review=bool(item.value("major_matter") or beyond_authority),
        created_by=actor,
    )
    Event.objects.create(
        disclosure=disclosure,
        action="create",
        from_state=State.DRAFT,
        to_state=State.DRAFT,
        actor=actor,
        at=_now(),
    )
    return disclosure


@transaction.atomic
def edit_draft(
    disclosure: Disclosure,
    *,
    actor: Any,
    title: str,
    body: str,
    data: dict[str, Any] | None = None,
    channels: list[str] | None = None,
    period: str | None = None,
    event_date: dt.date | None = None,
) -> Disclosure:
    validation.check_disclosure_content(
        title=title, body=body, data=data, period=period, event_date=event_date
    )
    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("organization", "item")
        .get(pk=disclosure.pk)
    )
    if not permissions.can_draft(actor, locked.organization):
        raise PermissionDenied(NOT_YOURS % {"action": _("Edit"), "org": locked.organization.name})
    if locked.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(NOT_EDITABLE)
    locked.title, locked.body = title.strip(), sanitize_html(body)
    if data is not None:
        _check_data(locked.item.form, data)
        locked.data = data
    if channels is not None:
        locked.channels = _channels(channels)
    if period is not None:
        locked.period, locked.event_date = period.strip(), event_date
    locked.save()
    return locked


UNKNOWN_CHANNEL = _("Unknown channel: %(channel)s.")


def _channels(channels: list[str]) -> list[str]:
    from gongkai.catalog.models import Channel

    for channel in channels:
        if channel not in Channel.values:
            raise ValidationError(UNKNOWN_CHANNEL % {"channel": channel})
    return list(dict.fromkeys(channels))


def _check_data(
    schema: dict[str, Any] | None, data: dict[str, Any], *, complete: bool = False
) -> None:
    problems = structured_data.validate(schema, data, complete=complete)
    if problems:
        raise ValidationError(problems)


def findings(disclosure: Disclosure) -> list[scanning.Finding]:
    """The privacy and secrecy scan of everything that would be published."""
    found = (
        scanning.scan(disclosure.title)
        + scanning.scan(disclosure.body)
        + scanning.scan_data(disclosure.data)
    )
    for attachment in disclosure.attachments.filter(removed=False):
        found += scanning.scan(attachment.text_preview)
    return found


def _snapshot(disclosure: Disclosure, actor: Any, note: str = "") -> Revision:
    last = disclosure.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    revision = Revision.objects.create(
        disclosure=disclosure,
        number=last + 1,
        title=disclosure.title,
        body=disclosure.body,
        data=disclosure.data,
        note=note,
        created_by=actor,
    )
    # The files go with the revision before anything hashes it for the ledger.
    revision.attachments.set(disclosure.attachments.filter(removed=False))
    return revision


def _refuse_secret_markings(disclosure: Disclosure) -> None:
    secret = [f.text for f in findings(disclosure) if f.kind == scanning.SECRET]
    if secret and not disclosure.secret_clearance.strip():
        raise ValidationError(SECRET_MARKING % {"found": "、".join(sorted(set(secret)))})


# --- the moves -----------------------------------------------------------------------------


def submit(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    def apply(d: Disclosure) -> None:
        # A draft may have gaps; a submission may not. A secret marking does not stop the
        # submission: the scan shows it to the reviewer, who must clear it before review.
        _check_data(d.item.form, d.data, complete=True)
        _snapshot(d, actor)

    return _move(disclosure, A.SUBMIT, actor=actor, apply=apply)


def open_consultation(disclosure: Disclosure, *, actor: Any, days: int) -> Disclosure:
    def apply(d: Disclosure) -> None:
        until = deadline(timezone.localtime(_now(), LOCAL).date(), days)
        d.consultation_until = _end_of_day(until.date)

    return _move(disclosure, A.OPEN_CONSULTATION, actor=actor, apply=apply)


OPINION_EMPTY = _("Write your opinion first.")
OPINION_TOO_LONG = _("An opinion can be at most %(max)d characters.")
OPINION_MAX = 2000


def add_opinion(disclosure: Disclosure, *, author: str, text: str, actor: Any = None) -> Opinion:
    """An opinion on a draft in consultation. A person giving it must be in the consultation
    audience; without an actor it is one a clerk collected on paper."""
    from gongkai.disclosures.visibility import can_see_consultation

    if disclosure.state != State.CONSULTATION:
        raise ValidationError(
            NOT_ALLOWED_NOW
            % {"action": _("Give an opinion"), "state": State(disclosure.state).label}
        )
    if actor is not None and not can_see_consultation(actor, disclosure):
        raise PermissionDenied(
            NOT_YOURS % {"action": _("Give an opinion"), "org": disclosure.organization.name}
        )
    validation.check_text(author)
    text = validation.check_text(text).strip()
    if not text:
        raise ValidationError(OPINION_EMPTY)
    if len(text) > OPINION_MAX:
        raise ValidationError(OPINION_TOO_LONG % {"max": OPINION_MAX})
    return Opinion.objects.create(disclosure=disclosure, author=author.strip()[:50], text=text)


def handle_opinion(opinion: Opinion, *, actor: Any, handling: str) -> Opinion:
    org = opinion.disclosure.organization
    if not (permissions.can_draft(actor, org) or permissions.can_review(actor, org)):
        raise PermissionDenied(NOT_YOURS % {"action": _("Handle opinions"), "org": org.name})
    opinion.handling, opinion.handled_by, opinion.handled_at = _need_reason(handling), actor, _now()
    opinion.save()
    return opinion


def close_consultation(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    def apply(d: Disclosure) -> None:
        if d.consultation_until and _now() < d.consultation_until:
            raise ValidationError(CONSULTATION_RUNNING % {"until": _local(d.consultation_until)})
        if d.opinions.filter(handled_at__isnull=True).exists():
            raise ValidationError(OPINIONS_UNHANDLED)
        d.consulted = True

    return _move(disclosure, A.CLOSE_CONSULTATION, actor=actor, apply=apply)


def review(
    disclosure: Disclosure,
    *,
    actor: Any,
    checklist: dict[str, bool],
    mask_exceptions: dict[str, str] | None = None,
    secret_clearance: str = "",
) -> Disclosure:
    """Content review plus the secrecy review: a checklist signed by the named reviewer.
    A major matter then goes to the superior on its own."""
    validation.check_document(mask_exceptions or {})
    validation.check_text(secret_clearance, max_length=validation.REASON_MAX)

    def apply(d: Disclosure) -> None:
        if d.consultation_required and not d.consulted:
            raise ValidationError(CONSULT_FIRST)
        if not all(checklist.get(key) for key in SECRECY_CHECKLIST):
            raise ValidationError(CHECKLIST_INCOMPLETE)
        exceptions = {
            k: v.strip() for k, v in (mask_exceptions or {}).items() if k in scanning.PERSONAL_KINDS
        }
        for kind, why in exceptions.items():
            if not why:
                raise ValidationError(
                    EXCEPTION_REASON_REQUIRED % {"kind": scanning.KIND_LABELS[kind]}
                )
        d.mask_exceptions = exceptions
        d.secret_clearance = secret_clearance.strip()
        _refuse_secret_markings(d)
        d.secrecy_reviewer, d.secrecy_reviewed_at = actor, _now()
        d.secrecy_checklist = {key: True for key in SECRECY_CHECKLIST}

    moved = _move(disclosure, A.REVIEW, actor=actor, apply=apply)
    if moved.needs_superior_review:
        moved = send_to_superior(moved, actor=actor)
    return moved


def send_to_superior(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    def apply(d: Disclosure) -> None:
        if not d.needs_superior_review:
            raise ValidationError(NOT_A_MAJOR_MATTER)
        if d.organization.parent_id is None:
            raise ValidationError(NO_SUPERIOR % {"org": d.organization.name})

    return _move(disclosure, A.SEND_TO_SUPERIOR, actor=actor, apply=apply)


def _approve_checks(d: Disclosure) -> None:
    # The scan runs again at approval: the text may have been corrected since submission.
    _refuse_secret_markings(d)


def approve(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    def apply(d: Disclosure) -> None:
        if d.needs_superior_review:
            raise ValidationError(SUPERIOR_NEEDED)
        _approve_checks(d)

    return _move(disclosure, A.APPROVE, actor=actor, apply=apply)


def superior_approve(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    return _move(disclosure, A.SUPERIOR_APPROVE, actor=actor, apply=_approve_checks)


def return_to_clerk(disclosure: Disclosure, *, actor: Any, reason: str) -> Disclosure:
    return _move(disclosure, A.RETURN, actor=actor, reason=_need_reason(reason))


def _end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day` in local time (an exclusive end)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment, LOCAL).strftime("%Y-%m-%d %H:%M")


def schedule_times(
    publish_from: dt.datetime,
    *,
    scope: str,
    party_first: bool,
    lag_days: int,
    min_publicity_days: int | None,
) -> tuple[dt.datetime | None, dt.datetime | None, bool]:
    """(public_from, publicity_until, provisional) for a publication at `publish_from`.

    The public sees a party-first item `lag_days` working days later at the same time of
    day; the publicity period ends after the Nth working day. Both count on the Chinese
    calendar; where it has no data yet, the result is provisional (and administrators are
    alerted by the calendar).
    """
    local = timezone.localtime(publish_from, LOCAL)
    provisional = False
    public_from: dt.datetime | None = None
    if scope != Scope.PARTY:
        if party_first and lag_days:
            shifted = deadline(local.date(), lag_days)
            provisional |= shifted.provisional
            public_from = dt.datetime.combine(shifted.date, local.timetz())
        else:
            public_from = publish_from
    until = None
    if min_publicity_days:
        end = deadline(local.date(), min_publicity_days)
        provisional |= end.provisional
        until = _end_of_day(end.date)
    return public_from, until, provisional


def publish(
    disclosure: Disclosure,
    *,
    actor: Any,
    publish_from: dt.datetime | None = None,
    publicity_until: dt.datetime | None = None,
) -> Disclosure:
    """Publish now or at `publish_from`: the ledger records it now, the portal shows it from
    that minute (time decides, not jobs)."""
    validation.check_moment(publish_from)
    validation.check_moment(publicity_until)
    from gongkai.ledger.services import append_entry

    def apply(d: Disclosure) -> None:
        now = _now()
        # Never earlier than now: backdating would hide exactly the lateness supervisors
        # look for. A minute of slack absorbs a form filled in over a slow connection.
        if publish_from is not None and publish_from < now - dt.timedelta(minutes=1):
            raise ValidationError(BACKDATED % {"at": _local(publish_from)})
        start = publish_from or now
        public_from, minimum_until, _provisional = schedule_times(
            start,
            scope=d.scope,
            party_first=d.party_first,
            lag_days=d.party_first_lag_days,
            min_publicity_days=d.item.min_publicity_days,
        )
        until = publicity_until
        if minimum_until and (until is None or until < minimum_until):
            until = minimum_until
        d.publish_from, d.public_from, d.publicity_until = start, public_from, until
        revision = _snapshot(d, actor)
        revision.published_at = start
        revision.save(update_fields=["published_at"])
        d.published_revision = revision
        append_entry(action="publish", revision=revision, at=now)

    return _move(disclosure, A.PUBLISH, actor=actor, apply=apply)


def correct(
    disclosure: Disclosure,
    *,
    actor: Any,
    reason: str,
    title: str,
    body: str,
    data: dict[str, Any] | None = None,
) -> Disclosure:
    """A correction is a new published revision with its reason on show; never an edit."""
    validation.check_disclosure_content(title=title, body=body, data=data, reason=reason)
    from gongkai.ledger.services import append_entry

    why = _need_reason(reason)

    def apply(d: Disclosure) -> None:
        d.title, d.body = title.strip(), sanitize_html(body)
        if data is not None:
            d.data = data
        _refuse_secret_markings(d)
        revision = _snapshot(d, actor, note=why)
        revision.published_at = _now()
        revision.save(update_fields=["published_at"])
        d.published_revision = revision
        append_entry(action="correct", revision=revision, at=_now())

    return _move(disclosure, A.CORRECT, actor=actor, reason=why, apply=apply)


def withdraw(disclosure: Disclosure, *, actor: Any, reason: str) -> Disclosure:
    """Taken off show; the reason stays visible where the disclosure was."""
    from gongkai.ledger.services import append_entry

    why = _need_reason(reason)

    def apply(d: Disclosure) -> None:
        d.withdrawal_reason, d.withdrawn_at = why, _now()
        assert d.published_revision is not None
        append_entry(action="withdraw", revision=d.published_revision, at=_now())

    return _move(disclosure, A.WITHDRAW, actor=actor, reason=why, apply=apply)


def end_publicity(disclosure: Disclosure, *, actor: Any = None) -> Disclosure:
    """Record that the publicity period is over (idempotent job or a person; the portal
    already decided this from publicity_until)."""

    def apply(d: Disclosure) -> None:
        if d.publicity_until is None or _now() < d.publicity_until:
            raise ValidationError(
                PUBLICITY_NOT_OVER
                % {"until": _local(d.publicity_until) if d.publicity_until else "—"}
            )

    return _move(disclosure, A.END_PUBLICITY, actor=actor, apply=apply)


def archive(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    return _move(disclosure, A.ARCHIVE, actor=actor)
