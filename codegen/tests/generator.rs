//! The generator: its model of a spec, its rendered output (insta
//! snapshots on a fixture), its refusals, and that the checked-in outputs
//! are current.

use std::path::Path;

use provedex_codegen::envelope::MemberKind;
use provedex_codegen::spec::{FieldKind, parse_event_spec};
use provedex_codegen::{Spec, Status, check, default_root, generate, parse_envelope_spec, render_all, write};

fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

fn fixture() -> String {
    read_fixture("mini.schema.json")
}

fn envelope_fixture() -> String {
    read_fixture("mini-envelope.schema.json")
}

const FIXTURE_ID: &str = "urn:provedex:fixture:mini";

fn fixture_spec() -> Spec {
    Spec {
        events: parse_event_spec(&fixture()).unwrap(),
        envelope: parse_envelope_spec(&envelope_fixture(), FIXTURE_ID).unwrap(),
    }
}

#[test]
fn reads_variants_fields_and_kinds_in_spec_order() {
    let spec = parse_event_spec(&fixture()).unwrap();
    let names: Vec<_> = spec.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["Pinged", "Measured", "Audited"]);
    let kinds: Vec<_> = spec.variants[1].fields.iter().map(|f| (f.name.as_str(), f.kind.clone())).collect();
    assert_eq!(
        kinds,
        [
            ("sample_sha256", FieldKind::Digest),
            ("note_sha256", FieldKind::DigestOrEmpty),
            ("count", FieldKind::U32),
            ("total", FieldKind::U64),
            ("ok", FieldKind::Bool),
            ("extra", FieldKind::Object),
        ]
    );
    let audited: Vec<_> = spec.variants[2].fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        audited,
        ["key", "sig", "level", "place", "tags", "stops", "checked_sha256", "note"],
        "optional last, by name"
    );
    let FieldKind::Array(stop) = &spec.variants[2].fields[5].kind else { panic!("stops is an array") };
    let FieldKind::Nested(place) = stop.as_ref() else { panic!("of places") };
    assert_eq!(place.name, "Place");
    let place_fields: Vec<_> = place.fields.iter().map(|f| (f.name.as_str(), f.kind.clone())).collect();
    assert_eq!(
        place_fields,
        [
            ("city", FieldKind::String),
            ("detail", FieldKind::Optional(Box::new(FieldKind::Object))),
            ("floor", FieldKind::Optional(Box::new(FieldKind::U32))),
        ]
    );
    assert!(matches!(&spec.variants[2].fields[2].kind, FieldKind::Enum(e) if e.values == ["low", "high_risk"]));
    assert_eq!(spec.variants[2].fields[0].kind, FieldKind::PublicKey);
    assert_eq!(spec.variants[2].fields[1].kind, FieldKind::Signature);
    assert_eq!(spec.variants[2].fields[6].kind, FieldKind::Optional(Box::new(FieldKind::Digest)));
}

#[test]
fn reads_the_envelope_in_writer_order_with_its_preimage_in_canonical_order() {
    let envelope = parse_envelope_spec(&envelope_fixture(), FIXTURE_ID).unwrap();
    let members: Vec<_> = envelope.members.iter().map(|m| (m.name.as_str(), m.kind, m.hashed)).collect();
    assert_eq!(
        members,
        [
            ("seq", MemberKind::U64, true),
            ("key_epoch", MemberKind::U64, true),
            ("event", MemberKind::Event, true),
            ("parent_hash", MemberKind::ChainHash, true),
            ("self_hash", MemberKind::ChainHash, false),
            ("signature", MemberKind::Signature, false),
            ("signer_pubkey", MemberKind::PublicKey, false),
        ]
    );
    let preimage: Vec<_> = envelope.preimage().iter().map(|m| m.name.as_str()).collect();
    assert_eq!(preimage, ["event", "key_epoch", "parent_hash", "seq"]);
}

#[test]
fn renders_the_fixture() {
    let outputs = render_all(&fixture_spec());
    let paths: Vec<_> = outputs.iter().map(|o| o.path).collect();
    assert_eq!(
        paths,
        [
            "format/src/event/generated.rs",
            "format/src/line/generated.rs",
            "bindings/ffi/src/events.rs",
            "bindings/ffi/src/signed_event.rs",
            "bindings/python/provedex/events.py",
            "bindings/python/provedex/_signed_event.py",
        ]
    );
    insta::assert_snapshot!("core_events_fixture", outputs[0].contents);
    insta::assert_snapshot!("core_line_fixture", outputs[1].contents);
    insta::assert_snapshot!("ffi_events_fixture", outputs[2].contents);
    insta::assert_snapshot!("ffi_line_fixture", outputs[3].contents);
    insta::assert_snapshot!("python_events_fixture", outputs[4].contents);
    insta::assert_snapshot!("python_line_fixture", outputs[5].contents);
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(render_all(&fixture_spec()), render_all(&fixture_spec()));
}

#[test]
fn refuses_envelopes_it_cannot_seal_naming_the_place() {
    let base = envelope_fixture();
    let preimage = "[\"event\", \"key_epoch\", \"parent_hash\", \"seq\"]";
    let cases = [
        (
            base.replace(preimage, "[\"event\", \"parent_hash\", \"seq\"]"),
            "(envelope).key_epoch: a member outside x-provedex-self-hash-preimage would be unsigned",
        ),
        (
            base.replace(preimage, "[\"event\", \"key_epoch\", \"parent_hash\", \"self_hash\", \"seq\"]"),
            "(envelope).self_hash: sealing writes this member after hashing",
        ),
        (
            base.replace(preimage, "[\"key_epoch\", \"event\", \"parent_hash\", \"seq\"]"),
            "(envelope): x-provedex-self-hash-preimage must list its members in canonical (UTF-8) order",
        ),
        (
            base.replace(preimage, "[\"event\", \"key_epoch\", \"parent_hash\", \"seq\", \"epoch\"]"),
            "(envelope): x-provedex-self-hash-preimage names \"epoch\", which is not a member",
        ),
        (
            base.replace("\"x-provedex-self-hash-preimage\"", "\"x-preimage\""),
            "(envelope): expected an array \"x-provedex-self-hash-preimage\"",
        ),
        (
            base.replace("\"format\": \"ed25519-signature\"", "\"format\": \"sha256-chain-hash\""),
            "(envelope).signature: unsupported envelope member",
        ),
        (
            base.replace(
                "\"pattern\": \"^[0-9a-f]{64}$\", \"format\": \"ed25519-public-key\"",
                "\"pattern\": \"^[0-9a-f]{64}$\", \"format\": \"sha256-chain-hash\"",
            ),
            "(envelope).signer_pubkey: sealing writes this member: it must be of kind PublicKey",
        ),
        (
            base.replace("\"urn:provedex:fixture:mini\"", "\"urn:provedex:fixture:other\""),
            "(envelope).event: the only reference an envelope member may hold is the events schema",
        ),
        (base.replace(", \"signer_pubkey\"]", "]"), "(envelope).signer_pubkey: every envelope member is required"),
        (base.replace("\"additionalProperties\": false,", ""), "(envelope): must have \"additionalProperties\": false"),
        (
            base.replace("\"Epoch.\", \"type\"", "\"Epoch.\", \"minItems\": 1, \"type\""),
            "(envelope).key_epoch: the keyword \"minItems\" is not supported",
        ),
    ];
    for (text, expected) in cases {
        assert_ne!(text, base, "the case must change the fixture: {expected}");
        match parse_envelope_spec(&text, FIXTURE_ID) {
            Err(e) => assert!(e.to_string().starts_with(expected), "got {e:?}, expected {expected:?}"),
            Ok(_) => panic!("accepted an envelope it should refuse: {expected}"),
        }
    }
}

#[test]
fn refuses_what_it_cannot_express_naming_the_place() {
    let base = fixture();
    let cases = [
        (base.replace("\"maximum\": 4294967295", "\"maximum\": 100"), "Measured.count: unsupported field schema"),
        (base.replace("\"description\": \"Where.\", ", ""), "Pinged.zone: every variant and field needs"),
        (
            base.replace("\"note_sha256\", \"count\"", "\"count\""),
            "Measured.note_sha256: an optional field cannot also allow \"\"",
        ),
        (
            base.replace("\"$ref\": \"#/$defs/Level\"", "\"type\": \"string\", \"enum\": [\"low\"]"),
            "Audited.level: a string enum must be a $defs entry",
        ),
        (
            base.replace(
                "\"items\": { \"type\": \"string\" }",
                "\"items\": { \"type\": \"array\", \"items\": { \"type\": \"string\" } }",
            ),
            "Audited.tags: arrays of arrays",
        ),
        (
            base.replace(
                "\"type\": \"array\", \"items\": { \"type\": \"string\" }",
                "\"type\": \"array\", \"minItems\": 1, \"items\": { \"type\": \"string\" }",
            ),
            "Audited.tags: the keyword \"minItems\" is not supported",
        ),
        (
            base.replace("\"enum\": [\"low\", \"high_risk\"]", "\"enum\": [\"low\", \"low\"]"),
            "Audited.level: enum values must be distinct",
        ),
        (
            base.replace("\"format\": \"ed25519-public-key\"", "\"format\": \"x25519\""),
            "Audited.key: unsupported field schema",
        ),
        (
            base.replace(
                "\"description\": \"Free JSON, one level down.\", \"type\": \"object\"",
                "\"description\": \"Itself.\", \"$ref\": \"#/$defs/Place\"",
            ),
            "Audited.place.detail: a nested object cannot contain itself",
        ),
        (
            base.replace("\"const\": \"Pinged\"", "\"const\": \"pinged\""),
            "pinged: variant names must be UpperCamelCase",
        ),
        (
            base.replace("\"zone\": {", "\"type\": {").replace("[\"zone\", \"host\"]", "[\"type\", \"host\"]"),
            "Pinged.type: field names",
        ),
        (
            base.replace(
                "\"additionalProperties\": false,\n          \"required\": [\"zone\"",
                "\"required\": [\"zone\"",
            ),
            "Pinged.payload: must have \"additionalProperties\": false",
        ),
        (base.replace("#/$defs/u64", "other.json#/u64"), "Measured.total: only local references"),
        ("{}".to_owned(), "(root): every variant and field needs"),
        ("not json".to_owned(), "not valid JSON"),
    ];
    for (text, expected) in cases {
        assert_ne!(text, base, "the case must change the fixture: {expected}");
        match parse_event_spec(&text) {
            Err(e) => assert!(e.to_string().starts_with(expected), "got {e:?}, expected {expected:?}"),
            Ok(_) => panic!("accepted a spec it should refuse: {expected}"),
        }
    }
}

#[test]
fn checked_in_outputs_are_current() {
    let root = default_root();
    let outputs = generate(&root.join("spec")).unwrap();
    let statuses = check(&outputs, &root).unwrap();
    let stale: Vec<_> = statuses.iter().filter(|(_, s)| *s == Status::Stale).collect();
    assert!(stale.is_empty(), "stale generated files: {stale:?}; run `cargo run -p provedex-codegen`");
}

#[test]
fn write_then_check_in_a_fresh_tree() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = generate(&default_root().join("spec")).unwrap();
    assert!(check(&outputs, dir.path()).unwrap().iter().all(|(_, s)| *s == Status::Stale));
    assert!(write(&outputs, dir.path()).unwrap().iter().all(|(_, s)| *s == Status::Stale));
    assert!(check(&outputs, dir.path()).unwrap().iter().all(|(_, s)| *s == Status::Unchanged));
    let generated = std::fs::read_to_string(dir.path().join("format/src/event/generated.rs")).unwrap();
    assert!(generated.starts_with("// @generated by `cargo run -p provedex-codegen`"));
}

#[test]
fn check_mode_names_the_stale_file_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = generate(&default_root().join("spec")).unwrap();
    write(&outputs, dir.path()).unwrap();
    let target = dir.path().join("format/src/event/generated.rs");
    std::fs::write(&target, "// edited by hand\n").unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_provedex-codegen"))
        .args(["--check", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("stale: format/src/event/generated.rs"), "{stderr}");
    assert!(stderr.contains("run `cargo run -p provedex-codegen`"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "// edited by hand\n", "--check writes nothing");
}
