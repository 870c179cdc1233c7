package dev.provedex

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermission
import kotlin.io.path.appendText
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** Recording, resuming and verifying ledgers through [Session]. */
class SessionTest {
    @TempDir
    lateinit var dir: Path

    private val ledger: Path get() = dir.resolve("ledger.ndjson")

    // Not a shared scenario: a sequence of sessions on one ledger, one per durability:
    // behaviour of Session over time, not one input and its outcome.
    @Test
    fun `each durability records a chain that resumes in another`() {
        checkValueKeypair().use { key ->
            Session.open(key, ledger.toString(), "s").use { assertEquals(Durability.GROUP, it.durability()) }
            for ((i, durability) in Durability.entries.withIndex()) {
                Session.open(key, ledger.toString(), "s-$i", durability).use { session ->
                    assertEquals(durability, session.durability())
                    assertEquals(i.toULong(), session.record(everyVariant[i]).seq)
                }
            }
        }
        val report = verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY)
        assertTrue(report.ok, report.message)
        assertEquals(Durability.entries.size.toULong(), report.eventCount)
    }

    // Not a shared scenario: it checks how records chain (seqs, parents, timestamps that
    // come from the clock) and read back; the events it records are the shared
    // every_variant.
    @Test
    fun `every variant is recorded, chained and verifies`() {
        val recorded = checkValueKeypair().use { recordAll(it, ledger, everyVariant) }

        assertEquals((0uL..6uL).toList(), recorded.map { it.seq })
        assertEquals(GENESIS_PARENT_HASH, recorded.first().parentHash)
        recorded.zipWithNext { previous, next -> assertEquals(previous.selfHash, next.parentHash) }
        recorded.zipWithNext { previous, next -> assertTrue(previous.timestampNanos <= next.timestampNanos) }
        recorded.forEach { it.verify() }
        // args_redacted comes back in its canonical form; every other event exactly as given.
        val expected = everyVariant.map {
            if (it is AgentEvent.ToolCalled) it.copy(argsRedacted = """{"token":"***","tz":"Europe/Berlin"}""") else it
        }
        assertEquals(expected, recorded.map { it.event })
        assertEquals(recorded.map { it.toJson() }, ledgerLines(ledger))

        val report = verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY)
        assertTrue(report.ok, report.message)
        assertEquals(7uL, report.eventCount)
        assertNull(report.brokenAt)
        assertNull(report.reason)
        assertEquals(recorded.last().selfHash, report.rootHash)
        assertEquals(listOf(CHECK_VALUE_PUBKEY), report.signers)
        assertEquals(report, verifyChain(recorded, CHECK_VALUE_PUBKEY))
    }

    // Not a shared scenario: a session records, then the file is verified: behaviour of
    // Session, not a fixed input and output.
    @Test
    fun `recordJson reads the event strictly and records it`() {
        val signed = checkValueKeypair().use { key ->
            Session.open(key, ledger.toString(), "s").use { it.recordJson(checkValueEvent.toJson()) }
        }
        assertEquals(checkValueEvent, signed.event)
        assertTrue(verifyFile(ledger.toString(), null).ok)
    }

    // Not a shared scenario: two sessions in sequence on one ledger and one key file:
    // behaviour of resuming, not one input and its outcome.
    @Test
    fun `a reopened session resumes the chain`() {
        val keyFile = dir.resolve("keys/agent.key").toString()
        val first = SigningKeypair.loadOrCreate(keyFile).use { recordAll(it, ledger, everyVariant.take(3)) }
        val (second, nextSeq) = SigningKeypair.loadOrCreate(keyFile).use { key ->
            Session.open(key, ledger.toString(), "session-42").use { session ->
                assertEquals(key.pubkeyHex(), session.pubkeyHex())
                assertEquals(3uL, session.nextSeq())
                everyVariant.drop(3).map(session::record) to session.nextSeq()
            }
        }

        assertEquals((3uL..6uL).toList(), second.map { it.seq })
        assertEquals(first.last().selfHash, second.first().parentHash)
        assertEquals(7uL, nextSeq)
        val pubkey = SigningKeypair.load(keyFile).use { it.pubkeyHex() }
        val report = verifyFile(ledger.toString(), pubkey)
        assertTrue(report.ok, report.message)
        assertEquals(7uL, report.eventCount)
        assertEquals(second.last().selfHash, report.rootHash)
    }

    // Not a shared scenario: a random key is created, then found again: no fixed value
    // to share.
    @Test
    fun `loadOrCreate writes a private 32-byte key file and loads it again`() {
        val keyFile = dir.resolve("agent.key")
        val created = SigningKeypair.loadOrCreate(keyFile.toString()).use { it.pubkeyHex() }

        assertEquals(32L, Files.size(keyFile))
        assertEquals(setOf(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(keyFile))
        assertEquals(created, SigningKeypair.loadOrCreate(keyFile.toString()).use { it.pubkeyHex() })
        assertEquals(created, SigningKeypair.load(keyFile.toString()).use { it.pubkeyHex() })
    }

    // Not a shared scenario: a save followed by a load (the file's bytes and the key it
    // loads as): a round trip through the file system, not one input and its outcome.
    @Test
    fun `a saved seed loads as the same key`() {
        val keyFile = dir.resolve("check.key")
        checkValueKeypair().use { it.save(keyFile.toString()) }

        assertEquals((0 until 32).map { it.toByte() }, Files.readAllBytes(keyFile).toList())
        assertEquals(CHECK_VALUE_PUBKEY, SigningKeypair.load(keyFile.toString()).use { it.pubkeyHex() })
    }

    // Not a shared scenario: close semantics over a session's life (destroy() is
    // uniffi's Kotlin API; Swift frees a session when it is released).
    @Test
    fun `close releases the lock and later records fail with code closed`() {
        checkValueKeypair().use { key ->
            val session = Session.open(key, ledger.toString(), "s")
            session.record(checkValueEvent)
            session.close()
            session.close() // harmless
            val closed = assertFailsWith<ProvedexException.Ledger> { session.record(checkValueEvent) }
            assertEquals("closed", closed.code)
            // The lock went with close(), while the object is still referenced.
            Session.open(key, ledger.toString(), "s").use { assertEquals(1uL, it.nextSeq()) }
            assertEquals("s", session.sessionId)
            session.destroy()
        }
    }

    // Not a shared scenario: kotlin.use and AutoCloseable against uniffi's Disposable.use
    // are Kotlin's own.
    @Test
    fun `use releases the lock so the same process opens the ledger again at once`() {
        checkValueKeypair().use { key ->
            // kotlin.use (AutoCloseable) calls close(); uniffi's use (Disposable) frees the native object.
            val viaAutoCloseable: AutoCloseable = Session.open(key, ledger.toString(), "a")
            viaAutoCloseable.use { (it as Session).record(checkValueEvent) }
            Session.open(key, ledger.toString(), "b").use { it.record(checkValueEvent) }
            Session.open(key, ledger.toString(), "c").use { assertEquals(2uL, it.nextSeq()) }
        }
        assertEquals(2uL, verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY).eventCount)
    }

    // Not a shared scenario: it needs a first session open while a second opens,
    // then closes it: a sequence of calls.
    @Test
    fun `a second writer in the same process is refused until the first closes`() {
        checkValueKeypair().use { key ->
            val first = Session.open(key, ledger.toString(), "s")
            val locked = assertFailsWith<ProvedexException.Ledger> { Session.open(key, ledger.toString(), "s") }
            assertEquals("locked", locked.code)
            first.close()
            Session.open(key, ledger.toString(), "s").use { assertEquals(0uL, it.nextSeq()) }
        }
    }

    // Not a shared scenario: several sessions in sequence and the sessionId property
    // (Idioms.kt): behaviour of Session.
    @Test
    fun `sessionId is the application's metadata, not written and not the ledger's locator`() {
        checkValueKeypair().use { key ->
            Session.open(key, ledger.toString(), "support-42").use { assertEquals("support-42", it.sessionId) }
            assertEquals(0L, Files.size(ledger))
            Session.open(key, ledger.toString(), "a").use { it.record(checkValueEvent) }
            Session.open(key, ledger.toString(), "b").use { assertEquals(1uL, it.nextSeq()) }
        }
    }

    // Not a shared scenario: the outcome holds an offset and a backup path made at run
    // time, checked across calls (recover, then a session resumes). Recovering a
    // missing file is one of the shared error scenarios.
    @Test
    fun `recover removes a torn tail and says what it did`() {
        val recorded = checkValueKeypair().use { recordAll(it, ledger, everyVariant.take(2)) }
        assertTrue(assertIs<RecoverOutcome.NothingToRecover>(recover(ledger.toString())).report.ok)
        val good = Files.size(ledger)
        ledger.appendText("""{"seq":2,"timesta""")

        val outcome = assertIs<RecoverOutcome.Truncated>(recover(ledger.toString()))

        assertEquals(good.toULong(), outcome.offset)
        assertEquals(17uL, outcome.removedBytes)
        assertEquals(dir.resolve("ledger.ndjson.torn-$good").toString(), outcome.backup)
        assertEquals("""{"seq":2,"timesta""", Files.readString(Path.of(outcome.backup)))
        assertEquals(recorded.last().selfHash, outcome.report.rootHash)
        checkValueKeypair().use { key -> Session.open(key, ledger.toString(), "s").use { assertEquals(2uL, it.nextSeq()) } }
    }

    // Not a shared scenario: a session's state on a full ledger (nextSeq null),
    // the refusal, then the file unchanged: behaviour of Session over calls.
    @Test
    fun `a ledger at the largest seq opens full and refuses to record`() {
        val last = checkValueKeypair().use { signEventAt(checkValueEvent, ULong.MAX_VALUE, ULong.MAX_VALUE, GENESIS_PARENT_HASH, it) }
        assertEquals(ULong.MAX_VALUE, SignedEvent.fromJson(last.toJson()).seq)
        writeLedgerLines(ledger, listOf(last.toJson()))

        checkValueKeypair().use { key ->
            Session.open(key, ledger.toString(), "s").use { session ->
                assertNull(session.nextSeq())
                val error = assertFailsWith<ProvedexException.Ledger> { session.record(checkValueEvent) }
                assertEquals("unusable", error.code)
            }
        }
        assertEquals(listOf(last.toJson()), ledgerLines(ledger))
    }
}
