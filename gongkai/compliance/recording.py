"""The clerk records what happened: an event (an appointment, a recruitment step, a change to
a standing item) or a staged plan (a major matter with its stages and their dates). The
obligation follows at once (`obligations.generate` for the organization).

These are the checked entry points every surface calls (console pages, API): who may record,
which items take events or plans (only those of the organization's catalog that apply to it,
`catalog.applicability.applies`), and bounded input. `obligations.record_event` underneath
trusts its caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gongkai import permissions, validation
from gongkai.catalog.applicability import applies
from gongkai.catalog.effective import EffectiveItem, effective_catalog
from gongkai.catalog.models import Catalog, Timing
from gongkai.compliance import obligations
from gongkai.compliance.models import Obligation, RecordedEvent, StagePlan
from gongkai.disclosures import clock
from gongkai.organizations.models import Organization, Role

#: Items whose obligations an event creates (a standing item's event is a change to it).
EVENT_TIMINGS = (Timing.EVENT, Timing.STANDING)
#: Items whose obligations the stages of a plan create.
PLAN_TIMINGS = (Timing.PER_STAGE, Timing.EVENT)
#: An event is recorded when it has happened, at most this long afterwards.
MAX_EVENT_AGE = dt.timedelta(days=366)
#: A plan's stages lie at most this far back and ahead.
MAX_PLAN_REACH = dt.timedelta(days=5 * 366)
MAX_STAGES = 20
STAGE_NAME_MAX = 50
TITLE_MAX = 200  # RecordedEvent.title, StagePlan.title

NOT_YOURS = _("Only the organization's clerk, principal or office may record this.")
NOT_AN_EVENT_ITEM = _(
    "Choose an item of the organization's catalog that is disclosed when something happens."
)
NOT_A_PLAN_ITEM = _("Choose an item of the organization's catalog that is disclosed by stages.")
TITLE_REQUIRED = _("Say what happened.")
PLAN_TITLE_REQUIRED = _("Name the matter.")
DATE_REQUIRED = _("Give the date.")
EVENT_IN_FUTURE = _("An event is recorded once it has happened: the date cannot be after today.")
EVENT_TOO_OLD = _("The date lies more than a year back; ask the office to record it.")
NO_STAGES = _("Give at least one stage with its date.")
TOO_MANY_STAGES = _("At most %(max)d stages.")
STAGE_NAME_REQUIRED = _("Stage %(n)d: give the stage a name.")
STAGE_NAME_TOO_LONG = _("Stage %(n)d: the name has at most %(max)d characters.")
STAGES_OUT_OF_ORDER = _("Stage %(n)d: the stages must follow one another in time.")
STAGE_OUT_OF_REACH = _("Stage %(n)d: the date must lie within five years of today.")


def can_record(user: Any, org: Organization) -> bool:
    """The organization's own staff who ask for exemptions record its events and plans."""
    return permissions.can_draft(user, org) or permissions.holds(
        user, org, {Role.Kind.PRINCIPAL, Role.Kind.OFFICE}
    )


def _items(org: Organization, timings: tuple[str, ...]) -> list[EffectiveItem]:
    catalog = Catalog.objects.filter(organization=org, version__gt=0).first()
    if catalog is None:
        return []
    return [
        item
        for item in effective_catalog(catalog).items
        if item.value("timing") in timings and applies(item, org)
    ]


def event_items(org: Organization) -> list[EffectiveItem]:
    return _items(org, EVENT_TIMINGS)


def plan_items(org: Organization) -> list[EffectiveItem]:
    return _items(org, PLAN_TIMINGS)


def _title(value: Any, missing: Any) -> str:
    text = validation.check_text(value or "", max_length=TITLE_MAX).strip()
    if not text:
        raise ValidationError(missing)
    return text


def _item_key(value: Any, allowed: list[EffectiveItem], refusal: Any) -> str:
    key = validation.check_text(value or "", max_length=64)
    if key not in {item.key for item in allowed}:
        raise ValidationError(refusal)
    return key


@transaction.atomic
def record_event(
    org: Organization, *, actor: Any, item_key: str, title: str, happened_on: dt.date | None
) -> RecordedEvent:
    """Record an event of the organization; its obligation is generated at once."""
    if not can_record(actor, org):
        raise PermissionDenied(NOT_YOURS)
    key = _item_key(item_key, event_items(org), NOT_AN_EVENT_ITEM)
    text = _title(title, TITLE_REQUIRED)
    if happened_on is None:
        raise ValidationError(DATE_REQUIRED)
    validation.check_date(happened_on)
    today = obligations.today()
    # Not ahead: generating "up to" a future day would also open the periods before it.
    if happened_on > today:
        raise ValidationError(EVENT_IN_FUTURE)
    if today - happened_on > MAX_EVENT_AGE:
        raise ValidationError(EVENT_TOO_OLD)
    return obligations.record_event(
        org, actor=actor, item_key=key, title=text, happened_on=happened_on
    )


def _stages(stages: list[tuple[str, dt.date]], today: dt.date) -> list[dict[str, str]]:
    if not stages:
        raise ValidationError(NO_STAGES)
    if len(stages) > MAX_STAGES:
        raise ValidationError(TOO_MANY_STAGES % {"max": MAX_STAGES})
    out: list[dict[str, str]] = []
    previous: dt.date | None = None
    for n, (name, day) in enumerate(stages, start=1):
        text = validation.check_text(name or "").strip()
        if not text:
            raise ValidationError(STAGE_NAME_REQUIRED % {"n": n})
        if len(text) > STAGE_NAME_MAX:
            raise ValidationError(STAGE_NAME_TOO_LONG % {"n": n, "max": STAGE_NAME_MAX})
        if not isinstance(day, dt.date):
            raise ValidationError(DATE_REQUIRED)
        validation.check_date(day)
        if abs(day - today) > MAX_PLAN_REACH:
            raise ValidationError(STAGE_OUT_OF_REACH % {"n": n})
        if previous is not None and day < previous:
            raise ValidationError(STAGES_OUT_OF_ORDER % {"n": n})
        previous = day
        out.append({"name": text, "date": day.isoformat()})
    return out


@transaction.atomic
def create_plan(
    org: Organization,
    *,
    actor: Any,
    item_key: str,
    title: str,
    stages: list[tuple[str, dt.date]],
) -> StagePlan:
    """A staged plan: each stage owes a disclosure from its date on. The stages already
    reached get their obligations at once; the daily run adds the others on their dates."""
    if not can_record(actor, org):
        raise PermissionDenied(NOT_YOURS)
    key = _item_key(item_key, plan_items(org), NOT_A_PLAN_ITEM)
    text = _title(title, PLAN_TITLE_REQUIRED)
    today = obligations.today()
    plan = StagePlan.objects.create(
        organization=org,
        item_key=key,
        title=text,
        stages=_stages(stages, today),
        created_by=actor,
        created_at=clock.now(),
    )
    obligations.generate(today, organizations=[org])
    return plan


def obligation_of(event: RecordedEvent) -> Obligation | None:
    return Obligation.objects.filter(event=event).order_by("pk").first()
