"""The bounds of everything a person can type, paste or upload, defined once.

Every surface reaches the database through the domain functions (the disclosure workflow,
the catalog and organization imports), and those call the checks here before writing; the
console and portal forms and the API's input schemas use the same limits and validators, so a
value refused in one place is refused with the same Chinese sentence everywhere.

Why each bound exists:

- Text: PostgreSQL cannot store a NUL character in text or jsonb, and a lone surrogate
  (U+D800..U+DFFF) cannot be encoded as UTF-8 at all. SQLite stores both, which is how such
  values used to slip through the default test run and then answer 500 on PostgreSQL. Lengths
  follow the model fields (PostgreSQL enforces varchar lengths, SQLite does not).
- Numbers: Decimal accepts "1e30", "Infinity" and "sNaN"; quantizing or converting them
  raises, and JSON cannot hold them. Numbers are finite, with bounded digits and exponent.
- Dates: a year outside 1900..2099 is a typing mistake, and counting working days from year
  9999 runs off the end of Python's calendar (OverflowError).
- Structured data and YAML: bounded depth (deep nesting exhausts the recursion of parsers and
  serialisers), bounded size and node count (YAML aliases can expand a small file into a huge
  document), and the shapes the reader expects (a mapping where a mapping belongs).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# --- limits (model field lengths are repeated here only where a model does not hold them) ---

TITLE_MAX = 200  # Disclosure.title, Revision.title
PERIOD_MAX = 100  # Disclosure.period
BODY_MAX = 200_000
REASON_MAX = 2000  # a reason on record, an opinion's handling, a clearance
OPINION_MAX = 2000
AUTHOR_MAX = 50  # Opinion.author
TABLE_TEXT_MAX = 1_000_000  # a pasted table

YEAR_MIN, YEAR_MAX = 1900, 2099
#: Publication and other workflow times: the working-day calendar is counted from them.
MOMENT_YEAR_MIN = 2000

#: Numbers in structured data: at most 15 significant digits before the point and 4 after
#: (an amount of money in yuan with fen, a count of people), so that every stored number
#: round-trips through a JSON reader's double precision.
NUMBER_MAX_DIGITS = 15
NUMBER_MAX_PLACES = 4
NUMBER_TEXT_MAX = 40
MAX_SAFE_INTEGER = 2**53 - 1

DOCUMENT_MAX_DEPTH = 8
DOCUMENT_MAX_CHARS = 1_000_000
DOCUMENT_MAX_NODES = 100_000

YAML_MAX_BYTES = 2 * 1024 * 1024
YAML_MAX_DEPTH = 20
YAML_MAX_NODES = 200_000

# --- messages (module constants, so tests assert the exact sentence) ------------------------

NUL_CHARACTER = _("The text contains a NUL character.")
#: A lone surrogate is half of a character: no UTF-8 text can hold it.
LONE_SURROGATE = _("The text is not valid Unicode.")
TOO_LONG = _("At most %(max)d characters (this has %(length)d).")
FIELD_PROBLEM = _("%(label)s: %(problem)s")
NOT_A_NUMBER = _("“%(value)s” is not a number.")
NOT_FINITE = _("“%(value)s” is not a finite number.")
NUMBER_TOO_LARGE = _("“%(value)s” is too large: at most %(digits)d digits before the point.")
NUMBER_TOO_PRECISE = _("“%(value)s” has more than %(places)d decimal places.")
DATE_OUT_OF_RANGE = _("The date must lie between the years %(min)d and %(max)d.")
DOCUMENT_TOO_DEEP = _("The structured data is nested deeper than %(max)d levels.")
DOCUMENT_TOO_LARGE = _("The structured data is larger than %(max)d characters.")
DOCUMENT_BAD_VALUE = _("The structured data holds a value that is not text, a number or yes/no.")
DOCUMENT_BAD_NUMBER = _("The structured data holds a number that is not finite or too large.")
YAML_TOO_LARGE = _("The YAML text is larger than %(max)d KB.")
YAML_TOO_DEEP = _("The YAML is nested deeper than %(max)d levels (line %(line)d).")
YAML_TOO_BIG = _("The YAML expands to more than %(max)d values.")
YAML_SYNTAX = _("The YAML cannot be read at line %(line)d, column %(column)d: %(problem)s")
YAML_SYNTAX_NO_PLACE = _("The YAML cannot be read: %(problem)s")
YAML_NOT_UTF8 = _("The YAML file is not UTF-8 text.")
EXPECTED_MAPPING = _("%(where)s must be a mapping (“key: value” lines), not %(got)s.")
EXPECTED_LIST = _("%(where)s must be a list (lines starting with “- ”), not %(got)s.")

#: PyYAML's problem sentences in Chinese. PyYAML has no translations; these are the
#: sentences a person editing YAML by hand meets (tabs, indentation, quotes, colons).
YAML_PROBLEMS: dict[str, Any] = {
    "mapping values are not allowed here": _(
        "a colon is not allowed here (put the value in quotes, or check the indentation)"
    ),
    "found character '\\t' that cannot start any token": _(
        "a Tab character; indent with spaces only"
    ),
    "found a tab character that violates indentation": _(
        "a Tab character; indent with spaces only"
    ),
    "found a tab character where an indentation space is expected": _(
        "a Tab character; indent with spaces only"
    ),
    "did not find expected key": _("the indentation does not line up with the lines above"),
    "did not find expected '-' indicator": _(
        "a list entry is missing its “- ” or is indented wrongly"
    ),
    "expected <block end>, but found '<block mapping start>'": _(
        "the indentation does not line up with the lines above"
    ),
    "expected <block end>, but found '<block sequence start>'": _(
        "the indentation does not line up with the lines above"
    ),
    "expected <block end>, but found '-'": _(
        "the indentation does not line up with the lines above"
    ),
    "found unexpected end of stream": _("the text ends inside a quotation or bracket"),
    "found unexpected ':'": _("an unexpected colon"),
    "found undefined alias": _("an alias (*name) refers to no anchor (&name)"),
    "found duplicate anchor": _("an anchor (&name) is defined twice"),
    "found unhashable key": _("a key is a list or a mapping; keys must be plain text"),
    "could not find expected ':'": _("a key is missing its colon"),
    "found character that cannot start any token": _("a character that cannot start a value"),
    "found unknown escape character": _("an unknown escape sequence (\\…) in a quoted text"),
    "expected ',' or ']', but got": _("a list in [ ] is not closed properly"),
    "expected ',' or '}', but got": _("a mapping in { } is not closed properly"),
    "found a NUL character": _("a NUL character"),
    "special characters are not allowed": _("a control character that YAML does not allow"),
}
YAML_PROBLEM_OTHER = _("the text is not well-formed YAML")

# --- text ------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if "\x00" in value:
        return str(NUL_CHARACTER)
    if _SURROGATE.search(value):
        return str(LONE_SURROGATE)
    return None


@deconstructible
class PlainTextValidator:
    """Django's ProhibitNullCharactersValidator plus lone surrogates: for model and form
    fields (a form field already has the NUL check; the model field needs both)."""

    def __call__(self, value: Any) -> None:
        if value is None:
            return
        ProhibitNullCharactersValidator(message=NUL_CHARACTER)(value)
        if _SURROGATE.search(str(value)):
            raise ValidationError(LONE_SURROGATE, code="surrogate")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainTextValidator)

    def __hash__(self) -> int:
        return hash(PlainTextValidator)


validate_plain_text = PlainTextValidator()


def check_text(value: Any, *, max_length: int | None = None, label: Any = None) -> str:
    """`value` as text that both databases store, or a ValidationError in Chinese."""
    text = "" if value is None else str(value)
    problem = text_problem(text)
    if problem is None and max_length is not None and len(text) > max_length:
        problem = str(TOO_LONG % {"max": max_length, "length": len(text)})
    if problem is not None:
        raise ValidationError(
            FIELD_PROBLEM % {"label": label, "problem": problem} if label else problem
        )
    return text


# --- numbers ---------------------------------------------------------------------------------


def parse_number(text: str, *, places: int = NUMBER_MAX_PLACES) -> Decimal:
    """A finite decimal below 10**NUMBER_MAX_DIGITS with at most `places` decimal places.

    Raises ValidationError (never InvalidOperation or OverflowError) for anything else,
    including 1e30, Infinity, NaN and sNaN. The caller strips thousands separators first."""
    shown = text if len(text) <= NUMBER_TEXT_MAX else text[:NUMBER_TEXT_MAX] + "…"
    if len(text) > NUMBER_TEXT_MAX:
        raise ValidationError(NUMBER_TOO_LARGE % {"value": shown, "digits": NUMBER_MAX_DIGITS})
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(NOT_A_NUMBER % {"value": shown}, code="invalid") from None
    if not number.is_finite():
        raise ValidationError(NOT_FINITE % {"value": shown})
    # adjusted() is the exponent of the leading digit: no arithmetic, so no Overflow even
    # for 1E+999999999 (abs() would round it in the context and raise).
    if number and number.adjusted() >= NUMBER_MAX_DIGITS:
        raise ValidationError(NUMBER_TOO_LARGE % {"value": shown, "digits": NUMBER_MAX_DIGITS})
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if exponent < -places and (number.adjusted() < -places or number != round(number, places)):
        raise ValidationError(NUMBER_TOO_PRECISE % {"value": shown, "places": places})
    return number


# --- dates -----------------------------------------------------------------------------------


def check_date(value: dt.date | None, *, year_min: int = YEAR_MIN) -> dt.date | None:
    """A date in year_min..YEAR_MAX (a datetime is checked on its own year)."""
    if value is None:
        return None
    if not year_min <= value.year <= YEAR_MAX:
        raise ValidationError(DATE_OUT_OF_RANGE % {"min": year_min, "max": YEAR_MAX})
    return value


def check_moment(value: dt.datetime | None) -> dt.datetime | None:
    """A workflow time (publication, schedule): 2000..2099, aware (naive means local)."""
    if value is None:
        return None
    check_date(value, year_min=MOMENT_YEAR_MIN)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


# --- structured data -------------------------------------------------------------------------


def check_document(
    value: Any,
    *,
    max_depth: int = DOCUMENT_MAX_DEPTH,
    max_chars: int = DOCUMENT_MAX_CHARS,
    max_nodes: int = DOCUMENT_MAX_NODES,
) -> Any:
    """A JSON document both databases store and every reader can read back: plain text keys
    and strings, finite numbers within double precision, bounded depth, nodes and size.
    Iterative, so a hostile depth cannot exhaust the recursion limit while checking."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise ValidationError(DOCUMENT_TOO_LARGE % {"max": max_chars})
        if depth > max_depth:
            raise ValidationError(DOCUMENT_TOO_DEEP % {"max": max_depth})
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise ValidationError(problem)
        elif item is None or isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                raise ValidationError(DOCUMENT_BAD_NUMBER)
        elif isinstance(item, float):
            if not math.isfinite(item) or abs(item) > MAX_SAFE_INTEGER:
                raise ValidationError(DOCUMENT_BAD_NUMBER)
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise ValidationError(DOCUMENT_BAD_VALUE)
                problem = text_problem(key)
                if problem:
                    raise ValidationError(problem)
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
        else:
            raise ValidationError(DOCUMENT_BAD_VALUE)
    if len(json.dumps(value, ensure_ascii=False)) > max_chars:
        raise ValidationError(DOCUMENT_TOO_LARGE % {"max": max_chars})
    return value


# --- the content of a disclosure -------------------------------------------------------------


def check_disclosure_content(
    *,
    title: str | None = None,
    body: str | None = None,
    period: str | None = None,
    event_date: dt.date | None = None,
    data: Any = None,
    reason: str | None = None,
) -> None:
    """Everything a draft, an edit or a correction writes, checked before writing: raises one
    ValidationError keyed by field name (a form shows each message at its field)."""
    problems: dict[str, list[str]] = {}

    def check(name: str, run: Any) -> None:
        try:
            run()
        except ValidationError as exc:
            problems.setdefault(name, []).extend(exc.messages)

    if title is not None:
        check("title", lambda: check_text(title.strip(), max_length=TITLE_MAX))
    if body is not None:
        check("body", lambda: check_text(body, max_length=BODY_MAX))
    if period is not None:
        check("period", lambda: check_text(period.strip(), max_length=PERIOD_MAX))
    if event_date is not None:
        check("event_date", lambda: check_date(event_date))
    if data is not None:
        check("data", lambda: check_document(data))
    if reason is not None:
        check("reason", lambda: check_text(reason, max_length=REASON_MAX))
    if problems:
        raise ValidationError(problems)


# --- YAML ------------------------------------------------------------------------------------


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested deeper than `max_depth` while composing
    (PyYAML composes recursively: a deep document would otherwise exhaust Python's
    recursion limit) and counts nodes, aliases counted at their expanded size."""

    max_depth = YAML_MAX_DEPTH
    max_nodes = YAML_MAX_NODES

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            anchor = event.anchor
            if anchor in self.anchors:
                self._count(self._sizes.get(id(self.anchors[anchor]), 1), event)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self.max_depth:
            mark = self.peek_event().start_mark
            raise _TooDeep(mark.line + 1)
        before = self._nodes
        self._count(1, self.peek_event())
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._sizes[id(node)] = self._nodes - before
        return node

    def _count(self, n: int, event: Any) -> None:
        self._nodes += n
        if self._nodes > self.max_nodes:
            raise _TooBig()


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _TooBig(Exception):
    pass


def yaml_problem_text(exc: yaml.YAMLError) -> str:
    """A PyYAML error as a Chinese sentence with its line and column."""
    problem = str(getattr(exc, "problem", "") or getattr(exc, "context", "") or "")
    chinese: Any = YAML_PROBLEM_OTHER
    for english, translated in YAML_PROBLEMS.items():
        if problem.startswith(english) or english in problem:
            chinese = translated
            break
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return str(YAML_SYNTAX_NO_PLACE % {"problem": chinese})
    return str(YAML_SYNTAX % {"line": mark.line + 1, "column": mark.column + 1, "problem": chinese})


def load_yaml(
    content: str | bytes,
    *,
    max_bytes: int = YAML_MAX_BYTES,
    max_depth: int = YAML_MAX_DEPTH,
    max_nodes: int = YAML_MAX_NODES,
) -> Any:
    """yaml.safe_load with bounded input size, depth and expanded size; every problem is a
    ValidationError with a Chinese sentence (line and column for syntax errors)."""
    if isinstance(content, bytes):
        if len(content) > max_bytes:
            raise ValidationError(YAML_TOO_LARGE % {"max": max_bytes // 1024})
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(YAML_NOT_UTF8) from None
    elif len(content) > max_bytes:
        raise ValidationError(YAML_TOO_LARGE % {"max": max_bytes // 1024})
    problem = text_problem(content)
    if problem:
        raise ValidationError(problem)
    loader_class = type(
        "_Loader", (_BoundedLoader,), {"max_depth": max_depth, "max_nodes": max_nodes}
    )
    loader = None
    try:
        loader = loader_class(content)  # the reader already refuses control characters
        doc = loader.get_single_data()
    except _TooDeep as exc:
        raise ValidationError(YAML_TOO_DEEP % {"max": max_depth, "line": exc.line}) from None
    except _TooBig:
        raise ValidationError(YAML_TOO_BIG % {"max": max_nodes}) from None
    except yaml.YAMLError as exc:
        raise ValidationError(yaml_problem_text(exc)) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ValidationError(YAML_PROBLEM_OTHER) from None
    finally:
        if loader is not None:
            loader.dispose()
    check_yaml_values(doc, max_nodes=max_nodes)
    return doc


def check_yaml_values(doc: Any, *, max_nodes: int = YAML_MAX_NODES) -> None:
    """Text and numbers in a loaded YAML document that the database can store: no NUL or
    lone surrogate (escapes such as "\\0" produce them after loading), finite floats.
    Walks at most `max_nodes` values, counting shared (aliased) values each time."""
    stack = [doc]
    seen = 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > max_nodes:
            raise ValidationError(YAML_TOO_BIG % {"max": max_nodes})
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise ValidationError(problem)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValidationError(NOT_FINITE % {"value": item})
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_TYPE_NAMES: dict[type, Any] = {
    dict: _("a mapping"),
    list: _("a list"),
    str: _("text"),
    int: _("a number"),
    float: _("a number"),
    bool: _("yes/no"),
    type(None): _("empty"),
}


def type_name(value: Any) -> str:
    return str(_TYPE_NAMES.get(type(value), _("a value")))


def expect_mapping(value: Any, where: Any) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise ValidationError(EXPECTED_MAPPING % {"where": where, "got": type_name(value)})
    return value


def expect_list(value: Any, where: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(EXPECTED_LIST % {"where": where, "got": type_name(value)})
    return value
