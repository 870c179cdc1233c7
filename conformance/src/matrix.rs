//! The results matrix (`provedex-conformance matrix`, spec/conformance.md,
//! Results matrix): several adapters run against the same vectors, and one
//! table of implementations × conformance levels × vector files, as
//! Markdown (the README shows it between two marker comments) and as a
//! self-contained HTML page. Names come from the command line and from each
//! adapter's `hello`, which is untrusted text: both renderings escape it.

use std::fmt::Write as _;
use std::time::Duration;

use provedex_core::display::escape;
use serde_json::Value as Json;

use crate::levels::{Level, LevelReport};
use crate::runner::{self, FileTally, RunReport};
use crate::vector::VectorFile;

/// One implementation of the matrix: a name for people and its adapter's command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixAdapter {
    /// The name its rows carry.
    pub name: String,
    /// The adapter command and its arguments.
    pub command: Vec<String>,
}

impl MatrixAdapter {
    /// Reads `NAME=COMMAND`: the name up to the first `=`, then the command,
    /// split into words as a POSIX shell would (quotes and backslashes
    /// included, nothing expanded).
    pub fn parse(spec: &str) -> Result<MatrixAdapter, String> {
        let Some((name, command)) = spec.split_once('=') else {
            return Err(format!("expected NAME=COMMAND, got {spec:?}"));
        };
        if name.trim().is_empty() {
            return Err(format!("the adapter {spec:?} has no name before ="));
        }
        let command = shlex::split(command).ok_or_else(|| format!("unbalanced quotes in the command of {name:?}"))?;
        if command.is_empty() {
            return Err(format!("the adapter {name:?} has no command after ="));
        }
        Ok(MatrixAdapter { name: name.trim().to_owned(), command })
    }
}

/// One row group of the matrix: an implementation's name and its run's report.
pub struct MatrixEntry {
    /// The name given on the command line.
    pub name: String,
    /// What its run found.
    pub report: RunReport,
}

/// Runs every adapter over all of `vectors`, one after the other. An adapter
/// that cannot be run at all (it does not start or refuses hello) is an
/// error naming it: a matrix without its row would say nothing of it.
pub fn run(
    adapters: &[MatrixAdapter],
    vectors: &[(String, VectorFile)],
    timeout: Duration,
) -> Result<Vec<MatrixEntry>, String> {
    adapters
        .iter()
        .map(|adapter| {
            let report = runner::run(vectors, &adapter.command, None, timeout)
                .map_err(|e| format!("the adapter {:?}: {e}", adapter.name))?;
            Ok(MatrixEntry { name: adapter.name.clone(), report })
        })
        .collect()
}

/// What a cell counts: the tests of one file a level judges that passed, of
/// those that ran; tests the adapter skipped are noted apart; "—" where the
/// level judges none of the file's tests.
fn cell(tally: &FileTally) -> String {
    let ran = tally.passed + tally.failed + tally.errored;
    match (ran, tally.skipped) {
        (0, 0) => "—".to_owned(),
        (0, skipped) => format!("{skipped} skipped"),
        (ran, 0) => format!("{}/{ran}", tally.passed),
        (ran, skipped) => format!("{}/{ran}, {skipped} skipped", tally.passed),
    }
}

/// The legend printed under both renderings.
const LEGEND: &str = "Each cell counts, among the tests of that vector file that the level judges, those that passed \
     of those that ran; tests the adapter skipped are counted apart; — means the level judges none of the file's \
     tests. A level is met when every test it judges passed; an implementation reaches the last level of an \
     unbroken run of met levels from verdict-compatible (spec/conformance.md, Conformance levels).";

/// The implementation's description from its `hello`: name, version and language.
fn implementation(report: &RunReport) -> String {
    let field = |k: &str| report.implementation.get(k).and_then(Json::as_str).unwrap_or("?").to_owned();
    format!("{} {} ({})", field("name"), field("version"), field("language"))
}

/// The vector files of the matrix's columns, as the first run has them (every run reads the same vectors).
fn files(entries: &[MatrixEntry]) -> Vec<&str> {
    entries.first().map(|e| e.report.files.iter().map(|f| f.file.as_str()).collect()).unwrap_or_default()
}

/// The cells of one level's row: one per file, then all files.
fn cells<'a>(level: &'a LevelReport, files: &'a [&str]) -> impl Iterator<Item = String> + 'a {
    let of = |file: &&str| level.files.iter().find(|t| t.file == *file).map(cell).unwrap_or_else(|| "—".into());
    files.iter().map(of).chain([cell(&level.total)])
}

/// The highest level reached, as a cell.
fn highest(report: &RunReport) -> &'static str {
    report.highest_level.map_or("none", Level::name)
}

/// The characters that mean something inside a Markdown table cell: a cell
/// boundary, emphasis, code, a link, inline HTML or an entity, a backslash escape.
const MARKDOWN_SPECIAL: &str = "\\`*_[]<>|~&";

/// Text made literal for Markdown: escaped for people, then each of
/// [`MARKDOWN_SPECIAL`] backslash-escaped (CommonMark), so a name cannot
/// end a table cell or open a link or inline HTML.
fn markdown_text(text: &str) -> String {
    let mut out = String::new();
    for c in escape(text).chars() {
        if MARKDOWN_SPECIAL.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text made literal for HTML: escaped for people, then `& < > " '` as entities.
fn html_text(text: &str) -> String {
    let mut out = String::new();
    for c in escape(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The matrix as a Markdown table, a row per implementation and level, a
/// column per vector file, followed by its legend.
pub fn markdown(entries: &[MatrixEntry]) -> String {
    let files = files(entries);
    let mut out = String::from("| implementation | highest level | level | result |");
    for file in &files {
        let _ = write!(out, " `{file}` |");
    }
    out.push_str(" all files |\n|---|---|---|---|");
    out.push_str(&"---:|".repeat(files.len() + 1));
    out.push('\n');
    for entry in entries {
        for (i, level) in entry.report.levels.iter().enumerate() {
            let (name, highest) = if i == 0 {
                let described = format!("{}: {}", entry.name, implementation(&entry.report));
                (markdown_text(&described), format!("**{}**", highest(&entry.report)))
            } else {
                (String::new(), String::new())
            };
            let _ = write!(out, "| {name} | {highest} | {} | {} |", level.level.name(), level.status.text());
            for cell in cells(level, &files) {
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "\n{LEGEND}");
    out
}

/// The matrix as one self-contained HTML page (inline style, no scripts, no
/// external resources), with the table of [`markdown`] and its legend.
pub fn html(entries: &[MatrixEntry]) -> String {
    let files = files(entries);
    let mut out = String::from(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<title>Provedex conformance matrix</title>\n<style>\n",
        "body { font-family: system-ui, sans-serif; margin: 2em; }\n",
        "table { border-collapse: collapse; }\n",
        "th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; }\n",
        "td.count { text-align: right; font-variant-numeric: tabular-nums; }\n",
        "td.met { background: #dff0d8; } td.not-met { background: #f2dede; } td.not-judged { background: #eee; }\n",
        "</style>\n</head>\n<body>\n<h1>Provedex conformance matrix</h1>\n<table>\n<thead>\n<tr>",
        "<th>implementation</th><th>highest level</th><th>level</th><th>result</th>",
    ));
    for file in &files {
        let _ = write!(out, "<th>{}</th>", html_text(file));
    }
    out.push_str("<th>all files</th></tr>\n</thead>\n<tbody>\n");
    for entry in entries {
        let rows = entry.report.levels.len();
        for (i, level) in entry.report.levels.iter().enumerate() {
            out.push_str("<tr>");
            if i == 0 {
                let _ = write!(
                    out,
                    "<th rowspan=\"{rows}\">{}<br><small>{}</small></th><td rowspan=\"{rows}\"><strong>{}</strong></td>",
                    html_text(&entry.name),
                    html_text(&implementation(&entry.report)),
                    highest(&entry.report)
                );
            }
            let status = level.status.text();
            let class = status.replace(' ', "-");
            let _ = write!(out, "<td>{}</td><td class=\"{class}\">{status}</td>", level.level.name());
            for cell in cells(level, &files) {
                let _ = write!(out, "<td class=\"count\">{cell}</td>");
            }
            out.push_str("</tr>\n");
        }
    }
    let _ = write!(out, "</tbody>\n</table>\n<p>{}</p>\n</body>\n</html>\n", html_text(LEGEND));
    out
}

/// The comment before the README's matrix.
pub const README_BEGIN: &str =
    "<!-- conformance matrix: written by `scripts/matrix.sh` (provedex-conformance matrix --readme); do not edit -->";

/// The comment after the README's matrix.
pub const README_END: &str = "<!-- end of the conformance matrix -->";

/// `readme` with the text between [`README_BEGIN`] and [`README_END`] replaced by `markdown`.
pub fn with_readme_section(readme: &str, markdown: &str) -> Result<String, String> {
    let missing =
        || format!("no matrix section: the README needs a line {README_BEGIN} and, after it, a line {README_END}");
    let begin = readme.find(README_BEGIN).ok_or_else(missing)? + README_BEGIN.len();
    let end = begin + readme[begin..].find(README_END).ok_or_else(missing)?;
    Ok(format!("{}\n{markdown}{}", &readme[..begin], &readme[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapters_are_a_name_and_shell_words() {
        let parsed = MatrixAdapter::parse("the core = target/x adapter 'a b' c\\ d").unwrap();
        assert_eq!(parsed.name, "the core");
        assert_eq!(parsed.command, ["target/x", "adapter", "a b", "c d"]);
        assert!(MatrixAdapter::parse("no-equals").unwrap_err().contains("NAME=COMMAND"));
        assert!(MatrixAdapter::parse("=cmd").unwrap_err().contains("no name"));
        assert!(MatrixAdapter::parse("x=  ").unwrap_err().contains("no command"));
        assert!(MatrixAdapter::parse("x=cmd 'open").unwrap_err().contains("unbalanced quotes"));
    }

    #[test]
    fn untrusted_names_stay_text() {
        assert_eq!(markdown_text("a|b <i>*x*</i> (1.0)\u{1b}[2J"), "a\\|b \\<i\\>\\*x\\*\\</i\\> (1.0)\\\\x1b\\[2J");
        assert_eq!(html_text("<script>\"'&\u{202e}"), "&lt;script&gt;&quot;&#39;&amp;\\u{202e}");
    }

    #[test]
    fn the_readme_section_is_replaced_between_its_markers() {
        let readme = format!("intro\n{README_BEGIN}\nold table\n{README_END}\nrest\n");
        let updated = with_readme_section(&readme, "| new |\n").unwrap();
        assert_eq!(updated, format!("intro\n{README_BEGIN}\n| new |\n{README_END}\nrest\n"));
        assert_eq!(with_readme_section(&updated, "| new |\n").unwrap(), updated);
        assert!(with_readme_section("no markers", "x").unwrap_err().contains("no matrix section"));
    }
}
