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

from ._checks import MAX_FREE_JSON_DEPTH, check_bool, check_list, check_object, check_str, check_u32, check_u64, shown
from ._errors import SigningError

__all__ = [{% for variant in variants %}"{{ variant.snake_name }}", {% endfor %}"from_dict", "VARIANTS", "FIELDS", "REQUIRED", "MAX_FREE_JSON_DEPTH"]
{% for n in nested %}

def {{ n.check_fn }}(name: str, value: Any, levels: int) -> dict[str, Any]:
    """A {{ n.name }} object: its members checked as the factories check arguments."""
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, not {type(value).__name__}")
    _refuse_members(name, value, ({% for field in n.fields %}{% if !field.optional %}"{{ field.name }}", {% endif %}{% endfor %}), ({% for field in n.fields %}"{{ field.name }}", {% endfor %}))
    checked: dict[str, Any] = {}
{%- for field in n.fields %}
{%- if field.optional %}
    if value.get("{{ field.name }}") is not None:
        checked["{{ field.name }}"] = {{ field.check }}
{%- else %}
    checked["{{ field.name }}"] = {{ field.check }}
{%- endif %}
{%- endfor %}
    return checked
{% endfor %}
{%- for variant in variants %}

def {{ variant.snake_name }}(*, {% for field in variant.fields %}{{ field.name }}: {{ field.annotation }}{% if !loop.last %}, {% endif %}{% endfor %}) -> dict[str, Any]:
    """{{ variant.description }}
{% for field in variant.fields %}
    {{ field.name }}: {{ field.description }}
{%- endfor %}
    """
    payload: dict[str, Any] = {
{%- for field in variant.fields %}
{%- if !field.optional %}
        "{{ field.name }}": {{ field.check }},
{%- endif %}
{%- endfor %}
    }
{%- for field in variant.fields %}
{%- if field.optional %}
    if {{ field.name }} is not None:
        payload["{{ field.name }}"] = {{ field.check }}
{%- endif %}
{%- endfor %}
    return {"type": "{{ variant.name }}", "payload": payload}
{% endfor %}

#: The factory of each variant, by its ``type``.
VARIANTS: dict[str, Callable[..., dict[str, Any]]] = {
{%- for variant in variants %}
    "{{ variant.name }}": {{ variant.snake_name }},
{%- endfor %}
}


#: The payload fields of each variant, by its ``type``, in the spec's order
#: (required ones first, then optional ones).
FIELDS: dict[str, tuple[str, ...]] = {
{%- for variant in variants %}
    "{{ variant.name }}": ({% for field in variant.fields %}"{{ field.name }}", {% endfor %}),
{%- endfor %}
}

#: The payload fields each variant requires, by its ``type``.
REQUIRED: dict[str, tuple[str, ...]] = {
{%- for variant in variants %}
    "{{ variant.name }}": ({% for field in variant.fields %}{% if !field.optional %}"{{ field.name }}", {% endif %}{% endfor %}),
{%- endfor %}
}

_EVENT_KEYS = frozenset(("type", "payload"))


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
        _refuse_members("event", event, ("type", "payload"), ("type", "payload"))
    kind = event["type"]
    if not isinstance(kind, str):
        raise TypeError(f"type must be a str, not {type(kind).__name__}")
    factory = VARIANTS.get(kind)
    if factory is None:
        raise SigningError(f"unknown event type {shown(kind)}; expected one of {', '.join(VARIANTS)}", "unknown_event_type")
    payload = event["payload"]
    if not isinstance(payload, dict):
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    _refuse_members("payload", payload, REQUIRED[kind], FIELDS[kind], kind)
    return factory(**payload)


def _refuse_members(
    where: str, members: dict[Any, Any], required: tuple[str, ...], allowed: tuple[str, ...], kind: str = ""
) -> None:
    """Raises for the first key of ``members`` that is not a str, then the first missing, then the first unknown."""
    of = f" of {kind}" if kind else ""
    for key in members:
        if not isinstance(key, str):
            raise TypeError(f"{where}: keys must be str, not {type(key).__name__} ({shown(key)})")
    for name in required:
        if name not in members:
            raise SigningError(f"{where}.{name}: is required{of} but missing", "missing_field")
    for key in members:
        if key not in allowed:
            expected = "exactly " if required == allowed else "only "
            raise SigningError(
                f"{where}[{shown(key)}]: not a member{of}; expected {expected}{', '.join(allowed)}", "unknown_field"
            )
