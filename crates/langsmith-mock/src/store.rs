//! The in-memory LangSmith: workspaces, credentials, datasets and versioned examples.
//!
//! Examples are stored compactly (about 22 bytes each: the id, a workspace index, a
//! hard-delete count and a per-version nulled bitmask) so a stand-in seeded with millions
//! of ids fits beside the client in one process. Their content is a shared template per version; an [`Example`] is
//! materialised on inspection. Hard deletion nulls every version's inputs, outputs and
//! metadata and queues its attachments, keeping id, dataset id and created_at.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
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

struct Template {
    inputs: Arc<Value>,
    outputs: Arc<Value>,
    metadata: Arc<Value>,
    attachment: Arc<str>,
}

fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| Template {
        inputs: Arc::new(json!({"question": "What is the capital of France?"})),
        outputs: Arc::new(json!({"answer": "Paris"})),
        metadata: Arc::new(json!({"source": "langsmith-mock seed"})),
        attachment: Arc::from("attachments/seed.png"),
    })
}

/// Who a credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub workspace_id: Uuid,
    pub organization_id: Uuid,
}

/// A workspace and its one dataset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Workspace {
    pub(crate) id: Uuid,
    pub(crate) dataset_id: Uuid,
}

/// Where an id stands.
pub(crate) enum Lookup {
    Missing,
    In(Uuid),
}

/// The most versions an example can have in the stand-in.
pub const MAX_VERSIONS: usize = 16;

/// The whole store.
#[derive(Debug, Default)]
pub struct Store {
    pub(crate) api_keys: HashMap<String, Principal>,
    pub(crate) bearer_tokens: HashMap<String, Principal>,
    pub(crate) workspaces: Vec<Workspace>,
    /// Sorted example ids, and beside each its workspace index and hard-delete count
    /// (saturating at 65,535).
    ids: Vec<Uuid>,
    workspace_of: Vec<u16>,
    hard_deletes: Vec<u16>,
    /// Per example, one bit per version: set once that version's inputs, outputs and
    /// metadata are nulled. Deletion sets them version by version, as the real server
    /// must null every version; inspection reads them back version by version.
    nulled: Vec<u16>,
    versions: usize,
    /// Attachment files waiting for deletion (LangSmith deletes them within 7 days).
    pub(crate) attachments_queued: u64,
}

impl Store {
    /// Builds the example table from per-workspace id lists (moved in; a single
    /// workspace's list is sorted in place, so seeding costs no second copy). A repeated
    /// id keeps its first workspace.
    pub(crate) fn seed(&mut self, mut groups: Vec<(u16, Vec<Uuid>)>, versions: usize) {
        let (ids, workspace_of) = if groups.len() == 1 {
            let (ws, mut ids) = groups.pop().expect("one group");
            ids.sort_unstable();
            ids.dedup();
            let n = ids.len();
            (ids, vec![ws; n])
        } else {
            let mut pairs: Vec<(Uuid, u16)> = groups
                .into_iter()
                .flat_map(|(ws, ids)| ids.into_iter().map(move |id| (id, ws)))
                .collect();
            // Stable: among equal ids the first seeded stays first.
            pairs.sort_by_key(|(id, _)| *id);
            pairs.dedup_by_key(|(id, _)| *id);
            pairs.into_iter().unzip()
        };
        self.ids = ids;
        self.ids.shrink_to_fit();
        self.workspace_of = workspace_of;
        self.hard_deletes = vec![0; self.ids.len()];
        self.nulled = vec![0; self.ids.len()];
        self.versions = versions.min(MAX_VERSIONS);
    }

    fn index(&self, id: &Uuid) -> Option<usize> {
        self.ids.binary_search(id).ok()
    }

    pub(crate) fn lookup(&self, id: &Uuid) -> Lookup {
        match self.index(id) {
            Some(i) => Lookup::In(self.workspaces[self.workspace_of[i] as usize].id),
            None => Lookup::Missing,
        }
    }

    /// Nulls every version of `id`; returns whether it existed.
    pub(crate) fn hard_delete(&mut self, id: &Uuid) -> bool {
        let Some(i) = self.index(id) else {
            return false;
        };
        for version in 0..self.versions {
            let bit = 1u16 << version;
            if self.nulled[i] & bit == 0 {
                self.nulled[i] |= bit;
                // Its attachment files are queued (LangSmith deletes them within days).
                self.attachments_queued += 1;
            }
        }
        self.hard_deletes[i] = self.hard_deletes[i].saturating_add(1);
        true
    }

    pub(crate) fn hard_delete_count(&self, id: &Uuid) -> u32 {
        self.index(id)
            .map_or(0, |i| u32::from(self.hard_deletes[i]))
    }

    /// Every example id with its workspace, sorted by id.
    pub(crate) fn all(&self) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        self.ids
            .iter()
            .zip(&self.workspace_of)
            .map(|(id, w)| (*id, self.workspaces[*w as usize].id))
    }

    /// Ids hard-deleted at least once.
    pub(crate) fn deleted(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.ids
            .iter()
            .zip(&self.hard_deletes)
            .filter(|(_, n)| **n > 0)
            .map(|(id, _)| *id)
    }

    /// The example as it stands now.
    pub(crate) fn example(&self, id: &Uuid) -> Option<Example> {
        let i = self.index(id)?;
        let ws = self.workspaces[self.workspace_of[i] as usize];
        let t = template();
        let versions = (0..self.versions)
            .map(|version| {
                if self.nulled[i] & (1u16 << version) != 0 {
                    Version {
                        inputs: None,
                        outputs: None,
                        metadata: None,
                        attachments: Vec::new(),
                    }
                } else {
                    Version {
                        inputs: Some(t.inputs.clone()),
                        outputs: Some(t.outputs.clone()),
                        metadata: Some(t.metadata.clone()),
                        attachments: vec![t.attachment.clone()],
                    }
                }
            })
            .collect();
        Some(Example {
            id: *id,
            workspace_id: ws.id,
            dataset_id: ws.dataset_id,
            created_at: 1_767_225_600 + i as i64,
            versions,
            hard_deletes: u32::from(self.hard_deletes[i]),
        })
    }
}
