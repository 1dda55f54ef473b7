"""What a printed board shows, composed from the rules that live elsewhere.

Nothing here decides visibility: the disclosures come from
`Disclosure.objects.visible_to(reader, now)` (an anonymous reader for the public board, the
member for the activity-room board), narrowed to what is on show now (published, its
publicity period not over; withdrawn items are left off a board), and the text is the masked
bytes stored at publication (`published_content`), as the portal shows them.

The work is bounded by what fits: each column lists at most `Capacity.per_column` items (one
query with a window per category), titles and excerpts are cut with "详见二维码", and a column
with more says "更多内容请扫码" with a code to the organization's page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from gongkai.boards.models import PAGE_MM, Size, Variant
from gongkai.boards.spec import OTHER, BoardColumn, EffectiveSpec, columns_for, spec_for
from gongkai.catalog.models import Domain
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.visibility import published_content
from gongkai.ledger import public
from gongkai.organizations import tree
from gongkai.organizations.models import Organization
from gongkai.portal import reading

MORE = _("More on the portal: scan the code")
INSIDE_SUFFIX = _(" (members' activity room)")


@dataclass(frozen=True)
class Capacity:
    columns_per_page: int
    per_column: int
    title_chars: int
    excerpt_chars: int
    qr_mm: int


CAPACITY = {
    Size.A4: Capacity(columns_per_page=3, per_column=4, title_chars=30, excerpt_chars=0, qr_mm=20),
    Size.A3: Capacity(columns_per_page=4, per_column=6, title_chars=40, excerpt_chars=50, qr_mm=22),
    Size.A1: Capacity(
        columns_per_page=5, per_column=10, title_chars=60, excerpt_chars=120, qr_mm=30
    ),
}


def qr_svg(text: str, title: str) -> SafeString:
    """`text` as a QR code (never a Micro QR, which few readers decode) in inline SVG with a viewBox and no fixed size: the stylesheet
    sizes it in millimetres for the paper (segno writes and escapes the markup)."""
    code = segno.make_qr(text, error="m")  # never a Micro QR: phones and zbar read QR only
    svg = code.svg_inline(border=4, omitsize=True, light="#fff", svgclass="qr", title=title)
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))


def base_url(request: HttpRequest | None) -> str:
    """Where printed codes point: GONGKAI_SITE_URL when set, else the request's own host."""
    configured = str(getattr(settings, "GONGKAI_SITE_URL", "") or "").rstrip("/")
    if configured or request is None:
        return configured
    return f"{request.scheme}://{request.get_host()}"


def cut(text: str, limit: int) -> tuple[str, bool]:
    """`text` on one line, at most `limit` characters (then it ends with …)."""
    text = " ".join(text.split())
    if limit <= 0:
        return "", bool(text)
    if len(text) <= limit:
        return text, False
    return text[: max(1, limit - 1)] + "…", True


@dataclass
class BoardItem:
    disclosure_id: int
    title: str
    excerpt: str
    published: dt.datetime | None
    url: str
    qr: SafeString
    #: The title or the content was cut: the rest is on the page the code leads to.
    cut: bool
    #: Why a member sees it (inside the party, party first): empty on the public board.
    mark: str = ""


@dataclass
class ColumnContent:
    key: str
    title: str
    domain: str
    items: list[BoardItem] = field(default_factory=list)
    total: int = 0
    more_url: str = ""
    more_qr: SafeString | None = None

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    @property
    def domain_label(self) -> str:
        return str(Domain(self.domain).label) if self.domain in Domain.values else ""


@dataclass
class Board:
    organization: Organization
    variant: str
    size: str
    spec: EffectiveSpec
    capacity: Capacity
    pages: list[list[ColumnContent]]
    head: reading.HeadSummary | None
    phone: str
    phone_organization: Organization | None
    opinion_url: str
    opinion_qr: SafeString
    track_url: str
    portal_url: str
    at: dt.datetime

    @property
    def page_mm(self) -> tuple[int, int]:
        return PAGE_MM[Size(self.size)]

    @property
    def items(self) -> list[BoardItem]:
        return [item for page in self.pages for column in page for item in column.items]

    @property
    def disclosure_ids(self) -> list[int]:
        return [item.disclosure_id for item in self.items]

    @property
    def title(self) -> str:
        if self.variant == Variant.PUBLIC:
            line = self.spec.title_line or str(_("Party-affairs disclosure board"))
        elif self.spec.title_line:
            line = f"{self.spec.title_line}{INSIDE_SUFFIX}"
        else:
            line = str(_("Party-affairs disclosure board of the members' activity room"))
        return f"{self.organization.name}{line}"


def on_show(
    visible: QuerySet[Disclosure], org: Organization, now: dt.datetime
) -> QuerySet[Disclosure]:
    """What a board shows of what the reader may see: the organization's own disclosures on
    show now (published, publicity not over). Withdrawn, ended and archived ones are records,
    not board content."""
    return visible.filter(organization=org, state=State.PUBLISHED).filter(
        Q(publicity_until__isnull=True) | Q(publicity_until__gt=now)
    )


def newest_per_category(queryset: QuerySet[Disclosure], per_category: int) -> list[Disclosure]:
    """The newest `per_category` disclosures of each catalog category, each carrying
    `category_total`, in one query."""
    return list(
        queryset.select_related("item", "published_revision")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("item__category_key")],
                order_by=[F("publish_from").desc(), F("pk").desc()],
            ),
            category_total=Window(Count("pk"), partition_by=[F("item__category_key")]),
        )
        .filter(rank__lte=per_category)
        .order_by("item__category_key", "rank")
    )


def supervision_phone(org: Organization) -> tuple[str, Organization | None]:
    """The organization's supervision phone, or the nearest superior's (one query)."""
    if org.supervision_phone:
        return org.supervision_phone, org
    paths = tree.ancestor_paths(org.path)
    rows = Organization.objects.filter(path__in=paths).exclude(supervision_phone="")
    nearest = max(rows, key=lambda o: len(o.path), default=None)
    return (nearest.supervision_phone, nearest) if nearest is not None else ("", None)


def _item(
    d: Disclosure, capacity: Capacity, base: str, now: dt.datetime, inside: bool
) -> BoardItem:
    revision = d.published_revision
    if revision is not None:
        shown = published_content(d, revision)
        title, body = str(shown["title"]), strip_tags(str(shown["body"]))
    else:  # never for a published disclosure; kept safe for rows written around the workflow
        title, body = reading.shown_title(d), ""
    title, title_cut = cut(title, capacity.title_chars)
    excerpt, excerpt_cut = cut(body, capacity.excerpt_chars)
    url = base + reverse("portal:disclosure", args=[d.pk])
    mark = reading.mark(d, now) if inside else ""
    return BoardItem(
        disclosure_id=d.pk,
        title=title,
        excerpt=excerpt,
        published=d.publish_from,
        url=url,
        qr=qr_svg(url, title),
        cut=title_cut or (excerpt_cut and capacity.excerpt_chars > 0),
        mark=str(reading.MARK_LABELS[mark]) if mark else "",
    )


def build(
    org: Organization,
    *,
    variant: str = Variant.PUBLIC,
    size: str | None = None,
    user: Any = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Board:
    """The board of `org`. The public variant reads as an anonymous reader, whoever asks;
    the inside variant reads as `user` (the caller checked they are inside)."""
    now = now or timezone.now()
    spec = spec_for(org)
    size = size if size in Size.values else spec.size
    capacity = CAPACITY[Size(size)]
    reader = user if variant == Variant.INSIDE else AnonymousUser()
    base = base_url(request)
    inside = variant == Variant.INSIDE

    columns: list[BoardColumn] = columns_for(org, spec)
    column_of: dict[str, ColumnContent] = {}
    contents: list[ColumnContent] = []
    for column in columns:
        content = ColumnContent(column.key, column.title, column.domain)
        contents.append(content)
        for key in column.categories:
            column_of.setdefault(key, content)
    other = next(c for c in contents if c.key == f"{OTHER}_{Domain.PARTY}")
    portal_url = base + reverse("portal:organization", args=[org.code])

    rows = newest_per_category(
        on_show(Disclosure.objects.visible_to(reader, now), org, now), capacity.per_column
    )
    counted: set[str] = set()
    for d in rows:
        key = d.item.category_key
        target = column_of.get(key, other)
        if key not in counted:
            target.total += int(getattr(d, "category_total", 1))
            counted.add(key)
        target.items.append(d)  # type: ignore[arg-type]  # converted below

    for content in contents:
        found: list[Any] = sorted(
            content.items, key=lambda d: (d.publish_from or now, d.pk), reverse=True
        )
        content.items = [
            _item(d, capacity, base, now, inside) for d in found[: capacity.per_column]
        ]
        if content.more > 0:
            content.more_url = portal_url
            content.more_qr = qr_svg(portal_url, str(MORE))
    # Empty "other" columns are left off; a named column stays, saying nothing is on show.
    shown = [c for c in contents if c.items or not c.key.startswith(OTHER)]
    per_page = capacity.columns_per_page
    pages = [shown[i : i + per_page] for i in range(0, len(shown), per_page)] or [[]]

    phone, phone_org = supervision_phone(org)
    opinion_url = base + reverse("engagement:opinion_new", args=[org.code])
    return Board(
        organization=org,
        variant=variant,
        size=size,
        spec=spec,
        capacity=capacity,
        pages=pages,
        head=reading.log_head(public.log_of(org)),
        phone=phone,
        phone_organization=phone_org,
        opinion_url=opinion_url,
        opinion_qr=qr_svg(opinion_url, str(_("Leave an opinion"))),
        track_url=base + reverse("engagement:track"),
        portal_url=portal_url,
        at=now,
    )
