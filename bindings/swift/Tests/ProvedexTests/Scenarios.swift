import Foundation
import Provedex
import XCTest

// The scenarios these tests share with the Kotlin tests: bindings/scenarios/scenarios.json
// (its format: bindings/scenarios/README.md). The Swift and the Kotlin tests each
// read the whole file and run every scenario of it; a failure names the
// scenario's id. check.py fails when the file is invalid or when either
// language stops reading a part of it.

/// The shared file, found from this source file's place in the repository.
let scenarioFileURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent() // Tests/ProvedexTests
    .appendingPathComponent("../../../scenarios/scenarios.json")
    .standardizedFileURL

/// The members of the file: a member these tests do not read fails every scenario test.
let scenarioFileMembers: Set<String> = ["comment", "every_variant", "check_values", "errors", "ledgers"]

/// A mistake in the scenario file, or a scenario these tests cannot run.
struct ScenarioFileError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A JSON value of the scenario file.
enum ScenarioValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case unsigned(UInt64)
    case signed(Int64)
    case double(Double)
    case string(String)
    case array([ScenarioValue])
    case object([String: ScenarioValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(UInt64.self) {
            self = .unsigned(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .signed(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ScenarioValue].self) {
            self = .array(value)
        } else {
            self = try .object(container.decode([String: ScenarioValue].self))
        }
    }

    /// This value as an object; `place` names it in the error.
    func asObject(_ place: String) throws -> [String: ScenarioValue] {
        guard case let .object(members) = self else {
            throw ScenarioFileError("\(place): not a JSON object")
        }
        return members
    }
}

extension Dictionary where Key == String, Value == ScenarioValue {
    func value(_ name: String) throws -> ScenarioValue {
        guard let value = self[name] else {
            throw ScenarioFileError("no member \"\(name)\"")
        }
        return value
    }

    func string(_ name: String) throws -> String {
        guard case let .string(text) = try value(name) else {
            throw ScenarioFileError("\"\(name)\" is not a string")
        }
        return text
    }

    /// A string member that may be null.
    func optionalString(_ name: String) throws -> String? {
        switch try value(name) {
        case .null:
            return nil
        case let .string(text):
            return text
        default:
            throw ScenarioFileError("\"\(name)\" is neither a string nor null")
        }
    }

    func bool(_ name: String) throws -> Bool {
        guard case let .bool(flag) = try value(name) else {
            throw ScenarioFileError("\"\(name)\" is not a boolean")
        }
        return flag
    }

    func uint64(_ name: String) throws -> UInt64 {
        guard case let .unsigned(number) = try value(name) else {
            throw ScenarioFileError("\"\(name)\" is not an integer of 0 or more")
        }
        return number
    }

    func uint32(_ name: String) throws -> UInt32 {
        let wide = try uint64(name)
        guard let number = UInt32(exactly: wide) else {
            throw ScenarioFileError("\"\(name)\" is beyond the u32 range")
        }
        return number
    }

    func int(_ name: String) throws -> Int {
        let wide = try uint64(name)
        guard let number = Int(exactly: wide) else {
            throw ScenarioFileError("\"\(name)\" is beyond the Int range")
        }
        return number
    }

    func object(_ name: String) throws -> [String: ScenarioValue] {
        try value(name).asObject("\"\(name)\"")
    }

    func array(_ name: String) throws -> [ScenarioValue] {
        guard case let .array(elements) = try value(name) else {
            throw ScenarioFileError("\"\(name)\" is not an array")
        }
        return elements
    }
}

/// One scenario of the shared file: an `op` on an `input`, with what to `expect` of it.
struct Scenario {
    let id: String
    let op: String
    let input: [String: ScenarioValue]
    let expect: [String: ScenarioValue]
}

/// The shared file's members, which must be those these tests read.
func scenarioFileRoot() throws -> [String: ScenarioValue] {
    let data = try Data(contentsOf: scenarioFileURL)
    let root = try JSONDecoder().decode(ScenarioValue.self, from: data).asObject(scenarioFileURL.path)
    guard Set(root.keys) == scenarioFileMembers else {
        throw ScenarioFileError(
            "\(scenarioFileURL.path): members \(root.keys.sorted()), expected \(scenarioFileMembers.sorted())"
        )
    }
    return root
}

/// Every scenario of `section` ("check_values", "errors" or "ledgers"), in file order.
func sharedScenarios(_ section: String) throws -> [Scenario] {
    let entries = try scenarioFileRoot().array(section)
    guard !entries.isEmpty else {
        throw ScenarioFileError("\(scenarioFileURL.path): no scenario in \(section)")
    }
    var scenarios: [Scenario] = []
    for (index, entry) in entries.enumerated() {
        do {
            let members = try entry.asObject("scenario")
            let scenario = try Scenario(
                id: members.string("id"), op: members.string("op"),
                input: members.object("input"), expect: members.object("expect")
            )
            scenarios.append(scenario)
        } catch {
            throw ScenarioFileError("\(scenarioFileURL.path): \(section)[\(index)]: \(error)")
        }
    }
    return scenarios
}

/// Runs `body` on every scenario of `section`; whatever it throws fails the
/// test with the scenario's id, and the next scenario still runs.
func forEachScenario(
    _ section: String, file: StaticString = #filePath, line: UInt = #line, _ body: (Scenario) throws -> Void
) throws {
    for scenario in try sharedScenarios(section) {
        do {
            try body(scenario)
        } catch {
            XCTFail("scenario \(scenario.id): \(error)", file: file, line: line)
        }
    }
}

/// The events of the shared file's `every_variant`: one of each of the seven v1 variants.
func everyVariant() throws -> [AgentEvent] {
    try scenarioFileRoot().array("every_variant").map { try scenarioEvent($0) }
}

/// The event a scenario describes as `{"type": "<Variant>", "fields": {...}}`,
/// its fields named as on the wire; a text field may be `{"sha256_of": "text"}`,
/// the SHA-256 of that text's UTF-8 in hex.
func scenarioEvent(_ value: ScenarioValue) throws -> AgentEvent {
    let description = try value.asObject("event")
    let type = try description.string("type")
    let fields = try description.object("fields")
    func text(_ name: String) throws -> String {
        if case let .object(digest) = try fields.value(name) {
            return try digestOf(digest.string("sha256_of"))
        }
        return try fields.string(name)
    }
    switch type {
    case "SessionStarted":
        return try .sessionStarted(agentId: text("agent_id"), modelId: text("model_id"), sessionId: text("session_id"))
    case "UtteranceCaptured":
        return try .utteranceCaptured(
            audioSha256: text("audio_sha256"), transcript: text("transcript"), lang: text("lang"),
            durationMs: fields.uint64("duration_ms")
        )
    case "ToolCalled":
        return try .toolCalled(toolName: text("tool_name"), argsSha256: text("args_sha256"), argsRedacted: text("args_redacted"))
    case "ToolReturned":
        return try .toolReturned(
            toolName: text("tool_name"), resultSha256: text("result_sha256"), latencyMs: fields.uint64("latency_ms"),
            success: fields.bool("success")
        )
    case "ModelInvoked":
        return try .modelInvoked(
            modelId: text("model_id"), promptSha256: text("prompt_sha256"), responseSha256: text("response_sha256"),
            promptTokens: fields.uint32("prompt_tokens"), responseTokens: fields.uint32("response_tokens")
        )
    case "UtteranceSpoken":
        return try .utteranceSpoken(textSha256: text("text_sha256"), text: text("text"), audioSha256: text("audio_sha256"))
    case "SessionEnded":
        return try .sessionEnded(reason: text("reason"), summarySha256: text("summary_sha256"))
    default:
        throw ScenarioFileError("no event type \"\(type)\"")
    }
}

/// The signed event a scenario describes member by member, as a ledger line names them.
func scenarioSignedEvent(_ value: ScenarioValue) throws -> SignedEvent {
    let members = try value.asObject("signed event")
    return try SignedEvent(
        seq: members.uint64("seq"), timestampNanos: members.uint64("timestamp_nanos"),
        event: scenarioEvent(members.value("event")), parentHash: members.string("parent_hash"),
        selfHash: members.string("self_hash"), signature: members.string("signature"),
        signerPubkey: members.string("signer_pubkey")
    )
}

/// The bytes of lowercase or uppercase hex text.
func dataFromHex(_ hex: String) throws -> Data {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else {
        throw ScenarioFileError("odd-length hex \"\(hex)\"")
    }
    var bytes: [UInt8] = []
    for start in stride(from: 0, to: digits.count, by: 2) {
        guard let byte = UInt8(String(decoding: digits[start..<start + 2], as: UTF8.self), radix: 16) else {
            throw ScenarioFileError("not hex: \"\(hex)\"")
        }
        bytes.append(byte)
    }
    return Data(bytes)
}

/// A key a scenario names: "check" (the check value's key, seed 0 to 31) or "other" (a new key).
func scenarioKey(_ name: String) throws -> SigningKeypair {
    switch name {
    case "check":
        return try checkValueKeypair()
    case "other":
        return try SigningKeypair.generate()
    default:
        throw ScenarioFileError("no key \"\(name)\"")
    }
}

/// A file a scenario names inside `directory`: "." is `directory` itself. With
/// `zero_bytes` in `input` the file is written first, that many zero bytes with
/// the octal permissions `mode`; without it the file does not exist.
func scenarioPath(_ directory: URL, _ input: [String: ScenarioValue]) throws -> String {
    let name = try input.string("name")
    let path = name == "." ? directory.path : directory.appendingPathComponent(name).path
    if input["zero_bytes"] != nil {
        let mode = try input.string("mode")
        guard let permissions = Int(mode, radix: 8) else {
            throw ScenarioFileError("mode \"\(mode)\" is not octal")
        }
        let size = try input.int("zero_bytes")
        writeFile(path, Data(count: size), permissions: permissions)
    }
    return path
}

extension ErrorKind {
    /// The kind a scenario names: "KeyLoad", "Signing", "Ledger", "Chain" or "Config".
    init(scenarioName: String) throws {
        switch scenarioName {
        case "KeyLoad":
            self = .keyLoad
        case "Signing":
            self = .signing
        case "Ledger":
            self = .ledger
        case "Chain":
            self = .chain
        case "Config":
            self = .config
        default:
            throw ScenarioFileError("no error kind \"\(scenarioName)\"")
        }
    }
}

/// Asserts that `body` throws the error the scenario expects: its `kind`, its
/// `code` (null for KeyLoad, which has none) and, when the scenario gives
/// `detail_contains`, a part of its detail. Failures name the scenario.
func assertExpectedError<T>(
    _ scenario: Scenario, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) throws {
    let kind = try ErrorKind(scenarioName: scenario.expect.string("kind"))
    let code = try scenario.expect.optionalString("code")
    var detailPart: String?
    if scenario.expect["detail_contains"] != nil {
        detailPart = try scenario.expect.string("detail_contains")
    }
    do {
        let value = try body()
        XCTFail("scenario \(scenario.id): expected a \(kind) error with code \(code ?? "none"), got \(value)", file: file, line: line)
    } catch let error as ProvedexError {
        let message = "scenario \(scenario.id): \(error.parts.detail)"
        XCTAssertEqual(error.parts.kind, kind, message, file: file, line: line)
        XCTAssertEqual(error.parts.code, code, message, file: file, line: line)
        if let part = detailPart {
            XCTAssertTrue(error.parts.detail.contains(part), "\(message) does not name \"\(part)\"", file: file, line: line)
        }
    } catch {
        XCTFail("scenario \(scenario.id): expected a \(kind) error, got \(error)", file: file, line: line)
    }
}
