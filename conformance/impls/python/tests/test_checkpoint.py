"""Checkpoints (spec/transparency.md, Checkpoints): reading, signing, checking under a key, and
checking a ledger against one (verification.md step 23, in the order of transparency.md)."""

import base64
import io

import pytest
from support import SEED, LedgerBuilder

from provedex_ref import checkpoint, ed25519, ledger, merkle, note
from provedex_ref.findings import Finding

KEY = ed25519.public_key(SEED)
OTHER_SEED = bytes(range(32, 64))
OTHER_KEY = ed25519.public_key(OTHER_SEED)
GENESIS = "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91"
ROOT = bytes(range(32))
ORIGIN = checkpoint.ledger_origin(GENESIS, KEY)


def reason(call) -> str | None:
    try:
        call()
    except Finding as finding:
        return finding.reason
    return None


def signed_text(text: bytes, seed: bytes = SEED, name: str = ORIGIN) -> bytes:
    return note.sign(text, name, seed)


def test_origin_and_text():
    assert ORIGIN == (
        "provedex-ledger/"
        + GENESIS
        + "/sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
    )
    body = checkpoint.text(GENESIS, KEY, 7, ROOT)
    assert body == f"{ORIGIN}\n7\n{base64.b64encode(ROOT).decode()}\n".encode()
    assert len(base64.b64encode(ROOT)) == 44
    signed = checkpoint.sign(SEED, GENESIS, 7, ROOT)
    assert signed.startswith(body + "\n\u2014 ".encode() + ORIGIN.encode() + b" ")
    assert checkpoint.verify(signed, KEY) == checkpoint.Checkpoint(
        ORIGIN, GENESIS, checkpoint.fingerprint(KEY), 7, ROOT
    )


def test_largest_tree_size_and_zero():
    for size in (0, 2**64 - 1):
        assert checkpoint.verify(checkpoint.sign(SEED, GENESIS, size, ROOT), KEY).tree_size == size
    with pytest.raises(ValueError):
        checkpoint.sign(SEED, GENESIS, 2**64, ROOT)


def test_extension_lines_are_read_and_ignored():
    body = checkpoint.text(GENESIS, KEY, 3, ROOT) + b"an extension\nanother\n"
    assert checkpoint.verify(signed_text(body), KEY).tree_size == 3


ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n3\n",  # two lines
        f"{ORIGIN}\n3\n{ROOT_B64}\n\nextension\n",  # an empty line (the note's split is the last blank)
        f"{ORIGIN}\n03\n{ROOT_B64}\n",
        f"{ORIGIN}\n+3\n{ROOT_B64}\n",
        f"{ORIGIN}\n-3\n{ROOT_B64}\n",
        f"{ORIGIN}\n 3\n{ROOT_B64}\n",
        f"{ORIGIN}\n3_0\n{ROOT_B64}\n",
        f"{ORIGIN}\n\u0663\n{ROOT_B64}\n",  # an Arabic-Indic digit three
        f"{ORIGIN}\n18446744073709551616\n{ROOT_B64}\n",
        f"{ORIGIN}\n3\n{ROOT_B64[:-1]}\n",  # padding missing
        f"{ORIGIN}\n3\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"{ORIGIN}\n3\n{base64.b64encode(ROOT + b'x').decode()}\n",
        f"{ORIGIN}\n3\n{ROOT.hex()}\n",
        f"{ORIGIN}\n3\n{ROOT_B64[:42]}B=\n",  # unused bits not zero
        f"{ORIGIN.upper()}\n3\n{ROOT_B64}\n",
        f"{ORIGIN.replace('provedex-ledger/', 'provedex-ledger//')}\n3\n{ROOT_B64}\n",
        f"{ORIGIN.replace('sha256:', 'sha512:')}\n3\n{ROOT_B64}\n",
        f"{ORIGIN}x\n3\n{ROOT_B64}\n",
        f"{ORIGIN[:-1]}\n3\n{ROOT_B64}\n",
        f"example.com/log\n3\n{ROOT_B64}\n",
        f"{ORIGIN.replace('/sha256', ' /sha256')}\n3\n{ROOT_B64}\n",
    ],
)
def test_malformed_texts(text):
    assert (
        reason(lambda: checkpoint.verify(signed_text(text.encode(), name="k"), KEY)) == "checkpoint_malformed"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        checkpoint.text(GENESIS, KEY, 3, ROOT),  # no signature
        checkpoint.sign(SEED, GENESIS, 3, ROOT)[:-1],
        checkpoint.sign(SEED, GENESIS, 3, ROOT).replace(b"\n3\n", b"\r\n3\n"),
        b"\xff" + checkpoint.sign(SEED, GENESIS, 3, ROOT),
        checkpoint.sign(SEED, GENESIS, 3, ROOT) + b"trailing\n",
    ],
)
def test_malformed_notes(data):
    assert reason(lambda: checkpoint.verify(data, KEY)) == "checkpoint_malformed"


def test_foreign_and_signature_reasons():
    signed = checkpoint.sign(SEED, GENESIS, 3, ROOT)
    # Another key is expected: its fingerprint is not the origin's.
    assert reason(lambda: checkpoint.verify(signed, OTHER_KEY)) == "checkpoint_foreign"
    # The origin names our key, but another key signs under that name: no line by the key.
    forged = signed_text(checkpoint.text(GENESIS, KEY, 3, ROOT), seed=OTHER_SEED)
    assert reason(lambda: checkpoint.verify(forged, KEY)) == "checkpoint_signature_invalid"
    # Signed by the key, under another name than the origin.
    renamed = signed_text(checkpoint.text(GENESIS, KEY, 3, ROOT), name="provedex-ledger")
    assert reason(lambda: checkpoint.verify(renamed, KEY)) == "checkpoint_signature_invalid"
    # The text changed after signing.
    altered = signed.replace(b"\n3\n", b"\n4\n")
    assert reason(lambda: checkpoint.verify(altered, KEY)) == "checkpoint_signature_invalid"
    # A second, failing line by the key.
    line = signed.split(b"\n\n", 1)[1]
    bad = line.replace(line[-6:-2], b"AAAA")
    assert reason(lambda: checkpoint.verify(signed + bad, KEY)) == "checkpoint_signature_invalid"
    # A cosigner's line is ignored.
    cosigned = signed + note.signature_line(
        "witness.example/w1", OTHER_SEED, checkpoint.text(GENESIS, KEY, 3, ROOT)
    )
    assert reason(lambda: checkpoint.verify(cosigned, KEY)) is None


def test_expected_key_that_is_not_a_valid_key_verifies_nothing():
    identity = bytes.fromhex("01" + "00" * 31)
    body = checkpoint.text(GENESIS, identity, 3, ROOT)
    fake = (
        body
        + b"\n"
        + (
            "\u2014 "
            + checkpoint.ledger_origin(GENESIS, identity)
            + " "
            + base64.b64encode(
                note.key_id(checkpoint.ledger_origin(GENESIS, identity), identity) + bytes(64)
            ).decode()
            + "\n"
        ).encode()
    )
    assert reason(lambda: checkpoint.verify(fake, identity)) == "checkpoint_signature_invalid"


# --- A ledger against a checkpoint ------------------------------------------------------------


def leaf_root(builder: LedgerBuilder, size: int) -> bytes:
    return merkle.root_of([merkle.line_leaf_hash(h) for h in builder.hashes[:size]])


def cp(
    builder: LedgerBuilder, size: int, seed: bytes = SEED, root: bytes | None = None, genesis=None
) -> bytes:
    root = leaf_root(builder, size) if root is None else root
    return checkpoint.sign(seed, genesis or builder.hashes[0], size, root)


def verified(data: bytes, note_bytes: bytes, **options) -> dict:
    report = ledger.verify_ledger(io.BytesIO(data), signed_checkpoint=checkpoint.read(note_bytes), **options)
    return report.to_json()


def summary(report: dict) -> tuple:
    return (report["ok"], report["reason"], report["line"], report["broken_at"], report["event_count"])


FIVE = LedgerBuilder().started().started().started().started().started()


def test_every_size_of_a_ledger_passes():
    for size in range(6):
        assert summary(verified(FIVE.bytes(), cp(FIVE, size))) == (True, None, None, None, 5), size


def test_ledger_truncated():
    note_bytes = cp(FIVE, 5)
    for kept in range(5):
        report = verified(b"".join(FIVE.lines[:kept]), note_bytes)
        assert summary(report) == (False, "ledger_truncated", None, kept, kept), kept
        assert report["root_hash"] == (FIVE.hashes[kept - 1] if kept else None)


def test_checkpoint_of_another_ledger_is_foreign():
    other = LedgerBuilder(timestamp=1).started().started()
    assert summary(verified(FIVE.bytes(), cp(other, 2))) == (False, "checkpoint_foreign", None, 5, 5)
    # Step 2 comes before step 3: another ledger's larger checkpoint is foreign, not a truncation.
    assert summary(verified(other.bytes(), cp(FIVE, 5))) == (False, "checkpoint_foreign", None, 2, 2)
    # Step 1 comes before step 2: an empty ledger is truncated whatever the checkpoint names.
    assert summary(verified(b"", cp(other, 0))) == (False, "ledger_truncated", None, 0, 0)


def test_checkpoint_by_another_key_is_foreign_and_a_forged_one_is_invalid():
    assert summary(verified(FIVE.bytes(), cp(FIVE, 3, seed=OTHER_SEED))) == (
        False,
        "checkpoint_foreign",
        None,
        5,
        5,
    )
    # The origin names the ledger's key, but the signature is another key's.
    body = checkpoint.text(FIVE.hashes[0], KEY, 3, leaf_root(FIVE, 3))
    forged = note.sign(body, body.split(b"\n")[0].decode(), OTHER_SEED)
    assert summary(verified(FIVE.bytes(), forged)) == (False, "checkpoint_signature_invalid", None, 5, 5)


def test_replaced_lines_give_another_root():
    replaced = LedgerBuilder().started().started().started()
    replaced.lines, replaced.hashes = replaced.lines[:1], replaced.hashes[:1]
    replaced.add("SessionStarted", {"agent_id": "x", "model_id": "m", "session_id": "s"})
    replaced.started().started()
    note_bytes = cp(FIVE, 3)
    assert replaced.hashes[0] == FIVE.hashes[0] and replaced.hashes[1] != FIVE.hashes[1]
    assert summary(verified(replaced.bytes(), note_bytes)) == (False, "checkpoint_root_mismatch", None, 4, 4)
    # Step 5 before step 6: a wrong root with a failing signature is a signature finding.
    bad_signature = cp(FIVE, 3, root=bytes(32)).replace(b"\n3\n", b"\n2\n")
    assert summary(verified(FIVE.bytes(), bad_signature)) == (
        False,
        "checkpoint_signature_invalid",
        None,
        5,
        5,
    )
    assert summary(verified(FIVE.bytes(), cp(FIVE, 3, root=bytes(32)))) == (
        False,
        "checkpoint_root_mismatch",
        None,
        5,
        5,
    )


def test_key_current_at_the_checkpoint_size_across_a_rotation():
    rotated = LedgerBuilder().started().started().rotate(OTHER_SEED).started().started()
    # Sizes 0 to 2 are signed by the first key (it signs seq 0 to 2, the rotation at seq 2 included);
    # from size 3 on the key the rotation named (it signs seq 3 on).
    for size in range(6):
        seed, wrong = (SEED, OTHER_SEED) if size <= 2 else (OTHER_SEED, SEED)
        assert summary(verified(rotated.bytes(), cp(rotated, size, seed=seed)))[:2] == (True, None), size
        assert summary(verified(rotated.bytes(), cp(rotated, size, seed=wrong)))[:2] == (
            False,
            "checkpoint_foreign",
        ), size
    # A ledger that ends with its rotation: the key it names is current at its length.
    ends_rotated = LedgerBuilder().started().rotate(OTHER_SEED)
    assert verified(ends_rotated.bytes(), cp(ends_rotated, 2, seed=OTHER_SEED))["ok"]
    assert verified(ends_rotated.bytes(), cp(ends_rotated, 1, seed=SEED))["ok"]
    assert verified(ends_rotated.bytes(), cp(ends_rotated, 2, seed=SEED))["reason"] == "checkpoint_foreign"


def test_line_findings_and_step_22_come_first():
    note_bytes = cp(FIVE, 5)
    torn = b"".join(FIVE.lines[:3]) + b'{"seq":3'
    assert summary(verified(torn, note_bytes)) == (False, "torn_tail", 4, 3, 3)
    report = verified(b"".join(FIVE.lines[:2]), note_bytes, pinned_current_pubkey=OTHER_KEY.hex())
    assert summary(report) == (False, "current_key_mismatch", None, 2, 2)
    report = verified(b"".join(FIVE.lines[:2]), note_bytes, pinned_current_pubkey=KEY.hex())
    assert summary(report) == (False, "ledger_truncated", None, 2, 2)


def test_a_ledger_longer_than_its_checkpoint_is_fine_and_other_members_are_unchanged():
    plain = ledger.verify_ledger(io.BytesIO(FIVE.bytes())).to_json()
    with_checkpoint = verified(FIVE.bytes(), cp(FIVE, 2))
    assert {k: v for k, v in plain.items() if k != "message"} == {
        k: v for k, v in with_checkpoint.items() if k != "message"
    }
