"""Transparency through the SDK (spec/transparency.md): checkpoints a ledger
is held to, and inclusion and consistency proofs, on the spec's example
ledger and on ledgers a session writes."""

from __future__ import annotations

import json
import pathlib

import pytest

import provedex
from provedex import events

from conftest import REPO

#: spec/transparency.md's example: the five lines' self_hashes, roots, proofs and checkpoint.
SELF_HASHES = [
    "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91",
    "7ad3b55c94a38cec592f2a1013911d63c71b25129442827849fda312cddff717",
    "47e922625ffbd02c28f5e25300637c7e29d4dd32bd7b82f8dfae8c32e4a02dbb",
    "d7ea33eeffae138ad257224756ebe10dc123fd7496cf220bca86babcbbddbe6b",
    "48ceec2fea3094d77d28dff69fca6b8096d20cff368ce4adc8b58a304082002c",
]
LEAF_2 = "3b8077f3c9c7000e24c25e3034e8c6a0f0eae5cf4a227768481470ad2bead3cc"
ROOT_3 = "b3c3002b473ff193240ef3ae3df5fe87618134ce597f3e1a5e1208718ceec20b"
ROOT_5 = "06f986b72472a5fc40b83c14c1f018691815b400d74f952ab737f7c36d10ff2e"
INCLUSION_2_5 = [
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
]
CONSISTENCY_3_5 = [
    "3b8077f3c9c7000e24c25e3034e8c6a0f0eae5cf4a227768481470ad2bead3cc",
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
]
ORIGIN = (
    "provedex-ledger/52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91"
    "/sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
)
NOTE_ROOT = "BvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4="
NOTE = (
    f"{ORIGIN}\n5\n{NOTE_ROOT}\n\n"
    f"\u2014 {ORIGIN} zQWhPN5xQVM8nuBsbg4sI65IHv+Yuoeeoc/077YMcDS8pvocFQpxY+zPUdxa26TiD7nLHLDCWUc9U1yoKvcMRsCjuAE=\n"
)
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def example_lines() -> list[str]:
    """The five example lines as the spec prints them (seq 0 and 1 in
    signature-scheme.md, seq 2 to 4 in ledger-format.md)."""
    lines = []
    for name in ("signature-scheme.md", "ledger-format.md"):
        text = (REPO / "spec" / name).read_text(encoding="utf-8")
        lines += [line[len("line: "):] for line in text.splitlines() if line.startswith("line: ")]
    assert [json.loads(line)["seq"] for line in lines] == [0, 1, 2, 3, 4]
    return lines


def write(path: pathlib.Path, lines: list[str]) -> pathlib.Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def example(tmp_path: pathlib.Path) -> pathlib.Path:
    return write(tmp_path / "example.ndjson", example_lines())


def flipped(proof: list[str], i: int) -> list[str]:
    changed = list(proof)
    changed[i] = ("1" if changed[i][0] == "0" else "0") + changed[i][1:]
    return changed


def tool_called(name: str) -> dict:
    return events.tool_called(tool_name=name, args_sha256=provedex.sha256_hex(b"{}"), args_redacted={})


def record(path: pathlib.Path, key: provedex.SigningKeypair, count: int) -> None:
    with provedex.Session.open(keypair=key, ledger_path=path, session_id="s", durability="none") as session:
        for i in range(count):
            session.record(tool_called(f"tool-{i}"))


def test_the_example_ledgers_checkpoint_is_the_specs_note(example, seed_key, tmp_path):
    assert provedex.checkpoint(example, key=seed_key) == NOTE
    key_file = tmp_path / "key"
    seed_key.save(key_file)
    assert provedex.checkpoint(str(example), key=key_file) == NOTE
    assert seed_key.sign_checkpoint(genesis_self_hash=SELF_HASHES[0], tree_size=5, root=ROOT_5) == NOTE

    info = provedex.verify_checkpoint(NOTE, seed_key.pubkey_hex)
    assert info == provedex.CheckpointInfo(ORIGIN, SELF_HASHES[0], seed_key.fingerprint, 5, ROOT_5)
    assert provedex.verify_checkpoint(NOTE.encode(), seed_key.public_key_pem) == info
    assert provedex.parse_checkpoint(NOTE) == info

    at_3 = provedex.verify_checkpoint(provedex.checkpoint(example, key=seed_key, size=3), seed_key.pubkey_hex)
    assert (at_3.tree_size, at_3.root) == (3, ROOT_3)
    assert provedex.tree_head(example) == provedex.TreeHead(5, ROOT_5)
    assert provedex.tree_head(example, size=3) == provedex.TreeHead(3, ROOT_3)
    assert provedex.tree_root([bytes.fromhex(h) for h in SELF_HASHES[:3]]) == ROOT_3
    assert provedex.tree_root([]) == EMPTY_ROOT
    assert provedex.leaf_hash(bytes.fromhex(SELF_HASHES[2])) == LEAF_2


def test_the_example_proofs_are_the_specs_and_verify(example):
    inclusion = provedex.prove_inclusion(example, 2)
    assert inclusion == provedex.InclusionProof(2, 5, SELF_HASHES[2], ROOT_5, INCLUSION_2_5)
    document = json.loads(inclusion.to_json())
    assert list(document) == ["type", "seq", "tree_size", "leaf", "root", "proof"]
    assert document == {"type": "inclusion", "seq": 2, "tree_size": 5, "leaf": SELF_HASHES[2], "root": ROOT_5, "proof": INCLUSION_2_5}
    assert provedex.InclusionProof.from_json(inclusion.to_json()) == inclusion
    assert inclusion.verify(ROOT_5)
    assert not inclusion.verify(ROOT_3)

    consistency = provedex.prove_consistency(example, 3, new_size=5)
    assert consistency == provedex.ConsistencyProof(3, 5, ROOT_3, ROOT_5, CONSISTENCY_3_5)
    assert list(json.loads(consistency.to_json())) == ["type", "old_size", "new_size", "old_root", "new_root", "proof"]
    assert provedex.ConsistencyProof.from_json(consistency.to_json().encode()) == consistency
    assert consistency.verify(ROOT_3, ROOT_5)
    assert provedex.prove_consistency(example, 5).proof == []
    for not_a_proof in [consistency.to_json(), "[", b"\xff", json.dumps({**document, "seq": -1}), json.dumps({**document, "x": 1})]:
        with pytest.raises(provedex.ChainError) as e:
            provedex.InclusionProof.from_json(not_a_proof)
        assert e.value.code == "malformed_json"


def test_a_flipped_proof_hash_and_other_changes_fail(example):
    leaf = SELF_HASHES[2]
    assert provedex.verify_inclusion(seq=2, tree_size=5, leaf=leaf, proof=INCLUSION_2_5, root=ROOT_5)
    assert provedex.verify_inclusion(seq=2, tree_size=5, leaf=bytes.fromhex(leaf), proof=INCLUSION_2_5, root=ROOT_5)
    for i in range(len(INCLUSION_2_5)):
        assert not provedex.verify_inclusion(seq=2, tree_size=5, leaf=leaf, proof=flipped(INCLUSION_2_5, i), root=ROOT_5)
    assert not provedex.verify_inclusion(seq=3, tree_size=5, leaf=leaf, proof=INCLUSION_2_5, root=ROOT_5)
    assert not provedex.verify_inclusion(seq=5, tree_size=5, leaf=leaf, proof=INCLUSION_2_5, root=ROOT_5)
    assert not provedex.verify_inclusion(seq=2, tree_size=5, leaf=SELF_HASHES[3], proof=INCLUSION_2_5, root=ROOT_5)
    assert not provedex.verify_inclusion(seq=2, tree_size=5, leaf=leaf, proof=INCLUSION_2_5[:2], root=ROOT_5)
    assert not provedex.verify_inclusion(seq=2, tree_size=5, leaf=leaf, proof=[*INCLUSION_2_5[:2], "xyz"], root=ROOT_5)
    upper = [INCLUSION_2_5[0].upper(), *INCLUSION_2_5[1:]]
    assert not provedex.verify_inclusion(seq=2, tree_size=5, leaf=leaf, proof=upper, root=ROOT_5)
    with pytest.raises(provedex.ChainError) as e:
        provedex.verify_inclusion(seq=2, tree_size=5, leaf=leaf, proof=INCLUSION_2_5, root="nothex")
    assert e.value.code == "invalid_hex"
    with pytest.raises(TypeError):
        provedex.verify_inclusion(seq=2, tree_size=5, leaf=leaf, proof=INCLUSION_2_5[0], root=ROOT_5)

    assert provedex.verify_consistency(old_size=3, new_size=5, proof=CONSISTENCY_3_5, old_root=ROOT_3, new_root=ROOT_5)
    for i in range(len(CONSISTENCY_3_5)):
        assert not provedex.verify_consistency(
            old_size=3, new_size=5, proof=flipped(CONSISTENCY_3_5, i), old_root=ROOT_3, new_root=ROOT_5
        )
    assert not provedex.verify_consistency(old_size=5, new_size=3, proof=CONSISTENCY_3_5, old_root=ROOT_3, new_root=ROOT_5)
    assert provedex.verify_consistency(old_size=0, new_size=5, proof=[], old_root=EMPTY_ROOT, new_root=ROOT_5)
    assert provedex.verify_consistency(old_size=5, new_size=5, proof=[], old_root=ROOT_5, new_root=ROOT_5)
    assert not provedex.verify_consistency(old_size=5, new_size=5, proof=[], old_root=ROOT_3, new_root=ROOT_5)

    proof = provedex.prove_inclusion(example, 2)
    assert not provedex.InclusionProof(2, 5, SELF_HASHES[2], ROOT_5, flipped(proof.proof, 1)).verify(ROOT_5)


def test_a_truncated_ledger_is_caught_by_its_checkpoint(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    record(ledger, seed_key, 5)
    note = provedex.checkpoint(ledger, key=seed_key)
    assert provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex, checkpoint=note).ok

    lines = ledger.read_bytes().splitlines(keepends=True)
    ledger.write_bytes(b"".join(lines[:3]))
    assert provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex).ok, "the cut ledger is a good ledger on its own"
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex, checkpoint=note)
    assert (report.ok, report.reason, report.event_count, report.broken_at, report.line) == (False, "ledger_truncated", 3, 3, None)

    # A checkpoint of fewer lines still holds: the ledger reaches it.
    with pytest.raises(provedex.LedgerError) as e:
        provedex.checkpoint(ledger, key=seed_key, size=4)
    assert e.value.code == "out_of_range"
    assert provedex.verify_file(ledger, checkpoint=provedex.checkpoint(ledger, key=seed_key, size=2)).ok


def test_a_replaced_line_is_caught_by_the_root(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    record(ledger, seed_key, 3)
    note = provedex.checkpoint(ledger, key=seed_key).encode()
    lines = ledger.read_text(encoding="utf-8").splitlines()
    last = provedex.SignedEvent.from_json(lines[2])
    # The same seq, parent and key, another event: the chain holds, the tree does not.
    replacement = provedex.sign_event(
        event=tool_called("another tool"), seq=2, parent_hash=last.parent_hash, keypair=seed_key, timestamp_nanos=last.timestamp_nanos
    )
    write(ledger, [*lines[:2], replacement.to_json()])
    assert provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex).ok
    report = provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex, checkpoint=note)
    assert (report.ok, report.reason, report.event_count, report.line) == (False, "checkpoint_root_mismatch", 3, None)
    # verify_chain holds events in memory to the checkpoint the same way.
    signed = [provedex.SignedEvent.from_json(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    assert provedex.verify_chain(signed, checkpoint=note).reason == "checkpoint_root_mismatch"


def test_a_foreign_checkpoint_is_refused(tmp_path, seed_key, example):
    other = tmp_path / "other.ndjson"
    record(other, seed_key, 5)
    foreign = provedex.checkpoint(other, key=seed_key)
    report = provedex.verify_file(example, checkpoint=foreign)
    assert (report.ok, report.reason, report.line) == (False, "checkpoint_foreign", None)

    another_key = provedex.SigningKeypair.from_seed(bytes([7]) * 32)
    with pytest.raises(provedex.ChainError) as e:
        provedex.verify_checkpoint(NOTE, another_key.pubkey_hex)
    assert e.value.code == "checkpoint_foreign"
    with pytest.raises(provedex.LedgerError) as e:
        provedex.checkpoint(example, key=another_key)
    assert e.value.code == "foreign_key"

    altered = NOTE.replace(NOTE_ROOT, "A" + NOTE_ROOT[1:], 1)
    with pytest.raises(provedex.ChainError) as e:
        provedex.verify_checkpoint(altered, provedex.SigningKeypair.from_seed(bytes(range(32))).pubkey_hex)
    assert e.value.code == "checkpoint_signature_invalid"
    assert provedex.verify_file(example, checkpoint=altered).reason == "checkpoint_signature_invalid"

    for malformed in ["not a note", b"\xff\xfe", NOTE.replace("\n5\n", "\n05\n", 1), "\ud800"]:
        with pytest.raises(provedex.ChainError) as e:
            provedex.verify_checkpoint(malformed, another_key.pubkey_hex)
        assert e.value.code == "checkpoint_malformed"
    with pytest.raises(provedex.ChainError) as e:
        provedex.verify_file(example, checkpoint="not a note")
    assert e.value.code == "checkpoint_malformed"


def test_a_checkpoint_is_signed_by_the_key_current_at_its_size(tmp_path, seed_key):
    ledger = tmp_path / "ledger.ndjson"
    new_key = provedex.SigningKeypair.from_seed(bytes([9]) * 32)
    with provedex.Session.open(keypair=seed_key, ledger_path=ledger, session_id="s", durability="none") as session:
        session.record(tool_called("a"))
        session.rotate_key(new_key)  # seq 1, signed by the first key
        session.record(tool_called("b"))  # seq 2, the new key's
    # The line with seq 1 (size 1) is the first key's; from size 2 on, the new key is current.
    old_note = provedex.checkpoint(ledger, key=seed_key, size=1)
    assert provedex.verify_checkpoint(old_note, seed_key.pubkey_hex).tree_size == 1
    with pytest.raises(provedex.LedgerError) as e:
        provedex.checkpoint(ledger, key=seed_key)
    assert e.value.code == "foreign_key"
    note = provedex.checkpoint(ledger, key=new_key)
    assert provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex, checkpoint=note).ok
    assert provedex.verify_file(ledger, pubkey=seed_key.pubkey_hex, checkpoint=old_note).ok


def test_proofs_need_sizes_in_range_and_a_good_ledger(tmp_path, example):
    for call in (
        lambda: provedex.prove_inclusion(example, 5),
        lambda: provedex.prove_inclusion(example, 0, size=6),
        lambda: provedex.prove_consistency(example, 4, new_size=3),
        lambda: provedex.tree_head(example, size=6),
    ):
        with pytest.raises(provedex.LedgerError) as e:
            call()
        assert e.value.code == "out_of_range"
    lines = example_lines()
    broken = write(tmp_path / "broken.ndjson", [lines[0], lines[2]])
    with pytest.raises(provedex.ChainError):
        provedex.prove_inclusion(broken, 0)
    with pytest.raises(provedex.LedgerError) as e:
        provedex.prove_inclusion(tmp_path / "missing.ndjson", 0)
    assert e.value.code == "io"
    with pytest.raises(OverflowError):
        provedex.prove_inclusion(example, -1)
