"""Ed25519 with the strict verification profile of spec/signature-scheme.md.

Key derivation, signing and the verification equation are done by the ``cryptography`` package
(OpenSSL). OpenSSL checks the cofactorless equation: it computes R' = [S]B - [k]A and accepts only
when the encoding of R' equals R_enc byte for byte, which is step 4 of the profile. The checks that
Ed25519 libraries do not agree on (canonical encodings of A and R, small-order A and R, S < L) are
done here, explicitly, before the library is asked, with a little Edwards-curve arithmetic in the
style of RFC 8032, section 6. The tests check on crafted signatures that the library's equation is
the cofactorless one.
"""

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .bugs import planted

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]
"""A point in extended coordinates (X, Y, Z, T): x = X/Z, y = Y/Z, x*y = T/Z."""

IDENTITY: Point = (0, 1, 1, 0)


def point_add(p: Point, q: Point) -> Point:
    """P + Q. The formula is complete on Ed25519: it is also correct for P = Q and the identity."""
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def scalar_mult(scalar: int, point: Point) -> Point:
    """[scalar]point by double-and-add (not constant time: only public values are multiplied)."""
    result = IDENTITY
    while scalar > 0:
        if scalar & 1:
            result = point_add(result, point)
        point = point_add(point, point)
        scalar >>= 1
    return result


def points_equal(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def has_small_order(point: Point) -> bool:
    """Whether the order of the point divides 8, that is, whether [8]point is the identity."""
    for _ in range(3):
        point = point_add(point, point)
    return points_equal(point, IDENTITY)


def decode_point(encoding: bytes) -> Point | None:
    """Decode per RFC 8032, section 5.1.3, with all its rejections; None when it fails.

    A point that decodes is exactly one whose encoding is canonical: y < p is required, and x = 0
    with the sign bit set is rejected.
    """
    if len(encoding) != 32:
        return None
    number = int.from_bytes(encoding, "little")
    sign = number >> 255
    y = number & ((1 << 255) - 1)
    if y >= P:
        if not planted("noncanonical_point_reduced"):
            return None
        # PLANTED BUG noncanonical_point_reduced: y taken modulo p, as field-element decoders do.
        y -= P
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P != 0:
        if (v * x * x + u) % P != 0:
            return None
        x = x * SQRT_M1 % P
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE: Point = decode_point(bytes.fromhex("58" + "66" * 31))


def public_key(seed: bytes) -> bytes:
    """The 32-byte public key derived from a 32-byte seed (RFC 8032, section 5.1.5)."""
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte pure Ed25519 signature R || S of `message` (RFC 8032, section 5.1.6)."""
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def is_valid_public_key(a_encoding: bytes) -> bool:
    """Step 1 of the profile: A decodes (canonically) and does not have small order."""
    point = decode_point(a_encoding)
    if point is None:
        return False
    if planted("nonstrict_ed25519"):
        # PLANTED BUG nonstrict_ed25519: a degenerate key signs a large share of all messages.
        return True
    return not has_small_order(point)


def verify_strict(a_encoding: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is valid for `message` and the key under the strict profile."""
    if not is_valid_public_key(a_encoding) or len(signature) != 64:
        return False
    r_encoding, s_encoding = signature[:32], signature[32:]
    s = int.from_bytes(s_encoding, "little")
    if s >= L:
        return False  # no reduction: (R, S + L) must not be a second valid signature
    r_point = decode_point(r_encoding)
    if r_point is None or has_small_order(r_point):
        return False
    if planted("cofactored_ed25519"):
        # PLANTED BUG cofactored_ed25519: [8][S]B = [8]R + [8][k]A accepts R + (a torsion point).
        a_point = decode_point(a_encoding)
        k = int.from_bytes(hashlib.sha512(r_encoding + a_encoding + message).digest(), "little") % L
        left = scalar_mult(8 * s, BASE)
        right = point_add(scalar_mult(8, r_point), scalar_mult(8 * k, a_point))
        return points_equal(left, right)
    try:
        Ed25519PublicKey.from_public_bytes(a_encoding).verify(signature, message)
    except InvalidSignature:
        return False
    return True
