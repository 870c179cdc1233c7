"""Argument checks shared by the event factories and the API: the types the
spec allows (``TypeError`` otherwise), the integer ranges (``OverflowError``),
and JSON values the canonical form can hold (:class:`SigningError` otherwise,
with the code the core gives the same value written as JSON text)."""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Union

from . import _native
from ._errors import LedgerError, ProvedexError, SigningError

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)

#: The deepest nesting of a JSON value (``[]`` is depth 1), from the core.
MAX_JSON_DEPTH: int = int(_native.max_json_depth())
#: The deepest nesting of a free JSON object in a payload (``ToolCalled.args_redacted``,
#: the object itself is depth 1): what fits in a ledger line, from the core.
MAX_FREE_JSON_DEPTH: int = int(_native.max_free_json_depth())


def shown(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to about ``limit`` characters for messages."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        # Also keeps clear of the limit on int-to-str conversion (ValueError past 4300 digits).
        return f"{'-' if value < 0 else ''}<an integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not replace the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _check_int(name: str, value: Any, maximum: int, kind: str) -> int:
    # bool is an int subclass, but True is not a count of anything.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= maximum:
        raise OverflowError(f"{name} must be a {kind} (0 to {maximum}), not {shown(value)}")
    return value


def check_u32(name: str, value: Any) -> int:
    return _check_int(name, value, U32_MAX, "u32")


def check_u64(name: str, value: Any) -> int:
    return _check_int(name, value, U64_MAX, "u64")


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def check_object(name: str, value: Any, levels: int = 0) -> dict[str, Any]:
    """A free JSON object of a payload, ``levels`` containers (nested objects,
    lists) below it. Beyond the types, a value the ledger cannot hold is
    refused with the reason the core gives such an event: ``malformed_json``
    (too deep for a ledger line, NaN, infinities)."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, not {type(value).__name__}")
    check_json(name, value, MAX_FREE_JSON_DEPTH - levels, code="malformed_json")
    return value


def check_list(name: str, value: Any, item: Callable[[str, Any], Any]) -> list[Any]:
    """A list whose items each pass ``item(name[i], value)``; a fresh list of the checked items."""
    if not isinstance(value, list):
        raise TypeError(f"{name} must be a list, not {type(value).__name__}")
    return [item(f"{name}[{i}]", v) for i, v in enumerate(value)]


def check_json(name: str, value: Any, max_depth: int = MAX_JSON_DEPTH, code: str | None = None) -> None:
    """Raises unless ``value`` is JSON the canonical form can hold exactly:
    str keys and ``TypeError`` otherwise, integers within [-2^63, 2^64 - 1]
    and ``OverflowError`` otherwise, finite floats and nesting up to
    ``max_depth`` and :class:`SigningError` otherwise (its code is the JSON
    error code, ``syntax`` or ``nesting_too_deep``, unless ``code`` is given)."""
    path = [name]

    def fail(json_code: str, message: str) -> SigningError:
        return SigningError(message, code or json_code)

    def walk(value: Any, depth: int) -> None:
        if value is None or isinstance(value, (bool, str)):
            return
        if isinstance(value, int):
            if not _I64_MIN <= value <= U64_MAX:
                raise OverflowError(f"{_where(path)}: the integer {shown(value)} is outside [-2^63, 2^64 - 1]")
            return
        if isinstance(value, float):
            if not math.isfinite(value):
                raise fail("syntax", f"{_where(path)}: {value} has no JSON form (NaN and infinities are not JSON numbers)")
            return
        if isinstance(value, (list, tuple, dict)):
            if depth == max_depth:
                raise fail("nesting_too_deep", f"{name} nests deeper than {max_depth} levels of arrays and objects")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(value, dict):
                    if not isinstance(key, str):
                        raise TypeError(f"{_where(path)}: object keys must be str, not {type(key).__name__} ({shown(key)})")
                    path.append(f".{key}" if key.isidentifier() and len(key) <= 40 else f"[{shown(key)}]")
                else:
                    path.append(f"[{key}]")
                walk(item, depth + 1)
                path.pop()
            return
        raise TypeError(f"{_where(path)}: a {type(value).__name__} has no JSON form")

    walk(value, 0)


def _where(path: list[str]) -> str:
    """Where in a value: the whole path when short, its ends around the count of levels left out otherwise."""
    if len(path) <= 8:
        return "".join(path)
    return f"{''.join(path[:4])}…({len(path) - 7} levels)…{''.join(path[-3:])}"


PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def _path(value: Any, error: type[ProvedexError]) -> bytes:
    """The path's bytes for the system. One that has none (a str with a lone
    surrogate outside the range ``os.fsdecode`` produces) raises ``error``,
    which is the failure the operation reports for a file it cannot open."""
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"a path must be a str, bytes or os.PathLike, not {type(value).__name__}")
    try:
        return os.fsencode(value)
    except UnicodeEncodeError as e:
        code = "io" if error is LedgerError else None
        raise error(f"{shown(value)}: the path has no file system form ({e.reason} at index {e.start})", code) from None
