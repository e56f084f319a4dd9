//! Diagnostics that point at a file, line and column, rendered by miette.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, SourceCode};

use crate::syntax::{line_col, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One source file of a pack: its path as shown to the user, and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Stable code, e.g. `brightline::unknown-fact`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub file: SourceFile,
    pub span: Span,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        let len = file.text.len();
        let span = span.start.min(len)..span.end.min(len).max(span.start.min(len));
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            label: String::new(),
            help: None,
            file: file.clone(),
            span,
        }
    }
    pub fn warning(
        code: &'static str,
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, span, message)
        }
    }
    pub fn label(mut self, l: impl Into<String>) -> Self {
        self.label = l.into();
        self
    }
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
    pub(crate) fn with_help(mut self, h: Option<String>) -> Self {
        self.help = h;
        self
    }
    /// `path:line:col`
    pub fn location(&self) -> String {
        let (l, c) = line_col(&self.file.text, self.span.start);
        format!("{}:{l}:{c}", self.file.path)
    }
    /// One line, for logs and tests: `path:line:col: error[code]: message`.
    pub fn short(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!(
            "{}: {sev}[{}]: {}",
            self.location(),
            self.code,
            self.message
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new(
            label,
            self.span.start,
            self.span.len(),
        ))))
    }
}

impl SourceCode for Diagnostic {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.file.text.as_ref().read_span(span, before, after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.file.path.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}
