"""Provedex: signed, hash-chained evidence of what AI agents did.

Record events to an append-only ledger with a :class:`Session`; anyone with
the public key verifies it offline with :func:`verify_file`. Events are
dicts ``{"type": ..., "payload": {...}}``, built with :mod:`provedex.events`.
A session also rotates its key (:meth:`Session.rotate_key`), redacts lines
(:meth:`Session.redact`) and pins the agent's toolset
(:meth:`Session.pin_toolset`, :func:`check_toolset`). A ledger's tree gives
signed checkpoints (:func:`checkpoint`, :func:`verify_checkpoint`), which a
verifier holds the ledger to (``verify_file(..., checkpoint=...)``), and
inclusion and consistency proofs (:func:`prove_inclusion`,
:func:`prove_consistency`, :func:`verify_inclusion`, :func:`verify_consistency`).
A range of lines leaves as an export bundle (:func:`export_bundle`), which an
auditor verifies without the ledger under the key they pin
(:func:`verify_bundle`); a session signs checkpoints as it records
(``Session.open(..., checkpoint_every=N)``, :meth:`Session.checkpoint`,
:func:`read_checkpoints`). Anchors publish signed statements of the
ledger's checkpoints to parties outside the operator's hands: a
:class:`BackgroundAnchorer` runs the anchors of a ``provedex.toml``
(:class:`AnchorConfig`) on a thread while the application records, and
:func:`verify_bundle` checks a bundle's receipts under a :class:`ReceiptTrust`.

Every failure of an operation raises a :class:`ProvedexError`
(:class:`KeyLoadError`, :class:`SigningError`, :class:`LedgerError`,
:class:`ChainError`, :class:`ConfigError`); a wrong argument type raises ``TypeError`` and an
integer out of range ``OverflowError``. Paths are ``str``, ``bytes`` or
``os.PathLike``, passed to the system as :func:`os.fsencode` gives them.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Literal, NoReturn, Optional, Union

from . import events
from . import _native
from ._anchors import AnchorConfig, AnchorOutcome, AnchorStatus, BackgroundAnchorer, ReceiptTrust, S3Access
from ._signed_event import SignedEventMembers
from ._checks import MAX_JSON_DEPTH, PathArg, _path, check_bool, check_json, check_list, check_str, check_u64, shown
from ._errors import ChainError, ConfigError, KeyLoadError, LedgerError, ProvedexError, SigningError, _call

__all__ = [
    "GENESIS_PARENT_HASH",
    "MAX_JSON_DEPTH",
    "AnchorConfig",
    "AnchorOutcome",
    "AnchorStatus",
    "BackgroundAnchorer",
    "BundleReport",
    "ChainError",
    "ChainReport",
    "Checkpoint",
    "CheckpointEntry",
    "CheckpointInfo",
    "ConfigError",
    "ConsistencyProof",
    "Durability",
    "Evidence",
    "InclusionProof",
    "KeyEntry",
    "KeyLoadError",
    "LedgerError",
    "LevelVerdict",
    "Manifest",
    "NothingToRecover",
    "PinnedTool",
    "ProvedexError",
    "ReceiptTrust",
    "RecoverOutcome",
    "S3Access",
    "Session",
    "SignedEvent",
    "SigningError",
    "SigningKeypair",
    "Toolset",
    "ToolsetCheck",
    "TreeHead",
    "Truncated",
    "UnpinnedToolCall",
    "canonical_json",
    "canonicalize",
    "check_toolset",
    "checkpoint",
    "checkpoints_path",
    "compute_self_hash",
    "event_from_json",
    "events",
    "export_bundle",
    "leaf_hash",
    "load_public_key",
    "parse_checkpoint",
    "parse_public_key",
    "prove_consistency",
    "prove_inclusion",
    "public_key_fingerprint",
    "public_key_pem",
    "read_checkpoints",
    "recover",
    "sha256_hex",
    "sign_event",
    "toolset_hash",
    "tree_head",
    "tree_root",
    "verify_bundle",
    "verify_chain",
    "verify_checkpoint",
    "verify_consistency",
    "verify_data",
    "verify_data_sha256",
    "verify_file",
    "verify_inclusion",
]


def _no_direct_construction(cls: type, how: str) -> NoReturn:
    raise TypeError(f"{cls.__name__} objects are not created directly: use {how}")


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
Durability = Literal["every_event", "group", "none"]

_DURABILITY: dict[str, Any] = {
    "every_event": _native.Durability.EVERY_EVENT,
    "group": _native.Durability.GROUP,
    "none": _native.Durability.NONE,
}


def _durability(name: Any) -> Any:
    check_str("durability", name)
    if name not in _DURABILITY:
        # A TypeError, as a type checker reports it: the type is the Literal of the names.
        raise TypeError(f"durability must be one of {', '.join(map(repr, _DURABILITY))}, not {shown(name)}")
    return _DURABILITY[name]


#: A file system path: the file name is ``os.fsencode(path)``, so any name works.
def _utf8(name: str, value: Any, error: type[ProvedexError], code: Optional[str]) -> str:
    """A str the native layer can take (UTF-8: no lone surrogates); otherwise
    ``error`` with ``code``, the failure the same text gets once it is JSON."""
    text = check_str(name, value)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise error(f"{name}: not valid text ({e.reason} at index {e.start})", code) from None
    return text


def _text(name: str, value: Any, error: type[ProvedexError], code: Optional[str]) -> str:
    """:func:`_utf8` of a str, or the text of UTF-8 bytes; bytes that are not
    UTF-8 raise ``error`` with ``code``."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as e:
            raise error(f"{name}: not UTF-8 text ({e.reason} at byte {e.start})", code) from None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or bytes, not {type(value).__name__}")
    return _utf8(name, value, error, code)


#: The code of a :class:`SigningError` for a manifest that is not a toolset.
_INVALID_MANIFEST = "invalid_manifest"

#: A tool manifest (spec/toolsets.md): a list of tool definitions, a dict
#: ``{"tools": [...]}`` (an MCP ``tools/list`` result), or either as JSON
#: text (str or UTF-8 bytes). A definition is a dict in one of three shapes:
#: ``{"name", "version"?, "description"?, "parameters"?}``; the
#: OpenAI/LangChain function tool ``{"type": "function", "function":
#: {"name", "description"?, "parameters"?, "strict"?}}`` (LangChain's
#: ``convert_to_openai_tool`` makes it); or the Anthropic/MCP
#: ``{"name", "description"?, "input_schema" or "inputSchema"}``. Typed
#: definitions (``TypedDict`` s such as OpenAI's tool parameters) are dicts.
Manifest = Union[str, bytes, Sequence[Mapping[str, Any]], Mapping[str, Any]]


def _manifest(tools: Any) -> str:
    """The JSON text of a :data:`Manifest`. Values with no JSON form are
    refused as :func:`canonical_json` refuses them, with the code
    ``invalid_manifest`` where that is a :class:`SigningError`."""
    if isinstance(tools, (str, bytes)):
        return _text("tools", tools, SigningError, _INVALID_MANIFEST)
    if isinstance(tools, Mapping):
        tools = dict(tools)
    elif isinstance(tools, Sequence):
        tools = list(tools)
    else:
        raise TypeError(f"tools must be a list of tool definitions, a dict with \"tools\" or JSON text, not {type(tools).__name__}")
    check_json("tools", tools, code=_INVALID_MANIFEST)
    return _dumps(tools)


#: ``parent_hash`` of the first event of a ledger: 64 ``0`` characters.
GENESIS_PARENT_HASH: str = str(_native.genesis_parent_hash())


class SigningKeypair:
    """An Ed25519 signing key. Its secret never leaves the native layer.

    Made by :meth:`generate`, :meth:`load`, :meth:`load_or_create` or
    :meth:`from_seed`; it cannot be pickled (load the key file in each process).
    """

    __slots__ = ("_native",)

    _native: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _no_direct_construction(type(self), "SigningKeypair.generate(), .load(path), .load_or_create(path) or .from_seed(seed)")

    @classmethod
    def _wrap(cls, native: Any) -> SigningKeypair:
        self = object.__new__(cls)
        self._native = native
        return self

    @classmethod
    def generate(cls) -> SigningKeypair:
        """A new key from the operating system's randomness."""
        return cls._wrap(_call(_native.SigningKeypair.generate))

    @classmethod
    def load(cls, path: PathArg) -> SigningKeypair:
        """Loads a key file, readable by its owner only: the 32 raw bytes of
        the seed, or a PEM PKCS#8 private key, told apart by content."""
        return cls._wrap(_call(_native.SigningKeypair.load, _path(path, KeyLoadError)))

    @classmethod
    def load_or_create(cls, path: PathArg) -> SigningKeypair:
        """Loads the key at ``path``, or creates it there (mode 0600) when absent."""
        return cls._wrap(_call(_native.SigningKeypair.load_or_create, _path(path, KeyLoadError)))

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKeypair:
        """The key with this 32-byte seed."""
        if not isinstance(seed, bytes):
            raise TypeError(f"seed must be bytes, not {type(seed).__name__}")
        return cls._wrap(_call(_native.SigningKeypair.from_seed, seed))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> SigningKeypair:
        """The key of a PEM PKCS#8 private key (``-----BEGIN PRIVATE KEY-----``),
        as OpenSSL writes it, for keys kept in a secret store rather than a
        file. An encrypted key, a public key or any other PEM raises
        :class:`KeyLoadError` saying what it is."""
        return cls._wrap(_call(_native.SigningKeypair.from_pem, _text("pem", pem, KeyLoadError, None)))

    def save(self, path: PathArg) -> None:
        """Writes the key file (mode 0600); refuses to replace an existing file."""
        _call(self._native.save, _path(path, KeyLoadError))

    def save_pem(self, path: PathArg) -> None:
        """:meth:`save`, writing a PEM PKCS#8 private key that OpenSSL reads;
        :meth:`load` reads either form."""
        _call(self._native.save_pem, _path(path, KeyLoadError))

    def sign_data(self, data: bytes) -> str:
        """A data signature of ``data`` as 128 hex characters, checked by
        :func:`verify_data`. It signs a label and the data's SHA-256, so it
        can never pass for the signature of a ledger line."""
        if not isinstance(data, bytes):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        return str(self._native.sign_data(data))

    def sign_data_sha256(self, data_sha256: str) -> str:
        """:meth:`sign_data` from the data's SHA-256 (64 hex characters, as
        ``hashlib.sha256(...).hexdigest()`` gives it), for data hashed as it
        is read: the same signature. A malformed digest raises
        :class:`ChainError` with code ``invalid_hex``."""
        return str(_call(self._native.sign_data_sha256, _utf8("data_sha256", data_sha256, ChainError, "invalid_hex")))

    def sign_checkpoint(self, *, genesis_self_hash: str, tree_size: int, root: str) -> str:
        """Signs the checkpoint of a tree of ``tree_size`` lines with root
        ``root`` (hex), for the ledger whose line with seq 0 has the self_hash
        ``genesis_self_hash``: the note text, deterministic. Nothing is checked
        against a ledger; :func:`checkpoint` signs only what a verified ledger
        holds, as the spec asks of writers. Malformed hex raises
        :class:`ChainError` with code ``invalid_hex``."""
        return str(_call(
            self._native.sign_checkpoint,
            _utf8("genesis_self_hash", genesis_self_hash, ChainError, "invalid_hex"),
            check_u64("tree_size", tree_size),
            _utf8("root", root, ChainError, "invalid_hex"),
        ))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SigningKeypair cannot be pickled: its secret stays in the native layer; load the key file in each process")

    @property
    def pubkey_hex(self) -> str:
        """The public key as 64 lowercase hex characters."""
        return str(self._native.pubkey_hex())

    @property
    def public_key_pem(self) -> str:
        """The public key as a ``PUBLIC KEY`` PEM (SubjectPublicKeyInfo)."""
        return str(self._native.public_key_pem())

    @property
    def fingerprint(self) -> str:
        """The fingerprint to publish: ``sha256:`` and the hex SHA-256 of the public key's 32 bytes."""
        return str(self._native.fingerprint())

    def __repr__(self) -> str:
        return f"SigningKeypair(pubkey_hex={self.pubkey_hex!r})"


class SignedEvent(SignedEventMembers):
    """One sealed event: a ledger line.

    Made by :meth:`Session.record`, :func:`sign_event` and :meth:`from_json`.
    Held as the native record or as the line alone (what :meth:`Session.record`
    gets back, the cheapest crossing); the other form is made on first use.
    It pickles as its line.
    """

    __slots__ = ("_record", "_line")

    _record: Any
    _line: Optional[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _no_direct_construction(type(self), "Session.record(event), provedex.sign_event(...) or SignedEvent.from_json(line)")

    @classmethod
    def _wrap(cls, native: Any = None, line: Optional[str] = None) -> SignedEvent:
        self = object.__new__(cls)
        self._record = native
        self._line = line
        return self

    @property
    def _native(self) -> Any:
        if self._record is None:
            self._record = _call(_native.signed_event_from_json, str(self._line).encode())
        return self._record

    def _event_of(self, native: Any) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(_call(_native.event_to_json, native))
        return event

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
        return cls._wrap(_call(_native.signed_event_from_json, line))

    def verify(self) -> None:
        """Checks the self_hash and the strict Ed25519 signature (raises :class:`ChainError`)."""
        _call(_native.verify_signed_event, self._native)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SignedEvent) and self._native == other._native

    __hash__ = None  # type: ignore[assignment]  # equal events compare equal; they are not keys

    def __reduce__(self) -> tuple[Any, ...]:
        return (_signed_event_from_line, (self.to_json(),))

    def __repr__(self) -> str:
        return f"SignedEvent(seq={self.seq}, type={self.event['type']!r}, self_hash={self.self_hash!r})"


def _signed_event_from_line(line: str) -> SignedEvent:
    """Unpickles a :class:`SignedEvent` from its line, checking it as :meth:`SignedEvent.from_json` does."""
    return SignedEvent.from_json(line)


@dataclass(frozen=True)
class KeyEntry:
    """One key of a ledger's history (:attr:`ChainReport.keys`): the good lines it signs."""

    pubkey: str
    #: The seq of the first line it signs: 0, or a rotation's seq + 1.
    from_seq: int
    #: The seq of the last good line it signed; ``None`` when it signed none
    #: (a rotation to it is the last good line).
    to_seq: Optional[int]


@dataclass(frozen=True)
class UnpinnedToolCall:
    """A good ``ToolCalled`` line whose tool the toolset pinned before it does not name."""

    seq: int
    tool_name: str


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
    #: The key history: each key that became current, in order (rotations
    #: add keys); empty when there is no good line.
    keys: list[KeyEntry]
    #: The good tool calls outside the toolset pinned before them, in file
    #: order, when :func:`verify_file` was asked to ``check_tools``;
    #: ``None`` otherwise. They are not a finding: ``ok`` ignores them.
    unpinned_tool_calls: Optional[list[UnpinnedToolCall]]

    @classmethod
    def _from_native(cls, r: Any) -> ChainReport:
        keys = [KeyEntry(str(k.pubkey), int(k.from_seq), k.to_seq) for k in r.keys]
        calls = r.unpinned_tool_calls
        unpinned = None if calls is None else [UnpinnedToolCall(int(c.seq), str(c.tool_name)) for c in calls]
        return cls(r.ok, r.event_count, r.broken_at, r.reason, r.root_hash, r.message, r.line, list(r.signers), keys, unpinned)


class Session:
    """A writer appending to one ledger; share it between threads freely.

    Made by :meth:`open`. Close it with :meth:`close`, or open it in a
    ``with`` block, to release the ledger's lock at a known moment (it is
    released anyway when the session is garbage-collected).

    A session belongs to the process that opened it: in a child made by
    ``os.fork()`` (or a ``multiprocessing`` pool using the ``fork`` start
    method) every :meth:`record` raises :class:`LedgerError` with code
    ``forked``; open a session in the child instead (on another ledger, or
    after the parent closed its session: one writer per ledger). It cannot
    be pickled.
    """

    __slots__ = ("_native",)

    _native: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _no_direct_construction(type(self), "Session.open(keypair=..., ledger_path=..., session_id=...)")

    @classmethod
    def open(
        cls,
        *,
        keypair: SigningKeypair,
        ledger_path: PathArg,
        session_id: str,
        durability: Durability = "group",
        checkpoint_every: int = 0,
    ) -> Session:
        """Opens (or creates) the ledger; an existing one is resumed after checking its last line.

        ``session_id`` is the application's own metadata, kept on the
        session as :attr:`session_id` for it to record in events (v1 records
        it as ``SessionStarted.session_id``). ``open`` writes nothing with it,
        and it does not name or find the ledger: ``ledger_path`` does. Any
        str without lone surrogates will do.

        ``durability`` says when :meth:`record` returns: ``"group"`` (the
        default) after the fsync that covers its line, shared with concurrent
        records; ``"every_event"`` after an fsync of its own line; ``"none"``
        once written, never fsynced (for throwaway ledgers and tests).

        ``checkpoint_every`` N > 0 signs a checkpoint each time the durable
        lines reach a multiple of N, appended to the checkpoints file beside
        the ledger (:func:`checkpoints_path`, :func:`read_checkpoints`); 0
        (the default) signs none. A checkpoint that cannot be written never
        fails a record: :attr:`tree_problem` says why.

        A ledger ending in a torn line raises :class:`LedgerError` with code
        ``torn_tail``: :func:`recover` removes that line (keeping a copy).
        """
        if not isinstance(keypair, SigningKeypair):
            raise TypeError(f"keypair must be a SigningKeypair, not {type(keypair).__name__}")
        path = _path(ledger_path, LedgerError)
        session_id = _utf8("session_id", session_id, SigningError, "lone_surrogate")
        self = object.__new__(cls)
        options = _native.SessionOptions(
            durability=_durability(durability), checkpoint_every=check_u64("checkpoint_every", checkpoint_every)
        )
        self._native = _call(_native.Session.open_with_options, keypair._native, path, session_id, options)
        return self

    def record(self, event: dict[str, Any]) -> SignedEvent:
        """Validates, seals and appends ``event``; returns once it is on disk."""
        line = _call(self._native.record_json_line, _event_json(event))
        return SignedEvent._wrap(line=line)

    def rotate_key(self, new_keypair: SigningKeypair) -> SignedEvent:
        """Hands the ledger to ``new_keypair``: appends a ``KeyRotated`` line,
        signed by the current key, carrying the new key's proof of possession.
        Later lines are signed by the new key, and resuming the ledger needs
        it: :meth:`open` with the old key raises :class:`LedgerError` with code
        ``foreign_key``. Rotating to the current key raises
        :class:`SigningError` with code ``rotation_key_invalid``."""
        if not isinstance(new_keypair, SigningKeypair):
            raise TypeError(f"new_keypair must be a SigningKeypair, not {type(new_keypair).__name__}")
        return SignedEvent._wrap(_call(self._native.rotate_key, new_keypair._native))

    def redact(self, seq: int, *, reason: str, requested_by: str) -> SignedEvent:
        """Appends a ``Redacted`` line naming the line with ``seq`` by seq and
        self_hash: readers leave that line out, though it stays in the file
        (the chain needs it). A ``seq`` not on disk raises :class:`SigningError`
        with code ``redaction_target_unknown``, a redaction's
        ``redaction_of_redaction``."""
        return SignedEvent._wrap(_call(
            self._native.redact,
            check_u64("seq", seq),
            _utf8("reason", reason, SigningError, "malformed_json"),
            _utf8("requested_by", requested_by, SigningError, "malformed_json"),
        ))

    def pin_toolset(self, tools: Manifest) -> SignedEvent:
        """Appends a ``ToolsetPinned`` line for the agent's tools (see
        :data:`Manifest`): from this line on they are the tools it may call;
        :func:`check_toolset` compares a manifest with the last pin, and
        ``verify_file(..., check_tools=True)`` lists calls outside it."""
        return SignedEvent._wrap(_call(self._native.pin_toolset, _manifest(tools)))

    def checkpoint(self) -> str:
        """Signs a checkpoint of the durable lines (spec/transparency.md): the
        note text of their tree's size and root, signed by the key current
        at that size, the same as :func:`checkpoint` of the ledger file. It
        is checked to be consistent with the session's previous checkpoint
        and is not written to the checkpoints file. On a resumed ledger, the
        first checkpoint first verifies the lines the session did not write
        (those after the latest checkpoint in the checkpoints file), while
        recording goes on. An empty ledger raises :class:`LedgerError` with
        code ``out_of_range``; a tree found inconsistent, or lines that do
        not verify, ``unusable`` (and :attr:`tree_problem` says why)."""
        return str(_call(self._native.checkpoint))

    @property
    def tree_size(self) -> Optional[int]:
        """How many durable lines the session's tree holds: the size of the
        checkpoint :meth:`checkpoint` signs now."""
        size = self._native.tree_size()
        return None if size is None else int(size)

    @property
    def tree_problem(self) -> Optional[str]:
        """Why the index beside the ledger or the checkpoints file is not
        kept up to date, if so; the ledger itself is unaffected."""
        problem = self._native.tree_problem()
        return None if problem is None else str(problem)

    def close(self) -> None:
        """Stops recording and releases the ledger's lock, once the records
        already under way are written (each returns as it would have). Later
        records raise :class:`LedgerError` with code ``closed``. Closing
        twice is harmless; in a forked child it does nothing (the lock is
        the parent's)."""
        _call(self._native.close)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Session cannot be pickled: it belongs to the process that opened it; open one in each process")

    @property
    def session_id(self) -> str:
        """The ``session_id`` given to :meth:`open`: metadata for the
        application to record in events; the ledger does not store it."""
        return str(self._native.session_id())

    @property
    def pubkey_hex(self) -> str:
        """The public key that signs the next line, as hex: the opening key,
        then the key of each :meth:`rotate_key`."""
        return str(self._native.pubkey_hex())

    @property
    def ledger_path(self) -> str:
        """The ledger's path as given to :meth:`open`, decoded by :func:`os.fsdecode`."""
        return os.fsdecode(bytes(self._native.ledger_path()))

    @property
    def durability(self) -> Durability:
        current = self._native.durability()
        name: Durability = next(name for name, native in _DURABILITY.items() if native == current)  # type: ignore[misc]
        return name


def canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes of any JSON-able value (``1`` and ``1.0`` differ).

    dicts (str keys), lists, tuples, str, int, float, bool and None are
    JSON-able; another type raises ``TypeError`` and an integer outside
    [-2^63, 2^64 - 1] ``OverflowError``. A value without a canonical form
    raises :class:`SigningError` with the JSON error code: ``syntax`` for
    NaN and infinities, ``nesting_too_deep`` past :data:`MAX_JSON_DEPTH`
    levels of arrays and objects, ``lone_surrogate``.
    """
    check_json("value", value, MAX_JSON_DEPTH)
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
    native = _call(_native.event_from_json, _utf8("text", text, SigningError, "malformed_json"))
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
    parent = _utf8("parent_hash", parent_hash, SigningError, "invalid_hex")
    if not isinstance(keypair, SigningKeypair):
        raise TypeError(f"keypair must be a SigningKeypair, not {type(keypair).__name__}")
    if timestamp_nanos is None:
        return SignedEvent._wrap(_call(_native.sign_event, native_event, seq, parent, keypair._native))
    timestamp = check_u64("timestamp_nanos", timestamp_nanos)
    return SignedEvent._wrap(_call(_native.sign_event_at, native_event, seq, timestamp, parent, keypair._native))


def compute_self_hash(*, event: dict[str, Any], seq: int, timestamp_nanos: int, parent_hash: str) -> str:
    """The self_hash ``event`` gets at this position, as hex."""
    native_event = _native_event(event)
    return str(_call(
        _native.compute_self_hash,
        native_event,
        check_u64("seq", seq),
        check_u64("timestamp_nanos", timestamp_nanos),
        _utf8("parent_hash", parent_hash, SigningError, "invalid_hex"),
    ))


def _pinned(name: str, pubkey: Optional[str]) -> Optional[str]:
    return None if pubkey is None else _utf8(name, pubkey, ChainError, "invalid_hex")


#: A signed checkpoint: its note as text, or its bytes as read from a file.
Checkpoint = Union[str, bytes]


def _note(name: str, value: Any) -> bytes:
    """The bytes of a signed note given as str or bytes. A str with a lone
    surrogate has no UTF-8 form: a note that is no note."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or bytes, not {type(value).__name__}")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ChainError(f"{name}: not valid text ({e.reason} at index {e.start})", "checkpoint_malformed") from None


def _verify_options(
    pubkey: Optional[str], current_pubkey: Optional[str], check_tools: bool, checkpoint: Optional[Checkpoint]
) -> Any:
    return _native.VerifyOptions(
        pinned_pubkey=_pinned("pubkey", pubkey),
        pinned_current_pubkey=_pinned("current_pubkey", current_pubkey),
        check_tools=check_bool("check_tools", check_tools),
        checkpoint=None if checkpoint is None else _note("checkpoint", checkpoint),
    )


def verify_file(
    path: PathArg,
    *,
    pubkey: Optional[str] = None,
    current_pubkey: Optional[str] = None,
    check_tools: bool = False,
    checkpoint: Optional[Checkpoint] = None,
) -> ChainReport:
    """Verifies a ledger file. A broken chain is a report; a missing file is a :class:`LedgerError`.

    ``pubkey`` (hex) is the trust root: the key of the lines before the
    first rotation (reason ``pubkey_mismatch`` otherwise); rotations carry
    the trust on to later keys. ``current_pubkey`` (hex) is the key that must
    be current at the end (reason ``current_key_mismatch``), for a verifier
    that knows today's key only. With ``check_tools`` the report lists the
    tool calls outside the pinned toolset (:attr:`ChainReport.unpinned_tool_calls`).
    A key in PEM form is read by :func:`parse_public_key`.

    ``checkpoint`` is a signed checkpoint held apart from the ledger (its
    note, str or bytes; see :func:`checkpoint`): once every line is good, the
    ledger must still reach its size and agree with its root. The findings,
    about the end of the ledger (``line`` is ``None``), are
    ``ledger_truncated`` (lines were cut), ``checkpoint_foreign`` (it names
    another ledger or another key than the one current at its size),
    ``checkpoint_signature_invalid`` and ``checkpoint_root_mismatch`` (lines
    it vouched for were replaced). A checkpoint that cannot be read raises
    :class:`ChainError` with code ``checkpoint_malformed``.
    """
    options = _verify_options(pubkey, current_pubkey, check_tools, checkpoint)
    return ChainReport._from_native(_call(_native.verify_file_with, _path(path, LedgerError), options))


def verify_chain(
    events: list[SignedEvent],
    *,
    pubkey: Optional[str] = None,
    current_pubkey: Optional[str] = None,
    check_tools: bool = False,
    checkpoint: Optional[Checkpoint] = None,
) -> ChainReport:
    """Verifies signed events in order as the lines of one ledger, with the
    options of :func:`verify_file`. A broken chain is a report."""
    natives = []
    for e in events:
        if not isinstance(e, SignedEvent):
            raise TypeError(f"verify_chain takes SignedEvent objects, not {type(e).__name__}")
        natives.append(e._native)
    options = _verify_options(pubkey, current_pubkey, check_tools, checkpoint)
    return ChainReport._from_native(_call(_native.verify_chain_with, natives, options))


@dataclass(frozen=True)
class PinnedTool:
    """One tool of a toolset: its name and the digest of its normalized definition."""

    name: str
    sha256: str


@dataclass(frozen=True)
class Toolset:
    """The toolset of a manifest: what a ``ToolsetPinned`` line carries."""

    #: Each tool's name and digest, sorted by the UTF-8 bytes of the names.
    tools: list[PinnedTool]
    #: The toolset hash, as hex.
    toolset_sha256: str


@dataclass(frozen=True)
class ToolsetCheck:
    """How a manifest compares with a ledger's last toolset pin (:func:`check_toolset`).
    Each list of names is sorted."""

    #: The seq of the ledger's last ``ToolsetPinned`` line.
    pinned_at: int
    #: Its toolset hash, as hex.
    pinned_sha256: str
    #: No tool added, removed or changed: the manifest's toolset is the pinned one.
    matches: bool
    #: Tools of the manifest the pin does not name.
    added: list[str]
    #: Tools of the pin the manifest does not name.
    removed: list[str]
    #: Tools of both whose definition (version, description or parameters) changed.
    changed: list[str]


def toolset_hash(tools: Manifest) -> Toolset:
    """The toolset of a :data:`Manifest`: each tool's digest and the toolset
    hash, as a ``ToolsetPinned`` line carries them. A manifest that is not a
    toolset (a member a shape lacks, two shapes mixed, an empty or repeated
    name, not JSON) raises :class:`SigningError` with code
    ``invalid_manifest``, naming the tool and the member."""
    toolset = _call(_native.toolset_hash, _manifest(tools))
    return Toolset([PinnedTool(str(t.name), str(t.sha256)) for t in toolset.tools], str(toolset.toolset_sha256))


def check_toolset(ledger: PathArg, tools: Manifest, *, pubkey: Optional[str] = None) -> ToolsetCheck:
    """Compares a :data:`Manifest` with the last toolset pinned in the ledger.
    Drift is the result (``matches`` is false), not an error. The ledger must
    verify in full, under ``pubkey`` (hex) when given: otherwise
    :class:`LedgerError` with code ``broken``, as a broken ledger's pin proves
    nothing; one that pins no toolset raises :class:`LedgerError` with code
    ``no_toolset``."""
    manifest = _manifest(tools)
    check = _call(_native.check_toolset, _path(ledger, LedgerError), _pinned("pubkey", pubkey), manifest)
    return ToolsetCheck(
        int(check.pinned_at),
        str(check.pinned_sha256),
        bool(check.matches),
        [str(t.name) for t in check.added],
        [str(t.name) for t in check.removed],
        [str(t.name) for t in check.changed],
    )


def parse_public_key(text: str | bytes) -> str:
    """A public key given as 64 lowercase hex characters or as a ``PUBLIC KEY``
    PEM, as hex (what ``pubkey=`` takes); anything else raises :class:`KeyLoadError`."""
    return str(_call(_native.parse_public_key, _text("text", text, KeyLoadError, None)))


def load_public_key(path: PathArg) -> str:
    """The public key in a file (a ``PUBLIC KEY`` PEM, or hex), as hex."""
    return str(_call(_native.load_public_key, _path(path, KeyLoadError)))


def public_key_pem(pubkey: str) -> str:
    """The ``PUBLIC KEY`` PEM of a public key given as hex or PEM."""
    return str(_call(_native.public_key_pem, _utf8("pubkey", pubkey, KeyLoadError, None)))


def public_key_fingerprint(pubkey: str) -> str:
    """The fingerprint of a public key given as hex or PEM: ``sha256:`` and 64 hex characters."""
    return str(_call(_native.public_key_fingerprint, _utf8("pubkey", pubkey, KeyLoadError, None)))


def verify_data(pubkey: str, data: bytes, signature: str) -> bool:
    """Whether ``signature`` (hex) is the data signature of ``data`` made by
    :meth:`SigningKeypair.sign_data` with the key ``pubkey`` (hex or PEM).
    Another key, other data or a signature of another kind (a ledger line's)
    is ``False``; a key that is not a key raises :class:`KeyLoadError`, a
    signature that is not 128 hex characters :class:`ChainError` with code ``invalid_hex``."""
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    return bool(_call(
        _native.verify_data,
        _utf8("pubkey", pubkey, KeyLoadError, None),
        data,
        _utf8("signature", signature, ChainError, "invalid_hex"),
    ))


def verify_data_sha256(pubkey: str, data_sha256: str, signature: str) -> bool:
    """:func:`verify_data` from the data's SHA-256 (64 hex characters), for
    data hashed as it is read; a malformed digest raises :class:`ChainError`
    with code ``invalid_hex``."""
    return bool(_call(
        _native.verify_data_sha256,
        _utf8("pubkey", pubkey, KeyLoadError, None),
        _utf8("data_sha256", data_sha256, ChainError, "invalid_hex"),
        _utf8("signature", signature, ChainError, "invalid_hex"),
    ))


@dataclass(frozen=True)
class NothingToRecover:
    """:func:`recover` found no torn final line and changed nothing; ``report`` is the ledger's verification."""

    report: ChainReport


@dataclass(frozen=True)
class Truncated:
    """:func:`recover` cut a torn final line off the ledger after copying it to ``backup``."""

    #: Where the removed line began: the ledger's new length.
    offset: int
    removed_bytes: int
    #: The file beside the ledger holding the removed bytes (``<name>.torn-<offset>``).
    backup: str
    #: The verification of the ledger after the cut.
    report: ChainReport


#: What :func:`recover` did.
RecoverOutcome = Union[NothingToRecover, Truncated]


def recover(path: PathArg) -> RecoverOutcome:
    """Removes a torn final line from the ledger at ``path``, what a
    :class:`LedgerError` with code ``torn_tail`` asks for, after copying it
    to ``<file name>.torn-<offset>`` beside the ledger: the same as the
    ``provedex recover`` command, which this package does not install.

    Returns :class:`Truncated` (``offset``, ``removed_bytes``, ``backup``,
    ``report``) or, for a ledger without a torn line, :class:`NothingToRecover`
    (``report``). Any other damage raises :class:`LedgerError` (code
    ``broken``) and changes nothing, as does a ledger a session holds
    (code ``locked``: close it first).
    """
    outcome = _call(_native.recover, _path(path, LedgerError))
    report = ChainReport._from_native(outcome.report)
    if isinstance(outcome, _native.RecoverOutcome.TRUNCATED):
        return Truncated(int(outcome.offset), int(outcome.removed_bytes), os.fsdecode(bytes(outcome.backup)), report)
    return NothingToRecover(report)


# Transparency (spec/transparency.md): the tree over a ledger's lines, proofs, checkpoints.


def _key_of(key: Any) -> Any:
    """The native key of ``key``: a :class:`SigningKeypair`, or the path of a key file."""
    if isinstance(key, SigningKeypair):
        return key._native
    return _call(_native.SigningKeypair.load, _path(key, KeyLoadError))


def _optional_u64(name: str, value: Optional[int]) -> Optional[int]:
    return None if value is None else check_u64(name, value)


def _hashes(name: str, proof: Any) -> list[str]:
    """A proof's hashes: a sequence of str (not one str, which is a sequence too)."""
    if isinstance(proof, (str, bytes)) or not isinstance(proof, Sequence):
        raise TypeError(f"{name} must be a list of hex str, not {type(proof).__name__}")
    hashes: list[str] = check_list(name, list(proof), check_str)
    # A hash with a lone surrogate is no hex: the proof proves nothing.
    return [h if h.isascii() else "" for h in hashes]


def _leaf_input(leaf: Any) -> bytes:
    """A leaf input: bytes as they are, a str as the hex of a line's self_hash."""
    if isinstance(leaf, bytes):
        return leaf
    text = _utf8("leaf", leaf, ChainError, "invalid_hex")
    if len(text) != 64 or text != text.lower():
        raise ChainError(f"leaf must be a self_hash, 64 lowercase hex characters, not {shown(text)}", "invalid_hex")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ChainError(f"leaf must be a self_hash, 64 lowercase hex characters, not {shown(text)}", "invalid_hex") from None


@dataclass(frozen=True)
class CheckpointInfo:
    """What a signed checkpoint says (:func:`verify_checkpoint`, :func:`parse_checkpoint`)."""

    #: The origin line: ``provedex-ledger/<genesis self_hash>/<key fingerprint>``.
    origin: str
    #: The self_hash of the ledger's line with seq 0, as the origin names it.
    genesis_self_hash: str
    #: The signing key's fingerprint, as the origin names it (``sha256:`` and 64 hex).
    fingerprint: str
    #: How many lines the checkpoint vouches for.
    tree_size: int
    #: The root of the tree of those lines, as hex.
    root: str

    @classmethod
    def _from_native(cls, info: Any) -> CheckpointInfo:
        return cls(str(info.origin), str(info.genesis_self_hash), str(info.fingerprint), int(info.tree_size), str(info.root_hex))


@dataclass(frozen=True)
class TreeHead:
    """The size and root of a ledger's tree (:func:`tree_head`)."""

    tree_size: int
    #: The root, as hex.
    root: str


def _document(text: Any, kind: str, members: dict[str, type]) -> dict[str, Any]:
    """The members of a proof document of type ``kind``, checked strictly; a
    text that is not one raises :class:`ChainError` with code ``malformed_json``."""
    def refuse(why: str) -> NoReturn:
        raise ChainError(f"not a {kind} proof document: {why}", "malformed_json")

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            refuse(f"not UTF-8 ({e.reason} at byte {e.start})")
    try:
        document = json.loads(check_str("text", text))
    except (ValueError, RecursionError) as e:
        refuse(f"not JSON ({type(e).__name__})")
    if not isinstance(document, dict) or document.get("type") != kind:
        refuse(f"its type is not {kind!r}")
    expected = {"type", *members}
    if set(document) != expected:
        refuse(f"its members are {sorted(document)}, not {sorted(expected)}")
    for name, kind_of in members.items():
        value = document[name]
        if kind_of is int:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**64:
                refuse(f"{name} is not a u64")
        elif kind_of is str:
            if not isinstance(value, str):
                refuse(f"{name} is not a string")
        elif not isinstance(value, list) or not all(isinstance(h, str) for h in value):
            refuse(f"{name} is not a list of strings")
    return document


@dataclass(frozen=True)
class InclusionProof:
    """That the line with ``seq`` is leaf ``seq`` of the tree of ``tree_size``
    lines with root ``root`` (:func:`prove_inclusion`). The root is trusted
    only once a checkpoint signed by a pinned key names it: check the proof
    with :meth:`verify` against that checkpoint's root."""

    seq: int
    tree_size: int
    #: The line's self_hash (hex): the leaf input.
    leaf: str
    #: The tree's root, as hex.
    root: str
    #: RFC 9162 ``PATH(seq, D[0:tree_size])``, from the leaf's sibling up, as hex.
    proof: list[str]

    def to_json(self) -> str:
        """The proof document, as ``provedex prove inclusion`` writes it."""
        return json.dumps(
            {"type": "inclusion", "seq": self.seq, "tree_size": self.tree_size, "leaf": self.leaf, "root": self.root, "proof": self.proof},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> InclusionProof:
        """Reads a proof document of type ``inclusion`` (as :meth:`to_json` and
        ``provedex prove inclusion`` write it); anything else raises
        :class:`ChainError` with code ``malformed_json``. Nothing is verified:
        :meth:`verify` does that."""
        d = _document(text, "inclusion", {"seq": int, "tree_size": int, "leaf": str, "root": str, "proof": list})
        return cls(d["seq"], d["tree_size"], d["leaf"], d["root"], list(d["proof"]))

    def verify(self, root: str) -> bool:
        """Whether the proof leads from the line's self_hash to ``root`` (hex),
        the root of a checkpoint of ``tree_size`` lines (:func:`verify_inclusion`)."""
        return verify_inclusion(seq=self.seq, tree_size=self.tree_size, leaf=self.leaf, proof=self.proof, root=root)


@dataclass(frozen=True)
class ConsistencyProof:
    """That the tree of ``old_size`` lines is a prefix of the tree of
    ``new_size`` lines (:func:`prove_consistency`): every line the first
    vouched for is still there, unchanged. The roots are trusted only once
    checkpoints signed by a pinned key name them: check the proof with
    :meth:`verify` against those checkpoints' roots."""

    old_size: int
    new_size: int
    #: The smaller tree's root, as hex.
    old_root: str
    #: The larger tree's root, as hex.
    new_root: str
    #: RFC 9162 ``PROOF(old_size, D[0:new_size])``, as hex.
    proof: list[str]

    def to_json(self) -> str:
        """The proof document, as ``provedex prove consistency`` writes it."""
        return json.dumps(
            {
                "type": "consistency",
                "old_size": self.old_size,
                "new_size": self.new_size,
                "old_root": self.old_root,
                "new_root": self.new_root,
                "proof": self.proof,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ConsistencyProof:
        """Reads a proof document of type ``consistency`` (as :meth:`to_json`
        and ``provedex prove consistency`` write it); anything else raises
        :class:`ChainError` with code ``malformed_json``. Nothing is verified:
        :meth:`verify` does that."""
        members = {"old_size": int, "new_size": int, "old_root": str, "new_root": str, "proof": list}
        d = _document(text, "consistency", members)
        return cls(d["old_size"], d["new_size"], d["old_root"], d["new_root"], list(d["proof"]))

    def verify(self, old_root: str, new_root: str) -> bool:
        """Whether the proof leads to ``old_root`` and ``new_root`` (hex), the
        roots of checkpoints of ``old_size`` and ``new_size`` lines (:func:`verify_consistency`)."""
        return verify_consistency(
            old_size=self.old_size, new_size=self.new_size, proof=self.proof, old_root=old_root, new_root=new_root
        )


def checkpoint(ledger: PathArg, *, key: Union[SigningKeypair, PathArg], size: Optional[int] = None) -> str:
    """The signed checkpoint of the ledger: its note text, to keep apart from
    the ledger (with an auditor, a customer, a transparency log), where it
    later shows that no line it vouches for was cut or replaced
    (``verify_file(..., checkpoint=...)``). It covers the first ``size``
    lines, or all of them.

    ``key`` (a :class:`SigningKeypair` or the path of a key file) must be the
    ledger's key current at that size: otherwise :class:`LedgerError` with
    code ``foreign_key``. The ledger must verify (a torn final line is left
    out), or :class:`ChainError` with the finding's reason is raised: no
    checkpoint vouches for bad lines. The lines that the latest checkpoint
    in the ledger's checkpoints file signed by ``key`` vouches for are taken
    on its word and only the lines after them are read; a ledger
    shorter than that checkpoint raises :class:`ChainError` with reason
    ``ledger_truncated``, one whose lines it vouched for were replaced
    ``checkpoint_root_mismatch``. A size beyond the good lines, size 0 or an
    empty ledger raises :class:`LedgerError` with code ``out_of_range``."""
    path = _path(ledger, LedgerError)
    native_key = _key_of(key)
    return str(_call(_native.checkpoint, path, native_key, _optional_u64("size", size)))


def verify_checkpoint(checkpoint: Checkpoint, pubkey: str) -> CheckpointInfo:
    """Reads a signed checkpoint (its note, str or bytes) and checks that
    ``pubkey`` (hex or PEM) signs it, strictly; returns what it says. A
    refused checkpoint raises :class:`ChainError` whose code is
    ``checkpoint_malformed`` (not a signed checkpoint of a ledger),
    ``checkpoint_foreign`` (its origin names another key) or
    ``checkpoint_signature_invalid``; a key that is not a key raises
    :class:`KeyLoadError`."""
    note = _note("checkpoint", checkpoint)
    return CheckpointInfo._from_native(_call(_native.verify_checkpoint, note, _utf8("pubkey", pubkey, KeyLoadError, None)))


def parse_checkpoint(checkpoint: Checkpoint) -> CheckpointInfo:
    """What a signed checkpoint claims, no signature checked: to know which
    key to verify it with. Not a signed checkpoint: :class:`ChainError` with
    code ``checkpoint_malformed``."""
    return CheckpointInfo._from_native(_call(_native.parse_checkpoint, _note("checkpoint", checkpoint)))


def tree_head(ledger: PathArg, *, size: Optional[int] = None) -> TreeHead:
    """The size and root of the ledger's tree at ``size`` lines (all good lines
    when ``None``); the ledger must verify, as for :func:`checkpoint`."""
    head = _call(_native.ledger_tree_head, _path(ledger, LedgerError), _optional_u64("size", size))
    return TreeHead(int(head.tree_size), str(head.root_hex))


def prove_inclusion(ledger: PathArg, seq: int, *, size: Optional[int] = None) -> InclusionProof:
    """The inclusion proof of the line with ``seq`` in the tree of the first
    ``size`` lines (all good lines when ``None``): it shows that line to an
    auditor without the others. The ledger must verify, as for
    :func:`checkpoint`; the proof is read from the ledger's index and
    verified before it is returned. A seq or size beyond its good lines raises
    :class:`LedgerError` with code ``out_of_range``."""
    path = _path(ledger, LedgerError)
    p = _call(_native.prove_inclusion, path, check_u64("seq", seq), _optional_u64("size", size))
    return InclusionProof(int(p.seq), int(p.tree_size), str(p.leaf_hex), str(p.root_hex), [str(h) for h in p.proof])


def prove_consistency(ledger: PathArg, old_size: int, *, new_size: Optional[int] = None) -> ConsistencyProof:
    """The consistency proof from the tree of the first ``old_size`` lines to
    the tree of the first ``new_size`` lines (all good lines when ``None``).
    The ledger must verify, as for :func:`checkpoint`; sizes beyond its good
    lines or out of order raise :class:`LedgerError` with code ``out_of_range``."""
    path = _path(ledger, LedgerError)
    p = _call(_native.prove_consistency, path, check_u64("old_size", old_size), _optional_u64("new_size", new_size))
    return ConsistencyProof(
        int(p.old_size), int(p.new_size), str(p.old_root_hex), str(p.new_root_hex), [str(h) for h in p.proof]
    )


def verify_inclusion(*, seq: int, tree_size: int, leaf: Union[str, bytes], proof: Sequence[str], root: str) -> bool:
    """Whether ``proof`` (hashes as hex) shows that ``leaf`` is leaf ``seq`` of
    the tree of ``tree_size`` lines with root ``root`` (hex), by RFC 9162's
    algorithm. ``leaf`` is a line's self_hash as hex, or the raw leaf input as
    bytes. A seq out of range, a proof of the wrong length, with a hash that
    is not 64 lowercase hex, or leading elsewhere is ``False``; a malformed
    ``root`` or ``leaf`` raises :class:`ChainError` with code ``invalid_hex``."""
    return bool(_call(
        _native.verify_inclusion,
        check_u64("seq", seq),
        check_u64("tree_size", tree_size),
        _leaf_input(leaf),
        _hashes("proof", proof),
        _utf8("root", root, ChainError, "invalid_hex"),
    ))


def verify_consistency(*, old_size: int, new_size: int, proof: Sequence[str], old_root: str, new_root: str) -> bool:
    """Whether ``proof`` (hashes as hex) shows that the tree of ``old_size``
    lines with root ``old_root`` is a prefix of the tree of ``new_size`` lines
    with root ``new_root``, by RFC 9162's algorithm (equal sizes: an empty
    proof and equal roots; from size 0: an empty proof and the empty tree's
    root). Sizes out of order, a proof of the wrong length, with a hash that
    is not 64 lowercase hex, or leading to other roots is ``False``; a
    malformed root raises :class:`ChainError` with code ``invalid_hex``."""
    return bool(_call(
        _native.verify_consistency,
        check_u64("old_size", old_size),
        check_u64("new_size", new_size),
        _hashes("proof", proof),
        _utf8("old_root", old_root, ChainError, "invalid_hex"),
        _utf8("new_root", new_root, ChainError, "invalid_hex"),
    ))


def leaf_hash(leaf_input: bytes) -> str:
    """The leaf hash of a leaf input, as hex: SHA-256(0x00 ‖ input). A ledger
    line's leaf input is the 32 bytes of its self_hash."""
    if not isinstance(leaf_input, bytes):
        raise TypeError(f"leaf_input must be bytes, not {type(leaf_input).__name__}")
    return str(_native.leaf_hash(leaf_input))


def tree_root(leaf_inputs: Sequence[bytes]) -> str:
    """The RFC 9162 Merkle Tree Hash of these leaf inputs, in order, as hex
    (for a ledger, each line's self_hash as bytes); of none, SHA-256 of no bytes."""
    if isinstance(leaf_inputs, (str, bytes)) or not isinstance(leaf_inputs, Sequence):
        raise TypeError(f"leaf_inputs must be a list of bytes, not {type(leaf_inputs).__name__}")
    inputs = list(leaf_inputs)
    for i, item in enumerate(inputs):
        if not isinstance(item, bytes):
            raise TypeError(f"leaf_inputs[{i}] must be bytes, not {type(item).__name__}")
    return str(_native.tree_root(inputs))


# Bundles (spec/bundles.md) and the checkpoints file (spec/transparency.md, "Checkpoints file").

#: A bound of a time range: an aware :class:`datetime.datetime`, or nanoseconds since the Unix epoch.
TimeBound = Union[datetime.datetime, int]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _nanos(name: str, value: Any) -> int:
    """Nanoseconds since the Unix epoch of an aware datetime (exact, to its
    microsecond) or of an int."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TypeError(f"{name} must be a timezone-aware datetime (a naive one names no instant)")
        return check_u64(name, (value - _EPOCH) // datetime.timedelta(microseconds=1) * 1000)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a datetime or an int of nanoseconds, not {type(value).__name__}")
    return check_u64(name, value)


def _selection(first_seq: Any, last_seq: Any, start: Any, end: Any) -> Any:
    seqs = first_seq is not None or last_seq is not None
    times = start is not None or end is not None
    if seqs == times:
        raise TypeError("give first_seq and last_seq, or start and end")
    if seqs:
        if first_seq is None or last_seq is None:
            raise TypeError("give both first_seq and last_seq")
        return _native.BundleSelection.SEQS(check_u64("first_seq", first_seq), check_u64("last_seq", last_seq))
    if start is None or end is None:
        raise TypeError("give both start and end")
    return _native.BundleSelection.TIME(_nanos("start", start), _nanos("end", end))


def export_bundle(
    ledger: PathArg,
    *,
    key: Union[SigningKeypair, PathArg, None] = None,
    first_seq: Optional[int] = None,
    last_seq: Optional[int] = None,
    start: Optional[TimeBound] = None,
    end: Optional[TimeBound] = None,
    checkpoint: Optional[Checkpoint] = None,
    anchored: bool = False,
) -> bytes:
    """A bundle of a range of the ledger's lines (spec/bundles.md), for an
    auditor to verify without the ledger (:func:`verify_bundle`): the bundle
    document's bytes, exactly as ``provedex export`` writes them. Nothing is
    written; store the bytes where you like (``provedex export`` writes a
    new file and never overwrites one).

    The lines are ``first_seq`` to ``last_seq`` (both included), or those
    from the first at or after ``start`` to the last at or before ``end``
    (aware datetimes, exact to the microsecond, or ints of nanoseconds since
    the Unix epoch), with every line between them.

    They are proven against a new checkpoint of every good line signed by
    ``key`` (a :class:`SigningKeypair` or a key file's path), which must be
    the ledger's current key (:class:`LedgerError` with code
    ``foreign_key``), or against ``checkpoint``, one signed earlier (its
    note, str or bytes; kept apart, anchored, cosigned), copied verbatim
    with no key needed: the ledger must still hold its tree
    (:class:`ChainError` with code ``checkpoint_foreign``,
    ``ledger_truncated``, ``checkpoint_signature_invalid`` or
    ``checkpoint_root_mismatch``; ``checkpoint_malformed`` when it is no
    checkpoint), and the lines must lie within it. With ``anchored=True``
    the checkpoint is the one anchored last (the latest in the receipts
    file beside the ledger), and the bundle carries every receipt kept for
    it, as ``provedex export --anchored`` writes it; no receipt yet raises
    :class:`LedgerError` with code ``out_of_range``. Give one of ``key``,
    ``checkpoint`` and ``anchored``.

    The ledger must verify (a torn final line is left out), or
    :class:`ChainError` with the finding's reason is raised. A range outside
    the good lines, a time range that holds no line or ends before it starts,
    or an empty ledger raises :class:`LedgerError` with code ``out_of_range``.
    """
    path = _path(ledger, LedgerError)
    selection = _selection(first_seq, last_seq, start, end)
    if [key is not None, checkpoint is not None, check_bool("anchored", anchored)].count(True) != 1:
        raise TypeError(
            "give one of key (to sign a new checkpoint), checkpoint (one signed earlier) and anchored=True "
            "(the one anchored last)"
        )
    if anchored:
        return bytes(_call(_native.export_bundle_anchored, path, selection))
    if checkpoint is not None:
        return bytes(_call(_native.export_bundle_with_checkpoint, path, _note("checkpoint", checkpoint), selection))
    return bytes(_call(_native.export_bundle, path, _key_of(key), selection))


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence a bundle verification checked (:attr:`BundleReport.evidence`)."""

    #: ``bundle``, ``key_pin``, ``checkpoint``, ``held_checkpoint``, ``lines``, ``tree`` or ``receipt``.
    kind: str
    #: ``verified``, ``failed`` or ``not_checked``.
    verdict: str
    #: What was checked, or why it was not, for people.
    detail: str


@dataclass(frozen=True)
class LevelVerdict:
    """Whether a proof level is reached, and why (not) (:attr:`BundleReport.levels`)."""

    #: ``verifiable``, ``externally-archived``, ``publicly-auditable`` or ``publicly-timestamped``.
    level: str
    reached: bool
    #: The evidence that reaches it, or what is missing.
    why: str


@dataclass(frozen=True)
class BundleReport:
    """The verdict on a bundle (spec/bundles.md, "Report")."""

    #: Every check passed (under the pinned key, when one was pinned).
    ok: bool
    #: Whether a key or fingerprint was pinned and matched. A bundle that is
    #: ``ok`` without one proves only its internal consistency.
    pinned: bool
    #: The highest proof level reached (``"verifiable"``, …); ``None`` when
    #: none is (a finding, or no pin).
    proof_level: Optional[str]
    #: All four levels, lowest first, reached or not, and why.
    levels: list[LevelVerdict]
    #: The lines that verified.
    event_count: int
    #: The seq of the bundle's first line; ``None`` when the bundle could not be read.
    first_seq: Optional[int]
    #: The checkpoint's tree size; ``None`` when it could not be read.
    tree_size: Optional[int]
    #: The checkpoint's root, as hex; ``None`` when it could not be read.
    root: Optional[str]
    #: The key the bundle names, as hex; ``None`` when it could not be read.
    public_key: Optional[str]
    #: The reason code of the finding; ``None`` when ``ok``.
    reason: Optional[str]
    #: What holds, or where and why it does not, for people.
    message: str
    #: The seq of the failing line, for a finding about a line.
    broken_at: Optional[int]
    #: Each piece of evidence and its verdict, in the order checked.
    evidence: list[Evidence]
    _json: str = field(repr=False, compare=False, default="")

    def to_json(self) -> str:
        """The report as one JSON object, as ``provedex verify-bundle --json``
        prints it (spec/bundle-report.schema.json)."""
        return self._json

    @classmethod
    def _from_native(cls, r: Any) -> BundleReport:
        return cls(
            bool(r.ok),
            bool(r.pinned),
            r.proof_level,
            [LevelVerdict(str(l.level), bool(l.reached), str(l.why)) for l in r.levels],
            int(r.event_count),
            r.first_seq,
            r.tree_size,
            r.root,
            r.public_key,
            r.reason,
            str(r.message),
            r.broken_at,
            [Evidence(str(e.kind), str(e.verdict), str(e.detail)) for e in r.evidence],
            str(r.json),
        )


def verify_bundle(
    bundle: Union[bytes, str],
    *,
    pubkey: Optional[str] = None,
    fingerprint: Optional[str] = None,
    checkpoint: Optional[Checkpoint] = None,
    receipts: Optional[ReceiptTrust] = None,
) -> BundleReport:
    """Verifies a bundle (its document's bytes, or its text) without the
    ledger (spec/bundles.md). Every finding about the bundle is in the
    report, never raised: ``bundle_malformed``, ``bundle_key_mismatch``,
    ``bundle_proof_invalid``, the checkpoint's and the lines' reasons.

    Pin the key you trust to sign the ledger's checkpoints, ``pubkey`` (hex
    or PEM), or its ``fingerprint`` (``sha256:`` and 64 lowercase hex, as
    :func:`public_key_fingerprint` gives it), obtained apart from the
    bundle: a bundle never vouches for its own key. Without a pin a bundle
    that holds together is ``ok`` but not ``pinned``, and reaches no proof
    level. ``checkpoint`` is a checkpoint of the ledger held apart from the
    bundle (its note, str or bytes): the bundle must prove its lines against
    that very tree.

    The bundle's receipts are checked under ``receipts``: the trust anchors
    (timestamp authorities' roots, logs' keys, the chain) and servers you
    chose. Without it each receipt's statement is still checked against the
    checkpoint, but no receipt reaches a level above ``verifiable``.

    Both pins, one that is malformed, or a trust anchor in ``receipts`` that
    cannot be read, raise :class:`KeyLoadError`; a held
    checkpoint that cannot be read, :class:`ChainError` with code
    ``checkpoint_malformed``.
    """
    if isinstance(bundle, str):
        # A lone surrogate keeps its place as bytes that are not UTF-8: the report says the bundle is malformed.
        data = bundle.encode("utf-8", "surrogatepass")
    elif isinstance(bundle, bytes):
        data = bundle
    else:
        raise TypeError(f"bundle must be bytes (the document) or str (its text), not {type(bundle).__name__}")
    pinned_pubkey = None if pubkey is None else _utf8("pubkey", pubkey, KeyLoadError, None)
    pinned_fingerprint = None if fingerprint is None else _utf8("fingerprint", fingerprint, KeyLoadError, None)
    held = None if checkpoint is None else _note("checkpoint", checkpoint)
    if receipts is not None and not isinstance(receipts, ReceiptTrust):
        raise TypeError(f"receipts must be a ReceiptTrust, not {type(receipts).__name__}")
    trust = None if receipts is None else receipts._to_native()
    return BundleReport._from_native(_call(_native.verify_bundle, data, pinned_pubkey, pinned_fingerprint, held, trust))


@dataclass(frozen=True)
class CheckpointEntry:
    """One line of a ledger's checkpoints file (:func:`read_checkpoints`)."""

    #: The checkpoint's tree size.
    tree_size: int
    #: The signed note's text. Being in the file vouches for nothing: verify
    #: it (:func:`verify_checkpoint`) under the key you pin.
    checkpoint: str


def checkpoints_path(ledger: PathArg) -> str:
    """The checkpoints file of the ledger: its path with ``.checkpoints``
    appended, decoded by :func:`os.fsdecode`."""
    return os.fsdecode(bytes(_native.checkpoints_path(_path(ledger, LedgerError))))


def read_checkpoints(ledger: PathArg) -> list[CheckpointEntry]:
    """The checkpoints a session signed into the ledger's checkpoints file
    (``Session.open(..., checkpoint_every=N)``), in file order; none when
    there is no file. A final line without LF (a write cut short) is left
    out; any other line that is not a checkpoint entry raises
    :class:`LedgerError` with code ``broken``. Signatures are not checked:
    :func:`verify_checkpoint` does that, under the key you pin."""
    entries = _call(_native.read_checkpoints, _path(ledger, LedgerError))
    return [CheckpointEntry(int(e.tree_size), str(e.checkpoint)) for e in entries]
