import Foundation
import Provedex
import XCTest

/// Recording, resuming and verifying ledgers through `Session`.
final class SessionTests: XCTestCase {
    func testEveryVariantIsRecordedChainedAndVerifies() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let recorded = try recordAll(everyVariant, key: checkValueKeypair(), ledger: ledger)

        XCTAssertEqual(recorded.map(\.seq), Array<UInt64>(0...6))
        XCTAssertEqual(recorded.first?.parentHash, genesisParent)
        for (previous, next) in zip(recorded, recorded.dropFirst()) {
            XCTAssertEqual(next.parentHash, previous.selfHash)
            XCTAssertLessThanOrEqual(previous.timestampNanos, next.timestampNanos)
        }
        for signed in recorded {
            XCTAssertNoThrow(try verifySignedEvent(event: signed))
        }
        // args_redacted comes back in its canonical form; every other event exactly as given.
        let expected = everyVariant.map { event -> AgentEvent in
            guard case let .toolCalled(toolName, argsSha256, _) = event else { return event }
            return .toolCalled(toolName: toolName, argsSha256: argsSha256, argsRedacted: #"{"token":"***","tz":"Europe/Berlin"}"#)
        }
        XCTAssertEqual(recorded.map(\.event), expected)
        XCTAssertEqual(try recorded.map { try signedEventToJson(event: $0) }, try ledgerLines(ledger))

        let report = try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey)
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.eventCount, 7)
        XCTAssertNil(report.brokenAt)
        XCTAssertNil(report.reason)
        XCTAssertEqual(report.rootHash, recorded.last?.selfHash)
        XCTAssertEqual(report.signers, [checkValuePubkey])
        XCTAssertEqual(try verifyChain(events: recorded, pinnedPubkey: checkValuePubkey), report)
    }

    func testEachDurabilityRecordsAChainThatResumesInAnother() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").durability(), Durability.group)
        let modes: [Durability] = [.everyEvent, .group, Durability.none]
        for (i, durability) in modes.enumerated() {
            let session = try Session.openWithDurability(keypair: key, ledgerPath: ledger, sessionId: "s-\(i)", durability: durability)
            XCTAssertEqual(session.durability(), durability)
            XCTAssertEqual(try session.record(event: everyVariant[i]).seq, UInt64(i))
        }
        let report = try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey)
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.eventCount, UInt64(modes.count))
    }

    func testRecordJsonReadsTheEventStrictlyAndRecordsIt() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let session = try Session.open(keypair: checkValueKeypair(), ledgerPath: ledger, sessionId: "s")
        let signed = try session.recordJson(eventJson: eventToJson(event: checkValueEvent))
        XCTAssertEqual(signed.event, checkValueEvent)
        XCTAssertTrue(try verifyFile(path: ledger, pinnedPubkey: nil).ok)
    }

    func testAReopenedSessionResumesTheChain() throws {
        let directory = try temporaryDirectory()
        let ledger = directory.appendingPathComponent("ledger.ndjson").path
        let keyFile = directory.appendingPathComponent("keys/agent.key").path
        let first = try recordAll(Array(everyVariant.prefix(3)), key: SigningKeypair.loadOrCreate(path: keyFile), ledger: ledger)

        let key = try SigningKeypair.loadOrCreate(path: keyFile)
        let session = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "session-42")
        XCTAssertEqual(session.pubkeyHex(), key.pubkeyHex())
        XCTAssertEqual(session.nextSeq(), 3)
        let second = try everyVariant.dropFirst(3).map { try session.record(event: $0) }

        XCTAssertEqual(second.map(\.seq), Array<UInt64>(3...6))
        XCTAssertEqual(second.first?.parentHash, first.last?.selfHash)
        XCTAssertEqual(session.nextSeq(), 7)
        let report = try verifyFile(path: ledger, pinnedPubkey: SigningKeypair.load(path: keyFile).pubkeyHex())
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.eventCount, 7)
        XCTAssertEqual(report.rootHash, second.last?.selfHash)
    }

    func testAWrongPinnedKeyIsAPubkeyMismatchAtTheFirstLine() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        _ = try recordAll(everyVariant, key: checkValueKeypair(), ledger: ledger)

        let report = try verifyFile(path: ledger, pinnedPubkey: SigningKeypair.generate().pubkeyHex())

        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.reason, "pubkey_mismatch")
        XCTAssertEqual(report.brokenAt, 0)
        XCTAssertEqual(report.eventCount, 0)
        XCTAssertNil(report.rootHash)
    }

    func testLoadOrCreateWritesAPrivate32ByteKeyFileAndLoadsItAgain() throws {
        let keyFile = try temporaryDirectory().appendingPathComponent("agent.key").path
        let created = try SigningKeypair.loadOrCreate(path: keyFile).pubkeyHex()

        XCTAssertEqual(try fileSize(keyFile), 32)
        XCTAssertEqual(try filePermissions(keyFile), 0o600)
        XCTAssertEqual(try SigningKeypair.loadOrCreate(path: keyFile).pubkeyHex(), created)
        XCTAssertEqual(try SigningKeypair.load(path: keyFile).pubkeyHex(), created)
    }

    func testASavedSeedLoadsAsTheSameKey() throws {
        let keyFile = try temporaryDirectory().appendingPathComponent("check.key").path
        try checkValueKeypair().save(path: keyFile)

        XCTAssertEqual(FileManager.default.contents(atPath: keyFile), Data((0..<32).map { UInt8($0) }))
        XCTAssertEqual(try SigningKeypair.load(path: keyFile).pubkeyHex(), checkValuePubkey)
    }

    func testReleasingASessionReleasesTheLedgerForTheNextWriter() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        do {
            let session = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s")
            _ = try session.record(event: checkValueEvent)
        }
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").nextSeq(), 1)
    }

    func testCloseReleasesTheLockAndLaterRecordsFailWithCodeClosed() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let session = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s")
        _ = try session.record(event: checkValueEvent)
        try session.close()
        try session.close() // harmless
        assertCode(.ledger, "closed") { try session.record(event: checkValueEvent) }
        // The lock went with close(), while `session` is still referenced.
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").nextSeq(), 1)
        XCTAssertEqual(session.sessionId(), "s")
    }

    func testASecondWriterIsRefusedUntilTheFirstCloses() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let first = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s")
        assertCode(.ledger, "locked") { try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s") }
        try first.close()
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").nextSeq(), 0)
    }

    func testSessionIdIsTheApplicationsMetadataNotWrittenAndNotTheLocator() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let named = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "support-42")
        XCTAssertEqual(named.sessionId(), "support-42")
        try named.close()
        XCTAssertEqual(try fileSize(ledger), 0)
        let a = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "a")
        _ = try a.record(event: checkValueEvent)
        try a.close()
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "b").nextSeq(), 1)
    }

    func testRecoverRemovesATornTailAndSaysWhatItDid() throws {
        let directory = try temporaryDirectory()
        let ledger = directory.appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let recorded = try recordAll(Array(everyVariant.prefix(2)), key: key, ledger: ledger)
        guard case let .nothingToRecover(clean) = try recover(path: ledger) else {
            return XCTFail("a whole ledger has nothing to recover")
        }
        XCTAssertTrue(clean.ok)
        let good = try XCTUnwrap(fileSize(ledger))
        let whole = try String(contentsOfFile: ledger, encoding: .utf8)
        try (whole + #"{"seq":2,"timesta"#).write(toFile: ledger, atomically: false, encoding: .utf8)

        guard case let .truncated(offset, removedBytes, backup, report) = try recover(path: ledger) else {
            return XCTFail("a torn tail is truncated")
        }
        XCTAssertEqual(offset, UInt64(good))
        XCTAssertEqual(removedBytes, 17)
        XCTAssertEqual(backup, directory.appendingPathComponent("ledger.ndjson.torn-\(good)").path)
        XCTAssertEqual(try String(contentsOfFile: backup, encoding: .utf8), #"{"seq":2,"timesta"#)
        XCTAssertEqual(report.rootHash, recorded.last?.selfHash)
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").nextSeq(), 2)
        assertCode(.ledger, "io") { try recover(path: directory.appendingPathComponent("absent").path) }
    }

    func testALedgerAtTheLargestSeqOpensFullAndRefusesToRecord() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let last = try signEventAt(
            event: checkValueEvent, seq: UInt64.max, timestampNanos: UInt64.max, parentHash: genesisParent, keypair: key
        )
        let line = try signedEventToJson(event: last)
        XCTAssertEqual(try signedEventFromJson(line: Data(line.utf8)).seq, UInt64.max)
        try writeLedgerLines(ledger, [line])

        let session = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s")
        XCTAssertNil(session.nextSeq())
        assertCode(.ledger, "unusable") { try session.record(event: checkValueEvent) }
        XCTAssertEqual(try ledgerLines(ledger), [line])
    }

    func testATornTailIsRefusedOnOpenAndReportedByVerifyFile() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        _ = try recordAll(Array(everyVariant.prefix(2)), key: key, ledger: ledger)
        let whole = try String(contentsOfFile: ledger, encoding: .utf8)
        try (whole + #"{"seq":2,"timesta"#).write(toFile: ledger, atomically: false, encoding: .utf8)

        assertCode(.ledger, "torn_tail") { try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s") }
        let report = try verifyFile(path: ledger, pinnedPubkey: nil)
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.reason, "torn_tail")
        XCTAssertEqual(report.brokenAt, 2)
    }

    func testALedgerOfAnotherKeyIsRefusedAsForeignKey() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        _ = try recordAll(Array(everyVariant.prefix(1)), key: checkValueKeypair(), ledger: ledger)

        assertCode(.ledger, "foreign_key") {
            try Session.open(keypair: SigningKeypair.generate(), ledgerPath: ledger, sessionId: "s")
        }
        XCTAssertEqual(try ledgerLines(ledger).count, 1)
    }
}
