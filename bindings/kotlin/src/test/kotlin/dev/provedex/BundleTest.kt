package dev.provedex

import dev.provedex.conformance.Json
import java.math.BigInteger
import java.nio.file.Path
import java.time.Instant
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** The example lines' timestamp_nanos, as the spec prints them. */
private val TIMES = listOf(
    1700000000000000000uL, 1700000000250000000uL, 1700000000662000000uL, 1700000001000000000uL, 1700000002500000000uL,
)

@Suppress("UNCHECKED_CAST")
private fun document(bundle: ByteArray): Map<String, Any?> = Json.parse(bundle.decodeToString()) as Map<String, Any?>

/** The bundle with its document's [member] replaced. */
private fun edited(bundle: ByteArray, member: String, value: Any?): ByteArray =
    Json.write(document(bundle).toMutableMap().also { it[member] = value }).encodeToByteArray()

private fun BundleReport.kinds(): List<Pair<String, String>> = evidence.map { it.kind to it.verdict }

/** Bundles (spec/bundles.md) and the checkpoints a session signs (spec/transparency.md, "Checkpoints file"). */
class BundleTest {
    @TempDir
    lateinit var dir: Path

    private fun write(name: String, lines: List<String>): String = dir.resolve(name).also { writeLedgerLines(it, lines) }.toString()

    @Test
    fun `a bundle holds the lines and the spec's checkpoint and verifies under the pinned key`() {
        val lines = exampleLines()
        val ledger = writeExampleLedger(dir)
        val bundle = checkValueKeypair().use { key -> exportBundle(ledger, key, BundleSelection.seqs(1uL, 3uL)) }
        assertTrue(bundle.decodeToString().startsWith("{\n  \"format\": \"provedex-bundle/v1\",\n"))
        val doc = document(bundle)
        assertEquals(CHECK_VALUE_PUBKEY, doc["public_key"])
        assertEquals(FINGERPRINT, doc["fingerprint"])
        assertEquals(NOTE, doc["checkpoint"])
        assertEquals(BigInteger.ONE, doc["first_seq"])
        assertEquals(lines.subList(1, 4), doc["lines"])
        assertEquals(SELF_HASHES[0], (doc["proof"] as Map<*, *>)["previous_self_hash"])

        val report = verifyBundle(bundle, pinnedPubkey = CHECK_VALUE_PUBKEY)
        assertTrue(report.ok && report.pinned, report.message)
        assertEquals("verifiable", report.proofLevel)
        assertTrue(report.reached("verifiable"))
        assertFalse(report.reached("publicly-timestamped"))
        assertEquals(listOf(3uL, 1uL, 5uL), listOf(report.eventCount, report.firstSeq, report.treeSize))
        assertEquals(ROOT_5, report.root)
        assertEquals(
            listOf("key_pin" to "verified", "checkpoint" to "verified", "lines" to "verified", "tree" to "verified"),
            report.kinds(),
        )
        assertEquals(
            listOf("verifiable", "externally-archived", "publicly-auditable", "publicly-timestamped"),
            report.levels.map { it.level },
        )
        assertEquals("verifiable", (Json.parse(report.json) as Map<*, *>)["proof_level"])
        assertEquals("verifiable", verifyBundle(bundle, pinnedFingerprint = FINGERPRINT).proofLevel)

        val unpinned = verifyBundle(bundle)
        assertTrue(unpinned.ok)
        assertFalse(unpinned.pinned)
        assertNull(unpinned.proofLevel)
        assertEquals("key_pin" to "not_checked", unpinned.kinds().first())

        assertFailsWith<ProvedexException.KeyLoad> { verifyBundle(bundle, CHECK_VALUE_PUBKEY, FINGERPRINT) }
        assertFailsWith<ProvedexException.KeyLoad> { verifyBundle(bundle, pinnedFingerprint = "sha256:AB") }
    }

    @Test
    fun `swapped and missing lines, a self-vouching key and a foreign checkpoint are refused`() {
        val lines = exampleLines()
        val ledger = writeExampleLedger(dir)
        val bundle = checkValueKeypair().use { key -> exportBundle(ledger, key, BundleSelection.seqs(1uL, 3uL)) }

        val swapped = verifyBundle(edited(bundle, "lines", listOf(lines[1], lines[3], lines[2])), CHECK_VALUE_PUBKEY)
        assertEquals(Triple(false, "seq_mismatch", 2uL), Triple(swapped.ok, swapped.reason, swapped.brokenAt))
        assertNull(swapped.proofLevel)
        val missing = verifyBundle(edited(bundle, "lines", listOf(lines[1], lines[3])), CHECK_VALUE_PUBKEY)
        assertEquals("seq_mismatch" to 2uL, missing.reason to missing.brokenAt)

        // The same events signed anew by another key: a consistent bundle that vouches only for itself.
        SigningKeypair.fromSeed(ByteArray(32) { 9 }).use { forger ->
            var parent = GENESIS_PARENT_HASH
            val copy = lines.mapIndexed { seq, line ->
                val event = AgentEvent.fromJson(Json.write((Json.parse(line) as Map<*, *>)["event"]))
                signEventAt(event, seq.toULong(), TIMES[seq], parent, forger).also { parent = it.selfHash }.toJson()
            }
            val forged = write("forged.ndjson", copy)
            val selfVouching = exportBundle(forged, forger, BundleSelection.seqs(1uL, 3uL))
            val unpinned = verifyBundle(selfVouching)
            assertTrue(unpinned.ok && !unpinned.pinned)
            assertNull(unpinned.proofLevel)
            for (pinned in listOf(verifyBundle(selfVouching, CHECK_VALUE_PUBKEY), verifyBundle(selfVouching, pinnedFingerprint = FINGERPRINT))) {
                assertEquals(false to "bundle_key_mismatch", pinned.ok to pinned.reason)
                assertEquals(listOf("key_pin" to "failed"), pinned.kinds())
            }
            // The forger's checkpoint in a bundle naming the pinned key.
            val foreignNote = checkpoint(forged, forger)
            val report = verifyBundle(edited(bundle, "checkpoint", foreignNote), CHECK_VALUE_PUBKEY)
            assertEquals("checkpoint_foreign", report.reason)
        }

        // A checkpoint of another ledger of the same key, held apart.
        checkValueKeypair().use { key ->
            val other = write("other.ndjson", listOf(signEventAt(checkValueEvent, 0uL, 1uL, GENESIS_PARENT_HASH, key).toJson()))
            val foreign = checkpoint(other, key)
            val report = verifyBundle(bundle, CHECK_VALUE_PUBKEY, checkpoint = foreign)
            assertEquals("checkpoint_foreign", report.reason)
            assertEquals("held_checkpoint" to "failed", report.kinds().last())
            val refused = assertFailsWith<ProvedexException.Chain> { exportBundle(ledger, foreign, BundleSelection.seqs(0uL, 1uL)) }
            assertEquals("checkpoint_foreign", refused.code)
        }
    }

    @Test
    fun `a bundle against a held checkpoint, and by time`() {
        val lines = exampleLines()
        val ledger = writeExampleLedger(dir)
        checkValueKeypair().use { key ->
            val note3 = checkpoint(ledger, key, 3uL)
            val bundle = exportBundle(ledger, note3, BundleSelection.seqs(1uL, 2uL))
            assertEquals(note3, document(bundle)["checkpoint"])
            val report = verifyBundle(bundle, pinnedFingerprint = FINGERPRINT, checkpoint = note3)
            assertTrue(report.ok, report.message)
            assertEquals(3uL to ROOT_3, report.treeSize to report.root)
            assertEquals("bundle_proof_invalid", verifyBundle(bundle, pinnedFingerprint = FINGERPRINT, checkpoint = NOTE).reason)
            val beyond = assertFailsWith<ProvedexException.Ledger> { exportBundle(ledger, note3, BundleSelection.seqs(2uL, 3uL)) }
            assertEquals("out_of_range", beyond.code)

            // From a nanosecond after line 1 to line 3's time exactly: lines 2 and 3.
            val from = Instant.ofEpochSecond(1_700_000_000L, 250_000_001L)
            val to = Instant.ofEpochSecond(1_700_000_001L)
            val byTime = exportBundle(ledger, key, BundleSelection.between(from, to))
            assertEquals(BigInteger.TWO, document(byTime)["first_seq"])
            assertEquals(lines.subList(2, 4), document(byTime)["lines"])
            assertTrue(verifyBundle(byTime, CHECK_VALUE_PUBKEY).ok)
            assertTrue(byTime.contentEquals(exportBundle(ledger, key, BundleSelection.Time(TIMES[1] + 1uL, TIMES[3]))))
            val between = assertFailsWith<ProvedexException.Ledger> {
                exportBundle(ledger, key, BundleSelection.Time(TIMES[3] + 1uL, TIMES[4] - 1uL))
            }
            assertEquals("out_of_range", between.code)
            assertFailsWith<IllegalArgumentException> { BundleSelection.between(Instant.ofEpochSecond(-1), to) }
        }
    }

    @Test
    fun `a session signs a checkpoint every N events and each verifies`() {
        val ledger = dir.resolve("agent.ndjson").toString()
        assertEquals("$ledger.checkpoints", checkpointsPath(ledger))
        assertEquals(emptyList(), readCheckpoints(ledger))
        checkValueKeypair().use { key ->
            val note = Session.open(key, ledger, "s", SessionOptions(Durability.NONE, checkpointEvery = 2uL)).use { session ->
                val empty = assertFailsWith<ProvedexException.Ledger> { session.checkpoint() }
                assertEquals("out_of_range", empty.code)
                everyVariant.forEach { session.record(it) }
                assertEquals(7uL, session.treeSize())
                assertNull(session.treeProblem())
                session.checkpoint()
            }
            assertEquals(checkpoint(ledger, key), note)
            val entries = readCheckpoints(ledger)
            assertEquals(listOf(2uL, 4uL, 6uL), entries.map { it.treeSize })
            for (entry in entries) {
                assertEquals(checkpoint(ledger, key, entry.treeSize), entry.checkpoint)
                assertEquals(entry.treeSize, verifyCheckpoint(entry.checkpoint, CHECK_VALUE_PUBKEY).treeSize)
                val bundle = exportBundle(ledger, entry.checkpoint, BundleSelection.seqs(0uL, 1uL))
                val report = verifyBundle(bundle, pinnedFingerprint = FINGERPRINT, checkpoint = entry.checkpoint)
                assertEquals(true to "verifiable", report.ok to report.proofLevel)
            }
        }
    }
}
