"""C2SP signed notes with Ed25519 signatures: reading, key ids, verifier keys, signing, verifying.

Reference: spec/transparency.md, Signed notes (after https://c2sp.org/signed-note). A note is a
text of LF-terminated lines, a blank line, then signature lines ``— <key name> <base64>``. Only
Ed25519 (signature type 0x01) is produced or checked; signature lines of other keys are read,
so that they can be told apart and ignored, but never interpreted.

Verification is the strict Ed25519 profile of spec/signature-scheme.md (ed25519.verify_strict).
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from . import ed25519
from .bugs import planted

MAX_NOTE_BYTES = 65536
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "
"""EM DASH and a space: the start of every signature line."""
ED25519_TYPE = b"\x01"
KEY_ID_SIZE = 4
SIGNATURE_SIZE = 64

WHITE_SPACE = frozenset(
    "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""The characters of Unicode's White_Space property, which a key name must not hold."""


class NoteError(ValueError):
    """The bytes are not a signed note (or a key name is not a key name)."""


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key id, and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class SignedNote:
    """A note read from its bytes: the text (with its final LF) and its signature lines, in order."""

    text: bytes
    signatures: tuple[NoteSignature, ...]


def is_valid_key_name(name: str) -> bool:
    """Not empty, no Unicode white space, no '+'."""
    return bool(name) and "+" not in name and not any(char in WHITE_SPACE for char in name)


def key_id(name: str, public_key: bytes) -> bytes:
    """The first 4 bytes of SHA-256(name || LF || 0x01 || the 32-byte public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + public_key).digest()[:KEY_ID_SIZE]


def verifier_key(name: str, public_key: bytes) -> str:
    """``<name>+<key id, 8 lowercase hex>+<base64(0x01 || public key)>``: the form C2SP tools read."""
    if not is_valid_key_name(name):
        raise NoteError(f"{name!r} is not a key name")
    encoded = base64.b64encode(ED25519_TYPE + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def decode_base64(text: str) -> bytes:
    """Standard base64 with padding, in its one spelling (unused bits zero); NoteError otherwise."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise NoteError(f"{text!r} is not base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(f"{text!r} is not base64 in its one spelling")
    return data


def parse(note: bytes) -> SignedNote:
    """Read a signed note; NoteError when the bytes are not one."""
    if len(note) > MAX_NOTE_BYTES:
        raise NoteError(f"the note is longer than {MAX_NOTE_BYTES} bytes")
    try:
        decoded = note.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("the note is not UTF-8") from None
    if any(char < " " and char != "\n" for char in decoded):
        raise NoteError("the note holds an ASCII control character other than LF")
    split = decoded.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, block = decoded[: split + 1], decoded[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("the note's signature lines are missing or do not end with LF")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has more than {MAX_SIGNATURES} signature lines")
    return SignedNote(text.encode("utf-8"), tuple(_parse_signature_line(line) for line in lines))


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"{line!r} is not a signature line")
    name, separator, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not separator or not is_valid_key_name(name):
        raise NoteError(f"{line!r} does not hold a key name and a signature")
    data = decode_base64(encoded)
    if len(data) <= KEY_ID_SIZE:
        raise NoteError(f"{line!r} holds no signature after its key id")
    return NoteSignature(name, data[:KEY_ID_SIZE], data[KEY_ID_SIZE:])


def signature_line(name: str, seed: bytes, text: bytes) -> bytes:
    """The signature line (with its LF) of the key of `seed`, named `name`, over `text`."""
    public_key = ed25519.public_key(seed)
    payload = key_id(name, public_key) + ed25519.sign(seed, text)
    return (SIGNATURE_PREFIX + name + " " + base64.b64encode(payload).decode("ascii") + "\n").encode("utf-8")


def sign(text: bytes, name: str, seed: bytes) -> bytes:
    """The note of `text` (LF-terminated lines, no control character but LF) with one signature."""
    if not is_valid_key_name(name):
        raise NoteError(f"{name!r} is not a key name")
    if not text.endswith(b"\n"):
        raise NoteError("a note's text ends with LF")
    if any(byte < 0x20 and byte != 0x0A for byte in text):
        raise NoteError("a note's text holds no control character other than LF")
    text.decode("utf-8")
    return text + b"\n" + signature_line(name, seed, text)


def verify(note: SignedNote, name: str, public_key: bytes) -> bool:
    """Whether the note is signed by the Ed25519 key (name, public_key): every signature line with
    that name and key id verifies, strictly, and there is at least one. Other lines are ignored."""
    expected_id = key_id(name, public_key)
    matching = [sig for sig in note.signatures if sig.name == name and sig.key_id == expected_id]
    if not matching:
        return False
    results = [ed25519.verify_strict(public_key, note.text, sig.signature) for sig in matching]
    if planted("failing_note_signature_ignored"):
        # PLANTED BUG failing_note_signature_ignored: one good line by the key is enough, as if a
        # failing line by the same key were a stranger's.
        return any(results)
    return all(results)
