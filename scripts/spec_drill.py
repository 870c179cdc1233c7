#!/usr/bin/env python3
"""The spec-change drill: a new event variant reaches every language through
one regeneration command, with no hand edits.

In a scratch copy of the repository it adds the variant `AuditNoteRecorded`,
with a field of every kind the spec knows, to spec/events.schema.json, runs
`scripts/regenerate.sh` once, and then proves that
  - the Rust core and the FFI compile with the new variant,
  - the Python factory `events.audit_note_recorded` exists and its event signs
    and verifies through the regenerated native library,
  - the Kotlin class `AgentEvent.AuditNoteRecorded` compiles (Maven, offline:
    the Kotlin build of the test command has fetched its dependencies), and a
    Kotlin source that constructs it compiles too,
  - the Swift enum case is generated, with the enum and the record of the
    variant's nested types,
  - the golden vectors cover the variant and the README's vector figures
    follow, and `scripts/regenerate.sh --check` then finds nothing stale.
Usage: spec_drill.py PYTHON (a Python with the SDK's runtime, e.g. the test venv).
Exits 1 naming the first step that fails. The scratch copy is removed afterwards.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
VARIANT = "AuditNoteRecorded"
DRILL_VERSION = "0.0.0-spec-drill"
# A field of every kind the generator knows: required ones, then optional ones.
FIELDS = {
    "note": {"description": "Free text.", "type": "string"},
    "evidence_sha256": {"description": "A digest.", "$ref": "#/$defs/sha256_hex"},
    "attachment_sha256": {"description": "A digest or empty.", "$ref": "#/$defs/sha256_hex_or_empty"},
    "pages": {"description": "A u32.", "$ref": "#/$defs/u32"},
    "bytes_total": {"description": "A u64.", "$ref": "#/$defs/u64"},
    "approved": {"description": "A bool.", "type": "boolean"},
    "context": {"description": "Free JSON.", "type": "object"},
    "auditor_key": {"description": "A public key.", "$ref": "#/$defs/DrillPublicKey"},
    "auditor_signature": {"description": "A signature.", "$ref": "#/$defs/DrillSignature"},
    "severity": {"description": "An enum.", "$ref": "#/$defs/DrillSeverity"},
    "reviewer": {"description": "A nested object.", "$ref": "#/$defs/DrillReviewer"},
    "tags": {"description": "An array of strings.", "type": "array", "items": {"type": "string"}},
    "reviewers": {"description": "An array of nested objects.", "type": "array", "items": {"$ref": "#/$defs/DrillReviewer"}},
}
OPTIONAL_FIELDS = {
    "follow_up": {"description": "An optional string.", "type": "string"},
    "reviewed_sha256": {"description": "An optional digest.", "$ref": "#/$defs/sha256_hex"},
}
DEFS = {
    "DrillPublicKey": {"type": "string", "pattern": "^[0-9a-f]{64}$", "format": "ed25519-public-key"},
    "DrillSignature": {"type": "string", "pattern": "^[0-9a-f]{128}$", "format": "ed25519-signature"},
    "DrillSeverity": {"description": "How serious.", "type": "string", "enum": ["info", "critical_issue"]},
    "DrillReviewer": {
        "description": "Who reviewed.",
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "key"],
        "properties": {
            "name": {"description": "The reviewer.", "type": "string"},
            "key": {"description": "Their key.", "$ref": "#/$defs/DrillPublicKey"},
            "weight": {"description": "An optional u32.", "$ref": "#/$defs/u32"},
            "notes": {"description": "Optional free JSON, one level down.", "type": "object"},
        },
    },
}

PYTHON_PROOF = """
import provedex
from provedex import events
key = provedex.SigningKeypair.from_seed(bytes(range(32)))
reviewer = {"name": "Ada", "key": "cd" * 32, "weight": 3, "notes": {"seen": True}}
common = dict(
    note="drill", evidence_sha256="ab" * 32, attachment_sha256="", pages=2**32 - 1,
    bytes_total=2**64 - 1, approved=True, context={"k": [1, 1.5, None]},
    auditor_key=key.pubkey_hex, auditor_signature="ef" * 64, severity="critical_issue",
    reviewer=reviewer, tags=["a", "b"], reviewers=[reviewer, {"name": "Bo", "key": "00" * 32}],
)
for event in (events.audit_note_recorded(**common), events.audit_note_recorded(**common, follow_up="call back", reviewed_sha256="12" * 32)):
    signed = provedex.sign_event(event=event, seq=0, parent_hash=provedex.GENESIS_PARENT_HASH, keypair=key)
    signed.verify()
    assert signed.event == event, signed.event
    assert provedex.verify_chain([signed], pubkey=key.pubkey_hex).ok
    assert provedex.SignedEvent.from_json(signed.to_json()) == signed
absent = events.audit_note_recorded(**common)["payload"]
assert "follow_up" not in absent and "reviewed_sha256" not in absent, absent
def refused(change, error, code=None):
    try:
        event = events.audit_note_recorded(**{**common, **change})
        provedex.sign_event(event=event, seq=0, parent_hash=provedex.GENESIS_PARENT_HASH, keypair=key)
    except error as e:
        assert code is None or e.code == code, (change, e.code)
    else:
        raise AssertionError(f"accepted {change}")
refused({"pages": 2**32}, OverflowError)
refused({"tags": "a"}, TypeError)
refused({"reviewer": {"name": "Ada"}}, provedex.SigningError, "missing_field")
refused({"reviewer": {**reviewer, "extra": 1}}, provedex.SigningError, "unknown_field")
refused({"severity": "grave"}, provedex.SigningError, "unknown_enum_value")
refused({"auditor_signature": "EF" * 64}, provedex.SigningError, "invalid_hex")
print("python: events.audit_note_recorded signs and verifies:", signed.self_hash)
"""

KOTLIN_PROOF = """package dev.provedex

// Constructs the drill's variant: compiles only if the generated class has these fields and types.
internal fun drillEvent(): AgentEvent {
    val reviewer = DrillReviewer(name = "Ada", key = "cd".repeat(32), weight = 3u, notes = "{}")
    return AgentEvent.AuditNoteRecorded(
        note = "drill",
        evidenceSha256 = "ab".repeat(32),
        attachmentSha256 = "",
        pages = UInt.MAX_VALUE,
        bytesTotal = ULong.MAX_VALUE,
        approved = true,
        context = "{}",
        auditorKey = "cd".repeat(32),
        auditorSignature = "ef".repeat(64),
        severity = DrillSeverity.CRITICAL_ISSUE,
        reviewer = reviewer,
        tags = listOf("a", "b"),
        reviewers = listOf(reviewer, reviewer.copy(weight = null)),
        followUp = null,
        reviewedSha256 = "12".repeat(32),
    )
}
"""


class DrillFailure(Exception):
    pass


def step(title: str) -> None:
    print(f"--> {title}", flush=True)


def run(cmd: list[str], cwd: pathlib.Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(cmd, cwd=cwd, env=env)
    if result.returncode != 0:
        raise DrillFailure(f"`{' '.join(cmd)}` failed in {cwd} (exit {result.returncode})")


def copy_repository(dest: pathlib.Path) -> None:
    """The repository's files as a checkout has them (tracked and new, never
    ignored ones such as target/), with fresh modification times: cargo then
    rebuilds every crate of the copy, so nothing compiled for an earlier copy
    (such as the generator's idea of where the repository is) survives."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, dest / name)


def add_variant(schema_path: pathlib.Path) -> None:
    schema = json.loads(schema_path.read_text())
    schema["oneOf"].append({"$ref": f"#/$defs/{VARIANT}"})
    schema["$defs"].update(DEFS)
    schema["$defs"][VARIANT] = {
        "description": "A note an auditor added (added by the spec-change drill).",
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "payload"],
        "properties": {
            "type": {"const": VARIANT},
            "payload": {
                "type": "object",
                "additionalProperties": False,
                "required": list(FIELDS),
                "properties": {**FIELDS, **OPTIONAL_FIELDS},
            },
        },
    }
    schema_path.write_text(json.dumps(schema, indent=2) + "\n")


def expect_in(path: pathlib.Path, needle: str) -> None:
    if needle not in path.read_text():
        raise DrillFailure(f"{path} does not contain {needle!r} after regeneration")


def distinguish_workspace(manifest: pathlib.Path) -> None:
    """Gives the copy's crates their own version. They build in the
    repository's target directory, reusing its compiled dependencies; cargo
    identifies a workspace crate by name, version and workspace-relative path,
    so without this the copy's crates would overwrite the repository's."""
    text = manifest.read_text()
    section = text.index("[workspace.package]")
    start = text.index('version = "', section)
    end = text.index("\n", start)
    manifest.write_text(text[:start] + f'version = "{DRILL_VERSION}"' + text[end:])


def drill(tree: pathlib.Path, python: str) -> None:
    env = dict(os.environ, CARGO_TARGET_DIR=str(REPO / "target"))
    step("copy the repository and add the variant to spec/events.schema.json")
    copy_repository(tree)
    distinguish_workspace(tree / "Cargo.toml")
    add_variant(tree / "spec" / "events.schema.json")

    step("regenerate everything with the one command: scripts/regenerate.sh")
    readme_before = (tree / "README.md").read_text()
    run(["bash", "scripts/regenerate.sh"], tree, env)
    for path, needle in [
        ("format/src/event/generated.rs", f"{VARIANT}("),
        ("bindings/ffi/src/events.rs", f"{VARIANT} {{"),
        ("bindings/python/provedex/events.py", "def audit_note_recorded("),
        ("bindings/python/uniffi/provedex_ffi.py", "class AUDIT_NOTE_RECORDED:"),
        ("bindings/kotlin/src/main/kotlin/dev/provedex/provedex_ffi.kt", f"class {VARIANT}("),
        ("bindings/swift/Sources/Provedex/Provedex.swift", "case auditNoteRecorded("),
        ("bindings/swift/Sources/Provedex/Provedex.swift", "public enum DrillSeverity"),
        ("bindings/swift/Sources/Provedex/Provedex.swift", "public struct DrillReviewer"),
        ("vectors/events.json", f'\\"type\\":\\"{VARIANT}\\"'),
        ("vectors/signatures.json", f'\\"type\\":\\"{VARIANT}\\"'),
    ]:
        expect_in(tree / path, needle)
    if (tree / "README.md").read_text() == readme_before:
        raise DrillFailure("README.md's vector figures did not change with the new variant's vectors")
    run(["bash", "scripts/regenerate.sh", "--check"], tree, env)

    step("the Rust core and the FFI compile with the new variant, without a lint")
    run(["cargo", "clippy", "--quiet", "-p", "provedex-format", "-p", "provedex-ffi", "--lib", "--", "-D", "warnings"], tree, env)
    run(["cargo", "build", "--quiet", "-p", "provedex-core", "-p", "provedex-ffi", "--lib"], tree, env)

    step("the Python factory exists, and its event signs and verifies through the regenerated library")
    package = tree / "drill-python"
    shutil.copytree(tree / "bindings" / "python" / "provedex", package / "provedex")
    native = package / "provedex" / "_native"
    native.mkdir()
    (native / "__init__.py").write_text("from .provedex_ffi import *  # noqa: F403\n")
    shutil.copy2(tree / "bindings" / "python" / "uniffi" / "provedex_ffi.py", native)
    library = pathlib.Path(env["CARGO_TARGET_DIR"]) / "debug" / "libprovedex_ffi.so"
    shutil.copy2(library, native)
    run([python, "-c", PYTHON_PROOF], tree, dict(os.environ, PYTHONPATH=str(package)))

    step("the Kotlin class compiles, and so does code that constructs it (mvn --offline compile)")
    kotlin = tree / "bindings" / "kotlin"
    (kotlin / "src" / "main" / "kotlin" / "dev" / "provedex" / "DrillProof.kt").write_text(KOTLIN_PROOF)
    run(["mvn", "--batch-mode", "--quiet", "--offline", "compile"], kotlin)
    compiled = kotlin / "target" / "classes" / "dev" / "provedex" / f"AgentEvent${VARIANT}.class"
    if not compiled.is_file():
        raise DrillFailure(f"no {compiled} after mvn compile")
    print(f"kotlin: {compiled.relative_to(tree)} compiled")


def restore_repository_artifacts() -> None:
    """The copy's builds replaced target/debug's copies of the FFI library and
    the generator binaries; cargo puts the repository's own back (they are fresh)."""
    step("restore the repository's own target/debug artifacts")
    run(
        ["cargo", "build", "--quiet", "-p", "provedex-ffi", "-p", "provedex-codegen", "-p", "provedex-core"]
        + ["-p", "provedex-conformance"],
        REPO,
    )


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="provedex-spec-drill-") as scratch:
        try:
            drill(pathlib.Path(scratch), os.path.abspath(sys.argv[1]))
        except DrillFailure as failure:
            print(f"spec drill FAILED: {failure}", file=sys.stderr)
            return 1
        finally:
            restore_repository_artifacts()
    print("spec drill passed: one command carried the new variant to Rust, Python, Kotlin and Swift")
    return 0


if __name__ == "__main__":
    sys.exit(main())
