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

    func testKeyLoadAShortSeedAMissingKeyFileAKeyFileOfTheWrongSizeAnExistingFileOnSave() throws {
        assertCode(.keyLoad, nil) { try SigningKeypair.fromSeed(seed: Data(count: 31)) }
        let missing = assertCode(.keyLoad, nil) { try SigningKeypair.load(path: path("missing.key")) }
        XCTAssertTrue(missing?.contains("missing.key") == true, missing ?? "")

        writeFile(path("long.key"), Data(count: 33), permissions: 0o600)
        assertCode(.keyLoad, nil) { try SigningKeypair.load(path: path("long.key")) }

        let key = try checkValueKeypair()
        try key.save(path: path("agent.key"))
        assertCode(.keyLoad, nil) { try key.save(path: path("agent.key")) }
    }

    func testKeyLoadAKeyFileOthersCanReadIsNotTrusted() {
        writeFile(path("shared.key"), Data(count: 32), permissions: 0o644)
        assertCode(.keyLoad, nil) { try SigningKeypair.load(path: path("shared.key")) }
    }

    func testSigningAMalformedDigestIsInvalidHexAndNothingIsRecorded() throws {
        let badDigest = AgentEvent.modelInvoked(
            modelId: "m", promptSha256: "ABC", responseSha256: digestOf("r"), promptTokens: 1, responseTokens: 1
        )
        assertCode(.signing, "invalid_hex") {
            try computeSelfHash(event: badDigest, seq: 0, timestampNanos: 0, parentHash: genesisParent)
        }
        let key = try checkValueKeypair()
        assertCode(.signing, "invalid_hex") {
            try signEventAt(event: badDigest, seq: 0, timestampNanos: 0, parentHash: genesisParent, keypair: key)
        }
        assertCode(.signing, "invalid_hex") {
            try signEventAt(event: checkValueEvent, seq: 0, timestampNanos: 0, parentHash: "00", keypair: key)
        }
        let session = try Session.open(keypair: key, ledgerPath: path("ledger.ndjson"), sessionId: "s")
        assertCode(.signing, "invalid_hex") { try session.record(event: badDigest) }
        XCTAssertEqual(session.nextSeq(), 0)
        XCTAssertEqual(try fileSize(path("ledger.ndjson")), 0)
    }

    func testSigningEventFromJsonNamesWhatIsWrongWithTheJson() {
        let cases = [
            (#"{"type":"SessionEnded","payload":{"reason":"done"}}"#, "missing_field"),
            (#"{"type":"SessionEnded","payload":{"reason":"a","reason":"b","summary_sha256":""}}"#, "duplicate_key"),
            (#"{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":"","extra":1}}"#, "unknown_field"),
            (#"{"type":"SessionPaused","payload":{}}"#, "unknown_event_type"),
            (#"{"type":"SessionEnded","payload":{"reason":7,"summary_sha256":""}}"#, "wrong_type"),
            (#"{"type":"SessionEnded","payload":"#, "malformed_json"),
        ]
        for (json, code) in cases {
            assertCode(.signing, code) { try eventFromJson(json: json) }
        }
    }

    func testSigningArgsRedactedMustBeAJsonObject() {
        let call = { (argsRedacted: String) in
            AgentEvent.toolCalled(toolName: "t", argsSha256: digestOf("a"), argsRedacted: argsRedacted)
        }
        assertCode(.signing, "wrong_type") { try eventToJson(event: call("[1]")) }
        assertCode(.signing, "malformed_json") { try eventToJson(event: call("{")) }
    }

    func testSigningCanonicalJsonReportsTheJsonErrorCode() {
        assertCode(.signing, "duplicate_key") { try canonicalJson(json: Data(#"{"a":1,"a":2}"#.utf8)) }
    }

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

    func testLedgerVerifyFileOfAMissingFileIsIoADirectoryIsNoLedgerToWrite() throws {
        assertCode(.ledger, "io") { try verifyFile(path: path("missing.ndjson"), pinnedPubkey: nil) }
        let key = try checkValueKeypair()
        assertCode(.ledger, "unusable") { try Session.open(keypair: key, ledgerPath: directory.path, sessionId: "s") }
    }

    func testChainLinesThatAreNotSignedEvents() throws {
        assertCode(.chain, "missing_field") { try signedEventFromJson(line: Data("{}".utf8)) }
        assertCode(.chain, "empty_line") { try signedEventFromJson(line: Data()) }
        assertCode(.chain, "crlf_line_ending") { try signedEventFromJson(line: Data("{}\r".utf8)) }
        let line = try signedEventToJson(event: signEventAt(
            event: checkValueEvent, seq: 0, timestampNanos: 1, parentHash: genesisParent, keypair: checkValueKeypair()
        ))
        assertCode(.chain, "malformed_json") { try signedEventFromJson(line: Data("\(line) ".utf8)) }
        let upperCaseKey = line.replacingOccurrences(of: checkValuePubkey, with: checkValuePubkey.uppercased())
        assertCode(.chain, "invalid_hex") { try signedEventFromJson(line: Data(upperCaseKey.utf8)) }
    }

    func testChainATamperedOrMalformedSignedEvent() throws {
        let signed = try signEventAt(
            event: checkValueEvent, seq: 0, timestampNanos: 1, parentHash: genesisParent, keypair: checkValueKeypair()
        )
        var later = signed
        later.timestampNanos = 2
        assertCode(.chain, "hash_mismatch") { try verifySignedEvent(event: later) }
        var reversed = signed
        reversed.signature = String(signed.signature.reversed())
        assertCode(.chain, "bad_signature") { try verifySignedEvent(event: reversed) }
        var malformed = signed
        malformed.selfHash = "xyz"
        assertCode(.chain, "invalid_hex") { try verifySignedEvent(event: malformed) }
        assertCode(.chain, "invalid_hex") { try verifyChain(events: [signed], pinnedPubkey: "not a key") }
    }

    func testU32FieldsHoldTheWholeU32RangeAndJsonBeyondItIsIntegerOutOfRange() throws {
        let largest = AgentEvent.modelInvoked(
            modelId: "m", promptSha256: digestOf("p"), responseSha256: digestOf("r"), promptTokens: UInt32.max, responseTokens: 0
        )
        let json = try eventToJson(event: largest)
        XCTAssertTrue(json.contains(#""prompt_tokens":4294967295"#), json)
        XCTAssertEqual(try eventFromJson(json: json), largest)
        let tooLarge = json.replacingOccurrences(of: "4294967295", with: "4294967296")
        assertCode(.signing, "integer_out_of_range") { try eventFromJson(json: tooLarge) }
    }

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
