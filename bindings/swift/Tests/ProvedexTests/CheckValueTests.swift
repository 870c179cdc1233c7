import Foundation
import Provedex
import XCTest

/// The published check value of wire format v1, through every path that computes it.
final class CheckValueTests: XCTestCase {
    let checkValueSelfHash = "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91"
    let checkValueTimestampNanos: UInt64 = 1_700_000_000_000_000_000

    func testSeed0To31HasThePublishedPublicKey() throws {
        XCTAssertEqual(try checkValueKeypair().pubkeyHex(), checkValuePubkey)
    }

    func testTheCheckEventSealsToThePublishedSelfHash() throws {
        let signed = try signEventAt(
            event: checkValueEvent, seq: 0, timestampNanos: checkValueTimestampNanos,
            parentHash: genesisParent, keypair: checkValueKeypair()
        )
        XCTAssertEqual(signed.selfHash, checkValueSelfHash)
        XCTAssertEqual(signed.signerPubkey, checkValuePubkey)
        XCTAssertEqual(signed.signature.count, 128)
        XCTAssertNoThrow(try verifySignedEvent(event: signed))
        XCTAssertEqual(
            try computeSelfHash(event: checkValueEvent, seq: 0, timestampNanos: checkValueTimestampNanos, parentHash: genesisParent),
            checkValueSelfHash
        )
    }

    func testTheCheckLineIsWrittenInTheV1KeyOrderAndReadsBackEqual() throws {
        let signed = try signEventAt(
            event: checkValueEvent, seq: 0, timestampNanos: checkValueTimestampNanos,
            parentHash: genesisParent, keypair: checkValueKeypair()
        )
        let line = try signedEventToJson(event: signed)
        let keys = ["seq", "timestamp_nanos", "event", "parent_hash", "self_hash", "signature", "signer_pubkey"]
        let offsets = try keys.map { key in try XCTUnwrap(line.range(of: "\"\(key)\":"), key).lowerBound }
        XCTAssertEqual(offsets, offsets.sorted(), line)
        XCTAssertEqual(try signedEventFromJson(line: Data(line.utf8)), signed)
    }

    func testTheGenesisConstantIsTheCores() {
        XCTAssertEqual(genesisParentHash(), genesisParent)
    }

    func testEventsReadAndWriteCanonicalJson() throws {
        let json = try eventToJson(event: checkValueEvent)
        XCTAssertEqual(
            json,
            #"{"payload":{"agent_id":"agent-1","model_id":"llama3.2:3b","session_id":"session-demo"},"type":"SessionStarted"}"#
        )
        XCTAssertEqual(try eventFromJson(json: json), checkValueEvent)
        XCTAssertEqual(try canonicalJson(json: Data(#"{ "a" : 1 }"#.utf8)), Data(#"{"a":1}"#.utf8))
    }

    func testSha256HexIsSha256InLowercaseHex() {
        XCTAssertEqual(sha256Hex(data: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
