package dev.provedex

import java.nio.file.Files
import java.nio.file.Path

/** The published check value's key: the seed of bytes 0 to 31. */
fun checkValueKeypair(): SigningKeypair = SigningKeypair.fromSeed(ByteArray(32) { it.toByte() })

const val CHECK_VALUE_PUBKEY = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"

val checkValueEvent = AgentEvent.SessionStarted(agentId = "agent-1", modelId = "llama3.2:3b", sessionId = "session-demo")

fun digestOf(text: String): String = sha256Hex(text.encodeToByteArray())

// everyVariant, one event of each of the seven v1 variants, is read from the
// shared scenario file (Scenarios.kt).

/** The lines of a ledger file, without their LFs (a last line without LF is kept). */
fun ledgerLines(ledger: Path): List<String> = Files.readString(ledger).split('\n').dropLastWhile { it.isEmpty() }

fun writeLedgerLines(ledger: Path, lines: List<String>) {
    Files.writeString(ledger, lines.joinToString("") { "$it\n" })
}

/** Records [events] in a new session on [ledger] and closes it. */
fun recordAll(keypair: SigningKeypair, ledger: Path, events: List<AgentEvent>): List<SignedEvent> =
    Session.open(keypair, ledger.toString(), "session-42").use { session -> events.map(session::record) }
