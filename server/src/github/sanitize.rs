//! Cleaning GitHub-authored text before a model sees it: invisible and bidirectional-control
//! characters are removed (they can hide or reorder instructions), and long text is capped with a
//! visible truncation marker.

/// Characters that render as nothing, reorder text or act on a terminal: every Unicode format
/// character (general category Cf: bidi embeddings, overrides and isolates, zero-width spaces and
/// joiners, word joiner, invisible operators, soft hyphen, BOM, interlinear annotation, Egyptian
/// hieroglyph and shorthand format controls, tag characters, …), every C0 and C1 control (ESC, BEL,
/// CR, NEL, …; [`clean`] keeps tab and newline), variation selectors (used to smuggle bytes after an
/// emoji), and the fillers and blanks that are letters or symbols but show as empty space.
///
/// The zero-width joiner is removed even inside an emoji sequence: keeping it exactly there would
/// mean keeping the variation selectors such sequences also use, which are a smuggling channel of
/// their own. A family emoji is then shown as its members, side by side.
pub fn is_invisible(c: char) -> bool {
    use unicode_general_category::{GeneralCategory, get_general_category};
    c.is_control()
        || get_general_category(c) == GeneralCategory::Format
        || matches!(c,
            '\u{FE00}'..='\u{FE0F}'
            | '\u{E0100}'..='\u{E01EF}'
            | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{2800}' | '\u{3164}' | '\u{FFA0}')
}

/// `text` without invisible, bidi-control or control characters. Newlines and tabs are kept.
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| matches!(c, '\n' | '\t') || !is_invisible(*c)).collect()
}

/// [`clean`], then cut to at most `max_chars` characters with a marker saying how much was left out.
pub fn clean_capped(text: &str, max_chars: usize) -> String {
    let cleaned = clean(text);
    let total = cleaned.chars().count();
    if total <= max_chars {
        return cleaned;
    }
    let mut out: String = cleaned.chars().take(max_chars).collect();
    out.push_str(&format!("\n…[truncated: {} of {total} characters shown]", max_chars));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_invisible_and_bidi_controls_but_keeps_text_and_whitespace() {
        let hostile = "Fix\u{200B} the\u{202E}gub\u{202C} bug\u{E0041}\u{E0042}\u{FEFF}\n\tdone é 日本 👍";
        assert_eq!(clean(hostile), "Fix thegub bug\n\tdone é 日本 👍");
        assert_eq!(clean("plain"), "plain");
        let smuggled =
            "hi\u{FE00}\u{FE0F}\u{E0100}\u{E01EF}\u{034F}\u{115F}\u{1160}\u{17B4}\u{17B5}\u{3164}\u{FFA0}\u{1D173}!";
        assert_eq!(clean(smuggled), "hi!");
    }

    /// Unicode 18's format characters (general category Cf), from the Unicode Character Database
    /// (`DerivedGeneralCategory.txt`, read here through Python's `unicodedata2` 18.0), written out
    /// independently of the crate `is_invisible` asks.
    const CF: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];

    /// Attack: U+13430–13438, U+1BCA0–1BCA3, U+2800, ESC, BEL and C1 controls survived
    /// `create_issue` → `get_issue`.
    #[test]
    fn every_format_character_and_every_control_but_tab_and_newline_is_stripped() {
        let mut count = 0;
        for c in CF.iter().flat_map(|&(a, b)| a..=b).filter_map(char::from_u32) {
            assert_eq!(clean(&format!("a{c}b")), "ab", "U+{:04X}", c as u32);
            count += 1;
        }
        assert_eq!(count, 170, "the whole category");
        for c in (0u32..0x20).chain(0x7F..=0x9F).filter_map(char::from_u32) {
            let expected = if matches!(c, '\t' | '\n') { format!("a{c}b") } else { "ab".to_owned() };
            assert_eq!(clean(&format!("a{c}b")), expected, "U+{:04X}", c as u32);
        }
        assert_eq!(clean("a\u{2800}\u{1B}[31mred\u{7}\u{85}"), "a[31mred");
        assert_eq!(clean("crlf\r\nline"), "crlf\nline");
        // Visible text of every script and emoji stay.
        assert_eq!(clean("é 日本 𓀀 👍 👨\u{200D}👩"), "é 日本 𓀀 👍 👨👩");
    }

    #[test]
    fn caps_long_text_visibly() {
        assert_eq!(clean_capped("abcdef", 10), "abcdef");
        let capped = clean_capped("abcdef", 3);
        assert!(capped.starts_with("abc\n") && capped.contains("truncated: 3 of 6"));
        // Counting is in characters, never splitting a multi-byte one.
        assert!(clean_capped("日本語テキスト", 2).starts_with("日本\n"));
    }
}
