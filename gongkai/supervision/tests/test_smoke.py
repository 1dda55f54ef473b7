from gongkai.supervision import workflow
from gongkai.supervision.models import FindingState

from .conftest import png


def test_the_round_trip(people, oversight, finding):
    assert finding.state == FindingState.OPEN
    done = workflow.rectify(
        finding, actor=people.clerk, text="已更换为本年度党费公示", uploads=[png()]
    )
    assert done.state == FindingState.RECTIFIED
    assert done.attachments.count() == 1
    done = workflow.confirm(done, actor=people.supervisor)
    assert done.state == FindingState.CONFIRMED
    done = workflow.publish(done, actor=people.supervisor, scope="public")
    assert done.published_at is not None
