//! `select` on stdout and stderr: the ids as pages arrive (or one JSON document), the
//! counts.

use crate::model::args::Output;
use crate::model::selection::{INCOMPLETE_LINE, Selectors};
use crate::present::selection::server_word;
use crate::util::text::plural;
use langsmith::{ExampleQuery, Selection, TracesFound, Uuid};
use serde::Serialize;
use std::cell::RefCell;
use std::io::{BufWriter, StdoutLock, Write};

/// stdout for `select`: ids one a line as they arrive (text), or one document (json); the
/// first write error is kept, and nothing is written after it.
pub(crate) struct IdsOut {
    out: RefCell<BufWriter<StdoutLock<'static>>>,
    error: RefCell<Option<std::io::Error>>,
    text: bool,
}

impl IdsOut {
    pub(crate) fn new(text: bool) -> IdsOut {
        IdsOut {
            out: RefCell::new(BufWriter::new(std::io::stdout().lock())),
            error: RefCell::new(None),
            text,
        }
    }

    fn write(&self, f: impl FnOnce(&mut BufWriter<StdoutLock<'static>>) -> std::io::Result<()>) {
        if self.error.borrow().is_none()
            && let Err(e) = f(&mut self.out.borrow_mut())
        {
            *self.error.borrow_mut() = Some(e);
        }
    }

    /// An id that passed the check (text output only).
    pub(crate) fn id(&self, id: &Uuid) {
        if self.text {
            self.write(|out| writeln!(out, "{id}"));
        }
    }

    /// What is buffered, to the reader.
    pub(crate) fn flush(&self) {
        self.write(|out| out.flush());
    }

    /// The listing failed: a last line that is no id (text output only).
    pub(crate) fn incomplete(self) {
        if self.text {
            self.write(|out| writeln!(out, "{INCOMPLETE_LINE}"));
            self.flush();
        }
    }

    /// The JSON document, on one line.
    pub(crate) fn json(&self, doc: &impl Serialize) {
        self.write(|out| {
            serde_json::to_writer(&mut *out, doc).map_err(std::io::Error::other)?;
            writeln!(out)
        });
    }

    /// Flushes; the first write error, if any.
    pub(crate) fn finish(self) -> Option<std::io::Error> {
        let mut out = self.out.into_inner();
        let mut error = self.error.into_inner();
        if let Err(e) = out.flush() {
            error.get_or_insert(e);
        }
        error
    }
}

/// How many were selected, on stderr (unless `quiet`).
pub(crate) fn summary(selectors: &Selectors, query: &ExampleQuery, s: &Selection, quiet: bool) {
    if !quiet {
        eprintln!(
            "{} selected ({}){}",
            plural(s.selected.len() as u64, "example", "examples"),
            selectors.describe(),
            server_word(query)
        );
    }
}

/// The traces found, on stderr; runs excluded are said even with `quiet`.
pub(crate) fn traces_summary(found: &TracesFound, output: Output, quiet: bool) {
    if !quiet {
        let sessions: std::collections::BTreeSet<_> =
            found.traces().iter().map(|t| t.key.session_id).collect();
        eprintln!(
            "{} in {} reference the selected examples ({} listed){}",
            plural(found.traces().len() as u64, "trace", "traces"),
            plural(sessions.len() as u64, "session", "sessions"),
            plural(found.runs(), "run", "runs"),
            if output == Output::Text {
                "; -o json lists them"
            } else {
                ""
            }
        );
    }
    if !found.excluded().is_empty() {
        eprintln!(
            "{} listed by the runs query reference none of the selected examples: excluded",
            plural(found.excluded().len() as u64, "run", "runs")
        );
    }
}
