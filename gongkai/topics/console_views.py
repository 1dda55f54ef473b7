"""The console's pages of topic requests: the current organization's topics (overdue first,
then the most supported) and one topic with its answer actions. The handling staff see who
proposed a topic; the actions are offered as the permission predicates allow."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from gongkai import permissions
from gongkai.console.views.base import console_view, context
from gongkai.topics import services
from gongkai.topics.forms import DeclineForm, DisclosureForm, ItemForm, MergeForm
from gongkai.topics.models import TopicRequest

PAGE_SIZE = 30
ANSWERED = _("The topic was answered.")
ACTIONS = ("item", "disclosure", "decline", "merge")


def _forms(
    request: HttpRequest, topic: TopicRequest, data: Any = None, only: str = ""
) -> dict[str, Any]:
    user, org = request.user, topic.organization
    forms: dict[str, Any] = {}
    if not topic.is_open or not permissions.can_answer_topic(user, org):
        return forms

    def bound(name: str) -> Any:
        return data if only == name else None

    if permissions.can_accept_topic_as_item(user, org):
        forms["item"] = ItemForm(
            bound("item"),
            categories=services.item_categories(org),
            initial={"item_name": services.public_title(topic)},
            prefix="item",
        )
    if permissions.can_accept_topic_as_disclosure(user, org):
        forms["disclosure"] = DisclosureForm(
            bound("disclosure"), items=services.disclosure_items(org), prefix="disclosure"
        )
    forms["decline"] = DeclineForm(bound("decline"), prefix="decline")
    targets = [(str(t.pk), f"#{t.pk} {t.title}") for t in services.merge_targets(topic)[:100]]
    if targets:
        forms["merge"] = MergeForm(bound("merge"), targets=targets, prefix="merge")
    return forms


@console_view
@require_safe
def topic_list(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    if org is None:
        raise Http404
    today = timezone.localdate()
    page = Paginator(services.for_console(org, today), PAGE_SIZE).get_page(request.GET.get("page"))
    handler = permissions.can_answer_topic(request.user, org)
    rows = [
        {
            "topic": t,
            "overdue": services.is_overdue(t, today),
            # Supervisors and superiors read it as members do: masked.
            "title": t.title if handler else services.public_title(t),
        }
        for t in page.object_list
    ]
    return render(
        request,
        "topics/console/list.html",
        context(
            request,
            "topics",
            page=page,
            rows=rows,
            sees_proposer=handler,
        ),
    )


def _topic(request: HttpRequest, pk: int) -> TopicRequest:
    topic = get_object_or_404(
        TopicRequest.objects.select_related(
            "organization", "proposer", "answered_by", "merged_into", "disclosure"
        ),
        pk=pk,
    )
    if not permissions.can_view_in_console(request.user, topic.organization):
        raise Http404
    return topic


def _render_detail(
    request: HttpRequest, topic: TopicRequest, forms: dict[str, Any], status: int = 200
) -> HttpResponse:
    handler = services.sees_proposer(request.user, topic)
    return render(
        request,
        "topics/console/detail.html",
        context(
            request,
            "topics",
            topic=topic,
            forms=forms,
            overdue=services.is_overdue(topic),
            sees_proposer=handler,
            title=topic.title if handler else services.public_title(topic),
            description=topic.description if handler else services.public_description(topic),
            merged_title=(
                topic.merged_into.title if handler else services.public_title(topic.merged_into)
            )
            if topic.merged_into
            else "",
            supporters=topic.supports.count(),
            public_title=services.public_title(topic),
            public_description=services.public_description(topic),
            public_answer=services.public_answer(topic),
            item_url=reverse("console:catalog") if topic.item_key else "",
        ),
        status=status,
    )


@console_view
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk)
    return _render_detail(request, topic, _forms(request, topic))


@console_view
@require_POST
def answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    topic = _topic(request, pk)
    if action not in ACTIONS:
        raise Http404
    if not permissions.can_answer_topic(request.user, topic.organization):
        raise PermissionDenied(services.NOT_ANSWERER % {"org": topic.organization.name})
    forms = _forms(request, topic, request.POST, only=action)
    form = forms.get(action)
    if form is None:
        raise PermissionDenied(
            services.NOT_OPEN
            if not topic.is_open
            else services.NOT_ANSWERER % {"org": topic.organization.name}
        )
    if form.is_valid():
        data = form.cleaned_data
        common = {"actor": request.user, "echo_scope": data["echo_scope"]}
        try:
            if action == "item":
                services.accept_as_item(
                    topic,
                    answer=data["answer"],
                    category_key=data["category_key"],
                    item_name=data["item_name"],
                    item_scope=data["item_scope"],
                    timing=data["timing"],
                    **common,
                )
            elif action == "disclosure":
                services.accept_as_disclosure(
                    topic, answer=data["answer"], item_key=data["item_key"], **common
                )
            elif action == "decline":
                services.decline(topic, reason=data["answer"], **common)
            else:
                into = get_object_or_404(TopicRequest, pk=int(data["into"]))
                services.merge(topic, into=into, answer=data["answer"], **common)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, ANSWERED)
            return HttpResponseRedirect(services.console_link(topic))
    return _render_detail(request, topic, forms, status=400)
