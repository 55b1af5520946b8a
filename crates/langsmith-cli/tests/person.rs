//! A person across a whole workspace: `case open/find/erase/verify` against the stand-in's
//! person workspace (examples in several datasets, production traces of several projects,
//! experiment traces, source runs, feedback comments, share links, a rule and an export,
//! among other people's data). Judged by the stand-in's own record of where it put the
//! person ([`langsmith_mock::MockServer::person_copies`] before, `person_left` after),
//! never by the tool's own counts; no identifier in any output or file of the case.

mod common;
use common::*;
use langsmith_mock::person::{IDENTIFIERS, OTHER};
use langsmith_mock::{Faults, Lies, MockServer};
use serde_json::Value;
use std::collections::BTreeSet;
use uuid::Uuid;

const KEY: &str = "lsv2_sk_PERSONSECRET_5e6f7a8b";

async fn env(faults: Faults) -> Env {
    let server = MockServer::builder()
        .api_key(KEY)
        .faults(faults)
        .person_workspace()
        .start()
        .await
        .unwrap();
    Env::with(server, KEY)
}

fn matches() -> Vec<String> {
    IDENTIFIERS
        .iter()
        .flat_map(|i| ["--match".to_owned(), (*i).to_owned()])
        .collect()
}

/// Runs `case SUB CASE --match ...` (and `extra`).
async fn case(env: &Env, sub: &str, extra: &[&str]) -> std::process::Output {
    let dir = env.path("case");
    let mut args: Vec<String> = vec!["case".into(), sub.into(), dir.to_str().unwrap().into()];
    if sub == "open" {
        args.extend(["--ticket".into(), "DSR-7".into()]);
    }
    if sub != "show" {
        args.extend(matches());
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = env.run(&args).await;
    assert_clean(env, &o);
    o
}

/// Output and every file of the case hold no identifier of the person (nor of the
/// other one), in any case.
fn assert_clean(env: &Env, o: &std::process::Output) {
    let (out, err) = text(o);
    let mut texts = vec![out, err];
    if let Ok(dir) = std::fs::read_dir(env.path("case")) {
        for e in dir {
            texts.push(
                String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned(),
            );
        }
    }
    for t in texts {
        let t = t.to_lowercase();
        for i in IDENTIFIERS.iter().chain(OTHER.iter()) {
            assert!(!t.contains(&i.to_lowercase()), "an identifier leaked");
        }
    }
}

fn case_json(env: &Env) -> Value {
    serde_json::from_slice(&std::fs::read(env.path("case").join("case.json")).unwrap()).unwrap()
}

/// The ids of the case's items of `place` in one of `states` (all states when empty).
fn items(case: &Value, place: &str, states: &[&str]) -> BTreeSet<Uuid> {
    case["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["place"] == place)
        .filter(|i| states.is_empty() || states.contains(&i["state"].as_str().unwrap()))
        .map(|i| i["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

fn traces_found(case: &Value) -> BTreeSet<Uuid> {
    ["experiment_traces", "traces", "source_runs"]
        .iter()
        .flat_map(|p| items(case, p, &["found"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_finds_every_copy_erase_takes_exactly_those_and_verify_closes() {
    let env = env(Faults::default()).await;
    let seeded = env.server.person_copies();
    assert!(!seeded.is_erased(), "the person workspace seeds the person");
    // A public link of a child run of one of the person's traces (not its root, not a
    // run holding the text itself): its trace makes it a copy.
    let runs_before = env.server.runs();
    let traces: BTreeSet<Uuid> = seeded.traces.values().flatten().copied().collect();
    let child = runs_before
        .iter()
        .find(|r| {
            r.id != r.trace_id
                && traces.contains(&r.trace_id)
                && !langsmith_mock::person::run_holds_identifier(r)
        })
        .expect("a child run of a person's trace");
    let shared = reqwest::Client::new()
        .put(format!(
            "{}/api/v1/runs/{}/share",
            env.server.url(),
            child.id
        ))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert!(shared.status().is_success(), "{}", shared.status());
    let child_run = child.id;

    let o = case(&env, "open", &[]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let o = case(&env, "find", &["--scan"]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let c = case_json(&env);

    // Every copy the stand-in put there is found.
    let examples = items(&c, "examples", &["found"]);
    assert_eq!(examples, seeded.example_ids(), "examples");
    let want_traces: BTreeSet<Uuid> = seeded.all_traces().values().flatten().copied().collect();
    let source_traces: BTreeSet<Uuid> = seeded
        .source_runs
        .values()
        .map(|run| runs_before.iter().find(|r| r.id == *run).unwrap().trace_id)
        .collect();
    let found = traces_found(&c);
    assert!(
        want_traces.is_subset(&found),
        "traces: missing {:?}",
        want_traces.difference(&found).collect::<Vec<_>>()
    );
    assert!(source_traces.is_subset(&found), "source runs' traces");
    assert_eq!(
        items(&c, "feedback", &["found"]),
        seeded.feedback,
        "feedback"
    );
    let shares = items(&c, "shares", &["found"]);
    for s in seeded.shared_runs.iter().chain(&seeded.shared_datasets) {
        assert!(shares.contains(s), "share link {s} not found");
    }
    assert!(
        shares.contains(&child_run),
        "the child run's link not found"
    );
    // Nothing of another person's is found: every found trace is the person's.
    let theirs: BTreeSet<Uuid> = want_traces.union(&source_traces).copied().collect();
    assert!(
        found.is_subset(&theirs),
        "found traces that are not the person's"
    );
    assert_eq!(c["state"], "found");
    let warnings = c["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("rule")),
        "the rule is a warning"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("bulk export")),
        "the export is a warning"
    );
    assert!(c["not_searched"].as_array().unwrap().is_empty());

    let o = case(&env, "erase", &["--yes"]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let o = case(&env, "verify", &[]).await;
    let c = case_json(&env);
    let open: Vec<&Value> = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !["erased", "gone", "excluded"].contains(&i["state"].as_str().unwrap()))
        .collect();
    assert_eq!(o.status.code(), Some(0), "{:?} {open:#?}", text(&o));
    assert_eq!(c["state"], "closed");

    // The stand-in's own record: nothing of the person left; nothing of anyone else touched.
    let left = env.server.person_left();
    assert!(left.is_erased(), "left: {left:?}");
    assert!(
        env.server
            .touched_outside(&seeded.example_ids().into_iter().collect())
            .is_empty(),
        "an example of someone else was deleted"
    );
    let deleted: BTreeSet<Uuid> = env
        .server
        .deleted_traces()
        .iter()
        .map(|(_, t)| *t)
        .collect();
    assert!(
        deleted.is_subset(&theirs),
        "a trace of someone else was deleted"
    );
    let other_runs_before = runs_before
        .iter()
        .filter(|r| !theirs.contains(&r.trace_id))
        .count();
    let other_runs_after = env
        .server
        .runs()
        .iter()
        .filter(|r| !theirs.contains(&r.trace_id))
        .count();
    assert_eq!(other_runs_before, other_runs_after, "other people's runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_search_misses_long_values_and_the_case_says_it_cannot_prove_absence() {
    let env = env(Faults::default()).await;
    let seeded = env.server.person_copies();
    case(&env, "open", &[]).await;
    let o = case(&env, "find", &[]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let c = case_json(&env);
    let found = traces_found(&c);
    let want: BTreeSet<Uuid> = seeded.traces.values().flatten().copied().collect();
    // What it found is the person's; what the index cannot see is missed.
    let theirs: BTreeSet<Uuid> = seeded.all_traces().values().flatten().copied().collect();
    assert!(
        found
            .iter()
            .all(|t| theirs.contains(t) || !want.contains(t))
    );
    assert!(
        !want.is_subset(&found),
        "the seed puts the person past 250 characters, where search() cannot see"
    );
    let warnings = c["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("--scan")),
        "a search without --scan says it cannot prove absence: {warnings:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_that_ignores_its_filter_deletes_nothing_of_anyone_else() {
    let env = env(Faults {
        lies: Lies {
            runs_v2_search_ignores_filter: true,
            ..Lies::default()
        },
        ..Faults::default()
    })
    .await;
    let seeded = env.server.person_copies();
    let runs_before = env.server.runs();
    case(&env, "open", &[]).await;
    let o = case(&env, "find", &[]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let c = case_json(&env);
    assert!(
        !items(&c, "traces", &["excluded"]).is_empty(),
        "the runs the filter should have left out are excluded here"
    );
    // Every run listed is counted once: it passed the check here or was refused (rows,
    // as the listing gives them, not traces); the listing was every run of the window.
    let place = c["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["place"] == "traces")
        .unwrap();
    let answered = &place["answered"];
    let n = |k: &str| answered[k].as_u64().unwrap();
    assert_eq!(n("listed"), n("matched") + n("excluded"), "{answered}");
    assert_eq!(n("listed"), runs_before.len() as u64, "{answered}");
    let o = case(&env, "erase", &["--yes"]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let theirs: BTreeSet<Uuid> = seeded
        .all_traces()
        .values()
        .flatten()
        .copied()
        .chain(
            seeded
                .source_runs
                .values()
                .map(|run| runs_before.iter().find(|r| r.id == *run).unwrap().trace_id),
        )
        .collect();
    let deleted: BTreeSet<Uuid> = env
        .server
        .deleted_traces()
        .iter()
        .map(|(_, t)| *t)
        .collect();
    assert!(!deleted.is_empty());
    assert!(
        deleted.is_subset(&theirs),
        "a trace of someone else was deleted"
    );
}

/// `erase` and `verify` of a case never searched are refused as usage (exit 2) before
/// anything is sent: an erase that "found nothing to erase" would read as success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erase_and_verify_before_find_are_refused_and_send_nothing() {
    let env = env(Faults::default()).await;
    case(&env, "open", &[]).await;
    let before = env.server.requests().len();
    for (sub, extra) in [
        ("erase", &["--yes"][..]),
        ("erase", &["--dry-run"][..]),
        ("verify", &[][..]),
    ] {
        let o = case(&env, sub, extra).await;
        assert_eq!(o.status.code(), Some(2), "{sub}: {:?}", text(&o));
        assert!(
            text(&o).1.contains("run `case find` first"),
            "{sub}: {:?}",
            text(&o)
        );
    }
    assert_eq!(env.server.requests().len(), before, "nothing was sent");
    assert_eq!(case_json(&env)["state"], "open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feedback_delete_that_answers_404_leaves_the_case_in_attention() {
    let env = env(Faults {
        lies: Lies {
            feedback_delete_404: true,
            ..Lies::default()
        },
        ..Faults::default()
    })
    .await;
    let seeded = env.server.person_copies();
    case(&env, "open", &[]).await;
    case(&env, "find", &["--scan"]).await;
    let o = case(&env, "erase", &["--yes"]).await;
    assert_eq!(o.status.code(), Some(1), "an item failed: {:?}", text(&o));
    let c = case_json(&env);
    assert_eq!(items(&c, "feedback", &["failed"]), seeded.feedback);
    let o = case(&env, "verify", &[]).await;
    let c = case_json(&env);
    assert_eq!(c["state"], "attention", "{:?}", text(&o));
    assert_ne!(o.status.code(), Some(0));
    // What the lie kept is still there (feedback of deleted traces went with them).
    let left = env.server.person_left().feedback;
    assert!(
        !left.is_empty() && left.is_subset(&seeded.feedback),
        "{left:?}"
    );
}

/// LangSmith lists a hard-deleted example no more (the official SDK's own `test_datasets`
/// counts one example fewer after a hard delete). The read-back then reads each one as of
/// when the case found it: null at every version is the proof of the hard delete, and the
/// case closes; an example soft-deleted instead (removed from the listing, its data kept)
/// reads back with data there, and is never called erased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_deleted_examples_no_longer_listed_read_back_erased_as_of_when_found() {
    let server = MockServer::builder()
        .api_key(KEY)
        .hard_deleted_unlisted(true)
        .person_workspace()
        .start()
        .await
        .unwrap();
    let env = Env::with(server, KEY);
    let seeded = env.server.person_copies();
    case(&env, "open", &[]).await;
    let o = case(&env, "find", &["--scan"]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    // One of the person's examples is soft-deleted after the find, through the API (as a
    // user removing it by hand would): no longer listed, its data kept.
    let soft = *seeded.example_ids().iter().next().unwrap();
    let r = reqwest::Client::new()
        .delete(format!("{}/api/v1/examples/{soft}", env.server.url()))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let o = case(&env, "erase", &["--yes"]).await;
    let c = case_json(&env);
    assert_eq!(
        items(&c, "examples", &["failed"]),
        [soft].into(),
        "{:?}",
        text(&o)
    );
    let reason = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == soft.to_string())
        .unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("still holds data"), "{reason}");
    let o = case(&env, "verify", &[]).await;
    let c = case_json(&env);
    let erased = items(&c, "examples", &["erased"]);
    let mut others = seeded.example_ids();
    others.remove(&soft);
    assert_eq!(erased, others, "{:?}", text(&o));
    // The hard-deleted ones are listed no more: the proof was read as of when found.
    assert!(c["items"].as_array().unwrap().iter().any(|i| {
        i["place"] == "examples"
            && i["state"] == "erased"
            && i["reason"]
                .as_str()
                .is_some_and(|r| r.contains("as of when the case found it"))
    }));
    assert_eq!(c["state"], "attention", "the soft-deleted one holds data");
    assert_ne!(o.status.code(), Some(0));
}
