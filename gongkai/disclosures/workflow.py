"""The disclosure workflow: a table of allowed moves and one guarded function per move.

Every move runs in one transaction: it locks the disclosure row, checks the state and the
person's permission (gongkai.permissions), changes what the move changes, and writes an
Event row (who, when, from, to, why). Publication, correction and withdrawal also append to
the ledger inside the same transaction. Pages, the API and commands call these functions and
nothing else changes `state`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai import permissions, validation
from gongkai.catalog import applicability
from gongkai.catalog.effective import COMPARED, EffectiveItem, effective_catalog
from gongkai.catalog.models import Catalog, Channel, Scope
from gongkai.compliance import obligations, periods
from gongkai.disclosures import attachments as attached_files
from gongkai.disclosures import changes, events, scanning, visibility
from gongkai.disclosures import clock as disclosure_clock
from gongkai.disclosures import data as structured_data
from gongkai.disclosures.content import data_strings, sanitize_html
from gongkai.disclosures.events import ActorRole, EventKind
from gongkai.disclosures.models import PUBLIC_STATES, Disclosure, Opinion, Revision, State
from gongkai.ledger import log as ledger
from gongkai.organizations.models import Organization
from gongkai.search import index as search_index
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

#: The moves that change what the search index holds of a disclosure.
SEARCH_INDEXED = frozenset({Action.PUBLISH, Action.CORRECT, Action.WITHDRAW})
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
SECRET_MARKING_UNCLEARED = _(
    "The text carries a secret marking no reviewer has cleared yet (%(found)s); record a new "
    "clearance for it or remove it."
)
CONSULTATION_CLOSED = _("The consultation closed at %(until)s; opinions are no longer taken.")
HANDLING_FROZEN = _(
    "The disclosure is published: how an opinion was handled can only change by a correction, "
    "with its reason."
)
UNKNOWN_OPINION = _("This disclosure has no such opinion.")
CONSULTATION_TOO_SHORT = _(
    "The catalog item requires a consultation of at least %(days)d working days."
)
CONSULTATION_TOO_LONG = _("A consultation can last at most %(days)d working days.")
CONSULTATION_DAYS_INVALID = _("Give the consultation length as a whole number of working days.")
SUPERIOR_NEEDED = _("This is a major matter: it must go to the superior for review.")
BACKDATED = _(
    "A publication cannot be dated in the past (%(at)s); a late disclosure stays visibly late."
)
NOT_A_MAJOR_MATTER = _("Only major matters go to the superior for review.")
NO_SUPERIOR = _("%(org)s has no superior organization to review this.")
NO_CATALOG = _("%(org)s has no published catalog yet.")
UNKNOWN_ITEM = _("The catalog of %(org)s has no such item.")
ITEM_NOT_APPLICABLE = _("“%(item)s” does not apply to %(org)s; it applies to: %(where)s.")
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

#: A consultation never runs longer than this, whatever the item says is the minimum.
CONSULTATION_MAX_DAYS = 60
#: The length offered when the item names none.
CONSULTATION_DEFAULT_DAYS = 5


@dataclass(frozen=True)
class Refusal:
    """Why a move is not possible, for pages that show buttons only when they would work."""

    message: str


def _now() -> dt.datetime:
    """The one clock of every timestamp the workflow writes (gongkai.disclosures.clock)."""
    return disclosure_clock.now()


#: Run moves as if it were a given time (for building history; see gongkai.disclosures.clock).
clock = disclosure_clock.clock
#: The workflow's clock, for modules that write timestamps beside it.
now = disclosure_clock.now


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


@dataclass(frozen=True)
class LedgerMove:
    """What a move asks the ledger to record once its event exists."""

    kind: str
    revision: Revision
    at: dt.datetime


@transaction.atomic
def _move(
    disclosure: Disclosure,
    action: str,
    *,
    actor: Any,
    reason: str = "",
    apply: Callable[[Disclosure], LedgerMove | None] | None = None,
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
    # May raise ValidationError: the transaction then changes nothing. A move the ledger
    # records says so by returning what to record, after its event exists.
    ledger_move = apply(locked) if apply is not None else None
    locked.state = target
    locked.save()
    # What the organization's pages list may have changed: their stored listing is stale.
    changes.listing_changed(locked.organization_id)
    event = events.record(
        locked,
        action,
        actor=actor,
        role=_acting_role(role, actor, locked),
        from_state=before,
        to_state=target,
        at=at or _now(),
        reason=reason,
    )
    if ledger_move is not None:
        ledger.record_move(
            locked,
            kind=ledger_move.kind,
            revision=ledger_move.revision,
            event=event,
            at=ledger_move.at,
        )
    if action in SEARCH_INDEXED:
        # In the same transaction: the index never shows what was not (or no longer is) on show.
        search_index.update_disclosure(locked)
    disclosure.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


#: The role a move's table entry requires is the role it was done in; where either of two
#: roles may act, the person's own role at the organization says which.
_TABLE_ROLES = {CLERK: ActorRole.CLERK, REVIEWER: ActorRole.REVIEWER, SUPERIOR: ActorRole.SUPERIOR}


def _acting_role(required: str, actor: Any, disclosure: Disclosure) -> str:
    if getattr(actor, "pk", None) is None:
        return ActorRole.SYSTEM
    return _TABLE_ROLES.get(required) or events.role_of(actor, disclosure.organization)


def _need_reason(reason: str) -> str:
    reason = validation.check_text(reason, max_length=validation.REASON_MAX).strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED)
    return reason


# --- creating and editing a draft ------------------------------------------------------------


def effective_item(org: Organization, item_key: str) -> tuple[Catalog, EffectiveItem]:
    """The item of `org`'s published catalog that `org` may disclose under: it must be in
    the catalog and apply to `org` (a village branch does not draft the town committee's
    own items)."""
    catalog = Catalog.objects.filter(organization=org, version__gt=0).first()
    if catalog is None:
        raise ValidationError(NO_CATALOG % {"org": org.name})
    catalog.organization = org  # the layer belongs to `org`: no query for it
    item = effective_catalog(catalog).find(item_key)
    if item is None:
        raise ValidationError(UNKNOWN_ITEM % {"org": org.name})
    if not applicability.applies(item, org):
        raise ValidationError(
            ITEM_NOT_APPLICABLE
            % {
                "item": item.value("name"),
                "org": org.name,
                "where": applicability.describe(item.value("applies_to"), item.origin.organization),
            }
        )
    return catalog, item


def item_rules(item: EffectiveItem) -> dict[str, Any]:
    """Every rule of an effective item (overrides applied), as stored on a disclosure."""
    rules = {name: item.value(name) for name in COMPARED}
    rules["key"] = item.key
    return rules


def consultation_bounds(rules: dict[str, Any]) -> tuple[int, int, int]:
    """(default, minimum, maximum) working days of a consultation under an item's rules: the
    item's consultation length is both the default and the least a consultation may run."""
    item_days = rules.get("consultation_days")
    if isinstance(item_days, int) and not isinstance(item_days, bool) and item_days > 0:
        least = min(item_days, CONSULTATION_MAX_DAYS)
        return least, least, CONSULTATION_MAX_DAYS
    return CONSULTATION_DEFAULT_DAYS, 1, CONSULTATION_MAX_DAYS


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
    period_key: str = "",
) -> Disclosure:
    """A clerk starts a draft for a catalog item; the item's rules are copied onto it."""
    validation.check_disclosure_content(
        title=title, body=body, period=period, event_date=event_date, data=data
    )
    if not permissions.can_draft(actor, org):
        raise PermissionDenied(NOT_YOURS % {"action": _("Draft"), "org": org.name})
    catalog, item = effective_item(org, item_key)
    rules = item_rules(item)
    _check_data(rules["form"], data or {})
    period_key = periods.check_key(period_key)
    if period_key and not period.strip():
        period = periods.label(period_key)
    disclosure = Disclosure.objects.create(
        organization=org,
        catalog=catalog,
        catalog_version=catalog.version,
        item=item.item,
        rules=rules,
        period=period,
        period_key=period_key,
        event_date=event_date,
        title=title.strip(),
        body=sanitize_html(body),
        data=data or {},
        scope=rules["scope"],
        party_first=bool(rules["party_first"]),
        party_first_lag_days=rules["party_first_lag_days"] or 0,
        channels=_channels(channels) if channels is not None else list(rules["channels"] or []),
        consultation_required=bool(rules["consultation_required"]),
        needs_superior_review=bool(rules["major_matter"] or beyond_authority),
        created_by=actor,
        created_at=_now(),
    )
    events.record(disclosure, EventKind.CREATE, actor=actor, role=ActorRole.CLERK, at=_now())
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
    period_key: str | None = None,
) -> Disclosure:
    validation.check_disclosure_content(
        title=title, body=body, data=data, period=period, event_date=event_date
    )
    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=disclosure.pk)
    )
    if not permissions.can_draft(actor, locked.organization):
        raise PermissionDenied(NOT_YOURS % {"action": _("Edit"), "org": locked.organization.name})
    if locked.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(NOT_EDITABLE)
    locked.title, locked.body = title.strip(), sanitize_html(body)
    if data is not None:
        _check_data(locked.rule("form"), data)
        locked.data = data
    if channels is not None:
        locked.channels = _channels(channels)
    if period is not None:
        locked.period, locked.event_date = period.strip(), event_date
    if period_key is not None:
        locked.period_key = periods.check_key(period_key)
    locked.save()
    events.record(locked, EventKind.EDIT, actor=actor, role=ActorRole.CLERK, at=_now())
    return locked


UNKNOWN_CHANNEL = _("Unknown channel: %(channel)s.")


def _channels(channels: list[str]) -> list[str]:
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


def sourced_findings(disclosure: Disclosure) -> list[tuple[str, scanning.Finding]]:
    """(where, finding) for everything of the disclosure that can reach a reader: the title,
    the body, the structured data (keys and values), the period or event text, and each
    attachment's file name and full extracted text. The one scan every step asks."""
    found: list[tuple[str, scanning.Finding]] = []

    def scan(where: str, text: str) -> None:
        found.extend((where, f) for f in scanning.scan(text or ""))

    scan("title", disclosure.title)
    scan("body", disclosure.body)
    for text in data_strings(disclosure.data):
        scan("data", text)
    scan("period", disclosure.period)
    if disclosure.pk is not None:
        for attachment in disclosure.attachments.filter(removed=False).order_by("pk"):
            where = f"attachment:{attachment.sha256}"
            # Its name and every part of its text (attachments.findings covers both).
            found.extend((where, f) for f in attached_files.findings(attachment))
    return found


def findings(disclosure: Disclosure) -> list[scanning.Finding]:
    """The privacy and secrecy scan of everything that would be published."""
    return [finding for _where, finding in sourced_findings(disclosure)]


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
        created_at=_now(),
    )
    # The files go with the revision before anything hashes it for the ledger.
    revision.attachments.set(disclosure.attachments.filter(removed=False))
    return revision


def _store_published(disclosure: Disclosure, revision: Revision, at: dt.datetime) -> None:
    """Publish `revision` at `at`: its content is masked once, now, with the reviewer's
    recorded exceptions, and stored with it; every surface reads these bytes."""
    shown = visibility.masked_content(
        disclosure,
        title=revision.title,
        body=revision.body,
        data=revision.data,
        period=disclosure.period,
    )
    revision.published_at = at
    # The version readers see counts publications, not snapshots: the first publication
    # is 1, each correction one more (`disclosure.published_revision` is still the one
    # before this).
    previous = disclosure.published_revision
    if previous is None:
        revision.public_number = 1
    elif previous.public_number is not None:
        revision.public_number = previous.public_number + 1
    else:  # a row written before the number was stored
        revision.public_number = (
            disclosure.revisions.filter(published_at__isnull=False).exclude(pk=revision.pk).count()
            + 1
        )
    revision.published_title = shown["title"]
    revision.published_note = visibility.published_text(disclosure, revision.note)
    revision.published_body = shown["body"]
    revision.published_data = shown["data"]
    revision.published_period = shown["period"]
    revision.save(
        update_fields=[
            "published_at",
            "public_number",
            "published_title",
            "published_note",
            "published_body",
            "published_data",
            "published_period",
        ]
    )


# --- secret markings -----------------------------------------------------------------------
#
# A clearance is bound to what it cleared: the markings the scan found when the reviewer
# recorded it, counted per place ("body", "data", "attachment:<sha256>" …). A later revision
# is scanned again, and any marking beyond what a clearance covers (a new one, another
# occurrence, another place) needs a new clearance: an old reason never carries a new secret.


def _markings(disclosure: Disclosure) -> Counter[tuple[str, str]]:
    return Counter(
        (where, f.text) for where, f in sourced_findings(disclosure) if f.kind == scanning.SECRET
    )


def _cleared(disclosure: Disclosure) -> Counter[tuple[str, str]]:
    covered: Counter[tuple[str, str]] = Counter()
    for record in disclosure.secret_clearances or []:
        for where, text, count in record.get("markings", []):
            covered[(where, text)] = max(covered[(where, text)], count)
    return covered


def uncleared_markings(disclosure: Disclosure) -> list[str]:
    """Secret markings in the content that no recorded clearance covers."""
    cleared = _cleared(disclosure)
    found = _markings(disclosure)
    return sorted(
        {text for (where, text), count in found.items() if count > cleared[(where, text)]}
    )


def _record_clearance(disclosure: Disclosure, *, actor: Any, reason: str, revision: int) -> None:
    markings = _markings(disclosure)
    if not reason or not markings:
        return
    disclosure.secret_clearance = reason
    disclosure.secret_clearances = [
        *(disclosure.secret_clearances or []),
        {
            "markings": sorted([where, text, count] for (where, text), count in markings.items()),
            "reason": reason,
            "by": getattr(actor, "pk", None),
            "at": _now().isoformat(),
            "revision": revision,
        },
    ]


def _refuse_secret_markings(disclosure: Disclosure) -> None:
    uncleared = uncleared_markings(disclosure)
    if uncleared:
        message = SECRET_MARKING_UNCLEARED if disclosure.secret_clearances else SECRET_MARKING
        raise ValidationError(message % {"found": "、".join(uncleared)})


def _last_number(disclosure: Disclosure) -> int:
    return disclosure.revisions.order_by("-number").values_list("number", flat=True).first() or 0


# --- the moves -----------------------------------------------------------------------------


def submit(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    def apply(d: Disclosure) -> None:
        # A draft may have gaps; a submission may not. A secret marking does not stop the
        # submission: the scan shows it to the reviewer, who must clear it before review.
        _check_data(d.rule("form"), d.data, complete=True)
        _snapshot(d, actor)

    return _move(disclosure, A.SUBMIT, actor=actor, apply=apply)


def open_consultation(disclosure: Disclosure, *, actor: Any, days: int | None = None) -> Disclosure:
    """Out for consultation for `days` working days: by default the item's consultation
    length, never fewer (the catalog's minimum), never more than CONSULTATION_MAX_DAYS."""

    def apply(d: Disclosure) -> None:
        default, least, most = consultation_bounds(d.rules or {})
        length = default if days is None else days
        if isinstance(length, bool) or not isinstance(length, int):
            raise ValidationError(CONSULTATION_DAYS_INVALID)
        if length < least:
            raise ValidationError(CONSULTATION_TOO_SHORT % {"days": least})
        if length > most:
            raise ValidationError(CONSULTATION_TOO_LONG % {"days": most})
        until = deadline(timezone.localtime(_now(), LOCAL).date(), length)
        d.consultation_until = _end_of_day(until.date)

    return _move(disclosure, A.OPEN_CONSULTATION, actor=actor, apply=apply)


OPINION_EMPTY = _("Write your opinion first.")
OPINION_TOO_LONG = _("An opinion can be at most %(max)d characters.")
OPINION_MAX = 2000


def consultation_open(disclosure: Disclosure, at: dt.datetime | None = None) -> bool:
    """Whether opinions are taken now: in consultation and before `consultation_until` (time
    decides: the window closes at its minute whether or not anyone closed it)."""
    at = at or _now()
    return disclosure.state == State.CONSULTATION and (
        disclosure.consultation_until is None or at < disclosure.consultation_until
    )


@transaction.atomic
def add_opinion(disclosure: Disclosure, *, author: str, text: str, actor: Any = None) -> Opinion:
    """An opinion on a draft in consultation, while its window is open. A person giving it
    must be in the consultation audience and is recorded by account; without an actor it is
    one a clerk collected on paper."""
    # The row lock orders an opinion against a move out of consultation.
    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=disclosure.pk)
    )
    if locked.state != State.CONSULTATION:
        raise ValidationError(
            NOT_ALLOWED_NOW % {"action": _("Give an opinion"), "state": State(locked.state).label}
        )
    if actor is not None and not visibility.can_see_consultation(actor, locked):
        raise PermissionDenied(
            NOT_YOURS % {"action": _("Give an opinion"), "org": locked.organization.name}
        )
    now = _now()
    if not consultation_open(locked, now):
        assert locked.consultation_until is not None
        raise ValidationError(CONSULTATION_CLOSED % {"until": _local(locked.consultation_until)})
    validation.check_text(author)
    text = validation.check_text(text).strip()
    if not text:
        raise ValidationError(OPINION_EMPTY)
    if len(text) > OPINION_MAX:
        raise ValidationError(OPINION_TOO_LONG % {"max": OPINION_MAX})
    opinion = Opinion.objects.create(
        disclosure=locked,
        author=(author or "").strip()[:50],
        account=actor if getattr(actor, "pk", None) else None,
        text=text,
        received_at=now,
    )
    # Without an actor the clerk entered it; the event names the role, the opinion the author.
    role = ActorRole.CLERK if actor is None else None
    events.record(
        locked,
        EventKind.OPINION_RECEIVED,
        actor=actor,
        role=role,
        at=now,
        detail={"opinion": opinion.pk},
    )
    return opinion


@transaction.atomic
def handle_opinion(opinion: Opinion, *, actor: Any, handling: str) -> Opinion:
    """Record how an opinion was handled; frozen once the disclosure is published (a
    change after that is a correction: `correct(..., handlings=...)`)."""
    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=opinion.disclosure_id)
    )
    org = locked.organization
    if not (permissions.can_draft(actor, org) or permissions.can_review(actor, org)):
        raise PermissionDenied(NOT_YOURS % {"action": _("Handle opinions"), "org": org.name})
    if locked.state in PUBLIC_STATES:
        raise ValidationError(HANDLING_FROZEN)
    opinion.handling, opinion.handled_by, opinion.handled_at = _need_reason(handling), actor, _now()
    opinion.save()
    events.record(
        opinion.disclosure,
        EventKind.OPINION_HANDLED,
        actor=actor,
        at=opinion.handled_at,
        reason=opinion.handling,
        detail={"opinion": opinion.pk},
    )
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
        # A review is a fresh secrecy review of the revision before it: what earlier reviews
        # cleared does not carry over; the reviewer clears what is there now, or nothing.
        d.secret_clearance, d.secret_clearances = "", []
        _record_clearance(
            d, actor=actor, reason=(secret_clearance or "").strip(), revision=_last_number(d)
        )
        _refuse_secret_markings(d)
        d.secrecy_reviewer, d.secrecy_reviewed_at = actor, _now()
        d.secrecy_checklist = {key: True for key in SECRECY_CHECKLIST}
        _record_secrecy_notes(d, actor)

    # One transaction for the compound move: a major matter that cannot go up (no superior)
    # is not left reviewed-but-stuck; the refusal undoes the review too.
    with transaction.atomic():
        moved = _move(disclosure, A.REVIEW, actor=actor, apply=apply)
        if moved.needs_superior_review:
            moved = send_to_superior(moved, actor=actor)
    return moved


def _record_secrecy_notes(d: Disclosure, actor: Any) -> None:
    """A clearance of a secret marking and the numbers kept unmasked are decisions of their
    own on the audit trail, with the reviewer's words as the reason."""
    if d.secret_clearance:
        events.record(
            d,
            EventKind.SECRET_CLEARED,
            actor=actor,
            role=ActorRole.REVIEWER,
            at=_now(),
            reason=d.secret_clearance,
        )
    if d.mask_exceptions:
        kinds = sorted(d.mask_exceptions)
        events.record(
            d,
            EventKind.MASK_EXCEPTIONS,
            actor=actor,
            role=ActorRole.REVIEWER,
            at=_now(),
            reason="\n".join(d.mask_exceptions[k] for k in kinds),
            detail={"kinds": "、".join(str(scanning.KIND_LABELS[k]) for k in kinds)},
        )


def send_to_superior(disclosure: Disclosure, *, actor: Any) -> Disclosure:
    def apply(d: Disclosure) -> None:
        if not d.needs_superior_review:
            raise ValidationError(NOT_A_MAJOR_MATTER)
        if d.organization.parent_id is None:
            raise ValidationError(NO_SUPERIOR % {"org": d.organization.name})

    return _move(disclosure, A.SEND_TO_SUPERIOR, actor=actor, apply=apply)


def _approve_checks(d: Disclosure) -> None:
    # The scan runs again at approval: what was cleared must still be all there is.
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

    def apply(d: Disclosure) -> LedgerMove:
        now = _now()
        # Never earlier than now: backdating would hide exactly the lateness supervisors
        # look for. A minute of slack absorbs a form filled in over a slow connection.
        if publish_from is not None and publish_from < now - dt.timedelta(minutes=1):
            raise ValidationError(BACKDATED % {"at": _local(publish_from)})
        start = publish_from or now
        _refuse_secret_markings(d)
        public_from, minimum_until, _provisional = schedule_times(
            start,
            scope=d.scope,
            party_first=d.party_first,
            lag_days=d.party_first_lag_days,
            # The snapshot of the organization's effective item: its override holds.
            min_publicity_days=d.rule("min_publicity_days"),
        )
        until = publicity_until
        if minimum_until and (until is None or until < minimum_until):
            until = minimum_until
        d.publish_from, d.public_from, d.publicity_until = start, public_from, until
        revision = _snapshot(d, actor)
        _store_published(d, revision, start)
        d.published_revision = revision
        # The obligation it names is fulfilled, on time or late by its publication time.
        obligations.fulfil(d)
        return LedgerMove("publish", revision, now)

    return _move(disclosure, A.PUBLISH, actor=actor, apply=apply)


def correct(
    disclosure: Disclosure,
    *,
    actor: Any,
    reason: str,
    title: str,
    body: str,
    data: dict[str, Any] | None = None,
    secret_clearance: str = "",
    handlings: dict[int, str] | None = None,
) -> Disclosure:
    """A correction is a new published revision with its reason on show; never an edit.

    It is scanned again like any new revision: a secret marking it carries beyond what an
    earlier clearance covered is refused unless the reviewer records `secret_clearance` for
    it now. `handlings` ({opinion id: text}) changes how opinions were handled, which after
    publication only a correction may do."""
    validation.check_disclosure_content(title=title, body=body, data=data, reason=reason)
    validation.check_text(secret_clearance, max_length=validation.REASON_MAX)
    why = _need_reason(reason)

    def apply(d: Disclosure) -> LedgerMove:
        d.title, d.body = title.strip(), sanitize_html(body)
        if data is not None:
            _check_data(d.rule("form"), data, complete=True)
            d.data = data
        number = _last_number(d) + 1
        _record_clearance(d, actor=actor, reason=(secret_clearance or "").strip(), revision=number)
        _refuse_secret_markings(d)
        at = _now()
        for opinion_id, text in (handlings or {}).items():
            opinion = d.opinions.filter(pk=opinion_id).first()
            if opinion is None:
                raise ValidationError(UNKNOWN_OPINION)
            opinion.handling, opinion.handled_by, opinion.handled_at = _need_reason(text), actor, at
            opinion.save(update_fields=["handling", "handled_by", "handled_at"])
            # On record like any handling: the ledger's earlier entries committed to the
            # handling before this one, and are checked against that record.
            events.record(
                d,
                EventKind.OPINION_HANDLED,
                actor=actor,
                role=ActorRole.REVIEWER,
                at=at,
                reason=opinion.handling,
                detail={"opinion": opinion.pk},
            )
        revision = _snapshot(d, actor, note=why)
        _store_published(d, revision, at)
        d.published_revision = revision
        return LedgerMove("correct", revision, at)

    return _move(disclosure, A.CORRECT, actor=actor, reason=why, apply=apply)


def withdraw(disclosure: Disclosure, *, actor: Any, reason: str) -> Disclosure:
    """Taken off show; the reason stays visible where the disclosure was."""
    why = _need_reason(reason)

    def apply(d: Disclosure) -> LedgerMove:
        d.withdrawal_reason, d.withdrawn_at = why, _now()
        obligations.unfulfil(d)
        assert d.published_revision is not None
        return LedgerMove("withdraw", d.published_revision, d.withdrawn_at)

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
