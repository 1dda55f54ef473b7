#!/usr/bin/env python3
"""Verify a gongkai ledger (台账) from the outside, with nothing but its public API.

    python verify_ledger.py https://gongkai.example.cn
    python verify_ledger.py https://gongkai.example.cn --save-heads heads/
    python verify_ledger.py https://gongkai.example.cn --head heads/ --save-heads heads/

It implements docs/ledger-format.md ("The gongkai ledger: format and verification (v1)")
section 9 and needs only the Python standard library and `cryptography` (for Ed25519): copy
this one file to any machine. It checks:

1. every signed checkpoint (C2SP signed note, Ed25519, key id) and its origin;
2. every entry: no index missing; for an entry it may see, the published hash from the
   canonical JSON of its document, the commitment and the leaf hash; for an opaque entry,
   the leaf hash from its index, time, organization and commitment;
3. the Merkle tree hash (RFC 9162) of each log's leaves at every signed head's size;
4. each saved head (--head): the log's first entries still hash to it, and the server proves
   the current head consistent with it, so a log cut short or rewritten is caught;
5. each disclosure's latest entry against what the API shows now (title, body, data,
   period, scope, times, reason, files re-downloaded and hashed), unless --no-content;
6. each `witness` entry: the witnessed checkpoint is signed and the witnessed log has that
   root at that size.

Exit status: 0 when everything verifies; 1 when something does not (the first failure is
named `LOG#INDEX: reason` for an entry, `LOG@SIZE: reason` for a signed head); 2 on a usage
or network error.

Keys fetched from the server itself only show that nothing was rewritten after you first
saw it; they do not protect against a dishonest operator who shows everyone a different
log from the start. Pass the published keys with --key (from the page 如何核验, a notice, a
newspaper…) and keep saved heads (--save-heads) to compare with other readers.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
import sys
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

USER_AGENT = "gongkai-verify-ledger/1"
PAGE_LIMIT = 1000
ZERO_HASH = "0" * 64
EMPTY_ROOT = hashlib.sha256(b"").digest()
KINDS = ("publish", "correct", "withdraw", "checkpoint", "witness")
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00")
CODE_RE = re.compile(r"[A-Za-z0-9._-]+")
HEX_RE = re.compile(r"[0-9a-f]{64}")
HEADS_FILE_SUFFIX = ".checkpoint"
KEYS_FILE = "keys.vkey"


# --- errors -----------------------------------------------------------------------------------


class Failure(Exception):
    """Something does not verify; `where` names it (`LOG#INDEX`, `LOG@SIZE`, `keys`)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class Trouble(Exception):
    """A usage or network error: nothing could be concluded (exit 2)."""


class NoteError(Exception):
    """A signed note that does not parse or verify (turned into a Failure by the caller)."""


# --- hashing ----------------------------------------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _normalized(value: Any) -> Any:
    """`value` with every string in NFC and integral numbers as integers (spec 2.1)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN or infinity in a document")
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise ValueError("an object key that is not a string")
            out[unicodedata.normalize("NFC", key)] = _normalized(v)
        return out
    raise ValueError(f"a {type(value).__name__} in a document")


def canonical_json(value: Any) -> bytes:
    """The canonical JSON of spec 2.1 (raises ValueError for what JSON cannot hold)."""
    text = json.dumps(
        _normalized(value),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate
        raise ValueError("a string that is not valid Unicode") from error


def same_json(a: Any, b: Any) -> bool:
    """Whether two JSON values are the same document (equal canonical JSON)."""
    try:
        return canonical_json(a) == canonical_json(b)
    except ValueError:
        return False


def commitment_of(published_hash: str, sealed_hash: str) -> str:
    text = f"gongkai-commitment-v1\n{published_hash}\n{sealed_hash}\n"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def leaf_bytes(log: str, index: int, at: str, organization: str, commitment: str) -> bytes:
    return f"gongkai-leaf-v1\n{log}\n{index}\n{at}\n{organization}\n{commitment}\n".encode()


def leaf_hash(leaf: bytes) -> bytes:
    return sha256(b"\x00" + leaf)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


class Frontier:
    """The compact range [0, n) of a Merkle tree (RFC 9162 2.1.1): the roots of its perfect
    subtrees, largest first, so the root of every prefix is known with O(log n) memory."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []

    def append(self, leaf: bytes) -> None:
        size, h = 1, leaf
        while self._stack and self._stack[-1][0] == size:
            _, left = self._stack.pop()
            h = node_hash(left, h)
            size *= 2
        self._stack.append((size, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> bool:
    """RFC 9162 2.1.4.2 (an empty first tree is consistent with any tree)."""
    if first < 0 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path and first_root == EMPTY_ROOT
    if not path:
        return False
    if first & (first - 1) == 0:  # a power of two
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- keys and signed notes ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Key:
    name: str
    key_id: bytes
    public_key: bytes
    source: str

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(b"\x01" + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def key_id_of(name: str, public_key: bytes) -> bytes:
    return sha256(name.encode() + b"\n\x01" + public_key)[:4]


def _valid_key_name(name: str) -> bool:
    return bool(name) and all(c.isprintable() and c not in " +" for c in name)


def parse_vkey(text: str, source: str) -> Key:
    """A C2SP verifier key `<name>+<hex key id>+<base64(0x01 ‖ public key)>`."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not _valid_key_name(parts[0]):
        raise ValueError(f"not a verifier key: {text!r}")
    name, key_hex, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        key_id = bytes.fromhex(key_hex)
    except ValueError as error:
        raise ValueError(f"not a verifier key: {text!r}") from error
    if len(raw) != 33 or raw[0] != 0x01:
        raise ValueError(f"not an Ed25519 verifier key: {text!r}")
    if len(key_id) != 4 or key_id != key_id_of(name, raw[1:]):
        raise ValueError(f"the key id of {text!r} does not match its name and key")
    return Key(name, key_id, raw[1:], source)


def b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def open_note(text: str, keys: list[Key]) -> tuple[str, Key]:
    """The body of a signed note verified by at least one of `keys`, and that key.

    Signature lines of unknown keys are ignored (C2SP); a line of a known key that does not
    verify fails the whole note."""
    if not text.endswith("\n") or "\n\n" not in text:
        raise NoteError("not a signed note (no blank line before the signatures)")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a control character in the note")
    split = text.rindex("\n\n")
    body, signatures = text[: split + 1], text[split + 2 :]
    found: Key | None = None
    lines = signatures[:-1].split("\n") if signatures else []
    if not lines:
        raise NoteError("no signature line")
    for line in lines:
        match = re.fullmatch(r"\u2014 (\S+) (\S+)", line)
        if not match:
            raise NoteError(f"malformed signature line {line!r}")
        name, encoded = match.groups()
        try:
            blob = b64decode(encoded)
        except ValueError as error:
            raise NoteError(f"signature of {name} is not base64") from error
        if len(blob) < 5:
            raise NoteError(f"signature of {name} is too short")
        key_id, signature = blob[:4], blob[4:]
        for key in keys:
            if key.name == name and key.key_id == key_id:
                try:
                    Ed25519PublicKey.from_public_bytes(key.public_key).verify(
                        signature, body.encode()
                    )
                except InvalidSignature as error:
                    raise NoteError(f"the signature of {name} ({key_id.hex()}) is wrong") from error
                found = key
    if found is None:
        raise NoteError("not signed by any known key")
    return body, found


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    at: str
    text: str
    key: Key


def open_checkpoint(text: str, keys: list[Key]) -> Checkpoint:
    """A signed checkpoint (spec 6): origin, size, base64 root, `time <at>`."""
    body, key = open_note(text, keys)
    lines = body[:-1].split("\n")
    if len(lines) != 4:
        raise NoteError(f"the checkpoint body has {len(lines)} lines, not 4")
    origin, size_text, root_text, time_line = lines
    if not origin:
        raise NoteError("empty origin")
    if not re.fullmatch(r"0|[1-9][0-9]*", size_text):
        raise NoteError(f"tree size {size_text!r} is not a decimal number")
    try:
        root = b64decode(root_text)
    except ValueError as error:
        raise NoteError("root hash is not base64") from error
    if len(root) != 32:
        raise NoteError("root hash is not 32 bytes")
    if not time_line.startswith("time ") or not TIME_RE.fullmatch(time_line[5:]):
        raise NoteError(f"the fourth line {time_line!r} is not `time <at>`")
    return Checkpoint(origin, int(size_text), root, time_line[5:], text, key)


# --- HTTP -------------------------------------------------------------------------------------


class Client:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def url(self, path: str, **query: Any) -> str:
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return url

    def _open(self, url: str, accept: str) -> Any:
        request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
        return urllib.request.urlopen(request, timeout=self.timeout)

    def get_json(self, path: str, **query: Any) -> Any:
        """The JSON at `path`; an HTTP error is raised as urllib.error.HTTPError, anything
        else that goes wrong as Trouble."""
        url = self.url(path, **query)
        try:
            with self._open(url, "application/json") as response:
                data = response.read()
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Trouble(f"GET {url}: {error}") from error
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise Trouble(f"GET {url}: not JSON ({error})") from error

    def must_json(self, path: str, **query: Any) -> Any:
        """`get_json` where any HTTP error is a network/usage trouble."""
        try:
            return self.get_json(path, **query)
        except urllib.error.HTTPError as error:
            raise Trouble(f"GET {self.url(path, **query)}: HTTP {error.code}") from error

    def digest(self, url: str) -> tuple[str, int]:
        """SHA-256 and size of the bytes at `url`, read in chunks."""
        url = urllib.parse.urljoin(self.base + "/", url)
        h, size = hashlib.sha256(), 0
        try:
            with self._open(url, "*/*") as response:
                while chunk := response.read(1 << 16):
                    h.update(chunk)
                    size += len(chunk)
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Trouble(f"GET {url}: {error}") from error
        return h.hexdigest(), size


# --- the verifier -----------------------------------------------------------------------------


@dataclasses.dataclass
class SavedHead:
    checkpoint: Checkpoint
    source: str


@dataclasses.dataclass
class Claim:
    """A root a log must have at a size: from a saved head or a witness entry."""

    size: int
    root: bytes
    where: str  # who makes the claim, named in the failure
    what: str  # "saved head" or "witnessed head"


@dataclasses.dataclass
class LogInfo:
    log: str
    origin: str
    organization: str
    parent_log: str | None
    size: int
    root: bytes
    checkpoint: Checkpoint | None = None  # verified latest head
    walked: bool = False
    verified: bool = False
    proved: int = 0  # heads of it (witnessed or saved) the server proved consistent
    stats: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Latest:
    """The latest entry of a disclosure seen so far."""

    at: str
    log: str
    where: str
    kind: str
    document: dict[str, Any]


def hexstr(value: Any) -> str | None:
    return value if isinstance(value, str) and HEX_RE.fullmatch(value) else None


def parse_time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"a time without a time zone: {value!r}")
    return parsed


class Verifier:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.client = Client(args.base_url, args.timeout)
        self.keys: list[Key] = []
        self.saved_keys: list[Key] = []
        self.logs: dict[str, LogInfo] = {}
        self.failures: list[Failure] = []
        self.warnings: list[str] = []
        self.saved: dict[str, list[SavedHead]] = {}  # origin -> saved heads
        self.claims: dict[str, list[Claim]] = {}  # log -> claims to check while walking it
        self.latest: dict[int, Latest] = {}
        self.compared = 0
        self.quiet = args.json

    # output
    def say(self, line: str) -> None:
        if not self.quiet:
            print(line, flush=True)

    def fail(self, where: str, reason: str) -> None:
        failure = Failure(where, reason)
        self.failures.append(failure)
        self.say(f"FAIL {failure}")

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self.say(f"warning: {text}")

    # keys
    def load_keys(self) -> None:
        if self.args.key:
            for text in self.args.key:
                try:
                    self.keys.append(parse_vkey(text, "--key"))
                except ValueError as error:
                    raise Trouble(str(error)) from error
            return
        self.warn(
            "keys were fetched from the server itself: this protects against later "
            "rewrites, not against a dishonest operator; pass the published keys with --key"
        )
        listed = self.client.must_json("/api/v1/ledger/keys")
        if not isinstance(listed, list):
            raise Trouble("/api/v1/ledger/keys is not a list")
        for item in listed:
            try:
                name, key_id = item["name"], item["key_id"]
                public_key = b64decode(item["public_key"])
                if len(public_key) != 32 or not _valid_key_name(name):
                    raise ValueError("not an Ed25519 key")
                key = Key(name, key_id_of(name, public_key), public_key, "server")
            except (KeyError, TypeError, ValueError) as error:
                self.fail("keys", f"malformed key {item!r}: {error}")
                continue
            if key_id != key.key_id.hex():
                self.fail("keys", f"key {name}: key_id {key_id} is not {key.key_id.hex()}")
                continue
            if item.get("vkey") != key.vkey:
                self.fail("keys", f"key {name}: vkey {item.get('vkey')!r} is not {key.vkey}")
                continue
            self.keys.append(key)
        if not self.keys:
            self.fail("keys", "the server lists no usable key")

    # saved heads
    def load_saved_heads(self) -> None:
        sources: list[Path] = [Path(p) for p in self.args.head or []]
        if self.args.save_heads and Path(self.args.save_heads).is_dir():
            sources.append(Path(self.args.save_heads))
        files: list[Path] = []
        for source in sources:
            if source.is_dir():
                keys_file = source / KEYS_FILE
                if keys_file.is_file():
                    for line in keys_file.read_text("utf-8").splitlines():
                        if line.strip():
                            try:
                                self.saved_keys.append(parse_vkey(line, str(keys_file)))
                            except ValueError as error:
                                raise Trouble(f"{keys_file}: {error}") from error
                files.extend(sorted(source.glob("*" + HEADS_FILE_SUFFIX)))
            elif source.is_file():
                files.append(source)
            else:
                raise Trouble(f"--head {source}: no such file or directory")
        seen: set[tuple[str, int, bytes]] = set()
        for path in files:
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise Trouble(f"--head {path}: {error}") from error
            try:
                checkpoint = open_checkpoint(text, self.keys + self.saved_keys)
            except NoteError as error:
                self.fail(_name_of_note(text), f"saved head {path} does not verify: {error}")
                continue
            ident = (checkpoint.origin, checkpoint.size, checkpoint.root)
            if ident not in seen:
                seen.add(ident)
                self.saved.setdefault(checkpoint.origin, []).append(
                    SavedHead(checkpoint, str(path))
                )

    # logs
    def load_logs(self) -> list[LogInfo]:
        listed = self.client.must_json("/api/v1/ledger/logs")
        if not isinstance(listed, list):
            raise Trouble("/api/v1/ledger/logs is not a list")
        for item in listed:
            try:
                info = LogInfo(
                    log=item["log"],
                    origin=item["origin"],
                    organization=item["organization"],
                    parent_log=item.get("parent_log"),
                    size=item["size"],
                    root=bytes.fromhex(item["root_hash"]),
                )
                if not isinstance(info.log, str) or not CODE_RE.fullmatch(info.log):
                    raise ValueError(f"log code {info.log!r}")
                if not isinstance(info.size, int) or info.size < 0:
                    raise ValueError(f"size {info.size!r}")
            except (KeyError, TypeError, ValueError) as error:
                raise Trouble(f"/api/v1/ledger/logs: malformed log {item!r}: {error}") from error
            self.logs[info.log] = info
            where = f"{info.log}@{info.size}"
            if not info.origin.endswith("/" + info.log):
                self.fail(where, f"origin {info.origin!r} does not end in /{info.log}")
                continue
            try:
                checkpoint = open_checkpoint(item["checkpoint"], self.keys)
            except (NoteError, KeyError, TypeError) as error:
                self.fail(where, f"latest checkpoint does not verify: {error}")
                continue
            if checkpoint.origin != info.origin:
                self.fail(where, f"checkpoint origin {checkpoint.origin!r} is not {info.origin!r}")
            elif (checkpoint.size, checkpoint.root) != (info.size, info.root):
                self.fail(where, "the listed size and root_hash are not the checkpoint's")
            else:
                info.checkpoint = checkpoint
        deployments = {info.origin.rsplit("/", 1)[0] for info in self.logs.values()}
        if len(deployments) > 1:
            self.warn(f"logs of more than one deployment name: {sorted(deployments)}")
        wanted = self.args.log or list(self.logs)
        for code in wanted:
            if code not in self.logs:
                raise Trouble(f"--log {code}: the server lists no such log")
        # Parents first, so witness entries are known before the witnessed log is walked.
        return sorted((self.logs[c] for c in dict.fromkeys(wanted)), key=self.depth)

    def depth(self, info: LogInfo) -> tuple[int, str]:
        depth, parent, seen = 0, info.parent_log, {info.log}
        while parent in self.logs and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = self.logs[parent].parent_log
        return depth, info.log

    # pages
    def heads(self, info: LogInfo) -> Iterator[dict[str, Any]]:
        after = 0
        while True:
            page = self.client.must_json(f"/api/v1/ledger/logs/{info.log}/heads", after=after)
            try:
                results, next_after = page["results"], page["next_after"]
            except (KeyError, TypeError) as error:
                raise Trouble(f"heads of {info.log}: malformed page") from error
            yield from results
            if next_after is None:
                return
            if not isinstance(next_after, int) or next_after < after or not results:
                raise Trouble(f"heads of {info.log}: next_after {next_after!r} does not advance")
            after = next_after

    def entries(self, info: LogInfo) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            page = self.client.must_json(
                f"/api/v1/ledger/logs/{info.log}/entries", start=start, limit=PAGE_LIMIT
            )
            try:
                results, next_start = page["results"], page["next_start"]
            except (KeyError, TypeError) as error:
                raise Trouble(f"entries of {info.log}: malformed page") from error
            yield from results
            if next_start is None:
                return
            if not isinstance(next_start, int) or next_start <= start:
                raise Trouble(f"entries of {info.log}: next_start {next_start!r} does not advance")
            start = next_start

    # one log
    def walk(self, info: LogInfo) -> None:
        """Walk one log's entries and heads together; stop at its first structural failure."""
        log = info.log
        self.say(f"log {log} ({info.origin}): size {info.size}, root {info.root.hex()}")
        claims: dict[int, list[Claim]] = {}
        for claim in self.claims.pop(log, []):
            claims.setdefault(claim.size, []).append(claim)
        for saved in self.saved.get(info.origin, []):
            c = saved.checkpoint
            claims.setdefault(c.size, []).append(Claim(c.size, c.root, f"{log}@{c.size}", "saved"))
        if info.checkpoint is not None:
            claims.setdefault(info.size, []).append(
                Claim(info.size, info.root, f"{log}@{info.size}", "latest")
            )
        frontier = Frontier()
        info.walked = True
        heads = self.heads(info)
        head = next(heads, None)
        stats = {"entries": 0, "visible": 0, "opaque": 0, "heads": 0, "claims": 0}
        info.stats = stats
        last_head_size = -1

        def at_size(n: int) -> None:
            nonlocal head, last_head_size
            root: bytes | None = None
            while head is not None and _head_size(head) <= n:
                size = _head_size(head)
                where = f"{log}@{size}"
                if size < n or size < last_head_size:
                    raise Failure(where, "signed heads are not in order of size")
                root = root or frontier.root()
                self.check_head(info, head, root)
                last_head_size = size
                stats["heads"] += 1
                head = next(heads, None)
            for claim in claims.pop(n, []):
                root = root or frontier.root()
                if claim.root != root:
                    if claim.what == "saved":
                        reason = (
                            f"the log's first {n} entries no longer hash to the saved head's "
                            f"root {claim.root.hex()} (now {root.hex()}): the log was rewritten"
                        )
                    elif claim.what == "latest":
                        reason = f"the latest checkpoint's root is not the root of the {n} entries"
                    else:
                        reason = (
                            f"witnessed head of {log} at size {n} has root {claim.root.hex()}, "
                            f"but {log} has root {root.hex()} at that size"
                        )
                    if claim.what != "witness":
                        raise Failure(claim.where, reason)
                    # The witnessing entry is wrong, not this log: go on walking it.
                    self.fail(claim.where, reason)
                    continue
                stats["claims"] += 1

        try:
            at_size(0)
            for entry in self.entries(info):
                index = frontier.size
                got = entry.get("index") if isinstance(entry, dict) else None
                if got != index:
                    if isinstance(got, int) and got > index:
                        raise Failure(f"{log}#{index}", f"missing (the next entry is #{got})")
                    raise Failure(f"{log}#{index}", f"expected entry #{index}, got {got!r}")
                frontier.append(self.check_entry(info, entry))
                stats["entries"] += 1
                at_size(frontier.size)
            total = frontier.size
            if head is not None:
                size = _head_size(head)
                raise Failure(f"{log}#{total}", f"missing: a signed head has size {size}")
            for n in sorted(claims):
                claim = claims[n][0]
                if claim.what == "saved":
                    raise Failure(
                        f"{log}#{total}",
                        f"missing: the log now ends at {total} entries, but a saved head "
                        f"signed it at size {n}: the log was cut short",
                    )
                if claim.what == "latest":
                    raise Failure(f"{log}#{total}", f"missing: the latest head has size {n}")
                raise Failure(
                    claim.where,
                    f"witnessed head of {log} has size {n}, but {log} has only {total} entries",
                )
            if total > info.size:
                self.warn(
                    f"{log}: {total - info.size} entries after the latest signed head "
                    f"(size {info.size}) are not yet covered by a signature"
                )
        except Failure as failure:
            self.failures.append(failure)
            self.say(f"FAIL {failure}")
            return
        info.verified = True
        self.say(
            f"  {stats['entries']} entries ({stats['visible']} visible, {stats['opaque']} opaque),"
            f" {stats['heads']} signed heads, root {frontier.root().hex()}: ok"
        )

    def check_head(self, info: LogInfo, head: dict[str, Any], root: bytes) -> None:
        size = _head_size(head)
        where = f"{info.log}@{size}"
        try:
            checkpoint = open_checkpoint(head["checkpoint"], self.keys)
        except (NoteError, KeyError, TypeError) as error:
            raise Failure(where, f"signed head does not verify: {error}") from error
        if checkpoint.origin != info.origin:
            raise Failure(where, f"origin {checkpoint.origin!r} is not {info.origin!r}")
        if (checkpoint.size, checkpoint.root.hex(), checkpoint.at) != (
            size,
            head.get("root_hash"),
            head.get("at"),
        ):
            raise Failure(where, "size, root_hash or at differ from the signed checkpoint")
        if checkpoint.root != root:
            raise Failure(
                where,
                f"signed root {checkpoint.root.hex()} is not the root of the first {size} "
                f"entries ({root.hex()})",
            )

    def check_entry(self, info: LogInfo, entry: dict[str, Any]) -> bytes:
        """The entry's leaf hash, after checking everything about it that can be checked."""
        log, index = info.log, entry["index"]
        where = f"{log}#{index}"
        at, organization = entry.get("at"), entry.get("organization")
        commitment = hexstr(entry.get("commitment"))
        if not isinstance(at, str) or not TIME_RE.fullmatch(at):
            raise Failure(where, f"at {at!r} is not a canonical UTC time")
        if not isinstance(organization, str) or not CODE_RE.fullmatch(organization):
            raise Failure(where, f"organization {organization!r} is not an organization code")
        if commitment is None:
            raise Failure(where, "commitment is not a lowercase hex SHA-256")
        visible = entry.get("visible")
        if visible is True:
            self.check_visible(info, entry, where, commitment)
            info.stats["visible"] += 1
        elif visible is False:
            info.stats["opaque"] += 1
        else:
            raise Failure(where, f"visible is {visible!r}")
        leaf = leaf_hash(leaf_bytes(log, index, at, organization, commitment))
        if entry.get("leaf_hash") != leaf.hex():
            raise Failure(
                where,
                f"leaf_hash {entry.get('leaf_hash')!r} is not the hash of the leaf ({leaf.hex()})",
            )
        return leaf

    def check_visible(
        self, info: LogInfo, entry: dict[str, Any], where: str, commitment: str
    ) -> None:
        kind, document = entry.get("kind"), entry.get("document")
        published, sealed = hexstr(entry.get("published_hash")), hexstr(entry.get("sealed_hash"))
        if kind not in KINDS:
            raise Failure(where, f"unknown kind {kind!r}")
        if not isinstance(document, dict):
            raise Failure(where, "the document is not an object")
        if published is None or sealed is None:
            raise Failure(where, "published_hash or sealed_hash is not a lowercase hex SHA-256")
        try:
            computed = hashlib.sha256(canonical_json(document)).hexdigest()
        except ValueError as error:
            raise Failure(where, f"the document cannot be canonicalized: {error}") from error
        if computed != published:
            raise Failure(
                where,
                f"published_hash {published} is not the SHA-256 of the document's canonical "
                f"JSON ({computed}): the document was changed",
            )
        if commitment_of(published, sealed) != commitment:
            raise Failure(where, "commitment is not SHA-256 of its published and sealed hashes")
        if document.get("kind") != kind:
            raise Failure(where, f"the document's kind {document.get('kind')!r} is not {kind!r}")
        if kind in ("checkpoint", "witness"):
            if sealed != ZERO_HASH:
                raise Failure(where, f"a {kind} entry must have a sealed_hash of zeros")
            if entry["organization"] != info.organization:
                raise Failure(where, f"a {kind} entry must name the log root {info.organization}")
        if kind == "checkpoint":
            chain = document.get("legacy_chain")
            if entry["index"] != 0:
                raise Failure(where, "a checkpoint entry must be the log's first entry")
            if not isinstance(chain, dict) or not isinstance(chain.get("length"), int):
                raise Failure(where, "legacy_chain is malformed")
        elif kind == "witness":
            self.check_witness(info, document, where)
        else:
            disclosure = document.get("disclosure")
            if not isinstance(disclosure, int) or isinstance(disclosure, bool):
                raise Failure(where, "the document names no disclosure")
            if document.get("organization") != entry["organization"]:
                raise Failure(where, "the document's organization is not the entry's")
            previous = self.latest.get(disclosure)
            if previous is None or previous.at <= entry["at"]:
                self.latest[disclosure] = Latest(entry["at"], info.log, where, kind, document)

    def check_witness(self, info: LogInfo, document: dict[str, Any], where: str) -> None:
        witnessed, size, root = document.get("log"), document.get("size"), document.get("root")
        if witnessed not in self.logs:
            raise Failure(where, f"witnesses a log {witnessed!r} the server does not list")
        target = self.logs[witnessed]
        try:
            checkpoint = open_checkpoint(document.get("checkpoint"), self.keys)  # type: ignore[arg-type]
        except (NoteError, AttributeError, TypeError) as error:
            raise Failure(where, f"the witnessed checkpoint does not verify: {error}") from error
        if checkpoint.origin != target.origin:
            raise Failure(where, f"the witnessed checkpoint's origin is not {target.origin!r}")
        if (checkpoint.size, checkpoint.root.hex()) != (size, root):
            raise Failure(where, "size and root differ from the witnessed checkpoint's")
        self.claims.setdefault(witnessed, []).append(
            Claim(checkpoint.size, checkpoint.root, where, "witness")
        )

    # claims on logs not walked
    def prove_claims(self) -> None:
        """Witness claims and saved heads on logs not walked in this run: the server must
        prove them consistent with the log's current signed head."""
        for log, claims in self.claims.items():
            for claim in claims:
                self.prove(self.logs[log], claim)
        walked = {info.origin for info in self.logs.values() if info.walked}
        by_origin = {info.origin: info for info in self.logs.values()}
        for origin, saved_heads in self.saved.items():
            if origin in walked:
                continue
            for saved in saved_heads:
                c = saved.checkpoint
                info = by_origin.get(origin)
                if info is None:
                    log = origin.rsplit("/", 1)[-1]
                    self.fail(f"{log}@{c.size}", f"the server no longer lists the log {origin}")
                    continue
                self.prove(info, Claim(c.size, c.root, f"{info.log}@{c.size}", "saved"))

    def prove(self, info: LogInfo, claim: Claim) -> None:
        what = "saved head" if claim.what == "saved" else "witnessed head"
        if info.checkpoint is None:
            self.fail(claim.where, f"{info.log} has no verified head to compare with")
            return
        current = info.checkpoint
        if claim.size > current.size:
            self.fail(
                claim.where if claim.what != "saved" else f"{info.log}#{current.size}",
                f"{what} of {info.log} has size {claim.size}, but the log now has "
                f"{current.size} entries: the log was cut short",
            )
            return
        path: list[bytes] = []
        if 0 < claim.size < current.size:
            try:
                proof = self.client.get_json(
                    f"/api/v1/ledger/logs/{info.log}/proof/consistency",
                    first=claim.size,
                    second=current.size,
                )
                path = [bytes.fromhex(h) for h in proof["path"]]
            except urllib.error.HTTPError as error:
                self.fail(claim.where, f"the server gives no consistency proof (HTTP {error.code})")
                return
            except (KeyError, TypeError, ValueError) as error:
                self.fail(claim.where, f"malformed consistency proof: {error}")
                return
        if not verify_consistency(claim.size, current.size, claim.root, current.root, path):
            self.fail(
                claim.where,
                f"{what} of {info.log} (size {claim.size}) is not consistent with its current "
                f"head (size {current.size}): the log was rewritten",
            )
        else:
            info.proved += 1

    # content
    def check_content(self) -> None:
        for disclosure, latest in sorted(self.latest.items()):
            if not self.logs[latest.log].verified:
                continue  # which entry is its latest is not known
            self.compared += 1
            try:
                problems = self.compare(disclosure, latest)
            except (AttributeError, TypeError) as error:
                problems = [f"the API's answer is malformed ({error})"]
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    problems = [
                        f"the API does not show disclosure {disclosure} although its ledger "
                        "entry is public"
                    ]
                else:
                    raise Trouble(f"disclosure {disclosure}: HTTP {error.code}") from error
            for problem in problems:
                self.fail(latest.where, f"disclosure {disclosure}: {problem}")

    def compare(self, disclosure: int, latest: Latest) -> list[str]:
        doc = latest.document
        shown = self.client.get_json(f"/api/v1/disclosures/{disclosure}")
        if not isinstance(shown, dict):
            return ["the API's answer is not an object"]
        problems: list[str] = []

        def same(field: str, recorded: Any, now: Any) -> None:
            if not same_json(recorded, now):
                problems.append(f"{field} differs: recorded {recorded!r}, shown {now!r}")

        def same_time(field: str) -> None:
            try:
                equal = parse_time(doc.get(field)) == parse_time(shown.get(field))
            except ValueError:
                equal = False
            if not equal:
                problems.append(
                    f"{field} differs: recorded {doc.get(field)!r}, shown {shown.get(field)!r}"
                )

        same("id", disclosure, shown.get("id"))
        same("organization", doc.get("organization"), (shown.get("organization") or {}).get("code"))
        if doc.get("item"):
            same("item", doc.get("item"), (shown.get("item") or {}).get("key"))
        same("revision", doc.get("revision"), shown.get("revision"))
        same("title", doc.get("title"), shown.get("title"))
        same("period", doc.get("period"), shown.get("period"))
        same("scope", doc.get("scope"), shown.get("scope"))
        for field in ("publish_from", "public_from", "publicity_until"):
            same_time(field)
        withdrawn = latest.kind == "withdraw"
        if bool(shown.get("withdrawn")) != withdrawn:
            problems.append(
                "shown as withdrawn without a withdraw entry"
                if shown.get("withdrawn")
                else "withdrawn in the ledger but still shown"
            )
            return problems
        if withdrawn:
            same("reason", doc.get("reason"), shown.get("withdrawal_reason"))
            return problems
        same("body", doc.get("body"), shown.get("body"))
        same("data", doc.get("data"), shown.get("data"))
        if latest.kind == "correct":
            revisions = self.client.get_json(f"/api/v1/disclosures/{disclosure}/revisions")
            notes = [
                r.get("note")
                for r in revisions or []
                if isinstance(r, dict) and r.get("number") == doc.get("revision")
            ]
            same("reason", doc.get("reason"), notes[0] if notes else None)
        problems.extend(self.compare_attachments(doc.get("attachments"), shown.get("attachments")))
        # What happened after the entry (the end of the publicity period, an archive, an
        # opinion received later) has no entry of its own: the recorded timeline and
        # opinions must be where the shown ones begin.
        problems.extend(
            self.compare_prefix(
                "events",
                doc.get("events"),
                shown.get("events"),
                ("kind", "role", "reason"),
                ("at",),
            )
        )
        problems.extend(
            self.compare_prefix(
                "opinions",
                doc.get("opinions"),
                shown.get("opinions"),
                ("text", "handling"),
                ("received_at", "handled_at"),
            )
        )
        return problems

    @staticmethod
    def compare_prefix(
        field: str, recorded: Any, shown: Any, plain: tuple[str, ...], times: tuple[str, ...]
    ) -> list[str]:
        if recorded is None:
            return []  # a document from before the field was recorded
        if not isinstance(recorded, list) or not isinstance(shown, list):
            return [f"{field}: recorded {recorded!r}, shown {shown!r}"]
        if len(shown) < len(recorded):
            return [f"{field}: {len(recorded)} recorded, only {len(shown)} shown"]
        for number, (doc, api) in enumerate(
            zip(recorded, shown[: len(recorded)], strict=True), start=1
        ):
            if not isinstance(doc, dict) or not isinstance(api, dict):
                return [f"{field} {number} is malformed"]
            for key in plain:
                if not same_json(doc.get(key), api.get(key)):
                    return [
                        f"{field} {number}: {key} differs: recorded {doc.get(key)!r}, "
                        f"shown {api.get(key)!r}"
                    ]
            for key in times:
                try:
                    equal = parse_time(doc.get(key)) == parse_time(api.get(key))
                except ValueError:
                    equal = False
                if not equal:
                    return [
                        f"{field} {number}: {key} differs: recorded {doc.get(key)!r}, "
                        f"shown {api.get(key)!r}"
                    ]
        return []

    def compare_attachments(self, recorded: Any, shown: Any) -> list[str]:
        if not isinstance(recorded, list) or not isinstance(shown, list):
            return [f"attachments: recorded {recorded!r}, shown {shown!r}"]
        if len(recorded) != len(shown):
            return [f"{len(recorded)} attachments recorded, {len(shown)} shown"]
        problems: list[str] = []
        for number, (doc, api) in enumerate(zip(recorded, shown, strict=True), start=1):
            label = f"attachment {number}"
            if not isinstance(doc, dict) or not isinstance(api, dict):
                problems.append(f"{label} is malformed")
                continue
            if not same_json(doc.get("name"), api.get("name")):
                problems.append(f"{label}: name {api.get('name')!r} is not {doc.get('name')!r}")
            served = doc.get("served")
            url = api.get("download_url")
            if served == "original":
                if not url:
                    problems.append(f"{label}: recorded as served, but no download is offered")
                    continue
                if (api.get("sha256"), api.get("size")) != (doc.get("sha256"), doc.get("size")):
                    problems.append(f"{label}: the API's sha256/size are not the recorded ones")
                try:
                    digest, size = self.client.digest(url)
                except urllib.error.HTTPError as error:
                    problems.append(f"{label}: download failed (HTTP {error.code})")
                    continue
                if (digest, size) != (doc.get("sha256"), doc.get("size")):
                    problems.append(
                        f"{label}: the downloaded file ({size} bytes, sha256 {digest}) is not "
                        f"the recorded one ({doc.get('size')} bytes, sha256 {doc.get('sha256')})"
                    )
            elif served == "text":
                if url:
                    problems.append(f"{label}: recorded as text, but the original is offered")
                parts = api.get("parts")
                try:
                    text = canonical_json([[p["name"], p["text"]] for p in parts])  # type: ignore[union-attr]
                except (KeyError, TypeError, ValueError):
                    problems.append(f"{label}: the API shows no parts")
                    continue
                digest, size = hashlib.sha256(text).hexdigest(), len(text)
                if (digest, size) != (doc.get("sha256"), doc.get("size")):
                    problems.append(f"{label}: the text shown is not the recorded text")
            else:
                problems.append(f"{label}: served is {served!r}")
        return problems

    # saving
    def save_heads(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for info in self.logs.values():
            if info.verified and info.checkpoint is not None:
                (directory / f"{info.log}{HEADS_FILE_SUFFIX}").write_text(
                    info.checkpoint.text, "utf-8"
                )
        vkeys = dict.fromkeys(k.vkey for k in [*self.saved_keys, *self.keys])
        (directory / KEYS_FILE).write_text("".join(v + "\n" for v in vkeys), "utf-8")
        self.say(f"saved the verified heads and keys in {directory}")

    # all
    def run(self) -> None:
        self.load_keys()
        self.load_saved_heads()
        for info in self.load_logs():
            self.walk(info)
        self.prove_claims()
        if not self.args.no_content:
            self.check_content()
        if self.args.save_heads and not self.failures:
            self.save_heads(Path(self.args.save_heads))

    def report(self) -> dict[str, Any]:
        return {
            "ok": not self.failures,
            "base_url": self.client.base,
            "keys": [
                {"name": k.name, "key_id": k.key_id.hex(), "source": k.source} for k in self.keys
            ],
            "logs": [
                {
                    "log": info.log,
                    "origin": info.origin,
                    "size": info.size,
                    "root_hash": info.root.hex(),
                    "verified": info.verified,
                    **info.stats,
                }
                for info in self.logs.values()
                if info.walked
            ],
            "proved": {info.log: info.proved for info in self.logs.values() if info.proved},
            "disclosures_checked": self.compared,
            "warnings": self.warnings,
            "failures": [{"where": f.where, "reason": f.reason} for f in self.failures],
            "first_failure": str(self.failures[0]) if self.failures else None,
        }


def _name_of_note(text: str) -> str:
    """`LOG@SIZE` read from a checkpoint that did not verify, to name it in a failure."""
    lines = text.split("\n")
    if len(lines) > 2 and "/" in lines[0] and lines[1].isdigit():
        return f"{lines[0].rsplit('/', 1)[1]}@{lines[1]}"
    return "saved head"


def _head_size(head: Any) -> int:
    size = head.get("size") if isinstance(head, dict) else None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise Trouble(f"a signed head without a size: {head!r}")
    return size


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Verify a gongkai ledger (transparency log) from its public API.",
    )
    parser.add_argument("base_url", help="the site, e.g. https://gongkai.example.cn")
    parser.add_argument("--log", action="append", metavar="CODE", help="only this log (repeat)")
    parser.add_argument(
        "--head",
        action="append",
        metavar="FILE",
        help="a saved signed checkpoint, or a directory written by --save-heads (repeat)",
    )
    parser.add_argument(
        "--save-heads", metavar="DIR", help="after a clean run, save each log's head and the keys"
    )
    parser.add_argument(
        "--key", action="append", metavar="VKEY", help="a trusted verifier key name+id+key (repeat)"
    )
    parser.add_argument(
        "--no-content", action="store_true", help="skip comparing documents with the disclosures"
    )
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S", help="per request")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    args = parser.parse_args(argv)
    if not re.match(r"https?://", args.base_url):
        parser.error("BASE_URL must start with http:// or https://")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)  # exits 2 on a usage error
    verifier = Verifier(args)
    try:
        verifier.run()
    except Trouble as error:
        if args.json:
            print(json.dumps({"ok": False, "error": str(error)}, ensure_ascii=False))
        else:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except urllib.error.HTTPError as error:
        message = f"{error.url}: HTTP {error.code}"
        if args.json:
            print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
        else:
            print(f"error: {message}", file=sys.stderr)
        return 2
    report = verifier.report()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif verifier.failures:
        print(
            f"FAILED: {report['first_failure']} ({len(verifier.failures)} failure(s) in all)",
            flush=True,
        )
    else:
        logs = [entry for entry in report["logs"] if entry["verified"]]
        print(
            f"OK: {len(logs)} log(s), {sum(entry['entries'] for entry in logs)} entries, "
            f"{sum(entry['heads'] for entry in logs)} signed heads, "
            f"{report['disclosures_checked']} disclosures compared",
            flush=True,
        )
    return 1 if verifier.failures else 0


if __name__ == "__main__":
    sys.exit(main())
