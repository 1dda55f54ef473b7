"""RSS 2.0 and Atom feeds of public disclosures: the whole site's newest, an organization's
(alone or with everything below it) and one catalog category of an organization's.

Feeds are public only: every entry comes from `Disclosure.objects.visible_to(AnonymousUser(),
now)`, whoever asks, so a member's feed reader never carries a party-internal item out of the
party. An entry is what the portal shows of the disclosure (the masked bytes stored at
publication), linked to its page and dated by the moment it became public (`public_from`): a
party-first item enters the feeds at its public time, never at its party time.

A withdrawn disclosure stays in a feed as a withdrawal notice: its title marked withdrawn and
the reason, without its content, and updated at the withdrawal, so a reader that already
fetched the entry learns that it was taken back (withdrawal is never silent).

Each feed is one query for its organization (or none) and one for its newest `LIMIT`
entries, whatever their number (a subtree's: `gongkai.portal.subtree`, a few more).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from gongkai.catalog.effective import applicable_catalog
from gongkai.disclosures.content import sanitize_html
from gongkai.disclosures.models import Disclosure
from gongkai.disclosures.visibility import published_content, published_text, shows_content
from gongkai.organizations.models import Organization
from gongkai.portal import subtree
from gongkai.portal.reading import shown_title

#: Entries per feed: the newest public ones.
LIMIT = 50
#: Characters of a disclosure's (masked, sanitised) body an entry carries as its summary.
SUMMARY_CHARS = 300


def public_disclosures(now: dt.datetime) -> QuerySet[Disclosure]:
    """What feeds and the sitemap may list: what an anonymous reader may see now."""
    return Disclosure.objects.visible_to(AnonymousUser(), now)


@dataclass
class Source:
    """What a feed lists: the whole site, an organization (with its subtree or not), or one
    category of an organization's catalog; taken once per request with its moment."""

    now: dt.datetime
    organization: Organization | None = None
    subtree: bool = False
    category_key: str = ""
    category_name: str = ""


@dataclass
class Entry:
    pk: int
    title: str
    summary: str
    link: str
    published: dt.datetime
    updated: dt.datetime
    organization: str
    withdrawn: bool


def entry(disclosure: Disclosure) -> Entry:
    """A disclosure as a feed entry: what its page shows, dated by its public time."""
    title = shown_title(disclosure)
    published = disclosure.public_from or disclosure.publish_from or timezone.now()
    revision = disclosure.published_revision
    updated = published
    if revision is not None and revision.published_at and revision.published_at > updated:
        updated = revision.published_at  # corrected after it became public
    if not shows_content(disclosure):
        reason = published_text(disclosure, disclosure.withdrawal_reason)
        if disclosure.withdrawn_at is not None and disclosure.withdrawn_at > updated:
            updated = disclosure.withdrawn_at
        return Entry(
            pk=disclosure.pk,
            title=_("Withdrawn: %(title)s") % {"title": title},
            summary=escape(_("Withdrawn. Reason: %(reason)s") % {"reason": reason}),
            link=reverse("portal:disclosure", args=[disclosure.pk]),
            published=published,
            updated=updated,
            organization=disclosure.organization.name,
            withdrawn=True,
        )
    body = ""
    if revision is not None:
        body = str(published_content(disclosure, revision)["body"])
    return Entry(
        pk=disclosure.pk,
        title=title,
        summary=Truncator(sanitize_html(body)).chars(SUMMARY_CHARS, html=True),
        link=reverse("portal:disclosure", args=[disclosure.pk]),
        published=published,
        updated=updated,
        organization=disclosure.organization.name,
        withdrawn=False,
    )


def newest(queryset: QuerySet[Disclosure]) -> list[Entry]:
    """The newest `LIMIT` entries of `queryset`, by public time, in one query: the published
    revision (its masked bytes) and the organization's name come with each row."""
    rows = (
        queryset.select_related("published_revision", "organization")
        .defer(
            "body",
            "data",
            "rules",
            "secrecy_checklist",
            "secret_clearances",
            "secret_clearance",
        )
        .order_by("-public_from", "-pk")[:LIMIT]
    )
    return [entry(d) for d in rows]


class DisclosureFeed(Feed):
    """RSS 2.0; `AtomDisclosureFeed` is the same entries as Atom 1.0."""

    feed_type: type[feedgenerator.SyndicationFeed] = feedgenerator.Rss201rev2Feed
    language = "zh-cn"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Source:
        return Source(now=timezone.now())

    def items(self, source: Source) -> list[Entry]:
        disclosures = public_disclosures(source.now)
        org = source.organization
        if org is not None and source.subtree:
            disclosures = subtree.newest(disclosures, org.path, "public_from", LIMIT)
        elif org is not None:
            disclosures = disclosures.filter(organization=org)
        if source.category_key:
            disclosures = disclosures.filter(item__category_key=source.category_key)
        return newest(disclosures)

    def title(self, source: Source) -> str:
        org = source.organization
        if org is None:
            return _("Party-affairs disclosure: newest public items")
        if source.category_key:
            return _("%(organization)s: %(category)s") % {
                "organization": org.name,
                "category": source.category_name,
            }
        if source.subtree:
            return _("%(organization)s and its subordinate organizations") % {
                "organization": org.name
            }
        return _("%(organization)s: party-affairs disclosure") % {"organization": org.name}

    def description(self, source: Source) -> str:
        return _("Public disclosures, newest first, dated by when they became public.")

    def link(self, source: Source) -> str:
        if source.organization is None:
            return reverse("home")
        return reverse("portal:organization", args=[source.organization.code])

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.summary

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return item.link

    def item_guid_is_permalink(self, item: Entry) -> bool:
        return True

    def item_pubdate(self, item: Entry) -> dt.datetime:
        return item.published

    def item_updateddate(self, item: Entry) -> dt.datetime:
        return item.updated

    def item_author_name(self, item: Entry) -> str:
        return item.organization


class OrganizationFeed(DisclosureFeed):
    def get_object(  # type: ignore[override]
        self, request: HttpRequest, code: str, subtree: bool = False
    ) -> Source:
        now = timezone.now()
        org = get_object_or_404(Organization, code=code)
        return Source(now=now, organization=org, subtree=subtree)


class CategoryFeed(DisclosureFeed):
    def get_object(  # type: ignore[override]
        self, request: HttpRequest, code: str, category: str
    ) -> Source:
        now = timezone.now()
        org = get_object_or_404(Organization, code=code)
        catalog = applicable_catalog(org)
        found = next(
            (c for c in (catalog.categories if catalog is not None else []) if c.key == category),
            None,
        )
        if found is None:
            raise Organization.DoesNotExist
        return Source(now=now, organization=org, category_key=found.key, category_name=found.name)


class AtomFeed(DisclosureFeed):
    feed_type = feedgenerator.Atom1Feed

    def subtitle(self, source: Source) -> str:
        return self.description(source)


class AtomOrganizationFeed(OrganizationFeed):
    feed_type = feedgenerator.Atom1Feed

    def subtitle(self, source: Source) -> str:
        return self.description(source)


class AtomCategoryFeed(CategoryFeed):
    feed_type = feedgenerator.Atom1Feed

    def subtitle(self, source: Source) -> str:
        return self.description(source)
