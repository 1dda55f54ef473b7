"""Catalogs in and out as YAML and Excel.

Both formats go through the same steps: read the file into plain rows, turn Chinese labels
into stored values, and validate every item with `ItemForm`, collecting every problem with
its place (the row number in Excel, category and item in YAML). Nothing is written here;
`services.load_catalog_data` writes a clean result in one transaction.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from gongkai import validation
from gongkai.catalog import applicability
from gongkai.catalog.effective import EffectiveCatalog
from gongkai.catalog.forms import APPLIES_FIELDS, ItemForm, applies_to_fields
from gongkai.catalog.models import (
    ITEM_FIELDS,
    Catalog,
    Category,
    Channel,
    DeadlineBasis,
    Domain,
    Period,
    Scope,
    Timing,
)
from gongkai.catalog.services import local_key
from gongkai.organizations.models import Organization

FILE_TOO_LARGE = _("The file is larger than %(limit)d MB.")
NOT_YAML = _("The file is not valid YAML: %(error)s")
NOT_EXCEL = _("The file is not an Excel workbook (.xlsx) or it is damaged.")
UNKNOWN_FORMAT = _("Upload a .yaml/.yml or an .xlsx file.")
YAML_SHAPE = _("The YAML must be a mapping with a “categories” list.")
CATEGORY_SHAPE = _("Category %(c)d must have a name and an “items” list.")
ITEM_SHAPE = _("Category %(c)d, item %(i)d must be a name or a mapping with a name.")
YAML_ITEM_ERROR = _("Category %(c)d “%(category)s”, item %(i)d “%(item)s”: %(field)s: %(message)s")
YAML_DUPLICATE_KEY = _(
    "Category %(c)d “%(category)s”, item %(i)d: the key “%(key)s” is used twice."
)
MISSING_SHEET = _("The workbook has no sheet named “%(sheet)s”.")
MISSING_HEADERS = _("Sheet “%(sheet)s” lacks the columns: %(columns)s.")
ROW_ERROR = _("Sheet “%(sheet)s”, row %(row)d: %(field)s: %(message)s")
ROW_NO_CATEGORY = _("Sheet “%(sheet)s”, row %(row)d: the category is empty.")
ROW_DUPLICATE_KEY = _("Sheet “%(sheet)s”, row %(row)d: the item key “%(key)s” is used twice.")
FORM_ROW_UNKNOWN_ITEM = _("Sheet “%(sheet)s”, row %(row)d: no item has the key “%(key)s”.")
FORM_ROW_BAD_PART = _("Sheet “%(sheet)s”, row %(row)d: the part must be “字段” or “表格列”.")
NO_ITEMS = _("The file holds no item.")
CATEGORY_DOMAIN = _("Category %(c)d “%(category)s”: the domain must be one of %(allowed)s.")
BAD_VALUE = _("“%(value)s” is not one of %(allowed)s.")
BAD_BOOLEAN = _("“%(value)s” is not 是 or 否.")
BAD_NUMBER = _("“%(value)s” is not a whole number.")
TOO_LONG = _("%(what)s “%(value)s”: %(problem)s")
UNSTORABLE = _("%(what)s: %(problem)s")
APPLIES_TO_LABEL = _("Applies to")
#: Local keys become "<catalog pk>.<local key>" in a 64-character column.
LOCAL_KEY_MAX = 40

# Chinese spellings people write, beside the stored values (the source documents vary).
ALIASES: dict[str, dict[str, str]] = {
    "scope": {
        "党内": Scope.PARTY,
        "本单位": Scope.INSTITUTION,
        "本系统": Scope.INSTITUTION,
        "单位内": Scope.INSTITUTION,
        "社会": Scope.PUBLIC,
        "对社会": Scope.PUBLIC,
        "公开": Scope.PUBLIC,
        "党外": Scope.PUBLIC,
    },
    "timing": {
        "固定": Timing.STANDING,
        "长期": Timing.STANDING,
        "定期": Timing.PERIODIC,
        "阶段性": Timing.PER_STAGE,
        "阶段": Timing.PER_STAGE,
        "即时": Timing.EVENT,
        "临时": Timing.EVENT,
        "随时": Timing.EVENT,
        "不定期": Timing.EVENT,
        "依申请": Timing.ON_REQUEST,
    },
    "period": {
        "月": Period.MONTHLY,
        "每月": Period.MONTHLY,
        "月度": Period.MONTHLY,
        "季": Period.QUARTERLY,
        "季度": Period.QUARTERLY,
        "每季度": Period.QUARTERLY,
        "半年": Period.SEMIANNUAL,
        "每半年": Period.SEMIANNUAL,
        "年": Period.ANNUAL,
        "每年": Period.ANNUAL,
        "年度": Period.ANNUAL,
    },
    "deadline_basis": {
        "周期结束后": DeadlineBasis.PERIOD_END,
        "期满后": DeadlineBasis.PERIOD_END,
        "事项发生后": DeadlineBasis.EVENT,
        "事后": DeadlineBasis.EVENT,
    },
    "channels": {
        "会议": Channel.MEETING,
        "文件": Channel.DOCUMENT,
        "通报": Channel.BRIEFING,
        "公开栏": Channel.BOARD,
        "网站": Channel.WEBSITE,
        "触摸屏": Channel.TOUCH_SCREEN,
        "内部刊物": Channel.INTERNAL_PUBLICATION,
        "新闻发布会": Channel.PRESS_CONFERENCE,
        "意见箱": Channel.OPINION_BOX,
        "服务窗口": Channel.SERVICE_WINDOW,
        "新闻媒体": Channel.NEWS_MEDIA,
        "媒体": Channel.NEWS_MEDIA,
    },
}
# Where an item applies, as written in a workbook: organization kinds and settings by their
# Chinese names (the labels of Organization.Kind and .Setting count too), levels by
# applicability.level_from_label (本级, 下一级, 再下一级, 下3级 …).
APPLIES_ALIASES: dict[str, dict[str, str]] = {
    "applies_kinds": {
        "党委": Organization.Kind.COMMITTEE,
        "党总支": Organization.Kind.GENERAL_BRANCH,
        "总支": Organization.Kind.GENERAL_BRANCH,
        "党支部": Organization.Kind.BRANCH,
        "支部": Organization.Kind.BRANCH,
        "党组": Organization.Kind.PARTY_GROUP,
    },
    "applies_settings": {
        "农村": Organization.Setting.VILLAGE,
        "村": Organization.Setting.VILLAGE,
        "社区": Organization.Setting.COMMUNITY,
        "机关": Organization.Setting.AGENCY,
        "党政机关": Organization.Setting.AGENCY,
        "事业单位": Organization.Setting.INSTITUTION,
        "企业": Organization.Setting.ENTERPRISE,
        "学校": Organization.Setting.SCHOOL,
        "其他": Organization.Setting.OTHER,
    },
}
APPLIES_CHOICES = {
    "applies_kinds": Organization.Kind,
    "applies_settings": Organization.Setting,
}
CHOICES = {"scope": Scope, "timing": Timing, "period": Period, "deadline_basis": DeadlineBasis}
BOOLEAN_FIELDS = (
    "party_first",
    "major_matter",
    "consultation_required",
    "locked",
    "applies_pilots",
)
TRUE = {"是", "true", "yes", "y", "1", "√", "✓", "对"}
FALSE = {"否", "false", "no", "n", "0", "", "×", "none"}

#: The catalog sheet's columns: (stored name, Chinese header). One table for import and export.
COLUMNS: list[tuple[str, str]] = [
    ("category", "类别"),
    ("key", "事项编号"),
    ("name", "事项"),
    ("description", "说明"),
    ("scope", "公开范围"),
    ("party_first", "先党内后党外"),
    ("party_first_lag_days", "党外公开滞后工作日"),
    ("timing", "公开时限"),
    ("period", "周期"),
    ("deadline_days", "时限工作日"),
    ("deadline_basis", "时限起算"),
    ("min_publicity_days", "最短公示期工作日"),
    ("channels", "公开形式"),
    ("responsible_unit", "责任部门"),
    ("major_matter", "三重一大"),
    ("consultation_required", "须征求意见"),
    ("consultation_days", "征求意见工作日"),
    ("legal_basis", "依据"),
    ("locked", "锁定"),
    ("applies_levels", "适用层级"),
    ("applies_kinds", "适用组织类型"),
    ("applies_settings", "适用领域"),
    ("applies_pilots", "仅联系点"),
    ("escalate_after_days", "逾期报上级工作日"),
]
HEADERS = dict(COLUMNS)
HEADERS["form"] = "表单"
HEADERS["applies_to"] = "适用范围"
REQUIRED_HEADERS = ("类别", "事项", "公开范围", "公开时限")
#: Other headers people give the columns of where an item applies.
HEADER_ALIASES = {
    "适用类型": "applies_kinds",
    "适用场所": "applies_settings",
    "逾期几个工作日报上级": "escalate_after_days",
}
FORM_COLUMNS = [
    ("item", "事项编号"),
    ("part", "部分"),
    ("key", "键"),
    ("label", "名称"),
    ("type", "类型"),
    ("required", "必填"),
    ("choices", "选项"),
]
CATALOG_SHEET, FORM_SHEET, INFO_SHEET = "目录", "表单", "目录信息"
PARTS = {"字段": "fields", "表格列": "columns", "fields": "fields", "columns": "columns"}
CHANNEL_SEPARATORS = ("、", "，", ",", "；", ";", "/", " ")


@dataclass
class ParsedCatalog:
    data: dict[str, Any] = field(default_factory=lambda: {"categories": []})
    errors: list[str] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(len(c["items"]) for c in self.data["categories"])


class _BadValue(ValueError):
    pass


def _normalise(name: str, value: Any) -> Any:
    """A cell or YAML value in the stored shape; raises _BadValue with a Chinese message."""
    if isinstance(value, str):
        value = value.strip()
    if name == "applies_to":
        try:
            return applicability.parse(value)
        except ValidationError as exc:
            raise _BadValue(exc.messages[0]) from exc
    if name == "applies_levels":
        levels = []
        for part in _parts(value):
            level = applicability.level_from_label(part)
            if level is None:
                allowed = "、".join(applicability.level_label(n) for n in range(5)) + "……"
                raise _BadValue(BAD_VALUE % {"value": part, "allowed": allowed})
            levels.append(level)
        return levels
    if name in APPLIES_CHOICES:
        out = []
        choices = APPLIES_CHOICES[name]
        labels = {str(label): v for v, label in choices.choices}
        for part in _parts(value):
            resolved = (
                APPLIES_ALIASES[name].get(part)
                or labels.get(part)
                or (part if part in choices.values else None)
            )
            if resolved is None:
                allowed = "、".join(str(label) for _v, label in choices.choices)
                raise _BadValue(BAD_VALUE % {"value": part, "allowed": allowed})
            out.append(str(resolved))
        return out
    if name in CHOICES:
        if value in (None, ""):
            return ""
        text = str(value)
        choices = CHOICES[name]
        labels = {str(label): v for v, label in choices.choices}
        resolved = (
            ALIASES[name].get(text)
            or labels.get(text)
            or (text if text in choices.values else None)
        )
        if resolved is None:
            allowed = "、".join(str(label) for _v, label in choices.choices)
            raise _BadValue(BAD_VALUE % {"value": text, "allowed": allowed})
        return str(resolved)
    if name == "channels":
        if value in (None, ""):
            return []
        parts = value if isinstance(value, list) else _split(str(value))
        out = []
        labels = {str(label): v for v, label in Channel.choices}
        for part in parts:
            text = str(part).strip()
            resolved = (
                ALIASES["channels"].get(text)
                or labels.get(text)
                or (text if text in Channel.values else None)
            )
            if resolved is None:
                allowed = "、".join(ALIASES["channels"])
                raise _BadValue(BAD_VALUE % {"value": text, "allowed": allowed})
            out.append(str(resolved))
        return out
    if name in BOOLEAN_FIELDS:
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise _BadValue(BAD_BOOLEAN % {"value": value})
    if name.endswith("_days"):
        if value in (None, ""):
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value))
        except ValueError as exc:
            raise _BadValue(BAD_NUMBER % {"value": value}) from exc
    return "" if value is None else value


def _normalise_quietly(name: str, value: Any) -> Any:
    try:
        return _normalise(name, value)
    except _BadValue:
        return value


def _parts(value: Any) -> list[str]:
    """A list, or a cell of values separated by 、，,；; or /, as stripped texts."""
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = int(value) if float(value).is_integer() else value
    # Not split at spaces: a label may hold one ("3 levels down" in English).
    text = str(value)
    for separator in CHANNEL_SEPARATORS[1:-1]:
        text = text.replace(separator, CHANNEL_SEPARATORS[0])
    return [part.strip() for part in text.split(CHANNEL_SEPARATORS[0]) if part.strip()]


def _split(text: str) -> list[str]:
    for separator in CHANNEL_SEPARATORS[1:]:
        text = text.replace(separator, CHANNEL_SEPARATORS[0])
    return [part for part in text.split(CHANNEL_SEPARATORS[0]) if part.strip()]


def _validate_item(values: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """(clean values, []) or (None, [(field name, message), ...])."""
    problems: list[tuple[str, str]] = []
    normalised: dict[str, Any] = {}
    for name, value in values.items():
        try:
            normalised[name] = _normalise(name, value)
        except _BadValue as exc:
            problems.append((name, str(exc)))
    if problems:
        return None, problems
    form = ItemForm(data=_as_form_data(normalised))
    if not form.is_valid():
        for name, errors in form.errors.items():
            problems += [(name, str(message)) for message in errors]
        return None, problems
    clean = form.item_values()
    clean["key"] = str(values.get("key") or "")
    return clean, []


def _form_label(name: str) -> str:
    if name == "applies_to":
        return str(APPLIES_TO_LABEL)
    field = ItemForm.base_fields.get(name)
    return str(field.label) if field is not None else ""


def _as_form_data(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name == "applies_to":
            # One mapping in YAML, the form's (and a workbook's) four fields here.
            fields = applies_to_fields(value)
            data.update({k: v for k, v in fields.items() if k != "applies_pilots"})
            if fields["applies_pilots"]:
                data["applies_pilots"] = "on"
        elif name in BOOLEAN_FIELDS:
            if value:
                data[name] = "on"
        elif name == "form":
            data[name] = yaml.safe_dump(value, allow_unicode=True) if value else ""
        elif value is None:
            data[name] = ""
        else:
            data[name] = value
    return data


def _check_size(content: bytes) -> str | None:
    limit = settings.GONGKAI_MAX_IMPORT_BYTES
    if len(content) > limit:
        return str(FILE_TOO_LARGE % {"limit": max(1, limit // (1024 * 1024))})
    return None


def parse_upload(name: str, content: bytes) -> ParsedCatalog:
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return parse_yaml(content)
    if lower.endswith(".xlsx"):
        return parse_excel(content)
    return ParsedCatalog(errors=[str(UNKNOWN_FORMAT)])


# --- YAML ---------------------------------------------------------------------------------

#: What a YAML item may say: its key and every attribute but the category (its place in the
#: file); `applies_to` as one mapping (see catalog.applicability).
ITEM_ATTRIBUTES = ("key", *(name for name in ITEM_FIELDS if name != "category_key"))
# What a file's or a category's defaults may set: everything but an item's own identity.
CATEGORY_DEFAULT_KEYS = tuple(
    name for name in ITEM_FIELDS if name not in ("category_key", "name", "description", "form")
)


def parse_yaml(content: bytes | str) -> ParsedCatalog:
    result = ParsedCatalog()
    if isinstance(content, bytes):
        too_large = _check_size(content)
        if too_large:
            result.errors.append(too_large)
            return result
        content = content.decode("utf-8", errors="replace")
    try:
        # Bounded size, depth and alias expansion; syntax errors in Chinese with line/column.
        doc = validation.load_yaml(content, max_bytes=settings.GONGKAI_MAX_IMPORT_BYTES)
    except ValidationError as exc:
        result.errors += exc.messages
        return result
    if not isinstance(doc, dict) or not isinstance(doc.get("categories"), list):
        result.errors.append(str(YAML_SHAPE))
        return result
    for name in ("defaults",):
        if doc.get(name) is not None and not isinstance(doc[name], dict):
            result.errors.append(
                str(
                    validation.EXPECTED_MAPPING
                    % {"where": name, "got": validation.type_name(doc[name])}
                )
            )
            return result
    for name in ("title", "source", "notes", "key"):
        if doc.get(name):
            result.data[name] = str(doc[name]).strip()
    file_defaults = {
        k: v for k, v in (doc.get("defaults") or {}).items() if k in CATEGORY_DEFAULT_KEYS
    }
    seen_keys: set[str] = set()
    for c, category in enumerate(doc["categories"], start=1):
        if (
            not isinstance(category, dict)
            or not category.get("name")
            or not isinstance(category.get("items"), list)
            or not isinstance(category.get("defaults") or {}, dict)
        ):
            result.errors.append(str(CATEGORY_SHAPE % {"c": c}))
            continue
        defaults = {**file_defaults}
        defaults.update({k: v for k, v in category.items() if k in CATEGORY_DEFAULT_KEYS})
        defaults.update(
            {
                k: v
                for k, v in (category.get("defaults") or {}).items()
                if k in CATEGORY_DEFAULT_KEYS
            }
        )
        out_items = []
        for i, entry in enumerate(category["items"], start=1):
            if isinstance(entry, str):
                entry = {"name": entry}
            if not isinstance(entry, dict) or not entry.get("name"):
                result.errors.append(str(ITEM_SHAPE % {"c": c, "i": i}))
                continue
            own = {k: v for k, v in entry.items() if k in ITEM_ATTRIBUTES}
            values = {**defaults, **own}
            values.setdefault("timing", Timing.EVENT)
            if (
                "period" not in own
                and _normalise_quietly("timing", values["timing"]) != Timing.PERIODIC
            ):
                # A default period only applies to the periodic items it was written for.
                values.pop("period", None)
                if (
                    _normalise_quietly("deadline_basis", values.get("deadline_basis"))
                    == DeadlineBasis.PERIOD_END
                ):
                    values.pop("deadline_basis", None)
                    values.pop("deadline_days", None)
            key = str(values.get("key") or "")
            if key and key in seen_keys:
                result.errors.append(
                    str(
                        YAML_DUPLICATE_KEY
                        % {"c": c, "category": category["name"], "i": i, "key": key}
                    )
                )
                continue
            seen_keys.add(key)
            clean, problems = _validate_item(values)
            for name, message in problems:
                result.errors.append(
                    str(
                        YAML_ITEM_ERROR
                        % {
                            "c": c,
                            "category": category["name"],
                            "i": i,
                            "item": entry["name"],
                            "field": _form_label(name),
                            "message": message,
                        }
                    )
                )
            if clean is not None:
                out_items.append(clean)
        domain = _category_domain(category.get("domain"))
        if domain is None:
            allowed = "、".join(f"{value}（{label}）" for value, label in Domain.choices)
            result.errors.append(
                str(CATEGORY_DOMAIN % {"c": c, "category": category["name"], "allowed": allowed})
            )
            domain = Domain.PARTY
        result.data["categories"].append(
            {
                "key": str(category.get("key") or ""),
                "name": str(category["name"]).strip(),
                "description": str(category.get("description") or "").strip(),
                "domain": domain,
                "items": out_items,
            }
        )
    _check_bounds(result)
    if not result.errors and result.item_count == 0:
        result.errors.append(str(NO_ITEMS))
    return result


def _category_domain(value: Any) -> str | None:
    """A category's domain (党务/政务/村务公开) by value or Chinese label; party affairs when
    the file does not say; None when it says something else."""
    if value in (None, ""):
        return Domain.PARTY
    text = str(value).strip()
    for domain, label in Domain.choices:
        if text in (domain, str(label)):
            return domain
    return None


def _check_bounds(result: ParsedCatalog) -> None:
    """Texts the database columns can hold: the lengths of the catalog, category and key
    columns (PostgreSQL enforces them, SQLite does not), and no NUL or lone surrogate."""
    data = result.data

    def bound(what: Any, value: Any, limit: int | None) -> None:
        try:
            validation.check_text(value, max_length=limit)
        except ValidationError as exc:
            shown = str(value)[:40]
            result.errors.append(
                str(TOO_LONG % {"what": what, "value": shown, "problem": exc.messages[0]})
            )

    bound(_("Catalog title"), data.get("title", ""), Catalog._meta.get_field("title").max_length)
    bound(_("Source"), data.get("source", ""), Catalog._meta.get_field("source").max_length)
    bound(_("Notes"), data.get("notes", ""), None)
    name_max = Category._meta.get_field("name").max_length
    for category in data["categories"]:
        bound(_("Category"), category["name"], name_max)
        bound(_("Category key"), category["key"], LOCAL_KEY_MAX)
        bound(_("Description"), category["description"], None)
        for item in category["items"]:
            bound(_("Item key"), item.get("key", ""), LOCAL_KEY_MAX)
    try:
        validation.check_document(
            data, max_depth=validation.YAML_MAX_DEPTH, max_chars=validation.YAML_MAX_BYTES * 4
        )
    except ValidationError as exc:
        result.errors.append(str(UNSTORABLE % {"what": _("Catalog"), "problem": exc.messages[0]}))


def export_yaml(effective: EffectiveCatalog) -> str:
    """The catalog as the layer sees it, in the import format (a round trip gives it back)."""
    catalog = effective.catalog
    doc: dict[str, Any] = {
        "title": catalog.title,
        "source": catalog.source or catalog.organization.name,
        "version": effective.version,
    }
    if catalog.notes:
        doc["notes"] = catalog.notes
    doc["categories"] = []
    for category in effective.categories:
        items = []
        for item in category.items:
            entry: dict[str, Any] = {"key": local_key(item.key), "name": item.value("name")}
            for name in ITEM_ATTRIBUTES:
                if name in ("key", "name"):
                    continue
                value = item.value(name)
                if name == "applies_to":
                    value = applicability.parse(value).as_dict()
                # Empty values are left out; a 0 is not empty (`0 in (False,)` would say so).
                empty = value is None or value is False or value in ("", [], {})
                if empty and name != "scope":
                    continue
                entry[name] = value
            items.append(entry)
        doc["categories"].append(
            {
                "key": local_key(category.key),
                "name": category.name,
                **({"description": category.description} if category.description else {}),
                **({"domain": category.domain} if category.domain != Domain.PARTY else {}),
                "items": items,
            }
        )
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


# --- Excel --------------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def parse_excel(content: bytes) -> ParsedCatalog:
    """The catalog in an Excel workbook. A workbook openpyxl cannot read, however it fails
    (a damaged zip, malformed XML in a sheet read row by row), is refused in Chinese."""
    try:
        return _parse_excel(content)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        ParseError,
        OSError,
        KeyError,
        ValueError,
        TypeError,
    ):
        result = ParsedCatalog()
        result.errors.append(str(NOT_EXCEL))
        return result


def _parse_excel(content: bytes) -> ParsedCatalog:
    result = ParsedCatalog()
    too_large = _check_size(content)
    if too_large:
        result.errors.append(too_large)
        return result
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError):
        result.errors.append(str(NOT_EXCEL))
        return result
    sheetnames = book.sheetnames
    if CATALOG_SHEET not in sheetnames:
        result.errors.append(str(MISSING_SHEET % {"sheet": CATALOG_SHEET}))
        return result
    if INFO_SHEET in sheetnames:
        info = {
            str(r[0]).strip(): r[1]
            for r in book[INFO_SHEET].iter_rows(values_only=True)
            if r and r[0]
        }
        for label, name in (("名称", "title"), ("来源", "source"), ("说明", "notes")):
            if info.get(label):
                result.data[name] = str(info[label]).strip()
    rows = book[CATALOG_SHEET].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    missing = [h for h in REQUIRED_HEADERS if h not in header]
    if missing:
        result.errors.append(
            str(MISSING_HEADERS % {"sheet": CATALOG_SHEET, "columns": "、".join(missing)})
        )
        return result
    by_header = {h: i for i, h in enumerate(header) if h}
    headers_to_names = {**HEADER_ALIASES, **dict((h, n) for n, h in COLUMNS)}
    # Problems name the column as this sheet heads it.
    own_headers = {headers_to_names[h]: h for h in by_header if h in headers_to_names}
    form_rows: dict[str, int] = {}
    forms_by_item = _read_form_sheet(book, result, form_rows) if FORM_SHEET in sheetnames else {}
    categories: dict[str, dict[str, Any]] = {}
    seen_keys: set[str] = set()
    for row_number, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        values = {
            headers_to_names[h]: _cell_text(row[i]) if i < len(row) else None
            for h, i in by_header.items()
            if h in headers_to_names
        }
        category_name = str(values.pop("category") or "").strip()
        if not category_name:
            result.errors.append(str(ROW_NO_CATEGORY % {"sheet": CATALOG_SHEET, "row": row_number}))
            continue
        key = str(values.get("key") or "").strip()
        values["key"] = key
        if key:
            if key in seen_keys:
                result.errors.append(
                    str(ROW_DUPLICATE_KEY % {"sheet": CATALOG_SHEET, "row": row_number, "key": key})
                )
                continue
            seen_keys.add(key)
            if key in forms_by_item:
                values["form"] = forms_by_item[key]
        clean, problems = _validate_item(values)
        for name, message in problems:
            result.errors.append(
                str(
                    ROW_ERROR
                    % {
                        "sheet": CATALOG_SHEET,
                        "row": row_number,
                        # In a workbook the column header is what the person can find.
                        "field": own_headers.get(name) or HEADERS.get(name) or _form_label(name),
                        "message": message,
                    }
                )
            )
        category = categories.setdefault(
            category_name, {"key": "", "name": category_name, "description": "", "items": []}
        )
        if clean is not None:
            category["items"].append(clean)
    unknown = [k for k in forms_by_item if k not in seen_keys]
    for key in unknown:
        result.errors.append(
            str(FORM_ROW_UNKNOWN_ITEM % {"sheet": FORM_SHEET, "row": form_rows[key], "key": key})
        )
    result.data["categories"] = list(categories.values())
    _check_bounds(result)
    if not result.errors and result.item_count == 0:
        result.errors.append(str(NO_ITEMS))
    return result


def _read_form_sheet(
    book: Any, result: ParsedCatalog, first_rows: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Structured forms from the 表单 sheet, one row per field or column; `first_rows`
    receives the row where each item's form starts, for messages."""
    rows = book[FORM_SHEET].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    index = {h: i for i, h in enumerate(header)}
    missing = [h for _n, h in FORM_COLUMNS[:5] if h not in index]
    if missing:
        result.errors.append(
            str(MISSING_HEADERS % {"sheet": FORM_SHEET, "columns": "、".join(missing)})
        )
        return {}
    forms: dict[str, dict[str, Any]] = {}
    for row_number, row in enumerate(rows, start=2):
        cell = {
            n: (_cell_text(row[index[h]]) if h in index and index[h] < len(row) else None)
            for n, h in FORM_COLUMNS
        }
        if not any(cell.values()):
            continue
        part = PARTS.get(str(cell["part"] or "").strip())
        if part is None:
            result.errors.append(str(FORM_ROW_BAD_PART % {"sheet": FORM_SHEET, "row": row_number}))
            continue
        item_key = str(cell["item"] or "").strip()
        entry: dict[str, Any] = {
            "key": str(cell["key"] or "").strip(),
            "label": str(cell["label"] or "").strip(),
            "type": str(cell["type"] or "text").strip(),
            "required": str(cell["required"] or "").strip() in TRUE,
        }
        if cell["choices"]:
            entry["choices"] = _split(str(cell["choices"]))
        first_rows.setdefault(item_key, row_number)
        form = forms.setdefault(item_key, {"fields": [], "columns": []})
        form[part].append(entry)
    return forms


def _applies_cell(name: str, value: Any) -> str:
    """One part of `applies_to` as its workbook cell."""
    spec = applicability.parse(value)
    if name == "applies_levels":
        return "、".join(applicability.level_label(level) for level in spec.levels)
    if name == "applies_kinds":
        kinds = applicability.in_choice_order(spec.kinds, Organization.Kind)
        return "、".join(applicability.kind_label(kind) for kind in kinds)
    if name == "applies_settings":
        settings = applicability.in_choice_order(spec.settings, Organization.Setting)
        return "、".join(applicability.setting_label(setting) for setting in settings)
    return "是" if spec.pilots else "否"


def export_excel(effective: EffectiveCatalog) -> bytes:
    catalog = effective.catalog
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = CATALOG_SHEET
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F0F2F5")
    sheet.append([header for _name, header in COLUMNS])
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    form_rows = []
    labels = {name: dict(choices.choices) for name, choices in CHOICES.items()}
    channel_labels = {v: k for k, v in ALIASES["channels"].items() if k != "媒体"}
    for category in effective.categories:
        for item in category.items:
            row: list[Any] = []
            for name, _header in COLUMNS:
                if name == "category":
                    row.append(category.name)
                elif name == "key":
                    row.append(local_key(item.key))
                elif name in APPLIES_FIELDS:
                    row.append(_applies_cell(name, item.value("applies_to")))
                else:
                    value = item.value(name)
                    if name in labels:
                        value = str(labels[name].get(value, "")) if value else ""
                    elif name == "channels":
                        value = "、".join(channel_labels.get(c, c) for c in value or [])
                    elif name in BOOLEAN_FIELDS:
                        value = "是" if value else "否"
                    row.append(value)
            sheet.append(row)
            form = item.value("form") or {}
            for part, part_label in (("fields", "字段"), ("columns", "表格列")):
                for entry in form.get(part, []):
                    form_rows.append(
                        [
                            local_key(item.key),
                            part_label,
                            entry["key"],
                            entry["label"],
                            entry["type"],
                            "是" if entry.get("required") else "否",
                            "、".join(entry.get("choices", [])),
                        ]
                    )
    widths = {"类别": 14, "事项": 48, "说明": 24, "公开形式": 20, "责任部门": 14, "依据": 30}
    for index, (_name, header) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths.get(
            header, 12
        )
    sheet.freeze_panes = "C2"
    forms_sheet = book.create_sheet(FORM_SHEET)
    forms_sheet.append([header for _name, header in FORM_COLUMNS])
    for row in form_rows:
        forms_sheet.append(row)
    info = book.create_sheet(INFO_SHEET)
    for header, value in (
        ("名称", catalog.title),
        ("来源", catalog.source),
        ("说明", catalog.notes),
        ("版本", effective.version),
        ("组织", catalog.organization.name),
    ):
        info.append([header, value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
