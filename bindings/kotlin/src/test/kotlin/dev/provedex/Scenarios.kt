package dev.provedex

import dev.provedex.conformance.Json
import java.math.BigInteger
import java.nio.file.Files
import java.nio.file.Path
import kotlin.reflect.KClass
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import org.junit.jupiter.api.DynamicTest

// The scenarios these tests share with the Swift tests: bindings/scenarios/scenarios.json
// (its format: bindings/scenarios/README.md). The Kotlin and the Swift tests each
// read the whole file and run every scenario of it, one JUnit dynamic test per
// scenario here, named by its id. bindings/swift/check.py fails when the file is
// invalid or when either language stops reading a part of it.

/** The shared file, from the Maven project directory, where surefire runs the tests (as README.md is read). */
val scenarioFile: Path = Path.of("..", "scenarios", "scenarios.json")

/** The members of the file: a member these tests do not read fails every scenario test. */
private val SCENARIO_FILE_MEMBERS = setOf("comment", "every_variant", "check_values", "errors", "ledgers")

private val scenarioRoot: Members by lazy {
    val root = Members(scenarioFile.toString(), asObject(Json.parse(Files.readString(scenarioFile)), scenarioFile.toString()))
    require(root.names == SCENARIO_FILE_MEMBERS) { "$scenarioFile: members ${root.names}, expected $SCENARIO_FILE_MEMBERS" }
    root
}

/** One scenario of the shared file: an [op] on an [input], with what to [expect] of it. */
class Scenario(val id: String, val op: String, val input: Members, val expect: Members) {
    override fun toString() = id
}

/** Every scenario of [section] ("check_values", "errors" or "ledgers"), in file order. */
fun scenarios(section: String): List<Scenario> =
    scenarioRoot.list(section).mapIndexed { index, entry ->
        val scenario = Members("$scenarioFile: $section[$index]", asObject(entry, "$section[$index]"))
        val id = scenario.string("id")
        Scenario(id, scenario.string("op"), scenario.obj("input").named("$id: input"), scenario.obj("expect").named("$id: expect"))
    }

/**
 * One dynamic test per scenario of [section], named by its id; whatever fails
 * in [run] fails with a message that starts with the id.
 */
fun scenarioTests(section: String, run: (Scenario) -> Unit): List<DynamicTest> {
    val all = scenarios(section)
    require(all.isNotEmpty()) { "$scenarioFile: no scenario in $section" }
    return all.map { scenario ->
        DynamicTest.dynamicTest(scenario.id) {
            try {
                run(scenario)
            } catch (failure: Throwable) {
                throw AssertionError("scenario ${scenario.id}: ${failure.message}", failure)
            }
        }
    }
}

/** The events of the shared file's `every_variant`: one of each of the seven v1 variants. */
val everyVariant: List<AgentEvent> by lazy {
    scenarioRoot.list("every_variant").mapIndexed { index, event -> scenarioEvent(event, "every_variant[$index]") }
}

/** The members of one JSON object of the scenario file; [where] names it in failures. */
class Members(private val where: String, private val members: Map<String, Any?>) {
    val names: Set<String> get() = members.keys

    operator fun contains(name: String) = name in members

    fun named(where: String) = Members(where, members)

    fun value(name: String): Any? = if (name in members) members[name] else fail("no member \"$name\"")

    fun string(name: String): String = value(name) as? String ?: fail("\"$name\" is not a string")

    fun stringOrNull(name: String): String? = when (val value = value(name)) {
        null -> null
        is String -> value
        else -> fail("\"$name\" is neither a string nor null")
    }

    fun bool(name: String): Boolean = value(name) as? Boolean ?: fail("\"$name\" is not a boolean")

    fun uLong(name: String): ULong = integer(name, BigInteger.ZERO, ULong.MAX_VALUE.toString().toBigInteger()).toString().toULong()

    fun uInt(name: String): UInt = integer(name, BigInteger.ZERO, UInt.MAX_VALUE.toLong().toBigInteger()).toInt().toUInt()

    fun int(name: String): Int = integer(name, BigInteger.ZERO, Int.MAX_VALUE.toBigInteger()).toInt()

    fun obj(name: String): Members = Members("$where.$name", asObject(value(name), "$where.$name"))

    fun list(name: String): List<Any?> = value(name) as? List<Any?> ?: fail("\"$name\" is not an array")

    private fun integer(name: String, least: BigInteger, most: BigInteger): BigInteger {
        val value = value(name) as? BigInteger ?: fail("\"$name\" is not an integer")
        if (value < least || value > most) fail("\"$name\" is $value, outside $least..$most")
        return value
    }

    private fun fail(problem: String): Nothing = throw IllegalArgumentException("$where: $problem")
}

@Suppress("UNCHECKED_CAST")
fun asObject(value: Any?, where: String): Map<String, Any?> =
    value as? Map<String, Any?> ?: throw IllegalArgumentException("$where: not a JSON object")

/**
 * The event a scenario describes as `{"type": "<Variant>", "fields": {...}}`,
 * its fields named as on the wire; a text field may be `{"sha256_of": "text"}`,
 * the SHA-256 of that text's UTF-8 in hex.
 */
fun scenarioEvent(value: Any?, where: String): AgentEvent {
    val description = Members(where, asObject(value, where))
    val fields = description.obj("fields")
    fun text(name: String): String = when (fields.value(name)) {
        is Map<*, *> -> digestOf(fields.obj(name).string("sha256_of"))
        else -> fields.string(name)
    }
    return when (val type = description.string("type")) {
        "SessionStarted" -> AgentEvent.SessionStarted(text("agent_id"), text("model_id"), text("session_id"))
        "UtteranceCaptured" -> AgentEvent.UtteranceCaptured(text("audio_sha256"), text("transcript"), text("lang"), fields.uLong("duration_ms"))
        "ToolCalled" -> AgentEvent.ToolCalled(text("tool_name"), text("args_sha256"), text("args_redacted"))
        "ToolReturned" -> AgentEvent.ToolReturned(text("tool_name"), text("result_sha256"), fields.uLong("latency_ms"), fields.bool("success"))
        "ModelInvoked" -> AgentEvent.ModelInvoked(
            text("model_id"), text("prompt_sha256"), text("response_sha256"), fields.uInt("prompt_tokens"), fields.uInt("response_tokens"),
        )
        "UtteranceSpoken" -> AgentEvent.UtteranceSpoken(text("text_sha256"), text("text"), text("audio_sha256"))
        "SessionEnded" -> AgentEvent.SessionEnded(text("reason"), text("summary_sha256"))
        else -> throw IllegalArgumentException("$where: no event type \"$type\"")
    }
}

/** The signed event a scenario describes member by member, as a ledger line names them. */
fun scenarioSignedEvent(value: Any?, where: String): SignedEvent {
    val members = Members(where, asObject(value, where))
    return SignedEvent(
        seq = members.uLong("seq"),
        timestampNanos = members.uLong("timestamp_nanos"),
        event = scenarioEvent(members.value("event"), "$where.event"),
        parentHash = members.string("parent_hash"),
        selfHash = members.string("self_hash"),
        signature = members.string("signature"),
        signerPubkey = members.string("signer_pubkey"),
    )
}

fun hexBytes(hex: String): ByteArray {
    require(hex.length % 2 == 0) { "odd-length hex \"$hex\"" }
    return ByteArray(hex.length / 2) { hex.substring(2 * it, 2 * it + 2).toInt(16).toByte() }
}

/** A key a scenario names: "check" (the check value's key, seed 0 to 31) or "other" (a new key). */
fun scenarioKey(name: String): SigningKeypair = when (name) {
    "check" -> checkValueKeypair()
    "other" -> SigningKeypair.generate()
    else -> throw IllegalArgumentException("no key \"$name\"")
}

/**
 * A file a scenario names inside [dir]: "." is [dir] itself. With `zero_bytes`
 * in [input] the file is written first, that many zero bytes with the octal
 * permissions `mode`; without it the file does not exist.
 */
fun scenarioPath(dir: Path, input: Members): Path {
    val name = input.string("name")
    val path = if (name == ".") dir else dir.resolve(name)
    if ("zero_bytes" in input) {
        Files.write(path, ByteArray(input.int("zero_bytes")))
        Files.setPosixFilePermissions(path, permissions(input.string("mode")))
    }
    return path
}

/** Octal permissions ("600") as a POSIX permission set. */
fun permissions(mode: String): Set<java.nio.file.attribute.PosixFilePermission> {
    val bits = mode.toInt(8)
    val symbols = "rwxrwxrwx"
    return java.nio.file.attribute.PosixFilePermissions.fromString(
        String(CharArray(9) { if (bits and (1 shl (8 - it)) != 0) symbols[it] else '-' }),
    )
}

private val errorKinds: Map<String, KClass<out ProvedexException>> = mapOf(
    "KeyLoad" to ProvedexException.KeyLoad::class,
    "Signing" to ProvedexException.Signing::class,
    "Ledger" to ProvedexException.Ledger::class,
    "Chain" to ProvedexException.Chain::class,
    "Config" to ProvedexException.Config::class,
)

/** The detail of any kind of [ProvedexException]. */
val ProvedexException.detailText: String
    get() = when (this) {
        is ProvedexException.KeyLoad -> detail
        is ProvedexException.Signing -> detail
        is ProvedexException.Ledger -> detail
        is ProvedexException.Chain -> detail
        is ProvedexException.Config -> detail
    }

/**
 * Asserts that [block] throws the error the scenario expects: its `kind`, its
 * `code` (null for KeyLoad, which has none) and, when the scenario gives
 * `detail_contains`, a part of its detail.
 */
fun Scenario.assertExpectedError(block: () -> Any?): ProvedexException {
    val kind = expect.string("kind")
    val kindClass = errorKinds[kind] ?: throw IllegalArgumentException("$id: no error kind \"$kind\"")
    val code = expect.stringOrNull("code")
    val error = assertFailsWith<ProvedexException>("expected $kind with code $code") { block() }
    assertTrue(kindClass.isInstance(error), "expected $kind, got ${error::class.simpleName}: ${error.message}")
    assertEquals(code, error.code, error.message)
    if ("detail_contains" in expect) {
        val part = expect.string("detail_contains")
        assertTrue(error.detailText.contains(part), "the detail does not name \"$part\": ${error.detailText}")
    }
    return error
}
