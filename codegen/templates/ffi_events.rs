{{ header }}

use provedex_core::event as core;

use crate::{ProvedexError, json_to_object, object_to_json};

{% for line in spec.doc_lines() -%}
/// {{ line }}
{% endfor -%}
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AgentEvent {
{%- for variant in spec.variants %}
    /// {{ variant.description }}
    {{ variant.name }} {
{%- for field in variant.fields %}
        /// {{ field.description }}{% if field.kind == FieldKind::Object %} Crosses the FFI as JSON text.{% endif %}
        {{ field.name }}: {{ field.ffi_type() }},
{%- endfor %}
    },
{%- endfor %}
}

impl From<&core::AgentEvent> for AgentEvent {
    fn from(event: &core::AgentEvent) -> Self {
        match event {
{%- for variant in spec.variants %}
            core::AgentEvent::{{ variant.name }}(payload) => AgentEvent::{{ variant.name }} {
{%- for field in variant.fields %}
{%- if field.kind == FieldKind::Object %}
                {{ field.name }}: object_to_json(&payload.{{ field.name }}),
{%- else %}
                {{ field.name }}: payload.{{ field.name }}{{ field.owned_suffix() }},
{%- endif %}
{%- endfor %}
            },
{%- endfor %}
            // Generated from the same schema as the core's enum, so every variant is matched above.
            _ => unreachable!("an event variant the uniffi layer was not generated for"),
        }
    }
}

impl TryFrom<AgentEvent> for core::AgentEvent {
    type Error = ProvedexError;

    /// Parses the JSON members; the other checks happen when the event is sealed.
    fn try_from(event: AgentEvent) -> Result<Self, ProvedexError> {
        Ok(match event {
{%- for variant in spec.variants %}
            AgentEvent::{{ variant.name }} { {% for field in variant.fields %}{{ field.name }}{% if !loop.last %}, {% endif %}{% endfor %} } => {
                core::AgentEvent::{{ variant.name }}(core::{{ variant.name }} {
{%- for field in variant.fields %}
{%- if field.kind == FieldKind::Object %}
                    {{ field.name }}: json_to_object("payload.{{ field.name }}", &{{ field.name }})?,
{%- else %}
                    {{ field.name }},
{%- endif %}
{%- endfor %}
                })
            }
{%- endfor %}
        })
    }
}
