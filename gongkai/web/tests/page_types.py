"""One page of every page type of the site, public and console, in the demo town: the table the
accessibility tests walk (axe in a browser, test_accessibility_in_a_browser.py; the HTML
checks, test_valid_html.py).

To cover a new page type, add a line to PAGES: who reads it (a demo account, or "anonymous"),
a name for the report, and the address (or a function of the demo data giving it, or a
function driving a browser page there, e.g. by sending a form).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VILLAGE = "QS-01"  # 东岭村党支部: the demo's pilot village, with something on every page
TOWN = "QS"


# --- Where each page type is found in the demo --------------------------------------------


def published_public() -> Any:
    from gongkai.disclosures.models import Disclosure

    return (
        Disclosure.objects.filter(organization__code=VILLAGE, state="published", scope="public")
        .order_by("-pk")
        .first()
    )


def _disclosure() -> str:
    return f"/d/{published_public().pk}/"


def _item() -> str:
    d = published_public()
    return f"/o/{VILLAGE}/items/{d.item.key}/"


def _withdrawn() -> str:
    from gongkai.disclosures.models import Disclosure

    d = Disclosure.objects.filter(state="withdrawn").order_by("pk").first()
    return f"/d/{d.pk}/" if d else _disclosure()


def _party_internal() -> str:
    from gongkai.disclosures.models import Disclosure

    d = (
        Disclosure.objects.filter(organization__code=VILLAGE, state="published", scope="party")
        .order_by("-pk")
        .first()
    )
    return f"/d/{d.pk}/"


def _in_consultation() -> Any:
    from gongkai.disclosures.models import Disclosure

    return Disclosure.objects.filter(state="consultation").order_by("pk").first()


def _consultation() -> str:
    return f"/d/{_in_consultation().pk}/consultation"


def _kiosk_disclosure() -> str:
    return f"/kiosk/{VILLAGE}/d/{published_public().pk}/"


def _topic() -> str:
    from gongkai.topics.models import TopicRequest

    t = TopicRequest.objects.filter(organization__code=VILLAGE).order_by("pk").first()
    return f"/o/{VILLAGE}/topics/{t.pk}/"


def _assessment() -> str:
    from gongkai.reports.models import AssessmentPlan

    plan = AssessmentPlan.objects.order_by("pk").first()
    return f"/assessments/{plan.pk}/" if plan else "/assessments/"


def _console(model_path: str, url: str, **filters: Any) -> Callable[[], str]:
    def find() -> str:
        from django.apps import apps

        model = apps.get_model(model_path)
        obj = model.objects.filter(**filters).order_by("pk").first()
        return url.format(pk=obj.pk)

    return find


def _report() -> str:
    from gongkai.reports.models import Report

    r = Report.objects.order_by("pk").first()
    return f"/console/reports/{r.pk}/" if r else "/console/reports/"


# --- Pages reached by doing something -----------------------------------------------------


def _send_opinion(page: Any) -> None:
    page.goto(f"/o/{VILLAGE}/opinion")
    page.locator("input[name=kind]").first.check()
    page.locator("textarea[name=text]").fill("村道硬化的工期什么时候公布？")
    page.locator("form.opinion-form button[type=submit]").click()
    page.wait_for_url("**/receipt")


def _track_opinion(page: Any) -> None:
    _send_opinion(page)
    code = page.locator(".tracking-code").first.inner_text().strip()
    page.goto("/track/")
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def _send_request(page: Any) -> None:
    page.goto(f"/o/{VILLAGE}/request/")
    page.locator("[name=name]").fill("周申请")
    page.locator("[name=address]").fill("东岭村3组")
    page.locator("[name=description]").fill("村道硬化项目的预算明细")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/requests/receipt/")


def _kiosk_receipt(page: Any) -> None:
    page.goto(f"/kiosk/{VILLAGE}/opinion")
    page.locator("input[name=kind]").first.check()
    page.locator("textarea[name=text]").fill("公开栏的字太小了。")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/receipt")


Go = str | Callable[[], str] | Callable[[Any], None]


@dataclass(frozen=True)
class Visit:
    #: "anonymous" or a demo account's username.
    who: str
    name: str
    #: An address, a function of the demo data returning one, or a function driving the page.
    go: Go
    #: Drives the page (takes the page) rather than naming an address.
    drives: bool = False
    status: int = 200
    #: Checked at 360 px for sideways scrolling.
    phone: bool = False


def _visit(who: str, name: str, go: Go, **kw: Any) -> Visit:
    return Visit(who, name, go, **kw)


PAGES: list[Visit] = [
    # The public, without an account.
    _visit("anonymous", "home", "/", phone=True),
    _visit("anonymous", "organization", f"/o/{VILLAGE}/", phone=True),
    _visit("anonymous", "organization (town)", f"/o/{TOWN}/", phone=True),
    _visit("anonymous", "item", _item, phone=True),
    _visit("anonymous", "disclosure", _disclosure, phone=True),
    _visit("anonymous", "disclosure withdrawn", _withdrawn),
    _visit("anonymous", "disclosure proof", lambda: _disclosure() + "proof", phone=True),
    _visit("anonymous", "organization's list", f"/o/{TOWN}/all", phone=True),
    _visit("anonymous", "search by relevance", "/search?q=党费&sort=relevance", phone=True),
    _visit("anonymous", "search", "/search?q=东岭", phone=True),
    _visit("anonymous", "echo wall", f"/o/{VILLAGE}/echo/", phone=True),
    _visit("anonymous", "opinion form", f"/o/{VILLAGE}/opinion", phone=True),
    _visit("anonymous", "opinion receipt", _send_opinion, drives=True, phone=True),
    _visit("anonymous", "track", "/track/", phone=True),
    _visit("anonymous", "track result", _track_opinion, drives=True, phone=True),
    _visit("anonymous", "request form", f"/o/{VILLAGE}/request/", phone=True),
    _visit("anonymous", "request receipt", _send_request, drives=True),
    _visit("anonymous", "request track", "/requests/track/"),
    _visit("anonymous", "topics", f"/o/{VILLAGE}/topics/", phone=True),
    _visit("anonymous", "topic", _topic),
    _visit("anonymous", "supervision results", f"/o/{VILLAGE}/supervision/", phone=True),
    _visit("anonymous", "assessments", "/assessments/"),
    _visit("anonymous", "assessment", _assessment),
    _visit("anonymous", "ledger how", "/ledger/how/", phone=True),
    _visit("anonymous", "ledger log", f"/ledger/{TOWN}/", phone=True),
    _visit("anonymous", "kiosk home", f"/kiosk/{VILLAGE}/"),
    _visit("anonymous", "kiosk disclosure", _kiosk_disclosure),
    _visit("anonymous", "kiosk opinion", f"/kiosk/{VILLAGE}/opinion"),
    _visit("anonymous", "kiosk receipt", _kiosk_receipt, drives=True),
    _visit("anonymous", "kiosk track", f"/kiosk/{VILLAGE}/track"),
    _visit("anonymous", "kiosk echo wall", f"/kiosk/{VILLAGE}/echo/"),
    _visit("anonymous", "login", "/accounts/login/", phone=True),
    _visit("anonymous", "not found", "/o/NO-SUCH-ORG/", status=404, phone=True),
    # A member of the village.
    _visit("member", "my organizations", "/me/"),
    _visit("member", "party-internal disclosure", _party_internal),
    _visit("member", "consultation", _consultation),
    _visit("member", "my requests", "/me/requests/"),
    _visit("member", "propose a topic", f"/o/{VILLAGE}/topics/new"),
    _visit("member", "not allowed", "/console/catalog/", status=403),
    # The village's clerk.
    _visit("clerk", "console home", "/console/"),
    _visit("clerk", "to-do", "/console/todo/"),
    _visit(
        "clerk",
        "disclosure edit",
        _console(
            "disclosures.Disclosure",
            "/console/disclosures/{pk}/edit",
            organization__code=VILLAGE,
            state="returned",
        ),
    ),
    _visit("clerk", "obligations", f"/console/orgs/{VILLAGE}/obligations/"),
    _visit(
        "clerk",
        "obligation",
        _console("compliance.Obligation", "/console/obligations/{pk}/", organization__code=VILLAGE),
    ),
    _visit("clerk", "opinions", "/console/opinions/"),
    _visit(
        "clerk",
        "opinion",
        _console("engagement.Opinion", "/console/opinions/{pk}/", organization__code=VILLAGE),
    ),
    _visit("clerk", "requests", "/console/requests/"),
    _visit(
        "clerk",
        "request",
        _console(
            "inforequests.InformationRequest",
            "/console/requests/{pk}/",
            organization__code=VILLAGE,
        ),
    ),
    _visit("clerk", "topics (console)", "/console/topics/"),
    _visit("clerk", "notifications", "/console/notifications/"),
    _visit("clerk", "board", f"/console/boards/{VILLAGE}/"),
    # The village's secretary reviews.
    _visit(
        "reviewer",
        "disclosure review",
        _console(
            "disclosures.Disclosure",
            "/console/disclosures/{pk}/",
            organization__code=VILLAGE,
            state="submitted",
        ),
    ),
    # The town's leading-group office.
    _visit("office", "board spec", f"/console/boards/{TOWN}/spec"),
    _visit("office", "dashboards", "/console/dashboard/"),
    _visit("office", "dashboard", f"/console/dashboard/{TOWN}/"),
    _visit("office", "reports", "/console/reports/"),
    _visit("office", "report", _report),
    _visit("office", "assessments (console)", "/console/assessments/"),
    _visit("office", "deadlines", f"/console/orgs/{TOWN}/deadlines"),
    _visit("office", "organization tree", "/console/orgs/"),
    _visit("office", "catalog", "/console/catalog/"),
    _visit("office", "request statistics", "/console/requests/statistics/"),
    # The town's supervisor.
    _visit("supervisor", "supervision", "/console/supervision/"),
    _visit("supervisor", "supervision records", f"/console/supervision/orgs/{VILLAGE}/"),
    _visit("supervisor", "findings", "/console/supervision/findings/"),
    _visit(
        "supervisor",
        "finding",
        _console("supervision.Finding", "/console/supervision/findings/{pk}/"),
    ),
]


def address(visit: Visit) -> str | None:
    """The visit's address, or None for a visit that drives a browser there."""
    if visit.drives:
        return None
    return visit.go if isinstance(visit.go, str) else visit.go()  # type: ignore[call-arg]
