{{ header }}

{{ imports }}
{% for line in spec.doc_lines() -%}
/// {{ line }}
{% endfor -%}
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[allow(clippy::large_enum_variant, reason = "one variant per event of the spec, whatever its size, as uniffi carries it")]
pub enum AgentEvent {
{%- for variant in variants %}
    /// {{ variant.description }}
    {{ variant.name }} {
{%- for field in variant.fields %}
        /// {{ field.doc }}
        {{ field.name }}: {{ field.ffi_type }},
{%- endfor %}
    },
{%- endfor %}
}

impl From<&core::AgentEvent> for AgentEvent {
    fn from(event: &core::AgentEvent) -> Self {
        match event {
{%- for variant in variants %}
            core::AgentEvent::{{ variant.name }}(payload) => AgentEvent::{{ variant.name }} {
{%- for field in variant.fields %}
                {{ field.to_ffi }},
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

    /// Reads the hex and JSON members strictly; the other checks happen when the event is sealed.
    fn try_from(event: AgentEvent) -> Result<Self, ProvedexError> {
        Ok(match event {
{%- for variant in variants %}
            AgentEvent::{{ variant.name }} { {% for field in variant.fields %}{{ field.name }}{% if !loop.last %}, {% endif %}{% endfor %} } => {
                core::AgentEvent::{{ variant.name }}(core::{{ variant.name }} {
{%- for field in variant.fields %}
                    {{ field.to_core }},
{%- endfor %}
                })
            }
{%- endfor %}
        })
    }
}
{% for e in enums %}
/// {{ e.description }}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum {{ e.name }} {
{%- for (code, ident) in e.values %}
    /// `{{ code }}`.
    {{ ident }},
{%- endfor %}
}

impl From<core::{{ e.name }}> for {{ e.name }} {
    fn from(value: core::{{ e.name }}) -> Self {
        match value {
{%- for (_, ident) in e.values %}
            core::{{ e.name }}::{{ ident }} => {{ e.name }}::{{ ident }},
{%- endfor %}
        }
    }
}

impl From<{{ e.name }}> for core::{{ e.name }} {
    fn from(value: {{ e.name }}) -> Self {
        match value {
{%- for (_, ident) in e.values %}
            {{ e.name }}::{{ ident }} => core::{{ e.name }}::{{ ident }},
{%- endfor %}
        }
    }
}
{% endfor -%}
{% for n in nested %}
/// {{ n.description }}
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct {{ n.name }} {
{%- for field in n.fields %}
    /// {{ field.doc }}
    pub {{ field.name }}: {{ field.ffi_type }},
{%- endfor %}
}

impl From<&core::{{ n.name }}> for {{ n.name }} {
    fn from(value: &core::{{ n.name }}) -> Self {
        {{ n.name }} {
{%- for field in n.fields %}
            {{ field.to_ffi }},
{%- endfor %}
        }
    }
}

/// The core's {{ n.name }} at `path` in an event of type `event`, its hex and JSON members read strictly.
fn {{ n.to_core_fn }}(value: {{ n.name }}, {{ n.params }}) -> Result<core::{{ n.name }}, ProvedexError> {
    let {{ n.name }} { {% for field in n.fields %}{{ field.name }}{% if !loop.last %}, {% endif %}{% endfor %} } = value;
    Ok(core::{{ n.name }} {
{%- for field in n.fields %}
        {{ field.to_core }},
{%- endfor %}
    })
}
{% endfor -%}
