import Foundation
import Provedex
import XCTest

/// Edits to a recorded ledger file are found, with where and why.
final class TamperTests: XCTestCase {
    private var ledger = ""
    private var recorded: [SignedEvent] = []

    /// Records a ledger of every variant and checks it verifies before the test edits it.
    override func setUpWithError() throws {
        ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        recorded = try recordAll(everyVariant, key: checkValueKeypair(), ledger: ledger)
        XCTAssertTrue(try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey).ok)
    }

    /// Replaces line `index` of the ledger with `edit` of it; the edit must change the line.
    private func editLine(_ index: Int, _ edit: (String) -> String) throws {
        var lines = try ledgerLines(ledger)
        let edited = edit(lines[index])
        XCTAssertNotEqual(edited, lines[index], "the edit changed nothing")
        lines[index] = edited
        try writeLedgerLines(ledger, lines)
    }

    private func assertBrokenAt(_ seq: Int, _ reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey)
        XCTAssertFalse(report.ok, file: file, line: line)
        XCTAssertEqual(report.reason, reason, report.message, file: file, line: line)
        XCTAssertEqual(report.brokenAt, UInt64(seq), file: file, line: line)
        XCTAssertEqual(report.eventCount, UInt64(seq), file: file, line: line)
        XCTAssertEqual(report.line, UInt64(seq) + 1, file: file, line: line)
        XCTAssertEqual(report.rootHash, seq > 0 ? recorded[seq - 1].selfHash : nil, file: file, line: line)
    }

    func testAnEditedPayloadFieldIsAHashMismatch() throws {
        try editLine(1) { $0.replacingOccurrences(of: "Wie spät", with: "Wie früh") }
        try assertBrokenAt(1, "hash_mismatch")
    }

    func testOneChangedByteInASignatureIsABadSignature() throws {
        let signature = recorded[4].signature
        var characters = Array(signature)
        characters[10] = characters[10] == "0" ? "1" : "0"
        try editLine(4) { $0.replacingOccurrences(of: signature, with: String(characters)) }
        try assertBrokenAt(4, "bad_signature")
    }

    func testADeletedLineIsASeqMismatchWhereItWas() throws {
        let lines = try ledgerLines(ledger)
        try writeLedgerLines(ledger, lines.enumerated().filter { $0.offset != 3 }.map(\.element))
        try assertBrokenAt(3, "seq_mismatch")
    }

    func testALineSealedAfterTheWrongParentIsAParentMismatch() throws {
        let last = try XCTUnwrap(recorded.last)
        let forged = try signEventAt(
            event: everyVariant[6], seq: 7, timestampNanos: last.timestampNanos, parentHash: genesisParent,
            keypair: checkValueKeypair()
        )
        try writeLedgerLines(ledger, ledgerLines(ledger) + [signedEventToJson(event: forged)])
        try assertBrokenAt(7, "parent_mismatch")
    }

    func testAWellChainedLineOfAnotherSignerIsSignerChangedOrPubkeyMismatchWhenPinned() throws {
        let last = try XCTUnwrap(recorded.last)
        let forged = try signEventAt(
            event: everyVariant[6], seq: 7, timestampNanos: last.timestampNanos, parentHash: last.selfHash,
            keypair: SigningKeypair.generate()
        )
        try writeLedgerLines(ledger, ledgerLines(ledger) + [signedEventToJson(event: forged)])

        try assertBrokenAt(7, "pubkey_mismatch")
        let unpinned = try verifyFile(path: ledger, pinnedPubkey: nil)
        XCTAssertEqual(unpinned.reason, "signer_changed")
        XCTAssertEqual(unpinned.brokenAt, 7)
    }

    func testADamagedLastLineStopsTheNextSessionFromResuming() throws {
        try editLine(6) { $0.replacingOccurrences(of: "completed", with: "abandoned") }

        assertCode(.ledger, "broken") {
            try Session.open(keypair: checkValueKeypair(), ledgerPath: ledger, sessionId: "s")
        }
        try assertBrokenAt(6, "hash_mismatch")
    }

    func testATamperedEventFailsVerifySignedEventWithHashMismatch() throws {
        var tampered = recorded[2]
        guard case let .toolCalled(_, argsSha256, argsRedacted) = tampered.event else {
            return XCTFail("line 2 is not a ToolCalled event")
        }
        tampered.event = .toolCalled(toolName: "shell", argsSha256: argsSha256, argsRedacted: argsRedacted)

        assertCode(.chain, "hash_mismatch") { try verifySignedEvent(event: tampered) }
        var chain = recorded
        chain[2] = tampered
        let report = try verifyChain(events: chain, pinnedPubkey: nil)
        XCTAssertEqual(report.reason, "hash_mismatch")
        XCTAssertEqual(report.brokenAt, 2)
    }
}
