"""Argument checks shared by the event factories and the API: the types the
spec allows (``TypeError`` otherwise) and the integer ranges (``OverflowError``)."""

from __future__ import annotations

import math
from typing import Any

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)


def check_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _check_int(name: str, value: Any, maximum: int, kind: str) -> int:
    # bool is an int subclass, but True is not a count of anything.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= maximum:
        raise OverflowError(f"{name} must be a {kind} (0 to {maximum}), not {value}")
    return value


def check_u32(name: str, value: Any) -> int:
    return _check_int(name, value, U32_MAX, "u32")


def check_u64(name: str, value: Any) -> int:
    return _check_int(name, value, U64_MAX, "u64")


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def check_object(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, not {type(value).__name__}")
    check_json(name, value)
    return value


def check_json(name: str, value: Any, depth: int = 0) -> None:
    """Raises unless ``value`` is JSON the canonical form can hold exactly:
    str keys, finite floats, integers within [-2^63, 2^64 - 1]."""
    if depth > 128:
        raise ValueError(f"{name} nests deeper than 128 levels")
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not _I64_MIN <= value <= U64_MAX:
            raise OverflowError(f"{name}: the integer {value} is outside [-2^63, 2^64 - 1]")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name}: {value} has no JSON form (NaN and infinities are not allowed)")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_json(f"{name}[{i}]", item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name}: object keys must be str, not {type(key).__name__}")
            check_json(f"{name}.{key}", item, depth + 1)
        return
    raise TypeError(f"{name}: a {type(value).__name__} has no JSON form")
