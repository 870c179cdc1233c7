import Foundation
import XCTest

// spec/transparency.md's example ledger, which BundleTests and TransparencyTests both check against.

/// The five example lines' self_hashes.
let selfHashes = [
    "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91",
    "7ad3b55c94a38cec592f2a1013911d63c71b25129442827849fda312cddff717",
    "47e922625ffbd02c28f5e25300637c7e29d4dd32bd7b82f8dfae8c32e4a02dbb",
    "d7ea33eeffae138ad257224756ebe10dc123fd7496cf220bca86babcbbddbe6b",
    "48ceec2fea3094d77d28dff69fca6b8096d20cff368ce4adc8b58a304082002c",
]

/// The roots of the trees of the first three and of all five lines.
let root3 = "b3c3002b473ff193240ef3ae3df5fe87618134ce597f3e1a5e1208718ceec20b"
let root5 = "06f986b72472a5fc40b83c14c1f018691815b400d74f952ab737f7c36d10ff2e"

/// The fingerprint of the check value's key, which signed the lines.
let fingerprint = "sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"

/// The example checkpoint of all five lines: its origin line, its root in
/// base64, and the signed note byte for byte.
let origin = "provedex-ledger/52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91/\(fingerprint)"
let noteRoot = "BvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4="
let note = "\(origin)\n5\n\(noteRoot)\n\n\u{2014} \(origin) "
    + "zQWhPN5xQVM8nuBsbg4sI65IHv+Yuoeeoc/077YMcDS8pvocFQpxY+zPUdxa26TiD7nLHLDCWUc9U1yoKvcMRsCjuAE=\n"

/// The spec's directory, found from this source file's place in the repository.
private let specDirectoryURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent() // Tests/ProvedexTests
    .appendingPathComponent("../../../../spec")
    .standardizedFileURL

/// The five example lines as the spec prints them (seq 0 and 1 in
/// signature-scheme.md, seq 2 to 4 in ledger-format.md).
func exampleLines() throws -> [String] {
    var lines: [String] = []
    for name in ["signature-scheme.md", "ledger-format.md"] {
        let text = try String(contentsOf: specDirectoryURL.appendingPathComponent(name), encoding: .utf8)
        for line in text.components(separatedBy: "\n") where line.hasPrefix("line: ") {
            lines.append(String(line.dropFirst("line: ".count)))
        }
    }
    XCTAssertEqual(lines.count, 5)
    for (seq, line) in lines.enumerated() {
        XCTAssertTrue(line.hasPrefix("{\"seq\":\(seq),"), line)
    }
    return lines
}

extension XCTestCase {
    /// Writes the example lines to `example.ndjson` in a fresh directory; returns its path.
    func writeExampleLedger() throws -> String {
        let ledger = try temporaryDirectory().appendingPathComponent("example.ndjson").path
        try writeLedgerLines(ledger, try exampleLines())
        return ledger
    }
}
