"""Canonical JSON of Provedex v1 (spec/canonical-json.md): a strict parser and the canonical writer.

Parsed values are plain Python objects: None, bool, int, float, str, list and dict. The spec's
value model keeps integers and floats apart, and so does this module: a number literal without
fraction or exponent is an ``int`` when it lies in [-2**63, 2**64 - 1], except the literal ``-0``,
which is the float -0.0; every other number literal is a ``float``. Code that inspects values must
therefore test ``type(v) is int`` (``bool`` is a subclass of ``int`` in Python).

The parser is hand-written because ``json.loads`` accepts duplicate keys, NaN, Infinity and lone
surrogates, and reports none of the spec's error codes.
"""

import json
import math
import re
from typing import Any

from .bugs import planted

MAX_DEPTH = 128

_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1
_INT_MAX_DIGITS = 20  # 2**64 - 1 has 20 digits; longer literals (no leading zeros) are floats

_WHITESPACE_RUN = re.compile(r"[ \t\n\r]*")
_DIGIT_RUN = re.compile(r"[0-9]*")  # ASCII digits only; \d would match other scripts' digits
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

# The fast path of string parsing: a run of unescaped characters and of escapes that cannot fail
# (simple escapes, \u escapes of non-surrogates, complete surrogate pairs). Anything else ends the
# run and is handled one character at a time, where the errors are reported.
_VALID_STRING_RUN = re.compile(
    r'(?:[^"\\\x00-\x1f]+'
    r'|\\["\\/bfnrt]'
    r"|\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4}"
    r"|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r")+"
)
_ESCAPE_IN_VALID_RUN = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[0-9a-fA-F]{4}|\\u[0-9a-fA-F]{4}|\\.")

_ESCAPED_FORM = {code: f"\\u{code:04x}" for code in range(0x20)} | {
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    ord("\b"): "\\b",
    ord("\f"): "\\f",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


class CanonicalError(ValueError):
    """Canonicalization failed with `code`, one of the error codes of canonical-json.md.

    `offset` is the index (in code points, or in bytes for ``invalid_utf8``) at which the error
    was reached; it is for people only.
    """

    def __init__(self, code: str, offset: int) -> None:
        super().__init__(f"{code} at offset {offset}")
        self.code = code
        self.offset = offset


def canonicalize(data: bytes) -> bytes:
    """The canonical form of the JSON text `data`, or CanonicalError."""
    return dumps(parse(data)).encode("utf-8")


def parse(data: bytes, *, enclosing_depth: int = 0) -> Any:
    """Parse `data` as exactly one JSON value under the strict grammar.

    `enclosing_depth` counts arrays and objects that will enclose the value once it is embedded
    in a larger document (1 for an event that goes into a ledger line), so that the depth limit
    is applied as it will be applied to that document.
    """
    if planted("utf8_checked_after_parsing"):
        # PLANTED BUG utf8_checked_after_parsing: a lenient decode, then the parser's first error,
        # and only then the UTF-8 check that the spec runs before parsing.
        _Parser(data.decode("utf-8", "replace"), enclosing_depth).parse_document()
    try:
        text = data.decode("utf-8")  # Python's decoder rejects overlongs, surrogates, > U+10FFFF
    except UnicodeDecodeError as error:
        raise CanonicalError("invalid_utf8", error.start) from None
    return _Parser(text, enclosing_depth).parse_document()


class _Parser:
    """Recursive-descent parser; the first error reached, left to right, is the one raised."""

    def __init__(self, text: str, enclosing_depth: int) -> None:
        self.text = text
        self.pos = 0
        self.enclosing_depth = enclosing_depth

    def fail(self, code: str, offset: int | None = None) -> CanonicalError:
        return CanonicalError(code, self.pos if offset is None else offset)

    def skip_whitespace(self) -> None:
        self.pos = _WHITESPACE_RUN.match(self.text, self.pos).end()

    def parse_document(self) -> Any:
        value = self.parse_value(self.enclosing_depth)
        self.skip_whitespace()
        if self.pos < len(self.text):
            raise self.fail("trailing_characters")
        return value

    def parse_value(self, depth: int) -> Any:
        """Parse the value that starts here; `depth` counts the containers around it."""
        self.skip_whitespace()
        if self.pos >= len(self.text):
            raise self.fail("syntax")
        char = self.text[self.pos]
        if char == "{":
            return self.parse_object(depth + 1)
        if char == "[":
            return self.parse_array(depth + 1)
        if char == '"':
            return self.parse_string()
        if char in "-+.0123456789":
            return self.parse_number()
        for literal, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(literal, self.pos):
                self.pos += len(literal)
                return value
        raise self.fail("syntax")

    def parse_object(self, depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise self.fail("nesting_too_deep")
        self.pos += 1
        members: dict[str, Any] = {}
        self.skip_whitespace()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return members
        while True:
            self.skip_whitespace()
            if not self.text.startswith('"', self.pos):
                raise self.fail("syntax")
            key_offset = self.pos
            key = self.parse_string()
            self.skip_whitespace()
            if not self.text.startswith(":", self.pos):
                raise self.fail("syntax")
            self.pos += 1
            value = self.parse_value(depth)
            # PLANTED BUG accept_duplicate_keys (when on): the last of duplicate keys wins.
            if key in members and not planted("accept_duplicate_keys"):
                raise self.fail("duplicate_key", key_offset)
            members[key] = value
            self.skip_whitespace()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith("}", self.pos):
                self.pos += 1
                return members
            else:
                raise self.fail("syntax")

    def parse_array(self, depth: int) -> list[Any]:
        if depth > MAX_DEPTH:
            raise self.fail("nesting_too_deep")
        self.pos += 1
        elements: list[Any] = []
        self.skip_whitespace()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return elements
        while True:
            elements.append(self.parse_value(depth))
            self.skip_whitespace()
            if self.text.startswith(",", self.pos):
                self.pos += 1
            elif self.text.startswith("]", self.pos):
                self.pos += 1
                return elements
            else:
                raise self.fail("syntax")

    def parse_string(self) -> str:
        self.pos += 1  # the opening quote
        parts: list[str] = []
        while True:
            run = _VALID_STRING_RUN.match(self.text, self.pos)
            if run:
                chunk = run.group()
                parts.append(_ESCAPE_IN_VALID_RUN.sub(_decode_escape, chunk) if "\\" in chunk else chunk)
                self.pos = run.end()
            if self.pos >= len(self.text):
                raise self.fail("syntax")  # unterminated string
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(parts)
            if char == "\\":
                parts.append(self.parse_escape())
            else:
                raise self.fail("control_character_in_string")

    def parse_escape(self) -> str:
        """Parse the escape at the backslash here; return the code point it denotes."""
        start = self.pos
        if start + 1 >= len(self.text):
            raise self.fail("syntax")  # the input ends inside the string
        kind = self.text[start + 1]
        if kind in _SIMPLE_ESCAPES:
            self.pos += 2
            return _SIMPLE_ESCAPES[kind]
        if kind != "u":
            raise self.fail("invalid_escape")
        unit = self.read_unicode_escape()
        if 0xD800 <= unit <= 0xDBFF:
            if self.pos >= len(self.text):
                raise self.fail("syntax")
            if self.text.startswith("\\u", self.pos):
                after_high = self.pos
                low = self.read_unicode_escape()
                if 0xDC00 <= low <= 0xDFFF:
                    return chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                self.pos = after_high
            return self.lone_surrogate(start)
        if 0xDC00 <= unit <= 0xDFFF:
            return self.lone_surrogate(start)
        return chr(unit)

    def read_unicode_escape(self) -> int:
        """Read `\\uXXXX` here (either case of hex digit) and return the UTF-16 code unit."""
        digits_start = self.pos + 2
        for offset in range(digits_start, digits_start + 4):
            if offset >= len(self.text):
                raise self.fail("syntax", offset)
            if self.text[offset] not in _HEX_DIGITS:
                raise self.fail("invalid_escape", self.pos)
        self.pos = digits_start + 4
        return int(self.text[digits_start : self.pos], 16)

    def lone_surrogate(self, offset: int) -> str:
        if planted("lone_surrogate_accepted"):
            # PLANTED BUG lone_surrogate_accepted: decode leniently, as lossy UTF-16 decoders do.
            return "\ufffd"
        raise self.fail("lone_surrogate", offset)

    def parse_number(self) -> int | float:
        start = self.pos
        if self.text[self.pos] == "-":
            self.pos += 1
        self.expect_digit()  # rejects a leading "+" or "." as well as "-" without a digit
        if self.text[self.pos] == "0":
            self.pos += 1
            if self.pos < len(self.text) and self.text[self.pos] in "0123456789":
                raise self.fail("invalid_number")
        else:
            self.skip_digits()
        is_integer_literal = True
        if self.text.startswith(".", self.pos):
            self.pos += 1
            self.expect_digit()
            self.skip_digits()
            is_integer_literal = False
        if self.pos < len(self.text) and self.text[self.pos] in "eE":
            self.pos += 1
            if self.pos < len(self.text) and self.text[self.pos] in "+-":
                self.pos += 1
            self.expect_digit()
            self.skip_digits()
            is_integer_literal = False
        return self.number_value(self.text[start : self.pos], is_integer_literal)

    def expect_digit(self) -> None:
        if self.pos >= len(self.text) or self.text[self.pos] not in "0123456789":
            raise self.fail("invalid_number")

    def skip_digits(self) -> None:
        self.pos = _DIGIT_RUN.match(self.text, self.pos).end()

    def number_value(self, literal: str, is_integer_literal: bool) -> int | float:
        """The value of a well-formed literal under the spec's value model."""
        if is_integer_literal and literal != "-0" and len(literal.lstrip("-")) <= _INT_MAX_DIGITS:
            integer = int(literal)
            if _INT_MIN <= integer <= _INT_MAX:
                return integer
        value = float(literal)  # correctly rounded, ties to even, for literals of any length
        if math.isinf(value):
            raise self.fail("number_out_of_range")
        return value


def _decode_escape(match: re.Match[str]) -> str:
    """The code point of one escape inside a run that _VALID_STRING_RUN accepted."""
    escape = match.group()
    if escape[1] != "u":
        return _SIMPLE_ESCAPES[escape[1]]
    if len(escape) == 12:  # a surrogate pair
        high, low = int(escape[2:6], 16), int(escape[8:12], 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return chr(int(escape[2:6], 16))


def dumps(value: Any) -> str:
    """The canonical text of a parsed value (encode it as UTF-8 to get the canonical bytes)."""
    if planted("json_dumps_canonical"):
        # PLANTED BUG json_dumps_canonical: the standard library's idea of "canonical" JSON.
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _write(value)


def _write(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return format_float(value)
    if type(value) is str:
        return write_string(value)
    if type(value) is list:
        return "[" + ",".join(_write(element) for element in value) + "]"
    if type(value) is dict:
        keys = sorted(value, key=_key_order)
        return "{" + ",".join(write_string(key) + ":" + _write(value[key]) for key in keys) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _key_order(key: str) -> bytes:
    """Object members are sorted by the UTF-8 bytes of their keys (the same as code point order)."""
    if planted("utf16_key_order"):
        # PLANTED BUG utf16_key_order: the default string order of JavaScript, Java and C#.
        return key.encode("utf-16-be")
    return key.encode("utf-8")


def write_string(text: str) -> str:
    """A string in canonical form: only `"`, `\\` and U+0000-U+001F are escaped."""
    return '"' + text.translate(_ESCAPED_FORM) + '"'


def format_float(value: float) -> str:
    """A finite float in the layout of canonical-json.md, Float output."""
    if planted("float_repr"):
        # PLANTED BUG float_repr: Python's own layout (1e-05, 1e+16) is not the spec's.
        return repr(value)
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    digits, exponent = _shortest_digits(value)
    count = len(digits)
    if -5 <= exponent <= -1:
        body = "0." + "0" * (-exponent - 1) + digits
    elif 0 <= exponent <= 15:
        if count <= exponent + 1:
            body = digits + "0" * (exponent + 1 - count) + ".0"
        else:
            body = digits[: exponent + 1] + "." + digits[exponent + 1 :]
    else:
        body = digits[0] + ("." + digits[1:] if count > 1 else "")
        body += "e" + ("+" if exponent > 0 else "-") + str(abs(exponent))
    return ("-" if value < 0 else "") + body


def _shortest_digits(value: float) -> tuple[str, int]:
    """Digits d1..dn (no leading or trailing zero) and e with |value| = d1.d2..dn x 10^e.

    The digits are those of Python's repr, which is the shortest string that rounds back to the
    same binary64, the closest to the exact value among strings of that length, ties to even:
    exactly step 2 of Float output. Only the layout of repr differs from the spec's.
    """
    mantissa, _, exponent_text = repr(abs(value)).partition("e")
    integer_part, _, fraction_part = mantissa.partition(".")
    digits = integer_part + fraction_part
    exponent = int(exponent_text or "0") + len(integer_part) - 1
    significant = digits.lstrip("0")
    exponent -= len(digits) - len(significant)
    return significant.rstrip("0"), exponent
