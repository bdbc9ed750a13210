//! POSIX regular expressions (what the server hands to glibc `regcomp`) compiled with the
//! `regex` crate: basic or extended syntax per `REG_EXTENDED`, and the glibc flag values.

use regex::bytes::{Regex, RegexBuilder};

use crate::result_code::{ResultCode, PARAMETER_ERROR};

const REG_EXTENDED: i64 = 1;
const REG_ICASE: i64 = 2;
const REG_NEWLINE: i64 = 4;
/// Compiled-program size bound: hostile patterns fail instead of exhausting memory.
const SIZE_LIMIT: usize = 1 << 20;

/// Compiles a pattern for an unanchored search, as `regexec` does.
pub fn compile(pattern: &[u8], flags: i64) -> Result<Regex, ResultCode> {
    let pattern = std::str::from_utf8(pattern).map_err(|_| PARAMETER_ERROR)?;
    let translated = translate(pattern, flags & REG_EXTENDED != 0)?;
    let newline = flags & REG_NEWLINE != 0;
    RegexBuilder::new(&translated)
        .case_insensitive(flags & REG_ICASE != 0)
        .multi_line(newline)
        .dot_matches_new_line(!newline)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|_| PARAMETER_ERROR)
}

/// Rewrites POSIX syntax into `regex` syntax. Basic syntax swaps the meaning of escaped and
/// bare `( ) { } | + ?`; in both, bracket expressions treat backslash literally, and
/// back-references (unsupported by `regex`) are refused.
fn translate(pattern: &str, extended: bool) -> Result<String, ResultCode> {
    const SPECIAL_IN_BASIC: &str = "(){}|+?";
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next().ok_or(PARAMETER_ERROR)?;
                match escaped {
                    '1'..='9' => return Err(PARAMETER_ERROR),
                    '<' | '>' => out.push_str(r"\b"),
                    c if !extended && SPECIAL_IN_BASIC.contains(c) => out.push(c),
                    c if c.is_ascii_alphanumeric() && !"wWsSbB".contains(c) => out.push(c),
                    c => {
                        out.push('\\');
                        out.push(c);
                    }
                }
            }
            c if !extended && SPECIAL_IN_BASIC.contains(c) => {
                out.push('\\');
                out.push(c);
            }
            '[' => bracket(&mut chars, &mut out)?,
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Copies a bracket expression (after its `[`), escaping what `regex` would read as syntax.
fn bracket(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) -> Result<(), ResultCode> {
    out.push('[');
    if chars.peek() == Some(&'^') {
        chars.next();
        out.push('^');
    }
    // A `]` first in the list is a literal.
    if chars.peek() == Some(&']') {
        chars.next();
        out.push_str(r"\]");
    }
    while let Some(c) = chars.next() {
        match c {
            ']' => {
                out.push(']');
                return Ok(());
            }
            '[' if matches!(chars.peek(), Some(':' | '.' | '=')) => {
                // A class like [:alpha:]: copy through its closing `:]`.
                out.push('[');
                let mut prev = '[';
                for c in chars.by_ref() {
                    out.push(c);
                    if c == ']' && prev == ':' {
                        break;
                    }
                    prev = c;
                }
            }
            '\\' | '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Err(PARAMETER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_syntaxes_match_like_posix() {
        let cases: [(&str, i64, &str, bool); 14] = [
            ("^ab.*z$", 0, "abcz", true),
            ("b", 0, "abc", true),
            ("AB", 0, "xab", false),
            ("AB", REG_ICASE, "xab", true),
            ("a+", 0, "aa", false),
            ("a+", 0, "a+", true),
            ("a\\+", 0, "aa", true),
            ("a+", REG_EXTENDED, "aa", true),
            ("\\(ab\\)\\{2\\}", 0, "abab", true),
            ("(ab){2}", REG_EXTENDED, "abab", true),
            ("^b", 0, "a\nb", false),
            ("^b", REG_NEWLINE, "a\nb", true),
            ("[[:digit:]]+$", REG_EXTENDED, "id42", true),
            ("[\\]x", REG_EXTENDED, "a\\x", true),
        ];
        for (pattern, flags, subject, want) in cases {
            let re = compile(pattern.as_bytes(), flags).unwrap();
            assert_eq!(
                re.is_match(subject.as_bytes()),
                want,
                "{pattern:?} {flags} {subject:?}"
            );
        }
    }

    #[test]
    fn unsupported_or_broken_patterns_are_parameter_errors() {
        for pattern in ["(a", "\\(a\\)\\1", "[abc", "a\\", "a{99999999}"] {
            let flags = if pattern.starts_with('(') || pattern.contains('{') {
                REG_EXTENDED
            } else {
                0
            };
            assert_eq!(
                compile(pattern.as_bytes(), flags).err(),
                Some(PARAMETER_ERROR),
                "{pattern}"
            );
        }
        assert_eq!(compile(&[0xff], 0).err(), Some(PARAMETER_ERROR));
    }
}
