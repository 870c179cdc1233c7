"""The README's Python quickstart runs as written."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO


def test_readme_quickstart_runs():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README has no python block"
    run = subprocess.run([sys.executable, "-c", blocks[0]], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "valid: 2 events" in run.stdout
