//! A local LangSmith stand-in for the "Hard Delete Examples" API.
//!
//! It runs on loopback with no account: tests, benchmarks and the CLI's `--mock` use it.
//! It reads the vendored `openapi/langsmith.json` itself (not the facade or the generated
//! types) to validate requests, keeps workspaces, credentials and versioned examples in
//! memory, implements the endpoint's semantics (null inputs, outputs and metadata of every
//! version; keep id, dataset id and created_at; queue attachments), and injects seeded
//! faults.
//!
//! [`MockServerBuilder::person_workspace`] seeds a whole workspace in which one fictitious
//! person's data is spread everywhere (examples, traces, experiments, feedback, share
//! links, a run rule, a bulk export) among other people's, with the stand-in's own record
//! of every copy ([`MockServer::person_copies`], and [`MockServer::person_left`] after an
//! erasure); the runs queries evaluate a subset of LangSmith's filter language
//! ([`filter`]), full-text index blind spots included.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = langsmith_mock::MockServer::builder().examples(10).start().await?;
//! println!("{} {}", server.url(), server.seeded_ids().len());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod answer;
mod cx;
pub mod faults;
pub mod filter;
mod kinds;
mod multipart;
mod params;
pub mod persist;
pub mod person;
pub mod raw;
mod read;
pub mod runs;
pub mod runs_v2;
mod server;
mod side;
pub mod spec;
pub mod store;
mod time;
pub mod traces;
mod workspace;
mod write;

pub use faults::{Condition, Effect, EndlessPages, Fault, Faults, Lies, Operation, Rule};
pub use params::Use;
pub use server::{Echo, RecordedRequest, RunsApi, UnknownIds, error_body};
pub use side::{INFO_VERSION, SESSION_NAME, session_id};
pub use store::{Dataset, Example, Marker, Principal, Version};
pub use traces::{Feedback, Run, Session};

/// The dataset a workspace's examples go to when no other is named.
pub const DEFAULT_DATASET: &str = "default";
/// The marker `langsmith-mock serve` and the CLI's `--mock` put into seeded examples: an
/// email address standing for the person an erasure request names.
pub const DEMO_MARKER: &str = "jane.doe@example.com";
/// One seeded example in this many holds [`DEMO_MARKER`].
pub const DEMO_MARKER_EVERY: u64 = 50;

use server::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use uuid::Uuid;

/// Builds a [`MockServer`].
#[derive(Debug)]
pub struct MockServerBuilder {
    workspaces: Vec<Uuid>,
    current: Option<Uuid>,
    organization_id: Uuid,
    api_keys: Vec<(String, Uuid)>,
    bearer_tokens: Vec<(String, Uuid)>,
    /// Datasets: workspace, name, id.
    datasets: Vec<(Uuid, String, Uuid)>,
    current_dataset: Option<usize>,
    /// Seeded ids per dataset (an index into `datasets`).
    examples: Vec<(usize, Vec<Uuid>)>,
    marker: Option<store::Marker>,
    versions: usize,
    faults: Faults,
    unknown: UnknownIds,
    echo: server::Echo,
    record_requests: bool,
    verbose: bool,
    hard_deleted_unlisted: bool,
    whole_second_times: bool,
    examples_multipart: bool,
    addr: SocketAddr,
    rng: fastrand::Rng,
    experiment_sessions: usize,
    traces_per_example: Option<usize>,
    attachments_every: u64,
    source_runs_every: u64,
    run_delete_delay: std::time::Duration,
    attachment_delay: std::time::Duration,
    runs_api: RunsApi,
    person: Option<person::PersonScale>,
    data_dir: Option<std::path::PathBuf>,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            workspaces: Vec::new(),
            current: None,
            organization_id: Uuid::from_u128(0x0a11_0000_0000_4000_8000_0000_0000_0001),
            api_keys: Vec::new(),
            bearer_tokens: Vec::new(),
            datasets: Vec::new(),
            current_dataset: None,
            examples: Vec::new(),
            marker: None,
            versions: 2,
            faults: Faults::default(),
            unknown: UnknownIds::default(),
            echo: server::Echo::default(),
            record_requests: true,
            verbose: false,
            hard_deleted_unlisted: true,
            whole_second_times: false,
            examples_multipart: false,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            rng: fastrand::Rng::with_seed(0x5eed),
            experiment_sessions: 0,
            traces_per_example: None,
            attachments_every: 0,
            source_runs_every: 0,
            run_delete_delay: std::time::Duration::ZERO,
            attachment_delay: std::time::Duration::ZERO,
            runs_api: RunsApi::Both,
            person: None,
            data_dir: None,
        }
    }
}

impl MockServerBuilder {
    fn current_workspace(&mut self) -> Uuid {
        if let Some(ws) = self.current {
            return ws;
        }
        let ws = random_uuid(&mut self.rng);
        self.workspace(ws);
        ws
    }

    /// Selects (creating if new) the workspace that later `api_key`, `bearer_token` and
    /// `examples` calls apply to.
    pub fn workspace(&mut self, workspace_id: Uuid) -> &mut Self {
        if !self.workspaces.contains(&workspace_id) {
            self.workspaces.push(workspace_id);
        }
        if self.current != Some(workspace_id) {
            self.current_dataset = None;
        }
        self.current = Some(workspace_id);
        self
    }

    /// Selects (creating if new) the dataset of that name in the current workspace, which
    /// later `examples` and `example_ids` calls seed. Without one, a workspace's examples
    /// go to its dataset named [`DEFAULT_DATASET`].
    pub fn dataset(&mut self, name: impl Into<String>) -> &mut Self {
        let ws = self.current_workspace();
        let name = name.into();
        let i = match self
            .datasets
            .iter()
            .position(|(w, n, _)| *w == ws && *n == name)
        {
            Some(i) => i,
            None => {
                let id = random_uuid(&mut self.rng);
                self.datasets.push((ws, name, id));
                self.datasets.len() - 1
            }
        };
        self.current_dataset = Some(i);
        self
    }

    /// Puts `text` into the inputs of one seeded example in `every` (chosen by id), for
    /// selection by content (`full_text_contains`) to find.
    pub fn marker(&mut self, text: impl Into<String>, every: u64) -> &mut Self {
        self.marker = Some(store::Marker {
            text: text.into(),
            every: every.max(1),
        });
        self
    }

    /// Adds an API key for the current workspace.
    pub fn api_key(&mut self, key: impl Into<String>) -> &mut Self {
        let ws = self.current_workspace();
        self.api_keys.push((key.into(), ws));
        self
    }

    /// Adds a bearer token for the current workspace.
    pub fn bearer_token(&mut self, token: impl Into<String>) -> &mut Self {
        let ws = self.current_workspace();
        self.bearer_tokens.push((token.into(), ws));
        self
    }

    fn group(&mut self) -> &mut Vec<Uuid> {
        if self.current_dataset.is_none() {
            self.dataset(DEFAULT_DATASET);
        }
        let ds = self.current_dataset.expect("a dataset was chosen");
        let i = match self.examples.iter().position(|(d, _)| *d == ds) {
            Some(i) => i,
            None => {
                self.examples.push((ds, Vec::new()));
                self.examples.len() - 1
            }
        };
        &mut self.examples[i].1
    }

    /// Seeds `n` examples with random (seeded) ids in the current workspace.
    pub fn examples(&mut self, n: usize) -> &mut Self {
        let ids: Vec<Uuid> = (0..n).map(|_| random_uuid(&mut self.rng)).collect();
        self.group().extend(ids);
        self
    }

    /// Seeds examples with the given ids in the current workspace.
    pub fn example_ids<I: IntoIterator<Item = Uuid>>(&mut self, ids: I) -> &mut Self {
        self.group().extend(ids);
        self
    }

    /// Versions per seeded example (default 2; at most [`store::MAX_VERSIONS`]).
    pub fn versions_per_example(&mut self, n: usize) -> &mut Self {
        self.versions = n.clamp(1, store::MAX_VERSIONS);
        self
    }

    /// Seeds this many experiment sessions per dataset (default 0), each with the dataset
    /// as its `reference_dataset_id`: each holds, per seeded example of the dataset, a
    /// trace whose root run has `reference_example_id` = the example and its inputs, with a
    /// child run in the same trace; and one unrelated trace. Traces start within the 90
    /// days before the server starts (one in 20 within the last day; each after its
    /// example's last version was made).
    pub fn experiment_sessions(&mut self, n: usize) -> &mut Self {
        self.experiment_sessions = n;
        self
    }

    /// In how many of the experiment sessions each example has its trace (default: all):
    /// example `i` (of its dataset) is in sessions `i % S`, `(i + 1) % S`, ... (at most the
    /// sessions).
    pub fn traces_per_example(&mut self, k: usize) -> &mut Self {
        self.traces_per_example = Some(k);
        self
    }

    /// One seeded example in `every` (chosen by id) has an attachment: `attachment_urls`
    /// set until the attachment delay after its hard delete (default 0: none).
    pub fn attachments_every(&mut self, every: u64) -> &mut Self {
        self.attachments_every = every;
        self
    }

    /// One seeded example in `every` (chosen by id) was made from a trace: its
    /// `source_run_id` is set (default 0: none).
    pub fn source_runs_every(&mut self, every: u64) -> &mut Self {
        self.source_runs_every = every;
        self
    }

    /// How long after a runs delete is answered (202, queued) its traces are deleted
    /// (default zero: at once).
    pub fn run_delete_delay(&mut self, delay: std::time::Duration) -> &mut Self {
        self.run_delete_delay = delay;
        self
    }

    /// How long after its hard delete an example's attachments are still listed (default
    /// zero: removed with it).
    pub fn attachment_delay(&mut self, delay: std::time::Duration) -> &mut Self {
        self.attachment_delay = delay;
        self
    }

    /// Which runs query routes are served (default [`RunsApi::Both`]); the other answers
    /// 404 `{"detail":"Not Found"}`.
    pub fn runs_api(&mut self, api: RunsApi) -> &mut Self {
        self.runs_api = api;
        self
    }

    /// Seeds the person workspace into the current workspace: one fictitious person
    /// ([`person::IDENTIFIERS`]) spread over datasets, tracing projects, experiments,
    /// feedback, share links, a run rule and a bulk export, among other people's data
    /// ([`person::OTHER`] and more), at the default [`person::PersonScale`]. Deterministic:
    /// the same build gives the same ids. [`MockServer::person_copies`] records where the
    /// person is.
    pub fn person_workspace(&mut self) -> &mut Self {
        self.person_workspace_scaled(person::PersonScale::default())
    }

    /// [`MockServerBuilder::person_workspace`] at another scale (benchmarks).
    pub fn person_workspace_scaled(&mut self, scale: person::PersonScale) -> &mut Self {
        self.current_workspace();
        self.person = Some(scale);
        self
    }

    /// Keeps the workspace in the directory `dir` (`serve --data DIR`): the whole store
    /// (credentials, datasets, examples and their versions, attachment files, sessions,
    /// runs, feedback, share links, rules, exports, queued trace deletions) in an embedded
    /// database, each successful write committed before it is answered. A new or empty
    /// `dir` is seeded as this builder says and created; a `dir` that holds a workspace is
    /// loaded instead, and **the stored workspace wins**: what this builder would seed
    /// (workspaces, credentials, datasets, examples, markers, experiment sessions, the
    /// person workspace, ...) is ignored ([`MockServer::restored`] tells which happened).
    /// Faults, the unknown-id policy, the echo, request recording, the address, the runs
    /// API and the run-delete and attachment delays are this builder's in either case. A
    /// directory holding other files, a database of another program or schema, or one in
    /// use by another stand-in is refused (`InvalidData`). Without it, the workspace lives
    /// in memory only.
    pub fn data_dir(&mut self, dir: impl Into<std::path::PathBuf>) -> &mut Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Faults to inject.
    pub fn faults(&mut self, faults: Faults) -> &mut Self {
        self.faults = faults;
        self
    }

    /// What to do with unknown ids (default [`UnknownIds::NotFound`]).
    pub fn unknown_ids(&mut self, policy: UnknownIds) -> &mut Self {
        self.unknown = policy;
        self
    }

    /// How 200 answers echo the deleted ids (default [`server::Echo::Honest`]).
    pub fn echo(&mut self, echo: server::Echo) -> &mut Self {
        self.echo = echo;
        self
    }

    /// Keep each request (headers, ids, body, status) for inspection (default on; turn off
    /// for large runs: then only [`MockServer::request_count`] is kept).
    pub fn record_requests(&mut self, on: bool) -> &mut Self {
        self.record_requests = on;
        self
    }

    /// Log each request to stderr, with the query parameters it ignored because the spec
    /// does not declare them (default off; `serve -v`).
    pub fn verbose(&mut self, on: bool) -> &mut Self {
        self.verbose = on;
        self
    }

    /// A hard-deleted example is no longer listed at the latest version, as the official
    /// Python SDK's own integration test `test_datasets` expects of LangSmith (it lists
    /// the dataset after a hard delete and counts one example fewer); read as of a time
    /// before the deletion it is listed, nulled at every version (the hard delete's
    /// "inputs, outputs, and metadata set to null"). The default. Off: still listed at the
    /// latest version, nulled (the spec's text alone: it keeps "the example ID, dataset
    /// ID, and creation timestamp"; `serve --hard-deleted-listed`).
    pub fn hard_deleted_unlisted(&mut self, on: bool) -> &mut Self {
        self.hard_deleted_unlisted = on;
        self
    }

    /// Example versions, soft deletes and hard deletes are dated to the whole second (the
    /// clock's reading truncated), as a server that keeps whole seconds dates them; off
    /// (the default) they keep microseconds, as LangSmith's `modified_at` does. A client
    /// that reads "as of before a deletion" must then allow for a deletion dated to the
    /// start of the second it was made in.
    pub fn whole_second_times(&mut self, on: bool) -> &mut Self {
        self.whole_second_times = on;
        self
    }

    /// `GET /info` says the multipart example routes (`POST`/`PATCH
    /// /v1/platform/datasets/{id}/examples`, which the stand-in serves either way) are
    /// enabled: `instance_flags.dataset_examples_multipart_enabled` and
    /// `examples_multipart_enabled` true, as LangSmith answers. The official JS SDK
    /// (0.12.0) writes examples only through those routes and refuses when the flag is
    /// off; the Python SDK then uses them too. Default off: the SDKs write examples as
    /// JSON.
    pub fn examples_multipart(&mut self, on: bool) -> &mut Self {
        self.examples_multipart = on;
        self
    }

    /// Where to listen (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(&mut self, addr: SocketAddr) -> &mut Self {
        self.addr = addr;
        self
    }

    /// Starts serving on a task of the current tokio runtime.
    pub async fn start(&mut self) -> std::io::Result<MockServer> {
        self.faults
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let restored = match &self.data_dir {
            Some(dir) => persist::open(dir)?,
            None => None,
        };
        let was_restored = restored.is_some();
        let (store, runs, person, meta, db) = match restored {
            Some((db, loaded)) => {
                let mut store = loaded.store;
                store.attachment_delay = self.attachment_delay;
                let mut runs = loaded.runs;
                runs.delay = self.run_delete_delay;
                (store, runs, loaded.person, loaded.server, Some(db))
            }
            None => {
                let (store, runs, person, meta) = self.seed()?;
                let db = match &self.data_dir {
                    Some(dir) => Some(persist::Db::create(
                        dir,
                        &store,
                        &runs,
                        &meta,
                        person.as_ref(),
                    )?),
                    None => None,
                };
                (store, runs, person, meta, db)
            }
        };
        let mut shared = Shared::new(
            store,
            self.faults.clone(),
            self.unknown,
            self.echo,
            self.record_requests,
        );
        shared.verbose = self.verbose;
        shared.hide_hard_deleted = self.hard_deleted_unlisted;
        shared.whole_seconds = self.whole_second_times;
        shared.examples_multipart = self.examples_multipart;
        shared.runs = std::sync::Mutex::new(runs);
        shared.runs_api = self.runs_api;
        shared.kept = db.is_some();
        shared.db = std::sync::Mutex::new(db);
        let shared = Arc::new(shared);
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(MockServer {
            addr,
            shared,
            task,
            api_key: meta.api_key,
            workspace_id: meta.default_workspace,
            organization_id: meta.organization_id,
            person,
            restored: was_restored,
        })
    }

    /// The store and runs this builder seeds, where the person workspace put the person,
    /// and who the server is.
    #[allow(clippy::type_complexity)]
    fn seed(
        &mut self,
    ) -> std::io::Result<(
        Store,
        traces::Runs,
        Option<person::PersonCopies>,
        persist::ServerMeta,
    )> {
        let default_ws = self.current_workspace();
        if !self.api_keys.iter().any(|(_, ws)| *ws == default_ws) {
            let key = format!("lsv2_mock_{}", random_uuid(&mut self.rng).simple());
            self.api_keys.insert(0, (key, default_ws));
        }
        let principal = |ws: Uuid| Principal {
            workspace_id: ws,
            organization_id: self.organization_id,
        };
        let mut store = Store::default();
        for (k, ws) in &self.api_keys {
            store.api_keys.insert(k.clone(), principal(*ws));
        }
        for (t, ws) in &self.bearer_tokens {
            store.bearer_tokens.insert(t.clone(), principal(*ws));
        }
        if self.workspaces.len() > usize::from(u16::MAX) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "too many workspaces",
            ));
        }
        for ws in &self.workspaces {
            store.workspaces.push(store::Workspace { id: *ws });
        }
        if self.datasets.len() > usize::from(u16::MAX) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "too many datasets",
            ));
        }
        for (i, (ws, name, id)) in self.datasets.iter().enumerate() {
            let workspace = self
                .workspaces
                .iter()
                .position(|w| w == ws)
                .expect("known workspace") as u16;
            store.datasets.push(store::Dataset {
                id: *id,
                name: name.clone(),
                workspace,
                created_at: store::EPOCH - 86_400 + i as i64,
                description: None,
                metadata: store::dataset_metadata(),
                deleted: false,
                data_type: "kv",
                inputs_schema: None,
                outputs_schema: None,
            });
        }
        store.marker = self.marker.clone();
        let groups = std::mem::take(&mut self.examples)
            .into_iter()
            .map(|(ds, ids)| (ds as u16, ids))
            .collect();
        store.seed(groups, self.versions);
        store.attachments_every = self.attachments_every;
        store.attachment_delay = self.attachment_delay;
        store.source_runs_every = self.source_runs_every;
        let mut runs = traces::Runs {
            delay: self.run_delete_delay,
            ..traces::Runs::default()
        };
        runs.seed(
            &store,
            self.experiment_sessions,
            self.traces_per_example.unwrap_or(self.experiment_sessions),
            time::unix_now(),
            &mut self.rng,
        );
        let person = match self.person {
            Some(scale) => Some(
                person::seed(&mut store, &mut runs, default_ws, time::unix_now(), scale)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
            ),
            None => None,
        };
        let default_key = self
            .api_keys
            .iter()
            .find(|(_, ws)| *ws == default_ws)
            .map(|(k, _)| k.clone())
            .expect("a key was ensured");
        let meta = persist::ServerMeta {
            default_workspace: default_ws,
            organization_id: self.organization_id,
            api_key: default_key,
        };
        Ok((store, runs, person, meta))
    }
}

fn random_uuid(rng: &mut fastrand::Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid()
}

/// A running stand-in server. Stops when dropped.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
    api_key: String,
    workspace_id: Uuid,
    organization_id: Uuid,
    /// Where the person workspace put the person, when seeded.
    person: Option<person::PersonCopies>,
    /// Whether the workspace was loaded from a data directory.
    restored: bool,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("workspace_id", &self.workspace_id)
            .finish_non_exhaustive()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
        // Closes the data directory's database (connections still open answer a write
        // 500 from now on), so another stand-in can open it at once.
        self.shared.db.lock().unwrap().take();
    }
}

impl MockServer {
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key of the default workspace (made up when none was given).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Whether the workspace was loaded from the data directory ([`MockServerBuilder::data_dir`])
    /// rather than seeded.
    pub fn restored(&self) -> bool {
        self.restored
    }

    /// Whether `key` is an API key of any workspace.
    pub fn accepts_api_key(&self, key: &str) -> bool {
        self.shared.store.lock().unwrap().api_keys.contains_key(key)
    }

    /// The default (first) workspace.
    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }

    pub fn organization_id(&self) -> Uuid {
        self.organization_id
    }

    /// Every example id, sorted.
    pub fn seeded_ids(&self) -> Vec<Uuid> {
        self.shared
            .store
            .lock()
            .unwrap()
            .all()
            .map(|(id, _)| id)
            .collect()
    }

    /// Example ids of one workspace, sorted.
    pub fn seeded_ids_in(&self, workspace: Uuid) -> Vec<Uuid> {
        let store = self.shared.store.lock().unwrap();
        store
            .all()
            .filter(|(_, ws)| *ws == workspace)
            .map(|(id, _)| id)
            .collect()
    }

    /// The id of the (not deleted) dataset named `name` in the default workspace.
    pub fn dataset_id(&self, name: &str) -> Option<Uuid> {
        let store = self.shared.store.lock().unwrap();
        store
            .datasets
            .iter()
            .find(|d| {
                d.name == name && !d.deleted && store.dataset_workspace(d) == self.workspace_id
            })
            .map(|d| d.id)
    }

    /// Seeded example ids holding the marker (see [`MockServerBuilder::marker`]) and not
    /// yet hard-deleted, sorted.
    pub fn marked_ids(&self) -> Vec<Uuid> {
        let store = self.shared.store.lock().unwrap();
        (0..store.len())
            .filter(|i| store.is_marked(*i) && !store.is_nulled(*i, store.version_count(*i) - 1))
            .map(|i| store.id_at(i))
            .collect()
    }

    /// One example as it stands now.
    pub fn example(&self, id: &Uuid) -> Option<Example> {
        self.shared.store.lock().unwrap().example(id)
    }

    /// How many requests hard-deleted `id` (0 if unknown).
    pub fn hard_delete_count(&self, id: &Uuid) -> u32 {
        self.shared.store.lock().unwrap().hard_delete_count(id)
    }

    /// Examples hard-deleted at least once that are not in `requested`.
    pub fn touched_outside(&self, requested: &std::collections::HashSet<Uuid>) -> Vec<Uuid> {
        let store = self.shared.store.lock().unwrap();
        store
            .deleted()
            .filter(|id| !requested.contains(id))
            .collect()
    }

    /// How many examples were hard-deleted at least once (counted, no list built).
    pub fn hard_deleted_count(&self) -> usize {
        self.shared.store.lock().unwrap().deleted().count()
    }

    /// Ids hard-deleted at least once.
    pub fn hard_deleted_ids(&self) -> Vec<Uuid> {
        self.shared.store.lock().unwrap().deleted().collect()
    }

    /// The runs the store holds now (queued deletions that are due carried out first).
    pub fn runs(&self) -> Vec<Run> {
        let mut runs = self.shared.runs.lock().unwrap();
        runs.settle();
        runs.runs.to_vec()
    }

    /// How many runs each session holds now (without copying them).
    pub fn run_counts(&self) -> std::collections::BTreeMap<Uuid, usize> {
        let mut runs = self.shared.runs.lock().unwrap();
        runs.settle();
        let mut out = std::collections::BTreeMap::new();
        for r in runs.runs.iter() {
            *out.entry(r.session_id).or_default() += 1;
        }
        out
    }

    /// The experiment sessions (every workspace also has its `default` session,
    /// [`session_id`], which holds no runs).
    pub fn sessions(&self) -> Vec<Session> {
        self.shared.runs.lock().unwrap().sessions.clone()
    }

    /// The feedback the store holds now (what went with deleted runs is gone).
    pub fn feedback(&self) -> Vec<Feedback> {
        let mut runs = self.shared.runs.lock().unwrap();
        runs.settle();
        runs.feedback.clone()
    }

    /// `(run id, share token)` of every run shared now.
    pub fn shared_runs(&self) -> Vec<(Uuid, Uuid)> {
        let mut runs = self.shared.runs.lock().unwrap();
        runs.settle();
        runs.shares.iter().map(|(r, (t, _))| (*r, *t)).collect()
    }

    /// `(dataset id, share token)` of every dataset shared now.
    pub fn shared_datasets(&self) -> Vec<(Uuid, Uuid)> {
        let runs = self.shared.runs.lock().unwrap();
        runs.dataset_shares
            .iter()
            .map(|(d, (t, _))| (*d, *t))
            .collect()
    }

    /// The run rules, as `GET /api/v1/runs/rules` answers them (every workspace).
    pub fn run_rules(&self) -> Vec<serde_json::Value> {
        let runs = self.shared.runs.lock().unwrap();
        runs.rules.iter().map(|(_, r)| r.clone()).collect()
    }

    /// The bulk exports, as `GET /api/v1/bulk-exports` answers them (every workspace).
    pub fn bulk_exports(&self) -> Vec<serde_json::Value> {
        let runs = self.shared.runs.lock().unwrap();
        runs.exports.iter().map(|(_, e)| e.clone()).collect()
    }

    /// Where the person workspace put the person when it was seeded (empty when it was not:
    /// see [`MockServerBuilder::person_workspace`]).
    pub fn person_copies(&self) -> person::PersonCopies {
        self.person.clone().unwrap_or_default()
    }

    /// Where the person is now, by the same rules as [`MockServer::person_copies`] (queued
    /// run deletions that are due carried out first): what an erasure left. The person's
    /// examples and places are those of the seed, so a trace referencing an example
    /// hard-deleted since still counts. Empty when no person workspace was seeded.
    pub fn person_left(&self) -> person::PersonCopies {
        let Some(seed) = &self.person else {
            return person::PersonCopies::default();
        };
        let store = self.shared.store.lock().unwrap();
        let mut runs = self.shared.runs.lock().unwrap();
        runs.settle();
        person::record(&store, &runs, self.workspace_id, Some(seed))
    }

    /// `(session_id, trace_id)` of every trace deleted so far, in order.
    pub fn deleted_traces(&self) -> Vec<(Uuid, Uuid)> {
        let mut runs = self.shared.runs.lock().unwrap();
        runs.settle();
        runs.deleted.clone()
    }

    /// Seeded example ids that have an attachment.
    pub fn ids_with_attachments(&self) -> Vec<Uuid> {
        let store = self.shared.store.lock().unwrap();
        (0..store.len())
            .filter(|i| store.has_attachments(*i))
            .map(|i| store.id_at(i))
            .collect()
    }

    /// `(example id, source_run_id)` of every seeded example made from a trace.
    pub fn source_runs(&self) -> Vec<(Uuid, Uuid)> {
        let store = self.shared.store.lock().unwrap();
        let mut all: Vec<(Uuid, Uuid)> = (0..store.len())
            .filter_map(|i| store.source_run_id(i).map(|run| (store.id_at(i), run)))
            .collect();
        all.sort_unstable();
        all
    }

    /// Attachment files queued for deletion.
    pub fn attachment_queue_len(&self) -> u64 {
        self.shared.store.lock().unwrap().attachments_queued
    }

    /// Every request received so far (empty unless requests are recorded).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.lock().unwrap().clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.shared
            .received
            .load(std::sync::atomic::Ordering::Relaxed) as usize
    }

    /// Statuses answered so far, in order (recorded requests only).
    pub fn statuses(&self) -> Vec<u16> {
        self.shared
            .log
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.status)
            .collect()
    }

    /// Replaces the faults (the draw sequence restarts from the new seed).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        *self.shared.rng.lock().unwrap() = fastrand::Rng::with_seed(faults.seed);
        *self.shared.faults.lock().unwrap() = faults;
        self.shared.rule_counts.lock().unwrap().clear();
        Ok(())
    }

    /// Stops serving (and closes the data directory, if any: another stand-in can open
    /// it once this returns).
    pub async fn shutdown(self) {
        self.task.abort();
    }

    /// Serves until the task ends (for the binary).
    pub async fn wait(mut self) {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
    }
}
