//! One hard-delete request: [`Client::hard_delete_examples`], what its answer says
//! ([`HardDeleted`]) and what that confirms of the ids sent ([`Confirmation`]).

use crate::call::{Call, Called};
use crate::client::Client;
use crate::error::Error;
use crate::ids::ExampleIds;
use langsmith_api::hooks::{self, request_id};
use uuid::Uuid;

/// What the server answered to one hard-delete request (a 2xx with the documented body).
///
/// An id is hard-deleted only when the answer names it: see [`HardDeleted::confirmation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardDeleted {
    count: Option<i64>,
    example_ids: Vec<String>,
    request_id: Option<String>,
    status: u16,
    attempts: u32,
}

impl HardDeleted {
    /// The server's `count`.
    pub fn count(&self) -> Option<i64> {
        self.count
    }

    /// The ids the server echoed, exactly as received (they are not always UUIDs: Prism's
    /// example response echoes `["[\"123e...\"]"]`).
    pub fn echoed(&self) -> &[String] {
        &self.example_ids
    }

    /// The request id header, if the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status (the spec documents 200).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// How many attempts it took.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Compares the echo with the ids that were sent: only ids the echo names (as
    /// canonical UUIDs) are confirmed.
    pub fn confirmation(&self, sent: &[Uuid]) -> Confirmation {
        Confirmation::new(sent, &self.example_ids, self.count)
    }
}

/// What a 2xx answer confirms of the ids sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Confirmation {
    confirmed: Vec<Uuid>,
    unconfirmed: Vec<Uuid>,
    foreign: Vec<Uuid>,
    not_uuids: usize,
    count: Option<i64>,
    echoed_unique: usize,
}

impl Confirmation {
    pub(crate) fn new(sent: &[Uuid], echo: &[String], count: Option<i64>) -> Self {
        let mut named: Vec<Uuid> = Vec::with_capacity(echo.len());
        let mut not_uuids = 0;
        for text in echo {
            match Uuid::try_parse_ascii(text.as_bytes().trim_ascii()) {
                Ok(id) => named.push(id),
                // Not ASCII around the id (Unicode spaces): the rule of every id input.
                Err(_) => match crate::ids::parse_id(text) {
                    Ok(id) => named.push(id),
                    Err(_) => not_uuids += 1,
                },
            }
        }
        // An echo in the order sent (the usual answer) costs one pass: `sort_ids` checks.
        crate::ids::sort_ids(&mut named);
        named.dedup();
        // Bulk batches are sorted already; only a caller's own order needs a sorted copy.
        let sorted_copy;
        let sent_sorted: &[Uuid] = if sent.is_sorted() {
            sent
        } else {
            let mut v = sent.to_vec();
            v.sort_unstable();
            sorted_copy = v;
            &sorted_copy
        };
        // One merge walk over the two sorted lists: confirmed, unconfirmed, foreign.
        let (mut confirmed, mut unconfirmed, mut foreign) =
            (Vec::with_capacity(sent.len()), Vec::new(), Vec::new());
        let mut echoed = named.iter().peekable();
        for id in sent_sorted {
            while let Some(e) = echoed.next_if(|e| *e < id) {
                foreign.push(*e);
            }
            if echoed.next_if(|e| *e == id).is_some() {
                confirmed.push(*id);
            } else {
                unconfirmed.push(*id);
            }
        }
        foreign.extend(echoed.copied());
        Confirmation {
            confirmed,
            unconfirmed,
            foreign,
            not_uuids,
            count,
            echoed_unique: named.len(),
        }
    }

    /// Sent ids the echo names: hard-deleted, on the server's word.
    pub fn confirmed(&self) -> &[Uuid] {
        &self.confirmed
    }

    /// Sent ids the echo does not name.
    pub fn unconfirmed(&self) -> &[Uuid] {
        &self.unconfirmed
    }

    /// Ids the echo names that were not sent (a server anomaly).
    pub fn foreign(&self) -> &[Uuid] {
        &self.foreign
    }

    /// Echoed values that are not UUIDs (a server anomaly).
    pub fn not_uuids(&self) -> usize {
        self.not_uuids
    }

    /// Whether the server's `count` disagrees with the number of ids it named.
    pub fn count_disagrees(&self) -> bool {
        self.count
            .is_some_and(|c| usize::try_from(c).ok() != Some(self.echoed_unique))
    }

    /// Whether the answer is exactly what a correct server sends: every id named, nothing
    /// else, and a `count` that agrees.
    pub fn is_exact(&self) -> bool {
        self.unconfirmed.is_empty()
            && self.foreign.is_empty()
            && self.not_uuids == 0
            && !self.count_disagrees()
    }

    /// Why ids are unconfirmed or the answer is odd, in words; `None` when exact.
    pub fn anomaly(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.unconfirmed.is_empty() {
            parts.push(format!(
                "the echo does not name {} of the ids sent",
                self.unconfirmed.len()
            ));
        }
        if self.not_uuids > 0 {
            parts.push(format!("{} echoed values are not UUIDs", self.not_uuids));
        }
        if !self.foreign.is_empty() {
            parts.push(format!(
                "the echo names {} ids that were not sent (first: {})",
                self.foreign.len(),
                self.foreign[0]
            ));
        }
        if self.count_disagrees() {
            parts.push(format!(
                "count {} disagrees with the {} ids echoed",
                self.count.unwrap_or_default(),
                self.echoed_unique
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

impl Client {
    /// Hard-deletes every version of the given examples: inputs, outputs and metadata
    /// are nulled at once, attachments within days. `hard_delete` is always `true`.
    ///
    /// Retries per the client's [`RetryPolicy`](crate::RetryPolicy), within its rate limit. Only the ids the
    /// answer names are confirmed: see [`HardDeleted::confirmation`].
    pub async fn hard_delete_examples(&self, ids: &ExampleIds) -> Result<HardDeleted, Error> {
        self.hard_delete_call(ids, None).await.result
    }

    /// One hard-delete request through [`Client::call`] (retries, rate limit, a debug
    /// line per attempt); a failed attempt is not retried once `cancel` is true.
    pub(crate) async fn hard_delete_call(
        &self,
        ids: &ExampleIds,
        cancel: Option<&std::sync::atomic::AtomicBool>,
    ) -> Called<HardDeleted> {
        let body = ids.request_body();
        let call = Call::new("hard_delete_examples")
            .ids(ids.len())
            .cancel(cancel);
        let mut called = self
            .call(
                call,
                |_| hooks::capture(self.api.hard_delete_examples().body(body.clone()).send()),
                |rv, _| {
                    let request_id = request_id(rv.headers());
                    let status = rv.status().as_u16();
                    let inner = rv.into_inner();
                    Ok(HardDeleted {
                        count: inner.count,
                        example_ids: inner.example_ids,
                        request_id,
                        status,
                        attempts: 0,
                    })
                },
            )
            .await;
        if let Ok(done) = &mut called.result {
            done.attempts = called.attempts;
        }
        called
    }
}
