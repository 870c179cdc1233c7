package dev.provedex

import java.nio.file.Path
import java.util.concurrent.CyclicBarrier
import kotlin.concurrent.thread
import kotlin.system.measureTimeMillis
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** One [Session] shared by many threads: every record gets its own seq and the chain holds. */
class ThreadsTest {
    @TempDir
    lateinit var dir: Path

    // Not a shared scenario: concurrency is behaviour, not data, and each
    // language drives it with its own threads (1,000 records per thread here,
    // 100 in the Swift test, which runs under XCTest's slower debug build).
    @Test
    fun `16 threads record 1000 events each on one session`() {
        val threads = 16
        val perThread = 1_000
        val ledger = dir.resolve("ledger.ndjson")
        val seqs = List(threads) { ArrayList<ULong>(perThread) }
        val failures = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
        val start = CyclicBarrier(threads)

        val millis = checkValueKeypair().use { key ->
            Session.open(key, ledger.toString(), "threads").use { session ->
                measureTimeMillis {
                    (0 until threads).map { t ->
                        thread(name = "recorder-$t") {
                            try {
                                start.await()
                                repeat(perThread) { i ->
                                    val event = AgentEvent.ToolReturned("tool-$t", digestOf("$t/$i"), i.toULong(), i % 2 == 0)
                                    seqs[t].add(session.record(event).seq)
                                }
                            } catch (e: Throwable) {
                                failures.add(e)
                            }
                        }
                    }.forEach(Thread::join)
                }
            }
        }
        System.err.println("ThreadsTest: ${threads * perThread} records in $millis ms")

        assertTrue(failures.isEmpty(), failures.joinToString())
        val all = seqs.flatten()
        assertEquals((0uL until (threads * perThread).toULong()).toList(), all.sorted())
        seqs.forEach { ofOneThread -> assertEquals(ofOneThread.sorted(), ofOneThread) }
        val report = verifyFile(ledger.toString(), CHECK_VALUE_PUBKEY)
        assertTrue(report.ok, report.message)
        assertEquals((threads * perThread).toULong(), report.eventCount)
    }
}
