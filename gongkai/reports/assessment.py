"""Assessment (考核): a superior weighs criteria for its subordinates over a window of months;
some are measured from the compliance figures, some scored by the plan's panel (评议). The
result ranks the organizations and shows where every point came from.

Moves of a plan (one guarded function, `_move`, an event row each):

    draft ──open──▶ scoring ──publish──▶ published

Criteria, the window and the organizations assessed can change only while it is a draft;
assessors score only while it is being scored; publishing freezes the result (`plan.result`).

Scoring, per organization and criterion:

* measured (coverage, on-time rate): the percentage from `figures.subtree` × weight ÷ 100;
  nothing due in the window counts as full marks (nothing was missed), and says so;
* panel (content, procedure, form, effect): the mean of every assessor's score ÷ full marks ×
  weight; until every assessor has scored it, the criterion — and the total — is 待评议.

Organizations with equal totals share a rank (1, 1, 3), listed in tree order; those still
待评议 have no rank and come last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai import validation
from gongkai.compliance import figures
from gongkai.disclosures import clock
from gongkai.organizations.models import Organization
from gongkai.reports import access, windows
from gongkai.reports.models import AssessmentPlan, Assessor, Criterion, PanelScore, PlanEvent

Kind = Criterion.Kind
Status = AssessmentPlan.Status

MEASURED: dict[str, str] = {Kind.COVERAGE: "coverage", Kind.ON_TIME_RATE: "on_time_rate"}
PANEL = (Kind.CONTENT, Kind.PROCEDURE, Kind.FORM, Kind.EFFECT)
#: Measured from engagement data, which the platform does not hold yet.
UNAVAILABLE = (Kind.ANSWER_TIME, Kind.SATISFACTION)
ORDER = [*MEASURED, *UNAVAILABLE, *PANEL]
MAX_FULL_MARKS = 1000
TWO = Decimal("0.01")

# --- messages --------------------------------------------------------------------------------

NOT_ALLOWED = gettext_lazy(
    "Only the organization's leading group or its office may define and publish its assessments."
)
NOT_AN_ASSESSOR = gettext_lazy("Only the plan's assessors may enter panel scores.")
UNAVAILABLE_REASON = gettext_lazy(
    "Available once engagement (opinions, the echo wall and satisfaction votes) is in use: "
    "the platform holds no such data yet, so it cannot be chosen."
)
NO_CRITERIA = gettext_lazy("Choose at least one criterion.")
DUPLICATE = gettext_lazy("“%(criterion)s” is listed twice.")
UNKNOWN = gettext_lazy("“%(criterion)s” is not a criterion.")
CANNOT_CHOOSE = gettext_lazy("“%(criterion)s” cannot be chosen yet. %(why)s")
WEIGHT_RANGE = gettext_lazy("The weight of “%(criterion)s” must be a whole number from 1 to 100.")
WEIGHTS_SUM = gettext_lazy("The weights must add up to 100 (they add up to %(sum)d).")
FULL_MARKS_RANGE = gettext_lazy(
    "The full marks of “%(criterion)s” must be a whole number from 1 to %(max)d."
)
TITLE_REQUIRED = gettext_lazy("Give the plan a title.")
BAD_REACH = gettext_lazy("Choose which organizations are assessed.")
WRONG_STATE = gettext_lazy("The plan is “%(state)s”: this cannot be done now.")
NEED_ASSESSORS = gettext_lazy(
    "Add at least one assessor before scoring opens: the plan has panel criteria."
)
STILL_PENDING = gettext_lazy(
    "%(n)d panel criteria of the organizations are still awaiting the panel (not every "
    "assessor has scored them): the result cannot be published yet."
)
NOTHING_ASSESSED = gettext_lazy("No organization is assessed by this plan.")
SCORE_RANGE = gettext_lazy("A score for “%(criterion)s” must lie between 0 and %(max)d.")
SCORE_PLACES = gettext_lazy("A score has at most one decimal place.")
NOT_ASSESSED = gettext_lazy("%(organization)s is not assessed by this plan.")
NOT_A_PANEL_CRITERION = gettext_lazy("“%(criterion)s” is not scored by the panel in this plan.")
ALREADY_ASSESSOR = gettext_lazy("%(person)s is already an assessor of this plan.")
ASSESSOR_HAS_SCORES = gettext_lazy(
    "%(person)s has entered scores: an assessor who scored cannot be removed."
)
ASSESSORS_LOCKED = gettext_lazy("Assessors cannot change once the result is published.")
PENDING = gettext_lazy("Awaiting the panel")


def label(kind: str) -> str:
    return str(Kind(kind).label)


# --- criteria --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A criterion as a plan is defined with it."""

    kind: str
    weight: int
    max_score: int = 100

    @property
    def measured(self) -> bool:
        return self.kind in MEASURED


def check_criteria(specs: Iterable[Spec]) -> list[Spec]:
    """The criteria in their fixed order, or a ValidationError listing every problem."""
    problems: list[str] = []
    seen: set[str] = set()
    checked: list[Spec] = []
    for spec in specs:
        kind = str(spec.kind)
        if kind not in Kind.values:
            problems.append(str(UNKNOWN % {"criterion": kind[:40]}))
            continue
        name = label(kind)
        if kind in seen:
            problems.append(str(DUPLICATE % {"criterion": name}))
            continue
        seen.add(kind)
        if kind in UNAVAILABLE:
            problems.append(str(CANNOT_CHOOSE % {"criterion": name, "why": UNAVAILABLE_REASON}))
            continue
        if not isinstance(spec.weight, int) or not 1 <= spec.weight <= 100:
            problems.append(str(WEIGHT_RANGE % {"criterion": name}))
            continue
        max_score = 100 if kind in MEASURED else spec.max_score
        if not isinstance(max_score, int) or not 1 <= max_score <= MAX_FULL_MARKS:
            problems.append(str(FULL_MARKS_RANGE % {"criterion": name, "max": MAX_FULL_MARKS}))
            continue
        checked.append(Spec(kind, spec.weight, max_score))
    if not checked and not problems:
        problems.append(str(NO_CRITERIA))
    total = sum(s.weight for s in checked)
    if checked and not problems and total != 100:
        problems.append(str(WEIGHTS_SUM % {"sum": total}))
    if problems:
        raise ValidationError(problems)
    return sorted(checked, key=lambda s: ORDER.index(s.kind))


# --- defining a plan -------------------------------------------------------------------------


def _event(plan: AssessmentPlan, kind: str, actor: Any, note: str = "") -> None:
    PlanEvent.objects.create(plan=plan, kind=kind, actor=actor, at=clock.now(), note=note[:200])


def _fields(title: str, reach: str) -> str:
    title = validation.check_text(title or "", max_length=200).strip()
    if not title:
        raise ValidationError(TITLE_REQUIRED)
    if reach not in AssessmentPlan.Reach.values:
        raise ValidationError(BAD_REACH)
    return title


def _set_criteria(plan: AssessmentPlan, specs: list[Spec]) -> None:
    plan.criteria.all().delete()
    Criterion.objects.bulk_create(
        Criterion(plan=plan, kind=s.kind, weight=s.weight, max_score=s.max_score, position=i)
        for i, s in enumerate(specs)
    )


@transaction.atomic
def create_plan(
    org: Organization,
    *,
    actor: Any,
    title: str,
    window: windows.Window,
    criteria: Iterable[Spec],
    reach: str = AssessmentPlan.Reach.CHILDREN,
    public_summary: bool = False,
) -> AssessmentPlan:
    if not access.can_manage(actor, org):
        raise PermissionDenied(NOT_ALLOWED)
    title = _fields(title, reach)
    specs = check_criteria(criteria)
    plan = AssessmentPlan.objects.create(
        organization=org,
        title=title,
        reach=reach,
        first=window.first,
        last=window.last,
        public_summary=public_summary,
        created_by=actor,
        created_at=clock.now(),
    )
    _set_criteria(plan, specs)
    _event(plan, PlanEvent.Kind.CREATED, actor)
    return plan


@transaction.atomic
def change_plan(
    plan: AssessmentPlan,
    *,
    actor: Any,
    title: str,
    window: windows.Window,
    criteria: Iterable[Spec],
    reach: str,
    public_summary: bool,
) -> AssessmentPlan:
    locked = _locked(plan, actor)
    if locked.status != Status.DRAFT:
        raise ValidationError(WRONG_STATE % {"state": locked.get_status_display()})
    locked.title = _fields(title, reach)
    specs = check_criteria(criteria)
    locked.reach, locked.first, locked.last = reach, window.first, window.last
    locked.public_summary = public_summary
    locked.save()
    _set_criteria(locked, specs)
    _event(locked, PlanEvent.Kind.CHANGED, actor)
    return locked


def _locked(plan: AssessmentPlan, actor: Any) -> AssessmentPlan:
    locked = (
        AssessmentPlan.objects.select_for_update().select_related("organization").get(pk=plan.pk)
    )
    if not access.can_manage_plan(actor, locked):
        raise PermissionDenied(NOT_ALLOWED)
    return locked


@transaction.atomic
def add_assessor(plan: AssessmentPlan, *, actor: Any, user: Any) -> Assessor:
    """Seat a person on the plan's panel (no organization role needed)."""
    locked = _locked(plan, actor)
    if locked.status == Status.PUBLISHED:
        raise ValidationError(ASSESSORS_LOCKED)
    if locked.assessors.filter(user=user).exists():
        raise ValidationError(ALREADY_ASSESSOR % {"person": user.display_name or user.username})
    seat = Assessor.objects.create(plan=locked, user=user, added_by=actor, added_at=clock.now())
    _event(locked, PlanEvent.Kind.ASSESSOR_ADDED, actor, user.username)
    return seat


@transaction.atomic
def remove_assessor(plan: AssessmentPlan, *, actor: Any, user: Any) -> None:
    locked = _locked(plan, actor)
    if locked.status == Status.PUBLISHED:
        raise ValidationError(ASSESSORS_LOCKED)
    seat = locked.assessors.filter(user=user).first()
    if seat is None:
        return
    if seat.scores.exists():
        raise ValidationError(ASSESSOR_HAS_SCORES % {"person": user.display_name or user.username})
    seat.delete()
    _event(locked, PlanEvent.Kind.ASSESSOR_REMOVED, actor, user.username)


# --- moves -----------------------------------------------------------------------------------

#: action → (from, to)
MOVES: dict[str, tuple[str, str]] = {
    "open": (Status.DRAFT, Status.SCORING),
    "publish": (Status.SCORING, Status.PUBLISHED),
}


def can_move(user: Any, plan: AssessmentPlan, action: str) -> bool:
    move = MOVES.get(action)
    return move is not None and plan.status == move[0] and access.can_manage_plan(user, plan)


@transaction.atomic
def _move(plan: AssessmentPlan, action: str, *, actor: Any) -> AssessmentPlan:
    locked = _locked(plan, actor)
    source, target = MOVES[action]
    if locked.status != source:
        raise ValidationError(WRONG_STATE % {"state": locked.get_status_display()})
    if action == "open":
        if not assessed(locked):
            raise ValidationError(NOTHING_ASSESSED)
        if locked.criteria.filter(kind__in=PANEL).exists() and not locked.assessors.exists():
            raise ValidationError(NEED_ASSESSORS)
    if action == "publish":
        outcome = compute(locked)
        if outcome["pending"]:
            raise ValidationError(STILL_PENDING % {"n": outcome["pending"]})
        locked.result = outcome
        locked.published_at = clock.now()
    locked.status = target
    locked.save()
    _event(locked, PlanEvent.Kind.OPENED if action == "open" else PlanEvent.Kind.PUBLISHED, actor)
    return locked


def open_scoring(plan: AssessmentPlan, *, actor: Any) -> AssessmentPlan:
    return _move(plan, "open", actor=actor)


def publish(plan: AssessmentPlan, *, actor: Any) -> AssessmentPlan:
    """Freeze the result and show it to the subtree's staff (and on the portal if the plan
    says so). Refused while any panel score is still 待评议."""
    return _move(plan, "publish", actor=actor)


# --- panel scores ----------------------------------------------------------------------------


def parse_score(value: Any, criterion: Criterion) -> Decimal:
    """A score typed by an assessor: 0..full marks, at most one decimal place."""
    number = value if isinstance(value, Decimal) else validation.parse_number(str(value).strip())
    if not number.is_finite() or not 0 <= number <= criterion.max_score:
        raise ValidationError(
            SCORE_RANGE % {"criterion": label(criterion.kind), "max": criterion.max_score}
        )
    if number != number.quantize(Decimal("0.1")):
        raise ValidationError(SCORE_PLACES)
    return number.quantize(Decimal("0.1"))


@transaction.atomic
def enter_scores(
    plan: AssessmentPlan,
    *,
    actor: Any,
    scores: Mapping[tuple[int, str], Decimal | str | None],
) -> int:
    """The assessor's scores, (organization id, criterion kind) → score; None clears one.
    All or nothing: one bad score refuses them all. Returns how many changed."""
    locked = AssessmentPlan.objects.select_for_update().get(pk=plan.pk)
    seat = locked.assessors.filter(user=actor).first() if actor.is_authenticated else None
    if seat is None:
        raise PermissionDenied(NOT_AN_ASSESSOR)
    if locked.status != Status.SCORING:
        raise ValidationError(WRONG_STATE % {"state": locked.get_status_display()})
    orgs = {o.pk: o for o in assessed(locked)}
    criteria = {c.kind: c for c in locked.criteria.filter(kind__in=PANEL)}
    existing = {
        (s.organization_id, s.criterion.kind): s
        for s in PanelScore.objects.filter(assessor=seat).select_related("criterion")
    }
    now = clock.now()
    changed = 0
    problems: list[str] = []
    for (org_id, kind), raw in scores.items():
        if org_id not in orgs:
            problems.append(str(NOT_ASSESSED % {"organization": org_id}))
            continue
        criterion = criteria.get(kind)
        if criterion is None:
            problems.append(str(NOT_A_PANEL_CRITERION % {"criterion": str(kind)[:40]}))
            continue
        before = existing.get((org_id, kind))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if before is not None:
                before.delete()
                changed += 1
            continue
        try:
            value = parse_score(raw, criterion)
        except ValidationError as exc:
            problems.extend(f"{orgs[org_id].name}：{m}" for m in exc.messages)
            continue
        if before is None:
            PanelScore.objects.create(
                criterion=criterion,
                organization_id=org_id,
                assessor=seat,
                score=value,
                entered_at=now,
            )
            changed += 1
        elif before.score != value:
            before.score, before.entered_at = value, now
            before.save(update_fields=["score", "entered_at"])
            changed += 1
    if problems:
        raise ValidationError(problems)
    return changed


# --- the result ------------------------------------------------------------------------------


def assessed(plan: AssessmentPlan) -> list[Organization]:
    """The organizations the plan ranks, in tree order."""
    org = plan.organization
    if plan.reach == AssessmentPlan.Reach.BRANCHES:
        qs = org.descendants().filter(kind=Organization.Kind.BRANCH)
    else:
        qs = org.children.all()
    return list(qs.filter(is_active=True).order_by("path"))


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO, ROUND_HALF_UP)


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Measured:
    """A measured value and what it was computed from (figures.Figures)."""

    value: Decimal | None
    part: int
    whole: int


def score_part(
    spec: Spec,
    *,
    measured: Measured | None = None,
    panel: list[tuple[str, Decimal | None]] | None = None,
) -> dict[str, Any]:
    """One criterion for one organization: its points, where they come from, and whether
    it is still 待评议. `panel` lists (assessor, score or None) for every assessor."""
    name = label(spec.kind)
    out: dict[str, Any] = {
        "kind": spec.kind,
        "label": name,
        "weight": spec.weight,
        "max_score": spec.max_score,
        "source": "measured" if spec.measured else "panel",
        "value": None,
        "score": None,
        "pending": False,
        "formula": "",
        "panel": [],
        "mean": None,
    }
    if spec.measured:
        assert measured is not None
        if measured.value is None:
            points = Decimal(spec.weight).quantize(TWO)
            out["formula"] = _(
                "Nothing fell due in the period, so nothing was missed: full marks %(score)s."
            ) % {"score": points}
        else:
            points = _q(Decimal(spec.weight) * measured.value / 100)
            counted = (
                _("on time %(part)d ÷ due %(whole)d")
                if spec.kind == Kind.ON_TIME_RATE
                else _("published %(part)d ÷ due %(whole)d")
            ) % {"part": measured.part, "whole": measured.whole}
            out["value"] = str(measured.value)
            out["formula"] = _(
                "%(label)s %(value)s%% (%(counted)s) × weight %(weight)d ÷ 100 = %(score)s"
            ) % {
                "label": name,
                "value": measured.value,
                "counted": counted,
                "weight": spec.weight,
                "score": points,
            }
        out["score"] = str(points)
        return out
    entries = panel or []
    out["panel"] = [{"assessor": who, "score": _s(score)} for who, score in entries]
    done = [score for _who, score in entries if score is not None]
    if not entries or len(done) < len(entries):
        out["pending"] = True
        out["formula"] = _("%(pending)s: %(done)d of %(all)d assessors have scored.") % {
            "pending": PENDING,
            "done": len(done),
            "all": len(entries),
        }
        return out
    mean = _q(sum(done, Decimal(0)) / len(done))
    points = _q(mean / spec.max_score * spec.weight)
    out["mean"] = out["value"] = str(mean)
    out["score"] = str(points)
    out["formula"] = _(
        "mean of %(n)d assessors %(mean)s ÷ full marks %(max)d × weight %(weight)d = %(score)s"
    ) % {
        "n": len(done),
        "mean": mean,
        "max": spec.max_score,
        "weight": spec.weight,
        "score": points,
    }
    return out


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest total first; equal totals share a rank (1, 1, 3) in the order given (tree
    order); rows still 待评议 have no rank and come last."""
    done = [r for r in rows if r["total"] is not None]
    waiting = [r for r in rows if r["total"] is None]
    done.sort(key=lambda r: -Decimal(r["total"]))  # stable: ties keep tree order
    previous: Decimal | None = None
    position = 0
    for index, row in enumerate(done, start=1):
        total = Decimal(row["total"])
        if total != previous:
            position, previous = index, total
        row["rank"] = position
    for row in done:
        row["tied"] = sum(1 for r in done if r["rank"] == row["rank"]) > 1
    for row in waiting:
        row["rank"], row["tied"] = None, False
    return done + waiting


def compute(plan: AssessmentPlan) -> dict[str, Any]:
    """The plan's result from the stored data as it is now."""
    specs = [Spec(c.kind, c.weight, c.max_score) for c in plan.criteria.all()]
    seats = list(plan.assessors.select_related("user").order_by("added_at", "pk"))
    scores: dict[tuple[int, str, int], Decimal] = {
        (s.organization_id, s.criterion.kind, s.assessor_id): s.score
        for s in PanelScore.objects.filter(criterion__plan=plan).select_related("criterion")
    }
    rows = []
    pending = 0
    for org in assessed(plan):
        f = figures.subtree(org, plan.first, plan.last)
        parts = []
        for spec in specs:
            if spec.measured:
                value = getattr(f, MEASURED[spec.kind])
                part_count = f.on_time if spec.kind == Kind.ON_TIME_RATE else f.fulfilled
                part = score_part(spec, measured=Measured(value, part_count, f.due))
            else:
                panel = [(_who(seat), scores.get((org.pk, spec.kind, seat.pk))) for seat in seats]
                part = score_part(spec, panel=panel)
            pending += part["pending"]
            parts.append(part)
        complete = not any(p["pending"] for p in parts)
        total = sum((Decimal(p["score"]) for p in parts), Decimal(0)) if complete else None
        rows.append(
            {
                "organization": {"code": org.code, "name": org.name},
                "parts": parts,
                "total": _s(_q(total)) if total is not None else None,
                "pending": not complete,
            }
        )
    return {
        "plan": {
            "title": plan.title,
            "organization": {"code": plan.organization.code, "name": plan.organization.name},
            "period": windows.label(plan.first, plan.last),
            "first": plan.first.isoformat(),
            "last": plan.last.isoformat(),
            "reach": plan.reach,
        },
        "criteria": [
            {
                "kind": s.kind,
                "label": label(s.kind),
                "weight": s.weight,
                "max_score": s.max_score,
                "source": "measured" if s.measured else "panel",
            }
            for s in specs
        ],
        "assessors": [_who(seat) for seat in seats],
        "rows": rank(rows),
        "pending": pending,
        "computed_at": clock.now().isoformat(),
    }


def _who(seat: Assessor) -> str:
    return str(seat.user.display_name or seat.user.username)


def result(plan: AssessmentPlan) -> dict[str, Any]:
    """The published result as frozen, or the result computed now."""
    if plan.status == Status.PUBLISHED and plan.result:
        return plan.result
    return compute(plan)
