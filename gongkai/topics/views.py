"""Members' pages of topic requests (点题公开): the list of an organization's topics (open
ones by support, answered ones with their answers), proposing, supporting, and one topic.

Members and staff of the organization see all of them; an answered topic's page is seen
beyond them by the audience its echo scope names (services.can_see, the one rule), so the
echo wall's links work for the public too. Every text is masked and the proposer is shown
as 党员 only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gongkai import permissions
from gongkai.guard import limits
from gongkai.organizations.models import Organization
from gongkai.topics import services
from gongkai.topics.forms import ProposeForm
from gongkai.topics.models import TopicRequest
from gongkai.validation import text_problem
from gongkai.web.caching import public_page

PAGE_SIZE = 30
PROPOSED = _("Your topic was proposed. The organization answers it by %(due)s.")
SUPPORTED = _("You support this topic.")
UNSUPPORTED = _("Your support was taken back.")
NOT_MEMBER = _("Topic requests of %(org)s are for its members and staff.")


def _org(code: str) -> Organization:
    if text_problem(code) or len(code) > 32:
        raise Http404
    return get_object_or_404(Organization, code=code)


def _members_only(request: HttpRequest, org: Organization) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.can_read_topics(request.user, org):
        raise PermissionDenied(NOT_MEMBER % {"org": org.name})
    return None


def _shown(topic: TopicRequest, user: Any) -> dict[str, Any]:
    """A topic as the members' pages show it: masked, the proposer not named."""
    return {
        "topic": topic,
        "title": services.public_title(topic),
        "description": services.public_description(topic),
        "answer": services.public_answer(topic),
        "mine": getattr(user, "pk", None) == topic.proposer_id,
        "overdue": services.is_overdue(topic),
    }


@require_safe
@public_page
def topic_list(request: HttpRequest, code: str) -> HttpResponse:
    org = _org(code)
    refused = _members_only(request, org)
    if refused:
        return refused
    page = Paginator(services.listed(org), PAGE_SIZE).get_page(request.GET.get("page"))
    topics = list(page.object_list)
    supported = services.supported_by(request.user, topics)
    return render(
        request,
        "topics/list.html",
        {
            "org": org,
            "page": page,
            "rows": [{**_shown(t, request.user), "supported": t.pk in supported} for t in topics],
            "may_propose": permissions.can_propose_topic(request.user, org),
            "may_support": permissions.can_support_topic(request.user, org),
            "proposer_shown": services.PROPOSER_SHOWN,
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
def propose(request: HttpRequest, code: str) -> HttpResponse:
    org = _org(code)
    refused = _members_only(request, org)
    if refused:
        return refused
    if not permissions.can_propose_topic(request.user, org):
        raise PermissionDenied(services.NOT_PROPOSER % {"org": org.name})
    form = ProposeForm(request.POST or None)
    context = {"org": org, "form": form}
    if request.method == "POST":
        verdict = limits.check(request, "topic", organization=org)
        if not verdict.allowed:
            return limits.refused(request, verdict, "topics/propose.html", context)
        if form.is_valid():
            try:
                topic = services.propose(
                    org,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, PROPOSED % {"due": topic.due_date.isoformat()})
                return HttpResponseRedirect(services.member_link(topic))
        return render(request, "topics/propose.html", context, status=400)
    return render(request, "topics/propose.html", context)


def _topic(org: Organization, pk: int) -> TopicRequest:
    return get_object_or_404(
        TopicRequest.objects.select_related("organization", "merged_into"), organization=org, pk=pk
    )


@require_safe
@public_page
def detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    org = _org(code)
    topic = _topic(org, pk)
    if not services.can_see(request.user, topic):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    member = services.can_read_topics(request.user, org)
    return render(
        request,
        "topics/detail.html",
        {
            "org": org,
            **_shown(topic, request.user),
            "member": member,
            "supported": bool(services.supported_by(request.user, [topic])),
            "may_support": member and permissions.can_support_topic(request.user, org),
            "proposer_shown": services.PROPOSER_SHOWN,
            "merged_into_title": services.public_title(topic.merged_into)
            if topic.merged_into
            else "",
        },
    )


@require_POST
def support(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    org = _org(code)
    refused = _members_only(request, org)
    if refused:
        return refused
    topic = _topic(org, pk)
    verdict = limits.check(request, "vote", organization=org)
    if not verdict.allowed:
        messages.error(request, verdict.message)
        return HttpResponseRedirect(services.member_link(topic))
    try:
        if request.POST.get("support") == "0":
            services.unsupport(topic, actor=request.user)
            messages.success(request, UNSUPPORTED)
        else:
            services.support(topic, actor=request.user)
            messages.success(request, SUPPORTED)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    target = services.member_link(topic)
    if request.POST.get("back") == "list":
        target = services.list_link(org)
    return HttpResponseRedirect(target)
