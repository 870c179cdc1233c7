import Foundation
import Provedex
import XCTest

/// The example lines' timestamp_nanos, as the spec prints them.
private let times: [UInt64] = [
    1_700_000_000_000_000_000, 1_700_000_000_250_000_000, 1_700_000_000_662_000_000,
    1_700_000_001_000_000_000, 1_700_000_002_500_000_000,
]

private func document(_ bundle: Data) throws -> [String: Any] {
    try XCTUnwrap(try JSONSerialization.jsonObject(with: bundle) as? [String: Any])
}

/// The bundle with its document's `member` replaced.
private func edited(_ bundle: Data, _ member: String, _ value: Any) throws -> Data {
    var doc = try document(bundle)
    doc[member] = value
    return try JSONSerialization.data(withJSONObject: doc)
}

private func kinds(_ report: BundleReport) -> [String] {
    report.evidence.map { "\($0.kind):\($0.verdict)" }
}

/// Bundles (spec/bundles.md) and a session's checkpoints; the Kotlin tests' BundleTest.
final class BundleTests: XCTestCase {
    private func write(_ name: String, _ lines: [String]) throws -> String {
        let ledger = try temporaryDirectory().appendingPathComponent(name).path
        try writeLedgerLines(ledger, lines)
        return ledger
    }

    func testABundleHoldsTheLinesAndTheSpecsCheckpointAndVerifiesUnderThePinnedKey() throws {
        let lines = try exampleLines()
        let ledger = try writeExampleLedger()
        let key = try checkValueKeypair()
        let bundle = try exportBundle(ledgerPath: ledger, keypair: key, selection: .seqs(first: 1, last: 3))
        XCTAssertTrue(String(decoding: bundle, as: UTF8.self).hasPrefix("{\n  \"format\": \"provedex-bundle/v1\",\n"))
        let doc = try document(bundle)
        XCTAssertEqual(doc["public_key"] as? String, checkValuePubkey)
        XCTAssertEqual(doc["fingerprint"] as? String, fingerprint)
        XCTAssertEqual(doc["checkpoint"] as? String, note)
        XCTAssertEqual(doc["first_seq"] as? Int, 1)
        XCTAssertEqual(doc["lines"] as? [String], Array(lines[1...3]))
        XCTAssertEqual((doc["proof"] as? [String: Any])?["previous_self_hash"] as? String, selfHashes[0])

        let report = try verifyBundle(bundle: bundle, pinnedPubkey: checkValuePubkey)
        XCTAssertTrue(report.ok && report.pinned, report.message)
        XCTAssertEqual(report.proofLevel, "verifiable")
        XCTAssertTrue(report.reached("verifiable"))
        XCTAssertFalse(report.reached("publicly-timestamped"))
        XCTAssertEqual(report.eventCount, 3)
        XCTAssertEqual(report.firstSeq, 1)
        XCTAssertEqual(report.treeSize, 5)
        XCTAssertEqual(report.root, root5)
        XCTAssertEqual(kinds(report), ["key_pin:verified", "checkpoint:verified", "lines:verified", "tree:verified"])
        XCTAssertEqual(
            report.levels.map { $0.level },
            ["verifiable", "externally-archived", "publicly-auditable", "publicly-timestamped"]
        )
        XCTAssertEqual(try verifyBundle(bundle: bundle, pinnedFingerprint: fingerprint).proofLevel, "verifiable")

        let unpinned = try verifyBundle(bundle: bundle)
        XCTAssertTrue(unpinned.ok)
        XCTAssertFalse(unpinned.pinned)
        XCTAssertNil(unpinned.proofLevel)
        XCTAssertEqual(kinds(unpinned).first, "key_pin:not_checked")

        assertCode(.keyLoad, nil) {
            try verifyBundle(bundle: bundle, pinnedPubkey: checkValuePubkey, pinnedFingerprint: fingerprint)
        }
        assertCode(.keyLoad, nil) { try verifyBundle(bundle: bundle, pinnedFingerprint: "sha256:AB") }
    }

    func testSwappedAndMissingLinesASelfVouchingKeyAndAForeignCheckpointAreRefused() throws {
        let lines = try exampleLines()
        let ledger = try writeExampleLedger()
        let key = try checkValueKeypair()
        let bundle = try exportBundle(ledgerPath: ledger, keypair: key, selection: .seqs(first: 1, last: 3))

        let swapped = try verifyBundle(bundle: try edited(bundle, "lines", [lines[1], lines[3], lines[2]]), pinnedPubkey: checkValuePubkey)
        XCTAssertFalse(swapped.ok)
        XCTAssertEqual(swapped.reason, "seq_mismatch")
        XCTAssertEqual(swapped.brokenAt, 2)
        XCTAssertNil(swapped.proofLevel)
        let missing = try verifyBundle(bundle: try edited(bundle, "lines", [lines[1], lines[3]]), pinnedPubkey: checkValuePubkey)
        XCTAssertEqual(missing.reason, "seq_mismatch")
        XCTAssertEqual(missing.brokenAt, 2)

        // The same events signed anew by another key: a consistent bundle that vouches only for itself.
        let forger = try SigningKeypair.fromSeed(seed: Data(repeating: 9, count: 32))
        var parent = genesisParent
        var copy: [String] = []
        for (seq, line) in lines.enumerated() {
            let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let eventJson = try JSONSerialization.data(withJSONObject: try XCTUnwrap(parsed["event"]))
            let event = try eventFromJson(json: String(decoding: eventJson, as: UTF8.self))
            let signed = try signEventAt(
                event: event, seq: UInt64(seq), timestampNanos: times[seq], parentHash: parent, keypair: forger
            )
            parent = signed.selfHash
            copy.append(try signedEventToJson(event: signed))
        }
        let forged = try write("forged.ndjson", copy)
        let selfVouching = try exportBundle(ledgerPath: forged, keypair: forger, selection: .seqs(first: 1, last: 3))
        let unpinned = try verifyBundle(bundle: selfVouching)
        XCTAssertTrue(unpinned.ok)
        XCTAssertFalse(unpinned.pinned)
        XCTAssertNil(unpinned.proofLevel)
        for pinned in [
            try verifyBundle(bundle: selfVouching, pinnedPubkey: checkValuePubkey),
            try verifyBundle(bundle: selfVouching, pinnedFingerprint: fingerprint),
        ] {
            XCTAssertFalse(pinned.ok)
            XCTAssertEqual(pinned.reason, "bundle_key_mismatch")
            XCTAssertEqual(kinds(pinned), ["key_pin:failed"])
        }
        let forgedNote = try checkpoint(ledgerPath: forged, keypair: forger)
        let carried = try verifyBundle(bundle: try edited(bundle, "checkpoint", forgedNote), pinnedPubkey: checkValuePubkey)
        XCTAssertEqual(carried.reason, "checkpoint_foreign")

        // A checkpoint of another ledger of the same key, held apart.
        let firstLine = try signEventAt(event: checkValueEvent, seq: 0, timestampNanos: 1, parentHash: genesisParent, keypair: key)
        let other = try write("other.ndjson", [try signedEventToJson(event: firstLine)])
        let foreign = try checkpoint(ledgerPath: other, keypair: key)
        let held = try verifyBundle(bundle: bundle, pinnedPubkey: checkValuePubkey, checkpoint: foreign)
        XCTAssertEqual(held.reason, "checkpoint_foreign")
        XCTAssertEqual(kinds(held).last, "held_checkpoint:failed")
        assertCode(.chain, "checkpoint_foreign") {
            try exportBundle(ledgerPath: ledger, checkpoint: foreign, selection: .seqs(first: 0, last: 1))
        }
    }

    func testABundleAgainstAHeldCheckpointAndByTime() throws {
        let lines = try exampleLines()
        let ledger = try writeExampleLedger()
        let key = try checkValueKeypair()
        let note3 = try checkpoint(ledgerPath: ledger, keypair: key, size: 3)
        let bundle = try exportBundle(ledgerPath: ledger, checkpoint: note3, selection: .seqs(first: 1, last: 2))
        XCTAssertEqual(try document(bundle)["checkpoint"] as? String, note3)
        let report = try verifyBundle(bundle: bundle, pinnedFingerprint: fingerprint, checkpoint: note3)
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.treeSize, 3)
        XCTAssertEqual(report.root, root3)
        XCTAssertEqual(
            try verifyBundle(bundle: bundle, pinnedFingerprint: fingerprint, checkpoint: note).reason, "bundle_proof_invalid"
        )
        assertCode(.ledger, "out_of_range") {
            try exportBundle(ledgerPath: ledger, checkpoint: note3, selection: .seqs(first: 2, last: 3))
        }

        // From a nanosecond after line 1 to line 3's time exactly: lines 2 and 3.
        let byTime = try exportBundle(ledgerPath: ledger, keypair: key, selection: .time(fromNanos: times[1] + 1, toNanos: times[3]))
        XCTAssertEqual(try document(byTime)["first_seq"] as? Int, 2)
        XCTAssertEqual(try document(byTime)["lines"] as? [String], Array(lines[2...3]))
        XCTAssertTrue(try verifyBundle(bundle: byTime, pinnedPubkey: checkValuePubkey).ok)
        assertCode(.ledger, "out_of_range") {
            try exportBundle(ledgerPath: ledger, keypair: key, selection: .time(fromNanos: times[3] + 1, toNanos: times[4] - 1))
        }
    }

    func testASessionSignsACheckpointEveryNEventsAndEachVerifies() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("agent.ndjson").path
        XCTAssertEqual(checkpointsPath(ledgerPath: ledger), ledger + ".checkpoints")
        XCTAssertEqual(try readCheckpoints(ledgerPath: ledger), [])
        let key = try checkValueKeypair()
        let session = try Session.open(
            keypair: key, ledgerPath: ledger, sessionId: "s", options: SessionOptions(durability: Durability.none, checkpointEvery: 2)
        )
        assertCode(.ledger, "out_of_range") { try session.checkpoint() }
        for event in try everyVariant() {
            _ = try session.record(event: event)
        }
        XCTAssertEqual(session.treeSize(), 7)
        XCTAssertNil(session.treeProblem())
        let now = try session.checkpoint()
        try session.close()
        XCTAssertEqual(now, try checkpoint(ledgerPath: ledger, keypair: key))

        let entries = try readCheckpoints(ledgerPath: ledger)
        XCTAssertEqual(entries.map { $0.treeSize }, [2, 4, 6])
        for entry in entries {
            XCTAssertEqual(entry.checkpoint, try checkpoint(ledgerPath: ledger, keypair: key, size: entry.treeSize))
            XCTAssertEqual(try verifyCheckpoint(checkpoint: entry.checkpoint, pubkey: checkValuePubkey).treeSize, entry.treeSize)
            let bundle = try exportBundle(ledgerPath: ledger, checkpoint: entry.checkpoint, selection: .seqs(first: 0, last: 1))
            let report = try verifyBundle(bundle: bundle, pinnedFingerprint: fingerprint, checkpoint: entry.checkpoint)
            XCTAssertTrue(report.ok, report.message)
            XCTAssertEqual(report.proofLevel, "verifiable")
        }
    }
}
