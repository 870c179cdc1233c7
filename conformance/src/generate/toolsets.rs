//! `toolset_hash.json` (spec 1.1): tool manifests to their toolset and
//! toolset hash (spec/toolsets.md), and the manifests TS-1 refuses.
//! Expected results are the Rust core's, asserted against the spec's
//! published figures where it gives them.

use provedex_core::sha256_hex;
use provedex_format::Toolset;
use serde_json::json;

use crate::vector::{FileBuilder, GroupBuilder, SPEC_VERSION_1_1, VectorFile, Verdict, hex};

/// The example manifest of spec/toolsets.md.
const SPEC_EXAMPLE: &str = r#"[
  {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"name": "search", "version": "2.1.0", "description": "Web search.",
   "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
]"#;

/// The toolset hash spec/toolsets.md gives for [`SPEC_EXAMPLE`].
const SPEC_EXAMPLE_HASH: &str = "baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390";

/// The hash of an empty toolset, the SHA-256 of `[]`.
const EMPTY_HASH: &str = "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";

/// The expected result of a manifest the reference accepts.
fn toolset_of(id: &str, manifest: &str) -> Toolset {
    Toolset::from_manifest(manifest.as_bytes())
        .unwrap_or_else(|e| panic!("toolset_hash/{id}: the reference refuses it: {e}"))
}

fn valid(g: &mut GroupBuilder<'_>, name: &str, comment: &str, flags: &[&str], manifest: &str) -> Toolset {
    let toolset = toolset_of(name, manifest);
    let tools: Vec<_> = toolset.tools.iter().map(|t| json!({"name": t.name, "sha256": t.sha256.to_hex()})).collect();
    g.test(
        name,
        comment,
        flags,
        json!({"manifest_hex": hex(manifest)}),
        Verdict::Valid,
        json!({"valid": true, "tools": tools, "toolset_sha256": toolset.toolset_sha256.to_hex()}),
    );
    toolset
}

fn refused(g: &mut GroupBuilder<'_>, name: &str, comment: &str, manifest: &[u8]) {
    assert!(Toolset::from_manifest(manifest).is_err(), "toolset_hash/{name}: the reference accepts it");
    g.test(
        name,
        comment,
        &["Refused"],
        json!({"manifest_hex": hex(manifest)}),
        Verdict::Invalid,
        json!({"valid": false, "tools": null, "toolset_sha256": null}),
    );
}

pub fn file() -> VectorFile {
    let mut f = FileBuilder::new(
        "toolset_hash",
        "toolset_hash",
        "Tool manifests (spec/toolsets.md) to their toolset (each tool's name and digest, sorted by the UTF-8 bytes \
         of the names) and toolset hash, in every shape a manifest takes; and the manifests an implementation \
         must refuse.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Example", "A manifest with figures published in the spec.");
    f.note("Shape", "A tool in one of the shapes of a manifest.");
    f.note(
        "Same",
        "A manifest whose toolset equals another test's: what does not change a tool does not change its digest.",
    );
    f.note("Refused", "A manifest an implementation must refuse.");

    let mut g = f.group("examples", "The spec's example and the empty toolset.");
    let example =
        valid(&mut g, "spec-example", "The example manifest of spec/toolsets.md.", &["Example"], SPEC_EXAMPLE);
    assert_eq!(example.toolset_sha256.to_hex(), SPEC_EXAMPLE_HASH, "the spec's example hash");
    for (name, manifest) in [("empty-array", "[]"), ("empty-tools-object", r#"{"tools":[]}"#)] {
        let empty = valid(&mut g, name, "No tools: the hash of [].", &["Example"], manifest);
        assert_eq!(empty.toolset_sha256.to_hex(), EMPTY_HASH);
    }
    assert_eq!(sha256_hex(b"[]"), EMPTY_HASH);

    let mut g = f.group("shapes", "One tool in each shape, each with and without its optional members.");
    let shapes: [(&str, &str, &str); 9] = [
        (
            "provedex-name-only",
            "The Provedex shape with a name only: version and description \"\", parameters {}.",
            r#"[{"name":"lookup"}]"#,
        ),
        (
            "provedex-full",
            "The Provedex shape with every member.",
            r#"[{"name":"lookup","version":"1.0","description":"Look a word up.","parameters":{"type":"object"}}]"#,
        ),
        (
            "function-name-only",
            "The function shape with a name only.",
            r#"[{"type":"function","function":{"name":"lookup"}}]"#,
        ),
        (
            "function-full",
            "The function shape with description, parameters and strict.",
            r#"[{"type":"function","function":{"name":"lookup","description":"Look a word up.","parameters":{"type":"object"},"strict":true}}]"#,
        ),
        (
            "function-strict-false",
            "strict is not hashed: false gives the digest of true.",
            r#"[{"type":"function","function":{"name":"lookup","description":"Look a word up.","parameters":{"type":"object"},"strict":false}}]"#,
        ),
        (
            "input-schema-name-only",
            "The input-schema shape with a name only.",
            r#"[{"name":"lookup","input_schema":{}}]"#,
        ),
        (
            "input-schema-full",
            "The input-schema shape (Anthropic): input_schema is the parameters.",
            r#"[{"name":"lookup","description":"Look a word up.","input_schema":{"type":"object"}}]"#,
        ),
        (
            "mcp-input-schema",
            "The MCP spelling inputSchema is the parameters too.",
            r#"[{"name":"lookup","description":"Look a word up.","inputSchema":{"type":"object"}}]"#,
        ),
        (
            "tools-object",
            "The object form {\"tools\": [...]}.",
            r#"{"tools":[{"name":"lookup","description":"Look a word up.","parameters":{"type":"object"}}]}"#,
        ),
    ];
    let mut digests = Vec::new();
    for (name, comment, manifest) in shapes {
        digests.push((name, valid(&mut g, name, comment, &["Shape"], manifest)));
    }
    let digest_of = |name: &str| digests.iter().find(|(n, _)| *n == name).expect("a shape").1.toolset_sha256;
    // The shapes normalize to the same definitions: the same digests.
    assert_eq!(digest_of("provedex-name-only"), digest_of("function-name-only"));
    assert_eq!(digest_of("provedex-name-only"), digest_of("input-schema-name-only"));
    for same in ["function-full", "function-strict-false", "input-schema-full", "mcp-input-schema", "tools-object"] {
        assert_eq!(
            digest_of(same),
            toolset_of(same, r#"[{"name":"lookup","description":"Look a word up.","parameters":{"type":"object"}}]"#)
                .toolset_sha256,
            "{same}"
        );
    }
    assert_ne!(digest_of("provedex-full"), digest_of("function-full"), "a version changes the digest");

    let mut g =
        f.group("irrelevant", "What does not change a toolset: the order of the tools, of members, and spacing.");
    let base = valid(
        &mut g,
        "two-tools",
        "Two tools, sorted.",
        &["Same"],
        r#"[{"name":"alpha","parameters":{"a":1,"b":[1,2]}},{"name":"beta"}]"#,
    );
    for (name, comment, manifest) in [
        (
            "tools-reversed",
            "The same tools in the other order.",
            r#"[{"name":"beta"},{"name":"alpha","parameters":{"a":1,"b":[1,2]}}]"#,
        ),
        (
            "members-reordered",
            "Members of a tool and of its parameters in another order.",
            r#"[{"parameters":{"b":[1,2],"a":1},"name":"alpha"},{"name":"beta"}]"#,
        ),
        (
            "whitespace",
            "Spaces, tabs and newlines between tokens.",
            "[ {\"name\" : \"alpha\",\n\t\"parameters\": { \"a\": 1, \"b\": [ 1, 2 ] } } ,\r\n {\"name\":\"beta\"} ]\n",
        ),
        (
            "escaped-name",
            "A name written with a \\u escape is the same name.",
            r#"[{"name":"\u0061lpha","parameters":{"a":1,"b":[1,2]}},{"name":"beta"}]"#,
        ),
    ] {
        let same = valid(&mut g, name, comment, &["Same"], manifest);
        assert_eq!(same, base, "toolset_hash/{name}");
    }
    valid(
        &mut g,
        "parameter-value-changed",
        "A parameter's value changed: a different digest.",
        &[],
        r#"[{"name":"alpha","parameters":{"a":2,"b":[1,2]}},{"name":"beta"}]"#,
    );

    let mut g = f.group("names", "Names sorted by their UTF-8 bytes, not by UTF-16 code units or by characters' case.");
    let sorted = valid(
        &mut g,
        "utf8-not-utf16",
        "U+FF61 sorts before U+1F600 by UTF-8 bytes (EF.. < F0..) but after it by UTF-16 code units (FF61 > D83D).",
        &[],
        "[{\"name\":\"\u{1F600}\"},{\"name\":\"\u{FF61}\"}]",
    );
    assert_eq!(sorted.tools[0].name, "\u{FF61}");
    let cased = valid(
        &mut g,
        "upper-case-first",
        "Upper-case letters sort before lower-case ones: Zeta before alpha.",
        &[],
        r#"[{"name":"alpha"},{"name":"Zeta"}]"#,
    );
    assert_eq!(cased.tools[0].name, "Zeta");
    let prefix = valid(
        &mut g,
        "prefix-first",
        "A name sorts before the names it is a prefix of.",
        &[],
        r#"[{"name":"ab"},{"name":"a"},{"name":"a_"}]"#,
    );
    assert_eq!(prefix.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["a", "a_", "ab"]);
    valid(
        &mut g,
        "non-ascii",
        "Non-ASCII names: é (C3 A9) after z (7A).",
        &[],
        "[{\"name\":\"\u{e9}t\u{e9}\"},{\"name\":\"z\"}]",
    );

    let mut g =
        f.group("refused", "Manifests refused by TS-1: nothing that would change a tool is left out of its digest.");
    let refusals: &[(&str, &str, &[u8])] = &[
        ("not-json", "Not JSON.", b"tools"),
        ("duplicate-key", "A tool with name twice: the strict parser refuses it.", br#"[{"name":"a","name":"b"}]"#),
        ("invalid-utf8", "Bytes that are not UTF-8 in a name.", b"[{\"name\":\"\xff\"}]"),
        ("top-level-string", "A string, not an array or an object.", br#""lookup""#),
        ("tools-object-extra-member", "The object form with a member besides tools.", br#"{"tools":[],"version":"1"}"#),
        ("tools-not-array", "The object form whose tools is an object.", br#"{"tools":{}}"#),
        ("object-without-tools", "An object without tools.", br#"{}"#),
        ("tool-not-object", "A tool that is a string.", br#"["lookup"]"#),
        ("name-missing", "A tool without a name.", br#"[{"description":"x"}]"#),
        ("name-empty", "An empty name.", br#"[{"name":""}]"#),
        ("name-not-string", "A name that is a number.", br#"[{"name":1}]"#),
        ("unknown-member", "A member no shape defines.", br#"[{"name":"a","examples":[]}]"#),
        ("version-not-string", "A version that is a number.", br#"[{"name":"a","version":1}]"#),
        ("description-null", "A description that is null.", br#"[{"name":"a","description":null}]"#),
        ("parameters-not-object", "Parameters that are an array.", br#"[{"name":"a","parameters":[]}]"#),
        (
            "parameters-and-input-schema",
            "Members of two shapes: parameters and input_schema.",
            br#"[{"name":"a","parameters":{},"input_schema":{}}]"#,
        ),
        (
            "input-schema-and-inputSchema",
            "Both spellings of the input schema.",
            br#"[{"name":"a","input_schema":{},"inputSchema":{}}]"#,
        ),
        (
            "input-schema-with-version",
            "The input-schema shape has no version.",
            br#"[{"name":"a","version":"1","input_schema":{}}]"#,
        ),
        ("input-schema-not-object", "An input_schema that is a string.", br#"[{"name":"a","input_schema":"{}"}]"#),
        (
            "function-type-wrong",
            "A function tool whose type is not \"function\".",
            br#"[{"type":"tool","function":{"name":"a"}}]"#,
        ),
        ("function-missing", "A type without its function.", br#"[{"type":"function"}]"#),
        (
            "function-name-missing",
            "A function without a name.",
            br#"[{"type":"function","function":{"description":"x"}}]"#,
        ),
        (
            "function-unknown-member",
            "A function with a member the shape does not define.",
            br#"[{"type":"function","function":{"name":"a","version":"1"}}]"#,
        ),
        (
            "function-strict-not-bool",
            "strict that is a string.",
            br#"[{"type":"function","function":{"name":"a","strict":"true"}}]"#,
        ),
        (
            "function-and-name",
            "A function tool with a name beside its function.",
            br#"[{"type":"function","name":"a","function":{"name":"a"}}]"#,
        ),
        ("duplicate-name", "Two tools with one name.", br#"[{"name":"a"},{"name":"a","version":"2"}]"#),
        (
            "duplicate-name-across-shapes",
            "Two tools with one name in two shapes.",
            br#"[{"name":"a"},{"type":"function","function":{"name":"a"}}]"#,
        ),
    ];
    for (name, comment, manifest) in refusals {
        refused(&mut g, name, comment, manifest);
    }
    f.finish()
}
