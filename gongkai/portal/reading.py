"""What the portal's pages show, composed from the rules that live elsewhere.

Nothing here decides visibility: every disclosure comes from `Disclosure.objects.visible_to`
(or passed `can_see`), content is the masked bytes stored with the published revision
(`published_content`) and is only shown when `shows_content` allows. This module only
arranges what those rules let through: the
columns of an organization page, the structured data as a table, the public timeline and
the ledger's entries (which of them are opaque is `gongkai.ledger.public`'s question).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import segno
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from gongkai import permissions
from gongkai.catalog.effective import applicable_catalog
from gongkai.catalog.models import Catalog, Domain, Item, Scope
from gongkai.compliance import notices as compliance_notices
from gongkai.disclosures import events
from gongkai.disclosures.content import sanitize_html
from gongkai.disclosures.models import Disclosure, Revision, State
from gongkai.disclosures.visibility import published_content, published_text, timeline_reason
from gongkai.ledger import public
from gongkai.ledger.models import DISCLOSURE_KINDS, Kind, Log, LogEntry, SignedHead
from gongkai.organizations.models import Organization

#: Disclosures listed per catalog item on an organization page; one more is read to know
#: whether the item's own page has more ("more" link, never a count over its history).
PER_ITEM = 3
#: The newest disclosures leading an organization page, and those on show now.
LATEST = 8
ON_SHOW = 10

#: Columns read for a listed disclosure. The body and the data stay in the database: a
#: listing shows the (masked) title only.
LISTED_FIELDS = (
    "id",
    "organization_id",
    "title",
    "period",
    "scope",
    "state",
    "publish_from",
    "public_from",
    "publicity_until",
    "withdrawn_at",
    "mask_exceptions",
    "item",
    "item__key",
    "item__name",
    "published_revision",
    "published_revision__title",
    "published_revision__published_title",
    "published_revision__published_period",
)

# Marks on what a member sees because they are inside.
PARTY = "party"
INSTITUTION = "institution"
PARTY_FIRST = "party_first"
MARK_LABELS = {
    PARTY: _("Inside the party"),
    INSTITUTION: _("Inside the unit"),
    PARTY_FIRST: _("Inside the party first"),
}


def listed(
    queryset: QuerySet[Disclosure], *, with_organization: bool = False
) -> QuerySet[Disclosure]:
    """A listing's columns: the disclosure, its item and its published title (and its
    organization, for lists that span organizations)."""
    if with_organization:
        return queryset.select_related("item", "published_revision", "organization").only(
            *LISTED_FIELDS, "organization", "organization__name", "organization__code"
        )
    return queryset.select_related("item", "published_revision").only(*LISTED_FIELDS)


def shown_title(disclosure: Disclosure) -> str:
    """The title as published (the masked bytes stored at publication), without loading the
    body or the data of the published revision."""
    revision = disclosure.published_revision
    if revision is not None and revision.published_title is not None:
        return revision.published_title
    title = revision.title if revision is not None else disclosure.title
    return published_text(disclosure, title)


def shown_period(disclosure: Disclosure) -> str:
    """The period or event text as published, masked like the content."""
    revision = disclosure.published_revision
    if revision is not None and revision.published_period is not None:
        return revision.published_period
    return published_text(disclosure, disclosure.period)


def mark(disclosure: Disclosure, now: dt.datetime) -> str:
    """Why a reader sees this: empty when it is open to society now, otherwise the inside
    audience it is shown to (the reader is one of them, or it would not be listed)."""
    if disclosure.scope == Scope.PARTY:
        return PARTY
    if disclosure.scope == Scope.INSTITUTION:
        return INSTITUTION
    if disclosure.public_from is None or disclosure.public_from > now:
        return PARTY_FIRST
    return ""


@dataclass
class Listing:
    """A disclosure as a line of a list."""

    disclosure: Disclosure
    title: str
    mark: str
    period: str = ""

    @property
    def mark_label(self) -> str:
        return str(MARK_LABELS[self.mark]) if self.mark else ""

    @property
    def withdrawn(self) -> bool:
        return self.disclosure.state == State.WITHDRAWN


def as_listings(disclosures: list[Disclosure], now: dt.datetime) -> list[Listing]:
    return [Listing(d, shown_title(d), mark(d, now), shown_period(d)) for d in disclosures]


@dataclass
class ItemColumn:
    key: str
    name: str
    scope: str
    listings: list[Listing] = field(default_factory=list)
    #: The reader may see more disclosures of the item than are listed (one more was read).
    more: bool = False
    #: Approved exemptions and deferrals standing in the item's place, for this reader.
    notices: list[compliance_notices.Notice] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.listings and not self.notices


@dataclass
class Section:
    key: str
    name: str
    description: str
    items: list[ItemColumn] = field(default_factory=list)
    #: 党务公开 (the default), or 政务公开 / 村务公开 where the town runs them beside it on the
    #: same page and board (a catalog category's domain): shown as a label on the section.
    domain: str = "party"

    @property
    def domain_label(self) -> str:
        return "" if self.domain == Domain.PARTY else str(Domain(self.domain).label)

    @property
    def shown_items(self) -> list[ItemColumn]:
        return [item for item in self.items if not item.empty]

    @property
    def empty_items(self) -> list[ItemColumn]:
        return [item for item in self.items if item.empty]

    @property
    def empty(self) -> bool:
        return not self.shown_items


@dataclass
class OrganizationPage:
    catalog: Catalog | None
    sections: list[Section]
    #: The reader is a member or staff of the organization (sees its party-internal items).
    inside: bool
    #: What is new: the newest disclosures the reader may see, any item.
    latest: list[Listing] = field(default_factory=list)
    #: What is on show now: publicity period still running, soonest to end first.
    on_show: list[Listing] = field(default_factory=list)

    @property
    def shown_sections(self) -> list[Section]:
        return [section for section in self.sections if not section.empty]

    @property
    def empty_sections(self) -> list[Section]:
        return [section for section in self.sections if section.empty]


def item_rows(items: list[Any]) -> dict[int, str]:
    """{Item row id: key} for the effective items: every row of each item's key in the layer
    that defines it (an item edited in a later catalog version is a new row with the same
    key; disclosures made earlier name the old row). One query, bounded by the catalog's
    size and history, never by the disclosures."""
    if not items:
        return {}
    condition = Q()
    by_origin: dict[int, set[str]] = {}
    for item in items:
        by_origin.setdefault(item.origin.pk, set()).add(item.key)
    for origin, keys in by_origin.items():
        condition |= Q(catalog_id=origin, key__in=sorted(keys))
    return dict(Item.objects.filter(condition).values_list("pk", "key"))


def newest_per_item(
    visible: QuerySet[Disclosure], org: Organization, item_ids: list[int], per_item: int
) -> list[Disclosure]:
    """The newest `per_item` visible disclosures of `org` for each catalog item row in
    `item_ids`, in one query whose work is bounded by what is shown.

    One `LIMIT per_item` subquery per item row, each an ordered range scan of the index
    (organization, item, publish_from desc, id desc), joined by UNION ALL and read back by
    primary key: rows read ≤ len(item_ids) × per_item (plus invisible rows skipped), never
    the organization's whole history, which is what a window (ROW_NUMBER over every
    visible disclosure, partitioned by item) read and sorted. UNION ALL of limited
    subqueries rather than LATERAL because SQLite has no LATERAL; the same SQL runs on both.
    Disclosures on items outside the catalog are not read here (no query per such item):
    they show among the newest and on the organization's full list."""
    if not item_ids:
        return []
    # The parts differ only in the item: the SQL is compiled once, with a stand-in for the
    # item's id, and repeated with each id (compiling the visibility rule once per item was
    # a third of the page's time at 35 items).
    sql, params = _newest_sql(visible.filter(organization=org, item_id=_ITEM_STAND_IN), per_item)
    slots = [n for n, value in enumerate(params) if type(value) is int and value == _ITEM_STAND_IN]
    if len(slots) != 1:  # not one plain parameter: compile each part
        own = visible.filter(organization=org)
        return newest_of(
            [own.filter(item_id=item_id) for item_id in item_ids], per_item, limit=None
        )
    members = []
    for item_id in item_ids:
        filled = list(params)
        filled[slots[0]] = item_id
        members.append((sql, filled))
    return _union_of(members, limit=None)


#: The item id compiled into `newest_per_item`'s SQL and replaced by each real one: no row
#: has it (ids are positive), and no other parameter of that query equals it.
_ITEM_STAND_IN = -(2**62) + 7919


def newest_of(
    parts: Sequence[QuerySet[Disclosure]], per_part: int, *, limit: int | None
) -> list[Disclosure]:
    """The listing rows of the newest `per_part` disclosures of each queryset in `parts`
    (each ordered by the index it filters on), newest first overall, at most `limit`: one
    query, a UNION ALL of the limited parts read back by primary key."""
    return _union_of([_newest_sql(part, per_part) for part in parts], limit=limit)


def _newest_sql(
    part: QuerySet[Disclosure], per_part: int, field: str = "publish_from"
) -> tuple[str, Sequence[Any]]:
    """The SQL and parameters of the keys of `part`'s newest `per_part` disclosures, by
    (`field`, pk) descending."""
    sub = part.order_by(f"-{field}", "-pk").values("pk")[:per_part]
    return sub.query.get_compiler(using=sub.db).as_sql()


def union_of_keys(members: Sequence[tuple[str, Sequence[Any]]]) -> RawSQL:
    """The keys the member queries select, as one UNION ALL for `pk__in`."""
    union = " UNION ALL ".join(
        f"SELECT * FROM ({sql}) AS newest_{n}" for n, (sql, _params) in enumerate(members)
    )
    return RawSQL(union, [value for _sql, params in members for value in params])


def _union_of(
    members: Sequence[tuple[str, Sequence[Any]]], *, limit: int | None
) -> list[Disclosure]:
    """The listing rows whose keys the member queries select (UNION ALL), newest first."""
    if not members:
        return []
    rows = listed(Disclosure.objects.filter(pk__in=union_of_keys(members))).order_by(
        "-publish_from", "-pk"
    )
    return list(rows if limit is None else rows[:limit])


def organization_page(
    org: Organization,
    user: Any,
    visible: QuerySet[Disclosure],
    now: dt.datetime,
    *,
    notices: dict[str, list[compliance_notices.Notice]] | None = None,
) -> OrganizationPage:
    """What is new and on show now, then one section per category of the organization's
    published catalog (only the items that apply to it: `applicable_catalog`), each item
    with the newest disclosures the reader may see. A fixed number of queries, each bounded
    by what the page shows (see `newest_per_item`).

    Items whose scope is inside the party or the unit are listed only for readers inside (or
    where the reader may see one of its disclosures, or the notice of an exemption whose
    decision chose a wider audience), so an outsider's page names no party-internal item
    otherwise. The template folds the categories and items with nothing to show into one
    line each. `notices`: the reader's current notices (`compliance.notices.shown_to`),
    where the caller has them already.
    """
    inside = permissions.can_read_party_internal(user, org)
    own = visible.filter(organization=org)
    latest = as_listings(
        list(listed(own.exclude(state=State.WITHDRAWN)).order_by("-publish_from", "-pk")[:LATEST]),
        now,
    )
    # Soonest to end first: the range scan reads only what is still on show.
    on_show = as_listings(
        list(
            listed(own.exclude(state=State.WITHDRAWN).filter(publicity_until__gt=now)).order_by(
                "publicity_until", "pk"
            )[:ON_SHOW]
        ),
        now,
    )
    applicable = applicable_catalog(org)
    catalog = applicable.catalog if applicable is not None else None
    items = applicable.items if applicable is not None else []
    rows = item_rows(items)
    found: dict[str, list[Disclosure]] = {}
    for disclosure in newest_per_item(visible, org, sorted(rows), PER_ITEM + 1):
        found.setdefault(rows[disclosure.item_id], []).append(disclosure)
    if notices is None:
        notices = compliance_notices.shown_to(user, org, timezone.localdate(now))

    sections: list[Section] = []
    if applicable is not None:
        # Only the items that apply to this organization: a village's page does not list
        # the town committee's own items as having nothing disclosed.
        for category in applicable.categories:
            section = Section(
                category.key, category.name, category.description, domain=category.domain
            )
            for item in category.items:
                scope = item.value("scope")
                listed_rows = found.get(item.key, [])
                if (
                    scope != Scope.PUBLIC
                    and not inside
                    and not listed_rows
                    and item.key not in notices
                ):
                    continue
                section.items.append(
                    ItemColumn(
                        item.key,
                        item.value("name"),
                        scope,
                        as_listings(listed_rows[:PER_ITEM], now),
                        len(listed_rows) > PER_ITEM,
                        notices.get(item.key, []),
                    )
                )
            sections.append(section)
    return OrganizationPage(catalog, sections, inside, latest, on_show)


def key_rows(key: str) -> list[int]:
    """Every catalog item row carrying `key` (its versions, in the layer defining it)."""
    return list(Item.objects.filter(key=key).values_list("pk", flat=True)[:MAX_KEY_ROWS])


#: Rows of one item key read for an item's page (a key's versions; far more than any
#: catalog keeps).
MAX_KEY_ROWS = 200


def catalog_item(org: Organization, key: str, *, inside: bool) -> tuple[str, str] | None:
    """(name, scope) of an item of the organization's current catalog, as the organization
    page would name it to this reader: items inside the party only to those inside."""
    applicable = applicable_catalog(org)
    return catalog_item_heading(
        applicable.find(key) if applicable is not None else None, inside=inside
    )


def catalog_item_heading(item: Any, *, inside: bool) -> tuple[str, str] | None:
    """(name, scope) of an effective item as shown to this reader, or None."""
    if item is None:
        return None
    scope = str(item.value("scope"))
    if scope != Scope.PUBLIC and not inside:
        return None
    return str(item.value("name")), scope


# -- the disclosure page --------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_text(v)}" for k, v in value.items())
    return str(value)


@dataclass
class StructuredData:
    #: (label, value) of the single fields.
    fields: list[tuple[str, str]]
    columns: list[str]
    rows: list[list[str]]

    def __bool__(self) -> bool:
        return bool(self.fields or self.rows)


def structured(form: dict[str, Any] | None, data: Any) -> StructuredData:
    """The item's form filled with a revision's (already masked) data, as labelled fields and
    a table. Keys the form does not name (an older form, pasted extras) keep their key as the
    label, so nothing published is silently left out."""
    form = form if isinstance(form, dict) else {}
    data = data if isinstance(data, dict) else {}
    field_defs = [f for f in form.get("fields") or [] if isinstance(f, dict)]
    column_defs = [c for c in form.get("columns") or [] if isinstance(c, dict)]
    labels = {str(f.get("key")): str(f.get("label") or f.get("key")) for f in field_defs}

    values: dict[str, Any] = {}
    if isinstance(data.get("fields"), dict):
        values.update(data["fields"])
    values.update({k: v for k, v in data.items() if k not in ("fields", "rows")})
    fields = [(labels[k], _text(values[k])) for k in labels if k in values]
    fields += [(str(k), _text(v)) for k, v in values.items() if k not in labels]

    raw_rows = data.get("rows") if isinstance(data.get("rows"), list) else []
    keys = [str(c.get("key")) for c in column_defs]
    columns = [str(c.get("label") or c.get("key")) for c in column_defs]
    for row in raw_rows:
        if isinstance(row, dict):
            for k in row:
                if str(k) not in keys:
                    keys.append(str(k))
                    columns.append(str(k))
    rows: list[list[str]] = []
    for row in raw_rows:
        if isinstance(row, dict):
            rows.append([_text(row.get(k)) for k in keys])
        elif isinstance(row, list | tuple):
            rows.append([_text(v) for v in row])
    width = max([len(columns), *(len(r) for r in rows)], default=0)
    columns += [""] * (width - len(columns))
    return StructuredData(fields, columns, [r + [""] * (width - len(r)) for r in rows])


def shown_reason(disclosure: Disclosure, text: str) -> str:
    """A reason that stays on show (a correction's, a withdrawal's), with personal numbers
    masked as in the content."""
    return published_text(disclosure, text)


@dataclass
class ShownRevision:
    revision: Revision
    title: str
    #: The correction's reason (empty for the first publication).
    note: str
    body: str
    data: StructuredData
    #: Something in it (title, body or data) is shown masked.
    masked: bool
    #: The version readers are told: 1 for the first publication, one more per correction
    #: (`Revision.public_number`, stored at publication), never counting drafts.
    version: int = 0


def has_masked(disclosure: Disclosure, revision: Revision) -> bool:
    """Whether what is published of `revision` differs from what is stored: a personal
    number in it is shown masked."""
    shown = published_content(disclosure, revision)
    return not (
        shown["title"] == revision.title
        and shown["body"] == revision.body
        and shown["data"] == (revision.data if revision.data is not None else {})
    )


def published_revisions(disclosure: Disclosure, now: dt.datetime) -> list[Revision]:
    """The revisions the public has been shown (never the submitted drafts), newest first."""
    return list(
        disclosure.revisions.filter(published_at__isnull=False, published_at__lte=now).order_by(
            "-number"
        )
    )


def shown_versions(disclosure: Disclosure, now: dt.datetime) -> list[ShownRevision]:
    """Every published version, newest first, as shown: the one on show is the revision
    loaded with the disclosure (never read again); the earlier ones come in one query, none
    when the one on show is the first public version. Versions are numbered by
    `Revision.public_number`; rows written without it (fixtures, generators) are numbered
    by their place."""
    current = disclosure.published_revision
    if current is None:
        revisions = published_revisions(disclosure, now)
    elif current.public_number == 1:  # the first version the public saw: none before it
        revisions = [current]
    else:
        revisions = [
            current,
            *disclosure.revisions.filter(published_at__isnull=False, published_at__lte=now)
            .exclude(pk=current.pk)
            .order_by("-number"),
        ]
    total = len(revisions)
    return [
        show_revision(disclosure, r, version=r.public_number or total - index)
        for index, r in enumerate(revisions)
    ]


def show_revision(
    disclosure: Disclosure, revision: Revision, *, version: int | None = None
) -> ShownRevision:
    shown = published_content(disclosure, revision)
    # The form as the item's rules said when the disclosure was made (the snapshot).
    form = disclosure.rule("form")
    return ShownRevision(
        revision=revision,
        title=str(shown["title"]),
        # Stored masked at publication; a row written without it is masked now.
        note=(
            revision.published_note
            if revision.published_note is not None
            else shown_reason(disclosure, revision.note)
        ),
        # Stored bodies were sanitised when written; cleaning again costs little and keeps
        # the page safe whatever wrote the row.
        body=sanitize_html(str(shown["body"])),
        data=structured(form, shown["data"]),
        masked=has_masked(disclosure, revision),
        version=version if version is not None else (revision.public_number or 0),
    )


@dataclass
class TimelineEntry:
    at: dt.datetime
    #: What happened, as the event's stored sentence.
    action: str
    #: The role it was done in, as stored when it happened: never a person's name.
    who: str
    reason: str
    #: The event's kind (`EventKind`).
    kind: str = ""


def timeline(disclosure: Disclosure) -> list[TimelineEntry]:
    """The public timeline: the events meant for the public, by role. Only a correction's and
    a withdrawal's reasons are shown (masked); a return's are the reviewers' working notes."""
    entries = []
    for event in events.public_events(disclosure):
        reason = timeline_reason(disclosure, event.action, event.reason)
        entries.append(
            TimelineEntry(
                event.at, event.sentence, str(event.get_role_display()), reason, event.action
            )
        )
    return entries


def consulted(entries: list[TimelineEntry]) -> bool:
    """Whether the public timeline records a consultation opened: opinions are only taken
    while one is open (`workflow.add_opinion`), so without it there are none to read."""
    return any(entry.kind == events.EventKind.OPEN_CONSULTATION for entry in entries)


# -- the ledger ------------------------------------------------------------------------------


@dataclass
class LedgerLine:
    """One entry of a disclosure as its page lists it."""

    index: int
    at: dt.datetime
    #: The entry's kind, or empty for an entry the reader may not read (opaque).
    kind: str
    visible: bool


@dataclass
class HeadSummary:
    """A signed head in short form: its size, the start of its root hash and its time."""

    log: str
    size: int
    root_hash: str
    at: dt.datetime

    @property
    def root_prefix(self) -> str:
        return self.root_hash[:16]


def head_summary(log: str, head: SignedHead | None) -> HeadSummary | None:
    return HeadSummary(log, head.size, head.root_hash, head.at) if head is not None else None


def log_head(log: Log | None) -> HeadSummary | None:
    """The head `public.log_of` annotated its log with."""
    if log is None or getattr(log, "head_size", None) is None:
        return None
    return HeadSummary(log.name, log.head_size, log.head_root, log.head_at)  # type: ignore[attr-defined]


@dataclass
class LedgerBlock:
    """台账核验 on a disclosure's page: its entries, the log's current head, and where a phone
    fetches the proof (a QR code of the proof's address)."""

    log: str | None
    lines: list[LedgerLine]
    head: HeadSummary | None
    proof_url: str
    qr: str


def qr_svg(text: str, title: str) -> SafeString:
    """`text` as a QR code in inline SVG markup (no script, no style attribute: the CSP
    allows it)."""
    code = segno.make(text, error="m")
    # segno writes the markup itself and escapes the title.
    svg = code.svg_inline(scale=3, border=2, light="#fff", svgclass="qr", title=title)
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


def ledger_block(proof: public.DisclosureProof, proof_url: str) -> LedgerBlock:
    lines = [
        LedgerLine(entry.index, entry.at, str(Kind(entry.kind).label) if visible else "", visible)
        for entry, visible in proof.entries
    ]
    return LedgerBlock(
        log=proof.log,
        lines=lines,
        head=head_summary(proof.log or "", proof.head),
        proof_url=proof_url,
        qr=qr_svg(proof_url, str(_("Address of this disclosure's ledger proof"))),
    )


@dataclass
class LogEntryLine:
    """One entry on a log's public page. An opaque one shows what its leaf hashes (index,
    time, organization, commitment); a readable one adds its kind, hashes and what it is
    about."""

    entry: LogEntry
    visible: bool
    kind: str = ""
    #: A disclosure entry's document: its title and the disclosure to link to.
    title: str = ""
    disclosure_id: int | None = None
    revision: int | None = None
    #: A witness entry: the witnessed log and size; a checkpoint entry: the old chain's length.
    witnessed_log: str = ""
    witnessed_size: int | None = None
    legacy_length: int | None = None


def log_entry_line(entry: LogEntry, visible: bool) -> LogEntryLine:
    line = LogEntryLine(entry, visible)
    if not visible:
        return line
    line.kind = str(Kind(entry.kind).label)
    document = json.loads(entry.document)
    if entry.kind in DISCLOSURE_KINDS:
        line.title = str(document.get("title", ""))
        line.disclosure_id = entry.disclosure_id
        line.revision = document.get("revision")
    elif entry.kind == Kind.WITNESS:
        line.witnessed_log = str(document.get("log", ""))
        line.witnessed_size = document.get("size")
    elif entry.kind == Kind.CHECKPOINT:
        line.legacy_length = (document.get("legacy_chain") or {}).get("length")
    return line
