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
from gongkai.conftest import People, client_for

NEW = "/console/catalog/items/new"


def base_post(**overrides: Any) -> dict[str, Any]:
    """A valid item with an empty structured form, as the page posts it."""
    data: dict[str, Any] = {
        "category_key": _first_category(),
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


def _first_category() -> str:
    """The key the town catalog's first category ("固定公开") is stored under (it carries
    the catalog's primary key, so it differs between databases)."""
    catalog = Catalog.objects.get(organization__code="QS")
    return effective_catalog(catalog).categories[0].key


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
    "applies to the town itself only": ({"applies_levels": ["0"]}, {"applies_to": {"levels": [0]}}),
    "applies to village branches below": (
        {"applies_levels": ["1"], "applies_kinds": ["branch"], "applies_settings": ["village"]},
        {"applies_to": {"levels": [1], "kinds": ["branch"], "settings": ["village"]}},
    ),
    "applies to pilots only": ({"applies_pilots": "on"}, {"applies_to": {"pilots": True}}),
    "applies everywhere": ({}, {"applies_to": {}, "escalate_after_days": None}),
    "escalates after 2 days": ({"escalate_after_days": "2"}, {"escalate_after_days": 2}),
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

    for label in (
        "社会",
        "党内",
        "定期公开",
        "每季度",
        "公开栏",
        "周期结束后",
        "适用范围与逾期上报",
        "本级",
        "下一级",
        "再下一级",
        "党支部",
        "农村",
        "社区",
        "仅联系点",
        "逾期几个工作日报上级",
    ):
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
    "a level too deep": ({"applies_levels": ["21"]}, "“21”不是可选的选项。"),
    "an unknown kind": ({"applies_kinds": ["village"]}, "“village”不是可选的选项。"),
    "an unknown setting": ({"applies_settings": ["moon"]}, "“moon”不是可选的选项。"),
    "a negative escalation": ({"escalate_after_days": "-1"}, "不能小于 0。"),
    "a NUL in the unit": (
        {"responsible_unit": "党政\x00办"},
        "文字中含有空字符（NUL），无法保存，请删除。",
    ),
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
    assert not [
        i for i in effective_catalog(town_catalog, 2).items if i.value("name") == typed["name"]
    ]


# -- the structured form as a table ------------------------------------------------------------

CANDIDATES: list[dict[str, Any]] = [
    {"key": "name", "label": "姓名", "type": "text", "required": True},
    {"key": "gender", "label": "性别", "type": "choice", "choices": "男、女"},
    {"key": "", "label": "出生年月", "type": "month"},
]


def test_a_structured_form_typed_in_the_table_is_saved_in_its_stored_shape(
    office: Client, town_catalog: Catalog
) -> None:
    response = office.post(
        NEW,
        base_post(
            **rows("fields", [{"key": "meeting", "label": "会议日期", "type": "date"}]),
            **rows("columns", [*CANDIDATES, {"key": "", "label": "", "type": "text"}]),
        ),
    )

    assert response.status_code == 302
    assert saved_item(town_catalog, "村级集体经济项目进展").value("form") == {
        "fields": [{"key": "meeting", "label": "会议日期", "type": "date", "required": False}],
        "columns": [
            {"key": "name", "label": "姓名", "type": "text", "required": True},
            {
                "key": "gender",
                "label": "性别",
                "type": "choice",
                "required": False,
                "choices": ["男", "女"],
            },
            # A row without a key gets one from its position; the blank row is no row.
            {"key": "column_3", "label": "出生年月", "type": "month", "required": False},
        ],
    }


def test_an_item_with_both_tables_empty_has_no_structured_form(
    office: Client, town_catalog: Catalog
) -> None:
    office.post(NEW, base_post(**rows("columns", [{"key": "", "label": "", "type": "text"}])))

    assert saved_item(town_catalog, "村级集体经济项目进展").value("form") is None


def test_add_a_row_redraws_the_table_with_everything_typed_and_saves_nothing(
    office: Client, town_catalog: Catalog
) -> None:
    response = office.post(
        NEW, base_post(name="", save=None, add_row="columns", **rows("columns", CANDIDATES))
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="columns-TOTAL_FORMS" value="4"' in html
    assert 'name="columns-3-label"' in html and 'name="columns-4-label"' not in html
    for typed in ('value="姓名"', 'value="男、女"', 'value="出生年月"', 'value="村委会"'):
        assert typed in html
    # An unfinished form is not scolded for a button that only adds a row.
    assert 'class="errorlist"' not in html
    assert not services_has_draft_item(town_catalog)


def test_remove_takes_out_exactly_that_row(office: Client, town_catalog: Catalog) -> None:
    response = office.post(
        NEW, base_post(save=None, remove_row="columns-1", **rows("columns", CANDIDATES))
    )

    html = response.content.decode()
    assert 'name="columns-TOTAL_FORMS" value="2"' in html
    assert 'value="姓名"' in html and 'value="出生年月"' in html
    assert 'value="性别"' not in html
    assert not services_has_draft_item(town_catalog)


@pytest.mark.parametrize(
    "action", ["columns-9", "columns-x", "fields-0", "nowhere-1", "", "columns--1"]
)
def test_a_remove_of_no_row_changes_no_row(office: Client, action: str) -> None:
    response = office.post(
        NEW, base_post(save=None, remove_row=action or " ", **rows("columns", CANDIDATES))
    )

    assert response.status_code == 200
    assert 'name="columns-TOTAL_FORMS" value="3"' in response.content.decode()


def test_rows_cannot_be_added_past_the_limit(office: Client) -> None:
    many = [{"key": f"c{n}", "label": f"列{n}", "type": "text"} for n in range(40)]

    html = office.post(NEW, base_post(add_row="columns", **rows("columns", many))).content.decode()

    assert 'name="columns-TOTAL_FORMS" value="40"' in html


BAD_ROWS: dict[str, tuple[dict[str, Any], str, str]] = {
    "a key in Chinese": ({"key": "姓名", "label": "姓名"}, "key", "键名只能用小写字母"),
    "a key with capitals": ({"key": "Name", "label": "姓名"}, "key", "键名只能用小写字母"),
    "a key beginning with a digit": ({"key": "1st", "label": "第一"}, "key", "键名只能用小写字母"),
    "a key with a space": ({"key": "full name", "label": "姓名"}, "key", "键名只能用小写字母"),
    "a key too long": ({"key": "k" * 41, "label": "姓名"}, "key", "最多 40 个字符（现在 41 个）。"),
    "no label": ({"key": "name", "label": ""}, "label", "请填写这一行的名称。"),
    "an unknown kind": (
        {"key": "name", "label": "姓名", "type": "photo"},
        "type",
        "“photo”不是可选的选项。",
    ),
    "a choice without choices": (
        {"key": "gender", "label": "性别", "type": "choice", "choices": " 、 "},
        "choices",
        "“选项”类型至少需要一个选项。",
    ),
    "choices on a text row": (
        {"key": "gender", "label": "性别", "type": "text", "choices": "男、女"},
        "choices",
        "只有“选项”类型的行才填写选项。",
    ),
    "too many choices": (
        {
            "key": "pick",
            "label": "选择",
            "type": "choice",
            "choices": "、".join(map(str, range(51))),
        },
        "choices",
        "最多50个选项，每个选项最多50个字符。",
    ),
    "a NUL in a label": (
        {"key": "name", "label": "姓\x00名"},
        "label",
        "文字中含有空字符（NUL），无法保存，请删除。",
    ),
}


@pytest.mark.parametrize("row, field, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_is_marked_in_chinese_and_kept(
    office: Client, town_catalog: Catalog, row: dict[str, Any], field: str, message: str
) -> None:
    entry = {"type": "text", **row}
    response = office.post(NEW, base_post(**rows("columns", [CANDIDATES[0], entry])))

    html = response.content.decode()
    assert response.status_code == 200
    assert message in _errors(html)
    assert 'value="姓名"' in html  # the good row is kept as typed
    if "\x00" not in str(row.get(field, "")) and field in ("key", "label", "choices"):
        assert f'value="{row[field]}"' in html
    assert not services_has_draft_item(town_catalog)


def test_a_key_used_twice_is_marked_on_the_second_row(office: Client) -> None:
    twice = [CANDIDATES[0], {"key": "name", "label": "姓名（曾用名）", "type": "text"}]

    html = office.post(NEW, base_post(**rows("columns", twice))).content.decode()

    assert "键名“name”已被另一行使用。" in _errors(html)


def test_the_same_key_in_fields_and_columns_is_allowed(
    office: Client, town_catalog: Catalog
) -> None:
    response = office.post(
        NEW,
        base_post(
            **rows("fields", [{"key": "name", "label": "名称", "type": "text"}]),
            **rows("columns", [CANDIDATES[0]]),
        ),
    )

    assert response.status_code == 302


@pytest.mark.parametrize(
    "management",
    [
        {"columns-TOTAL_FORMS": "abc"},
        {"columns-TOTAL_FORMS": "100000"},
        {"columns-TOTAL_FORMS": "-3"},
        {"columns-TOTAL_FORMS": None, "columns-INITIAL_FORMS": None},
    ],
)
def test_a_tampered_row_count_is_refused_without_a_500(
    office: Client, town_catalog: Catalog, management: dict[str, Any]
) -> None:
    for action in ({"add_row": "columns"}, {"remove_row": "columns-0"}, {}):
        response = office.post(NEW, base_post(**{**management, **action}))
        # Refused with a message, or (a negative count) read as no rows: never a 500.
        assert response.status_code in (200, 302)


def test_an_existing_items_form_is_shown_in_the_table(
    office: Client, town_catalog: Catalog
) -> None:
    dues = effective_catalog(town_catalog).find(_dues_key(town_catalog))

    html = office.get(f"/console/catalog/items/{dues.key}/edit").content.decode()

    assert 'name="columns-0-key" value="name"' in html
    assert 'value="姓名"' in html and 'value="金额"' in html
    assert '<option value="money" selected>金额</option>' in html
    assert "YAML" not in html


def test_an_inherited_items_form_is_shown_but_cannot_be_changed(
    people: People, town_catalog: Catalog, village_catalog: Catalog
) -> None:
    phones = next(i for i in effective_catalog(village_catalog).items if not i.locked)
    client = client_for(people.reviewer)
    client.post("/console/switch", {"org": village_catalog.organization.code})
    html = client.get(f"/console/catalog/items/{phones.key}/edit").content.decode()

    assert "结构化表单由上级组织设定" in html
    assert 'name="add_row"' not in html

    response = client.post(
        f"/console/catalog/items/{phones.key}/edit",
        base_post(
            name=phones.value("name"),
            category_key=phones.value("category_key"),
            timing=phones.value("timing"),
            deadline_days="",
            deadline_basis="",
            responsible_unit="村党支部",
            **rows("columns", CANDIDATES),
        ),
    )
    assert response.status_code == 302, _errors(response.content.decode())
    village_catalog.refresh_from_db()
    changed = effective_catalog(village_catalog, village_catalog.draft_version).find(phones.key)
    assert changed.value("responsible_unit") == "村党支部"
    assert changed.value("form") == phones.value("form")


def _dues_key(catalog: Catalog) -> str:
    return next(
        i.key for i in effective_catalog(catalog).items if i.value("name") == "党员党费缴纳情况"
    )


def services_has_draft_item(catalog: Catalog) -> bool:
    catalog.refresh_from_db()
    return any(
        i.value("name") == "村级集体经济项目进展"
        for i in effective_catalog(catalog, catalog.draft_version).items
    )


def test_where_an_inherited_item_applies_is_the_superiors_to_say(
    people: People, town_catalog: Catalog, village_catalog: Catalog
) -> None:
    phones = next(i for i in effective_catalog(village_catalog).items if not i.locked)
    client = client_for(people.reviewer)
    client.post("/console/switch", {"org": village_catalog.organization.code})
    html = client.get(f"/console/catalog/items/{phones.key}/edit").content.decode()
    assert re.search(r'<input type="checkbox" name="applies_levels" value="0"[^>]*disabled', html)

    response = client.post(
        f"/console/catalog/items/{phones.key}/edit",
        base_post(
            name=phones.value("name"),
            category_key=phones.value("category_key"),
            timing=phones.value("timing"),
            deadline_days="",
            deadline_basis="",
            responsible_unit="村党支部",
            applies_levels=["0"],
            applies_pilots="on",
            escalate_after_days="1",
        ),
    )
    assert response.status_code == 302, _errors(response.content.decode())
    village_catalog.refresh_from_db()
    changed = effective_catalog(village_catalog, village_catalog.draft_version).find(phones.key)
    assert changed.value("responsible_unit") == "村党支部"
    assert changed.value("applies_to") == phones.value("applies_to")
    assert changed.value("escalate_after_days") is None


def test_an_item_naming_a_deep_level_keeps_it_on_edit(
    office: Client, people: People, town_catalog: Catalog
) -> None:
    from gongkai.catalog import services

    assert office.post(NEW, base_post(applies_levels=["1"])).status_code == 302
    item = saved_item(town_catalog, "村级集体经济项目进展")
    values = {name: item.value(name) for name in ("name", "scope", "timing")}
    services.save_item(
        town_catalog,
        actor=people.office,
        key=item.key,
        values={**values, "applies_to": {"levels": [7]}},
    )
    html = office.get(f"/console/catalog/items/{item.key}/edit").content.decode()
    assert re.search(r'name="applies_levels" value="7"[^>]*checked', html)
    assert "下7级" in html
