//! The evidence model: owned, `Serialize + Deserialize`, versioned by a `schema` number.
//!
//! Three documents share an [`Envelope`] (which tool ran what, against what, when, for
//! which request): the [`DeletionReport`] of `hard-delete`, the [`VerifyReport`] of
//! `verify`, and the [`SelectDoc`] of `select -o json` (which has no envelope: it is a
//! listing for review, not evidence). [`load`] reads a report back by type, through the
//! compatibility path of each earlier schema ([`SCHEMA_0_1`]: the reports of release
//! 0.1.0, which had no `schema` field).
//!
//! The JSON field names are the interface people and scripts read: they are those of
//! release 0.1.0; schema 2 only adds fields (`schema`, and in `runs` the optional
//! `runs_api` and `window`).
//!
//! [`DeletionReport::targets`] gives every target of a report with its phase and one
//! [`State`], the view a case builds on.

use langsmith::Uuid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The schema this version writes.
pub const SCHEMA: u32 = 2;

/// The schema of release 0.1.0's reports (no `schema` field; otherwise the shape of
/// schema 2 without its additions).
pub const SCHEMA_0_1: u32 = 1;

/// The tool whose reports these are.
pub const TOOL: &str = "langsmith-examples";

fn schema_0_1() -> u32 {
    SCHEMA_0_1
}

/// What every report starts with.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Envelope {
    pub tool: String,
    pub version: String,
    /// The erasure request's reference (`--ticket`).
    pub ticket: Option<String>,
    /// The command line (the key is never an argument), its selector values recorded as
    /// `selector_values` says.
    pub command: Vec<String>,
    pub selector_values: SelectorValues,
    pub endpoint: String,
    /// The workspace sent as `X-Tenant-Id`; null when none was sent.
    pub workspace: Option<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// Places the data may have been copied to that the API does not reach for this
    /// tool: what the report cannot speak for.
    pub not_reached: Vec<String>,
}

/// How a report recorded selector values that may name the data subject.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SelectorValues {
    /// `salted_sha256` or `plain`.
    pub recorded_as: String,
    pub salt: Option<String>,
    pub how_to_check: Option<String>,
}

/// One source of ids and the sha256 of exactly the bytes read from it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct InputSource {
    /// A path, `<stdin>`, `arguments`, or `selection: ...`.
    pub source: String,
    pub sha256: Option<String>,
    pub bytes: u64,
    /// Lines (or JSON items, or arguments) read, blank and comment lines included.
    pub lines: u64,
}

/// `hard-delete`'s report: the evidence of a deletion.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct DeletionReport {
    /// [`SCHEMA`] when written by this version.
    #[serde(default = "schema_0_1")]
    pub schema: u32,
    #[serde(flatten)]
    pub envelope: Envelope,
    pub dry_run: bool,
    pub inputs: Vec<InputSource>,
    /// Lines read from input files and arguments; absent for a selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_lines: Option<u64>,
    pub unique_ids: u64,
    pub duplicates_dropped: u64,
    pub journal: Option<JournalInfo>,
    pub plan: Plan,
    /// HTTP requests actually sent, retries included.
    pub http_requests: u64,
    pub requests: Vec<Request>,
    /// Ids per outcome; these add up to `unique_ids`.
    pub totals: Totals,
    pub ids: IdsByOutcome,
    /// The error kind that stopped the run early, if any.
    pub stopped_by: Option<String>,
    /// When the ids came from selectors: what selected them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<SelectionInfo>,
    /// With `--verify`: each id read back after deleting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationSection>,
    /// With `--with-runs`: the traces that referenced the deleted examples, and their
    /// deletion requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<RunsSection>,
    /// With `--with-runs --verify`: whether those traces are gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_verification: Option<TraceVerifySection>,
    pub interrupted: bool,
    pub exit_code: u8,
}

/// The journal a run kept.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct JournalInfo {
    pub path: std::path::PathBuf,
    /// Ids an earlier run's journal records as deleted (not sent again).
    pub already_deleted: u64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Plan {
    pub to_send: u64,
    pub batch_size: usize,
    pub batches: usize,
}

/// One deletion request.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Request {
    pub index: usize,
    pub batch: usize,
    pub ids_sent: usize,
    pub started_at: String,
    pub finished_at: String,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    pub server_count: Option<i64>,
    /// Ids this request settled, per outcome.
    pub settled: Totals,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    /// What was odd about a 2xx answer.
    pub anomaly: Option<String>,
}

/// Counts per deletion outcome.
#[derive(Serialize, Deserialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Totals {
    pub deleted: u64,
    pub not_found: u64,
    pub forbidden: u64,
    pub unconfirmed: u64,
    pub failed: u64,
    pub not_attempted: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub already_deleted: Option<u64>,
}

/// Ids per deletion outcome, each list sorted.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
pub struct IdsByOutcome {
    pub deleted: Vec<Uuid>,
    pub not_found: Vec<Uuid>,
    pub forbidden: Vec<Uuid>,
    pub unconfirmed: Vec<Uuid>,
    pub failed: Vec<Uuid>,
    pub not_attempted: Vec<Uuid>,
    /// Confirmed by an earlier run's journal, not sent by this one.
    pub already_deleted: Vec<Uuid>,
}

impl IdsByOutcome {
    /// Every id with its outcome's name, in the order of the fields.
    pub fn all(&self) -> impl Iterator<Item = (DeletionOutcome, &Uuid)> {
        use DeletionOutcome as O;
        [
            (O::Deleted, &self.deleted),
            (O::NotFound, &self.not_found),
            (O::Forbidden, &self.forbidden),
            (O::Unconfirmed, &self.unconfirmed),
            (O::Failed, &self.failed),
            (O::NotAttempted, &self.not_attempted),
            (O::AlreadyDeleted, &self.already_deleted),
        ]
        .into_iter()
        .flat_map(|(o, ids)| ids.iter().map(move |id| (o, id)))
    }
}

/// What a deletion request did to one id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletionOutcome {
    Deleted,
    NotFound,
    Forbidden,
    Unconfirmed,
    Failed,
    NotAttempted,
    AlreadyDeleted,
}

/// What a selection selected.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SelectionInfo {
    /// The selectors, as one line.
    pub selectors: String,
    pub dataset: Option<String>,
    pub dataset_id: Option<Uuid>,
    /// Selectors only the server evaluated.
    pub server_evaluated: Vec<String>,
    /// The server's count before listing.
    pub counted: u64,
    pub listed: u64,
    /// Listed ids that passed the client's check: the ones acted on.
    pub selected: u64,
    /// Listed ids that failed it, with the check they failed: never deleted.
    pub excluded: Vec<ExcludedRow>,
    pub samples: Vec<Uuid>,
}

/// A listed example the client's check excluded.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ExcludedRow {
    pub id: Uuid,
    /// `dataset_mismatch`, `id_mismatch`, `text_not_found`, `metadata_mismatch` or
    /// `split_mismatch`.
    pub reason: String,
}

/// The read-back of examples.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct VerificationSection {
    /// The time read as of; absent: the latest version.
    pub as_of: Option<String>,
    pub http_requests: u64,
    pub totals: VerifyTotals,
    pub ids: VerifyIds,
    pub stopped_by: Option<String>,
    pub requests: Vec<ReadRequest>,
    pub failed_requests: Vec<FailedRead>,
    pub residual: Residual,
    /// Ids the latest read no longer listed (LangSmith stops listing a hard-deleted
    /// example), read again as of a time before their deletion, in order: each id's
    /// outcome is the last such read's. Absent when none was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_reads: Vec<EarlierRead>,
}

/// One read again as of a time before the deletion.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EarlierRead {
    /// The time read as of (RFC 3339).
    pub as_of: String,
    /// The ids read (none was found at the reads before), sorted.
    pub ids: Vec<Uuid>,
}

/// Copies of the examples' data this run did not touch, as far as the API shows them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Residual {
    pub note: String,
    pub source_runs: Vec<SourceRun>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SourceRun {
    pub example_id: Uuid,
    pub source_run_id: Uuid,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AttachmentsPendingRow {
    pub id: Uuid,
    pub attachments: usize,
    /// The deletion time + 7 days (RFC 3339); null when the deletion time is not known.
    pub deadline: Option<String>,
    /// Past the deadline: no longer pending, not erased.
    pub overdue: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ReadRequest {
    pub index: usize,
    pub batch: usize,
    pub ids: usize,
    pub started_at: String,
    pub finished_at: String,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    pub returned: usize,
    pub foreign: usize,
    pub error_kind: Option<String>,
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
pub struct VerifyTotals {
    pub erased: u64,
    pub not_erased: u64,
    pub unproven: u64,
    pub attachments_pending: u64,
    pub not_found: u64,
    pub failed: u64,
    pub not_attempted: u64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct NotErased {
    pub id: Uuid,
    /// Which of inputs, outputs, metadata still hold data (never the data).
    pub holding: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Unproven {
    pub id: Uuid,
    /// Which of outputs, metadata, attachment_urls the answer left out.
    pub absent: Vec<String>,
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
pub struct VerifyIds {
    pub erased: Vec<Uuid>,
    pub not_erased: Vec<NotErased>,
    pub unproven: Vec<Unproven>,
    pub attachments_pending: Vec<AttachmentsPendingRow>,
    pub not_found: Vec<Uuid>,
    pub failed: Vec<Uuid>,
    pub not_attempted: Vec<Uuid>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FailedRead {
    pub index: usize,
    pub ids: usize,
    pub attempts: u32,
    pub error_kind: String,
    pub error: String,
}

/// Which runs API a lookup used.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RunsApi {
    /// `POST /api/v2/runs/query`.
    V2,
    /// `POST /api/v1/runs/query`.
    V1,
}

/// The `start_time` window a runs lookup asked for (never the server's default), as
/// written: RFC 3339 ([`Window::parse`] reads the times).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub min_start_time: String,
    pub max_start_time: String,
}

impl Window {
    /// Both times, or which one is not RFC 3339.
    pub fn parse(
        &self,
    ) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), String> {
        let time = |name: &str, v: &str| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.to_utc())
                .map_err(|e| format!("{name} {v:?}: not RFC 3339 ({e})"))
        };
        Ok((
            time("min_start_time", &self.min_start_time)?,
            time("max_start_time", &self.max_start_time)?,
        ))
    }
}

/// `hard-delete --with-runs`: the traces found and their deletion requested.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RunsSection {
    /// What "deletion_requested" means, in the report itself.
    pub note: String,
    pub lookup: Lookup,
    pub totals: TraceTotals,
    pub http_requests: u64,
    pub traces: Vec<TraceRow>,
    pub requests: Vec<TraceRequestRow>,
    pub stopped_by: Option<String>,
}

/// The runs query behind a section.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Lookup {
    /// Examples whose referencing runs were asked for.
    pub examples: usize,
    /// The runs query that answered; null when the lookup failed before one answered
    /// (and in reports from before the v2 runs query: v1 was the only one).
    pub runs_api: Option<RunsApi>,
    /// The `start_time` window every query asked for; null when none was recorded.
    pub window: Option<Window>,
    /// The datasets of the examples: each a v2 query's `reference_dataset_id`.
    pub datasets: Vec<Uuid>,
    pub runs: u64,
    pub traces: usize,
    pub pages: u64,
    pub http_requests: u64,
    /// Listed runs that reference none of the examples: excluded, never deleted.
    pub excluded: Vec<RunRow>,
    /// Why the listing did not complete (then nothing was requested).
    pub error: Option<String>,
    pub error_kind: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RunRow {
    pub run_id: Uuid,
    pub trace_id: Uuid,
    pub session_id: Uuid,
    pub reference_example_id: Option<Uuid>,
}

/// What was done about one trace.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TraceRowOutcome {
    /// The service queued its deletion: not yet proven gone.
    DeletionRequested,
    Failed,
    NotAttempted,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TraceRow {
    pub session_id: Uuid,
    pub trace_id: Uuid,
    pub reference_example_ids: Vec<Uuid>,
    pub outcome: TraceRowOutcome,
    pub error_kind: Option<String>,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    pub requested_at: Option<String>,
    /// Requested by an earlier run of the same journal (found again, not sent again);
    /// absent in reports before it (false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requested_by_earlier_run: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TraceRequestRow {
    pub index: usize,
    pub session_id: Uuid,
    pub traces: usize,
    pub started_at: String,
    pub finished_at: String,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    /// The answer's `message` (`Run deletes queued`).
    pub message: Option<String>,
    pub error_kind: Option<String>,
    pub error: Option<String>,
}

#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
pub struct TraceTotals {
    pub deletion_requested: usize,
    pub failed: usize,
    pub not_attempted: usize,
}

/// The read-back of traces.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TraceVerifySection {
    pub note: String,
    pub lookup: Lookup,
    pub gone: Vec<TraceKeyRow>,
    pub still_present: Vec<StillPresentRow>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TraceKeyRow {
    pub session_id: Uuid,
    pub trace_id: Uuid,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StillPresentRow {
    pub session_id: Uuid,
    pub trace_id: Uuid,
    /// Whether its deletion had been requested (then pending; otherwise nobody asked).
    pub requested: bool,
}

/// `verify`'s report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct VerifyReport {
    #[serde(default = "schema_0_1")]
    pub schema: u32,
    #[serde(flatten)]
    pub envelope: Envelope,
    pub inputs: Vec<InputSource>,
    /// With `--from-report`: the run whose erasure this verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_report: Option<EarlierSummary>,
    pub unique_ids: u64,
    pub verification: VerificationSection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_verification: Option<TraceVerifySection>,
    pub interrupted: bool,
    pub exit_code: u8,
}

/// What `verify --from-report` read.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EarlierSummary {
    pub path: std::path::PathBuf,
    pub sha256: Option<String>,
    pub endpoint: String,
    pub ticket: Option<String>,
    pub started_at: String,
    pub ids: usize,
    pub traces_requested: usize,
}

/// `select -o json`'s document.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SelectDoc {
    /// [`SCHEMA`] when written by this version (absent before).
    #[serde(default = "schema_0_1")]
    pub schema: u32,
    pub selectors: String,
    /// Selectors only the server evaluated (not re-checked here).
    pub server_evaluated: Vec<String>,
    pub counted: u64,
    pub count: usize,
    pub ids: Vec<Uuid>,
    /// Listed, but failing a selector when checked here: not selected.
    pub excluded: Vec<ExcludedRow>,
    /// With `--with-runs`: the traces `hard-delete --with-runs` would request deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<WouldDelete>,
}

/// The traces a `select --with-runs` would have requested deleted.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct WouldDelete {
    pub lookup: Lookup,
    pub traces: Vec<WouldDeleteRow>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct WouldDeleteRow {
    pub session_id: Uuid,
    pub trace_id: Uuid,
    pub reference_example_ids: Vec<Uuid>,
    pub runs: usize,
}

/// The phase of a run a target's state comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Selected examples the client's check excluded.
    Selection,
    /// The deletion of examples.
    Deletion,
    /// The read-back of examples.
    Verification,
    /// The traces found and their deletion requested.
    Runs,
    /// The read-back of traces.
    RunsVerification,
}

/// What a target is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetId {
    Example(Uuid),
    /// A listed run the check excluded.
    Run(Uuid),
    Trace {
        session_id: Uuid,
        trace_id: Uuid,
    },
}

/// One state for every target of every phase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The server's answer named it.
    Deleted,
    /// Confirmed by an earlier run's journal.
    AlreadyDeleted,
    /// The service queued its deletion (a 202): not yet proven gone.
    DeletionRequested,
    /// Read back erased (examples).
    Erased,
    /// No longer listed after its deletion was requested (traces).
    Gone,
    /// Nothing contradicts the erasure, but it is still to happen: attachments within
    /// their 7 days (`until`: the deadline, RFC 3339, when known), or a requested trace
    /// still listed (`until` none: LangSmith runs the job later).
    PendingUntil {
        until: Option<String>,
    },
    /// Data left: which fields (examples), or a trace nobody asked to delete.
    NotErased {
        holding: Vec<String>,
    },
    /// The answer left these fields out: it proves nothing about them.
    Unproven {
        absent: Vec<String>,
    },
    NotFound,
    Forbidden,
    /// A 2xx that did not name it.
    Unconfirmed,
    /// Excluded by the client's check: never acted on.
    Excluded {
        reason: String,
    },
    Failed {
        kind: Option<String>,
    },
    NotAttempted,
}

/// A target in a phase, in its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub phase: Phase,
    pub id: TargetId,
    pub state: State,
}

impl DeletionReport {
    /// Every id of the report, whatever its outcome, sorted and each once.
    pub fn all_ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self.ids.all().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The traces whose deletion was requested.
    pub fn requested_traces(&self) -> Vec<TraceKeyRow> {
        self.runs.as_ref().map_or_else(Vec::new, |r| {
            r.traces
                .iter()
                .filter(|t| t.outcome == TraceRowOutcome::DeletionRequested)
                .map(|t| TraceKeyRow {
                    session_id: t.session_id,
                    trace_id: t.trace_id,
                })
                .collect()
        })
    }

    /// Every target of every phase, with its state.
    pub fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        let mut push = |phase, id, state| out.push(Target { phase, id, state });
        if let Some(s) = &self.selection {
            for row in &s.excluded {
                push(
                    Phase::Selection,
                    TargetId::Example(row.id),
                    State::Excluded {
                        reason: row.reason.clone(),
                    },
                );
            }
        }
        for (outcome, id) in self.ids.all() {
            use DeletionOutcome as O;
            let state = match outcome {
                O::Deleted => State::Deleted,
                O::AlreadyDeleted => State::AlreadyDeleted,
                O::NotFound => State::NotFound,
                O::Forbidden => State::Forbidden,
                O::Unconfirmed => State::Unconfirmed,
                O::Failed => State::Failed { kind: None },
                O::NotAttempted => State::NotAttempted,
            };
            push(Phase::Deletion, TargetId::Example(*id), state);
        }
        if let Some(v) = &self.verification {
            verification_targets(v, &mut push);
        }
        if let Some(r) = &self.runs {
            for row in &r.lookup.excluded {
                push(
                    Phase::Runs,
                    TargetId::Run(row.run_id),
                    State::Excluded {
                        reason: "reference_example_mismatch".to_owned(),
                    },
                );
            }
            for t in &r.traces {
                let state = match t.outcome {
                    TraceRowOutcome::DeletionRequested => State::DeletionRequested,
                    TraceRowOutcome::Failed => State::Failed {
                        kind: t.error_kind.clone(),
                    },
                    TraceRowOutcome::NotAttempted => State::NotAttempted,
                };
                push(
                    Phase::Runs,
                    TargetId::Trace {
                        session_id: t.session_id,
                        trace_id: t.trace_id,
                    },
                    state,
                );
            }
        }
        if let Some(v) = &self.runs_verification {
            trace_verification_targets(v, &mut push);
        }
        out
    }
}

fn verification_targets(v: &VerificationSection, push: &mut impl FnMut(Phase, TargetId, State)) {
    let p = Phase::Verification;
    let ids = &v.ids;
    for id in &ids.erased {
        push(p, TargetId::Example(*id), State::Erased);
    }
    for row in &ids.not_erased {
        push(
            p,
            TargetId::Example(row.id),
            State::NotErased {
                holding: row.holding.clone(),
            },
        );
    }
    for row in &ids.unproven {
        push(
            p,
            TargetId::Example(row.id),
            State::Unproven {
                absent: row.absent.clone(),
            },
        );
    }
    for row in &ids.attachments_pending {
        let state = if row.overdue {
            State::NotErased {
                holding: vec!["attachments".to_owned()],
            }
        } else {
            State::PendingUntil {
                until: row.deadline.clone(),
            }
        };
        push(p, TargetId::Example(row.id), state);
    }
    for id in &ids.not_found {
        push(p, TargetId::Example(*id), State::NotFound);
    }
    for id in &ids.failed {
        push(p, TargetId::Example(*id), State::Failed { kind: None });
    }
    for id in &ids.not_attempted {
        push(p, TargetId::Example(*id), State::NotAttempted);
    }
}

fn trace_verification_targets(
    v: &TraceVerifySection,
    push: &mut impl FnMut(Phase, TargetId, State),
) {
    let p = Phase::RunsVerification;
    for t in &v.gone {
        push(
            p,
            TargetId::Trace {
                session_id: t.session_id,
                trace_id: t.trace_id,
            },
            State::Gone,
        );
    }
    for t in &v.still_present {
        let state = if t.requested {
            State::PendingUntil { until: None }
        } else {
            State::NotErased {
                holding: vec!["trace".to_owned()],
            }
        };
        push(
            p,
            TargetId::Trace {
                session_id: t.session_id,
                trace_id: t.trace_id,
            },
            state,
        );
    }
}

impl VerifyReport {
    /// Every target of every phase, with its state.
    pub fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        let mut push = |phase, id, state| out.push(Target { phase, id, state });
        verification_targets(&self.verification, &mut push);
        if let Some(v) = &self.runs_verification {
            trace_verification_targets(v, &mut push);
        }
        out
    }
}

/// A report read back.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    Deletion(Box<DeletionReport>),
    Verify(Box<VerifyReport>),
}

/// Why a document could not be read as a report.
#[derive(Debug)]
pub struct LoadError {
    kind: LoadErrorKind,
    detail: String,
    source: Option<serde_json::Error>,
}

/// What kind of [`LoadError`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// Not JSON.
    NotJson,
    /// JSON, but not a report of [`TOOL`].
    NotOurs,
    /// A report of a schema newer than [`SCHEMA`].
    NewerSchema,
    /// A report of neither known kind.
    UnknownKind,
    /// A field does not fit the schema (the place is named).
    Invalid,
}

impl LoadError {
    pub fn kind(&self) -> LoadErrorKind {
        self.kind
    }

    fn new(kind: LoadErrorKind, detail: impl Into<String>) -> LoadError {
        LoadError {
            kind,
            detail: detail.into(),
            source: None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Reads a report by type. A report of schema [`SCHEMA_0_1`] (no `schema` field) loads
/// through [`upgrade_0_1`]; a newer schema is refused. A deletion report is told from a
/// verify report by its `ids` (the ids by deletion outcome).
pub fn load(bytes: &[u8]) -> Result<Document, LoadError> {
    let mut doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| LoadError {
        source: Some(e),
        ..LoadError::new(LoadErrorKind::NotJson, "not JSON")
    })?;
    let tool = doc.get("tool");
    if tool.and_then(|t| t.as_str()) != Some(TOOL) {
        return Err(LoadError::new(
            LoadErrorKind::NotOurs,
            format!(
                "not a report of {TOOL} (its `tool` is {})",
                tool.map_or_else(|| "absent".to_owned(), |v| v.to_string())
            ),
        ));
    }
    let schema = match doc.get("schema") {
        None => SCHEMA_0_1,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                LoadError::new(
                    LoadErrorKind::Invalid,
                    format!("schema: not a version ({v})"),
                )
            })?,
    };
    if schema > SCHEMA {
        return Err(LoadError::new(
            LoadErrorKind::NewerSchema,
            format!("schema {schema}: written by a newer version (this one reads up to {SCHEMA})"),
        ));
    }
    if schema == SCHEMA_0_1 {
        upgrade_0_1(&mut doc);
    }
    if doc.get("ids").is_some_and(|v| v.is_object()) {
        typed(doc).map(|r| Document::Deletion(Box::new(r)))
    } else if doc.get("verification").is_some() {
        typed(doc).map(|r| Document::Verify(Box::new(r)))
    } else {
        Err(LoadError::new(
            LoadErrorKind::UnknownKind,
            "neither a hard-delete nor a verify report",
        ))
    }
}

/// The compatibility path from release 0.1.0's reports (no `schema` field): `schema`
/// becomes [`SCHEMA`]; a runs `lookup` written before the v2 runs query (no `runs_api`,
/// `window`, `datasets`) gets them as null, null and empty: that lookup recorded no API
/// (it was v1, the only one), sent no window and no dataset. Nothing else differs.
pub fn upgrade_0_1(doc: &mut serde_json::Value) {
    let Some(map) = doc.as_object_mut() else {
        return;
    };
    map.insert("schema".to_owned(), SCHEMA.into());
    for section in ["runs", "runs_verification"] {
        let Some(lookup) = map
            .get_mut(section)
            .and_then(|s| s.get_mut("lookup"))
            .and_then(|l| l.as_object_mut())
        else {
            continue;
        };
        for (key, empty) in [
            ("runs_api", serde_json::Value::Null),
            ("window", serde_json::Value::Null),
            ("datasets", serde_json::Value::Array(Vec::new())),
        ] {
            lookup.entry(key).or_insert(empty);
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(doc: serde_json::Value) -> Result<T, LoadError> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let what = if inner.to_string().contains("UUID") {
            "not a UUID"
        } else {
            "does not fit the report's schema"
        };
        LoadError {
            source: Some(inner),
            ..LoadError::new(LoadErrorKind::Invalid, format!("{path}: {what}"))
        }
    })
}
