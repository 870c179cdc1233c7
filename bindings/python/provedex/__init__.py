"""Provedex: signed, hash-chained evidence of what AI agents did.

Record events to an append-only ledger with a :class:`Session`; anyone with
the public key verifies it offline with :func:`verify_file`. Events are
dicts ``{"type": ..., "payload": {...}}``, built with :mod:`provedex.events`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from . import _native, events
from ._checks import check_json, check_str, check_u64

__all__ = [
    "GENESIS_PARENT_HASH",
    "ChainError",
    "ChainReport",
    "KeyLoadError",
    "LedgerError",
    "ProvedexError",
    "Session",
    "SignedEvent",
    "SigningError",
    "SigningKeypair",
    "canonical_json",
    "canonicalize",
    "compute_self_hash",
    "event_from_json",
    "events",
    "sha256_hex",
    "sign_event",
    "verify_chain",
    "verify_file",
]


class ProvedexError(Exception):
    """Base of every error Provedex raises. ``str(e)`` says what failed and
    why; ``e.code`` is a stable code for programs, or ``None``."""

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code


class KeyLoadError(ProvedexError):
    """A key file cannot be read, written or trusted (``code`` is ``None``)."""


class SigningError(ProvedexError):
    """An event or value cannot be sealed. ``code`` is the reason a verifier
    would report (``missing_field``, ``invalid_hex``, …) or, for JSON without a
    canonical form, the JSON error code (``duplicate_key``, …)."""


class LedgerError(ProvedexError):
    """A ledger cannot be opened, appended to or read. ``code`` is one of
    ``io``, ``locked``, ``torn_tail``, ``broken``, ``foreign_key``,
    ``poisoned``, ``unusable``."""


class ChainError(ProvedexError):
    """A signed event or ledger line is not valid on its own. ``code`` is its
    reason (``hash_mismatch``, ``bad_signature``, …)."""


#: The native error kinds (the variant names of the FFI's ProvedexError).
_ERRORS: dict[str, type[ProvedexError]] = {
    "KeyLoad": KeyLoadError,
    "Signing": SigningError,
    "Ledger": LedgerError,
    "Chain": ChainError,
}

_T = TypeVar("_T")


def _call(fn: Callable[..., _T], *args: Any) -> _T:
    """Calls into the native layer, turning its errors into this module's."""
    try:
        return fn(*args)
    except _native.ProvedexError as e:
        raise _ERRORS[type(e).__name__](e.detail, getattr(e, "code", None)) from None


#: Built once: ``json.dumps`` with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def _dumps(value: Any) -> str:
    """JSON text of a value already checked. ASCII escapes keep a lone
    surrogate visible to the strict parser (code ``lone_surrogate``)."""
    return _ENCODER.encode(value)


def _event_json(event: Any) -> str:
    """The JSON text of an event, checked once by :func:`events.from_dict`."""
    return _dumps(events.from_dict(event))


def _native_event(event: Any) -> Any:
    return _call(_native.event_from_json, _event_json(event))


#: The durability names of :meth:`Session.open`, as the CLI spells them.
_DURABILITY: dict[str, Any] = {
    "every_event": _native.Durability.EVERY_EVENT,
    "group": _native.Durability.GROUP,
    "none": _native.Durability.NONE,
}


def _durability(name: Any) -> Any:
    check_str("durability", name)
    if name not in _DURABILITY:
        raise ValueError(f"durability must be one of {', '.join(map(repr, _DURABILITY))}, not {name!r}")
    return _DURABILITY[name]


def _path(value: Any) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"a path must be a str or os.PathLike, not {type(value).__name__}")
    return os.fspath(value)


#: ``parent_hash`` of the first event of a ledger: 64 ``0`` characters.
GENESIS_PARENT_HASH: str = str(_native.genesis_parent_hash())


class SigningKeypair:
    """An Ed25519 signing key. Its secret never leaves the native layer."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def generate(cls) -> SigningKeypair:
        """A new key from the operating system's randomness."""
        return cls(_call(_native.SigningKeypair.generate))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SigningKeypair:
        """Loads a key file: 32 raw bytes, readable by its owner only."""
        return cls(_call(_native.SigningKeypair.load, _path(path)))

    @classmethod
    def load_or_create(cls, path: str | os.PathLike[str]) -> SigningKeypair:
        """Loads the key at ``path``, or creates it there (mode 0600) when absent."""
        return cls(_call(_native.SigningKeypair.load_or_create, _path(path)))

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKeypair:
        """The key with this 32-byte seed."""
        if not isinstance(seed, bytes):
            raise TypeError(f"seed must be bytes, not {type(seed).__name__}")
        return cls(_call(_native.SigningKeypair.from_seed, seed))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the key file (mode 0600); refuses to replace an existing file."""
        _call(self._native.save, _path(path))

    @property
    def pubkey_hex(self) -> str:
        """The public key as 64 lowercase hex characters."""
        return str(self._native.pubkey_hex())

    def __repr__(self) -> str:
        return f"SigningKeypair(pubkey_hex={self.pubkey_hex!r})"


class SignedEvent:
    """One sealed event: a ledger line.

    Built from the native record, or from the line alone (what
    :meth:`Session.record` gets back, the cheapest crossing); the other form
    is made on first use.
    """

    __slots__ = ("_record", "_line")

    def __init__(self, native: Any = None, line: Optional[str] = None) -> None:
        self._record = native
        self._line = line

    @property
    def _native(self) -> Any:
        if self._record is None:
            assert self._line is not None
            self._record = _call(_native.signed_event_from_json, self._line.encode())
        return self._record

    @property
    def seq(self) -> int:
        return int(self._native.seq)

    @property
    def timestamp_nanos(self) -> int:
        return int(self._native.timestamp_nanos)

    @property
    def event(self) -> dict[str, Any]:
        """The event as ``{"type": ..., "payload": {...}}``."""
        event: dict[str, Any] = json.loads(_call(_native.event_to_json, self._native.event))
        return event

    @property
    def parent_hash(self) -> str:
        return str(self._native.parent_hash)

    @property
    def self_hash(self) -> str:
        return str(self._native.self_hash)

    @property
    def signature(self) -> str:
        return str(self._native.signature)

    @property
    def signer_pubkey(self) -> str:
        return str(self._native.signer_pubkey)

    def to_json(self) -> str:
        """The exact ledger line, without its LF."""
        if self._line is None:
            self._line = str(_call(_native.signed_event_to_json, self._record))
        return self._line

    @classmethod
    def from_json(cls, line: str | bytes) -> SignedEvent:
        """Reads one ledger line (without its LF) strictly, as a verifier does;
        a line it would reject raises :class:`ChainError` with the reason as ``code``."""
        if isinstance(line, str):
            line = line.encode("utf-8", "surrogatepass")
        elif not isinstance(line, bytes):
            raise TypeError(f"line must be a str or bytes, not {type(line).__name__}")
        return cls(_call(_native.signed_event_from_json, line))

    def verify(self) -> None:
        """Checks the self_hash and the strict Ed25519 signature (raises :class:`ChainError`)."""
        _call(_native.verify_signed_event, self._native)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SignedEvent) and self._native == other._native

    def __repr__(self) -> str:
        return f"SignedEvent(seq={self.seq}, type={self.event['type']!r}, self_hash={self.self_hash!r})"


@dataclass(frozen=True)
class ChainReport:
    """The verdict on a ledger: where it breaks and why, or that it holds."""

    ok: bool
    event_count: int
    broken_at: Optional[int]
    reason: Optional[str]
    root_hash: Optional[str]
    message: str
    line: Optional[int]
    signers: list[str]

    @classmethod
    def _from_native(cls, r: Any) -> ChainReport:
        return cls(r.ok, r.event_count, r.broken_at, r.reason, r.root_hash, r.message, r.line, list(r.signers))


class Session:
    """A writer appending to one ledger; share it between threads freely."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def open(
        cls,
        *,
        keypair: SigningKeypair,
        ledger_path: str | os.PathLike[str],
        session_id: str,
        durability: str = "group",
    ) -> Session:
        """Opens (or creates) the ledger; an existing one is resumed after checking its last line.

        ``durability`` says when :meth:`record` returns: ``"group"`` (the
        default) after the fsync that covers its line, shared with concurrent
        records; ``"every_event"`` after an fsync of its own line; ``"none"``
        once written, never fsynced (for throwaway ledgers and tests).
        """
        if not isinstance(keypair, SigningKeypair):
            raise TypeError(f"keypair must be a SigningKeypair, not {type(keypair).__name__}")
        native = _call(
            _native.Session.open_with_durability,
            keypair._native,
            _path(ledger_path),
            check_str("session_id", session_id),
            _durability(durability),
        )
        return cls(native)

    def record(self, event: dict[str, Any]) -> SignedEvent:
        """Validates, seals and appends ``event``; returns once it is on disk."""
        line = _call(self._native.record_json_line, _event_json(event))
        return SignedEvent(line=line)

    @property
    def session_id(self) -> str:
        return str(self._native.session_id())

    @property
    def ledger_path(self) -> str:
        return str(self._native.ledger_path())

    @property
    def durability(self) -> str:
        current = self._native.durability()
        return next(name for name, native in _DURABILITY.items() if native == current)


def canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes of any JSON-able value (``1`` and ``1.0`` differ)."""
    check_json("value", value)
    return canonicalize(_dumps(value).encode())


def canonicalize(text: bytes) -> bytes:
    """The canonical form of one JSON text given as UTF-8 bytes, read strictly
    (duplicate keys, lone surrogates, out-of-range numbers are refused with a
    :class:`SigningError` whose ``code`` is the JSON error code)."""
    if not isinstance(text, bytes):
        raise TypeError(f"text must be bytes, not {type(text).__name__}")
    return bytes(_call(_native.canonical_json, text))


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as 64 lowercase hex: the form of every ``*_sha256`` field."""
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    return str(_native.sha256_hex(data))


def event_from_json(text: str) -> dict[str, Any]:
    """Reads an event from JSON text as a ledger reader does: duplicate keys,
    unknown members, wrong types and malformed digests raise
    :class:`SigningError` whose ``code`` is the reason a verifier reports."""
    native = _call(_native.event_from_json, check_str("text", text))
    event: dict[str, Any] = json.loads(_call(_native.event_to_json, native))
    return event


def sign_event(
    *,
    event: dict[str, Any],
    seq: int,
    parent_hash: str,
    keypair: SigningKeypair,
    timestamp_nanos: Optional[int] = None,
) -> SignedEvent:
    """Seals ``event`` at ``seq`` after ``parent_hash``, stamped with the
    current time, or with ``timestamp_nanos`` for a reproducible line."""
    native_event = _native_event(event)
    seq = check_u64("seq", seq)
    parent = check_str("parent_hash", parent_hash)
    if not isinstance(keypair, SigningKeypair):
        raise TypeError(f"keypair must be a SigningKeypair, not {type(keypair).__name__}")
    if timestamp_nanos is None:
        return SignedEvent(_call(_native.sign_event, native_event, seq, parent, keypair._native))
    timestamp = check_u64("timestamp_nanos", timestamp_nanos)
    return SignedEvent(_call(_native.sign_event_at, native_event, seq, timestamp, parent, keypair._native))


def compute_self_hash(*, event: dict[str, Any], seq: int, timestamp_nanos: int, parent_hash: str) -> str:
    """The self_hash ``event`` gets at this position, as hex."""
    native_event = _native_event(event)
    return str(_call(
        _native.compute_self_hash,
        native_event,
        check_u64("seq", seq),
        check_u64("timestamp_nanos", timestamp_nanos),
        check_str("parent_hash", parent_hash),
    ))


def verify_file(path: str | os.PathLike[str], *, pubkey: Optional[str] = None) -> ChainReport:
    """Verifies a ledger file. A broken chain is a report; a missing file is a :class:`LedgerError`."""
    pinned = None if pubkey is None else check_str("pubkey", pubkey)
    return ChainReport._from_native(_call(_native.verify_file, _path(path), pinned))


def verify_chain(events: list[SignedEvent], *, pubkey: Optional[str] = None) -> ChainReport:
    """Verifies signed events in order as the lines of one ledger. A broken chain is a report."""
    natives = []
    for e in events:
        if not isinstance(e, SignedEvent):
            raise TypeError(f"verify_chain takes SignedEvent objects, not {type(e).__name__}")
        natives.append(e._native)
    pinned = None if pubkey is None else check_str("pubkey", pubkey)
    return ChainReport._from_native(_call(_native.verify_chain, natives, pinned))
