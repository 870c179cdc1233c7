{{ header }}

{{ imports }}
{% for line in spec.doc_lines() -%}
/// {{ line }}
{% endfor -%}
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedEvent {
{%- for member in members %}
    /// {{ member.doc }}
    pub {{ member.name }}: {{ member.ffi_type }},
{%- endfor %}
}

impl From<&core::SignedEvent> for SignedEvent {
    fn from(e: &core::SignedEvent) -> Self {
        SignedEvent {
{%- for member in members %}
            {{ member.name }}: {{ member.to_ffi }},
{%- endfor %}
        }
    }
}

impl TryFrom<SignedEvent> for core::SignedEvent {
    type Error = ProvedexError;

    fn try_from(e: SignedEvent) -> Result<Self, ProvedexError> {
        Ok(core::SignedEvent {
{%- for member in members %}
            {{ member.name }}: {{ member.to_core }},
{%- endfor %}
        })
    }
}

