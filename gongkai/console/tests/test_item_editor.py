"""The catalog item editor: a field per attribute with Chinese choices and messages, and the
structured form edited as a small table (rows added and removed by plain submit buttons),
never as YAML text. What was typed is never lost on a refusal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from gongkai.catalog.effective import effective_catalog
from gongkai.catalog.models import Catalog
from gongkai.catalog.tests.conftest import town_catalog  # noqa: F401  (a fixture)
from gongkai.conftest import People, client_for

NEW = "/console/catalog/items/new"
#: The key the town catalog's first category ("固定公开") is stored under.
CATEGORY = "1.fixed"


def base_post(**overrides: Any) -> dict[str, Any]:
    """A valid item with an empty structured form, as the page posts it."""
    data: dict[str, Any] = {
        "category_key": CATEGORY,
        "name": "村级集体经济项目进展",
        "scope": "public",
        "timing": "event",
        "deadline_days": "5",
        "deadline_basis": "event",
        "channels": ["board"],
        "responsible_unit": "村委会",
        "save": "1",
        **rows("fields", []),
        **rows("columns", []),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def rows(part: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{part}-TOTAL_FORMS": str(len(entries)),
        f"{part}-INITIAL_FORMS": "0",
        f"{part}-MIN_NUM_FORMS": "0",
        f"{part}-MAX_NUM_FORMS": "40",
    }
    for index, entry in enumerate(entries):
        for name, value in entry.items():
            if name == "required":
                if value:
                    data[f"{part}-{index}-required"] = "on"
            else:
                data[f"{part}-{index}-{name}"] = value
    return data


def _errors(html: str) -> str:
    """The text of every error list on the page, in one string."""
    return " ".join(re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', html, re.S))


def saved_item(catalog: Catalog, name: str) -> Any:
    catalog.refresh_from_db()
    draft = effective_catalog(catalog, catalog.draft_version)
    found = [i for c in draft.categories for i in c.items if i.value("name") == name]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def office(people: People, town_catalog: Catalog) -> Client:
    assert effective_catalog(town_catalog).categories[0].key == CATEGORY
    return client_for(people.office)


# -- each attribute is saved as typed ---------------------------------------------------------

ATTRIBUTES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "description": ({"description": "每季度公开一次进展"}, {"description": "每季度公开一次进展"}),
    "scope party": ({"scope": "party"}, {"scope": "party"}),
    "scope institution": ({"scope": "institution"}, {"scope": "institution"}),
    "party first with a lag": (
        {"party_first": "on", "party_first_lag_days": "3"},
        {"party_first": True, "party_first_lag_days": 3},
    ),
    "periodic with a period": (
        {"timing": "periodic", "period": "quarterly", "deadline_basis": "period_end"},
        {"timing": "periodic", "period": "quarterly", "deadline_basis": "period_end"},
    ),
    "standing, no deadline": (
        {"timing": "standing", "deadline_days": "", "deadline_basis": ""},
        {"timing": "standing", "deadline_days": None, "deadline_basis": ""},
    ),
    "per stage": ({"timing": "per_stage"}, {"timing": "per_stage"}),
    "on request": ({"timing": "on_request"}, {"timing": "on_request"}),
    "deadline days": ({"deadline_days": "15"}, {"deadline_days": 15}),
    "minimum publicity": ({"min_publicity_days": "5"}, {"min_publicity_days": 5}),
    "channels": (
        {"channels": ["board", "website", "meeting"]},
        {"channels": ["board", "website", "meeting"]},
    ),
    "responsible unit": ({"responsible_unit": "党政办"}, {"responsible_unit": "党政办"}),
    "major matter": ({"major_matter": "on"}, {"major_matter": True}),
    "consultation": (
        {"consultation_required": "on", "consultation_days": "7"},
        {"consultation_required": True, "consultation_days": 7},
    ),
    "legal basis": (
        {"legal_basis": "《中国共产党党务公开条例（试行）》第十条"},
        {"legal_basis": "《中国共产党党务公开条例（试行）》第十条"},
    ),
    "locked": ({"locked": "on"}, {"locked": True}),
}


@pytest.mark.parametrize("posted, stored", ATTRIBUTES.values(), ids=ATTRIBUTES.keys())
def test_each_attribute_is_saved_as_typed(
    office: Client, town_catalog: Catalog, posted: dict[str, Any], stored: dict[str, Any]
) -> None:
    response = office.post(NEW, base_post(**posted))

    assert response.status_code == 302, response.content.decode().split("<main")[-1][:3000]
    item = saved_item(town_catalog, "村级集体经济项目进展")
    assert {name: item.value(name) for name in stored} == stored


def test_the_choices_are_shown_in_chinese(office: Client) -> None:
    html = office.get(NEW).content.decode()

    for label in ("社会", "党内", "定期公开", "每季度", "公开栏", "周期结束后"):
        assert label in html
    for english in ("To society", "Periodic", "Quarterly", "Disclosure board", "YAML"):
        assert english not in html


# -- bad values: a Chinese message on the field, and everything typed kept ------------------

BAD_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "no name": ({"name": ""}, "这个字段是必填项。"),
    "a name too long": ({"name": "长" * 301}, "最多 300 个字符（现在 301 个）。"),
    "periodic without a period": ({"timing": "periodic"}, "定期公开的事项须选择周期"),
    "a period on an event item": ({"period": "monthly"}, "只有定期公开的事项才有周期。"),
    "days without a basis": ({"deadline_basis": ""}, "请选择时限从何时起算。"),
    "a basis without days": ({"deadline_days": ""}, "请填写时限工作日数，或清除时限起算方式。"),
    "period end on an event item": (
        {"deadline_basis": "period_end"},
        "“周期结束后”起算只适用于定期公开的事项。",
    ),
    "party first inside the party": (
        {"scope": "party", "party_first": "on"},
        "“先党内、后党外”须选择比党内更大的公开范围",
    ),
    "a lag without party first": (
        {"party_first_lag_days": "3"},
        "只有“先党内、后党外”的事项才需要填写滞后工作日。",
    ),
    "consultation without days": ({"consultation_required": "on"}, "请填写征求意见的工作日数。"),
    "days without consultation": (
        {"consultation_days": "5"},
        "填写征求意见期须先勾选“须征求意见”。",
    ),
    "consultation of 0 days": (
        {"consultation_required": "on", "consultation_days": "0"},
        "不能小于 1。",
    ),
    "a deadline of 1e30 days": ({"deadline_days": "1e30"}, "请填写整数，例如 5。"),
    "a negative lag": (
        {"party_first": "on", "party_first_lag_days": "-1"},
        "不能小于 0。",
    ),
    "a publicity period of a year and more": (
        {"min_publicity_days": "366"},
        "不能大于 365。",
    ),
    "an unknown scope": ({"scope": "world"}, "“world”不是可选的选项。"),
    "an unknown channel": ({"channels": ["pigeon"]}, "“pigeon”不是可选的选项。"),
    "an unknown category": ({"category_key": "nowhere"}, "“nowhere”不是可选的选项。"),
    "a NUL in the unit": ({"responsible_unit": "党政\x00办"}, "文字中含有空字符（NUL），无法保存，请删除。"),
}


@pytest.mark.parametrize("posted, message", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_value_is_refused_in_chinese_and_nothing_typed_is_lost(
    office: Client, town_catalog: Catalog, posted: dict[str, Any], message: str
) -> None:
    typed = base_post(
        responsible_unit="镇党政办（点题受理）",
        legal_basis="依据条例",
        **rows("columns", [{"key": "name", "label": "姓名", "type": "text"}]),
    )
    typed.update(posted)

    response = office.post(NEW, typed)

    html = response.content.decode()
    assert response.status_code == 200
    assert message in _errors(html)
    assert "有 1 处问题，已在下方标出；尚未保存。" in html
    assert 'value="姓名"' in html
    for name in ("name", "responsible_unit"):
        if typed[name] and "\x00" not in typed[name]:
            assert f'value="{typed[name]}"' in html
    assert not [i for i in effective_catalog(town_catalog, 2).items if i.value("name") == typed["name"]]
