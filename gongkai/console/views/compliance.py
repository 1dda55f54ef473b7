"""Console pages of compliance: 我的待办 by due date, an organization's obligations, one
obligation, recording events and staged plans, and exemptions and deferrals asked for and
decided. Every change goes through `gongkai.compliance` (recording, exemptions); the pages
only compose what it and `compliance.worklists` answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai import permissions
from gongkai.catalog.effective import applicable_catalog, effective_catalog
from gongkai.catalog.models import Catalog, DeadlineBasis, Period, Scope, Timing
from gongkai.compliance import exemptions, obligations, periods, recording, worklists
from gongkai.compliance.models import OPEN_STATES, Exemption, Obligation, Source, State
from gongkai.console import compliance_forms as cforms
from gongkai.console.views.base import console_view, context, org_or_404
from gongkai.disclosures import schedule_warnings
from gongkai.disclosures.event_kinds import EventKind
from gongkai.disclosures.models import Disclosure, Event
from gongkai.disclosures.models import State as DisclosureState
from gongkai.organizations.models import Organization, Role
from gongkai.supervision import log as supervision_log
from gongkai.workdays import services as workdays

Kind = Role.Kind

#: Rows per page of an organization's obligations.
PAGE_SIZE = 50
#: Rows of each to-do list (the full lists are a click away).
TODO_LIMIT = 50

NOT_OWN_STAFF = gettext_lazy("Only the organization's own staff may ask for this.")
NOT_SUPERIOR = gettext_lazy("Only the superior's leading group decides this.")

GROUPS = (
    (State.OVERDUE, gettext_lazy("Overdue")),
    (State.DUE_SOON, gettext_lazy("Due soon")),
    (State.UPCOMING, gettext_lazy("Upcoming")),
)


def _obligation(request: HttpRequest, pk: int) -> Obligation:
    """An obligation the person may see in the console; others do not exist for them."""
    obligation = (
        Obligation.objects.select_related(
            "organization", "organization__parent", "event", "plan", "disclosure", "origin"
        )
        .filter(pk=pk)
        .first()
    )
    if obligation is None or not permissions.can_view_in_console(
        request.user, obligation.organization
    ):
        raise Http404
    return obligation


def _errors_onto(form: Any, exc: ValidationError) -> None:
    """A refusal of the domain shown at the form's field where it names one, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(
                name if name in form.fields else None, [m for e in errors for m in e.messages]
            )
    else:
        form.add_error(None, exc.messages)


# --- 我的待办 ------------------------------------------------------------------------------------


@dataclass
class Row:
    """A disclosure in a to-do list; `age` is the working days since it was submitted."""

    d: Disclosure
    age: int | None = None


def _submitted_at() -> Subquery:
    return Subquery(
        Event.objects.filter(disclosure=OuterRef("pk"), action=EventKind.SUBMIT)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )


def _rows(qs: QuerySet[Disclosure], on: dt.date, aged: bool) -> list[Row]:
    if not aged:
        return [Row(d) for d in qs[:TODO_LIMIT]]
    calendar = workdays.current_calendar()
    rows = []
    oldest_first = qs.annotate(submitted_at=_submitted_at()).order_by("submitted_at", "pk")
    for d in oldest_first[:TODO_LIMIT]:
        at = getattr(d, "submitted_at", None)
        age = calendar.count_provisional(timezone.localdate(at), on)[0] if at else None
        rows.append(Row(d, age))
    return rows


def _disclosure_lists(user: Any, on: dt.date) -> list[tuple[str, list[Row], bool]]:
    base = Disclosure.objects.select_related("organization", "item").order_by("-updated_at")
    drafting = permissions.organizations_where(user, {Kind.CLERK}).values("pk")
    reviewing = permissions.organizations_where(user, permissions.REVIEW_KINDS).values("pk")
    now = timezone.now()
    mine = Q(organization__in=drafting) | Q(organization__in=reviewing)
    S = DisclosureState
    lists: list[tuple[Any, QuerySet[Disclosure], bool]] = [
        (_("Returned to you"), base.filter(organization__in=drafting, state=S.RETURNED), False),
        (_("Drafts"), base.filter(organization__in=drafting, state=S.DRAFT), False),
        (
            _("Approved, to publish"),
            base.filter(organization__in=drafting, state=S.APPROVED),
            False,
        ),
        # Published with a time still ahead: staff see them as scheduled, with their times,
        # never among what is already out.
        (
            _("Scheduled to publish"),
            base.filter(mine, state=S.PUBLISHED, publish_from__gt=now).order_by(
                "publish_from", "pk"
            ),
            False,
        ),
        (
            _("In consultation"),
            base.filter(organization__in=drafting, state=S.CONSULTATION),
            False,
        ),
        # The review queues, oldest submission first, each with its age in working days.
        (
            _("To review"),
            base.filter(organization__in=reviewing, state__in=[S.SUBMITTED, S.REVIEWED]),
            True,
        ),
        (
            _("To review as the superior"),
            base.filter(organization__parent__in=reviewing, state=S.SUPERIOR_REVIEW),
            True,
        ),
    ]
    return [(str(title), _rows(qs, on, aged), aged) for title, qs, aged in lists]


def _date_checks(user: Any) -> list[tuple[Disclosure, list[str]]]:
    """Disclosures of the person's organizations (as clerk, reviewer or office) whose coming
    public date or end of publicity falls on a non-working or not yet known day."""
    kinds = {Kind.CLERK, Kind.OFFICE, *permissions.REVIEW_KINDS}
    now = timezone.now()
    candidates = (
        Disclosure.objects.select_related("organization", "item")
        .filter(
            organization__in=permissions.organizations_where(user, kinds).values("pk"),
            state__in=schedule_warnings.WATCHED_STATES,
        )
        .filter(Q(public_from__gt=now) | Q(publicity_until__gt=now) | Q(consultation_until__gt=now))
        .order_by("-updated_at")
    )
    checks = [(d, schedule_warnings.warnings(d, now=now)) for d in candidates[:200]]
    return [(d, found) for d, found in checks if found][:50]


def _obligation_groups(user: Any, on: dt.date) -> list[tuple[str, str, list[worklists.Due]]]:
    dues = worklists.open_for_clerk(user, on, limit=TODO_LIMIT * 3)
    asked = dict(
        Exemption.objects.filter(
            status=Exemption.Status.REQUESTED, obligation__in=[d.obligation.pk for d in dues]
        ).values_list("obligation_id", "kind")
    )
    for d in dues:
        d.asked = asked.get(d.obligation.pk)  # type: ignore[attr-defined]
    return [
        (state, str(title), [d for d in dues if d.state == state][:TODO_LIMIT])
        for state, title in GROUPS
    ]


@console_view
def todo(request: HttpRequest) -> HttpResponse:
    """我的待办: what each of the person's roles asks of them now — the clerk's obligations by
    due date, the review queues with their age, the decisions asked of the superior, the
    office's lagging organizations — and the lists of work in progress."""
    user: Any = request.user
    org = request.org  # type: ignore[attr-defined]
    on = obligations.today()
    categories: list[tuple[Any, list[Any]]] = []
    if org is not None and permissions.can_draft(user, org):
        # Only what applies to the organization (a town's own items stay off a branch's).
        applicable = applicable_catalog(org)
        if applicable is not None:
            categories = [(c, c.items) for c in applicable.categories if c.items]
    groups = _obligation_groups(user, on)
    return render(
        request,
        "console/compliance/todo.html",
        context(
            request,
            "todo",
            today=on,
            groups=groups,
            has_obligations=any(rows for _state, _title, rows in groups),
            lists=_disclosure_lists(user, on),
            decisions=list(worklists.pending_decisions(user)[:TODO_LIMIT]),
            lagging=worklists.lagging(user, on),
            categories=categories,
            date_checks=_date_checks(user),
            can_record=org is not None and recording.can_record(user, org),
        ),
    )


# --- an organization's obligations ----------------------------------------------------------


def _period_choices(org: Organization) -> list[tuple[str, str]]:
    """The periods the organization has obligations for, newest first, with their years."""
    keys = set(
        Obligation.objects.filter(organization=org, source=Source.PERIOD)
        .values_list("period_key", flat=True)
        .distinct()
    )
    bases = {key.partition("~")[0] for key in keys}
    years = {key[:4] for key in bases}
    choices = sorted(bases | years, key=lambda k: (k[:4], len(k) == 4, k), reverse=True)
    return [(key, periods.label(key)) for key in choices if periods.is_period_key(key)]


def _category_choices(org: Organization) -> list[tuple[str, str]]:
    catalog = Catalog.objects.filter(organization=org, version__gt=0).first()
    if catalog is None:
        return []
    return [(c.key, c.name) for c in effective_catalog(catalog).categories]


@console_view
def obligation_list(request: HttpRequest, code: str) -> HttpResponse:
    org = org_or_404(request, code)
    supervision_log.console_read(request.user, org, "records", object_id=org.pk, label=org.name)
    on = obligations.today()
    form = cforms.ObligationFilter(
        request.GET or None, periods=_period_choices(org), categories=_category_choices(org)
    )
    qs = Obligation.objects.filter(organization=org)
    if form.is_bound:
        form.is_valid()  # what is valid filters; what is not is said on the form
        got = getattr(form, "cleaned_data", {})
        state = got.get("state")
        if state == "open":
            qs = qs.filter(state__in=OPEN_STATES)
        elif state:
            qs = qs.filter(worklists.state_condition(state, on))
        if got.get("period"):
            qs = qs.filter(worklists.period_condition(got["period"]))
        if got.get("category"):
            qs = qs.filter(category_key=got["category"])
    qs = qs.select_related("event", "plan", "disclosure").order_by("-due_date", "name", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    calendar_rows = [worklists.due(o, on) for o in page.object_list]
    return render(
        request,
        "console/compliance/obligations.html",
        context(
            request,
            "obligations",
            subject=org,
            form=form,
            page=page,
            rows=calendar_rows,
            today=on,
            can_record=recording.can_record(request.user, org),
        ),
    )


# --- one obligation -------------------------------------------------------------------------


@dataclass
class Explanation:
    """How the due date was counted, in sentences for the page."""

    basis: str
    counted: str
    days_off: str
    make_up: str


BASIS_LABELS: dict[str, Any] = {
    Source.PERIOD: gettext_lazy("the end of the period"),
    Source.STANDING: gettext_lazy("the start of the year (or when the item took effect)"),
    Source.CHANGE: gettext_lazy("the day of the change"),
    Source.EVENT: gettext_lazy("the day of the event"),
    Source.STAGE: gettext_lazy("the date of the stage"),
    Source.DEFERRAL: gettext_lazy("the original basis"),
}


def explain(obligation: Obligation) -> Explanation:
    """The due date's working-day count: from what, how many working days, and which days
    off (and make-up working days) lay between."""
    calendar = workdays.current_calendar()
    basis, due = obligation.basis_date, obligation.due_date
    basis_text = _("Counted from %(date)s, %(what)s.") % {
        "date": basis.isoformat(),
        "what": BASIS_LABELS.get(obligation.source, ""),
    }
    if obligation.source == Source.DEFERRAL:
        counted = _("The superior's decision deferred it to %(date)s.") % {"date": due.isoformat()}
    else:
        counted = _("Due on the %(n)d-th working day after it: %(date)s.") % {
            "n": obligation.rules.get("deadline_days_used", 0),
            "date": due.isoformat(),
        }
    off: Counter[str] = Counter()
    make_up: Counter[str] = Counter()
    day = basis
    while day < due:
        day += dt.timedelta(days=1)
        info = calendar.describe(day)
        if not info.working:
            off[info.name or str(_("weekend"))] += 1
        elif info.name:
            make_up[info.name] += 1
    days_off = (
        _("Days off in between: %(list)s.")
        % {
            "list": "、".join(
                _("%(name)s %(n)d day(s)") % {"name": k, "n": n} for k, n in off.items()
            )
        }
        if off
        else ""
    )
    made_up = (
        _("Make-up working days in between: %(list)s.")
        % {
            "list": "、".join(
                _("%(name)s %(n)d day(s)") % {"name": k, "n": n} for k, n in make_up.items()
            )
        }
        if make_up
        else ""
    )
    return Explanation(basis_text, counted, days_off, made_up)


def draft_allowed(user: Any, obligation: Obligation) -> bool:
    return obligation.is_open and permissions.can_draft(user, obligation.organization)


@console_view
def obligation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    obligation = _obligation(request, pk)
    supervision_log.console_read(
        user, obligation.organization, "obligation", object_id=pk, label=str(obligation)
    )
    on = obligations.today()
    asked = list(
        obligation.exemptions.select_related("requested_by", "decided_by").order_by(
            "requested_at", "pk"
        )
    )
    waiting = any(e.status == Exemption.Status.REQUESTED for e in asked)
    drafts = list(
        Disclosure.objects.filter(
            organization=obligation.organization,
            item__key=obligation.item_key,
            period_key=worklists.chain_base(obligation),
        )
        .select_related("item")
        .order_by("-updated_at")[:20]
    )
    return render(
        request,
        "console/compliance/obligation.html",
        context(
            request,
            "obligations",
            o=obligation,
            due=worklists.due(obligation, on),
            explanation=explain(obligation),
            rules=_rules(obligation),
            exemptions=asked,
            drafts=drafts,
            moved_to=Obligation.objects.filter(origin=obligation).order_by("pk").first(),
            can_draft=draft_allowed(user, obligation),
            can_request=obligation.is_open
            and not waiting
            and exemptions.can_request(user, obligation),
            can_decide=waiting and exemptions.can_decide(user, obligation),
        ),
    )


RULE_LABELS = (
    ("timing", gettext_lazy("Timing")),
    ("period", gettext_lazy("Period")),
    ("deadline_days_used", gettext_lazy("Deadline (working days)")),
    ("deadline_basis", gettext_lazy("Counted from")),
    ("min_publicity_days", gettext_lazy("Minimum publicity (working days)")),
    ("scope", gettext_lazy("Scope")),
    ("major_matter", gettext_lazy("Major matter")),
    ("escalate_after_days", gettext_lazy("Escalated after (working days overdue)")),
)


def _rules(obligation: Obligation) -> list[tuple[str, str]]:
    """The rules snapshot as labelled values."""
    choices: dict[str, Any] = {
        "timing": Timing,
        "period": Period,
        "deadline_basis": DeadlineBasis,
        "scope": Scope,
    }
    out = []
    rules = obligation.rules or {}
    for key, label in RULE_LABELS:
        value = rules.get(key)
        if value in (None, ""):
            continue
        if key in choices:
            with contextlib.suppress(ValueError):
                value = choices[key](value).label
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
        out.append((str(label), str(value)))
    return out


# --- exemptions and deferrals -----------------------------------------------------------------


@console_view
def exemption_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The organization asks its superior not to disclose, or to defer."""
    user: Any = request.user
    obligation = _obligation(request, pk)
    if not exemptions.can_request(user, obligation):
        raise PermissionDenied(NOT_OWN_STAFF)
    form = cforms.ExemptionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        got = form.cleaned_data
        try:
            asked = exemptions.request(
                obligation,
                actor=user,
                kind=got["kind"],
                reason_category=got["reason_category"],
                reason=got["reason"],
                legal_basis=got["legal_basis"],
                likely_harm=got["likely_harm"],
                defer_until=got["defer_until"],
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(
                request, _("Your request is sent to the superior's leading group for a decision.")
            )
            return redirect("console:exemption", asked.pk)
    return render(
        request,
        "console/compliance/exemption_request.html",
        context(
            request,
            "obligations",
            o=obligation,
            form=form,
            due=worklists.due(obligation, obligations.today()),
        ),
    )


@console_view
def exemption_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A request and its decision; the superior's leading group decides here."""
    user: Any = request.user
    exemption = (
        Exemption.objects.select_related(
            "obligation",
            "obligation__organization",
            "obligation__organization__parent",
            "obligation__event",
            "obligation__plan",
            "requested_by",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )
    if exemption is None or not permissions.can_view_in_console(
        user, exemption.obligation.organization
    ):
        raise Http404
    obligation = exemption.obligation
    may_decide = exemption.status == Exemption.Status.REQUESTED and exemptions.can_decide(
        user, obligation
    )
    form = None
    if request.method == "POST":
        if not exemptions.can_decide(user, obligation):
            raise PermissionDenied(NOT_SUPERIOR)
        form = cforms.DecisionForm(request.POST)
        if form.is_valid():
            got = form.cleaned_data
            try:
                exemptions.decide(
                    exemption,
                    actor=user,
                    approve=got["decision"] == "approve",
                    reason=got["reason"],
                    shown_scope=got["shown_scope"],
                )
            except ValidationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, _("The decision is recorded."))
                return redirect("console:exemption", exemption.pk)
    elif may_decide:
        form = cforms.DecisionForm()
    return render(
        request,
        "console/compliance/exemption.html",
        context(
            request,
            "todo",
            e=exemption,
            o=obligation,
            form=form,
            may_decide=may_decide or form is not None,
        ),
    )


# --- events and plans -------------------------------------------------------------------------


def _recording_org(request: HttpRequest) -> Organization:
    org = request.org  # type: ignore[attr-defined]
    if org is None:
        raise Http404
    if not recording.can_record(request.user, org):
        raise PermissionDenied(recording.NOT_YOURS)
    return org  # type: ignore[no-any-return]


@console_view
def event_new(request: HttpRequest) -> HttpResponse:
    """The clerk records an event; its obligation is generated at once."""
    org = _recording_org(request)
    items = recording.event_items(org)
    wanted = request.GET.get("item", "")
    initial = {"item": wanted} if wanted in {i.key for i in items} else {}
    form = cforms.EventForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        got = form.cleaned_data
        try:
            event = recording.record_event(
                org,
                actor=request.user,
                item_key=got["item"],
                title=got["title"],
                happened_on=got["happened_on"],
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, _("The event is recorded; what it owes is on the list."))
            obligation = recording.obligation_of(event)
            if obligation is not None:
                return redirect("console:obligation", obligation.pk)
            return redirect("console:org_obligations", org.code)
    return render(
        request,
        "console/compliance/record.html",
        context(
            request,
            "todo",
            form=form,
            heading=_("Record an event"),
            items=items,
            empty=_("The catalog has no item disclosed when something happens."),
        ),
    )


@console_view
def plan_new(request: HttpRequest) -> HttpResponse:
    """The clerk sets out a staged matter; each stage owes a disclosure from its date."""
    org = _recording_org(request)
    items = recording.plan_items(org)
    form = cforms.PlanForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        got = form.cleaned_data
        try:
            recording.create_plan(
                org,
                actor=request.user,
                item_key=got["item"],
                title=got["title"],
                stages=got["stages"],
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(
                request, _("The plan is saved; each stage owes a disclosure from its date.")
            )
            return redirect("console:org_obligations", org.code)
    return render(
        request,
        "console/compliance/record.html",
        context(
            request,
            "todo",
            form=form,
            heading=_("Set out a staged plan"),
            items=items,
            empty=_("The catalog has no item disclosed by stages."),
        ),
    )


# --- drafting for an obligation (used by the draft page) ------------------------------------


@dataclass
class PeriodKeys:
    """The obligations a draft of an item may name: (key, label with its due date) for the
    select, and each key's period label for the disclosure's period text."""

    choices: list[tuple[str, str]]
    labels: dict[str, str]


def period_keys(org: Organization, item_key: str, current: str = "") -> PeriodKeys:
    """The item's open obligations at the organization (and the key a draft already names),
    soonest due first; a deferral is named by its original key (one query)."""
    condition = Q(state__in=OPEN_STATES)
    if current:
        condition |= Q(period_key=current)
    rows = (
        Obligation.objects.filter(condition, organization=org, item_key=item_key)
        .select_related("event", "plan")
        .order_by("due_date", "pk")
    )
    on = obligations.today()
    choices: list[tuple[str, str]] = []
    labels: dict[str, str] = {}
    for obligation in rows:
        key = worklists.chain_base(obligation)
        if key in labels:
            continue
        labels[key] = obligation.period_label
        choices.append(
            (
                key,
                _("%(period)s (due %(date)s)")
                % {
                    "period": obligation.period_label,
                    "date": worklists.day_text(obligation.due_date, on),
                },
            )
        )
    if current and current not in labels:
        labels[current] = periods.label(current)
        choices.append((current, labels[current]))
    return PeriodKeys(choices, labels)


def obligation_for_draft(request: HttpRequest) -> Obligation | None:
    """The obligation named by `?obligation=` (or the form's hidden field), if any."""
    raw = request.GET.get("obligation") or request.POST.get("obligation") or ""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise Http404
    return _obligation(request, int(raw))
