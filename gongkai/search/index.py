"""Keeping the index: one entry per thing that may be found, written in the transaction of
the change that makes it findable, changes it or takes it away.

What an entry holds is only masked text as stored or shown at that moment:
- a published disclosure: the published revision's masked title, period, body (as text),
  structured data and its files' masked names and text (`visibility.published_content`,
  `published_text`), with its organization, catalog category and item, period key, scope
  and publication time; the one visibility rule (`Disclosure.objects.visible_to`) decides
  at query time who finds it;
- a withdrawn disclosure: only what the portal still shows of it, its title and the
  reason for the withdrawal; its content is gone from the index;
- an echo-wall answer (an opinion published on the wall): its masked question and answer,
  never the sender, with the wall's scope; taken off the wall, it is gone;
- an answered topic request (not merged): its masked title, description and answer with its
  echo scope;
- an information request's decision, only where it was answered by a disclosure the reader
  may see (it is found through that disclosure's visibility): the outcome, the reply and
  the legal basis as the public tracking page shows them (applicant details blanked, numbers
  masked); never what was asked nor who asked.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import itertools
import multiprocessing
import os
import resource
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from django.db import transaction
from django.utils.html import strip_tags

from gongkai.disclosures import attachments as files
from gongkai.disclosures.content import data_strings
from gongkai.disclosures.models import PUBLIC_STATES, Disclosure, State
from gongkai.disclosures.visibility import published_content, published_text
from gongkai.engagement.models import Opinion
from gongkai.engagement.models import State as OpinionState
from gongkai.inforequests import services as request_services
from gongkai.inforequests.models import InformationRequest
from gongkai.inforequests.models import Outcome as RequestOutcome
from gongkai.inforequests.models import State as RequestState
from gongkai.search import backends, tokens
from gongkai.search.models import KIND_BITS, Entry, Kind
from gongkai.topics import echo
from gongkai.topics import services as topic_services
from gongkai.topics.models import Outcome as TopicOutcome
from gongkai.topics.models import State as TopicState
from gongkai.topics.models import TopicRequest

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def sort_key(kind: str, source_id: int, date: dt.datetime) -> int:
    """Seconds since 2000 in the high 32 bits, then the kind (2 bits) and the source id
    (30 bits): unique, and in date order."""
    seconds = max(0, min(int((date - EPOCH).total_seconds()), 2**31 - 1))
    return (seconds << 32) | (KIND_BITS[Kind(kind)] << 30) | (source_id & (2**30 - 1))


def date_key(moment: dt.datetime) -> int:
    """The smallest sort key at `moment` (for date ranges)."""
    seconds = max(0, min(int((moment - EPOCH).total_seconds()), 2**31 - 1))
    return seconds << 32


def plain(body: str) -> str:
    """A rich-text body as the reader reads it: no tags, entities decoded."""
    if len(body or "") <= PLAIN_CACHED_MAX:
        return _plain(body or "")
    return html.unescape(strip_tags(body or ""))


#: Bodies up to this length are remembered (`strip_tags` is slow; bodies repeat templates).
PLAIN_CACHED_MAX = 20_000


@functools.lru_cache(maxsize=512)
def _plain(body: str) -> str:
    return html.unescape(strip_tags(body))


def _remove(kind: str, source_id: int) -> None:
    keys = list(
        Entry.objects.filter(kind=kind, source_id=source_id).values_list("sort_key", flat=True)
    )
    if keys:
        backends.delete(keys)
        Entry.objects.filter(kind=kind, source_id=source_id).delete()


def _cleaned(entry: Entry) -> str:
    """Clean the entry's stored texts and set its sort key; return the text to tokenize."""
    entry.title = tokens.clean(entry.title)
    entry.period = tokens.clean(entry.period)
    entry.text = tokens.clean(entry.text)[: tokens.INDEX_MAX]
    entry.sort_key = sort_key(entry.kind, entry.source_id, entry.date)
    return "\n".join((entry.title, entry.period, entry.text))


def _prepare(entry: Entry) -> tuple[list[str], list[str]]:
    """Fill the entry's stored texts and sort key; return its (word, gram) tokens."""
    entry.normalized, words, grams = tokens.document(_cleaned(entry))
    return words, grams


def _put(entry: Entry) -> Entry:
    """Replace the entry of (kind, source) with `entry` (rows and full-text tokens)."""
    _remove(entry.kind, entry.source_id)
    words, grams = _prepare(entry)
    entry.save()
    backends.write(entry.sort_key, words, grams)
    return entry


def add(entries: Iterable[Entry | None]) -> int:
    """Write entries whose sources have none yet (a rebuild after clearing, new rows of a
    generator) in one bulk write per call: what `_put` writes, without its per-entry
    delete, save and full-text statement. Returns how many were written."""
    written = 0
    present = (entry for entry in entries if entry is not None)
    while chunk := list(itertools.islice(present, ADD_CHUNK)):
        written += _insert((entry, *_prepare(entry)) for entry in chunk)
    return written


def _insert(rows: Iterable[tuple[Entry, list[str], list[str]]]) -> int:
    """Write prepared entries with their tokens, ADD_CHUNK at a time; return how many."""
    written = 0
    pending = iter(rows)
    while chunk := list(itertools.islice(pending, ADD_CHUNK)):
        backends.insert(chunk)
        written += len(chunk)
    return written


#: Entries tokenized and written at a time by `add` (bounds the tokens held in memory).
ADD_CHUNK = 1000


class Adder:
    """`add` for a generator that writes its rows in batches (`gongkai seed`), with the
    tokenizing (jieba is most of an entry's cost) done in a worker process one batch behind:
    `add(batch k)` writes the entries of batch k-1, tokenized while the caller was building
    batch k, and hands batch k to the worker; `flush` writes what is still waiting. On a
    machine with one CPU (or `parallel=False`) it is `add`, at once.

    What it writes is row for row what `add` writes (a test holds them equal). Memory holds
    two batches of entries. Use it as a context manager: leaving stops the worker (without
    writing what waits; call `flush` inside the last transaction)."""

    def __init__(self, *, parallel: bool | None = None) -> None:
        if parallel is None:
            parallel = (os.cpu_count() or 1) > 1
        self.written = 0
        self._waiting: tuple[list[Entry], Future[list[tokens.Document]]] | None = None
        self._pool: ProcessPoolExecutor | None = None
        if parallel:
            # spawn, not fork: the worker needs no database connection, Django or thread of
            # this process, only gongkai.search.tokens.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=tokens.warm,
            )

    def add(self, entries: Iterable[Entry | None]) -> None:
        self._write(self.swap(entries))

    def swap(self, entries: Iterable[Entry | None]) -> backends.Prepared | None:
        """`add` without writing: hand `entries` over and return the entries handed over
        before, tokenized and prepared (`backends.prepare`), for the caller to write with
        `backends.write_prepared` (`gongkai seed` prepares them in one process and writes
        them in another). Without a worker, `entries` themselves, at once."""
        chunk = [entry for entry in entries if entry is not None]
        waiting = self.take()
        if self._pool is None:
            return backends.prepare([(entry, *_prepare(entry)) for entry in chunk])
        if chunk:
            texts = [_cleaned(entry) for entry in chunk]
            self._waiting = (chunk, self._pool.submit(tokens.documents, texts))
        return waiting

    def take(self) -> backends.Prepared | None:
        """The entries handed to the worker, tokenized and prepared (waiting for it), or
        None when none wait."""
        if self._waiting is None:
            return None
        chunk, future = self._waiting
        self._waiting = None
        rows = []
        for entry, (normalized, words, grams) in zip(chunk, future.result(), strict=True):
            entry.normalized = normalized
            rows.append((entry, words, grams))
        return backends.prepare(rows)

    def flush(self) -> None:
        """Write the entries handed to the worker (waiting for it); call it in a transaction."""
        self._write(self.take())

    def _write(self, prepared: backends.Prepared | None) -> None:
        if prepared is not None:
            backends.write_prepared(prepared)
            self.written += len(prepared)

    def worker_peak_kib(self) -> int:
        """The worker's peak resident memory as `ru_maxrss` gives it (0 without a worker)."""
        if self._pool is None:
            return 0
        return self._pool.submit(resource.getrusage, resource.RUSAGE_SELF).result().ru_maxrss

    def close(self) -> None:
        self._waiting = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Adder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- disclosures ------------------------------------------------------------------------------


def disclosure_entry(d: Disclosure) -> Entry | None:
    """The entry of a disclosure as the portal shows it now, or None when nothing of it may
    be found (never published)."""
    revision = d.published_revision
    if d.state not in PUBLIC_STATES or revision is None or d.publish_from is None:
        return None
    shown = published_content(d, revision)
    withdrawal = None
    attached: list[str] = []
    if d.state == State.WITHDRAWN:
        withdrawal = published_text(d, d.withdrawal_reason)
    else:
        for attachment in revision.attachments.all():
            attached.append(files.published_name(d, attachment))
            attached.extend(text for _label, text in files.published_parts(d, attachment))
    return published_entry(
        source_id=d.pk,
        organization_id=d.organization_id,
        scope=d.scope,
        category_key=str(d.rule("category_key") or getattr(d.item, "category_key", "") or ""),
        item_key=d.item.key if d.item_id else "",
        period_key=d.period_key or "",
        date=d.publish_from,
        shown=shown,
        attached=attached,
        withdrawal=withdrawal,
    )


def published_entry(
    *,
    source_id: int,
    organization_id: int,
    scope: str,
    category_key: str,
    item_key: str,
    period_key: str,
    date: dt.datetime,
    shown: dict[str, Any],
    attached: Iterable[str] = (),
    withdrawal: str | None = None,
) -> Entry:
    """A published disclosure's entry from what the portal shows of it: `shown` as
    `published_content` gives it, its files' masked names and texts (`attached`), and for a
    withdrawn one (the portal shows only its title and the reason) the masked reason
    (`withdrawal`). `disclosure_entry` builds it from the rows; generators that write the
    rows themselves (`gongkai seed`) from what they wrote."""
    entry = Entry(
        kind=Kind.DISCLOSURE,
        source_id=source_id,
        disclosure_id=source_id,
        organization_id=organization_id,
        scope=scope,
        category_key=category_key,
        item_key=item_key,
        period_key=period_key,
        date=date,
        title=str(shown["title"]),
        period=str(shown["period"]),
    )
    if withdrawal is not None:
        entry.withdrawn = True
        entry.text = withdrawal
        return entry
    parts = [plain(shown["body"]), "\n".join(data_strings(shown["data"])), *attached]
    entry.text = "\n".join(p for p in parts if p)
    return entry


def update_disclosure(d: Disclosure) -> None:
    """Bring the disclosure's entry (and those of requests it answers) up to date; call it
    inside the transaction of publication, correction and withdrawal."""
    with transaction.atomic():
        d = Disclosure.objects.select_related("published_revision", "item").get(pk=d.pk)
        entry = disclosure_entry(d)
        if entry is None:
            _remove(Kind.DISCLOSURE, d.pk)
        else:
            _put(entry)
        for request in InformationRequest.objects.filter(disclosure=d):
            update_request(request)


# --- the echo wall ----------------------------------------------------------------------------


def update_opinion(opinion: Any) -> None:
    """An opinion on the echo wall is found by its masked question and answer; off the wall,
    it is not."""
    with transaction.atomic():
        if not (opinion.published and opinion.state == OpinionState.ANSWERED):
            _remove(Kind.OPINION, opinion.pk)
            return
        _put(
            Entry(
                kind=Kind.OPINION,
                source_id=opinion.pk,
                organization_id=opinion.organization_id,
                scope=opinion.echo_scope,
                item_key=opinion.item_key or "",
                date=opinion.published_at or opinion.answered_at,
                title=opinion.masked_question[:80],
                text=f"{opinion.masked_question}\n{opinion.masked_answer}",
            )
        )


def update_topic(topic: Any) -> None:
    """An answered topic request (not merged: its answer is another topic's) is found by its
    masked question and answer, in its echo scope."""
    with transaction.atomic():
        if topic.state != TopicState.ANSWERED or topic.outcome == TopicOutcome.MERGED:
            _remove(Kind.TOPIC, topic.pk)
            return
        _put(
            Entry(
                kind=Kind.TOPIC,
                source_id=topic.pk,
                organization_id=topic.organization_id,
                scope=topic.echo_scope,
                date=topic.answered_at,
                title=topic_services.public_title(topic),
                text=f"{echo.question_text(topic)}\n{topic_services.public_answer(topic)}",
            )
        )


# --- information requests ---------------------------------------------------------------------


def update_request(request: Any) -> None:
    """A decision answered by a disclosure, found through that disclosure's visibility."""
    with transaction.atomic():
        d = request.disclosure
        if (
            request.state != RequestState.ANSWERED
            or request.outcome not in (RequestOutcome.DISCLOSED, RequestOutcome.PARTLY)
            or d is None
            or d.state not in PUBLIC_STATES
            or d.state == State.WITHDRAWN
            or d.publish_from is None
        ):
            _remove(Kind.REQUEST, request.pk)
            return
        view = request_services.public_view(request)
        decided = request.decided_on or d.publish_from.date()
        date = dt.datetime.combine(decided, dt.time(12), tzinfo=dt.UTC)
        title = d.published_revision.published_title if d.published_revision else None
        _put(
            Entry(
                kind=Kind.REQUEST,
                source_id=request.pk,
                disclosure=d,
                organization_id=request.organization_id,
                scope=d.scope,
                date=max(date, d.publish_from),
                title=title or published_text(d, d.title),
                text="\n".join(
                    p for p in (view["outcome_label"], view["reply"], view["legal_basis"]) if p
                ),
            )
        )


# --- rebuilding -------------------------------------------------------------------------------

BATCH = 500


def _batches(queryset: Any, batch: int) -> Iterator[list[Any]]:
    """Rows by primary key, `batch` at a time (bounded memory: no offset, no big list)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def rebuild(*, batch: int = BATCH, log: Any = None) -> dict[str, int]:
    """Empty the index and write every entry again, a batch per transaction."""
    counts = {kind.value: 0 for kind in Kind}
    with transaction.atomic():
        backends.clear()
    sources: list[tuple[str, Any, Any]] = [
        (
            Kind.DISCLOSURE,
            Disclosure.objects.filter(state__in=PUBLIC_STATES, published_revision__isnull=False)
            .select_related("published_revision", "item")
            .prefetch_related("published_revision__attachments"),
            update_disclosure_only,
        ),
        (Kind.OPINION, Opinion.objects.filter(published=True), update_opinion),
        (Kind.TOPIC, TopicRequest.objects.filter(state="answered"), update_topic),
        (
            Kind.REQUEST,
            InformationRequest.objects.filter(disclosure__isnull=False).select_related(
                "disclosure"
            ),
            update_request,
        ),
    ]
    for kind, queryset, update in sources:
        for rows in _batches(queryset, batch):
            with transaction.atomic():
                if kind == Kind.DISCLOSURE:
                    # The index was emptied: one bulk write per batch.
                    add(disclosure_entry(row) for row in rows)
                else:
                    for row in rows:
                        update(row)
            counts[kind] = counts[kind] + len(rows)
            if log is not None:
                log(kind, counts[kind])
    return counts


def is_empty() -> bool:
    """Whether the index holds no entry at all (a database seeded before the search app)."""
    return not Entry.objects.exists()


def update_disclosure_only(d: Disclosure) -> None:
    """The disclosure's own entry (the rebuild writes requests separately), from the row as
    loaded with its revision, item and the revision's files."""
    entry = disclosure_entry(d)
    if entry is None:
        _remove(Kind.DISCLOSURE, d.pk)
    else:
        _put(entry)


__all__ = [
    "is_empty",
    "rebuild",
    "update_disclosure",
    "update_opinion",
    "update_request",
    "update_topic",
]
