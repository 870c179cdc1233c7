import Foundation
import Provedex
import XCTest

/// The manifest of spec/toolsets.md's example, in the function-tool and Provedex shapes.
let exampleManifest = """
[
  {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"name": "search", "version": "2.1.0", "description": "Web search.",
   "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
]
"""

/// Its toolset hash (spec/toolsets.md, Toolset examples).
let exampleToolsetSha256 = "baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390"

/// A key other than the check value's.
func otherKeypair() throws -> SigningKeypair {
    try SigningKeypair.fromSeed(seed: Data(repeating: 7, count: 32))
}

func toolCalled(_ tool: String) -> AgentEvent {
    .toolCalled(toolName: tool, argsSha256: digestOf("{}"), argsRedacted: "{}")
}

/// Spec 1.1: key rotation, redaction, toolset pins and drift, the verification
/// options and the key history, and the key manager (PEM, fingerprints, data
/// signatures); the Kotlin tests' Spec11Test. Not shared scenarios: each is a
/// session's behaviour over several steps (record, rotate, reopen, verify), not
/// one input and its outcome.
final class Spec11Tests: XCTestCase {
    private func openSession(_ key: SigningKeypair, _ ledger: String) throws -> Session {
        try Session.openWithDurability(keypair: key, ledgerPath: ledger, sessionId: "s", durability: Durability.none)
    }

    func testARotatedLedgerResumesOnlyWithTheNewKeyAndVerifiesUnderTheFirst() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let old = try checkValueKeypair()
        let new = try otherKeypair()
        do {
            let session = try openSession(old, ledger)
            _ = try session.record(event: toolCalled("search"))
            let rotation = try session.rotateKey(newKeypair: new)
            XCTAssertEqual(rotation.signerPubkey, checkValuePubkey, "the old key signs the hand-over")
            guard case let .keyRotated(newPubkey, _) = rotation.event else {
                return XCTFail("not a rotation: \(rotation.event)")
            }
            XCTAssertEqual(newPubkey, new.pubkeyHex())
            XCTAssertEqual(session.pubkeyHex(), new.pubkeyHex())
            XCTAssertEqual(try session.record(event: toolCalled("search")).signerPubkey, new.pubkeyHex())
            try session.close()
        }

        assertCode(.ledger, "foreign_key") { try openSession(old, ledger) }
        let resumed = try openSession(new, ledger)
        XCTAssertEqual(try resumed.record(event: toolCalled("search")).seq, 3)
        try resumed.close()

        let report = try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey)
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.signers, [checkValuePubkey, new.pubkeyHex()])
        XCTAssertEqual(
            report.keys,
            [KeyEntry(pubkey: checkValuePubkey, fromSeq: 0, toSeq: 1), KeyEntry(pubkey: new.pubkeyHex(), fromSeq: 2, toSeq: 3)]
        )
        XCTAssertNil(report.unpinnedToolCalls)
        XCTAssertEqual(try verifyFile(path: ledger, pinnedPubkey: new.pubkeyHex()).reason, "pubkey_mismatch")
    }

    func testTheCurrentKeyCanBePinnedInsteadOfTheFirst() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let new = try otherKeypair()
        do {
            let session = try openSession(checkValueKeypair(), ledger)
            _ = try session.record(event: toolCalled("search"))
            _ = try session.rotateKey(newKeypair: new)
            try session.close()
        }
        XCTAssertTrue(try verifyFileWith(path: ledger, options: VerifyOptions(pinnedCurrentPubkey: new.pubkeyHex())).ok)
        let both = try verifyFileWith(
            path: ledger, options: VerifyOptions(pinnedPubkey: checkValuePubkey, pinnedCurrentPubkey: new.pubkeyHex())
        )
        XCTAssertTrue(both.ok, both.message)
        let stale = try verifyFileWith(path: ledger, options: VerifyOptions(pinnedCurrentPubkey: checkValuePubkey))
        XCTAssertFalse(stale.ok)
        XCTAssertEqual(stale.reason, "current_key_mismatch")
        let lines = try ledgerLines(ledger).map { try signedEventFromJson(line: Data($0.utf8)) }
        XCTAssertEqual(try verifyChainWith(events: lines, options: VerifyOptions(pinnedCurrentPubkey: checkValuePubkey)), stale)
        assertCode(.chain, "invalid_hex") { try verifyFileWith(path: ledger, options: VerifyOptions(pinnedCurrentPubkey: "ab")) }
    }

    func testRotatingToTheCurrentKeyIsRefusedAndWritesNothing() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let session = try openSession(checkValueKeypair(), ledger)
        _ = try session.record(event: toolCalled("search"))
        assertCode(.signing, "rotation_key_invalid") { try session.rotateKey(newKeypair: checkValueKeypair()) }
        try session.close()
        XCTAssertEqual(try ledgerLines(ledger).count, 1)
    }

    func testARedactionNamesItsTargetBySeqAndHash() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let session = try openSession(checkValueKeypair(), ledger)
        let target = try session.record(event: toolCalled("search"))
        let redaction = try session.redact(targetSeq: 0, reason: "gdpr erasure", requestedBy: "dpo@example.com")
        XCTAssertEqual(
            redaction.event,
            .redacted(targetSeq: 0, targetSelfHash: target.selfHash, reason: "gdpr erasure", requestedBy: "dpo@example.com")
        )
        assertCode(.signing, "redaction_of_redaction") { try session.redact(targetSeq: 1, reason: "r", requestedBy: "q") }
        assertCode(.signing, "redaction_target_unknown") { try session.redact(targetSeq: 5, reason: "r", requestedBy: "q") }
        try session.close()
        XCTAssertEqual(try ledgerLines(ledger).first, try signedEventToJson(event: target), "the target stays in the file")
        let report = try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey)
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.eventCount, 2)
    }

    func testAPinnedToolsetIsTheSpecsExampleAndDriftIsReportedByName() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let toolset = try toolsetHash(manifest: exampleManifest)
        XCTAssertEqual(toolset.toolsetSha256, exampleToolsetSha256)
        XCTAssertEqual(toolset.tools.map(\.name), ["get_weather", "search"])

        let session = try openSession(checkValueKeypair(), ledger)
        _ = try session.record(event: toolCalled("search"))
        assertCode(.ledger, "no_toolset") { try checkToolset(ledgerPath: ledger, pinnedPubkey: nil, manifest: exampleManifest) }
        let pin = try session.pinToolset(manifest: exampleManifest)
        XCTAssertEqual(pin.event, .toolsetPinned(toolsetSha256: exampleToolsetSha256, tools: toolset.tools))
        try session.close()

        let same = try checkToolset(ledgerPath: ledger, pinnedPubkey: checkValuePubkey, manifest: exampleManifest)
        XCTAssertEqual(
            same,
            ToolsetCheck(pinnedAt: 1, pinnedSha256: exampleToolsetSha256, matches: true, added: [], removed: [], changed: [])
        )

        let drifted = #"{"tools": [{"name": "search", "version": "2.2.0"}, {"name": "shell", "inputSchema": {}}]}"#
        let drift = try checkToolset(ledgerPath: ledger, pinnedPubkey: nil, manifest: drifted)
        XCTAssertFalse(drift.matches)
        XCTAssertEqual(drift.added.map(\.name), ["shell"])
        XCTAssertEqual(drift.removed.map(\.name), ["get_weather"])
        XCTAssertEqual(drift.changed.map(\.name), ["search"])
        XCTAssertEqual(drift.changed.first?.pinnedSha256, toolset.tools.first(where: { $0.name == "search" })?.sha256)

        assertCode(.ledger, "broken") {
            try checkToolset(ledgerPath: ledger, pinnedPubkey: otherKeypair().pubkeyHex(), manifest: exampleManifest)
        }
    }

    func testCheckToolsListsTheCallsOutsideThePinnedToolset() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let session = try openSession(checkValueKeypair(), ledger)
        _ = try session.pinToolset(manifest: #"[{"name": "search"}]"#)
        _ = try session.record(event: toolCalled("search"))
        _ = try session.record(event: toolCalled("shell"))
        _ = try session.pinToolset(manifest: #"[{"name": "search"}, {"name": "shell"}]"#)
        _ = try session.record(event: toolCalled("shell"))
        try session.close()

        let report = try verifyFileWith(path: ledger, options: VerifyOptions(checkTools: true))
        XCTAssertTrue(report.ok, "calls outside the toolset are listed, not a finding")
        XCTAssertEqual(report.unpinnedToolCalls, [UnpinnedToolCall(seq: 2, toolName: "shell")])
        XCTAssertNil(try verifyFile(path: ledger, pinnedPubkey: nil).unpinnedToolCalls)
    }

    func testAManifestThatIsNotAToolsetIsASigningErrorAndPinsNothing() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let manifests = [
            #"[{"name": "a"}, {"name": "a"}]"#: "both named",
            #"[{"name": "a", "input_schema": {}, "parameters": {}}]"#: "tool 0",
            #"{"tools": [], "nextCursor": "x"}"#: "nextCursor",
            "[": "not valid JSON",
        ]
        let session = try openSession(checkValueKeypair(), ledger)
        for (manifest, named) in manifests {
            let hashed = assertCode(.signing, "invalid_manifest") { try toolsetHash(manifest: manifest) }
            XCTAssertTrue(hashed?.contains(named) ?? false, "\(manifest): \(hashed ?? "")")
            let pinned = assertCode(.signing, "invalid_manifest") { try session.pinToolset(manifest: manifest) }
            XCTAssertEqual(pinned, hashed)
        }
        XCTAssertEqual(session.nextSeq(), 0, "nothing is pinned")
    }

    func testKeysGoOutAsPemAndFingerprints() throws {
        let directory = try temporaryDirectory()
        let key = try checkValueKeypair()
        let keyFile = directory.appendingPathComponent("agent.pem").path
        try key.savePem(path: keyFile)
        let pem = try String(contentsOfFile: keyFile, encoding: .utf8)
        XCTAssertTrue(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"), pem)
        XCTAssertEqual(try filePermissions(keyFile), 0o600)
        XCTAssertEqual(try SigningKeypair.load(path: keyFile).pubkeyHex(), checkValuePubkey)
        XCTAssertEqual(try SigningKeypair.fromPem(pem: pem).pubkeyHex(), checkValuePubkey)
        assertCode(.keyLoad, nil) { try SigningKeypair.fromPem(pem: key.publicKeyPem()) }
        assertCode(.keyLoad, nil) { try key.savePem(path: keyFile) }

        let publicPem = key.publicKeyPem()
        XCTAssertTrue(publicPem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"), publicPem)
        XCTAssertEqual(try publicKeyPem(pubkey: checkValuePubkey), publicPem)
        XCTAssertEqual(try parsePublicKey(text: publicPem), checkValuePubkey)
        let publicFile = directory.appendingPathComponent("agent.pub").path
        try publicPem.write(toFile: publicFile, atomically: false, encoding: .utf8)
        XCTAssertEqual(try loadPublicKey(path: publicFile), checkValuePubkey)
        assertCode(.keyLoad, nil) { try parsePublicKey(text: "not a key") }

        XCTAssertTrue(key.fingerprint().hasPrefix("sha256:"), key.fingerprint())
        XCTAssertEqual(key.fingerprint().count, 71)
        XCTAssertEqual(try publicKeyFingerprint(pubkey: publicPem), key.fingerprint())
        XCTAssertEqual(try publicKeyFingerprint(pubkey: checkValuePubkey), key.fingerprint())
    }

    func testDataSignaturesVerifyOnlyForTheirKeyDataAndKind() throws {
        let key = try checkValueKeypair()
        let data = Data("report.pdf".utf8)
        let signature = key.signData(data: data)
        XCTAssertEqual(signature.count, 128)
        XCTAssertTrue(try verifyData(pubkey: checkValuePubkey, data: data, signature: signature))
        XCTAssertTrue(try verifyData(pubkey: key.publicKeyPem(), data: data, signature: signature))
        XCTAssertFalse(try verifyData(pubkey: checkValuePubkey, data: Data("report.pdf.".utf8), signature: signature))
        XCTAssertFalse(try verifyData(pubkey: otherKeypair().pubkeyHex(), data: data, signature: signature))
        // A line's signature is over its 32-byte self_hash alone: never a data signature of those bytes.
        let line = try signEventAt(event: checkValueEvent, seq: 0, timestampNanos: 1, parentHash: genesisParent, keypair: key)
        XCTAssertFalse(try verifyData(pubkey: checkValuePubkey, data: dataFromHex(line.selfHash), signature: line.signature))
        assertCode(.chain, "invalid_hex") { try verifyData(pubkey: checkValuePubkey, data: data, signature: "zz") }
    }

    func testDataHashedAsItIsReadGetsTheSameSignature() throws {
        let key = try checkValueKeypair()
        let data = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let dataSha256 = sha256Hex(data: data)
        let signature = try key.signDataSha256(dataSha256: dataSha256)
        XCTAssertEqual(signature, key.signData(data: data))
        XCTAssertTrue(try verifyDataSha256(pubkey: checkValuePubkey, dataSha256: dataSha256, signature: signature))
        XCTAssertFalse(try verifyDataSha256(pubkey: checkValuePubkey, dataSha256: sha256Hex(data: Data()), signature: signature))
        assertCode(.chain, "invalid_hex") { try key.signDataSha256(dataSha256: "ab") }
    }
}
