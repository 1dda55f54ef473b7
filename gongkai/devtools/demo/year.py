"""The demo town's year of obligations, played on the workflow's simulated clock.

The town's catalog took effect in December 2025 (CATALOG_ADOPTED), so 2026 owes its
obligations from its first day (and the yearly confirmations of the standing items owe one
for the weeks of 2025 as well, published in the first days of January). Every day from 1 January 2026 to today runs what the real
daily jobs run — obligations generated on the days a period or a stage begins (generation
catches up, so a run on those days gives what a run every day gives), states refreshed every
day, publicity periods that passed ended — and in between, at their own times, the branches
publish through the real workflow and the story's moves happen (events recorded, plans
staged, an exemption and a deferral asked for and decided). States, roll-ups, the ledger and
every timestamp are what a real year would have written.

Who does what (the story `gongkai demo` tells):

- the town and 14 of its 16 branches publish every periodic report and yearly confirmation
  a few working days after the period, within the deadline;
- 桃源村 (LATE_BRANCH) publishes every report two to four working days after its deadline:
  late every time, overdue for a few days each time, never escalated;
- 梨树村 (STOPPED_BRANCH) stopped publishing in the autumn: nothing due from STOPPED_FROM on
  is published, so its third-quarter reports are overdue long past their escalation;
- 松坡村's second-quarter report (EXEMPTION) is exempted by the town's leading group
  (personal privacy), and 柳溪村's third-quarter report (DEFERRAL) is deferred to November
  and then published on time against its new obligation;
- the story's own publications (disclosures.py) name their obligations: a recorded cadre
  appointment and recruitment step, the first stage of the office-building renovation (a
  staged plan), recorded changes of standing items, 西岭村's duties and 东岭村's half-year
  party-internal reports.

Dates of publications count in working days on the project's calendar; after the years the
calendar knows, `workdays.deadline` falls back to Monday to Friday, so the demo runs on any
date.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone, translation

from gongkai.accounts.models import User
from gongkai.catalog.effective import EffectiveItem, effective_catalog
from gongkai.catalog.models import Catalog, CatalogVersion
from gongkai.compliance import exemptions, obligations
from gongkai.compliance.models import Exemption, Obligation, Source, StagePlan, State

# The module (it imports this one for `Year`): its texts are read at call time.
from gongkai.devtools.demo import disclosures as texts
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.models import State as DisclosureState
from gongkai.organizations.models import Organization
from gongkai.workdays import services as workdays

BEIJING = ZoneInfo("Asia/Shanghai")
CHECKLIST = dict.fromkeys(workflow.SECRECY_CHECKLIST, True)

#: The town's leading group adopted the catalog and pushed it down to the 16 branches …
CATALOG_ADOPTED = dt.datetime(2025, 12, 10, 9, tzinfo=BEIJING)
#: … and the two pilot villages added their own items a few days later.
PILOT_ITEMS_ADOPTED = dt.datetime(2025, 12, 15, 9, tzinfo=BEIJING)
#: The first day the demo's daily jobs run.
YEAR_STARTS = dt.date(2026, 1, 1)
#: When the daily jobs run (before anyone's working day).
MORNING = dt.time(7, 30)

#: Publishes every report a few working days after its deadline.
LATE_BRANCH = "QS-07"
#: Stopped publishing: nothing due from STOPPED_FROM on is published.
STOPPED_BRANCH = "QS-13"
STOPPED_FROM = dt.date(2026, 9, 1)


@dataclass(frozen=True)
class Request:
    """An exemption or deferral the story asks for and the town's leading group approves."""

    code: str
    period_key: str
    #: The items to ask it for, first the one that fits the reason best (the first one the
    #: branch owes for the period is taken: catalogs may say an item does not apply).
    items: tuple[str, ...]
    kind: str
    reason_category: str
    reason: str
    legal_basis: str
    likely_harm: str
    asked: dt.datetime
    decided: dt.datetime
    decision: str
    defer_until: dt.date | None = None
    #: When the deferred report is published (deferral only).
    published: dt.datetime | None = None


LEGAL_BASIS = "《中国共产党党务公开条例（试行）》第十一条"
EXEMPTION = Request(
    code="QS-14",
    period_key="2026-Q2",
    items=("benefit-funds", "opinions-echo-wall", "village-supervision"),
    kind=Exemption.Kind.EXEMPT,
    reason_category="personal_privacy",
    reason="本季度松坡村仅一户领取临时救助，公开发放对象和金额即暴露该户的家庭困难和病情。",
    legal_basis=LEGAL_BASIS,
    likely_harm="救助对象身份在村内可被识别，可能受到歧视。",
    asked=dt.datetime(2026, 7, 3, 15, tzinfo=BEIJING),
    decided=dt.datetime(2026, 7, 6, 10, tzinfo=BEIJING),
    decision="经镇党务公开领导小组研究，同意本季度不予公开；在公开栏以“本期涉及个人隐私，不予公开”告知。",
)
DEFERRAL = Request(
    code="QS-06",
    period_key="2026-Q3",
    items=("village-collective-assets", "benefit-funds", "village-supervision"),
    kind=Exemption.Kind.DEFER,
    reason_category="process",
    reason="柳溪村集体经济第三季度收益正在由镇农经站审计，分配数字尚未审定。",
    legal_basis=LEGAL_BASIS,
    likely_harm="公开未经审定的数字，审计调整后易引起群众误解。",
    asked=dt.datetime(2026, 10, 12, 16, tzinfo=BEIJING),
    decided=dt.datetime(2026, 10, 13, 10, tzinfo=BEIJING),
    decision="同意暂缓至审计结束，11月13日前公开。",
    defer_until=dt.date(2026, 11, 13),
    published=dt.datetime(2026, 11, 10, 10, tzinfo=BEIJING),
)


def local_key(item_key: str) -> str:
    """An item's key without its layer: `12.dues-paid` → `dues-paid`."""
    return item_key.rpartition(".")[2]


def at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=BEIJING)


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (Monday to Friday where the calendar knows nothing)."""
    return workdays.deadline(day, n).date


def adopt_catalogs_before_the_year() -> None:
    """Date the demo catalogs' versions: the town's (and what it pushed down) on
    CATALOG_ADOPTED, the pilots' own items on PILOT_ITEMS_ADOPTED. History only: the demo
    builds the catalogs today and says when the leading group adopted them."""
    for layer in Catalog.objects.filter(version__gt=0):
        CatalogVersion.objects.filter(catalog=layer, number=1).update(published_at=CATALOG_ADOPTED)
        CatalogVersion.objects.filter(catalog=layer, number__gt=1).update(
            published_at=PILOT_ITEMS_ADOPTED
        )
    Catalog.objects.update(created_at=CATALOG_ADOPTED)


def stable(*parts: object) -> int:
    """A number that is the same on every run for the same parts (Python's hash is not)."""
    return zlib.crc32("|".join(str(p) for p in parts).encode())


Flow = Callable[[], Any]


class Year:
    """The demo's calendar: story flows registered at their times, the branches' routine
    publications planned as their obligations appear, the daily jobs each morning."""

    def __init__(self, town: Organization, branches: list[Organization], rng: random.Random):
        self.town = town
        self.branches = branches
        self.rng = rng
        self.story: list[tuple[dt.datetime, Flow]] = []
        self.planned: dict[dt.date, list[tuple[dt.datetime, Flow]]] = defaultdict(list)
        #: (organization code, item, period key) the story publishes itself.
        self.claimed: set[tuple[str, str, str]] = set()
        self.requests = {(r.code, r.period_key): r for r in (EXEMPTION, DEFERRAL)}
        self.seen = 0
        #: The day being played.
        self.day = YEAR_STARTS
        self._items: dict[int, dict[str, EffectiveItem]] = {}
        self._staff: dict[int, tuple[User, User, User]] = {}
        self._targets: dict[tuple[str, str], str | None] = {}

    # --- registering -----------------------------------------------------------------------

    def at(self, when: dt.datetime) -> Callable[[Flow], Flow]:
        def register(flow: Flow) -> Flow:
            self.story.append((when, flow))
            return flow

        return register

    def claim(self, org: Organization, local: str, period_key: str) -> str:
        """The story publishes this obligation itself: no routine publication for it."""
        self.claimed.add((org.code, local, period_key))
        return period_key

    # --- who ------------------------------------------------------------------------------

    def staff(self, org: Organization) -> tuple[User, User, User]:
        """(clerk, reviewer, superior reviewer) of an organization of the demo."""
        if org.pk not in self._staff:
            if org == self.town:
                names = ("office", "superior", "yl-reviewer")
            elif org.code == "QS-01":
                names = ("clerk", "reviewer", "superior")
            else:
                code = org.code.lower()
                names = (f"clerk-{code}", f"sec-{code}", "superior")
            users = {u.username: u for u in User.objects.filter(username__in=names)}
            self._staff[org.pk] = (users[names[0]], users[names[1]], users[names[2]])
        return self._staff[org.pk]

    def item(self, org: Organization, key: str) -> EffectiveItem:
        if org.pk not in self._items:
            layer = Catalog.objects.get(organization=org)
            self._items[org.pk] = effective_catalog(layer).by_key()
        return self._items[org.pk][key]

    # --- the days -------------------------------------------------------------------------

    def run(self, first: dt.date = YEAR_STARTS) -> None:
        """Play every day from `first` to today; story flows after now run now, in order."""
        now = timezone.localtime(timezone.now(), BEIJING)
        today = now.date()
        story: dict[dt.date, list[tuple[dt.datetime, Flow]]] = defaultdict(list)
        later: list[tuple[dt.datetime, Flow]] = []
        for when, flow in self.story:
            if when > now:
                later.append((when, flow))
            else:
                story[max(when.date(), first)].append((max(when, at(first, MORNING)), flow))
        day = first
        while day <= today:
            self.day = day
            morning = min(at(day, MORNING), now)
            with workflow.clock(morning):
                self.morning(day)
            flows = story.pop(day, []) + self.planned.pop(day, [])
            for when, flow in sorted(flows, key=lambda pair: pair[0]):
                if when > now:
                    continue  # planned for later today: not yet
                with workflow.clock(when):
                    flow()
            day += dt.timedelta(days=1)
        for _when, flow in sorted(later, key=lambda pair: pair[0]):
            with workflow.clock(now):
                flow()

    def morning(self, day: dt.date) -> None:
        """What the daily jobs do: generate (on the days something begins), refresh, end the
        publicity periods that passed."""
        if day == YEAR_STARTS or day.day == 1 or self._stage_begins(day):
            obligations.generate(day)
            self.plan_new()
        obligations.refresh(day)
        over = Disclosure.objects.filter(
            state=DisclosureState.PUBLISHED,
            publicity_until__isnull=False,
            publicity_until__lte=workflow.now(),
        ).order_by("publicity_until", "pk")
        for disclosure in over:
            workflow.end_publicity(disclosure)

    def _stage_begins(self, day: dt.date) -> bool:
        iso = day.isoformat()
        return any(
            stage.get("date") == iso
            for stages in StagePlan.objects.values_list("stages", flat=True)
            for stage in stages
        )

    # --- the branches' habits -------------------------------------------------------------

    def plan_new(self) -> None:
        """Plan a publication for each new periodic or yearly obligation, by the habit of its
        organization; the story's own and the exemption's are left to the story."""
        new = (
            Obligation.objects.filter(pk__gt=self.seen, source__in=[Source.PERIOD, Source.STANDING])
            .select_related("organization")
            .order_by("pk")
        )
        for ob in new:
            self.seen = max(self.seen, ob.pk)
            org = ob.organization
            local = local_key(ob.item_key)
            if (org.code, local, ob.period_key) in self.claimed:
                continue
            request = self.requests.get((org.code, ob.period_key))
            if request is not None and self.target(request) == local:
                self.plan_request(request, ob)
                continue
            self.plan_publication(ob)

    def target(self, request: Request) -> str | None:
        """The item the request is for: the first of its items the branch owes."""
        key = (request.code, request.period_key)
        if key not in self._targets:
            owed = {
                local_key(k)
                for k in Obligation.objects.filter(
                    organization__code=request.code, period_key=request.period_key
                ).values_list("item_key", flat=True)
            }
            self._targets[key] = next((i for i in request.items if i in owed), None)
        return self._targets[key]

    def plan_publication(self, ob: Obligation) -> None:
        org = ob.organization
        seed = stable(org.code, ob.item_key, ob.period_key)
        deadline = int(ob.rules.get("deadline_days_used") or 10)
        rules = self.item(org, ob.item_key)
        consult = bool(rules.value("consultation_required"))
        length = workflow.consultation_bounds(
            {"consultation_days": rules.value("consultation_days")}
        )[0]
        late = org.code == LATE_BRANCH
        if org.code == STOPPED_BRANCH and ob.due_date >= STOPPED_FROM:
            return
        if late:
            # Starts when the deadline is already near and finishes two to four working days
            # after it: late every time, never long enough to be escalated (the item's
            # escalate_after_days, five by default).
            start = working_days_after(ob.basis_date, max(1, deadline - 4 + seed % 3))
            late_by = max(1, min(2 + seed % 3, ob.escalate_after_days - 1))
            publish = working_days_after(ob.due_date, late_by)
            if consult:
                publish = max(publish, working_days_after(start, length + 1))
        else:
            start = working_days_after(ob.basis_date, 1)
            publish = working_days_after(ob.basis_date, min(deadline - 1, 2 + seed % 5))
            if consult:
                publish = working_days_after(start, length + 1)
        if start <= self.day:
            # Owed from before the demo's first day (the standing items' confirmation for the
            # weeks of 2025 under the catalog): done in the first working days.
            start = working_days_after(self.day, 1 + seed % 3)
            publish = max(publish, working_days_after(start, length + 1 if consult else 0))
        hour = dt.time(9 + seed % 8, (seed >> 8) % 60)
        if consult:
            state: dict[str, Disclosure] = {}

            def open_it(ob: Obligation = ob) -> None:
                state["d"] = self.open_consultation(ob)

            def finish(ob: Obligation = ob) -> None:
                self.finish(ob, state["d"])

            self.planned[start].append((at(start, dt.time(9, 30)), open_it))
            self.planned[publish].append((at(publish, hour), finish))
        else:

            def publish_it(ob: Obligation = ob) -> None:
                self.publish(ob)

            self.planned[publish].append((at(publish, hour), publish_it))

    # --- the moves ------------------------------------------------------------------------

    def title(self, ob: Obligation) -> str:
        org, name = ob.organization, ob.name
        if org == self.town:
            prefix = org.name.partition("镇")[0] if name.startswith("镇") else org.name
        else:
            prefix = org.name.removesuffix("党支部")
            name = name.removeprefix("村（社区）")
        with translation.override("zh-hans"):
            return f"{prefix}{name}（{ob.period_label}）"[:200]

    def draft(self, ob: Obligation, **extra: Any) -> Disclosure:
        org = ob.organization
        clerk, reviewer, _superior = self.staff(org)
        item = self.item(org, ob.item_key)
        first = ob.period_start or ob.basis_date
        last = ob.period_end or ob.due_date
        if ob.source == Source.STANDING:
            last = ob.basis_date + dt.timedelta(days=20)
        data = texts._rows(
            item,
            self.rng,
            4,
            org=org,
            people=(reviewer.display_name, clerk.display_name),
            dates=(first, max(first, min(last, workflow.now().date()))),
        )
        title = self.title(ob)
        local = local_key(ob.item_key)
        text = texts.BODIES.get(local, "")
        # A standing item's own text where it speaks of this organization; the notice else.
        fits = ob.source == Source.STANDING and (("{place}" in text) != (org == self.town))
        body = texts._notice(org, title, bool(data), local if fits else "")
        return workflow.create_disclosure(
            org,
            actor=clerk,
            item_key=ob.item_key,
            title=title,
            body=body,
            data=data,
            period_key=ob.period_key.partition("~")[0],
            **extra,
        )

    def approve_and_publish(self, d: Disclosure) -> Disclosure:
        clerk, reviewer, superior = self.staff(d.organization)
        workflow.review(d, actor=reviewer, checklist=CHECKLIST)
        if d.needs_superior_review:
            workflow.superior_approve(d, actor=superior)
        else:
            workflow.approve(d, actor=reviewer)
        return workflow.publish(d, actor=clerk)

    def publish(self, ob: Obligation) -> Disclosure:
        d = self.draft(ob)
        workflow.submit(d, actor=self.staff(d.organization)[0])
        return self.approve_and_publish(d)

    def open_consultation(self, ob: Obligation) -> Disclosure:
        d = self.draft(ob)
        clerk = self.staff(d.organization)[0]
        workflow.submit(d, actor=clerk)
        return workflow.open_consultation(d, actor=clerk)

    def finish(self, ob: Obligation, d: Disclosure) -> Disclosure:
        clerk = self.staff(d.organization)[0]
        workflow.close_consultation(d, actor=clerk)
        return self.approve_and_publish(d)

    # --- the exemption and the deferral ---------------------------------------------------

    def plan_request(self, request: Request, ob: Obligation) -> None:
        def ask(ob: Obligation = ob) -> None:
            clerk = self.staff(ob.organization)[0]
            exemptions.request(
                ob,
                actor=clerk,
                kind=request.kind,
                reason_category=request.reason_category,
                reason=request.reason,
                legal_basis=request.legal_basis,
                likely_harm=request.likely_harm,
                defer_until=request.defer_until,
            )

        def decide(ob: Obligation = ob) -> None:
            asked = Exemption.objects.get(obligation=ob, status=Exemption.Status.REQUESTED)
            exemptions.decide(
                asked,
                actor=self.staff(self.town)[1],
                approve=True,
                reason=request.decision,
                shown_scope="party",
            )

        def publish_deferred(ob: Obligation = ob) -> None:
            moved = Obligation.objects.get(origin=ob)
            if moved.state in (State.UPCOMING, State.DUE_SOON, State.OVERDUE):
                self.publish(moved)

        self.planned[request.asked.date()].append((request.asked, ask))
        self.planned[request.decided.date()].append((request.decided, decide))
        if request.published is not None:
            self.planned[request.published.date()].append((request.published, publish_deferred))
