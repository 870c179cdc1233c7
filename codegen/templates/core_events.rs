{{ header }}

use serde::{Deserialize, Serialize};

use super::{check_digest, check_nesting, unknown_event_type, EventError, Fields};
use crate::canonical::{write_decimal, write_object, write_string, ByteSink, Map, Value};

{% for line in spec.doc_lines() -%}
/// {{ line }}
{% endfor -%}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", deny_unknown_fields)]
#[non_exhaustive]
pub enum AgentEvent {
{%- for variant in spec.variants %}
    /// {{ variant.description }}
    {{ variant.name }}({{ variant.name }}),
{%- endfor %}
}

impl AgentEvent {
    /// The variant names, in spec order.
    pub const VARIANTS: &[&str] = &[
{%- for variant in spec.variants %}
        "{{ variant.name }}",
{%- endfor %}
    ];

    /// The variant name, as written in the `type` member.
    pub fn type_name(&self) -> &'static str {
        match self {
{%- for variant in spec.variants %}
            AgentEvent::{{ variant.name }}(_) => "{{ variant.name }}",
{%- endfor %}
        }
    }

    /// Checks what the Rust types cannot express: digest syntax and nesting depth.
    pub fn validate(&self) -> Result<(), EventError> {
        match self {
{%- for variant in spec.variants %}
{%- if variant.has_checks() %}
            AgentEvent::{{ variant.name }}(payload) => {
{%- for field in variant.fields %}
{%- match field.kind %}
{%- when FieldKind::Digest %}
                check_digest("payload.{{ field.name }}", &payload.{{ field.name }}, false)?;
{%- when FieldKind::DigestOrEmpty %}
                check_digest("payload.{{ field.name }}", &payload.{{ field.name }}, true)?;
{%- when FieldKind::Object %}
                check_nesting("payload.{{ field.name }}", &payload.{{ field.name }})?;
{%- else %}
{%- endmatch %}
{%- endfor %}
            }
{%- else %}
            AgentEvent::{{ variant.name }}(_) => {}
{%- endif %}
{%- endfor %}
        }
        Ok(())
    }

    /// Reads an event from parsed JSON, enforcing the spec exactly: every
    /// member present with its JSON type and range, and no other member.
    pub fn from_value(value: &Value) -> Result<AgentEvent, EventError> {
        let mut event = Fields::new("", value)?;
        let type_name = event.take_string("type")?;
        let mut payload = event.take_fields("payload", "payload")?;
        event.finish()?;
        let parsed = match type_name.as_str() {
{%- for variant in spec.variants %}
            "{{ variant.name }}" => AgentEvent::{{ variant.name }}({{ variant.name }} {
{%- for field in variant.fields %}
                {{ field.name }}: payload.{{ field.take_call() }}("{{ field.name }}"{{ field.take_extra_args() }})?,
{%- endfor %}
            }),
{%- endfor %}
            other => return Err(unknown_event_type(other)),
        };
        payload.finish()?;
        Ok(parsed)
    }

    /// The event as a JSON value: `{"type": ..., "payload": {...}}`.
    pub fn to_value(&self) -> Value {
        let (type_name, payload) = match self {
{%- for variant in spec.variants %}
            AgentEvent::{{ variant.name }}(payload) => (
                "{{ variant.name }}",
                Map::from([
{%- for field in variant.fields %}
                    ("{{ field.name }}".to_owned(), Value::from(payload.{{ field.name }}{{ field.owned_suffix() }})),
{%- endfor %}
                ]),
            ),
{%- endfor %}
        };
        Value::Object(Map::from([
            ("type".to_owned(), Value::from(type_name)),
            ("payload".to_owned(), Value::Object(payload)),
        ]))
    }

    /// Writes the canonical JSON of the event (members in UTF-8 byte order)
    /// without building a tree: this is what `self_hash` covers.
    pub fn write_canonical(&self, sink: &mut impl ByteSink) {
        match self {
{%- for variant in spec.variants %}
            AgentEvent::{{ variant.name }}(payload) => {
{%- for field in variant.canonical_fields() %}
                sink.put(b"{% if loop.first %}{\"payload\":{% raw %}{{% endraw %}{% else %},{% endif %}\"{{ field.name }}\":");
                {{ field.write_call() }}
{%- endfor %}
                sink.put(b"},\"type\":\"{{ variant.name }}\"}");
            }
{%- endfor %}
        }
    }

    /// Writes the event as a ledger line holds it: `type`, then `payload`
    /// with its members in spec order.
    pub fn write_wire(&self, sink: &mut impl ByteSink) {
        match self {
{%- for variant in spec.variants %}
            AgentEvent::{{ variant.name }}(payload) => {
{%- for field in variant.fields %}
                sink.put(b"{% if loop.first %}{\"type\":\"{{ variant.name }}\",\"payload\":{% raw %}{{% endraw %}{% else %},{% endif %}\"{{ field.name }}\":");
                {{ field.write_call() }}
{%- endfor %}
                sink.put(b"}}");
            }
{%- endfor %}
        }
    }
}
{% for variant in spec.variants %}
/// {{ variant.description }}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct {{ variant.name }} {
{%- for field in variant.fields %}
    /// {{ field.description }}
    pub {{ field.name }}: {{ field.rust_type() }},
{%- endfor %}
}
{% endfor -%}
