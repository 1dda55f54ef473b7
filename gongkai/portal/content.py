"""The content of one revision as the public disclosure page shows it: the body, the
structured data, the files and the consultation, composed once.

The portal's disclosure page and the reviewer's preview in the console both render
`portal/_content.html` with `content_context(...)`, so the preview is the public page's own
HTML for that revision (masked by the same `published_content`, through
`reading.show_revision`), not an approximation kept in step by hand.
"""

from __future__ import annotations

from typing import Any

from gongkai.disclosures import attachments as files
from gongkai.disclosures.models import Attachment, Disclosure, Revision
from gongkai.disclosures.visibility import published_text
from gongkai.portal import reading
from gongkai.precompiled import Precompiled


def shown_attachments(disclosure: Disclosure, revision: Revision | None) -> list[dict[str, Any]]:
    """The files of `revision`: the original where nothing in it would be masked, otherwise
    only its masked text."""
    if revision is None:
        return []
    return [
        {
            "attachment": a,
            "name": files.published_name(disclosure, a),
            "downloadable": files.original_is_public(disclosure, a),
            "unread": not a.complete,
            "parts": files.published_parts(disclosure, a),
        }
        for a in _files_of(revision.pk)
    ]


#: A revision's files, asked on every disclosure page: compiled once per connection.
_files_of = Precompiled(lambda pk: Attachment.objects.filter(revisions=pk))


def shown_opinions(disclosure: Disclosure, *, consulted: bool = True) -> list[dict[str, str]]:
    """The consultation and how each opinion was handled, without naming who gave it; the
    reviewer never vetted an opinion, so nothing in one stays unmasked. `consulted`: False
    where the caller knows no consultation was ever opened (an opinion is only taken while
    one is open), which spares the query."""
    if not consulted:
        return []
    return [
        {
            "text": published_text(disclosure, o.text, reviewed=False),
            "handling": published_text(disclosure, o.handling, reviewed=False),
        }
        for o in disclosure.opinions.order_by("received_at", "pk")
    ]


def content_context(
    disclosure: Disclosure,
    revision: Revision,
    *,
    shown: reading.ShownRevision | None = None,
    attachment_revision: Revision | None = None,
) -> dict[str, Any]:
    """The context `portal/_content.html` renders. `shown` reuses a revision the caller has
    already prepared; `attachment_revision` names the revision whose files are listed (the
    portal lists the published revision's, the preview the previewed one's)."""
    return {
        "d": disclosure,
        "current": shown or reading.show_revision(disclosure, revision),
        "attachments": shown_attachments(disclosure, attachment_revision or revision),
        "opinions": shown_opinions(disclosure),
    }
