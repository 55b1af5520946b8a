//! What a hard-delete run knows: before sending (its input, plan, what the journal
//! already held) and after (what each phase did), and the report built from both.

use crate::model::exit::ExitStatus;
use crate::model::report::{
    Evidence, InputSource, JournalInfo, Plan, SelectionInfo, ids_by_outcome, requests,
    totals_of_run,
};
use crate::model::traces::{TraceRun, runs_section, trace_verify_section};
use crate::model::verification::{DeletedAt, verification_section};
use langsmith::{BulkReport, IdSet, Uuid};
use langsmith_case::evidence::{DeletionReport, SCHEMA};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// What a run that sent requests leaves to report.
pub(crate) struct Done<'a> {
    pub bulk: &'a BulkReport,
    pub journal_error: Option<String>,
    pub verification: Option<&'a langsmith::VerifyReport>,
    pub traces: Option<&'a TraceRun>,
    pub trace_verification: Option<&'a Result<langsmith::TraceVerifyReport, langsmith::Error>>,
    pub deleted_at: DeletedAt,
    pub examples_deleted: usize,
    pub interrupted: bool,
    pub elapsed: Duration,
}

/// What a run knows before it sends anything: its inputs, its plan, what the journal
/// already holds. The report is built from it.
pub(crate) struct Prepared {
    pub evidence: Evidence,
    pub started: SystemTime,
    pub endpoint: String,
    pub workspace: Option<String>,
    pub sources: Vec<InputSource>,
    pub input_lines: u64,
    pub unique: u64,
    pub duplicates: u64,
    /// Ids an earlier run's journal confirmed (not sent again).
    pub already: Vec<Uuid>,
    /// When the journal was made (before any deletion it records was sent).
    pub journal_created_at: Option<SystemTime>,
    /// Traces whose deletion an earlier run's journal says was requested (not requested
    /// again), sorted by key.
    pub traces_journaled: Vec<crate::model::traces::JournaledTrace>,
    /// The ids to send (taken when they are sent).
    pub set: Option<IdSet>,
    pub plan: Plan,
    /// When the ids came from selectors: what they selected.
    pub selection: Option<SelectionInfo>,
}

impl Prepared {
    /// Takes ids a journal confirmed out of the ids to send, as already deleted.
    pub(crate) fn take_out(&mut self, confirmed: &IdSet, batch_size: usize) {
        let Some(set) = self.set.as_mut() else {
            return;
        };
        let newly: Vec<Uuid> = set
            .as_slice()
            .iter()
            .filter(|id| confirmed.contains(id))
            .copied()
            .collect();
        if newly.is_empty() {
            return;
        }
        set.remove_all(confirmed);
        self.already.extend(newly);
        self.already.sort_unstable();
        self.plan = Plan {
            to_send: set.len() as u64,
            batch_size,
            batches: set.len().div_ceil(batch_size),
        };
    }
}

impl Prepared {
    /// The report of this run: `dry_run` and `journal` as the flags say, what was sent
    /// (`bulk`) and, once sent, what followed (`done`).
    pub(crate) fn report(
        &self,
        dry_run: bool,
        journal: Option<&Path>,
        bulk: &BulkReport,
        done: Option<&Done<'_>>,
        exit: ExitStatus,
    ) -> DeletionReport {
        let verification = done.and_then(|d| d.verification);
        let interrupted = done.is_some_and(|d| d.interrupted);
        DeletionReport {
            schema: SCHEMA,
            envelope: self.evidence.envelope(
                &self.endpoint,
                self.workspace.as_deref(),
                self.started,
            ),
            dry_run,
            inputs: self.sources.clone(),
            input_lines: self.selection.is_none().then_some(self.input_lines),
            unique_ids: self.unique,
            duplicates_dropped: self.duplicates,
            journal: journal.map(|path| JournalInfo {
                path: path.to_owned(),
                already_deleted: self.already.len() as u64,
            }),
            plan: self.plan.clone(),
            http_requests: bulk.http_requests(),
            requests: requests(bulk),
            totals: totals_of_run(bulk, self.already.len() as u64),
            ids: ids_by_outcome(bulk, &self.already),
            stopped_by: bulk.stopped_by().map(|k| k.as_str().to_owned()),
            selection: self.selection.clone(),
            verification: verification
                .map(|v| verification_section(v, &done.expect("a read-back is done").deleted_at)),
            runs: done.and_then(|d| d.traces).map(runs_section),
            runs_verification: done.and_then(|d| {
                d.trace_verification
                    .map(|v| trace_verify_section(d.examples_deleted, v))
            }),
            interrupted,
            exit_code: exit.code(),
        }
    }
}

impl Prepared {
    /// Listed examples the selection excluded.
    pub(crate) fn excluded(&self) -> usize {
        self.selection.as_ref().map_or(0, |s| s.excluded.len())
    }

    /// The exit status of a run that sent no deletion.
    pub(crate) fn unsent_exit(&self) -> ExitStatus {
        ExitStatus::excluded_if(self.excluded())
    }
}
