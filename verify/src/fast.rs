//! The fast engine: lines framed, parsed and seal-checked in batches on
//! worker threads ([`crate::pipeline`]), with a signature check that gives
//! the strict verdict at a lower cost.

use std::convert::Infallible;
use std::io::{self, BufRead};
use std::num::NonZeroUsize;
use std::ops::ControlFlow;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};

use provedex_format::hex::PublicKeyBytes;
use provedex_format::line::frame;
use provedex_format::{Finding, SignedEvent};

use crate::chain::ChainVerifier;
use crate::pipeline;
use crate::report::Progress;
use crate::seal::{SealVerdict, check_hash, signature_mismatch, signature_scalar, strict_public_key};
use crate::stream::{Tally, read_line};

/// A batch of lines closes at this many bytes...
const BATCH_BYTES: usize = 256 * 1024;
/// ...or at this many lines, whichever comes first.
const BATCH_LINES: usize = 1024;
/// Events per batch when verifying a chain already in memory.
const CHAIN_BATCH: usize = 256;

/// Streams `reader` through the workers; the first finding in file order.
pub(crate) fn scan(
    reader: impl BufRead,
    threads: NonZeroUsize,
    tally: &mut Tally<impl FnMut(&SignedEvent, Progress)>,
) -> io::Result<Option<Finding>> {
    let mut batcher = LineBatcher { reader, finished: false, deferred_error: None };
    pipeline::run(
        threads,
        BATCH_BYTES,
        || batcher.next(),
        SealChecker::default,
        check_lines,
        |lines| {
            for line in lines {
                if let Err(finding) = tally.take(line.len, line.checked) {
                    return ControlFlow::Break(finding);
                }
            }
            ControlFlow::Continue(())
        },
    )
}

/// Checks events already in memory through the workers; the first finding.
pub(crate) fn check_chain(
    events: &[SignedEvent],
    threads: NonZeroUsize,
    verifier: &mut ChainVerifier,
) -> Option<Finding> {
    let mut batches = events.chunks(CHAIN_BATCH);
    let Ok(finding) = pipeline::run(
        threads,
        CHAIN_BATCH,
        || Ok::<_, Infallible>(batches.next().map(|batch| (batch, batch.len()))),
        SealChecker::default,
        |checker, batch| (batch, checker.check(batch.iter())),
        |(batch, seals)| {
            for (event, seal) in batch.iter().zip(seals) {
                if let Err(finding) = verifier.push(event, seal) {
                    return ControlFlow::Break(finding);
                }
            }
            ControlFlow::Continue(())
        },
    );
    finding
}

/// Consecutive lines of the input, each with its LF (the last line of the
/// input may lack it).
struct LineBatch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

/// One line after the checks that need no chain state.
struct CheckedLine {
    len: usize,
    checked: Result<(SignedEvent, SealVerdict), Finding>,
}

/// Cuts the input into [`LineBatch`]es, reading exactly what the sequential
/// engine would read line by line, and no further than a line that ends the
/// verification (one without LF).
struct LineBatcher<R> {
    reader: R,
    finished: bool,
    /// A read error, held back until the lines read before it are checked:
    /// one of them may be the finding the sequential engine reports first.
    deferred_error: Option<io::Error>,
}

impl<R: BufRead> LineBatcher<R> {
    /// The next batch and its size in bytes; `None` at the end.
    fn next(&mut self) -> io::Result<Option<(LineBatch, usize)>> {
        if let Some(error) = self.deferred_error.take() {
            return Err(error);
        }
        let mut batch = LineBatch { bytes: Vec::new(), ends: Vec::new() };
        while !self.finished && batch.ends.len() < BATCH_LINES && batch.bytes.len() < BATCH_BYTES {
            let start = batch.bytes.len();
            match read_line(&mut self.reader, &mut batch.bytes) {
                Ok(0) => self.finished = true,
                Ok(_) => {
                    batch.ends.push(batch.bytes.len());
                    self.finished = batch.bytes.last() != Some(&b'\n');
                }
                Err(error) => {
                    batch.bytes.truncate(start);
                    self.deferred_error = Some(error);
                    self.finished = true;
                }
            }
        }
        if batch.ends.is_empty() {
            return self.deferred_error.take().map_or(Ok(None), Err);
        }
        let size = batch.bytes.len();
        Ok(Some((batch, size)))
    }
}

/// A worker's job on a batch of lines: frame, parse, then check the seals.
fn check_lines(checker: &mut SealChecker, batch: LineBatch) -> Vec<CheckedLine> {
    let starts = std::iter::once(0).chain(batch.ends.iter().copied());
    let parsed: Vec<_> = starts
        .zip(&batch.ends)
        .map(|(start, &end)| (end - start, frame(&batch.bytes[start..end]).and_then(SignedEvent::from_line)))
        .collect();
    drop(batch);
    let mut seals = checker.check(parsed.iter().filter_map(|(_, event)| event.as_ref().ok())).into_iter();
    parsed
        .into_iter()
        .map(|(len, event)| CheckedLine {
            len,
            checked: event.map(|event| (event, seals.next().expect("one verdict per parsed line"))),
        })
        .collect()
}

/// The fast engine's seal check: the hash, the key and the strict signature
/// profile, with the verdict of [`crate::seal::check_signature`] (one
/// ed25519-dalek `verify_strict`) on every input, at a lower cost:
///
/// - the last signer's key is decoded and validated once, not twice per line;
/// - R is never decoded, and the encodings of a batch's R' share one field
///   inversion.
///
/// Why the verdicts agree: both refuse S >= L first, with the same message,
/// and the key passed [`strict_public_key`] in both. Then `verify_strict`
/// accepts exactly when R decodes to a point P that is not of small order
/// and encode(R') = R, where R' = [S]B - [k]A and k = SHA-512(R || A || M)
/// mod L. Here R' is computed by the same dalek call, and the check accepts
/// exactly when encode(R') = R and R' is not of small order. If
/// encode(R') = R, then R is the canonical encoding of R', so it decodes,
/// to R' itself (decoding inverts encoding), and P = R': both small-order
/// tests look at the same point. If encode(R') != R, both refuse. The check
/// is the cofactorless equation on each signature alone, with no cofactor
/// and no random linear combination, so torsion components in A or R are
/// treated exactly as the strict profile treats them.
#[derive(Default)]
struct SealChecker {
    /// The last key seen, decoded (as -A) or refused.
    last_key: Option<(PublicKeyBytes, Result<EdwardsPoint, Finding>)>,
}

/// A signature whose equation awaits its R' encoding.
struct PendingSignature {
    index: usize,
    r: [u8; 32],
}

impl SealChecker {
    /// The seal verdicts of `events`, in order.
    fn check<'a>(&mut self, events: impl Iterator<Item = &'a SignedEvent>) -> Vec<SealVerdict> {
        let mut verdicts = Vec::new();
        let mut pending = Vec::new();
        let mut expected_r = Vec::new();
        for (index, event) in events.enumerate() {
            verdicts.push(match self.expected_r(event) {
                Ok(point) => {
                    pending.push(PendingSignature { index, r: event.signature.0[..32].try_into().expect("R") });
                    expected_r.push(point);
                    SealVerdict::Valid
                }
                Err(verdict) => verdict,
            });
        }
        let encodings = EdwardsPoint::compress_batch_alloc(&expected_r);
        for ((signature, point), encoding) in pending.iter().zip(&expected_r).zip(encodings) {
            if encoding.0 != signature.r || point.is_small_order() {
                verdicts[signature.index] = SealVerdict::BadSignature(signature_mismatch());
            }
        }
        verdicts
    }

    /// Checks the hash, the key and S; then R' = [S]B - [k]A, which the
    /// signature's R must encode.
    fn expected_r(&mut self, event: &SignedEvent) -> Result<EdwardsPoint, SealVerdict> {
        check_hash(event).map_err(SealVerdict::BeforeSigner)?;
        let minus_a = self.minus_key(&event.signer_pubkey).map_err(SealVerdict::BeforeSigner)?;
        let s = signature_scalar(&event.signature).map_err(SealVerdict::BadSignature)?;
        let k: [u8; 64] = Sha512::new()
            .chain_update(&event.signature.0[..32])
            .chain_update(event.signer_pubkey.0)
            .chain_update(event.self_hash.0)
            .finalize()
            .into();
        let k = Scalar::from_bytes_mod_order_wide(&k);
        Ok(EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &minus_a, &s))
    }

    /// -A for `key`, decoded once while the same key repeats; a key refused
    /// by [`strict_public_key`] is refused again with the same finding.
    fn minus_key(&mut self, key: &PublicKeyBytes) -> Result<EdwardsPoint, Finding> {
        match &self.last_key {
            Some((last, decoded)) if last == key => decoded.clone(),
            _ => {
                let decoded = strict_public_key(key).map(|key| -key.to_edwards());
                self.last_key = Some((*key, decoded.clone()));
                decoded
            }
        }
    }
}
