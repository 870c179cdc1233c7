"""The exceptions of the SDK: every failure of an operation is a
:class:`ProvedexError`; a wrong argument type is a ``TypeError`` and an
integer out of range an ``OverflowError``, as for Python's own functions."""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

from . import _native


class ProvedexError(Exception):
    """Base of every error Provedex raises. ``str(e)`` says what failed and
    why; ``e.code`` is a stable code for programs, or ``None``."""

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the code across pickling (multiprocessing sends errors back this way).
        return (type(self), (self.args[0] if self.args else "", self.code))


class KeyLoadError(ProvedexError):
    """A key file cannot be read, written or trusted, or a key given as text
    (PEM, hex) is not a key (``code`` is ``None``)."""


class SigningError(ProvedexError):
    """An event or value cannot be sealed. ``code`` is the reason a verifier
    would report (``missing_field``, ``unknown_event_type``, ``invalid_hex``,
    ``malformed_json``, …) or, for a value without a canonical JSON form, the
    JSON error code (``duplicate_key``, ``nesting_too_deep``, ``syntax`` for
    NaN and infinities, ``lone_surrogate``, …). A tool manifest that is not a
    toolset has the code ``invalid_manifest``: like an event that cannot be
    sealed, it cannot be hashed or pinned."""


class LedgerError(ProvedexError):
    """A ledger cannot be opened, appended to, read or recovered. ``code`` is
    one of ``io``, ``locked``, ``torn_tail`` (run :func:`provedex.recover`),
    ``broken``, ``foreign_key``, ``poisoned``, ``unusable``, ``forked`` (the
    session was opened in the parent of this forked process: open a new
    session here), ``closed`` (the session was closed), ``no_toolset``
    (:func:`provedex.check_toolset` on a ledger that pins no toolset) and
    ``out_of_range`` (a seq or tree size beyond the ledger's good lines, or a
    checkpoint of an empty ledger or of size 0)."""


class ChainError(ProvedexError):
    """A signed event or ledger line is not valid on its own, a ledger that
    must verify (to prove, checkpoint or export it) does not, or a checkpoint
    is refused. ``code`` is its reason (``hash_mismatch``, ``bad_signature``, …;
    for a checkpoint ``checkpoint_malformed``, ``checkpoint_foreign`` or
    ``checkpoint_signature_invalid``, and for one a bundle is exported
    against, also ``ledger_truncated`` or ``checkpoint_root_mismatch``).
    A bundle that does not verify is a report (:func:`provedex.verify_bundle`),
    never this error."""


class ConfigError(ProvedexError):
    """An anchoring configuration (``provedex.toml``) cannot be read or
    used, or the anchorer cannot start. ``code`` is ``invalid_config`` (the
    message lists every problem, each naming where) or ``io``."""


#: The native error kinds (the variant names of the FFI's ProvedexError).
_ERRORS: dict[str, type[ProvedexError]] = {
    "KeyLoad": KeyLoadError,
    "Signing": SigningError,
    "Ledger": LedgerError,
    "Chain": ChainError,
    "Config": ConfigError,
}

_T = TypeVar("_T")


def _call(fn: Callable[..., _T], *args: Any) -> _T:
    """Calls into the native layer, turning its errors into this module's."""
    try:
        return fn(*args)
    except _native.ProvedexError as e:
        code = getattr(e, "code", None)
        detail = str(e.detail)
        if code == "torn_tail":
            # The SDK does not install the command the core's message names.
            detail += "; from Python, provedex.recover(ledger_path) does the same"
        raise _ERRORS[type(e).__name__](detail, code) from None
