//! Operator commands on the same binary and storage as the server (`clients …`, `grants …`): they
//! read and delete records through the `Store`, and render tidy tables for a terminal.

pub mod clients;
pub mod grants;

use comfy_table::{LineStyle, Table, TableStyle};

use crate::{oauth::tokens::revoke_grant, store::Records, store::records::Grant};

/// A rule under the header and nothing else: compact, and an id is easy to copy out of it.
const STYLE: TableStyle = TableStyle::new().header_separator(LineStyle::none().fill('─').junction(' '));

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("storage: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    NotFound(String),
}

/// A table with `header`.
fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(STYLE).set_header(header.to_vec());
    t
}

/// `2026-11-22 06:35 UTC` for a Unix time; `-` for 0 (never).
fn when(unix: u64) -> String {
    if unix == 0 {
        return "-".into();
    }
    match time::OffsetDateTime::from_unix_timestamp(i64::try_from(unix).unwrap_or(i64::MAX)) {
        Ok(t) => {
            format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
        }
        Err(_) => unix.to_string(),
    }
}

/// Values chosen by clients (names) are shown on one line, without control or bidi characters, and
/// at most 40 characters long, so a hostile name cannot rewrite the operator's terminal.
fn shown(value: &str) -> String {
    let line: String =
        crate::github::sanitize::clean(value).chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    match line.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Revokes every grant `pick` selects; returns how many.
async fn revoke_where(records: &Records, pick: impl Fn(&Grant) -> bool, why: &str) -> Result<usize, AdminError> {
    let mut n = 0;
    for (id, grant) in records.list::<Grant>().await? {
        if pick(&grant) {
            revoke_grant(records, &id, why).await?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_minutes() {
        assert_eq!(when(0), "-");
        assert_eq!(when(1_795_329_300), "2026-11-22 06:35 UTC");
    }

    #[test]
    fn client_chosen_text_cannot_reach_the_terminal_raw() {
        assert_eq!(shown("Evil\u{1b}[2J\nApp\u{202e}"), "Evil[2J App", "ESC removed, the newline a space");
        assert_eq!(shown(&"x".repeat(50)).chars().count(), 41);
    }
}
