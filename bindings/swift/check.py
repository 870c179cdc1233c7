"""Checks the Swift package in this directory, with or without a Swift toolchain.

    python check.py [PACKAGE_DIR]

1. Structure: every target named in Package.swift has its directory; a C
   target's custom module map names its own target and headers that exist,
   and the target has the C source file SwiftPM requires; every module a
   Swift file imports is a target of the package or a platform module;
   README.md shows Tests/ProvedexTests/ReadmeExample.swift unchanged.
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
