"""The life of a finding, driven by generated sequences of steps by generated people: every
step the table allows for that person goes through and writes one event; every other step
is refused and changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.supervision import workflow
from gongkai.supervision.models import Finding, FindingState

S = FindingState
#: (state, step) → new state, and who may take it: the model the code is held to.
MODEL: dict[tuple[str, str], tuple[str, str]] = {
    (S.OPEN, "rectify"): (S.RECTIFIED, "organization"),
    (S.REOPENED, "rectify"): (S.RECTIFIED, "organization"),
    (S.RECTIFIED, "confirm"): (S.CONFIRMED, "supervisor"),
    (S.RECTIFIED, "reopen"): (S.REOPENED, "supervisor"),
    (S.CONFIRMED, "publish"): (S.CONFIRMED, "supervisor"),
}
SIDES = {"supervisor": "supervisor", "discipline": "supervisor", "clerk": "organization"}
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["rectify", "confirm", "reopen", "publish"]),
        st.sampled_from(["supervisor", "discipline", "clerk", "other_supervisor", "member"]),
    ),
    max_size=10,
)


def _take(step: str, finding: Finding, actor: Any) -> None:
    if step == "rectify":
        workflow.rectify(finding, actor=actor, text="已整改，见照片")
    elif step == "confirm":
        workflow.confirm(finding, actor=actor)
    elif step == "reopen":
        workflow.reopen(finding, actor=actor, reason="公开栏仍未更换", deadline_days=5)
    else:
        workflow.publish(finding, actor=actor, scope="public")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_every_step_follows_the_table(people, oversight, tree, media, steps):
    finding = workflow.file_finding(
        tree.village, actor=people.supervisor, category="timing", description="未按时公开"
    )
    published = False
    for step, name in steps:
        actor = getattr(oversight, name, None) or getattr(people, name)
        before = Finding.objects.get(pk=finding.pk)
        events = before.events.count()
        move = MODEL.get((before.state, step))
        allowed = (
            move is not None
            and SIDES.get(name) == move[1]
            and not (step == "publish" and published)
        )
        try:
            _take(step, finding, actor)
        except (PermissionDenied, ValidationError):
            assert not allowed, (step, name, before.state)
            after = Finding.objects.get(pk=finding.pk)
            assert (after.state, after.due_date, after.published_at) == (
                before.state,
                before.due_date,
                before.published_at,
            )
            assert after.events.count() == events
            continue
        assert allowed, (step, name, before.state)
        assert move is not None
        after = Finding.objects.get(pk=finding.pk)
        assert after.state == move[0]
        assert after.events.count() == events + 1
        published = published or step == "publish"
    assert sorted(set(workflow.TRANSITIONS)) == sorted(
        (
            state,
            {
                "rectify": "rectified",
                "confirm": "confirmed",
                "reopen": "reopened",
                "publish": "published",
            }[step],
        )
        for state, step in MODEL
    )


def test_a_reopened_finding_gets_a_new_deadline_and_the_reason_stays(people, finding):
    workflow.rectify(finding, actor=people.clerk, text="已换栏")
    reopened = workflow.reopen(
        finding, actor=people.supervisor, reason="照片看不清", deadline_days=3
    )
    assert reopened.state == FindingState.REOPENED
    assert reopened.deadline_days == 3
    assert list(reopened.events.values_list("action", "reason"))[-1] == ("reopened", "照片看不清")


def test_each_step_tells_the_people_concerned(people, oversight, finding):
    from gongkai.notifications.models import Notification

    def told(user: Any) -> list[str]:
        return list(
            Notification.objects.filter(recipient=user, key__startswith=f"finding:{finding.pk}:")
            .order_by("pk")
            .values_list("key", flat=True)
        )

    assert told(people.clerk) == [f"finding:{finding.pk}:filed"]
    assert told(oversight.principal) == [f"finding:{finding.pk}:filed"]
    workflow.rectify(finding, actor=people.clerk, text="已整改")
    assert len(told(people.supervisor)) == 1 and "rectified" in told(people.supervisor)[0]
    workflow.reopen(finding, actor=people.supervisor, reason="不彻底")
    workflow.rectify(finding, actor=people.clerk, text="再次整改")
    assert len(told(people.supervisor)) == 2
    workflow.confirm(finding, actor=people.supervisor)
    assert [k.split(":")[2] for k in told(people.clerk)] == ["filed", "reopened", "confirmed"]
    assert not told(people.member)
