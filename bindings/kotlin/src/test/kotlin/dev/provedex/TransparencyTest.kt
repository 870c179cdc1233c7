package dev.provedex

import java.nio.file.Path
import java.util.HexFormat
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** spec/transparency.md's example (TransparencyExample.kt): the empty tree's root and the proofs. */
private const val EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
private val INCLUSION_2_5 = listOf(
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
)
private val CONSISTENCY_3_5 = listOf(
    "3b8077f3c9c7000e24c25e3034e8c6a0f0eae5cf4a227768481470ad2bead3cc",
    "ad168a43f9edd87d37f82328dddfb0ff2351a566fa12e237ff318f93031e4774",
    "48e12d051111923058978e15a44452bdf7f7fec279170e6bdd2fe5fbddc38bfd",
    "8f0a63ca56c2e8cb620dcf90803ecf157e1fc6630826fbb77769f4a31a2a9326",
)

private fun flipped(proof: List<String>, i: Int): List<String> =
    proof.mapIndexed { j, hash -> if (j != i) hash else (if (hash[0] == '0') "1" else "0") + hash.substring(1) }

private fun bytes(hex: String): ByteArray = HexFormat.of().parseHex(hex)

/** Checkpoints and proofs (spec/transparency.md) on the spec's example ledger and on ledgers a session writes. */
class TransparencyTest {
    @TempDir
    lateinit var dir: Path

    private fun checkpointOf(note: String) = VerifyOptions(checkpoint = note.encodeToByteArray())

    @Test
    fun `the example ledger's checkpoint, roots and proofs are the spec's`() {
        val ledger = writeExampleLedger(dir)
        checkValueKeypair().use { key ->
            assertEquals(NOTE, checkpoint(ledger, key))
            assertEquals(NOTE, key.signCheckpoint(SELF_HASHES[0], 5uL, ROOT_5))
            val info = verifyCheckpoint(NOTE, key.pubkeyHex())
            assertEquals(CheckpointInfo(ORIGIN, SELF_HASHES[0], key.fingerprint(), 5uL, ROOT_5), info)
            assertEquals(info, verifyCheckpoint(NOTE.encodeToByteArray(), key.publicKeyPem()))
            assertEquals(info, parseCheckpoint(NOTE))
            assertEquals(ROOT_3, verifyCheckpoint(checkpoint(ledger, key, 3uL), CHECK_VALUE_PUBKEY).rootHex)
        }
        assertEquals(TreeHead(5uL, ROOT_5), ledgerTreeHead(ledger))
        assertEquals(TreeHead(3uL, ROOT_3), ledgerTreeHead(ledger, 3uL))
        assertEquals(ROOT_3, treeRoot(SELF_HASHES.take(3).map(::bytes)))
        assertEquals(EMPTY_ROOT, treeRoot(emptyList()))

        val inclusion = proveInclusion(ledger, 2uL)
        assertEquals(listOf(2uL, 5uL), listOf(inclusion.seq, inclusion.treeSize))
        assertEquals(listOf(SELF_HASHES[2], ROOT_5), listOf(inclusion.leafHex, inclusion.rootHex))
        assertEquals(INCLUSION_2_5, inclusion.proof)
        assertEquals(
            """{"type":"inclusion","seq":2,"tree_size":5,"leaf":"${SELF_HASHES[2]}","root":"$ROOT_5","proof":[${INCLUSION_2_5.joinToString(",") { "\"$it\"" }}]}""",
            inclusion.json,
        )
        assertTrue(inclusion.verify(ROOT_5))
        assertFalse(inclusion.verify(ROOT_3))

        val consistency = proveConsistency(ledger, 3uL, 5uL)
        assertEquals(listOf(ROOT_3, ROOT_5), listOf(consistency.oldRootHex, consistency.newRootHex))
        assertEquals(CONSISTENCY_3_5, consistency.proof)
        assertTrue(consistency.json.startsWith("""{"type":"consistency","old_size":3,"new_size":5,"""), consistency.json)
        assertTrue(consistency.verify(ROOT_3, ROOT_5))
    }

    @Test
    fun `a flipped proof hash fails, as do proofs of the wrong shape`() {
        val leaf = bytes(SELF_HASHES[2])
        assertTrue(verifyInclusion(2uL, 5uL, leaf, INCLUSION_2_5, ROOT_5))
        INCLUSION_2_5.indices.forEach { i -> assertFalse(verifyInclusion(2uL, 5uL, leaf, flipped(INCLUSION_2_5, i), ROOT_5), "hash $i") }
        assertFalse(verifyInclusion(3uL, 5uL, leaf, INCLUSION_2_5, ROOT_5))
        assertFalse(verifyInclusion(2uL, 5uL, leaf, INCLUSION_2_5.take(2), ROOT_5))
        assertFalse(verifyInclusion(2uL, 5uL, leaf, INCLUSION_2_5.take(2) + "not hex", ROOT_5))
        val invalid = assertFailsWith<ProvedexException.Chain> { verifyInclusion(2uL, 5uL, leaf, INCLUSION_2_5, "root") }
        assertEquals("invalid_hex", invalid.code)

        assertTrue(verifyConsistency(3uL, 5uL, CONSISTENCY_3_5, ROOT_3, ROOT_5))
        CONSISTENCY_3_5.indices.forEach { i ->
            assertFalse(verifyConsistency(3uL, 5uL, flipped(CONSISTENCY_3_5, i), ROOT_3, ROOT_5), "hash $i")
        }
        assertFalse(verifyConsistency(5uL, 3uL, CONSISTENCY_3_5, ROOT_3, ROOT_5))
        assertTrue(verifyConsistency(0uL, 5uL, emptyList(), EMPTY_ROOT, ROOT_5))
        assertTrue(verifyConsistency(5uL, 5uL, emptyList(), ROOT_5, ROOT_5))
        assertFalse(verifyConsistency(5uL, 5uL, emptyList(), ROOT_3, ROOT_5))
    }

    @Test
    fun `a checkpoint catches a truncated ledger and a replaced line`() {
        val ledger = dir.resolve("ledger.ndjson")
        val key = checkValueKeypair()
        recordAll(key, ledger, (0 until 5).map { toolCalled("tool-$it") })
        val note = checkpoint(ledger.toString(), key)
        assertTrue(verifyFileWith(ledger.toString(), checkpointOf(note)).ok)

        val lines = ledgerLines(ledger)
        writeLedgerLines(ledger, lines.take(3))
        assertTrue(verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY).ok, "the cut ledger is good on its own")
        val cut = verifyFileWith(ledger.toString(), checkpointOf(note))
        assertEquals("ledger_truncated", cut.reason)
        assertEquals(listOf<Any?>(false, 3uL, 3uL), listOf(cut.ok, cut.eventCount, cut.brokenAt))
        assertNull(cut.line)

        val atThree = checkpoint(ledger.toString(), key)
        val third = SignedEvent.fromJson(lines[2])
        val replacement = signEventAt(toolCalled("another"), 2uL, third.timestampNanos, third.parentHash, key)
        writeLedgerLines(ledger, lines.take(2) + replacement.toJson())
        assertTrue(verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY).ok, "the chain holds")
        val replaced = verifyFileWith(ledger.toString(), checkpointOf(atThree))
        assertEquals("checkpoint_root_mismatch", replaced.reason)
        assertNull(replaced.line)
    }

    @Test
    fun `a foreign or forged checkpoint is refused with its reason`() {
        val ledger = writeExampleLedger(dir)
        val other = dir.resolve("other.ndjson")
        recordAll(checkValueKeypair(), other, listOf(toolCalled("a")))
        val foreign = checkpoint(other.toString(), checkValueKeypair())
        assertEquals("checkpoint_foreign", verifyFileWith(ledger, checkpointOf(foreign)).reason)
        val notTheKey = assertFailsWith<ProvedexException.Chain> { verifyCheckpoint(NOTE, otherKeypair().pubkeyHex()) }
        assertEquals("checkpoint_foreign", notTheKey.code)

        val altered = NOTE.replaceFirst(NOTE_ROOT, "A" + NOTE_ROOT.substring(1))
        val forged = assertFailsWith<ProvedexException.Chain> { verifyCheckpoint(altered, CHECK_VALUE_PUBKEY) }
        assertEquals("checkpoint_signature_invalid", forged.code)
        assertEquals("checkpoint_signature_invalid", verifyFileWith(ledger, checkpointOf(altered)).reason)

        for (malformed in listOf("not a note".encodeToByteArray(), byteArrayOf(-1, -2), NOTE.replaceFirst("\n5\n", "\n05\n").encodeToByteArray())) {
            val e = assertFailsWith<ProvedexException.Chain> { verifyCheckpoint(malformed, CHECK_VALUE_PUBKEY) }
            assertEquals("checkpoint_malformed", e.code)
        }
        val unreadable = assertFailsWith<ProvedexException.Chain> { verifyFileWith(ledger, checkpointOf("not a note")) }
        assertEquals("checkpoint_malformed", unreadable.code)
    }

    @Test
    fun `checkpoints and proofs need the right key and sizes in range`() {
        val ledger = writeExampleLedger(dir)
        val foreignKey = assertFailsWith<ProvedexException.Ledger> { checkpoint(ledger, otherKeypair()) }
        assertEquals("foreign_key", foreignKey.code)
        val outOfRange = listOf(
            { proveInclusion(ledger, 5uL) },
            { proveConsistency(ledger, 4uL, 3uL) },
            { ledgerTreeHead(ledger, 6uL) },
            { checkpoint(ledger, checkValueKeypair(), 0uL) },
        )
        outOfRange.forEach { call -> assertEquals("out_of_range", assertFailsWith<ProvedexException.Ledger> { call() }.code) }
    }
}
