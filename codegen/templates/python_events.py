{{ header }}
"""Factories for the event variants of spec/events.schema.json.

Each returns the event as a dict ``{"type": ..., "payload": {...}}`` after
checking every argument's type (``TypeError``) and integer range
(``OverflowError``); a free JSON object the ledger cannot hold (NaN or an
infinity in it, or nesting deeper than ``MAX_FREE_JSON_DEPTH`` levels, the
object itself counting as one) raises :class:`~provedex.SigningError` with
code ``malformed_json``. Digests are checked when the event is sealed.
"""

from __future__ import annotations

from typing import Any, Callable

from ._checks import MAX_FREE_JSON_DEPTH, check_bool, check_object, check_str, check_u32, check_u64, shown
from ._errors import SigningError

__all__ = [{% for variant in spec.variants %}"{{ variant.snake_name() }}", {% endfor %}"from_dict", "VARIANTS", "FIELDS", "MAX_FREE_JSON_DEPTH"]
{% for variant in spec.variants %}

def {{ variant.snake_name() }}(*, {% for field in variant.fields %}{{ field.name }}: {{ field.python_type() }}{% if !loop.last %}, {% endif %}{% endfor %}) -> dict[str, Any]:
    """{{ variant.description }}
{% for field in variant.fields %}
    {{ field.name }}: {{ field.description }}
{%- endfor %}
    """
    return {
        "type": "{{ variant.name }}",
        "payload": {
{%- for field in variant.fields %}
            "{{ field.name }}": {{ field.python_check() }}("{{ field.name }}", {{ field.name }}),
{%- endfor %}
        },
    }
{% endfor %}

#: The factory of each variant, by its ``type``.
VARIANTS: dict[str, Callable[..., dict[str, Any]]] = {
{%- for variant in spec.variants %}
    "{{ variant.name }}": {{ variant.snake_name() }},
{%- endfor %}
}


#: The payload fields of each variant, by its ``type``, in the spec's order.
FIELDS: dict[str, tuple[str, ...]] = {
{%- for variant in spec.variants %}
    "{{ variant.name }}": ({% for field in variant.fields %}"{{ field.name }}", {% endfor %}),
{%- endfor %}
}

_EVENT_KEYS = frozenset(("type", "payload"))
_FIELD_SETS = {name: frozenset(fields) for name, fields in FIELDS.items()}


def from_dict(event: Any) -> dict[str, Any]:
    """Checks an event given as ``{"type": ..., "payload": {...}}`` and returns a fresh copy.

    A value of the wrong Python type raises ``TypeError`` and an integer out
    of range ``OverflowError``, as the factories do. An event the spec does
    not define raises :class:`~provedex.SigningError` whose ``code`` is the
    reason a verifier reports for it: ``unknown_event_type``,
    ``missing_field`` or ``unknown_field``.
    """
    if not isinstance(event, dict):
        raise TypeError(f"an event is a dict, not {type(event).__name__}")
    if event.keys() != _EVENT_KEYS:
        _refuse_members("event", event, ("type", "payload"))
    kind = event["type"]
    if not isinstance(kind, str):
        raise TypeError(f"type must be a str, not {type(kind).__name__}")
    factory = VARIANTS.get(kind)
    if factory is None:
        raise SigningError(f"unknown event type {shown(kind)}; expected one of {', '.join(VARIANTS)}", "unknown_event_type")
    payload = event["payload"]
    if not isinstance(payload, dict):
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    if payload.keys() != _FIELD_SETS[kind]:
        _refuse_members("payload", payload, FIELDS[kind], kind)
    return factory(**payload)


def _refuse_members(where: str, members: dict[Any, Any], expected: tuple[str, ...], kind: str = "") -> None:
    """Raises for the first key of ``members`` that is not a str, then the first missing, then the first unknown."""
    of = f" of {kind}" if kind else ""
    for key in members:
        if not isinstance(key, str):
            raise TypeError(f"{where}: keys must be str, not {type(key).__name__} ({shown(key)})")
    for name in expected:
        if name not in members:
            raise SigningError(f"{where}.{name}: is required{of} but missing", "missing_field")
    for key in members:
        if key not in expected:
            raise SigningError(
                f"{where}[{shown(key)}]: not a member{of}; expected exactly {', '.join(expected)}", "unknown_field"
            )
