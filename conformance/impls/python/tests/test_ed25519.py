"""The strict Ed25519 profile, including crafted signatures that libraries disagree on."""

import pytest
from support import (
    IDENTITY_KEY,
    ORDER_8_POINT,
    PUBLIC_KEY,
    SEED,
    SMALL_ORDER_ENCODINGS,
    encode_point,
    hash_scalar,
    identity_key_signature,
    seed_scalar,
    torsion_r_signature,
)

from provedex_ref import ed25519

MESSAGE = bytes.fromhex("52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91")
A_ENCODING = bytes.fromhex(PUBLIC_KEY)


def cofactorless_equation_holds(a_encoding: bytes, message: bytes, signature: bytes) -> bool:
    """Step 4 of the profile, computed here in Python: encode([S]B - [k]A) == R_enc."""
    a_point = ed25519.decode_point(a_encoding)
    s = int.from_bytes(signature[32:], "little")
    k = hash_scalar(signature[:32], a_encoding, message)
    x, y, z, t = ed25519.scalar_mult(k, a_point)
    minus_k_a = (-x % ed25519.P, y, z, -t % ed25519.P)  # not [L - k]A: A may have a torsion part
    return encode_point(ed25519.point_add(ed25519.scalar_mult(s, ed25519.BASE), minus_k_a)) == signature[:32]


def test_published_key_signs_and_verifies():
    assert ed25519.public_key(SEED) == A_ENCODING
    signature = ed25519.sign(SEED, MESSAGE)
    assert ed25519.verify_strict(A_ENCODING, MESSAGE, signature)
    assert not ed25519.verify_strict(A_ENCODING, MESSAGE[:-1] + b"\x00", signature)


def test_base_point_and_arithmetic():
    assert encode_point(ed25519.BASE).hex() == "58" + "66" * 31
    assert encode_point(ed25519.scalar_mult(seed_scalar(SEED), ed25519.BASE)) == A_ENCODING
    assert ed25519.points_equal(ed25519.scalar_mult(ed25519.L, ed25519.BASE), ed25519.IDENTITY)


@pytest.mark.parametrize("encoding", SMALL_ORDER_ENCODINGS)
def test_small_order_points_are_invalid_keys(encoding):
    point = ed25519.decode_point(bytes.fromhex(encoding))
    assert point is not None and ed25519.has_small_order(point)
    assert encode_point(point).hex() == encoding
    assert not ed25519.is_valid_public_key(bytes.fromhex(encoding))


def test_no_other_small_order_point_decodes():
    """Non-canonical encodings of small-order points (y + p, x = 0 with the sign bit) fail."""
    p = ed25519.P
    for y in (1, p - 1, 0):
        for sign in (0, 1):
            for candidate in (y, y + p):
                if candidate >= 2**255:
                    continue
                encoding = (candidate | sign << 255).to_bytes(32, "little")
                if encoding.hex() not in SMALL_ORDER_ENCODINGS:
                    assert ed25519.decode_point(encoding) is None, encoding.hex()


def test_non_canonical_y_is_rejected():
    y = int.from_bytes(A_ENCODING, "little") & ((1 << 255) - 1)
    if y + ed25519.P < 2**255:
        pytest.skip("this key has no second encoding")
    assert ed25519.decode_point((ed25519.P).to_bytes(32, "little")) is None
    assert ed25519.decode_point((2**255 - 1).to_bytes(32, "little")) is None


def test_point_not_on_curve_is_rejected():
    not_on_curve = (2).to_bytes(32, "little")  # y = 2 has no x on Ed25519
    assert ed25519.decode_point(not_on_curve) is None
    assert not ed25519.is_valid_public_key(not_on_curve)


def test_s_plus_l_is_rejected():
    signature = ed25519.sign(SEED, MESSAGE)
    s = int.from_bytes(signature[32:], "little")
    malleated = signature[:32] + (s + ed25519.L).to_bytes(32, "little")
    assert cofactorless_equation_holds(A_ENCODING, MESSAGE, malleated)
    assert not ed25519.verify_strict(A_ENCODING, MESSAGE, malleated)


@pytest.mark.parametrize("encoding", SMALL_ORDER_ENCODINGS)
def test_small_order_r_is_rejected(encoding):
    signature = bytes.fromhex(encoding) + bytes(32)
    assert not ed25519.verify_strict(A_ENCODING, MESSAGE, signature)


def test_small_order_key_with_a_universal_signature_is_rejected():
    signature = identity_key_signature(MESSAGE)
    assert cofactorless_equation_holds(IDENTITY_KEY, MESSAGE, signature)
    assert not ed25519.verify_strict(IDENTITY_KEY, MESSAGE, signature)


def test_library_equation_is_cofactorless_for_torsion_in_r():
    """(R + T, S) passes the cofactored equation only; the strict profile rejects it."""
    signature = torsion_r_signature(SEED, MESSAGE)
    r_point = ed25519.decode_point(signature[:32])
    assert not ed25519.has_small_order(r_point)
    assert not cofactorless_equation_holds(A_ENCODING, MESSAGE, signature)
    assert not ed25519.verify_strict(A_ENCODING, MESSAGE, signature)


def test_library_equation_is_cofactorless_for_torsion_in_a():
    """With A' = A + T, the cofactorless equation holds exactly when [k]T is the identity."""
    a = seed_scalar(SEED)
    torsion = ed25519.decode_point(bytes.fromhex(ORDER_8_POINT))
    mixed_key = encode_point(ed25519.point_add(ed25519.decode_point(A_ENCODING), torsion))
    assert ed25519.is_valid_public_key(mixed_key)
    verdicts = set()
    for r in range(1, 40):
        r_encoding = encode_point(ed25519.scalar_mult(r, ed25519.BASE))
        k = hash_scalar(r_encoding, mixed_key, MESSAGE)
        signature = r_encoding + ((r + k * a) % ed25519.L).to_bytes(32, "little")
        expected = cofactorless_equation_holds(mixed_key, MESSAGE, signature)
        assert expected == (k % 8 == 0)
        assert ed25519.verify_strict(mixed_key, MESSAGE, signature) == expected
        verdicts.add(expected)
    assert verdicts == {True, False}
