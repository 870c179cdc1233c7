#!/usr/bin/env python3
"""Checks that feature-union/Cargo.toml is complete: a package that is built
on its own compiles every dependency with the features the whole workspace
(tests included) compiles it with, so cargo compiles it once, not twice.

For each package of PACKAGES, `cargo tree -p PACKAGE -e normal,build` lists
the features each dependency gets when that package is built alone; every
such line must also be a line of `cargo tree --workspace -e normal,build,dev`.
A line that is not names a dependency the package would compile again; the
script prints the dependency line to add to feature-union/Cargo.toml.

Usage: scripts/feature_union.py   (exit 1 when a line is missing)
"""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]

# The packages that are built on their own: by scripts/regenerate.sh, the
# test command, maturin (the Python wheel) and the README's quick start.
PACKAGES = [
    "provedex-codegen",
    "provedex-ffi",
    "provedex-conformance",
    "provedex-test-servers",
    "provedex-cli",
]

# `name vX.Y.Z [features]`, with " (path)" after the version for a path package.
LINE = re.compile(r"^(?P<name>\S+) v(?P<version>\S+)(?P<path> \([^)]*\))? \[(?P<features>[^\]]*)\]")


def tree(*selection: str) -> set[tuple[str, str, str]]:
    """(name, version, features) of each third-party package cargo tree shows."""
    output = subprocess.run(
        ["cargo", "tree", "--quiet", *selection, "--prefix", "none", "--format", "{p} [{f}]"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = set()
    for text in output.splitlines():
        match = LINE.match(text)
        if match and not match["path"]:
            lines.add((match["name"], match["version"], match["features"]))
    return lines


def main() -> int:
    workspace = tree("--workspace", "--edges", "normal,build,dev")
    features_in_workspace: dict[tuple[str, str], set[str]] = {}
    for name, version, features in workspace:
        features_in_workspace.setdefault((name, version), set()).update(filter(None, features.split(",")))
    missing: dict[tuple[str, str], set[str]] = {}
    for package in PACKAGES:
        for name, version, features in tree("--package", package, "--edges", "normal,build") - workspace:
            print(f"{package}: {name} {version} is compiled with [{features}], which no workspace build uses")
            missing[(name, version)] = features_in_workspace.get((name, version), set())
    if not missing:
        print(f"feature-union/Cargo.toml is complete for {len(PACKAGES)} packages built on their own")
        return 0
    print("\nadd to feature-union/Cargo.toml (under [build-dependencies] when the crate is used by build scripts or macros):")
    for (name, version), features in sorted(missing.items()):
        listed = ", ".join(f'"{f}"' for f in sorted(features - {"default"}))
        default = "" if "default" in features else "default-features = false, "
        print(f'{name} = {{ version = "{version}", {default}features = [{listed}] }}')
    return 1


if __name__ == "__main__":
    sys.exit(main())
