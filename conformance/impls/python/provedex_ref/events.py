"""Events: the schema check of ledger-format.md, Events and Strictness on read, and the writer's form.

The variants, their fields and the fields' kinds come from spec/events.schema.json (see schema.py);
this module fixes only the envelope ``{"type": ..., "payload": {...}}`` and the order in which the
checks run, which ledger-format.md prescribes so that every implementation reports the same code.
"""

from typing import Any

from . import canonical
from .bugs import planted
from .findings import Finding
from .schema import Variant, event_variants, reject_unknown_members

ENVELOPE = ("type", "payload")


def check_event(event: Any, where: str = "event") -> Variant:
    """Return the variant of a valid event; raise the Finding of the first rule it breaks."""
    if type(event) is not dict:
        raise Finding("wrong_type", f"{where} is not an object")
    if "type" not in event:
        raise Finding("missing_field", f"member {where}.type is missing")
    if type(event["type"]) is not str:
        raise Finding("wrong_type", f"member {where}.type is not a string")
    if "payload" not in event:
        raise Finding("missing_field", f"member {where}.payload is missing")
    payload = event["payload"]
    if type(payload) is not dict:
        raise Finding("wrong_type", f"member {where}.payload is not an object")
    reject_unknown_members(event, ENVELOPE, where)
    type_name = event["type"]
    if planted("type_name_trimmed"):
        # PLANTED BUG type_name_trimmed: the type name cleaned up as user input would be.
        type_name = type_name.strip()
    variant = event_variants().get(type_name)
    if variant is None:
        raise Finding("unknown_event_type", f"{where}.type {event['type']!r} is not a variant of the format")
    for rule in variant.fields:
        rule.check(payload, f"{where}.payload")
    reject_unknown_members(payload, variant.field_names, f"{where}.payload")
    return variant


def write_event(event: dict[str, Any], variant: Variant) -> str:
    """A valid event as a writer emits it: `type`, then `payload` with its fields in table order.

    Every value, including the contents of `args_redacted`, is written in canonical form, and
    the members of nested objects in the order of their rules.
    """
    payload = ",".join(
        canonical.write_string(rule.name) + ":" + rule.write(event["payload"][rule.name])
        for rule in variant.fields
    )
    return '{"type":' + canonical.write_string(variant.name) + ',"payload":{' + payload + "}}"
