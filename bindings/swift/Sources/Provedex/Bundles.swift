// Hand-written beside the generated Provedex.swift: Swift spellings of the
// bundle API (spec/bundles.md), of a session's checkpoints
// (spec/transparency.md, "Checkpoints file") and of the anchorer
// (spec/anchors.md) that the generated functions
// offer only for bytes or under their FFI names.

import Foundation

public extension Session {
    /// Opens (or creates) the ledger with `options`: a choice of durability and,
    /// with `checkpointEvery` N > 0, a checkpoint signed into the checkpoints file
    /// beside the ledger (`checkpointsPath(ledgerPath:)`, `readCheckpoints(ledgerPath:)`)
    /// each time the durable lines reach a multiple of N.
    static func open(keypair: SigningKeypair, ledgerPath: String, sessionId: String, options: SessionOptions) throws -> Session {
        try openWithOptions(keypair: keypair, ledgerPath: ledgerPath, sessionId: sessionId, options: options)
    }
}

/// The bundle of `selection` of the ledger at `ledgerPath`, proven against a
/// checkpoint signed earlier, given as its note text and copied verbatim:
/// `exportBundleWithCheckpoint(ledgerPath:checkpoint:selection:)` of the text's
/// UTF-8 bytes. The bundle document's bytes, as `provedex export` writes them.
public func exportBundle(ledgerPath: String, checkpoint: String, selection: BundleSelection) throws -> Data {
    try exportBundleWithCheckpoint(ledgerPath: ledgerPath, checkpoint: Data(checkpoint.utf8), selection: selection)
}

/// Verifies a bundle with the checkpoint held apart given as its note text. Pin
/// the key (`pinnedPubkey`, hex or PEM) or the fingerprint (`pinnedFingerprint`)
/// you trust: without one a bundle proves only its internal consistency.
/// `receipts` are the trust anchors the bundle's receipts are checked with.
public func verifyBundle(
    bundle: Data, pinnedPubkey: String? = nil, pinnedFingerprint: String? = nil, checkpoint: String,
    receipts: ReceiptTrust? = nil
) throws -> BundleReport {
    try verifyBundle(
        bundle: bundle, pinnedPubkey: pinnedPubkey, pinnedFingerprint: pinnedFingerprint, checkpoint: Data(checkpoint.utf8),
        receipts: receipts
    )
}

public extension BackgroundAnchorer {
    /// Starts the anchorer of the configuration file at `configPath` on its own
    /// thread; `secrets` are looked up before the environment. It stops after the
    /// pass in flight on `stop()` or when released.
    static func start(configPath: String, secrets: [String: String]? = nil) throws -> BackgroundAnchorer {
        try start(config: AnchorConfig.load(path: configPath), secrets: secrets)
    }
}

public extension BundleReport {
    /// Whether the bundle reached `level` (`verifiable`, `externally-archived`, …)
    /// by the evidence checked.
    func reached(_ level: String) -> Bool {
        levels.contains { $0.level == level && $0.reached }
    }
}
