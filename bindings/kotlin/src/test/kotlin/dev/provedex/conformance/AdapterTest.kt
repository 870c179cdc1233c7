package dev.provedex.conformance

import java.math.BigInteger
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

/** The adapter's own logic; the runner checks it against every vector (`adapter.sh`). */
class AdapterTest {
    private fun respondTo(request: String): Map<*, *> = Json.parse(respond(request)) as Map<*, *>

    @Test
    fun `answers the exchanges of spec conformance md as the Rust core's adapter does`() {
        val spec = Files.readString(Path.of("../../spec/conformance.md"))
        val exchanges = Regex("^request: (.*)\nresponse: (.*)$", RegexOption.MULTILINE).findAll(spec).toList()
        assertTrue(exchanges.isNotEmpty(), "the spec's exchange examples")

        for (exchange in exchanges) {
            val (request, expected) = exchange.destructured
            val actual = respondTo(request)
            val wanted = Json.parse(expected) as Map<*, *>
            when {
                wanted["id"] == "hello" -> assertEquals((wanted["result"] as Map<*, *>) - "implementation", (actual["result"] as Map<*, *>) - "implementation")
                wanted.containsKey("skipped") -> assertEquals(setOf("id", "skipped"), actual.keys)
                else -> assertEquals(wanted, actual, request)
            }
        }
    }

    @Test
    fun `hello declares the implementation and refuses another protocol`() {
        val hello = respondTo("""{"id":"hello","op":"hello","protocol":1}""")["result"] as Map<*, *>
        assertEquals(mapOf("name" to "provedex-kotlin", "version" to "0.1.0", "language" to "Kotlin"), hello["implementation"])
        assertContains(respondTo("""{"id":"hello","op":"hello","protocol":2}""").keys, "errored")
    }

    @Test
    fun `verify_bundle answers ok, pinned, proof_level, reason and event_count, and is offered in hello`(@org.junit.jupiter.api.io.TempDir dir: Path) {
        val ledger = dir.resolve("ledger.ndjson")
        val key = dev.provedex.checkValueKeypair()
        dev.provedex.recordAll(key, ledger, dev.provedex.everyVariant)
        val bundle = dev.provedex.exportBundle(ledger.toString(), key, dev.provedex.BundleSelection.Seqs(1uL, 3uL))
        val hex = java.util.HexFormat.of().formatHex(bundle)
        fun verify(pubkey: String?, fingerprint: String?, bundleHex: String = hex) = respondTo(
            Json.write(mapOf("id" to "b", "op" to "verify_bundle", "bundle_hex" to bundleHex, "pinned_pubkey" to pubkey, "pinned_fingerprint" to fingerprint)),
        )["result"]
        val three = BigInteger.valueOf(3)
        assertEquals(
            mapOf("ok" to true, "pinned" to true, "proof_level" to "verifiable", "reason" to null, "event_count" to three),
            verify(key.pubkeyHex(), null),
        )
        assertEquals(
            mapOf("ok" to true, "pinned" to true, "proof_level" to "verifiable", "reason" to null, "event_count" to three),
            verify(null, key.fingerprint()),
        )
        assertEquals(
            mapOf("ok" to true, "pinned" to false, "proof_level" to null, "reason" to null, "event_count" to three),
            verify(null, null),
        )
        assertEquals(
            mapOf("ok" to false, "pinned" to false, "proof_level" to null, "reason" to "bundle_malformed", "event_count" to BigInteger.ZERO),
            verify(key.pubkeyHex(), null, "00ff"),
        )
        val hello = respondTo("""{"id":"hello","op":"hello","protocol":1}""")["result"] as Map<*, *>
        assertTrue("verify_bundle" in (hello["operations"] as List<*>))
        key.close()
    }

    @Test
    fun `u64 arguments are read exactly up to 2^64-1 and refused beyond`() {
        val event = """{\"type\":\"SessionEnded\",\"payload\":{\"reason\":\"done\",\"summary_sha256\":\"\"}}"""
        fun selfHash(seq: String) =
            respondTo("""{"id":"x","op":"self_hash","event_json":"$event","seq":$seq,"timestamp_nanos":0,"parent_hash":"${"0".repeat(64)}"}""")

        val atMax = selfHash("18446744073709551615")["result"] as Map<*, *>
        val belowMax = selfHash("18446744073709551614")["result"] as Map<*, *>
        assertEquals(true, atMax["valid"])
        assertEquals(
            dev.provedex.computeSelfHash(dev.provedex.eventFromJson(event.replace("\\", "")), ULong.MAX_VALUE, 0u, dev.provedex.GENESIS_PARENT_HASH),
            atMax["self_hash"],
        )
        assertNotEquals(atMax["self_hash"], belowMax["self_hash"])
        assertContains(selfHash("18446744073709551616")["errored"] as String, "not a u64")
        assertContains(selfHash("-1")["errored"] as String, "not a u64")
    }

    @Test
    fun `a bad argument is errored, a rejected input is a result`() {
        // The event and parent_hash are members of the line a writer would write: a fault of either is a
        // result (spec/conformance.md, self_hash), the event's first, as in the line.
        val event = """{\"type\":\"SessionEnded\",\"payload\":{\"reason\":\"done\",\"summary_sha256\":\"ABC\"}}"""
        val goodEvent = event.replace("ABC", "")
        fun sign(id: String, event: String, parent: String) =
            respondTo("""{"id":"$id","op":"sign","seed_hex":"${"00".repeat(32)}","event_json":"$event","seq":0,"timestamp_nanos":0,"parent_hash":"$parent"}""")
        val invalidHex = mapOf("valid" to false, "reason" to "invalid_hex")
        assertEquals(mapOf("id" to "a", "result" to invalidHex), sign("a", event, "0".repeat(64)))
        assertEquals(mapOf("id" to "b", "result" to invalidHex), sign("b", goodEvent, "0".repeat(63)))
        val missingMember = goodEvent.replace(""",\"summary_sha256\":\"\"""", "")
        assertEquals(
            mapOf("id" to "b", "result" to mapOf("valid" to false, "reason" to "missing_field")),
            sign("b", missingMember, "0".repeat(63)),
        )
        val shortSeed = respondTo("""{"id":"c","op":"sign","seed_hex":"00","event_json":"{}","seq":0,"timestamp_nanos":0,"parent_hash":"${"0".repeat(64)}"}""")
        assertContains(shortSeed["errored"] as String, "32 bytes")
        assertEquals(mapOf("id" to null, "errored" to respondTo("[]")["errored"]), respondTo("[]"))
    }

    @Test
    fun `verify_ledger reports every member of the verification report`() {
        val result = respondTo("""{"id":"l","op":"verify_ledger","ledger_hex":"","pinned_pubkey":null}""")["result"]
        assertEquals(
            mapOf(
                "ok" to true, "event_count" to BigInteger.ZERO, "broken_at" to null, "line" to null, "reason" to null,
                "message" to (result as Map<*, *>)["message"], "root_hash" to null, "signers" to emptyList<String>(),
                "keys" to emptyList<Any>(),
            ),
            result,
        )
    }

    @Test
    fun `verify_ledger takes the current key pin and check_tools only when sent`() {
        fun verify(options: String) =
            respondTo("""{"id":"l","op":"verify_ledger","ledger_hex":"","pinned_pubkey":null$options}""")["result"] as Map<*, *>
        assertEquals(emptyList<Any>(), verify(""","check_tools":true""")["unpinned_tool_calls"])
        assertTrue("unpinned_tool_calls" !in verify("").keys)
        val current = verify(""","pinned_current_pubkey":"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"""")
        assertEquals(false to "current_key_mismatch", current["ok"] to current["reason"])
        assertContains(respondTo("""{"id":"l","op":"verify_ledger","ledger_hex":"","pinned_pubkey":null,"check_tools":1}""")["errored"] as String, "boolean")
    }

    @Test
    fun `the JSON reader is strict and exact`() {
        assertEquals(mapOf("a" to listOf(BigInteger("18446744073709551615"), "\uD83D\uDE00\n/", true, null)), Json.parse("""{"a":[18446744073709551615,"\ud83d\ude00\n\/",true,null]}"""))
        for (bad in listOf("""{"a":1,"a":2}""", "{} x", "[01]", """"\ud800"""", """"\x"""", "[1,]", "\"a\u0001\"")) {
            assertFailsWith<IllegalArgumentException>(bad) { Json.parse(bad) }
        }
    }

    @Test
    fun `the JSON writer escapes what it must and keeps the rest`() {
        val text = "quote \" backslash \\ newline \n bell \u0007 é \uD83D\uDE00 /"
        val written = Json.write(mapOf("s" to text, "n" to ULong.MAX_VALUE, "l" to listOf(1, null, false)))
        assertEquals("{\"s\":\"quote \\\" backslash \\\\ newline \\n bell \\u0007 é \uD83D\uDE00 /\",\"n\":18446744073709551615,\"l\":[1,null,false]}", written)
        assertEquals(text, (Json.parse(written) as Map<*, *>)["s"])
    }
}
