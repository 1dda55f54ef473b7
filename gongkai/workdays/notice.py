"""Read the State Council's yearly holiday notice (国务院办公厅关于 20XX 年部分节假日安排的通知)
as an administrator pastes it, into the holidays and make-up working days of the calendar
table.

The notice is one numbered item per holiday, each in a few sentences::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。

Variations seen from 2020 to 2026, all handled: 星期X or 周X or no weekday at all, lunar
dates in the brackets, the end of a range with or without its month (至23日, 至2月4日), a
year written out (2022年12月31日至2023年1月2日), a single day (1月1日放假，与周末连休;
放假1天，不调休), several holidays in one item (国庆节、中秋节), a pasted page with one item
per line or everything on one line, full-width or ASCII digits and punctuation.

Nothing is guessed: a sentence inside an item that has dates but says neither 放假 nor 上班,
a weekday in brackets that does not match the date, a day count (共N天) that does not match
the range, a date that does not exist, are problems; the page and the command show them and
save nothing until the text is fixed. A date mentioned only in brackets (安排职工在除夕（2月9日）
休息) is listed as skipped, so the administrator sees it was read and left out on purpose.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from gongkai.workdays.importing import MAX_RANGE_DAYS, Schedule, apply_schedule
from gongkai.workdays.models import CalendarDay

HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY

MAX_NOTICE_CHARS = 20_000

TOO_LONG = _("The text is longer than %(max)d characters; paste only the notice.")
NO_YEAR = _(
    "The text does not say which year it is for (“关于2027年部分节假日安排的通知”): enter the year."
)
NO_ITEMS = _("No numbered item like “一、元旦：1月1日……放假……” was found.")
NO_HOLIDAY_IN_ITEM = _("The item names no days off.")
NO_KIND = _("The sentence has dates but says neither 放假 (days off) nor 上班 (working).")
BOTH_KINDS = _(
    "The sentence says both 放假 and 上班; it needs a full stop (。) between the days off "
    "and the working days."
)
NO_MONTH = _("“%(token)s” has no month.")
NO_SUCH_DATE = _("“%(token)s” is not a date in %(year)d.")
WRONG_WEEKDAY = _("“%(token)s” is marked %(marked)s, but %(date)s is a %(actual)s.")
FAR_YEAR = _("%(date)s is not in or next to %(year)d.")
BACKWARDS = _("The range ends on %(end)s, before it starts on %(start)s.")
TOO_LONG_RANGE = _("The range is longer than %(days)d days.")
TOO_MANY_DATES = _("Days off are written as one day or one range (“A至B”).")
WRONG_COUNT = _("The sentence says %(said)d days, but the range has %(counted)d.")
CONFLICT = _("%(date)s is listed both as a day off and as a working day.")
NOT_IN_ITEM = _("The sentence lies outside the numbered items.")
SKIPPED_MENTION = _("Only mentioned in brackets: not a day off or a working day in the notice.")

WEEKDAY_WORDS = "一二三四五六日"
WEEKDAY_NAMES = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ITEM = re.compile(r"^([一二三四五六七八九十]{1,3})[、.]\s*([^:]{1,30}?)\s*:\s*(.*)$")
# An item that begins mid-line: a pasted page that lost its line breaks.
_ITEM_MID_LINE = re.compile(
    r"\s*(?<![一二三四五六七八九十])(?=[一二三四五六七八九十]{1,3}、[^:。,;、()]{1,12}(?:、[^:。,;、()]{1,12})?:)"
)
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日")
_BRACKETS = re.compile(r"\([^()]*\)")
_WEEKDAY = re.compile(r"(?:周|星期)([一二三四五六日天])")
_RANGE_JOIN = re.compile(r"^\s*(?:至|到|-|~|—|–)\s*$")
_COUNT = re.compile(r"(?:共|放假)\s*(\d{1,2})\s*天")
_YEAR = re.compile(r"(\d{4})\s*年\s*(?:部分)?节假日")
_REFERENCE = re.compile(r"国办发明电\s*[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*(\d{1,3})\s*号")


@dataclass(frozen=True)
class NoticeDay:
    date: dt.date
    kind: str
    name: str
    line: int


@dataclass(frozen=True)
class Remark:
    """A sentence the parser could not use (a problem) or left out on purpose (skipped)."""

    line: int
    sentence: str
    message: str


@dataclass
class ParsedNotice:
    year: int | None
    days: list[NoticeDay] = field(default_factory=list)
    problems: list[Remark] = field(default_factory=list)
    skipped: list[Remark] = field(default_factory=list)
    reference: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and self.year is not None and bool(self.days)

    def schedule(self) -> Schedule:
        """The days as the importer writes them, the year declared complete."""
        note = self.reference or f"国务院办公厅关于{self.year}年部分节假日安排的通知"
        return Schedule(
            days={day.date: (day.kind, day.name, note) for day in self.days},
            year=self.year,
            complete=True,
            note=note,
        )


@dataclass(frozen=True)
class _Token:
    """A date as written: where it sits in the sentence and what its brackets say."""

    start: int
    end: int
    text: str
    year: int | None
    month: int | None
    day: int
    weekday: int | None  # 0 = Monday, from (周四) or (星期四) right after the date


# Parsing reads ASCII punctuation (after NFKC); people read Chinese text with full-width
# punctuation, so what is shown back goes through this.
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "~": "～"})


def shown(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def normalize(text: str) -> str:
    # NFKC turns full-width digits, brackets and colons into ASCII and the ideographic space
    # into a space; invisible characters (pasted from web pages) go.
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(line number, text) per line, a line that lost its break before an item split."""
    for number, line in enumerate(text.split("\n"), start=1):
        for part in _ITEM_MID_LINE.split(line):
            part = re.sub(r"[ \t]+", "", part)
            if part:
                yield number, part


def _tokens(sentence: str) -> tuple[list[_Token], list[str]]:
    """Dates outside brackets, and dates mentioned only inside brackets."""
    inside = [(m.start(), m.end()) for m in _BRACKETS.finditer(sentence)]
    tokens: list[_Token] = []
    mentioned: list[str] = []
    for m in _DATE.finditer(sentence):
        if any(a <= m.start() < b for a, b in inside):
            mentioned.append(m.group(0))
            continue
        weekday = None
        end = m.end()
        bracket = _BRACKETS.match(sentence, end)
        if bracket:
            found = _WEEKDAY.search(bracket.group(0))
            if found:
                weekday = WEEKDAY_WORDS.index(found.group(1).replace("天", "日"))
            end = bracket.end()
        tokens.append(
            _Token(
                start=m.start(),
                end=end,
                text=shown(sentence[m.start() : end]),
                year=int(m.group(1)) if m.group(1) else None,
                month=int(m.group(2)) if m.group(2) else None,
                day=int(m.group(3)),
                weekday=weekday,
            )
        )
    return tokens, mentioned


class _Problem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _dates(tokens: list[_Token], year: int) -> list[dt.date]:
    """Each token as a date: a missing year or month comes from the token before it."""
    out: list[dt.date] = []
    current_year, current_month = year, None
    for token in tokens:
        current_year = token.year or current_year
        current_month = token.month or current_month
        if current_month is None:
            raise _Problem(str(NO_MONTH % {"token": token.text}))
        try:
            day = dt.date(current_year, current_month, token.day)
        except ValueError:
            raise _Problem(
                str(NO_SUCH_DATE % {"token": token.text, "year": current_year})
            ) from None
        if abs(day.year - year) > 1:
            raise _Problem(str(FAR_YEAR % {"date": day.isoformat(), "year": year}))
        if token.weekday is not None and token.weekday != day.weekday():
            raise _Problem(
                str(
                    WRONG_WEEKDAY
                    % {
                        "token": token.text,
                        "marked": WEEKDAY_NAMES[token.weekday],
                        "date": day.isoformat(),
                        "actual": WEEKDAY_NAMES[day.weekday()],
                    }
                )
            )
        out.append(day)
    return out


def _span(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise _Problem(str(BACKWARDS % {"start": start.isoformat(), "end": end.isoformat()}))
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise _Problem(str(TOO_LONG_RANGE % {"days": MAX_RANGE_DAYS}))
    return [start + dt.timedelta(days=i) for i in range(length)]


def _joined_by_range(sentence: str, a: _Token, b: _Token) -> bool:
    return bool(_RANGE_JOIN.match(sentence[a.end : b.start]))


def _days_off(sentence: str, tokens: list[_Token], dates: list[dt.date]) -> list[dt.date]:
    if len(tokens) == 1:
        days = dates
    elif len(tokens) == 2 and _joined_by_range(sentence, *tokens):
        days = _span(*dates)
    else:
        raise _Problem(str(TOO_MANY_DATES))
    said = _COUNT.search(sentence)
    if said and int(said.group(1)) != len(days):
        raise _Problem(str(WRONG_COUNT % {"said": int(said.group(1)), "counted": len(days)}))
    return days


def _working_days(sentence: str, tokens: list[_Token], dates: list[dt.date]) -> list[dt.date]:
    days: list[dt.date] = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens) and _joined_by_range(sentence, tokens[i], tokens[i + 1]):
            days += _span(dates[i], dates[i + 1])
            i += 2
        else:
            days.append(dates[i])
            i += 1
    return days


def find_year(text: str) -> int | None:
    found = _YEAR.search(normalize(text))
    return int(found.group(1)) if found else None


def parse(text: str, *, year: int | None = None) -> ParsedNotice:
    """Read a pasted notice. Never raises for what a person can paste: every sentence it
    cannot use becomes a problem, with its line number."""
    text = normalize(text or "")
    if year is None:
        year = find_year(text)
    result = ParsedNotice(year=year)
    if len(text) > MAX_NOTICE_CHARS:
        result.problems.append(Remark(0, "", str(TOO_LONG % {"max": MAX_NOTICE_CHARS})))
        return result
    reference = _REFERENCE.search(text)
    if reference:
        result.reference = f"国办发明电〔{reference.group(1)}〕{reference.group(2)}号"
    if year is None:
        result.problems.append(Remark(0, "", str(NO_YEAR)))
        return result

    seen: dict[dt.date, NoticeDay] = {}
    name: str | None = None  # the current item's holiday name
    item_line = 0
    item_has_days_off = True
    open_sentence = ""  # a sentence running on to the next line (a wrapped paste)
    open_line = 0

    def close_item() -> None:
        if name is not None and not item_has_days_off:
            result.problems.append(Remark(item_line, name, str(NO_HOLIDAY_IN_ITEM)))

    def read_sentence(number: int, sentence: str) -> None:
        nonlocal item_has_days_off
        tokens, mentioned = _tokens(sentence)
        off, work = "放假" in sentence, "上班" in sentence
        if not tokens:
            if mentioned:
                result.skipped.append(Remark(number, shown(sentence), str(SKIPPED_MENTION)))
            return
        if name is None:
            if off or work:
                result.problems.append(Remark(number, shown(sentence), str(NOT_IN_ITEM)))
            return
        try:
            if off and work:
                raise _Problem(str(BOTH_KINDS))
            if not (off or work):
                raise _Problem(str(NO_KIND))
            dates = _dates(tokens, year)
            if off:
                days, kind, label = _days_off(sentence, tokens, dates), HOLIDAY, name
                item_has_days_off = True
            else:
                days, kind, label = _working_days(sentence, tokens, dates), WORKDAY, f"{name}调休"
            for day in days:
                earlier = seen.get(day)
                if earlier is not None and earlier.kind != kind:
                    raise _Problem(str(CONFLICT % {"date": day.isoformat()}))
            for day in days:
                if day not in seen:
                    seen[day] = NoticeDay(date=day, kind=kind, name=label[:50], line=number)
        except _Problem as problem:
            # One problem per sentence: the item is not also said to lack its days off.
            item_has_days_off = True
            result.problems.append(Remark(number, shown(sentence), problem.message))

    def read(number: int, chunk: str) -> None:
        nonlocal open_sentence, open_line
        if open_sentence:
            chunk, number = open_sentence + chunk, open_line
            open_sentence = ""
        parts = re.split(r"(?<=[。;])", chunk)
        for part in parts[:-1]:
            if part.strip("。; "):
                read_sentence(number, part)
        if parts[-1]:
            open_sentence, open_line = parts[-1], number

    def flush() -> None:
        nonlocal open_sentence
        if open_sentence:
            read_sentence(open_line, open_sentence)
            open_sentence = ""

    previous_ended = True
    for number, paragraph in _paragraphs(text):
        item = _ITEM.match(paragraph)
        if item:
            flush()
            close_item()
            name, item_line, item_has_days_off = item.group(2).strip(), number, False
            read(number, item.group(3))
        elif name is not None and not previous_ended:
            read(number, paragraph)  # a line wrapped inside the item's sentence
        else:
            flush()
            close_item()
            name = None
            read(number, paragraph)
        previous_ended = paragraph.endswith(("。", ";"))
    flush()
    close_item()

    if not seen and not result.problems:
        result.problems.append(Remark(0, "", str(NO_ITEMS)))
    result.days = sorted(seen.values(), key=lambda day: day.date)
    return result


# --- comparing with and writing to the table ------------------------------------------------

NEW, SAME, CHANGED = "new", "same", "changed"


@dataclass(frozen=True)
class PreviewRow:
    day: NoticeDay
    status: str  # NEW, SAME or CHANGED against the table
    before: str = ""  # what the table said, when CHANGED

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.day.date.weekday()]


def preview(parsed: ParsedNotice) -> tuple[list[PreviewRow], list[CalendarDay]]:
    """Each parsed day against the table, and the table's other rows of the notice's year
    (kept as they are: local adjustments the notice does not touch)."""
    dates = [day.date for day in parsed.days]
    table = {row.date: row for row in CalendarDay.objects.filter(date__in=dates)}
    rows = []
    for day in parsed.days:
        row = table.get(day.date)
        if row is None:
            rows.append(PreviewRow(day, NEW))
        elif (row.kind, row.name) == (day.kind, day.name):
            rows.append(PreviewRow(day, SAME))
        else:
            rows.append(PreviewRow(day, CHANGED, before=str(row)))
    others = (
        list(CalendarDay.objects.filter(date__year=parsed.year).exclude(date__in=dates))
        if parsed.year
        else []
    )
    return rows, others


def save(parsed: ParsedNotice) -> dict[str, int]:
    """Write a notice that parsed without problems; the year becomes complete. Saving the
    same notice again changes nothing (every row is written by date)."""
    if not parsed.ok:
        raise ValueError("only a notice without problems is saved")
    rows, _others = preview(parsed)
    apply_schedule(parsed.schedule())
    return {
        status: sum(1 for row in rows if row.status == status) for status in (NEW, SAME, CHANGED)
    }
