//! Strings that are almost right: spellings of hex and of event type names
//! that a lax check takes for the real ones (a conversion that trims or
//! accepts a sign, a prefix or an underscore; a regular expression whose
//! `$` matches before a final newline; Unicode digits; case-insensitive or
//! normalizing comparisons; look-alike letters). Each is refused.

/// One near miss: its name in test ids, what it is for people, and the string.
pub struct NearMiss {
    /// The name in test ids.
    pub name: &'static str,
    /// What the string is, for people.
    pub comment: &'static str,
    /// The string.
    pub text: String,
}

fn miss(name: &'static str, comment: &'static str, text: String) -> NearMiss {
    NearMiss { name, comment, text }
}

/// Spellings of `value` (lowercase hex, at least 4 characters) that are
/// not lowercase hex of its length, most of them of the same length.
pub fn hex(value: &str) -> Vec<NearMiss> {
    let n = value.len();
    let head = &value[..n - 1];
    let with_last = |c: &str| format!("{head}{c}");
    vec![
        miss("0x-prefix", "0x in place of the first two digits (int(s, 16) accepts it).", format!("0x{}", &value[2..])),
        miss("plus-sign", "A '+' in place of the first digit (int(s, 16) accepts it).", format!("+{}", &value[1..])),
        miss(
            "leading-space",
            "A space in place of the first digit (int(s, 16) trims it).",
            format!(" {}", &value[1..]),
        ),
        miss("trailing-space", "A space in place of the last digit.", with_last(" ")),
        miss(
            "underscore",
            "An underscore in place of the third digit (int(s, 16) accepts one between digits).",
            format!("{}_{}", &value[..2], &value[3..]),
        ),
        miss(
            "trailing-newline",
            "The value followed by LF: a regular expression whose $ matches before a final newline accepts it.",
            format!("{value}\n"),
        ),
        miss("newline-for-last-digit", "LF in place of the last digit.", with_last("\n")),
        miss("nul-for-last-digit", "U+0000 in place of the last digit (a C string ends there).", with_last("\u{0}")),
        miss("slash", "'/', the character before '0', in place of the last digit.", with_last("/")),
        miss("colon", "':', the character after '9', in place of the last digit.", with_last(":")),
        miss("backtick", "'`', the character before 'a', in place of the last digit.", with_last("`")),
        miss("g", "'g', the letter after 'f', in place of the last digit.", with_last("g")),
        miss("uppercase-f", "An upper-case 'F' in place of the last digit.", with_last("F")),
        miss(
            "fullwidth-digit",
            "A fullwidth zero (U+FF10), a Unicode digit, in place of the last digit.",
            with_last("\u{FF10}"),
        ),
        miss(
            "arabic-indic-digit",
            "An Arabic-Indic zero (U+0660), a Unicode digit, in place of the last digit.",
            with_last("\u{660}"),
        ),
    ]
}

/// Look-alike letters from other scripts for Latin letters (a name's first
/// letter that has one is replaced: lower-case ones serve `Redacted`, whose
/// capital has none).
const LOOK_ALIKES: [(char, char); 19] = [
    ('A', '\u{410}'),
    ('B', '\u{412}'),
    ('C', '\u{421}'),
    ('E', '\u{415}'),
    ('H', '\u{41D}'),
    ('I', '\u{406}'),
    ('K', '\u{41A}'),
    ('M', '\u{41C}'),
    ('O', '\u{41E}'),
    ('P', '\u{420}'),
    ('S', '\u{405}'),
    ('T', '\u{422}'),
    ('U', '\u{54D}'),
    ('X', '\u{425}'),
    ('a', '\u{430}'),
    ('c', '\u{441}'),
    ('e', '\u{435}'),
    ('o', '\u{43E}'),
    ('p', '\u{440}'),
];

/// Spellings of the event type `name` (CamelCase ASCII) that name no variant.
pub fn type_name(name: &str) -> Vec<NearMiss> {
    let mut chars = name.chars();
    let first = chars.next().expect("a type name is not empty");
    let rest: String = chars.collect();
    let second_word = name[1..].find(|c: char| c.is_ascii_uppercase()).map_or(name.len(), |i| i + 1);
    let snake: String = name
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
            sep.into_iter().chain(std::iter::once(c.to_ascii_lowercase()))
        })
        .collect();
    let look_alike = name
        .char_indices()
        .find_map(|(i, c)| LOOK_ALIKES.iter().find(|(latin, _)| *latin == c).map(|(_, other)| (i, *other)))
        .map(|(i, other)| format!("{}{other}{}", &name[..i], &name[i + 1..]))
        .expect("the name has a letter with a look-alike");
    let fullwidth = char::from_u32(u32::from(first) - u32::from('A') + 0xFF21).expect("a fullwidth capital");
    vec![
        miss("lowercase", "The name in lower case: names are case-sensitive.", name.to_lowercase()),
        miss("uppercase", "The name in upper case.", name.to_uppercase()),
        miss("camel-case", "The first letter in lower case.", format!("{}{rest}", first.to_ascii_lowercase())),
        miss("snake-case", "The name in snake_case.", snake),
        miss("leading-space", "A space before the name: names are not trimmed.", format!(" {name}")),
        miss("trailing-space", "A space after the name.", format!("{name} ")),
        miss("trailing-newline", "LF after the name.", format!("{name}\n")),
        miss("trailing-nul", "U+0000 after the name (a C string ends there).", format!("{name}\u{0}")),
        miss(
            "missing-last-letter",
            "The name without its last letter: not a prefix match.",
            name[..name.len() - 1].to_owned(),
        ),
        miss("extra-letter", "The name with a letter more.", format!("{name}s")),
        miss("namespaced", "The name behind a namespace.", format!("provedex.{name}")),
        miss(
            "zero-width-space",
            "A zero-width space (U+200B) before the second word.",
            format!("{}\u{200B}{}", &name[..second_word], &name[second_word..]),
        ),
        miss("look-alike", "A letter replaced by its look-alike from another script.", look_alike),
        miss(
            "fullwidth",
            "The first letter fullwidth: equal to the name only after NFKC normalization.",
            format!("{fullwidth}{rest}"),
        ),
    ]
}
