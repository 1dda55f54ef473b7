"""The demo's half-year summary and assessment (Scenario 10): the town office produces the
summary of the last half year that has ended (Word and PDF, ready to open), and assesses its
branches over the same half year with measured criteria and the panel's scores (the county's
assessor and the town's discipline secretary), published with a public summary. Idempotent:
nothing is made twice."""

from __future__ import annotations

import datetime as dt
import random

from gongkai.accounts.models import User
from gongkai.compliance import obligations
from gongkai.organizations.models import Organization
from gongkai.reports import assessment, documents, windows
from gongkai.reports.assessment import Spec
from gongkai.reports.models import AssessmentPlan, Report

PANEL = ("content", "procedure", "form", "effect")


def last_half_year(today: dt.date) -> windows.Window:
    if today.month >= 7:
        return windows.half_year(today.year, 1)
    return windows.half_year(today.year - 1, 2)


def load_demo_reports(town: Organization, branches: list[Organization]) -> None:
    today = obligations.today()
    window = last_half_year(today)
    office = User.objects.get(username="office")
    if not Report.objects.filter(organization=town).exists():
        documents.produce(town, actor=office, window=window)
    if AssessmentPlan.objects.filter(organization=town).exists():
        return
    first_day = window.first.year
    half = "上" if window.first.month == 1 else "下"
    plan = assessment.create_plan(
        town,
        actor=office,
        title=f"青石镇{first_day}年{half}半年党务公开工作考核",
        window=window,
        criteria=[
            Spec("on_time_rate", 40),
            Spec("coverage", 20),
            Spec("content", 10),
            Spec("procedure", 10),
            Spec("form", 10),
            Spec("effect", 10),
        ],
        public_summary=True,
    )
    panel = [User.objects.get(username="assessor"), User.objects.get(username="qs-discipline")]
    for person in panel:
        assessment.add_assessor(plan, actor=office, user=person)
    assessment.open_scoring(plan, actor=office)
    rng = random.Random(2026)
    lagging = {"QS-07", "QS-13"}
    for person in panel:
        scores: dict[tuple[int, str], str] = {}
        for branch in branches:
            low, high = (70, 85) if branch.code in lagging else (85, 98)
            for kind in PANEL:
                scores[(branch.pk, kind)] = str(rng.randint(low, high))
        assessment.enter_scores(plan, actor=person, scores=scores)
    assessment.publish(plan, actor=office)
