"""Make provedex_ref and adapter.py importable from the tests, and reset planted bugs."""

import sys
from pathlib import Path

import pytest

IMPLEMENTATION_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(IMPLEMENTATION_DIR))

from provedex_ref import bugs  # noqa: E402


@pytest.fixture(autouse=True)
def no_planted_bug():
    """Every test starts and ends with all planted bugs off."""
    bugs.activate(None)
    yield
    bugs.activate(None)
