// Hand-written beside the generated Provedex.swift: Swift spellings of the
// transparency API (spec/transparency.md) that the generated functions offer
// only for bytes.

import Foundation

/// Reads a signed checkpoint given as its note text and checks that `pubkey`
/// (hex or PEM) signs it: `verifyCheckpoint(checkpoint:pubkey:)` of the text's
/// UTF-8 bytes. A refusal is a `ProvedexError.Chain` with code
/// `checkpoint_malformed`, `checkpoint_foreign` or `checkpoint_signature_invalid`.
public func verifyCheckpoint(checkpoint: String, pubkey: String) throws -> CheckpointInfo {
    try verifyCheckpoint(checkpoint: Data(checkpoint.utf8), pubkey: pubkey)
}

/// What a signed checkpoint given as its note text claims, no signature checked.
public func parseCheckpoint(checkpoint: String) throws -> CheckpointInfo {
    try parseCheckpoint(checkpoint: Data(checkpoint.utf8))
}

public extension InclusionProof {
    /// Whether this proof leads from the line's self_hash to `rootHex`, the root
    /// of a checkpoint of `treeSize` lines. The proof's own root is trusted only
    /// once such a checkpoint names it. A `leafHex` that is not hex proves nothing.
    func verify(rootHex: String) throws -> Bool {
        guard let leaf = bytesOfHex(leafHex) else {
            return false
        }
        return try verifyInclusion(index: seq, treeSize: treeSize, leaf: leaf, proof: proof, rootHex: rootHex)
    }
}

public extension ConsistencyProof {
    /// Whether this proof leads to `oldRootHex` and `newRootHex`, the roots of
    /// checkpoints of `oldSize` and `newSize` lines.
    func verify(oldRootHex: String, newRootHex: String) throws -> Bool {
        try verifyConsistency(
            oldSize: oldSize, newSize: newSize, proof: proof, oldRootHex: oldRootHex, newRootHex: newRootHex
        )
    }
}

/// The bytes of lowercase hex text, or nil when it is not that.
private func bytesOfHex(_ text: String) -> Data? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else {
        return nil
    }
    var bytes = [UInt8]()
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let high = hexDigit(digits[index]), let low = hexDigit(digits[index + 1]) else {
            return nil
        }
        bytes.append(high << 4 | low)
        index += 2
    }
    return Data(bytes)
}

private func hexDigit(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"):
        return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"):
        return digit - UInt8(ascii: "a") + 10
    default:
        return nil
    }
}
