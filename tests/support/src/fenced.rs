//! The fenced code blocks of a Markdown text (a README), for the tests that
//! run what the READMEs show.
//!
//! A block that is not meant to be run says so on the line just before its
//! fence, with its reason: `<!-- not run: installs into your project -->`
//! (an HTML comment: invisible where the README is rendered).

/// One fenced block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The info string's first word (`sh`, `js`, `rust`...).
    pub language: String,
    /// The 1-based line of its opening fence.
    pub line: usize,
    /// Its text, without the fences.
    pub body: String,
    /// The reason from a `<!-- not run: ... -->` line just before it.
    pub not_run: Option<String>,
}

/// The marker's opening, before the reason.
const NOT_RUN: &str = "<!-- not run:";

/// Every fenced block of `markdown`, in order (``` fences only).
pub fn blocks(markdown: &str) -> Vec<Block> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let Some(info) = lines[index].trim_start().strip_prefix("```") else {
            index += 1;
            continue;
        };
        let start = index;
        let end = (start + 1..lines.len())
            .find(|&i| lines[i].trim() == "```")
            .unwrap_or(lines.len());
        let not_run = start
            .checked_sub(1)
            .map(|before| lines[before].trim())
            .and_then(|before| before.strip_prefix(NOT_RUN))
            .and_then(|rest| rest.strip_suffix("-->"))
            .map(|reason| reason.trim().to_owned());
        blocks.push(Block {
            language: info
                .split(|c: char| c == ',' || c.is_whitespace())
                .next()
                .unwrap_or_default()
                .to_owned(),
            line: start + 1,
            body: lines[start + 1..end.min(lines.len())].join("\n"),
            not_run,
        });
        index = end + 1;
    }
    blocks
}

/// The body of the first block in `language` whose text contains `marker`.
///
/// # Panics
///
/// When there is none: the README drifted from the test that reads it.
pub fn block(markdown: &str, language: &str, marker: &str) -> String {
    blocks(markdown)
        .into_iter()
        .find(|b| b.language == language && b.body.contains(marker))
        .unwrap_or_else(|| panic!("no ```{language} block with {marker:?}"))
        .body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_their_language_and_markers() {
        let text = "intro\n```sh\necho one\n```\n<!-- not run: a server -->\n```sh\nserve\n```\n```rust,no_run\nfn main() {}\n```\n";
        let found = blocks(text);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].body, "echo one");
        assert_eq!(found[0].line, 2);
        assert_eq!(found[0].not_run, None);
        assert_eq!(found[1].not_run.as_deref(), Some("a server"));
        assert_eq!(found[2].language, "rust");
        assert_eq!(block(text, "sh", "serve"), "serve");
    }
}
