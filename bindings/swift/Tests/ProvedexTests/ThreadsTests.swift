import Foundation
import Provedex
import XCTest

/// One `Session` shared by many threads: every record gets its own seq and the chain holds.
final class ThreadsTests: XCTestCase {
    // Not a shared scenario: concurrency is behaviour, not data, and each
    // language drives it with its own threads (100 records per thread here,
    // 1,000 in the Kotlin test).
    func test16ThreadsRecord100EventsEachOnOneSession() throws {
        let threads = 16
        let perThread = 100
        let ledger = try temporaryDirectory().appendingPathComponent("ledger.ndjson").path
        let session = try Session.open(keypair: checkValueKeypair(), ledgerPath: ledger, sessionId: "threads")
        let results = ThreadResults(threads: threads)
        let start = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()

        let began = Date()
        for thread in 0..<threads {
            finished.enter()
            Thread {
                defer { finished.leave() }
                start.wait()
                for index in 0..<perThread {
                    let event = AgentEvent.toolReturned(
                        toolName: "tool-\(thread)", resultSha256: digestOf("\(thread)/\(index)"),
                        latencyMs: UInt64(index), success: index % 2 == 0
                    )
                    results.append(Result { try session.record(event: event).seq }, from: thread)
                }
            }.start()
        }
        // Released together, the threads' records interleave.
        for _ in 0..<threads {
            start.signal()
        }
        finished.wait()
        print("ThreadsTests: \(threads * perThread) records in \(Int(Date().timeIntervalSince(began) * 1000)) ms")

        let seqs = try results.all.map { ofOneThread in try ofOneThread.map { try $0.get() } }
        XCTAssertEqual(seqs.flatMap { $0 }.sorted(), Array(0..<UInt64(threads * perThread)))
        for ofOneThread in seqs {
            XCTAssertEqual(ofOneThread, ofOneThread.sorted(), "one thread's records are in its order")
        }
        let report = try verifyFile(path: ledger, pinnedPubkey: checkValuePubkey)
        XCTAssertTrue(report.ok, report.message)
        XCTAssertEqual(report.eventCount, UInt64(threads * perThread))
    }
}

/// What `Session.record` returned to each thread, in the order it returned it.
private final class ThreadResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [[Result<UInt64, Error>]]

    init(threads: Int) {
        results = Array(repeating: [], count: threads)
    }

    func append(_ result: Result<UInt64, Error>, from thread: Int) {
        lock.lock()
        defer { lock.unlock() }
        results[thread].append(result)
    }

    var all: [[Result<UInt64, Error>]] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
