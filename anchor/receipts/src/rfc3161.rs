//! RFC 3161 timestamp receipts (spec/anchors.md, "RFC 3161"): a time-stamp
//! authority signed the SHA-256 of the anchor statement at a time it states.
//!
//! The receipt keeps the TimeStampToken exactly as the TSA returned it and
//! the TSA's certificate chain exactly as the TSA served it. [`verify`] checks
//! everything offline: the token's CMS signature and message digest, the
//! message imprint against the statement, the nonce, the signing certificate
//! (ESSCertIDv2 or ESSCertID binding, the one critical timeStamping extended
//! key usage), the chain from the original DER of each certificate up to a
//! root the verifier pins, and genTime within every certificate's validity.
//!
//! Certificates are always taken as the bytes the TSA sent: the CMS crate
//! re-encodes the certificates it parses (it can add NULL parameters to
//! ECDSA algorithm identifiers), so signatures over certificates, the
//! ESSCertIDv2 hash and the root fingerprint are computed from the receipt's
//! own bytes, sliced with the small DER reader below.

use crate::tlog::short;
use crate::{ReceiptError, statement_digest};
use bcder::Mode;
use bcder::decode::Constructed;
use cryptographic_message_syntax::asn1::rfc3161::TstInfo;
use cryptographic_message_syntax::asn1::rfc5652::SignedData as AsnSignedData;
use provedex_format::display::quote;
use provedex_format::pem::dotted;
use provedex_format::utc::utc_seconds as utc;
use provedex_format::{base64, hex};
use sha2::{Digest as _, Sha256};
use x509_certificate::{CapturedX509Certificate, DigestAlgorithm, SignatureAlgorithm};

/// The most bytes of a statement a receipt may carry.
pub const MAX_STATEMENT_BYTES: usize = 16 * 1024;
/// The most characters of the base64 token.
pub const MAX_TOKEN_CHARS: usize = 64 * 1024;
/// The most certificates in a chain.
pub const MAX_CHAIN_CERTIFICATES: usize = 8;
/// The most characters of one base64 certificate.
pub const MAX_CERTIFICATE_CHARS: usize = 16 * 1024;
/// The most characters of the TSA's URL.
pub const MAX_URL_CHARS: usize = 2048;
/// The most bytes of a nonce (64 hex characters).
pub const MAX_NONCE_BYTES: usize = 32;

/// An RFC 3161 timestamp of an anchor statement's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rfc3161Receipt {
    /// The signed anchor statement, exactly as timestamped: the token's
    /// message imprint is the SHA-256 of its UTF-8 bytes.
    pub statement: String,
    /// Where the TSA was asked (informational: not checked).
    pub tsa_url: String,
    /// The TimeStampToken (RFC 3161 §2.4.2: a CMS ContentInfo holding
    /// SignedData over a TSTInfo), DER, in standard padded base64, exactly as
    /// the TSA returned it inside its TimeStampResp.
    pub token: String,
    /// The TSA's certificate chain as it served it, leaf (the signing
    /// certificate) first and the self-signed root last: each certificate's
    /// original DER in standard padded base64.
    pub chain: Vec<String>,
    /// The nonce sent in the request and echoed in the token: the unsigned
    /// big-endian value in lowercase hex, without leading zero bytes.
    pub nonce: String,
}

/// What the verifier pins apart from the receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rfc3161Trust {
    /// DER of the trusted root certificates. Empty: every other check still
    /// runs against the chain's own root, and the result says the root is
    /// not pinned (such a receipt proves nothing about who timestamped).
    pub roots: Vec<Vec<u8>>,
}

/// The facts a verified RFC 3161 receipt establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rfc3161Verified {
    /// The token's genTime, in unix seconds (fractions cut).
    pub gen_time: i64,
    /// The signing certificate's subject (the TSA's name), as the TSA wrote it.
    pub tsa_name: String,
    /// The token's serial number, lowercase hex.
    pub serial: String,
    /// The TSA policy under which the token was issued (dotted OID, digits
    /// and dots only: written from the decoded identifier).
    pub policy: String,
    /// SHA-256 of the root certificate's DER, lowercase hex.
    pub root_sha256: String,
    /// Whether the root is one of the verifier's trusted roots; false when
    /// no root was pinned and the chain's own root was used.
    pub root_pinned: bool,
}

impl Rfc3161Verified {
    /// One line for people.
    pub fn describe(&self) -> String {
        let pinned = if self.root_pinned {
            "a pinned root".to_owned()
        } else {
            "a root that is NOT pinned (the receipt's own: consistency only)".to_owned()
        };
        format!(
            "RFC 3161 timestamp at {} (unix {}) by {}, serial {}, policy {}, under {pinned} sha256 {}",
            utc(self.gen_time),
            self.gen_time,
            quote(&self.tsa_name),
            short(&self.serial),
            self.policy,
            short(&self.root_sha256),
        )
    }
}

// Object identifiers, as the content octets of their DER encoding.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_TST_INFO: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04];
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const OID_SIGNING_CERTIFICATE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0c];
const OID_SIGNING_CERTIFICATE_V2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const OID_ANY_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];
const OID_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

// DER tags used here.
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const NULL: u8 = 0x05;
const CONTEXT_0: u8 = 0xa0;
const CONTEXT_1: u8 = 0xa1;
const DIRECTORY_NAME: u8 = 0xa4;

/// The DER TimeStampReq (RFC 3161 §2.4.1) for `digest` (SHA-256) with
/// `nonce` (an unsigned big-endian number, 1 to 32 bytes) and certReq TRUE,
/// no policy and no extensions.
pub fn request(digest: &[u8; 32], nonce: &[u8]) -> Vec<u8> {
    let imprint = tlv(SEQUENCE, &[tlv(SEQUENCE, &tlv(OID, OID_SHA256)), tlv(OCTET_STRING, digest)].concat());
    let body = [tlv(INTEGER, &[1]), imprint, tlv(INTEGER, &unsigned_integer(nonce)), tlv(BOOLEAN, &[0xff])].concat();
    tlv(SEQUENCE, &body)
}

/// Why a TimeStampResp gave no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseError {
    /// The bytes are not a TimeStampResp.
    Malformed(String),
    /// The TSA answered with a status other than granted.
    Rejected(String),
}

/// The DER TimeStampToken inside a DER TimeStampResp (RFC 3161 §2.4.2),
/// when its PKIStatus is granted (0) or grantedWithMods (1).
pub fn response_token(response: &[u8]) -> Result<Vec<u8>, ResponseError> {
    let malformed = |why: String| ResponseError::Malformed(format!("the TSA's response is not a TimeStampResp: {why}"));
    let mut outer = Der::new(response);
    let resp = outer.take(SEQUENCE, "TimeStampResp").map_err(malformed)?;
    outer.finish("after the TimeStampResp").map_err(malformed)?;
    let mut resp = Der::new(resp);
    let status_info = resp.take(SEQUENCE, "PKIStatusInfo").map_err(malformed)?;
    let mut status_info = Der::new(status_info);
    let status = status_info.take(INTEGER, "PKIStatus").map_err(malformed)?;
    let granted = matches!(status, [0] | [1]);
    if !granted {
        let mut text = String::new();
        if let Ok(Some(free)) = status_info.take_opt(SEQUENCE) {
            let mut free = Der::new(free);
            while let Ok((_, content, _)) = free.take_any() {
                text.push_str(&String::from_utf8_lossy(content));
                text.push(' ');
            }
        }
        let status = if status.len() == 1 { status[0].to_string() } else { format!("0x{}", hex::encode(status)) };
        return Err(ResponseError::Rejected(format!(
            "the TSA refused the request: PKIStatus {status} ({}){}",
            match status.as_str() {
                "2" => "rejection",
                "3" => "waiting",
                "4" => "revocationWarning",
                "5" => "revocationNotification",
                _ => "unknown",
            },
            if text.is_empty() { String::new() } else { format!(", {}", quote(text.trim_end())) }
        )));
    }
    let (_, token) = resp.take_whole(SEQUENCE, "TimeStampToken").map_err(malformed)?;
    resp.finish("after the TimeStampToken").map_err(malformed)?;
    Ok(token.to_vec())
}

/// The DER certificates of a PEM text holding one or more `CERTIFICATE`
/// blocks (a TSA's chain, or a file of trusted roots), in order.
pub fn certificates_from_pem(text: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let text = std::str::from_utf8(text).map_err(|_| "the PEM text is not UTF-8".to_owned())?;
    let mut out = Vec::new();
    let mut block = String::new();
    for line in text.lines() {
        if line.trim().is_empty() && block.is_empty() {
            continue;
        }
        block.push_str(line.trim_end());
        block.push('\n');
        if line.starts_with("-----END ") {
            let (label, der) = provedex_format::pem::decode(block.as_bytes())?;
            if label != "CERTIFICATE" {
                return Err(format!("a PEM block is {}, not CERTIFICATE", quote(&label)));
            }
            out.push(der.to_vec());
            block.clear();
        }
    }
    if !block.is_empty() {
        return Err("the PEM text ends inside a block".into());
    }
    if out.is_empty() {
        return Err("the PEM text holds no certificate".into());
    }
    Ok(out)
}

/// Every offline check of an RFC 3161 receipt (spec/anchors.md, "RFC 3161",
/// checks 1 to 14).
pub fn verify(receipt: &Rfc3161Receipt, trust: &Rfc3161Trust) -> Result<Rfc3161Verified, ReceiptError> {
    let fail = |why: String| ReceiptError::new(format!("RFC 3161 receipt: {why}"));
    check_sizes(receipt).map_err(fail)?;
    let token = base64::decode(&receipt.token).map_err(|e| fail(format!("the token is {e}")))?;
    let chain_der = receipt
        .chain
        .iter()
        .enumerate()
        .map(|(i, c)| base64::decode(c).map_err(|e| fail(format!("chain certificate {i} is {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let nonce = nonce_bytes(&receipt.nonce).map_err(fail)?;
    check(receipt, &token, &chain_der, &nonce, trust).map_err(fail)
}

fn check_sizes(receipt: &Rfc3161Receipt) -> Result<(), String> {
    let over = |what: &str, len: usize, max: usize| {
        if len > max { Err(format!("{what} holds {len} bytes, more than the {max} allowed")) } else { Ok(()) }
    };
    over("the statement", receipt.statement.len(), MAX_STATEMENT_BYTES)?;
    over("tsa_url", receipt.tsa_url.len(), MAX_URL_CHARS)?;
    over("the token", receipt.token.len(), MAX_TOKEN_CHARS)?;
    over("the nonce", receipt.nonce.len(), 2 * MAX_NONCE_BYTES)?;
    if receipt.chain.is_empty() {
        return Err("the chain is empty: the TSA's certificates are needed to check the token".into());
    }
    if receipt.chain.len() > MAX_CHAIN_CERTIFICATES {
        return Err(format!(
            "the chain holds {} certificates, more than the {MAX_CHAIN_CERTIFICATES} allowed",
            receipt.chain.len()
        ));
    }
    for (i, cert) in receipt.chain.iter().enumerate() {
        over(&format!("chain certificate {i}"), cert.len(), MAX_CERTIFICATE_CHARS)?;
    }
    Ok(())
}

fn nonce_bytes(text: &str) -> Result<Vec<u8>, String> {
    let bytes = hex_decode(text).map_err(|e| format!("the nonce is {e}"))?;
    if bytes.is_empty() || bytes[0] == 0 {
        return Err("the nonce is empty or has a leading zero byte (one spelling per number)".into());
    }
    Ok(bytes)
}

/// The ContentInfo around the SignedData, sliced from the token's bytes.
struct TokenParts<'a> {
    signed_data: &'a [u8],
    certificates: Vec<&'a [u8]>,
    version: &'a [u8],
    signer_versions: Vec<&'a [u8]>,
}

fn token_parts(token: &[u8]) -> Result<TokenParts<'_>, String> {
    let mut outer = Der::new(token);
    let content_info = outer.take(SEQUENCE, "the token's ContentInfo")?;
    outer.finish("after the token's ContentInfo")?;
    let mut ci = Der::new(content_info);
    let content_type = ci.take(OID, "the ContentInfo's contentType")?;
    if content_type != OID_SIGNED_DATA {
        return Err(format!("the token's content type is {}, not id-signedData", dotted(content_type)));
    }
    let explicit = ci.take(CONTEXT_0, "the ContentInfo's [0] content")?;
    ci.finish("after the ContentInfo's content")?;
    let mut explicit = Der::new(explicit);
    let (sd_content, signed_data) = explicit.take_whole(SEQUENCE, "SignedData")?;
    explicit.finish("after the SignedData")?;
    let mut sd = Der::new(sd_content);
    let version = sd.take(INTEGER, "SignedData version")?;
    sd.take(SET, "SignedData digestAlgorithms")?;
    sd.take(SEQUENCE, "SignedData encapContentInfo")?;
    let mut certificates = Vec::new();
    if let Some(certs) = sd.take_opt(CONTEXT_0)? {
        let mut certs = Der::new(certs);
        while !certs.is_empty() {
            let (_, whole) =
                certs.take_whole(SEQUENCE, "a certificate of the token (only X.509 certificates are accepted)")?;
            certificates.push(whole);
        }
    }
    if sd.take_opt(CONTEXT_1)?.is_some() {
        return Err("the token carries revocation information (crls), which a timestamp does not use".into());
    }
    let signer_infos = sd.take(SET, "SignedData signerInfos")?;
    sd.finish("after the SignedData's signerInfos")?;
    let mut signer_versions = Vec::new();
    let mut infos = Der::new(signer_infos);
    while !infos.is_empty() {
        let info = infos.take(SEQUENCE, "a SignerInfo")?;
        signer_versions.push(Der::new(info).take(INTEGER, "SignerInfo version")?);
    }
    Ok(TokenParts { signed_data, certificates, version, signer_versions })
}

/// One signed attribute: its type and its values (each a whole TLV).
struct Attribute<'a> {
    oid: &'a [u8],
    values: Vec<&'a [u8]>,
}

fn signed_attributes(data: &[u8]) -> Result<Vec<Attribute<'_>>, String> {
    let mut outer = Der::new(data);
    let set = outer.take(SET, "the signed attributes")?;
    outer.finish("after the signed attributes")?;
    let mut set = Der::new(set);
    let mut attributes: Vec<Attribute> = Vec::new();
    while !set.is_empty() {
        let mut attr = Der::new(set.take(SEQUENCE, "a signed attribute")?);
        let oid = attr.take(OID, "a signed attribute's type")?;
        let mut values = Der::new(attr.take(SET, "a signed attribute's values")?);
        attr.finish("after a signed attribute's values")?;
        let mut list = Vec::new();
        while !values.is_empty() {
            list.push(values.take_any()?.2);
        }
        if attributes.iter().any(|a| a.oid == oid) {
            return Err(format!("the signed attribute {} appears twice", dotted(oid)));
        }
        attributes.push(Attribute { oid, values: list });
    }
    Ok(attributes)
}

fn single_value<'a>(attributes: &[Attribute<'a>], oid: &[u8], name: &str) -> Result<Option<&'a [u8]>, String> {
    match attributes.iter().find(|a| a.oid == oid) {
        None => Ok(None),
        Some(a) if a.values.len() == 1 => Ok(Some(a.values[0])),
        Some(a) => Err(format!("the signed attribute {name} holds {} values, not one", a.values.len())),
    }
}

fn check(
    receipt: &Rfc3161Receipt,
    token: &[u8],
    chain_der: &[Vec<u8>],
    nonce: &[u8],
    trust: &Rfc3161Trust,
) -> Result<Rfc3161Verified, String> {
    // 3. The token's structure, and its certificates as original bytes.
    let parts = token_parts(token)?;
    if parts.version != [3] {
        return Err(format!("the SignedData version is {}, not 3", int_text(parts.version)));
    }
    if parts.signer_versions.len() != 1 {
        return Err(format!("the token has {} signers, not exactly one", parts.signer_versions.len()));
    }
    if parts.signer_versions[0] != [1] {
        return Err(format!(
            "the SignerInfo version is {}, not 1 (the signer must be named by issuer and serial number)",
            int_text(parts.signer_versions[0])
        ));
    }
    let asn = Constructed::decode(parts.signed_data, Mode::Der, AsnSignedData::take_from)
        .map_err(|e| format!("the token's SignedData does not decode: {e}"))?;
    let signed_data = cryptographic_message_syntax::SignedData::try_from(&asn)
        .map_err(|e| format!("the token's SignedData is not usable: {e}"))?;

    // 4. The encapsulated content is a TSTInfo.
    let e_content_type = asn.content_info.content_type.as_ref();
    if e_content_type != OID_TST_INFO {
        return Err(format!("the token's eContentType is {}, not id-ct-TSTInfo", dotted(e_content_type)));
    }
    let content = signed_data.signed_content().ok_or("the token has no encapsulated TSTInfo")?;
    let tst = Constructed::decode(content, Mode::Der, TstInfo::take_from)
        .map_err(|e| format!("the token's TSTInfo does not decode: {e}"))?;
    if tst.version.as_slice() != [1] {
        return Err(format!("the TSTInfo version is {}, not 1", int_text(tst.version.as_slice())));
    }

    // 5. The message imprint is the SHA-256 of the statement.
    let alg = &tst.message_imprint.hash_algorithm;
    if alg.algorithm.as_ref() != OID_SHA256 {
        return Err(format!("the message imprint's hash algorithm is {}, not SHA-256", dotted(alg.algorithm.as_ref())));
    }
    if let Some(params) = &alg.parameters
        && params.as_slice() != [NULL, 0]
    {
        return Err("the message imprint's SHA-256 identifier has parameters other than NULL".into());
    }
    let imprint = tst.message_imprint.hashed_message.to_bytes();
    let expected = statement_digest(&receipt.statement);
    if imprint.as_ref() != expected {
        return Err(format!(
            "the token is for another statement: its message imprint is {}, the statement's SHA-256 is {}",
            short(&hex::encode(&imprint)),
            short(&hex::encode(&expected))
        ));
    }

    // 6. The nonce is the receipt's.
    let token_nonce = match &tst.nonce {
        None => return Err("the token has no nonce, the receipt's request sent one".into()),
        Some(n) => positive_magnitude(n.as_slice()).ok_or("the token's nonce is not a positive number")?,
    };
    if token_nonce != nonce {
        return Err(format!(
            "the token's nonce {} is not the receipt's nonce {}",
            short(&hex::encode(token_nonce)),
            short(&hex::encode(nonce))
        ));
    }

    // 7. One signer, its signed attributes, its message digest.
    let signer = signed_data.signers().next().ok_or("the token has no signer")?;
    let digest_alg = signer.digest_algorithm();
    if digest_alg == DigestAlgorithm::Sha1 {
        return Err("the token's signer digests with SHA-1, which is refused".into());
    }
    let attrs_data = signer.signed_attributes_data().ok_or("the token's signer has no signed attributes")?;
    let attributes = signed_attributes(attrs_data)?;
    let content_type = single_value(&attributes, OID_CONTENT_TYPE, "contentType")?
        .ok_or("the signed attributes have no contentType")?;
    if content_type != tlv(OID, OID_TST_INFO) {
        return Err("the signed contentType attribute is not id-ct-TSTInfo".into());
    }
    signer
        .verify_message_digest_with_signed_data(&signed_data)
        .map_err(|_| "the signed messageDigest attribute is not the digest of the TSTInfo (the TSTInfo was altered)")?;

    // 8. The chain: original DER, leaf first, each certificate once.
    let mut chain = Vec::with_capacity(chain_der.len());
    for (i, der) in chain_der.iter().enumerate() {
        let mut one = Der::new(der);
        one.take(SEQUENCE, "a certificate")
            .and_then(|_| one.finish("after the certificate"))
            .map_err(|e| format!("chain certificate {i} is not one DER certificate: {e}"))?;
        chain.push(
            CapturedX509Certificate::from_der(der.clone())
                .map_err(|e| format!("chain certificate {i} does not parse: {e}"))?,
        );
    }
    for (i, der) in chain_der.iter().enumerate() {
        if let Some(j) = chain_der[..i].iter().position(|c| c == der) {
            return Err(format!("chain certificate {i} repeats chain certificate {j}"));
        }
    }
    for (i, cert) in parts.certificates.iter().enumerate() {
        if !chain_der.iter().any(|c| c.as_slice() == *cert) {
            return Err(format!(
                "certificate {i} in the token (sha256 {}) is not byte for byte one of the chain's",
                short(&hex::encode(&Sha256::digest(cert)))
            ));
        }
    }
    let (issuer, serial) = signer.certificate_issuer_and_serial().ok_or("the signer has no issuer and serial")?;
    let position = chain
        .iter()
        .position(|c| c.issuer_name() == issuer && c.serial_number_asn1() == serial)
        .ok_or("no certificate of the chain is the token's signer (issuer and serial number differ)")?;
    if position != 0 {
        return Err(format!("the chain is not leaf first: the signer's certificate is chain certificate {position}"));
    }
    let leaf = &chain[0];

    // 9. The CMS signature over the signed attributes, by the leaf's key.
    let key_alg = leaf.key_algorithm().ok_or("the signer certificate's key algorithm is not supported")?;
    let sig_alg = signer.signature_algorithm();
    if matches!(sig_alg, SignatureAlgorithm::RsaSha1) {
        return Err("the token is signed with SHA-1, which is refused".into());
    }
    let verifier = sig_alg
        .resolve_verification_algorithm(key_alg)
        .map_err(|e| format!("the token's signature algorithm does not fit the signer's key: {e}"))?;
    leaf.verify_signed_data_with_algorithm(attrs_data, signer.signature(), verifier)
        .map_err(|_| "the token's CMS signature does not verify with the signer certificate's key")?;

    // 10. ESSCertIDv2 (or ESSCertID) binds the signer certificate.
    check_signing_certificate(&attributes, &chain_der[0], leaf)?;

    // 11. Each certificate is signed by the next one, the last by itself.
    for i in 0..chain.len() {
        let issuer_index = if i + 1 < chain.len() { i + 1 } else { i };
        let (cert, by) = (&chain[i], &chain[issuer_index]);
        if cert.signature_algorithm_oid() != cert.signature_signature_algorithm_oid() {
            return Err(format!("chain certificate {i} names two different signature algorithms"));
        }
        if matches!(cert.signature_algorithm(), Some(SignatureAlgorithm::RsaSha1)) {
            return Err(format!("chain certificate {i} is signed with SHA-1, which is refused"));
        }
        if cert.issuer_name() != by.subject_name() {
            return Err(if i == issuer_index {
                format!("the chain's last certificate ({i}) is not self-signed: it does not end in a root")
            } else {
                format!("chain certificate {i} names an issuer other than chain certificate {issuer_index}")
            });
        }
        cert.verify_signed_by_certificate(by).map_err(|_| {
            format!("the signature of chain certificate {i} does not verify with the key of chain certificate {issuer_index}")
        })?;
    }

    // 12. Extensions: the leaf's one critical timeStamping EKU, the CAs.
    for (i, cert) in chain.iter().enumerate() {
        check_extensions(i, cert, chain.len())?;
    }

    // 13. genTime within every certificate's validity.
    let gen_time = unix_seconds(tst.gen_time.clone());
    for (i, cert) in chain.iter().enumerate() {
        let (from, to) = (cert.validity_not_before().timestamp(), cert.validity_not_after().timestamp());
        if gen_time < from || gen_time > to {
            return Err(format!(
                "genTime {} lies outside the validity of chain certificate {i} ({} to {})",
                utc(gen_time),
                utc(from),
                utc(to)
            ));
        }
    }

    // The TSA's name in the token, if given, is the signer's subject.
    if let Some(tsa) = &tst.tsa {
        match tsa {
            x509_certificate::rfc3280::GeneralName::DirectoryName(name) if name == leaf.subject_name() => {}
            _ => return Err("the token's TSA name is not the signer certificate's subject".into()),
        }
    }

    // 14. The root: pinned, or the chain's own.
    let root = chain_der.last().expect("the chain is not empty");
    let root_sha256 = hex::encode(&Sha256::digest(root));
    let root_pinned = !trust.roots.is_empty();
    if root_pinned && !trust.roots.iter().any(|r| r == root) {
        return Err(format!(
            "the chain's root (sha256 {}) is none of the {} trusted roots",
            short(&root_sha256),
            trust.roots.len()
        ));
    }

    Ok(Rfc3161Verified {
        gen_time,
        tsa_name: leaf.subject_name().user_friendly_str().unwrap_or_else(|_| "(unreadable name)".into()),
        serial: hex::encode(tst.serial_number.as_slice()),
        policy: dotted(tst.policy.as_ref()),
        root_sha256,
        root_pinned,
    })
}

fn check_signing_certificate(
    attributes: &[Attribute],
    leaf_der: &[u8],
    leaf: &CapturedX509Certificate,
) -> Result<(), String> {
    let v2 = single_value(attributes, OID_SIGNING_CERTIFICATE_V2, "signingCertificateV2")?;
    let v1 = single_value(attributes, OID_SIGNING_CERTIFICATE, "signingCertificate")?;
    let (value, v2) = match (v2, v1) {
        (Some(v), _) => (v, true),
        (None, Some(v)) => (v, false),
        (None, None) => {
            return Err("the signed attributes bind no signer certificate (no ESSCertIDv2 or ESSCertID)".into());
        }
    };
    let bad = |why: &str| format!("the signing certificate attribute is malformed: {why}");
    let mut outer = Der::new(value);
    let mut signing_certificate = Der::new(outer.take(SEQUENCE, "SigningCertificate").map_err(|e| bad(&e))?);
    outer.finish("after it").map_err(|e| bad(&e))?;
    let mut certs = Der::new(signing_certificate.take(SEQUENCE, "certs").map_err(|e| bad(&e))?);
    let mut id = Der::new(certs.take(SEQUENCE, "the first ESSCertID").map_err(|e| bad(&e))?);
    let alg = if v2 {
        match id.take_opt(SEQUENCE).map_err(|e| bad(&e))? {
            None => DigestAlgorithm::Sha256,
            Some(identifier) => {
                let mut identifier = Der::new(identifier);
                let oid = identifier.take(OID, "hashAlgorithm").map_err(|e| bad(&e))?;
                if !identifier.is_empty() {
                    identifier.take(NULL, "hashAlgorithm parameters").map_err(|e| bad(&e))?;
                    identifier.finish("after the parameters").map_err(|e| bad(&e))?;
                }
                match oid {
                    OID_SHA256 => DigestAlgorithm::Sha256,
                    OID_SHA384 => DigestAlgorithm::Sha384,
                    OID_SHA512 => DigestAlgorithm::Sha512,
                    other => {
                        return Err(format!("the ESSCertIDv2 hash algorithm {} is not supported", dotted(other)));
                    }
                }
            }
        }
    } else {
        DigestAlgorithm::Sha1
    };
    let cert_hash = id.take(OCTET_STRING, "certHash").map_err(|e| bad(&e))?;
    let own = alg.digest_data(leaf_der);
    if cert_hash != own.as_slice() {
        return Err(format!(
            "the {} in the signed attributes names another certificate: certHash {}, the signer certificate's is {}",
            if v2 { "ESSCertIDv2" } else { "ESSCertID" },
            short(&hex::encode(cert_hash)),
            short(&hex::encode(&own))
        ));
    }
    if let Some(issuer_serial) = id.take_opt(SEQUENCE).map_err(|e| bad(&e))? {
        let mut issuer_serial = Der::new(issuer_serial);
        let mut names = Der::new(issuer_serial.take(SEQUENCE, "issuer GeneralNames").map_err(|e| bad(&e))?);
        let serial = issuer_serial.take(INTEGER, "serialNumber").map_err(|e| bad(&e))?;
        if serial != leaf.serial_number_asn1().as_slice() {
            return Err("the ESSCertID's issuerSerial names another serial number than the signer certificate's".into());
        }
        let mut named = false;
        while !names.is_empty() {
            let (tag, content, _) = names.take_any().map_err(|e| bad(&e))?;
            if tag == DIRECTORY_NAME {
                let name = Constructed::decode(content, Mode::Der, x509_certificate::rfc3280::Name::take_from)
                    .map_err(|e| bad(&e.to_string()))?;
                named |= &name == leaf.issuer_name();
            }
        }
        if !named {
            return Err("the ESSCertID's issuerSerial names another issuer than the signer certificate's".into());
        }
    }
    id.finish("after the first ESSCertID").map_err(|e| bad(&e))?;
    Ok(())
}

fn check_extensions(i: usize, cert: &CapturedX509Certificate, len: usize) -> Result<(), String> {
    let leaf = i == 0;
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut eku: Option<(bool, Vec<Vec<u8>>)> = None;
    let mut ca: Option<(bool, Option<u64>)> = None;
    let mut key_usage: Option<Vec<u8>> = None;
    for ext in cert.iter_extensions() {
        let oid = ext.id.as_ref();
        if seen.contains(&oid) {
            return Err(format!("chain certificate {i} has the extension {} twice", dotted(oid)));
        }
        seen.push(oid);
        let critical = ext.critical.unwrap_or(false);
        let value = ext.value.to_bytes();
        let bad = |why: String| format!("chain certificate {i}'s extension {} is malformed: {why}", dotted(oid));
        match oid {
            OID_EXT_KEY_USAGE => {
                let mut outer = Der::new(&value);
                let mut list = Der::new(outer.take(SEQUENCE, "KeyPurposeIds").map_err(bad)?);
                outer.finish("after it").map_err(bad)?;
                let mut purposes = Vec::new();
                while !list.is_empty() {
                    purposes.push(list.take(OID, "a KeyPurposeId").map_err(bad)?.to_vec());
                }
                eku = Some((critical, purposes));
            }
            OID_BASIC_CONSTRAINTS => {
                let mut outer = Der::new(&value);
                let mut bc = Der::new(outer.take(SEQUENCE, "BasicConstraints").map_err(bad)?);
                outer.finish("after it").map_err(bad)?;
                let is_ca = match bc.take_opt(BOOLEAN).map_err(bad)? {
                    None => false,
                    Some([0xff]) => true,
                    Some(_) => return Err(bad("cA is not a DER TRUE (FALSE is written by omission)".into())),
                };
                let path_len = match bc.take_opt(INTEGER).map_err(bad)? {
                    None => None,
                    Some(n) => Some(small_unsigned(n).ok_or_else(|| bad("pathLenConstraint is out of range".into()))?),
                };
                bc.finish("after pathLenConstraint").map_err(bad)?;
                ca = Some((is_ca, path_len));
            }
            OID_KEY_USAGE => {
                let mut outer = Der::new(&value);
                let bits = outer.take(BIT_STRING, "KeyUsage").map_err(bad)?;
                outer.finish("after it").map_err(bad)?;
                if bits.is_empty() || bits[0] > 7 {
                    return Err(bad("the bit string's unused-bits count is wrong".into()));
                }
                key_usage = Some(bits[1..].to_vec());
            }
            OID_SUBJECT_KEY_ID | OID_AUTHORITY_KEY_ID | OID_SUBJECT_ALT_NAME => {}
            other if critical => {
                return Err(format!(
                    "chain certificate {i} has a critical extension {} that is not understood",
                    dotted(other)
                ));
            }
            _ => {}
        }
    }
    let has_bit = |bits: &[u8], n: usize| bits.get(n / 8).is_some_and(|b| b & (0x80 >> (n % 8)) != 0);
    if leaf {
        match &eku {
            None => return Err("the signer certificate has no extended key usage (timeStamping is required)".into()),
            Some((critical, purposes)) => {
                if purposes.len() != 1 || purposes[0] != OID_TIME_STAMPING {
                    return Err(format!(
                        "the signer certificate's extended key usage is [{}], not exactly [timeStamping]",
                        purposes.iter().map(|p| dotted(p)).collect::<Vec<_>>().join(", ")
                    ));
                }
                if !critical {
                    return Err("the signer certificate's timeStamping extended key usage is not critical".into());
                }
            }
        }
        if matches!(ca, Some((true, _))) {
            return Err("the signer certificate is a CA certificate".into());
        }
        if let Some(bits) = &key_usage
            && !has_bit(bits, 0)
            && !has_bit(bits, 1)
        {
            return Err("the signer certificate's key usage allows neither digitalSignature nor nonRepudiation".into());
        }
    } else {
        match ca {
            Some((true, path_len)) => {
                // Certificates below this one that are CAs: i - 1 (the leaf is not one).
                if let Some(max) = path_len
                    && (i as u64).saturating_sub(1) > max
                {
                    return Err(format!("chain certificate {i} allows {max} CAs below it, the chain has {}", i - 1));
                }
            }
            _ => return Err(format!("chain certificate {i} issues a certificate but is not a CA (basicConstraints)")),
        }
        if let Some(bits) = &key_usage
            && !has_bit(bits, 5)
        {
            return Err(format!("chain certificate {i} issues a certificate but its key usage lacks keyCertSign"));
        }
        if i + 1 < len
            && let Some((_, purposes)) = &eku
            && !purposes.iter().any(|p| p == OID_TIME_STAMPING || p == OID_ANY_EXT_KEY_USAGE)
        {
            return Err(format!("intermediate certificate {i} restricts extended key usage and excludes timeStamping"));
        }
    }
    Ok(())
}

/// `time` in unix seconds. The certificate crate converts its time types to
/// the date type that its validity methods return; that type is reached here
/// through them rather than named.
fn unix_seconds(time: x509_certificate::asn1time::GeneralizedTime) -> i64 {
    fn convert<T, F: Into<T>>(_: fn(&x509_certificate::X509Certificate) -> T, from: F) -> T {
        from.into()
    }
    convert(x509_certificate::X509Certificate::validity_not_before, time).timestamp()
}

/// The magnitude of a DER INTEGER's content when it is positive.
fn positive_magnitude(content: &[u8]) -> Option<&[u8]> {
    let first = *content.first()?;
    if first & 0x80 != 0 {
        return None;
    }
    let start = content.iter().position(|&b| b != 0)?;
    Some(&content[start..])
}

fn small_unsigned(content: &[u8]) -> Option<u64> {
    let magnitude = if content == [0] { &[][..] } else { positive_magnitude(content)? };
    if magnitude.len() > 8 {
        return None;
    }
    Some(magnitude.iter().fold(0u64, |n, &b| n << 8 | u64::from(b)))
}

/// The DER INTEGER content of an unsigned big-endian number.
fn unsigned_integer(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let magnitude = &bytes[start..];
    match magnitude.first() {
        None => vec![0],
        Some(&b) if b & 0x80 != 0 => [&[0][..], magnitude].concat(),
        Some(_) => magnitude.to_vec(),
    }
}

fn int_text(content: &[u8]) -> String {
    match small_unsigned(content) {
        Some(n) => n.to_string(),
        None => format!("0x{}", short(&hex::encode(content))),
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A strict DER reader: definite minimal lengths, low tag numbers only.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Der { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element: (tag, content, whole element).
    fn take_any(&mut self) -> Result<(u8, &'a [u8], &'a [u8]), String> {
        let all = self.rest;
        let (&tag, rest) = all.split_first().ok_or("the structure ends early")?;
        if tag & 0x1f == 0x1f {
            return Err(format!("high tag number form (0x{tag:02x}) is not used here"));
        }
        let (&first, rest) = rest.split_first().ok_or("the structure ends inside a length")?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 3 || rest.len() < count {
                return Err("a length is indefinite, too long or cut".into());
            }
            let len = rest[..count].iter().fold(0usize, |n, &b| n << 8 | usize::from(b));
            if rest[0] == 0 || len < 0x80 {
                return Err("a length is not in its shortest form".into());
            }
            (len, &rest[count..])
        };
        if rest.len() < len {
            return Err(format!("an element claims {len} bytes, {} remain", rest.len()));
        }
        let header = all.len() - rest.len();
        self.rest = &rest[len..];
        Ok((tag, &rest[..len], &all[..header + len]))
    }

    fn take_whole(&mut self, tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), String> {
        let (found, content, whole) = self.take_any().map_err(|e| format!("{what}: {e}"))?;
        if found != tag {
            return Err(format!("{what}: expected tag 0x{tag:02x}, found 0x{found:02x}"));
        }
        Ok((content, whole))
    }

    fn take(&mut self, tag: u8, what: &str) -> Result<&'a [u8], String> {
        Ok(self.take_whole(tag, what)?.0)
    }

    fn take_opt(&mut self, tag: u8) -> Result<Option<&'a [u8]>, String> {
        if self.rest.first() == Some(&tag) { Ok(Some(self.take(tag, "an optional element")?)) } else { Ok(None) }
    }

    fn finish(&self, what: &str) -> Result<(), String> {
        if self.rest.is_empty() { Ok(()) } else { Err(format!("{} unexpected bytes {what}", self.rest.len())) }
    }
}

fn hex_decode(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err("not hex: its length is odd".into());
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err("not lowercase hex".to_owned()),
    };
    text.as_bytes().chunks(2).map(|p| Ok(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_matches_a_hand_assembled_der() {
        // Hand-assembled from RFC 3161 §2.4.1 and X.690: version 1, SHA-256
        // imprint without parameters, a nonce with its sign byte, certReq TRUE.
        let req = request(&[0xab; 32], &[0x80, 0x01]);
        let mut want = vec![0x30, 0x3c, 0x02, 0x01, 0x01, 0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09];
        want.extend_from_slice(OID_SHA256);
        want.extend_from_slice(&[0x04, 0x20]);
        want.extend_from_slice(&[0xab; 32]);
        want.extend_from_slice(&[0x02, 0x03, 0x00, 0x80, 0x01, 0x01, 0x01, 0xff]);
        assert_eq!(req, want);
        assert_eq!(unsigned_integer(&[0, 0, 5]), vec![5]);
    }

    #[test]
    fn oids_read_as_people_write_them() {
        assert_eq!(dotted(OID_TST_INFO), "1.2.840.113549.1.9.16.1.4");
        assert_eq!(dotted(OID_SHA256), "2.16.840.1.101.3.4.2.1");
    }

    /// A self-signed Ed25519 certificate with these extensions (its
    /// signature does not matter to the extension rules).
    fn certificate(extensions: &[(&[u8], bool, Vec<u8>)]) -> CapturedX509Certificate {
        let mut builder = x509_certificate::X509CertificateBuilder::default();
        builder.subject().append_common_name_utf8_string("extension rules").unwrap();
        for (oid, critical, value) in extensions {
            let oid = bcder::Oid(cryptographic_message_syntax::Bytes::copy_from_slice(oid));
            builder.add_extension_der_data(oid, *critical, value);
        }
        builder.create_with_random_keypair(x509_certificate::KeyAlgorithm::Ed25519).unwrap().0
    }

    fn eku(purposes: &[&[u8]]) -> Vec<u8> {
        tlv(SEQUENCE, &purposes.iter().flat_map(|p| tlv(OID, p)).collect::<Vec<u8>>())
    }

    fn basic_constraints(ca: bool, path_len: Option<u8>) -> Vec<u8> {
        let mut content = if ca { tlv(BOOLEAN, &[0xff]) } else { vec![] };
        if let Some(n) = path_len {
            content.extend(tlv(INTEGER, &[n]));
        }
        tlv(SEQUENCE, &content)
    }

    #[test]
    fn extension_rules_for_the_signer_and_its_cas() {
        const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
        let ts = || (OID_EXT_KEY_USAGE, true, eku(&[OID_TIME_STAMPING]));
        let digital_signature = (OID_KEY_USAGE, true, tlv(BIT_STRING, &[7, 0x80]));
        let key_cert_sign = (OID_KEY_USAGE, true, tlv(BIT_STRING, &[1, 0x04]));
        let ca = |n| (OID_BASIC_CONSTRAINTS, true, basic_constraints(true, n));
        let rule = |i: usize, exts: &[(&[u8], bool, Vec<u8>)]| check_extensions(i, &certificate(exts), 3);
        let fails = |result: Result<(), String>, words: &str| match result {
            Ok(()) => panic!("passed, expected `{words}`"),
            Err(e) => assert!(e.contains(words), "expected `{words}` in: {e}"),
        };

        rule(0, &[ts(), digital_signature.clone()]).unwrap();
        rule(1, &[ca(None), key_cert_sign.clone(), (OID_EXT_KEY_USAGE, false, eku(&[OID_TIME_STAMPING]))]).unwrap();
        rule(2, &[ca(Some(1)), key_cert_sign.clone()]).unwrap();

        fails(rule(0, &[]), "has no extended key usage");
        fails(rule(0, &[(OID_EXT_KEY_USAGE, false, eku(&[OID_TIME_STAMPING]))]), "is not critical");
        fails(
            rule(0, &[(OID_EXT_KEY_USAGE, true, eku(&[OID_TIME_STAMPING, SERVER_AUTH]))]),
            "not exactly [timeStamping]",
        );
        fails(rule(0, &[(OID_EXT_KEY_USAGE, true, eku(&[SERVER_AUTH]))]), "is [1.3.6.1.5.5.7.3.1]");
        fails(rule(0, &[ts(), ca(None)]), "is a CA certificate");
        fails(rule(0, &[ts(), key_cert_sign.clone()]), "neither digitalSignature nor nonRepudiation");
        fails(rule(0, &[ts(), ts()]), "twice");
        fails(
            rule(0, &[ts(), (&[0x2a, 0x03, 0x04], true, vec![0x05, 0x00])]),
            "critical extension 1.2.3.4 that is not understood",
        );
        rule(0, &[ts(), (&[0x2a, 0x03, 0x04], false, vec![0x05, 0x00])]).unwrap();

        fails(rule(1, &[]), "is not a CA");
        fails(rule(1, &[(OID_BASIC_CONSTRAINTS, true, basic_constraints(false, None))]), "is not a CA");
        fails(rule(1, &[ca(None), digital_signature]), "lacks keyCertSign");
        fails(rule(1, &[ca(None), (OID_EXT_KEY_USAGE, false, eku(&[SERVER_AUTH]))]), "excludes timeStamping");
        fails(rule(2, &[ca(Some(0))]), "allows 0 CAs below it, the chain has 1");
        fails(rule(1, &[(OID_BASIC_CONSTRAINTS, true, tlv(SEQUENCE, &tlv(BOOLEAN, &[0x01])))]), "not a DER TRUE");
    }

    #[test]
    fn pem_chains_and_time_stamp_responses_are_read_strictly() {
        let one = provedex_format::pem::encode("CERTIFICATE", &[0x30, 0x00]).to_string();
        let two = format!("{one}\n{}", provedex_format::pem::encode("CERTIFICATE", &[0x30, 0x01, 0x05]).as_str());
        assert_eq!(certificates_from_pem(two.as_bytes()).unwrap(), vec![vec![0x30, 0x00], vec![0x30, 0x01, 0x05]]);
        let key = provedex_format::pem::encode("PRIVATE KEY", &[1]).to_string();
        assert!(certificates_from_pem(key.as_bytes()).unwrap_err().contains("not CERTIFICATE"));
        assert!(certificates_from_pem(b"").unwrap_err().contains("no certificate"));
        assert!(
            certificates_from_pem(one.trim_end().trim_end_matches("-----END CERTIFICATE-----").as_bytes()).is_err()
        );

        // PKIStatusInfo { granted } then a (here empty) token SEQUENCE; rejection with a text; garbage.
        assert_eq!(response_token(&[0x30, 0x07, 0x30, 0x03, 0x02, 0x01, 0x00, 0x30, 0x00]).unwrap(), vec![0x30, 0x00]);
        let rejected = [0x30, 0x0a, 0x30, 0x08, 0x02, 0x01, 0x02, 0x30, 0x03, 0x0c, 0x01, b'n'];
        match response_token(&rejected) {
            Err(ResponseError::Rejected(why)) => assert!(why.contains("PKIStatus 2 (rejection), \"n\""), "{why}"),
            other => panic!("{other:?}"),
        }
        for bad in [&[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00][..], &[0x30, 0x00], b"<html>"] {
            assert!(matches!(response_token(bad), Err(ResponseError::Malformed(_))), "{bad:?}");
        }
    }

    #[test]
    fn der_reader_refuses_non_minimal_lengths() {
        assert!(Der::new(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).take_any().is_err());
        assert!(Der::new(&[0x04, 0x80]).take_any().is_err());
        assert!(Der::new(&[0x04, 0x03, 1, 2]).take_any().is_err());
        assert!(Der::new(&[0x1f, 0x01, 0x00]).take_any().is_err());
    }
}
