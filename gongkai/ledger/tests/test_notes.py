"""Signed checkpoints: C2SP signed notes with Ed25519, against the Go reference vectors
(golang.org/x/mod/sumdb/note), round trips, tampering, and a table of malformed notes."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
from datetime import UTC

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.ledger.notes import (
    MAX_NOTE_BYTES,
    Checkpoint,
    KeyFileError,
    NoteError,
    Signature,
    Signer,
    Verifier,
    VerifierKeyError,
    checkpoint_body,
    generate_key_file,
    key_id,
    load_signer,
    parse_checkpoint,
    sign_note,
    verify_checkpoint,
)

# --- the Go reference vectors ----------------------------------------------------------------

GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
ENOCH_SIGNATURE = (
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
)


def go_signer() -> Signer:
    seed = base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])
    assert seed[0] == 1
    return Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed[1:]))


def test_the_go_signer_reproduces_the_go_note_byte_for_byte():
    signer = go_signer()
    assert signer.vkey() == GO_VKEY
    assert signer.key_id.hex() == "c74f20a3"
    note = sign_note(GO_TEXT, signer)
    assert note == GO_TEXT + "\n\u2014 PeterNeumann " + GO_SIGNATURE + "\n"


@pytest.mark.parametrize(
    ("vkey", "signature"), [(GO_VKEY, GO_SIGNATURE), (ENOCH_VKEY, ENOCH_SIGNATURE)]
)
def test_go_signatures_verify_with_their_verifier_keys(vkey, signature):
    verifier = Verifier.from_vkey(vkey)
    raw = base64.b64decode(signature)
    assert raw[:4] == verifier.key_id
    assert verifier.verify(GO_TEXT.encode(), raw[4:])
    assert not verifier.verify(GO_TEXT.replace("problem", "Problem").encode(), raw[4:])
    assert verifier.vkey() == vkey


def test_the_key_id_is_the_c2sp_one():
    public_key = bytes(range(32))
    expected = hashlib.sha256(b"gongkai.example.cn\n\x01" + public_key).digest()[:4]
    assert key_id("gongkai.example.cn", public_key) == expected
    assert Verifier("gongkai.example.cn", public_key).key_id == expected
    # Non-ASCII names are hashed as UTF-8.
    assert (
        key_id("台账", public_key)
        == hashlib.sha256("台账\n\x01".encode() + public_key).digest()[:4]
    )


# --- checkpoints -------------------------------------------------------------------------------

ORIGIN = "gongkai.example.cn/QS"
AT = "2026-03-01T02:03:04.000005+00:00"
ROOT = hashlib.sha256(b"root").digest()


def make_signer(name: str = "gongkai.example.cn", seed: int = 7) -> Signer:
    return Signer(name, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


SIGNER = make_signer()
OTHER = make_signer("gongkai.example.cn", seed=8)
WITNESS = make_signer("witness.example.cn", seed=9)


def signed(size: int = 3, origin: str = ORIGIN, signer: Signer = SIGNER) -> str:
    return sign_note(checkpoint_body(origin, size, ROOT, AT), signer)


def test_the_checkpoint_body_is_exactly_the_spec_s():
    assert checkpoint_body(ORIGIN, 3, bytes(32), AT) == (
        "gongkai.example.cn/QS\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        "time 2026-03-01T02:03:04.000005+00:00\n"
    )
    assert checkpoint_body(ORIGIN, 0, bytes(32), AT).split("\n")[1] == "0"


def test_a_signed_checkpoint_is_the_body_a_blank_line_and_one_signature_line():
    body = checkpoint_body(ORIGIN, 3, ROOT, AT)
    note = sign_note(body, SIGNER)
    head, line = note.split("\n\n")
    assert head + "\n" == body
    assert line.startswith("\u2014 gongkai.example.cn ")
    assert line.endswith("\n") and line.count("\n") == 1
    raw = base64.b64decode(line.split(" ")[2].rstrip("\n"), validate=True)
    assert raw[:4] == SIGNER.key_id and len(raw) == 68
    assert SIGNER.verifier().verify(body.encode(), raw[4:])


def test_a_checkpoint_round_trips():
    note = signed()
    checkpoint = verify_checkpoint(note, [SIGNER.verifier()], origin=ORIGIN)
    assert checkpoint == Checkpoint(
        origin=ORIGIN,
        size=3,
        root=ROOT,
        at_text=AT,
        body=checkpoint_body(ORIGIN, 3, ROOT, AT),
        signatures=[Signature("gongkai.example.cn", SIGNER.key_id, checkpoint.signatures[0][2])],
    )
    assert verify_checkpoint(note, [SIGNER.verifier()]) == checkpoint
    assert parse_checkpoint(note) == checkpoint


@settings(max_examples=60, deadline=None)
@given(
    origin=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60),
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    at=st.datetimes(timezones=st.just(UTC)),
)
def test_any_checkpoint_round_trips(origin, size, root, at):
    at_text = at.isoformat(timespec="microseconds")
    note = sign_note(checkpoint_body(origin, size, root, at_text), SIGNER)
    checkpoint = verify_checkpoint(note, [SIGNER.verifier()], origin=origin)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root, checkpoint.at_text) == (
        origin,
        size,
        root,
        at_text,
    )


def one_byte_changes(text: str):
    """Every string that differs from `text` in one bit of its UTF-8 form and is still
    valid UTF-8, with the byte position changed."""
    data = text.encode()
    for position in range(len(data)):
        for bit in range(8):
            changed = bytearray(data)
            changed[position] ^= 1 << bit
            try:
                yield position, bytes(changed).decode()
            except UnicodeDecodeError:
                continue


def test_changing_any_byte_of_a_signed_checkpoint_is_caught():
    note = signed()
    body_length = len(checkpoint_body(ORIGIN, 3, ROOT, AT).encode())
    positions = set()
    for position, changed in one_byte_changes(note):
        with pytest.raises(NoteError):
            verify_checkpoint(changed, [SIGNER.verifier()], origin=ORIGIN)
        positions.add(position)
    # Every byte, of the body and of the signature line, had at least one change tried.
    assert positions == set(range(len(note.encode())))
    assert body_length < len(note.encode())


def test_a_note_signed_by_an_unknown_key_does_not_verify():
    with pytest.raises(NoteError, match="no signature by a known key"):
        verify_checkpoint(signed(), [OTHER.verifier(), WITNESS.verifier()])
    with pytest.raises(NoteError):
        verify_checkpoint(signed(), [])


def test_signatures_by_unknown_keys_are_ignored_and_known_ones_must_all_verify():
    note = signed()
    witness_line = sign_note(checkpoint_body(ORIGIN, 3, ROOT, AT), WITNESS).split("\n\n")[1]
    cosigned = note + witness_line
    checkpoint = verify_checkpoint(cosigned, [SIGNER.verifier()])
    assert [s.name for s in checkpoint.signatures] == ["gongkai.example.cn", "witness.example.cn"]
    assert verify_checkpoint(cosigned, [WITNESS.verifier()]) == checkpoint
    # A witness line over another body: by a known key, it does not verify.
    stale = sign_note(checkpoint_body(ORIGIN, 2, ROOT, AT), WITNESS).split("\n\n")[1]
    assert verify_checkpoint(note + stale, [SIGNER.verifier()])
    with pytest.raises(NoteError, match="does not verify"):
        verify_checkpoint(note + stale, [SIGNER.verifier(), WITNESS.verifier()])


def test_a_signature_relabelled_with_a_known_name_and_id_does_not_verify():
    # The name and key id only pick the verifier: the signature itself is what is checked.
    body = checkpoint_body(ORIGIN, 3, ROOT, AT)
    other = base64.b64decode(sign_note(body, OTHER).split("\n\n")[1].split(" ")[2])
    relabelled = base64.b64encode(SIGNER.key_id + other[4:]).decode()
    note = f"{body}\n\u2014 {SIGNER.name} {relabelled}\n"
    with pytest.raises(NoteError, match="does not verify"):
        verify_checkpoint(note, [SIGNER.verifier()])


def test_the_origin_is_checked_when_given():
    note = signed(origin="gongkai.example.cn/BS")
    assert verify_checkpoint(note, [SIGNER.verifier()]).origin == "gongkai.example.cn/BS"
    with pytest.raises(NoteError, match=re.escape("not 'gongkai.example.cn/QS'")):
        verify_checkpoint(note, [SIGNER.verifier()], origin=ORIGIN)


def test_two_different_keys_under_one_name_and_id_are_ambiguous():
    class SameId(Verifier):
        @property
        def key_id(self) -> bytes:
            return SIGNER.key_id

    with pytest.raises(NoteError, match="share"):
        verify_checkpoint(signed(), [SIGNER.verifier(), SameId(SIGNER.name, OTHER.public_key)])
    # The same key twice is fine.
    assert verify_checkpoint(signed(), [SIGNER.verifier(), SIGNER.verifier()])


# --- malformed notes ----------------------------------------------------------------------

B64_ROOT = base64.b64encode(ROOT).decode()
SIG_LINE = signed().split("\n\n")[1]
SIG_B64 = SIG_LINE.split(" ")[2].rstrip("\n")
#: A syntactically valid signature line by an unknown key (4-byte id, 1-byte signature).
SHORT_LINE = "\u2014 a AAAAAAA=\n"


def note_of(*body_lines: str, signatures: str = SIG_LINE) -> str:
    return "".join(line + "\n" for line in body_lines) + "\n" + signatures


GOOD = (ORIGIN, "3", B64_ROOT, f"time {AT}")
# A root whose last base64 digit carries non-zero padding bits (decodes, is not canonical).
NON_CANONICAL_ROOT = B64_ROOT[:-2] + chr(ord(B64_ROOT[-2]) ^ 1) + "="

MALFORMED = {
    "size with a leading zero": note_of(ORIGIN, "03", B64_ROOT, f"time {AT}"),
    "size negative": note_of(ORIGIN, "-3", B64_ROOT, f"time {AT}"),
    "size with a plus": note_of(ORIGIN, "+3", B64_ROOT, f"time {AT}"),
    "size in exponent form": note_of(ORIGIN, "3e0", B64_ROOT, f"time {AT}"),
    "size with a space": note_of(ORIGIN, " 3", B64_ROOT, f"time {AT}"),
    "size in other digits": note_of(ORIGIN, "\u0663", B64_ROOT, f"time {AT}"),
    "size empty": note_of(ORIGIN, "", B64_ROOT, f"time {AT}"),
    "size beyond 64 bits": note_of(ORIGIN, str(2**64), B64_ROOT, f"time {AT}"),
    "root not base64": note_of(ORIGIN, "3", "!" * 44, f"time {AT}"),
    "root without padding": note_of(ORIGIN, "3", B64_ROOT.rstrip("="), f"time {AT}"),
    "root not canonical": note_of(ORIGIN, "3", NON_CANONICAL_ROOT, f"time {AT}"),
    "root of 31 bytes": note_of(ORIGIN, "3", base64.b64encode(ROOT[:31]).decode(), f"time {AT}"),
    "root of 33 bytes": note_of(ORIGIN, "3", base64.b64encode(ROOT + b"x").decode(), f"time {AT}"),
    "root in URL-safe base64": note_of(
        ORIGIN, "3", base64.urlsafe_b64encode(b"\xfb" * 32).decode(), f"time {AT}"
    ),
    "root in hex": note_of(ORIGIN, "3", ROOT.hex(), f"time {AT}"),
    "origin empty": note_of("", "3", B64_ROOT, f"time {AT}"),
    "origin with a tab": note_of("gongkai\t/QS", "3", B64_ROOT, f"time {AT}"),
    "three body lines": note_of(ORIGIN, "3", B64_ROOT),
    "five body lines": note_of(*GOOD, "extension"),
    "time line misspelt": note_of(ORIGIN, "3", B64_ROOT, f"Time {AT}"),
    "time without microseconds": note_of(ORIGIN, "3", B64_ROOT, "time 2026-03-01T02:03:04+00:00"),
    "time in Z form": note_of(ORIGIN, "3", B64_ROOT, "time 2026-03-01T02:03:04.000005Z"),
    "time not UTC": note_of(ORIGIN, "3", B64_ROOT, "time 2026-03-01T02:03:04.000005+08:00"),
    "time impossible": note_of(ORIGIN, "3", B64_ROOT, "time 2026-13-01T02:03:04.000005+00:00"),
    "time with a trailing space": note_of(ORIGIN, "3", B64_ROOT, f"time {AT} "),
    "no blank line": "".join(line + "\n" for line in GOOD) + SIG_LINE,
    "no newline anywhere": f"{ORIGIN} 3 {B64_ROOT} time {AT}",
    "body not ending in a newline": f"{ORIGIN}\n3\n{B64_ROOT}\ntime {AT}",
    "two blank lines": note_of(*GOOD, signatures="\n" + SIG_LINE),
    "blank line inside the body": note_of(ORIGIN, "", "3", B64_ROOT, f"time {AT}"),
    "no signature": note_of(*GOOD, signatures=""),
    "trailing junk": note_of(*GOOD) + "junk",
    "trailing newline": note_of(*GOOD) + "\n",
    "trailing line": note_of(*GOOD) + "junk\n",
    "signature line without its newline": note_of(*GOOD, signatures=SIG_LINE.rstrip("\n")),
    "signature with a hyphen": note_of(*GOOD, signatures="-" + SIG_LINE[1:]),
    "signature with an en dash": note_of(*GOOD, signatures="\u2013" + SIG_LINE[1:]),
    "signature with two spaces": note_of(
        *GOOD, signatures=f"\u2014 gongkai.example.cn  {SIG_B64}\n"
    ),
    "signature with three fields": note_of(
        *GOOD, signatures=f"\u2014 gongkai.example.cn x {SIG_B64}\n"
    ),
    "signature with a trailing space": note_of(
        *GOOD, signatures=f"\u2014 gongkai.example.cn {SIG_B64} \n"
    ),
    "signature name with a plus": note_of(
        *GOOD, signatures=SIG_LINE.replace("example", "ex+ample")
    ),
    "signature not base64": note_of(*GOOD, signatures="\u2014 gongkai.example.cn ***\n"),
    "signature too short": note_of(
        *GOOD, signatures=f"\u2014 gongkai.example.cn {base64.b64encode(b'1234').decode()}\n"
    ),
    "101 signatures": note_of(*GOOD, signatures=SIG_LINE + SHORT_LINE * 100),
    "carriage returns": note_of(*GOOD).replace("\n", "\r\n"),
    "a lone surrogate": note_of(ORIGIN + "\ud800", "3", B64_ROOT, f"time {AT}"),
    "longer than 8 KB": note_of("o" * MAX_NOTE_BYTES, "3", B64_ROOT, f"time {AT}"),
}


def test_the_good_note_of_the_malformed_table_parses():
    assert parse_checkpoint(note_of(*GOOD)).size == 3
    assert verify_checkpoint(note_of(*GOOD), [SIGNER.verifier()])


@pytest.mark.parametrize("note", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_note_is_refused(note):
    with pytest.raises(NoteError):
        parse_checkpoint(note)
    with pytest.raises(NoteError):
        verify_checkpoint(note, [SIGNER.verifier()])


def test_a_note_that_is_not_text_is_refused():
    with pytest.raises(NoteError):
        parse_checkpoint(signed().encode())  # type: ignore[arg-type]


def test_a_note_of_8_kb_is_the_longest_accepted():
    base = len(signed(origin="o").encode())
    origin = "o" * (1 + MAX_NOTE_BYTES - base)
    exact = signed(origin=origin)
    assert len(exact.encode()) == MAX_NOTE_BYTES
    assert verify_checkpoint(exact, [SIGNER.verifier()], origin=origin).size == 3
    with pytest.raises(ValueError):
        signed(origin=origin + "o")
    longer = exact.replace(origin, origin + "o", 1)
    with pytest.raises(NoteError, match="longer"):
        parse_checkpoint(longer)


def test_a_note_may_carry_a_hundred_signatures():
    note = note_of(*GOOD, signatures=SIG_LINE + SHORT_LINE * 99)
    assert len(verify_checkpoint(note, [SIGNER.verifier()]).signatures) == 100


# --- building notes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "size", "root", "at"),
    [
        ("", 3, ROOT, AT),
        ("a\nb", 3, ROOT, AT),
        ("a\tb", 3, ROOT, AT),
        (ORIGIN, -1, ROOT, AT),
        (ORIGIN, 2**64, ROOT, AT),
        (ORIGIN, True, ROOT, AT),
        (ORIGIN, 3, ROOT[:31], AT),
        (ORIGIN, 3, ROOT.hex(), AT),
        (ORIGIN, 3, ROOT, "2026-03-01T02:03:04+00:00"),
        (ORIGIN, 3, ROOT, "2026-03-01 02:03:04.000005+00:00"),
        (ORIGIN, 3, ROOT, "2026-03-01T10:03:04.000005+08:00"),
    ],
)
def test_a_checkpoint_body_refuses_what_would_not_parse(origin, size, root, at):
    with pytest.raises(ValueError):
        checkpoint_body(origin, size, root, at)


@pytest.mark.parametrize(
    "body",
    ["", "no newline", "a\n\nb\n", "\nb\n", "tab\there\n", "cr\r\n", "o" * MAX_NOTE_BYTES + "\n"],
)
def test_sign_note_refuses_a_body_that_would_not_parse(body):
    with pytest.raises(ValueError):
        sign_note(body, SIGNER)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u3000b", "a\nb", "a\x7fb"])
def test_key_names_follow_c2sp(name):
    with pytest.raises(ValueError):
        Signer(name, Ed25519PrivateKey.generate())
    with pytest.raises(ValueError):
        Verifier(name, bytes(32))


# --- verifier keys ------------------------------------------------------------------------


def test_a_verifier_key_round_trips():
    vkey = SIGNER.vkey()
    name, hex_id, encoded = vkey.split("+", 2)
    assert name == "gongkai.example.cn" and hex_id == SIGNER.key_id.hex()
    assert base64.b64decode(encoded) == b"\x01" + SIGNER.public_key
    assert Verifier.from_vkey(vkey) == SIGNER.verifier()
    assert Verifier.from_vkey(vkey).vkey() == vkey


def _vkey(name: str, hex_id: str, key: bytes) -> str:
    return f"{name}+{hex_id}+{base64.b64encode(key).decode()}"


PUBLIC = b"\x01" + SIGNER.public_key
ID = SIGNER.key_id.hex()
BAD_VKEYS = {
    "no parts": "gongkai.example.cn",
    "two parts": f"gongkai.example.cn+{ID}",
    "empty name": _vkey("", ID, PUBLIC),
    "name with a space": _vkey(
        "gongkai example", key_id("gongkai example", PUBLIC[1:]).hex(), PUBLIC
    ),
    "uppercase id": _vkey("gongkai.example.cn", ID.upper(), PUBLIC),
    "short id": _vkey("gongkai.example.cn", ID[:7], PUBLIC),
    "wrong id": _vkey("gongkai.example.cn", f"{int(ID, 16) ^ 1:08x}", PUBLIC),
    "id of another name": _vkey("gongkai.example.cn", key_id("other", PUBLIC[1:]).hex(), PUBLIC),
    "unknown algorithm": _vkey("gongkai.example.cn", ID, b"\x02" + PUBLIC[1:]),
    "key of 31 bytes": _vkey("gongkai.example.cn", ID, PUBLIC[:-1]),
    "key of 33 bytes": _vkey("gongkai.example.cn", ID, PUBLIC + b"\x00"),
    "key not base64": f"gongkai.example.cn+{ID}+not base64!",
    "key with extra padding": _vkey("gongkai.example.cn", ID, PUBLIC) + "==",
    "key with a trailing newline": _vkey("gongkai.example.cn", ID, PUBLIC) + "\n",
}


@pytest.mark.parametrize("text", BAD_VKEYS.values(), ids=BAD_VKEYS.keys())
def test_a_malformed_verifier_key_is_refused(text):
    assert ID.upper() != ID  # so "uppercase id" differs from the good key
    with pytest.raises(VerifierKeyError):
        Verifier.from_vkey(text)


def test_a_base64_key_containing_a_plus_is_read_whole():
    for seed in range(256):
        signer = make_signer("n", seed=seed)
        if "+" in signer.vkey().split("+", 2)[2]:
            assert Verifier.from_vkey(signer.vkey()) == signer.verifier()
            return
    pytest.fail("no key with a '+' in its base64 among 256 seeds")


# --- key files ----------------------------------------------------------------------------


def test_a_generated_key_file_is_private_and_loads(tmp_path):
    path = tmp_path / "ledger.key"
    generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----\n")
    signer = load_signer(path, "gongkai.example.cn")
    assert signer.name == "gongkai.example.cn"
    note = sign_note(checkpoint_body(ORIGIN, 1, ROOT, AT), signer)
    assert verify_checkpoint(note, [Verifier.from_vkey(signer.vkey())]).size == 1
    assert load_signer(path, "gongkai.example.cn").public_key == signer.public_key


def test_a_key_file_is_never_overwritten(tmp_path):
    path = tmp_path / "ledger.key"
    generate_key_file(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        generate_key_file(path)
    assert path.read_bytes() == before
    link = tmp_path / "link.key"
    link.symlink_to(tmp_path / "elsewhere.key")
    with pytest.raises(KeyFileError, match="already exists"):
        generate_key_file(link)
    assert not (tmp_path / "elsewhere.key").exists()


def test_a_key_file_cannot_be_created_in_a_missing_directory(tmp_path):
    with pytest.raises(KeyFileError, match="cannot be created"):
        generate_key_file(tmp_path / "missing" / "ledger.key")


def _pem(
    key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey, password: bytes | None = None
) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "does not hold a PEM private key"),
        (b"not a key\n", "does not hold a PEM private key"),
        (
            Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "does not hold a PEM private key",
        ),
        (_pem(ec.generate_private_key(ec.SECP256R1())), "not Ed25519"),
        (_pem(Ed25519PrivateKey.generate(), b"secret"), "encrypted"),
        (b"x" * (64 * 1024 + 1), "too large"),
    ],
    ids=["empty", "text", "public key", "P-256 key", "encrypted", "huge"],
)
def test_a_wrong_key_file_is_a_key_file_error(tmp_path, content, message):
    path = tmp_path / "ledger.key"
    path.write_bytes(content)
    with pytest.raises(KeyFileError, match=message):
        load_signer(path, "gongkai.example.cn")


def test_a_missing_or_unreadable_key_file_is_a_key_file_error(tmp_path):
    with pytest.raises(KeyFileError, match="does not exist"):
        load_signer(tmp_path / "absent.key", "gongkai.example.cn")
    with pytest.raises(KeyFileError, match="is a directory"):
        load_signer(tmp_path, "gongkai.example.cn")
    if os.geteuid() != 0:  # root reads anything
        path = tmp_path / "locked.key"
        generate_key_file(path)
        path.chmod(0)
        with pytest.raises(KeyFileError, match="cannot be read"):
            load_signer(path, "gongkai.example.cn")
