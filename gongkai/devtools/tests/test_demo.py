"""The demo town matches Scenario 1 and loading it twice changes nothing."""

from gongkai.accounts.models import User
from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.devtools.demo import ACCOUNTS, load_demo
from gongkai.organizations.models import Organization, Role


def test_the_demo_town_has_sixteen_branches_two_of_them_pilots(db):
    load_demo()
    town = Organization.objects.get(code="QS")
    branches = Organization.objects.subtree(town, include_self=False)
    assert branches.count() == 16
    assert sorted(branches.filter(is_pilot=True).values_list("name", flat=True)) == [
        "东岭村党支部",
        "石桥村党支部",
    ]
    assert town.spokesperson and town.press_liaison and town.supervision_phone
    assert Role.objects.filter(organization=town, kind=Role.Kind.SUPERVISOR).count() == 2
    for branch in branches:
        assert Role.objects.filter(organization=branch, kind=Role.Kind.MEMBER).count() >= 4


def test_every_branch_inherits_the_town_catalog_and_the_pilots_add_two_items(db):
    load_demo()
    town_catalog = Catalog.objects.get(organization__code="QS")
    town_items = {i.key for i in effective_catalog(town_catalog).items}
    assert len(town_items) == 64
    for layer in Catalog.objects.filter(parent=town_catalog).select_related("organization"):
        items = effective_catalog(layer).items
        local = [i for i in items if not i.inherited_by(layer)]
        assert {i.key for i in items} >= town_items
        assert len(local) == (2 if layer.organization.is_pilot else 0)
    assert Catalog.objects.filter(parent=town_catalog).count() == 16


def test_loading_the_demo_again_changes_nothing(db):
    load_demo()
    counts = (
        Organization.objects.count(),
        User.objects.count(),
        Role.objects.count(),
        Catalog.objects.count(),
    )
    load_demo()
    assert (
        Organization.objects.count(),
        User.objects.count(),
        Role.objects.count(),
        Catalog.objects.count(),
    ) == counts


def test_every_printed_demo_account_signs_in_with_the_demo_password(db, client):
    from gongkai.devtools.demo import DEMO_PASSWORD

    load_demo()
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.mobile == account.mobile


def test_the_demo_has_over_fifty_disclosures_in_every_state(db):
    from gongkai.disclosures.models import Disclosure, State

    load_demo()
    states = set(Disclosure.objects.values_list("state", flat=True))
    assert Disclosure.objects.count() >= 50
    assert states == set(State.values)


def test_the_demo_plays_the_scenarios(db):
    from gongkai.disclosures.models import Disclosure, State

    load_demo()
    renovation = Disclosure.objects.get(title__startswith="镇党委办公楼修缮")
    assert (
        renovation.state == State.PUBLISHED
        and renovation.opinions.filter(handled_at__isnull=False).count() == 11
    )
    assert [e.action for e in renovation.events.all()][-2:] == ["superior_approve", "publish"]
    assert renovation.public_from and renovation.publish_from
    assert renovation.public_from > renovation.publish_from  # party first
    withdrawn = Disclosure.objects.get(state=State.WITHDRAWN)
    assert "一周公示期已满" in withdrawn.withdrawal_reason
    corrected = Disclosure.objects.get(title__startswith="西岭村党支部委员职责分工")
    assert corrected.published_revision.note == "组织委员调整，更新分工"


def test_the_demo_history_runs_forward_in_time_and_its_ledger_verifies(db):
    from gongkai.ledger.models import LedgerEntry
    from gongkai.ledger.services import verify

    load_demo()
    times = list(LedgerEntry.objects.order_by("sequence").values_list("at", flat=True))
    assert times == sorted(times) and len(times) >= 40
    assert verify().ok


def test_the_renovation_page_shows_how_each_opinion_was_handled_without_names(db, client):
    from gongkai.disclosures.models import Disclosure

    load_demo()
    renovation = Disclosure.objects.get(title__startswith="镇党委办公楼修缮")
    html = client.get(f"/d/{renovation.pk}/").content.decode()
    assert "共 11 条意见" in html and "已在方案中补充比价结果" in html
    assert "党员王某" not in html
