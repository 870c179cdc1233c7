import Foundation
import Provedex
import XCTest

/// README.md's usage example is ReadmeExample.swift (check.py keeps the two
/// the same): it compiles, runs, and resumes the ledger on a second run.
final class ReadmeExampleTests: XCTestCase {
    func testTheExampleRecordsAndVerifiesAndResumesOnASecondRun() throws {
        let directory = try temporaryDirectory()
        let keyFile = directory.appendingPathComponent("agent.key").path
        let ledgerFile = directory.appendingPathComponent("ledger.ndjson").path

        XCTAssertTrue(try recordModelCall(keyFile: keyFile, ledgerFile: ledgerFile).ok)
        let second = try recordModelCall(keyFile: keyFile, ledgerFile: ledgerFile)

        XCTAssertTrue(second.ok, second.message)
        XCTAssertEqual(second.eventCount, 2)
    }
}
