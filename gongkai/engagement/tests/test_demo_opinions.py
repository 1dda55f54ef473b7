"""The demo plays Scenario 7: a villager's opinion from the kiosk about the dues table,
answered within the deadline, on the echo wall, rated 满意; and opinions in other states."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from gongkai.devtools.demo import load_demo
from gongkai.devtools.tests.test_demo import demo  # noqa: F401  (the module's loaded demo)
from gongkai.engagement import services
from gongkai.engagement.models import Opinion, State


def test_scenario_7_plays(demo, db):  # noqa: F811
    question = Opinion.objects.get(channel="kiosk", organization__code="QS-01")
    assert question.state == State.ANSWERED and question.published
    assert question.rating == "satisfied"
    assert question.disclosure is not None and "党费" in question.disclosure.title
    assert timezone.localdate(question.answered_at) <= question.due_date
    kinds = list(question.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "assigned", "answered", "published", "rated"]
    wall = Client().get("/o/QS-01/echo/").content.decode()
    assert "漏记" in wall and "13800138021" not in wall
    tracked = Client().post("/track/", {"code": question.tracking_code}).content.decode()
    assert "漏记" in tracked and "满意" in tracked


def test_other_states_and_scopes(demo, db):  # noqa: F811
    states = set(Opinion.objects.values_list("state", flat=True))
    assert {"received", "valid", "answered", "duplicate", "spam", "out_of_scope"} <= states
    late = [o for o in Opinion.objects.all() if services.is_overdue(o, timezone.localdate())]
    assert late, "one opinion is overdue for gongkai remind"
    # The town's answer is for its members: not on the public wall.
    assert "三会一课" not in Client().get("/o/QS/echo/").content.decode()


def test_loading_again_adds_no_opinion(demo, db):  # noqa: F811
    before = Opinion.objects.count()
    load_demo()
    assert Opinion.objects.count() == before == 7
