//! The runs of the store: runs, the sessions (tracing projects) that hold them, feedback,
//! share links, rules, exports and the trace deletions queued; and the experiment traces
//! seeded over the seeded examples (issue 23).
//!
//! As `evaluate()` makes them: per dataset, experiment sessions whose
//! `reference_dataset_id` is that dataset; per session, one trace per example whose root
//! run has `reference_example_id` = the example and the example's inputs, and a child run
//! in the same trace holding a prompt built from them; plus one unrelated trace per
//! session (no reference). Traces are spread over the **last 90 days relative to the
//! server's start** (one trace in 20 within the last day, the others older; each one
//! after its example's last version was made), so a client that leaves a query's window
//! to a server's one-day default misses most of them.

use crate::store::Store;
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::time::{Duration, SystemTime};
use uuid::Uuid;

/// How far back the seeded traces reach: 90 days before the server started.
pub const SEED_SPAN_SECS: i64 = 90 * 86_400;

/// The least age of a seeded trace that is not among the recent ones: a day and an hour.
const OLDER: i64 = 86_400 + 3600;

/// One run of the store.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Run {
    pub id: Uuid,
    pub trace_id: Uuid,
    /// The session (tracing project) it was logged to: v2's `project_id`.
    pub session_id: Uuid,
    pub workspace_id: Uuid,
    pub parent_run_id: Option<Uuid>,
    pub reference_example_id: Option<Uuid>,
    /// The dataset of the reference example (none without one).
    pub reference_dataset_id: Option<Uuid>,
    pub name: String,
    /// `chain` (the root) or `llm` (the child), as v1 writes run types.
    #[serde(with = "crate::kinds::run_type")]
    pub run_type: crate::kinds::StaticStr,
    pub inputs: Value,
    pub outputs: Value,
    /// Unix seconds.
    pub start_time: i64,
    /// Unix seconds: every seeded run has finished, successfully; a run ingested without
    /// an end time has none until a `PATCH` gives it one.
    pub end_time: Option<i64>,
    /// The error an ingested run reported (seeded runs succeeded).
    pub error: Option<String>,
    /// Runtime JSON sent with the run (`extra.metadata` is its metadata); none when not sent.
    pub extra: Option<Value>,
    /// The run's events as sent (a list of objects); none when not sent.
    pub events: Option<Value>,
    /// The tags sent with the run (a later patch's replace them), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub dotted_order: String,
}

impl Run {
    pub fn is_root(&self) -> bool {
        self.parent_run_id.is_none()
    }

    /// v2's `project_id`: the session.
    pub fn project_id(&self) -> Uuid {
        self.session_id
    }

    /// The ancestors from the trace's root down to the direct parent (the seeded traces
    /// are two runs deep).
    pub fn parent_run_ids(&self) -> Vec<Uuid> {
        self.parent_run_id.into_iter().collect()
    }
}

/// A session (tracing project) of the store: an experiment over a dataset, or the
/// workspace's `default` project.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Session {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// The dataset an experiment ran over (none for a plain tracing project).
    pub reference_dataset_id: Option<Uuid>,
    /// When it was created, Unix seconds: before every run it holds.
    pub start_time: i64,
    /// Set by a create or `PATCH /sessions/{id}` (seeded sessions have none).
    pub description: Option<String>,
    pub end_time: Option<i64>,
    pub extra: Option<Value>,
}

/// A trace deletion the server accepted and has not carried out yet (or has).
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    /// When it is carried out: a wall-clock time, so a stored queue survives a restart
    /// (`langsmith-mock serve --data`).
    pub(crate) due: SystemTime,
    pub(crate) workspace_id: Uuid,
    pub(crate) session_id: Uuid,
    pub(crate) trace_ids: HashSet<Uuid>,
}

/// The runs of the store as a list that knows when it may have changed: every mutable
/// access ([`DerefMut`](std::ops::DerefMut)), every clone and every new list takes a
/// generation number never given before, so a number names one content of the list.
/// What is derived from the list (the v2 query's order, [`Runs::by_start`]) is kept with
/// the number it was made at and made again when the number differs.
#[derive(Debug)]
pub(crate) struct RunList {
    runs: Vec<Run>,
    generation: u64,
}

/// The next generation number a run list takes (the first is 1).
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl RunList {
    /// The number naming this content of the list.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }
}

impl From<Vec<Run>> for RunList {
    fn from(runs: Vec<Run>) -> Self {
        RunList {
            runs,
            generation: next_generation(),
        }
    }
}

impl Default for RunList {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl Clone for RunList {
    fn clone(&self) -> Self {
        self.runs.clone().into()
    }
}

impl std::ops::Deref for RunList {
    type Target = Vec<Run>;
    fn deref(&self) -> &Vec<Run> {
        &self.runs
    }
}

impl std::ops::DerefMut for RunList {
    fn deref_mut(&mut self) -> &mut Vec<Run> {
        self.generation = next_generation();
        &mut self.runs
    }
}

/// The runs of the store, their sessions and the deletions queued.
#[derive(Debug, Default)]
pub(crate) struct Runs {
    pub(crate) runs: RunList,
    /// The indexes of [`Runs::runs`] sorted by `(start_time, id)` (runs with the same key
    /// in the list's order), with the generation of the list they were sorted at: what
    /// the v2 query pages through ([`Runs::by_start`]).
    pub(crate) by_start: Option<(u64, Vec<u32>)>,
    /// The experiment sessions (the workspaces' `default` sessions are in `side`).
    pub(crate) sessions: Vec<Session>,
    pub(crate) queued: Vec<Queued>,
    pub(crate) delay: Duration,
    /// `(session_id, trace_id)` of every trace deleted, in order.
    pub(crate) deleted: Vec<(Uuid, Uuid)>,
    /// Runs delete requests received (for the deterministic 500s of
    /// `Faults::runs_delete_500_first`).
    pub(crate) delete_requests: u32,
    /// Feedback written through the API, in the order written.
    pub(crate) feedback: Vec<Feedback>,
    /// Share links of runs: run id -> (token, created at, Unix seconds).
    pub(crate) shares: std::collections::BTreeMap<Uuid, (Uuid, i64)>,
    /// Share links of datasets: dataset id -> (token, created at, Unix seconds).
    pub(crate) dataset_shares: std::collections::BTreeMap<Uuid, (Uuid, i64)>,
    /// Run rules (automations) as `RunRulesSchema` answers them, with their workspace.
    pub(crate) rules: Vec<(Uuid, Value)>,
    /// Bulk exports as `BulkExport` answers them, with their workspace.
    pub(crate) exports: Vec<(Uuid, Value)>,
    /// Patches `POST /runs/multipart` took before their run's post: `(workspace, patch)`,
    /// applied when the post arrives (LangSmith's ingestion accepts either order).
    pub(crate) early_patches: Vec<(Uuid, Value)>,
}

/// A feedback record (`POST /feedback`): the fields the spec's `FeedbackSchema` declares,
/// as sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Feedback {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub run_id: Option<Uuid>,
    pub trace_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub key: String,
    /// The rest of what was sent that `FeedbackSchema` declares (`score`, `value`,
    /// `comment`, `correction`, `feedback_source`, ...).
    pub fields: Map<String, Value>,
    /// Unix seconds.
    pub created_at: i64,
}

impl Runs {
    /// The runs, and their indexes sorted by `(start_time, id)` (runs with the same key
    /// in the list's order, as a stable sort leaves them), sorted again only when the
    /// list changed since.
    pub(crate) fn by_start(&mut self) -> (&[Run], &[u32]) {
        let generation = self.runs.generation();
        if self.by_start.as_ref().is_none_or(|(g, _)| *g != generation) {
            let runs: &[Run] = &self.runs;
            let mut order: Vec<u32> = (0..runs.len())
                .map(|i| u32::try_from(i).expect("fewer than 2^32 runs"))
                .collect();
            order.sort_by_key(|&i| {
                let r = &runs[i as usize];
                (r.start_time, r.id)
            });
            self.by_start = Some((generation, order));
        }
        let order = &self.by_start.as_ref().expect("sorted above").1;
        (&self.runs, order)
    }

    /// Drops what went with the `removed` runs: their feedback (LangSmith deletes a
    /// trace's feedback with it) and their share links. (Feedback on a run not ingested
    /// yet stays.)
    pub(crate) fn drop_orphans(&mut self, removed: &HashSet<Uuid>) {
        self.feedback
            .retain(|f| f.run_id.is_none_or(|r| !removed.contains(&r)));
        self.shares.retain(|run, _| !removed.contains(run));
    }
}

/// `20260101T000000000000Z` for a time, as LangSmith's dotted order writes it.
pub(crate) fn compact(secs: i64) -> String {
    let t = crate::time::rfc3339(secs)
        .replace(['-', ':'], "")
        .trim_end_matches('Z')
        .to_owned();
    format!("{t}000000Z")
}

impl Runs {
    /// Carries out the queued deletions that are due.
    pub(crate) fn settle(&mut self) {
        let now = SystemTime::now();
        let (due, later): (Vec<Queued>, Vec<Queued>) =
            self.queued.drain(..).partition(|q| q.due <= now);
        self.queued = later;
        let mut removed = HashSet::new();
        for q in due {
            let mut gone: Vec<(Uuid, Uuid)> = Vec::new();
            self.runs.retain(|r| {
                let hit = r.workspace_id == q.workspace_id
                    && r.session_id == q.session_id
                    && q.trace_ids.contains(&r.trace_id);
                if hit && !gone.contains(&(r.session_id, r.trace_id)) {
                    gone.push((r.session_id, r.trace_id));
                }
                if hit {
                    removed.insert(r.id);
                }
                !hit
            });
            self.deleted.extend(gone);
        }
        if !removed.is_empty() {
            self.drop_orphans(&removed);
        }
    }

    /// Seeds `sessions` experiment sessions per dataset over its seeded examples, each
    /// example in `per_example` of them (the `k`-th example of a dataset in sessions
    /// `k % sessions`, `(k + 1) % sessions`, ...), with traces over the 90 days before `now`.
    pub(crate) fn seed(
        &mut self,
        store: &Store,
        sessions: usize,
        per_example: usize,
        now: i64,
        rng: &mut fastrand::Rng,
    ) {
        if sessions == 0 {
            return;
        }
        // Examples per dataset, in id order, datasets in order of their first example.
        let mut groups: Vec<(u16, Vec<usize>)> = Vec::new();
        for i in 0..store.len() {
            let ds = store.dataset_index_at(i);
            match groups.iter_mut().find(|(d, _)| *d == ds) {
                Some((_, v)) => v.push(i),
                None => groups.push((ds, vec![i])),
            }
        }
        let oldest = now - SEED_SPAN_SECS;
        for (ds, examples) in groups {
            let dataset = &store.datasets[ds as usize];
            let workspace = store.dataset_workspace(dataset);
            for s in 0..sessions {
                let session_id = uuid4(rng);
                // Sessions made an hour apart (at most a day), before any of their runs.
                let created = oldest + (s % 24) as i64 * 3600;
                let mut earliest = created;
                let mut k_in = 0usize;
                for (k, i) in examples.iter().copied().enumerate() {
                    if (s + sessions - k % sessions) % sessions >= per_example {
                        continue;
                    }
                    let example = store.id_at(i);
                    let inputs = store
                        .content(i, store.versions() - 1)
                        .map_or(Value::Null, |c| c.inputs);
                    // One trace in 20 within the last day, the others older.
                    let age = if k_in.is_multiple_of(20) {
                        rng.i64(600..20 * 3600)
                    } else {
                        rng.i64(OLDER..SEED_SPAN_SECS - 26 * 3600)
                    };
                    k_in += 1;
                    // A run cannot reference an example before it exists.
                    let made = store
                        .version_time(i, store.versions() - 1)
                        .div_euclid(crate::time::MICROS);
                    let start = (now - age).max(made + 60).min(now - 60);
                    earliest = earliest.min(start - 60);
                    let prompt = json!({"prompt": format!("Answer the question: {inputs}")});
                    let trace = Trace {
                        workspace,
                        session: session_id,
                        reference: Some((example, dataset.id)),
                        inputs,
                        prompt,
                        start,
                    };
                    self.push_trace(trace, rng);
                }
                // An unrelated trace: no example behind it.
                let start = now - rng.i64(OLDER..SEED_SPAN_SECS - 26 * 3600);
                let trace = Trace {
                    workspace,
                    session: session_id,
                    reference: None,
                    inputs: json!({"question": "unrelated"}),
                    prompt: json!({"prompt": "unrelated"}),
                    start,
                };
                self.push_trace(trace, rng);
                self.sessions.push(Session {
                    id: session_id,
                    workspace_id: workspace,
                    name: format!("experiment-{}-{}", dataset.name, s + 1),
                    reference_dataset_id: Some(dataset.id),
                    start_time: earliest.min(start - 60),
                    description: None,
                    end_time: None,
                    extra: None,
                });
            }
        }
    }

    /// A root run and its child.
    fn push_trace(&mut self, t: Trace, rng: &mut fastrand::Rng) {
        let (root, child) = (uuid4(rng), uuid4(rng));
        let root_dotted = format!("{}{root}", compact(t.start));
        let answer = json!({"answer": format!("answer {}", &root.simple().to_string()[..6])});
        self.runs.push(Run {
            id: root,
            trace_id: root,
            session_id: t.session,
            workspace_id: t.workspace,
            parent_run_id: None,
            reference_example_id: t.reference.map(|r| r.0),
            reference_dataset_id: t.reference.map(|r| r.1),
            name: "target".into(),
            run_type: "chain",
            inputs: t.inputs,
            outputs: answer.clone(),
            start_time: t.start,
            end_time: Some(t.start + 3),
            error: None,
            extra: None,
            events: None,
            tags: Vec::new(),
            dotted_order: root_dotted.clone(),
        });
        self.runs.push(Run {
            id: child,
            trace_id: root,
            session_id: t.session,
            workspace_id: t.workspace,
            parent_run_id: Some(root),
            reference_example_id: None,
            reference_dataset_id: None,
            name: "llm".into(),
            run_type: "llm",
            inputs: t.prompt,
            outputs: json!({"generations": [answer]}),
            start_time: t.start + 1,
            end_time: Some(t.start + 2),
            error: None,
            extra: None,
            events: None,
            tags: Vec::new(),
            dotted_order: format!("{root_dotted}.{}{child}", compact(t.start + 1)),
        });
    }
}

/// What one seeded trace is made of.
struct Trace {
    workspace: Uuid,
    session: Uuid,
    /// The example and its dataset.
    reference: Option<(Uuid, Uuid)>,
    inputs: Value,
    prompt: Value,
    start: i64,
}

/// A random (seeded) version-4 UUID.
pub(crate) fn uuid4(rng: &mut fastrand::Rng) -> Uuid {
    Uuid::from_u128(rng.u128(..) & !(0xf << 76) | (0x4 << 76))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A root run with nothing in it, for unit tests to fill in.
    pub(crate) fn run() -> Run {
        let id = Uuid::from_u128(1);
        Run {
            id,
            trace_id: id,
            session_id: Uuid::from_u128(2),
            workspace_id: Uuid::from_u128(3),
            parent_run_id: None,
            reference_example_id: None,
            reference_dataset_id: None,
            name: "run".into(),
            run_type: "chain",
            inputs: json!({}),
            outputs: Value::Null,
            start_time: 0,
            end_time: None,
            error: None,
            extra: None,
            events: None,
            tags: Vec::new(),
            dotted_order: id.to_string(),
        }
    }
}
