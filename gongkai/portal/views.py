"""The portal: what members and the public read.

Every view starts from `Disclosure.objects.visible_to(request.user, now)`, the one rule, with
`now` taken once per request so a page never mixes two instants. A disclosure the reader may
not see is a 404, never a 403: the answer must not confirm that it exists. Pages depend on
who reads them and on the minute: a page read by an anonymous reader may be kept by a shared
cache for a few seconds (`gongkai.web.caching.public_page`), a member's never.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gongkai import permissions
from gongkai.catalog.models import Channel, Scope
from gongkai.compliance import notices
from gongkai.disclosures import attachments, changes
from gongkai.disclosures.models import Disclosure, State
from gongkai.disclosures.visibility import (
    ALL_ROLES,
    can_see_consultation,
    shows_content,
)
from gongkai.guard import limits
from gongkai.ledger import public
from gongkai.organizations.models import Organization, Role
from gongkai.portal import consulting, content, diff, reading
from gongkai.portal.forms import OpinionForm, PublicOpinionForm
from gongkai.web.caching import public_page
from gongkai.web.views import refusal_text

#: Organizations per level of the tree, and search results, shown at once.
TREE_PAGE_SIZE = 200
SEARCH_LIMIT = 50
#: Newest disclosures on the start page.
NEWEST = 20
#: Disclosures per page of an item's list.
ITEM_PAGE_SIZE = 20


def _visible(request: HttpRequest, now: dt.datetime) -> QuerySet[Disclosure]:
    return Disclosure.objects.visible_to(request.user, now)


def _with_child_counts(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    return qs.annotate(child_count=Count("children", filter=Q(children__is_active=True)))


@require_safe
@public_page(changes=changes.site_page)
def start(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    roots = _with_child_counts(Organization.objects.roots().filter(is_active=True)).order_by(
        "path"
    )[:TREE_PAGE_SIZE]
    newest = reading.listed(
        _visible(request, now).exclude(state=State.WITHDRAWN), with_organization=True
    ).order_by("-publish_from", "-pk")[:NEWEST]
    # Open public consultations for everyone; a member's own organizations' drafts too.
    consulting = _open_consultations(request.user, now)
    return render(
        request,
        "portal/start.html",
        {
            "roots": list(roots),
            "newest": reading.as_listings(list(newest), now),
            "consulting": consulting,
        },
    )


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


@require_safe
@public_page
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    found: list[Organization] = []
    if q:
        found = list(
            Organization.objects.filter(is_active=True)
            .filter(Q(name__contains=q) | Q(code__istartswith=q))
            .order_by("depth", "path")[:SEARCH_LIMIT]
        )
    template = "portal/_search_results.html" if request.htmx else "portal/search.html"  # type: ignore[attr-defined]
    return render(request, template, {"q": q, "found": found, "limit": SEARCH_LIMIT})


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


@require_safe
@public_page(changes=changes.organization_page)
def organization(request: HttpRequest, code: str) -> HttpResponse:
    now = timezone.now()
    org = get_object_or_404(Organization, code=code)
    page = reading.organization_page(org, request.user, _visible(request, now), now)
    subordinates = list(
        _with_child_counts(org.children.filter(is_active=True)).order_by("path")[
            : TREE_PAGE_SIZE + 1
        ]
    )
    return render(
        request,
        "portal/organization.html",
        {
            "org": org,
            # The current signed head of the log its entries go to, in short form.
            "ledger_head": reading.log_head(public.log_of(org)),
            "ancestors": list(org.ancestors()),
            "page": page,
            "subordinates": subordinates[:TREE_PAGE_SIZE],
            "more_subordinates": len(subordinates) > TREE_PAGE_SIZE,
            "per_item": reading.PER_ITEM,
            "consulting": _open_consultations(request.user, now, organizations=[org]),
        },
    )


@require_safe
@public_page(changes=changes.organization_page)
def item(request: HttpRequest, code: str, key: str) -> HttpResponse:
    """Every disclosure of one catalog item of an organization the reader may see."""
    now = timezone.now()
    org = get_object_or_404(Organization, code=code)
    inside = permissions.can_read_party_internal(request.user, org)
    disclosures = reading.listed(
        _visible(request, now).filter(organization=org, item__key=key)
    ).order_by("-publish_from", "-pk")
    page = Paginator(disclosures, ITEM_PAGE_SIZE).get_page(request.GET.get("page"))
    listings = reading.as_listings(list(page.object_list), now)
    heading = reading.catalog_item(org, key, inside=inside)
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
            "page": page,
            "listings": listings,
            "notices": notices.shown_to(request.user, org, timezone.localdate(now)).get(key, []),
        },
    )


def _visible_disclosure(request: HttpRequest, pk: int, now: dt.datetime) -> Disclosure:
    return get_object_or_404(
        _visible(request, now).select_related(
            "organization", "item", "catalog", "published_revision"
        ),
        pk=pk,
    )


@require_safe
@public_page(changes=changes.disclosure_page)
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    shown = _visible_disclosure(request, pk, now)
    proof_url = request.build_absolute_uri(reverse("api_v1:get_proof", kwargs={"id": shown.pk}))
    context: dict[str, Any] = {
        "d": shown,
        "org": shown.organization,
        "title": reading.shown_title(shown),
        "period": reading.shown_period(shown),
        "mark": reading.MARK_LABELS.get(reading.mark(shown, now), ""),
        "withdrawn": not shows_content(shown),
        "withdrawal_reason": reading.shown_reason(shown, shown.withdrawal_reason),
        "now": now,
        # Its entries in the log (opaque where the reader may not read them: once withdrawn,
        # all but the withdrawal's) and the log's current signed head.
        "ledger": reading.ledger_block(public.disclosure_proof(shown, with_paths=False), proof_url),
    }
    if not shows_content(shown):
        # Withdrawn: the title, the reason and the time; the content and its history are gone
        # from view (the ledger still records that it was published and withdrawn).
        return render(request, "portal/disclosure.html", context)

    revisions = [reading.show_revision(shown, r) for r in reading.published_revisions(shown, now)]
    by_id = {r.revision.pk: r for r in revisions}
    current = by_id.get(shown.published_revision_id or 0) or (revisions[0] if revisions else None)
    context.update(
        {
            "item_name": reading.catalog_item_name(shown),
            "current": current,
            "earlier": [r for r in revisions if r is not current],
            # Each earlier revision with what changed in the one published after it.
            "earlier_changes": _earlier_changes(shown, revisions, current),
            "timeline": reading.timeline(shown),
            "scope_label": Scope(shown.scope).label,
            "channel_labels": _channel_labels(shown.channels),
            "public_scope": shown.scope == Scope.PUBLIC,
            # The content block is the one the console's preview renders (portal.content).
            "attachments": content.shown_attachments(shown, shown.published_revision),
            # Scenario 4: the page shows the consultation and how each opinion was handled,
            # without naming who gave it.
            "opinions": content.shown_opinions(shown),
        }
    )
    return render(request, "portal/disclosure.html", context)


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
    """(earlier revision, its diff to the next newer one), newest first; `revisions` is
    newest first and already masked, so each side is prepared once."""
    out: list[tuple[reading.ShownRevision, diff.RevisionDiff | None]] = []
    # One query whatever the number of revisions (the page's query count is pinned).
    files = diff.files_by_revision([r.revision.pk for r in revisions]) if revisions else {}
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
