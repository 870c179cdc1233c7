//! Anchor statements (spec/anchors.md): read one and check that a ledger's
//! key signs it, strictly. What the anchors' receipts prove about it is
//! `provedex-receipts`' business.

use provedex_format::PublicKeyBytes;
use provedex_format::anchor::SignedAnchorStatement;
use provedex_format::checkpoint::LedgerOrigin;

use crate::seal::verifies_strictly;

/// Reads an anchor statement's text and checks that `key` signs it: the
/// origin names the key's fingerprint and the signature verifies over the
/// anchor label and the four members under the strict Ed25519 profile.
pub fn verify_anchor_statement(text: &str, key: &PublicKeyBytes) -> Result<SignedAnchorStatement, String> {
    let signed = SignedAnchorStatement::parse(text).map_err(|e| e.to_string())?;
    let origin = LedgerOrigin::parse(&signed.statement.origin).map_err(|e| e.to_string())?;
    let fingerprint = key.fingerprint();
    if origin.fingerprint != fingerprint {
        return Err(format!("the anchor statement's origin names the key {}, not {fingerprint}", origin.fingerprint));
    }
    if !verifies_strictly(key, &signed.statement.message(), &signed.signature) {
        return Err(format!("the anchor statement's signature does not verify under {fingerprint} (strict Ed25519)"));
    }
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use provedex_format::{ChainHash, Digest, SigningKeypair};

    #[test]
    fn a_statement_verifies_under_its_key_only_and_not_as_another_kind() {
        let key = SigningKeypair::from_seed(&[7; 32]);
        let signed = key.sign_anchor_statement(&ChainHash([1; 32]), 5, Digest([2; 32]), 9);
        let text = signed.to_text();
        assert_eq!(verify_anchor_statement(&text, &key.public_key()).unwrap(), signed);

        let other = SigningKeypair::from_seed(&[8; 32]);
        let err = verify_anchor_statement(&text, &other.public_key()).unwrap_err();
        assert!(err.contains("names the key"), "{err}");

        let moved = text.replace("\"tree_size\":5", "\"tree_size\":6");
        let err = verify_anchor_statement(&moved, &key.public_key()).unwrap_err();
        assert!(err.contains("does not verify"), "{err}");

        // A data signature over the same document is not an anchor signature.
        let mut forged = signed.clone();
        forged.signature = key.sign_data(&signed.statement.unsigned_json());
        let err = verify_anchor_statement(&forged.to_text(), &key.public_key()).unwrap_err();
        assert!(err.contains("does not verify"), "{err}");
    }
}
