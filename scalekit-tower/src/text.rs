//! Untrusted text, made safe to show in a terminal, a log line or an
//! error's `Display`: the kit's one policy for it.
//!
//! Scalekit's error messages (or a hostile server's), a webhook's id and
//! type, a tenant id are data: written raw, an escape sequence would recolour
//! or rewrite the terminal and a newline would forge a log line. [`SafeText`]
//! shows them with every control, line-breaking and direction-changing
//! character escaped, so they stay visible and inert, and cut to
//! [`MAX_CHARS`] characters, so a huge one cannot flood the log.

use std::fmt;

/// The most characters of untrusted text shown (or kept); longer text is cut
/// and ends in `…`.
pub(crate) const MAX_CHARS: usize = 300;

/// Displays a string with control characters, line and paragraph
/// separators and bidirectional formatting characters escaped
/// (`\n`, `\u{1b}`, `\u{202e}`), and backslashes doubled, so the escaped
/// form cannot be mistaken for the real thing; cut to [`MAX_CHARS`]
/// characters and `…`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SafeText<'a>(pub(crate) &'a str);

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\\' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// `text` cut to its first [`MAX_CHARS`] characters, and whether anything
/// was cut.
pub(crate) fn cut(text: &str) -> (&str, bool) {
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => (&text[..end], true),
        None => (text, false),
    }
}

/// `text` cut to [`MAX_CHARS`] characters, ending in `…` when it was cut:
/// how much untrusted text the kit keeps.
pub(crate) fn kept(text: &str) -> String {
    match cut(text) {
        (whole, false) => whole.to_owned(),
        (start, true) => format!("{start}…"),
    }
}

impl fmt::Display for SafeText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (shown, was_cut) = cut(self.0);
        let mut rest = shown;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\\' => f.write_str("\\\\")?,
                other => write!(f, "\\u{{{:x}}}", other as u32)?,
            }
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)?;
        if was_cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_CHARS, SafeText, kept};

    #[test]
    fn control_and_direction_characters_are_visible() {
        let shown = SafeText("ok\n2026-01-01 INFO forged\x1b[31mred\u{202e}rtl\\").to_string();
        assert_eq!(
            shown,
            "ok\\n2026-01-01 INFO forged\\u{1b}[31mred\\u{202e}rtl\\\\"
        );
        assert!(!shown.chars().any(char::is_control));
        assert_eq!(
            SafeText("Token empty, é ü 日本").to_string(),
            "Token empty, é ü 日本"
        );
    }

    #[test]
    fn long_text_is_cut_to_one_length() {
        let long = "é\n".repeat(500);
        let shown = SafeText(&long).to_string();
        assert!(shown.ends_with('…'));
        // MAX_CHARS characters of input, each line break escaped to two.
        assert_eq!(shown.chars().count(), MAX_CHARS / 2 * 3 + 1);
        let short = "x".repeat(MAX_CHARS);
        assert_eq!(SafeText(&short).to_string(), short);
        assert_eq!(kept(&long).chars().count(), MAX_CHARS + 1);
        assert_eq!(kept(&short), short);
    }
}
