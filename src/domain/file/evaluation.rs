//! The evaluation plan: the outcomes a partnership works towards, grouped by the four
//! "was it worth it?" levels, each with indicators (how we would know: the method, who
//! collects, when and where) and each indicator's evidence log (dated values, notes,
//! links and files). The outcome writer builds an outcome from who is changing, which
//! way and what.

use crate::domain::Timestamp;
use crate::domain::model::Id;
use crate::domain::time::format_day;

/// The four levels an outcome can be about: key, heading, and what belongs there.
pub const LEVELS: [(&str, &str, &str); 4] = [
    (
        "together",
        "How we work together",
        "what changes in the partnership itself: trust, decisions, sharing",
    ),
    (
        "each-other",
        "The difference to each other",
        "what partners gain from one another: skills, contacts, confidence",
    ),
    (
        "organisations",
        "The difference to each organisation",
        "what changes inside each partner because of the partnership",
    ),
    (
        "people",
        "The difference to the people we serve",
        "what changes for the people and communities the work is for",
    ),
];

/// The heading of a level ('' and unknown keys are "Other outcomes").
pub fn level_label(key: &str) -> &'static str {
    LEVELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, l, _)| *l)
        .unwrap_or("Other outcomes")
}

/// Which way things change, as the outcome writer offers it.
pub const DIRECTIONS: [&str; 8] = [
    "increased",
    "reduced",
    "improved",
    "more",
    "fewer",
    "less",
    "better",
    "stronger",
];

/// The outcome writer's sentence: "Carers have increased confidence in managing
/// medicines." Empty if a part is missing.
pub fn outcome_sentence(who: &str, direction: &str, what: &str) -> String {
    let (who, direction, what) = (who.trim(), direction.trim(), what.trim());
    if who.is_empty() || direction.is_empty() || what.is_empty() {
        return String::new();
    }
    let mut chars = who.chars();
    let who: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    let what = what.trim_end_matches(['.', ' ']);
    format!("{who} have {direction} {what}.")
}

/// An outcome on the plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutcomeRow {
    /// Its id.
    pub id: Id,
    /// The partnership whose plan it is on.
    pub partnership_id: Id,
    /// A key of [`LEVELS`], or ''.
    pub level: String,
    /// The outcome as people read it.
    pub statement: String,
    /// The writer's parts, kept so it can be built again.
    pub who: String,
    /// Which way.
    pub direction: String,
    /// What changes.
    pub what: String,
    /// When it is expected, for the logic model: a key of `TERMS`.
    pub term: String,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Bumped by every change.
    pub version: i64,
}

/// A new outcome or an edit of one, as checked.
#[derive(Debug, Clone, Default)]
pub struct OutcomeFields {
    /// A key of [`LEVELS`], or ''.
    pub level: String,
    /// The outcome.
    pub statement: String,
    /// The writer's parts.
    pub who: String,
    /// Which way.
    pub direction: String,
    /// What changes.
    pub what: String,
    /// `short` or `medium`.
    pub term: String,
}

/// An indicator: how the partnership would know an outcome is happening.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndicatorRow {
    /// Its id.
    pub id: Id,
    /// The outcome it shows.
    pub outcome_id: Id,
    /// The partnership.
    pub partnership_id: Id,
    /// What is counted or looked for.
    pub name: String,
    /// How it is collected (a survey, a count, interviews…).
    pub method: String,
    /// The member who collects it, if one does.
    pub collector_user_id: Option<Id>,
    /// The organisation that collects it, if one does.
    pub collector_org_id: Option<Id>,
    /// That member's name.
    pub collector_name: Option<String>,
    /// That organisation's name.
    pub collector_org_name: Option<String>,
    /// Whether the collecting person is still a member.
    pub collector_is_member: bool,
    /// When it is collected ("every quarter", "at the end of each course").
    pub collect_when: String,
    /// Where ("at the drop-in", "from the case system").
    pub collect_where: String,
    /// How many evidence entries it has.
    pub evidence_count: i64,
    /// The day of its latest entry.
    pub last_evidence: Option<String>,
    /// Bumped by every change.
    pub version: i64,
}

impl IndicatorRow {
    /// Who collects it, in words.
    pub fn collector_label(&self) -> String {
        crate::domain::actions::owner_label(
            self.collector_name.as_deref(),
            self.collector_user_id,
            self.collector_is_member,
            self.collector_org_name.as_deref(),
        )
        .unwrap_or_else(|| "Nobody yet".into())
    }

    /// The latest entry's day in words.
    pub fn last_evidence_label(&self) -> String {
        self.last_evidence
            .as_deref()
            .map(format_day)
            .unwrap_or_else(|| "No evidence yet".into())
    }

    /// Whether it has evidence dated on or after `day` (YYYY-MM-DD).
    pub fn has_evidence_since(&self, day: &str) -> bool {
        self.last_evidence.as_deref().is_some_and(|d| d >= day)
    }
}

/// A new indicator or an edit of one, as checked.
#[derive(Debug, Clone, Default)]
pub struct IndicatorFields {
    /// What is counted or looked for.
    pub name: String,
    /// How.
    pub method: String,
    /// The member who collects it.
    pub collector_user_id: Option<Id>,
    /// The organisation that collects it.
    pub collector_org_id: Option<Id>,
    /// When.
    pub collect_when: String,
    /// Where.
    pub collect_where: String,
}

/// An entry in an indicator's evidence log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvidenceRow {
    /// Its id.
    pub id: Id,
    /// The indicator.
    pub indicator_id: Id,
    /// The partnership.
    pub partnership_id: Id,
    /// The day it is about (YYYY-MM-DD).
    pub recorded_on: String,
    /// A figure or a short answer.
    pub value: String,
    /// What it shows.
    pub note: String,
    /// A web address.
    pub link: String,
    /// The uploaded file's name, if there is one.
    pub file_name: Option<String>,
    /// Its content type, as found from its bytes.
    pub file_type: Option<String>,
    /// Its size in bytes.
    pub file_size: Option<i64>,
    /// SQLite: where in the data folder its bytes are.
    pub file_path: Option<String>,
    /// Who added it.
    pub created_by_name: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

impl EvidenceRow {
    /// The day in words.
    pub fn day_label(&self) -> String {
        format_day(&self.recorded_on)
    }

    /// The file's size as people read it ("2.4 MB").
    pub fn size_label(&self) -> String {
        size_label(self.file_size.unwrap_or(0))
    }
}

/// A size in bytes as people read it.
pub fn size_label(bytes: i64) -> String {
    match bytes {
        b if b >= 1_000_000 => {
            let mb = format!("{:.1}", b as f64 / 1_000_000.0);
            format!("{} MB", mb.trim_end_matches(".0"))
        }
        b if b >= 1_000 => format!("{} KB", (b + 500) / 1_000),
        b => format!("{b} bytes"),
    }
}

/// A new evidence entry, as checked; the file's bytes travel beside it.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFields {
    /// The day it is about.
    pub recorded_on: String,
    /// A figure or a short answer.
    pub value: String,
    /// What it shows.
    pub note: String,
    /// A web address.
    pub link: String,
    /// The file: its name, content type and size.
    pub file: Option<(String, String, i64)>,
    /// SQLite: where its bytes were written in the data folder.
    pub file_path: Option<String>,
}

/// The kinds of file evidence may be: content type, and the names it may carry.
pub const FILE_KINDS: [(&str, &[&str]); 14] = [
    ("application/pdf", &["pdf"]),
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/gif", &["gif"]),
    ("image/webp", &["webp"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
    ),
    ("application/vnd.oasis.opendocument.text", &["odt"]),
    ("application/vnd.oasis.opendocument.spreadsheet", &["ods"]),
    ("application/vnd.oasis.opendocument.presentation", &["odp"]),
    ("application/msword", &["doc"]),
    ("application/vnd.ms-excel", &["xls"]),
    ("text/plain", &["txt", "csv"]),
];

/// What a file really is, from its bytes, if it is a kind evidence may be; the name's
/// ending must agree. Plain text (`.txt`, `.csv`) is UTF-8 without NUL bytes.
pub fn file_kind(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let found = match infer::get(bytes) {
        Some(t) => Some(t.mime_type()),
        None if (ext == "txt" || ext == "csv")
            && std::str::from_utf8(bytes).is_ok()
            && !bytes.contains(&0) =>
        {
            Some("text/plain")
        }
        None => None,
    };
    let claimed = FILE_KINDS
        .iter()
        .find(|(_, exts)| exts.contains(&ext.as_str()))
        .map(|(t, _)| *t);
    match (found, claimed) {
        (Some(f), Some(c)) if f == c => Ok(c),
        (_, None) => Err(
            "Upload a PDF, a picture (PNG, JPEG, GIF, WebP), an office document \
             (Word, Excel, PowerPoint, OpenDocument) or a text or CSV file"
                .into(),
        ),
        (_, Some(_)) => Err(format!(
            "This file is called .{ext} but is not one inside; save it again from the \
             program that made it and upload that"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_builds_a_sentence_from_its_three_parts() {
        assert_eq!(
            outcome_sentence("carers", "increased", "confidence in managing medicines."),
            "Carers have increased confidence in managing medicines."
        );
        assert_eq!(outcome_sentence("Carers", "", "x"), "");
    }

    #[test]
    fn a_file_is_what_its_bytes_say_and_its_name_must_agree() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
        assert_eq!(file_kind("report.pdf", pdf), Ok("application/pdf"));
        assert_eq!(file_kind("REPORT.PDF", pdf), Ok("application/pdf"));
        assert!(file_kind("report.pdf", b"<html><script>alert(1)</script>").is_err());
        assert!(
            file_kind("photo.png", pdf)
                .unwrap_err()
                .contains("called .png")
        );
        assert!(file_kind("page.html", b"<html></html>").is_err());
        assert!(file_kind("tool.exe", b"MZ\x90\x00").is_err());
        assert_eq!(file_kind("counts.csv", b"a,b\n1,2\n"), Ok("text/plain"));
        assert!(file_kind("counts.csv", b"a,\x00b").is_err());
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
        assert_eq!(file_kind("chart.png", png), Ok("image/png"));
        assert_eq!(size_label(2_400_000), "2.4 MB");
        assert_eq!(size_label(1_499), "1 KB");
        assert_eq!(size_label(10_000_000), "10 MB");
    }
}
