"""The Merkle tree and its proofs (spec/transparency.md), against published RFC 6962 vectors and by
properties that hold for every size up to 40.

The published numbers are those of transparency-dev/merkle's test data (leaves, roots, reference
proofs with 0-based leaf indices) and its RFC 6962 hasher tests.
"""

import hashlib
import itertools

import pytest

from provedex_ref import merkle

LEAF_INPUTS = (
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)
LEAVES = [bytes.fromhex(text) for text in LEAF_INPUTS]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
N01 = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
N23 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
N45 = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
N67 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
N03 = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
N47 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
H = LEAF_HASHES

# (leaf index, tree size, proof): the reference inclusion proofs.
INCLUSION = [
    (0, 1, []),
    (0, 2, [H[1]]),
    (1, 2, [H[0]]),
    (2, 3, [N01]),
    (1, 5, [H[0], N23, H[4]]),
    (0, 8, [H[1], N23, N47]),
    (5, 8, [H[4], N67, N03]),
]
# (old size, new size, proof): the reference consistency proofs.
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [H[1], N23, N47]),
    (2, 5, [N23, H[4]]),
    (6, 8, [N45, N67, N03]),
    (6, 7, [N45, H[6], N03]),
]


def hashes(texts: list[str]) -> list[bytes]:
    return [bytes.fromhex(text) for text in texts]


LEAF_HASH_BYTES = hashes(LEAF_HASHES)


def test_hasher_vectors():
    assert merkle.EMPTY_ROOT.hex() == ROOTS[0]
    assert merkle.leaf_hash(b"").hex() == LEAF_HASHES[0]
    assert (
        merkle.leaf_hash(b"L123456").hex()
        == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert (
        merkle.node_hash(b"N123", b"N456").hex()
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_leaf_hashes_and_interior_nodes():
    assert [merkle.leaf_hash(leaf).hex() for leaf in LEAVES] == LEAF_HASHES
    for start, expected in ((0, N01), (2, N23), (4, N45), (6, N67)):
        assert merkle.node_hash(LEAF_HASH_BYTES[start], LEAF_HASH_BYTES[start + 1]).hex() == expected
    assert merkle.node_hash(bytes.fromhex(N01), bytes.fromhex(N23)).hex() == N03
    assert merkle.node_hash(bytes.fromhex(N45), bytes.fromhex(N67)).hex() == N47


@pytest.mark.parametrize("size", range(9))
def test_roots_by_size(size):
    assert merkle.tree_root(LEAVES[:size]).hex() == ROOTS[size]
    assert merkle.root_of(LEAF_HASH_BYTES[:size]).hex() == ROOTS[size]


def test_odd_leaf_is_not_duplicated():
    """TL-1: the three leaves a, b, c do not have the root of a, b, c, c."""
    three = merkle.tree_root(LEAVES[:3])
    assert three != merkle.tree_root(LEAVES[:3] + LEAVES[2:3])
    assert three == merkle.node_hash(bytes.fromhex(N01), LEAF_HASH_BYTES[2])


def test_leaf_and_node_hashes_are_separated():
    """A 64-byte leaf input equal to two child hashes does not hash as their parent."""
    pair = LEAF_HASH_BYTES[0] + LEAF_HASH_BYTES[1]
    assert merkle.leaf_hash(pair).hex() != N01
    assert merkle.tree_root([pair]) != merkle.tree_root(LEAVES[:2])


@pytest.mark.parametrize("index, size, proof", INCLUSION)
def test_reference_inclusion_proofs(index, size, proof):
    assert merkle.inclusion_proof(LEAF_HASH_BYTES[:size], index) == hashes(proof)
    assert merkle.inclusion_proof_len(index, size) == len(proof)
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(index, size, LEAF_HASH_BYTES[index], hashes(proof), root)


@pytest.mark.parametrize("old, new, proof", CONSISTENCY)
def test_reference_consistency_proofs(old, new, proof):
    assert merkle.consistency_proof(LEAF_HASH_BYTES[:new], old) == hashes(proof)
    assert merkle.consistency_proof_len(old, new) == len(proof)
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert merkle.verify_consistency(old, new, hashes(proof), old_root, new_root)


def test_short_inclusion_proof_ending_at_an_interior_node_is_refused():
    """TL-2: leaf 0 of 4 with one hash leads to the node over leaves 0-1, which is not the root of 4
    leaves even if a verifier is handed that node as the root."""
    assert not merkle.verify_inclusion(0, 4, LEAF_HASH_BYTES[0], [LEAF_HASH_BYTES[1]], bytes.fromhex(N01))
    assert not merkle.verify_inclusion(0, 1, LEAF_HASH_BYTES[0], [LEAF_HASH_BYTES[1]], bytes.fromhex(N01))


def test_inclusion_refusals():
    root = bytes.fromhex(ROOTS[5])
    proof = hashes([H[0], N23, H[4]])
    assert not merkle.verify_inclusion(5, 5, LEAF_HASH_BYTES[1], proof, root)  # index >= size
    assert not merkle.verify_inclusion(1, 0, LEAF_HASH_BYTES[1], proof, root)
    assert not merkle.verify_inclusion(1, 5, LEAF_HASH_BYTES[1], proof + proof[:1], root)
    assert not merkle.verify_inclusion(1, 5, LEAF_HASH_BYTES[1], proof[:2], root)
    assert not merkle.verify_inclusion(1, 5, LEAF_HASH_BYTES[2], proof, root)  # another leaf
    assert not merkle.verify_inclusion(2, 5, LEAF_HASH_BYTES[1], proof, root)  # another index
    assert not merkle.verify_inclusion(1, 5, LEAF_HASH_BYTES[1], proof[:2] + [proof[2][:31]], root)


def test_consistency_edge_cases():
    """m = n: empty proof and equal roots; m = 0: empty proof and the empty tree's root."""
    root_3, root_5, empty = bytes.fromhex(ROOTS[3]), bytes.fromhex(ROOTS[5]), merkle.EMPTY_ROOT
    assert merkle.verify_consistency(3, 3, [], root_3, root_3)
    assert not merkle.verify_consistency(3, 3, [], root_3, root_5)
    assert not merkle.verify_consistency(3, 3, [root_3], root_3, root_3)
    assert merkle.verify_consistency(0, 5, [], empty, root_5)
    assert merkle.verify_consistency(0, 0, [], empty, empty)
    assert not merkle.verify_consistency(0, 0, [], empty, root_3)
    assert not merkle.verify_consistency(0, 5, [], root_3, root_5)  # an old root that is not empty
    assert not merkle.verify_consistency(0, 5, [root_3], empty, root_5)
    assert not merkle.verify_consistency(5, 3, [], root_5, root_3)  # m > n
    assert not merkle.verify_consistency(1, 2, [], bytes.fromhex(ROOTS[1]), bytes.fromhex(ROOTS[2]))
    assert merkle.consistency_proof(LEAF_HASH_BYTES[:5], 0) == []
    assert merkle.consistency_proof(LEAF_HASH_BYTES[:5], 5) == []


def test_unpublished_proofs_agree_with_a_second_implementation():
    """Proofs computed by another RFC 6962 library (not published, but two libraries agree)."""
    n837 = "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"
    assert merkle.inclusion_proof(LEAF_HASH_BYTES[:7], 6) == hashes([N45, N03])
    assert merkle.inclusion_proof(LEAF_HASH_BYTES[:6], 3) == hashes([H[2], N01, N45])
    assert merkle.consistency_proof(LEAF_HASH_BYTES[:7], 3) == hashes([H[2], H[3], N01, n837])
    assert merkle.consistency_proof(LEAF_HASH_BYTES[:8], 4) == hashes([N47])
    assert merkle.consistency_proof(LEAF_HASH_BYTES[:8], 7) == hashes([H[6], H[7], N45, N03])
    assert merkle.consistency_proof(LEAF_HASH_BYTES[:8], 5) == hashes([H[4], H[5], N67, N03])


# --- Properties over every size up to 40 -----------------------------------------------------

SIZES = range(1, 41)
TREE = [hashlib.sha256(i.to_bytes(2, "big")).digest() for i in range(40)]


def flipped(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    node = bytearray(proof[position])
    node[bit // 8] ^= 1 << (bit % 8)
    return proof[:position] + [bytes(node)] + proof[position + 1 :]


def reference_length(index: int, size: int) -> int:
    """PATH's length by the RFC's recursion written out, independent of the module's walk."""
    if size == 1:
        return 0
    k = 1 << ((size - 1).bit_length() - 1)
    return 1 + (reference_length(index, k) if index < k else reference_length(index - k, size - k))


@pytest.mark.parametrize("size", SIZES)
def test_every_inclusion_proof_verifies_and_any_flipped_bit_fails(size):
    leaves = TREE[:size]
    root = merkle.root_of(leaves)
    for index in range(size):
        proof = merkle.inclusion_proof(leaves, index)
        assert len(proof) == merkle.inclusion_proof_len(index, size) == reference_length(index, size)
        assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
        for position, bit in itertools.product(range(len(proof)), (0, 77, 255)):
            assert not merkle.verify_inclusion(
                index, size, leaves[index], flipped(proof, position, bit), root
            )
        assert not merkle.verify_inclusion(index, size, flipped([leaves[index]], 0, 3)[0], proof, root)
        assert not merkle.verify_inclusion(index, size, leaves[index], proof, flipped([root], 0, 200)[0])
        if proof:
            assert not merkle.verify_inclusion(index, size, leaves[index], proof[:-1], root)
        assert not merkle.verify_inclusion(index, size, leaves[index], proof + [root], root)


@pytest.mark.parametrize("size", SIZES)
def test_every_consistency_proof_verifies_and_any_flipped_bit_fails(size):
    leaves = TREE[:size]
    new_root = merkle.root_of(leaves)
    for old in range(0, size + 1):
        old_root = merkle.root_of(leaves[:old])
        proof = merkle.consistency_proof(leaves, old)
        assert len(proof) == merkle.consistency_proof_len(old, size)
        assert merkle.verify_consistency(old, size, proof, old_root, new_root)
        for position, bit in itertools.product(range(len(proof)), (0, 129, 255)):
            assert not merkle.verify_consistency(old, size, flipped(proof, position, bit), old_root, new_root)
        assert not merkle.verify_consistency(old, size, proof, flipped([old_root], 0, 9)[0], new_root)
        # From the empty tree every new root is consistent (transparency.md: m = 0).
        other_new_root = flipped([new_root], 0, 9)[0]
        assert merkle.verify_consistency(old, size, proof, old_root, other_new_root) == (old == 0)
        if proof:
            assert not merkle.verify_consistency(old, size, proof[:-1], old_root, new_root)
        assert not merkle.verify_consistency(old, size, proof + [new_root], old_root, new_root)


def test_a_changed_leaf_changes_every_root_above_it():
    for size in SIZES:
        for index in range(size):
            changed = TREE[:index] + [hashlib.sha256(TREE[index]).digest()] + TREE[index + 1 : size]
            assert merkle.root_of(changed) != merkle.root_of(TREE[:size])
