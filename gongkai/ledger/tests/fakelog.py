"""A second, deliberately naive implementation of docs/ledger-format.md, for testing the
verifiers (scripts/verify_ledger.py and portal/static/portal/ledger-check.js) before and
independently of the server.

Nothing here is shared with the verifiers: canonical JSON is written by hand rather than by
`json.dumps`, Merkle roots and proofs are the recursive definitions of RFC 9162 2.1.1, 2.1.3.1
and 2.1.4.1 (the verifiers use the iterative algorithms), and the log is served over HTTP by
`http.server`, so the verifier under test sees only bytes on a socket.

`build()` makes a small deployment of two logs:

    YL (root)   #0 publish d4     #1 witness QS@3     #2 witness QS@6
    QS (in YL)  #0 checkpoint     #1 publish d1       #2 publish d2 (opaque)
                #3 correct d1     #4 publish d3       #5 withdraw d3

with a signed head after every append, and the API views of the disclosures d1, d3, d4.
Tests change what is served (`Fake.logs[...]`, `Fake.disclosures[...]`, `Fake.files[...]`)
to play a dishonest or broken server.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DEPLOYMENT = "gongkai.example.cn"
BASE = "http://BASE"  # replaced by the server's address when served
T0 = datetime(2026, 3, 1, 2, 3, 4, 5, tzinfo=UTC)
ZEROS = "0" * 64
BEIJING = ZoneInfo("Asia/Shanghai")

# --- canonical JSON, by hand ----------------------------------------------------------------

SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def _string(text: str) -> str:
    out = ['"']
    for ch in unicodedata.normalize("NFC", text):
        if ch in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canon_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        assert value == value and abs(value) != float("inf")
        return str(int(value)) if value == int(value) else repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(canon_text(v) for v in value) + "]"
    assert isinstance(value, dict)
    pairs = sorted((unicodedata.normalize("NFC", k), v) for k, v in value.items())
    return "{" + ",".join(f"{_string(k)}:{canon_text(v)}" for k, v in pairs) + "}"


def canon(value: Any) -> bytes:
    return canon_text(value).encode("utf-8")


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hexh(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def when(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"


# --- the Merkle tree, recursively ---------------------------------------------------------


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + leaves[0])
    k = _split(n)
    return h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def inclusion(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*inclusion(m, leaves[:k]), mth(leaves[k:])]
    return [*inclusion(m - k, leaves[k:]), mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    return _subproof(m, leaves, True) if 0 < m < len(leaves) else []


# --- keys and notes -------------------------------------------------------------------------


class Signer:
    def __init__(self, name: str, seed: int) -> None:
        self.name = name
        self.private = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
        self.public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = h(name.encode() + b"\n" + b"\x01" + self.public)[:4]

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(b"\x01" + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def api(self) -> dict[str, str]:
        return {
            "name": self.name,
            "key_id": self.key_id.hex(),
            "public_key": base64.b64encode(self.public).decode(),
            "vkey": self.vkey,
        }

    def sign(self, body: str) -> str:
        signature = self.private.sign(body.encode())
        blob = base64.b64encode(self.key_id + signature).decode()
        return f"{body}\n\u2014 {self.name} {blob}\n"


KEY = Signer(DEPLOYMENT, 7)
OTHER_KEY = Signer(DEPLOYMENT, 8)


def checkpoint_text(signer: Signer, origin: str, size: int, root: bytes, at: str) -> str:
    body = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\ntime {at}\n"
    return signer.sign(body)


# --- the deployment ---------------------------------------------------------------------------


@dataclasses.dataclass
class Log:
    log: str
    parent_log: str | None
    entries: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    leaves: list[bytes] = dataclasses.field(default_factory=list)
    heads: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"{DEPLOYMENT}/{self.log}"

    def listing(self) -> dict[str, Any]:
        head = self.heads[-1]
        return {
            "log": self.log,
            "origin": self.origin,
            "organization": self.log,
            "parent_log": self.parent_log,
            "size": head["size"],
            "root_hash": head["root_hash"],
            "checkpoint": head["checkpoint"],
        }


@dataclasses.dataclass
class Fake:
    signer: Signer
    logs: dict[str, Log]
    disclosures: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    revisions: dict[int, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    keys: list[dict[str, str]] = dataclasses.field(default_factory=list)
    clock: int = 0

    def tick(self) -> str:
        self.clock += 1
        return when(self.clock)

    def append(
        self,
        log: str,
        document: dict[str, Any],
        *,
        organization: str | None = None,
        visible: bool = True,
        sealed: Any = None,
        served: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record `document` (hashed canonically; `served` is what the API shows of it, the
        same document in any JSON spelling), then sign a new head."""
        target = self.logs[log]
        index, at = len(target.entries), self.tick()
        organization = organization or document.get("organization") or log
        published = hexh(canon(document))
        if document["kind"] in ("checkpoint", "witness"):
            sealed_hash = ZEROS
        else:
            sealed_hash = hexh(bytes([index]) * 32 + canon(sealed or {"title": document["title"]}))
        commitment = hexh(f"gongkai-commitment-v1\n{published}\n{sealed_hash}\n".encode())
        leaf = f"gongkai-leaf-v1\n{log}\n{index}\n{at}\n{organization}\n{commitment}\n".encode()
        entry: dict[str, Any] = {
            "index": index,
            "at": at,
            "organization": organization,
            "commitment": commitment,
            "leaf_hash": hexh(b"\x00" + leaf),
            "visible": visible,
        }
        if visible:
            entry.update(
                kind=document["kind"],
                document=served if served is not None else copy.deepcopy(document),
                published_hash=published,
                sealed_hash=sealed_hash,
            )
        target.entries.append(entry)
        target.leaves.append(leaf)
        self.sign_head(log)
        return entry

    def sign_head(self, log: str) -> dict[str, Any]:
        target = self.logs[log]
        size, root, at = len(target.leaves), mth(target.leaves), self.tick()
        head = {
            "size": size,
            "root_hash": root.hex(),
            "at": at,
            "checkpoint": checkpoint_text(self.signer, target.origin, size, root, at),
        }
        target.heads.append(head)
        return head

    def truncate(self, log: str, size: int) -> None:
        """Cut `log` short and serve the heads that fit, as a dishonest server would."""
        target = self.logs[log]
        del target.entries[size:]
        del target.leaves[size:]
        target.heads = [head for head in target.heads if head["size"] <= size]

    def proof(self, disclosure: int) -> dict[str, Any]:
        """Spec 8: `/api/v1/disclosures/{id}/proof`."""
        for target in self.logs.values():
            mine = [
                e
                for e in target.entries
                if e.get("visible") and e["document"].get("disclosure") == disclosure
            ]
            if mine:
                head = target.heads[-1]
                leaves = target.leaves[: head["size"]]
                return {
                    "log": target.log,
                    "checkpoint": head["checkpoint"],
                    "size": head["size"],
                    "root_hash": head["root_hash"],
                    "entries": [
                        {**e, "inclusion": [p.hex() for p in inclusion(e["index"], leaves)]}
                        for e in mine
                    ],
                }
        raise KeyError(disclosure)


def grow(fake: Fake) -> None:
    """An honest append to QS: a new disclosure, published, and its API view."""
    document = disclosure_document("publish", 5, "QS-01", 1, title="补充公开")
    fake.append("QS", document)
    fake.disclosures[5] = {**fake.disclosures[4], "id": 5, "title": "补充公开"}
    fake.disclosures[5]["organization"] = {"code": "QS-01", "name": "东岭村党支部"}


def disclosure_document(
    kind: str, disclosure: int, organization: str, revision: int, **fields: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "kind": kind,
        "disclosure": disclosure,
        "organization": organization,
        "role": "reviewer",
        "item": "notice",
        "revision": revision,
        "title": "",
        "body": "",
        "data": {},
        "period": "",
        "attachments": [],
        "scope": "public",
        "publish_from": when(0),
        "public_from": when(0),
        "publicity_until": None,
        "reason": "",
        "opinions": [],
        "events": [],
    }
    document.update(fields)
    return document


PDF = b"%PDF-1.4\n% a small file\n" + bytes(range(256)) * 3
XLSX_PARTS = [["工作表 名单", "张三\t男\n李四\t女"], ["属性", "作者：东岭村"]]
XLSX_BYTES = b"PK\x03\x04 not really a spreadsheet"


def build(
    signer: Signer = KEY,
    *,
    d1_title: str = "东岭村2025年第一季度村务公开",
    extra_qs_entry: bool = False,
    witness_fork: bool = False,
) -> Fake:
    """The deployment of the module docstring (see there)."""
    fake = Fake(signer, {"YL": Log("YL", None), "QS": Log("QS", "YL")}, keys=[signer.api()])
    text_sha = hexh(canon(XLSX_PARTS))
    attachments = [
        {"name": "决算表.pdf", "served": "original", "sha256": hexh(PDF), "size": len(PDF)},
        {"name": "名单.xlsx", "served": "text", "sha256": text_sha, "size": len(canon(XLSX_PARTS))},
    ]
    fake.files["a.pdf"] = PDF
    events = [{"at": when(0), "kind": "published", "role": "reviewer", "reason": ""}]

    fake.append("QS", {"kind": "checkpoint", "legacy_chain": {"length": 6, "head": "ab" * 32}})
    d1 = disclosure_document(
        "publish",
        1,
        "QS-01",
        2,
        title=d1_title,
        body="<p>修路工程已完工，决算金额 12.5 万元。</p>",
        data={"金额": 12.5, "户数": 30, "名称": "Café", "备注": 'a "quoted"\n\tline\u0001'},
        period="2025年第一季度",
        attachments=attachments,
        events=events,
    )
    # The API may spell the same document differently: NFD text, 30.0 for 30.
    served = copy.deepcopy(d1)
    served["data"]["名称"] = unicodedata.normalize("NFD", "Café")
    served["data"]["户数"] = 30.0
    fake.append("QS", d1, served=served)
    fake.append(
        "QS",
        disclosure_document("publish", 2, "QS-01", 1, title="党费收缴情况", scope="party"),
        visible=False,
    )
    fake.append("YL", disclosure_document("publish", 4, "YL", 1, title="县委公开事项"))
    qs3 = fake.logs["QS"].heads[2]
    if witness_fork:
        forked = h(b"another tree of three")
        qs3 = {
            "size": 3,
            "root_hash": forked.hex(),
            "checkpoint": checkpoint_text(signer, fake.logs["QS"].origin, 3, forked, when(99)),
        }
    fake.append(
        "YL",
        {
            "kind": "witness",
            "log": "QS",
            "size": 3,
            "root": qs3["root_hash"],
            "checkpoint": qs3["checkpoint"],
        },
    )
    d1_correct = {
        **d1,
        "kind": "correct",
        "revision": 3,
        "data": {**d1["data"], "金额": 12.8},
        "reason": "更正金额",
        "events": [
            *events,
            {"at": when(5), "kind": "corrected", "role": "reviewer", "reason": "更正金额"},
        ],
    }
    fake.append("QS", d1_correct)
    d3 = disclosure_document("publish", 3, "QS-02", 1, title="发展党员公示", body="<p>公示</p>")
    fake.append("QS", d3)
    fake.append(
        "QS",
        {**d3, "kind": "withdraw", "reason": "信息有误", "body": "<p>公示</p>"},
    )
    if extra_qs_entry:
        fake.append("QS", disclosure_document("publish", 5, "QS-01", 1, title="补充"))
    qs_head = fake.logs["QS"].heads[-1]
    fake.append(
        "YL",
        {
            "kind": "witness",
            "log": "QS",
            "size": qs_head["size"],
            "root": qs_head["root_hash"],
            "checkpoint": qs_head["checkpoint"],
        },
    )

    # What the API shows now (times in Beijing time: the same instants).
    def summary(pk: int, doc: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": pk,
            "organization": {"code": doc["organization"], "name": "某党组织"},
            "item": {"key": doc["item"], "name": "事项"},
            "title": doc["title"],
            "period": doc["period"],
            "scope": doc["scope"],
            "publish_from": _beijing(doc["publish_from"]),
            "public_from": _beijing(doc["public_from"]),
            "publicity_until": doc["publicity_until"],
            "revision": doc["revision"],
            "withdrawn": False,
            "body": doc["body"],
            "data": doc["data"],
            "attachments": [],
            # The timeline and the opinions as shown: what the entry recorded, and later
            # events (the end of publicity) after it.
            "events": [{**e, "at": _beijing(e["at"])} for e in doc.get("events", [])]
            + [
                {
                    "at": _beijing(when(30)),
                    "kind": "publicity_ended",
                    "role": "system",
                    "reason": "",
                }
            ],
            "opinions": [
                {
                    **o,
                    "received_at": _beijing(o["received_at"]),
                    "handled_at": _beijing(o["handled_at"]),
                }
                for o in doc.get("opinions", [])
            ],
            "withdrawal_reason": None,
            "withdrawn_at": None,
            **extra,
        }

    fake.disclosures[1] = summary(
        1,
        d1_correct,
        attachments=[
            {
                "name": "决算表.pdf",
                "kind": "pdf",
                "size": len(PDF),
                "sha256": hexh(PDF),
                "parts": [{"name": "第1页", "text": "决算"}],
                "download_url": f"{BASE}/files/a.pdf",
            },
            {
                "name": "名单.xlsx",
                "kind": "xlsx",
                "size": len(XLSX_BYTES),
                "sha256": hexh(XLSX_BYTES),
                "parts": [{"name": n, "text": t} for n, t in XLSX_PARTS],
                "download_url": None,
            },
        ],
    )
    fake.revisions[1] = [
        {"number": 2, "note": "", "title": d1["title"]},
        {"number": 3, "note": "更正金额", "title": d1["title"]},
    ]
    fake.disclosures[3] = summary(
        3,
        d3,
        withdrawn=True,
        body=None,
        data=None,
        attachments=None,
        withdrawal_reason="信息有误",
        withdrawn_at=_beijing(when(7)),
    )
    fake.disclosures[4] = summary(
        4, disclosure_document("publish", 4, "YL", 1, title="县委公开事项")
    )
    if extra_qs_entry:
        fake.disclosures[5] = summary(
            5, disclosure_document("publish", 5, "QS-01", 1, title="补充")
        )
    return fake


def _beijing(text: str | None) -> str | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(BEIJING).isoformat()


# --- serving it ----------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        try:
            self.route(fake, parts, query)
        except (KeyError, IndexError, ValueError):
            self.send(404, b'{"detail": "Not Found"}')

    def route(self, fake: Fake, parts: list[str], query: dict[str, str]) -> None:
        if parts[:1] == ["files"]:
            self.send(200, fake.files[parts[1]], "application/octet-stream")
            return
        if parts[:3] != ["api", "v1", "ledger"] and parts[:3] != ["api", "v1", "disclosures"]:
            raise KeyError(parts)
        rest = parts[3:]
        if parts[2] == "disclosures":
            pk = int(rest[0])
            if len(rest) == 1:
                self.json(fake.disclosures[pk])
            elif rest[1] == "revisions":
                self.json(fake.revisions[pk])
            elif rest[1] == "proof":
                self.json(fake.proof(pk))
            else:
                raise KeyError(rest)
            return
        if rest == ["keys"]:
            self.json(fake.keys)
        elif rest == ["logs"]:
            self.json([log.listing() for log in fake.logs.values()])
        elif rest[0] == "logs":
            log = fake.logs[rest[1]]
            self.log_view(log, rest[2:], query)
        else:
            raise KeyError(rest)

    def log_view(self, log: Log, rest: list[str], query: dict[str, str]) -> None:
        # Small pages, so paging is exercised.
        if rest == ["checkpoint"]:
            self.send(200, log.heads[-1]["checkpoint"].encode(), "text/plain; charset=utf-8")
        elif rest == ["heads"]:
            after = int(query.get("after", 0))
            later = [head for head in log.heads if head["size"] > after]
            page = later[:2]
            self.json({"results": page, "next_after": page[-1]["size"] if len(later) > 2 else None})
        elif rest == ["entries"]:
            start, limit = int(query.get("start", 0)), min(int(query.get("limit", 2)), 2)
            later = [e for e in log.entries if e["index"] >= start]
            page = later[:limit]
            more = len(later) > limit
            self.json({"results": page, "next_start": page[-1]["index"] + 1 if more else None})
        elif rest == ["proof", "consistency"]:
            first, second = int(query["first"]), int(query["second"])
            if not 0 <= first <= second <= len(log.leaves):
                raise ValueError(first)
            path = consistency(first, log.leaves[:second])
            self.json({"first": first, "second": second, "path": [p.hex() for p in path]})
        elif rest == ["proof", "inclusion"]:
            index, size = int(query["index"]), int(query["size"])
            if not 0 <= index < size <= len(log.leaves):
                raise ValueError(index)
            path = inclusion(index, log.leaves[:size])
            self.json(
                {
                    "index": index,
                    "size": size,
                    "leaf_hash": hexh(b"\x00" + log.leaves[index]),
                    "path": [p.hex() for p in path],
                }
            )
        else:
            raise KeyError(rest)

    def json(self, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False).replace(BASE, self.server.url)
        self.send(200, text.encode(), "application/json")

    def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: Fake

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return (
            f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"
        )


@contextmanager
def serving() -> Iterator[Server]:
    server = Server(("127.0.0.1", 0), Handler)
    server.fake = build()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
