import Foundation
import Provedex
import XCTest

/// spec/transparency.md's example (TransparencyExample.swift): the empty tree's root and the proofs.
private let emptyRoot = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
private let inclusion25 = [
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
]
private let consistency35 = [
    "3b8077f3c9c7000e24c25e3034e8c6a0f0eae5cf4a227768481470ad2bead3cc",
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
]
/// The proof with the first hex digit of hash `index` changed.
private func flipped(_ proof: [String], _ index: Int) -> [String] {
    var changed = proof
    let hash = changed[index]
    changed[index] = (hash.hasPrefix("0") ? "1" : "0") + String(hash.dropFirst())
    return changed
}

/// The bytes of lowercase hex text.
private func bytes(_ hex: String) -> Data {
    var data = Data()
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        data.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return data
}

private func withCheckpoint(_ text: String) -> VerifyOptions {
    VerifyOptions(checkpoint: Data(text.utf8))
}

/// Checkpoints and proofs (spec/transparency.md) on the spec's example ledger and
/// on ledgers a session writes; the Kotlin tests' TransparencyTest.
final class TransparencyTests: XCTestCase {
    func testTheExampleLedgersCheckpointRootsAndProofsAreTheSpecs() throws {
        let ledger = try writeExampleLedger()
        let key = try checkValueKeypair()
        XCTAssertEqual(try checkpoint(ledgerPath: ledger, keypair: key), note)
        XCTAssertEqual(try key.signCheckpoint(genesisSelfHash: selfHashes[0], treeSize: 5, rootHex: root5), note)
        let info = try verifyCheckpoint(checkpoint: note, pubkey: key.pubkeyHex())
        XCTAssertEqual(
            info,
            CheckpointInfo(
                origin: origin, genesisSelfHash: selfHashes[0], fingerprint: key.fingerprint(), treeSize: 5, rootHex: root5
            )
        )
        XCTAssertEqual(try verifyCheckpoint(checkpoint: Data(note.utf8), pubkey: key.publicKeyPem()), info)
        XCTAssertEqual(try parseCheckpoint(checkpoint: note), info)
        let atThree = try checkpoint(ledgerPath: ledger, keypair: key, size: 3)
        XCTAssertEqual(try verifyCheckpoint(checkpoint: atThree, pubkey: checkValuePubkey).rootHex, root3)

        XCTAssertEqual(try ledgerTreeHead(ledgerPath: ledger), TreeHead(treeSize: 5, rootHex: root5))
        XCTAssertEqual(try ledgerTreeHead(ledgerPath: ledger, size: 3), TreeHead(treeSize: 3, rootHex: root3))
        XCTAssertEqual(treeRoot(leafInputs: selfHashes.prefix(3).map(bytes)), root3)
        XCTAssertEqual(treeRoot(leafInputs: []), emptyRoot)

        let inclusion = try proveInclusion(ledgerPath: ledger, seq: 2)
        XCTAssertEqual(inclusion.seq, 2)
        XCTAssertEqual(inclusion.treeSize, 5)
        XCTAssertEqual(inclusion.leafHex, selfHashes[2])
        XCTAssertEqual(inclusion.rootHex, root5)
        XCTAssertEqual(inclusion.proof, inclusion25)
        let hashes = inclusion25.map { "\"\($0)\"" }.joined(separator: ",")
        XCTAssertEqual(
            inclusion.json,
            "{\"type\":\"inclusion\",\"seq\":2,\"tree_size\":5,\"leaf\":\"\(selfHashes[2])\",\"root\":\"\(root5)\",\"proof\":[\(hashes)]}"
        )
        XCTAssertTrue(try inclusion.verify(rootHex: root5))
        XCTAssertFalse(try inclusion.verify(rootHex: root3))

        let consistency = try proveConsistency(ledgerPath: ledger, oldSize: 3, newSize: 5)
        XCTAssertEqual(consistency.oldRootHex, root3)
        XCTAssertEqual(consistency.newRootHex, root5)
        XCTAssertEqual(consistency.proof, consistency35)
        XCTAssertTrue(consistency.json.hasPrefix("{\"type\":\"consistency\",\"old_size\":3,\"new_size\":5,"), consistency.json)
        XCTAssertTrue(try consistency.verify(oldRootHex: root3, newRootHex: root5))
    }

    func testAFlippedProofHashFailsAsDoProofsOfTheWrongShape() throws {
        let leaf = bytes(selfHashes[2])
        XCTAssertTrue(try verifyInclusion(index: 2, treeSize: 5, leaf: leaf, proof: inclusion25, rootHex: root5))
        for index in inclusion25.indices {
            XCTAssertFalse(
                try verifyInclusion(index: 2, treeSize: 5, leaf: leaf, proof: flipped(inclusion25, index), rootHex: root5),
                "hash \(index)"
            )
        }
        XCTAssertFalse(try verifyInclusion(index: 3, treeSize: 5, leaf: leaf, proof: inclusion25, rootHex: root5))
        XCTAssertFalse(try verifyInclusion(index: 2, treeSize: 5, leaf: leaf, proof: Array(inclusion25.prefix(2)), rootHex: root5))
        XCTAssertFalse(
            try verifyInclusion(index: 2, treeSize: 5, leaf: leaf, proof: Array(inclusion25.prefix(2)) + ["not hex"], rootHex: root5)
        )
        assertCode(.chain, "invalid_hex") {
            try verifyInclusion(index: 2, treeSize: 5, leaf: leaf, proof: inclusion25, rootHex: "root")
        }

        XCTAssertTrue(try verifyConsistency(oldSize: 3, newSize: 5, proof: consistency35, oldRootHex: root3, newRootHex: root5))
        for index in consistency35.indices {
            XCTAssertFalse(
                try verifyConsistency(
                    oldSize: 3, newSize: 5, proof: flipped(consistency35, index), oldRootHex: root3, newRootHex: root5
                ),
                "hash \(index)"
            )
        }
        XCTAssertFalse(try verifyConsistency(oldSize: 5, newSize: 3, proof: consistency35, oldRootHex: root3, newRootHex: root5))
        XCTAssertTrue(try verifyConsistency(oldSize: 0, newSize: 5, proof: [], oldRootHex: emptyRoot, newRootHex: root5))
        XCTAssertTrue(try verifyConsistency(oldSize: 5, newSize: 5, proof: [], oldRootHex: root5, newRootHex: root5))
        XCTAssertFalse(try verifyConsistency(oldSize: 5, newSize: 5, proof: [], oldRootHex: root3, newRootHex: root5))
    }

    func testACheckpointCatchesATruncatedLedgerAndAReplacedLine() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        _ = try recordAll((0..<5).map { toolCalled("tool-\($0)") }, key: key, ledger: ledger)
        let full = try checkpoint(ledgerPath: ledger, keypair: key)
        XCTAssertTrue(try verifyFileWith(path: ledger, options: withCheckpoint(full)).ok)

        let lines = try ledgerLines(ledger)
        try writeLedgerLines(ledger, Array(lines.prefix(3)))
        XCTAssertTrue(try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey).ok, "the cut ledger is good on its own")
        let cut = try verifyFileWith(path: ledger, options: withCheckpoint(full))
        XCTAssertEqual(cut.reason, "ledger_truncated")
        XCTAssertFalse(cut.ok)
        XCTAssertEqual(cut.eventCount, 3)
        XCTAssertEqual(cut.brokenAt, 3)
        XCTAssertNil(cut.line)

        let atThree = try checkpoint(ledgerPath: ledger, keypair: key)
        let third = try signedEventFromJson(line: Data(lines[2].utf8))
        let replacement = try signEventAt(
            event: toolCalled("another"), seq: 2, timestampNanos: third.timestampNanos, parentHash: third.parentHash, keypair: key
        )
        try writeLedgerLines(ledger, Array(lines.prefix(2)) + [try signedEventToJson(event: replacement)])
        XCTAssertTrue(try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey).ok, "the chain holds")
        let replaced = try verifyFileWith(path: ledger, options: withCheckpoint(atThree))
        XCTAssertEqual(replaced.reason, "checkpoint_root_mismatch")
        XCTAssertNil(replaced.line)
    }

    func testAForeignOrForgedCheckpointIsRefusedWithItsReason() throws {
        let ledger = try writeExampleLedger()
        let other = try temporaryDirectory().appendingPathComponent("other.ndjson").path
        _ = try recordAll([toolCalled("a")], key: try checkValueKeypair(), ledger: other)
        let foreign = try checkpoint(ledgerPath: other, keypair: try checkValueKeypair())
        XCTAssertEqual(try verifyFileWith(path: ledger, options: withCheckpoint(foreign)).reason, "checkpoint_foreign")
        let otherPubkey = try otherKeypair().pubkeyHex()
        assertCode(.chain, "checkpoint_foreign") { try verifyCheckpoint(checkpoint: note, pubkey: otherPubkey) }

        let altered = note.replacingOccurrences(of: noteRoot, with: "A" + String(noteRoot.dropFirst()))
        assertCode(.chain, "checkpoint_signature_invalid") { try verifyCheckpoint(checkpoint: altered, pubkey: checkValuePubkey) }
        XCTAssertEqual(try verifyFileWith(path: ledger, options: withCheckpoint(altered)).reason, "checkpoint_signature_invalid")

        let malformed = [
            Data("not a note".utf8), Data([0xff, 0xfe]), Data(note.replacingOccurrences(of: "\n5\n", with: "\n05\n").utf8),
        ]
        for bytes in malformed {
            assertCode(.chain, "checkpoint_malformed") { try verifyCheckpoint(checkpoint: bytes, pubkey: checkValuePubkey) }
        }
        assertCode(.chain, "checkpoint_malformed") { try verifyFileWith(path: ledger, options: withCheckpoint("not a note")) }
    }

    func testCheckpointsAndProofsNeedTheRightKeyAndSizesInRange() throws {
        let ledger = try writeExampleLedger()
        let other = try otherKeypair()
        let key = try checkValueKeypair()
        assertCode(.ledger, "foreign_key") { try checkpoint(ledgerPath: ledger, keypair: other) }
        assertCode(.ledger, "out_of_range") { try proveInclusion(ledgerPath: ledger, seq: 5) }
        assertCode(.ledger, "out_of_range") { try proveConsistency(ledgerPath: ledger, oldSize: 4, newSize: 3) }
        assertCode(.ledger, "out_of_range") { try ledgerTreeHead(ledgerPath: ledger, size: 6) }
        assertCode(.ledger, "out_of_range") { try checkpoint(ledgerPath: ledger, keypair: key, size: 0) }
    }
}
