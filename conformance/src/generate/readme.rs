//! The figures the README quotes about the vectors (the count per file, the
//! total, and the "N of N" sentences), rewritten from the generator's real
//! counts so that a spec change never leaves them behind.

/// `readme` with every vector figure set from `counts` (stem, tests). An
/// expected row or sentence that is missing is an error naming it: the
/// figures are never silently left out.
pub fn with_vector_figures(readme: &str, counts: &[(&str, usize)]) -> Result<String, String> {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let mut found_rows = vec![false; counts.len()];
    let mut found_total = false;
    let mut lines: Vec<String> = Vec::new();
    for line in readme.split_inclusive('\n') {
        let mut line = line.to_owned();
        for (i, (stem, count)) in counts.iter().enumerate() {
            if line.starts_with(&format!("| `{stem}.json` |")) {
                line = with_cell(&line, 3, &count.to_string())?;
                found_rows[i] = true;
            }
        }
        if line.starts_with("| **total** |") {
            line = with_cell(&line, 3, &format!("**{total}**"))?;
            found_total = true;
        }
        lines.push(line);
    }
    if let Some(i) = found_rows.iter().position(|found| !found) {
        return Err(format!("the README has no table row for {}.json", counts[i].0));
    }
    if !found_total {
        return Err("the README has no `| **total** |` row".into());
    }
    let text = lines.concat();
    let text = with_number_in(&text, "each ", " of ", "", total)?;
    let text = with_number_in(&text, "It passes all ", "", " vectors", total)?;
    Ok(text)
}

/// `line` with its `index`th `|`-separated cell replaced by ` value `.
fn with_cell(line: &str, index: usize, value: &str) -> Result<String, String> {
    let mut cells: Vec<&str> = line.split('|').collect();
    if cells.len() <= index + 1 {
        return Err(format!("the README row {:?} has fewer cells than expected", line.trim_end()));
    }
    let padded = format!(" {value} ");
    cells[index] = &padded;
    Ok(cells.join("|"))
}

/// Rewrites the number(s) in every `{before}N{middle}N{after}` (or
/// `{before}N{after}` when `middle` is empty), which must occur at least once.
fn with_number_in(text: &str, before: &str, middle: &str, after: &str, value: usize) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut replaced = 0;
    while let Some(start) = rest.find(before) {
        let (head, tail) = rest.split_at(start + before.len());
        out.push_str(head);
        let Some(after_numbers) = skip_figure(tail, middle, after) else {
            rest = tail;
            continue;
        };
        out.push_str(&if middle.is_empty() { value.to_string() } else { format!("{value}{middle}{value}") });
        out.push_str(after);
        rest = &tail[after_numbers..];
        replaced += 1;
    }
    out.push_str(rest);
    if replaced == 0 {
        return Err(format!("the README has no sentence with {:?}", format!("{before}N{middle}{after}")));
    }
    Ok(out)
}

/// The length of `N{middle}N{after}` (or `N{after}`) at the start of `text`, if it is there.
fn skip_figure(text: &str, middle: &str, after: &str) -> Option<usize> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let first = digits(text);
    if first == 0 {
        return None;
    }
    let mut at = first;
    if !middle.is_empty() {
        at += text[at..].starts_with(middle).then_some(middle.len())?;
        let second = digits(&text[at..]);
        if second == 0 {
            return None;
        }
        at += second;
    }
    text[at..].starts_with(after).then_some(at + after.len())
}

#[cfg(test)]
mod tests {
    use super::with_vector_figures;

    const README: &str = "intro\n\
        | file | operation | tests | what |\n\
        | `a.json` | `op` | 7 | x |\n\
        | `b.json` | `op` | 1 | y |\n\
        | **total** | | **8** | |\n\
        The command runs it against four, each 8 of 8\npassed; each of them too.\n\
        It passes all 8 vectors.\n";

    #[test]
    fn every_figure_follows_the_counts_and_nothing_else_changes() {
        let updated = with_vector_figures(README, &[("a", 10), ("b", 2)]).unwrap();
        assert_eq!(
            updated,
            "intro\n\
             | file | operation | tests | what |\n\
             | `a.json` | `op` | 10 | x |\n\
             | `b.json` | `op` | 2 | y |\n\
             | **total** | | **12** | |\n\
             The command runs it against four, each 12 of 12\npassed; each of them too.\n\
             It passes all 12 vectors.\n"
        );
        assert_eq!(with_vector_figures(&updated, &[("a", 7), ("b", 1)]).unwrap(), README);
    }

    #[test]
    fn a_missing_row_or_sentence_is_an_error() {
        assert!(with_vector_figures(README, &[("a", 1), ("c", 1)]).unwrap_err().contains("c.json"));
        let no_sentence = README.replace("It passes all 8 vectors.\n", "");
        assert!(with_vector_figures(&no_sentence, &[("a", 1), ("b", 1)]).unwrap_err().contains("passes all"));
    }
}
