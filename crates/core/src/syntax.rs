//! Literate files: find the fenced blocks the engine reads and split them
//! into `key: value` fields, keeping byte spans for diagnostics.
//!
//! Invariant: nothing here panics, whatever the input. Errors are returned
//! with spans; a malformed block never hides the blocks after it.

use std::ops::Range;

pub(crate) type Span = Range<usize>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Rule,
    Event,
    Example,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub kind: BlockKind,
    /// Span of the body (between the fences).
    pub body: Span,
    /// Span of the opening fence line, for "block-level" diagnostics.
    pub fence: Span,
    /// The Markdown prose since the previous block or heading: the statute
    /// text this block encodes.
    pub prose: String,
    /// The nearest heading above the block.
    pub heading: String,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub key: String,
    pub key_span: Span,
    pub value: String,
    pub value_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

/// Iterates lines with their byte offsets; handles `\r\n`.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        (start, raw.trim_end_matches(['\n', '\r']))
    })
}

/// Finds the `rule`, `event` and `example` blocks of a Markdown file.
pub fn blocks(text: &str) -> (Vec<Block>, Vec<SyntaxError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut prose = String::new();
    let mut heading = String::new();
    // (kind or None for foreign fences, fence span, body start, fence marker)
    let mut open: Option<(Option<BlockKind>, Span, usize, String)> = None;
    for (start, line) in lines(text) {
        let trimmed = line.trim_start();
        match &open {
            None => {
                if let Some(fence) = fence_marker(trimmed) {
                    let info = trimmed[fence.len()..].trim();
                    let kind = match info.split_whitespace().next().unwrap_or("") {
                        "rule" => Some(BlockKind::Rule),
                        "event" => Some(BlockKind::Event),
                        "example" => Some(BlockKind::Example),
                        _ => None,
                    };
                    let body_start = (start + line.len() + 1).min(text.len());
                    open = Some((kind, start..start + line.len(), body_start, fence));
                } else if let Some(h) = trimmed.strip_prefix('#') {
                    heading = h.trim_start_matches('#').trim().to_string();
                    prose.clear();
                } else {
                    prose.push_str(line);
                    prose.push('\n');
                }
            }
            Some((kind, fence, body_start, marker)) => {
                if trimmed.starts_with(marker.as_str())
                    && trimmed
                        .trim_start_matches('`')
                        .trim_start_matches('~')
                        .trim()
                        .is_empty()
                {
                    if let Some(kind) = kind {
                        out.push(Block {
                            kind: *kind,
                            body: *body_start..start.max(*body_start),
                            fence: fence.clone(),
                            prose: prose.trim().to_string(),
                            heading: heading.clone(),
                        });
                        if *kind == BlockKind::Rule {
                            prose.clear();
                        }
                    }
                    open = None;
                }
            }
        }
    }
    if let Some((Some(_), fence, _, _)) = open {
        errors.push(SyntaxError {
            message: "this block is never closed".into(),
            span: fence,
            help: Some("add a closing ``` line after the block".into()),
        });
    }
    (out, errors)
}

fn fence_marker(line: &str) -> Option<String> {
    for ch in ['`', '~'] {
        let n = line.chars().take_while(|c| *c == ch).count();
        if n >= 3 {
            return Some(std::iter::repeat_n(ch, n).collect());
        }
    }
    None
}

/// Splits a block body into `key: value` fields. A value continues on the
/// following indented lines. Comment lines start with `#`.
pub fn fields(text: &str, body: &Span) -> (Vec<Field>, Vec<SyntaxError>) {
    let mut out: Vec<Field> = Vec::new();
    let mut errors = Vec::new();
    let Some(src) = text.get(body.clone()) else {
        return (out, errors);
    };
    for (rel, line) in lines(src) {
        let start = body.start + rel;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some(f) => {
                    f.value.push('\n');
                    f.value.push_str(line);
                    f.value_span.end = start + line.len();
                }
                None => errors.push(SyntaxError {
                    message: "an indented line must continue a field".into(),
                    span: start..start + line.len(),
                    help: Some("start the block with `key: value`".into()),
                }),
            }
            continue;
        }
        match line.find(':') {
            Some(colon)
                if colon > 0
                    && line[..colon]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-') =>
            {
                let raw = &line[colon + 1..];
                let lead = raw.len() - raw.trim_start().len();
                let vstart = start + colon + 1 + lead;
                out.push(Field {
                    key: line[..colon].to_string(),
                    key_span: start..start + colon,
                    value: raw.trim().to_string(),
                    value_span: vstart..start + line.trim_end().len().max(colon + 1 + lead),
                });
            }
            _ => errors.push(SyntaxError {
                message: "expected `key: value`".into(),
                span: start..start + line.len(),
                help: Some("field names are lowercase, e.g. `citation: ...`; indent a line to continue the previous value".into()),
            }),
        }
    }
    (out, errors)
}

/// Line and column (1-based) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_and_prose() {
        let text =
            "# § 1\nThe law says.\n\n```rule\nid: a\nwhen: x\n  and y\n```\n\n```json\n{}\n```\n";
        let (bs, errs) = blocks(text);
        assert!(errs.is_empty());
        assert_eq!(bs.len(), 1);
        assert_eq!(bs[0].heading, "§ 1");
        assert_eq!(bs[0].prose, "The law says.");
        let (fs, errs) = fields(text, &bs[0].body);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(fs.len(), 2);
        assert_eq!(fs[1].key, "when");
        assert_eq!(&text[fs[1].value_span.clone()], "x\n  and y");
    }

    #[test]
    fn unclosed_block_is_an_error() {
        let (bs, errs) = blocks("```rule\nid: a\n");
        assert!(bs.is_empty());
        assert_eq!(errs.len(), 1);
    }
}
