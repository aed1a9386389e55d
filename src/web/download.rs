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

/// A finished CSV as a download named after `title` (the partnership file's exports).
pub fn csv_attachment(
    w: csv::Writer<Vec<u8>>,
    title: &str,
) -> Result<axum::response::Response, crate::error::AppError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let bytes = w
        .into_inner()
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("writing the CSV: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file_name(title, "csv")),
        ],
        bytes,
    )
        .into_response())
}
