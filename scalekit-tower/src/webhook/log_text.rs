//! Untrusted text made safe for a log line.

/// The longest rendition written to a log line, in characters.
const MAX_CHARS: usize = 200;

/// `text` with control characters (and quotes, backslashes) escaped, cut to
/// 200 characters, so a delivery cannot forge or break log lines.
pub(crate) fn visible(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{MAX_CHARS, visible};

    #[test]
    fn control_characters_are_made_visible_and_long_text_cut() {
        assert_eq!(visible("a\nb\u{1b}[31m\u{0}"), "a\\nb\\u{1b}[31m\\0");
        let long = "x".repeat(500);
        assert_eq!(visible(&long).chars().count(), MAX_CHARS + 1);
    }
}
