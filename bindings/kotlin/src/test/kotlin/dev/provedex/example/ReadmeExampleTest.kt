package dev.provedex.example

import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.junit.jupiter.api.io.TempDir

/** README.md's usage example is ReadmeExample.kt (less its package line): it compiles, runs and stays in step. */
class ReadmeExampleTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `the example records and verifies, and resumes on a second run`() {
        val keyFile = dir.resolve("agent.key").toString()
        val ledgerFile = dir.resolve("ledger.ndjson").toString()

        assertTrue(recordModelCall(keyFile, ledgerFile).ok)
        val second = recordModelCall(keyFile, ledgerFile)

        assertTrue(second.ok, second.message)
        assertEquals(2uL, second.eventCount)
    }

    @Test
    fun `README shows the example as it is in ReadmeExample kt`() {
        val example = Files.readString(Path.of("src/test/kotlin/dev/provedex/example/ReadmeExample.kt"))
            .removePrefix("package dev.provedex.example\n\n")
        val readme = Files.readString(Path.of("README.md"))
        val block = Regex("```kotlin\n(.*?)```", RegexOption.DOT_MATCHES_ALL).find(readme)?.groupValues?.get(1)

        assertEquals(example, block)
    }
}
