"""Pages work under the Content-Security-Policy in a real browser: nothing is refused, and
the organization switcher still switches (its script is a file, not an attribute)."""

from __future__ import annotations

import pytest

from gongkai.conftest import PASSWORD, grant, sign_in
from gongkai.organizations.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/accounts/login/", "/console/", "/console/todo/", "/admin/", "/admin/accounts/user/"]


def _watch(page) -> list[str]:  # type: ignore[no-untyped-def]
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    # The browser's own report of each violation, also when nothing is logged.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Refused to ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return refused


def test_no_page_breaks_the_policy(browser_page, people):
    page = browser_page
    refused = _watch(page)
    page.goto("/accounts/login/")
    page.get_by_label("用户名或手机号").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status < 500, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
    assert refused == []


def test_the_organization_switcher_switches_under_the_policy(browser_page, people, tree):
    page = browser_page
    refused = _watch(page)
    grant(people.office, tree.village, Role.Kind.CLERK)  # a second organization to switch to
    sign_in(page, "office")
    switcher = page.locator("#switch-org")
    switcher.select_option(label=tree.village.name)
    page.wait_for_load_state()
    page.locator(".side").get_by_text(tree.village.name).wait_for()
    assert refused == []
