package dev.provedex

import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.io.TempDir

/** Each kind of [ProvedexException], with the stable code programs branch on. */
class ErrorsTest {
    @TempDir
    lateinit var dir: Path

    /**
     * The shared `errors` scenarios (bindings/scenarios/scenarios.json), as the
     * Swift tests run them: a hostile input to one call, and the kind and code
     * of the error it gives. Signing uses the check value's key.
     */
    @TestFactory
    fun `shared error scenarios`(): List<DynamicTest> = scenarioTests("errors") { scenario ->
        val input = scenario.input
        val scenarioDir = Files.createTempDirectory(dir, "scenario")
        fun event() = scenarioEvent(input.value("event"), "${scenario.id}: input.event")
        when (scenario.op) {
            "key_from_seed" -> {
                val seed = hexBytes(input.string("seed_hex"))
                scenario.assertExpectedError { SigningKeypair.fromSeed(seed) }
            }
            "key_from_pem" -> {
                val pem = input.string("pem")
                scenario.assertExpectedError { SigningKeypair.fromPem(pem) }
            }
            "toolset_hash" -> {
                val manifest = input.string("manifest")
                scenario.assertExpectedError { toolsetHash(manifest) }
            }
            "load_key_file" -> {
                val keyFile = scenarioPath(scenarioDir, input)
                scenario.assertExpectedError { SigningKeypair.load(keyFile.toString()) }
            }
            "save_key" -> {
                val keyFile = scenarioPath(scenarioDir, input)
                checkValueKeypair().use { key -> scenario.assertExpectedError { key.save(keyFile.toString()) } }
            }
            "event_from_json" -> {
                val json = input.string("json")
                scenario.assertExpectedError { eventFromJson(json) }
            }
            "event_to_json" -> {
                val event = event()
                scenario.assertExpectedError { eventToJson(event) }
            }
            "canonical_json" -> {
                val json = input.string("json").encodeToByteArray()
                scenario.assertExpectedError { canonicalJson(json) }
            }
            "compute_self_hash" -> {
                val event = event()
                val seq = input.uLong("seq")
                val timestampNanos = input.uLong("timestamp_nanos")
                val parentHash = input.string("parent_hash")
                scenario.assertExpectedError { computeSelfHash(event, seq, timestampNanos, parentHash) }
            }
            "sign_event_at" -> {
                val event = event()
                val seq = input.uLong("seq")
                val timestampNanos = input.uLong("timestamp_nanos")
                val parentHash = input.string("parent_hash")
                checkValueKeypair().use { key -> scenario.assertExpectedError { signEventAt(event, seq, timestampNanos, parentHash, key) } }
            }
            "record" -> {
                // Refused before anything is written: the session stays at seq 0 and the ledger empty.
                val event = event()
                val ledger = scenarioDir.resolve("ledger.ndjson")
                checkValueKeypair().use { key ->
                    Session.open(key, ledger.toString(), "s").use { session ->
                        scenario.assertExpectedError { session.record(event) }
                        assertEquals(0uL, session.nextSeq(), "nothing is recorded")
                    }
                }
                assertEquals(0L, Files.size(ledger), "nothing is written")
            }
            "signed_event_from_json" -> {
                val line = input.string("line").encodeToByteArray()
                scenario.assertExpectedError { signedEventFromJson(line) }
            }
            "verify_signed_event" -> {
                val signed = scenarioSignedEvent(input.value("signed_event"), "${scenario.id}: input.signed_event")
                scenario.assertExpectedError { signed.verify() }
            }
            "verify_chain" -> {
                val events = input.list("events").mapIndexed { i, event -> scenarioSignedEvent(event, "${scenario.id}: input.events[$i]") }
                val pinnedPubkey = input.stringOrNull("pinned_pubkey")
                scenario.assertExpectedError { verifyChain(events, pinnedPubkey) }
            }
            "verify_file" -> {
                val ledger = scenarioPath(scenarioDir, input)
                scenario.assertExpectedError { verifyFile(ledger.toString(), null) }
            }
            "open_session" -> {
                val ledger = scenarioPath(scenarioDir, input)
                checkValueKeypair().use { key -> scenario.assertExpectedError { Session.open(key, ledger.toString(), "s") } }
            }
            "recover" -> {
                val ledger = scenarioPath(scenarioDir, input)
                scenario.assertExpectedError { recover(ledger.toString()) }
            }
            else -> throw IllegalArgumentException("no errors op \"${scenario.op}\"")
        }
    }

    // Not a shared scenario: it needs a first session open while a second one
    // tries the ledger, a sequence of calls rather than one input and its error.
    @Test
    fun `Ledger - a second session on the same ledger is locked out`() {
        checkValueKeypair().use { key ->
            Session.open(key, dir.resolve("ledger.ndjson").toString(), "first").use {
                val error = assertFailsWith<ProvedexException.Ledger> { Session.open(key, dir.resolve("ledger.ndjson").toString(), "second") }
                assertEquals("locked", error.code, error.message)
            }
        }
    }

    // Not a shared scenario: the `code` accessor (Idioms.kt) and the message
    // format are the Kotlin binding's own; Swift's error description differs.
    @Test
    fun `the code accessor and the message`() {
        val error = assertFailsWith<ProvedexException> { eventFromJson("{}") }
        assertEquals("missing_field", error.code)
        assertTrue(error.message!!.startsWith("code=missing_field, detail="), error.message)
        assertNull(assertFailsWith<ProvedexException> { SigningKeypair.fromSeed(ByteArray(0)) }.code)
    }
}
