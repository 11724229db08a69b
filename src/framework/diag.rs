//! Diagnostics with attribute paths. Every failure reaches Terraform as a
//! diagnostic, never as a gRPC error.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attr(String),
    Key(String),
    Index(i64),
}

/// A path into a value: `block_device[0].source_type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    pub fn root() -> AttrPath {
        AttrPath(Vec::new())
    }
    pub fn attr(name: &str) -> AttrPath {
        AttrPath(vec![PathStep::Attr(name.to_string())])
    }
    pub fn then_attr(&self, name: &str) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Attr(name.to_string()));
        p
    }
    pub fn then_index(&self, i: usize) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Index(i as i64));
        p
    }
    pub fn then_key(&self, k: &str) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Key(k.to_string()));
        p
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttrPath>,
}

impl Diagnostic {
    /// Apply met a value of `attr` that is not known yet: a fault of the
    /// provider (Terraform sends applied values known), reported instead of
    /// acting on the value as if it were empty.
    pub fn not_known(attr: &str) -> Diagnostic {
        Diagnostic::error(
            "Value not known at apply",
            format!(
                "{attr}: {}; nothing was sent for it. This is a bug in the provider.",
                crate::framework::value::UnknownValue
            ),
        )
        .at(AttrPath::attr(attr))
    }

    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }
    pub fn at(mut self, path: AttrPath) -> Diagnostic {
        if !path.is_root() {
            self.path = Some(path);
        }
        self
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The known value of `attr`, or an error naming it: apply must never
    /// act on a value that is not known yet as if it were empty.
    pub fn known<T>(
        &mut self,
        attr: &str,
        v: Result<T, crate::framework::value::UnknownValue>,
    ) -> Option<T> {
        match v {
            Ok(x) => Some(x),
            Err(_) => {
                self.push(Diagnostic::not_known(attr));
                None
            }
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }
    pub fn error_at(
        &mut self,
        path: AttrPath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail));
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_terraform_addresses() {
        let p = AttrPath::attr("block_device")
            .then_index(2)
            .then_attr("uuid");
        assert_eq!(p.to_string(), "block_device[2].uuid");
        let m = AttrPath::attr("metadata").then_key("role");
        assert_eq!(m.to_string(), "metadata[\"role\"]");
    }

    #[test]
    fn root_path_is_not_attached() {
        let d = Diagnostic::error("x", "y").at(AttrPath::root());
        assert_eq!(d.path, None);
    }

    #[test]
    fn errors_are_counted_warnings_are_not() {
        let mut d = Diagnostics::default();
        d.warning("w", "");
        assert!(!d.has_errors());
        d.error_at(AttrPath::attr("name"), "bad", "");
        assert!(d.has_errors());
        assert_eq!(d.0[1].path.as_ref().unwrap().to_string(), "name");
    }
}
