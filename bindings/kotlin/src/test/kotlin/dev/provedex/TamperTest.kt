package dev.provedex

import java.nio.file.Path
import kotlin.test.BeforeTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** Edits to a recorded ledger file are found, with where and why. */
class TamperTest {
    @TempDir
    lateinit var dir: Path

    private val ledger: Path get() = dir.resolve("ledger.ndjson")
    private lateinit var recorded: List<SignedEvent>

    @BeforeTest
    fun recordLedger() {
        recorded = checkValueKeypair().use { recordAll(it, ledger, everyVariant) }
        assertTrue(verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY).ok)
    }

    /** Replaces line [index] of the ledger with [edit] of it; the edit must change the line. */
    private fun editLine(index: Int, edit: (String) -> String) {
        val lines = ledgerLines(ledger).toMutableList()
        val edited = edit(lines[index])
        check(edited != lines[index]) { "the edit changed nothing" }
        lines[index] = edited
        writeLedgerLines(ledger, lines)
    }

    private fun assertBrokenAt(seq: Int, reason: String) {
        val report = verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY)
        assertFalse(report.ok)
        assertEquals(reason, report.reason, report.message)
        assertEquals(seq.toULong(), report.brokenAt)
        assertEquals(seq.toULong(), report.eventCount)
        assertEquals(seq.toULong() + 1u, report.line)
        assertEquals(recorded.getOrNull(seq - 1)?.selfHash, report.rootHash)
    }

    @Test
    fun `an edited payload field is a hash_mismatch`() {
        editLine(1) { it.replace("Wie spät", "Wie früh") }
        assertBrokenAt(1, "hash_mismatch")
    }

    @Test
    fun `one changed byte in a signature is a bad_signature`() {
        val signature = recorded[4].signature
        val flipped = (if (signature[10] == '0') '1' else '0').toString()
        editLine(4) { it.replace(signature, signature.replaceRange(10, 11, flipped)) }
        assertBrokenAt(4, "bad_signature")
    }

    @Test
    fun `a deleted line is a seq_mismatch where it was`() {
        writeLedgerLines(ledger, ledgerLines(ledger).filterIndexed { index, _ -> index != 3 })
        assertBrokenAt(3, "seq_mismatch")
    }

    @Test
    fun `a line sealed after the wrong parent is a parent_mismatch`() {
        val forged = checkValueKeypair().use { signEventAt(everyVariant[6], 7u, recorded.last().timestampNanos, GENESIS_PARENT_HASH, it) }
        writeLedgerLines(ledger, ledgerLines(ledger) + forged.toJson())
        assertBrokenAt(7, "parent_mismatch")
    }

    @Test
    fun `a well-chained line of another signer is signer_changed, or pubkey_mismatch when pinned`() {
        val forged = SigningKeypair.generate().use { signEventAt(everyVariant[6], 7u, recorded.last().timestampNanos, recorded.last().selfHash, it) }
        writeLedgerLines(ledger, ledgerLines(ledger) + forged.toJson())

        assertBrokenAt(7, "pubkey_mismatch")
        val unpinned = verifyFile(ledger.toString(), null)
        assertEquals("signer_changed", unpinned.reason)
        assertEquals(7uL, unpinned.brokenAt)
    }

    @Test
    fun `a damaged last line stops the next session from resuming`() {
        editLine(6) { it.replace("completed", "abandoned") }

        val error = checkValueKeypair().use { key ->
            assertFailsWith<ProvedexException.Ledger> { Session.open(key, ledger.toString(), "s") }
        }
        assertEquals("broken", error.code)
        assertBrokenAt(6, "hash_mismatch")
    }

    @Test
    fun `a tampered event fails verifySignedEvent with hash_mismatch`() {
        val tampered = recorded[2].copy(event = (recorded[2].event as AgentEvent.ToolCalled).copy(toolName = "shell"))
        val error = assertFailsWith<ProvedexException.Chain> { tampered.verify() }
        assertEquals("hash_mismatch", error.code)
        val report = verifyChain(recorded.toMutableList().also { it[2] = tampered }, null)
        assertEquals("hash_mismatch", report.reason)
        assertEquals(2uL, report.brokenAt)
    }
}
