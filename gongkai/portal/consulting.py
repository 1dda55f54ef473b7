"""A draft out for consultation, composed once for every surface that shows it or takes
opinions on it: the portal's consultation page, the kiosk's and the API.

- `open_to(user, now)`: the drafts out for consultation to `user` (the one rule,
  `Disclosure.objects.in_consultation_for`) whose window is still open (time decides, as in
  `workflow.consultation_open`); `listing(...)` the same as a list with masked titles.
- `shown(draft, user, now)`: what the reader sees of a draft: its title and latest revision
  masked like anything published, whether the window is open, whether the consultation is
  public, and the reader's own opinions (matched by account) with their handling.
- `give_opinion(request, draft, user, text=..., author=...)`: an opinion by the rule of the
  page. A member's is recorded by account; the public's (not signed in, or from the kiosk)
  is cleaned to plain text, counted against the guard's limits and recognised when the same
  text was already sent (then nothing is stored).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from gongkai import validation
from gongkai.disclosures import workflow
from gongkai.disclosures.models import Disclosure, Opinion
from gongkai.disclosures.visibility import public_consultation, published_content, published_text
from gongkai.guard import duplicates, limits
from gongkai.guard import text as guard_text

#: The guard's action for opinions on consultations.
ACTION = "consultation"


def open_to(user: Any, now: dt.datetime) -> QuerySet[Disclosure]:
    """Drafts out for consultation to `user` and still taking opinions (the window closes at
    its minute)."""
    return Disclosure.objects.in_consultation_for(user).filter(
        Q(consultation_until__isnull=True) | Q(consultation_until__gt=now)
    )


def listing(
    user: Any, now: dt.datetime, *, organizations: Any = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The drafts of `open_to`, soonest closing first, with their titles masked like anything
    published; only those of `organizations` (a queryset or list) when given."""
    qs = open_to(user, now)
    if organizations is not None:
        qs = qs.filter(organization__in=organizations)
    return [
        {"d": d, "title": published_text(d, d.title), "public": public_consultation(d)}
        for d in qs.select_related("organization").order_by("consultation_until", "pk")[:limit]
    ]


def shown(draft: Disclosure, user: Any, now: dt.datetime) -> dict[str, Any]:
    """The draft as its consultation audience sees it (see the module's docstring)."""
    revision = draft.revisions.order_by("-number").first()
    content = published_content(draft, revision) if revision else None
    authenticated = bool(getattr(user, "is_authenticated", False))
    return {
        # The title on show goes through the same masking as the content.
        "title": content["title"] if content else published_text(draft, draft.title),
        "content": content,
        "open": workflow.consultation_open(draft, now),
        "public": public_consultation(draft),
        # Matched by account: two people may share a display name.
        "mine": [
            {
                "text": published_text(draft, o.text, reviewed=False),
                "handling": published_text(draft, o.handling, reviewed=False),
                "handled_at": o.handled_at,
            }
            for o in draft.opinions.filter(account=user).order_by("received_at", "pk")
        ]
        if authenticated
        else [],
    }


@dataclass(frozen=True)
class Outcome:
    """What became of an opinion: stored (`opinion`), recognised as one already received
    (`duplicate`), or refused by the guard (`refusal`, to be answered with 429)."""

    opinion: Opinion | None = None
    duplicate: bool = False
    refusal: limits.Verdict | None = None


def give_opinion(
    request: HttpRequest, draft: Disclosure, user: Any, *, text: str, author: str = ""
) -> Outcome:
    """An opinion on `draft` from `user` (AnonymousUser for the public and the kiosk).
    Refusals of the text or of the moment (window closed, outside the audience) raise
    ValidationError or PermissionDenied with a sentence in Chinese."""
    if getattr(user, "is_authenticated", False):
        opinion = workflow.add_opinion(draft, actor=user, author=user.display_name, text=text)
        return Outcome(opinion=opinion)
    text = guard_text.clean(text, max_length=validation.OPINION_MAX, required=True)
    author = guard_text.clean(author or "", max_length=validation.AUTHOR_MAX, multiline=False)
    verdict = limits.check(request, ACTION, organization=draft.organization)
    if not verdict.allowed:
        return Outcome(refusal=verdict)
    scope = f"d{draft.pk}"
    if duplicates.is_duplicate(ACTION, scope, text, secrets.token_hex(8)):
        return Outcome(duplicate=True)
    try:
        opinion = workflow.add_opinion(draft, actor=user, author=author, text=text)
    except (ValidationError, PermissionDenied):
        duplicates.forget(ACTION, scope, text)
        raise
    return Outcome(opinion=opinion)
