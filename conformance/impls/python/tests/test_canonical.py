"""Canonical JSON beyond the spec's examples: inputs the spec cannot print, and properties."""

import math
import random
import re
import struct

import pytest

from provedex_ref import canonical


def error_code(data: bytes) -> str:
    with pytest.raises(canonical.CanonicalError) as raised:
        canonical.canonicalize(data)
    return raised.value.code


@pytest.mark.parametrize(
    "data",
    [
        b"\xff",
        b'"\xc0\xaf"',  # overlong "/"
        b'"\xe0\x80\xaf"',  # overlong, three bytes
        b'"\xed\xa0\x80"',  # encoded surrogate U+D800
        b'"\xf4\x90\x80\x80"',  # above U+10FFFF
        b'"\xe2\x82"',  # truncated sequence
        b'"\x80"',  # lone continuation byte
        b'[01, "\xff"]',  # invalid UTF-8 wins over an earlier syntax error
    ],
)
def test_invalid_utf8(data):
    assert error_code(data) == "invalid_utf8"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "syntax"),
        (b" \t\r\n", "syntax"),
        (b"\xef\xbb\xbf{}", "syntax"),  # a byte order mark is not skipped
        ("\u00a0{}".encode(), "syntax"),
        ("[1,\u20282]".encode(), "syntax"),
        (b'"a\x00b"', "control_character_in_string"),
        (b'"a\x1fb"', "control_character_in_string"),
        (b'{"a\nb":1}', "control_character_in_string"),
        (b"tru", "syntax"),
        (b"nul", "syntax"),
        (b"-", "invalid_number"),
        (b"1e+", "invalid_number"),
        (b'{"a":1 "b":2}', "syntax"),
        (b'{"a":{"b":1,"b":2},"c":', "duplicate_key"),
        (b'["\\ud800\\udc00\\udc00"]', "lone_surrogate"),
    ],
)
def test_error_codes(data, code):
    assert error_code(data) == code


@pytest.mark.parametrize(
    "data",
    [b'"\\', b'"\\u', b'"\\u12', b'"\\ud800', b'"\\ud800\\u', b'"\\ud800\\udc0'],
)
def test_end_of_input_inside_a_string_is_syntax(data):
    """The end of the input inside a string, even inside an escape, is an unexpected end."""
    assert error_code(data) == "syntax"


def test_high_surrogate_followed_by_an_invalid_escape_is_lone_surrogate():
    assert error_code(b'"\\ud800\\x"') == "lone_surrogate"


def test_raw_characters_that_need_no_escape_pass_through():
    text = "\u007f\u2028\u2029\ufffe\U0001f600/".encode()
    assert canonical.canonicalize(b'"' + text + b'"') == b'"' + text + b'"'


def test_value_model_keeps_integers_and_floats_apart():
    assert canonical.parse(b"[1,1.0,-0,0,18446744073709551615,18446744073709551616]") == [
        1,
        1.0,
        -0.0,
        0,
        2**64 - 1,
        2.0**64,
    ]
    values = canonical.parse(b"[1,1.0,-0,0,-9223372036854775808,-9223372036854775809]")
    assert [type(value) for value in values] == [int, float, float, int, int, float]
    assert math.copysign(1.0, values[2]) == -1.0


def test_very_long_integer_literals_are_floats():
    assert canonical.canonicalize(b"1" + b"0" * 300) == b"1e+300"
    assert error_code(b"1" + b"0" * 5000) == "number_out_of_range"
    assert canonical.canonicalize(b"0." + b"0" * 5000 + b"1") == b"0.0"


def test_overflow_threshold_is_the_midpoint_below_2_to_the_1024():
    threshold = 2**1024 - 2**970
    assert canonical.canonicalize(f"{threshold - 1}.999".encode()) == b"1.7976931348623157e+308"
    assert error_code(str(threshold).encode()) == "number_out_of_range"
    assert error_code(f"-{threshold}.0".encode()) == "number_out_of_range"


def test_depth_counts_enclosing_containers():
    assert canonical.parse(b"[" * 127 + b"]" * 127, enclosing_depth=1) is not None
    with pytest.raises(canonical.CanonicalError) as raised:
        canonical.parse(b"[" * 128 + b"]" * 128, enclosing_depth=1)
    assert raised.value.code == "nesting_too_deep"


def test_nesting_error_is_reached_at_the_opening_bracket():
    assert error_code(b"[" * 129 + b"01") == "nesting_too_deep"
    assert error_code(b"[" * 128 + b"01") == "invalid_number"


def test_keys_are_sorted_by_utf8_bytes():
    keys = ["\U0001f600", "\uff21", "\ue000", "z", "\u00e9", "", "a\x00", "a"]
    data = ("{" + ",".join(f'"{key}":0' if key != "a\x00" else '"a\\u0000":0' for key in keys) + "}").encode()
    output = canonical.parse(canonical.canonicalize(data))
    assert list(output) == sorted(keys, key=lambda key: key.encode("utf-8"))


FLOAT_LAYOUT = re.compile(
    r"-?(0\.0|0\.0{0,4}[1-9][0-9]*|[1-9][0-9]{0,15}\.[0-9]+|[1-9](\.[0-9]*[1-9])?e[+-][1-9][0-9]*)"
)


def test_random_floats_round_trip_in_the_spec_layout():
    generator = random.Random(20240601)
    for _ in range(20000):
        (value,) = struct.unpack("<d", generator.getrandbits(64).to_bytes(8, "little"))
        if not math.isfinite(value):
            continue
        text = canonical.format_float(value)
        assert FLOAT_LAYOUT.fullmatch(text), text
        parsed = canonical.parse(text.encode())
        assert type(parsed) is float and struct.pack("<d", parsed) == struct.pack("<d", value)
        assert canonical.format_float(parsed) == text


@pytest.mark.parametrize("offset", range(0, 4000, 37))
def test_shortest_digit_ties_go_to_the_even_digit(offset):
    """Between 2**50 and 2**51 the spacing is 0.25: x.25 and x.75 sit halfway between two
    17-digit candidates that both round back, and the even last digit is chosen."""
    whole = 2**50 + offset
    assert canonical.format_float(whole + 0.25) == f"{whole}.2"
    assert canonical.format_float(whole + 0.75) == f"{whole}.8"


@pytest.mark.parametrize(
    "value, text",
    [
        (1e-5, "0.00001"),
        (1.5e-5, "0.000015"),
        (9.99e-6, "9.99e-6"),
        (0.1, "0.1"),
        (1e15, "1000000000000000.0"),
        (123456789012345.6, "123456789012345.6"),
        (1e16, "1e+16"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (-2.5, "-2.5"),
    ],
)
def test_float_layout(value, text):
    assert canonical.format_float(value) == text
