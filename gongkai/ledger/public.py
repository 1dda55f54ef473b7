"""The public view of the transparency logs (docs/ledger-format.md §8), shared by the API and
the portal's pages.

Every entry goes through the one visibility rule (`log.visible_disclosures`, `log.readable`):
an entry of a disclosure the reader may not see, or whose content is no longer on show, is
**opaque** (index, time, organization, commitment and leaf hash), never left out, so every
index of a log is present for every reader and anyone can rebuild the tree. Nothing here
reads more than a fixed number of queries per call, however long the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from gongkai.disclosures.models import Disclosure
from gongkai.ledger import log as ledger
from gongkai.ledger import merkle
from gongkai.ledger.models import Log, LogEntry, SignedHead
from gongkai.organizations import tree
from gongkai.organizations.models import Organization
from gongkai.precompiled import Precompiled

#: The most entries one page of the API (and of a verifier's walk) holds.
MAX_ENTRIES = 1000
#: The most signed heads one page of the API holds.
MAX_HEADS = 1000


def find_log(name: str) -> Log | None:
    """The log named `name` (its root organization's code), with its root."""
    return Log.objects.select_related("root").filter(root__code=name).first()


def _logs_rooted_at(paths: list[str]) -> QuerySet[Log]:
    latest = SignedHead.objects.filter(log=OuterRef("pk")).order_by("-size", "-at", "-pk")
    return (
        Log.objects.select_related("root")
        .filter(root__path__in=paths)
        .annotate(
            head_size=Subquery(latest.values("size")[:1]),
            head_root=Subquery(latest.values("root_hash")[:1]),
            head_at=Subquery(latest.values("at")[:1]),
        )
    )


#: Every public page of an organization asks it: compiled once per connection.
_logs_at = Precompiled(_logs_rooted_at)


def log_of(organization: Organization) -> Log | None:
    """The log that entries about `organization` go to, if it exists yet (never made here),
    in one query. `log.root_of`'s rule, read from the tree paths: the nearest organization at
    or above with a log, at a root depth, or top-level; None when that one has no log yet.
    The log carries its latest head's size, root hash and time (`head_size`, `head_root`,
    `head_at`, None without a head)."""
    paths = tree.ancestor_paths(organization.path, include_self=True)
    logs = {log.root.path: log for log in _logs_at(paths)}
    for path in reversed(paths):  # deepest first
        if path in logs:
            return logs[path]
        if ledger.at_root_depth(tree.depth_of(path)) or path == paths[0]:  # no log yet
            return None
    return None


def latest_head(log: Log | None) -> SignedHead | None:
    return ledger.latest_head(log) if log is not None else None


def origin_of(log: Log) -> str:
    return ledger.origin_of(log.name)


# -- the list of logs -----------------------------------------------------------------------


@dataclass(frozen=True)
class LogListing:
    log: Log
    head: SignedHead
    #: Where this log's heads are witnessed: the log of the organization above its root
    #: (None for a top-level root). It may not exist until the first witness run.
    parent_log: str | None


def listing() -> list[LogListing]:
    """Every log that has a signed head, in tree order, with its latest head and the log
    above it: three queries, however many logs."""
    latest = SignedHead.objects.filter(log=OuterRef("pk")).order_by("-size", "-at", "-pk")
    logs = list(
        Log.objects.select_related("root")
        .annotate(head_pk=Subquery(latest.values("pk")[:1]))
        .order_by("root__path")
    )
    heads = SignedHead.objects.in_bulk([log.head_pk for log in logs if log.head_pk is not None])  # type: ignore[attr-defined]
    parents = _parent_logs([log.root for log in logs])
    return [
        LogListing(log, heads[log.head_pk], parents.get(log.root.pk))  # type: ignore[attr-defined]
        for log in logs
        if log.head_pk is not None  # type: ignore[attr-defined]
    ]


def _parent_logs(roots: Sequence[Organization]) -> dict[int, str]:
    """For each log root with a superior, the log `log.root_of` gives for that superior
    (where `witness` records its heads): the nearest organization above it that has a log,
    sits at a root depth, or is top-level. One query for the organizations above."""
    with_log = {root.path for root in roots}
    above = {path for root in roots for path in tree.ancestor_paths(root.path)}
    orgs = {
        path: (code, depth, parent_id)
        for path, code, depth, parent_id in Organization.objects.filter(
            path__in=sorted(above)
        ).values_list("path", "code", "depth", "parent_id")
    }
    found: dict[int, str] = {}
    for root in roots:
        if root.parent_id is None:
            continue
        for path in reversed(tree.ancestor_paths(root.path)):  # deepest first
            if path not in orgs:
                continue
            code, depth, parent_id = orgs[path]
            if path in with_log or ledger.at_root_depth(depth) or parent_id is None:
                found[root.pk] = code
                break
    return found


# -- signed heads ---------------------------------------------------------------------------


def heads(log: Log, *, after: int, limit: int) -> tuple[list[SignedHead], int | None]:
    """Signed heads of sizes above `after`, in order of size: for each size the head signed
    when the log reached it (a quiet log is signed again daily at the same size; the latest
    of those is the log's checkpoint). Returns the page and the `after` of the next page."""
    earlier = SignedHead.objects.filter(log=log, size=OuterRef("size"), pk__lt=OuterRef("pk"))
    rows = list(
        SignedHead.objects.filter(log=log, size__gt=after)
        .filter(~Exists(earlier))
        .order_by("size")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].size if more and rows else None)


# -- entries --------------------------------------------------------------------------------


def entry_rows(
    log: Log, user: Any, *, start: int, limit: int, now: dt.datetime | None = None
) -> list[tuple[LogEntry, bool]]:
    """Entries `start` … `start + limit - 1` of `log`, each with whether `user` may read its
    document: two queries."""
    if limit <= 0:
        return []
    rows = list(
        LogEntry.objects.filter(log=log, index__gte=start)
        .select_related("organization")
        .order_by("index")[:limit]
    )
    shown = ledger.visible_disclosures(
        user, {r.disclosure_id for r in rows if r.disclosure_id}, now
    )
    return [(row, ledger.readable(row, shown)) for row in rows]


def entries(
    log: Log, user: Any, *, start: int, limit: int, now: dt.datetime | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of `log` from `start` as the API shows it, and the `start` of the next page
    (None at the end)."""
    rows = entry_rows(log, user, start=start, limit=limit + 1, now=now)
    more = len(rows) > limit
    rows = rows[:limit]
    page = [ledger.entry_out(row, visible=visible) for row, visible in rows]
    return page, (rows[-1][0].index + 1 if more and rows else None)


# -- proofs ---------------------------------------------------------------------------------


def inclusion_paths(log: Log, indexes: Iterable[int], size: int) -> dict[int, list[bytes]]:
    """The audit paths of several leaves against the tree of `size` leaves, from one query:
    a first pass with stand-in hashes collects the addresses every path needs."""
    indexes = list(dict.fromkeys(indexes))
    needed: list[tuple[int, int]] = []

    def record(addresses: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        needed.extend(addresses)
        return dict.fromkeys(addresses, merkle.EMPTY_ROOT)

    for index in indexes:
        merkle.inclusion_path(index, size, record)
    found = ledger.fetcher(log)(list(dict.fromkeys(needed)))

    def stored(addresses: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {a: found[a] for a in addresses if a in found}

    return {index: merkle.inclusion_path(index, size, stored) for index in indexes}


def leaf_hash_at(log: Log, index: int) -> str | None:
    return LogEntry.objects.filter(log=log, index=index).values_list("leaf_hash", flat=True).first()


# -- one disclosure -------------------------------------------------------------------------


@dataclass
class DisclosureProof:
    """A disclosure's entries in its log, against the log's latest signed head."""

    #: The log's name: that of the disclosure's entries, or the one its organization's
    #: entries go to (None when there is none yet).
    log: str | None
    head: SignedHead | None
    #: (entry, whether the reader may read its document), in index order.
    entries: list[tuple[LogEntry, bool]] = field(default_factory=list)
    #: Each entry's audit path against `head` (only when asked for).
    paths: dict[int, list[bytes]] = field(default_factory=dict)


def disclosure_proof(disclosure: Disclosure, *, with_paths: bool = True) -> DisclosureProof:
    """The ledger entries of a disclosure the reader may see (the caller has checked that).

    Its documents are readable while its content is on show; once withdrawn, only the
    withdrawal's is (its earlier entries are opaque, as everywhere). A disclosure recorded
    in two logs (a log root added above it later) is proved in the log of its latest
    entry."""
    rows = list(
        LogEntry.objects.filter(disclosure=disclosure)
        .select_related("organization", "log__root")
        .order_by("index", "pk")
    )
    log: Log | None
    if rows:
        log = max(rows, key=lambda r: (r.at, r.pk)).log
        rows = [r for r in rows if r.log_id == log.pk]
    else:
        log = log_of(disclosure.organization)
    shown = ledger.Shown.of(disclosure)
    head = latest_head(log)
    proof = DisclosureProof(
        log=log.name if log is not None else None,
        head=head,
        entries=[(r, ledger.readable(r, shown)) for r in rows],
    )
    if with_paths and log is not None and head is not None:
        proof.paths = inclusion_paths(
            log, [r.index for r in rows if r.index < head.size], head.size
        )
    return proof
