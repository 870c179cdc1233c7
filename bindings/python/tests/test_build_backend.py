"""The package's build backend: maturin's hooks, with a notice on the
terminal before the long first compile (pip captures a backend's output)."""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from typing import Any

import pytest

from conftest import REPO

PACKAGE = REPO / "bindings" / "python"


@pytest.fixture
def backend(monkeypatch):
    """build_backend/provedex_build.py over a stand-in for maturin that records its calls."""
    calls: list[tuple[str, Any]] = []
    fake = types.ModuleType("maturin")
    fake.__all__ = ["build_wheel", "build_editable", "build_sdist", "prepare_metadata_for_build_wheel"]  # type: ignore[attr-defined]
    fake.build_wheel = lambda d, c=None, m=None: calls.append(("build_wheel", d)) or "w.whl"  # type: ignore[attr-defined]
    fake.build_editable = lambda d, c=None, m=None: calls.append(("build_editable", d)) or "e.whl"  # type: ignore[attr-defined]
    fake.build_sdist = lambda d, c=None: "s.tar.gz"  # type: ignore[attr-defined]
    fake.prepare_metadata_for_build_wheel = lambda d, c=None: "m.dist-info"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "maturin", fake)
    spec = importlib.util.spec_from_file_location("provedex_build", PACKAGE / "build_backend" / "provedex_build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, calls


def test_pyproject_names_the_backend_and_ships_it_in_the_sdist():
    # Read as lines: tomllib needs Python 3.11, the package supports 3.10.
    lines = (PACKAGE / "pyproject.toml").read_text().splitlines()
    assert 'build-backend = "provedex_build"' in lines
    assert 'backend-path = ["build_backend"]' in lines
    assert 'include = [{ path = "build_backend/provedex_build.py", format = "sdist" }]' in lines


def test_every_hook_is_maturins_and_building_announces_the_compile(backend, capsys, monkeypatch):
    module, calls = backend
    shown: list[str] = []
    monkeypatch.setattr(module, "notice", lambda: shown.append("notice"))
    assert module.prepare_metadata_for_build_wheel("d") == "m.dist-info"
    assert module.build_sdist("d") == "s.tar.gz"
    assert shown == [], "only building compiles"
    assert module.build_wheel("out") == "w.whl"
    assert module.build_editable("out") == "e.whl"
    assert shown == ["notice", "notice"]
    assert calls == [("build_wheel", "out"), ("build_editable", "out")]


def test_the_notice_reaches_the_terminal_and_stderr(backend, capsys):
    module, _ = backend
    leader, follower = os.openpty()
    try:
        module.notice(tty=os.ttyname(follower))
        written = os.read(leader, 4096).decode()
    finally:
        os.close(leader)
        os.close(follower)
    assert "compiling the Rust core" in written
    assert "pip install -v" in written
    assert "compiling the Rust core" in capsys.readouterr().err


def test_without_a_terminal_the_notice_goes_to_stderr_only(backend, capsys, tmp_path):
    module, _ = backend
    module.notice(tty=str(tmp_path / "no-such-dir" / "tty"))
    assert "minutes" in capsys.readouterr().err
