import Foundation
import Provedex
import XCTest

private func record(_ session: Session, _ count: Int) throws {
    for index in 0..<count {
        _ = try session.record(event: .toolReturned(
            toolName: "t\(index)", resultSha256: digestOf("x"), latencyMs: UInt64(index), success: true
        ))
    }
}

/// A port on 127.0.0.1 nothing listens on: one the system just gave and took back.
private func closedPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    XCTAssertEqual(bound, 0)
    return UInt16(bigEndian: address.sin_port)
}

/// Anchors (spec/anchors.md) without servers: the configuration's problems, and a
/// server that is down reaching the application as an outcome and a status, never
/// as an error. The Kotlin tests' AnchorsTest also runs against every real server.
final class AnchorsTests: XCTestCase {
    func testAConfigurationWithProblemsIsAConfigErrorListingThem() throws {
        let dir = try temporaryDirectory()
        let config = try AnchorConfig.parse(
            text: "ledger = \"missing/ledger.ndjson\"\nkey = \"missing.key\"\nanchor_batch_size = 0\n", dir: dir.path
        )
        let problems = config.problems()
        XCTAssertTrue(problems.contains("anchor_batch_size: 0 is not a batch size (1 or more)"), "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("key: cannot read") }, "\(problems)")
        let detail = assertCode(.config, "invalid_config") { try BackgroundAnchorer.start(config: config) }
        XCTAssertTrue(detail?.contains("anchor_batch_size: 0") ?? false, detail ?? "")
        assertCode(.config, "invalid_config") { try AnchorConfig.load(path: dir.appendingPathComponent("absent.toml").path) }
    }

    func testAServerThatIsDownIsAnOutcomeAndAStatusNeverAnError() throws {
        let dir = try temporaryDirectory()
        let key = try SigningKeypair.generate()
        try key.save(path: dir.appendingPathComponent("ledger.key").path)
        let configPath = dir.appendingPathComponent("provedex.toml").path
        try "ledger = \"ledger.ndjson\"\nkey = \"ledger.key\"\n\n[[anchor]]\nname = \"tsa\"\ntype = \"rfc3161\"\nendpoint = \"http://127.0.0.1:\(try closedPort())\"\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let session = try Session.open(
            keypair: key, ledgerPath: dir.appendingPathComponent("ledger.ndjson").path, sessionId: "s-down"
        )
        let anchorer = try BackgroundAnchorer.start(configPath: configPath)
        try record(session, 3)
        let outcomes = try anchorer.runNow()
        XCTAssertEqual(outcomes.map { "\($0.anchor):\($0.outcome)" }, ["tsa:failed"])
        try record(session, 100)
        let status = try XCTUnwrap(try anchorer.status().first)
        XCTAssertEqual(status.pending, 103)
        XCTAssertGreaterThanOrEqual(status.failures, 1)
        XCTAssertNotNil(status.lastError)
        anchorer.stop()
        XCTAssertFalse(anchorer.isRunning())
        try session.close()
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("ledger.ndjson.receipts").path))
    }
}
