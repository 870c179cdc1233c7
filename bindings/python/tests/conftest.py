"""Fixtures of the SDK tests."""

from __future__ import annotations

import os
import pathlib

import pytest

import provedex
from provedex import events

REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture
def seed_key() -> provedex.SigningKeypair:
    """The published key: seed bytes 0 to 31."""
    return provedex.SigningKeypair.from_seed(bytes(range(32)))


@pytest.fixture
def one_of_each() -> list[dict]:
    d = provedex.sha256_hex(b"x")
    return [
        events.session_started(agent_id="agent-1", model_id="llama3.2:3b", session_id="s-1"),
        events.utterance_captured(audio_sha256=d, transcript="book a table", lang="en-US", duration_ms=3140),
        events.model_invoked(model_id="llama3.2:3b", prompt_sha256=d, response_sha256=d, prompt_tokens=412, response_tokens=38),
        events.tool_called(tool_name="restaurant.book", args_sha256=d, args_redacted={"party_size": 2, "ratio": 0.5, "who": None}),
        events.tool_returned(tool_name="restaurant.book", result_sha256=d, latency_ms=182, success=True),
        events.utterance_spoken(text_sha256=d, text="Done.", audio_sha256=""),
        events.session_ended(reason="completed", summary_sha256=""),
    ]


@pytest.fixture
def events_1_1() -> list[dict]:
    """One event of each variant of spec 1.1, well-formed (a session writes
    these through rotate_key, pin_toolset and redact, which make their content
    right for the place in the ledger)."""
    d = provedex.sha256_hex(b"x")
    return [
        events.key_rotated(new_pubkey="03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", proof="ab" * 64),
        events.toolset_pinned(toolset_sha256=d, tools=[{"name": "restaurant.book", "sha256": d}]),
        events.redacted(target_seq=0, target_self_hash=d, reason="erasure_request", requested_by="dpo"),
    ]


@pytest.fixture
def provedex_cli() -> str:
    """The `provedex` command built by `cargo test` (or `$PROVEDEX_BIN`)."""
    path = os.environ.get("PROVEDEX_BIN", str(REPO / "target" / "debug" / "provedex"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"no provedex binary at {path}; run `cargo build` or set PROVEDEX_BIN")
    return path
