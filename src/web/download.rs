//! Files people download: safe file names and CSV cells.

/// A download's Content-Disposition, named after `title`.
pub fn file_name(title: &str, ext: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem = if stem.is_empty() {
        "conversation".to_string()
    } else {
        stem
    };
    format!("attachment; filename=\"{stem}.{ext}\"")
}

/// A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe.
pub fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}
