{{ header }}

use serde::{Deserialize, Serialize};

{{ imports }}
{% for line in spec.doc_lines() -%}
/// {{ line }}
{% endfor -%}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", deny_unknown_fields)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant, reason = "one variant per event of the spec, whatever its size; boxing some would change the API with each spec edit")]
pub enum AgentEvent {
{%- for variant in variants %}
    /// {{ variant.description }}
    {{ variant.name }}({{ variant.name }}),
{%- endfor %}
}

impl AgentEvent {
    /// The variant names, in spec order.
    pub const VARIANTS: &[&str] = &[
{%- for variant in variants %}
        "{{ variant.name }}",
{%- endfor %}
    ];

    /// The variant name, as written in the `type` member.
    pub fn type_name(&self) -> &'static str {
        match self {
{%- for variant in variants %}
            AgentEvent::{{ variant.name }}(_) => "{{ variant.name }}",
{%- endfor %}
        }
    }

    /// Checks what the Rust types cannot express: the nesting depth of free JSON.
    pub fn validate(&self) -> Result<(), EventError> {
        match self {
{%- for variant in variants %}
{%- if variant.validate.is_empty() %}
            AgentEvent::{{ variant.name }}(_) => {}
{%- else %}
            AgentEvent::{{ variant.name }}(payload) => {
{{ variant.validate }}            }
{%- endif %}
{%- endfor %}
        }
        Ok(())
    }

    /// Reads an event from parsed JSON, enforcing the spec exactly: every
    /// required member present with its JSON type and range, and no other member.
    pub fn from_value(value: &Value) -> Result<AgentEvent, EventError> {
        let mut event = Fields::new("", value)?;
        let type_name = event.take_with("type", read::string)?;
        let mut payload = event.take_fields("payload", "payload")?;
        event.finish()?;
        let parsed = match type_name.as_str() {
{%- for variant in variants %}
            "{{ variant.name }}" => AgentEvent::{{ variant.name }}({{ variant.name }} {
{{ variant.read }}            }),
{%- endfor %}
            other => return Err(unknown_event_type(other)),
        };
        payload.finish()?;
        Ok(parsed)
    }

    /// The event as a JSON value: `{"type": ..., "payload": {...}}`.
    pub fn to_value(&self) -> Value {
        let (type_name, payload) = match self {
{%- for variant in variants %}
            AgentEvent::{{ variant.name }}(payload) => {
{{ variant.to_value }}                ("{{ variant.name }}", map)
            }
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
{%- for variant in variants %}
            AgentEvent::{{ variant.name }}(payload) => {
{{ variant.write_canonical }}            }
{%- endfor %}
        }
    }

    /// Writes the event as a ledger line holds it: `type`, then `payload`
    /// with its members in spec order.
    pub fn write_wire(&self, sink: &mut impl ByteSink) {
        match self {
{%- for variant in variants %}
            AgentEvent::{{ variant.name }}(payload) => {
{{ variant.write_wire }}            }
{%- endfor %}
        }
    }
}
{% for variant in variants %}
/// {{ variant.description }}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct {{ variant.name }} {
{%- for field in variant.fields %}
    /// {{ field.description }}
{%- if let Some(attribute) = field.serde %}
    {{ attribute }}
{%- endif %}
    pub {{ field.name }}: {{ field.rust_type }},
{%- endfor %}
}
{% endfor -%}
{% for e in enums %}
/// {{ e.description }}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum {{ e.name }} {
{%- for (code, ident) in e.values %}
    /// `{{ code }}`.
    #[serde(rename = "{{ code }}")]
    {{ ident }},
{%- endfor %}
}

impl {{ e.name }} {
    /// Every value, in spec order.
    pub const ALL: &[{{ e.name }}] = &[{% for (_, ident) in e.values %}{{ e.name }}::{{ ident }}{% if !loop.last %}, {% endif %}{% endfor %}];

    /// The value as the ledger writes it.
    pub fn code(self) -> &'static str {
        match self {
{%- for (code, ident) in e.values %}
            {{ e.name }}::{{ ident }} => "{{ code }}",
{%- endfor %}
        }
    }

    fn read(value: &Value, path: &str) -> Result<{{ e.name }}, EventError> {
        read::one_of(value, path, &[{% for (code, _) in e.values %}"{{ code }}"{% if !loop.last %}, {% endif %}{% endfor %}]).map(|i| {{ e.name }}::ALL[i])
    }
}
{% endfor -%}
{% for n in nested %}
/// {{ n.description }}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct {{ n.name }} {
{%- for field in n.fields %}
    /// {{ field.description }}
{%- if let Some(attribute) = field.serde %}
    {{ attribute }}
{%- endif %}
    pub {{ field.name }}: {{ field.rust_type }},
{%- endfor %}
}

impl {{ n.name }} {
    /// Reads the object at `path`, `levels` containers below the payload.
    fn read(value: &Value, path: &str, {{ n.levels_param }}: usize) -> Result<{{ n.name }}, EventError> {
        let mut fields = read::members(value, path)?;
        let parsed = {{ n.name }} {
{{ n.read }}        };
        fields.finish()?;
        Ok(parsed)
    }
{%- if let Some(validate) = n.validate %}

    /// Checks the free JSON inside, `levels` containers below the payload.
    fn validate(&self, path: &str, levels: usize) -> Result<(), EventError> {
{{ validate }}        Ok(())
    }
{%- endif %}

    fn to_value(&self) -> Value {
{{ n.to_value }}        Value::Object(map)
    }

    fn write_canonical(&self, sink: &mut impl ByteSink) {
{{ n.write_canonical }}    }

    fn write_wire(&self, sink: &mut impl ByteSink) {
{{ n.write_wire }}    }
}
{% endfor -%}
