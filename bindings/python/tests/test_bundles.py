"""Bundles through the SDK (spec/bundles.md): export by seq, by time and
against a held checkpoint, verification under a pinned key or fingerprint,
tampered bundles refused with their reason; and the checkpoints a session
signs every N events (spec/transparency.md, "Checkpoints file")."""

from __future__ import annotations

import datetime
import json
import pathlib
from typing import Any, Callable

import pytest

import provedex
from provedex import events

from test_transparency import NOTE, ROOT_5, SELF_HASHES, example_lines, write

#: The key of the seed 00 01 … 1f (the published check value) and its
#: fingerprint, as the spec's example checkpoint names it.
CHECK_PUBKEY = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
FINGERPRINT = "sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
#: The example lines' timestamp_nanos, as the spec prints them.
TIMES = [1700000000000000000, 1700000000250000000, 1700000000662000000, 1700000001000000000, 1700000002500000000]
UTC = datetime.timezone.utc


@pytest.fixture
def example(tmp_path: pathlib.Path) -> pathlib.Path:
    return write(tmp_path / "example.ndjson", example_lines())


def edited(bundle: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    document = json.loads(bundle)
    edit(document)
    return json.dumps(document).encode()


def evidence(report: provedex.BundleReport) -> list[tuple[str, str]]:
    return [(e.kind, e.verdict) for e in report.evidence]


def signed_copy(lines: list[str], key: provedex.SigningKeypair) -> list[str]:
    """The same events at the same seqs and times, chained and signed anew by ``key``."""
    parent = provedex.GENESIS_PARENT_HASH
    copy = []
    for line in lines:
        d = json.loads(line)
        signed = provedex.sign_event(event=d["event"], seq=d["seq"], parent_hash=parent, keypair=key, timestamp_nanos=d["timestamp_nanos"])
        parent = signed.self_hash
        copy.append(signed.to_json())
    return copy


def test_a_bundle_holds_the_lines_and_the_specs_checkpoint(example, seed_key):
    lines = example_lines()
    bundle = provedex.export_bundle(example, key=seed_key, first_seq=2, last_seq=3)
    assert isinstance(bundle, bytes)
    assert bundle.startswith(b'{\n  "format": "provedex-bundle/v1",\n') and bundle.endswith(b"}\n")
    document = json.loads(bundle)
    assert document["public_key"] == CHECK_PUBKEY
    assert document["fingerprint"] == FINGERPRINT == provedex.public_key_fingerprint(CHECK_PUBKEY)
    assert document["checkpoint"] == NOTE  # the spec's example checkpoint of all five lines, byte for byte
    assert (document["first_seq"], document["lines"], document["receipts"]) == (2, lines[2:4], [])
    proof = document["proof"]
    assert proof["previous_self_hash"] == SELF_HASHES[1]
    assert proof["left"] == [provedex.leaf_hash(bytes.fromhex(SELF_HASHES[0]))]
    root_4 = provedex.tree_root([bytes.fromhex(h) for h in SELF_HASHES[:4]])
    assert provedex.verify_consistency(old_size=4, new_size=5, proof=proof["consistency"], old_root=root_4, new_root=ROOT_5)
    assert provedex.verify_inclusion(seq=0, tree_size=5, leaf=SELF_HASHES[0], proof=proof["genesis"], root=ROOT_5)
    # The key may also be a key file.
    key_file = example.parent / "seed.key"
    seed_key.save(key_file)
    assert provedex.export_bundle(example, key=key_file, first_seq=2, last_seq=3) == bundle


def test_a_bundle_verifies_with_the_pinned_key_and_unpinned_reaches_no_level(example, seed_key):
    bundle = provedex.export_bundle(example, key=seed_key, first_seq=1, last_seq=3)
    report = provedex.verify_bundle(bundle, pubkey=CHECK_PUBKEY)
    assert (report.ok, report.pinned, report.proof_level) == (True, True, "verifiable"), report.message
    assert (report.event_count, report.first_seq, report.tree_size, report.root) == (3, 1, 5, ROOT_5)
    assert (report.public_key, report.reason, report.broken_at) == (CHECK_PUBKEY, None, None)
    assert evidence(report) == [("key_pin", "verified"), ("checkpoint", "verified"), ("lines", "verified"), ("tree", "verified")]
    assert [(l.level, l.reached) for l in report.levels] == [
        ("verifiable", True),
        ("externally-archived", False),
        ("publicly-auditable", False),
        ("publicly-timestamped", False),
    ]
    assert report.message.startswith("valid: 3 lines (seq 1 to 3)")
    as_json = json.loads(report.to_json())
    assert (as_json["ok"], as_json["proof_level"], as_json["root"]) == (True, "verifiable", ROOT_5)

    assert provedex.verify_bundle(bundle, fingerprint=FINGERPRINT).proof_level == "verifiable"
    assert provedex.verify_bundle(bundle.decode(), pubkey=seed_key.public_key_pem).proof_level == "verifiable"

    unpinned = provedex.verify_bundle(bundle)
    assert (unpinned.ok, unpinned.pinned, unpinned.proof_level) == (True, False, None)
    assert unpinned.evidence[0] == provedex.Evidence("key_pin", "not_checked", unpinned.evidence[0].detail)
    assert not any(level.reached for level in unpinned.levels)
    assert unpinned.message.startswith("consistent, but unpinned")

    other = provedex.SigningKeypair.from_seed(bytes([7]) * 32)
    for wrong in (provedex.verify_bundle(bundle, pubkey=other.pubkey_hex), provedex.verify_bundle(bundle, fingerprint=other.fingerprint)):
        assert (wrong.ok, wrong.pinned, wrong.reason, wrong.proof_level) == (False, False, "bundle_key_mismatch", None)
        assert evidence(wrong) == [("key_pin", "failed")]

    with pytest.raises(provedex.KeyLoadError):
        provedex.verify_bundle(bundle, pubkey=CHECK_PUBKEY, fingerprint=FINGERPRINT)
    with pytest.raises(provedex.KeyLoadError):
        provedex.verify_bundle(bundle, fingerprint=FINGERPRINT.upper())
    with pytest.raises(provedex.ChainError) as held:
        provedex.verify_bundle(bundle, pubkey=CHECK_PUBKEY, checkpoint="not a checkpoint")
    assert held.value.code == "checkpoint_malformed"
    for not_a_bundle in (provedex.verify_bundle(b"[]", pubkey=CHECK_PUBKEY), provedex.verify_bundle('{"format":"\ud800"}')):
        assert (not_a_bundle.ok, not_a_bundle.reason, not_a_bundle.first_seq) == (False, "bundle_malformed", None)


def test_a_swapped_missing_or_replaced_line_is_refused(example, seed_key):
    lines = example_lines()
    bundle = provedex.export_bundle(example, key=seed_key, first_seq=1, last_seq=3)

    def lines_as(new: list[str]) -> Callable[[dict[str, Any]], None]:
        return lambda d: d.__setitem__("lines", new)

    swapped = provedex.verify_bundle(edited(bundle, lines_as([lines[1], lines[3], lines[2]])), pubkey=CHECK_PUBKEY)
    assert (swapped.ok, swapped.reason, swapped.broken_at, swapped.event_count) == (False, "seq_mismatch", 2, 1)
    assert swapped.proof_level is None and evidence(swapped)[-1] == ("lines", "failed")
    missing = provedex.verify_bundle(edited(bundle, lines_as([lines[1], lines[3]])), pubkey=CHECK_PUBKEY)
    assert (missing.reason, missing.broken_at) == ("seq_mismatch", 2)

    # The last line replaced by another one the same key signed: chained and signed, not a leaf of the tree.
    replacement = provedex.sign_event(
        event=events.session_ended(reason="replaced", summary_sha256=""),
        seq=3, parent_hash=SELF_HASHES[2], keypair=seed_key, timestamp_nanos=TIMES[3],
    )
    replaced = provedex.verify_bundle(edited(bundle, lines_as([lines[1], lines[2], replacement.to_json()])), pubkey=CHECK_PUBKEY)
    assert (replaced.ok, replaced.reason) == (False, "bundle_proof_invalid")
    assert evidence(replaced)[-1] == ("tree", "failed")


def test_a_self_vouching_key_and_a_foreign_checkpoint_are_refused(tmp_path, example, seed_key):
    # Anyone can write a consistent bundle under a key of their own.
    forger = provedex.SigningKeypair.from_seed(bytes([9]) * 32)
    forged = write(tmp_path / "forged.ndjson", signed_copy(example_lines(), forger))
    self_vouching = provedex.export_bundle(forged, key=forger, first_seq=1, last_seq=3)
    unpinned = provedex.verify_bundle(self_vouching)
    assert (unpinned.ok, unpinned.pinned, unpinned.proof_level) == (True, False, None)
    for pinned in (provedex.verify_bundle(self_vouching, pubkey=CHECK_PUBKEY), provedex.verify_bundle(self_vouching, fingerprint=FINGERPRINT)):
        assert (pinned.ok, pinned.reason, pinned.proof_level) == (False, "bundle_key_mismatch", None)

    bundle = provedex.export_bundle(example, key=seed_key, first_seq=1, last_seq=3)
    # The forger's checkpoint in a bundle that names the pinned key: its origin names another key.
    forged_note = provedex.checkpoint(forged, key=forger)
    report = provedex.verify_bundle(edited(bundle, lambda d: d.__setitem__("checkpoint", forged_note)), pubkey=CHECK_PUBKEY)
    assert (report.ok, report.reason) == (False, "checkpoint_foreign")

    # A checkpoint of another ledger of the same key, held apart: another first line.
    other = write(tmp_path / "other.ndjson", [provedex.sign_event(
        event=events.session_started(agent_id="a", model_id="m", session_id="s"),
        seq=0, parent_hash=provedex.GENESIS_PARENT_HASH, keypair=seed_key, timestamp_nanos=1,
    ).to_json()])
    foreign = provedex.checkpoint(other, key=seed_key)
    report = provedex.verify_bundle(bundle, pubkey=CHECK_PUBKEY, checkpoint=foreign)
    assert (report.ok, report.reason, evidence(report)[-1]) == (False, "checkpoint_foreign", ("held_checkpoint", "failed"))
    with pytest.raises(provedex.ChainError) as refused:
        provedex.export_bundle(example, checkpoint=foreign, first_seq=0, last_seq=1)
    assert refused.value.code == "checkpoint_foreign"


def test_a_bundle_against_a_held_checkpoint(tmp_path, example, seed_key):
    note_3 = provedex.checkpoint(example, key=seed_key, size=3)
    bundle = provedex.export_bundle(example, checkpoint=note_3, first_seq=1, last_seq=2)
    assert json.loads(bundle)["checkpoint"] == note_3
    report = provedex.verify_bundle(bundle, fingerprint=FINGERPRINT, checkpoint=note_3.encode())
    assert (report.ok, report.tree_size, report.proof_level) == (True, 3, "verifiable"), report.message
    assert ("held_checkpoint", "verified") in evidence(report)
    # A held checkpoint of another tree of the same ledger: the bundle proves nothing about it.
    other_tree = provedex.verify_bundle(bundle, fingerprint=FINGERPRINT, checkpoint=NOTE)
    assert (other_tree.ok, other_tree.reason) == (False, "bundle_proof_invalid")

    with pytest.raises(provedex.LedgerError) as beyond:
        provedex.export_bundle(example, checkpoint=note_3, first_seq=2, last_seq=3)
    assert beyond.value.code == "out_of_range"
    cut = write(tmp_path / "cut.ndjson", example_lines()[:2])
    with pytest.raises(provedex.ChainError) as truncated:
        provedex.export_bundle(cut, checkpoint=note_3, first_seq=0, last_seq=1)
    assert truncated.value.code == "ledger_truncated"
    with pytest.raises(TypeError):
        provedex.export_bundle(example, key=seed_key, checkpoint=note_3, first_seq=0, last_seq=1)
    with pytest.raises(TypeError):
        provedex.export_bundle(example, first_seq=0, last_seq=1)


def test_a_time_range_selects_the_lines_within_it(example, seed_key):
    lines = example_lines()
    # From a microsecond after line 1 to line 3's time exactly: lines 2 and 3.
    start = datetime.datetime.fromtimestamp(TIMES[1] // 1000 / 1e6, UTC) + datetime.timedelta(microseconds=1)
    end = datetime.datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC)  # 1700000001 s: line 3's time
    assert int(end.timestamp()) * 10**9 == TIMES[3]
    bundle = provedex.export_bundle(example, key=seed_key, start=start, end=end)
    document = json.loads(bundle)
    assert (document["first_seq"], document["lines"]) == (2, lines[2:4])
    assert provedex.verify_bundle(bundle, pubkey=CHECK_PUBKEY).ok
    # The same bounds in nanoseconds, and another time zone naming the same instants.
    assert provedex.export_bundle(example, key=seed_key, start=TIMES[1] + 1, end=TIMES[3]) == bundle
    zurich = datetime.timezone(datetime.timedelta(hours=1))
    assert provedex.export_bundle(example, key=seed_key, start=start.astimezone(zurich), end=end.astimezone(zurich)) == bundle
    everything = provedex.export_bundle(example, key=seed_key, start=0, end=2**64 - 1)
    assert json.loads(everything)["lines"] == lines

    with pytest.raises(provedex.LedgerError) as between:
        provedex.export_bundle(example, key=seed_key, start=TIMES[3] + 1, end=TIMES[4] - 1)
    assert between.value.code == "out_of_range"
    with pytest.raises(provedex.LedgerError) as backwards:
        provedex.export_bundle(example, key=seed_key, start=TIMES[4], end=TIMES[0])
    assert backwards.value.code == "out_of_range"
    with pytest.raises(TypeError):
        provedex.export_bundle(example, key=seed_key, start=datetime.datetime(2023, 11, 14), end=end)
    with pytest.raises(TypeError):
        provedex.export_bundle(example, key=seed_key, start=start, end=end, first_seq=0, last_seq=1)
    with pytest.raises(TypeError):
        provedex.export_bundle(example, key=seed_key, first_seq=0)
    with pytest.raises(OverflowError):
        provedex.export_bundle(example, key=seed_key, start=datetime.datetime(1969, 1, 1, tzinfo=UTC), end=end)
    with pytest.raises(provedex.LedgerError) as foreign:
        provedex.export_bundle(example, key=provedex.SigningKeypair.from_seed(bytes([7]) * 32), first_seq=0, last_seq=0)
    assert foreign.value.code == "foreign_key"


def test_a_session_signs_checkpoints_every_n_events_and_they_verify(tmp_path, seed_key, one_of_each):
    ledger = tmp_path / "agent.ndjson"
    assert provedex.checkpoints_path(ledger) == str(tmp_path / "agent.ndjson.checkpoints")
    assert provedex.read_checkpoints(ledger) == []
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s", durability="none", checkpoint_every=3) as session:
        with pytest.raises(provedex.LedgerError) as empty:
            session.checkpoint()
        assert empty.value.code == "out_of_range"
        for event in one_of_each:  # seven events
            session.record(event)
        assert (session.tree_size, session.tree_problem) == (7, None)
        now = session.checkpoint()
    assert now == provedex.checkpoint(ledger, key=seed_key)
    assert provedex.verify_checkpoint(now, seed_key.pubkey_hex).tree_size == 7

    entries = provedex.read_checkpoints(ledger)
    assert [e.tree_size for e in entries] == [3, 6]  # the session's own checkpoint is not written
    for entry in entries:
        assert entry.checkpoint == provedex.checkpoint(ledger, key=seed_key, size=entry.tree_size)
        info = provedex.verify_checkpoint(entry.checkpoint, CHECK_PUBKEY)
        assert (info.tree_size, info.fingerprint) == (entry.tree_size, FINGERPRINT)
        # Each verifies the ledger held to it, and a bundle exported against it.
        assert provedex.verify_file(ledger, pubkey=CHECK_PUBKEY, checkpoint=entry.checkpoint).ok
        bundle = provedex.export_bundle(ledger, checkpoint=entry.checkpoint, first_seq=1, last_seq=2)
        report = provedex.verify_bundle(bundle, fingerprint=FINGERPRINT, checkpoint=entry.checkpoint)
        assert (report.ok, report.proof_level, report.tree_size) == (True, "verifiable", entry.tree_size)

    # Reopened, the session goes on from the file: the next multiple of 3 is 9.
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s", durability="none", checkpoint_every=3) as session:
        session.record(one_of_each[0])
        session.record(one_of_each[1])
    assert [e.tree_size for e in provedex.read_checkpoints(ledger)] == [3, 6, 9]

    # The checkpoints file guards its ledger: a copy cut below the latest
    # checkpoint, or with a line it vouched for replaced, is refused.
    lines = ledger.read_bytes().splitlines(keepends=True)
    copy = tmp_path / "copy.ndjson"
    pathlib.Path(provedex.checkpoints_path(copy)).write_bytes(pathlib.Path(provedex.checkpoints_path(ledger)).read_bytes())
    copy.write_bytes(b"".join(lines[:8]))
    with pytest.raises(provedex.ChainError) as truncated:
        provedex.prove_inclusion(copy, 0)
    assert truncated.value.code == "ledger_truncated"
    copy.write_bytes(b"".join(lines))
    assert provedex.prove_inclusion(copy, 4) == provedex.prove_inclusion(ledger, 4)

    # A torn last line of the file is left out; a bad line is refused.
    path = pathlib.Path(provedex.checkpoints_path(ledger))
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"checkpoint":"prove')
    assert len(provedex.read_checkpoints(ledger)) == 3
    path.write_bytes(whole + b'{"checkpoint":"x","tree_size":1}\n')
    with pytest.raises(provedex.LedgerError) as bad:
        provedex.read_checkpoints(ledger)
    assert bad.value.code == "broken"

    plain = tmp_path / "plain.ndjson"
    with provedex.Session.open(keypair=seed_key, ledger_path=plain, session_id="s", durability="none") as session:
        for event in one_of_each:
            session.record(event)
    assert not pathlib.Path(provedex.checkpoints_path(plain)).exists()
    with pytest.raises(OverflowError):
        provedex.Session.open(keypair=seed_key, ledger_path=plain, session_id="s", checkpoint_every=-1)


def test_the_conformance_adapter_answers_verify_bundle(example, seed_key):
    import subprocess
    import sys

    from conftest import REPO

    bundle = provedex.export_bundle(example, key=seed_key, first_seq=1, last_seq=2)
    requests = [
        {"id": 1, "op": "verify_bundle", "bundle_hex": bundle.hex(), "pinned_pubkey": CHECK_PUBKEY, "pinned_fingerprint": None},
        {"id": 2, "op": "verify_bundle", "bundle_hex": bundle.hex(), "pinned_pubkey": None, "pinned_fingerprint": None},
        {"id": 3, "op": "verify_bundle", "bundle_hex": "7b7d", "pinned_pubkey": None, "pinned_fingerprint": FINGERPRINT},
    ]
    adapter = REPO / "bindings" / "python" / "adapter" / "conformance_adapter.py"
    run = subprocess.run(
        [sys.executable, str(adapter)], input="".join(json.dumps(r) + "\n" for r in requests), capture_output=True, text=True, check=True
    )
    results = [json.loads(line)["result"] for line in run.stdout.splitlines()]
    assert results == [
        {"ok": True, "pinned": True, "proof_level": "verifiable", "reason": None, "event_count": 2},
        {"ok": True, "pinned": False, "proof_level": None, "reason": None, "event_count": 2},
        {"ok": False, "pinned": False, "proof_level": None, "reason": "bundle_malformed", "event_count": 0},
    ]
