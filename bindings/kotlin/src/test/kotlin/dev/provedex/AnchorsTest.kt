package dev.provedex

import dev.provedex.conformance.Json
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir

private fun waitFor(what: String, seconds: Long = 120, ready: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds)
    while (!ready()) {
        if (System.nanoTime() > deadline) fail("not within $seconds s: $what")
        Thread.sleep(200)
    }
}

private fun record(session: Session, n: Int) {
    repeat(n) { i ->
        session.record(AgentEvent.ToolReturned(toolName = "t$i", resultSha256 = digestOf("x"), latencyMs = i.toULong(), success = true))
    }
}

/**
 * Anchors from Kotlin (spec/anchors.md): the configuration file, the background
 * anchorer against every anchor's real local server (started by
 * `provedex-local-anchors`, built by the test command), a bundle of its receipts
 * reaching `publicly-timestamped`, and a server that is down never reaching the
 * application.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnchorsTest {
    @TempDir
    lateinit var dir: Path

    private lateinit var servers: Process
    private lateinit var folder: Path

    /** A member of the written provedex.toml: `name = value` within the table of the anchor of [type]. */
    private fun member(type: String, name: String): String {
        val table = Files.readString(folder.resolve("provedex.toml")).split("[[anchor]]").first { "type = \"$type\"" in it }
        val value = Regex("(?m)^$name = (.*)$").find(table)?.groupValues?.get(1) ?: fail("no $name for $type")
        return value.removeSurrounding("\"")
    }

    private fun secrets(): Map<String, String> =
        Files.readAllLines(folder.resolve("anchors.env")).associate { line ->
            line.removePrefix("export ").split("=", limit = 2).let { (name, value) -> name to value }
        }

    @BeforeAll
    fun startServers(@TempDir base: Path) {
        val binary = System.getenv("PROVEDEX_LOCAL_ANCHORS")
            ?: Path.of(System.getProperty("provedex.repo", "../..")).resolve("target/debug/provedex-local-anchors").toString()
        if (!Files.isExecutable(Path.of(binary))) {
            fail("no provedex-local-anchors at $binary: cargo build -p provedex-test-servers --bin provedex-local-anchors")
        }
        folder = base.resolve("servers")
        val log = base.resolve("servers.log").toFile()
        servers = ProcessBuilder(binary, folder.toString()).redirectErrorStream(true).redirectOutput(log).start()
        waitFor("the anchor servers start", seconds = 900) {
            if (!servers.isAlive) fail("provedex-local-anchors exited ${servers.exitValue()}:\n${log.readText()}")
            Files.exists(folder.resolve("anchors.env"))
        }
        Thread.sleep(200)
    }

    @AfterAll
    fun stopServers() {
        servers.destroy()
        servers.waitFor(30, TimeUnit.SECONDS)
    }

    @Test
    fun `the background anchorer reaches publicly-timestamped`() {
        val key = SigningKeypair.generate()
        key.save(folder.resolve("ledger.key").toString())
        val config = AnchorConfig.load(folder.resolve("provedex.toml").toString())
        assertEquals(emptyList(), config.problems(secrets()))
        assertEquals(listOf("tsa", "tlog", "rekor", "worm", "chain"), config.anchorNames())
        val ledger = config.ledgerPath()

        Session.open(key, ledger, "s-anchored").use { session ->
            record(session, 3)
            BackgroundAnchorer.start(config, secrets()).use { anchorer ->
                waitFor("the background pass anchors the 3 lines everywhere") {
                    anchorer.status().all { it.lastTreeSize == 3uL }
                }
                assertTrue(anchorer.isRunning())
                assertNull(anchorer.passError())
                record(session, 2)
                val outcomes = anchorer.runNow()
                assertEquals(config.anchorNames(), outcomes.map { it.anchor })
                assertEquals(setOf("anchored" to 5uL), outcomes.map { it.outcome to it.treeSize }.toSet())
                anchorer.stop()
                assertFalse(anchorer.isRunning())
            }
        }

        val bundle = exportBundleAnchored(ledger, BundleSelection.seqs(0uL, 4uL))
        val types = (Json.parse(bundle.decodeToString()) as Map<*, *>)["receipts"] as List<*>
        assertEquals(listOf("ethereum", "rekor", "rfc3161", "s3-object-lock", "tlog"), types.map { (it as Map<*, *>)["type"] }.sortedBy { it as String })
        val trust = ReceiptTrust(
            tsaRootsPem = listOf(Files.readString(folder.resolve("tsa-root.pem"))),
            logKeys = listOf(member("tlog", "log_key"), member("rekor", "log_key")),
            ethereumChainId = member("ethereum", "chain_id").toULong(),
            ethereumRpc = member("ethereum", "endpoint"),
            s3 = S3Access(
                endpoint = member("s3-object-lock", "endpoint"),
                accessKeyId = secrets().getValue(member("s3-object-lock", "access_key_env")),
                secretAccessKey = secrets().getValue(member("s3-object-lock", "secret_key_env")),
            ),
        )
        val report = verifyBundle(bundle, pinnedPubkey = key.pubkeyHex(), receipts = trust)
        assertTrue(report.ok, report.message)
        assertEquals("publicly-timestamped", report.proofLevel)
        assertEquals(List(5) { "verified" }, report.evidence.filter { it.kind == "receipt" }.map { it.verdict })
        assertEquals("verifiable", verifyBundle(bundle, pinnedPubkey = key.pubkeyHex()).proofLevel)
    }

    @Test
    fun `a server that is down is an outcome and a status, never an exception`() {
        val closed = ServerSocket(0).use { it.localPort }
        val key = SigningKeypair.generate()
        key.save(dir.resolve("ledger.key").toString())
        val configPath = dir.resolve("provedex.toml")
        Files.writeString(
            configPath,
            "ledger = \"ledger.ndjson\"\nkey = \"ledger.key\"\n\n[[anchor]]\nname = \"tsa\"\ntype = \"rfc3161\"\nendpoint = \"http://127.0.0.1:$closed\"\n",
        )
        Session.open(key, dir.resolve("ledger.ndjson").toString(), "s-down").use { session ->
            BackgroundAnchorer.start(configPath.toString()).use { anchorer ->
                record(session, 3)
                val (outcome) = anchorer.runNow()
                assertEquals("tsa" to "failed", outcome.anchor to outcome.outcome)
                record(session, 100)
                val (status) = anchorer.status()
                assertEquals(103uL, status.pending)
                assertTrue(status.failures >= 1u && status.lastError != null && status.nextAttemptNanos != null)
            }
        }
        assertFalse(Files.exists(dir.resolve("ledger.ndjson.receipts")))
    }

    @Test
    fun `a configuration with problems is a Config exception listing them`() {
        Files.writeString(dir.resolve("provedex.toml"), "ledger = \"missing/ledger.ndjson\"\nkey = \"missing.key\"\nanchor_batch_size = 0\n")
        val error = assertFailsWith<ProvedexException.Config> { BackgroundAnchorer.start(dir.resolve("provedex.toml").toString()) }
        assertEquals("invalid_config", error.code)
        assertTrue("anchor_batch_size: 0" in error.message!! && "key: cannot read" in error.message!!, error.message)
        assertFailsWith<ProvedexException.Config> { AnchorConfig.load(dir.resolve("absent.toml").toString()) }
    }
}
