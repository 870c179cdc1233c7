import Foundation
import Provedex
import XCTest

/// The published check value of wire format v1, and other fixed values, through every path that computes them.
final class CheckValueTests: XCTestCase {
    /// The shared `check_values` scenarios (bindings/scenarios/scenarios.json), as the Kotlin tests run them.
    func testSharedCheckValueScenarios() throws {
        try forEachScenario("check_values") { scenario in
            try runCheckValue(scenario)
        }
    }

    private func runCheckValue(_ scenario: Scenario) throws {
        let input = scenario.input
        let expect = scenario.expect
        let id = "scenario \(scenario.id)"
        switch scenario.op {
        case "pubkey_of_seed":
            let key = try SigningKeypair.fromSeed(seed: dataFromHex(input.string("seed_hex")))
            XCTAssertEqual(key.pubkeyHex(), try expect.string("pubkey_hex"), id)
        case "load_key_file":
            let keyFile = try scenarioPath(temporaryDirectory(), input)
            XCTAssertEqual(try SigningKeypair.load(path: keyFile).pubkeyHex(), try expect.string("pubkey_hex"), id)
        case "seal":
            try seal(scenario)
        case "event_json":
            let event = try scenarioEvent(input.value("event"))
            let json = try expect.string("json")
            XCTAssertEqual(try eventToJson(event: event), json, id)
            XCTAssertEqual(try eventFromJson(json: json), event, id)
        case "canonical_json":
            let json = try input.string("json")
            let canonical = try expect.string("json")
            XCTAssertEqual(try canonicalJson(json: Data(json.utf8)), Data(canonical.utf8), id)
        case "sha256_hex":
            let text = try input.string("utf8")
            XCTAssertEqual(sha256Hex(data: Data(text.utf8)), try expect.string("hex"), id)
        case "toolset_hash":
            let manifest = try input.string("manifest")
            XCTAssertEqual(try toolsetHash(manifest: manifest).toolsetSha256, try expect.string("toolset_sha256"), id)
        case "key_manager":
            try keyManager(scenario)
        default:
            throw ScenarioFileError("no check_values op \"\(scenario.op)\"")
        }
    }

    /// Seals the event with the key of the seed: both ways give the self_hash, and the line is exactly the v1 line.
    private func seal(_ scenario: Scenario) throws {
        let input = scenario.input
        let expect = scenario.expect
        let id = "scenario \(scenario.id)"
        let key = try SigningKeypair.fromSeed(seed: dataFromHex(input.string("seed_hex")))
        let event = try scenarioEvent(input.value("event"))
        let seq = try input.uint64("seq")
        let timestampNanos = try input.uint64("timestamp_nanos")
        let parentHash = try input.string("parent_hash")
        let selfHash = try expect.string("self_hash")
        let line = try expect.string("line")

        XCTAssertEqual(
            try computeSelfHash(event: event, seq: seq, timestampNanos: timestampNanos, parentHash: parentHash), selfHash, id
        )
        let signed = try signEventAt(event: event, seq: seq, timestampNanos: timestampNanos, parentHash: parentHash, keypair: key)
        XCTAssertEqual(signed.selfHash, selfHash, id)
        XCTAssertEqual(signed.signerPubkey, try expect.string("signer_pubkey"), id)
        XCTAssertEqual(signed.signature.count, 128, id)
        XCTAssertNoThrow(try verifySignedEvent(event: signed), id)

        let written = try signedEventToJson(event: signed)
        XCTAssertEqual(written, line, id)
        let keys = ["seq", "timestamp_nanos", "event", "parent_hash", "self_hash", "signature", "signer_pubkey"]
        let offsets = try keys.map { member in try XCTUnwrap(written.range(of: "\"\(member)\":"), "\(id): \(member)").lowerBound }
        XCTAssertEqual(offsets, offsets.sorted(), "\(id): the v1 key order: \(written)")
        XCTAssertEqual(try signedEventFromJson(line: Data(line.utf8)), signed, id)
    }

    /// The key of the seed as the key manager shows it: fingerprint, data signature, and both PEM forms.
    private func keyManager(_ scenario: Scenario) throws {
        let input = scenario.input
        let expect = scenario.expect
        let id = "scenario \(scenario.id)"
        let key = try SigningKeypair.fromSeed(seed: dataFromHex(input.string("seed_hex")))
        let data = Data(try input.string("utf8").utf8)
        let fingerprint = try expect.string("fingerprint")
        let signature = try expect.string("signature")
        let privatePem = try expect.string("private_pem")
        let publicPem = try expect.string("public_pem")

        XCTAssertEqual(key.fingerprint(), fingerprint, id)
        XCTAssertEqual(try publicKeyFingerprint(pubkey: publicPem), fingerprint, id)
        XCTAssertEqual(key.signData(data: data), signature, id)
        XCTAssertTrue(try verifyData(pubkey: key.pubkeyHex(), data: data, signature: signature), id)
        XCTAssertEqual(key.publicKeyPem(), publicPem, id)
        XCTAssertEqual(try parsePublicKey(text: publicPem), key.pubkeyHex(), id)
        XCTAssertEqual(try SigningKeypair.fromPem(pem: privatePem).pubkeyHex(), key.pubkeyHex(), id)
        let saved = try temporaryDirectory().appendingPathComponent("key.pem").path
        try key.savePem(path: saved)
        XCTAssertEqual(try String(contentsOfFile: saved, encoding: .utf8), privatePem, id)
    }

    // Not a shared scenario: it compares the tests' own constant (Fixtures.swift)
    // with the core's, so there is no data to share.
    func testTheGenesisConstantIsTheCores() {
        XCTAssertEqual(genesisParentHash(), genesisParent)
    }
}
