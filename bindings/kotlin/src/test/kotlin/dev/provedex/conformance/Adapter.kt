package dev.provedex.conformance

import dev.provedex.ChainReport
import dev.provedex.ProvedexException
import dev.provedex.SigningKeypair
import dev.provedex.canonicalJson
import dev.provedex.computeSelfHash
import dev.provedex.eventFromJson
import dev.provedex.signEventAt
import dev.provedex.signedEventFromJson
import dev.provedex.signedEventToJson
import dev.provedex.verifyFile
import dev.provedex.verifySignedEvent
import java.io.FileDescriptor
import java.io.FileOutputStream
import java.math.BigInteger
import java.nio.file.Files
import java.util.HexFormat
import java.util.Properties

/**
 * The conformance adapter of the Kotlin binding: protocol 1 of spec/conformance.md
 * on standard input and output, run by `bindings/kotlin/adapter.sh`.
 *
 * Every operation goes through the binding's public API only, so a passing run
 * shows what a Kotlin program using the binding gets.
 */
fun main() {
    val responses = FileOutputStream(FileDescriptor.out).bufferedWriter(Charsets.UTF_8)
    // Standard output carries responses only: anything else printed goes to standard error.
    System.setOut(System.err)
    System.`in`.bufferedReader(Charsets.UTF_8).lineSequence().filter { it.isNotBlank() }.forEach { request ->
        responses.write(respond(request))
        responses.newLine()
        responses.flush()
    }
}

private const val PROTOCOL = 1

private val OPERATIONS: Map<String, (Request) -> Map<String, Any?>> = mapOf(
    "canonicalize" to ::canonicalize,
    "self_hash" to ::selfHash,
    "sign" to ::sign,
    "verify_event" to ::verifyEvent,
    "verify_ledger" to ::verifyLedger,
)

private val VERSION: String = Properties().run {
    Request::class.java.getResourceAsStream("adapter.properties").use { load(it) }
    getProperty("version")
}

/** The response line (without LF) to one request line; never throws. */
internal fun respond(line: String): String {
    var id: Any? = null
    val response = try {
        val request = Request(Json.parse(line) as? Map<*, *> ?: throw IllegalArgumentException("a request is a JSON object"))
        id = request.members["id"]
        val op = request.string("op")
        val operation = OPERATIONS[op]
        when {
            op == "hello" -> mapOf("id" to id, "result" to hello(request))
            operation == null -> mapOf("id" to id, "skipped" to "this adapter does not offer the operation $op")
            else -> mapOf("id" to id, "result" to operation(request))
        }
    } catch (e: Exception) {
        mapOf("id" to id, "errored" to e.toString())
    } catch (e: LinkageError) {
        // The native library could not be loaded: an answer that says so beats a dead adapter.
        mapOf("id" to id, "errored" to e.toString())
    }
    return Json.write(response)
}

private fun hello(request: Request): Map<String, Any?> {
    require(request.members["protocol"] == BigInteger.valueOf(PROTOCOL.toLong())) {
        "this adapter speaks protocol $PROTOCOL only, not ${request.members["protocol"]}"
    }
    return mapOf(
        "protocol" to PROTOCOL,
        "implementation" to mapOf("name" to "provedex-kotlin", "version" to VERSION, "language" to "Kotlin"),
        "operations" to OPERATIONS.keys.toList(),
    )
}

private fun canonicalize(request: Request): Map<String, Any?> = try {
    mapOf("valid" to true, "output_hex" to HEX.formatHex(canonicalJson(request.bytes("input_hex"))))
} catch (e: ProvedexException.Signing) {
    mapOf("valid" to false, "error_code" to e.code)
}

private fun selfHash(request: Request): Map<String, Any?> {
    val seq = request.u64("seq")
    val timestamp = request.u64("timestamp_nanos")
    val parent = request.string("parent_hash")
    return try {
        val hash = computeSelfHash(eventFromJson(request.string("event_json")), seq, timestamp, parent)
        mapOf("valid" to true, "self_hash" to hash)
    } catch (e: ProvedexException.Signing) {
        mapOf("valid" to false, "reason" to e.code)
    }
}

private fun sign(request: Request): Map<String, Any?> {
    val seed = request.bytes("seed_hex")
    require(seed.size == 32) { "seed_hex must hold 32 bytes, not ${seed.size}" }
    val seq = request.u64("seq")
    val timestamp = request.u64("timestamp_nanos")
    val parent = request.string("parent_hash")
    val line = try {
        SigningKeypair.fromSeed(seed).use { key ->
            signedEventToJson(signEventAt(eventFromJson(request.string("event_json")), seq, timestamp, parent, key))
        }
    } catch (e: ProvedexException.Signing) {
        return mapOf("valid" to false, "reason" to e.code)
    }
    return mapOf("valid" to true, "line" to line)
}

private fun verifyEvent(request: Request): Map<String, Any?> = try {
    verifySignedEvent(signedEventFromJson(request.bytes("line_hex")))
    mapOf("valid" to true, "reason" to null)
} catch (e: ProvedexException.Chain) {
    mapOf("valid" to false, "reason" to e.code)
}

private fun verifyLedger(request: Request): Map<String, Any?> {
    val pinned = request.members["pinned_pubkey"]
    require(pinned == null || pinned is String) { "pinned_pubkey must be a string or null" }
    val file = Files.createTempFile("provedex-conformance-", ".ndjson")
    try {
        Files.write(file, request.bytes("ledger_hex"))
        return verifyFile(file.toString(), pinned).toResult()
    } finally {
        Files.delete(file)
    }
}

/** The report members of spec/verification.md, spelled as there. */
private fun ChainReport.toResult(): Map<String, Any?> = mapOf(
    "ok" to ok,
    "event_count" to eventCount,
    "broken_at" to brokenAt,
    "line" to line,
    "reason" to reason,
    "message" to message,
    "root_hash" to rootHash,
    "signers" to signers,
)

private val HEX: HexFormat = HexFormat.of()
private val U64_MAX: BigInteger = BigInteger.ONE.shiftLeft(64) - BigInteger.ONE

/** The arguments of one request, read with the types the protocol gives them. */
private class Request(val members: Map<*, *>) {
    fun string(name: String): String =
        members[name] as? String ?: throw IllegalArgumentException("missing string argument \"$name\"")

    fun bytes(name: String): ByteArray = HEX.parseHex(string(name))

    fun u64(name: String): ULong {
        val value = members[name] as? BigInteger ?: throw IllegalArgumentException("missing integer argument \"$name\"")
        require(value.signum() >= 0 && value <= U64_MAX) { "$name is not a u64: $value" }
        return value.toLong().toULong()
    }
}
