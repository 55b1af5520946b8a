//! A workspace-wide erasure case: one person, every place their data may be, kept open
//! until every copy is proven gone.
//!
//! A case lives in a directory the tool owns ([`CaseDir`]):
//! - `case.json`: the [`Case`] (owned, `Serialize + Deserialize`, versioned by
//!   [`CASE_SCHEMA`]), replaced atomically on every change (a temporary file, fsynced,
//!   renamed, the directory fsynced);
//! - `log.jsonl`: what was done, append-only and hash-chained as the CLI's deletion
//!   journal is ([`crate::chain`]), fsynced after each line.
//!
//! **The identifiers are the person's data and are never stored.** Each is recorded as
//! `sha256:HEX` of `SALT:FOLDED` ([`identifier_hash`]; `printf '%s:%s' "$salt" "$folded" |
//! sha256sum`), where `FOLDED` is the identifier as `--contains` compares text
//! ([`langsmith::fold`]: Unicode NFKC, lower case, runs of white space as one) and the
//! salt is 32 random bytes (hex) of this case. Every later command is given the
//! identifiers again and refuses a set that differs ([`Case::check_identifiers`]), so a
//! typo cannot run a different search. Nothing in the case holds an identifier or any
//! content read from the server: ids, counts, hashes and states only.
//!
//! **Deadline:** one calendar month after receipt ([`gdpr_deadline`], GDPR Art. 12(3);
//! a month ending on a day the later month lacks ends on its last day, as Regulation
//! 1182/71 counts). Under the CCPA it is 45 days (extendable once by 45): give it as the
//! deadline.

use crate::chain;
use crate::durable;
use chrono::{Months, NaiveDate};
use langsmith::Uuid;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// The schema this version writes.
pub const CASE_SCHEMA: u32 = 1;
/// The case file in a case directory.
pub const CASE_FILE: &str = "case.json";
/// The log in a case directory.
pub const LOG_FILE: &str = "log.jsonl";
/// Random bytes of a case's salt.
pub const SALT_BYTES: usize = 32;
/// The bytes every case log starts with.
const LOG_MAGIC: &[u8] = br#"{"case_log":"langsmith-examples""#;
/// The log's format version.
const LOG_VERSION: u32 = 1;

/// The deadline GDPR Art. 12(3) sets: one calendar month after `received` (the same date
/// of the next month, or its last day when it has no such date).
///
/// ```
/// use chrono::NaiveDate;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// assert_eq!(langsmith_case::case::gdpr_deadline(d("2026-12-04")), d("2027-01-04"));
/// ```
pub fn gdpr_deadline(received: NaiveDate) -> NaiveDate {
    received
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// How an identifier is recorded: `sha256:HEX` of the salt, `:`, and the identifier
/// folded as `--contains` folds text ([`langsmith::fold`]).
pub fn identifier_hash(salt: &str, identifier: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b":");
    h.update(langsmith::fold(identifier).as_bytes());
    format!("sha256:{:x}", h.finalize())
}

/// A new salt: [`SALT_BYTES`] from the operating system's random source, as hex.
pub fn new_salt() -> Result<String, CaseError> {
    let mut bytes = [0u8; SALT_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| {
        CaseError::Io(IoError {
            path: PathBuf::new(),
            doing: "draw a random salt",
            source: std::io::Error::other(e.to_string()),
        })
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// One identifier as given, and where it was given (`--match #2`, `ids.txt:3`): the
/// person's data, so its `Debug` shows only where it came from.
#[derive(Clone)]
pub struct Identifier {
    text: String,
    origin: String,
}

impl Identifier {
    /// An identifier and where it was given (named in errors, never the text).
    pub fn new(text: impl Into<String>, origin: impl Into<String>) -> Identifier {
        Identifier {
            text: text.into(),
            origin: origin.into(),
        }
    }

    /// The identifier, for a search.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where it was given.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Refuses an identifier that cannot be meant: empty, or with white space at either
    /// end (invisible in a file, it would search for something else).
    fn check(&self) -> Result<(), CaseError> {
        let what = if self.text.trim().is_empty() {
            "an empty identifier"
        } else if self.text.trim() != self.text {
            "an identifier with white space at its start or end (remove it)"
        } else if self.text.chars().any(char::is_control) {
            "an identifier with a control character"
        } else {
            return Ok(());
        };
        Err(CaseError::Input(InputError {
            what: what.to_owned(),
            place: self.origin.clone(),
        }))
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identifier")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// The identifiers of a case, checked against it: each with the hash the case records.
/// What a search is run with; its `Debug` shows the hashes only.
#[derive(Clone)]
pub struct Identified {
    pairs: Vec<(String, Identifier)>,
}

impl Identified {
    /// Each identifier's recorded hash and the identifier, in the case's order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Identifier)> {
        self.pairs.iter().map(|(h, i)| (h.as_str(), i))
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are none (never, for a checked set).
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

impl fmt::Debug for Identified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.pairs.iter().map(|(h, _)| h))
            .finish()
    }
}

/// The case: what `case.json` holds.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Case {
    /// [`CASE_SCHEMA`] when written by this version.
    pub schema: u32,
    /// Always `langsmith-examples`: what makes a directory a case of this tool.
    pub tool: String,
    /// The erasure request's reference.
    pub ticket: String,
    /// When the request was received.
    pub received: NaiveDate,
    /// When it must be answered.
    pub deadline: NaiveDate,
    /// `gdpr_one_month` (derived from `received`) or `given`.
    pub deadline_rule: String,
    /// RFC 3339: when the case was opened.
    pub opened_at: String,
    /// 32 random bytes, hex: the salt of every identifier hash.
    pub salt: String,
    /// `sha256:HEX` per identifier ([`identifier_hash`]), sorted, each once.
    pub identifiers: Vec<String>,
    /// The overall state, derived from places and items ([`Case::derive_state`]).
    pub state: CaseState,
    /// Each place searched, the latest search of each.
    pub places: Vec<PlaceRecord>,
    /// Everything found (and what the server listed that failed the check).
    pub items: Vec<Item>,
    /// What the user must know (sources of new copies, ...).
    pub warnings: Vec<String>,
    /// What the API cannot reach, so the case cannot speak for it.
    pub not_reached: Vec<String>,
    /// Places the issue names that this version does not search yet: while any is left,
    /// the case is never `closed` (it stays `pending` at best). Absent in a case written
    /// before this field: read as [`NOT_SEARCHED`].
    #[serde(default = "not_searched")]
    pub not_searched: Vec<String>,
    /// Each verification pass, in order ([`crate::verify`]).
    #[serde(default)]
    pub passes: Vec<Pass>,
    /// The LangSmith the case searched, bound by its first command that talked to one:
    /// every later command must talk to the same (its items' ids mean nothing elsewhere).
    /// Absent until then, and in a case written before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<CaseTarget>,
    /// Every earlier search of each place, in order (a later search of a place replaces
    /// its record in `places`, and the one it replaced moves here): what each found
    /// stays in the evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_searches: Vec<PlaceRecord>,
    /// RFC 3339: when a `find` (or a verification's search) began that has not ended: a
    /// command killed mid-search. The next one resumes it, skipping each place already
    /// searched completely since then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_under_way: Option<String>,
    /// Whether the search under way scans.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub search_scans: bool,
    /// Whether a `find --scan` searched the traces (a verification then scans too).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub found_with_scan: bool,
}

/// Where a case's data is: the endpoint (or the embedded stand-in) and the workspace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CaseTarget {
    pub endpoint: String,
    pub workspace: Option<String>,
}

/// The places a case should search that this version does not search yet: none. A
/// case's own list is emptied by its first complete `find` with this version.
pub const NOT_SEARCHED: [&str; 0] = [];

/// What a case written before [`Case::not_searched`] existed had not searched.
const EARLIER_NOT_SEARCHED: [&str; 5] = [
    "traces of every tracing project, by search (production traces)",
    "source runs of found examples",
    "feedback comments and corrections",
    "public share links",
    "rules and bulk exports that make new copies (warnings)",
];

fn not_searched() -> Vec<String> {
    EARLIER_NOT_SEARCHED
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// One verification pass: when, what the read-back showed, and what the search again
/// found that the case did not hold.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Pass {
    /// RFC 3339: when the pass ended.
    pub at: String,
    /// Examples read back erased (or no longer listed).
    pub examples_erased: u64,
    /// Examples whose attachments are still listed (within their 7 days).
    pub examples_pending: u64,
    /// Examples read back with data.
    pub examples_not_erased: u64,
    /// Traces the runs query no longer lists.
    pub traces_gone: u64,
    /// Traces requested and still listed (a queued deletion).
    pub traces_pending: u64,
    /// Traces listed whose deletion was never requested.
    pub traces_present: u64,
    /// Items whose read-back failed or proved nothing.
    pub failed: u64,
    /// Feedback and share links read back gone.
    #[serde(default)]
    pub others_gone: u64,
    /// Feedback and share links read back present after their deletion was accepted.
    #[serde(default)]
    pub others_present: u64,
    /// Copies the search again found that the case did not hold (added as `found`).
    pub new_items: u64,
    /// Why a read-back or search of this pass is incomplete (never content).
    pub problems: Vec<String>,
}

/// What the API does not reach (LangSmith's compliance documentation and API).
pub const NOT_REACHED: [&str; 5] = [
    "prompt commits (no delete but of the whole prompt repository)",
    "audit logs",
    "bulk exports already made, and data already sent by webhooks",
    "other workspaces (each needs a case of its own)",
    "feedback attached to no tracing project (on a comparative experiment, say): feedback is listed per project",
];

/// The state of a case.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaseState {
    /// Opened; nothing searched yet.
    Open,
    /// Every place searched is complete; what was found awaits erasure.
    Found,
    /// Erasure requested or under way, nothing contradicts it; verify again later.
    Pending,
    /// Data is left, a place is incomplete, or something failed.
    Attention,
    /// Every item (the excluded aside) is erased or gone, no place is incomplete, and the
    /// last search found nothing new.
    Closed,
}

impl CaseState {
    /// `open`, `found`, `pending`, `attention`, `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Found => "found",
            CaseState::Pending => "pending",
            CaseState::Attention => "attention",
            CaseState::Closed => "closed",
        }
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a person's data may be.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Place {
    /// Examples of every dataset.
    Examples,
    /// Experiment traces that reference a found example.
    ExperimentTraces,
    /// Traces of every tracing project holding an identifier (found by the server's
    /// search, each run re-checked here).
    Traces,
    /// The runs found examples were made from (`source_run_id`), holding an identifier:
    /// their traces.
    SourceRuns,
    /// Feedback whose comment or correction holds an identifier.
    Feedback,
    /// Public share links of a found trace, or of a dataset holding a found example.
    Shares,
}

impl Place {
    /// `examples`, `experiment_traces`, `traces`, `source_runs`, `feedback`, `shares`.
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Examples => "examples",
            Place::ExperimentTraces => "experiment_traces",
            Place::Traces => "traces",
            Place::SourceRuns => "source_runs",
            Place::Feedback => "feedback",
            Place::Shares => "shares",
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a place's search ended normally.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PlaceState {
    /// Every listing ended normally.
    Complete,
    /// A listing was cut off, inconsistent, failed, or returned rows of another
    /// container: the place cannot be called searched.
    Incomplete,
}

/// One search of one place: what was asked (counts, never the text) and what came back.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PlaceRecord {
    pub place: Place,
    pub state: PlaceState,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// What was asked.
    pub asked: Asked,
    /// What came back.
    pub answered: Answered,
    /// Why the place is incomplete: which container, which error kind (never content).
    pub problems: Vec<String>,
    /// For traces: the runs query that answered (`v2`, or `v1` where v2 is missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_api: Option<String>,
    /// For traces: the `start_time` window every runs query named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
}

/// A time window, RFC 3339.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Window {
    pub min_start_time: String,
    pub max_start_time: String,
}

/// What a search asked.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Asked {
    /// Identifiers searched for (0 for traces: found by reference, no identifier sent).
    pub identifiers: u64,
    /// Containers searched: datasets, or (traces) the found examples whose copies were
    /// looked up.
    pub containers: u64,
    /// Requests of the search: examples, one listing per dataset and identifier; traces,
    /// the runs query's HTTP requests.
    pub queries: u64,
}

/// What a search's answers held.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Answered {
    /// What the server counted for the queries (summed; 0 where it counts nothing).
    pub counted: u64,
    /// Rows listed (each query's unique rows, summed).
    pub listed: u64,
    /// Rows that passed the check here (summed over queries).
    pub matched: u64,
    /// Rows the check here refused (summed over queries).
    pub excluded: u64,
    /// Items of this place new to the case.
    pub new_items: u64,
}

/// The state of an item.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ItemState {
    /// Found; the check here confirmed an identifier in it.
    Found,
    /// Listed by the server, refused by the check here: never erased.
    Excluded,
    /// Its erasure was requested; the server confirmed nothing yet.
    EraseRequested,
    /// The server's answer named it deleted.
    Deleted,
    /// A read-back showed its content gone.
    Erased,
    /// Queued deletion or attachments within their 7 days: verify again later.
    Pending,
    /// A read-back no longer lists it.
    Gone,
    /// A read-back still lists it with data.
    StillPresent,
    /// A request about it failed.
    Failed,
}

impl ItemState {
    /// The state's name in `case.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Found => "found",
            ItemState::Excluded => "excluded",
            ItemState::EraseRequested => "erase_requested",
            ItemState::Deleted => "deleted",
            ItemState::Erased => "erased",
            ItemState::Pending => "pending",
            ItemState::Gone => "gone",
            ItemState::StillPresent => "still_present",
            ItemState::Failed => "failed",
        }
    }
}

impl fmt::Display for ItemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One copy of the person's data (or a row the check refused).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Item {
    pub place: Place,
    /// The example's id, or the trace's id.
    pub id: Uuid,
    /// The dataset holding the example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_id: Option<Uuid>,
    /// The tracing project (session) holding the trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
    /// The found examples a trace references (it copies them), sorted; for a source
    /// run's trace, the examples made from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Uuid>,
    /// The runs that matched (a trace found by content, a source run), or the run a
    /// feedback is about, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<Uuid>,
    /// The trace a feedback's run belongs to, when the server named it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<Uuid>,
    /// For a share link: `run` or `dataset` (the item's id is the run's or dataset's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
    /// The hashes of the identifiers that matched it (for an excluded row: that the
    /// server said matched).
    pub matched: Vec<String>,
    pub state: ItemState,
    /// Why it was excluded (the check it failed), or why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every state it had, with when.
    pub history: Vec<Transition>,
    /// For a `pending` item: when to verify again (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look_again: Option<String>,
}

/// A state an item entered, and when (RFC 3339). (An item's date to look again is
/// [`Item::look_again`].)
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Transition {
    pub at: String,
    pub state: ItemState,
}

impl Item {
    /// An item of `place` entering `state` at `at` (RFC 3339), nothing else known yet.
    pub fn new(place: Place, id: Uuid, state: ItemState, at: &str) -> Item {
        Item {
            place,
            id,
            dataset_id: None,
            session_id: None,
            examples: Vec::new(),
            runs: Vec::new(),
            trace_id: None,
            share: None,
            matched: Vec::new(),
            state,
            reason: None,
            history: vec![Transition {
                at: at.to_owned(),
                state,
            }],
            look_again: None,
        }
    }
}

impl Case {
    /// Refuses ([`CaseError::NotSearched`]) a case no place of which has been searched:
    /// `erase` and `verify` need what `find` recorded.
    pub fn require_searched(&self) -> Result<(), CaseError> {
        if self.places.is_empty() {
            Err(CaseError::NotSearched)
        } else {
            Ok(())
        }
    }

    /// A new case for `identifiers` (checked: none empty or padded; duplicates after
    /// folding recorded once). `deadline`: `None` for [`gdpr_deadline`].
    pub fn new(
        ticket: &str,
        received: NaiveDate,
        deadline: Option<NaiveDate>,
        identifiers: &[Identifier],
        now: &str,
    ) -> Result<Case, CaseError> {
        if ticket.trim().is_empty() {
            return Err(CaseError::Input(InputError {
                what: "an empty ticket reference".into(),
                place: "--ticket".into(),
            }));
        }
        if identifiers.is_empty() {
            return Err(CaseError::Input(InputError {
                what: "no identifier (one per --match, or per line of --match-file)".into(),
                place: "--match".into(),
            }));
        }
        for i in identifiers {
            i.check()?;
        }
        if let Some(d) = deadline
            && d < received
        {
            return Err(CaseError::Input(InputError {
                what: format!("a deadline ({d}) before the request was received ({received})"),
                place: "--deadline".into(),
            }));
        }
        let salt = new_salt()?;
        let hashes: BTreeSet<String> = identifiers
            .iter()
            .map(|i| identifier_hash(&salt, &i.text))
            .collect();
        Ok(Case {
            schema: CASE_SCHEMA,
            tool: crate::evidence::TOOL.to_owned(),
            ticket: ticket.to_owned(),
            received,
            deadline: deadline.unwrap_or_else(|| gdpr_deadline(received)),
            deadline_rule: if deadline.is_some() {
                "given"
            } else {
                "gdpr_one_month"
            }
            .to_owned(),
            opened_at: now.to_owned(),
            salt,
            identifiers: hashes.into_iter().collect(),
            state: CaseState::Open,
            places: Vec::new(),
            items: Vec::new(),
            warnings: Vec::new(),
            not_reached: NOT_REACHED.iter().map(|s| (*s).to_owned()).collect(),
            not_searched: NOT_SEARCHED.iter().map(|s| (*s).to_owned()).collect(),
            search_under_way: None,
            search_scans: false,
            found_with_scan: false,
            passes: Vec::new(),
            target: None,
            earlier_searches: Vec::new(),
        })
    }

    /// Checks that `given` is exactly this case's set of identifiers (each folded and
    /// hashed with the case's salt; duplicates once). A set that differs is
    /// [`CaseError::Identifiers`], naming how many matched and where the others were
    /// given, never a value.
    pub fn check_identifiers(&self, given: &[Identifier]) -> Result<Identified, CaseError> {
        for i in given {
            i.check()?;
        }
        let mut pairs: Vec<(String, Identifier)> = Vec::new();
        let mut unknown = Vec::new();
        for i in given {
            let h = identifier_hash(&self.salt, &i.text);
            if self.identifiers.binary_search(&h).is_err() {
                unknown.push(i.origin.clone());
            } else if !pairs.iter().any(|(p, _)| *p == h) {
                pairs.push((h, i.clone()));
            }
        }
        let missing = self.identifiers.len() - pairs.len();
        if !unknown.is_empty() || missing > 0 {
            return Err(CaseError::Identifiers(IdentifierMismatch {
                matched: pairs.len(),
                case_has: self.identifiers.len(),
                unknown,
            }));
        }
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Identified { pairs })
    }

    /// The state the places and items say: `attention` when a place is incomplete or an
    /// item failed or still holds data (or the last verification pass could not finish);
    /// `open` before any search; `pending` while an erasure is under way, and also when
    /// everything searched is proven erased or gone but a place the issue names is not
    /// searched yet ([`Case::not_searched`]: nothing contradicts the erasure, but the case
    /// cannot speak for those places, or the places were searched by the server's index
    /// only, which cannot prove absence); `closed` only when every item (the excluded
    /// aside) is erased or gone, no place is incomplete, the last verification pass found
    /// nothing new, every place has been searched, and searched by a scan
    /// ([`Case::found_with_scan`]); `found` otherwise.
    pub fn derive_state(&self) -> CaseState {
        let live = || self.items.iter().filter(|i| i.state != ItemState::Excluded);
        let last_pass = self.passes.last();
        if self
            .places
            .iter()
            .any(|p| p.state == PlaceState::Incomplete)
            || live().any(|i| matches!(i.state, ItemState::Failed | ItemState::StillPresent))
            || last_pass.is_some_and(|p| !p.problems.is_empty())
        {
            CaseState::Attention
        } else if self.places.is_empty() {
            CaseState::Open
        } else if live().any(|i| {
            matches!(
                i.state,
                ItemState::EraseRequested | ItemState::Deleted | ItemState::Pending
            )
        }) {
            CaseState::Pending
        } else if live().all(|i| matches!(i.state, ItemState::Erased | ItemState::Gone))
            && last_pass.is_some_and(|p| p.new_items == 0)
        {
            // Proven only by a scan: the server's search cannot prove absence.
            if self.not_searched.is_empty() && self.found_with_scan {
                CaseState::Closed
            } else {
                CaseState::Pending
            }
        } else {
            CaseState::Found
        }
    }

    /// The earliest date an item says to verify again, if any.
    pub fn look_again(&self) -> Option<&str> {
        self.items
            .iter()
            .filter(|i| i.state == ItemState::Pending)
            .filter_map(|i| i.look_again.as_deref())
            .min()
    }

    /// Moves the item `place`/`id` to `state` (with `reason`, and `look_again` for a
    /// pending one), its history extended. Returns whether it is an item of the case.
    pub fn set_state(&mut self, change: &Change, at: &str) -> bool {
        match self
            .items
            .iter_mut()
            .find(|i| i.place == change.place && i.id == change.id)
        {
            Some(item) => {
                item.state = change.state;
                item.reason = change.reason.clone();
                item.look_again = change.look_again.clone();
                item.history.push(Transition {
                    at: at.to_owned(),
                    state: change.state,
                });
                true
            }
            None => false,
        }
    }

    /// Items of `place` in `state`.
    pub fn count(&self, place: Place, state: ItemState) -> usize {
        self.items
            .iter()
            .filter(|i| i.place == place && i.state == state)
            .count()
    }

    /// Days from `today` to the deadline (negative once past).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.deadline - today).num_days()
    }

    /// Takes in a search of a place: replaces the earlier record of that place and adds
    /// (or merges) its items, a found item never downgraded to excluded, and one held
    /// erased or gone that is found again reopened as found. Returns how many items are
    /// new (those reopened included).
    pub fn record_place(&mut self, mut record: PlaceRecord, items: Vec<Item>) -> u64 {
        let mut new = 0;
        for item in items {
            match self
                .items
                .iter_mut()
                .find(|i| i.place == item.place && i.id == item.id)
            {
                Some(have) => {
                    for e in item.examples {
                        if !have.examples.contains(&e) {
                            have.examples.push(e);
                        }
                    }
                    have.examples.sort();
                    for r in item.runs {
                        if !have.runs.contains(&r) {
                            have.runs.push(r);
                        }
                    }
                    have.runs.sort();
                    for h in item.matched {
                        if !have.matched.contains(&h) {
                            have.matched.push(h);
                        }
                    }
                    have.matched.sort();
                    // Found again where the case held it excluded, erased or gone: a copy
                    // again (data back, or a row the check refused now holding the text),
                    // for the next erase to take.
                    if item.state == ItemState::Found
                        && matches!(
                            have.state,
                            ItemState::Excluded | ItemState::Erased | ItemState::Gone
                        )
                    {
                        if have.state != ItemState::Excluded {
                            new += 1;
                        }
                        have.state = ItemState::Found;
                        have.reason = None;
                        have.look_again = None;
                        have.history.extend(item.history);
                    }
                }
                None => {
                    // A row the check refused is held, but is no copy.
                    if item.state != ItemState::Excluded {
                        new += 1;
                    }
                    self.items.push(item);
                }
            }
        }
        record.answered.new_items = new;
        if let Some(i) = self.places.iter().position(|p| p.place == record.place) {
            let earlier = self.places.remove(i);
            self.earlier_searches.push(earlier);
        }
        self.places.push(record);
        self.state = self.derive_state();
        new
    }
}

/// A line of the case log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LogLine {
    /// RFC 3339.
    pub t: String,
    #[serde(flatten)]
    pub event: LogEvent,
}

/// What a log line records.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LogEvent {
    /// The case was opened.
    Opened {
        ticket: String,
        identifiers: u64,
        received: NaiveDate,
        deadline: NaiveDate,
    },
    /// A place was searched.
    Searched {
        record: PlaceRecord,
        /// The state of the case after it.
        case_state: CaseState,
    },
    /// An item changed state (erase, verify): one line per item.
    Item {
        #[serde(flatten)]
        change: Change,
    },
    /// A step of `erase` began or ended (what it is, and counts; never content).
    Step { step: String, detail: String },
    /// A verification pass ended.
    Verified {
        pass: Pass,
        /// The state of the case after it.
        case_state: CaseState,
    },
}

/// One item's new state, as `erase` and `verify` record it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Change {
    pub place: Place,
    pub id: Uuid,
    pub state: ItemState,
    /// Why (the check it failed at erase, the server's outcome, the error's kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `pending`: when to verify again (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look_again: Option<String>,
}

impl Change {
    /// `place`/`id` to `state`, with no reason.
    pub fn new(place: Place, id: Uuid, state: ItemState) -> Change {
        Change {
            place,
            id,
            state,
            reason: None,
            look_again: None,
        }
    }

    /// With a reason.
    pub fn because(mut self, reason: impl Into<String>) -> Change {
        self.reason = Some(reason.into());
        self
    }
}

#[derive(Serialize, Deserialize)]
struct LogHeader {
    case_log: String,
    version: u32,
    created_at: String,
}

/// A case directory: the case, and the log it appends to.
#[derive(Debug)]
pub struct CaseDir {
    path: PathBuf,
    case: Case,
    last_hash: String,
    /// Bytes of the log up to its last complete line (a torn tail is cut before the next
    /// append).
    log_bytes: u64,
    /// The log, open for appending under an exclusive advisory lock held as long as this
    /// value lives: a second command on the same case is refused, never interleaved.
    log: File,
}

impl CaseDir {
    /// Creates the case directory at `path` (which must not exist: an existing case is
    /// refused, as is anything else there), its log (header and `opened`) and
    /// `case.json`, each fsynced.
    pub fn create(path: &Path, case: Case) -> Result<CaseDir, CaseError> {
        if std::fs::symlink_metadata(path).is_ok() {
            let reason = if path.join(CASE_FILE).is_file() {
                "is a case already (open it once; then use find, erase, verify, show)"
            } else {
                "exists and is not a case directory (open creates the directory)"
            };
            return Err(CaseError::Path(PathError {
                path: path.to_owned(),
                reason,
            }));
        }
        let io = |doing: &'static str, p: &Path| {
            let p = p.to_owned();
            move |source| {
                CaseError::Io(IoError {
                    path: p,
                    doing,
                    source,
                })
            }
        };
        std::fs::create_dir(path).map_err(io("create the case directory", path))?;
        durable::sync_parent(path).map_err(io("fsync the directory holding", path))?;
        let log = path.join(LOG_FILE);
        let header = LogHeader {
            case_log: crate::evidence::TOOL.to_owned(),
            version: LOG_VERSION,
            created_at: case.opened_at.clone(),
        };
        let (line, hash) = chain::seal(&header, "");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        // Readable by its owner only, as case.json is (a temporary file's mode).
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&log).map_err(io("create the log", &log))?;
        lock(&f, path)?;
        f.write_all(&line).map_err(io("write the log", &log))?;
        f.sync_all().map_err(io("fsync the log", &log))?;
        durable::sync_parent(&log).map_err(io("fsync the directory of", &log))?;
        let mut dir = CaseDir {
            path: path.to_owned(),
            log_bytes: line.len() as u64,
            case,
            last_hash: hash,
            log: f,
        };
        let opened = LogEvent::Opened {
            ticket: dir.case.ticket.clone(),
            identifiers: dir.case.identifiers.len() as u64,
            received: dir.case.received,
            deadline: dir.case.deadline,
        };
        dir.log(&opened, &dir.case.opened_at.clone())?;
        dir.save()?;
        Ok(dir)
    }

    /// Loads the case at `path` for a command that changes it: the log locked (a second
    /// command on the case is refused), `case.json` read by type, the log's chain verified.
    pub fn load(path: &Path) -> Result<CaseDir, CaseError> {
        let case_file_ok = path.join(CASE_FILE).is_file();
        let log_path = path.join(LOG_FILE);
        let log = match OpenOptions::new().read(true).write(true).open(&log_path) {
            Ok(f) if case_file_ok => f,
            _ => return Err(not_a_case(path)),
        };
        lock(&log, path)?;
        let case = CaseDir::read(path)?;
        let (last_hash, log_bytes) = verify_log(&log_path)?;
        Ok(CaseDir {
            path: path.to_owned(),
            case,
            last_hash,
            log_bytes,
            log,
        })
    }

    /// Reads the case at `path` without changing anything (`show`): `case.json` read by
    /// type, the log's chain verified.
    pub fn read(path: &Path) -> Result<Case, CaseError> {
        let file = path.join(CASE_FILE);
        if !path.is_dir() || !file.is_file() {
            return Err(not_a_case(path));
        }
        let bytes = std::fs::read(&file).map_err(|source| {
            CaseError::Io(IoError {
                path: file.clone(),
                doing: "read",
                source,
            })
        })?;
        let corrupt = |line: Option<usize>, detail: String| {
            CaseError::Corrupt(CorruptError {
                path: file.clone(),
                line,
                detail,
            })
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(None, e.to_string()))?;
        if value.get("tool").and_then(|t| t.as_str()) != Some(crate::evidence::TOOL) {
            return Err(corrupt(None, "not a case of this tool".into()));
        }
        match value.get("schema").and_then(|s| s.as_u64()) {
            Some(s) if s <= u64::from(CASE_SCHEMA) => {}
            other => {
                return Err(corrupt(
                    None,
                    format!(
                        "schema {other:?} is not one this version reads (at most {CASE_SCHEMA})"
                    ),
                ));
            }
        }
        let case: Case = serde_path_to_error::deserialize(value).map_err(|e| {
            corrupt(
                None,
                format!("{}: {}", e.path(), e.inner().to_string().replace('\n', " ")),
            )
        })?;
        verify_log(&path.join(LOG_FILE))?;
        Ok(case)
    }

    /// The case.
    pub fn case(&self) -> &Case {
        &self.case
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes in a search of a place ([`Case::record_place`]), logs it, and saves the
    /// case: the log line first, so a case file never holds what the log does not.
    pub fn record_place(
        &mut self,
        record: PlaceRecord,
        items: Vec<Item>,
        now: &str,
    ) -> Result<u64, CaseError> {
        let new = self.case.record_place(record, items);
        let record = self.case.places.last().expect("just recorded").clone();
        let event = LogEvent::Searched {
            record,
            case_state: self.case.state,
        };
        self.log(&event, now)?;
        self.save()?;
        Ok(new)
    }

    /// Applies item changes ([`Case::set_state`]), each logged as a line first, then
    /// saves the case once.
    pub fn apply(&mut self, changes: &[Change], now: &str) -> Result<(), CaseError> {
        for c in changes {
            self.log(&LogEvent::Item { change: c.clone() }, now)?;
            self.case.set_state(c, now);
        }
        self.save()
    }

    /// Binds the case to `target` on its first command that talks to a LangSmith, and
    /// refuses any other afterwards: the ids a case holds mean nothing at another endpoint
    /// or workspace, where reading them back proves nothing. Nothing is sent before it.
    pub fn bind(&mut self, target: CaseTarget, now: &str) -> Result<(), CaseError> {
        match &self.case.target {
            Some(bound) if *bound == target => Ok(()),
            Some(bound) => {
                let show = |t: &CaseTarget| {
                    format!(
                        "{} (workspace {})",
                        t.endpoint,
                        t.workspace.as_deref().unwrap_or("the key's default")
                    )
                };
                Err(CaseError::Input(InputError {
                    what: format!(
                        "this case was searched at {}; this command would read {}: its ids mean nothing there. Pass the case's endpoint and workspace (and their key); nothing was sent",
                        show(bound),
                        show(&target)
                    ),
                    place: self.path.display().to_string(),
                }))
            }
            None => {
                self.step("bound", format!("to {}", target.endpoint), now)?;
                self.case.target = Some(target);
                self.save()
            }
        }
    }

    /// Begins a search of every place: returns when the one under way began, when a
    /// command was killed during it (the places searched completely since then need not
    /// be searched again), else records that one begins now.
    ///
    /// `scan`: whether this search scans. A search under way of the other kind is not
    /// resumed (a scan proves what a search by the index cannot), nor is any when `fresh`
    /// (a verification pass searches everything again): the new one begins anew.
    pub fn begin_search(
        &mut self,
        now: &str,
        scan: bool,
        fresh: bool,
    ) -> Result<Option<String>, CaseError> {
        if let Some(t) = self.case.search_under_way.clone()
            && !fresh
            && self.case.search_scans == scan
        {
            self.step("search", format!("resumes the search begun at {t}"), now)?;
            return Ok(Some(t));
        }
        self.step("search", "begins".to_owned(), now)?;
        self.case.search_under_way = Some(now.to_owned());
        self.case.search_scans = scan;
        self.save()?;
        Ok(None)
    }

    /// Whether `place` was searched completely since `since` (a resumed search skips it).
    pub fn searched_since(&self, place: Place, since: &str) -> bool {
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
        self.case.places.iter().any(|p| {
            p.place == place
                && p.state == PlaceState::Complete
                && at(&p.started_at).is_some_and(|a| Some(a) >= at(since))
        })
    }

    /// Ends the search under way: what keeps making copies (`warnings`), and the places
    /// this version does not search, recorded; the case saved.
    pub fn end_search(
        &mut self,
        warnings: Vec<String>,
        scanned: bool,
        now: &str,
    ) -> Result<(), CaseError> {
        self.case.found_with_scan |= scanned;
        self.step("search", "ends".to_owned(), now)?;
        self.case.search_under_way = None;
        self.case.warnings = warnings;
        self.case.not_searched = NOT_SEARCHED.iter().map(|s| (*s).to_owned()).collect();
        self.case.state = self.case.derive_state();
        self.save()
    }

    /// Logs a step of a command (what, and counts).
    pub fn step(&mut self, step: &str, detail: String, now: &str) -> Result<(), CaseError> {
        self.log(
            &LogEvent::Step {
                step: step.to_owned(),
                detail,
            },
            now,
        )
    }

    /// Takes in a verification pass: logged, appended, the case saved.
    pub fn record_pass(&mut self, pass: Pass, now: &str) -> Result<(), CaseError> {
        self.case.passes.push(pass.clone());
        self.case.state = self.case.derive_state();
        let event = LogEvent::Verified {
            pass,
            case_state: self.case.state,
        };
        if let Err(e) = self.log(&event, now) {
            self.case.passes.pop();
            return Err(e);
        }
        self.save()
    }

    /// Writes `case.json` atomically.
    fn save(&mut self) -> Result<(), CaseError> {
        self.case.state = self.case.derive_state();
        let file = self.path.join(CASE_FILE);
        let mut bytes = serde_json::to_vec_pretty(&self.case).expect("json");
        bytes.push(b'\n');
        durable::write_atomic(&file, &bytes).map_err(|source| {
            CaseError::Io(IoError {
                path: file,
                doing: "write",
                source,
            })
        })
    }

    /// Appends one line to the log, fsynced (a torn tail cut first).
    fn log(&mut self, event: &LogEvent, now: &str) -> Result<(), CaseError> {
        let log = self.path.join(LOG_FILE);
        let io = |doing: &'static str| {
            let log = log.clone();
            move |source| {
                CaseError::Io(IoError {
                    path: log,
                    doing,
                    source,
                })
            }
        };
        let line = LogLine {
            t: now.to_owned(),
            event: event.clone(),
        };
        let (bytes, hash) = chain::seal(&line, &self.last_hash);
        let f = &mut self.log;
        f.set_len(self.log_bytes).map_err(io("cut the log"))?;
        use std::io::Seek;
        f.seek(std::io::SeekFrom::Start(self.log_bytes))
            .map_err(io("seek in the log"))?;
        if let Err(e) = f.write_all(&bytes).and_then(|()| f.sync_all()) {
            let _ = f.set_len(self.log_bytes);
            return Err(io("append to the log")(e));
        }
        self.log_bytes += bytes.len() as u64;
        self.last_hash = hash;
        Ok(())
    }
}

/// The error for a path that holds no case.
fn not_a_case(path: &Path) -> CaseError {
    CaseError::Path(PathError {
        path: path.to_owned(),
        reason: if path.exists() {
            "is not a case directory (no case.json and log.jsonl)"
        } else {
            "does not exist (open the case first)"
        },
    })
}

/// Takes the case's exclusive advisory lock on its log.
fn lock(log: &File, path: &Path) -> Result<(), CaseError> {
    match log.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(CaseError::Path(PathError {
            path: path.to_owned(),
            reason: "another command is using this case (its log is locked); wait for it to finish",
        })),
        Err(std::fs::TryLockError::Error(source)) => Err(CaseError::Io(IoError {
            path: path.join(LOG_FILE),
            doing: "lock",
            source,
        })),
    }
}

/// Verifies a case log's chain; returns the last hash and the bytes up to the last
/// complete line.
fn verify_log(path: &Path) -> Result<(String, u64), CaseError> {
    let corrupt = |line: Option<usize>, detail: String| {
        CaseError::Corrupt(CorruptError {
            path: path.to_owned(),
            line,
            detail,
        })
    };
    let f = File::open(path).map_err(|source| {
        CaseError::Io(IoError {
            path: path.to_owned(),
            doing: "open",
            source,
        })
    })?;
    let mut reader = BufReader::new(f);
    let mut buf = Vec::new();
    let (mut last, mut bytes, mut n) = (String::new(), 0u64, 0usize);
    loop {
        buf.clear();
        let read = reader.read_until(b'\n', &mut buf).map_err(|source| {
            CaseError::Io(IoError {
                path: path.to_owned(),
                doing: "read",
                source,
            })
        })?;
        if read == 0 || !buf.ends_with(b"\n") {
            break; // the end, or a torn last line (cut before the next append)
        }
        n += 1;
        if n == 1 && !buf.starts_with(LOG_MAGIC) {
            return Err(corrupt(Some(1), "not a case log".into()));
        }
        let (_, hash) =
            chain::open_seal(&buf[..buf.len() - 1], &last).map_err(|e| corrupt(Some(n), e))?;
        last = hash;
        bytes += buf.len() as u64;
    }
    if n == 0 {
        return Err(corrupt(None, "the log is empty".into()));
    }
    Ok((last, bytes))
}

/// Why a case could not be opened, read or written. Each variant's context names what
/// and where; none holds an identifier.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaseError {
    /// Bad input (an identifier, a date, the ticket): nothing was written or sent.
    Input(InputError),
    /// The identifiers given are not this case's.
    Identifiers(IdentifierMismatch),
    /// The path is not what the command needs (an existing case for `open`, no case
    /// for the others).
    Path(PathError),
    /// Reading or writing a file failed.
    Io(IoError),
    /// `case.json` or the log is not what this tool wrote.
    Corrupt(CorruptError),
    /// `erase` or `verify` of a case no place of which has been searched yet: nothing
    /// was sent (run `find` first).
    NotSearched,
}

impl fmt::Display for CaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseError::Input(e) => e.fmt(f),
            CaseError::Identifiers(e) => e.fmt(f),
            CaseError::Path(e) => e.fmt(f),
            CaseError::Io(e) => e.fmt(f),
            CaseError::Corrupt(e) => e.fmt(f),
            CaseError::NotSearched => f.write_str(
                "this case has not been searched yet: run `case find` first (nothing was sent)",
            ),
        }
    }
}

impl std::error::Error for CaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaseError::Io(e) => Some(&e.source),
            _ => None,
        }
    }
}

/// Bad input: what, and where it was given.
#[derive(Debug)]
pub struct InputError {
    what: String,
    place: String,
}

impl InputError {
    /// What is wrong.
    pub fn what(&self) -> &str {
        &self.what
    }
    /// Where it was given (`--match #2`, `ids.txt:3`, `--deadline`).
    pub fn place(&self) -> &str {
        &self.place
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.what)
    }
}

/// The identifiers given differ from the case's.
#[derive(Debug)]
pub struct IdentifierMismatch {
    matched: usize,
    case_has: usize,
    unknown: Vec<String>,
}

impl IdentifierMismatch {
    /// How many of the case's identifiers were given.
    pub fn matched(&self) -> usize {
        self.matched
    }
    /// How many the case has.
    pub fn case_has(&self) -> usize {
        self.case_has
    }
    /// Where each identifier given that is not the case's was given.
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }
}

impl fmt::Display for IdentifierMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the identifiers given are not this case's: {} of its {} matched",
            self.matched, self.case_has
        )?;
        if !self.unknown.is_empty() {
            write!(
                f,
                "; not an identifier of this case: {}",
                self.unknown.join(", ")
            )?;
        }
        let missing = self.case_has - self.matched;
        if missing > 0 {
            write!(
                f,
                "; {missing} of its identifiers not given (every command needs all of them)"
            )?;
        }
        Ok(())
    }
}

/// A path that is not what the command needs.
#[derive(Debug)]
pub struct PathError {
    path: PathBuf,
    reason: &'static str,
}

impl PathError {
    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// A file operation that failed; the cause is its [`std::error::Error::source`].
#[derive(Debug)]
pub struct IoError {
    path: PathBuf,
    doing: &'static str,
    source: std::io::Error,
}

impl IoError {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} {}", self.doing, self.path.display())
    }
}

/// A case file or log that is not what this tool wrote.
#[derive(Debug)]
pub struct CorruptError {
    path: PathBuf,
    line: Option<usize>,
    detail: String,
}

impl CorruptError {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The line, in the log.
    pub fn line(&self) -> Option<usize> {
        self.line
    }
}

impl fmt::Display for CorruptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(f, "{}:{n}: {}", self.path.display(), self.detail),
            None => write!(f, "{}: {}", self.path.display(), self.detail),
        }
    }
}
