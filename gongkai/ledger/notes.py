"""Signed checkpoints: C2SP signed notes holding C2SP checkpoints, signed with Ed25519
(docs/ledger-format.md, section 6).

Pure computation plus reading and writing the key file; no Django. A checkpoint note is

    <origin>
    <tree size>
    <base64 root hash>
    time <at>

    — <key name> <base64(key id ‖ signature)>

The body is the first four lines; the signature is Ed25519 over the body's UTF-8 bytes; the
key id is the first four bytes of SHA-256(key name ‖ "\\n" ‖ 0x01 ‖ public key).

Errors: `NoteError` for a note that is malformed or does not verify, `VerifierKeyError` for a
bad verifier key text, `KeyFileError` for a private key file that cannot be used. Their
messages are English sentences meant to be wrapped by the caller. Arguments that break the
format when building a note (an origin with a newline, a root that is not 32 bytes, …) raise
`ValueError`, of which `NoteError` and `VerifierKeyError` are subclasses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

#: C2SP signed-note algorithm byte of Ed25519.
ALG_ED25519 = 0x01
#: A signature line starts with an em dash (U+2014) and a space.
SIGNATURE_PREFIX = "\u2014 "
#: Longest note accepted, in UTF-8 bytes.
MAX_NOTE_BYTES = 8192
#: Most signature lines accepted (as golang.org/x/mod/sumdb/note).
MAX_SIGNATURES = 100
#: Largest tree size a checkpoint may state (an unsigned 64-bit number, as C2SP says).
MAX_TREE_SIZE = 2**64 - 1
#: Largest key file read, in bytes (a PEM Ed25519 key is 119).
MAX_KEY_FILE_BYTES = 64 * 1024

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A note is malformed, or not signed by a known key, or not for the expected log."""


class VerifierKeyError(ValueError):
    """A verifier key text (`<name>+<hex key id>+<base64 key>`) is malformed."""


class KeyFileError(Exception):
    """The signing key file is missing, unreadable, or not an Ed25519 private key."""


def valid_key_name(name: str) -> bool:
    """C2SP key names: non-empty, no Unicode spaces, no '+', no control characters."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c.isspace() for c in name)
        and not _CONTROL.search(name)
        and "\x7f" not in name
    )


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key id of an Ed25519 key: SHA-256(name ‖ "\\n" ‖ 0x01 ‖ key)[:4]."""
    data = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    return hashlib.sha256(data).digest()[:4]


def vkey(name: str, public_key: bytes) -> str:
    """The C2SP verifier key text `<name>+<hex key id>+<base64(0x01 ‖ key)>`."""
    encoded = base64.b64encode(bytes([ALG_ED25519]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def _b64decode(text: str) -> bytes | None:
    """Standard base64 with padding, canonical only (re-encodes to the same text)."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if base64.b64encode(data).decode("ascii") != text:
        return None
    return data


def _raw_public_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


class Signer:
    """A named Ed25519 signing key."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not valid_key_name(name):
            raise ValueError(f"{name!r} is not a valid key name (no spaces, no '+')")
        self.name = name
        self._private_key = private_key
        self.public_key: bytes = _raw_public_key(private_key)
        self.key_id: bytes = key_id(name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `message`."""
        return self._private_key.sign(message)

    def vkey(self) -> str:
        return vkey(self.name, self.public_key)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    def __repr__(self) -> str:
        return f"Signer({self.vkey()!r})"


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key (32 raw bytes)."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        if not valid_key_name(self.name):
            raise ValueError(f"{self.name!r} is not a valid key name (no spaces, no '+')")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def vkey(self) -> str:
        return vkey(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` is this key's Ed25519 signature of `message`."""
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    @classmethod
    def from_vkey(cls, text: str) -> Verifier:
        """Parse `<name>+<hex key id>+<base64(0x01 ‖ key)>` (the base64 may contain '+')."""
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise VerifierKeyError("a verifier key is <name>+<key id>+<key>")
        name, hex_id, encoded = parts
        if not valid_key_name(name):
            raise VerifierKeyError(f"{name!r} is not a valid key name")
        if not _KEY_ID_HEX.fullmatch(hex_id):
            raise VerifierKeyError("the key id of a verifier key is 8 lowercase hex digits")
        data = _b64decode(encoded)
        if data is None:
            raise VerifierKeyError("the key of a verifier key is not canonical base64")
        if len(data) != 33 or data[0] != ALG_ED25519:
            raise VerifierKeyError("the verifier key is not an Ed25519 key (0x01 and 32 bytes)")
        verifier = cls(name, data[1:])
        if verifier.key_id.hex() != hex_id:
            raise VerifierKeyError("the key id of the verifier key does not match its key")
        return verifier


class Signature(NamedTuple):
    """One signature line of a note: key name, 4-byte key id, signature bytes."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    at_text: str
    body: str
    signatures: list[Signature] = field(default_factory=list)


def _check_text(text: str, what: str) -> None:
    if _CONTROL.search(text):
        raise ValueError(f"{what} contains a control character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid Unicode text") from None


def _valid_time(at_text: str) -> bool:
    """`at` as section 2.1 writes times: UTC, ISO 8601 with microseconds."""
    if not _TIME.fullmatch(at_text):
        return False
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        return False
    return at.utcoffset() == timedelta(0) and at.isoformat(timespec="microseconds") == at_text


def checkpoint_body(origin: str, size: int, root: bytes, at_text: str) -> str:
    """The checkpoint note body: "<origin>\\n<size>\\n<base64 root>\\ntime <at_text>\\n"."""
    if not origin or "\n" in origin:
        raise ValueError("the origin is one non-empty line")
    _check_text(origin, "the origin")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_TREE_SIZE:
        raise ValueError("the tree size is an integer from 0 to 2**64 - 1")
    if not isinstance(root, bytes) or len(root) != 32:
        raise ValueError("the root hash is 32 bytes")
    if not _valid_time(at_text):
        raise ValueError(f"{at_text!r} is not a UTC time with microseconds")
    encoded = base64.b64encode(root).decode("ascii")
    return f"{origin}\n{size}\n{encoded}\ntime {at_text}\n"


def sign_note(body: str, signer: Signer) -> str:
    """`body` followed by a blank line and `signer`'s signature line."""
    if not body.endswith("\n"):
        raise ValueError("a note body ends with a newline")
    _check_text(body, "the note body")
    if "\n\n" in body or body.startswith("\n"):
        raise ValueError("a note body has no blank line")
    signature = signer.sign(body.encode("utf-8"))
    encoded = base64.b64encode(signer.key_id + signature).decode("ascii")
    note = f"{body}\n{SIGNATURE_PREFIX}{signer.name} {encoded}\n"
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise ValueError(f"a note is at most {MAX_NOTE_BYTES} bytes")
    return note


def _parse_signature(line: str) -> Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("a signature line must start with an em dash and a space")
    parts = line[len(SIGNATURE_PREFIX) :].split(" ")
    if len(parts) != 2:
        raise NoteError("a signature line is an em dash, a key name and a base64 signature")
    name, encoded = parts
    if not valid_key_name(name):
        raise NoteError(f"{name!r} is not a valid key name")
    data = _b64decode(encoded)
    if data is None:
        raise NoteError("a signature is not canonical base64")
    if len(data) < 5:
        raise NoteError("a signature is too short to hold a key id and a signature")
    return Signature(name, data[:4], data[4:])


def parse_checkpoint(note: str) -> Checkpoint:
    """Parse a signed checkpoint note strictly (signatures are not checked: see
    `verify_checkpoint`)."""
    if not isinstance(note, str):
        raise NoteError("a note is text")
    try:
        size_bytes = len(note.encode("utf-8"))
    except UnicodeEncodeError:
        raise NoteError("the note is not valid Unicode text") from None
    if size_bytes > MAX_NOTE_BYTES:
        raise NoteError(f"the note is longer than {MAX_NOTE_BYTES} bytes")
    if _CONTROL.search(note):
        raise NoteError("the note contains a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    body, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("the note must end with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has more than {MAX_SIGNATURES} signatures")
    signatures = [_parse_signature(line) for line in lines]

    body_lines = body[:-1].split("\n")
    if len(body_lines) != 4:
        raise NoteError("a checkpoint body is four lines: origin, size, root hash, time")
    origin, size_text, root_text, time_line = body_lines
    if not origin:
        raise NoteError("the checkpoint's origin is empty")
    if not _DECIMAL.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise NoteError("the checkpoint's tree size is not a decimal number without leading zeros")
    root = _b64decode(root_text)
    if root is None or len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes in canonical base64")
    if not time_line.startswith("time "):
        raise NoteError("the checkpoint's fourth line is not “time <at>”")
    at_text = time_line[len("time ") :]
    if not _valid_time(at_text):
        raise NoteError("the checkpoint's time is not a UTC time with microseconds")
    return Checkpoint(origin, int(size_text), root, at_text, body, signatures)


def verify_checkpoint(
    note: str, verifiers: Iterable[Verifier], origin: str | None = None
) -> Checkpoint:
    """Parse `note` and check it: every signature by a known key (name and key id) must
    verify over the body bytes and there must be at least one; signatures by unknown keys
    are ignored. When `origin` is given the checkpoint must be for it."""
    checkpoint = parse_checkpoint(note)
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        address = (verifier.name, verifier.key_id)
        if address in known and known[address].public_key != verifier.public_key:
            raise NoteError(f"two known keys share the name and key id of {verifier.vkey()}")
        known[address] = verifier
    message = checkpoint.body.encode("utf-8")
    verified = 0
    for signature in checkpoint.signatures:
        signer = known.get((signature.name, signature.key_id))
        if signer is None:
            continue
        if not signer.verify(message, signature.signature):
            raise NoteError(f"the signature by {signature.name} does not verify")
        verified += 1
    if not verified:
        raise NoteError("the note has no signature by a known key")
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint


def generate_key_file(path: Path) -> None:
    """Write a new Ed25519 private key (PEM, PKCS#8, unencrypted) to `path` with mode 0600.
    Never overwrites: an existing file (or symbolic link) is a KeyFileError."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyFileError(f"The key file {path} already exists; it is not overwritten.") from None
    except OSError as error:
        raise KeyFileError(f"The key file {path} cannot be created: {error.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        path.unlink(missing_ok=True)
        raise KeyFileError(f"The key file {path} cannot be written: {error.strerror}.") from None


def load_signer(path: Path, name: str) -> Signer:
    """The signer named `name` whose private key is the PEM PKCS#8 Ed25519 key in `path`."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyFileError(f"The key file {path} does not exist.") from None
    except IsADirectoryError:
        raise KeyFileError(f"The key file {path} is a directory.") from None
    except OSError as error:
        raise KeyFileError(f"The key file {path} cannot be read: {error.strerror}.") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"The key file {path} is too large to be a private key.")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise KeyFileError(
            f"The key file {path} is encrypted; an unencrypted PKCS#8 key is needed."
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"The key file {path} does not hold a PEM private key.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"The key file {path} holds a key that is not Ed25519.")
    return Signer(name, key)
