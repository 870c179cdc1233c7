package dev.provedex

import kotlin.test.Test
import kotlin.test.assertEquals

/** The published check value of wire format v1, through every path that computes it. */
class CheckValueTest {
    @Test
    fun `seed 0 to 31 has the published public key`() {
        checkValueKeypair().use { assertEquals(CHECK_VALUE_PUBKEY, it.pubkeyHex()) }
    }

    @Test
    fun `the check event seals to the published self_hash`() {
        val expected = "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91"
        checkValueKeypair().use { key ->
            val signed = signEventAt(checkValueEvent, 0u, 1_700_000_000_000_000_000u, GENESIS_PARENT_HASH, key)
            assertEquals(expected, signed.selfHash)
            assertEquals(CHECK_VALUE_PUBKEY, signed.signerPubkey)
            assertEquals(128, signed.signature.length)
            signed.verify()
        }
        assertEquals(expected, computeSelfHash(checkValueEvent, 0u, 1_700_000_000_000_000_000u, GENESIS_PARENT_HASH))
    }

    @Test
    fun `the check line is written in the v1 key order and reads back equal`() {
        val signed = checkValueKeypair().use { signEventAt(checkValueEvent, 0u, 1_700_000_000_000_000_000u, GENESIS_PARENT_HASH, it) }
        val line = signed.toJson()
        val keys = Regex("\"(seq|timestamp_nanos|event|parent_hash|self_hash|signature|signer_pubkey)\":").findAll(line)
        assertEquals(
            listOf("seq", "timestamp_nanos", "event", "parent_hash", "self_hash", "signature", "signer_pubkey"),
            keys.map { it.groupValues[1] }.toList(),
        )
        assertEquals(signed, SignedEvent.fromJson(line))
    }

    @Test
    fun `the genesis constant is the core's`() {
        assertEquals(genesisParentHash(), GENESIS_PARENT_HASH)
    }

    @Test
    fun `events read and write canonical JSON`() {
        val json = checkValueEvent.toJson()
        assertEquals(
            """{"payload":{"agent_id":"agent-1","model_id":"llama3.2:3b","session_id":"session-demo"},"type":"SessionStarted"}""",
            json,
        )
        assertEquals(checkValueEvent, AgentEvent.fromJson(json))
        assertEquals("7b2261223a317d", canonicalJson("{ \"a\" : 1 }".encodeToByteArray()).toHexString())
    }

    @Test
    fun `sha256Hex is SHA-256 in lowercase hex`() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha256Hex(ByteArray(0)))
    }
}
