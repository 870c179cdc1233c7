//! The README quotes the library example; keep the two identical.

#[test]
fn readme_rust_example_is_the_compiled_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("core/examples/record_and_verify.rs")).unwrap();
    let start = readme.find("```rust\n").expect("README has a rust block") + "```rust\n".len();
    let end = start + readme[start..].find("```\n").unwrap();
    assert_eq!(&readme[start..end], example, "README's rust block differs from core/examples/record_and_verify.rs");
}
