"""The build backend of the ``provedex`` package: maturin's, which compiles
the Rust core with cargo, plus one notice before it does.

pip runs a build backend with its output captured and shows it only with
``pip install -v`` (or when the build fails), so a first build, which
compiles the core and its dependencies for minutes, looks stalled. The
notice is written to the terminal itself (``/dev/tty``), which pip does not
capture, and to stderr for ``-v`` and the logs; without a terminal (CI)
only stderr gets it. Every hook is maturin's.
"""

from __future__ import annotations

import sys
from typing import Any, Mapping, Optional

import maturin
from maturin import *  # noqa: F401,F403 - every other hook of the backend is maturin's

NOTICE = (
    "provedex: compiling the Rust core with cargo (release build). The first build takes many "
    "minutes (40 CPU-minutes: 21 minutes on an idle 2-core machine); later builds reuse cargo's "
    "target directory. `pip install -v` shows cargo's progress."
)


def notice(tty: str = "/dev/tty") -> None:
    """Says that the build compiles, where a person will see it."""
    print(NOTICE, file=sys.stderr, flush=True)
    try:
        with open(tty, "w", encoding="utf-8") as terminal:
            terminal.write(f"\n{NOTICE}\n")
    except OSError:  # no controlling terminal: stderr is all there is
        pass


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    notice()
    return str(maturin.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    notice()
    return str(maturin.build_editable(wheel_directory, config_settings, metadata_directory))
