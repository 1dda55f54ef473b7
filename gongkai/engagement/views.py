"""Public pages of opinions: 我要留言 (portal and kiosk), the receipt, the tracking page with
the satisfaction vote, the echo wall, and the kiosk's large-type pages.

Views stay thin: every public POST asks the guard first (gongkai.guard.limits; a refusal is
status 429 with the form as typed), then calls engagement.services. The public sees only the
masked question and answer, never the sender. Tracking codes travel in POST bodies, not in
addresses (they would end up in logs and browser histories).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.visibility import shows_content
from gongkai.engagement import services
from gongkai.engagement.forms import OpinionForm, TrackForm, VoteForm
from gongkai.engagement.models import CLOSED_STATES, Channel, Opinion, Rating, State
from gongkai.guard import limits
from gongkai.organizations.models import Organization
from gongkai.portal import consulting, reading
from gongkai.topics import echo as topic_echo
from gongkai.validation import text_problem
from gongkai.web.caching import public_page

RECEIPT_KEY = "engagement_receipt"
WALL_PAGE_SIZE = 20
#: The newest answered topic requests (点题公开) the wall shows beside the opinions.
TOPICS_ON_WALL = 10
KIOSK_ITEMS = 12


def _org(code: str) -> Organization:
    if text_problem(code):
        raise Http404
    return get_object_or_404(Organization, code=code, is_active=True)


def _subject(
    request: HttpRequest, org: Organization, viewer: Any, source: Mapping[str, Any] | None = None
) -> tuple[str, Disclosure | None, str]:
    """The item key or disclosure the opinion is about (from the query or the form), checked:
    the disclosure must be one the viewer may see, of this organization."""
    if source is None:
        source = request.POST if request.method == "POST" else request.GET
    key = str(source.get("item", ""))[:200]
    if text_problem(key):
        key = ""
    disclosure = None
    raw = str(source.get("disclosure", ""))
    if raw.isdigit() and len(raw) < 12:
        disclosure = (
            Disclosure.objects.visible_to(viewer, timezone.now())
            .filter(pk=int(raw), organization=org)
            .select_related("item", "published_revision")
            .first()
        )
    title = ""
    if disclosure is not None:
        title = reading.shown_title(disclosure)
    elif key:
        found = reading.catalog_item(org, key, inside=False)
        title = found[0] if found else ""
        if not found:
            key = ""
    return key, disclosure, title


def _errors_onto(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(
                name if name in form.fields else None, [m for e in errors for m in e.messages]
            )
    else:
        form.add_error(None, exc.messages)


def _send(request: HttpRequest, org: Organization, *, kiosk: bool) -> HttpResponse:
    viewer = AnonymousUser() if kiosk else request.user
    template = "engagement/kiosk/opinion.html" if kiosk else "engagement/opinion_form.html"
    key, disclosure, about = _subject(request, org, viewer)
    # The kiosk takes no files (a shared screen without a camera or a file system to offer).
    form = OpinionForm(request.POST or None, request.FILES or None, with_files=not kiosk)
    context = {"org": org, "form": form, "item": key, "disclosure": disclosure, "about": about}
    if request.method == "POST":
        verdict = limits.check(request, "opinion", organization=org)
        if not verdict.allowed:
            return limits.refused(request, verdict, template, context)
        if form.is_valid():
            try:
                opinion = services.submit(
                    org,
                    key=services.parse_key(request.POST.get("key")),
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                    channel=Channel.KIOSK if kiosk else Channel.PORTAL,
                    item_key=key,
                    disclosure=disclosure,
                    sender_name="" if kiosk else form.cleaned_data["sender_name"],
                    sender_contact=form.cleaned_data["sender_contact"],
                    account=None if kiosk else request.user,
                    files=form.cleaned_data.get("attachments") or (),
                )
            except ValidationError as exc:
                _errors_onto(form, exc)
            else:
                request.session[RECEIPT_KEY] = opinion.pk
                if kiosk:
                    return redirect("engagement:kiosk_receipt", code=org.code)
                return redirect("engagement:receipt")
    return render(request, template, context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def opinion_new(request: HttpRequest, code: str) -> HttpResponse:
    """我要留言 on the portal: about the organization, one of its items or a disclosure."""
    return _send(request, _org(code), kiosk=False)


def _receipt_opinion(request: HttpRequest, *, keep: bool) -> Opinion:
    pk = request.session.get(RECEIPT_KEY) if keep else request.session.pop(RECEIPT_KEY, None)
    opinion = (
        Opinion.objects.select_related("organization").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if opinion is None:
        raise Http404
    return opinion


@never_cache
@require_safe
def receipt(request: HttpRequest) -> HttpResponse:
    """The receipt of what this browser just sent: the tracking code in big type, printable."""
    opinion = _receipt_opinion(request, keep=True)
    return render(request, "engagement/receipt.html", {"o": opinion, "org": opinion.organization})


def _track_context(opinion: Opinion) -> dict[str, Any]:
    return {
        "o": opinion,
        "org": opinion.organization,
        "closed": opinion.state in CLOSED_STATES,
        "answered": opinion.state == State.ANSWERED,
        "ratings": Rating.choices,
        "overdue": services.is_overdue(opinion, timezone.localdate()),
    }


def _track(request: HttpRequest, *, kiosk: bool, org: Organization | None = None) -> HttpResponse:
    template = "engagement/kiosk/track.html" if kiosk else "engagement/track.html"
    context: dict[str, Any] = {"org": org, "kiosk": kiosk}
    if request.method != "POST":
        context["form"] = TrackForm()
        return render(request, template, context)
    voting = "rating" in request.POST
    form: Any = VoteForm(request.POST) if voting else TrackForm(request.POST)
    context["form"] = TrackForm(request.POST)
    verdict = limits.check(request, "vote" if voting else "track", organization=org)
    if not verdict.allowed:
        return limits.refused(request, verdict, template, context)
    opinion = services.find(request.POST.get("code", "")) if form.is_valid() else None
    if opinion is None:
        context["not_found"] = True
        return render(request, template, context, status=404 if form.is_valid() else 400)
    context.update(_track_context(opinion))
    if kiosk:
        # A shared screen: the code is not left in the box for the next person.
        context["form"] = TrackForm()
    if voting:
        try:
            services.rate(
                opinion,
                form.cleaned_data["rating"],
                key=services.parse_key(request.POST.get("key")),
            )
            context["thanks"] = True
        except ValidationError as exc:
            context["vote_error"] = " ".join(exc.messages)
    return render(request, template, context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """查询办理结果: the state, the deadline, the answer, and the satisfaction vote."""
    return _track(request, kiosk=False)


@require_safe
@public_page
def echo(request: HttpRequest, code: str) -> HttpResponse:
    """The organization's echo wall: published answers the reader may see, newest first."""
    org = _org(code)
    page = Paginator(services.echo_wall(org, request.user), WALL_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    topics = topic_echo.entries(org, request.user, limit=TOPICS_ON_WALL)
    return render(request, "engagement/echo.html", {"org": org, "page": page, "topics": topics})


# --- the kiosk (触摸屏): no sign-in, the public's view, large type ------------------------


@require_safe
@never_cache
def kiosk_home(request: HttpRequest, code: str) -> HttpResponse:
    org = _org(code)
    public = AnonymousUser()
    latest = reading.as_listings(
        list(
            reading.listed(
                Disclosure.objects.visible_to(public, timezone.now()).filter(organization=org)
            ).order_by("-publish_from", "-pk")[:KIOSK_ITEMS]
        ),
        timezone.now(),
    )
    # The organization's consultations open to the public (the kiosk is the public's).
    consulting_now = consulting.listing(public, timezone.now(), organizations=[org])
    return render(
        request,
        "engagement/kiosk/home.html",
        {"org": org, "latest": latest, "consulting": consulting_now},
    )


@require_safe
@never_cache
def kiosk_disclosure(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    org = _org(code)
    shown = get_object_or_404(
        Disclosure.objects.visible_to(AnonymousUser(), timezone.now()).select_related(
            "published_revision", "item"
        ),
        pk=pk,
        organization=org,
    )
    current = None
    if shows_content(shown) and shown.published_revision is not None:
        current = reading.show_revision(shown, shown.published_revision)
    return render(
        request,
        "engagement/kiosk/disclosure.html",
        {"org": org, "d": shown, "title": reading.shown_title(shown), "current": current},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def kiosk_opinion(request: HttpRequest, code: str) -> HttpResponse:
    return _send(request, _org(code), kiosk=True)


@never_cache
@require_safe
def kiosk_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """Shown once: a kiosk is shared, the next person must not find the code."""
    org = _org(code)
    opinion = _receipt_opinion(request, keep=False)
    return render(request, "engagement/kiosk/receipt.html", {"o": opinion, "org": org})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def kiosk_track(request: HttpRequest, code: str) -> HttpResponse:
    return _track(request, kiosk=True, org=_org(code))


@require_safe
@never_cache
def kiosk_echo(request: HttpRequest, code: str) -> HttpResponse:
    org = _org(code)
    page = Paginator(services.echo_wall(org, AnonymousUser()), 10).get_page(request.GET.get("page"))
    topics = topic_echo.entries(org, AnonymousUser(), limit=TOPICS_ON_WALL)
    return render(
        request, "engagement/kiosk/echo.html", {"org": org, "page": page, "topics": topics}
    )


# --- the kiosk's outbox: what the page queued (offline) and sends until it hears back ------

#: The largest JSON body the kiosk's outbox sends (an opinion is at most OPINION_MAX chars).
OUTBOX_MAX_BYTES = 64 * 1024


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _outbox_body(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > OUTBOX_MAX_BYTES:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _outbox_refused(verdict: limits.Verdict) -> JsonResponse:
    """The guard's refusal as JSON: the page keeps the item queued and shows the reason (and
    the challenge's question, whose answer it sends back in X-Guard-Token/X-Guard-Answer)."""
    response = _json(
        {
            "detail": verdict.message,
            "challenge": verdict.challenge,
            "question": verdict.question,
            "token": verdict.token,
            "retry_after": verdict.retry_after,
        },
        status=429,
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _outbox_invalid(messages: list[Any]) -> JsonResponse:
    return _json({"detail": " ".join(str(m) for m in messages) or _("Not sent.")}, status=400)


def _sent(opinion: Opinion, *, replay: bool) -> JsonResponse:
    return _json(
        {
            "tracking_code": opinion.tracking_code,
            "tracking_code_display": opinion.code_display,
            "due_date": opinion.due_date.isoformat(),
            "replay": replay,
        },
        status=200 if replay else 201,
    )


@never_cache
@require_http_methods(["POST"])
def kiosk_send(request: HttpRequest, code: str) -> HttpResponse:
    """An opinion from the kiosk page as JSON (the page's outbox: sent at once, or queued while
    offline and sent when the network returns). It carries the key the page drew for it: a
    replay of a stored key answers the same tracking code, stores nothing and is not counted
    against the guard's limits; anything new is counted like the form (status 429 keeps it in
    the page's queue). CSRF-protected like the form (X-CSRFToken)."""
    org = _org(code)
    data = _outbox_body(request)
    if data is None:
        return _outbox_invalid([_("The message could not be read.")])
    try:
        key = services.parse_key(data.get("key"))
        if key is None:
            raise ValidationError(services.BAD_KEY)
        existing = services.by_key(key)
    except ValidationError as exc:
        return _outbox_invalid(exc.messages)
    if existing is not None:
        if existing.organization_id != org.pk:
            return _outbox_invalid([str(services.KEY_OF_ANOTHER)])
        return _sent(existing, replay=True)
    verdict = limits.check(request, "opinion", organization=org)
    if not verdict.allowed:
        return _outbox_refused(verdict)
    fields = {
        name: str(data.get(name, ""))[: services.OPINION_MAX + 1]
        for name in ("kind", "text", "sender_contact")
    }
    form = OpinionForm(fields, with_files=False)
    if not form.is_valid():
        return _outbox_invalid([m for errors in form.errors.values() for m in errors])
    subject = {k: str(data.get(k, "")) for k in ("item", "disclosure")}
    item, disclosure, _about = _subject(request, org, AnonymousUser(), subject)
    try:
        opinion = services.submit(
            org,
            key=key,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            channel=Channel.KIOSK,
            item_key=item,
            disclosure=disclosure,
            sender_contact=form.cleaned_data["sender_contact"],
        )
    except ValidationError as exc:
        return _outbox_invalid(exc.messages)
    if data.get("now") is True:
        # Sent while the person is at the screen: the page shows the receipt page next (once).
        request.session[RECEIPT_KEY] = opinion.pk
    return _sent(opinion, replay=False)


@never_cache
@require_http_methods(["POST"])
def kiosk_vote(request: HttpRequest, code: str) -> HttpResponse:
    """The one-touch satisfaction vote from the kiosk page as JSON, with the page's key: a
    replay of a recorded vote answers that vote (not counted, not refused as a second one)."""
    _org(code)
    data = _outbox_body(request)
    if data is None:
        return _outbox_invalid([_("The message could not be read.")])
    form = VoteForm({"code": str(data.get("code", ""))[:64], "rating": data.get("rating", "")})
    try:
        key = services.parse_key(data.get("key"))
        if key is None:
            raise ValidationError(services.BAD_KEY)
    except ValidationError as exc:
        return _outbox_invalid(exc.messages)
    if not form.is_valid():
        return _outbox_invalid([m for errors in form.errors.values() for m in errors])
    opinion = services.find(form.cleaned_data["code"])
    if opinion is None:
        return _json({"detail": _("No message has this tracking code.")}, status=404)
    if opinion.rating_key != key:
        verdict = limits.check(request, "vote", organization=opinion.organization)
        if not verdict.allowed:
            return _outbox_refused(verdict)
    try:
        services.rate(opinion, form.cleaned_data["rating"], key=key)
    except ValidationError as exc:
        return _outbox_invalid(exc.messages)
    return _json(
        {
            "tracking_code_display": opinion.code_display,
            "rating": opinion.rating,
            "rating_label": str(opinion.get_rating_display()),
        }
    )


@never_cache
@require_safe
def kiosk_worker(request: HttpRequest, code: str) -> HttpResponse:
    """The kiosk's service worker, at the kiosk's own scope (/kiosk/<code>/): it keeps what the
    kiosk shows for a short network loss (pages network first, static files cache first)."""
    org = _org(code)
    base = reverse("engagement:kiosk", args=[org.code])
    pages = [
        base,
        reverse("engagement:kiosk_opinion", args=[org.code]),
        reverse("engagement:kiosk_track", args=[org.code]),
        reverse("engagement:kiosk_echo", args=[org.code]),
    ]
    response = render(
        request,
        "engagement/kiosk/sw.js",
        {
            "scope": base,
            "pages_json": json.dumps(pages),
            "version": KIOSK_WORKER_VERSION,
            "offline_text": _(
                "The network is down and this page was not kept on this screen. "
                "Please go back to the home page."
            ),
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = base
    return response


#: Change it when the worker's caching changes: the old caches are dropped on activation.
KIOSK_WORKER_VERSION = "1"


@never_cache
@require_safe
def kiosk_manifest(request: HttpRequest, code: str) -> HttpResponse:
    """The web app manifest of one kiosk: installed or started from it, the kiosk opens full
    screen on its home page."""
    org = _org(code)
    base = reverse("engagement:kiosk", args=[org.code])
    manifest = {
        "name": f"{org.name} · {_('Disclosure kiosk')}",
        "short_name": org.name[:12],
        "lang": "zh-CN",
        "start_url": base,
        "scope": base,
        "display": "fullscreen",
        "orientation": "any",
        "background_color": "#fffdf8",
        "theme_color": "#b71c1c",
        "icons": [
            {
                "src": static("engagement/kiosk-icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    response = _json(manifest)
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


def opinion_link(org: Organization, *, item: str = "", disclosure: int | None = None) -> str:
    url = reverse("engagement:opinion_new", args=[org.code])
    if disclosure:
        return f"{url}?disclosure={disclosure}"
    return f"{url}?item={item}" if item else url
