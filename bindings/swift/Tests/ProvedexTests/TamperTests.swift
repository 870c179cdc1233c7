import Foundation
import Provedex
import XCTest

/// Edits to a recorded ledger file are found, with where and why; ledgers a session refuses to open.
final class TamperTests: XCTestCase {
    /// The shared `ledgers` scenarios (bindings/scenarios/scenarios.json), as the
    /// Kotlin tests run them: the first `recorded` events of `every_variant` are
    /// recorded with the check value's key (and verify), the op edits the file,
    /// then each `verify` finds the break, and `open` is refused.
    func testSharedLedgerScenarios() throws {
        let events = try everyVariant()
        try forEachScenario("ledgers") { scenario in
            try runLedgerScenario(scenario, events: events)
        }
    }

    private func runLedgerScenario(_ scenario: Scenario, events: [AgentEvent]) throws {
        let id = "scenario \(scenario.id)"
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let count = try scenario.input.int("recorded")
        let recorded = try recordAll(Array(events.prefix(count)), key: checkValueKeypair(), ledger: ledger)
        XCTAssertTrue(try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey).ok, "\(id): the recorded ledger verifies")

        try edit(scenario, ledger: ledger, recorded: recorded, events: events)

        if scenario.expect["open"] != nil {
            let opening = try scenario.expect.object("open")
            let code = try opening.string("code")
            let key = try scenarioKey(opening.string("key"))
            let before = FileManager.default.contents(atPath: ledger)
            do {
                _ = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s")
                XCTFail("\(id): the ledger opened")
            } catch let error as ProvedexError {
                XCTAssertEqual(error.parts.kind, .ledger, "\(id): \(error.parts.detail)")
                XCTAssertEqual(error.parts.code, code, "\(id): \(error.parts.detail)")
            }
            XCTAssertEqual(FileManager.default.contents(atPath: ledger), before, "\(id): a refused open changes nothing")
        }
        for entry in try scenario.expect.array("verify") {
            let check = try entry.asObject("verify")
            let pin = try check.string("pin")
            let pinned: String?
            switch pin {
            case "check":
                pinned = checkValuePubkey
            case "other":
                pinned = try SigningKeypair.generate().pubkeyHex()
            case "none":
                pinned = nil
            default:
                throw ScenarioFileError("no pin \"\(pin)\"")
            }
            let report = try verifyFile(path: ledger, pinnedPubkey: pinned)
            try assertBrokenAt(
                report, check.int("broken_at"), check.string("reason"), recorded: recorded, context: "\(id), pin \(pin)"
            )
        }
    }

    /// Applies the scenario's edit to the ledger file.
    private func edit(_ scenario: Scenario, ledger: String, recorded: [SignedEvent], events: [AgentEvent]) throws {
        let input = scenario.input
        switch scenario.op {
        case "none":
            break
        case "replace_text":
            let old = try input.string("old")
            let new = try input.string("new")
            try editLine(ledger, input.int("index")) { $0.replacingOccurrences(of: old, with: new) }
        case "flip_signature_digit":
            let index = try input.int("index")
            let digit = try input.int("digit")
            let signature = recorded[index].signature
            var characters = Array(signature)
            characters[digit] = characters[digit] == "0" ? "1" : "0"
            try editLine(ledger, index) { $0.replacingOccurrences(of: signature, with: String(characters)) }
        case "delete_line":
            let index = try input.int("index")
            let lines = try ledgerLines(ledger)
            try writeLedgerLines(ledger, lines.enumerated().filter { $0.offset != index }.map(\.element))
        case "append_signed_line":
            let last = try XCTUnwrap(recorded.last)
            let parent = try input.string("parent")
            let parentHash: String
            switch parent {
            case "genesis":
                parentHash = genesisParent
            case "last":
                parentHash = last.selfHash
            default:
                throw ScenarioFileError("no parent \"\(parent)\"")
            }
            let forged = try signEventAt(
                event: events[input.int("event_index")], seq: input.uint64("seq"), timestampNanos: last.timestampNanos,
                parentHash: parentHash, keypair: scenarioKey(input.string("signer"))
            )
            try writeLedgerLines(ledger, ledgerLines(ledger) + [signedEventToJson(event: forged)])
        case "append_text":
            let whole = try String(contentsOfFile: ledger, encoding: .utf8)
            try (whole + input.string("text")).write(toFile: ledger, atomically: false, encoding: .utf8)
        default:
            throw ScenarioFileError("no ledgers op \"\(scenario.op)\"")
        }
    }

    /// Replaces line `index` of the ledger with `edit` of it; the edit must change the line.
    private func editLine(_ ledger: String, _ index: Int, _ edit: (String) -> String) throws {
        var lines = try ledgerLines(ledger)
        let edited = edit(lines[index])
        guard edited != lines[index] else {
            throw ScenarioFileError("the edit of line \(index) changed nothing")
        }
        lines[index] = edited
        try writeLedgerLines(ledger, lines)
    }

    /// The report of a ledger whose lines before seq `at` hold and whose line at `at` breaks with `reason`.
    private func assertBrokenAt(
        _ report: ChainReport, _ at: Int, _ reason: String, recorded: [SignedEvent], context: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let message = "\(context): \(report.message)"
        XCTAssertFalse(report.ok, message, file: file, line: line)
        XCTAssertEqual(report.reason, reason, message, file: file, line: line)
        XCTAssertEqual(report.brokenAt, UInt64(at), message, file: file, line: line)
        XCTAssertEqual(report.eventCount, UInt64(at), message, file: file, line: line)
        XCTAssertEqual(report.line, UInt64(at) + 1, message, file: file, line: line)
        XCTAssertEqual(report.rootHash, at > 0 ? recorded[at - 1].selfHash : nil, message, file: file, line: line)
    }

    // Not a shared scenario: it edits the binding's value types in memory
    // (Swift matches and rebuilds its enum; Kotlin copies a data class), and
    // checks verifySignedEvent and verifyChain on them, not a file.
    func testATamperedEventFailsVerifySignedEventWithHashMismatch() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let recorded = try recordAll(everyVariant(), key: checkValueKeypair(), ledger: ledger)
        XCTAssertTrue(try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey).ok)
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
