//! The in-memory LangSmith: workspaces, credentials, datasets and versioned examples.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// One version of an example. Hard deletion nulls `inputs`, `outputs` and `metadata` and
/// queues `attachments` for deletion.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub inputs: Option<Arc<Value>>,
    pub outputs: Option<Arc<Value>>,
    pub metadata: Option<Arc<Value>>,
    pub attachments: Vec<Arc<str>>,
}

/// An example with all its versions.
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

/// A seeded example's content: shared, so a million seeded examples cost little.
pub(crate) fn seeded_versions(versions: usize) -> Vec<Version> {
    thread_local! {
        static CONTENT: (Arc<Value>, Arc<Value>, Arc<Value>, Arc<str>) = (
            Arc::new(json!({"question": "What is the capital of France?"})),
            Arc::new(json!({"answer": "Paris"})),
            Arc::new(json!({"source": "langsmith-mock seed"})),
            Arc::from("attachments/seed.png"),
        );
    }
    CONTENT.with(|(i, o, m, a)| {
        (0..versions)
            .map(|_| Version {
                inputs: Some(i.clone()),
                outputs: Some(o.clone()),
                metadata: Some(m.clone()),
                attachments: vec![a.clone()],
            })
            .collect()
    })
}

/// Who a credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub workspace_id: Uuid,
    pub organization_id: Uuid,
}

/// The whole store.
#[derive(Debug, Default)]
pub struct Store {
    pub(crate) api_keys: HashMap<String, Principal>,
    pub(crate) bearer_tokens: HashMap<String, Principal>,
    pub(crate) examples: HashMap<Uuid, Example>,
    /// Attachments waiting for deletion (LangSmith deletes them within 7 days).
    pub(crate) attachment_queue: Vec<(Uuid, Arc<str>)>,
}

impl Store {
    pub(crate) fn insert_example(&mut self, example: Example) {
        self.examples.insert(example.id, example);
    }

    /// Nulls every version of `id`; returns whether it existed.
    pub(crate) fn hard_delete(&mut self, id: &Uuid) -> bool {
        let Some(example) = self.examples.get_mut(id) else {
            return false;
        };
        for v in &mut example.versions {
            v.inputs = None;
            v.outputs = None;
            v.metadata = None;
            for a in v.attachments.drain(..) {
                self.attachment_queue.push((*id, a));
            }
        }
        example.hard_deletes += 1;
        true
    }
}
