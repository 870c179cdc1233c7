package dev.provedex.conformance

import dev.provedex.ChainReport
import dev.provedex.ProvedexException
import dev.provedex.SigningKeypair
import dev.provedex.canonicalJson
import dev.provedex.computeSelfHash
import dev.provedex.eventFromJson
import dev.provedex.signEventAt
import dev.provedex.signedEventFromJson
import dev.provedex.VerifyOptions
import dev.provedex.signedEventToJson
import dev.provedex.toolsetHash
import dev.provedex.treeRoot
import dev.provedex.verifyBundle
import dev.provedex.verifyCheckpoint
import dev.provedex.verifyConsistency
import dev.provedex.verifyData
import dev.provedex.verifyFileWith
import dev.provedex.verifyInclusion
import dev.provedex.verifySignedEvent
import java.io.FileDescriptor
import java.io.FileOutputStream
import java.math.BigInteger
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
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
    "toolset_hash" to ::toolsetHashOf,
    "sign_data" to ::signData,
    "verify_data" to ::verifyDataOf,
    "tree_root" to ::treeRootOf,
    "verify_inclusion" to ::verifyInclusionOf,
    "verify_consistency" to ::verifyConsistencyOf,
    "sign_checkpoint" to ::signCheckpoint,
    "verify_checkpoint" to ::verifyCheckpointOf,
    "verify_bundle" to ::verifyBundleOf,
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
    val checkTools = request.members["check_tools"] ?: false
    require(checkTools is Boolean) { "check_tools must be a boolean" }
    val options = VerifyOptions(
        request.optionalString("pinned_pubkey"),
        request.optionalString("pinned_current_pubkey"),
        checkTools,
        request.optionalString("checkpoint_hex")?.let { HEX.parseHex(it) },
    )
    val file = Files.createTempFile("provedex-conformance-", ".ndjson")
    try {
        Files.write(file, request.bytes("ledger_hex"))
        return verifyFileWith(file.toString(), options).toResult()
    } finally {
        Files.delete(file)
    }
}

private fun toolsetHashOf(request: Request): Map<String, Any?> {
    val refused = mapOf("valid" to false, "tools" to null, "toolset_sha256" to null)
    // A manifest crosses as text: bytes that are not UTF-8 are no manifest.
    val manifest = try {
        Charsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(request.bytes("manifest_hex")))
            .toString()
    } catch (e: CharacterCodingException) {
        return refused
    }
    val toolset = try {
        toolsetHash(manifest)
    } catch (e: ProvedexException.Signing) {
        require(e.code == "invalid_manifest") { e.toString() }
        return refused
    }
    return mapOf(
        "valid" to true,
        "tools" to toolset.tools.map { mapOf("name" to it.name, "sha256" to it.sha256) },
        "toolset_sha256" to toolset.toolsetSha256,
    )
}

private fun signData(request: Request): Map<String, Any?> {
    val seed = request.bytes("seed_hex")
    require(seed.size == 32) { "seed_hex must hold 32 bytes, not ${seed.size}" }
    return SigningKeypair.fromSeed(seed).use { mapOf("signature_hex" to it.signData(request.bytes("data_hex"))) }
}

private fun verifyDataOf(request: Request): Map<String, Any?> {
    val valid = try {
        verifyData(request.string("pubkey_hex"), request.bytes("data_hex"), request.string("signature_hex"))
    } catch (e: ProvedexException.KeyLoad) {
        false // 32 bytes that are no public key verify nothing
    }
    return mapOf("valid" to valid)
}

private fun treeRootOf(request: Request): Map<String, Any?> =
    mapOf("root_hex" to treeRoot(request.strings("leaves_hex").map { HEX.parseHex(it) }))

private fun verifyInclusionOf(request: Request): Map<String, Any?> {
    val valid = verifyInclusion(
        request.u64("index"),
        request.u64("tree_size"),
        request.bytes("leaf_hex"),
        request.strings("proof_hex"),
        request.string("root_hex"),
    )
    return mapOf("valid" to valid)
}

private fun verifyConsistencyOf(request: Request): Map<String, Any?> {
    val valid = verifyConsistency(
        request.u64("old_size"),
        request.u64("new_size"),
        request.strings("proof_hex"),
        request.string("old_root_hex"),
        request.string("new_root_hex"),
    )
    return mapOf("valid" to valid)
}

private fun signCheckpoint(request: Request): Map<String, Any?> {
    val seed = request.bytes("seed_hex")
    require(seed.size == 32) { "seed_hex must hold 32 bytes, not ${seed.size}" }
    val note = SigningKeypair.fromSeed(seed).use {
        it.signCheckpoint(request.string("genesis_self_hash"), request.u64("tree_size"), request.string("root_hex"))
    }
    return mapOf("checkpoint_hex" to HEX.formatHex(note.encodeToByteArray()))
}

/** The reasons a checkpoint is refused for on its own (spec/transparency.md). */
private val CHECKPOINT_REASONS = setOf("checkpoint_malformed", "checkpoint_foreign", "checkpoint_signature_invalid")

private fun verifyCheckpointOf(request: Request): Map<String, Any?> {
    val info = try {
        verifyCheckpoint(request.bytes("checkpoint_hex"), request.string("pubkey_hex"))
    } catch (e: ProvedexException.Chain) {
        require(e.code in CHECKPOINT_REASONS) { e.toString() }
        return mapOf("valid" to false, "reason" to e.code)
    }
    return mapOf("valid" to true, "reason" to null, "tree_size" to info.treeSize, "root_hex" to info.rootHex)
}

private fun verifyBundleOf(request: Request): Map<String, Any?> {
    val report = verifyBundle(
        request.bytes("bundle_hex"),
        pinnedPubkey = request.optionalString("pinned_pubkey"),
        pinnedFingerprint = request.optionalString("pinned_fingerprint"),
    )
    return mapOf(
        "ok" to report.ok,
        "pinned" to report.pinned,
        "proof_level" to report.proofLevel,
        "reason" to report.reason,
        "event_count" to report.eventCount,
    )
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
    "keys" to keys.map { mapOf("pubkey" to it.pubkey, "from_seq" to it.fromSeq, "to_seq" to it.toSeq) },
) + (unpinnedToolCalls?.let { calls ->
    mapOf("unpinned_tool_calls" to calls.map { mapOf("seq" to it.seq, "tool_name" to it.toolName) })
} ?: emptyMap())

private val HEX: HexFormat = HexFormat.of()
private val U64_MAX: BigInteger = BigInteger.ONE.shiftLeft(64) - BigInteger.ONE

/** The arguments of one request, read with the types the protocol gives them. */
private class Request(val members: Map<*, *>) {
    fun string(name: String): String =
        members[name] as? String ?: throw IllegalArgumentException("missing string argument \"$name\"")

    fun optionalString(name: String): String? {
        val value = members[name]
        require(value == null || value is String) { "$name must be a string or null" }
        return value as String?
    }

    fun bytes(name: String): ByteArray = HEX.parseHex(string(name))

    fun strings(name: String): List<String> {
        val value = members[name] as? List<*> ?: throw IllegalArgumentException("missing array argument \"$name\"")
        return value.map { it as? String ?: throw IllegalArgumentException("$name must hold strings only") }
    }

    fun u64(name: String): ULong {
        val value = members[name] as? BigInteger ?: throw IllegalArgumentException("missing integer argument \"$name\"")
        require(value.signum() >= 0 && value <= U64_MAX) { "$name is not a u64: $value" }
        return value.toLong().toULong()
    }
}
