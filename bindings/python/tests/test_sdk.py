"""The Python SDK: its API, its errors, threads, and agreement with the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import threading

import pytest

import provedex
from provedex import events

CHECK_HASH = "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91"
CHECK_EVENT = events.session_started(agent_id="agent-1", model_id="llama3.2:3b", session_id="session-demo")


def test_the_published_check_value(seed_key):
    assert seed_key.pubkey_hex == "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
    got = provedex.compute_self_hash(
        event=CHECK_EVENT, seq=0, timestamp_nanos=1_700_000_000_000_000_000, parent_hash=provedex.GENESIS_PARENT_HASH
    )
    assert got == CHECK_HASH
    assert provedex.GENESIS_PARENT_HASH == "0" * 64


def test_sign_event_is_reproducible_with_a_timestamp(seed_key):
    genesis = provedex.GENESIS_PARENT_HASH
    fixed = dict(event=CHECK_EVENT, seq=0, parent_hash=genesis, keypair=seed_key, timestamp_nanos=1_700_000_000_000_000_000)
    first, second = provedex.sign_event(**fixed), provedex.sign_event(**fixed)
    assert first.self_hash == CHECK_HASH
    assert first.to_json() == second.to_json()
    first.verify()
    now = provedex.sign_event(event=CHECK_EVENT, seq=0, parent_hash=genesis, keypair=seed_key)
    assert now.timestamp_nanos > 1_700_000_000_000_000_000
    with pytest.raises(OverflowError):
        provedex.sign_event(event=CHECK_EVENT, seq=0, parent_hash=genesis, keypair=seed_key, timestamp_nanos=-1)
    with pytest.raises(TypeError):
        provedex.sign_event(event=CHECK_EVENT, seq=0, parent_hash=genesis, keypair="key")
    with pytest.raises(provedex.SigningError) as bad_parent:
        provedex.sign_event(event=CHECK_EVENT, seq=0, parent_hash="00", keypair=seed_key)
    assert bad_parent.value.code == "invalid_hex"


def test_event_from_json_reads_strictly():
    text = '{"type":"SessionStarted","payload":{"agent_id":"agent-1","model_id":"llama3.2:3b","session_id":"session-demo"}}'
    assert provedex.event_from_json(text) == CHECK_EVENT
    for bad, code in [
        ('{"type":"SessionEnded","type":"SessionEnded","payload":{}}', "duplicate_key"),
        ('{"type":"SessionEnded","payload":{"reason":"x"}}', "missing_field"),
        ('{"type":"SessionPaused","payload":{}}', "unknown_event_type"),
        ('{"type":"SessionEnded","payload":{"reason":"x","summary_sha256":"","more":1}}', "unknown_field"),
        ('{"type":"SessionEnded","payload":{"reason":1,"summary_sha256":""}}', "wrong_type"),
        ("[1,", "malformed_json"),
    ]:
        with pytest.raises(provedex.SigningError) as e:
            provedex.event_from_json(bad)
        assert e.value.code == code, bad
    with pytest.raises(TypeError):
        provedex.event_from_json(b"{}")


def test_factories_build_every_variant_and_check_arguments(one_of_each, events_1_1):
    assert sorted(e["type"] for e in one_of_each + events_1_1) == sorted(events.VARIANTS)
    for event in one_of_each + events_1_1:
        assert events.from_dict(event) == event
    with pytest.raises(TypeError):
        events.session_started("agent-1", "m", "s")  # keyword-only
    with pytest.raises(TypeError, match="prompt_tokens must be an int"):
        events.model_invoked(model_id="m", prompt_sha256="", response_sha256="", prompt_tokens="4", response_tokens=0)
    with pytest.raises(TypeError, match="must be an int, not bool"):
        events.tool_returned(tool_name="t", result_sha256="", latency_ms=True, success=True)
    with pytest.raises(OverflowError, match="u32"):
        events.model_invoked(model_id="m", prompt_sha256="", response_sha256="", prompt_tokens=2**32, response_tokens=0)
    with pytest.raises(OverflowError, match="u64"):
        events.utterance_captured(audio_sha256="", transcript="", lang="", duration_ms=-1)
    with pytest.raises(TypeError, match="success must be a bool"):
        events.tool_returned(tool_name="t", result_sha256="", latency_ms=1, success=1)
    with pytest.raises(provedex.SigningError, match="NaN") as nan:
        events.tool_called(tool_name="t", args_sha256="", args_redacted={"x": float("nan")})
    assert nan.value.code == "malformed_json", "what the core reports for such an event"
    with pytest.raises(provedex.SigningError, match="unknown event type") as unknown:
        events.from_dict({"type": "SessionPaused", "payload": {}})
    assert unknown.value.code == "unknown_event_type"
    with pytest.raises(provedex.SigningError, match="extra") as extra:
        events.from_dict({"type": "SessionEnded", "payload": {"reason": "x", "summary_sha256": "", "extra": 1}})
    assert extra.value.code == "unknown_field"


def test_record_resume_and_verify(tmp_path, seed_key, one_of_each):
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s-1")
    signed = [session.record(e) for e in one_of_each]
    assert [s.seq for s in signed] == list(range(7))
    assert signed[3].event == one_of_each[3]
    lines = ledger.read_text().splitlines()
    assert lines == [s.to_json() for s in signed]
    assert provedex.SignedEvent.from_json(lines[2]) == signed[2]
    del session
    again = provedex.Session.open(keypair=seed_key, ledger_path=str(ledger), session_id="s-2")
    resumed = again.record(one_of_each[0])
    assert (resumed.seq, resumed.parent_hash) == (7, signed[-1].self_hash)
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex)
    assert (report.ok, report.event_count, report.root_hash) == (True, 8, resumed.self_hash)
    assert provedex.verify_chain(signed).ok


def test_broken_ledgers_are_reports_not_exceptions(tmp_path, seed_key, one_of_each):
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
    signed = [session.record(e) for e in one_of_each]
    del session
    tampered = tmp_path / "tampered.ndjson"
    tampered.write_text(ledger.read_text().replace('"prompt_tokens":412', '"prompt_tokens":413'))
    report = provedex.verify_file(tampered)
    assert (report.ok, report.reason, report.broken_at, report.line) == (False, "hash_mismatch", 2, 3)
    other = provedex.SigningKeypair.from_seed(bytes(32)).pubkey_hex
    assert provedex.verify_file(ledger, pubkey=other).reason == "pubkey_mismatch"
    gap = provedex.verify_chain([signed[0], signed[2]])
    assert (gap.ok, gap.reason, gap.broken_at) == (False, "seq_mismatch", 1)


def test_errors_form_one_hierarchy(tmp_path, seed_key):
    for cls in (provedex.KeyLoadError, provedex.SigningError, provedex.LedgerError, provedex.ChainError):
        assert issubclass(cls, provedex.ProvedexError)
    with pytest.raises(provedex.KeyLoadError, match="exactly 32 bytes") as key_error:
        provedex.SigningKeypair.from_seed(b"short")
    assert key_error.value.code is None
    with pytest.raises(provedex.KeyLoadError, match="no such file"):
        provedex.SigningKeypair.load(tmp_path / "absent")
    with pytest.raises(provedex.LedgerError, match="no such ledger file") as missing:
        provedex.verify_file(tmp_path / "absent.ndjson")
    assert missing.value.code == "io"
    bad = events.session_ended(reason="x", summary_sha256="XYZ")
    session = provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "l", session_id="s")
    with pytest.raises(provedex.SigningError, match="payload.summary_sha256") as invalid:
        session.record(bad)
    assert invalid.value.code == "invalid_hex"
    with pytest.raises(provedex.LedgerError, match="locked by another writer") as locked:
        provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "l", session_id="s2")
    assert locked.value.code == "locked"
    with pytest.raises(provedex.ChainError, match="missing_field") as chain:
        provedex.SignedEvent.from_json("{}")
    assert chain.value.code == "missing_field"
    for line, code in [(b"", "empty_line"), (b"{}\r", "crlf_line_ending"), (b"{\xff}", "malformed_json")]:
        with pytest.raises(provedex.ChainError) as framed:
            provedex.SignedEvent.from_json(line)
        assert framed.value.code == code, line
    with pytest.raises(TypeError):
        provedex.SignedEvent.from_json(1)
    with pytest.raises(TypeError):
        provedex.Session.open(keypair="not a key", ledger_path=tmp_path / "m", session_id="s")


def test_keys_are_created_private(tmp_path):
    path = tmp_path / "keys" / "ed25519.key"
    key = provedex.SigningKeypair.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert provedex.SigningKeypair.load_or_create(path).pubkey_hex == key.pubkey_hex
    with pytest.raises(provedex.KeyLoadError, match="refusing to overwrite"):
        provedex.SigningKeypair.generate().save(path)


def test_canonical_json():
    assert provedex.canonical_json({"b": 1, "a": [1.0, "é", None]}) == '{"a":[1.0,"é",null],"b":1}'.encode()
    assert provedex.canonical_json(1) != provedex.canonical_json(1.0)
    with pytest.raises(provedex.SigningError) as infinite:
        provedex.canonical_json(float("inf"))
    assert infinite.value.code == "syntax", "the JSON error code of the text Infinity"
    with pytest.raises(OverflowError):
        provedex.canonical_json(2**64)
    with pytest.raises(TypeError):
        provedex.canonical_json({1: "non-str key"})
    with pytest.raises(provedex.SigningError) as surrogate:
        provedex.canonical_json("\ud800")
    assert surrogate.value.code == "lone_surrogate"


def test_canonicalize_reads_bytes_strictly():
    assert provedex.canonicalize(b'{"b":1,"a":[1E2,-0]}') == b'{"a":[100.0,-0.0],"b":1}'
    for text, code in [
        (b'{"a":1,"a":2}', "duplicate_key"),
        (b"[1e400]", "number_out_of_range"),
        (b'"\xff"', "invalid_utf8"),
        (b"[1,]", "syntax"),
    ]:
        with pytest.raises(provedex.SigningError) as e:
            provedex.canonicalize(text)
        assert e.value.code == code, text
    with pytest.raises(TypeError):
        provedex.canonicalize('{"a":1}')


def test_sixteen_threads_share_one_session(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="threads")

    seqs: list[list[int]] = [[] for _ in range(16)]

    def work(t: int) -> None:
        for i in range(1000):
            seqs[t].append(session.record(events.session_ended(reason=f"thread {t} event {i}", summary_sha256="")).seq)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seq for per_thread in seqs for seq in per_thread) == list(range(16_000))
    assert all(per_thread == sorted(per_thread) for per_thread in seqs), "each thread sees its seqs rise"
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex)
    assert (report.ok, report.event_count) == (True, 16_000)


@pytest.mark.parametrize("durability", ["every_event", "group", "none"])
def test_each_durability_records_a_valid_chain(tmp_path, seed_key, one_of_each, durability):
    ledger = tmp_path / "ledger.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="d", durability=durability)
    assert session.durability == durability
    threads = [threading.Thread(target=lambda: [session.record(e) for e in one_of_each]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex)
    assert (report.ok, report.event_count) == (True, 28)


def test_durability_is_checked(tmp_path, seed_key):
    assert provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "a", session_id="s").durability == "group"
    with pytest.raises(TypeError, match="durability must be one of"):
        provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "b", session_id="s", durability="sometimes")
    with pytest.raises(TypeError):
        provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "c", session_id="s", durability=None)
    assert not (tmp_path / "b").exists(), "a refused open creates nothing"


def test_asyncio_to_thread(tmp_path, seed_key):
    session = provedex.Session.open(keypair=seed_key, ledger_path=tmp_path / "l", session_id="async")

    async def main() -> list[int]:
        tasks = [asyncio.to_thread(session.record, events.session_ended(reason=str(i), summary_sha256="")) for i in range(20)]
        return sorted(s.seq for s in await asyncio.gather(*tasks))

    assert asyncio.run(main()) == list(range(20))


def test_cli_and_sdk_verify_each_other(tmp_path, seed_key, one_of_each, provedex_cli):
    ledger = tmp_path / "sdk.ndjson"
    session = provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s")
    for e in one_of_each:
        session.record(e)
    del session
    out = subprocess.run([provedex_cli, "verify", "--ledger", str(ledger), "--pubkey", seed_key.pubkey_hex, "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["event_count"] == 7

    seed_key_path = tmp_path / "seed.key"
    seed_key_path.write_bytes(bytes(range(32)))
    os.chmod(seed_key_path, 0o600)
    cli_ledger = tmp_path / "cli.ndjson"
    for e in one_of_each:
        rec = subprocess.run([provedex_cli, "record", "--key", str(seed_key_path), "--ledger", str(cli_ledger), json.dumps(e)], capture_output=True, text=True)
        assert rec.returncode == 0, rec.stderr
    report = provedex.verify_file(cli_ledger, pubkey=seed_key.pubkey_hex)
    assert (report.ok, report.event_count) == (True, 7)
