//! The fast engine reports what the sequential engine reports, on every
//! input: random ledgers with random damage, large ledgers broken at batch
//! boundaries, Ed25519 torsion cases over many lines, and read errors.

mod common;

use std::io::{self, BufReader, Read};
use std::num::NonZeroUsize;
use std::sync::OnceLock;

use common::{chain, ledger_text, one_of_each, other_key, seed_key};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use proptest::prelude::*;
use provedex_core::event::UtteranceSpoken;
use provedex_core::{
    AgentEvent, ChainReport, Digest, Engine, GENESIS_PARENT_HASH, Progress, PublicKeyBytes, Reason, SignatureBytes,
    SignedEvent, Verifier, sign_event_at,
};
use sha2::{Digest as _, Sha512};

const fn fast(threads: usize) -> Engine {
    Engine::Fast { threads: NonZeroUsize::new(threads).unwrap() }
}

/// One worker (no threads), two (the target machine), and more workers than cores.
const FAST_ENGINES: [Engine; 3] = [fast(1), fast(2), fast(4)];

/// A verification with `engine`, held to `pinned`.
fn verifier(pinned: Option<PublicKeyBytes>, engine: Engine) -> Verifier<'static> {
    Verifier::new().pinned_pubkey(pinned).engine(engine)
}

/// Verifies `ledger` with every engine, read through a small and a large
/// buffer, asserts the reports are equal, and returns that report.
fn agreed(ledger: &[u8], pinned: Option<PublicKeyBytes>) -> ChainReport {
    let reference = verifier(pinned, Engine::Sequential).reader(ledger).unwrap();
    for engine in FAST_ENGINES {
        assert_eq!(verifier(pinned, engine).reader(ledger).unwrap(), reference, "{engine:?}");
        let small_reads = BufReader::with_capacity(7, ledger);
        assert_eq!(verifier(pinned, engine).reader(small_reads).unwrap(), reference, "{engine:?}, 7-byte reads");
    }
    reference
}

/// [`agreed`] for events in memory.
fn agreed_in_memory(events: &[SignedEvent], pinned: Option<PublicKeyBytes>) -> ChainReport {
    let reference = verifier(pinned, Engine::Sequential).events(events);
    for engine in FAST_ENGINES {
        assert_eq!(verifier(pinned, engine).events(events), reference, "{engine:?} in memory");
    }
    reference
}

fn utterance(text: String) -> AgentEvent {
    AgentEvent::UtteranceSpoken(UtteranceSpoken { text_sha256: Digest::of(text.as_bytes()), text, audio_sha256: None })
}

/// Events of every variant, some with texts long enough (about 90 KiB)
/// that a few lines fill a batch and the workers get several.
fn varied_events(long_texts: &[bool]) -> Vec<AgentEvent> {
    let kinds = one_of_each();
    long_texts
        .iter()
        .enumerate()
        .map(
            |(i, &long)| {
                if long { utterance(format!("{i} {}", "x".repeat(90_000))) } else { kinds[i % kinds.len()].clone() }
            },
        )
        .collect()
}

/// A way to damage a ledger given as lines (each with its LF).
#[derive(Debug, Clone)]
enum Damage {
    SetByte {
        line: prop::sample::Index,
        at: prop::sample::Index,
        byte: u8,
    },
    Drop(prop::sample::Index),
    Swap(prop::sample::Index, prop::sample::Index),
    Duplicate(prop::sample::Index),
    /// Re-seals the line in place with another key: a valid seal, a foreign signer.
    Resign(prop::sample::Index),
    /// Flips a bit of the signature's S or R, in hex.
    FlipSignature(prop::sample::Index, prop::sample::Index),
    CrLf(prop::sample::Index),
    /// Cuts the ledger's last bytes: a torn tail, or a clean truncation.
    Truncate(prop::sample::Index),
}

fn arb_damage() -> impl Strategy<Value = Damage> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        (index(), index(), any::<u8>()).prop_map(|(line, at, byte)| Damage::SetByte { line, at, byte }),
        index().prop_map(Damage::Drop),
        (index(), index()).prop_map(|(a, b)| Damage::Swap(a, b)),
        index().prop_map(Damage::Duplicate),
        index().prop_map(Damage::Resign),
        (index(), index()).prop_map(|(line, bit)| Damage::FlipSignature(line, bit)),
        index().prop_map(Damage::CrLf),
        index().prop_map(Damage::Truncate),
    ]
}

fn apply(damage: &Damage, lines: &mut Vec<Vec<u8>>) {
    if lines.is_empty() {
        return;
    }
    let n = lines.len();
    match damage {
        Damage::SetByte { line, at, byte } => {
            let line = &mut lines[line.index(n)];
            let at = at.index(line.len());
            line[at] = *byte;
        }
        Damage::Drop(i) => {
            lines.remove(i.index(n));
        }
        Damage::Swap(a, b) => lines.swap(a.index(n), b.index(n)),
        Damage::Duplicate(i) => {
            let i = i.index(n);
            lines.insert(i, lines[i].clone());
        }
        Damage::Resign(i) => {
            let i = i.index(n);
            if let Ok(event) = parse(&lines[i]) {
                let resealed =
                    sign_event_at(&event.event, event.seq, event.timestamp_nanos, &event.parent_hash, &other_key())
                        .unwrap();
                lines[i] = format!("{}\n", resealed.to_json()).into_bytes();
            }
        }
        Damage::FlipSignature(i, bit) => {
            let i = i.index(n);
            if let Ok(mut event) = parse(&lines[i]) {
                let bit = bit.index(512);
                event.signature.0[bit / 8] ^= 1 << (bit % 8);
                lines[i] = format!("{}\n", event.to_json()).into_bytes();
            }
        }
        Damage::CrLf(i) => {
            let line = &mut lines[i.index(n)];
            line.insert(line.len() - 1, b'\r');
        }
        Damage::Truncate(cut) => {
            let last = lines.last_mut().unwrap();
            let keep = cut.index(last.len());
            last.truncate(keep);
        }
    }
}

fn parse(line: &[u8]) -> Result<SignedEvent, provedex_core::Finding> {
    provedex_core::line::frame(line).and_then(SignedEvent::from_line)
}

fn lines_of(events: &[SignedEvent]) -> Vec<Vec<u8>> {
    events.iter().map(|e| format!("{}\n", e.to_json()).into_bytes()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn damaged_ledgers_get_the_same_report_from_both_engines(
        long_texts in prop::collection::vec(prop::bool::weighted(0.25), 0..24),
        damages in prop::collection::vec(arb_damage(), 0..3),
        pin in prop::option::of(prop::bool::ANY),
    ) {
        let events = chain(&varied_events(&long_texts), &seed_key());
        let mut lines = lines_of(&events);
        for damage in &damages {
            apply(damage, &mut lines);
        }
        let pinned_pubkey = pin.map(|genuine| if genuine { seed_key() } else { other_key() }.public_key());
        agreed(&lines.concat(), pinned_pubkey);
        let parsed: Vec<SignedEvent> = lines.iter().map_while(|line| parse(line).ok()).collect();
        agreed_in_memory(&parsed, pinned_pubkey);
    }
}

/// 20,000 small events sealed by the published key, as lines.
fn large_ledger() -> &'static Vec<Vec<u8>> {
    static LINES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let kinds = one_of_each();
        let events: Vec<AgentEvent> = (0..20_000).map(|i| kinds[i % kinds.len()].clone()).collect();
        lines_of(&chain(&events, &seed_key()))
    })
}

/// Verifies `lines` from a file with both engines: equal reports, and equal
/// sequences of verified events with their progress.
fn agreed_on_file(lines: &[Vec<u8>], pinned: Option<PublicKeyBytes>) -> ChainReport {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), lines.concat()).unwrap();
    let run = |engine| {
        let mut seen: Vec<(u64, Progress)> = Vec::new();
        let report = verifier(pinned, engine)
            .on_event(|event, progress| seen.push((event.seq, progress)))
            .file(file.path())
            .unwrap();
        (report, seen)
    };
    let (reference, reference_seen) = run(Engine::Sequential);
    let (fast_report, fast_seen) = run(fast(2));
    assert_eq!(fast_report, reference);
    assert_eq!(fast_seen, reference_seen);
    assert_eq!(reference_seen.len() as u64, reference.event_count);
    reference
}

fn tamper_hash(line: &mut [u8]) {
    let at = line.windows(11).position(|w| w == b"\"self_hash\"").unwrap() + 13;
    line[at] = if line[at] == b'0' { b'1' } else { b'0' };
}

#[test]
fn a_large_ledger_breaks_at_the_same_line_wherever_the_damage_falls() {
    let clean = large_ledger();
    let report = agreed_on_file(clean, None);
    assert!(report.ok);
    assert_eq!(report.event_count, 20_000);
    // Line numbers (1-based): the first batch, a batch boundary region, the
    // middle, near the end, the last (partial) batch and the last line.
    for line in [1, 3, 450, 451, 452, 10_000, 19_990, 19_999, 20_000] {
        let mut lines = clean.clone();
        tamper_hash(&mut lines[line - 1]);
        let report = agreed_on_file(&lines, None);
        assert_eq!((report.reason, report.line), (Some(Reason::HashMismatch), Some(line as u64)));
    }
}

#[test]
fn the_earliest_finding_wins_whichever_check_finds_it() {
    let clean = large_ledger();
    // A bad signature (found by a worker) before a seq gap (found by the chain).
    let mut lines = clean.clone();
    let mut event = parse(&lines[2_999]).unwrap();
    event.signature.0[0] ^= 1;
    lines[2_999] = format!("{}\n", event.to_json()).into_bytes();
    lines.remove(4_999);
    let report = agreed_on_file(&lines, None);
    assert_eq!((report.reason, report.line), (Some(Reason::BadSignature), Some(3_000)));
    // A torn line (found while reading) after a malformed one.
    let mut lines = clean.clone();
    lines[7_000][0] = b' ';
    lines.truncate(9_000);
    lines.last_mut().unwrap().pop();
    let report = agreed_on_file(&lines, None);
    assert_eq!((report.reason, report.line), (Some(Reason::MalformedJson), Some(7_001)));
}

#[test]
fn a_signer_change_or_a_pin_breaks_a_large_ledger_in_the_same_place() {
    let kinds = one_of_each();
    let events: Vec<AgentEvent> = (0..3_000).map(|i| kinds[i % kinds.len()].clone()).collect();
    let mut signed = chain(&events, &seed_key());
    // From line 2,001 on, the chain continues under another key.
    let mut parent = signed[1_999].self_hash;
    for (i, event) in signed.iter_mut().enumerate().skip(2_000) {
        *event = sign_event_at(&event.event, i as u64, event.timestamp_nanos, &parent, &other_key()).unwrap();
        parent = event.self_hash;
    }
    let lines = lines_of(&signed);
    for (pinned, reason, line) in [
        (None, Reason::SignerChanged, 2_001),
        (Some(seed_key()), Reason::PubkeyMismatch, 2_001),
        (Some(other_key()), Reason::PubkeyMismatch, 1),
    ] {
        let pinned = pinned.map(|k| k.public_key());
        let report = agreed_on_file(&lines, pinned);
        assert_eq!((report.reason, report.line), (Some(reason), Some(line)));
        assert_eq!(agreed_in_memory(&signed, pinned).broken_at, Some(line - 1));
    }
}

/// A reader that fails after the first `fail_at` bytes of `data`.
struct FailingReader<'a> {
    data: &'a [u8],
    fail_at: usize,
}

impl Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.fail_at == 0 {
            return Err(io::Error::other("the disk is on fire"));
        }
        let n = buf.len().min(self.fail_at).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.fail_at -= n;
        Ok(n)
    }
}

#[test]
fn a_read_error_is_an_error_unless_an_earlier_line_is_a_finding() {
    let lines = &large_ledger()[..6_000];
    let ledger = lines.concat();
    let start_of = |line: usize| lines[..line - 1].iter().map(Vec::len).sum::<usize>();
    let read = |data: &[u8], fail_at, engine| {
        verifier(None, engine).reader(BufReader::with_capacity(4096, FailingReader { data, fail_at }))
    };
    // Mid-line, at a line's start, in the first batch, and past many batches.
    for fail_at in [start_of(5_000) + 17, start_of(5_000), 100, 1] {
        for engine in [Engine::Sequential, fast(1), fast(2)] {
            let error = read(&ledger, fail_at, engine).unwrap_err();
            assert_eq!(error.to_string(), "the disk is on fire", "{engine:?} failing at byte {fail_at}");
        }
    }
    // A finding before the failure is the report, as line by line.
    let mut broken = lines.to_vec();
    tamper_hash(&mut broken[2_499]);
    let broken = broken.concat();
    let reference = read(&broken, start_of(5_000) + 17, Engine::Sequential).unwrap();
    assert_eq!((reference.reason, reference.line), (Some(Reason::HashMismatch), Some(2_500)));
    for engine in [fast(1), fast(2)] {
        assert_eq!(read(&broken, start_of(5_000) + 17, engine).unwrap(), reference, "{engine:?}");
    }
}

/// Signatures the strict profile must judge on the cofactorless equation
/// alone: keys and nonces with torsion components, small-order nonces.
mod torsion {
    use super::*;

    /// A scalar from a label, as a signer's secret or nonce.
    pub fn scalar(label: &str, i: u64) -> Scalar {
        Scalar::from_bytes_mod_order_wide(
            &Sha512::new().chain_update(label).chain_update(i.to_le_bytes()).finalize().into(),
        )
    }

    /// k = SHA-512(R || A || M) mod L.
    fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8; 32]) -> Scalar {
        Scalar::from_bytes_mod_order_wide(
            &Sha512::new().chain_update(r).chain_update(a).chain_update(message).finalize().into(),
        )
    }

    /// The multiple of the order-8 generator that −k·T_A amounts to, for T_A = [t_a]T.
    fn torsion_of_minus_k_a(k: &Scalar, t_a: usize) -> usize {
        (8 - (k.as_bytes()[0] as usize % 8) * t_a % 8) % 8
    }

    /// How a line's signature is made for the key aB + [t_a]T.
    #[derive(Debug, Clone, Copy)]
    pub enum Nonce {
        /// R = rB + [j]T with j chosen so that [S]B − [k]A = R holds: valid.
        Cofactorless,
        /// R = rB + [j]T with any other j: only the cofactored equation holds.
        CofactoredOnly,
        /// R = [j]T, of small order, with S = k·a so that the equation holds
        /// (always for a torsion-free key; when some j allows it otherwise).
        SmallOrder,
        /// The identity R encoded non-canonically (y = p + 1), S = k·a.
        NonCanonicalIdentity,
    }

    /// A signature of `message` by the key aB + [t_a]T; retries nonces until
    /// the torsion of R relates to k as `nonce` asks.
    pub fn sign(a: &Scalar, t_a: usize, message: &[u8; 32], nonce: Nonce, salt: u64) -> ([u8; 32], [u8; 64]) {
        let key = (ED25519_BASEPOINT_POINT * a + EIGHT_TORSION[t_a]).compress().0;
        for attempt in 0.. {
            let r = scalar(&format!("nonce {salt}"), attempt);
            let j = (attempt % 8) as usize;
            let big_r: EdwardsPoint = match nonce {
                Nonce::Cofactorless | Nonce::CofactoredOnly => ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[j],
                Nonce::SmallOrder => EIGHT_TORSION[j],
                Nonce::NonCanonicalIdentity => EdwardsPoint::default(),
            };
            let mut r_bytes = big_r.compress().0;
            if let Nonce::NonCanonicalIdentity = nonce {
                // p + 1 = 2^255 − 18, little-endian: decodes to y = 1, the identity.
                r_bytes = [0xff; 32];
                r_bytes[0] = 0xee;
                r_bytes[31] = 0x7f;
                assert_eq!(CompressedEdwardsY(r_bytes).decompress(), Some(EdwardsPoint::default()));
            }
            let k = challenge(&r_bytes, &key, message);
            let holds = torsion_of_minus_k_a(&k, t_a) == j;
            let (wanted, s) = match nonce {
                Nonce::Cofactorless => (holds, r + k * a),
                Nonce::CofactoredOnly => (!holds && j != 0, r + k * a),
                // Only eight nonces exist; when none makes the equation hold, any will do.
                Nonce::SmallOrder => (holds || attempt >= 8, k * a),
                Nonce::NonCanonicalIdentity => (true, k * a),
            };
            if wanted {
                let mut signature = [0; 64];
                signature[..32].copy_from_slice(&r_bytes);
                signature[32..].copy_from_slice(s.as_bytes());
                return (key, signature);
            }
        }
        unreachable!()
    }

    /// A chain of `n` lines signed by aB + [t_a]T, every nonce `usual`
    /// except the ones listed.
    pub fn ledger(t_a: usize, n: usize, usual: Nonce, exceptions: &[(usize, Nonce)]) -> Vec<SignedEvent> {
        let a = scalar("secret", t_a as u64);
        let kinds = one_of_each();
        let mut parent = GENESIS_PARENT_HASH;
        (0..n)
            .map(|i| {
                let mut event =
                    sign_event_at(&kinds[i % kinds.len()], i as u64, i as u64, &parent, &seed_key()).unwrap();
                let nonce = exceptions.iter().find(|(at, _)| *at == i).map_or(usual, |(_, nonce)| *nonce);
                let (key, signature) = sign(&a, t_a, &event.self_hash.0, nonce, i as u64);
                event.signer_pubkey = PublicKeyBytes(key);
                event.signature = SignatureBytes(signature);
                parent = event.self_hash;
                event
            })
            .collect()
    }
}

#[test]
fn torsion_in_keys_and_nonces_gets_the_strict_verdict_over_many_lines() {
    use torsion::Nonce::*;
    // (torsion of the key, the usual nonce, exceptions (0-based line, nonce), expected finding (1-based line))
    let cases = [
        (3, Cofactorless, vec![], None),
        (3, Cofactorless, vec![(1_200, CofactoredOnly)], Some(1_201)),
        (5, Cofactorless, vec![(700, SmallOrder)], Some(701)),
        (0, Cofactorless, vec![(900, SmallOrder)], Some(901)),
        (0, Cofactorless, vec![(300, CofactoredOnly)], Some(301)),
        (0, Cofactorless, vec![(1_499, NonCanonicalIdentity)], Some(1_500)),
        (2, Cofactorless, vec![(2, NonCanonicalIdentity), (3, SmallOrder)], Some(3)),
    ];
    for (t_a, usual, exceptions, broken_line) in cases {
        let events = torsion::ledger(t_a, 1_500, usual, &exceptions);
        let report = agreed(ledger_text(&events).as_bytes(), None);
        let expected = broken_line.map(|line| (Reason::BadSignature, line));
        assert_eq!(report.reason.zip(report.line), expected, "key torsion {t_a}, {exceptions:?}");
        assert_eq!(agreed_in_memory(&events, Some(events[0].signer_pubkey)).broken_at, broken_line.map(|l| l - 1));
    }
}

/// How to seal a line: a key with torsion `t_a`, a nonce kind, and maybe a
/// part replaced by random bytes or a small-order key.
#[derive(Debug, Clone)]
struct SealRecipe {
    t_a: usize,
    nonce: torsion::Nonce,
    salt: u64,
    random: [u8; 32],
    replace: Option<usize>,
}

fn arb_recipe() -> impl Strategy<Value = SealRecipe> {
    use torsion::Nonce::*;
    let nonce = prop::sample::select(vec![Cofactorless, CofactoredOnly, SmallOrder, NonCanonicalIdentity]);
    (0usize..8, nonce, any::<u64>(), any::<[u8; 32]>(), prop::option::of(0usize..4))
        .prop_map(|(t_a, nonce, salt, random, replace)| SealRecipe { t_a, nonce, salt, random, replace })
}

/// Re-seals `event` (its self_hash stays) by `recipe`.
fn reseal(event: &mut SignedEvent, recipe: &SealRecipe) {
    let secret = torsion::scalar("secret", recipe.salt);
    let (mut key, mut signature) = torsion::sign(&secret, recipe.t_a, &event.self_hash.0, recipe.nonce, recipe.salt);
    match recipe.replace {
        Some(0) => signature[..32].copy_from_slice(&recipe.random),
        Some(1) => signature[32..].copy_from_slice(&recipe.random),
        Some(2) => key = recipe.random,
        Some(_) => key = EIGHT_TORSION[recipe.t_a].compress().0,
        None => {}
    }
    event.signer_pubkey = PublicKeyBytes(key);
    event.signature = SignatureBytes(signature);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_key_and_signature_get_the_same_verdict(recipes in prop::collection::vec(arb_recipe(), 1..6)) {
        let kinds = one_of_each();
        // Each seal alone, on the first line of a ledger.
        for (i, recipe) in recipes.iter().enumerate() {
            let mut event = sign_event_at(&kinds[i % kinds.len()], 0, i as u64, &GENESIS_PARENT_HASH, &seed_key()).unwrap();
            reseal(&mut event, recipe);
            agreed_in_memory(std::slice::from_ref(&event), None);
        }
        // All of them as one chain, checked in one batch.
        let mut parent = GENESIS_PARENT_HASH;
        let mut events = Vec::new();
        for (i, recipe) in recipes.iter().enumerate() {
            let mut event = sign_event_at(&kinds[i % kinds.len()], i as u64, 0, &parent, &seed_key()).unwrap();
            reseal(&mut event, recipe);
            parent = event.self_hash;
            events.push(event);
        }
        agreed_in_memory(&events, None);
        agreed(ledger_text(&events).as_bytes(), None);
    }
}
