"""Tests of check.py: it passes the real package, names each fault it is
meant to find with its location (in the package, in the shared scenario file,
and in the Kotlin and Swift tests that read it), and never reports Swift tests
it did not run as passed.

Faults are made in a copy of the package. Every run sees no Swift toolchain
unless a test puts a stand-in `swift` on PATH.
"""

from __future__ import annotations

import json
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
    """A copy of the package to break, beside copies of the shared scenarios
    and of the Kotlin tests that read them, where check.py looks for them."""
    copy = tmp_path / "swift"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns(".build", ".swiftpm", "__pycache__", ".pytest_cache"))
    shutil.copytree((PACKAGE / check.SCENARIO_FILE).parent, (copy / check.SCENARIO_FILE).parent.resolve())
    kotlin_tests = check.SCENARIO_READERS["Kotlin"][0]
    shutil.copytree((PACKAGE / kotlin_tests).resolve(), (copy / kotlin_tests).resolve())
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
    scenarios = json.loads((PACKAGE / check.SCENARIO_FILE).read_text(encoding="utf-8"))
    counts = {section: len(scenarios[section]) for section in check.SCENARIO_OPS}
    assert (
        f"{sum(counts.values())} shared scenarios ("
        + ", ".join(f"{section} {count}" for section, count in counts.items())
        + "), read by the Kotlin and the Swift tests"
    ) in out
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


def scenario_file(package: Path) -> Path:
    return (package / check.SCENARIO_FILE).resolve()


def change_scenarios(package: Path, change: Callable[[dict], None]) -> None:
    """Rewrites the copy's scenario file with `change` made to its JSON."""
    path = scenario_file(package)
    scenarios = json.loads(path.read_text(encoding="utf-8"))
    change(scenarios)
    path.write_text(json.dumps(scenarios, ensure_ascii=False, indent=1), encoding="utf-8")


def scenario(scenarios: dict, scenario_id: str) -> dict:
    return next(entry for section in check.SCENARIO_OPS for entry in scenarios[section] if entry["id"] == scenario_id)


def reuse_an_id(scenarios: dict) -> None:
    scenarios["errors"][1]["id"] = scenarios["errors"][0]["id"]


def drop_a_code(scenarios: dict) -> None:
    del scenario(scenarios, "errors/line-empty")["expect"]["code"]


def add_a_member(scenarios: dict) -> None:
    scenario(scenarios, "errors/line-empty")["input"]["bytes"] = ""


def unknown_op(scenarios: dict) -> None:
    scenario(scenarios, "errors/line-empty")["op"] = "parse_line"


def text_seq(scenarios: dict) -> None:
    scenario(scenarios, "errors/sign-a-malformed-digest")["input"]["seq"] = "0"


def code_of_key_load(scenarios: dict) -> None:
    scenario(scenarios, "errors/seed-of-31-bytes")["expect"]["code"] = "short_seed"


def event_without_field(scenarios: dict) -> None:
    del scenarios["every_variant"][1]["fields"]["lang"]


def line_past_the_ledger(scenarios: dict) -> None:
    scenario(scenarios, "ledgers/deleted-line")["input"]["index"] = 7


def id_of_another_section(scenarios: dict) -> None:
    scenario(scenarios, "ledgers/torn-tail")["id"] = "errors/torn-tail"


def unknown_pin(scenarios: dict) -> None:
    scenario(scenarios, "ledgers/torn-tail")["expect"]["verify"][0]["pin"] = "check-value"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (reuse_an_id, "scenarios.json: ids: 'errors/seed-of-31-bytes' is the id of 2 scenarios"),
        (drop_a_code, "scenarios.json: errors[25] (errors/line-empty) expect: no member 'code'"),
        (add_a_member, "scenarios.json: errors[25] (errors/line-empty) input: unknown member 'bytes'"),
        (unknown_op, "scenarios.json: errors[25] (errors/line-empty): no errors op 'parse_line'"),
        (text_seq, "(errors/sign-a-malformed-digest) seq: '0' is not an integer of 0 or more"),
        (code_of_key_load, "(errors/seed-of-31-bytes) expect: code must be null for KeyLoad"),
        (event_without_field, "scenarios.json: every_variant[1] fields: no member 'lang'"),
        (line_past_the_ledger, "(ledgers/deleted-line) input: index 7 is not a line of 7"),
        (id_of_another_section, "(errors/torn-tail): the id is not ledgers/<lowercase-words-with-hyphens>"),
        (unknown_pin, "verify[0] pin: 'check-value' is not one of check, other, none"),
    ],
)
def test_scenario_file_faults_are_named(
    package: Path, capfd: pytest.CaptureFixture[str], change: Callable[[dict], None], message: str
) -> None:
    change_scenarios(package, change)
    status, out = run(package, capfd)
    assert status == 1
    assert message in out, out
    assert "shared scenarios (" not in out


def test_a_scenario_file_that_is_not_json_is_named(package: Path, capfd: pytest.CaptureFixture[str]) -> None:
    edit(scenario_file(package), '"op": "key_from_seed",', '"op": "key_from_seed", "op": "key_from_seed",')
    status, out = run(package, capfd)
    assert status == 1
    assert "scenarios/scenarios.json: not valid JSON: duplicate member 'op'" in out


def kotlin_picks_scenarios(package: Path) -> None:
    edit(
        package.parent / "kotlin/src/test/kotlin/dev/provedex/ErrorsTest.kt",
        'scenarioTests("errors") { scenario ->',
        'scenarioTests("errors") { scenario -> if (scenario.id == "errors/line-empty") return@scenarioTests',
    )


def swift_skips_an_op(package: Path) -> None:
    edit(package / "Tests/ProvedexTests/ErrorsTests.swift", 'case "recover":', 'case "recover_file":')


def kotlin_skips_a_member(package: Path) -> None:
    path = package.parent / "kotlin/src/test/kotlin/dev/provedex/Scenarios.kt"
    edit(path, 'if ("detail_contains" in expect) {', "if (false) {")
    edit(path, 'val part = expect.string("detail_contains")', 'val part = ""')


def swift_reads_a_member_only_in_a_comment(package: Path) -> None:
    edit(package / "Tests/ProvedexTests/Scenarios.swift", 'digest.string("sha256_of")', 'digest.string("sha256" + "_of")')


def swift_reads_another_file(package: Path) -> None:
    edit(package / "Tests/ProvedexTests/Scenarios.swift", '"../../../scenarios/scenarios.json"', '"../../../scenarios/old.json"')


def kotlin_runs_a_section_twice(package: Path) -> None:
    edit(
        package.parent / "kotlin/src/test/kotlin/dev/provedex/TamperTest.kt",
        'scenarioTests("ledgers")',
        'scenarioTests("check_values")',
    )


def swift_runs_no_section(package: Path) -> None:
    path = package / "Tests/ProvedexTests/ErrorsTests.swift"
    edit(path, 'try forEachScenario("errors") { scenario in', '// try forEachScenario("errors") { scenario in')
    edit(path, "            try runErrorScenario(scenario)\n        }\n", "            // try runErrorScenario(scenario)\n        // }\n")


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        (kotlin_picks_scenarios, "ErrorsTest.kt: names the scenario 'errors/line-empty' (the tests run every scenario"),
        (swift_skips_an_op, 'swift/Tests/ProvedexTests: no Swift test reads "recover", which scenarios.json uses (errors['),
        (kotlin_skips_a_member, 'dev/provedex: no Kotlin test reads "detail_contains", which scenarios.json uses'),
        (swift_reads_a_member_only_in_a_comment, 'no Swift test reads "sha256_of", which scenarios.json uses'),
        (swift_reads_another_file, "swift/Tests/ProvedexTests: no Swift test reads scenarios.json"),
        (kotlin_runs_a_section_twice, 'dev/provedex: no Kotlin test runs the ledgers scenarios (scenarioTests("ledgers"))'),
        (swift_runs_no_section, 'Tests/ProvedexTests: no Swift test runs the errors scenarios (forEachScenario("errors"))'),
    ],
)
def test_a_language_that_drifts_from_the_shared_scenarios_is_named(
    package: Path, capfd: pytest.CaptureFixture[str], drift: Callable[[Path], None], message: str
) -> None:
    drift(package)
    status, out = run(package, capfd)
    assert status == 1
    assert message in out, out


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
