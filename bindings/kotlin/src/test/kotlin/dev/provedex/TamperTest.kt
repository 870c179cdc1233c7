package dev.provedex

import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.appendText
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.io.TempDir

/** Edits to a recorded ledger file are found, with where and why; ledgers a session refuses to open. */
class TamperTest {
    @TempDir
    lateinit var dir: Path

    /**
     * The shared `ledgers` scenarios (bindings/scenarios/scenarios.json), as the
     * Swift tests run them: the first `recorded` events of `every_variant` are
     * recorded with the check value's key (and verify), the op edits the file,
     * then each `verify` finds the break, and `open` is refused.
     */
    @TestFactory
    fun `shared ledger scenarios`(): List<DynamicTest> = scenarioTests("ledgers") { scenario ->
        val ledger = Files.createTempDirectory(dir, "scenario").resolve("ledger.ndjson")
        val recorded = checkValueKeypair().use { recordAll(it, ledger, everyVariant.take(scenario.input.int("recorded"))) }
        assertTrue(verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY).ok, "the recorded ledger verifies")

        edit(scenario, ledger, recorded)

        if ("open" in scenario.expect) {
            val open = scenario.expect.obj("open")
            val before = Files.readAllBytes(ledger)
            val error = scenarioKey(open.string("key")).use { key ->
                assertFailsWith<ProvedexException.Ledger> { Session.open(key, ledger.toString(), "s") }
            }
            assertEquals(open.string("code"), error.code, error.message)
            assertContentEquals(before, Files.readAllBytes(ledger), "a refused open changes nothing")
        }
        scenario.expect.list("verify").forEachIndexed { index, entry ->
            val check = Members("${scenario.id}: expect.verify[$index]", asObject(entry, "verify[$index]"))
            val pin = check.string("pin")
            val pinned = when (pin) {
                "check" -> CHECK_VALUE_PUBKEY
                "other" -> SigningKeypair.generate().use { it.pubkeyHex() }
                "none" -> null
                else -> throw IllegalArgumentException("no pin \"$pin\"")
            }
            assertBrokenAt(verifyFile(ledger.toString(), pinned), check.int("broken_at"), check.string("reason"), recorded, "pin $pin")
        }
    }

    /** Applies the scenario's edit to the ledger file. */
    private fun edit(scenario: Scenario, ledger: Path, recorded: List<SignedEvent>) {
        val input = scenario.input
        when (scenario.op) {
            "none" -> {}
            "replace_text" -> {
                val old = input.string("old")
                val new = input.string("new")
                editLine(ledger, input.int("index")) { it.replace(old, new) }
            }
            "flip_signature_digit" -> {
                val index = input.int("index")
                val digit = input.int("digit")
                val signature = recorded[index].signature
                val flipped = (if (signature[digit] == '0') '1' else '0').toString()
                editLine(ledger, index) { it.replace(signature, signature.replaceRange(digit, digit + 1, flipped)) }
            }
            "delete_line" -> {
                val index = input.int("index")
                writeLedgerLines(ledger, ledgerLines(ledger).filterIndexed { i, _ -> i != index })
            }
            "append_signed_line" -> {
                val last = recorded.last()
                val parentHash = when (val parent = input.string("parent")) {
                    "genesis" -> GENESIS_PARENT_HASH
                    "last" -> last.selfHash
                    else -> throw IllegalArgumentException("no parent \"$parent\"")
                }
                val event = everyVariant[input.int("event_index")]
                val forged = scenarioKey(input.string("signer")).use { signEventAt(event, input.uLong("seq"), last.timestampNanos, parentHash, it) }
                writeLedgerLines(ledger, ledgerLines(ledger) + forged.toJson())
            }
            "append_text" -> ledger.appendText(input.string("text"))
            else -> throw IllegalArgumentException("no ledgers op \"${scenario.op}\"")
        }
    }

    /** Replaces line [index] of the ledger with [edit] of it; the edit must change the line. */
    private fun editLine(ledger: Path, index: Int, edit: (String) -> String) {
        val lines = ledgerLines(ledger).toMutableList()
        val edited = edit(lines[index])
        check(edited != lines[index]) { "the edit changed nothing" }
        lines[index] = edited
        writeLedgerLines(ledger, lines)
    }

    /** The report of a ledger whose lines before seq [at] hold and whose line at [at] breaks with [reason]. */
    private fun assertBrokenAt(report: ChainReport, at: Int, reason: String, recorded: List<SignedEvent>, context: String) {
        val message = "$context: ${report.message}"
        assertFalse(report.ok, message)
        assertEquals(reason, report.reason, message)
        assertEquals(at.toULong(), report.brokenAt, message)
        assertEquals(at.toULong(), report.eventCount, message)
        assertEquals(at.toULong() + 1u, report.line, message)
        assertEquals(recorded.getOrNull(at - 1)?.selfHash, report.rootHash, message)
    }

    // Not a shared scenario: it edits the binding's value types in memory
    // (a Kotlin data class copy; Swift matches and rebuilds its enum instead),
    // and checks verifySignedEvent and verifyChain on them, not a file.
    @Test
    fun `a tampered event fails verifySignedEvent with hash_mismatch`() {
        val ledger = dir.resolve("ledger.ndjson")
        val recorded = checkValueKeypair().use { recordAll(it, ledger, everyVariant) }
        assertTrue(verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY).ok)
        val tampered = recorded[2].copy(event = (recorded[2].event as AgentEvent.ToolCalled).copy(toolName = "shell"))
        val error = assertFailsWith<ProvedexException.Chain> { tampered.verify() }
        assertEquals("hash_mismatch", error.code)
        val report = verifyChain(recorded.toMutableList().also { it[2] = tampered }, null)
        assertEquals("hash_mismatch", report.reason)
        assertEquals(2uL, report.brokenAt)
    }
}
