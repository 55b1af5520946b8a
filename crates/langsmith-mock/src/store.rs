//! The in-memory LangSmith: workspaces, credentials, datasets and versioned examples.
//!
//! Examples are stored compactly (about 22 bytes each: the id, a dataset index, a
//! hard-delete count and a per-version nulled bitmask) so a stand-in seeded with millions
//! of ids fits beside the client in one process. Their content is generated from the id and
//! version (some hold a findable [`Marker`]); an [`Example`] is
//! materialised on inspection. Hard deletion nulls every version's inputs, outputs and
//! metadata and queues its attachments, keeping id, dataset id and created_at.

use crate::time::MICROS;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// One version of an example.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub inputs: Option<Arc<Value>>,
    pub outputs: Option<Arc<Value>>,
    pub metadata: Option<Arc<Value>>,
    pub attachments: Vec<Arc<str>>,
}

/// An example with all its versions, as the store holds it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub dataset_id: Uuid,
    /// Unix seconds.
    pub created_at: i64,
    pub versions: Vec<Version>,
    /// How many requests hard-deleted it (a repeat is idempotent but counted).
    pub hard_deletes: u32,
}

impl Example {
    /// Whether every version's inputs, outputs and metadata are null and no attachment
    /// is left.
    pub fn is_hard_deleted(&self) -> bool {
        self.versions.iter().all(|v| {
            v.inputs.is_none()
                && v.outputs.is_none()
                && v.metadata.is_none()
                && v.attachments.is_empty()
        })
    }
}

/// A dataset of the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dataset {
    pub id: Uuid,
    pub name: String,
    /// Index into the store's workspaces.
    pub(crate) workspace: u16,
    /// Unix seconds.
    pub created_at: i64,
    /// Set by `PATCH /datasets/{id}` or the create (seeded datasets have none).
    pub description: Option<String>,
    /// Its metadata (seeded datasets: `{"source": "langsmith-mock seed"}`).
    pub metadata: Value,
    /// Deleted with `DELETE /datasets/{id}`: gone from every read, its examples too.
    pub deleted: bool,
    /// `kv` (seeded datasets), `llm` or `chat`, as created.
    #[serde(with = "crate::kinds::data_type")]
    pub data_type: crate::kinds::StaticStr,
    /// Its `inputs_schema_definition` (a JSON Schema), as created: every example written
    /// to the dataset is checked against it. (Absent from files of earlier releases.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs_schema: Option<Value>,
    /// Its `outputs_schema_definition`, likewise (checked when an example has outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs_schema: Option<Value>,
}

/// An example written through the API (`POST /examples`, `/examples/bulk`, the multipart
/// upload), held in full: every version's content (a `PATCH` adds one), nulled in place by
/// a hard delete.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Written {
    id: Uuid,
    dataset: u16,
    /// Unix microseconds.
    created_at: i64,
    versions: Vec<WrittenVersion>,
    hard_deletes: u16,
    source_run_id: Option<Uuid>,
}

impl Written {
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }

    pub(crate) fn dataset(&self) -> u16 {
        self.dataset
    }
}

/// One version of a written example.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WrittenVersion {
    /// When it was made, Unix microseconds.
    at: i64,
    /// `None` once hard-deleted.
    content: Option<Content>,
    /// Its attachment files, in the order they were given. A hard delete leaves the list
    /// (the files are listed until the attachment delay after it, as the seeded ones are)
    /// but the content is gone.
    attachments: Vec<Attachment>,
}

/// An attachment of a written example's version: its name (without the `attachment.`
/// prefix of `attachment_urls`) and the key of its file in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Attachment {
    pub(crate) name: String,
    pub(crate) key: Uuid,
}

/// An attachment file as uploaded: its MIME type and bytes, and the example it belongs to
/// (by index; none for a run's), whose hard delete takes it away after the attachment
/// delay.
#[derive(Debug, Clone)]
pub(crate) struct File {
    pub(crate) mime_type: String,
    pub(crate) data: Arc<[u8]>,
    pub(crate) example: Option<usize>,
}

/// An attachment a write brings: its name, MIME type and bytes.
#[derive(Debug, Clone)]
pub(crate) struct NewAttachment {
    pub(crate) name: String,
    pub(crate) mime_type: String,
    pub(crate) data: Vec<u8>,
}

/// What a write asks the store to hold for an example.
#[derive(Debug, Clone)]
pub(crate) struct NewExample {
    pub(crate) id: Uuid,
    pub(crate) dataset: u16,
    /// Unix microseconds.
    pub(crate) created_at: i64,
    pub(crate) content: Content,
    pub(crate) source_run_id: Option<Uuid>,
    pub(crate) attachments: Vec<NewAttachment>,
}

/// What an update does to an example's attachments.
#[derive(Debug, Clone, Default)]
pub(crate) enum AttachmentChange {
    /// The new version keeps the current one's attachments (a JSON update).
    #[default]
    Keep,
    /// The new version holds these: `(name, the key of a current file)` kept (maybe
    /// renamed), and files uploaded with the update.
    Set {
        kept: Vec<(String, Uuid)>,
        uploaded: Vec<NewAttachment>,
    },
}

/// Where the stand-in serves an attachment file: this prefix and the file's key. The
/// path is what `attachment_urls` gives as `presigned_url`; the SDKs resolve a path
/// starting with `/api/v1` against the endpoint's host (Python's `_construct_url`), so
/// one route serves both endpoint forms. Like a presigned URL, it needs no API key: the
/// key (a random UUID) is the credential.
pub const ATTACHMENT_PATH: &str = "/api/v1/langsmith-mock/attachments/";

/// A findable string put into some seeded examples' inputs (an email address, say), so
/// that selection by content has something to find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub text: String,
    /// One example in `every` holds it (decided by the id, so it is stable).
    pub every: u64,
}

/// Seconds between an example's versions.
pub const VERSION_INTERVAL_SECS: i64 = 3600;
/// `created_at` of the first example (2026-01-01T00:00:00Z); example `i` of the sorted
/// table was created `i` seconds later.
pub const EPOCH: i64 = 1_767_225_600;

/// Who a credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub workspace_id: Uuid,
    pub organization_id: Uuid,
}

/// A workspace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Workspace {
    pub(crate) id: Uuid,
}

/// Where an id stands.
pub(crate) enum Lookup {
    Missing,
    In(Uuid),
}

/// The most versions an example can have in the stand-in.
pub const MAX_VERSIONS: usize = 16;

/// The content of one example at one version, as generated from its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub inputs: Value,
    pub outputs: Value,
    pub metadata: Value,
}

/// `0123abcd` for an id: its first eight hex digits.
fn short(id: &Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

/// A 64-bit mix of the id (ids are random; this only spreads sequential test ids).
fn spread(id: &Uuid) -> u64 {
    let v = id.as_u128();
    let x = (v as u64) ^ ((v >> 64) as u64);
    x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 7
}

/// The example's name (`#0123`), as LangSmith names unnamed examples.
pub fn example_name(id: &Uuid) -> String {
    format!("#{}", &short(id)[..4])
}

/// Its split: one in five is `test`, the rest `train`.
pub fn split_of(id: &Uuid) -> &'static str {
    if spread(id).is_multiple_of(5) {
        "test"
    } else {
        "train"
    }
}

/// The metadata of every seeded dataset (datasets are filtered by `metadata` containment).
pub(crate) fn dataset_metadata() -> Value {
    json!({"source": "langsmith-mock seed"})
}

/// The whole store.
#[derive(Debug, Default)]
pub struct Store {
    pub(crate) api_keys: HashMap<String, Principal>,
    pub(crate) bearer_tokens: HashMap<String, Principal>,
    pub(crate) workspaces: Vec<Workspace>,
    pub(crate) datasets: Vec<Dataset>,
    /// Sorted example ids, and beside each its dataset index and hard-delete count
    /// (saturating at 65,535).
    pub(crate) ids: Vec<Uuid>,
    pub(crate) dataset_of: Vec<u16>,
    pub(crate) hard_deletes: Vec<u16>,
    /// Per example, one bit per version: set once that version's inputs, outputs and
    /// metadata are nulled. Deletion sets them version by version, as the real server
    /// must null every version; inspection reads them back version by version.
    pub(crate) nulled: Vec<u16>,
    pub(crate) versions: usize,
    pub(crate) marker: Option<Marker>,
    /// Attachment files waiting for deletion (LangSmith deletes them within 7 days).
    pub(crate) attachments_queued: u64,
    /// One seeded example in this many (by id) has an attachment (`attachment_urls` set);
    /// 0: none.
    pub(crate) attachments_every: u64,
    /// How long after its hard delete an example's attachments are still listed.
    pub(crate) attachment_delay: std::time::Duration,
    /// One seeded example in this many (by id) was made from a trace (`source_run_id`
    /// set); 0: none.
    pub(crate) source_runs_every: u64,
    /// When each example with attachments was first hard-deleted (wall-clock, so it
    /// survives a restart from a data directory).
    pub(crate) attachments_deleted_at: HashMap<usize, std::time::SystemTime>,
    /// Examples written through the API, after the seeded ones: example index
    /// `ids.len() + k` is `written[k]`, in the order they were written.
    pub(crate) written: Vec<Written>,
    pub(crate) written_index: HashMap<Uuid, usize>,
    /// Soft-deleted examples (by index) and when (Unix microseconds): absent from reads from
    /// then on, still there `as_of` an earlier time.
    pub(crate) soft_deleted: HashMap<usize, i64>,
    /// Seeded rows a `PATCH` moved to the written table (absent from every read there).
    pub(crate) adopted: HashSet<usize>,
    /// The attachment files of written examples and ingested runs, by key.
    pub(crate) files: HashMap<Uuid, File>,
    /// The attachments `POST /runs/multipart` gave runs (`attachment.{run_id}.{name}`),
    /// by run id.
    pub(crate) run_attachments: HashMap<Uuid, Vec<Attachment>>,
}

impl Store {
    /// Builds the example table from per-dataset id lists (moved in; a single dataset's
    /// list is sorted in place, so seeding costs no second copy). A repeated id keeps
    /// its first dataset.
    pub(crate) fn seed(&mut self, mut groups: Vec<(u16, Vec<Uuid>)>, versions: usize) {
        let (ids, dataset_of) = if groups.len() == 1 {
            let (ds, mut ids) = groups.pop().expect("one group");
            ids.sort_unstable();
            ids.dedup();
            let n = ids.len();
            (ids, vec![ds; n])
        } else {
            let mut pairs: Vec<(Uuid, u16)> = groups
                .into_iter()
                .flat_map(|(ds, ids)| ids.into_iter().map(move |id| (id, ds)))
                .collect();
            // Stable: among equal ids the first seeded stays first.
            pairs.sort_by_key(|(id, _)| *id);
            pairs.dedup_by_key(|(id, _)| *id);
            pairs.into_iter().unzip()
        };
        self.ids = ids;
        self.ids.shrink_to_fit();
        self.dataset_of = dataset_of;
        self.hard_deletes = vec![0; self.ids.len()];
        self.nulled = vec![0; self.ids.len()];
        self.versions = versions.clamp(1, MAX_VERSIONS);
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len() + self.written.len()
    }

    /// The written example at index `i`, if `i` is one.
    fn written_at(&self, i: usize) -> Option<&Written> {
        i.checked_sub(self.ids.len()).map(|k| &self.written[k])
    }

    /// Whether any example was written through the API (then index order is no longer
    /// id order).
    pub(crate) fn has_written(&self) -> bool {
        !self.written.is_empty()
    }

    pub(crate) fn index(&self, id: &Uuid) -> Option<usize> {
        // The written table first: a seeded example a `PATCH` moved is read there.
        self.written_index
            .get(id)
            .map(|k| self.ids.len() + k)
            .or_else(|| self.ids.binary_search(id).ok())
    }

    pub(crate) fn id_at(&self, i: usize) -> Uuid {
        self.written_at(i).map_or_else(|| self.ids[i], |w| w.id)
    }

    pub(crate) fn dataset_index_at(&self, i: usize) -> u16 {
        self.written_at(i)
            .map_or_else(|| self.dataset_of[i], |w| w.dataset)
    }

    /// The workspace of example `i`.
    pub(crate) fn workspace_at(&self, i: usize) -> Uuid {
        let ds = &self.datasets[self.dataset_index_at(i) as usize];
        self.workspaces[ds.workspace as usize].id
    }

    /// The index of the workspace `id`.
    pub(crate) fn workspace_index(&self, id: Uuid) -> Option<u16> {
        self.workspaces
            .iter()
            .position(|w| w.id == id)
            .map(|i| i as u16)
    }

    /// The index of the live (not deleted) dataset `id` of `workspace`.
    pub(crate) fn live_dataset(&self, workspace: Uuid, id: Uuid) -> Option<u16> {
        self.datasets
            .iter()
            .position(|d| d.id == id && !d.deleted && self.dataset_workspace(d) == workspace)
            .map(|i| i as u16)
    }

    /// Adds a dataset (the caller checked the name is free); its index.
    pub(crate) fn add_dataset(&mut self, dataset: Dataset) -> Result<u16, &'static str> {
        if self.datasets.len() >= usize::from(u16::MAX) {
            return Err("the stand-in holds at most 65,535 datasets");
        }
        self.datasets.push(dataset);
        Ok((self.datasets.len() - 1) as u16)
    }

    /// Adds examples (the caller checked their ids are new and their datasets live).
    pub(crate) fn add_examples(&mut self, new: Vec<NewExample>) {
        for e in new {
            let i = self.ids.len() + self.written.len();
            let attachments = self.store_files(Some(i), e.attachments);
            self.written_index.insert(e.id, self.written.len());
            self.written.push(Written {
                id: e.id,
                dataset: e.dataset,
                created_at: e.created_at,
                versions: vec![WrittenVersion {
                    at: e.created_at,
                    content: Some(e.content),
                    attachments,
                }],
                hard_deletes: 0,
                source_run_id: e.source_run_id,
            });
        }
    }

    /// Keeps the files of example `i`'s (or a run's) new attachments: their names and
    /// keys, in order (a name given twice keeps the last file, at its first place).
    fn store_files(&mut self, i: Option<usize>, new: Vec<NewAttachment>) -> Vec<Attachment> {
        let mut out: Vec<Attachment> = Vec::with_capacity(new.len());
        for a in new {
            let key =
                uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
            self.files.insert(
                key,
                File {
                    mime_type: a.mime_type,
                    data: Arc::from(a.data),
                    example: i,
                },
            );
            match out.iter_mut().find(|x| x.name == a.name) {
                Some(x) => x.key = key,
                None => out.push(Attachment { name: a.name, key }),
            }
        }
        out
    }

    /// The attachments of example `i` at version `v` (none for seeded examples, whose
    /// attachment is made up by [`Store::attachment_urls`]).
    pub(crate) fn attachments(&self, i: usize, v: usize) -> &[Attachment] {
        self.written_at(i)
            .map_or(&[][..], |w| w.versions[v].attachments.as_slice())
    }

    /// The attachment file `key`, while it is listed: until the attachment delay after its
    /// example's hard delete.
    pub(crate) fn file(&self, key: &Uuid) -> Option<&File> {
        let f = self.files.get(key)?;
        (!f.example.is_some_and(|i| self.attachments_expired(i))).then_some(f)
    }

    /// Adds attachments to run `run` (a name it has already is replaced).
    pub(crate) fn add_run_attachments(&mut self, run: Uuid, new: Vec<NewAttachment>) {
        for a in self.store_files(None, new) {
            let list = self.run_attachments.entry(run).or_default();
            match list.iter_mut().find(|x| x.name == a.name) {
                Some(x) => x.key = a.key,
                None => list.push(a),
            }
        }
    }

    /// A run's attachments as the spec's `RunSchema.s3_urls` (the SDKs read
    /// `attachment.{name}` entries of it), or null without any.
    pub(crate) fn run_attachment_urls(&self, run: &Uuid) -> Value {
        match self.run_attachments.get(run) {
            Some(list) if !list.is_empty() => self.urls(list),
            _ => Value::Null,
        }
    }

    /// `{"attachment.{name}": {presigned_url, mime_type}}` for `list`.
    fn urls(&self, list: &[Attachment]) -> Value {
        let mut m = serde_json::Map::new();
        for a in list {
            let mime = self.files.get(&a.key).map(|f| f.mime_type.clone());
            m.insert(
                format!("attachment.{}", a.name),
                json!({
                    "presigned_url": format!("{ATTACHMENT_PATH}{}", a.key),
                    "mime_type": mime,
                }),
            );
        }
        Value::Object(m)
    }

    /// Whether example `i` was hard-deleted at least the attachment delay ago.
    fn attachments_expired(&self, i: usize) -> bool {
        self.attachments_deleted_at
            .get(&i)
            // A time ahead of the clock (set back since) counts as just now.
            .is_some_and(|at| at.elapsed().unwrap_or_default() >= self.attachment_delay)
    }

    /// The current content of example `i` (none when soft- or hard-deleted or its dataset
    /// is gone).
    pub(crate) fn current(&self, i: usize) -> Option<(usize, Content)> {
        let v = self.version_at(i, None)?;
        self.content(i, v).map(|c| (v, c))
    }

    /// Makes `content` the new version of example `i` (a written one gains a version; a
    /// seeded one is moved to the written table first, keeping its versions), with its
    /// attachments as `change` says.
    pub(crate) fn update(
        &mut self,
        i: usize,
        content: Content,
        dataset: u16,
        at: i64,
        change: AttachmentChange,
    ) -> usize {
        let k = match i.checked_sub(self.ids.len()) {
            Some(k) => k,
            None => self.adopt(i),
        };
        let index = self.ids.len() + k;
        let current = self.written[k]
            .versions
            .last()
            .map(|v| v.attachments.clone())
            .unwrap_or_default();
        let attachments = match change {
            AttachmentChange::Keep => current,
            AttachmentChange::Set { kept, uploaded } => {
                let mut list: Vec<Attachment> = kept
                    .into_iter()
                    .map(|(name, key)| Attachment { name, key })
                    .collect();
                // Files uploaded with the update win over kept ones of the same name.
                for new in self.store_files(Some(index), uploaded) {
                    match list.iter_mut().find(|x| x.name == new.name) {
                        Some(x) => x.key = new.key,
                        None => list.push(new),
                    }
                }
                list
            }
        };
        let w = &mut self.written[k];
        let at = at.max(w.versions.last().map_or(at, |v| v.at));
        w.versions.push(WrittenVersion {
            at,
            content: Some(content),
            attachments,
        });
        w.dataset = dataset;
        index
    }

    /// Copies seeded example `i` into the written table (its seeded row stays, marked
    /// soft-deleted from the beginning, so every read finds the written copy); the copy's
    /// position in `written`.
    fn adopt(&mut self, i: usize) -> usize {
        let versions = (0..self.versions)
            .map(|v| WrittenVersion {
                at: self.version_time(i, v),
                content: self.content(i, v),
                attachments: Vec::new(),
            })
            .collect();
        let w = Written {
            id: self.ids[i],
            dataset: self.dataset_of[i],
            created_at: self.created_at(i),
            versions,
            hard_deletes: self.hard_deletes[i],
            source_run_id: self.source_run_id(i),
        };
        self.written_index.insert(w.id, self.written.len());
        self.written.push(w);
        self.adopted.insert(i);
        self.written.len() - 1
    }

    /// Soft-deletes example `i` at `at` (Unix microseconds); false if it already was.
    pub(crate) fn soft_delete(&mut self, i: usize, at: i64) -> bool {
        if self.soft_deleted.contains_key(&i) {
            return false;
        }
        self.soft_deleted.insert(i, at);
        true
    }

    /// Deletes dataset `ds` (its examples go with it).
    pub(crate) fn delete_dataset(&mut self, ds: u16) {
        self.datasets[ds as usize].deleted = true;
    }

    /// The workspace id of a dataset.
    pub(crate) fn dataset_workspace(&self, ds: &Dataset) -> Uuid {
        self.workspaces[ds.workspace as usize].id
    }

    /// Where `id` stands for a hard delete: examples of a deleted dataset are gone.
    pub(crate) fn lookup(&self, id: &Uuid) -> Lookup {
        match self.index(id) {
            Some(i) if !self.datasets[self.dataset_index_at(i) as usize].deleted => {
                Lookup::In(self.workspace_at(i))
            }
            _ => Lookup::Missing,
        }
    }

    /// Nulls every version of `id`; returns whether it existed.
    pub(crate) fn hard_delete(&mut self, id: &Uuid) -> bool {
        let Some(i) = self.index(id) else {
            return false;
        };
        if let Some(k) = i.checked_sub(self.ids.len()) {
            let w = &mut self.written[k];
            let mut files = HashSet::new();
            for v in &mut w.versions {
                if v.content.take().is_some() {
                    files.extend(v.attachments.iter().map(|a| a.key));
                }
            }
            w.hard_deletes = w.hard_deletes.saturating_add(1);
            // Its attachment files are queued (LangSmith deletes them within days).
            self.attachments_queued += files.len() as u64;
            if w.versions.iter().any(|v| !v.attachments.is_empty()) {
                self.attachments_deleted_at
                    .entry(i)
                    .or_insert_with(std::time::SystemTime::now);
            }
            return true;
        }
        for version in 0..self.versions {
            let bit = 1u16 << version;
            if self.nulled[i] & bit == 0 {
                self.nulled[i] |= bit;
                // Its attachment files are queued (LangSmith deletes them within days).
                self.attachments_queued += 1;
            }
        }
        if self.has_attachments(i) {
            self.attachments_deleted_at
                .entry(i)
                .or_insert_with(std::time::SystemTime::now);
        }
        self.hard_deletes[i] = self.hard_deletes[i].saturating_add(1);
        true
    }

    /// The `source_run_id` of example `i`: as written, or for a seeded one a run id derived
    /// from its id, for one example in `source_runs_every` (a hard delete leaves it, as
    /// LangSmith's does).
    pub(crate) fn source_run_id(&self, i: usize) -> Option<uuid::Uuid> {
        if let Some(w) = self.written_at(i) {
            return w.source_run_id;
        }
        (self.source_runs_every > 0
            && (spread(&self.ids[i]) >> 11).is_multiple_of(self.source_runs_every))
        .then(|| {
            uuid::Uuid::from_u128(self.ids[i].as_u128() ^ 0x5ee0_0000_0000_0000_0000_0000_0000_5ee0)
        })
    }

    /// Whether example `i` was seeded with an attachment (written ones hold theirs per
    /// version: [`Store::attachments`]).
    pub(crate) fn has_attachments(&self, i: usize) -> bool {
        i < self.ids.len()
            && self.attachments_every > 0
            && (spread(&self.ids[i]) >> 3).is_multiple_of(self.attachments_every)
    }

    /// The `attachment_urls` of example `i` at version `v`: its attachments until the
    /// attachment delay after its hard delete has passed, then null (as without
    /// attachments). A written example's are `attachment.{name}` with the path the
    /// stand-in serves the file at ([`ATTACHMENT_PATH`]) and the MIME type it was uploaded
    /// with; a seeded one's is made up (its URL is not served).
    pub(crate) fn attachment_urls(&self, i: usize, v: usize) -> Value {
        if self.attachments_expired(i) {
            return Value::Null;
        }
        if self.written_at(i).is_some() {
            let list = self.attachments(i, v);
            if list.is_empty() {
                return Value::Null;
            }
            return self.urls(list);
        }
        if !self.has_attachments(i) {
            return Value::Null;
        }
        let name = format!("attachment.{}.png", short(&self.ids[i]));
        json!({ name.clone(): {
            "presigned_url": format!("https://storage.mock.invalid/{name}"),
            "mime_type": "image/png"
        }})
    }

    fn hard_deletes_at(&self, i: usize) -> u16 {
        self.written_at(i)
            .map_or_else(|| self.hard_deletes[i], |w| w.hard_deletes)
    }

    pub(crate) fn hard_delete_count(&self, id: &Uuid) -> u32 {
        self.index(id)
            .map_or(0, |i| u32::from(self.hard_deletes_at(i)))
    }

    /// Every example id with its workspace: the seeded ones sorted by id, then the written
    /// ones in the order they were written (a seeded example a `PATCH` moved to the
    /// written table is listed there, once).
    pub(crate) fn all(&self) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        (0..self.len())
            .filter(|i| !self.adopted.contains(i))
            .map(|i| (self.id_at(i), self.workspace_at(i)))
    }

    /// Ids hard-deleted at least once.
    pub(crate) fn deleted(&self) -> impl Iterator<Item = Uuid> + '_ {
        (0..self.len())
            .filter(|i| !self.adopted.contains(i) && self.hard_deletes_at(*i) > 0)
            .map(|i| self.id_at(i))
    }

    /// How many versions each seeded example has.
    pub(crate) fn versions(&self) -> usize {
        self.versions
    }

    /// How many versions example `i` has.
    pub(crate) fn version_count(&self, i: usize) -> usize {
        self.written_at(i)
            .map_or(self.versions, |w| w.versions.len())
    }

    /// `created_at` of example `i`, Unix microseconds (a seeded one's are whole seconds).
    pub(crate) fn created_at(&self, i: usize) -> i64 {
        self.written_at(i)
            .map_or((EPOCH + i as i64) * MICROS, |w| w.created_at)
    }

    /// When version `v` of example `i` was made, Unix microseconds.
    pub(crate) fn version_time(&self, i: usize, v: usize) -> i64 {
        match self.written_at(i) {
            Some(w) => w.versions[v].at,
            None => self.created_at(i) + v as i64 * VERSION_INTERVAL_SECS * MICROS,
        }
    }

    /// The version of example `i` current at `as_of` (Unix microseconds; `None`: the latest),
    /// or `None` when it did not exist then: created later, soft-deleted by then, its
    /// dataset deleted, or (a seeded row a `PATCH` moved) read through its written copy.
    pub(crate) fn version_at(&self, i: usize, as_of: Option<i64>) -> Option<usize> {
        if self.adopted.contains(&i) || self.datasets[self.dataset_index_at(i) as usize].deleted {
            return None;
        }
        if let Some(at) = self.soft_deleted.get(&i)
            && as_of.is_none_or(|t| t >= *at)
        {
            return None;
        }
        let n = self.version_count(i);
        let Some(t) = as_of else {
            return Some(n - 1);
        };
        (0..n).rev().find(|v| self.version_time(i, *v) <= t)
    }

    /// Whether version `v` of example `i` is nulled.
    pub(crate) fn is_nulled(&self, i: usize, v: usize) -> bool {
        match self.written_at(i) {
            Some(w) => w.versions[v].content.is_none(),
            None => self.nulled[i] & (1u16 << v) != 0,
        }
    }

    /// Whether seeded example `i` holds the marker (at every version, until nulled).
    pub(crate) fn is_marked(&self, i: usize) -> bool {
        i < self.ids.len()
            && !self.adopted.contains(&i)
            && self
                .marker
                .as_ref()
                .is_some_and(|m| m.every > 0 && spread(&self.ids[i]).is_multiple_of(m.every))
    }

    /// The content of example `i` at version `v`, or `None` once nulled.
    pub(crate) fn content(&self, i: usize, v: usize) -> Option<Content> {
        if let Some(w) = self.written_at(i) {
            return w.versions[v].content.clone();
        }
        if self.is_nulled(i, v) {
            return None;
        }
        let id = &self.ids[i];
        let short = short(id);
        let mut inputs =
            json!({"question": format!("What is the capital in record {short}? (version {v})")});
        if self.is_marked(i)
            && let Some(m) = &self.marker
        {
            inputs["contact"] = Value::String(m.text.clone());
        }
        Some(Content {
            inputs,
            outputs: json!({"answer": format!("Answer for record {short}")}),
            metadata: json!({"source": "langsmith-mock seed", "dataset_split": [split_of(id)]}),
        })
    }

    /// The example as it stands now.
    pub(crate) fn example(&self, id: &Uuid) -> Option<Example> {
        let i = self.index(id)?;
        let written = i >= self.ids.len();
        let versions = (0..self.version_count(i))
            .map(|v| match self.content(i, v) {
                None => Version {
                    inputs: None,
                    outputs: None,
                    metadata: None,
                    attachments: Vec::new(),
                },
                Some(c) => Version {
                    inputs: Some(Arc::new(c.inputs)),
                    outputs: Some(Arc::new(c.outputs)),
                    metadata: Some(Arc::new(c.metadata)),
                    attachments: if written {
                        self.attachments(i, v)
                            .iter()
                            .map(|a| Arc::from(a.name.as_str()))
                            .collect()
                    } else {
                        vec![Arc::from(format!("attachments/{}.png", short(id)))]
                    },
                },
            })
            .collect();
        Some(Example {
            id: *id,
            workspace_id: self.workspace_at(i),
            dataset_id: self.datasets[self.dataset_index_at(i) as usize].id,
            created_at: self.created_at(i).div_euclid(MICROS),
            versions,
            hard_deletes: u32::from(self.hard_deletes_at(i)),
        })
    }
}
