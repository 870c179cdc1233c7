//! Toolsets (spec/toolsets.md): a manifest of tool definitions read in any
//! of the three accepted shapes, each tool's digest over its normalized
//! definition, the toolset hash a `ToolsetPinned` line carries, and the
//! drift between a pinned toolset and a current one.
//!
//! The hash of a toolset is computed by [`toolset_sha256`] alone, so that a
//! writer pinning a toolset and a verifier checking a pin agree by
//! construction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::canonical::{self, ByteSink, JsonError, Map, Value, write_array, write_string};
use crate::display::quote;
use crate::event::PinnedTool;
use crate::hex::Digest;

/// A tool definition in its normalized form: what its digest covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolDefinition {
    /// The name the agent calls the tool by (never empty).
    pub name: String,
    /// The tool's version, `""` when the manifest gives none.
    pub version: String,
    /// The tool's description, `""` when the manifest gives none.
    pub description: String,
    /// The JSON Schema of the arguments as the manifest gives it, `{}` when absent.
    pub parameters: Map,
}

impl ToolDefinition {
    /// The canonical JSON of the normalized definition: the object
    /// `{"description", "name", "parameters", "version"}`.
    pub fn canonical_json(&self) -> Vec<u8> {
        let object = Map::from([
            ("description".to_owned(), Value::String(self.description.clone())),
            ("name".to_owned(), Value::String(self.name.clone())),
            ("parameters".to_owned(), Value::Object(self.parameters.clone())),
            ("version".to_owned(), Value::String(self.version.clone())),
        ]);
        canonical::canonical_json(&Value::Object(object))
    }

    /// The tool's digest: SHA-256 of [`ToolDefinition::canonical_json`].
    pub fn digest(&self) -> Digest {
        Digest::of(&self.canonical_json())
    }

    /// The tool as a toolset lists it: its name and digest.
    pub fn pinned(&self) -> PinnedTool {
        PinnedTool { name: self.name.clone(), sha256: self.digest() }
    }
}

/// A toolset: its tools sorted by the UTF-8 bytes of their names, and its
/// hash. These are the `tools` and `toolset_sha256` of a `ToolsetPinned` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Toolset {
    /// One entry per tool, sorted by name.
    pub tools: Vec<PinnedTool>,
    /// [`toolset_sha256`] of `tools`.
    pub toolset_sha256: Digest,
}

impl Toolset {
    /// The toolset of a manifest's bytes ([`read_manifest`]).
    pub fn from_manifest(manifest: &[u8]) -> Result<Toolset, ManifestError> {
        Ok(Toolset::from_definitions(&read_manifest(manifest)?))
    }

    /// The toolset of normalized definitions, whatever their order. The
    /// names are expected to be distinct, as [`read_manifest`] ensures.
    pub fn from_definitions(definitions: &[ToolDefinition]) -> Toolset {
        let mut tools: Vec<PinnedTool> = definitions.iter().map(ToolDefinition::pinned).collect();
        tools.sort_by(|a, b| a.name.cmp(&b.name));
        let toolset_sha256 = toolset_sha256(&tools);
        Toolset { tools, toolset_sha256 }
    }
}

/// The toolset hash of `tools` as they are listed: SHA-256 of the canonical
/// JSON of the array of `{"name", "sha256"}` objects. An empty toolset
/// hashes `[]`.
pub fn toolset_sha256(tools: &[PinnedTool]) -> Digest {
    let mut hasher = Sha256::new();
    write_array(&mut hasher, tools, |sink, tool| {
        sink.put(b"{\"name\":");
        write_string(sink, &tool.name);
        sink.put(b",\"sha256\":\"");
        tool.sha256.put_hex(sink);
        sink.put(b"\"}");
    });
    Digest(hasher.finalize().into())
}

/// How a manifest fails to be a toolset. Every refusal of a tool names the
/// tool (its index in the manifest and, when it has one, its name) and the
/// member at fault, so that nothing that would change a tool is left out of
/// its digest unnoticed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The bytes are not one strict JSON text.
    #[error("the manifest is not valid JSON: {0}")]
    Json(JsonError),
    /// The document is neither an array of tools nor `{"tools": [...]}`.
    #[error("the manifest must be an array of tool definitions or an object whose only member is \"tools\": {0}")]
    Shape(String),
    /// One tool definition is refused.
    #[error("{} in the manifest: member {}: {problem}", tool_place(.index, .name), quote(.member))]
    Tool {
        /// The tool's 0-based index in the manifest's array.
        index: usize,
        /// The tool's name, when it has a readable one.
        name: Option<String>,
        /// The member at fault (`function.parameters`, say).
        member: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Two definitions share a name.
    #[error("tools {first} and {second} in the manifest are both named {}: a name names one tool", quote(.name))]
    DuplicateName {
        /// The shared name.
        name: String,
        /// Index of the first definition with that name.
        first: usize,
        /// Index of the second.
        second: usize,
    },
}

/// `tool 3 ("search")`, or `tool 3` when it has no readable name.
fn tool_place(index: &usize, name: &Option<String>) -> String {
    match name {
        Some(name) => format!("tool {index} ({})", quote(name)),
        None => format!("tool {index}"),
    }
}

/// Reads a manifest: the strict parser (no duplicate keys), then each tool
/// definition in the Provedex, function-tool or input-schema shape,
/// normalized. Refuses every member the spec does not list for the tool's
/// shape, a member of the wrong JSON type, a mix of two shapes, an empty
/// name, and a name given twice (spec/toolsets.md, TS-1).
pub fn read_manifest(manifest: &[u8]) -> Result<Vec<ToolDefinition>, ManifestError> {
    let document = canonical::parse(manifest).map_err(ManifestError::Json)?;
    let tools = match document {
        Value::Array(tools) => tools,
        Value::Object(mut members) => match (members.remove("tools"), members.keys().next()) {
            (Some(Value::Array(tools)), None) => tools,
            (Some(other), None) => return Err(ManifestError::Shape(format!("\"tools\" is {}", kind(&other)))),
            (_, Some(extra)) => return Err(ManifestError::Shape(format!("it has the member {}", quote(extra)))),
            (None, None) => return Err(ManifestError::Shape("the object has no member \"tools\"".to_owned())),
        },
        other => return Err(ManifestError::Shape(format!("it is {}", kind(&other)))),
    };
    let mut definitions = Vec::with_capacity(tools.len());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, tool) in tools.into_iter().enumerate() {
        let definition = read_tool(index, tool)?;
        if let Some(&first) = seen.get(&definition.name) {
            return Err(ManifestError::DuplicateName { name: definition.name, first, second: index });
        }
        seen.insert(definition.name.clone(), index);
        definitions.push(definition);
    }
    Ok(definitions)
}

/// The JSON kind of a value, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Integer(_) | Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One definition being read: where it is, for its errors.
struct ToolReader {
    index: usize,
    name: Option<String>,
}

impl ToolReader {
    fn error(&self, member: &str, problem: impl Into<String>) -> ManifestError {
        ManifestError::Tool {
            index: self.index,
            name: self.name.clone(),
            member: member.to_owned(),
            problem: problem.into(),
        }
    }

    fn string(&self, member: &str, value: Option<Value>) -> Result<String, ManifestError> {
        match value {
            None => Ok(String::new()),
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(self.error(member, format!("must be a string, found {}", kind(&other)))),
        }
    }

    fn object(&self, member: &str, value: Option<Value>) -> Result<Map, ManifestError> {
        match value {
            None => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map),
            Some(other) => Err(self.error(member, format!("must be an object, found {}", kind(&other)))),
        }
    }

    /// Refuses whatever member is left once the shape's members are taken.
    fn no_other_member(&self, prefix: &str, members: &Map, shape: &str) -> Result<(), ManifestError> {
        match members.keys().next() {
            Some(extra) => {
                Err(self.error(&format!("{prefix}{extra}"), format!("is not a member of the {shape} shape")))
            }
            None => Ok(()),
        }
    }
}

/// Reads and normalizes the definition at `index`.
fn read_tool(index: usize, tool: Value) -> Result<ToolDefinition, ManifestError> {
    let mut reader = ToolReader { index, name: None };
    let Value::Object(mut members) = tool else {
        return Err(reader.error("", format!("a tool definition must be an object, found {}", kind(&tool))));
    };
    let function_shape = members.contains_key("type") || members.contains_key("function");
    let (mut fields, prefix, shape) = if function_shape {
        match members.remove("type") {
            Some(Value::String(t)) if t == "function" => {}
            Some(other) => {
                return Err(
                    reader.error("type", format!("must be the string \"function\", found {}", describe(&other)))
                );
            }
            None => return Err(reader.error("type", "is required in the function shape (with \"function\")")),
        }
        let function = match members.remove("function") {
            Some(Value::Object(function)) => function,
            Some(other) => return Err(reader.error("function", format!("must be an object, found {}", kind(&other)))),
            None => return Err(reader.error("function", "is required in the function shape (with \"type\")")),
        };
        if let Some(Value::String(name)) = function.get("name") {
            reader.name = Some(name.clone());
        }
        reader.no_other_member("", &members, "function tool")?;
        (function, "function.", "function tool")
    } else {
        (members, "", "Provedex")
    };
    if let Some(Value::String(name)) = fields.get("name") {
        reader.name = Some(name.clone());
    }
    let member = |name: &str| format!("{prefix}{name}");

    let name = match fields.remove("name") {
        Some(Value::String(name)) if !name.is_empty() => name,
        Some(Value::String(_)) => return Err(reader.error(&member("name"), "must not be empty")),
        Some(other) => return Err(reader.error(&member("name"), format!("must be a string, found {}", kind(&other)))),
        None => return Err(reader.error(&member("name"), "is required")),
    };
    let description = reader.string(&member("description"), fields.remove("description"))?;

    let schema_keys = ["input_schema", "inputSchema"].map(|key| fields.contains_key(key));
    let (version, parameters, shape) = if function_shape {
        if let Some(strict) = fields.remove("strict")
            && !matches!(strict, Value::Bool(_))
        {
            return Err(reader.error("function.strict", format!("must be a boolean, found {}", kind(&strict))));
        }
        (String::new(), reader.object(&member("parameters"), fields.remove("parameters"))?, shape)
    } else if schema_keys.contains(&true) {
        if schema_keys == [true, true] {
            return Err(reader.error("inputSchema", "is given together with input_schema: one tool has one schema"));
        }
        let key = if schema_keys[0] { "input_schema" } else { "inputSchema" };
        if fields.contains_key("parameters") {
            return Err(
                reader.error("parameters", format!("mixes the Provedex shape with the input-schema shape ({key})"))
            );
        }
        if fields.contains_key("version") {
            return Err(reader.error("version", format!("is not a member of the input-schema shape ({key})")));
        }
        (String::new(), reader.object(key, fields.remove(key))?, "input-schema")
    } else {
        let version = reader.string("version", fields.remove("version"))?;
        (version, reader.object("parameters", fields.remove("parameters"))?, shape)
    };
    reader.no_other_member(prefix, &fields, shape)?;
    Ok(ToolDefinition { name, version, description, parameters })
}

/// A short description of a value for a message: strings quoted, others by kind.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => quote(text),
        other => kind(other).to_owned(),
    }
}

/// How a current toolset differs from a pinned one, tool by tool, by name;
/// each list sorted by name (spec/toolsets.md, "Drift").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drift {
    /// Tools of the current toolset that the pin does not name.
    pub added: Vec<PinnedTool>,
    /// Tools of the pin that the current toolset does not name.
    pub removed: Vec<PinnedTool>,
    /// Tools of both whose digests differ.
    pub changed: Vec<ChangedTool>,
}

impl Drift {
    /// No tool added, removed or changed: the two toolsets hash the same.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A tool named by both toolsets with different digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangedTool {
    /// The tool's name.
    pub name: String,
    /// Its digest in the pin.
    pub pinned: Digest,
    /// Its digest now.
    pub current: Digest,
}

/// The drift from `pinned` to `current`, compared by name whatever the
/// order of either list.
pub fn drift(pinned: &[PinnedTool], current: &[PinnedTool]) -> Drift {
    let pinned_by_name: BTreeMap<&str, &PinnedTool> = pinned.iter().map(|t| (t.name.as_str(), t)).collect();
    let current_by_name: BTreeMap<&str, &PinnedTool> = current.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut drift = Drift::default();
    for (name, tool) in &current_by_name {
        match pinned_by_name.get(name) {
            None => drift.added.push((*tool).clone()),
            Some(before) if before.sha256 != tool.sha256 => drift.changed.push(ChangedTool {
                name: (*name).to_owned(),
                pinned: before.sha256,
                current: tool.sha256,
            }),
            Some(_) => {}
        }
    }
    drift.removed = pinned_by_name
        .iter()
        .filter(|(name, _)| !current_by_name.contains_key(*name))
        .map(|(_, t)| (*t).clone())
        .collect();
    drift
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"[
  {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"name": "search", "version": "2.1.0", "description": "Web search.",
   "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
]"#;

    fn digest(hex: &str) -> Digest {
        Digest::from_hex(hex).unwrap()
    }

    #[test]
    fn the_spec_example_gives_its_digests_and_hash() {
        let definitions = read_manifest(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(definitions[0].canonical_json()).unwrap(),
            r#"{"description":"Current weather for a city.","name":"get_weather","parameters":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"},"version":""}"#
        );
        let toolset = Toolset::from_manifest(EXAMPLE.as_bytes()).unwrap();
        let expected = vec![
            PinnedTool {
                name: "get_weather".into(),
                sha256: digest("14cc0ca18f448f5a9e64d03d0059e80eeb1c64a0166c69f23e653e3fc187709f"),
            },
            PinnedTool {
                name: "search".into(),
                sha256: digest("e859612dc464a7cdc080cd851bea6471f2a55e1cad05e4ae28eebd6347645348"),
            },
        ];
        assert_eq!(toolset.tools, expected);
        assert_eq!(toolset.toolset_sha256, digest("baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390"));
        // The object form and another order give the same toolset.
        let reversed: Value = match canonical::parse(EXAMPLE.as_bytes()).unwrap() {
            Value::Array(mut tools) => {
                tools.reverse();
                Value::Object(Map::from([("tools".to_owned(), Value::Array(tools))]))
            }
            _ => unreachable!(),
        };
        assert_eq!(Toolset::from_manifest(&canonical::canonical_json(&reversed)).unwrap(), toolset);
    }

    #[test]
    fn the_empty_toolset_hashes_the_empty_array() {
        let empty = digest("4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
        assert_eq!(toolset_sha256(&[]), empty);
        assert_eq!(Toolset::from_manifest(b"[]").unwrap().toolset_sha256, empty);
        assert_eq!(Toolset::from_manifest(br#"{"tools": []}"#).unwrap().toolset_sha256, empty);
    }

    #[test]
    fn the_three_shapes_normalize_alike() {
        let provedex = br#"[{"name":"t","description":"d","parameters":{"a":1}}]"#;
        let function =
            br#"[{"type":"function","function":{"name":"t","description":"d","parameters":{"a":1},"strict":true}}]"#;
        let anthropic = br#"[{"name":"t","description":"d","input_schema":{"a":1}}]"#;
        let mcp = br#"[{"name":"t","description":"d","inputSchema":{"a":1}}]"#;
        let expected = Toolset::from_manifest(provedex).unwrap();
        for manifest in [&function[..], anthropic, mcp] {
            assert_eq!(Toolset::from_manifest(manifest).unwrap(), expected);
        }
        // The version is part of the digest; absent members normalize to "" and {}.
        assert_ne!(
            Toolset::from_manifest(br#"[{"name":"t","version":"1","description":"d","parameters":{"a":1}}]"#).unwrap(),
            expected
        );
        let bare = read_manifest(br#"[{"name":"t"}]"#).unwrap();
        assert_eq!(bare[0].canonical_json(), br#"{"description":"","name":"t","parameters":{},"version":""}"#);
        // `1` and `1.0` are different schemas.
        assert_ne!(
            Toolset::from_manifest(br#"[{"name":"t","description":"d","parameters":{"a":1.0}}]"#).unwrap(),
            expected
        );
    }

    /// The refusal of `manifest`, as text.
    fn refusal(manifest: &str) -> String {
        read_manifest(manifest.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn refusals_name_the_tool_and_the_member() {
        let cases = [
            (r#"[{"name":"a"},{"name":"b","title":"B"}]"#, r#"tool 1 ("b") in the manifest: member "title""#),
            (r#"[{"name":""}]"#, r#"tool 0 ("") in the manifest: member "name": must not be empty"#),
            (r#"[{"description":"x"}]"#, r#"tool 0 in the manifest: member "name": is required"#),
            (r#"[{"name":5}]"#, r#"member "name": must be a string, found a number"#),
            (
                r#"[{"name":"a","parameters":[]}]"#,
                r#"tool 0 ("a") in the manifest: member "parameters": must be an object"#,
            ),
            (r#"[{"name":"a","version":1}]"#, r#"member "version": must be a string"#),
            (
                r#"[{"name":"a","parameters":{},"input_schema":{}}]"#,
                r#"tool 0 ("a") in the manifest: member "parameters": mixes"#,
            ),
            (r#"[{"name":"a","input_schema":{},"inputSchema":{}}]"#, r#"member "inputSchema""#),
            (r#"[{"name":"a","inputSchema":{},"version":"1"}]"#, r#"member "version""#),
            (
                r#"[{"type":"function","function":{"name":"f"},"name":"f"}]"#,
                r#"tool 0 ("f") in the manifest: member "name": is not a member of the function tool shape"#,
            ),
            (
                r#"[{"type":"function","function":{"name":"f","strict":"yes"}}]"#,
                r#"member "function.strict": must be a boolean"#,
            ),
            (r#"[{"type":"function","function":{"name":"f","version":"1"}}]"#, r#"member "function.version""#),
            (
                r#"[{"type":"tool","function":{"name":"f"}}]"#,
                r#"member "type": must be the string "function", found "tool""#,
            ),
            (r#"[{"function":{"name":"f"}}]"#, r#"member "type": is required"#),
            (r#"[{"type":"function"}]"#, r#"member "function": is required"#),
            (
                r#"[{"name":"a"},{"type":"function","function":{"name":"a"}}]"#,
                r#"tools 0 and 1 in the manifest are both named "a""#,
            ),
            (r#"[7]"#, r#"tool 0 in the manifest: member "": a tool definition must be an object, found a number"#),
        ];
        for (manifest, expected) in cases {
            let message = refusal(manifest);
            assert!(message.contains(expected), "{manifest}: {message}");
        }
    }

    #[test]
    fn documents_that_are_not_manifests_are_refused() {
        assert!(matches!(read_manifest(br#"[{"name":"a","name":"b"}]"#), Err(ManifestError::Json(_))));
        assert!(matches!(read_manifest(b"{}"), Err(ManifestError::Shape(_))));
        assert!(matches!(read_manifest(br#"{"tools":[],"x":1}"#), Err(ManifestError::Shape(_))));
        assert!(matches!(read_manifest(br#"{"tools":{}}"#), Err(ManifestError::Shape(_))));
        assert!(matches!(read_manifest(b"\"tools\""), Err(ManifestError::Shape(_))));
    }

    #[test]
    fn drift_lists_added_removed_and_changed_by_name() {
        let tool = |name: &str, byte: u8| PinnedTool { name: name.into(), sha256: Digest([byte; 32]) };
        let pinned = [tool("a", 1), tool("b", 2), tool("d", 4)];
        let current = [tool("e", 5), tool("c", 3), tool("b", 9), tool("a", 1)];
        let drift = drift(&pinned, &current);
        assert_eq!(drift.added, vec![tool("c", 3), tool("e", 5)]);
        assert_eq!(drift.removed, vec![tool("d", 4)]);
        assert_eq!(
            drift.changed,
            vec![ChangedTool { name: "b".into(), pinned: Digest([2; 32]), current: Digest([9; 32]) }]
        );
        assert!(!drift.is_empty());
        assert!(super::drift(&pinned, &pinned).is_empty());
    }
}
