//! The person workspace: one (fictitious) person's data spread over a whole workspace, among
//! plenty of other people's, so an erasure case (find, erase, verify) can be tested and
//! demonstrated offline ([`crate::MockServerBuilder::person_workspace`]).
//!
//! The person is named by [`IDENTIFIERS`] (an email address, a full name, a customer id);
//! [`OTHER`] names another person whose data sits beside it as a decoy, with more people
//! besides. Seeding is deterministic: the same scale gives the same ids (times are relative
//! to the server's start). What is seeded, at the default [`PersonScale`]:
//!
//! - **datasets** (6): in all but the last, some examples hold an identifier, each in
//!   another place: an input field, a nested message list, the outputs only, the metadata
//!   only, a long value past its 250th character, a nested conversation; in varying case;
//! - **tracing projects** (4 plain ones, traces of a root chain run, an LLM run and a tool
//!   run): in all but the last, some traces hold an identifier, each in another place: the
//!   root's inputs, the LLM run's nested messages, the tool run's `error`, the root's
//!   `extra.metadata`, the root's `events`, the LLM run's outputs past character 250 (a
//!   `search()` cannot find that one), the root's nested outputs;
//! - **experiments**: one session per dataset holding the person (at most 3), one trace per
//!   example with `reference_example_id` set; a trace of a person's example whose identifier
//!   is only in its outputs or metadata holds no identifier itself;
//! - **examples made from traces**: one of the person's examples has a `source_run_id`
//!   whose run holds an identifier, another one whose run does not; and an example of
//!   someone else was made from a run that holds an identifier;
//! - **feedback**: comments and corrections naming the person on the person's traces, on
//!   other people's traces and on an experiment trace; feedback naming no one or [`OTHER`];
//! - **share links**: a trace holding the person and a dataset holding the person's
//!   examples are shared (and, as decoys, someone else's trace and a dataset without the
//!   person);
//! - **sources of new copies**: a run rule adding a person project's runs to a person
//!   dataset, and a recurring bulk export of a person project.
//!
//! Runs start over the last 60 days, most more than a day ago.
//!
//! [`PersonCopies`] is the stand-in's own record of where the person is, computed by
//! scanning what was seeded (every string and object key, whole, case-insensitively: so it
//! includes what a search cannot find).

use crate::store::{Content, Dataset, NewExample, Store};
use crate::traces::{Feedback, Run, Runs, Session, compact, uuid4};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use uuid::Uuid;

/// The person an erasure request names: an email address, a full name and a customer id.
pub const IDENTIFIERS: [&str; 3] = ["maria.keller@example.org", "Maria Keller", "CUST-48213"];

/// Another person (the same kinds of identifiers), whose data a correct erasure of
/// [`IDENTIFIERS`] leaves alone.
pub const OTHER: [&str; 3] = ["jonas.berg@example.net", "Jonas Berg", "CUST-77120"];

/// The other people of the workspace ([`OTHER`] first).
const PEOPLE: [[&str; 3]; 5] = [
    OTHER,
    ["li.wei@example.com", "Li Wei", "CUST-20931"],
    ["amara.okafor@example.com", "Amara Okafor", "CUST-55102"],
    ["diego.santos@example.net", "Diego Santos", "CUST-61877"],
    ["sofia.rossi@example.org", "Sofia Rossi", "CUST-30456"],
];

/// The seed of the person workspace's ids.
const SEED: u64 = 0x9e25_0a11_4e25_0001;

/// How big the person workspace is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonScale {
    /// Datasets (all but the last hold some of the person's examples when more than one).
    pub datasets: usize,
    /// Examples per dataset.
    pub examples_per_dataset: usize,
    /// Plain tracing projects (all but the last hold some of the person's traces when more
    /// than one).
    pub projects: usize,
    /// Traces per tracing project (each of three runs).
    pub runs_per_project: usize,
    /// How many of a dataset's examples, and of a project's traces, hold the person (at
    /// most all).
    pub copies: usize,
}

impl Default for PersonScale {
    fn default() -> Self {
        PersonScale {
            datasets: 6,
            examples_per_dataset: 12,
            projects: 4,
            runs_per_project: 12,
            copies: 4,
        }
    }
}

/// Where the person's data is: the stand-in's own record, computed by scanning the store
/// for [`IDENTIFIERS`] (every string value and object key, whole, case-insensitively).
///
/// What counts as a copy:
/// - an **example** any version of whose inputs, outputs or metadata holds an identifier
///   (hard-deleted versions hold nothing; examples of a deleted dataset are gone);
/// - a **trace**, whole, when any of its runs holds an identifier in its inputs, outputs,
///   error, extra (metadata) or events, even where a `search()` cannot see it;
/// - an **experiment trace**, whole, when any of its runs references one of the person's
///   examples (`reference_example_id`), whether or not it holds an identifier itself;
/// - a **source run**: an example's `source_run_id` whose run holds an identifier itself;
/// - **feedback** whose `comment` or `correction` holds an identifier, on any run;
/// - a **shared run** whose trace holds an identifier or references one of the person's
///   examples; a **shared dataset** holding one of the person's examples;
/// - a **rule** or **bulk export** over a session (or dataset) where the person was seeded:
///   each makes new copies until it is changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct PersonCopies {
    /// Dataset id -> the person's example ids in it.
    pub examples: BTreeMap<Uuid, BTreeSet<Uuid>>,
    /// Session id -> ids of its traces any run of which holds an identifier (plain
    /// projects and experiments alike).
    pub traces: BTreeMap<Uuid, BTreeSet<Uuid>>,
    /// Experiment session id -> ids of its traces referencing one of the person's examples.
    pub experiment_traces: BTreeMap<Uuid, BTreeSet<Uuid>>,
    /// Example id -> its `source_run_id`, where that run holds an identifier.
    pub source_runs: BTreeMap<Uuid, Uuid>,
    /// Feedback whose comment or correction names the person.
    pub feedback: BTreeSet<Uuid>,
    /// Runs shared now whose trace is one of the person's (holding an identifier or
    /// referencing one of the person's examples).
    pub shared_runs: BTreeSet<Uuid>,
    /// Datasets shared now that hold one of the person's examples.
    pub shared_datasets: BTreeSet<Uuid>,
    /// Run rules over a place of the person.
    pub rules: BTreeSet<Uuid>,
    /// Bulk exports of a place of the person.
    pub exports: BTreeSet<Uuid>,
}

impl PersonCopies {
    /// Every example id of the person.
    pub fn example_ids(&self) -> BTreeSet<Uuid> {
        self.examples.values().flatten().copied().collect()
    }

    /// Session id -> every trace to delete: those holding an identifier and those
    /// referencing the person's examples.
    pub fn all_traces(&self) -> BTreeMap<Uuid, BTreeSet<Uuid>> {
        let mut all = self.traces.clone();
        for (s, t) in &self.experiment_traces {
            all.entry(*s).or_default().extend(t.iter().copied());
        }
        all
    }

    /// Whether no example, trace, source run, feedback or share link of the person is
    /// left (rules and exports are configuration: see their own fields).
    pub fn is_erased(&self) -> bool {
        self.examples.is_empty()
            && self.traces.is_empty()
            && self.experiment_traces.is_empty()
            && self.source_runs.is_empty()
            && self.feedback.is_empty()
            && self.shared_runs.is_empty()
            && self.shared_datasets.is_empty()
    }
}

/// Whether any string value or object key within `v` holds one of [`IDENTIFIERS`]
/// (whole, case-insensitively).
pub fn holds_identifier(v: &Value) -> bool {
    match v {
        Value::String(s) => names_person(s),
        Value::Array(items) => items.iter().any(holds_identifier),
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| names_person(k) || holds_identifier(x)),
        _ => false,
    }
}

fn names_person(text: &str) -> bool {
    let lower = text.to_lowercase();
    IDENTIFIERS
        .iter()
        .any(|i| lower.contains(&i.to_lowercase()))
}

/// Whether a run holds an identifier in its name, inputs, outputs, error, extra or events.
pub fn run_holds_identifier(run: &Run) -> bool {
    names_person(&run.name)
        || holds_identifier(&run.inputs)
        || holds_identifier(&run.outputs)
        || run.error.as_deref().is_some_and(names_person)
        || run.extra.as_ref().is_some_and(holds_identifier)
        || run.events.as_ref().is_some_and(holds_identifier)
}

/// A paragraph of 260 characters naming no one: what pushes a later mention past the
/// full-text index's 250 characters.
fn filler() -> String {
    let base = "The customer called about a delayed delivery and asked for an update on the \
                parcel, the agent checked the warehouse system, confirmed the new date, offered \
                a voucher for the inconvenience and noted the preferred contact window. ";
    let mut s = base.repeat(2);
    s.truncate(260);
    s
}

/// What one seeded trace holds, run by run.
struct TraceSpec {
    root_inputs: Value,
    root_outputs: Value,
    root_extra: Value,
    root_events: Value,
    llm_inputs: Value,
    llm_outputs: Value,
    tool_error: Option<String>,
}

impl TraceSpec {
    /// A trace of someone else (`who`, named in one of four places, or nowhere).
    fn other(who: [&str; 3], k: usize, at: &str) -> TraceSpec {
        let question = [
            "Where is my order?",
            "Can I change my delivery address?",
            "How do I cancel my subscription?",
            "Why was I charged twice?",
        ][k % 4];
        let mut t = TraceSpec {
            root_inputs: json!({"question": question}),
            root_outputs: json!({"answer": "I have looked into it and sent you the details."}),
            root_extra: json!({"metadata": {"ls_run_depth": 0, "app_version": "1.4.2"}}),
            root_events: json!([{"name": "start", "time": at}]),
            llm_inputs: json!({"messages": [[
                {"type": "system", "content": "You are a support agent."},
                {"type": "human", "content": question}
            ]]}),
            llm_outputs: json!({"generations": [[{"text": "I have looked into it."}]]}),
            tool_error: None,
        };
        match k % 5 {
            0 => t.root_inputs["user"] = json!({"email": who[0]}),
            1 => t.root_extra["metadata"]["user_name"] = json!(who[1]),
            2 => {
                t.tool_error = Some(format!(
                    "LookupError: no open order for customer {}",
                    who[2]
                ))
            }
            3 => {
                t.llm_inputs["messages"][0][1]["content"] =
                    json!(format!("{question} My name is {}.", who[1]))
            }
            _ => {}
        }
        t
    }

    /// A trace of the person, the identifier in the place `variant` (0..7) says.
    fn person(variant: usize, k: usize, at: &str) -> TraceSpec {
        let mut t = TraceSpec::other(PEOPLE[1], 4 + 5 * k, at);
        match variant % 7 {
            0 => t.root_inputs["user"] = json!({"email": IDENTIFIERS[0]}),
            1 => {
                t.llm_inputs["messages"][0][1]["content"] = json!(format!(
                    "Hi, my name is {} and my parcel is late.",
                    IDENTIFIERS[1].to_lowercase()
                ))
            }
            2 => {
                t.tool_error = Some(format!(
                    "LookupError: no open order for customer {}",
                    IDENTIFIERS[2]
                ))
            }
            3 => {
                t.root_extra["metadata"]["user_email"] = json!("Maria.Keller@Example.org");
            }
            4 => {
                t.root_events = json!([
                    {"name": "start", "time": at},
                    {"name": "escalation", "time": at,
                     "kwargs": {"note": format!("handed over to a human for {}", IDENTIFIERS[1])}}
                ])
            }
            5 => {
                t.llm_outputs = json!({"generations": [[{
                    "text": format!("{} Regards, {}", filler(), IDENTIFIERS[1])
                }]]})
            }
            _ => {
                t.root_outputs = json!({
                    "answer": "Your order is on the way.",
                    "crm": {"customer_id": IDENTIFIERS[2].to_lowercase()}
                })
            }
        }
        t
    }
}

/// An example of someone else (`who`, named in one of three places, or nowhere).
fn other_example(who: [&str; 3], k: usize) -> Content {
    let split = json!(["train"]);
    match k % 4 {
        0 => Content {
            inputs: json!({"question": "Can you resend my invoice?", "email": who[0]}),
            outputs: json!({"answer": "Sent again."}),
            metadata: json!({"source": "support", "dataset_split": split}),
        },
        1 => Content {
            inputs: json!({"messages": [{"role": "user",
                "content": format!("Hello, {} here. The app crashes on start.", who[1])}]}),
            outputs: json!({"answer": "Please reinstall the app."}),
            metadata: json!({"dataset_split": split}),
        },
        2 => Content {
            inputs: json!({"question": "What are your opening hours?"}),
            outputs: json!({"answer": "Nine to five."}),
            metadata: json!({"customer_id": who[2], "dataset_split": split}),
        },
        _ => Content {
            inputs: json!({"question": "How do I reset my password?"}),
            outputs: json!({"answer": "Use the link on the sign-in page."}),
            metadata: json!({"source": "faq", "dataset_split": split}),
        },
    }
}

/// An example of the person, the identifier in the place `variant` (0..6) says.
fn person_example(variant: usize) -> Content {
    let split = json!(["train"]);
    match variant % 6 {
        0 => Content {
            inputs: json!({"question": "Where is my refund?", "email": IDENTIFIERS[0]}),
            outputs: json!({"answer": "It was sent on Monday."}),
            metadata: json!({"source": "support", "dataset_split": split}),
        },
        1 => Content {
            inputs: json!({"messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": format!("Hi, this is {}, my parcel is late.", IDENTIFIERS[1].to_uppercase())}
            ]}),
            outputs: json!({"answer": "Sorry to hear that, it arrives tomorrow."}),
            metadata: json!({"dataset_split": split}),
        },
        // The identifier only in the outputs: its experiment traces hold none.
        2 => Content {
            inputs: json!({"question": "Summarise the ticket."}),
            outputs: json!({"answer": format!("Ticket for customer {} resolved.", IDENTIFIERS[2].to_lowercase())}),
            metadata: json!({"dataset_split": split}),
        },
        // Only in the metadata: its experiment traces hold none either.
        3 => Content {
            inputs: json!({"question": "Is the premium plan worth it?"}),
            outputs: json!({"answer": "It depends on your usage."}),
            metadata: json!({"customer_id": IDENTIFIERS[2], "source": "crm-import", "dataset_split": split}),
        },
        // Past the 250th character of a long value.
        4 => Content {
            inputs: json!({"transcript": format!("{} Caller: {}.", filler(), IDENTIFIERS[1])}),
            outputs: json!({"answer": "Logged."}),
            metadata: json!({"dataset_split": split}),
        },
        _ => Content {
            inputs: json!({"conversation": {"turns": [
                {"speaker": "agent", "text": "How can I help?"},
                {"speaker": "customer", "text": "Please email Maria.Keller@EXAMPLE.org the invoice."}
            ]}}),
            outputs: json!({"answer": "Done."}),
            metadata: json!({"dataset_split": split}),
        },
    }
}

const DATASET_NAMES: [&str; 6] = [
    "support-faq",
    "billing-disputes",
    "onboarding-emails",
    "agent-regressions",
    "kyc-checks",
    "product-qa",
];

const PROJECT_NAMES: [&str; 4] = [
    "support-bot-prod",
    "email-agent",
    "billing-assistant",
    "search-api",
];

fn numbered(names: &[&str], i: usize) -> String {
    match i / names.len() {
        0 => names[i % names.len()].to_owned(),
        n => format!("{}-{}", names[i % names.len()], n + 1),
    }
}

/// What seeding needs.
struct Seeder<'a> {
    store: &'a mut Store,
    runs: &'a mut Runs,
    workspace: Uuid,
    now: i64,
    rng: fastrand::Rng,
}

impl Seeder<'_> {
    fn id(&mut self) -> Uuid {
        uuid4(&mut self.rng)
    }

    /// A start time within the last 60 days: one in eight within the last day.
    fn start(&mut self, k: usize) -> i64 {
        let age = if k.is_multiple_of(8) {
            self.rng.i64(600..20 * 3600)
        } else {
            self.rng.i64(86_400 + 3600..60 * 86_400)
        };
        self.now - age
    }

    fn session(&mut self, name: String, dataset: Option<Uuid>, start: i64) -> Uuid {
        let id = self.id();
        self.runs.sessions.push(Session {
            id,
            workspace_id: self.workspace,
            name,
            reference_dataset_id: dataset,
            start_time: start,
            description: None,
            end_time: None,
            extra: None,
        });
        id
    }

    /// A trace of three runs (root chain, LLM, tool); the root's id.
    fn trace(&mut self, session: Uuid, t: TraceSpec, start: i64) -> Uuid {
        let (root, llm, tool) = (self.id(), self.id(), self.id());
        let root_dotted = format!("{}{root}", compact(start));
        let run = |id: Uuid, parent: Option<Uuid>, name: &str, run_type, at: i64| Run {
            id,
            trace_id: root,
            session_id: session,
            workspace_id: self.workspace,
            parent_run_id: parent,
            reference_example_id: None,
            reference_dataset_id: None,
            name: name.to_owned(),
            run_type,
            inputs: json!({}),
            outputs: Value::Null,
            start_time: at,
            end_time: Some(at + 1),
            error: None,
            extra: None,
            events: None,
            tags: Vec::new(),
            dotted_order: if parent.is_none() {
                root_dotted.clone()
            } else {
                format!("{root_dotted}.{}{id}", compact(at))
            },
        };
        let mut r = run(root, None, "agent", "chain", start);
        r.end_time = Some(start + 4);
        r.inputs = t.root_inputs;
        r.outputs = t.root_outputs;
        r.extra = Some(t.root_extra);
        r.events = Some(t.root_events);
        let mut l = run(llm, Some(root), "ChatOpenAI", "llm", start + 1);
        l.inputs = t.llm_inputs;
        l.outputs = t.llm_outputs;
        let mut x = run(tool, Some(root), "crm_lookup", "tool", start + 2);
        x.inputs = json!({"query": "open orders"});
        match t.tool_error {
            Some(e) => x.error = Some(e),
            None => x.outputs = json!({"orders": []}),
        }
        self.runs.runs.extend([r, l, x]);
        root
    }

    /// An experiment trace of an example: a root referencing it, with its inputs, and an
    /// LLM run with a prompt built from them; the root's id.
    fn experiment_trace(
        &mut self,
        session: Uuid,
        example: (Uuid, Uuid),
        inputs: &Value,
        start: i64,
    ) -> Uuid {
        let (root, llm) = (self.id(), self.id());
        let root_dotted = format!("{}{root}", compact(start));
        let base = Run {
            id: root,
            trace_id: root,
            session_id: session,
            workspace_id: self.workspace,
            parent_run_id: None,
            reference_example_id: Some(example.0),
            reference_dataset_id: Some(example.1),
            name: "target".into(),
            run_type: "chain",
            inputs: inputs.clone(),
            outputs: json!({"answer": "A generated answer."}),
            start_time: start,
            end_time: Some(start + 3),
            error: None,
            extra: Some(json!({"metadata": {"example_version": "latest"}})),
            events: None,
            tags: Vec::new(),
            dotted_order: root_dotted.clone(),
        };
        let child = Run {
            id: llm,
            parent_run_id: Some(root),
            reference_example_id: None,
            reference_dataset_id: None,
            name: "ChatOpenAI".into(),
            run_type: "llm",
            inputs: json!({"messages": [{"role": "user",
                "content": format!("Answer using the context: {inputs}")}]}),
            outputs: json!({"generations": [[{"text": "A generated answer."}]]}),
            start_time: start + 1,
            end_time: Some(start + 2),
            extra: None,
            dotted_order: format!("{root_dotted}.{}{llm}", compact(start + 1)),
            ..base.clone()
        };
        self.runs.runs.extend([base, child]);
        root
    }

    fn feedback(&mut self, run: Uuid, key: &str, fields: Value) -> Uuid {
        let id = self.id();
        let r = self
            .runs
            .runs
            .iter()
            .find(|r| r.id == run)
            .expect("a seeded run");
        let f = Feedback {
            id,
            workspace_id: self.workspace,
            run_id: Some(run),
            trace_id: Some(r.trace_id),
            session_id: Some(r.session_id),
            key: key.to_owned(),
            fields: fields.as_object().cloned().unwrap_or_default(),
            created_at: r.start_time + 60,
        };
        self.runs.feedback.push(f);
        id
    }
}

/// Seeds the person workspace into `workspace` (which must be one of the store's) at
/// `now` (Unix seconds), and returns the record of where the person is.
pub(crate) fn seed(
    store: &mut Store,
    runs: &mut Runs,
    workspace: Uuid,
    now: i64,
    scale: PersonScale,
) -> Result<PersonCopies, String> {
    let ws_index = store
        .workspace_index(workspace)
        .ok_or("the person workspace needs a workspace")?;
    let mut s = Seeder {
        store,
        runs,
        workspace,
        now,
        rng: fastrand::Rng::with_seed(SEED),
    };
    let copies_per_dataset = scale.copies.min(scale.examples_per_dataset);
    let copies_per_project = scale.copies.min(scale.runs_per_project);
    let holds = |i: usize, n: usize| n == 1 || i + 1 < n;

    // Tracing projects, and in those holding the person, its traces spread among others'.
    let mut project_ids = Vec::new();
    let mut person_roots: Vec<Vec<Uuid>> = Vec::new();
    let mut other_roots: Vec<Vec<Uuid>> = Vec::new();
    for p in 0..scale.projects {
        let session = s.session(numbered(&PROJECT_NAMES, p), None, now - 61 * 86_400);
        project_ids.push(session);
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        let person_here = if holds(p, scale.projects) {
            copies_per_project
        } else {
            0
        };
        let stride = scale.runs_per_project / person_here.max(1);
        for k in 0..scale.runs_per_project {
            let start = s.start(k + p);
            let at = crate::time::rfc3339(start);
            let person_k = (k % stride.max(1) == 0).then(|| k / stride.max(1));
            match person_k.filter(|j| *j < person_here) {
                Some(j) => {
                    let t = TraceSpec::person(p * copies_per_project + j, k, &at);
                    mine.push(s.trace(session, t, start));
                }
                None => {
                    let t = TraceSpec::other(PEOPLE[(p + k) % PEOPLE.len()], k, &at);
                    theirs.push(s.trace(session, t, start));
                }
            }
        }
        person_roots.push(mine);
        other_roots.push(theirs);
    }
    let root_holding = |runs: &Runs, roots: &[Uuid], skip: Option<Uuid>| {
        roots.iter().copied().find(|r| {
            Some(*r) != skip
                && runs
                    .runs
                    .iter()
                    .any(|x| x.id == *r && run_holds_identifier(x))
        })
    };
    let all_person_roots: Vec<Uuid> = person_roots.iter().flatten().copied().collect();
    let all_other_roots: Vec<Uuid> = other_roots.iter().flatten().copied().collect();
    let source_holding = root_holding(s.runs, &all_person_roots, None);
    let source_holding_too = root_holding(s.runs, &all_person_roots, source_holding);
    let source_clean = all_other_roots.first().copied();

    // Datasets and their examples.
    let mut dataset_ids = Vec::new();
    let mut dataset_examples: Vec<Vec<(Uuid, Content, bool)>> = Vec::new();
    let made = now - 80 * 86_400;
    for d in 0..scale.datasets {
        let id = s.id();
        let index = s
            .store
            .add_dataset(Dataset {
                id,
                name: numbered(&DATASET_NAMES, d),
                workspace: ws_index,
                created_at: made + d as i64,
                description: Some("Seeded by the person workspace".into()),
                metadata: crate::store::dataset_metadata(),
                deleted: false,
                data_type: "kv",
                inputs_schema: None,
                outputs_schema: None,
            })
            .map_err(str::to_owned)?;
        dataset_ids.push(id);
        let person_here = if holds(d, scale.datasets) {
            copies_per_dataset
        } else {
            0
        };
        let mut new = Vec::new();
        let mut listed = Vec::new();
        for k in 0..scale.examples_per_dataset {
            let example = s.id();
            let mine = k < person_here;
            let content = if mine {
                person_example(d * copies_per_dataset + k)
            } else {
                other_example(PEOPLE[(d + k) % PEOPLE.len()], k)
            };
            // The first person's example of the first dataset was made from a trace that
            // holds an identifier, that of the second from one that does not; the last
            // example of the last dataset (someone else's) from a trace that does.
            let source_run_id = match (d, k) {
                (0, 0) if mine => source_holding,
                (1, 0) if mine => source_clean,
                _ if d + 1 == scale.datasets && k + 1 == scale.examples_per_dataset && !mine => {
                    source_holding_too
                }
                _ => None,
            };
            new.push(NewExample {
                id: example,
                dataset: index,
                created_at: (made + 60 * (d * scale.examples_per_dataset + k) as i64)
                    * crate::time::MICROS,
                content: content.clone(),
                source_run_id,
                attachments: Vec::new(),
            });
            listed.push((example, content, mine));
        }
        s.store.add_examples(new);
        dataset_examples.push(listed);
    }

    // Experiments over the datasets holding the person (at most 3).
    let mut experiment_roots: Vec<(Uuid, Uuid)> = Vec::new();
    let experiment_datasets: Vec<usize> = (0..scale.datasets)
        .filter(|d| holds(*d, scale.datasets) && copies_per_dataset > 0)
        .take(3)
        .collect();
    for d in experiment_datasets {
        let session = s.session(
            format!("{}-experiment-1", numbered(&DATASET_NAMES, d)),
            Some(dataset_ids[d]),
            now - 55 * 86_400,
        );
        for (k, (example, content, mine)) in dataset_examples[d].clone().into_iter().enumerate() {
            let start = s.start(k + 1).max(now - 54 * 86_400);
            let root =
                s.experiment_trace(session, (example, dataset_ids[d]), &content.inputs, start);
            if mine {
                experiment_roots.push((session, root));
            }
        }
    }

    // Feedback: naming the person on the person's traces and on others'; on an experiment
    // trace; naming no one or someone else.
    for p in 0..scale.projects {
        if let Some(r) = person_roots[p].first().copied() {
            s.feedback(
                r,
                "user_score",
                json!({"score": 0, "comment": format!("{} said the answer was wrong", IDENTIFIERS[1])}),
            );
        }
        if let Some(r) = person_roots[p].get(1).copied() {
            s.feedback(r, "correctness", json!({"score": 1}));
        }
        if let Some(r) = other_roots[p].first().copied() {
            let correction = if holds(p, scale.projects) {
                json!({"answer": format!("Send it to {}", IDENTIFIERS[0])})
            } else {
                json!({"answer": "Send it by post."})
            };
            s.feedback(r, "correction", json!({"correction": correction}));
        }
        if let Some(r) = other_roots[p].get(1).copied() {
            s.feedback(
                r,
                "user_score",
                json!({"score": 1, "comment": format!("{} asked for a callback", OTHER[1])}),
            );
        }
        if let Some(r) = other_roots[p].get(2).copied() {
            s.feedback(r, "helpfulness", json!({"score": 1, "comment": "fine"}));
        }
    }
    if let Some((_, r)) = experiment_roots.first().copied() {
        s.feedback(
            r,
            "reviewer_note",
            json!({"comment": format!("checked {} manually", IDENTIFIERS[2])}),
        );
    }

    // Share links: the person's trace and dataset; someone else's trace and a dataset
    // without the person.
    for (run, days) in [
        (all_person_roots.first().copied(), 20),
        (all_other_roots.last().copied(), 19),
    ] {
        if let Some(r) = run {
            let token = s.id();
            s.runs.shares.insert(r, (token, now - days * 86_400));
        }
    }
    let decoy = dataset_ids.last().filter(|_| scale.datasets > 1).copied();
    for (dataset, days) in [(dataset_ids.first().copied(), 18), (decoy, 17)] {
        if let Some(d) = dataset {
            let token = s.id();
            s.runs
                .dataset_shares
                .insert(d, (token, now - days * 86_400));
        }
    }

    // A rule adding a person project's runs to a person dataset, and a bulk export.
    if let (Some(project), Some(dataset)) = (project_ids.first().copied(), dataset_ids.first()) {
        let id = s.id();
        let created = crate::time::rfc3339(now - 30 * 86_400);
        let rule = json!({
            "id": id.to_string(),
            "tenant_id": workspace.to_string(),
            "is_enabled": true,
            "session_id": project.to_string(),
            "session_name": numbered(&PROJECT_NAMES, 0),
            "dataset_id": null,
            "dataset_name": null,
            "display_name": "Escalations to the regression dataset",
            "sampling_rate": 1.0,
            "filter": "and(eq(is_root, true), search(\"escalation\"))",
            "trace_filter": null,
            "tree_filter": null,
            "add_to_annotation_queue_id": null,
            "add_to_annotation_queue_name": null,
            "add_to_dataset_id": dataset.to_string(),
            "add_to_dataset_name": numbered(&DATASET_NAMES, 0),
            "add_to_dataset_prefer_correction": false,
            "corrections_dataset_id": null,
            "use_corrections_dataset": false,
            "num_few_shot_examples": null,
            "evaluators": null,
            "code_evaluators": null,
            "alerts": null,
            "webhooks": [],
            "extend_only": false,
            "include_extended_stats": false,
            "created_at": created,
            "updated_at": created,
            "backfill_from": null,
            "evaluator_version": 1,
        });
        s.runs.rules.push((workspace, rule));
        let id = s.id();
        let destination = s.id();
        let export = json!({
            "bulk_export_destination_id": destination.to_string(),
            "session_id": project.to_string(),
            "start_time": crate::time::rfc3339(now - 60 * 86_400),
            "end_time": null,
            "filter": null,
            "format": "Parquet",
            "format_version": "v1",
            "compression": "gzip",
            "interval_hours": 24,
            "export_fields": null,
            "id": id.to_string(),
            "tenant_id": workspace.to_string(),
            "status": "IntervalScheduled",
            "created_at": created,
            "updated_at": created,
            "finished_at": null,
            "source_bulk_export_id": null,
        });
        s.runs.exports.push((workspace, export));
    }
    Ok(record(store, runs, workspace, None))
}

/// Where the person is now in `workspace` (see [`PersonCopies`]). With the seed's record,
/// the person's examples and places are those of the seed (an example hard-deleted since
/// still makes the traces referencing it copies).
pub(crate) fn record(
    store: &Store,
    runs: &Runs,
    workspace: Uuid,
    seed: Option<&PersonCopies>,
) -> PersonCopies {
    let mut out = PersonCopies::default();
    let mut example_source: Vec<(Uuid, Uuid)> = Vec::new();
    for (id, ws) in store.all() {
        if ws != workspace {
            continue;
        }
        let Some(i) = store.index(&id) else { continue };
        let ds = &store.datasets[store.dataset_index_at(i) as usize];
        if ds.deleted {
            continue;
        }
        if let Some(run) = store.source_run_id(i) {
            example_source.push((id, run));
        }
        let holds = (0..store.version_count(i))
            .filter_map(|v| store.content(i, v))
            .any(|c| {
                holds_identifier(&c.inputs)
                    || holds_identifier(&c.outputs)
                    || holds_identifier(&c.metadata)
            });
        if holds {
            out.examples.entry(ds.id).or_default().insert(id);
        }
    }
    let person_examples: HashSet<Uuid> = match seed {
        Some(s) => s.example_ids().into_iter().collect(),
        None => out.example_ids().into_iter().collect(),
    };
    let mut holding: HashSet<Uuid> = HashSet::new();
    let mut trace_of: HashMap<Uuid, (Uuid, Uuid)> = HashMap::new();
    for r in runs.runs.iter().filter(|r| r.workspace_id == workspace) {
        trace_of.insert(r.id, (r.session_id, r.trace_id));
        if run_holds_identifier(r) {
            out.traces
                .entry(r.session_id)
                .or_default()
                .insert(r.trace_id);
            holding.insert(r.id);
        }
        if r.reference_example_id
            .is_some_and(|e| person_examples.contains(&e))
        {
            out.experiment_traces
                .entry(r.session_id)
                .or_default()
                .insert(r.trace_id);
        }
    }
    for (example, run) in example_source {
        if holding.contains(&run) {
            out.source_runs.insert(example, run);
        }
    }
    let exposed = out.all_traces();
    let exposes = |run: &Uuid| {
        trace_of
            .get(run)
            .is_some_and(|(s, t)| exposed.get(s).is_some_and(|ts| ts.contains(t)))
    };
    for f in runs.feedback.iter().filter(|f| f.workspace_id == workspace) {
        let names = ["comment", "correction"]
            .iter()
            .any(|k| f.fields.get(*k).is_some_and(holds_identifier));
        if names {
            out.feedback.insert(f.id);
        }
    }
    out.shared_runs = runs.shares.keys().filter(|r| exposes(r)).copied().collect();
    out.shared_datasets = runs
        .dataset_shares
        .keys()
        .filter(|d| store.live_dataset(workspace, **d).is_some() && out.examples.contains_key(d))
        .copied()
        .collect();
    // Places of the person: where the seed found them (or finds them now).
    let places = seed.unwrap_or(&out);
    let sessions: HashSet<Uuid> = places.all_traces().keys().copied().collect();
    let datasets: HashSet<Uuid> = places.examples.keys().copied().collect();
    let names_place = |v: &Value, fields: &[&str]| {
        fields.iter().any(|f| {
            v[*f]
                .as_str()
                .and_then(|s| Uuid::try_parse(s).ok())
                .is_some_and(|id| sessions.contains(&id) || datasets.contains(&id))
        })
    };
    let id_of = |v: &Value| v["id"].as_str().and_then(|s| Uuid::try_parse(s).ok());
    out.rules = runs
        .rules
        .iter()
        .filter(|(ws, r)| {
            *ws == workspace && names_place(r, &["session_id", "dataset_id", "add_to_dataset_id"])
        })
        .filter_map(|(_, r)| id_of(r))
        .collect();
    out.exports = runs
        .exports
        .iter()
        .filter(|(ws, e)| *ws == workspace && names_place(e, &["session_id"]))
        .filter_map(|(_, e)| id_of(e))
        .collect();
    out
}
