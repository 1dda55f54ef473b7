"""A disclosure as a line of a list (`{% listing_item listing %}`), rendered in Python: the
organization page has up to about a hundred of them, and a template include per line was a
third of its rendering. The markup is that of a template line: a link to the disclosure
with its published title, a badge when withdrawn or marked (party-internal, party-first)
where the surrounding column does not already say so, then organization, item, period and
date as asked."""

from __future__ import annotations

import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from gongkai.portal.reading import Listing
from gongkai.portal.templatetags.portal_time import cn_date
from gongkai.web.templatetags.iso import iso

register = template.Library()

_PK = 2_147_483_647


@functools.lru_cache(maxsize=8)
def _disclosure_url(prefix: str) -> tuple[str, str]:
    """The disclosure page's address around its key, for this script prefix (reversed once,
    not once per line)."""
    url = reverse("portal:disclosure", args=[_PK])
    before, _, after = url.partition(str(_PK))
    return before, after


def disclosure_url(pk: int) -> str:
    before, after = _disclosure_url(get_script_prefix())
    return f"{before}{pk}{after}"


@register.simple_tag
def listing_item(
    listing: Listing,
    *,
    scope: str = "",
    show_until: bool = False,
    show_org: bool = False,
    show_item: bool = False,
) -> SafeString:
    """`<li>` for `listing`. `scope`: the scope the surrounding column already shows (its
    mark is then not repeated)."""
    d = listing.disclosure
    badges = []
    if listing.withdrawn:
        badges.append(("badge yellow", gettext("Withdrawn")))
    if listing.mark and listing.mark != scope:
        badges.append(("badge red", listing.mark_label))
    facts = []
    if show_org:
        facts.append(d.organization.name)
    if show_item:
        facts.append(d.item.name)
    if listing.period:
        facts.append(listing.period)
    until = ""
    if show_until and d.publicity_until:
        until = " · " + gettext("on show until %(until)s") % {"until": cn_date(d.publicity_until)}
    return format_html(
        '<li{}><a href="{}">{}</a>{}<span class="muted when">{}'
        '<time datetime="{}">{}</time>{}</span></li>',
        SafeString(' class="withdrawn"') if listing.withdrawn else "",
        disclosure_url(d.pk),
        listing.title,
        format_html_join("", ' <span class="{}">{}</span>', badges) + SafeString(" "),
        format_html_join("", "{} · ", ((fact,) for fact in facts)),
        iso(d.publish_from),
        cn_date(d.publish_from),
        until,
    )
