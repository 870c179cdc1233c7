{{ header }}
"""The members of a ledger line (spec/signed-event.schema.json)."""

from __future__ import annotations

from typing import Any

__all__ = ["SignedEventMembers"]


class SignedEventMembers:
    """The members of a ledger line as read-only properties.

    :class:`provedex.SignedEvent` supplies the native record (``_native``)
    and the conversion of its event (``_event_of``).
    """

    __slots__ = ()

    @property
    def _native(self) -> Any:
        raise NotImplementedError

    def _event_of(self, native: Any) -> dict[str, Any]:
        raise NotImplementedError
{% for member in members %}
    @property
    def {{ member.name }}(self) -> {{ member.python_type }}:
        """{{ member.doc }}"""
        return {{ member.value }}
{% endfor -%}
