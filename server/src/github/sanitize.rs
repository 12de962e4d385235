//! Cleaning GitHub-authored text before a model sees it: invisible and bidirectional-control
//! characters are removed (they can hide or reorder instructions), and long text is capped with a
//! visible truncation marker.

/// Characters that render as nothing or reorder text: bidi embeddings, overrides and isolates,
/// zero-width spaces and joiners, word joiner and invisible operators, soft hyphen, BOM, the Arabic
/// letter mark, the Mongolian vowel separator, interlinear annotation marks, Unicode tag characters
/// and variation selectors (both used to smuggle hidden text), and invisible fillers.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}'
        // Variation selectors (used to smuggle bytes after an emoji) and fillers that render as nothing.
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0100}'..='\u{E01EF}'
        | '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{3164}' | '\u{FFA0}'
        | '\u{1D173}'..='\u{1D17A}')
}

/// `text` without invisible or bidi-control characters. Newlines and tabs are kept.
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| !is_invisible(*c)).collect()
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

    #[test]
    fn caps_long_text_visibly() {
        assert_eq!(clean_capped("abcdef", 10), "abcdef");
        let capped = clean_capped("abcdef", 3);
        assert!(capped.starts_with("abc\n") && capped.contains("truncated: 3 of 6"));
        // Counting is in characters, never splitting a multi-byte one.
        assert!(clean_capped("日本語テキスト", 2).starts_with("日本\n"));
    }
}
