package dev.provedex

import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.io.TempDir

/** The published check value of wire format v1, and other fixed values, through every path that computes them. */
class CheckValueTest {
    @TempDir
    lateinit var dir: Path

    /** The shared `check_values` scenarios (bindings/scenarios/scenarios.json), as the Swift tests run them. */
    @TestFactory
    fun `shared check value scenarios`(): List<DynamicTest> = scenarioTests("check_values") { scenario ->
        val input = scenario.input
        val expect = scenario.expect
        when (scenario.op) {
            "pubkey_of_seed" ->
                SigningKeypair.fromSeed(hexBytes(input.string("seed_hex"))).use { assertEquals(expect.string("pubkey_hex"), it.pubkeyHex()) }
            "load_key_file" -> {
                val keyFile = scenarioPath(Files.createTempDirectory(dir, "scenario"), input)
                SigningKeypair.load(keyFile.toString()).use { assertEquals(expect.string("pubkey_hex"), it.pubkeyHex()) }
            }
            "seal" -> seal(scenario)
            "event_json" -> {
                val event = scenarioEvent(input.value("event"), "${scenario.id}: input.event")
                val json = expect.string("json")
                assertEquals(json, event.toJson())
                assertEquals(event, AgentEvent.fromJson(json))
            }
            "canonical_json" ->
                assertEquals(expect.string("json"), canonicalJson(input.string("json").encodeToByteArray()).decodeToString())
            "sha256_hex" -> assertEquals(expect.string("hex"), sha256Hex(input.string("utf8").encodeToByteArray()))
            "toolset_hash" -> assertEquals(expect.string("toolset_sha256"), toolsetHash(input.string("manifest")).toolsetSha256)
            "key_manager" -> keyManager(scenario)
            else -> throw IllegalArgumentException("no check_values op \"${scenario.op}\"")
        }
    }

    /** Seals the event with the key of the seed: both ways give the self_hash, and the line is exactly the v1 line. */
    private fun seal(scenario: Scenario) {
        val input = scenario.input
        val expect = scenario.expect
        val event = scenarioEvent(input.value("event"), "${scenario.id}: input.event")
        val seq = input.uLong("seq")
        val timestampNanos = input.uLong("timestamp_nanos")
        val parentHash = input.string("parent_hash")
        val selfHash = expect.string("self_hash")
        val line = expect.string("line")

        assertEquals(selfHash, computeSelfHash(event, seq, timestampNanos, parentHash))
        val signed = SigningKeypair.fromSeed(hexBytes(input.string("seed_hex"))).use { signEventAt(event, seq, timestampNanos, parentHash, it) }
        assertEquals(selfHash, signed.selfHash)
        assertEquals(expect.string("signer_pubkey"), signed.signerPubkey)
        assertEquals(128, signed.signature.length)
        signed.verify()

        val written = signed.toJson()
        assertEquals(line, written)
        val keys = Regex("\"(seq|timestamp_nanos|event|parent_hash|self_hash|signature|signer_pubkey)\":").findAll(written)
        assertEquals(
            listOf("seq", "timestamp_nanos", "event", "parent_hash", "self_hash", "signature", "signer_pubkey"),
            keys.map { it.groupValues[1] }.toList(),
            "the v1 key order",
        )
        assertEquals(signed, SignedEvent.fromJson(line))
    }

    /** The key of the seed as the key manager shows it: fingerprint, data signature, and both PEM forms. */
    private fun keyManager(scenario: Scenario) {
        val input = scenario.input
        val expect = scenario.expect
        val data = input.string("utf8").encodeToByteArray()
        val signature = expect.string("signature")
        val privatePem = expect.string("private_pem")
        val publicPem = expect.string("public_pem")
        SigningKeypair.fromSeed(hexBytes(input.string("seed_hex"))).use { key ->
            assertEquals(expect.string("fingerprint"), key.fingerprint())
            assertEquals(expect.string("fingerprint"), publicKeyFingerprint(publicPem))
            assertEquals(signature, key.signData(data))
            assertTrue(verifyData(key.pubkeyHex(), data, signature))
            assertEquals(publicPem, key.publicKeyPem())
            assertEquals(key.pubkeyHex(), parsePublicKey(publicPem))
            SigningKeypair.fromPem(privatePem).use { assertEquals(key.pubkeyHex(), it.pubkeyHex()) }
            val saved = Files.createTempDirectory(dir, "scenario").resolve("key.pem")
            key.savePem(saved.toString())
            assertEquals(privatePem, Files.readString(saved))
        }
    }

    // Not a shared scenario: it compares the Kotlin binding's own constant
    // (Idioms.kt) with the core's, so there is no data to share.
    @Test
    fun `the genesis constant is the core's`() {
        assertEquals(genesisParentHash(), GENESIS_PARENT_HASH)
    }
}
