"""A masked personal number cannot be recovered from anything the ledger shows the public.

Disclosures are published through the workflow with generated ID numbers, mobiles and bank
cards (gongkai/disclosures/tests/strategies.py) in every place a number can go: title, body
(typed in the many ways people type numbers), structured data, period, a correction's and a
withdrawal's reason, a consultation opinion and how it was handled, an attachment's text
and its name; one disclosure is party-internal. Then everything an anonymous reader can get
about the ledger is collected: every log's entries as the public view gives them (opaque
unless the reader may read the disclosure), every signed head, every inclusion and
consistency proof, and the API's ledger endpoints where this branch has them.

For each planted number: its digits appear nowhere; and no hash of any guess of the form
"a public document with the true number put back for its mask" (nor the commitment or leaf
such a document would give, nor the unsalted sealed document, nor the original file) is any
public hash. A brute-force attack on one mobile shown as 139****5678 tries all 10,000
completions and finds nothing; with the entry's secret salt (which only those who may see
the unmasked content get) the same attack finds exactly the true number, which shows the
guesses are built right and that the salt is what protects it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gongkai.disclosures import attachments, scanning, workflow
from gongkai.disclosures.models import Attachment, Disclosure
from gongkai.disclosures.tests import files
from gongkai.disclosures.tests.strategies import leaked, personal_numbers, spellings
from gongkai.ledger import log as ledger
from gongkai.ledger import notes
from gongkai.ledger.canonical import canonical_json, canonical_time
from gongkai.ledger.documents import served_text
from gongkai.ledger.models import Log, LogEntry, SignedHead
from gongkai.ledger.tests.conftest import rolled_back
from gongkai.ledger.tests.story import Clock, Mover

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 4, 7, 1, 0, tzinfo=dt.UTC)
OPAQUE_KEYS = {"index", "at", "organization", "commitment", "leaf_hash", "visible"}
HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")

#: The mobile of the brute-force attack: 139, four unknown digits, 5678.
SHOWN = "139****5678"


def brute_force_target(middle: int) -> str:
    return f"139{middle:04d}5678"


@pytest.fixture(autouse=True)
def _media_and_logs(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GONGKAI_LEDGER_ROOT_DEPTHS = [0, 1]


@dataclass
class Planted:
    kind: str
    digits: str
    where: str

    @property
    def masked(self) -> str:
        return scanning.mask(self.digits)


@dataclass
class Published:
    numbers: list[Planted]
    target: Disclosure
    target_number: str
    number_file: Attachment
    number_file_text: str


PLACES = (
    "title",
    "body",
    "data",
    "period",
    "correction reason",
    "withdrawal reason",
    "opinion",
    "handling",
    "attachment text",
    "attachment name",
    "party-internal title",
)


def publish_everything(
    people: Any, tree: Any, catalog: Any, numbers: list[tuple[str, str]], body: str, middle: int
) -> Published:
    """Publish, correct and withdraw, through the workflow, disclosures carrying `numbers`
    (one per place in PLACES, in order; `body` is the body with the second one typed in)."""
    planted = [Planted(k, d, p) for (k, d), p in zip(numbers, PLACES, strict=True)]
    n = {p.where: p.digits for p in planted}
    move = Mover(people, Clock(T0))

    notice = move.create(
        tree.village,
        catalog,
        "phones",
        title=f"监督电话 {n['title']} 。",
        body=body,
        data={"联系方式": f"王 {n['data']} 。"},
        period=f"第 {n['period']} 期",
    )
    text = f"Contact Wang, tel {n['attachment text']} ."
    number_file = move.attach(notice, f"名单 {n['attachment name']} .pdf", files.pdf(text))
    move.publish_plain(notice)
    with workflow.clock(move.clock.tick()):
        workflow.correct(
            notice,
            actor=people.reviewer,
            reason=f"原号码 {n['correction reason']} 有误",
            title=f"监督电话 {n['title']} 。（更正）",
            body=body,
        )

    renovation = move.create(
        tree.village, catalog, "building", title="办公楼修缮方案", body="<p>预算6.8万元</p>"
    )
    move.consult(
        renovation, [("党员甲", f"建议联系 {n['opinion']} 。", f"已致电 {n['handling']} 。")]
    )
    move.review_major(renovation)

    gone = move.create(tree.village, catalog, "phones", title="旧监督电话", body="<p>停用</p>")
    move.publish_plain(gone)
    with workflow.clock(move.clock.tick()):
        workflow.withdraw(
            gone, actor=people.reviewer, reason=f"号码 {n['withdrawal reason']} 已停用"
        )

    dues = move.create(
        tree.village, catalog, "dues", title=f"党费 联系 {n['party-internal title']} 。"
    )
    move.publish_plain(dues)

    number = brute_force_target(middle)
    target = move.create(
        tree.village, catalog, "phones", title=f"监督电话 {number}", body="<p>欢迎监督。</p>"
    )
    move.publish_plain(target)
    ledger.witness(at=move.clock.tick())
    target.refresh_from_db()
    return Published(planted, target, number, number_file, text)


# -- what an anonymous reader gets ------------------------------------------------------------

#: The API's ledger endpoints (docs/ledger-format.md §8), read where this branch has them.
API = "/api/v1/ledger"


def _api(client: Client, path: str) -> Any:
    response = client.get(path)
    if response.status_code != 200:
        return None
    if response["Content-Type"].startswith("application/json"):
        return response.json()
    return response.content.decode()


def public_view() -> dict[str, Any]:
    """Everything the public can read about the ledger."""
    anonymous = AnonymousUser()
    view: dict[str, Any] = {"logs": [], "entries": {}, "heads": [], "proofs": [], "api": {}}
    for log in Log.objects.select_related("root").order_by("pk"):
        view["logs"].append({"log": log.name, "size": log.size, "root_hash": log.root_hash})
        entries = ledger.entries_view(log, anonymous, start=0, limit=100_000)
        view["entries"][log.name] = entries
        sizes = []
        for size, root, at, text in SignedHead.objects.filter(log=log).values_list(
            "size", "root_hash", "at", "checkpoint"
        ):
            view["heads"].append(
                {"size": size, "root_hash": root, "at": canonical_time(at), "checkpoint": text}
            )
            sizes.append(size)
        for entry in entries:
            for size in (entry["index"] + 1, log.size):
                view["proofs"].append(ledger.hex_path(ledger.inclusion(log, entry["index"], size)))
        for first in sizes:
            view["proofs"].append(ledger.hex_path(ledger.consistency(log, first, log.size)))
    client = Client()
    paths = [f"{API}/keys", f"{API}/logs"]
    for log in view["logs"]:
        base = f"{API}/logs/{log['log']}"
        paths += [
            f"{base}/checkpoint",
            f"{base}/heads?after=0",
            f"{base}/entries?start=0&limit=1000",
        ]
        paths += [
            f"{base}/proof/inclusion?index={i}&size={log['size']}" for i in range(log["size"])
        ]
        paths += [
            f"{base}/proof/consistency?first={m}&second={log['size']}" for m in range(log["size"])
        ]
    for pk in Disclosure.objects.values_list("pk", flat=True):
        paths.append(f"/api/v1/disclosures/{pk}/proof")
    for path in paths:
        found = _api(client, path)
        if found is not None:
            view["api"][path] = found
    return view


#: Values that are times, hashes or signed notes, not text: a reader reading digits through
#: any separator would find any number in them (2025-04-14T18:13:00.000000 holds
#: 13000000000), so they are checked as plain strings only.
NOT_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(\+00:00|Z)?|[0-9a-f]{8,}|[A-Za-z0-9+/=]{40,}"
)


def texts(value: Any) -> Iterator[str]:
    """Every piece of text in `value`: keys and string values, except times, hashes and
    signed notes (a checkpoint's lines are checked one by one)."""
    if isinstance(value, str):
        for line in value.split("\n") if value.count("\n") > 2 else [value]:
            if not NOT_TEXT.fullmatch(line.removeprefix("time ")):
                yield line
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from texts(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from texts(v)


def public_hashes(view: dict[str, Any]) -> set[str]:
    found = set(HEX64.findall(json.dumps(view, ensure_ascii=False)))
    for head in view["heads"]:
        found.add(notes.parse_checkpoint(head["checkpoint"]).root.hex())
    return found


def visible_documents(view: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(log, entry) for every entry whose document the public may read."""
    return [
        (name, entry)
        for name, entries in view["entries"].items()
        for entry in entries
        if entry["visible"]
    ]


def showing(view: dict[str, Any], masked: str) -> list[tuple[str, dict[str, Any], str]]:
    """(log, entry, canonical document) of every public document showing `masked`."""
    found = []
    for name, entry in visible_documents(view):
        text = canonical_json(entry["document"]).decode()
        if masked in text:
            found.append((name, entry, text))
    return found


def guesses(
    documents: list[tuple[str, dict[str, Any], str]], masked: str, number: str
) -> Iterator[tuple[str, str]]:
    """(what was guessed, its hash) for each of `documents` (from `showing`) with `number`
    put back for `masked`: the published hash, the commitment with the entry's public sealed
    hash, and the leaf hash that commitment would give; for all occurrences at once and for
    each one alone."""
    for name, entry, text in documents:
        parts = text.split(masked)
        variants = {number.join(parts)}
        for k in range(1, len(parts)):
            variants.add(masked.join(parts[:k]) + number + masked.join(parts[k:]))
        for variant in sorted(variants):
            published = sha256(variant.encode()).hexdigest()
            commitment = ledger.commitment_of(published, entry["sealed_hash"])
            leaf = ledger.leaf_bytes(
                name, entry["index"], entry["at"], entry["organization"], commitment
            )
            where = f"{name}#{entry['index']}"
            yield f"{where} published", published
            yield f"{where} commitment", commitment
            yield f"{where} leaf", sha256(b"\x00" + leaf).hexdigest()


def sealed_guess(target: Disclosure, title: str) -> bytes:
    """The sealed document of the brute-force target's publication, were its title
    `title`: everything else in it is public (its body as published, no data, no period, no
    files, no reason, no opinions)."""
    return canonical_json(
        {
            "title": title,
            "body": "<p>欢迎监督。</p>",
            "data": {},
            "period": "",
            "attachments": [],
            "reason": "",
            "opinions": [],
        }
    )


# -- the tests --------------------------------------------------------------------------------

EXAMPLES = settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Each example publishes a dozen times through the workflow: report a failure as found
    # rather than spend minutes shrinking it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@EXAMPLES
@given(
    numbers=st.lists(
        personal_numbers(),
        min_size=len(PLACES),
        max_size=len(PLACES),
        # Each shown its own way, so where a mask shows says which number it hides.
        unique_by=lambda number: scanning.mask(number[1])[:4] + scanning.mask(number[1])[-4:],
    ),
    data=st.data(),
    middle=st.integers(0, 9999),
)
def test_no_masked_number_can_be_recovered_from_the_public_ledger(  # type: ignore[no-untyped-def]
    people, tree, village_catalog, numbers, data, middle
):
    body_number = numbers[PLACES.index("body")][1]
    body = "<p>联系电话：" + data.draw(spellings(body_number, html=True)) + " 。</p>"
    with rolled_back():
        published = publish_everything(people, tree, village_catalog, numbers, body, middle)
        view = public_view()
        dump = json.dumps(view, ensure_ascii=False)
        hashes = public_hashes(view)

        # Opaque entries expose their four leaf values and nothing else.
        opaque = [e for entries in view["entries"].values() for e in entries if not e["visible"]]
        assert opaque, "the party-internal and the withdrawn disclosures' entries are opaque"
        for entry in opaque:
            assert set(entry) == OPAQUE_KEYS
        dues = Disclosure.objects.get(title__startswith="党费")
        for entry in LogEntry.objects.filter(disclosure=dues):
            shown = next(e for e in view["entries"]["QS"] if e["index"] == entry.index)
            assert not shown["visible"]

        shown = list(texts(view))
        for planted in [*published.numbers, Planted("mobile", published.target_number, "target")]:
            assert planted.masked != planted.digits, planted
            assert planted.digits not in dump, planted
            for text in shown:
                assert not leaked([(planted.kind, planted.digits)], text), (planted, text)
            documents = showing(view, planted.masked)
            # Shown masked in a readable document everywhere but in the party-internal title
            # and the attachment's text (whose served bytes are hashed, checked below).
            readable = planted.where not in ("party-internal title", "attachment text")
            assert bool(documents) == readable, planted
            for what, guessed in guesses(documents, planted.masked, planted.digits):
                assert guessed not in hashes, (planted, what)

        # The attachment whose text holds a number: neither its original nor its text with
        # the number put back hashes to anything public.
        parts = attachments.published_parts(published.number_file.disclosure, published.number_file)
        in_file = published.numbers[PLACES.index("attachment text")]
        assert sha256(served_text(parts)).hexdigest() in hashes  # what is served, masked
        unmasked = [(label, text.replace(in_file.masked, in_file.digits)) for label, text in parts]
        assert unmasked != parts
        assert sha256(served_text(unmasked)).hexdigest() not in hashes
        original = files.pdf(published.number_file_text)
        assert sha256(original).hexdigest() == published.number_file.sha256  # a true guess
        assert published.number_file.sha256 not in hashes

        # The brute force on 139****5678.
        entry = LogEntry.objects.get(disclosure=published.target)
        documents = showing(view, SHOWN)
        assert [(name, e["index"]) for name, e, _text in documents] == [("QS", entry.index)]
        found, found_with_salt = [], []
        for candidate in range(10_000):
            number = brute_force_target(candidate)
            title = f"监督电话 {number}"
            sealed = sealed_guess(published.target, title)
            tried = [h for _what, h in guesses(documents, SHOWN, number)]
            tried.append(sha256(sealed).hexdigest())
            tried.append(ledger.commitment_of(entry.published_hash, sha256(sealed).hexdigest()))
            if any(h in hashes for h in tried):
                found.append(number)
            if ledger.sealed_hash_of(entry.salt, sealed) == entry.sealed_hash:
                found_with_salt.append(number)
        assert found == []
        assert found_with_salt == [published.target_number]


def test_the_disclosure_api_gives_away_no_digest_of_an_unserved_original(  # type: ignore[no-untyped-def]
    people, tree, village_catalog
):
    """The API's `sha256` is of the bytes served (the masked text), never of an original
    that is not served: a file made from a known template could be recovered from it."""
    move = Mover(people, Clock(T0))
    notice = move.create(tree.village, village_catalog, "phones", title="名单")
    move.attach(notice, "名单.pdf", files.pdf(f"tel {brute_force_target(4321)}"))
    move.publish_plain(notice)
    shown = Client().get(f"/api/v1/disclosures/{notice.pk}").json()["attachments"][0]
    assert shown["download_url"] is None  # the original is not served
    digests = {str(shown.get("sha256"))}
    found = [
        brute_force_target(m)
        for m in range(10_000)
        if sha256(files.pdf(f"tel {brute_force_target(m)}")).hexdigest() in digests
    ]
    assert found == []
