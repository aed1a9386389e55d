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
