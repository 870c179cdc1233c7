package dev.provedex

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** Each kind of [ProvedexException], with the stable code programs branch on. */
class ErrorsTest {
    @TempDir
    lateinit var dir: Path

    private fun path(name: String) = dir.resolve(name).toString()

    private inline fun <reified E : ProvedexException> assertCode(code: String?, block: () -> Unit): E {
        val error = assertFailsWith<E>(block = block)
        assertEquals(code, error.code, error.message)
        return error
    }

    @Test
    fun `KeyLoad - a short seed, a missing key file, a key file of the wrong size, an existing file on save`() {
        assertCode<ProvedexException.KeyLoad>(null) { SigningKeypair.fromSeed(ByteArray(31)) }
        val missing = assertCode<ProvedexException.KeyLoad>(null) { SigningKeypair.load(path("missing.key")) }
        assertTrue(missing.detail.contains("missing.key"), missing.detail)

        val tooLong = dir.resolve("long.key")
        Files.write(tooLong, ByteArray(33))
        Files.setPosixFilePermissions(tooLong, PosixFilePermissions.fromString("rw-------"))
        assertCode<ProvedexException.KeyLoad>(null) { SigningKeypair.load(tooLong.toString()) }

        checkValueKeypair().use { key ->
            key.save(path("agent.key"))
            assertCode<ProvedexException.KeyLoad>(null) { key.save(path("agent.key")) }
        }
    }

    @Test
    fun `KeyLoad - a key file others can read is not trusted`() {
        val keyFile = dir.resolve("shared.key")
        Files.write(keyFile, ByteArray(32))
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"))
        assertCode<ProvedexException.KeyLoad>(null) { SigningKeypair.load(keyFile.toString()) }

        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"))
        SigningKeypair.load(keyFile.toString()).close()
    }

    @Test
    fun `Signing - a malformed digest is invalid_hex, and nothing is recorded`() {
        val badDigest = AgentEvent.ModelInvoked("m", promptSha256 = "ABC", responseSha256 = digestOf("r"), promptTokens = 1u, responseTokens = 1u)
        assertCode<ProvedexException.Signing>("invalid_hex") { computeSelfHash(badDigest, 0u, 0u, GENESIS_PARENT_HASH) }
        checkValueKeypair().use { key ->
            assertCode<ProvedexException.Signing>("invalid_hex") { signEventAt(badDigest, 0u, 0u, GENESIS_PARENT_HASH, key) }
            assertCode<ProvedexException.Signing>("invalid_hex") { signEventAt(checkValueEvent, 0u, 0u, "00", key) }
            Session.open(key, path("ledger.ndjson"), "s").use { session ->
                assertCode<ProvedexException.Signing>("invalid_hex") { session.record(badDigest) }
                assertEquals(0uL, session.nextSeq())
            }
        }
        assertEquals(0L, Files.size(dir.resolve("ledger.ndjson")))
    }

    @Test
    fun `Signing - eventFromJson names what is wrong with the JSON`() {
        val cases = mapOf(
            """{"type":"SessionEnded","payload":{"reason":"done"}}""" to "missing_field",
            """{"type":"SessionEnded","payload":{"reason":"a","reason":"b","summary_sha256":""}}""" to "duplicate_key",
            """{"type":"SessionEnded","payload":{"reason":"done","summary_sha256":"","extra":1}}""" to "unknown_field",
            """{"type":"SessionPaused","payload":{}}""" to "unknown_event_type",
            """{"type":"SessionEnded","payload":{"reason":7,"summary_sha256":""}}""" to "wrong_type",
            """{"type":"SessionEnded","payload":""" to "malformed_json",
        )
        for ((json, code) in cases) {
            assertCode<ProvedexException.Signing>(code) { eventFromJson(json) }
        }
    }

    @Test
    fun `Signing - args_redacted must be a JSON object`() {
        val call = AgentEvent.ToolCalled("t", digestOf("a"), argsRedacted = "[1]")
        assertCode<ProvedexException.Signing>("wrong_type") { eventToJson(call) }
        assertCode<ProvedexException.Signing>("malformed_json") { eventToJson(call.copy(argsRedacted = "{")) }
    }

    @Test
    fun `Signing - canonicalJson reports the JSON error code`() {
        assertCode<ProvedexException.Signing>("duplicate_key") { canonicalJson("""{"a":1,"a":2}""".encodeToByteArray()) }
    }

    @Test
    fun `Ledger - a second session on the same ledger is locked out`() {
        checkValueKeypair().use { key ->
            Session.open(key, path("ledger.ndjson"), "first").use {
                assertCode<ProvedexException.Ledger>("locked") { Session.open(key, path("ledger.ndjson"), "second") }
            }
        }
    }

    @Test
    fun `Ledger - verifyFile of a missing file is io`() {
        assertCode<ProvedexException.Ledger>("io") { verifyFile(path("missing.ndjson"), null) }
    }

    @Test
    fun `Chain - lines that are not signed events`() {
        assertCode<ProvedexException.Chain>("missing_field") { signedEventFromJson("{}".encodeToByteArray()) }
        assertCode<ProvedexException.Chain>("empty_line") { signedEventFromJson(ByteArray(0)) }
        assertCode<ProvedexException.Chain>("crlf_line_ending") { signedEventFromJson("{}\r".encodeToByteArray()) }
        val line = checkValueKeypair().use { signEventAt(checkValueEvent, 0u, 1u, GENESIS_PARENT_HASH, it) }.toJson()
        assertCode<ProvedexException.Chain>("malformed_json") { SignedEvent.fromJson("$line ") }
        assertCode<ProvedexException.Chain>("invalid_hex") { SignedEvent.fromJson(line.replace(CHECK_VALUE_PUBKEY, CHECK_VALUE_PUBKEY.uppercase())) }
    }

    @Test
    fun `Chain - a tampered or malformed signed event`() {
        val signed = checkValueKeypair().use { signEventAt(checkValueEvent, 0u, 1u, GENESIS_PARENT_HASH, it) }
        assertCode<ProvedexException.Chain>("hash_mismatch") { signed.copy(timestampNanos = 2u).verify() }
        assertCode<ProvedexException.Chain>("bad_signature") { signed.copy(signature = signed.signature.reversed()).verify() }
        assertCode<ProvedexException.Chain>("invalid_hex") { signed.copy(selfHash = "xyz").verify() }
        assertCode<ProvedexException.Chain>("invalid_hex") { verifyChain(listOf(signed), "not a key") }
    }

    @Test
    fun `u32 fields hold the whole u32 range and JSON beyond it is integer_out_of_range`() {
        val largest = AgentEvent.ModelInvoked("m", digestOf("p"), digestOf("r"), UInt.MAX_VALUE, 0u)
        assertTrue(largest.toJson().contains("\"prompt_tokens\":4294967295"))
        assertEquals(largest, AgentEvent.fromJson(largest.toJson()))
        val tooLarge = largest.toJson().replace("4294967295", "4294967296")
        assertCode<ProvedexException.Signing>("integer_out_of_range") { eventFromJson(tooLarge) }
    }

    @Test
    fun `the code accessor and the message`() {
        val error = assertFailsWith<ProvedexException> { eventFromJson("{}") }
        assertEquals("missing_field", error.code)
        assertTrue(error.message!!.startsWith("code=missing_field, detail="), error.message)
        assertNull(assertFailsWith<ProvedexException> { SigningKeypair.fromSeed(ByteArray(0)) }.code)
    }
}
