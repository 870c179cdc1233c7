package dev.provedex.conformance

import java.math.BigDecimal
import java.math.BigInteger

/**
 * The JSON the adapter needs for its request and response lines, and no more.
 *
 * Hand-written so the adapter depends on nothing but the binding. Integers are
 * read as [BigInteger] because requests carry u64 values up to 2^64-1, which no
 * `Long` or `Double` holds exactly; other numbers are read as [BigDecimal].
 * Objects are [Map]s (a duplicate key is an error), arrays [List]s.
 */
internal object Json {
    fun parse(text: String): Any? {
        val reader = Reader(text)
        val value = reader.value()
        reader.skipWhitespace()
        reader.require(reader.atEnd()) { "trailing characters" }
        return value
    }

    /** Compact JSON of maps, lists, strings, booleans, null and numbers; non-ASCII stays raw. */
    fun write(value: Any?): String = StringBuilder().also { appendValue(it, value) }.toString()

    private fun appendValue(out: StringBuilder, value: Any?) {
        when (value) {
            null -> out.append("null")
            is String -> appendString(out, value)
            is Boolean, is Int, is Long, is ULong, is BigInteger, is BigDecimal -> out.append(value.toString())
            is Map<*, *> -> {
                out.append('{')
                value.entries.forEachIndexed { index, (key, member) ->
                    if (index > 0) out.append(',')
                    appendString(out, key as? String ?: throw IllegalArgumentException("object key $key is not a string"))
                    out.append(':')
                    appendValue(out, member)
                }
                out.append('}')
            }
            is List<*> -> {
                out.append('[')
                value.forEachIndexed { index, element ->
                    if (index > 0) out.append(',')
                    appendValue(out, element)
                }
                out.append(']')
            }
            else -> throw IllegalArgumentException("cannot write a ${value::class.simpleName} as JSON")
        }
    }

    private fun appendString(out: StringBuilder, text: String) {
        out.append('"')
        for (char in text) {
            when {
                char == '"' -> out.append("\\\"")
                char == '\\' -> out.append("\\\\")
                char == '\n' -> out.append("\\n")
                char < ' ' -> out.append("\\u").append(char.code.toString(16).padStart(4, '0'))
                else -> out.append(char)
            }
        }
        out.append('"')
    }

    private class Reader(private val text: String) {
        private var position = 0

        fun atEnd() = position == text.length

        inline fun require(condition: Boolean, problem: () -> String) {
            if (!condition) throw IllegalArgumentException("invalid JSON at offset $position: ${problem()}")
        }

        fun skipWhitespace() {
            while (!atEnd() && text[position] in " \t\r\n") position++
        }

        fun value(): Any? {
            skipWhitespace()
            require(!atEnd()) { "unexpected end" }
            return when (text[position]) {
                '{' -> obj()
                '[' -> array()
                '"' -> string()
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> number()
            }
        }

        private fun obj(): Map<String, Any?> {
            position++
            val members = LinkedHashMap<String, Any?>()
            skipWhitespace()
            if (consume('}')) return members
            do {
                skipWhitespace()
                require(!atEnd() && text[position] == '"') { "expected a member name" }
                val key = string()
                skipWhitespace()
                require(consume(':')) { "expected ':'" }
                require(key !in members) { "duplicate key \"$key\"" }
                members[key] = value()
                skipWhitespace()
            } while (consume(','))
            require(consume('}')) { "expected ',' or '}'" }
            return members
        }

        private fun array(): List<Any?> {
            position++
            val elements = ArrayList<Any?>()
            skipWhitespace()
            if (consume(']')) return elements
            do {
                elements.add(value())
                skipWhitespace()
            } while (consume(','))
            require(consume(']')) { "expected ',' or ']'" }
            return elements
        }

        private fun string(): String {
            position++
            val out = StringBuilder()
            while (true) {
                val runStart = position
                while (!atEnd() && text[position] != '"' && text[position] != '\\' && text[position] >= ' ') position++
                out.append(text, runStart, position)
                require(!atEnd()) { "unterminated string" }
                when (text[position++]) {
                    '"' -> break
                    '\\' -> escape(out)
                    else -> require(false) { "control character in a string" }
                }
            }
            val result = out.toString()
            require(hasNoLoneSurrogate(result)) { "lone surrogate in a string" }
            return result
        }

        private fun escape(out: StringBuilder) {
            require(!atEnd()) { "unterminated escape" }
            when (val kind = text[position++]) {
                '"', '\\', '/' -> out.append(kind)
                'b' -> out.append('\b')
                'f' -> out.append('\u000c')
                'n' -> out.append('\n')
                'r' -> out.append('\r')
                't' -> out.append('\t')
                'u' -> {
                    require(position + 4 <= text.length) { "short \\u escape" }
                    val code = text.substring(position, position + 4).toIntOrNull(16)
                    require(code != null && text[position] != '+' && text[position] != '-') { "bad \\u escape" }
                    out.append(code!!.toChar())
                    position += 4
                }
                else -> require(false) { "unknown escape \\$kind" }
            }
        }

        private fun number(): Any {
            val start = position
            consume('-')
            val integerStart = position
            while (!atEnd() && text[position].isAsciiDigit()) position++
            val integerDigits = position - integerStart
            require(integerDigits > 0) { "unexpected character '${text[start]}'" }
            require(integerDigits == 1 || text[integerStart] != '0') { "leading zero" }
            var isInteger = true
            if (consume('.')) {
                isInteger = false
                require(digits() > 0) { "no digit after '.'" }
            }
            if (!atEnd() && text[position] in "eE") {
                position++
                isInteger = false
                if (!consume('+')) consume('-')
                require(digits() > 0) { "no digit in the exponent" }
            }
            val literal = text.substring(start, position)
            return if (isInteger) BigInteger(literal) else BigDecimal(literal)
        }

        private fun digits(): Int {
            val start = position
            while (!atEnd() && text[position].isAsciiDigit()) position++
            return position - start
        }

        private fun literal(word: String, value: Any?): Any? {
            require(text.startsWith(word, position)) { "unexpected character '${text[position]}'" }
            position += word.length
            return value
        }

        private fun consume(char: Char): Boolean {
            if (atEnd() || text[position] != char) return false
            position++
            return true
        }

        private fun Char.isAsciiDigit() = this in '0'..'9'

        private fun hasNoLoneSurrogate(text: String): Boolean {
            var index = 0
            while (index < text.length) {
                val char = text[index]
                if (char.isHighSurrogate() && index + 1 < text.length && text[index + 1].isLowSurrogate()) {
                    index += 2
                    continue
                }
                if (char.isSurrogate()) return false
                index++
            }
            return true
        }
    }
}
