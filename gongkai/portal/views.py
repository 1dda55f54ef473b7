"""The portal: what members and the public read.

Every view starts from `Disclosure.objects.visible_to(request.user, now)`, the one rule, with
`now` taken once per request so a page never mixes two instants. A disclosure the reader may
not see is a 404, never a 403: the answer must not confirm that it exists. Pages depend on
who reads them and on the minute: a page read by an anonymous reader may be kept by a shared
cache for a few seconds (`gongkai.web.caching.public_page`), a member's never.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gongkai import permissions
from gongkai.boards.public import postings_for
from gongkai.catalog.models import Channel, Scope
from gongkai.compliance import notices
from gongkai.disclosures import attachments, changes
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.visibility import (
    ALL_ROLES,
    can_see,
    can_see_consultation,
    shows_content,
)
from gongkai.engagement.services import echo_scopes, wall_of
from gongkai.guard import limits
from gongkai.ledger import public
from gongkai.organizations import tree
from gongkai.organizations.models import Organization, Role
from gongkai.portal import consulting, content, diff, reading, stored, subtree
from gongkai.portal.forms import OpinionForm, PublicOpinionForm
from gongkai.precompiled import Precompiled
from gongkai.web.caching import expires_at, public_page
from gongkai.web.stored_pages import render_stored
from gongkai.web.views import refusal_text

#: Organizations per level of the tree shown at once.
TREE_PAGE_SIZE = 200
#: Newest disclosures on the start page.
NEWEST = 20


def _visible(request: HttpRequest, now: dt.datetime) -> QuerySet[Disclosure]:
    return Disclosure.objects.visible_to(request.user, now)


def _with_child_counts(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """Whether each organization has active ones below (`child_count` is 1 or 0): an EXISTS
    probe of the parent index per organization listed, never a COUNT over its children."""
    below = Organization.objects.filter(parent=OuterRef("pk"), is_active=True)
    return qs.annotate(child_count=Exists(below))


@require_safe
@public_page(changes=changes.site_page)
def start(request: HttpRequest) -> HttpResponse:
    """The home page: the newest disclosures across the tree (one ordered scan of the
    newest-first index, bounded), the organizations by area (the tree's top two levels, each
    with whether more lie below) and the search box. A fixed number of queries."""
    now = timezone.now()
    roots = list(
        _with_child_counts(Organization.objects.roots().filter(is_active=True)).order_by("path")[
            :TREE_PAGE_SIZE
        ]
    )
    areas = _areas(roots)
    newest = reading.listed(
        _visible(request, now).exclude(state=State.WITHDRAWN), with_organization=True
    ).order_by("-publish_from", "-pk")[:NEWEST]
    # Open public consultations for everyone; a member's own organizations' drafts too.
    consulting = _open_consultations(request.user, now)
    return render(
        request,
        "portal/start.html",
        {
            "roots": roots,
            "areas": areas,
            "newest": reading.as_listings(list(newest), now),
            "consulting": consulting,
        },
    )


#: Organizations listed under each area on the home page.
AREA_SIZE = 30


def _areas(roots: list[Organization]) -> list[tuple[Organization, list[Organization], bool]]:
    """(root, its first organizations below, whether there are more): one query for all
    roots, a bounded number per root."""
    if not roots:
        return []
    below = list(
        _with_child_counts(
            Organization.objects.filter(parent__in=[r.pk for r in roots], is_active=True)
        ).order_by("path")[: TREE_PAGE_SIZE * 2]
    )
    by_parent: dict[int, list[Organization]] = {}
    for org in below:
        by_parent.setdefault(org.parent_id or 0, []).append(org)
    return [
        (
            root,
            by_parent.get(root.pk, [])[:AREA_SIZE],
            len(by_parent.get(root.pk, [])) > AREA_SIZE,
        )
        for root in roots
    ]


@never_cache
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft out for consultation, for its audience only (`can_see_consultation`: the
    organization's members and staff; everyone for a public consultation), with the opinion
    form. Anyone else gets the same 404 as for a disclosure that does not exist."""
    draft = get_object_or_404(Disclosure.objects.select_related("organization", "item"), pk=pk)
    if not can_see_consultation(request.user, draft):
        raise Http404
    return _consultation_page(
        request,
        draft,
        request.user,
        "portal/consultation.html",
        reverse("portal:consultation", args=[pk]),
    )


@never_cache
def kiosk_consultation(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The same consultation on the kiosk (a public terminal in the village office, large
    type): only public consultations, and whoever may be signed in on the machine, opinions
    from it are the public's."""
    draft = get_object_or_404(
        Disclosure.objects.select_related("organization", "item"), pk=pk, organization__code=code
    )
    public = AnonymousUser()
    if not can_see_consultation(public, draft):
        raise Http404
    return _consultation_page(
        request,
        draft,
        public,
        "portal/kiosk_consultation.html",
        reverse("portal:kiosk_consultation", args=[code, pk]),
        # The kiosk's frame (engagement/kiosk/base.html) names the kiosk's organization.
        extra={"org": draft.organization},
    )


def _consultation_page(
    request: HttpRequest,
    draft: Disclosure,
    user: Any,
    template: str,
    here: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The consultation page and its form, by the rule of `consulting.give_opinion`: a
    member's opinion is recorded by account; one from the public (not signed in, or from the
    kiosk) is cleaned to plain text, counted against the guard's limits (the challenge past
    the soft limit, 429 past the hard limit, the form kept as typed), and recognised when the
    same text was already sent."""
    anonymous = not getattr(user, "is_authenticated", False)
    error, typed, author = "", "", ""
    if request.method == "POST":
        typed = request.POST.get("text", "")
        author = request.POST.get("author", "") if anonymous else ""
        form = (PublicOpinionForm if anonymous else OpinionForm)(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError([m for errors in form.errors.values() for m in errors])
            outcome = consulting.give_opinion(
                request,
                draft,
                user,
                text=form.cleaned_data["text"],
                author=form.cleaned_data.get("author", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            error = refusal_text(exc)
        else:
            if outcome.refusal is not None:
                context = _consultation_context(draft, user, here, typed=typed, author=author)
                return limits.refused(
                    request, outcome.refusal, template, {**context, **(extra or {})}
                )
            if outcome.duplicate:
                messages.info(request, _("The same opinion was received already; it is kept once."))
            else:
                messages.success(request, _("Your opinion has been received. Thank you."))
            return redirect(here)
    return render(
        request,
        template,
        {
            **_consultation_context(draft, user, here, error=error, typed=typed, author=author),
            **(extra or {}),
        },
        status=400 if error else 200,
    )


def _consultation_context(
    draft: Disclosure, user: Any, here: str, *, error: str = "", typed: str = "", author: str = ""
) -> dict[str, Any]:
    return {
        "d": draft,
        "here": here,
        **consulting.shown(draft, user, timezone.now()),
        "anonymous": not getattr(user, "is_authenticated", False),
        "error": error,
        "typed": typed,
        "author": author,
    }


@require_safe
@public_page
def children(request: HttpRequest, code: str) -> HttpResponse:
    """The next level of the organization tree, fetched by htmx when a node is opened."""
    org = get_object_or_404(Organization, code=code)
    kids = list(
        _with_child_counts(org.children.filter(is_active=True)).order_by("path")[
            : TREE_PAGE_SIZE + 1
        ]
    )
    return render(
        request,
        "portal/_children.html",
        {"nodes": kids[:TREE_PAGE_SIZE], "more": len(kids) > TREE_PAGE_SIZE, "parent": org},
    )


#: Disclosures listed per organization on a member's page, and across a supervisor's
#: assigned organizations.
MINE_PER_ORGANIZATION = 20
MINE_SUPERVISED = 30


@require_safe
@never_cache
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的党组织: a member's or a supervisor's start page after signing in.

    A member sees, per organization they belong to, what it disclosed inside the party (and
    drafts out for their opinion); a supervisor sees the organizations assigned and what
    they disclosed lately. Every list comes from the one visibility rule: this page only
    chooses which organizations to list.
    """
    now = timezone.now()
    user: Any = request.user
    visible = _visible(request, now).exclude(state=State.WITHDRAWN)
    memberships = sorted(
        {r.organization for r in user.roles_cached if r.kind != Role.Kind.SUPERVISOR},
        key=lambda org: org.path,
    )
    own = []
    for org in memberships:
        # Inside the party: party or unit scope, or party first and not yet public.
        inside = reading.listed(
            visible.filter(organization=org).filter(
                ~Q(scope=Scope.PUBLIC) | Q(public_from__isnull=True) | Q(public_from__gt=now)
            )
        )
        own.append(
            (
                org,
                reading.as_listings(
                    list(inside.order_by("-publish_from", "-pk")[:MINE_PER_ORGANIZATION]), now
                ),
            )
        )
    assigned = sorted(
        (r for r in user.roles_cached if r.kind == Role.Kind.SUPERVISOR),
        key=lambda role: role.organization.path,
    )
    supervised = (
        reading.listed(
            visible.filter(
                organization__in=permissions.organizations_where(user, {Role.Kind.SUPERVISOR})
            ),
            with_organization=True,
        ).order_by("-publish_from", "-pk")[:MINE_SUPERVISED]
        if assigned
        else []
    )
    return render(
        request,
        "portal/mine.html",
        {
            "own": own,
            "assigned": assigned,
            "supervised": reading.as_listings(list(supervised), now),
            # Their own organizations' drafts (public consultations elsewhere are on the
            # start page and the organizations' pages).
            "consulting": _open_consultations(
                user, now, organizations=permissions.organizations_where(user, ALL_ROLES)
            ),
        },
    )


def _open_consultations(
    user: Any, now: dt.datetime, *, organizations: Any = None
) -> list[dict[str, Any]]:
    return consulting.listing(user, now, organizations=organizations, limit=NEWEST)


# The organization page's own questions, compiled once per connection (`Precompiled`): the
# organization by its code (with what its stored listing's key needs), its active children
# (whether each has more below) and its superiors by their tree paths.
_ORGANIZATION = Precompiled(lambda code: stored.organizations().filter(code=code)[:1])
_SUBORDINATES = Precompiled(
    lambda pk: _with_child_counts(
        Organization.objects.filter(parent_id=pk, is_active=True)
    ).order_by("path")[: TREE_PAGE_SIZE + 1]
)
_ANCESTORS = Precompiled(lambda paths: Organization.objects.filter(path__in=paths).order_by("path"))


@require_safe
@public_page
def organization(request: HttpRequest, code: str) -> HttpResponse:
    """An organization's page: what is new and on show now, its catalog by category (only
    the items that apply to it, empty ones folded), the organizations below and the ways to
    answer back. A fixed number of queries whatever its history (`reading.organization_page`);
    for the public, the listing is rendered once and stored until it changes (`stored`)."""
    now = timezone.now()
    found = _ORGANIZATION(code)
    if not found:
        raise Http404
    org = found[0]
    # What is new, on show, out for consultation and in the catalog: stored for the public
    # until it changes, which is also when a shared cache must let the page go.
    # On a copy: rendering the listing reads related rows (the catalog) onto the instance,
    # and the page's stored copy is keyed by what the context's instance holds.
    parts = stored.organization_parts(request, copy.copy(org), now)
    expires_at(request, parts.changes_at)
    subordinates = _SUBORDINATES(org.pk)
    return render_stored(
        request,
        "portal/organization.html",
        {
            "org": org,
            # The current signed head of the log its entries go to, in short form.
            "ledger_head": reading.log_head(public.log_of(org)),
            "ancestors": _ANCESTORS(tree.ancestor_paths(org.path)) if org.parent_id else [],
            "parts": parts,
            "subordinates": subordinates[:TREE_PAGE_SIZE],
            "more_subordinates": len(subordinates) > TREE_PAGE_SIZE,
        },
        until=parts.changes_at,
    )


#: Board postings named on a disclosure page (the latest).
BOARD_POSTINGS = 5
#: Disclosures per page of a list (an item's, an organization's, a subtree's).
LIST_PAGE_SIZE = 20


def _cursor(value: str) -> tuple[dt.datetime, int] | None:
    """A keyset cursor `<microseconds since the epoch>.<id>` (the last row of the previous
    page), or None when absent or malformed."""
    stamp, _sep, pk = value.partition(".")
    if not (stamp.lstrip("-").isdigit() and pk.isdigit()) or len(value) > 40:
        return None
    try:
        at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(stamp))
    except OverflowError:
        return None
    return at, int(pk)


def _cursor_of(disclosure: Disclosure) -> str:
    assert disclosure.publish_from is not None
    delta = disclosure.publish_from - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{disclosure.pk}"


def _before(qs: QuerySet[Disclosure], cursor: tuple[dt.datetime, int] | None) -> Any:
    if cursor is None:
        return qs
    at, pk = cursor
    return qs.filter(Q(publish_from__lt=at) | Q(publish_from=at, pk__lt=pk))


def _keyset_page(
    rows: list[Disclosure], now: dt.datetime
) -> tuple[list[reading.Listing], str | None]:
    """The listings of a page read with one row more than shown, and the next cursor."""
    more = len(rows) > LIST_PAGE_SIZE
    rows = rows[:LIST_PAGE_SIZE]
    return reading.as_listings(rows, now), (_cursor_of(rows[-1]) if more and rows else None)


@require_safe
@public_page
def organization_all(request: HttpRequest, code: str) -> HttpResponse:
    """下级组织的公开内容: everything the reader may see from this organization and every
    organization below it (one range on the tree path), newest first, a page at a time by
    keyset (`?before=` the last row shown: an index range, never an OFFSET over millions).
    `?own=1` keeps to the organization itself (its disclosures on items outside its current
    catalog are found here too)."""
    now = timezone.now()
    org = get_object_or_404(Organization, code=code)
    own = request.GET.get("own") == "1"
    visible = _visible(request, now)
    cursor = _cursor(request.GET.get("before", ""))
    if own:
        shown = _before(visible.filter(organization=org), cursor)
    else:
        shown = subtree.newest(
            _before(visible, cursor), org.path, "publish_from", LIST_PAGE_SIZE + 1
        )
    rows = list(
        reading.listed(shown, with_organization=not own).order_by("-publish_from", "-pk")[
            : LIST_PAGE_SIZE + 1
        ]
    )
    listings, next_cursor = _keyset_page(rows, now)
    return render(
        request,
        "portal/organization_all.html",
        {
            "org": org,
            "own": own,
            "show_org": not own,
            "listings": listings,
            "next_cursor": next_cursor,
            "first_page": cursor is None,
        },
    )


@require_safe
@public_page(changes=changes.item_page)
def item(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """Every disclosure of one catalog item of an organization the reader may see, newest
    first, a page at a time by keyset: one bounded read per row of the item (its versions)."""
    now = timezone.now()
    org = get_object_or_404(Organization, code=code)
    inside = permissions.can_read_party_internal(request.user, org)
    applicable = reading.applicable_catalog(org)
    effective = applicable.find(key) if applicable is not None else None
    item_ids = (
        sorted(reading.item_rows([effective])) if effective is not None else reading.key_rows(key)
    )
    cursor = _cursor(request.GET.get("before", ""))
    own = _before(_visible(request, now).filter(organization=org), cursor)
    rows = reading.newest_of(
        [own.filter(item_id=i) for i in item_ids], LIST_PAGE_SIZE + 1, limit=LIST_PAGE_SIZE + 1
    )
    listings, next_cursor = _keyset_page(rows, now)
    heading = reading.catalog_item_heading(effective, inside=inside)
    if heading is None:
        if not listings:
            raise Http404
        first = listings[0].disclosure.item
        heading = (first.name, first.scope)
    return render(
        request,
        "portal/item.html",
        {
            "org": org,
            "key": key,
            "name": heading[0],
            "inside_only": heading[1] != Scope.PUBLIC,
            "listings": listings,
            "next_cursor": next_cursor,
            "first_page": cursor is None,
            "notices": notices.shown_to(request.user, org, timezone.localdate(now)).get(key, []),
        },
    )


#: The draft's own content and the review's working papers: no public page shows them (what
#: it shows is the published revision's masked copy), so they are not read.
DRAFT_FIELDS = ("body", "data", "secrecy_checklist", "secret_clearances", "secret_clearance")


#: Echo-wall answers about one disclosure shown on its page (the wall lists the rest).
ECHO_ON_DISCLOSURE = 5


def _visible_disclosure(request: HttpRequest, pk: int, now: dt.datetime) -> Disclosure:
    """The disclosure with its organization, item and published revision (one query), or 404
    where the reader may not see it: `can_see`, the predicate form of the one rule, asked of
    the row read (no second visibility query)."""
    found = _DISCLOSURE(pk)
    if not found or not can_see(request.user, found[0], now):
        raise Http404
    return found[0]


# The disclosure page's own questions, compiled once per connection (`Precompiled`): the
# disclosure with its organization, item and published revision (without the draft's
# content), the echo wall's answers about it in the scopes the reader may see, and the
# public boards it was posted on.
_DISCLOSURE = Precompiled(
    lambda pk: (
        Disclosure.objects.select_related("organization", "item", "published_revision")
        .defer(*DRAFT_FIELDS)
        .filter(pk=pk)[:1]
    )
)
_ECHO = Precompiled(
    lambda organization_id, scopes, pk: wall_of(organization_id, scopes).filter(disclosure_id=pk)[
        :ECHO_ON_DISCLOSURE
    ]
)
_BOARD_POSTINGS = Precompiled(lambda pk: postings_for(pk)[:BOARD_POSTINGS])


@require_safe
@public_page
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    """One disclosure as published: a fixed number of queries whatever its history.

    The disclosure, its organization, item and published revision come in one query, whose
    row also says whether the reader may see it and when the page next changes by the clock
    (`changes.moment_of`); the content shown is the masked bytes stored with that revision at
    publication, read once and never masked again here. The timeline (one query), the files
    on show (one), the echo wall's answers about it (one) and the board postings (one); from
    the second version on the earlier ones (one) and their files (one); where the timeline
    shows a consultation, its opinions (one). The ledger's entries and proof are on their own
    page behind the short "核验" link."""
    now = timezone.now()
    shown = _visible_disclosure(request, pk, now)
    until = changes.moment_of(shown, now, publicity=True)
    expires_at(request, until)
    context: dict[str, Any] = {
        "d": shown,
        "org": shown.organization,
        "title": reading.shown_title(shown),
        "period": reading.shown_period(shown),
        "item_name": shown.item_name,
        "mark": reading.MARK_LABELS.get(reading.mark(shown, now), ""),
        "withdrawn": not shows_content(shown),
        "withdrawal_reason": reading.shown_reason(shown, shown.withdrawal_reason),
        "now": now,
    }
    if not shows_content(shown):
        # Withdrawn: the title, the reason and the time; the content and its history are gone
        # from view (the ledger still records that it was published and withdrawn).
        return render_stored(request, "portal/disclosure.html", context, until=until)

    versions = reading.shown_versions(shown, now)
    current = versions[0] if versions else None
    timeline = reading.timeline(shown)
    context.update(
        {
            "current": current,
            "earlier": versions[1:],
            # Each earlier version with what changed in the one published after it.
            "earlier_changes": _earlier_changes(shown, versions, current),
            "timeline": timeline,
            "scope_label": Scope(shown.scope).label,
            "channel_labels": _channel_labels(shown.channels),
            "public_scope": shown.scope == Scope.PUBLIC,
            # The content block is the one the console's preview renders (portal.content).
            "attachments": content.shown_attachments(shown, shown.published_revision),
            # Scenario 4: the page shows the consultation and how each opinion was handled,
            # without naming who gave it.
            "opinions": content.shown_opinions(shown, consulted=reading.consulted(timeline)),
            "echo": _ECHO(
                shown.organization_id, echo_scopes(shown.organization, request.user), shown.pk
            ),
            "board_postings": board_postings(shown),
        }
    )
    return render_stored(request, "portal/disclosure.html", context, until=until)


def board_postings(disclosure: Disclosure) -> list[Any]:
    """The printed boards this disclosure was posted on (公开栏, the channel recorded with a
    date and a photo: `gongkai.boards.services.postings_for`), the latest few."""
    return _BOARD_POSTINGS(disclosure.pk)


@require_safe
@public_page
def disclosure_proof(request: HttpRequest, pk: int) -> HttpResponse:
    """核验: the disclosure's entries in the ledger, the log's signed head, the address of the
    machine-readable proof (and its QR code) and the in-browser check. How to check without
    this site is on one page of its own (`ledger_how`), not repeated here."""
    now = timezone.now()
    shown = _visible_disclosure(request, pk, now)
    proof_url = request.build_absolute_uri(reverse("api_v1:get_proof", kwargs={"id": shown.pk}))
    return render(
        request,
        "portal/disclosure_proof.html",
        {
            "d": shown,
            "org": shown.organization,
            "title": reading.shown_title(shown),
            # Its entries in the log (opaque where the reader may not read them: once
            # withdrawn, all but the withdrawal's) and the log's current signed head.
            "ledger": reading.ledger_block(
                public.disclosure_proof(shown, with_paths=False), proof_url
            ),
        },
    )


@require_safe
@never_cache
def attachment_file(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """An original file, through the one visibility rule, and only when
    `original_is_public` allows it; it is named by its masked name."""
    now = timezone.now()
    shown = _visible_disclosure(request, pk, now)
    if not shows_content(shown) or shown.published_revision is None:
        raise Http404
    attachment = get_object_or_404(shown.published_revision.attachments.all(), pk=attachment_pk)
    if not attachments.original_is_public(shown, attachment):
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachments.download_name(shown, attachment),
        content_type=attachments.ALLOWED[attachment.kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _earlier_changes(
    shown: Disclosure, revisions: list[reading.ShownRevision], current: Any
) -> list[tuple[reading.ShownRevision, diff.RevisionDiff | None]]:
    """(earlier version, its diff to the next newer one), newest first; `revisions` is
    newest first and as stored (masked at publication), so each side is prepared once."""
    out: list[tuple[reading.ShownRevision, diff.RevisionDiff | None]] = []
    # One query whatever the number of revisions (the page's query count is pinned).
    # A single version has nothing to compare: no query.
    files = diff.files_by_revision([r.revision.pk for r in revisions]) if len(revisions) > 1 else {}
    for index, older in enumerate(revisions):
        if older is current:
            continue
        newer = revisions[index - 1] if index > 0 else None
        changes = None
        if newer is not None:
            changes = diff.compare(
                diff.side_of(older, files[older.revision.pk]),
                diff.side_of(newer, files[newer.revision.pk]),
            )
        out.append((older, changes))
    return out


def _channel_labels(channels: list[str]) -> list[str]:
    labels = dict(Channel.choices)
    return [str(labels.get(c, c)) for c in channels or []]


#: Entries per page of a log's public page.
LOG_PAGE_SIZE = 50
NEWEST_FIRST, OLDEST_FIRST = "newest", "oldest"


@require_safe
@public_page
def ledger_log(request: HttpRequest, log: str) -> HttpResponse:
    """A log's entries for people without tools, a page at a time by index, newest or oldest
    first. Every index is listed: an entry the reader may not read is shown as an opaque,
    committed entry (its time, organization and commitment), through the one rule."""
    now = timezone.now()
    found = public.find_log(log)
    if found is None:
        raise Http404
    head = public.latest_head(found)
    size = head.size if head is not None else 0
    order = OLDEST_FIRST if request.GET.get("order") == OLDEST_FIRST else NEWEST_FIRST
    # Paged over the indexes themselves (a range): no count, and a page is one index range.
    indexes = range(size) if order == OLDEST_FIRST else range(size - 1, -1, -1)
    page = Paginator(indexes, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    shown: range = page.object_list  # type: ignore[assignment]
    start = min(shown) if shown else 0
    rows = public.entry_rows(found, request.user, start=start, limit=len(shown), now=now)
    lines = [reading.log_entry_line(entry, visible) for entry, visible in rows]
    if order == NEWEST_FIRST:
        lines.reverse()
    return render(
        request,
        "portal/ledger_log.html",
        {
            "log": found,
            "origin": public.origin_of(found),
            "head": head,
            "order": order,
            "page": page,
            "lines": lines,
        },
    )
