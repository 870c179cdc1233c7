"""Time of one Python ``session.record`` of a ModelInvoked event, for the
benchmark report: printed as one JSON object on stdout.

The ledger is opened with ``durability="none"`` (no fsync), so the figure is
the SDK's own cost (FFI, validation, sealing, the write), which the report
compares with the Rust seal; with it, the time of a binding call that does
no work (``session.session_id``), the share of the figure no Rust change can
remove. Usage: ``python record.py SCRATCH_DIR``.
"""

import json
import sys
import tempfile
import timeit

import provedex
from provedex import events

RECORDS_PER_ROUND = 2_000
ROUNDS = 5
DURABILITY = "none"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="provedex-bench-py-", dir=sys.argv[1]) as scratch:
        keypair = provedex.SigningKeypair.from_seed(bytes(range(32)))
        session = provedex.Session.open(
            keypair=keypair, ledger_path=f"{scratch}/ledger.ndjson", session_id="bench", durability=DURABILITY
        )
        event = events.model_invoked(
            model_id="llama3.2:3b",
            prompt_sha256=provedex.sha256_hex(b"the full prompt"),
            response_sha256=provedex.sha256_hex(b"the full response"),
            prompt_tokens=812,
            response_tokens=64,
        )
        rounds = timeit.repeat(lambda: session.record(event), number=RECORDS_PER_ROUND, repeat=ROUNDS)
        # The floor under any binding call: a method of the native session that does no work.
        calls = timeit.repeat(lambda: session.session_id, number=RECORDS_PER_ROUND, repeat=ROUNDS)
        print(
            json.dumps(
                {
                    "ns_per_record": min(rounds) / RECORDS_PER_ROUND * 1e9,
                    "ns_per_empty_call": min(calls) / RECORDS_PER_ROUND * 1e9,
                    "durability": DURABILITY,
                    "records": RECORDS_PER_ROUND * ROUNDS,
                }
            )
        )


if __name__ == "__main__":
    main()
