//! `tree.json`, `inclusion.json` and `consistency.json` (spec 1.1): the
//! RFC 9162 Merkle tree of spec/transparency.md, its inclusion proofs and
//! its consistency proofs.
//!
//! Every root and proof is computed twice: by the format crate, and by the
//! recursive definitions of RFC 9162 §2.1 written out here on their own
//! (`mth`, `path`, `proof`); generation fails when they disagree. The
//! RFC 6962 / transparency-dev reference vectors (leaf inputs, roots of
//! sizes 0 to 8, inclusion and consistency proofs) are checked against the
//! published values. A proof's verdict is stated by hand and checked
//! against the format crate's verifier.

use provedex_core::ChainHash;
use provedex_format::hex::Digest;
use provedex_format::merkle::{self, Tree};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::vector::{FileBuilder, GroupBuilder, SPEC_VERSION_1_1, VectorFile, Verdict, hex};

/// The eight leaf inputs of the RFC 6962 reference vectors (transparency-dev
/// merkle, testonly/constants.go), as hex.
pub const RFC_LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// Their published leaf hashes.
const RFC_LEAF_HASHES: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
];

/// The published roots of the trees of their first 0 to 8 leaves.
pub const RFC_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Published interior nodes of the reference tree of 8 leaves.
const N01: &str = RFC_ROOTS[2];
const N23: &str = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e";
const N45: &str = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a";
const N67: &str = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0";
const N03: &str = RFC_ROOTS[4];
const N47: &str = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4";

/// Published inclusion proofs (transparency-dev merkle, reference_test.go;
/// 0-based leaf index): (index, size, proof).
fn rfc_inclusion_proofs() -> Vec<(u64, u64, Vec<&'static str>)> {
    let l = RFC_LEAF_HASHES;
    vec![
        (0, 1, vec![]),
        (0, 2, vec![l[1]]),
        (1, 2, vec![l[0]]),
        (2, 3, vec![N01]),
        (1, 5, vec![l[0], N23, l[4]]),
        (0, 8, vec![l[1], N23, N47]),
        (5, 8, vec![l[4], N67, N03]),
    ]
}

/// Published consistency proofs (reference_test.go and verify_test.go): (old size, new size, proof).
fn rfc_consistency_proofs() -> Vec<(u64, u64, Vec<&'static str>)> {
    vec![
        (1, 1, vec![]),
        (1, 8, vec![RFC_LEAF_HASHES[1], N23, N47]),
        (2, 5, vec![N23, RFC_LEAF_HASHES[4]]),
        (6, 8, vec![N45, N67, N03]),
        (6, 7, vec![N45, RFC_LEAF_HASHES[6], N03]),
    ]
}

/// The spec's example (spec/transparency.md, Example): the self_hashes of
/// five lines, and the roots of the trees of the first three and five.
const EXAMPLE_SELF_HASHES: [&str; 5] = [
    "52299f4b70c1603526deb7b88cbaa03ca9eb1b91a3da038babb4a175041aec91",
    "7ad3b55c94a38cec592f2a1013911d63c71b25129442827849fda312cddff717",
    "47e922625ffbd02c28f5e25300637c7e29d4dd32bd7b82f8dfae8c32e4a02dbb",
    "d7ea33eeffae138ad257224756ebe10dc123fd7496cf220bca86babcbbddbe6b",
    "48ceec2fea3094d77d28dff69fca6b8096d20cff368ce4adc8b58a304082002c",
];
const EXAMPLE_ROOT_3: &str = "b3c3002b473ff193240ef3ae3df5fe87618134ce597f3e1a5e1208718ceec20b";
const EXAMPLE_ROOT_5: &str = "06f986b72472a5fc40b83c14c1f018691815b400d74f952ab737f7c36d10ff2e";

fn bytes_of(hex_text: &str) -> Vec<u8> {
    crate::vector::unhex(hex_text).expect("constant hex")
}

fn digest(hex_text: &str) -> Digest {
    Digest::from_hex(hex_text).expect("a constant hash")
}

// RFC 9162 §2.1, written out recursively and independently of the format crate.

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    parts.iter().for_each(|part| hasher.update(part));
    hasher.finalize().into()
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]).
fn mth(leaves: &[Vec<u8>]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(&[]),
        1 => sha256(&[&[0], &leaves[0]]),
        n => {
            let k = split(n);
            sha256(&[&[1], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

/// PATH(m, D[n]).
fn path(m: usize, leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

/// PROOF(m, D[n]) for 0 < m <= n (SUBPROOF with b = true), and the empty proof for m = 0.
fn proof(m: usize, leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
    fn subproof(m: usize, leaves: &[Vec<u8>], whole: bool) -> Vec<[u8; 32]> {
        let n = leaves.len();
        if m == n {
            return if whole { Vec::new() } else { vec![mth(leaves)] };
        }
        let k = split(n);
        if m <= k {
            let mut p = subproof(m, &leaves[..k], whole);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = subproof(m - k, &leaves[k..], false);
            p.push(mth(&leaves[..k]));
            p
        }
    }
    if m == 0 { Vec::new() } else { subproof(m, leaves, true) }
}

/// The format crate's tree over `leaves` (leaf inputs).
fn tree_of(leaves: &[Vec<u8>]) -> Tree {
    Tree::from_leaves(leaves.iter().map(|leaf| merkle::leaf_hash(leaf)))
}

/// The root of `leaves`, from the format crate, checked against [`mth`].
fn root(leaves: &[Vec<u8>]) -> Digest {
    let hashes: Vec<Digest> = leaves.iter().map(|leaf| merkle::leaf_hash(leaf)).collect();
    let root = merkle::root_of(&hashes);
    assert_eq!(root.0, mth(leaves), "the format crate's root of {} leaves is RFC 9162's", leaves.len());
    root
}

/// The inclusion proof of leaf `index` among `leaves`, checked against [`path`].
fn inclusion(index: usize, leaves: &[Vec<u8>]) -> Vec<Digest> {
    let proof = tree_of(leaves).inclusion_proof(index as u64, leaves.len() as u64);
    let reference: Vec<Digest> = path(index, leaves).into_iter().map(Digest).collect();
    assert_eq!(proof, reference, "the format crate's inclusion proof ({index}, {}) is RFC 9162's", leaves.len());
    assert_eq!(proof.len(), merkle::inclusion_proof_len(index as u64, leaves.len() as u64));
    proof
}

/// The consistency proof from the first `m` of `leaves` to all of them, checked against [`proof`].
fn consistency(m: usize, leaves: &[Vec<u8>]) -> Vec<Digest> {
    let got = tree_of(leaves).consistency_proof(m as u64, leaves.len() as u64);
    let reference: Vec<Digest> = proof(m, leaves).into_iter().map(Digest).collect();
    assert_eq!(got, reference, "the format crate's consistency proof ({m}, {}) is RFC 9162's", leaves.len());
    assert_eq!(got.len(), merkle::consistency_proof_len(m as u64, leaves.len() as u64));
    got
}

/// Deterministic leaf inputs of varied lengths, all different: leaf `i` is
/// the text `leaf <i>` followed by the bytes 0, 1, … up to `i * 7 % 41` of them.
pub fn leaves(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut leaf = format!("leaf {i}").into_bytes();
            leaf.extend((0..i * 7 % 41).map(|b| b as u8));
            leaf
        })
        .collect()
}

/// Ledger-like leaves: 32 bytes each, as a ledger's self_hashes are.
fn ledger_leaves(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| Sha256::digest(format!("provedex tree: self_hash {i}")).to_vec()).collect()
}

fn hexes(hashes: &[Digest]) -> Vec<String> {
    hashes.iter().map(Digest::to_hex).collect()
}

fn rfc_leaves() -> Vec<Vec<u8>> {
    RFC_LEAVES.iter().map(|leaf| bytes_of(leaf)).collect()
}

// tree.json

fn root_test(g: &mut GroupBuilder<'_>, name: &str, comment: &str, flags: &[&str], leaves: &[Vec<u8>], root: Digest) {
    let leaves_hex: Vec<String> = leaves.iter().map(hex).collect();
    g.test(name, comment, flags, json!({"leaves_hex": leaves_hex}), Verdict::Valid, json!({"root_hex": root.to_hex()}));
}

pub fn tree_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "tree",
        "tree_root",
        "The RFC 9162 Merkle Tree Hash of lists of leaf inputs (spec/transparency.md, The tree): every size from 0 \
         to 17 and sizes around powers of two, the RFC 6962 reference leaves with their published roots, 32-byte \
         leaves as a ledger's self_hashes are, and a tree whose odd last leaf is not doubled.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Sizes", "A tree of deterministic leaf inputs of varied lengths.");
    f.note("Published", "A published reference vector (RFC 6962 / transparency-dev merkle, or this spec's example).");
    f.note("LedgerLike", "32-byte leaf inputs, as a ledger's self_hashes are.");
    f.note("NoDuplication", "A lone last leaf is never paired with a copy of itself.");

    let mut g = f.group("sizes", "Trees of 0 to 17 leaves, and of 31, 32, 33, 64 and 65.");
    let all = leaves(65);
    for n in (0..=17).chain([31, 32, 33, 64, 65]) {
        let comment = format!("The root of the tree of the first {n} deterministic leaf inputs.");
        root_test(&mut g, &format!("size-{n}"), &comment, &["Sizes"], &all[..n], root(&all[..n]));
    }

    let mut g = f.group(
        "rfc6962",
        "The reference leaves of RFC 6962 (\"\", 00, 10, 2021, 3031, 40414243, 5051525354555657, \
         606162636465666768696a6b6c6d6e6f) with the published root of each prefix.",
    );
    let rfc = rfc_leaves();
    for (i, leaf) in rfc.iter().enumerate() {
        assert_eq!(merkle::leaf_hash(leaf), digest(RFC_LEAF_HASHES[i]), "published leaf hash {i}");
    }
    for (n, published) in RFC_ROOTS.iter().enumerate() {
        let computed = root(&rfc[..n]);
        assert_eq!(computed, digest(published), "the published RFC 6962 root of size {n}");
        let comment = format!("The first {n} reference leaves; the published root.");
        root_test(&mut g, &format!("size-{n}"), &comment, &["Published"], &rfc[..n], computed);
    }

    let mut g = f.group("ledger-like", "32-byte leaf inputs; the spec's example lines among them.");
    let example: Vec<Vec<u8>> = EXAMPLE_SELF_HASHES.iter().map(|h| bytes_of(h)).collect();
    for (n, published) in [(3, EXAMPLE_ROOT_3), (5, EXAMPLE_ROOT_5)] {
        let computed = root(&example[..n]);
        assert_eq!(computed, digest(published), "spec/transparency.md's root_{n}");
        let comment = format!("The self_hashes of the spec's first {n} example lines (spec/transparency.md, Example).");
        root_test(
            &mut g,
            &format!("spec-example-{n}"),
            &comment,
            &["Published", "LedgerLike"],
            &example[..n],
            computed,
        );
    }
    let ledger = ledger_leaves(33);
    for n in [1, 2, 7, 8, 9, 33] {
        let comment = format!("{n} leaves of 32 bytes each.");
        root_test(&mut g, &format!("size-{n}"), &comment, &["LedgerLike"], &ledger[..n], root(&ledger[..n]));
    }
    // The line's self_hash is the leaf input, so its hex text is not.
    let as_text: Vec<Vec<u8>> = ledger[..3].iter().map(|l| hex(l).into_bytes()).collect();
    root_test(
        &mut g,
        "hex-text-is-another-leaf",
        "The hex text of three self_hashes as leaf inputs: another tree than the one of their 32 bytes.",
        &["LedgerLike"],
        &as_text,
        root(&as_text),
    );
    assert_ne!(root(&as_text), root(&ledger[..3]));

    let mut g = f.group(
        "no-duplication",
        "The leaves a, b, c and the leaves a, b, c, c have different roots: a tree that doubles its odd last leaf \
         gives both the same.",
    );
    let (a, b, c) = (b"a".to_vec(), b"b".to_vec(), b"c".to_vec());
    let three = vec![a.clone(), b.clone(), c.clone()];
    let four = vec![a.clone(), b.clone(), c.clone(), c.clone()];
    assert_ne!(root(&three), root(&four), "no two sequences share a root");
    // The doubling tree, for the comparison: H(1‖H(1‖a‖b)‖H(1‖c‖c)) for both.
    root_test(&mut g, "abc", "The three leaves a, b, c.", &["NoDuplication"], &three, root(&three));
    root_test(&mut g, "abcc", "The four leaves a, b, c, c.", &["NoDuplication"], &four, root(&four));
    let five = vec![a.clone(), b.clone(), c.clone(), b"d".to_vec(), b"e".to_vec()];
    let six = [five.clone(), vec![b"e".to_vec()]].concat();
    assert_ne!(root(&five), root(&six));
    root_test(&mut g, "abcde", "The five leaves a to e.", &["NoDuplication"], &five, root(&five));
    root_test(&mut g, "abcdee", "The six leaves a to e and e again.", &["NoDuplication"], &six, root(&six));
    // The hashes of a node and of a leaf are separated by their first byte.
    let node_as_leaf = vec![[merkle::leaf_hash(&a).0, merkle::leaf_hash(&b).0].concat()];
    assert_ne!(root(&node_as_leaf), root(&three[..2]));
    root_test(
        &mut g,
        "node-children-as-one-leaf",
        "One leaf whose input is the two leaf hashes of a and b: not the root of the tree of a and b, since leaves \
         and nodes are hashed under different first bytes.",
        &["NoDuplication"],
        &node_as_leaf,
        root(&node_as_leaf),
    );
    f.finish()
}

// inclusion.json

#[allow(clippy::too_many_arguments)]
fn inclusion_test(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    (index, size): (u64, u64),
    leaf: &[u8],
    proof: Vec<String>,
    root: &Digest,
    valid: bool,
) {
    let verified = proof_hashes(&proof)
        .is_some_and(|p| merkle::verify_inclusion(index, size, &merkle::leaf_hash(leaf), &p, root).is_ok());
    assert_eq!(verified, valid, "inclusion/{}: the format crate's verifier disagrees", name);
    let input = json!({
        "index": index, "tree_size": size, "leaf_hex": hex(leaf), "proof_hex": proof, "root_hex": root.to_hex(),
    });
    verdict_test(g, name, comment, flags, input, valid);
}

/// A proof's items as hashes, or none when one is not 64 lowercase hex characters.
fn proof_hashes(proof: &[String]) -> Option<Vec<Digest>> {
    proof.iter().map(|p| Digest::from_hex(p).ok()).collect()
}

/// A test of a proof whose expected result is its verdict alone.
fn verdict_test(g: &mut GroupBuilder<'_>, name: &str, comment: &str, flags: &[&str], input: Value, valid: bool) {
    let verdict = if valid { Verdict::Valid } else { Verdict::Invalid };
    g.test(name, comment, flags, input, verdict, json!({"valid": valid}));
}

/// `good` with bit 0, then bit 255, of each hash in turn flipped, each
/// given to `case` (the file's refused proof); `of` names the proof in the comments.
fn bit_flips(
    g: &mut GroupBuilder<'_>,
    good: &[String],
    of: &str,
    case: &impl Fn(&mut GroupBuilder<'_>, &str, &str, &[&str], Vec<String>),
) {
    for (position, hash) in good.iter().enumerate() {
        for bit in [0, 255] {
            case(
                g,
                &format!("hash-{position}-bit-{bit}-flipped"),
                &format!("Bit {bit} of hash {position} of {of} flipped."),
                &["Tampered"],
                with_item(good, position, flip(hash, bit)),
            );
        }
    }
}

/// `proof` with item `index` replaced by `item`.
fn with_item(proof: &[String], index: usize, item: String) -> Vec<String> {
    let mut changed = proof.to_vec();
    changed[index] = item;
    changed
}

fn flip(hash: &str, bit: usize) -> String {
    let mut d = digest(hash);
    d.0[bit / 8] ^= 1 << (bit % 8);
    d.to_hex()
}

pub fn inclusion_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "inclusion",
        "verify_inclusion",
        "RFC 9162 inclusion proofs (spec/transparency.md, Inclusion proofs): the proof of every leaf of trees of 1 to \
         9, 16 and 17 leaves, the published RFC 6962 proofs, and proofs a verifier must refuse: of the wrong \
         length, out of range, altered, for another leaf, tree or size, or with items that are not hashes.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "A proof that verifies.");
    f.note("Published", "A published reference vector (RFC 6962 / transparency-dev merkle).");
    f.note("Length", "The proof holds more or fewer hashes than PATH gives for the index and size.");
    f.note("Range", "The index is not below the tree size.");
    f.note("Tampered", "A hash of the proof, the leaf or the root was altered or swapped.");
    f.note("Mismatch", "A genuine proof, root or leaf of something else.");
    f.note("NotHex", "A proof item that is not 64 lowercase hex characters.");
    let all = leaves(17);

    let mut g = f.group("every-leaf", "The proof of every leaf of trees of 1 to 9, 16 and 17 leaves.");
    for n in (1..=9).chain([16, 17]) {
        let leaves = &all[..n];
        let root = root(leaves);
        for i in 0..n {
            inclusion_test(
                &mut g,
                &format!("size-{n}-index-{i}"),
                &format!(
                    "Leaf {i} of the tree of {n} leaves, with its proof of {} hashes.",
                    inclusion(i, leaves).len()
                ),
                &["Valid"],
                (i as u64, n as u64),
                &leaves[i],
                hexes(&inclusion(i, leaves)),
                &root,
                true,
            );
        }
    }

    let mut g = f.group("rfc6962", "The published inclusion proofs of the RFC 6962 reference tree.");
    let rfc = rfc_leaves();
    for (index, size, published) in rfc_inclusion_proofs() {
        let leaves = &rfc[..size as usize];
        assert_eq!(hexes(&inclusion(index as usize, leaves)), published, "published proof ({index}, {size})");
        inclusion_test(
            &mut g,
            &format!("size-{size}-index-{index}"),
            &format!("The published proof of leaf {index} in the reference tree of {size} leaves."),
            &["Valid", "Published"],
            (index, size),
            &leaves[index as usize],
            published.iter().map(|h| (*h).to_owned()).collect(),
            &digest(RFC_ROOTS[size as usize]),
            true,
        );
    }

    // The cases a verifier must refuse, around leaf 2 of the tree of 7 leaves
    // (a proof of 3 hashes) and leaf 5 of the tree of 8.
    let seven = &all[..7];
    let (root7, good) = (root(seven), hexes(&inclusion(2, seven)));
    let leaf = &seven[2];
    let case = |g: &mut GroupBuilder<'_>, name: &str, comment: &str, flags: &[&str], proof: Vec<String>| {
        inclusion_test(g, name, comment, flags, (2, 7), leaf, proof, &root7, false)
    };

    let mut g = f.group("length", "A proof with more or fewer hashes than PATH gives: refused (TL-2).");
    let mut longer = good.clone();
    longer.push(root7.to_hex());
    case(&mut g, "one-hash-too-many", "The proof of leaf 2 of 7 with the root appended.", &["Length"], longer);
    let mut longer = good.clone();
    longer.insert(0, merkle::leaf_hash(leaf).to_hex());
    case(
        &mut g,
        "leaf-hash-prepended",
        "The proof of leaf 2 of 7 with the leaf's own hash first.",
        &["Length"],
        longer,
    );
    case(
        &mut g,
        "one-hash-too-few",
        "The proof of leaf 2 of 7 without its last hash.",
        &["Length"],
        good[..2].to_vec(),
    );
    case(&mut g, "empty", "An empty proof for leaf 2 of 7.", &["Length"], Vec::new());
    let eight = &all[..8];
    let root8 = root(eight);
    // The path to the root of a tree of 8 from leaf 5, ending at a subtree root:
    // the hashes a proof in the tree of 4 leaves 4..8 would hold.
    inclusion_test(
        &mut g,
        "proof-of-subtree",
        "Leaf 5 of 8 with the first two hashes of its proof only: they lead to the root of leaves 4 to 7, not the \
         tree's.",
        &["Length"],
        (5, 8),
        &eight[5],
        hexes(&inclusion(5, eight))[..2].to_vec(),
        &root8,
        false,
    );
    inclusion_test(
        &mut g,
        "size-1-with-a-hash",
        "The only leaf of a tree of size 1 with a proof of one hash (its proof is empty).",
        &["Length"],
        (0, 1),
        &all[0],
        vec![merkle::leaf_hash(&all[0]).to_hex()],
        &root(&all[..1]),
        false,
    );

    let mut g = f.group("range", "An index that is not below the tree size: refused (TL-2).");
    inclusion_test(
        &mut g,
        "index-equals-size",
        "Index 7 of a tree of 7 leaves, with the proof of index 6.",
        &["Range"],
        (7, 7),
        &seven[6],
        hexes(&inclusion(6, seven)),
        &root7,
        false,
    );
    inclusion_test(
        &mut g,
        "index-above-size",
        "Index 9 of a tree of 7 leaves, with the proof of index 2.",
        &["Range"],
        (9, 7),
        leaf,
        good.clone(),
        &root7,
        false,
    );
    inclusion_test(
        &mut g,
        "size-0",
        "Index 0 of the empty tree, with an empty proof and the empty tree's root.",
        &["Range"],
        (0, 0),
        &all[0],
        Vec::new(),
        &merkle::empty_root(),
        false,
    );
    inclusion_test(
        &mut g,
        "size-0-leaf-hash-as-root",
        "Index 0 of the empty tree, with an empty proof and the leaf's hash as root.",
        &["Range"],
        (0, 0),
        &all[0],
        Vec::new(),
        &merkle::leaf_hash(&all[0]),
        false,
    );
    inclusion_test(
        &mut g,
        "index-max-size-max",
        "Index and size 18446744073709551615: the index is not below the size (integers read exactly).",
        &["Range"],
        (u64::MAX, u64::MAX),
        leaf,
        good.clone(),
        &root7,
        false,
    );

    let mut g = f.group("tampered", "A proof, leaf or root altered: refused (TL-2).");
    bit_flips(&mut g, &good, "the proof of leaf 2 of 7", &case);
    inclusion_test(
        &mut g,
        "root-bit-flipped",
        "The proof of leaf 2 of 7 against the root with one bit flipped.",
        &["Tampered"],
        (2, 7),
        leaf,
        good.clone(),
        &digest(&flip(&root7.to_hex(), 100)),
        false,
    );
    let mut other_leaf = leaf.clone();
    other_leaf.push(0);
    inclusion_test(
        &mut g,
        "leaf-byte-appended",
        "The proof of leaf 2 of 7 for the leaf input with one more byte.",
        &["Tampered"],
        (2, 7),
        &other_leaf,
        good.clone(),
        &root7,
        false,
    );
    let mut swapped = good.clone();
    swapped.swap(0, 1);
    case(
        &mut g,
        "first-two-swapped",
        "The first two hashes of the proof of leaf 2 of 7 swapped.",
        &["Tampered"],
        swapped,
    );
    let mut reversed = good.clone();
    reversed.reverse();
    case(&mut g, "reversed", "The proof of leaf 2 of 7 in reverse order.", &["Tampered"], reversed);
    inclusion_test(
        &mut g,
        "leaf-hash-as-leaf-input",
        "The leaf's hash given as the leaf input: hashed again, it is another leaf.",
        &["Tampered"],
        (2, 7),
        &merkle::leaf_hash(leaf).0,
        good.clone(),
        &root7,
        false,
    );

    let mut g = f.group("mismatch", "Genuine proofs, roots and leaves of something else: refused (TL-2).");
    case(
        &mut g,
        "proof-of-another-index",
        "The proof of leaf 3 of 7 given for leaf 2.",
        &["Mismatch"],
        hexes(&inclusion(3, seven)),
    );
    inclusion_test(
        &mut g,
        "index-of-another-leaf",
        "Leaf 2 and its proof, given as index 3.",
        &["Mismatch"],
        (3, 7),
        leaf,
        good.clone(),
        &root7,
        false,
    );
    let other: Vec<Vec<u8>> = ledger_leaves(7);
    inclusion_test(
        &mut g,
        "proof-of-another-tree",
        "Leaf 2 with its root, and the proof of leaf 2 of another tree of 7 leaves.",
        &["Mismatch"],
        (2, 7),
        leaf,
        hexes(&inclusion(2, &other)),
        &root7,
        false,
    );
    inclusion_test(
        &mut g,
        "leaf-of-another-tree",
        "Leaf 2 of another tree of 7 leaves, with this tree's proof and root.",
        &["Mismatch"],
        (2, 7),
        &other[2],
        good.clone(),
        &root7,
        false,
    );
    inclusion_test(
        &mut g,
        "root-of-size-6",
        "The proof of leaf 2 of 7, against the root of the first 6 leaves (the same proof length).",
        &["Mismatch"],
        (2, 7),
        leaf,
        good.clone(),
        &root(&seven[..6]),
        false,
    );
    inclusion_test(
        &mut g,
        "size-3-with-proof-of-7",
        "The proof and root of leaf 2 of 7, claimed for a tree of 3 (whose proof of leaf 2 has 1 hash).",
        &["Mismatch"],
        (2, 3),
        leaf,
        good.clone(),
        &root7,
        false,
    );
    // The size shapes the path only: leaf 2 of every size from 5 to 8 takes
    // the same three steps, so the proof of 7 holds for a claimed 6. What
    // binds the size to the root is the checkpoint that names both.
    assert_eq!(merkle::inclusion_proof_len(2, 6), good.len());
    inclusion_test(
        &mut g,
        "size-6-with-proof-of-7",
        "The proof and root of leaf 2 of 7, claimed for a tree of 6: valid, since RFC 9162's algorithm takes the \
         same three steps from leaf 2 in trees of 5 to 8 leaves; a verifier must not refuse more than the RFC.",
        &["Valid"],
        (2, 6),
        leaf,
        good.clone(),
        &root7,
        true,
    );

    let mut g = f.group("not-hex", "A proof item that is not a hash as 64 lowercase hex characters: not valid.");
    let mut with =
        |name: &str, comment: &str, item: String| case(&mut g, name, comment, &["NotHex"], with_item(&good, 1, item));
    with("upper-case", "The second hash in upper-case hex.", good[1].to_uppercase());
    with("short", "The second hash cut to 31 bytes.", good[1][..62].to_owned());
    with("long", "The second hash with one more byte.", format!("{}00", good[1]));
    with("not-hex", "The second hash with a character that is not hex.", format!("{}g", &good[1][..63]));
    with("empty-string", "An empty string in place of the second hash.", String::new());
    f.finish()
}

// consistency.json

#[allow(clippy::too_many_arguments)]
fn consistency_test(
    g: &mut GroupBuilder<'_>,
    name: &str,
    comment: &str,
    flags: &[&str],
    (old, new): (u64, u64),
    proof: Vec<String>,
    old_root: &Digest,
    new_root: &Digest,
    valid: bool,
) {
    let verified =
        proof_hashes(&proof).is_some_and(|p| merkle::verify_consistency(old, new, &p, old_root, new_root).is_ok());
    assert_eq!(verified, valid, "consistency/{}: the format crate's verifier disagrees", name);
    let input = json!({
        "old_size": old, "new_size": new, "proof_hex": proof,
        "old_root_hex": old_root.to_hex(), "new_root_hex": new_root.to_hex(),
    });
    verdict_test(g, name, comment, flags, input, valid);
}

pub fn consistency_file() -> VectorFile {
    let mut f = FileBuilder::new(
        "consistency",
        "verify_consistency",
        "RFC 9162 consistency proofs (spec/transparency.md, Consistency proofs): the proof between every pair of \
         sizes up to 12 and some larger ones, the published RFC 6962 proofs, the two cases the RFC leaves open \
         (equal sizes, size 0), and proofs a verifier must refuse.",
    );
    f.spec_version(SPEC_VERSION_1_1);
    f.note("Valid", "A proof that verifies.");
    f.note("Published", "A published reference vector (RFC 6962 / transparency-dev merkle).");
    f.note("Length", "The proof holds more or fewer hashes than PROOF gives for the sizes.");
    f.note("Range", "The old size is above the new one.");
    f.note("Edge", "Equal sizes, or the old size 0: the cases the RFC leaves open.");
    f.note("Tampered", "A hash of the proof or a root was altered or swapped.");
    f.note("Mismatch", "A genuine proof or root of something else.");
    f.note("NotHex", "A proof item that is not 64 lowercase hex characters.");
    let all = leaves(65);
    let r = |n: usize| root(&all[..n]);
    let p = |m: usize, n: usize| hexes(&consistency(m, &all[..n]));
    // The genuine proof from the tree of the first m leaves to the tree of n.
    let genuine = |g: &mut GroupBuilder<'_>, (m, n): (usize, usize), comment: &str| {
        let sizes = (m as u64, n as u64);
        consistency_test(g, &format!("{m}-to-{n}"), comment, &["Valid"], sizes, p(m, n), &r(m), &r(n), true)
    };

    let mut g = f.group("every-pair", "The proof from every size m to every size n, 0 <= m <= n <= 12.");
    for n in 0..=12 {
        for m in 0..=n {
            let comment =
                format!("From the tree of {m} leaves to the tree of {n}, a proof of {} hashes.", p(m, n).len());
            genuine(&mut g, (m, n), &comment);
        }
    }
    let mut g = f.group("larger", "Proofs between larger trees.");
    for (m, n) in [(31, 64), (32, 64), (33, 65), (1, 64), (63, 64), (64, 65), (17, 33)] {
        genuine(&mut g, (m, n), &format!("From the tree of {m} leaves to the tree of {n}."));
    }

    let mut g = f.group("rfc6962", "The published consistency proofs of the RFC 6962 reference tree.");
    let rfc = rfc_leaves();
    for (m, n, published) in rfc_consistency_proofs() {
        assert_eq!(hexes(&consistency(m as usize, &rfc[..n as usize])), published, "published proof {m} -> {n}");
        consistency_test(
            &mut g,
            &format!("{m}-to-{n}"),
            &format!("The published proof from the reference tree of {m} leaves to the one of {n}."),
            &["Valid", "Published"],
            (m, n),
            published.iter().map(|h| (*h).to_owned()).collect(),
            &digest(RFC_ROOTS[m as usize]),
            &digest(RFC_ROOTS[n as usize]),
            true,
        );
    }
    let (empty, other_root) = (merkle::empty_root(), root(&ledger_leaves(5)));
    consistency_test(
        &mut g,
        "0-to-1-any-root",
        "From size 0 to 1 with an empty proof: every tree extends the empty one, whatever its root.",
        &["Valid", "Published", "Edge"],
        (0, 1),
        Vec::new(),
        &empty,
        &other_root,
        true,
    );

    let mut g = f.group("edges", "Equal sizes and size 0 (spec/transparency.md, Consistency proofs).");
    #[allow(clippy::too_many_arguments)]
    fn edge(
        g: &mut GroupBuilder<'_>,
        name: &str,
        comment: &str,
        sizes: (u64, u64),
        proof: Vec<String>,
        old: &Digest,
        new: &Digest,
        valid: bool,
    ) {
        let flags: &[&str] = if valid { &["Valid", "Edge"] } else { &["Edge"] };
        consistency_test(g, name, comment, flags, sizes, proof, old, new, valid)
    }
    edge(
        &mut g,
        "0-to-0",
        "Size 0 to 0: empty proof, both roots the empty tree's.",
        (0, 0),
        vec![],
        &empty,
        &empty,
        true,
    );
    edge(
        &mut g,
        "0-to-0-other-new-root",
        "Size 0 to 0 with an empty proof and the empty tree's old root, but a new root that is not the empty tree's.",
        (0, 0),
        vec![],
        &empty,
        &other_root,
        false,
    );
    edge(
        &mut g,
        "0-to-5-wrong-old-root",
        "Size 0 to 5 with an empty proof, but an old root that is not the empty tree's.",
        (0, 5),
        vec![],
        &r(5),
        &r(5),
        false,
    );
    edge(
        &mut g,
        "0-to-5-non-empty-proof",
        "Size 0 to 5 with a proof of one hash.",
        (0, 5),
        vec![r(5).to_hex()],
        &empty,
        &r(5),
        false,
    );
    edge(
        &mut g,
        "5-to-5-different-roots",
        "Equal sizes with an empty proof and two different roots.",
        (5, 5),
        vec![],
        &r(5),
        &other_root,
        false,
    );
    edge(
        &mut g,
        "5-to-5-non-empty-proof",
        "Equal sizes and roots, with a proof of one hash.",
        (5, 5),
        vec![r(5).to_hex()],
        &r(5),
        &r(5),
        false,
    );

    // The cases a verifier must refuse, around 5 -> 11 (not a power of two:
    // the proof starts with the old tree's right edge) and 4 -> 11.
    let (good, old, new) = (p(5, 11), r(5), r(11));
    let case = |g: &mut GroupBuilder<'_>, name: &str, comment: &str, flags: &[&str], proof: Vec<String>| {
        consistency_test(g, name, comment, flags, (5, 11), proof, &old, &new, false)
    };
    let mut g = f.group("length", "A proof with more or fewer hashes than PROOF gives: refused (TL-3).");
    let mut longer = good.clone();
    longer.push(new.to_hex());
    case(&mut g, "one-hash-too-many", "The proof from 5 to 11 with the new root appended.", &["Length"], longer);
    let mut longer = good.clone();
    longer.insert(0, old.to_hex());
    case(&mut g, "old-root-prepended", "The proof from 5 to 11 with the old root first.", &["Length"], longer);
    case(&mut g, "one-hash-too-few", "The proof from 5 to 11 without its last hash.", &["Length"], good[1..].to_vec());
    case(&mut g, "empty", "An empty proof from 5 to 11.", &["Length"], Vec::new());
    let four = p(4, 11);
    let mut with_old = four.clone();
    with_old.insert(0, r(4).to_hex());
    consistency_test(
        &mut g,
        "power-of-two-with-old-root",
        "From 4 to 11 with the old root written first: for a power of two the old root is not in the proof.",
        &["Length"],
        (4, 11),
        with_old,
        &r(4),
        &new,
        false,
    );
    consistency_test(
        &mut g,
        "1-to-2-empty",
        "From 1 to 2 with an empty proof.",
        &["Length"],
        (1, 2),
        Vec::new(),
        &r(1),
        &r(2),
        false,
    );

    let mut g = f.group("range", "An old size above the new one: refused (TL-3).");
    consistency_test(
        &mut g,
        "old-above-new",
        "From 11 to 5, with the proof from 5 to 11 and the roots swapped accordingly.",
        &["Range"],
        (11, 5),
        good.clone(),
        &new,
        &old,
        false,
    );
    consistency_test(
        &mut g,
        "old-one-above-new",
        "From 6 to 5, with an empty proof.",
        &["Range"],
        (6, 5),
        Vec::new(),
        &r(6),
        &r(5),
        false,
    );
    consistency_test(
        &mut g,
        "old-max",
        "From 18446744073709551615 to 5 (integers read exactly).",
        &["Range"],
        (u64::MAX, 5),
        Vec::new(),
        &r(5),
        &r(5),
        false,
    );

    let mut g = f.group("tampered", "A proof or a root altered: refused (TL-3).");
    bit_flips(&mut g, &good, "the proof from 5 to 11", &case);
    consistency_test(
        &mut g,
        "old-root-bit-flipped",
        "The proof from 5 to 11 with one bit of the old root flipped.",
        &["Tampered"],
        (5, 11),
        good.clone(),
        &digest(&flip(&old.to_hex(), 7)),
        &new,
        false,
    );
    consistency_test(
        &mut g,
        "new-root-bit-flipped",
        "The proof from 5 to 11 with one bit of the new root flipped.",
        &["Tampered"],
        (5, 11),
        good.clone(),
        &old,
        &digest(&flip(&new.to_hex(), 7)),
        false,
    );
    let mut swapped = good.clone();
    swapped.swap(1, 2);
    case(&mut g, "two-hashes-swapped", "Hashes 1 and 2 of the proof from 5 to 11 swapped.", &["Tampered"], swapped);
    let mut reversed = good.clone();
    reversed.reverse();
    case(&mut g, "reversed", "The proof from 5 to 11 in reverse order.", &["Tampered"], reversed);
    consistency_test(
        &mut g,
        "roots-swapped",
        "The proof from 5 to 11 with the old and new roots swapped.",
        &["Tampered"],
        (5, 11),
        good.clone(),
        &new,
        &old,
        false,
    );

    let mut g = f.group("mismatch", "Genuine proofs and roots of something else: refused (TL-3).");
    let other = ledger_leaves(11);
    consistency_test(
        &mut g,
        "old-root-of-another-tree",
        "The proof from 5 to 11, with the old root of another tree of 5 leaves.",
        &["Mismatch"],
        (5, 11),
        good.clone(),
        &root(&other[..5]),
        &new,
        false,
    );
    consistency_test(
        &mut g,
        "new-root-of-another-tree",
        "The proof from 5 to 11, with the new root of another tree of 11 leaves.",
        &["Mismatch"],
        (5, 11),
        good.clone(),
        &old,
        &root(&other),
        false,
    );
    consistency_test(
        &mut g,
        "proof-of-another-tree",
        "This tree's roots with the proof from 5 to 11 of another tree.",
        &["Mismatch"],
        (5, 11),
        hexes(&consistency(5, &other)),
        &old,
        &new,
        false,
    );
    // Genuine proofs of other sizes with as many hashes as the proof from 5 to 11.
    let other_old = (1..11).find(|&m| m != 5 && p(m, 11).len() == good.len()).expect("another old size");
    case(
        &mut g,
        &format!("proof-from-{other_old}"),
        &format!("The proof from {other_old} to 11 (as many hashes) given for 5 to 11."),
        &["Mismatch"],
        p(other_old, 11),
    );
    let other_new = (6..=40).find(|&n| n != 11 && p(5, n).len() == good.len()).expect("another new size");
    case(
        &mut g,
        &format!("proof-to-{other_new}"),
        &format!("The proof from 5 to {other_new} (as many hashes) given for 5 to 11."),
        &["Mismatch"],
        p(5, other_new),
    );
    consistency_test(
        &mut g,
        "old-root-of-size-6",
        "The proof from 5 to 11 with the root of the first 6 leaves as the old root.",
        &["Mismatch"],
        (5, 11),
        good.clone(),
        &r(6),
        &new,
        false,
    );
    for (m, n) in [(4usize, 11usize), (8, 11), (2, 5), (1, 9)] {
        assert!(m.is_power_of_two());
        consistency_test(
            &mut g,
            &format!("power-of-two-{m}-to-{n}-wrong-old-root"),
            &format!(
                "From {m} to {n} with its genuine proof, but the old root of another tree of {m}: for a power of two \
                 the proof does not hold the old root, so a verifier must compare the one it rebuilds."
            ),
            &["Mismatch"],
            (m as u64, n as u64),
            p(m, n),
            &root(&other[..m]),
            &r(n),
            false,
        );
    }

    let mut g = f.group("not-hex", "A proof item that is not a hash as 64 lowercase hex characters: not valid.");
    let mut with =
        |name: &str, comment: &str, item: String| case(&mut g, name, comment, &["NotHex"], with_item(&good, 0, item));
    with("upper-case", "The first hash in upper-case hex.", good[0].to_uppercase());
    with("short", "The first hash cut to 31 bytes.", good[0][..62].to_owned());
    with("not-hex", "The first hash with a character that is not hex.", format!("{}z", &good[0][..63]));
    f.finish()
}

/// The leaf input of a ledger line: its self_hash's 32 bytes.
pub fn line_leaf(self_hash: &ChainHash) -> Vec<u8> {
    self_hash.0.to_vec()
}

/// The root of the tree of a ledger's lines, checked against [`mth`].
pub fn ledger_root(self_hashes: &[ChainHash]) -> Digest {
    let leaves: Vec<Vec<u8>> = self_hashes.iter().map(line_leaf).collect();
    let root = root(&leaves);
    let hashes: Vec<Digest> = self_hashes.iter().map(merkle::line_leaf_hash).collect();
    assert_eq!(merkle::root_of(&hashes), root, "a line's leaf is its self_hash");
    root
}
