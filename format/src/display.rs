//! Untrusted text made safe to show a person (spec/verification.md, "Showing
//! untrusted text").
//!
//! Strings in a ledger, an event or a request are chosen by whoever wrote
//! them. Printed raw, a control sequence can rewrite a terminal's screen (a
//! carriage return and an erase-line turn "broken" into "valid"), and a bidi
//! override can reorder what a reader sees. Every message and listing built
//! from such text passes it through [`escape`] (or [`quote`], which also caps
//! its length); machine output (`--json`, report fields other than the
//! message) stays exact.

use std::borrow::Cow;
use std::fmt::Write;

/// How many characters of an untrusted value [`quote`] shows before cutting.
pub const QUOTE_CHARS: usize = 64;

/// `text` with every character that a terminal or a text renderer would
/// interpret instead of show replaced by a visible escape: C0 controls and
/// DEL (`\n`, `\r`, `\t` or `\x1b` …), C1 controls (`\u{9b}` …), bidi
/// embeddings, overrides, isolates and marks (`\u{202e}` …), line and
/// paragraph separators, and the backslash itself (`\\`), so an escape in the
/// output always means an escaped character. Everything else, non-ASCII
/// letters included, is shown as it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`escape`] for bytes that may not be UTF-8: each invalid byte shows as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => escape(text),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    push_escaped(&mut out, c);
                }
                for b in chunk.invalid() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            Cow::Owned(out)
        }
    }
}

/// An untrusted value for a message: escaped, in double quotes, and cut
/// after [`QUOTE_CHARS`] characters with the full length in bytes, so a
/// 10 MB value does not become a 10 MB message.
pub fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    match text.char_indices().nth(QUOTE_CHARS) {
        None => out.push_str(&escape(text)),
        Some((cut, _)) => {
            out.push_str(&escape(&text[..cut]));
            let _ = write!(out, "\"… ({} bytes in all)", text.len());
            return out;
        }
    }
    out.push('"');
    out
}

/// A path as one word of a shell command in a message: as it is when it
/// holds only characters no shell interprets, else in single quotes (a quote
/// inside written `'\''`), and [`escape`]d, so a suggested command can be
/// pasted as shown.
pub fn shell_word(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    let plain = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"_./:@%+=,-~".contains(&b))
        && !text.starts_with('~');
    if plain {
        return text.into_owned();
    }
    format!("'{}'", escape(&text).replace('\'', "'\\''"))
}

fn needs_escape(c: char) -> bool {
    matches!(c,
        '\\'
        | '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Arabic letter mark, LRM/RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI.
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Line and paragraph separators start new lines in some renderers.
        | '\u{2028}' | '\u{2029}')
}

fn push_escaped(out: &mut String, c: char) {
    if !needs_escape(c) {
        out.push(c);
        return;
    }
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{0}'..='\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{escape, escape_bytes, quote, shell_word};

    #[test]
    fn leaves_ordinary_text_alone() {
        assert!(matches!(escape("café → 東京 🎉 \"ok\""), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_every_class_that_a_terminal_interprets() {
        assert_eq!(escape("\r\x1b[2Kvalid: 4 events\x1b[8m"), "\\r\\x1b[2Kvalid: 4 events\\x1b[8m");
        assert_eq!(escape("a\nb\tc\0d\x7f"), "a\\nb\\tc\\x00d\\x7f");
        assert_eq!(escape("\u{9b}31m\u{85}"), "\\u{9b}31m\\u{85}");
        assert_eq!(escape("x\u{202e}txt.exe\u{2066}\u{200f}"), "x\\u{202e}txt.exe\\u{2066}\\u{200f}");
        assert_eq!(escape("\u{2028}\u{2029}"), "\\u{2028}\\u{2029}");
        assert_eq!(escape("a\\x1b"), "a\\\\x1b");
    }

    #[test]
    fn shows_invalid_utf8_as_byte_escapes() {
        assert_eq!(escape_bytes(b"ok\xff\x1b\xc3"), "ok\\xff\\x1b\\xc3");
        assert_eq!(escape_bytes("é".as_bytes()), "é");
    }

    #[test]
    fn shell_words_paste_as_shown() {
        assert_eq!(shell_word(Path::new("/tmp/a-b_c.ndjson")), "/tmp/a-b_c.ndjson");
        assert_eq!(shell_word(Path::new("my ledger.ndjson")), "'my ledger.ndjson'");
        assert_eq!(shell_word(Path::new("it's")), "'it'\\''s'");
        assert_eq!(shell_word(Path::new("a\x1b$(x)")), "'a\\x1b$(x)'");
        assert_eq!(shell_word(Path::new("~/x")), "'~/x'");
    }

    #[test]
    fn quote_caps_long_values() {
        assert_eq!(quote("ab\x1b"), "\"ab\\x1b\"");
        let long = "z".repeat(10_000_000);
        let quoted = quote(&long);
        assert_eq!(quoted, format!("\"{}\"… (10000000 bytes in all)", "z".repeat(64)));
    }
}
