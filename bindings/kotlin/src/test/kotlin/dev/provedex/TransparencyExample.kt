package dev.provedex

import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertTrue

// spec/transparency.md's example ledger, which BundleTest and TransparencyTest both check against.

/** The five example lines' self_hashes. */
val SELF_HASHES = listOf(
    "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91",
    "7ad3b55c94a38cec592f2a1013911d63c71b25129442827849fda312cddff717",
    "47e922625ffbd02c28f5e25300637c7e29d4dd32bd7b82f8dfae8c32e4a02dbb",
    "d7ea33eeffae138ad257224756ebe10dc123fd7496cf220bca86babcbbddbe6b",
    "48ceec2fea3094d77d28dff69fca6b8096d20cff368ce4adc8b58a304082002c",
)

/** The roots of the trees of the first three and of all five lines. */
const val ROOT_3 = "b3c3002b473ff193240ef3ae3df5fe87618134ce597f3e1a5e1208718ceec20b"
const val ROOT_5 = "06f986b72472a5fc40b83c14c1f018691815b400d74f952ab737f7c36d10ff2e"

/** The fingerprint of the check value's key, which signed the lines. */
const val FINGERPRINT = "sha256:56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"

/** The example checkpoint of all five lines: its origin line, its root in base64, and the signed note byte for byte. */
const val ORIGIN = "provedex-ledger/52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91/$FINGERPRINT"
const val NOTE_ROOT = "BvmGtyRypfxAuDwUwfAYaRgVtADXT5Uqtzf3w20Q/y4="
const val NOTE =
    "$ORIGIN\n5\n$NOTE_ROOT\n\n\u2014 $ORIGIN zQWhPN5xQVM8nuBsbg4sI65IHv+Yuoeeoc/077YMcDS8pvocFQpxY+zPUdxa26TiD7nLHLDCWUc9U1yoKvcMRsCjuAE=\n"

/** The five example lines as the spec prints them (seq 0 and 1 in signature-scheme.md, 2 to 4 in ledger-format.md). */
fun exampleLines(): List<String> {
    val lines = listOf("signature-scheme.md", "ledger-format.md").flatMap { name ->
        Files.readAllLines(Path.of("..", "..", "spec", name)).filter { it.startsWith("line: ") }.map { it.removePrefix("line: ") }
    }
    lines.forEachIndexed { seq, line -> assertTrue(line.startsWith("{\"seq\":$seq,"), line) }
    assertEquals(5, lines.size)
    return lines
}

/** Writes the example lines to `example.ndjson` in [dir]; returns its path. */
fun writeExampleLedger(dir: Path): String = dir.resolve("example.ndjson").also { writeLedgerLines(it, exampleLines()) }.toString()
