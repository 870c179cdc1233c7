"""The RFC 9162 Merkle tree over a ledger's lines, with inclusion and consistency proofs.

Reference: spec/transparency.md (The tree, Inclusion proofs, Consistency proofs), which takes the
tree hash, PATH and PROOF from RFC 9162, sections 2.1.1, 2.1.3 and 2.1.4, and closes the two cases
the RFC leaves open (m = n and m = 0). Hashes are 32-byte ``bytes`` throughout; hex is the
adapter's business.

Proof verification follows the RFC's algorithms step by step and, in addition, compares the
proof's length with the length PATH or PROOF gives for the sizes: the spec requires both, and the
explicit length check is what refuses a proof that stops early at an interior node.
"""

import hashlib
from collections.abc import Sequence

from .bugs import planted

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the tree of size 0: SHA-256 of no bytes."""

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(leaf_input: bytes) -> bytes:
    """SHA-256(0x00 || leaf input). For a ledger's line, the input is its self_hash's 32 bytes."""
    if planted("merkle_no_domain_separation"):
        # PLANTED BUG merkle_no_domain_separation: leaves hashed without their 0x00 prefix, so a
        # 64-byte leaf has the hash of an interior node.
        return hashlib.sha256(leaf_input).digest()
    return hashlib.sha256(LEAF_PREFIX + leaf_input).digest()


def line_leaf_hash(self_hash: str) -> bytes:
    """The leaf hash of a ledger line, from its self_hash (64 lowercase hex): of the raw bytes."""
    return leaf_hash(bytes.fromhex(self_hash))


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node."""
    if planted("merkle_no_domain_separation"):
        return hashlib.sha256(left + right).digest()
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """k, the largest power of two smaller than `size` (size > 1): where RFC 9162 splits a range."""
    if size < 2:
        raise ValueError("only a range of two or more leaves is split")
    return 1 << ((size - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the leaves whose leaf hashes are given, in order (EMPTY_ROOT for none)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if planted("odd_leaf_duplicated"):
        # PLANTED BUG odd_leaf_duplicated: a level with an odd number of nodes pairs its last node
        # with itself (Bitcoin's tree), so a, b, c has the root of a, b, c, c.
        level = list(leaf_hashes)
        while len(level) > 1:
            if len(level) % 2:
                level.append(level[-1])
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        return level[0]
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes))


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a non-empty range, by the RFC's recursion (depth about log2 of n)."""
    if end - start == 1:
        return leaf_hashes[start]
    middle = start + split_point(end - start)
    return node_hash(_subtree_root(leaf_hashes, start, middle), _subtree_root(leaf_hashes, middle, end))


def tree_root(leaf_inputs: Sequence[bytes]) -> bytes:
    """MTH of leaves given as leaf inputs: each is hashed with leaf_hash first."""
    return root_of([leaf_hash(leaf_input) for leaf_input in leaf_inputs])


# --- Inclusion proofs -------------------------------------------------------------------------


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[0:n]) of RFC 9162, section 2.1.3.1: from the leaf's sibling up to the root's
    child."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        if index < middle:
            proof.append(_subtree_root(leaf_hashes, middle, end))
            end = middle
        else:
            proof.append(_subtree_root(leaf_hashes, start, middle))
            start = middle
    proof.reverse()  # found from the root down; listed from the leaf up
    return proof


def inclusion_proof_len(index: int, size: int) -> int:
    """How many hashes PATH(index, D[0:size]) holds: one per step down from the root to the leaf."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    steps, start, end = 0, 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        start, end = (start, middle) if index < middle else (middle, end)
        steps += 1
    return steps


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows that the leaf hash `leaf` is leaf `index` of the tree of `size` leaves
    whose root is `root` (RFC 9162, section 2.1.3.2, with the spec's length check)."""
    if index >= size or index < 0:
        return False
    if any(len(node) != HASH_SIZE for node in proof):
        return False
    # PLANTED BUG inclusion_length_unchecked (when on): neither the length nor the RFC's "sn is 0 at
    # the end" is checked, so a short proof that ends at an interior node passes for that node.
    length_checked = not planted("inclusion_length_unchecked")
    if length_checked and len(proof) != inclusion_proof_len(index, size):
        return False
    fn, sn, result = index, size - 1, leaf
    for node in proof:
        if sn == 0:
            if length_checked:
                return False
            break
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, node)
        fn >>= 1
        sn >>= 1
    return (sn == 0 or not length_checked) and result == root


# --- Consistency proofs -----------------------------------------------------------------------


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[0:n]) of RFC 9162, section 2.1.4.1; empty for m = 0 and m = n (transparency.md)."""
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ValueError(f"no consistency proof from size {old_size} to size {size}")
    if old_size in (0, size):
        return []
    return _subproof(leaf_hashes, old_size, 0, size, True)


def _subproof(leaf_hashes: Sequence[bytes], m: int, start: int, end: int, whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b): `whole` is b, whether the old tree is this whole subtree so
    far (its root is then known to the verifier and left out)."""
    size = end - start
    if m == size:
        return [] if whole else [_subtree_root(leaf_hashes, start, end)]
    k = split_point(size)
    if m <= k:
        return _subproof(leaf_hashes, m, start, start + k, whole) + [
            _subtree_root(leaf_hashes, start + k, end)
        ]
    return _subproof(leaf_hashes, m - k, start + k, end, False) + [
        _subtree_root(leaf_hashes, start, start + k)
    ]


def consistency_proof_len(old_size: int, new_size: int) -> int:
    """How many hashes PROOF(m, D[0:n]) holds, from the sizes alone."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return 0
    m, size, whole, count = old_size, new_size, True, 0
    while m != size:
        k = split_point(size)
        count += 1
        if m <= k:
            size = k
        else:
            m, size, whole = m - k, size - k, False
    return count + (0 if whole else 1)


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """Whether `proof` shows that the tree of `old_size` leaves with root `old_root` is a prefix of
    the tree of `new_size` leaves with root `new_root` (RFC 9162, section 2.1.4.2, with the spec's
    length check and its rules for m = 0 and m = n)."""
    if old_size < 0 or old_size > new_size:
        return False
    if any(len(node) != HASH_SIZE for node in proof):
        return False
    if old_size == 0:
        if planted("empty_tree_any_root"):
            # PLANTED BUG empty_tree_any_root: "every tree extends the empty one" read as "any old
            # root goes for size 0", so a size-0 claim vouches for a root nobody checked.
            return not proof and (new_size != 0 or old_root == new_root)
        return not proof and old_root == EMPTY_ROOT and (new_size != 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if len(proof) != consistency_proof_len(old_size, new_size):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_result = new_result = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_result = node_hash(node, old_result)
            new_result = node_hash(node, new_result)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            new_result = node_hash(new_result, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and old_result == old_root and new_result == new_root


# --- Compact ranges ---------------------------------------------------------------------------


def compact_append(compact: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """The compact range of `size` + 1 leaves from that of `size` leaves and the next leaf hash.

    A compact range is the roots of the perfect subtrees the leaves fill, one per set bit of the
    size, largest first (transparency.md, The tree). Appending merges as many of them as the size
    has trailing one bits, as a binary counter carries.
    """
    if len(compact) != size.bit_count():
        raise ValueError(f"a compact range of {size} leaves holds {size.bit_count()} hashes")
    merged, node = list(compact), leaf
    while size & 1:
        node = node_hash(merged.pop(), node)
        size >>= 1
    merged.append(node)
    return merged


def compact_root(compact: Sequence[bytes]) -> bytes:
    """The root of the tree a compact range covers: its hashes folded from the right (EMPTY_ROOT
    for no leaves)."""
    if not compact:
        return EMPTY_ROOT
    root = compact[-1]
    for node in reversed(compact[:-1]):
        root = node_hash(node, root)
    return root
