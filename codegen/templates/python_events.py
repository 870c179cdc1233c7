{{ header }}
"""Factories for the event variants of spec/events.schema.json.

Each returns the event as a dict ``{"type": ..., "payload": {...}}`` after
checking every argument's type (``TypeError``) and integer range
(``OverflowError``). Digests are checked when the event is sealed.
"""

from __future__ import annotations

from typing import Any, Callable

from ._checks import check_bool, check_object, check_str, check_u32, check_u64

__all__ = [{% for variant in spec.variants %}"{{ variant.snake_name() }}", {% endfor %}"from_dict", "VARIANTS"]
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


def from_dict(event: Any) -> dict[str, Any]:
    """Checks an event given as ``{"type": ..., "payload": {...}}`` and returns a fresh copy."""
    if not isinstance(event, dict):
        raise TypeError(f"an event is a dict, not {type(event).__name__}")
    if set(event) != {"type", "payload"}:
        raise TypeError(f"an event has exactly the keys 'type' and 'payload', not {sorted(event)}")
    factory = VARIANTS.get(event["type"]) if isinstance(event["type"], str) else None
    if factory is None:
        raise TypeError(f"unknown event type {event['type']!r}; expected one of {', '.join(VARIANTS)}")
    payload = event["payload"]
    if not isinstance(payload, dict):
        raise TypeError(f"payload is a dict, not {type(payload).__name__}")
    return factory(**payload)
