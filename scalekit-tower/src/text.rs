//! Text from upstream, made safe to show in a terminal or a log line.
//!
//! Scalekit's error messages (or a hostile server's) are data: written raw,
//! an escape sequence would recolour or rewrite the terminal and a newline
//! would forge a log line. [`SafeText`] shows them with every control,
//! line-breaking and direction-changing character escaped, so they stay
//! visible and inert.

use std::fmt;

/// Displays a string with control characters, line and paragraph
/// separators and bidirectional formatting characters escaped
/// (`\n`, `\u{1b}`, `\u{202e}`), and backslashes doubled, so the escaped
/// form cannot be mistaken for the real thing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SafeText<'a>(pub(crate) &'a str);

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\\' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

impl fmt::Display for SafeText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
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
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::SafeText;

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
}
