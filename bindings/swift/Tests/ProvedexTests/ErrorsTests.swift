import Foundation
import Provedex
import XCTest

/// Each kind of `ProvedexError`, with the stable code programs branch on.
final class ErrorsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory()
    }

    private func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The shared `errors` scenarios (bindings/scenarios/scenarios.json), as the
    /// Kotlin tests run them: a hostile input to one call, and the kind and code
    /// of the error it gives. Signing uses the check value's key.
    func testSharedErrorScenarios() throws {
        try forEachScenario("errors") { scenario in
            try runErrorScenario(scenario)
        }
    }

    private func runErrorScenario(_ scenario: Scenario) throws {
        let input = scenario.input
        let scenarioDirectory = try temporaryDirectory()
        switch scenario.op {
        case "key_from_seed":
            let seed = try dataFromHex(input.string("seed_hex"))
            try assertExpectedError(scenario) { try SigningKeypair.fromSeed(seed: seed) }
        case "key_from_pem":
            let pem = try input.string("pem")
            try assertExpectedError(scenario) { try SigningKeypair.fromPem(pem: pem) }
        case "toolset_hash":
            let manifest = try input.string("manifest")
            try assertExpectedError(scenario) { try toolsetHash(manifest: manifest) }
        case "load_key_file":
            let keyFile = try scenarioPath(scenarioDirectory, input)
            try assertExpectedError(scenario) { try SigningKeypair.load(path: keyFile) }
        case "save_key":
            let keyFile = try scenarioPath(scenarioDirectory, input)
            let key = try checkValueKeypair()
            try assertExpectedError(scenario) { try key.save(path: keyFile) }
        case "event_from_json":
            let json = try input.string("json")
            try assertExpectedError(scenario) { try eventFromJson(json: json) }
        case "event_to_json":
            let event = try scenarioEvent(input.value("event"))
            try assertExpectedError(scenario) { try eventToJson(event: event) }
        case "canonical_json":
            let json = try Data(input.string("json").utf8)
            try assertExpectedError(scenario) { try canonicalJson(json: json) }
        case "compute_self_hash":
            let event = try scenarioEvent(input.value("event"))
            let seq = try input.uint64("seq")
            let timestampNanos = try input.uint64("timestamp_nanos")
            let parentHash = try input.string("parent_hash")
            try assertExpectedError(scenario) {
                try computeSelfHash(event: event, seq: seq, timestampNanos: timestampNanos, parentHash: parentHash)
            }
        case "sign_event_at":
            let event = try scenarioEvent(input.value("event"))
            let seq = try input.uint64("seq")
            let timestampNanos = try input.uint64("timestamp_nanos")
            let parentHash = try input.string("parent_hash")
            let key = try checkValueKeypair()
            try assertExpectedError(scenario) {
                try signEventAt(event: event, seq: seq, timestampNanos: timestampNanos, parentHash: parentHash, keypair: key)
            }
        case "record":
            // Refused before anything is written: the session stays at seq 0 and the ledger empty.
            let event = try scenarioEvent(input.value("event"))
            let ledger = scenarioDirectory.appendingPathComponent("ledger.ndjson").path
            let session = try Session.open(keypair: checkValueKeypair(), ledgerPath: ledger, sessionId: "s")
            try assertExpectedError(scenario) { try session.record(event: event) }
            XCTAssertEqual(session.nextSeq(), 0, "scenario \(scenario.id): nothing is recorded")
            try session.close()
            XCTAssertEqual(try fileSize(ledger), 0, "scenario \(scenario.id): nothing is written")
        case "signed_event_from_json":
            let line = try Data(input.string("line").utf8)
            try assertExpectedError(scenario) { try signedEventFromJson(line: line) }
        case "verify_signed_event":
            let signed = try scenarioSignedEvent(input.value("signed_event"))
            try assertExpectedError(scenario) { try verifySignedEvent(event: signed) }
        case "verify_chain":
            let events = try input.array("events").map { try scenarioSignedEvent($0) }
            let pinnedPubkey = try input.optionalString("pinned_pubkey")
            try assertExpectedError(scenario) { try verifyChain(events: events, pinnedPubkey: pinnedPubkey) }
        case "verify_file":
            let ledger = try scenarioPath(scenarioDirectory, input)
            try assertExpectedError(scenario) { try verifyFile(path: ledger, pinnedPubkey: nil) }
        case "open_session":
            let ledger = try scenarioPath(scenarioDirectory, input)
            let key = try checkValueKeypair()
            try assertExpectedError(scenario) { try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s") }
        case "recover":
            let ledger = try scenarioPath(scenarioDirectory, input)
            try assertExpectedError(scenario) { try recover(path: ledger) }
        default:
            throw ScenarioFileError("no errors op \"\(scenario.op)\"")
        }
    }

    // Not a shared scenario: it needs a first session open while a second one
    // tries the ledger, a sequence of calls rather than one input and its error.
    func testLedgerASecondSessionOnTheSameLedgerIsLockedOut() throws {
        let key = try checkValueKeypair()
        let first = try Session.open(keypair: key, ledgerPath: path("ledger.ndjson"), sessionId: "first")
        // The first session must stay open while the second one tries the ledger.
        withExtendedLifetime(first) {
            assertCode(.ledger, "locked") {
                try Session.open(keypair: key, ledgerPath: path("ledger.ndjson"), sessionId: "second")
            }
        }
    }

    // Not a shared scenario: the error description is Swift's own
    // (LocalizedError); Kotlin's message has another format.
    func testTheErrorDescriptionNamesTheKindAndTheCode() {
        do {
            _ = try eventFromJson(json: "{}")
            XCTFail("an empty object was read as an event")
        } catch let error as ProvedexError {
            XCTAssertEqual(error.parts.code, "missing_field")
            let description = error.errorDescription ?? ""
            XCTAssertTrue(description.contains("Signing"), description)
            XCTAssertTrue(description.contains("missing_field"), description)
        } catch {
            XCTFail("expected a ProvedexError, got \(error)")
        }
    }
}
