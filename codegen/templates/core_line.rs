{{ header }}

{{ imports }}
{% for line in spec.doc_lines() -%}
/// {{ line }}
{% endfor -%}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEvent {
{%- for member in members %}
    /// {{ member.doc }}
    pub {{ member.name }}: {{ member.rust_type }},
{%- endfor %}
}

/// The members a line's self_hash covers (spec/signature-scheme.md),
/// borrowed from a line or from the values being sealed.
#[derive(Debug, Clone, Copy)]
pub struct Preimage<'a> {
{%- for member in preimage %}
    /// {{ member.doc }}
    pub {{ member.name }}: {{ member.preimage_type }},
{%- endfor %}
}

impl Preimage<'_> {
    /// Writes the canonical JSON of the covered members, which the self_hash is the SHA-256 of.
    pub fn write(&self, sink: &mut impl ByteSink) {
{{ write_preimage }}    }
}

impl SignedEvent {
    /// The members this line's self_hash covers.
    pub fn preimage(&self) -> Preimage<'_> {
        Preimage {
{%- for member in preimage %}
            {{ member.name }}: {{ member.borrowed() }},
{%- endfor %}
        }
    }

    /// Writes the line without its LF: the members in the order of the spec.
    pub(super) fn write_line(&self, sink: &mut impl ByteSink) {
{{ write_line }}    }
}

/// Reads a parsed line strictly: exactly the members of the spec, read in
/// the spec's order (which fixes the finding reported first), each with its
/// kind's strict reader.
pub(super) fn read_signed_event(value: &Value) -> Result<SignedEvent, EventError> {
    let mut fields = Fields::new("", value)?;
{%- for member in members %}
    let {{ member.name }} = fields.take_with("{{ member.name }}", {{ member.reader }})?;
{%- endfor %}
    fields.finish()?;
    Ok(SignedEvent { {% for member in members %}{{ member.name }}{% if !loop.last %}, {% endif %}{% endfor %} })
}

