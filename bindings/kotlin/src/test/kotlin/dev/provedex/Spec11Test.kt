package dev.provedex

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermission
import java.util.HexFormat
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** The manifest of spec/toolsets.md's example, in the function-tool and Provedex shapes. */
const val EXAMPLE_MANIFEST = """[
  {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
  {"name": "search", "version": "2.1.0", "description": "Web search.",
   "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
]"""

/** Its toolset hash (spec/toolsets.md, Toolset examples). */
const val EXAMPLE_TOOLSET_SHA256 = "baf4da9f70c7a7142fc390b4eb23541c7d564f438c15bfb706f8e42dae862390"

/** A key other than the check value's. */
fun otherKeypair(): SigningKeypair = SigningKeypair.fromSeed(ByteArray(32) { 7 })

fun toolCalled(tool: String): AgentEvent = AgentEvent.ToolCalled(toolName = tool, argsSha256 = digestOf("{}"), argsRedacted = "{}")

/**
 * Spec 1.1: key rotation, redaction, toolset pins and drift, the verification
 * options and the key history, and the key manager (PEM, fingerprints, data
 * signatures). Not shared scenarios: each is a session's behaviour over several
 * steps (record, rotate, reopen, verify), not one input and its outcome.
 */
class Spec11Test {
    @TempDir
    lateinit var dir: Path

    private val ledger: Path get() = dir.resolve("ledger.ndjson")

    private fun open(key: SigningKeypair): Session = Session.open(key, ledger.toString(), "s", Durability.NONE)

    @Test
    fun `a rotated ledger resumes only with the new key and verifies under the first`() {
        val old = checkValueKeypair()
        val new = otherKeypair()
        open(old).use { session ->
            session.record(toolCalled("search"))
            val rotation = session.rotateKey(new)
            assertEquals(CHECK_VALUE_PUBKEY, rotation.signerPubkey, "the old key signs the hand-over")
            assertEquals(new.pubkeyHex(), assertIs<AgentEvent.KeyRotated>(rotation.event).newPubkey)
            assertEquals(new.pubkeyHex(), session.pubkeyHex())
            assertEquals(new.pubkeyHex(), session.record(toolCalled("search")).signerPubkey)
        }

        val refused = assertFailsWith<ProvedexException.Ledger> { open(old) }
        assertEquals("foreign_key", refused.code)
        open(new).use { assertEquals(3uL, it.record(toolCalled("search")).seq) }

        val report = verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY)
        assertTrue(report.ok, report.message)
        assertEquals(listOf(CHECK_VALUE_PUBKEY, new.pubkeyHex()), report.signers)
        assertEquals(listOf(KeyEntry(CHECK_VALUE_PUBKEY, 0uL, 1uL), KeyEntry(new.pubkeyHex(), 2uL, 3uL)), report.keys)
        assertNull(report.unpinnedToolCalls)
        assertEquals("pubkey_mismatch", verifyFile(ledger.toString(), new.pubkeyHex()).reason)
    }

    @Test
    fun `the current key can be pinned instead of the first`() {
        val new = otherKeypair()
        open(checkValueKeypair()).use { session ->
            session.record(toolCalled("search"))
            session.rotateKey(new)
        }
        val path = ledger.toString()
        assertTrue(verifyFileWith(path, VerifyOptions(pinnedCurrentPubkey = new.pubkeyHex())).ok)
        val both = verifyFileWith(path, VerifyOptions(pinnedPubkey = CHECK_VALUE_PUBKEY, pinnedCurrentPubkey = new.pubkeyHex()))
        assertTrue(both.ok, both.message)
        val stale = verifyFileWith(path, VerifyOptions(pinnedCurrentPubkey = CHECK_VALUE_PUBKEY))
        assertEquals(false to "current_key_mismatch", stale.ok to stale.reason)
        val lines = ledgerLines(ledger).map { SignedEvent.fromJson(it) }
        assertEquals(stale, verifyChainWith(lines, VerifyOptions(pinnedCurrentPubkey = CHECK_VALUE_PUBKEY)))
        val malformed = assertFailsWith<ProvedexException.Chain> { verifyFileWith(path, VerifyOptions(pinnedCurrentPubkey = "ab")) }
        assertEquals("invalid_hex", malformed.code)
    }

    @Test
    fun `rotating to the current key is refused and writes nothing`() {
        open(checkValueKeypair()).use { session ->
            session.record(toolCalled("search"))
            val same = assertFailsWith<ProvedexException.Signing> { session.rotateKey(checkValueKeypair()) }
            assertEquals("rotation_key_invalid", same.code)
        }
        assertEquals(1, ledgerLines(ledger).size)
    }

    @Test
    fun `a redaction names its target by seq and hash`() {
        open(checkValueKeypair()).use { session ->
            val target = session.record(toolCalled("search"))
            val redaction = session.redact(0uL, "gdpr erasure", "dpo@example.com")
            assertEquals(AgentEvent.Redacted(0uL, target.selfHash, "gdpr erasure", "dpo@example.com"), redaction.event)
            for ((seq, code) in listOf(1uL to "redaction_of_redaction", 5uL to "redaction_target_unknown")) {
                val refused = assertFailsWith<ProvedexException.Signing> { session.redact(seq, "r", "q") }
                assertEquals(code, refused.code)
            }
            assertEquals(target.toJson(), ledgerLines(ledger).first(), "the target stays in the file")
        }
        val report = verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY)
        assertEquals(true to 2uL, report.ok to report.eventCount, report.message)
    }

    @Test
    fun `a pinned toolset is the specs example and drift is reported by name`() {
        val toolset = toolsetHash(EXAMPLE_MANIFEST)
        assertEquals(EXAMPLE_TOOLSET_SHA256, toolset.toolsetSha256)
        assertEquals(listOf("get_weather", "search"), toolset.tools.map { it.name })

        open(checkValueKeypair()).use { session ->
            session.record(toolCalled("search"))
            val noPin = assertFailsWith<ProvedexException.Ledger> { checkToolset(ledger.toString(), null, EXAMPLE_MANIFEST) }
            assertEquals("no_toolset", noPin.code)
            val pin = session.pinToolset(EXAMPLE_MANIFEST)
            assertEquals(AgentEvent.ToolsetPinned(EXAMPLE_TOOLSET_SHA256, toolset.tools), pin.event)
        }

        val same = checkToolset(ledger.toString(), CHECK_VALUE_PUBKEY, EXAMPLE_MANIFEST)
        assertEquals(ToolsetCheck(1uL, EXAMPLE_TOOLSET_SHA256, true, emptyList(), emptyList(), emptyList()), same)

        val drifted = """{"tools": [{"name": "search", "version": "2.2.0"}, {"name": "shell", "inputSchema": {}}]}"""
        val drift = checkToolset(ledger.toString(), null, drifted)
        assertFalse(drift.matches)
        assertEquals(listOf("shell"), drift.added.map { it.name })
        assertEquals(listOf("get_weather"), drift.removed.map { it.name })
        assertEquals(listOf("search"), drift.changed.map { it.name })
        val search = toolset.tools.single { it.name == "search" }
        assertEquals(search.sha256, drift.changed.single().pinnedSha256)

        val untrusted = assertFailsWith<ProvedexException.Ledger> {
            checkToolset(ledger.toString(), otherKeypair().pubkeyHex(), EXAMPLE_MANIFEST)
        }
        assertEquals("broken", untrusted.code)
    }

    @Test
    fun `checkTools lists the calls outside the pinned toolset`() {
        open(checkValueKeypair()).use { session ->
            session.pinToolset("""[{"name": "search"}]""")
            session.record(toolCalled("search"))
            session.record(toolCalled("shell"))
            session.pinToolset("""[{"name": "search"}, {"name": "shell"}]""")
            session.record(toolCalled("shell"))
        }
        val report = verifyFileWith(ledger.toString(), VerifyOptions(checkTools = true))
        assertTrue(report.ok, "calls outside the toolset are listed, not a finding")
        assertEquals(listOf(UnpinnedToolCall(2uL, "shell")), report.unpinnedToolCalls)
        assertNull(verifyFile(ledger.toString(), null).unpinnedToolCalls)
    }

    @Test
    fun `a manifest that is not a toolset is a signing error and pins nothing`() {
        val manifests = mapOf(
            """[{"name": "a"}, {"name": "a"}]""" to "both named",
            """[{"name": "a", "input_schema": {}, "parameters": {}}]""" to "tool 0",
            """{"tools": [], "nextCursor": "x"}""" to "nextCursor",
            "[" to "not valid JSON",
        )
        open(checkValueKeypair()).use { session ->
            for ((manifest, named) in manifests) {
                for (call in listOf({ toolsetHash(manifest) }, { session.pinToolset(manifest) })) {
                    val refused = assertFailsWith<ProvedexException.Signing>(manifest) { call() }
                    assertEquals("invalid_manifest", refused.code, manifest)
                    assertTrue(named in refused.message.orEmpty(), "$manifest: ${refused.message}")
                }
            }
            assertEquals(0uL, session.nextSeq(), "nothing is pinned")
        }
    }

    @Test
    fun `keys go out as PEM and fingerprints`() {
        val key = checkValueKeypair()
        val keyFile = dir.resolve("agent.pem")
        key.savePem(keyFile.toString())
        val pem = Files.readString(keyFile)
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"), pem)
        assertEquals(setOf(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(keyFile))
        assertEquals(CHECK_VALUE_PUBKEY, SigningKeypair.load(keyFile.toString()).use { it.pubkeyHex() })
        assertEquals(CHECK_VALUE_PUBKEY, SigningKeypair.fromPem(pem).use { it.pubkeyHex() })
        assertFailsWith<ProvedexException.KeyLoad> { SigningKeypair.fromPem(key.publicKeyPem()) }
        assertFailsWith<ProvedexException.KeyLoad> { key.savePem(keyFile.toString()) }

        val publicPem = key.publicKeyPem()
        assertTrue(publicPem.startsWith("-----BEGIN PUBLIC KEY-----\n"), publicPem)
        assertEquals(publicPem, publicKeyPem(CHECK_VALUE_PUBKEY))
        assertEquals(CHECK_VALUE_PUBKEY, parsePublicKey(publicPem))
        val publicFile = dir.resolve("agent.pub")
        Files.writeString(publicFile, publicPem)
        assertEquals(CHECK_VALUE_PUBKEY, loadPublicKey(publicFile.toString()))
        assertFailsWith<ProvedexException.KeyLoad> { parsePublicKey("not a key") }

        assertTrue(key.fingerprint().matches(Regex("sha256:[0-9a-f]{64}")), key.fingerprint())
        assertEquals(key.fingerprint(), publicKeyFingerprint(publicPem))
        assertEquals(key.fingerprint(), publicKeyFingerprint(CHECK_VALUE_PUBKEY))
    }

    @Test
    fun `data signatures verify only for their key, data and kind`() {
        val key = checkValueKeypair()
        val data = "report.pdf".encodeToByteArray()
        val signature = key.signData(data)
        assertEquals(128, signature.length)
        assertTrue(verifyData(CHECK_VALUE_PUBKEY, data, signature))
        assertTrue(verifyData(key.publicKeyPem(), data, signature))
        assertFalse(verifyData(CHECK_VALUE_PUBKEY, "report.pdf.".encodeToByteArray(), signature))
        assertFalse(verifyData(otherKeypair().pubkeyHex(), data, signature))
        // A line's signature is over its 32-byte self_hash alone: never a data signature of those bytes.
        val line = signEventAt(checkValueEvent, 0uL, 1uL, GENESIS_PARENT_HASH, key)
        assertFalse(verifyData(CHECK_VALUE_PUBKEY, hexBytes(line.selfHash), line.signature))
        val notHex = assertFailsWith<ProvedexException.Chain> { verifyData(CHECK_VALUE_PUBKEY, data, "zz") }
        assertEquals("invalid_hex", notHex.code)
    }

    @Test
    fun `data hashed as it is read gets the same signature`() {
        val key = checkValueKeypair()
        val data = ByteArray(1 shl 20) { (it * 31).toByte() }
        val digest = java.security.MessageDigest.getInstance("SHA-256")
        data.asList().chunked(65536).forEach { digest.update(it.toByteArray()) }
        val dataSha256 = HexFormat.of().formatHex(digest.digest())
        val signature = key.signDataSha256(dataSha256)
        assertEquals(key.signData(data), signature)
        assertTrue(verifyDataSha256(CHECK_VALUE_PUBKEY, dataSha256, signature))
        assertFalse(verifyDataSha256(CHECK_VALUE_PUBKEY, sha256Hex(ByteArray(0)), signature))
        val malformed = assertFailsWith<ProvedexException.Chain> { key.signDataSha256("ab") }
        assertEquals("invalid_hex", malformed.code)
    }
}
