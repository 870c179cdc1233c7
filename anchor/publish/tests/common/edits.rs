//! One-character edits of a receipt's JSON, for checks that an edited
//! receipt never verifies. Shared by the server tests of provedex-anchor and
//! the unit tests of provedex-receipts (which include this file by path), so
//! it uses nothing but serde.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Calls `check` with each receipt that a one-character edit of `good`'s
/// JSON spells (at every character, each of `replacements` in its place),
/// when the edited text still reads as a receipt other than `good`
/// (panics when none does: the check would be empty); `check`
/// is given the edited text too, for its messages.
pub fn for_each_edited_receipt<R>(good: &R, replacements: &[&str], mut check: impl FnMut(&str, R))
where
    R: Serialize + DeserializeOwned + PartialEq,
{
    let json = serde_json::to_string(good).unwrap();
    let mut checked = 0;
    for i in (0..json.len()).filter(|&i| json.is_char_boundary(i) && json.is_char_boundary(i + 1)) {
        for replacement in replacements {
            let mut edited = json.clone();
            edited.replace_range(i..i + 1, replacement);
            if let Ok(receipt) = serde_json::from_str::<R>(&edited)
                && receipt != *good
            {
                check(&edited, receipt);
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no one-character edit of the receipt reads as another receipt");
}
