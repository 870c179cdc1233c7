"""Lines and ledgers: framing, schema order, chain checks and the report."""

import io
import json

import pytest
from support import IDENTITY_KEY, PUBLIC_KEY, SEED, SESSION_STARTED, forge_line, identity_key_signature

from provedex_ref import ledger
from provedex_ref.findings import Finding

OTHER_SEED = bytes(range(32, 64))
DIGEST = "a" * 64


def seal_chain(count: int, seeds=None, timestamps=None) -> list[bytes]:
    """`count` lines, each with its LF, chained from the genesis parent."""
    lines, parent = [], ledger.GENESIS_PARENT
    for seq in range(count):
        seed = seeds[seq] if seeds else SEED
        timestamp = timestamps[seq] if timestamps else 1700000000000000000 + seq
        event = ledger.parse_event_json(SESSION_STARTED)
        line = ledger.seal(seed, seq, timestamp, parent, event)
        parent = json.loads(line)["self_hash"]
        lines.append(line.encode() + b"\n")
    return lines


def verify(data: bytes, pinned: str | None = None) -> ledger.Report:
    return ledger.verify_ledger(io.BytesIO(data), pinned)


def finding_of(line: bytes) -> str | None:
    finding = ledger.verify_line(line)
    return finding and finding.reason


def line_with(**members) -> bytes:
    """A line object (not signed) with the given members in the given order."""
    return json.dumps(members, separators=(",", ":"), ensure_ascii=False).encode()


VALID_MEMBERS = {
    "seq": 0,
    "timestamp_nanos": 1,
    "event": {"type": "SessionEnded", "payload": {"reason": "r", "summary_sha256": ""}},
    "parent_hash": "0" * 64,
    "self_hash": DIGEST,
    "signature": "b" * 128,
    "signer_pubkey": PUBLIC_KEY,
}


def schema_finding(**changes) -> str:
    members = {name: value for name, value in {**VALID_MEMBERS, **changes}.items() if value is not ...}
    with pytest.raises(Finding) as raised:
        ledger.check_line(line_with(**members))
    return raised.value.reason


@pytest.mark.parametrize(
    "line, reason",
    [
        (b"", "empty_line"),
        (b"{}\r", "crlf_line_ending"),
        (b" {}", "malformed_json"),
        (b"{} ", "malformed_json"),
        (b"\xef\xbb\xbf{}", "malformed_json"),
        (b"[]", "malformed_json"),
        (b'"x"', "malformed_json"),
        (b"{} {}", "malformed_json"),
        (b'{"a":"\xff"}', "malformed_json"),
        (b'{"seq":0,"seq":0}', "duplicate_key"),
        (b'{"seq":01,"seq":0}', "malformed_json"),
        (b"{}", "missing_field"),
    ],
)
def test_framing_and_parsing(line, reason):
    assert finding_of(line) == reason


def test_schema_checks_follow_the_prescribed_order():
    assert schema_finding(seq=...) == "missing_field"
    assert schema_finding(seq="0", extra=1) == "wrong_type"
    assert schema_finding(seq=-1) == "integer_out_of_range"
    assert schema_finding(seq=1.0) == "wrong_type"
    assert schema_finding(timestamp_nanos=2**64) == "wrong_type"  # a float in the value model
    assert schema_finding(timestamp_nanos=2**64 - 1, parent_hash="X") == "invalid_hex"
    assert schema_finding(event=None, seq=...) == "missing_field"
    assert schema_finding(event={"type": "Nope", "payload": {}}, parent_hash="X") == "unknown_event_type"
    assert schema_finding(event={"type": "Nope", "payload": {}, "x": 1}) == "unknown_field"
    assert schema_finding(signer_pubkey=PUBLIC_KEY.upper(), extra=1) == "invalid_hex"
    assert schema_finding(self_hash=DIGEST + "\n") == "invalid_hex"
    assert schema_finding(extra=1) == "unknown_field"
    assert schema_finding(signature="b" * 126) == "invalid_hex"
    assert schema_finding(parent_hash=None) == "wrong_type"


def test_member_order_and_whitespace_are_free_on_read():
    line = json.loads(seal_chain(1)[0])
    reordered = json.dumps(dict(reversed(list(line.items()))), indent=None, separators=(" , ", " : "))
    assert ledger.verify_line(reordered.encode()) is None


def test_args_redacted_depth_counts_from_the_line():
    def tool_called(depth: int) -> bytes:
        nested = "[" * depth + "]" * depth
        return (
            '{"type":"ToolCalled","payload":{"tool_name":"t","args_sha256":"'
            + DIGEST
            + '","args_redacted":{"x":'
            + nested
            + "}}}"
        ).encode()

    line = ledger.seal(SEED, 0, 0, ledger.GENESIS_PARENT, ledger.parse_event_json(tool_called(124)))
    assert ledger.verify_line(line.encode()) is None
    with pytest.raises(Finding) as raised:
        ledger.parse_event_json(tool_called(125))
    assert raised.value.reason == "malformed_json"
    assert finding_of(line.replace('"x":[', '"x":[[').replace("]}", "]]}", 1).encode()) == "malformed_json"


def test_seal_refuses_invalid_input_and_long_lines():
    event = ledger.parse_event_json(SESSION_STARTED)
    with pytest.raises(Finding, match="integer_out_of_range"):
        ledger.seal(SEED, -1, 0, ledger.GENESIS_PARENT, event)
    with pytest.raises(Finding, match="invalid_hex"):
        ledger.seal(SEED, 0, 0, "0" * 63, event)


def test_seal_writes_a_line_of_exactly_the_limit_and_refuses_one_byte_more():
    def line_of(agent_id_length: int) -> str:
        event_json = SESSION_STARTED.replace(b"agent-1", b"a" * agent_id_length)
        return ledger.seal(SEED, 0, 0, ledger.GENESIS_PARENT, ledger.parse_event_json(event_json))

    padding = ledger.MAX_LINE_BYTES - len(line_of(0))
    assert len(line_of(padding)) == ledger.MAX_LINE_BYTES
    with pytest.raises(Finding, match="line_too_long"):
        line_of(padding + 1)


def test_valid_ledger_report():
    lines = seal_chain(3)
    report = verify(b"".join(lines), PUBLIC_KEY)
    assert report.ok and report.event_count == 3 and report.reason is None
    assert report.root_hash == json.loads(lines[2])["self_hash"]
    assert report.signers == [PUBLIC_KEY]


def test_decreasing_timestamps_are_not_a_finding():
    assert verify(b"".join(seal_chain(3, timestamps=[5, 3, 1]))).ok


def test_verification_of_a_file(tmp_path):
    path = tmp_path / "agent.ndjson"
    path.write_bytes(b"".join(seal_chain(2)))
    with path.open("rb") as stream:
        assert ledger.verify_ledger(stream).event_count == 2


def findings(data: bytes, pinned: str | None = None) -> tuple[str | None, int, int | None]:
    report = verify(data, pinned)
    return report.reason, report.event_count, report.line


def test_chain_findings():
    lines = seal_chain(3)
    assert findings(lines[0] + lines[2]) == ("seq_mismatch", 1, 2)
    assert findings(lines[1] + lines[0]) == ("seq_mismatch", 0, 1)
    assert findings(lines[0] + lines[1] + lines[1]) == ("seq_mismatch", 2, 3)
    unlinked = ledger.seal(SEED, 1, 0, DIGEST, ledger.parse_event_json(SESSION_STARTED)).encode() + b"\n"
    assert findings(lines[0] + unlinked) == ("parent_mismatch", 1, 2)
    edited = lines[1].replace(b"agent-1", b"agent-2")
    assert findings(lines[0] + edited + lines[2]) == ("hash_mismatch", 1, 2)
    signature = json.loads(lines[1])["signature"]
    flipped = lines[1].replace(
        signature.encode(), (signature[:-1] + ("0" if signature[-1] != "0" else "1")).encode()
    )
    assert findings(lines[0] + flipped) == ("bad_signature", 1, 2)


def test_signer_findings():
    mixed = seal_chain(2, seeds=[SEED, OTHER_SEED])
    assert findings(b"".join(mixed)) == ("signer_changed", 1, 2)
    assert findings(b"".join(mixed), PUBLIC_KEY) == ("pubkey_mismatch", 1, 2)
    other = seal_chain(2, seeds=[OTHER_SEED, OTHER_SEED])
    assert findings(b"".join(other), PUBLIC_KEY) == ("pubkey_mismatch", 0, 1)
    assert verify(b"".join(other)).ok
    degenerate = forge_line(IDENTITY_KEY, identity_key_signature) + b"\n"
    assert findings(degenerate, PUBLIC_KEY) == ("invalid_public_key", 0, 1)


def test_torn_tail_and_line_too_long():
    line = seal_chain(1)[0]
    assert findings(line + b'{"seq":1') == ("torn_tail", 1, 2)
    assert findings(line + b"\r") == ("torn_tail", 1, 2)
    limit = ledger.MAX_LINE_BYTES
    assert findings(line + b"x" * limit) == ("torn_tail", 1, 2)
    assert findings(line + b"x" * (limit + 1)) == ("line_too_long", 1, 2)
    assert findings(line + b"x" * (limit + 1) + b"\n") == ("line_too_long", 1, 2)
    assert findings(line + b"x" * limit + b"\n") == ("malformed_json", 1, 2)
    assert finding_of(b"{" + b" " * (limit - 1) + b"}") == "line_too_long"


def test_framing_findings_in_a_ledger():
    line = seal_chain(1)[0]
    assert findings(b"\n" + line) == ("empty_line", 0, 1)
    assert findings(line + b"\n") == ("empty_line", 1, 2)
    assert findings(line[:-1] + b"\r\n") == ("crlf_line_ending", 0, 1)


def test_empty_ledger_and_pinned_key_validation():
    report = verify(b"")
    assert (report.ok, report.event_count, report.root_hash, report.signers) == (True, 0, None, [])
    with pytest.raises(ValueError):
        verify(b"", PUBLIC_KEY.upper())
    with pytest.raises(ValueError):
        verify(b"", PUBLIC_KEY[:-2])
