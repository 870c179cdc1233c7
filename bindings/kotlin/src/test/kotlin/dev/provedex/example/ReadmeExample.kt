package dev.provedex.example

import dev.provedex.*

fun recordModelCall(keyFile: String, ledgerFile: String): ChainReport =
    SigningKeypair.loadOrCreate(keyFile).use { key ->
        Session.open(key, ledgerFile, "session-1").use { session ->
            session.record(AgentEvent.ModelInvoked(
                modelId = "llama3.2:3b",
                promptSha256 = sha256Hex("What time is it?".encodeToByteArray()),
                responseSha256 = sha256Hex("It is noon.".encodeToByteArray()),
                promptTokens = 12u,
                responseTokens = 5u,
            ))
        }
        verifyFile(ledgerFile, pinnedPubkey = key.pubkeyHex())
    }
