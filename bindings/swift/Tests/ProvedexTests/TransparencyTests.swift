import Foundation
import Provedex
import XCTest

/// spec/transparency.md's example: the five lines' self_hashes, roots, proofs and checkpoint.
private let selfHashes = [
    "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91",
    "7ad3b55c94a38cec592f2a1013911d63c71b25129442827849fda312cddff717",
    "47e922625ffbd02c28f5e25300637c7e29d4dd32bd7b82f8dfae8c32e4a02dbb",
    "d7ea33eeffae138ad257224756ebe10dc123fd7496cf220bca86babcbbddbe6b",
    "48ceec2fea3094d77d28dff69fca6b8096d20cff368ce4adc8b58a304082002c",
]
private let root3 = "b3c3002b473ff193240ef3ae3df5fe87618134ce597f3e1a5e1208718ceec20b"
private let root5 = "06f986b72472a5fc40b83c14c1f018691815b400d74f952ab737f7c36d10ff2e"
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
private let origin = "provedex-ledger/52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91"
    + "/sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
private let noteRoot = "BvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4="
private let note = "\(origin)\n5\n\(noteRoot)\n\n\u{2014} \(origin) "
    + "zQWhPN5xQVM8nuBsbg4sI65IHv+Yuoeeoc/077YMcDS8pvocFQpxY+zPUdxa26TiD7nLHLDCWUc9U1yoKvcMRsCjuAE=\n"

/// The spec's directory, found from this source file's place in the repository.
private let specDirectoryURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent() // Tests/ProvedexTests
    .appendingPathComponent("../../../../spec")
    .standardizedFileURL

/// The five example lines as the spec prints them (seq 0 and 1 in
/// signature-scheme.md, seq 2 to 4 in ledger-format.md).
private func exampleLines() throws -> [String] {
    var lines: [String] = []
    for name in ["signature-scheme.md", "ledger-format.md"] {
        let text = try String(contentsOf: specDirectoryURL.appendingPathComponent(name), encoding: .utf8)
        for line in text.components(separatedBy: "\n") where line.hasPrefix("line: ") {
            lines.append(String(line.dropFirst("line: ".count)))
        }
    }
    XCTAssertEqual(lines.count, 5)
    for (seq, line) in lines.enumerated() {
        XCTAssertTrue(line.hasPrefix("{\"seq\":\(seq),"), line)
    }
    return lines
}

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
    private func example() throws -> String {
        let ledger = try temporaryDirectory().appendingPathComponent("example.ndjson").path
        try writeLedgerLines(ledger, try exampleLines())
        return ledger
    }

    func testTheExampleLedgersCheckpointRootsAndProofsAreTheSpecs() throws {
        let ledger = try example()
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
        let ledger = try example()
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
        let ledger = try example()
        let other = try otherKeypair()
        let key = try checkValueKeypair()
        assertCode(.ledger, "foreign_key") { try checkpoint(ledgerPath: ledger, keypair: other) }
        assertCode(.ledger, "out_of_range") { try proveInclusion(ledgerPath: ledger, seq: 5) }
        assertCode(.ledger, "out_of_range") { try proveConsistency(ledgerPath: ledger, oldSize: 4, newSize: 3) }
        assertCode(.ledger, "out_of_range") { try ledgerTreeHead(ledgerPath: ledger, size: 6) }
        assertCode(.ledger, "out_of_range") { try checkpoint(ledgerPath: ledger, keypair: key, size: 0) }
    }
}
