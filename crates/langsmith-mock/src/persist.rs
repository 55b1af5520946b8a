//! The workspace kept in a directory across restarts (`langsmith-mock serve --data DIR`,
//! [`crate::MockServerBuilder::data_dir`]).
//!
//! The store is an embedded database, [redb](https://docs.rs/redb): pure Rust, no
//! dependency of its own, ACID, and each committed write transaction is durable (fsynced)
//! before `commit` returns; it also refuses a second process on the same file. The
//! directory holds one file, [`DB_FILE`], with one table per collection of the stand-in
//! (datasets, seeded and written examples, attachment files, runs, sessions, feedback,
//! share links, rules, exports, queued trace deletions, ...): each row is one element,
//! keyed by its position (collections whose order is what the API answers) or its id,
//! its value the stand-in's own type as JSON (attachment bytes and the compact seeded
//! example rows as bytes). A `meta` table names the format and its schema number, so a
//! foreign or newer file is refused rather than misread.
//!
//! After every successful write request (status below 400) the rows that changed are
//! written in one transaction, committed before the answer leaves: an answered write is
//! on disk, a refused one wrote nothing. What is not kept: the request log, paging
//! checkpoints (a listing's cursor does not survive a restart), rate-limit windows and
//! faults, which are the starting process's settings, as are the run-delete and
//! attachment delays. Queued trace deletions and attachment deadlines are wall-clock
//! times, so a deletion due while the stand-in was stopped is carried out when it next
//! reads its runs.

use crate::person::PersonCopies;
use crate::store::{Attachment, Dataset, File, Marker, Principal, Store, Workspace, Written};
use crate::traces::{Feedback, Queued, Run, Runs, Session};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use uuid::Uuid;

/// The database file inside the data directory.
pub const DB_FILE: &str = "workspace.redb";
/// What the `meta` table's `format` row says.
const FORMAT: &str = "langsmith-mock workspace";
/// The layout's version: a file of another is refused. 2: written examples' times and
/// soft deletes are Unix microseconds (1 held seconds).
pub const SCHEMA: u32 = 2;

/// Every table (the `meta` table first).
const TABLES: [&str; 23] = [
    "meta",
    "api_keys",
    "bearer_tokens",
    "workspaces",
    "datasets",
    "seeded",
    "written",
    "soft_deleted",
    "adopted",
    "files",
    "file_data",
    "run_attachments",
    "attachments_deleted",
    "runs",
    "sessions",
    "queued",
    "deleted_traces",
    "feedback",
    "run_shares",
    "dataset_shares",
    "rules",
    "exports",
    "early_patches",
];

/// Tables whose rows are never removed by a save: `meta` (rows written once, or
/// overwritten) and `file_data` (attachment files are never deleted from the store; their
/// bytes are written once, not compared on every save).
fn kept(table: &str) -> bool {
    table == "meta" || table == "file_data"
}

fn def(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

/// Who the server is: what a restart must answer as before.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ServerMeta {
    pub(crate) default_workspace: Uuid,
    pub(crate) organization_id: Uuid,
    /// The default workspace's key (the one [`crate::MockServer::api_key`] gives).
    pub(crate) api_key: String,
}

/// The store's scalars.
#[derive(Debug, Serialize, Deserialize)]
struct StoreMeta {
    versions: usize,
    marker: Option<Marker>,
    attachments_queued: u64,
    attachments_every: u64,
    source_runs_every: u64,
}

/// The runs' scalars.
#[derive(Debug, Serialize, Deserialize)]
struct RunsMeta {
    delete_requests: u32,
}

/// An attachment file's row (its bytes are in `file_data`).
#[derive(Debug, Serialize, Deserialize)]
struct FileRow {
    mime_type: String,
    example: Option<usize>,
}

/// A queued trace deletion's row: its due time as Unix milliseconds.
#[derive(Debug, Serialize, Deserialize)]
struct QueuedRow {
    due_ms: i64,
    workspace_id: Uuid,
    session_id: Uuid,
    trace_ids: Vec<Uuid>,
}

/// A wall-clock time as Unix milliseconds.
fn wall_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

fn from_wall_ms(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

fn pos(i: usize) -> Vec<u8> {
    (i as u64).to_be_bytes().to_vec()
}

fn json<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("the stand-in's types serialize")
}

type Key = (&'static str, Vec<u8>);

/// Per table, the rows to put (`Some`) or remove (`None`).
type Changes = BTreeMap<&'static str, Vec<(Vec<u8>, Option<Vec<u8>>)>>;

/// Every row of the state, by table and key.
#[derive(Default)]
struct Rows(BTreeMap<Key, Vec<u8>>);

impl Rows {
    fn put(&mut self, table: &'static str, key: Vec<u8>, value: Vec<u8>) {
        self.0.insert((table, key), value);
    }

    /// The rows of `store` and `runs` (the `file_data` rows only of files `known` lacks).
    fn of(store: &Store, runs: &Runs, known: &BTreeMap<Key, Vec<u8>>) -> Rows {
        let mut r = Rows::default();
        r.put(
            "meta",
            b"store".to_vec(),
            json(&StoreMeta {
                versions: store.versions,
                marker: store.marker.clone(),
                attachments_queued: store.attachments_queued,
                attachments_every: store.attachments_every,
                source_runs_every: store.source_runs_every,
            }),
        );
        r.put(
            "meta",
            b"runs".to_vec(),
            json(&RunsMeta {
                delete_requests: runs.delete_requests,
            }),
        );
        for (k, p) in &store.api_keys {
            r.put("api_keys", k.as_bytes().to_vec(), json(p));
        }
        for (k, p) in &store.bearer_tokens {
            r.put("bearer_tokens", k.as_bytes().to_vec(), json(p));
        }
        for (i, w) in store.workspaces.iter().enumerate() {
            r.put("workspaces", pos(i), json(&w.id));
        }
        for (i, d) in store.datasets.iter().enumerate() {
            r.put("datasets", pos(i), json(d));
        }
        for i in 0..store.ids.len() {
            let mut row = Vec::with_capacity(22);
            row.extend_from_slice(store.ids[i].as_bytes());
            row.extend_from_slice(&store.dataset_of[i].to_be_bytes());
            row.extend_from_slice(&store.hard_deletes[i].to_be_bytes());
            row.extend_from_slice(&store.nulled[i].to_be_bytes());
            r.put("seeded", pos(i), row);
        }
        for (i, w) in store.written.iter().enumerate() {
            r.put("written", pos(i), json(w));
        }
        for (i, at) in &store.soft_deleted {
            r.put("soft_deleted", pos(*i), json(at));
        }
        for i in &store.adopted {
            r.put("adopted", pos(*i), Vec::new());
        }
        for (key, f) in &store.files {
            let k = key.as_bytes().to_vec();
            r.put(
                "files",
                k.clone(),
                json(&FileRow {
                    mime_type: f.mime_type.clone(),
                    example: f.example,
                }),
            );
            if !known.contains_key(&("file_data", k.clone())) {
                r.put("file_data", k, f.data.to_vec());
            }
        }
        for (run, list) in &store.run_attachments {
            r.put("run_attachments", run.as_bytes().to_vec(), json(list));
        }
        for (i, at) in &store.attachments_deleted_at {
            r.put("attachments_deleted", pos(*i), json(&wall_ms(*at)));
        }
        for (i, run) in runs.runs.iter().enumerate() {
            r.put("runs", pos(i), json(run));
        }
        for (i, s) in runs.sessions.iter().enumerate() {
            r.put("sessions", pos(i), json(s));
        }
        for (i, q) in runs.queued.iter().enumerate() {
            let mut trace_ids: Vec<Uuid> = q.trace_ids.iter().copied().collect();
            trace_ids.sort_unstable();
            r.put(
                "queued",
                pos(i),
                json(&QueuedRow {
                    due_ms: wall_ms(q.due),
                    workspace_id: q.workspace_id,
                    session_id: q.session_id,
                    trace_ids,
                }),
            );
        }
        for (i, d) in runs.deleted.iter().enumerate() {
            r.put("deleted_traces", pos(i), json(d));
        }
        for (i, f) in runs.feedback.iter().enumerate() {
            r.put("feedback", pos(i), json(f));
        }
        for (run, share) in &runs.shares {
            r.put("run_shares", run.as_bytes().to_vec(), json(share));
        }
        for (ds, share) in &runs.dataset_shares {
            r.put("dataset_shares", ds.as_bytes().to_vec(), json(share));
        }
        for (i, x) in runs.rules.iter().enumerate() {
            r.put("rules", pos(i), json(x));
        }
        for (i, x) in runs.exports.iter().enumerate() {
            r.put("exports", pos(i), json(x));
        }
        for (i, x) in runs.early_patches.iter().enumerate() {
            r.put("early_patches", pos(i), json(x));
        }
        r
    }
}

/// Why a data directory cannot be used: an `InvalidData` error naming the directory.
fn refuse(dir: &Path, why: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("data directory {}: {why}", dir.display()),
    )
}

/// The open database and what it holds now (the last committed rows; `file_data` rows
/// with empty values, their bytes being written once).
pub(crate) struct Db {
    db: Database,
    dir: PathBuf,
    image: BTreeMap<Key, Vec<u8>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("dir", &self.dir).finish()
    }
}

/// What a data directory held.
pub(crate) struct Loaded {
    pub(crate) store: Store,
    pub(crate) runs: Runs,
    pub(crate) server: ServerMeta,
    pub(crate) person: Option<PersonCopies>,
}

/// Opens the workspace kept in `dir`: `Some` with what it holds, or `None` when `dir` is
/// new (missing or empty: then [`Db::create`] makes it). A directory holding other files
/// and no [`DB_FILE`], a file that is not a redb database, or one that is not this
/// stand-in's (or of another schema) is refused with an `InvalidData` error.
pub(crate) fn open(dir: &Path) -> std::io::Result<Option<(Db, Loaded)>> {
    let file = dir.join(DB_FILE);
    if !file.exists() {
        match std::fs::read_dir(dir) {
            Ok(mut entries) => {
                if let Some(e) = entries.next() {
                    let e = e?;
                    return Err(refuse(
                        dir,
                        format!(
                            "holds {:?} but no {DB_FILE}: not a langsmith-mock data directory (give a new or empty directory)",
                            e.file_name()
                        ),
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                return Err(refuse(dir, "is not a directory"));
            }
            Err(e) => return Err(refuse(dir, e)),
        }
        return Ok(None);
    }
    let db = Database::open(&file).map_err(|e| match e {
        redb::DatabaseError::DatabaseAlreadyOpen => refuse(
            dir,
            "in use by another process (one stand-in at a time per data directory)",
        ),
        other => refuse(
            dir,
            format!("{DB_FILE} is not a readable langsmith-mock workspace: {other}"),
        ),
    })?;
    let image = read_all(&db).map_err(|e| refuse(dir, e))?;
    let loaded = load(&image).map_err(|e| refuse(dir, format!("{DB_FILE}: {e}")))?;
    let image = image
        .into_iter()
        .map(|((t, k), v)| {
            if t == "file_data" {
                ((t, k), Vec::new())
            } else {
                ((t, k), v)
            }
        })
        .collect();
    Ok(Some((
        Db {
            db,
            dir: dir.to_owned(),
            image,
        },
        loaded,
    )))
}

/// Every row of every table (a table missing is empty; `meta` must be there).
fn read_all(db: &Database) -> Result<BTreeMap<Key, Vec<u8>>, String> {
    let txn = db.begin_read().map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for name in TABLES {
        let table = match txn.open_table(def(name)) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) if name != "meta" => continue,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                return Err(format!(
                    "{DB_FILE} holds no `meta` table: not a langsmith-mock workspace"
                ));
            }
            Err(e) => return Err(format!("{DB_FILE}: table {name}: {e}")),
        };
        for row in table.iter().map_err(|e| e.to_string())? {
            let (k, v) = row.map_err(|e| e.to_string())?;
            out.insert((name, k.value().to_vec()), v.value().to_vec());
        }
    }
    Ok(out)
}

fn parse<T: DeserializeOwned>(table: &str, bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("table {table}: {e}"))
}

fn uuid_key(table: &str, k: &[u8]) -> Result<Uuid, String> {
    Uuid::from_slice(k).map_err(|e| format!("table {table}: key: {e}"))
}

fn index_key(table: &str, k: &[u8]) -> Result<usize, String> {
    let b: [u8; 8] = k
        .try_into()
        .map_err(|_| format!("table {table}: a key of {} bytes", k.len()))?;
    usize::try_from(u64::from_be_bytes(b)).map_err(|e| format!("table {table}: {e}"))
}

/// The rows of `table`, in key order.
fn table<'a>(
    rows: &'a BTreeMap<Key, Vec<u8>>,
    table: &'static str,
) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
    rows.range((table, Vec::new())..)
        .take_while(move |((t, _), _)| *t == table)
        .map(|((_, k), v)| (k.as_slice(), v.as_slice()))
}

/// The rows of a positional table, which must be `0, 1, ...`.
fn positional<T: DeserializeOwned>(
    rows: &BTreeMap<Key, Vec<u8>>,
    name: &'static str,
) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for (k, v) in table(rows, name) {
        if index_key(name, k)? != out.len() {
            return Err(format!("table {name}: a gap before row {}", out.len()));
        }
        out.push(parse(name, v)?);
    }
    Ok(out)
}

fn meta<T: DeserializeOwned>(rows: &BTreeMap<Key, Vec<u8>>, key: &str) -> Result<T, String> {
    let v = rows
        .get(&("meta", key.as_bytes().to_vec()))
        .ok_or_else(|| format!("the meta table lacks `{key}`"))?;
    parse("meta", v)
}

fn load(rows: &BTreeMap<Key, Vec<u8>>) -> Result<Loaded, String> {
    let format: String = meta(rows, "format")
        .map_err(|_| "not a langsmith-mock workspace (its meta table names no format)")?;
    if format != FORMAT {
        return Err(format!(
            "not a langsmith-mock workspace (format {format:?})"
        ));
    }
    let schema: u32 = meta(rows, "schema")?;
    if schema != SCHEMA {
        return Err(format!(
            "schema {schema}, this stand-in reads schema {SCHEMA}"
        ));
    }
    let server: ServerMeta = meta(rows, "server")?;
    let person: Option<PersonCopies> = meta(rows, "person")?;
    let sm: StoreMeta = meta(rows, "store")?;
    let rm: RunsMeta = meta(rows, "runs")?;

    let mut store = Store::default();
    for (k, v) in table(rows, "api_keys") {
        let key = String::from_utf8(k.to_vec()).map_err(|e| format!("table api_keys: {e}"))?;
        store
            .api_keys
            .insert(key, parse::<Principal>("api_keys", v)?);
    }
    for (k, v) in table(rows, "bearer_tokens") {
        let key = String::from_utf8(k.to_vec()).map_err(|e| format!("table bearer_tokens: {e}"))?;
        store
            .bearer_tokens
            .insert(key, parse::<Principal>("bearer_tokens", v)?);
    }
    store.workspaces = positional::<Uuid>(rows, "workspaces")?
        .into_iter()
        .map(|id| Workspace { id })
        .collect();
    store.datasets = positional::<Dataset>(rows, "datasets")?;
    for (k, v) in table(rows, "seeded") {
        if index_key("seeded", k)? != store.ids.len() || v.len() != 22 {
            return Err(format!("table seeded: a bad row {}", store.ids.len()));
        }
        store
            .ids
            .push(Uuid::from_slice(&v[..16]).expect("16 bytes"));
        store.dataset_of.push(u16::from_be_bytes([v[16], v[17]]));
        store.hard_deletes.push(u16::from_be_bytes([v[18], v[19]]));
        store.nulled.push(u16::from_be_bytes([v[20], v[21]]));
    }
    store.written = positional::<Written>(rows, "written")?;
    store.written_index = store
        .written
        .iter()
        .enumerate()
        .map(|(k, w)| (w.id(), k))
        .collect();
    for (k, v) in table(rows, "soft_deleted") {
        store
            .soft_deleted
            .insert(index_key("soft_deleted", k)?, parse("soft_deleted", v)?);
    }
    store.adopted = table(rows, "adopted")
        .map(|(k, _)| index_key("adopted", k))
        .collect::<Result<HashSet<usize>, String>>()?;
    for (k, v) in table(rows, "files") {
        let key = uuid_key("files", k)?;
        let row: FileRow = parse("files", v)?;
        let data = rows
            .get(&("file_data", k.to_vec()))
            .ok_or_else(|| format!("table file_data: no bytes for file {key}"))?;
        store.files.insert(
            key,
            File {
                mime_type: row.mime_type,
                data: Arc::from(data.as_slice()),
                example: row.example,
            },
        );
    }
    for (k, v) in table(rows, "run_attachments") {
        store.run_attachments.insert(
            uuid_key("run_attachments", k)?,
            parse::<Vec<Attachment>>("run_attachments", v)?,
        );
    }
    for (k, v) in table(rows, "attachments_deleted") {
        store.attachments_deleted_at.insert(
            index_key("attachments_deleted", k)?,
            from_wall_ms(parse("attachments_deleted", v)?),
        );
    }
    store.versions = sm.versions.clamp(1, crate::store::MAX_VERSIONS);
    store.marker = sm.marker;
    store.attachments_queued = sm.attachments_queued;
    store.attachments_every = sm.attachments_every;
    store.source_runs_every = sm.source_runs_every;

    let mut runs = Runs {
        runs: positional::<Run>(rows, "runs")?.into(),
        sessions: positional::<Session>(rows, "sessions")?,
        deleted: positional::<(Uuid, Uuid)>(rows, "deleted_traces")?,
        delete_requests: rm.delete_requests,
        feedback: positional::<Feedback>(rows, "feedback")?,
        rules: positional::<(Uuid, Value)>(rows, "rules")?,
        exports: positional::<(Uuid, Value)>(rows, "exports")?,
        early_patches: positional::<(Uuid, Value)>(rows, "early_patches")?,
        ..Runs::default()
    };
    runs.queued = positional::<QueuedRow>(rows, "queued")?
        .into_iter()
        .map(|q| Queued {
            due: from_wall_ms(q.due_ms),
            workspace_id: q.workspace_id,
            session_id: q.session_id,
            trace_ids: q.trace_ids.into_iter().collect(),
        })
        .collect();
    for (k, v) in table(rows, "run_shares") {
        runs.shares
            .insert(uuid_key("run_shares", k)?, parse("run_shares", v)?);
    }
    for (k, v) in table(rows, "dataset_shares") {
        runs.dataset_shares
            .insert(uuid_key("dataset_shares", k)?, parse("dataset_shares", v)?);
    }
    check(&store, &server)?;
    Ok(Loaded {
        store,
        runs,
        server,
        person,
    })
}

/// The indices the store follows point inside it (a file that passed the checks above
/// could still name a dataset that is not there).
fn check(store: &Store, server: &ServerMeta) -> Result<(), String> {
    let n_ws = store.workspaces.len();
    let n_ds = store.datasets.len();
    if store.workspace_index(server.default_workspace).is_none() {
        return Err("the default workspace is not among its workspaces".into());
    }
    if let Some(d) = store
        .datasets
        .iter()
        .find(|d| usize::from(d.workspace) >= n_ws)
    {
        return Err(format!("dataset {} names no workspace it holds", d.id));
    }
    if store.dataset_of.iter().any(|d| usize::from(*d) >= n_ds)
        || store
            .written
            .iter()
            .any(|w| usize::from(w.dataset()) >= n_ds)
    {
        return Err("an example names no dataset it holds".into());
    }
    if !store.ids.is_sorted() {
        return Err("the seeded examples are out of order".into());
    }
    let len = store.len();
    if store
        .soft_deleted
        .keys()
        .chain(store.adopted.iter())
        .chain(store.attachments_deleted_at.keys())
        .any(|i| *i >= len)
        || store.adopted.iter().any(|i| *i >= store.ids.len())
    {
        return Err("a row names an example it does not hold".into());
    }
    Ok(())
}

impl Db {
    /// Makes the data directory `dir` (new or empty) hold `store` and `runs`: the database
    /// is written beside its final name and renamed into place once committed, so a crash
    /// leaves no half-made workspace.
    pub(crate) fn create(
        dir: &Path,
        store: &Store,
        runs: &Runs,
        server: &ServerMeta,
        person: Option<&PersonCopies>,
    ) -> std::io::Result<Db> {
        // A workspace holds people's data: a directory made here is its owner's only.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| refuse(dir, e))?;
        let tmp = dir.join(format!("{DB_FILE}.new"));
        let _ = std::fs::remove_file(&tmp);
        let db = Database::create(&tmp).map_err(|e| refuse(dir, e))?;
        let mut me = Db {
            db,
            dir: dir.to_owned(),
            image: BTreeMap::new(),
        };
        let mut rows = Rows::of(store, runs, &me.image);
        rows.put("meta", b"format".to_vec(), json(FORMAT));
        rows.put("meta", b"schema".to_vec(), json(&SCHEMA));
        rows.put("meta", b"server".to_vec(), json(server));
        rows.put("meta", b"person".to_vec(), json(&person));
        me.write(rows).map_err(|e| refuse(dir, e))?;
        std::fs::rename(&tmp, dir.join(DB_FILE)).map_err(|e| refuse(dir, e))?;
        // The rename is durable once the directory is.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| refuse(dir, e))?;
        Ok(me)
    }

    /// Writes what changed in `store` and `runs` since the last save, in one transaction
    /// (committed, so durable, when this returns); nothing when nothing changed.
    pub(crate) fn save(&mut self, store: &Store, runs: &Runs) -> Result<(), String> {
        let rows = Rows::of(store, runs, &self.image);
        self.write(rows)
    }

    fn write(&mut self, rows: Rows) -> Result<(), String> {
        let mut changes = Changes::new();
        for ((t, k), v) in &rows.0 {
            if self.image.get(&(*t, k.clone())) != Some(v) {
                changes
                    .entry(t)
                    .or_default()
                    .push((k.clone(), Some(v.clone())));
            }
        }
        for (t, k) in self.image.keys() {
            if !kept(t) && !rows.0.contains_key(&(*t, k.clone())) {
                changes.entry(t).or_default().push((k.clone(), None));
            }
        }
        if changes.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin_write().map_err(|e| e.to_string())?;
        for (name, list) in &changes {
            let mut table = txn.open_table(def(name)).map_err(|e| e.to_string())?;
            for (k, v) in list {
                match v {
                    Some(v) => {
                        table
                            .insert(k.as_slice(), v.as_slice())
                            .map_err(|e| e.to_string())?;
                    }
                    None => {
                        table.remove(k.as_slice()).map_err(|e| e.to_string())?;
                    }
                }
            }
        }
        txn.commit().map_err(|e| e.to_string())?;
        for (name, list) in changes {
            for (k, v) in list {
                match v {
                    Some(_) if name == "file_data" => {
                        self.image.insert((name, k), Vec::new());
                    }
                    Some(v) => {
                        self.image.insert((name, k), v);
                    }
                    None => {
                        self.image.remove(&(name, k));
                    }
                }
            }
        }
        Ok(())
    }
}
