//! The tree, the proofs and the checkpoint notes, cross-checked against
//! independent implementations from crates.io: `ct-merkle` (RFC 6962 /
//! RFC 9162 trees and proofs) and `signed_note` (C2SP signed notes, a port
//! of Go's `sumdb/note`), and against the published RFC 6962 test leaves
//! of the transparency-dev Merkle reference.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use provedex_format::hex::{ChainHash, Digest};
use provedex_format::merkle::{Tree, leaf_hash, verify_consistency, verify_inclusion};
use provedex_format::note::NoteKey;
use provedex_format::{SigningKeypair, hex};
use provedex_verify::verify_checkpoint;
use sha2::Sha256;
use signed_note::Verifier as _;

/// Leaf inputs of varied lengths, as bytes.
fn inputs(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| (0..(i % 7) * 5).map(|j| (i * 31 + j) as u8).collect()).collect()
}

fn theirs(inputs: &[Vec<u8>]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut tree = MemoryBackedTree::new();
    inputs.iter().for_each(|input| tree.push(input.clone()));
    tree
}

fn concat(hashes: &[Digest]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

#[test]
fn roots_and_proofs_agree_with_ct_merkle_both_ways() {
    let all = inputs(70);
    for size in 1..=70usize {
        let inputs = &all[..size];
        let ours = Tree::from_leaves(inputs.iter().map(|input| leaf_hash(input)));
        let theirs = theirs(inputs);
        let root = ours.root_at(size as u64);
        assert_eq!(theirs.root().as_bytes().as_slice(), &root.0, "root of {size} leaves");
        for (index, input) in inputs.iter().enumerate() {
            let proof = ours.inclusion_proof(index as u64, size as u64);
            let their_proof = theirs.prove_inclusion(index);
            assert_eq!(their_proof.as_bytes(), concat(&proof).as_slice(), "inclusion {index}/{size}");
            theirs.root().verify_inclusion(input, index as u64, &InclusionProof::from_bytes(concat(&proof))).unwrap();
            verify_inclusion(index as u64, size as u64, &leaf_hash(input), &proof, &root).unwrap();
        }
        for old in 1..size {
            let old_tree = Tree::from_leaves(inputs[..old].iter().map(|input| leaf_hash(input)));
            let proof = ours.consistency_proof(old as u64, size as u64);
            let their_proof = theirs.prove_consistency(size - old);
            assert_eq!(their_proof.as_bytes(), concat(&proof).as_slice(), "consistency {old}->{size}");
            let old_root = old_tree.root_at(old as u64);
            let their_old = RootHash::<Sha256>::new(old_root.0.into(), old as u64);
            theirs
                .root()
                .verify_consistency(&their_old, &ConsistencyProof::try_from_bytes(concat(&proof)).unwrap())
                .unwrap();
            verify_consistency(old as u64, size as u64, &proof, &old_root, &root).unwrap();
        }
    }
}

#[test]
fn the_published_rfc6962_leaves_give_the_published_roots() {
    // The reference leaves and roots of transparency-dev/merkle
    // (testonly/constants.go), also used by Certificate Transparency.
    let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let leaves: Vec<Digest> = leaves.iter().map(|l| leaf_hash(&hex_bytes(l))).collect();
    let tree = Tree::from_leaves(leaves);
    for (size, root) in (1..).zip(roots) {
        assert_eq!(tree.root_at(size).to_hex(), root, "size {size}");
    }
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

/// The private key string `signed_note` (and Go's `sumdb/note`) reads.
fn private_key_string(name: &str, seed: &[u8; 32], key: &NoteKey) -> String {
    let mut typed = vec![0x01];
    typed.extend_from_slice(seed);
    format!("PRIVATE+KEY+{name}+{}+{}", hex::encode(&key.key_id()), base64(&typed))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

#[test]
fn checkpoint_notes_verify_with_signed_note_and_its_notes_with_ours() {
    let seed = [0x42; 32];
    let key = SigningKeypair::from_seed(&seed);
    let genesis = ChainHash([7; 32]);
    let ours = key.sign_checkpoint(&genesis, 3, Digest([9; 32]));
    let checkpoint = verify_checkpoint(ours.to_text().as_bytes(), &key.public_key()).unwrap();
    let note_key = checkpoint.checkpoint.note_key(key.public_key()).unwrap();

    // Their verifier, from our verifier key string, accepts our note.
    let verifier = signed_note::StandardVerifier::new(&note_key.verifier_key()).unwrap();
    assert_eq!(verifier.key_id().to_be_bytes(), note_key.key_id());
    let list = signed_note::VerifierList::new(vec![Box::new(verifier.clone())]);
    let (verified, unverified) =
        signed_note::Note::from_bytes(ours.to_text().as_bytes()).unwrap().verify(&list).unwrap();
    assert_eq!((verified.len(), unverified.len()), (1, 0));

    // Their signer, from the same seed and name, writes the same note, which we verify.
    let signer = signed_note::StandardSigner::new(&private_key_string(note_key.name(), &seed, &note_key)).unwrap();
    let mut note = signed_note::Note::new(ours.text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    let their_bytes = note.to_bytes();
    assert_eq!(their_bytes, ours.to_text().as_bytes(), "Ed25519 is deterministic: the same note byte for byte");
    verify_checkpoint(&their_bytes, &key.public_key()).unwrap();
}

#[test]
fn the_published_go_note_verifies_under_its_published_verifier_key() {
    // golang.org/x/mod/sumdb/note, the package documentation's example.
    let key =
        NoteKey::parse_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap();
    let note = "If you think cryptography is the answer to your problem,\n\
                then you don't know what your problem is.\n\
                \n\
                \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    let parsed = provedex_format::note::SignedNote::parse(note.as_bytes()).unwrap();
    let signatures: Vec<_> = parsed.signatures_by(&key).collect();
    assert_eq!(signatures.len(), 1);
    let signature = provedex_format::hex::SignatureBytes(signatures[0].signature[..].try_into().unwrap());
    assert!(provedex_verify::seal::verifies_strictly(&key.pubkey(), parsed.text.as_bytes(), &signature));
    let mut text = parsed.text.clone().into_bytes();
    text[0] ^= 1;
    assert!(!provedex_verify::seal::verifies_strictly(&key.pubkey(), &text, &signature));
}
