"""Checks the Swift package in this directory, with or without a Swift toolchain.

    python check.py [PACKAGE_DIR]

1. Structure: every target named in Package.swift has its directory; a C
   target's custom module map names its own target and headers that exist,
   and the target has the C source file SwiftPM requires; every module a
   Swift file imports is a target of the package or a platform module;
   README.md shows Tests/ProvedexTests/ReadmeExample.swift unchanged.
   The scenarios these tests share with the Kotlin tests
   (../scenarios/scenarios.json) hold to their schema (SCENARIO_OPS), and
   both languages' tests read all of them: each names the file, runs every
   section, and has as a string literal every op, member, event type, field
   and enumerated value the file uses; neither names a scenario's id.
2. Syntax: every .swift file (Package.swift, Sources/, Tests/) parses under
   tree-sitter-swift with no ERROR or MISSING node.
3. Tests: with `swift` on PATH, `swift build` and `swift test` run against
   the native library (built with cargo unless PROVEDEX_FFI_LIB_DIR names
   it) and their result is reported. Without a toolchain the Swift tests are
   reported as not run, never as passed.

Exits 1 when any check fails. Needs requirements-check.txt installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

try:
    import tree_sitter
    import tree_sitter_swift
except ImportError as missing:
    sys.exit(f"check.py needs {missing.name}: pip install -r {Path(__file__).with_name('requirements-check.txt')}")

PACKAGE_DIR = Path(__file__).resolve().parent

# tree-sitter-swift 0.7.4 cannot parse an attribute alone inside `#if`/`#endif`.
# uniffi puts this exact block before its internal declarations; the block is
# blanked out before parsing (offsets, lines and columns are kept) and counted.
# Nothing else is ignored.
UNIFFI_DOCUMENTATION_BLOCK = re.compile(
    rb"^#if swift\(>=5\.8\)\n[ \t]*@_documentation\(visibility: private\)\n#endif$", re.MULTILINE
)

# Modules a Swift file may import besides the package's own targets.
PLATFORM_MODULES = {"Foundation", "Dispatch", "XCTest", "PackageDescription"}

# Target declarations of PackageDescription, and where each kind lives by default.
TARGET_KINDS = {"target": "Sources", "executableTarget": "Sources", "testTarget": "Tests"}

C_SOURCE_SUFFIXES = {".c", ".m", ".cc", ".cpp", ".mm"}

# The usage example of README.md, compiled and run by the Swift tests.
README_EXAMPLE = "Tests/ProvedexTests/ReadmeExample.swift"

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))


@dataclass
class Target:
    name: str
    path: Path
    public_headers: Path | None


@dataclass
class SwiftFile:
    path: Path
    tree: tree_sitter.Tree
    source: bytes
    neutralised_blocks: int


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_swift(path: Path) -> SwiftFile:
    source, blocks = UNIFFI_DOCUMENTATION_BLOCK.subn(
        lambda block: re.sub(rb"[^\n]", b" ", block.group()), path.read_bytes()
    )
    return SwiftFile(path, PARSER.parse(source), source, blocks)


def shown(path: Path) -> str:
    """A path as the user would type it from the current directory."""
    return os.path.relpath(path)


def position(file: SwiftFile, node: tree_sitter.Node) -> str:
    """`path:line:column`, both 1-based, the column counted in characters."""
    row, byte_column = node.start_point
    line_start = node.start_byte - byte_column
    column = len(file.source[line_start : node.start_byte].decode("utf-8", "replace")) + 1
    return f"{shown(file.path)}:{row + 1}:{column}"


def syntax_errors(file: SwiftFile) -> list[str]:
    """Every MISSING node, and every ERROR node not inside another one."""
    errors: list[str] = []
    pending = [file.tree.root_node]
    while pending:
        node = pending.pop()
        if node.is_missing:
            errors.append(f"{position(file, node)}: MISSING {node.type!r}")
        elif node.is_error:
            erroneous = text(node).strip()
            first_line = erroneous.splitlines()[0] if erroneous else ""
            errors.append(f"{position(file, node)}: ERROR at {first_line[:60]!r}")
        elif node.has_error:
            pending.extend(reversed(node.children))
    return errors


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    yield node
    for child in node.children:
        yield from walk(child)


def string_literal(node: tree_sitter.Node) -> str | None:
    """The value of a plain string literal (no interpolation), else None."""
    if node.type != "line_string_literal":
        return None
    if any(part.type != "line_str_text" for part in node.named_children):
        return None
    return "".join(text(part) for part in node.named_children)


def direct_arguments(call_suffix: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The arguments of one call, not those of the calls nested in them."""
    return [
        argument
        for arguments in call_suffix.named_children
        if arguments.type == "value_arguments"
        for argument in arguments.named_children
        if argument.type == "value_argument"
    ]


def declared_targets(manifest: SwiftFile, package_dir: Path) -> list[Target]:
    """The `.target`, `.executableTarget` and `.testTarget` calls of Package.swift."""
    targets = []
    for node in walk(manifest.tree.root_node):
        if node.type != "call_expression" or node.named_child_count != 2:
            continue
        callee, suffix = node.named_children
        kind = text(callee).lstrip(".")
        if callee.type != "prefix_expression" or kind not in TARGET_KINDS:
            continue
        arguments = {}
        for argument in direct_arguments(suffix):
            if argument.named_child_count == 2:
                label, value = argument.named_children
                if label.type == "value_argument_label":
                    arguments[text(label)] = string_literal(value)
        name = arguments.get("name")
        if name is None:
            continue
        path = package_dir / (arguments.get("path") or f"{TARGET_KINDS[kind]}/{name}")
        headers = arguments.get("publicHeadersPath")
        targets.append(Target(name, path, path / headers if headers else None))
    return targets


def module_map_problems(target: Target, package_dir: Path) -> list[str]:
    """A custom module map must declare the target's module and name headers that exist."""
    module_map = (target.public_headers or target.path / "include") / "module.modulemap"
    if not module_map.is_file():
        return []
    where = shown(module_map)
    declarations = module_map.read_text(encoding="utf-8")
    problems = []
    modules = re.findall(r"^\s*(?:explicit\s+)?module\s+(\w+)", declarations, re.MULTILINE)
    if modules != [target.name]:
        problems.append(f"{where}: declares modules {modules}, expected exactly [{target.name!r}]")
    headers = re.findall(r'^\s*(?:umbrella\s+)?header\s+"([^"]+)"', declarations, re.MULTILINE)
    if not headers:
        problems.append(f"{where}: names no header")
    for header in headers:
        if not (module_map.parent / header).is_file():
            problems.append(f"{where}: header {header!r} does not exist")
    if not any(path.suffix in C_SOURCE_SUFFIXES for path in target.path.rglob("*")):
        problems.append(f"{shown(target.path)}: a C target needs a source file for SwiftPM to build it")
    return problems


def imported_modules(file: SwiftFile) -> list[str]:
    """The top-level module of each import (`import Foundation.NSString` imports Foundation)."""
    return [
        text(child).split(".")[0]
        for node in walk(file.tree.root_node)
        if node.type == "import_declaration"
        for child in node.named_children
        if child.type == "identifier"
    ]


def xctest_methods(file: SwiftFile) -> list[str]:
    """Methods XCTest runs: named test…, taking no parameter, in a class."""
    names = []
    for node in walk(file.tree.root_node):
        if node.type != "function_declaration" or node.parent is None or node.parent.type != "class_body":
            continue
        name = node.child_by_field_name("name")
        has_parameters = any(child.type == "parameter" for child in node.named_children)
        if name is not None and text(name).startswith("test") and not has_parameters:
            names.append(text(name))
    return names


def readme_problems(package_dir: Path) -> list[str]:
    """README.md must show the tested example as it is."""
    readme, example = package_dir / "README.md", package_dir / README_EXAMPLE
    if not readme.is_file() or not example.is_file():
        return [f"{shown(path)}: missing" for path in (readme, example) if not path.is_file()]
    blocks = re.findall(r"```swift\n(.*?)```", readme.read_text(encoding="utf-8"), re.DOTALL)
    if example.read_text(encoding="utf-8") not in blocks:
        return [f"{shown(readme)}: no ```swift block is {README_EXAMPLE} as it is"]
    return []


# The scenarios the Swift tests share with the Kotlin tests
# (../scenarios/README.md), relative to the package directory: the file; each
# language's test sources that must read it (no subdirectory: the Kotlin
# conformance adapter and the README example are not scenario tests), and the
# function they run a section's scenarios with.
SCENARIO_FILE = "../scenarios/scenarios.json"
SCENARIO_READERS = {
    "Kotlin": ("../kotlin/src/test/kotlin/dev/provedex", "*.kt", "scenarioTests"),
    "Swift": ("Tests/ProvedexTests", "*.swift", "forEachScenario"),
}

# The events of wire format v1: each variant's fields. Numeric fields are
# integers (u32 for the token counts), `success` a boolean, every other field
# text or {"sha256_of": text}.
V1_EVENT_FIELDS = {
    "SessionStarted": ("agent_id", "model_id", "session_id"),
    "UtteranceCaptured": ("audio_sha256", "transcript", "lang", "duration_ms"),
    "ToolCalled": ("tool_name", "args_sha256", "args_redacted"),
    "ToolReturned": ("tool_name", "result_sha256", "latency_ms", "success"),
    "ModelInvoked": ("model_id", "prompt_sha256", "response_sha256", "prompt_tokens", "response_tokens"),
    "UtteranceSpoken": ("text_sha256", "text", "audio_sha256"),
    "SessionEnded": ("reason", "summary_sha256"),
}
U64_FIELDS = {"duration_ms", "latency_ms"}
U32_FIELDS = {"prompt_tokens", "response_tokens"}
BOOL_FIELDS = {"success"}
SIGNED_EVENT_MEMBERS = ("seq", "timestamp_nanos", "event", "parent_hash", "self_hash", "signature", "signer_pubkey")


@dataclass(frozen=True)
class Op:
    """The members of one op's `input` and `expect`: required, then optional."""

    input: tuple[str, ...]
    expect: tuple[str, ...]
    optional_input: tuple[str, ...] = ()
    optional_expect: tuple[str, ...] = ()


def error_op(*members: str, optional: tuple[str, ...] = ()) -> Op:
    """An op of `errors`: it expects an error's kind and code, and may name a part of its detail."""
    return Op(members, ("kind", "code"), optional, ("detail_contains",))


def ledger_op(*members: str) -> Op:
    """An op of `ledgers`: it edits a ledger of `recorded` events; verifiers report, a session may refuse to open."""
    return Op(("recorded", *members), ("verify",), (), ("open",))


SEALING = ("event", "seq", "timestamp_nanos", "parent_hash")

# The schema of the scenario file: its sections, each section's ops and their members.
SCENARIO_OPS: dict[str, dict[str, Op]] = {
    "check_values": {
        "pubkey_of_seed": Op(("seed_hex",), ("pubkey_hex",)),
        "load_key_file": Op(("name", "zero_bytes", "mode"), ("pubkey_hex",)),
        "seal": Op(("seed_hex", *SEALING), ("self_hash", "signer_pubkey", "line")),
        "event_json": Op(("event",), ("json",)),
        "canonical_json": Op(("json",), ("json",)),
        "sha256_hex": Op(("utf8",), ("hex",)),
        "toolset_hash": Op(("manifest",), ("toolset_sha256",)),
        "key_manager": Op(("seed_hex", "utf8"), ("fingerprint", "signature", "private_pem", "public_pem")),
    },
    "errors": {
        "key_from_seed": error_op("seed_hex"),
        "load_key_file": error_op("name", optional=("zero_bytes", "mode")),
        "save_key": error_op("name", optional=("zero_bytes", "mode")),
        "event_from_json": error_op("json"),
        "event_to_json": error_op("event"),
        "canonical_json": error_op("json"),
        "compute_self_hash": error_op(*SEALING),
        "sign_event_at": error_op(*SEALING),
        "record": error_op("event"),
        "signed_event_from_json": error_op("line"),
        "verify_signed_event": error_op("signed_event"),
        "verify_chain": error_op("events", "pinned_pubkey"),
        "verify_file": error_op("name"),
        "open_session": error_op("name"),
        "recover": error_op("name"),
        "toolset_hash": error_op("manifest"),
        "key_from_pem": error_op("pem"),
    },
    "ledgers": {
        "none": ledger_op(),
        "replace_text": ledger_op("index", "old", "new"),
        "flip_signature_digit": ledger_op("index", "digit"),
        "delete_line": ledger_op("index"),
        "append_signed_line": ledger_op("event_index", "seq", "parent", "signer"),
        "append_text": ledger_op("text"),
    },
}

# Members whose value is one of a few names.
SCENARIO_ENUMS = {
    "kind": ("KeyLoad", "Signing", "Ledger", "Chain"),
    "parent": ("genesis", "last"),
    "signer": ("check", "other"),
    "key": ("check", "other"),
    "pin": ("check", "other", "none"),
}
SCENARIO_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str)


def is_text_or_null(value: object) -> bool:
    return value is None or is_text(value)


def matching(pattern: str) -> Callable[[object], bool]:
    return lambda value: is_text(value) and re.fullmatch(pattern, value) is not None


COUNTS = ("seq", "timestamp_nanos", "zero_bytes", "recorded", "index", "digit", "event_index", "broken_at")
TEXTS = (
    "name", "json", "utf8", "hex", "line", "parent_hash", "self_hash", "signer_pubkey", "signature",
    "detail_contains", "old", "new", "text", "reason", "manifest", "pem", "private_pem", "public_pem",
)

# The type of every other member, by name.
SCENARIO_MEMBER_TYPES: dict[str, tuple[str, Callable[[object], bool]]] = {
    **{name: ("an integer of 0 or more", is_count) for name in COUNTS},
    **{name: ("a string", is_text) for name in TEXTS},
    "code": ("a string or null", is_text_or_null),
    "pinned_pubkey": ("a string or null", is_text_or_null),
    "seed_hex": ("lowercase hex", matching("(?:[0-9a-f]{2})*")),
    "pubkey_hex": ("64 lowercase hex digits", matching("[0-9a-f]{64}")),
    "toolset_sha256": ("64 lowercase hex digits", matching("[0-9a-f]{64}")),
    "fingerprint": ('"sha256:" and 64 lowercase hex digits', matching("sha256:[0-9a-f]{64}")),
    "mode": ('octal permissions such as "600"', matching("[0-7]{3}")),
}


class ScenarioSchema:
    """Checks the scenario file against SCENARIO_OPS and collects the words
    its readers must use: every member name, op, enumerated value, event type
    and field, with the first place each is used."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []
        self.words: dict[str, str] = {}
        self.ids: list[str] = []

    def problem(self, place: str, text: str) -> None:
        self.problems.append(f"{self.where}: {place}: {text}")

    def use(self, word: str, place: str) -> None:
        if word != "comment":  # never read by the tests
            self.words.setdefault(word, place)

    def members(self, value: object, place: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        """`value` as an object with exactly these members (the optional ones may be left out)."""
        if not isinstance(value, dict):
            self.problem(place, "not a JSON object")
            return {}
        for name in required:
            if name not in value:
                self.problem(place, f"no member {name!r}")
        for name in value:
            if name in required or name in optional:
                self.use(name, place)
            else:
                self.problem(place, f"unknown member {name!r}")
        return value

    def file(self, root: object) -> dict[str, int]:
        """Checks the whole file; returns the number of scenarios per section."""
        sections = tuple(SCENARIO_OPS)
        root = self.members(root, "the file", ("every_variant", *sections), ("comment",))
        comment = root.get("comment", [])
        if not isinstance(comment, list) or not all(is_text(line) for line in comment):
            self.problem("comment", "not an array of strings")
        variants = root.get("every_variant")
        if not isinstance(variants, list):
            self.problem("every_variant", "not an array")
            variants = []
        for index, event in enumerate(variants):
            self.event(event, f"every_variant[{index}]")
        if sorted(event.get("type", "") for event in variants if isinstance(event, dict)) != sorted(V1_EVENT_FIELDS):
            self.problem("every_variant", f"not one event of each v1 variant ({', '.join(V1_EVENT_FIELDS)})")
        counts = {}
        for section in sections:
            scenarios = root.get(section)
            if not isinstance(scenarios, list) or not scenarios:
                self.problem(section, "not a non-empty array")
                continue
            counts[section] = len(scenarios)
            for index, scenario in enumerate(scenarios):
                self.scenario(section, scenario, f"{section}[{index}]", len(variants))
        for scenario_id in sorted({i for i in self.ids if self.ids.count(i) > 1}):
            self.problem("ids", f"{scenario_id!r} is the id of {self.ids.count(scenario_id)} scenarios")
        return counts

    def scenario(self, section: str, scenario: object, place: str, variants: int) -> None:
        scenario = self.members(scenario, place, ("id", "op", "input", "expect"), ("comment",))
        scenario_id = scenario.get("id")
        if isinstance(scenario_id, str):
            self.ids.append(scenario_id)
            place = f"{place} ({scenario_id})"
            prefix, _, name = scenario_id.partition("/")
            if prefix != section or not SCENARIO_ID.fullmatch(name):
                self.problem(place, f"the id is not {section}/<lowercase-words-with-hyphens>")
        elif "id" in scenario:
            self.problem(place, "the id is not a string")
        if "comment" in scenario and not isinstance(scenario["comment"], str):
            self.problem(place, "the comment is not a string")
        op = SCENARIO_OPS[section].get(scenario.get("op"))  # type: ignore[arg-type]
        if op is None:
            if "op" in scenario:
                self.problem(place, f"no {section} op {scenario['op']!r} (known: {', '.join(SCENARIO_OPS[section])})")
            return
        self.use(scenario["op"], place)
        given = self.members(scenario.get("input"), f"{place} input", op.input, op.optional_input)
        expected = self.members(scenario.get("expect"), f"{place} expect", op.expect, op.optional_expect)
        for name, value in [*given.items(), *expected.items()]:
            self.value(name, value, place)
        if given.get("zero_bytes") is not None and "mode" not in given:
            self.problem(f"{place} input", "zero_bytes without mode")
        if "mode" in given and "zero_bytes" not in given:
            self.problem(f"{place} input", "mode without zero_bytes")
        if "kind" in expected and (expected["kind"] == "KeyLoad") != (expected.get("code") is None):
            self.problem(f"{place} expect", "code must be null for KeyLoad, which has none, and a string otherwise")
        if section == "ledgers":
            self.ledger(given, expected, place, variants)

    def ledger(self, given: dict, expected: dict, place: str, variants: int) -> None:
        """The indexes of a ledger scenario must be inside the ledger it records."""
        recorded = given.get("recorded")
        if not is_count(recorded) or not 1 <= recorded <= variants:
            self.problem(f"{place} input", f"recorded is not 1 to {variants}, the events of every_variant")
            return
        if is_count(given.get("index")) and given["index"] >= recorded:
            self.problem(f"{place} input", f"index {given['index']} is not a line of {recorded}")
        if is_count(given.get("event_index")) and given["event_index"] >= variants:
            self.problem(f"{place} input", f"event_index {given['event_index']} is not an event of every_variant")
        for index, entry in enumerate(expected.get("verify") or []):
            if isinstance(entry, dict) and is_count(entry.get("broken_at")) and entry["broken_at"] > recorded + 1:
                self.problem(f"{place} expect verify[{index}]", f"broken_at is past the ledger of {recorded} lines")

    def value(self, name: str, value: object, place: str) -> None:
        place = f"{place} {name}"
        if name in SCENARIO_ENUMS:
            if value in SCENARIO_ENUMS[name]:
                self.use(value, place)  # type: ignore[arg-type]
            else:
                self.problem(place, f"{value!r} is not one of {', '.join(SCENARIO_ENUMS[name])}")
        elif name == "event":
            self.event(value, place)
        elif name == "signed_event":
            self.signed_event(value, place)
        elif name == "events":
            if not isinstance(value, list):
                self.problem(place, "not an array")
            for index, signed in enumerate(value if isinstance(value, list) else []):
                self.signed_event(signed, f"{place}[{index}]")
        elif name == "verify":
            if not isinstance(value, list):
                self.problem(place, "not an array")
            for index, entry in enumerate(value if isinstance(value, list) else []):
                checked = self.members(entry, f"{place}[{index}]", ("pin", "reason", "broken_at"))
                for member, member_value in checked.items():
                    self.value(member, member_value, f"{place}[{index}]")
        elif name == "open":
            for member, member_value in self.members(value, place, ("key", "code")).items():
                self.value(member, member_value, place)
            if isinstance(value, dict) and not is_text(value.get("code")):
                self.problem(place, "the code of a refused open is not a string")
        elif name in SCENARIO_MEMBER_TYPES:
            kind, is_valid = SCENARIO_MEMBER_TYPES[name]
            if not is_valid(value):
                self.problem(place, f"{value!r} is not {kind}")
        else:
            self.problem(place, f"no type is known for member {name!r}")

    def signed_event(self, value: object, place: str) -> None:
        for name, member in self.members(value, place, SIGNED_EVENT_MEMBERS).items():
            self.value(name, member, place)

    def event(self, value: object, place: str) -> None:
        event = self.members(value, place, ("type", "fields"))
        fields = V1_EVENT_FIELDS.get(event.get("type"))  # type: ignore[arg-type]
        if fields is None:
            if "type" in event:
                self.problem(place, f"no v1 event type {event['type']!r}")
            return
        self.use(event["type"], place)
        for name, field in self.members(event.get("fields"), f"{place} fields", fields).items():
            if name in U64_FIELDS or name in U32_FIELDS:
                valid = is_count(field) and (name not in U32_FIELDS or field < 2**32) and field < 2**64
            elif name in BOOL_FIELDS:
                valid = isinstance(field, bool)
            elif isinstance(field, dict):
                valid = is_text(self.members(field, f"{place} {name}", ("sha256_of",)).get("sha256_of"))
            else:
                valid = is_text(field)
            if not valid:
                self.problem(f"{place} {name}", f"{field!r} is not a value of this field")


def no_constant(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON")


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate member {duplicates[0]!r}")
    return dict(pairs)


def kotlin_string_literals(source: str) -> list[str]:
    """The text of every Kotlin string literal ("…" and \"\"\"…\"\"\", templates
    left as written), outside comments and character literals."""
    literals: list[str] = []

    def string(start: int) -> int:
        """Reads the literal that opens at `start`; returns the offset after it."""
        raw = source.startswith('"""', start)
        quote = '"""' if raw else '"'
        index = start + len(quote)
        while index < len(source) and not source.startswith(quote, index):
            if not raw and source[index] == "\\":
                index += 2
            elif source.startswith("${", index):
                index = code(index + 2, "}")
            else:
                index += 1
        literals.append(source[start + len(quote) : index])
        return index + len(quote)

    def code(index: int, until: str | None) -> int:
        """Skips code, with its comments, characters and strings, to the end
        or, with `until`, past the brace that closes a `${` template."""
        depth = 0
        while index < len(source):
            if source.startswith("//", index):
                end = source.find("\n", index)
                index = len(source) if end < 0 else end
            elif source.startswith("/*", index):
                end = source.find("*/", index + 2)
                index = len(source) if end < 0 else end + 2
            elif source[index] == "'":
                index += 1
                while index < len(source) and source[index] != "'":
                    index += 2 if source[index] == "\\" else 1
                index += 1
            elif source[index] == '"':
                index = string(index)
            elif source[index] == "{":
                depth += 1
                index += 1
            elif source[index] == "}":
                if depth == 0 and until is not None:
                    return index + 1
                depth -= 1
                index += 1
            else:
                index += 1
        return index

    code(0, None)
    return literals


def swift_string_literals(file: SwiftFile) -> list[str]:
    """The text of every plain Swift string literal (no interpolation)."""
    return [literal for node in walk(file.tree.root_node) if (literal := string_literal(node)) is not None]


def shared_scenario_problems(package_dir: Path, swift_files: list[SwiftFile], report: Report) -> list[str]:
    """The shared scenario file must hold to its schema, and the Kotlin and the
    Swift tests must both read it, all of it, and never pick scenarios by id."""
    path = (package_dir / SCENARIO_FILE).resolve()
    where = shown(path)
    try:
        root = json.loads(
            path.read_text(encoding="utf-8"),
            object_pairs_hook=no_duplicate_keys,
            parse_constant=no_constant,
        )
    except FileNotFoundError:
        return [f"{where}: missing (the scenarios the Kotlin and the Swift tests share)"]
    except ValueError as error:
        return [f"{where}: not valid JSON: {error}"]
    schema = ScenarioSchema(where)
    counts = schema.file(root)
    problems = schema.problems

    for language, (directory, pattern, runner) in SCENARIO_READERS.items():
        readers = (package_dir / directory).resolve()
        sources = sorted(readers.glob(pattern))
        if language == "Swift":
            literals = {
                literal for file in swift_files if file.path in sources for literal in swift_string_literals(file)
            }
        else:
            literals = {
                literal for source in sources for literal in kotlin_string_literals(source.read_text(encoding="utf-8"))
            }
        shown_dir = shown(readers)
        if not any(literal.endswith(path.name) for literal in literals):
            problems.append(f"{shown_dir}: no {language} test reads {path.name}")
        for word, first_use in schema.words.items():
            if word not in literals:
                problems.append(
                    f"{shown_dir}: no {language} test reads \"{word}\", which {path.name} uses ({first_use})"
                )
        code = "\n".join(
            line.split("//")[0] for source in sources for line in source.read_text(encoding="utf-8").splitlines()
        )
        for section in counts:
            if f'{runner}("{section}")' not in code:
                problems.append(f'{shown_dir}: no {language} test runs the {section} scenarios ({runner}("{section}"))')
        for source in sources:
            text = source.read_text(encoding="utf-8")
            for scenario_id in schema.ids:
                if scenario_id in text:
                    problems.append(
                        f"{shown(source)}: names the scenario {scenario_id!r} "
                        "(the tests run every scenario, never chosen ones)"
                    )
    if not problems:
        total = sum(counts.values())
        per_section = ", ".join(f"{section} {count}" for section, count in counts.items())
        report.notes.append(
            f"{where}: {total} shared scenarios ({per_section}), read by the Kotlin and the Swift tests"
        )
    return problems


def check_package(package_dir: Path, report: Report) -> list[SwiftFile]:
    manifest_path = package_dir / "Package.swift"
    if not manifest_path.is_file():
        report.problems.append(f"{shown(manifest_path)}: missing")
        return []
    swift_paths = [manifest_path]
    for root in ("Sources", "Tests"):
        swift_paths += sorted((package_dir / root).rglob("*.swift"))
    files = [parse_swift(path) for path in swift_paths]

    for file in files:
        report.problems += syntax_errors(file)
        if file.neutralised_blocks:
            report.notes.append(
                f"{shown(file.path)}: {file.neutralised_blocks} uniffi "
                "`#if swift(>=5.8) @_documentation(visibility: private) #endif` blocks blanked before parsing"
            )

    targets = declared_targets(files[0], package_dir)
    if not targets:
        report.problems.append(f"{shown(manifest_path)}: no target declaration found")
    for target in targets:
        if not target.path.is_dir():
            report.problems.append(
                f"{shown(manifest_path)}: target {target.name!r} has no directory {shown(target.path)}"
            )
            continue
        if target.public_headers is not None and not target.public_headers.is_dir():
            headers = shown(target.public_headers)
            report.problems.append(
                f"{shown(manifest_path)}: target {target.name!r} has no public headers directory {headers}"
            )
            continue
        report.problems += module_map_problems(target, package_dir)

    report.problems += readme_problems(package_dir)
    report.problems += shared_scenario_problems(package_dir, files, report)

    known_modules = PLATFORM_MODULES | {target.name for target in targets}
    for file in files:
        for module in imported_modules(file):
            if module not in known_modules:
                report.problems.append(
                    f"{shown(file.path)}: imports {module!r}, neither a target nor a platform module"
                )
    report.notes.append(f"{len(files)} Swift files parsed, {len(targets)} targets checked")
    return files


def swift_toolchain() -> str | None:
    """The `swift` on PATH when it is Swift's driver (another tool may have the name)."""
    swift = shutil.which("swift")
    if swift is None:
        return None
    version = subprocess.run([swift, "--version"], capture_output=True, text=True)
    return swift if version.returncode == 0 and "Swift version" in version.stdout + version.stderr else None


def native_library_dir(package_dir: Path) -> str | None:
    """PROVEDEX_FFI_LIB_DIR (made absolute), else the directory cargo builds
    libprovedex_ffi into, as cargo reports it; None when cargo fails."""
    if os.environ.get("PROVEDEX_FFI_LIB_DIR"):
        return str(Path(os.environ["PROVEDEX_FFI_LIB_DIR"]).resolve())
    manifest = package_dir.parent.parent / "Cargo.toml"
    build_library = ["cargo", "build", "--quiet", "--message-format=json", "-p", "provedex-ffi", "--lib"]
    build = subprocess.run([*build_library, "--manifest-path", manifest], stdout=subprocess.PIPE, text=True)
    for line in build.stdout.splitlines() if build.returncode == 0 else []:
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and "cdylib" in message["target"]["kind"]:
            library = next(name for name in message["filenames"] if name.endswith((".so", ".dylib")))
            return str(Path(library).parent)
    return None


def run_swift_tests(swift: str, package_dir: Path) -> bool:
    library_dir = native_library_dir(package_dir)
    if library_dir is None:
        print("Swift tests: FAILED (`cargo build -p provedex-ffi --lib` built no native library)")
        return False
    environment = {**os.environ, "PROVEDEX_FFI_LIB_DIR": library_dir}
    for command in ("build", "test"):
        print(f"$ swift {command} --package-path {package_dir}", flush=True)
        if subprocess.run([swift, command, "--package-path", package_dir], env=environment).returncode != 0:
            print(f"Swift tests: FAILED (`swift {command}` failed)")
            return False
    print("Swift tests: PASSED (swift build and swift test)")
    return True


def main(argv: list[str]) -> int:
    package_dir = Path(argv[0]).resolve() if argv else PACKAGE_DIR
    report = Report()
    files = check_package(package_dir, report)
    for note in report.notes:
        print(note)
    if report.problems:
        for problem in report.problems:
            print(problem)
        print(f"Swift package check: FAILED ({len(report.problems)} problem(s))")
        return 1
    print("Swift package check: structure and syntax ok")

    swift = swift_toolchain()
    if swift is not None:
        return 0 if run_swift_tests(swift, package_dir) else 1
    tests = [(file, xctest_methods(file)) for file in files if file.path.is_relative_to(package_dir / "Tests")]
    method_count = sum(len(methods) for _, methods in tests)
    file_count = sum(1 for _, methods in tests if methods)
    print(
        "Swift tests: NOT RUN (no Swift toolchain on this machine); "
        f"{method_count} test methods in {file_count} files were syntax-checked only"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
