import Foundation
import Provedex
import XCTest

/// Recording, resuming and verifying ledgers through `Session`.
final class SessionTests: XCTestCase {
    // Not a shared scenario: it checks how records chain (seqs, parents, timestamps that
    // come from the clock) and read back; the events it records are the shared
    // every_variant.
    func testEveryVariantIsRecordedChainedAndVerifies() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let events = try everyVariant()
        let recorded = try recordAll(events, key: checkValueKeypair(), ledger: ledger)

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
        let expected = events.map { event -> AgentEvent in
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

    // Not a shared scenario: a sequence of sessions on one ledger, one per durability:
    // behaviour of Session over time, not one input and its outcome.
    func testEachDurabilityRecordsAChainThatResumesInAnother() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let events = try everyVariant()
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").durability(), Durability.group)
        let modes: [Durability] = [.everyEvent, .group, Durability.none]
        for (i, durability) in modes.enumerated() {
            let session = try Session.openWithDurability(keypair: key, ledgerPath: ledger, sessionId: "s-\(i)", durability: durability)
            XCTAssertEqual(session.durability(), durability)
            XCTAssertEqual(try session.record(event: events[i]).seq, UInt64(i))
        }
        let report = try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey)
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.eventCount, UInt64(modes.count))
    }

    // Not a shared scenario: a session records, then the file is verified: behaviour of
    // Session, not a fixed input and output.
    func testRecordJsonReadsTheEventStrictlyAndRecordsIt() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let session = try Session.open(keypair: checkValueKeypair(), ledgerPath: ledger, sessionId: "s")
        let signed = try session.recordJson(eventJson: eventToJson(event: checkValueEvent))
        XCTAssertEqual(signed.event, checkValueEvent)
        XCTAssertTrue(try verifyFile(path: ledger, pinnedPubkey: nil).ok)
    }

    // Not a shared scenario: two sessions in sequence on one ledger and one key file:
    // behaviour of resuming, not one input and its outcome.
    func testAReopenedSessionResumesTheChain() throws {
        let directory = try temporaryDirectory()
        let ledger = directory.appendingPathComponent("ledger.ndjson").path
        let keyFile = directory.appendingPathComponent("keys/agent.key").path
        let events = try everyVariant()
        let first = try recordAll(Array(events.prefix(3)), key: SigningKeypair.loadOrCreate(path: keyFile), ledger: ledger)

        let key = try SigningKeypair.loadOrCreate(path: keyFile)
        let session = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "session-42")
        XCTAssertEqual(session.pubkeyHex(), key.pubkeyHex())
        XCTAssertEqual(session.nextSeq(), 3)
        let second = try events.dropFirst(3).map { try session.record(event: $0) }

        XCTAssertEqual(second.map(\.seq), Array<UInt64>(3...6))
        XCTAssertEqual(second.first?.parentHash, first.last?.selfHash)
        XCTAssertEqual(session.nextSeq(), 7)
        let report = try verifyFile(path: ledger, pinnedPubkey: SigningKeypair.load(path: keyFile).pubkeyHex())
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.eventCount, 7)
        XCTAssertEqual(report.rootHash, second.last?.selfHash)
    }

    // Not a shared scenario: a random key is created, then found again: no fixed value
    // to share.
    func testLoadOrCreateWritesAPrivate32ByteKeyFileAndLoadsItAgain() throws {
        let keyFile = try temporaryDirectory().appendingPathComponent("agent.key").path
        let created = try SigningKeypair.loadOrCreate(path: keyFile).pubkeyHex()

        XCTAssertEqual(try fileSize(keyFile), 32)
        XCTAssertEqual(try filePermissions(keyFile), 0o600)
        XCTAssertEqual(try SigningKeypair.loadOrCreate(path: keyFile).pubkeyHex(), created)
        XCTAssertEqual(try SigningKeypair.load(path: keyFile).pubkeyHex(), created)
    }

    // Not a shared scenario: a save followed by a load (the file's bytes and the key it
    // loads as): a round trip through the file system, not one input and its outcome.
    func testASavedSeedLoadsAsTheSameKey() throws {
        let keyFile = try temporaryDirectory().appendingPathComponent("check.key").path
        try checkValueKeypair().save(path: keyFile)

        XCTAssertEqual(FileManager.default.contents(atPath: keyFile), Data((0..<32).map { UInt8($0) }))
        XCTAssertEqual(try SigningKeypair.load(path: keyFile).pubkeyHex(), checkValuePubkey)
    }

    // Not a shared scenario: releasing the last reference (ARC) frees the session: Swift's
    // own lifetime rule.
    func testReleasingASessionReleasesTheLedgerForTheNextWriter() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        do {
            let session = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s")
            _ = try session.record(event: checkValueEvent)
        }
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").nextSeq(), 1)
    }

    // Not a shared scenario: close semantics over a session's life, while Swift still
    // holds a reference to it.
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

    // Not a shared scenario: it needs a first session open while a second opens,
    // then closes it: a sequence of calls.
    func testASecondWriterIsRefusedUntilTheFirstCloses() throws {
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let first = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s")
        assertCode(.ledger, "locked") { try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s") }
        try first.close()
        XCTAssertEqual(try Session.open(keypair: key, ledgerPath: ledger, sessionId: "s").nextSeq(), 0)
    }

    // Not a shared scenario: several sessions in sequence and sessionId(): behaviour
    // of Session.
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

    // Not a shared scenario: the outcome holds an offset and a backup path made at run
    // time, checked across calls (recover, then a session resumes). Recovering a
    // missing file is one of the shared error scenarios.
    func testRecoverRemovesATornTailAndSaysWhatItDid() throws {
        let directory = try temporaryDirectory()
        let ledger = directory.appendingPathComponent("ledger.ndjson").path
        let key = try checkValueKeypair()
        let recorded = try recordAll(Array(everyVariant().prefix(2)), key: key, ledger: ledger)
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
    }

    // Not a shared scenario: a session's state on a full ledger (nextSeq nil),
    // the refusal, then the file unchanged: behaviour of Session over calls.
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
}
