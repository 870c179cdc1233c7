//! Traceability from the spec's normative sentences to the tests that pin them.
//!
//! Every sentence of `spec/*.md` that states a requirement with a BCP 14
//! keyword of obligation (MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT) carries
//! an id in square brackets right after it, such as `[LF-7]`: the file's
//! prefix and a number. Vectors name the ids they pin; the coverage table
//! lists, for each id, the tests that pin it, and a requirement no test
//! pins is a finding. SHOULD and MAY sentences carry no id: a conforming
//! implementation may differ from them.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// The keywords that make a sentence a requirement.
const OBLIGATIONS: [&str; 3] = ["MUST", "REQUIRED", "SHALL"];

/// The id prefix of each spec document; a document not listed has no normative sentences.
pub const PREFIXES: [(&str, &str); 10] = [
    ("canonical-json.md", "CJ"),
    ("ledger-format.md", "LF"),
    ("signature-scheme.md", "SS"),
    ("verification.md", "VF"),
    ("conformance.md", "CF"),
    ("toolsets.md", "TS"),
    ("keys.md", "KM"),
    ("transparency.md", "TL"),
    ("bundles.md", "BD"),
    ("anchors.md", "AN"),
];

/// One normative sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Its id, such as `LF-7`.
    pub id: String,
    /// The document it is in.
    pub file: String,
    /// The line it starts on, from 1.
    pub line: usize,
    /// The sentence, on one line, without its id.
    pub text: String,
}

/// A fault in the ids of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdFault {
    /// The document.
    pub file: String,
    /// The line the sentence starts on, from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for IdFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spec/{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The requirements of one document, or every fault in its ids: a
/// requirement without an id, an id on a sentence that states none, an id
/// with another document's prefix, an id used twice.
pub fn requirements(file: &str, markdown: &str) -> Result<Vec<Requirement>, Vec<IdFault>> {
    let prefix = PREFIXES.iter().find(|(name, _)| *name == file).map(|(_, p)| *p);
    let mut found = Vec::new();
    let mut faults = Vec::new();
    let mut fault = |line: usize, message: String| faults.push(IdFault { file: file.to_owned(), line, message });
    for sentence in sentences(markdown) {
        // The sentence that defines the keywords quotes them; it states nothing.
        let obliges = states_obligation(&sentence.text) && !sentence.text.contains("BCP 14");
        match (&sentence.id, obliges, prefix) {
            (None, false, _) => {}
            (None, true, _) => {
                fault(sentence.line, format!("a requirement without an id: {}", excerpt(&sentence.text)))
            }
            (Some(id), false, _) => fault(sentence.line, format!("[{id}] marks a sentence that states no requirement")),
            (Some(id), true, None) => fault(sentence.line, format!("[{id}] in a document without requirement ids")),
            (Some(id), true, Some(prefix)) if id.split('-').next() != Some(prefix) => {
                fault(sentence.line, format!("[{id}] does not have this document's prefix {prefix}"))
            }
            (Some(id), true, Some(_)) => {
                if let Some(first) = found.iter().find(|r: &&Requirement| &r.id == id) {
                    fault(sentence.line, format!("[{id}] is already used on line {}", first.line));
                } else {
                    found.push(Requirement {
                        id: id.clone(),
                        file: file.to_owned(),
                        line: sentence.line,
                        text: sentence.text,
                    });
                }
            }
        }
    }
    if faults.is_empty() { Ok(found) } else { Err(faults) }
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Whether `text` holds a keyword of obligation as a whole word in capitals.
fn states_obligation(text: &str) -> bool {
    let words = without_code(text);
    words.split(|c: char| !c.is_ascii_alphabetic()).any(|word| OBLIGATIONS.contains(&word))
}

/// `text` with its code spans blanked: a keyword quoted as code states nothing.
fn without_code(text: &str) -> String {
    let mut inside = false;
    text.chars()
        .map(|c| {
            if c == '`' {
                inside = !inside;
                ' '
            } else if inside {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A sentence with the id that follows it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sentence {
    line: usize,
    text: String,
    id: Option<String>,
}

/// The sentences of a Markdown document, outside code blocks and outside
/// the section that defines the keywords ("Conventions"). A paragraph, a
/// list item, a table row and a heading each end any sentence; inside
/// them a sentence ends at `.`, `!` or `?` followed by a space or the end,
/// outside code spans, and an id in square brackets right after it belongs to it.
fn sentences(markdown: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (line, block) in blocks(markdown) {
        split_block(line, &block, &mut out);
    }
    out
}

/// The text blocks of a document with their first line: paragraphs, list
/// items and table rows, each joined into one line.
fn blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks: Vec<(usize, String)> = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut in_code = false;
    let mut in_conventions = false;
    for (i, raw) in markdown.lines().enumerate() {
        let number = i + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            blocks.extend(current.take());
            continue;
        }
        if in_code {
            continue;
        }
        if trimmed.starts_with('#') {
            blocks.extend(current.take());
            in_conventions = trimmed.trim_start_matches('#').trim() == "Conventions";
            continue;
        }
        if in_conventions || trimmed.is_empty() {
            blocks.extend(current.take());
            continue;
        }
        let starts_block = trimmed.starts_with("- ")
            || trimmed.starts_with("* ")
            || trimmed.starts_with('|')
            || trimmed.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        match &mut current {
            Some((_, text)) if !starts_block => {
                text.push(' ');
                text.push_str(trimmed);
            }
            _ => {
                blocks.extend(current.take());
                current = Some((number, trimmed.to_owned()));
            }
        }
        if trimmed.starts_with('|') {
            blocks.extend(current.take());
        }
    }
    blocks.extend(current);
    blocks
}

/// Splits one block into sentences, each starting on the block's first line
/// (blocks are short; the first line is where a reader looks).
fn split_block(line: usize, block: &str, out: &mut Vec<Sentence>) {
    let chars: Vec<char> = block.chars().collect();
    let mut start = 0;
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
        }
        let ends = !in_code
            && matches!(c, '.' | '!' | '?')
            && chars.get(i + 1).is_none_or(|next| next.is_whitespace() || *next == '[' || *next == '|');
        if ends || i + 1 == chars.len() {
            let mut end = i + 1;
            let text: String = chars[start..end].iter().collect();
            let (id, after) = id_after(&chars, end);
            end = after;
            push_sentence(line, text, id, out);
            start = end;
            i = end;
            continue;
        }
        i += 1;
    }
}

fn push_sentence(line: usize, text: String, id: Option<String>, out: &mut Vec<Sentence>) {
    let text = text.trim();
    match (text.is_empty(), id) {
        (true, None) => {}
        // An id standing alone belongs to the sentence before it in the block.
        (true, Some(id)) => match out.last_mut() {
            Some(previous) if previous.line == line && previous.id.is_none() => previous.id = Some(id),
            _ => out.push(Sentence { line, text: String::new(), id: Some(id) }),
        },
        (false, id) => {
            let (text, trailing) = strip_trailing_id(without_list_marker(text));
            out.push(Sentence { line, text, id: id.or(trailing) });
        }
    }
}

/// A list item's sentence without its `- `, `* ` or `1. `.
fn without_list_marker(text: &str) -> &str {
    let numbered = text.split_once(". ").filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    match (text.strip_prefix("- ").or_else(|| text.strip_prefix("* ")), numbered) {
        (Some(rest), _) | (None, Some((_, rest))) => rest,
        (None, None) => text,
    }
}

/// An id written at the very end of a sentence without closing punctuation
/// (a list item or a table row): `… (\`empty_line\`) [LF-3]`.
fn strip_trailing_id(text: &str) -> (String, Option<String>) {
    if let Some(open) = text.rfind('[') {
        let tail = &text[open..];
        if let Some(id) = tail.strip_prefix('[').and_then(|t| t.strip_suffix(']')).filter(|id| is_id(id)) {
            return (text[..open].trim_end().to_owned(), Some(id.to_owned()));
        }
        if let Some(id) = tail
            .strip_prefix('[')
            .and_then(|t| t.split_once(']'))
            .filter(|(id, rest)| is_id(id) && rest.trim().trim_matches('|').trim().is_empty())
        {
            return (text[..open].trim_end().to_owned(), Some(id.0.to_owned()));
        }
    }
    (text.to_owned(), None)
}

/// The id in square brackets at `from` (after spaces), and where the text after it starts.
fn id_after(chars: &[char], from: usize) -> (Option<String>, usize) {
    let mut i = from;
    while chars.get(i).is_some_and(|c| *c == ' ') {
        i += 1;
    }
    if chars.get(i) != Some(&'[') {
        return (None, from);
    }
    let close = match chars[i..].iter().position(|c| *c == ']') {
        Some(offset) => i + offset,
        None => return (None, from),
    };
    let inner: String = chars[i + 1..close].iter().collect();
    if is_id(&inner) { (Some(inner), close + 1) } else { (None, from) }
}

/// `AB-12`: two or three capital letters, a hyphen, a number without leading zeros.
fn is_id(text: &str) -> bool {
    let Some((prefix, number)) = text.split_once('-') else { return false };
    (2..=3).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_uppercase())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0')
}

/// What pins one requirement: vectors (by test id) and tests outside the vectors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pinned {
    /// The vectors that pin it.
    pub vectors: Vec<String>,
    /// The other tests that pin it (`path::function`).
    pub tests: Vec<String>,
}

/// The coverage of every requirement, in the order given; ids that vectors
/// or tests name but no requirement has are returned as errors.
pub fn coverage<'a>(
    requirements: &'a [Requirement],
    vector_pins: &BTreeMap<String, Vec<String>>,
    test_pins: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<(&'a Requirement, Pinned)>, String> {
    for (kind, pins) in [("vector", vector_pins), ("test", test_pins)] {
        if let Some((id, by)) = pins.iter().find(|(id, _)| !requirements.iter().any(|r| &r.id == *id)) {
            return Err(format!("{id}, pinned by the {kind} {}, is not the id of a requirement in spec/", by[0]));
        }
    }
    Ok(requirements
        .iter()
        .map(|r| {
            let get = |pins: &BTreeMap<String, Vec<String>>| pins.get(&r.id).cloned().unwrap_or_default();
            (r, Pinned { vectors: get(vector_pins), tests: get(test_pins) })
        })
        .collect())
}

/// The first line of spec/coverage.md.
pub const HEADER: &str = "<!-- @generated by `provedex-conformance generate` from the ids in spec/*.md, the pins of \
                          vectors/ and the Pins comments of the tests. Do not edit: regenerate. -->";

/// The coverage table (spec/coverage.md): each requirement, where it is, and what pins it.
pub fn render_coverage(coverage: &[(&Requirement, Pinned)], header: &str) -> String {
    let pinned = coverage.iter().filter(|(_, p)| !p.vectors.is_empty() || !p.tests.is_empty()).count();
    let by_vectors = coverage.iter().filter(|(_, p)| !p.vectors.is_empty()).count();
    let mut out = format!(
        "{header}\n\n# Requirement coverage\n\n\
         Every normative sentence of the spec (MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT) carries an id, \
         and every id is pinned by at least one golden vector or, for the rules no vector can exercise \
         (how a writer creates files, syncs and recovers; what an adapter must do), by a named test. \
         {pinned} of {} requirements are pinned, {by_vectors} of them by vectors.\n\n\
         | id | requirement | vectors | other tests |\n|---|---|---|---|\n",
        coverage.len()
    );
    for (requirement, pins) in coverage {
        let vectors = match pins.vectors.as_slice() {
            [] => "none".to_owned(),
            [one] => format!("`{one}`"),
            [first, rest @ ..] => format!("{} (`{first}`, …)", rest.len() + 1),
        };
        let tests = if pins.tests.is_empty() {
            "none".to_owned()
        } else {
            pins.tests.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        };
        out.push_str(&format!(
            "| [{}]({}#L{}) | {} | {vectors} | {tests} |\n",
            requirement.id,
            requirement.file,
            requirement.line,
            excerpt(&requirement.text).replace('|', "\\|"),
        ));
    }
    out
}

/// The requirement ids that tests outside the vectors pin, for the rules a
/// vector cannot exercise (how a writer creates key files, locks, syncs,
/// recovers; what an adapter must do): a comment `// Pins: LF-21, SS-3.`
/// in the lines right above a test function names them. Returns id → the
/// tests (`path::function`) that pin it; `files` holds (path, text) pairs.
pub fn test_pins(files: &[(String, String)]) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut pins: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, text) in files {
        let mut pending: Option<(usize, Vec<String>)> = None;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if let Some(list) = trimmed.strip_prefix("// Pins:").or_else(|| trimmed.strip_prefix("/// Pins:")) {
                let ids: Vec<String> =
                    list.trim().trim_end_matches('.').split(',').map(|id| id.trim().to_owned()).collect();
                if let Some(bad) = ids.iter().find(|id| !is_id(id)) {
                    return Err(format!("{path}:{}: {bad:?} is not a requirement id", i + 1));
                }
                pending = Some((i + 1, ids));
            } else if let Some((at, ids)) = &pending {
                let name = trimmed
                    .strip_prefix("fn ")
                    .or_else(|| trimmed.strip_prefix("pub fn "))
                    .and_then(|rest| rest.split('(').next());
                if let Some(name) = name {
                    for id in ids {
                        pins.entry(id.clone()).or_default().push(format!("{path}::{name}"));
                    }
                    pending = None;
                } else if !(trimmed.starts_with("#[") || trimmed.starts_with("//")) {
                    return Err(format!("{path}:{at}: a Pins comment must stand right above a test function"));
                }
            }
        }
        if let Some((at, _)) = pending {
            return Err(format!("{path}:{at}: a Pins comment must stand right above a test function"));
        }
    }
    Ok(pins)
}

/// Where the tests that may carry `// Pins:` comments live, from the repository root.
pub const TEST_DIRS: [&str; 11] = [
    "format/src",
    "verify/src",
    "ledger/src",
    "core/tests",
    "cli/tests",
    "conformance/src",
    "conformance/tests",
    "bindings/ffi/tests",
    "anchor/receipts/src",
    "anchor/publish/src",
    "anchor/publish/tests",
];

/// Everything the coverage table is made of, read from a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traceability {
    /// The requirements of every document of `spec/`, document by document.
    pub requirements: Vec<Requirement>,
    /// id → the vectors (test ids) that list it in `pins`.
    pub vector_pins: BTreeMap<String, Vec<String>>,
    /// id → the tests (`path::function`) whose `// Pins:` comment names it.
    pub test_pins: BTreeMap<String, Vec<String>>,
}

impl Traceability {
    /// Reads `spec/`, `vectors/` and the test sources under `root`; every
    /// fault in the ids is an error, all of them listed.
    pub fn load(root: &Path) -> Result<Self, String> {
        let read = |path: &Path| fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
        let mut requirements = Vec::new();
        let mut faults = Vec::new();
        for (file, _) in PREFIXES {
            match self::requirements(file, &read(&root.join("spec").join(file))?) {
                Ok(found) => requirements.extend(found),
                Err(found) => faults.extend(found.iter().map(ToString::to_string)),
            }
        }
        if !faults.is_empty() {
            return Err(faults.join("\n"));
        }
        let mut vector_pins: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for path in files_with_extension(&root.join("vectors"), "json")? {
            let file: Json = serde_json::from_str(&read(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
            let tests =
                file["test_groups"].as_array().into_iter().flatten().flat_map(|g| g["tests"].as_array()).flatten();
            for test in tests {
                let id = test["id"].as_str().unwrap_or_default();
                for pin in test["pins"].as_array().into_iter().flatten() {
                    let pin = pin.as_str().ok_or_else(|| format!("{id}: pins must be strings"))?;
                    vector_pins.entry(pin.to_owned()).or_default().push(id.to_owned());
                }
            }
        }
        let mut sources = Vec::new();
        for dir in TEST_DIRS {
            for path in files_with_extension(&root.join(dir), "rs")? {
                let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
                sources.push((name, read(&path)?));
            }
        }
        Ok(Traceability { requirements, vector_pins, test_pins: test_pins(&sources)? })
    }

    /// Each requirement with what pins it.
    pub fn coverage(&self) -> Result<Vec<(&Requirement, Pinned)>, String> {
        coverage(&self.requirements, &self.vector_pins, &self.test_pins)
    }
}

/// Every file under `dir` (recursively) whose name ends with `.extension`, sorted.
fn files_with_extension(dir: &Path, extension: &str) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?.path();
        if path.is_dir() {
            found.extend(files_with_extension(&path, extension)?);
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(markdown: &str) -> Vec<(String, String)> {
        requirements("ledger-format.md", markdown).unwrap().into_iter().map(|r| (r.id, r.text)).collect()
    }

    fn faults(markdown: &str) -> Vec<String> {
        requirements("ledger-format.md", markdown).unwrap_err().into_iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn an_id_follows_its_sentence_in_paragraphs_list_items_and_rows() {
        let doc = "# Ledger\n\nA line MUST end with LF. [LF-1] Readers accept\nit. A writer MUST NOT write\nCR. [LF-2]\n\n\
                   - A line MUST NOT be empty (`empty_line`) [LF-3]\n- Nothing here.\n\n\
                   | a | b |\n|---|---|\n| `x` | MUST be hex [LF-4] |\n";
        assert_eq!(
            ids(doc),
            [
                ("LF-1".into(), "A line MUST end with LF.".into()),
                ("LF-2".into(), "A writer MUST NOT write CR.".into()),
                ("LF-3".into(), "A line MUST NOT be empty (`empty_line`)".into()),
                ("LF-4".into(), "| `x` | MUST be hex".into()),
            ]
        );
    }

    #[test]
    fn keywords_in_code_conventions_and_lower_case_state_nothing() {
        let doc = "## Conventions\n\nThe key words MUST and SHALL are BCP 14.\n\n## Rules\n\n\
                   ```\nMUST\n```\n\nThe code `MUST` is quoted. Writers must be careful. Readers SHOULD log.\n";
        assert_eq!(ids(doc), []);
    }

    #[test]
    fn faults_name_the_line_and_the_cause() {
        assert_eq!(
            faults("Intro.\n\nA line MUST end\nwith LF. No id.\n"),
            ["spec/ledger-format.md:3: a requirement without an id: A line MUST end with LF."]
        );
        assert_eq!(
            faults("Nothing required. [LF-1]\n"),
            ["spec/ledger-format.md:1: [LF-1] marks a sentence that states no requirement"]
        );
        assert_eq!(
            faults("It MUST hold. [CJ-1]\n"),
            ["spec/ledger-format.md:1: [CJ-1] does not have this document's prefix LF"]
        );
        assert_eq!(
            faults("It MUST hold. [LF-1]\n\nIt SHALL hold. [LF-1]\n"),
            ["spec/ledger-format.md:3: [LF-1] is already used on line 1"]
        );
    }

    #[test]
    fn tests_name_the_ids_they_pin_right_above_them() {
        let file =
            "use x;\n\n// Pins: LF-21, SS-3.\n#[test]\nfn key_files_are_0600() {}\n\n/// Pins: LF-21\nfn other() {}\n";
        let pins = test_pins(&[("core/tests/keys.rs".into(), file.into())]).unwrap();
        assert_eq!(pins["LF-21"], ["core/tests/keys.rs::key_files_are_0600", "core/tests/keys.rs::other"]);
        assert_eq!(pins["SS-3"], ["core/tests/keys.rs::key_files_are_0600"]);
        let stray = test_pins(&[("a.rs".into(), "// Pins: LF-1\nlet x = 1;\n".into())]).unwrap_err();
        assert_eq!(stray, "a.rs:1: a Pins comment must stand right above a test function");
        let bad = test_pins(&[("a.rs".into(), "// Pins: LF-01\nfn t() {}\n".into())]).unwrap_err();
        assert_eq!(bad, "a.rs:1: \"LF-01\" is not a requirement id");
    }

    #[test]
    fn a_bracket_that_is_not_an_id_is_text() {
        assert!(!is_id("LF-01") && !is_id("lf-1") && !is_id("LFXX-1") && !is_id("LF-") && is_id("CJ-12"));
        assert_eq!(
            faults("A key [see below] MUST be sorted.\n"),
            ["spec/ledger-format.md:1: a requirement without an id: A key [see below] MUST be sorted."]
        );
    }
}
