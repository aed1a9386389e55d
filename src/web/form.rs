//! Form errors: shown in a summary at the top and beside each field.

/// Field errors for a form: shown in a summary at the top and beside each field.
#[derive(Debug, Default, Clone)]
pub struct Errors(Vec<(&'static str, String)>);

impl Errors {
    /// Record a problem with `field` (the first one for a field wins).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// Keep a validated value, or record its error and return an empty one.
    pub fn check(&mut self, field: &'static str, r: Result<String, String>) -> String {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.add(field, e);
                String::new()
            }
        }
    }

    /// The message for one field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Does `field` have an error?
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// No errors at all?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// 200 for a clean form, 422 for one sent back with problems.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// All (field, message) pairs, in order.
    pub fn list(&self) -> &[(&'static str, String)] {
        &self.0
    }
}

/// A form on a long page (one of many: an agenda item's, the guest form) sent back
/// with a problem. The page is shown again with the message beside the field, a short
/// summary at that form, and what was typed still in the boxes; the form's `action`
/// ends in the form's anchor, so the browser lands there even without JavaScript
/// (with it, the summary is focused as well).
#[derive(Debug, Default, Clone)]
pub struct Bounced {
    /// The form's anchor (`item-12`, `people`); empty when nothing bounced.
    form: String,
    /// (field, the id of its box, message).
    errors: Vec<(&'static str, String, String)>,
    /// What was typed, by field.
    typed: Vec<(&'static str, String)>,
}

impl Bounced {
    /// Nothing sent back.
    pub fn none() -> Self {
        Bounced::default()
    }

    /// The form with this anchor was sent back.
    pub fn at(form: impl Into<String>) -> Self {
        Bounced {
            form: form.into(),
            ..Bounced::default()
        }
    }

    /// A problem with `field`, whose box has the id `input_id`.
    pub fn error(
        mut self,
        field: &'static str,
        input_id: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.errors.push((field, input_id.into(), message.into()));
        self
    }

    /// What was typed in `field`, to show again.
    pub fn typed(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.typed.push((field, value.into()));
        self
    }

    /// Was the form with this anchor sent back?
    pub fn on(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }

    /// (id of the box, message) for each problem of the form with this anchor.
    pub fn problems(&self, form: &str) -> Vec<(&str, &str)> {
        if !self.on(form) {
            return Vec::new();
        }
        self.errors
            .iter()
            .map(|(_, id, m)| (id.as_str(), m.as_str()))
            .collect()
    }

    /// The message for one field of that form.
    pub fn message(&self, form: &str, field: &str) -> Option<&str> {
        self.on(form)
            .then(|| self.errors.iter().find(|(f, _, _)| *f == field))
            .flatten()
            .map(|(_, _, m)| m.as_str())
    }

    /// What to show in a box: what was typed if that form was sent back, else the saved
    /// value.
    pub fn value<'a>(&'a self, form: &str, field: &str, saved: &'a str) -> &'a str {
        if self.on(form)
            && let Some((_, v)) = self.typed.iter().find(|(f, _)| *f == field)
        {
            return v;
        }
        saved
    }

    /// Has a problem been recorded?
    pub fn has_problems(&self) -> bool {
        !self.errors.is_empty()
    }

    /// 422 when a form was sent back, else 200.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.form.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}
