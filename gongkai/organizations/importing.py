"""Importing organizations from an Excel sheet.

The first sheet holds a header row and one organization per row. Headers are Chinese, as in
the template; the English names are accepted too:

    编码 code · 名称 name · 类型 kind · 上级编码 parent code        (the required columns)
    联系点 pilot · 监督电话 · 意见箱 · 地址 · 新闻发言人 · 新闻联络员 · 所在领域 setting
                                                                   (optional)

A superior code may name an organization already in the system or any row of the sheet,
above or below; an empty one hangs the row directly below `under` (or makes a new top-level
organization when `under` is None, which only a system administrator may do).

The import is all or nothing. Every row is checked first and every problem is reported by
its Excel row number; only a clean sheet is written, in one transaction, parents before
children, through `services.create_organization`. A row whose code already exists with the
same superior updates that organization, so importing the same sheet twice changes nothing.

The downloadable template holds the header row only (its example row lives on the notes
sheet), so uploading the template unchanged is a no-op reported as "nothing changed", never
an error and never a new organization.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from gongkai import permissions
from gongkai.organizations import tree
from gongkai.organizations.models import CODE_VALIDATOR, Organization
from gongkai.organizations.services import create_organization
from gongkai.validation import text_problem

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise
else:
    _StrPromise = object

# -- messages (module constants, so tests assert the exact text) ---------------------------

FILE_NOT_XLSX = _("The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again.")
FILE_CORRUPT = _("The file cannot be read as an Excel workbook; it may be damaged.")
FILE_TOO_LARGE = _("The file is %(size)s; an import may be at most %(limit)s.")
FILE_UNPACKS_TOO_LARGE = _(
    "The workbook unpacks to more than %(limit)s; remove unused sheets and formatting and "
    "try again."
)
FILE_EMPTY = _("The first sheet is empty: it needs a header row and one row per organization.")
FILE_TOO_MANY_ROWS = _("The sheet has more than %(limit)d rows; split it into several files.")
UNDER_OUT_OF_REACH = _("You may not add organizations below %(name)s.")
TREE_CHANGED = _(
    "The organization tree changed while the file was being imported, so nothing was "
    "imported. Please import the file again."
)
MISSING_HEADER = _("Row %(row)d: the required column %(column)s is missing.")
MISSING_VALUE = _("Row %(row)d: %(column)s is empty.")
TOO_LONG = _("Row %(row)d: %(column)s is longer than %(limit)d characters.")
UNSTORABLE = _("Row %(row)d: %(column)s: %(problem)s")
BAD_CODE = _(
    "Row %(row)d: the code %(code)s may contain only letters, digits, dots, hyphens and "
    "underscores, and must begin with a letter or a digit."
)
UNKNOWN_KIND = _("Row %(row)d: the kind %(kind)s is unknown; write one of %(choices)s.")
UNKNOWN_SETTING = _(
    "Row %(row)d: the setting %(setting)s is unknown; write one of %(choices)s, or leave it empty."
)
BAD_PILOT = _("Row %(row)d: %(column)s must be %(yes)s or %(no)s, not %(value)s.")
DUPLICATE_CODE = _("Row %(row)d: the code %(code)s already appears in row %(first)d.")
UNKNOWN_PARENT = _(
    "Row %(row)d: the superior code %(code)s is neither in the system nor in this sheet."
)
PARENT_OUT_OF_REACH = _("Row %(row)d: you may not add organizations below %(name)s (%(code)s).")
PARENT_OUTSIDE_UNDER = _(
    "Row %(row)d: the superior organization %(name)s (%(code)s) is not within %(under)s, "
    "below which this import adds organizations."
)
NEW_ROOT_NOT_ALLOWED = _(
    "Row %(row)d: the superior code is empty, which would make a new top-level organization; "
    "only a system administrator may do that."
)
CYCLE = _("Row %(row)d: the superior codes go round in a circle (%(cycle)s).")
CODE_TAKEN = _(
    "Row %(row)d: the code %(code)s is already used by %(name)s, which belongs under "
    "%(parent)s; an import cannot move an organization."
)
TOP_LEVEL = _("the top level")
TOO_DEEP = _("Row %(row)d: the organization would lie deeper than %(levels)d levels.")
SUMMARY_CHANGED = _(
    "Imported: %(created)d new, %(updated)d updated, %(unchanged)d already up to date."
)
SUMMARY_NO_ROWS = _("Nothing changed: the sheet has its header row but no organizations.")
SUMMARY_UNCHANGED = _(
    "Nothing changed: all %(unchanged)d organizations in the sheet are already up to date."
)

# -- the sheet's columns -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # Organization field, or "parent_code"
    header: str  # as written in the template; the file format, so not translated
    aliases: tuple[str, ...]  # other accepted headers, compared lower-cased
    required: bool = False


COLUMNS = (
    Column("code", "编码", ("code",), required=True),
    Column("name", "名称", ("name",), required=True),
    Column("kind", "类型", ("kind", "type"), required=True),
    Column("parent_code", "上级编码", ("parent code", "parent", "superior code"), required=True),
    Column("is_pilot", "联系点", ("pilot", "is pilot", "contact point")),
    Column("supervision_phone", "监督电话", ("supervision phone",)),
    Column("opinion_mailbox", "意见箱", ("opinion mailbox",)),
    Column("address", "地址", ("address",)),
    Column("spokesperson", "新闻发言人", ("spokesperson",)),
    Column("press_liaison", "新闻联络员", ("press liaison",)),
    # Last, so rows copied from sheets made before it keep their places.
    Column("setting", "所在领域", ("setting",)),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
CONTACT_FIELDS = (
    "supervision_phone",
    "opinion_mailbox",
    "address",
    "spokesperson",
    "press_liaison",
)

K = Organization.Kind
#: The kinds as written in a sheet: the Chinese names, and the English values.
KIND_NAMES = {
    "党委": K.COMMITTEE,
    "党总支": K.GENERAL_BRANCH,
    "党支部": K.BRANCH,
    "党组": K.PARTY_GROUP,
}
KIND_ALIASES = {**KIND_NAMES, **{str(kind): kind for kind in K}}
S = Organization.Setting
#: Where an organization works, as written in a sheet (catalog items name it: village-only,
#: community-only …); the Chinese names, a few short forms, and the English values.
SETTING_NAMES = {
    "农村": S.VILLAGE,
    "社区": S.COMMUNITY,
    "机关": S.AGENCY,
    "事业单位": S.INSTITUTION,
    "企业": S.ENTERPRISE,
    "学校": S.SCHOOL,
    "其他": S.OTHER,
}
SETTING_ALIASES = {
    **SETTING_NAMES,
    "村": S.VILLAGE,
    "党政机关": S.AGENCY,
    **{str(setting): setting for setting in S},
}
YES, NO = "是", "否"
PILOT_VALUES = {YES: True, NO: False, "yes": True, "no": False, "true": True, "false": False,
                "1": True, "0": False, "": False}  # fmt: skip

#: Beyond this many rows a sheet is refused rather than read (the file size alone does not
#: bound it: a compressed sheet of empty formatted rows is tiny).
MAX_ROWS = 50_000
#: What an accepted file may unpack to, as a multiple of the upload limit.
MAX_UNPACK_FACTOR = 20

EXAMPLE_ROW = {
    "code": "QS-03",
    "name": "南岭村党支部",
    "kind": "党支部",
    "parent_code": "QS",
    "is_pilot": NO,
    "supervision_phone": "0871-6123 4567",
    "opinion_mailbox": "村委会大门东侧",
    "address": "青石镇南岭村委会",
    "spokesperson": "",
    "press_liaison": "",
    "setting": "农村",
}

# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: its Excel row number (0 for the file as a whole), the column's header
    when one column is at fault, and the message to show."""

    row: int
    column: str | None
    message: str


@dataclass
class ImportResult:
    created: int = 0
    #: Rows of organizations already in the system whose values differ from the sheet's.
    updated: int = 0
    #: Rows of organizations already in the system whose values all equal the sheet's.
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        """The sentence that reports a clean import (the console and the command say the
        same); "nothing changed" is said as such, not as "0 new, 0 updated"."""
        if self.changed:
            return str(
                SUMMARY_CHANGED
                % {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
            )
        if not self.unchanged:
            return str(SUMMARY_NO_ROWS)
        return str(SUMMARY_UNCHANGED % {"unchanged": self.unchanged})


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


@dataclass
class _Row:
    number: int  # the Excel row number
    values: dict[str, str]
    kind: str = ""
    setting: str = ""
    is_pilot: bool = False
    # Filled in while checking:
    existing: Organization | None = None
    parent_row: _Row | None = None  # the parent is another row of the sheet
    parent_org: Organization | None = None  # the parent is already in the system (or `under`)
    in_sheet_depth: int = 0  # how many rows of the sheet lie above this one

    @property
    def code(self) -> str:
        return self.values["code"]

    @property
    def parent_code(self) -> str:
        return self.values["parent_code"]


class _Problems:
    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, row: int, header: str | None, message: _StrPromise, /, **params: object) -> None:
        self.errors.append(RowError(row, header, str(message) % {"row": row, **params}))

    def add_column(self, row: int, key: str, message: _StrPromise, **params: object) -> None:
        header = COLUMN_BY_KEY[key].header
        self.add(row, header, message, column=header, **params)


# -- the import ----------------------------------------------------------------------------


def import_organizations(
    file_obj: _Readable, *, actor: Any, under: Organization | None
) -> ImportResult:
    """Check the whole sheet, then create and update its organizations in one transaction.

    Nothing is written unless every row is correct; `ImportResult.errors` then lists every
    problem found, by Excel row number.
    """
    problems = _Problems()
    if under is not None and not permissions.can_manage_tree_below(actor, under):
        problems.add(0, None, UNDER_OUT_OF_REACH, name=under.name)
        return ImportResult(errors=problems.errors)
    rows = _read_rows(file_obj, problems)
    if not rows:  # the file is refused, or it holds only the header: nothing to check
        return ImportResult(errors=problems.errors)
    try:
        with transaction.atomic():
            # Checked inside the transaction that writes, so the checks see what is written.
            _check_rows(rows, actor=actor, under=under, problems=problems)
            if problems.errors:
                problems.errors.sort(key=lambda e: e.row)
                return ImportResult(errors=problems.errors)
            return _write(rows)
    except IntegrityError:
        # Another import or clerk took one of the codes after the check: nothing was written.
        return ImportResult(errors=[RowError(0, None, str(TREE_CHANGED))])


def _read_rows(file_obj: _Readable, problems: _Problems) -> list[_Row]:
    limit = settings.GONGKAI_MAX_IMPORT_BYTES
    name = getattr(file_obj, "name", None)
    if name and PurePath(str(name)).suffix.lower() != ".xlsx":
        problems.add(0, None, FILE_NOT_XLSX)
        return []
    data = file_obj.read(limit + 1)
    if len(data) > limit:
        size = getattr(file_obj, "size", None) or len(data) + _remaining_bytes(file_obj)
        problems.add(
            0, None, FILE_TOO_LARGE, size=filesizeformat(size), limit=filesizeformat(limit)
        )
        return []
    if not data.startswith(b"PK\x03\x04"):
        problems.add(0, None, FILE_NOT_XLSX)
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.add(0, None, FILE_CORRUPT)
        return []
    if "xl/workbook.xml" not in {m.filename for m in members}:
        problems.add(0, None, FILE_NOT_XLSX)  # a .docx or a plain zip
        return []
    if sum(m.file_size for m in members) > limit * MAX_UNPACK_FACTOR:
        problems.add(
            0, None, FILE_UNPACKS_TOO_LARGE, limit=filesizeformat(limit * MAX_UNPACK_FACTOR)
        )
        return []
    try:
        return _parse_sheet(_sheet_rows(data), problems)
    except Exception:  # openpyxl raises a zoo of exception types on malformed parts
        problems.errors.clear()
        problems.add(0, None, FILE_CORRUPT)
        return []


def _remaining_bytes(file_obj: _Readable) -> int:
    """Count what is left of a stream without keeping it (for the size in a refusal)."""
    total = 0
    while chunk := file_obj.read(1 << 20):
        total += len(chunk)
    return total


def _sheet_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cell values) of the first sheet, blank rows skipped."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            if any(_text(v) for v in values):
                yield number, values
    finally:
        workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number, e.g. 1001
    return str(value).strip()


def _header_key(text: str) -> str | None:
    cleaned = re.sub(r"[\s_]+", " ", text).strip().lower()
    for column in COLUMNS:
        if cleaned == column.header or cleaned in column.aliases:
            return column.key
    return None


def _parse_sheet(rows: Iterable[tuple[int, tuple[Any, ...]]], problems: _Problems) -> list[_Row]:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        problems.add(0, None, FILE_EMPTY)
        return []
    header_number, header_values = header
    positions: dict[str, int] = {}
    for position, value in enumerate(header_values):
        key = _header_key(_text(value))
        if key is not None and key not in positions:
            positions[key] = position
    for column in COLUMNS:
        if column.required and column.key not in positions:
            problems.add(header_number, column.header, MISSING_HEADER, column=column.header)
    if problems.errors:
        return []

    # From here on a problem belongs to one row: keep reading, to report every bad row.
    parsed: list[_Row] = []
    for number, values in iterator:
        if len(parsed) >= MAX_ROWS:
            problems.errors.clear()
            problems.add(0, None, FILE_TOO_MANY_ROWS, limit=MAX_ROWS)
            return []
        cells = {
            key: _text(values[position]) if position < len(values) else ""
            for key, position in positions.items()
        }
        parsed.append(_parse_row(number, cells, problems))
    # A header and no rows (the template as downloaded) is not a mistake: it imports nothing.
    return parsed


def _parse_row(number: int, cells: dict[str, str], problems: _Problems) -> _Row:
    """Checks that need nothing but the row itself."""
    # Only the columns the sheet has: an optional column left out is not touched on update.
    row = _Row(number, dict(cells))
    for key, value in cells.items():
        # A NUL or a lone surrogate cannot be stored (PostgreSQL refuses NUL in text).
        problem = text_problem(value)
        if problem:
            problems.add_column(number, key, UNSTORABLE, problem=problem)
            row.values[key] = ""
    for key in ("code", "name", "kind"):
        if not row.values[key]:
            problems.add_column(number, key, MISSING_VALUE)
    code = row.values["code"]
    if code:
        limit = _max_length("code")
        if len(code) > limit:
            problems.add_column(number, "code", TOO_LONG, limit=limit)
        elif not _valid_code(code):
            problems.add_column(number, "code", BAD_CODE, code=code)
    for key in ("name", *CONTACT_FIELDS):
        limit = _max_length(key)
        if key in row.values and len(row.values[key]) > limit:
            problems.add_column(number, key, TOO_LONG, limit=limit)
    kind_text = row.values["kind"]
    if kind_text:
        kind = KIND_ALIASES.get(kind_text) or KIND_ALIASES.get(kind_text.lower())
        if kind is None:
            problems.add_column(
                number, "kind", UNKNOWN_KIND, kind=kind_text, choices="、".join(KIND_NAMES)
            )
        else:
            row.kind = kind
    setting_text = row.values.get("setting", "")
    if setting_text:
        setting = SETTING_ALIASES.get(setting_text) or SETTING_ALIASES.get(setting_text.lower())
        if setting is None:
            problems.add_column(
                number,
                "setting",
                UNKNOWN_SETTING,
                setting=setting_text,
                choices="、".join(SETTING_NAMES),
            )
        else:
            row.setting = setting
    if "is_pilot" in row.values:
        pilot = PILOT_VALUES.get(row.values["is_pilot"].lower())
        if pilot is None:
            problems.add_column(
                number, "is_pilot", BAD_PILOT, yes=YES, no=NO, value=row.values["is_pilot"]
            )
        else:
            row.is_pilot = pilot
    return row


def _max_length(key: str) -> int:
    field = Organization._meta.get_field(key)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


def _valid_code(code: str) -> bool:
    try:
        CODE_VALIDATOR(code)
    except ValidationError:
        return False
    return True


def _existing_by_code(codes: set[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):  # stay below every backend's parameter limit
        chunk = ordered[start : start + 500]
        for org in Organization.objects.filter(code__in=chunk).select_related("parent"):
            found[org.code] = org
    return found


def _check_rows(
    rows: list[_Row], *, actor: Any, under: Organization | None, problems: _Problems
) -> None:
    """Checks across rows and against the tree; fills in each row's parent."""
    first_row: dict[str, _Row] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in first_row:
            problems.add_column(
                row.number, "code", DUPLICATE_CODE, code=row.code, first=first_row[row.code].number
            )
        else:
            first_row[row.code] = row
    existing = _existing_by_code(
        {row.code for row in rows if row.code}
        | {row.parent_code for row in rows if row.parent_code}
    )
    may_add_roots = permissions.can_manage_tree_below(actor, None)

    for row in rows:
        if not row.code or first_row.get(row.code) is not row:
            continue
        row.existing = existing.get(row.code)
        parent_code = row.parent_code
        if not parent_code:
            row.parent_org = under
            if under is None and not may_add_roots:
                problems.add_column(row.number, "parent_code", NEW_ROOT_NOT_ALLOWED)
                continue
        elif parent_code in first_row:
            row.parent_row = first_row[parent_code]
        elif parent_code in existing:
            row.parent_org = existing[parent_code]
        else:
            problems.add_column(row.number, "parent_code", UNKNOWN_PARENT, code=parent_code)
            continue

        if row.existing is not None:
            current_parent = row.existing.parent
            if row.parent_row is not None:
                same_parent = current_parent is not None and current_parent.code == parent_code
            else:
                same_parent = current_parent == row.parent_org
            if not same_parent:
                problems.add_column(
                    row.number,
                    "code",
                    CODE_TAKEN,
                    code=row.code,
                    name=row.existing.name,
                    parent=current_parent.name if current_parent else TOP_LEVEL,
                )
                continue

        parent = row.parent_org
        if row.parent_row is None and parent is not None and parent != under:
            if under is not None and not parent.is_within(under):
                problems.add_column(
                    row.number,
                    "parent_code",
                    PARENT_OUTSIDE_UNDER,
                    name=parent.name,
                    code=parent.code,
                    under=under.name,
                )
            elif not permissions.can_manage_tree_below(actor, parent):
                problems.add_column(
                    row.number,
                    "parent_code",
                    PARENT_OUT_OF_REACH,
                    name=parent.name,
                    code=parent.code,
                )

    _check_cycles_and_depth(rows, first_row, problems)


def _check_cycles_and_depth(
    rows: list[_Row], first_row: dict[str, _Row], problems: _Problems
) -> None:
    """Follow each row's chain of superiors inside the sheet: report the rows on a circle,
    and the rows that would lie too deep."""
    max_depth = tree.PATH_MAX_LENGTH // tree.SEGMENT
    settled: dict[int, int] = {}  # row number -> in-sheet depth, for rows known to be acyclic
    on_cycle: set[int] = set()
    for start in rows:
        if first_row.get(start.code) is not start:
            continue
        chain: list[_Row] = []
        seen: set[int] = set()
        row: _Row | None = start
        while row is not None and row.number not in settled and row.number not in seen:
            if row.number in on_cycle:
                break
            seen.add(row.number)
            chain.append(row)
            row = row.parent_row
        if row is not None and row.number in seen:  # a new circle, closed at `row`
            circle = chain[chain.index(row) :]
            loop = " → ".join([r.code for r in circle] + [row.code])
            for member in sorted(circle, key=lambda r: r.number):
                on_cycle.add(member.number)
                problems.add_column(member.number, "parent_code", CYCLE, cycle=loop)
            continue
        if row is not None and row.number in on_cycle:
            continue  # hangs below a circle: the circle's rows are reported
        depth = settled[row.number] + 1 if row is not None else 0
        for member in reversed(chain):
            settled[member.number] = depth
            member.in_sheet_depth = depth
            anchor = _anchor(member)
            if (anchor.depth if anchor else 0) + depth + 1 > max_depth:
                problems.add(member.number, None, TOO_DEEP, levels=max_depth)
            depth += 1


def _anchor(row: _Row) -> Organization | None:
    """The organization already in the system that the row's chain of superiors hangs on."""
    while row.parent_row is not None:
        row = row.parent_row
    return row.parent_org


def _write(rows: list[_Row]) -> ImportResult:
    result = ImportResult()
    saved: dict[str, Organization] = {}
    # Parents before children: a row's in-sheet depth counts the rows above it.
    for row in sorted(rows, key=lambda r: (r.in_sheet_depth, r.number)):
        fields: dict[str, Any] = {"name": row.values["name"], "kind": row.kind}
        if "setting" in row.values:
            fields["setting"] = row.setting
        if "is_pilot" in row.values:
            fields["is_pilot"] = row.is_pilot
        fields.update({key: row.values[key] for key in CONTACT_FIELDS if key in row.values})
        if row.existing is not None:
            org = row.existing
            changed = [key for key, value in fields.items() if getattr(org, key) != value]
            for key in changed:
                setattr(org, key, fields[key])
            if changed:
                org.save(update_fields=[*changed, "updated_at"])
                result.updated += 1
            else:
                result.unchanged += 1
        else:
            parent = saved[row.parent_row.code] if row.parent_row is not None else row.parent_org
            org = create_organization(parent=parent, code=row.code, **fields)
            result.created += 1
        saved[row.code] = org
    return result


# -- the template ---------------------------------------------------------------------------

TEMPLATE_SHEET = _("Organizations")
TEMPLATE_NOTES_SHEET = _("How to fill in")
TEMPLATE_EXAMPLE = _("An example row (copy it to the first sheet and change it):")
TEMPLATE_NOTES: tuple[tuple[str | None, _StrPromise], ...] = (
    (None, _("One organization per row. Keep the header row as it is.")),
    ("code", _("Required. Letters, digits, dots, hyphens and underscores; unique in the tree.")),
    ("name", _("Required.")),
    ("kind", _("Required. One of %(choices)s.")),
    (
        "parent_code",
        _(
            "The code of an organization already in the system or of another row of this "
            "sheet. Leave it empty to add the organization directly below the one you import "
            "into."
        ),
    ),
    (
        "setting",
        _(
            "Where the organization works, one of %(settings)s; catalog items may apply to "
            "village or community organizations only. May be left empty."
        ),
    ),
    ("is_pilot", _("%(yes)s or %(no)s; empty means %(no)s.")),
    (None, _("The other columns are optional and may be left empty.")),
    (
        None,
        _(
            "Importing the same sheet again updates the names, kinds and contacts of the "
            "organizations it imported before; it never moves an organization."
        ),
    ),
)


def _letter(key: str) -> str:
    """The template's column letter of a column."""
    return chr(ord("A") + [column.key for column in COLUMNS].index(key))


def organization_import_template() -> bytes:
    """An empty import workbook: the header row, and a sheet of notes with an example row.

    The example is not on the first sheet: a template uploaded as downloaded must change
    nothing, and an example row there would be imported (or refused for its superior code).
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(TEMPLATE_SHEET)
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for position, column in enumerate(COLUMNS):
        letter = chr(ord("A") + position)
        sheet.column_dimensions[letter].width = 18 if column.key != "address" else 30
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_NAMES) + '"', allow_blank=True)
    settings = DataValidation(
        type="list", formula1='"' + ",".join(SETTING_NAMES) + '"', allow_blank=True
    )
    pilots = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(settings)
    sheet.add_data_validation(pilots)
    kinds.add(f"{_letter('kind')}2:{_letter('kind')}{MAX_ROWS}")
    settings.add(f"{_letter('setting')}2:{_letter('setting')}{MAX_ROWS}")
    pilots.add(f"{_letter('is_pilot')}2:{_letter('is_pilot')}{MAX_ROWS}")
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(str(TEMPLATE_NOTES_SHEET))
    params = {
        "choices": "、".join(KIND_NAMES),
        "settings": "、".join(SETTING_NAMES),
        "yes": YES,
        "no": NO,
    }
    for key, note in TEMPLATE_NOTES:
        notes.append([COLUMN_BY_KEY[key].header if key else "", str(note) % params])
    notes.append([])
    notes.append(["", str(TEMPLATE_EXAMPLE)])
    notes.append([column.header for column in COLUMNS])
    notes.append([EXAMPLE_ROW[column.key] for column in COLUMNS])
    for cell in notes[notes.max_row - 1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
