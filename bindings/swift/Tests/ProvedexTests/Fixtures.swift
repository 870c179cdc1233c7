import Foundation
import Provedex
import XCTest

/// The published check value's key: the seed of bytes 0 to 31.
func checkValueKeypair() throws -> SigningKeypair {
    try SigningKeypair.fromSeed(seed: Data((0..<32).map { UInt8($0) }))
}

let checkValuePubkey = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"

let checkValueEvent = AgentEvent.sessionStarted(agentId: "agent-1", modelId: "llama3.2:3b", sessionId: "session-demo")

/// The parent_hash of every first line: 64 `0` characters.
let genesisParent = String(repeating: "0", count: 64)

func digestOf(_ text: String) -> String {
    sha256Hex(data: Data(text.utf8))
}

// everyVariant(), one event of each of the seven v1 variants, is read from the
// shared scenario file (Scenarios.swift).

/// The lines of a ledger file, without their LFs (a last line without LF is kept).
func ledgerLines(_ ledger: String) throws -> [String] {
    var lines = try String(contentsOfFile: ledger, encoding: .utf8).components(separatedBy: "\n")
    while lines.last == "" {
        lines.removeLast()
    }
    return lines
}

func writeLedgerLines(_ ledger: String, _ lines: [String]) throws {
    try lines.map { $0 + "\n" }.joined().write(toFile: ledger, atomically: false, encoding: .utf8)
}

/// Records `events` in a new session on `ledger`; the session is closed, and
/// the ledger unlocked, when this returns.
func recordAll(_ events: [AgentEvent], key: SigningKeypair, ledger: String) throws -> [SignedEvent] {
    let session = try Session.open(keypair: key, ledgerPath: ledger, sessionId: "session-42")
    return try events.map { try session.record(event: $0) }
}

func fileSize(_ path: String) throws -> Int? {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
}

func filePermissions(_ path: String) throws -> Int? {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
}

/// Writes a file with these permissions (an NSNumber: what Foundation on Linux accepts).
func writeFile(_ path: String, _ contents: Data, permissions: Int) {
    let written = FileManager.default.createFile(
        atPath: path, contents: contents, attributes: [.posixPermissions: NSNumber(value: permissions)]
    )
    XCTAssertTrue(written, "cannot write \(path)")
}

enum ErrorKind {
    case keyLoad, signing, ledger, chain, config
}

extension ProvedexError {
    /// This error's kind, stable code (KeyLoad has none) and detail.
    var parts: (kind: ErrorKind, code: String?, detail: String) {
        switch self {
        case let .KeyLoad(detail):
            return (.keyLoad, nil, detail)
        case let .Signing(code, detail):
            return (.signing, code, detail)
        case let .Ledger(code, detail):
            return (.ledger, code, detail)
        case let .Chain(code, detail):
            return (.chain, code, detail)
        case let .Config(code, detail):
            return (.config, code, detail)
        }
    }
}

/// Asserts that `body` throws the `kind` of `ProvedexError` with this stable
/// `code`; returns the error's detail.
@discardableResult
func assertCode<T>(
    _ kind: ErrorKind, _ code: String?, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) -> String? {
    do {
        let value = try body()
        XCTFail("expected a \(kind) error, got \(value)", file: file, line: line)
    } catch let error as ProvedexError {
        XCTAssertEqual(error.parts.kind, kind, error.parts.detail, file: file, line: line)
        XCTAssertEqual(error.parts.code, code, error.parts.detail, file: file, line: line)
        return error.parts.detail
    } catch {
        XCTFail("expected a \(kind) error, got \(error)", file: file, line: line)
    }
    return nil
}

extension XCTestCase {
    /// A fresh directory, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("provedex-swift-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock {
            _ = try? FileManager.default.removeItem(at: directory)
        }
        return directory
    }
}
