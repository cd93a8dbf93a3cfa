//! Text helpers the judges share: lines around a match, identifiers, and the
//! line shape of notebooks (a Jupyter cell stores each source line as a JSON
//! string, `"    x = 1\n",`, which is unwrapped before it is judged).

/// Most lines a judge looks at on either side of a match.
pub const MAX_LINES: usize = 40;

/// A line of source: its text (notebook quoting removed) and its byte offset.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub text: &'a str,
    pub start: usize,
}

impl<'a> Line<'a> {
    /// Leading spaces (a tab counts as four).
    pub fn indent(&self) -> usize {
        self.text
            .bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .map(|b| if b == b'\t' { 4 } else { 1 })
            .sum()
    }

    pub fn trimmed(&self) -> &'a str {
        self.text.trim()
    }

    /// Blank or a comment only.
    pub fn is_blank(&self) -> bool {
        let t = self.trimmed();
        t.is_empty() || t.starts_with('#') || t.starts_with("//")
    }
}

/// A line's source text, owned: a notebook line with its JSON quoting
/// removed, any other line as it is.
#[derive(Debug, Clone)]
pub struct SourceLine {
    pub text: String,
}

impl SourceLine {
    pub fn of(lines: &[Line<'_>], notebook: bool) -> Vec<SourceLine> {
        lines
            .iter()
            .map(|l| SourceLine {
                text: if notebook {
                    unquote_notebook(l.text).into_owned()
                } else {
                    l.text.to_string()
                },
            })
            .collect()
    }

    pub fn line(&self) -> Line<'_> {
        Line {
            text: &self.text,
            start: 0,
        }
    }
}

/// The lines of `text` around byte offset `pos`: up to `before` lines
/// before the line holding it, that line, and up to `after` lines after.
/// Returns the lines and the index of the one holding `pos`.
pub fn nearby_lines(
    text: &[u8],
    pos: usize,
    before: usize,
    after: usize,
) -> (Vec<Line<'_>>, usize) {
    let before = before.min(MAX_LINES);
    let after = after.min(MAX_LINES);
    let here = crate::engine::line_start(text, pos);
    let mut starts = vec![here];
    let mut s = here;
    while starts.len() <= before && s > 0 {
        s = crate::engine::line_start(text, s - 1);
        starts.push(s);
    }
    starts.reverse();
    let at = starts.len() - 1;
    let mut e = crate::engine::line_end(text, here);
    for _ in 0..after {
        if e >= text.len() {
            break;
        }
        starts.push(e + 1);
        e = crate::engine::line_end(text, e + 1);
    }
    let lines = starts
        .iter()
        .map(|&start| {
            let end = crate::engine::line_end(text, start);
            let raw = std::str::from_utf8(&text[start..end]).unwrap_or("");
            Line {
                text: raw.trim_end_matches('\r'),
                start,
            }
        })
        .collect();
    (lines, at)
}

/// For a notebook, the source text of a JSON-quoted line: `    "x = 1\n",`
/// becomes `x = 1` with its own indentation kept. Other files are as is.
pub fn unquote_notebook(line: &str) -> std::borrow::Cow<'_, str> {
    let t = line.trim_start();
    let Some(inner) = t.strip_prefix('"') else {
        return line.into();
    };
    let inner = inner.trim_end();
    let inner = inner.strip_suffix(',').unwrap_or(inner);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let inner = inner.strip_suffix("\\n").unwrap_or(inner);
    inner.replace("\\\"", "\"").replace("\\\\", "\\").into()
}

/// The identifier that ends right before byte `pos` of `s` (dots allowed, so
/// `self.api_key` is one name).
pub fn name_before(s: &str, pos: usize) -> &str {
    let head = &s[..pos];
    &head[name_start(head, true)..]
}

/// Where the identifier that ends `head` starts (with dots when
/// `dotted`): just after the last character that cannot be part of it,
/// which may be several bytes long.
pub fn name_start(head: &str, dotted: bool) -> usize {
    head.char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || (dotted && c == '.')))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// A line without its declaration keyword (`const`, `let`, `var`, `final`).
pub fn strip_declaration(line: &str) -> &str {
    let t = line.trim_start();
    ["const ", "let ", "var ", "final "]
        .iter()
        .find_map(|k| t.strip_prefix(k))
        .unwrap_or(t)
}

/// The value a line assigns to `name` (`name = value`, `const name =
/// value`), not a comparison (`name == value`).
pub fn assigned_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = strip_declaration(line)
        .strip_prefix(name)?
        .trim_start()
        .strip_prefix('=')?;
    (!value.starts_with('=')).then_some(value)
}

/// True when `word` occurs in `s` as a whole identifier (not part of a
/// longer name, nor the attribute of another object).
pub fn has_word(s: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = s[from..].find(word) {
        let at = from + i;
        let end = at + word.len();
        let before_ok = s[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !is_ident(c) && c != '.');
        let after_ok = s[end..].chars().next().is_none_or(|c| !is_ident(c));
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

/// The words of an identifier: `expectedSignature` and `expected_signature`
/// both give `expected`, `signature`.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_around_a_position() {
        let text = b"a\nb\nc\nd\ne";
        let (lines, at) = nearby_lines(text, 4, 1, 1);
        let t: Vec<&str> = lines.iter().map(|l| l.text).collect();
        assert_eq!(t, ["b", "c", "d"]);
        assert_eq!(at, 1);
        let (lines, at) = nearby_lines(text, 0, 5, 0);
        assert_eq!(lines.len(), 1);
        assert_eq!(at, 0);
    }

    #[test]
    fn notebook_lines_are_unquoted() {
        assert_eq!(
            unquote_notebook(r#"    "    key = os.getenv(\"K\")\n","#),
            r#"    key = os.getenv("K")"#
        );
        assert_eq!(unquote_notebook("x = 1"), "x = 1");
    }

    #[test]
    fn words_and_names() {
        assert_eq!(name_words("expectedSignature"), ["expected", "signature"]);
        assert_eq!(name_words("X_SKYTELLS_SIG"), ["x", "skytells", "sig"]);
        assert_eq!(name_before("    self.key = ", 12), "self.key");
        // A multi-byte character before the name.
        assert_eq!(name_before("→key", "→key".len()), "key");
        assert_eq!(name_start("«a_b", false), "«".len());
        assert_eq!(assigned_value("  const key = 'x';", "key"), Some(" 'x';"));
        assert_eq!(assigned_value("key == other", "key"), None);
        assert_eq!(assigned_value("keys = []", "key"), None);
        assert!(has_word("if not key:", "key"));
        assert!(!has_word("if not api_key:", "key"));
        assert!(!has_word("self.key", "key"));
    }
}
