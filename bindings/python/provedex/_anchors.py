"""Anchors from Python (spec/anchors.md): the configuration file the
``provedex`` command reads, an anchorer running on a thread of this process
while the application records, and the trust anchors a bundle's receipts are
checked with (:func:`provedex.verify_bundle`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Optional, TypeVar, Union

from . import _native
from ._checks import PathArg, _path, check_str, check_u64
from ._errors import ConfigError, _call

_R = TypeVar("_R")


def _record(cls: type[_R], native: Any) -> _R:
    """A frozen dataclass from the native record of the same members."""
    return cls(**{f.name: getattr(native, f.name) for f in fields(cls)})  # type: ignore[arg-type]


def _secrets(secrets: Optional[Mapping[str, str]]) -> Optional[dict[str, str]]:
    if secrets is None:
        return None
    if not isinstance(secrets, Mapping):
        raise TypeError(f"secrets must be a mapping of variable names to values, not {type(secrets).__name__}")
    return {check_str("secret name", name): check_str(f"secret {name}", value) for name, value in secrets.items()}


class AnchorConfig:
    """An anchoring configuration: the ``provedex.toml`` that ``provedex
    anchor`` and ``provedex config check`` read (spec/anchors.md,
    "Configuration"), naming the ledger, its key, the proof level wanted and
    the anchors with their endpoints, schedules and batch sizes. Secrets are
    never in the file: it names the environment variables that hold them.
    Relative paths start at the file's folder."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def load(cls, path: PathArg) -> AnchorConfig:
        """Reads a configuration file (TOML, at most 1 MiB). One that cannot
        be read, or holds an unknown member or a value of the wrong type,
        raises :class:`ConfigError` naming the file and the problem."""
        return cls(_call(_native.AnchorConfig.load, _path(path, ConfigError)))

    @classmethod
    def parse(cls, text: str, directory: PathArg = ".") -> AnchorConfig:
        """A configuration from its TOML text; relative paths start at ``directory``."""
        return cls(_call(_native.AnchorConfig.parse, check_str("text", text), _path(directory, ConfigError)))

    def problems(self, secrets: Optional[Mapping[str, str]] = None) -> list[str]:
        """Every problem that keeps the configuration from anchoring, one
        sentence each naming where, as ``provedex config check`` prints them;
        empty when it can be used. Secrets are looked up in ``secrets`` first,
        then in the environment, and never shown."""
        return list(self._native.problems(_secrets(secrets)))

    @property
    def ledger_path(self) -> str:
        """The ledger the configuration anchors."""
        return os.fsdecode(bytes(self._native.ledger_path()))

    @property
    def key_path(self) -> str:
        """The ledger's key file, which signs the anchor statements."""
        return os.fsdecode(bytes(self._native.key_path()))

    @property
    def anchor_names(self) -> list[str]:
        """The anchors' names, in file order."""
        return list(self._native.anchor_names())


@dataclass(frozen=True)
class AnchorOutcome:
    """What one anchoring pass did for one anchor."""

    #: The anchor's name.
    anchor: str
    #: ``"anchored"``, ``"failed"``, ``"up_to_date"`` (every line anchored
    #: already) or ``"not_due"`` (its schedule, batch size or backoff says not yet).
    outcome: str
    #: For ``"anchored"``: the tree size its new receipt vouches for.
    tree_size: Optional[int]
    #: For ``"failed"``: why, for people.
    error: Optional[str]
    #: For ``"failed"``: when the next attempt is due, in nanoseconds since the Unix epoch.
    next_attempt_nanos: Optional[int]


@dataclass(frozen=True)
class AnchorStatus:
    """Where one anchor stands, as ``provedex anchor status`` shows it."""

    #: Its name.
    name: str
    #: Its type (``rfc3161``, ``tlog``, ``rekor``, ``s3-object-lock``, ``ethereum``, ``solana``).
    kind: str
    #: The tree size its last receipt vouches for; ``None`` before its first.
    last_tree_size: Optional[int]
    #: When its last receipt's statement was made, in nanoseconds since the Unix epoch.
    last_anchor_nanos: Optional[int]
    #: Lines of the ledger it has not anchored.
    pending: int
    #: Its last failure since its last receipt.
    last_error: Optional[str]
    #: Failures since its last receipt.
    failures: int
    #: When the next attempt is due after a failure, in nanoseconds since the Unix epoch.
    next_attempt_nanos: Optional[int]


class BackgroundAnchorer:
    """An anchorer on a thread of this process, as ``provedex anchor watch``
    beside it: each anchor is published to when its schedule fires or its
    batch of events is full (checked at least once a minute), failures are
    retried with backoff, and every receipt is kept in the receipts file
    beside the ledger. Recording never waits for it, and a failure never
    reaches the application: see :meth:`status` and :attr:`pass_error`.

    It starts when created and stops with :meth:`stop`, at the end of a
    ``with`` block, or when collected, after the pass in flight::

        with provedex.BackgroundAnchorer(provedex.AnchorConfig.load("provedex.toml")):
            ...  # record with a Session on the configuration's ledger

    ``config`` is an :class:`AnchorConfig` or a configuration file's path.
    Secrets are the variables the file names, looked up in ``secrets`` first,
    then in the environment. A configuration with problems, or a key that
    cannot be loaded, raises :class:`ConfigError` listing them; nothing is
    started then. Run one anchorer per ledger. In a child forked from the
    process that started it there is no anchoring thread: :meth:`run_now`
    and :meth:`status` raise :class:`~provedex.LedgerError` with code
    ``forked``, :meth:`stop` does nothing, and the child starts its own.
    """

    __slots__ = ("_native",)

    def __init__(self, config: Union[AnchorConfig, PathArg], *, secrets: Optional[Mapping[str, str]] = None) -> None:
        loaded = config if isinstance(config, AnchorConfig) else AnchorConfig.load(config)
        self._native = _call(_native.BackgroundAnchorer.start, loaded._native, _secrets(secrets))

    def run_now(self) -> list[AnchorOutcome]:
        """Anchors now, as ``provedex anchor run``: every anchor with lines
        not anchored yet, whatever its schedule or backoff, after any
        background pass in flight. A failed anchor is an outcome (and in its
        status); a ledger that cannot be read raises
        :class:`~provedex.LedgerError` or :class:`~provedex.ChainError`."""
        return [_record(AnchorOutcome, o) for o in _call(self._native.run_now)]

    def status(self) -> list[AnchorStatus]:
        """Every anchor's last receipt, pending lines, last error and next attempt."""
        return [_record(AnchorStatus, s) for s in _call(self._native.status)]

    @property
    def passes(self) -> int:
        """Background passes finished so far, failed ones included."""
        return int(self._native.passes())

    @property
    def pass_error(self) -> Optional[str]:
        """Why the last background pass could not run (a ledger that does
        not read or verify); ``None`` when it ran."""
        error = self._native.pass_error()
        return None if error is None else str(error)

    @property
    def running(self) -> bool:
        """Whether the thread is running (not stopped)."""
        return bool(self._native.is_running())

    def stop(self) -> None:
        """Stops the thread after the pass in flight and waits for it.
        Calling it again does nothing; :meth:`run_now` and :meth:`status`
        still work after it."""
        self._native.stop()

    def __enter__(self) -> BackgroundAnchorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class S3Access:
    """The S3 store a verifier re-reads ``s3-object-lock`` receipts' objects from."""

    #: The store's endpoint URL: a receipt naming another store is left not checked.
    endpoint: str
    #: The access key id.
    access_key_id: str
    #: The secret access key (never shown).
    secret_access_key: str = field(repr=False)
    #: The region requests are signed for.
    region: str = "us-east-1"


@dataclass(frozen=True)
class ReceiptTrust:
    """What a bundle's receipts are checked with (spec/anchors.md): the
    trust anchors a verifier holds apart from any bundle, and the servers it
    asks for what no receipt shows offline; ``provedex verify-bundle``'s
    ``--tsa-root``, ``--log-key``, ``--eth-chain-id``, ``--eth-rpc``,
    ``--solana-rpc`` and ``--s3-endpoint``. A receipt whose trust anchor is
    not given is not checked and reaches no level; one that fails its checks
    is a finding (``receipt_invalid``)."""

    #: Timestamp authorities' root certificates trusted, each a PEM text (str or bytes) of one or more.
    tsa_roots: Sequence[Union[str, bytes]] = ()
    #: Transparency logs' keys trusted for ``tlog`` and ``rekor`` receipts (C2SP verifier keys).
    log_keys: Sequence[str] = ()
    #: The Ethereum chain ``ethereum`` receipts must be on.
    ethereum_chain_id: Optional[int] = None
    #: An Ethereum JSON-RPC node asked whether each transaction is in its block (needs ``ethereum_chain_id``).
    ethereum_rpc: Optional[str] = None
    #: A Solana JSON-RPC node asked whether each transaction is in its slot.
    solana_rpc: Optional[str] = None
    #: The S3 store ``s3-object-lock`` receipts' objects are re-read from.
    s3: Optional[S3Access] = None

    def _to_native(self) -> Any:
        roots = []
        for i, pem in enumerate(self.tsa_roots):
            text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else check_str(f"tsa_roots[{i}]", pem)
            roots.append(text)
        if isinstance(self.log_keys, str):
            raise TypeError("log_keys must be a sequence of verifier keys, not one str")
        s3 = None
        if self.s3 is not None:
            if not isinstance(self.s3, S3Access):
                raise TypeError(f"s3 must be an S3Access, not {type(self.s3).__name__}")
            s3 = _native.S3Access(
                endpoint=check_str("s3.endpoint", self.s3.endpoint),
                access_key_id=check_str("s3.access_key_id", self.s3.access_key_id),
                secret_access_key=check_str("s3.secret_access_key", self.s3.secret_access_key),
                region=check_str("s3.region", self.s3.region),
            )
        chain_id = None if self.ethereum_chain_id is None else check_u64("ethereum_chain_id", self.ethereum_chain_id)
        return _native.ReceiptTrust(
            tsa_roots_pem=roots,
            log_keys=[check_str("log key", key) for key in self.log_keys],
            ethereum_chain_id=chain_id,
            ethereum_rpc=None if self.ethereum_rpc is None else check_str("ethereum_rpc", self.ethereum_rpc),
            solana_rpc=None if self.solana_rpc is None else check_str("solana_rpc", self.solana_rpc),
            s3=s3,
        )

