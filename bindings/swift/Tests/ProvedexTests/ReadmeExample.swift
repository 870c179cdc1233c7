import Foundation
import Provedex

func recordModelCall(keyFile: String, ledgerFile: String) throws -> ChainReport {
    let key = try SigningKeypair.loadOrCreate(path: keyFile)
    let session = try Session.open(keypair: key, ledgerPath: ledgerFile, sessionId: "session-1")
    _ = try session.record(event: .modelInvoked(
        modelId: "llama3.2:3b",
        promptSha256: sha256Hex(data: Data("What time is it?".utf8)),
        responseSha256: sha256Hex(data: Data("It is noon.".utf8)),
        promptTokens: 12,
        responseTokens: 5
    ))
    return try verifyFile(path: ledgerFile, pinnedPubkey: key.pubkeyHex())
}
