"""Tests of check.py: it passes the real package, names each fault it is
meant to find with its location, and never reports Swift tests it did not run
as passed.

Faults are made in a copy of the package. Every run sees no Swift toolchain
unless a test puts a stand-in `swift` on PATH.
"""

from __future__ import annotations

import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

import check

PACKAGE = check.PACKAGE_DIR
GENERATED_SWIFT = "Sources/Provedex/Provedex.swift"


@pytest.fixture(autouse=True)
def no_swift_toolchain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty directory as the whole PATH, where a test may put a stand-in `swift`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.chdir(tmp_path)
    return bin_dir


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the package to break."""
    copy = tmp_path / "swift"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns(".build", ".swiftpm", "__pycache__", ".pytest_cache"))
    return copy


def run(package_dir: Path, capfd: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = check.main([str(package_dir)])
    return status, capfd.readouterr().out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path} does not hold {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_package_passes_and_its_swift_tests_are_not_run(capfd: pytest.CaptureFixture[str]) -> None:
    status, out = run(PACKAGE, capfd)
    assert status == 0, out
    per_file = [
        len(re.findall(r"^\s*func test\w*\(\)", path.read_text(encoding="utf-8"), re.MULTILINE))
        for path in (PACKAGE / "Tests").rglob("*.swift")
    ]
    assert sum(per_file) > 0
    assert (
        "Swift tests: NOT RUN (no Swift toolchain on this machine); "
        f"{sum(per_file)} test methods in {sum(1 for n in per_file if n)} files were syntax-checked only"
    ) in out
    assert "PASSED" not in out
    blocks = (PACKAGE / GENERATED_SWIFT).read_text(encoding="utf-8").count("@_documentation(visibility: private)")
    assert f"Provedex.swift: {blocks} uniffi" in out, "every blanked block is one uniffi emitted, and all are counted"


def test_a_missing_brace_is_reported_at_its_place(package: Path, capfd: pytest.CaptureFixture[str]) -> None:
    tests = package / "Tests/ProvedexTests/CheckValueTests.swift"
    text = tests.read_text(encoding="utf-8")
    assert text.endswith("    }\n}\n")
    tests.write_text(text[: -len("}\n")], encoding="utf-8")
    status, out = run(package, capfd)
    assert status == 1
    line = text.count("\n")
    assert f"swift/Tests/ProvedexTests/CheckValueTests.swift:{line}:1: MISSING '}}'" in out
    assert "Swift package check: FAILED (1 problem(s))" in out


def test_a_broken_snippet_is_reported_at_each_fault(package: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (package / "Tests/ProvedexTests/BrokenTests.swift").write_text(
        "import XCTest\n\nfinal class BrokenTests: XCTestCase {\n"
        "    func testBroken() {\n        let sum = (1 + 2\n        XCTAssertEqual(sum, 3)\n    }\n",
        encoding="utf-8",
    )
    status, out = run(package, capfd)
    assert status == 1
    assert "BrokenTests.swift:5:25: MISSING ')'" in out
    assert "BrokenTests.swift:8:1: MISSING '}'" in out


def test_a_fault_in_the_generated_file_is_found_beside_the_blanked_blocks(
    package: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    generated = package / GENERATED_SWIFT
    text = generated.read_text(encoding="utf-8")
    generated.write_text(text + "\npublic func broken( {\n", encoding="utf-8")
    status, out = run(package, capfd)
    assert status == 1
    assert f"Provedex.swift:{text.count(chr(10)) + 2}:1: ERROR at 'public func broken( {{'" in out


def test_the_uniffi_block_is_blanked_and_a_near_miss_is_not(package: Path, capfd: pytest.CaptureFixture[str]) -> None:
    extra = package / "Sources/Provedex/Extra.swift"
    block = "#if swift(>=5.8)\n@_documentation(visibility: {})\n#endif\npublic func extra() {{}}\n"
    extra.write_text(block.format("private"), encoding="utf-8")
    status, out = run(package, capfd)
    assert status == 0, out
    assert "Extra.swift: 1 uniffi" in out

    extra.write_text(block.format("internal"), encoding="utf-8")
    status, out = run(package, capfd)
    assert status == 1
    assert "Extra.swift:3:1: ERROR at '#endif'" in out


def rename_header(package: Path) -> None:
    edit(package / "Sources/ProvedexFFI/include/module.modulemap", 'header "ProvedexFFI.h"', 'header "Missing.h"')


def rename_module(package: Path) -> None:
    edit(package / "Sources/ProvedexFFI/include/module.modulemap", "module ProvedexFFI {", "module Other {")


def move_target(package: Path) -> None:
    edit(package / "Package.swift", 'path: "Sources/Provedex"', 'path: "Sources/Nowhere"')


def drop_c_source(package: Path) -> None:
    (package / "Sources/ProvedexFFI/ProvedexFFI.c").unlink()


def import_unknown_module(package: Path) -> None:
    edit(package / "Tests/ProvedexTests/Fixtures.swift", "import Provedex\n", "import ProvedexKit\n")


def change_readme_example(package: Path) -> None:
    edit(package / "README.md", "promptTokens: 12,", "promptTokens: 13,")


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (rename_header, "module.modulemap: header 'Missing.h' does not exist"),
        (rename_module, "module.modulemap: declares modules ['Other'], expected exactly ['ProvedexFFI']"),
        (move_target, "Package.swift: target 'Provedex' has no directory"),
        (drop_c_source, "Sources/ProvedexFFI: a C target needs a source file"),
        (import_unknown_module, "Fixtures.swift: imports 'ProvedexKit', neither a target nor a platform module"),
        (change_readme_example, "README.md: no ```swift block is Tests/ProvedexTests/ReadmeExample.swift as it is"),
    ],
)
def test_structure_faults_are_named(
    package: Path, capfd: pytest.CaptureFixture[str], fault: Callable[[Path], None], message: str
) -> None:
    fault(package)
    status, out = run(package, capfd)
    assert status == 1
    assert message in out


def fake_swift(bin_dir: Path, version: str, test_status: int) -> None:
    """A `swift` that prints `version` and whose `swift test` exits with `test_status`."""
    swift = bin_dir / "swift"
    swift.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n'
        f'if [ "$1" = test ]; then exit {test_status}; fi\n'
        "exit 0\n",
        encoding="utf-8",
    )
    swift.chmod(swift.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(
    ("test_status", "status", "verdict"), [(0, 0, "PASSED"), (1, 1, "FAILED (`swift test` failed)")]
)
def test_with_a_toolchain_the_swift_result_is_reported(
    no_swift_toolchain: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    test_status: int,
    status: int,
    verdict: str,
) -> None:
    fake_swift(no_swift_toolchain, "Swift version 6.0 (stand-in)", test_status)
    monkeypatch.setenv("PROVEDEX_FFI_LIB_DIR", str(no_swift_toolchain))
    got, out = run(PACKAGE, capfd)
    assert (got, f"Swift tests: {verdict}" in out, "NOT RUN" in out) == (status, True, False), out


def test_a_swift_command_that_is_not_the_toolchain_runs_nothing(
    no_swift_toolchain: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    fake_swift(no_swift_toolchain, "python-swiftclient 4.0", 1)
    status, out = run(PACKAGE, capfd)
    assert status == 0
    assert "Swift tests: NOT RUN (no Swift toolchain on this machine)" in out
