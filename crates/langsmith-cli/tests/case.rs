//! `case open`, `case find`, `case show` end to end against the stand-in. Expected ids
//! from the stand-in's record; dates from the GDPR one-month rule; no identifier in any
//! output or any file of the case.

mod common;
use common::*;
use langsmith_mock::MockServer;
use serde_json::Value;
use std::collections::BTreeSet;
use uuid::Uuid;

const KEY: &str = "lsv2_sk_CASESECRET_0a1b2c3d";
const MARKER: &str = "jane.doe@example.com";
const OTHER: &str = "Jane Q. Doe";

impl Env {
    async fn case() -> Env {
        Env::case_with(langsmith_mock::Faults::default()).await
    }

    async fn case_with(faults: langsmith_mock::Faults) -> Env {
        let server = MockServer::builder()
            .api_key(KEY)
            .marker(MARKER, 9)
            .experiment_sessions(2)
            .faults(faults)
            .dataset("support")
            .examples(400)
            .dataset("sales")
            .examples(300)
            .start()
            .await
            .unwrap();
        Env::with(server, KEY)
    }
}

/// Output and every file of the case directory hold no identifier (in any case).
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
        for i in [MARKER, OTHER, "jane q"] {
            assert!(!t.contains(&i.to_lowercase()), "an identifier leaked: {t}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_find_show_a_case_across_datasets() {
    let env = Env::case().await;
    let case = env.path("case");
    let case = case.to_str().unwrap();
    let ids_file = env.path("ids.txt");
    std::fs::write(&ids_file, format!("{OTHER}\n\n{MARKER}\n")).unwrap();
    let ids_file = ids_file.to_str().unwrap();

    let o = env
        .run(&[
            "case",
            "open",
            case,
            "--ticket",
            "DSR-42",
            "--received",
            "2026-01-31",
            "--match-file",
            ids_file,
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_clean(&env, &o);
    assert_eq!(env.server.request_count(), 0, "open sends nothing");

    // Every later command needs the same identifiers: a different set is refused, exit 2,
    // nothing sent, and the message names no value.
    let o = env
        .run(&[
            "case",
            "find",
            case,
            "--match",
            MARKER,
            "--match",
            "jane.doe@example.org",
        ])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o)
            .1
            .contains("not an identifier of this case: --match #2"),
        "{:?}",
        text(&o)
    );
    assert!(!text(&o).1.contains("example.org"));
    assert_eq!(env.server.request_count(), 0);

    // Same identifiers, other order and case: found.
    let o = env
        .run(&[
            "case",
            "find",
            case,
            "--match",
            "JANE.DOE@example.com",
            "--match",
            OTHER,
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_clean(&env, &o);

    let o = env.run(&["case", "show", case, "-o", "json"]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["ticket"], "DSR-42");
    assert_eq!(doc["received"], "2026-01-31");
    assert_eq!(
        doc["deadline"], "2026-02-28",
        "one calendar month, the month's last day"
    );
    assert_eq!(doc["state"], "found");
    let found: BTreeSet<Uuid> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] == "found" && i["place"] == "examples")
        .map(|i| i["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    let in_datasets: BTreeSet<Uuid> = marked
        .iter()
        .map(|id| env.server.example(id).unwrap().dataset_id)
        .collect();
    assert_eq!(in_datasets.len(), 2);
    assert_eq!(
        found, marked,
        "every marked example of both datasets, nothing else"
    );
    let items_of = |places: &[&str]| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| places.contains(&i["place"].as_str().unwrap()))
            .count()
    };
    assert_eq!(
        items_of(&["examples", "experiment_traces"]),
        marked.len() + traces_of(&env, &marked),
        "nothing else"
    );
    // Traces found by content hold an identifier in a run, by the stand-in's record.
    let holding: BTreeSet<String> = env
        .server
        .runs()
        .iter()
        .filter(|r| {
            let text = format!("{} {}", r.inputs, r.outputs).to_lowercase();
            text.contains(MARKER) || text.contains(&OTHER.to_lowercase())
        })
        .map(|r| r.trace_id.to_string())
        .collect();
    for i in doc["items"].as_array().unwrap() {
        if i["place"] == "traces" && i["state"] == "found" {
            assert!(holding.contains(i["id"].as_str().unwrap()), "{i}");
        }
    }
    assert_eq!(doc["places"][0]["state"], "complete");
    assert_eq!(doc["places"][0]["asked"]["containers"], 2);
    assert_eq!(doc["places"][0]["asked"]["queries"], 4);
    assert!(
        marked
            .iter()
            .all(|id| env.server.hard_delete_count(id) == 0)
    );

    let o = env.run(&["case", "show", case, "-o", "markdown"]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let md = text(&o).0;
    assert!(md.starts_with("# Erasure case DSR-42\n"), "{md}");
    assert!(md.contains("| Deadline | 2026-02-28"), "{md}");
    assert!(md.contains(&format!("| {} found |", marked.len())), "{md}");
    assert!(md.contains("## Not reached by this case"), "{md}");
    assert_clean(&env, &o);
    let o = env.run(&["case", "show", case]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_clean(&env, &o);
}

/// How many traces of the stand-in reference one of `examples`.
fn traces_of(env: &Env, examples: &BTreeSet<Uuid>) -> usize {
    env.server
        .runs()
        .into_iter()
        .filter(|r| {
            r.reference_example_id
                .is_some_and(|e| examples.contains(&e))
        })
        .map(|r| r.trace_id)
        .collect::<BTreeSet<_>>()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_with_another_datasets_rows_makes_find_exit_1_in_attention() {
    let env = Env::case_with(langsmith_mock::Faults {
        lies: langsmith_mock::Lies {
            ignore_params: vec!["dataset".into()],
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let case = env.path("case");
    let case = case.to_str().unwrap();
    let o = env
        .run(&[
            "case", "open", case, "--ticket", "DSR-43", "--match", MARKER,
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let o = env.run(&["case", "find", case, "--match", MARKER]).await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(
        text(&o).0.contains("rows of another dataset"),
        "{:?}",
        text(&o)
    );
    assert!(
        text(&o).0.contains("case state: attention"),
        "{:?}",
        text(&o)
    );
    assert_clean(&env, &o);
    let o = env.run(&["case", "show", case, "-o", "markdown"]).await;
    assert!(
        text(&o).0.contains("| State | **attention** |"),
        "{:?}",
        text(&o)
    );
    assert!(text(&o).0.contains("**incomplete**"), "{:?}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2_naming_what_and_where() {
    let env = Env::case().await;
    let case = env.path("case");
    let case = case.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["case", "open", case, "--match", MARKER], "--ticket"),
        (
            &[
                "case",
                "open",
                case,
                "--ticket",
                "T",
                "--deadline",
                "2026-02-30",
                "--match",
                MARKER,
            ],
            "--deadline 2026-02-30",
        ),
        (
            &[
                "case", "open", case, "--ticket", "T", "--match", MARKER, "--match", " padded",
            ],
            "--match #2",
        ),
        (
            &[
                "case",
                "open",
                case,
                "--ticket",
                "T",
                "--match-file",
                "/nonexistent/ids",
            ],
            "--match-file /nonexistent/ids",
        ),
        (&["case", "find", case, "--match", MARKER], "does not exist"),
    ];
    for (args, names) in cases {
        let o = env.run(args).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains(names), "{args:?}: {:?}", text(&o));
        assert!(!env.path("case").exists(), "{args:?} created the case");
    }
    std::fs::write(env.path("case"), "not mine").unwrap();
    let o = env
        .run(&["case", "open", case, "--ticket", "T", "--match", MARKER])
        .await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("not a case directory"));
    assert_eq!(
        std::fs::read_to_string(env.path("case")).unwrap(),
        "not mine"
    );
    assert_eq!(env.server.request_count(), 0, "nothing sent");
}

/// `(session, trace)` of every trace the stand-in accepted a runs delete for (its own
/// record of the bodies it received).
fn requested_traces(env: &Env) -> BTreeSet<(Uuid, Uuid)> {
    let mut out = BTreeSet::new();
    for r in env.server.requests() {
        if !r.path.ends_with("/runs/delete") || r.status >= 300 {
            continue;
        }
        let body: Value = serde_json::from_slice(r.body.as_ref().unwrap()).unwrap();
        let session: Uuid = body["session_id"].as_str().unwrap().parse().unwrap();
        for t in body["trace_ids"].as_array().unwrap() {
            out.insert((session, t.as_str().unwrap().parse().unwrap()));
        }
    }
    out
}

fn traces_referencing(env: &Env, examples: &BTreeSet<Uuid>) -> BTreeSet<(Uuid, Uuid)> {
    env.server
        .runs()
        .into_iter()
        .filter(|r| {
            r.reference_example_id
                .is_some_and(|e| examples.contains(&e))
        })
        .map(|r| (r.session_id, r.trace_id))
        .collect()
}

/// open -> find -> erase -> verify through the CLI: exactly the marked examples deleted
/// and their traces requested; a dry run and an unconfirmed erase send nothing; a second
/// erase sends nothing again; a copy the case did not hold (removed from case.json: a
/// copy made after the find) is found by verify (exit 6) and taken by the next erase;
/// verify right after exits 7 naming when to look again; after the run-delete delay the
/// traces are gone and every place searched again finds nothing new, yet the case stays
/// pending (7) until a scan proves absence; after `find --scan` the next pass closes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erase_and_verify_a_case_exit_codes_and_the_stand_ins_record() {
    let delay = std::time::Duration::from_millis(1500);
    let server = MockServer::builder()
        .api_key(KEY)
        .marker(MARKER, 9)
        .experiment_sessions(2)
        .run_delete_delay(delay)
        .dataset("support")
        .examples(150)
        .dataset("sales")
        .examples(120)
        .start()
        .await
        .unwrap();
    let env = Env::with(server, KEY);
    let case_path = env.path("case");
    let case = case_path.to_str().unwrap();
    let o = env
        .run(&["case", "open", case, "--ticket", "DSR-7", "--match", MARKER])
        .await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let o = env.run(&["case", "find", case, "--match", MARKER]).await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));

    let marked: BTreeSet<Uuid> = env.server.marked_ids().into_iter().collect();
    // Before any deletion: a deleted trace's runs leave the stand-in after the delay.
    let all_traces = traces_referencing(&env, &marked);
    let later = *marked.iter().next().unwrap();
    let first: BTreeSet<Uuid> = marked.iter().copied().filter(|i| *i != later).collect();
    // A copy made after the find: the case does not hold it (nor its traces).
    let file = case_path.join("case.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let later_traces: BTreeSet<String> = traces_referencing(&env, &[later].into())
        .difference(&traces_referencing(&env, &first))
        .map(|(_, t)| t.to_string())
        .collect();
    doc["items"].as_array_mut().unwrap().retain(|i| {
        let id = i["id"].as_str().unwrap();
        id != later.to_string() && !later_traces.contains(id)
    });
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();

    // A dry run, and an erase without --yes off a terminal: nothing sent.
    let before = env.server.request_count();
    let o = env
        .run(&["case", "erase", case, "--match", MARKER, "--dry-run"])
        .await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(
        text(&o).0.contains(&format!(
            "would re-check and hard-delete {} examples",
            first.len()
        )),
        "{:?}",
        text(&o)
    );
    assert!(text(&o).0.contains("nothing was sent"));
    let o = env.run(&["case", "erase", case, "--match", MARKER]).await;
    assert_eq!(code(&o), 2, "{:?}", text(&o));
    assert!(text(&o).1.contains("--yes"), "{:?}", text(&o));
    assert_eq!(env.server.request_count(), before, "nothing sent");
    assert_clean(&env, &o);

    let o = env
        .run(&["case", "erase", case, "--match", MARKER, "--yes"])
        .await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert_clean(&env, &o);
    let deleted: BTreeSet<Uuid> = env.server.hard_deleted_ids().into_iter().collect();
    assert_eq!(deleted, first);
    assert_eq!(requested_traces(&env), traces_referencing(&env, &first));
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc["state"], "pending");
    let log = std::fs::read_to_string(case_path.join("log.jsonl")).unwrap();
    assert!(log.contains("\"state\":\"deleted\""));
    assert!(log.contains("\"state\":\"erase_requested\""));

    // Again: nothing sent again.
    let sent = env.server.requests().len();
    let o = env
        .run(&["case", "erase", case, "--match", MARKER, "--yes"])
        .await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(text(&o).0.contains("nothing to erase"), "{:?}", text(&o));
    assert!(
        env.server.requests()[sent..]
            .iter()
            .all(|r| !r.path.contains("delete")),
        "nothing deleted twice"
    );

    // verify: the copy the case did not hold is found: data left, exit 6.
    let o = env.run(&["case", "verify", case, "--match", MARKER]).await;
    assert_eq!(code(&o), 6, "{:?}", text(&o));
    assert!(text(&o).0.contains("new copies") || text(&o).0.contains("new copy"));
    assert_clean(&env, &o);
    // The next erase takes it, and only it.
    let o = env
        .run(&["case", "erase", case, "--match", MARKER, "--yes"])
        .await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let deleted: BTreeSet<Uuid> = env.server.hard_deleted_ids().into_iter().collect();
    assert_eq!(deleted, marked);
    assert!(
        marked
            .iter()
            .all(|id| env.server.hard_delete_count(id) == 1)
    );
    assert_eq!(requested_traces(&env), all_traces);

    // verify right after: the traces' deletion is queued: 7, with when to look again.
    let o = env.run(&["case", "verify", case, "--match", MARKER]).await;
    assert_eq!(code(&o), 7, "{:?}", text(&o));
    assert!(
        text(&o).0.contains("pending: verify again after "),
        "{:?}",
        text(&o)
    );
    // After the delay: traces gone, examples erased, every place searched again and
    // nothing new; but by the server's index only: pending, 7, saying how to close.
    tokio::time::sleep(delay + std::time::Duration::from_millis(200)).await;
    let o = env.run(&["case", "verify", case, "--match", MARKER]).await;
    assert_eq!(code(&o), 7, "{:?}", text(&o));
    assert!(
        text(&o).0.contains("run case find --scan"),
        "{:?}",
        text(&o)
    );
    // A scan finds nothing new; the next pass closes the case: 0.
    let o = env
        .run(&["case", "find", case, "--match", MARKER, "--scan"])
        .await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    assert!(
        text(&o).1.contains("scan: reads every example"),
        "{:?}",
        text(&o)
    );
    let o = env.run(&["case", "verify", case, "--match", MARKER]).await;
    assert_eq!(code(&o), 0, "{:?}", text(&o));
    let all = traces_referencing(&env, &marked).len();
    assert_eq!(all, 0, "the stand-in carried the deletions out");
    let (out, _) = text(&o);
    assert!(
        out.contains("0 pending (deletion queued), 0 listed and never requested"),
        "{out}"
    );
    assert!(
        out.contains(&format!("examples: {} erased", marked.len())),
        "{out}"
    );
    assert!(out.contains("case state: closed"), "{out}");
    assert_clean(&env, &o);
    assert_eq!(
        env.server.hard_deleted_count(),
        marked.len(),
        "nothing else"
    );
    let o = env.run(&["case", "show", case, "-o", "markdown"]).await;
    let (md, _) = text(&o);
    assert!(md.contains("**closed**"), "{md}");
    assert_clean(&env, &o);
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc["state"], "closed");
    assert_eq!(doc["passes"].as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_bound_to_the_langsmith_it_searched() {
    // Found at one stand-in; erase and verify pointed at another are refused before
    // anything is sent there (its ids mean nothing at another endpoint: reading them
    // back would prove nothing, and an erase there would delete what the case never saw).
    let env = Env::case().await;
    let other = Env::case().await;
    let case = env.path("case");
    let case = case.to_str().unwrap();
    let o = env
        .run(&[
            "case", "open", case, "--ticket", "DSR-45", "--match", MARKER,
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let o = env.run(&["case", "find", case, "--match", MARKER]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let before = std::fs::read(env.path("case").join("case.json")).unwrap();
    for command in [
        vec!["case", "erase", case, "--match", MARKER, "--yes"],
        vec!["case", "verify", case, "--match", MARKER],
        vec!["case", "find", case, "--match", MARKER],
    ] {
        let o = other.run(&command).await;
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{command:?}: {err}");
        assert!(
            err.contains("this case was searched at") && err.contains("nothing was sent"),
            "{err}"
        );
        assert_clean(&env, &o);
    }
    // Judged by the other stand-in's record: nothing reached it but the connection's own
    // look-ups, and nothing there was deleted; the case is as find left it.
    assert!(other.server.hard_deleted_ids().is_empty());
    assert!(other.server.deleted_traces().is_empty());
    assert!(
        other
            .server
            .requests()
            .iter()
            .all(|r| !r.path.contains("/examples") && !r.path.contains("/runs")),
        "{:?}",
        other
            .server
            .requests()
            .iter()
            .map(|r| &r.path)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        std::fs::read(env.path("case").join("case.json")).unwrap(),
        before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_into_a_reader_that_stops_early_is_no_error() {
    let env = Env::case().await;
    let case = env.path("case");
    let case_s = case.to_str().unwrap().to_owned();
    let o = env
        .run(&[
            "case", "open", &case_s, "--ticket", "DSR-46", "--match", MARKER,
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    for format in ["text", "json", "markdown"] {
        // `| head -c 1`: the reader closes after one byte.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "'{BIN}' case show '{case_s}' -o {format} | head -c 1 >/dev/null"
            ))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{format}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_search_keeps_what_the_earlier_ones_found() {
    let env = Env::case().await;
    let marked = env.server.marked_ids().len() as u64;
    let case = env.path("case");
    let case = case.to_str().unwrap();
    let o = env
        .run(&[
            "case", "open", case, "--ticket", "DSR-47", "--match", MARKER,
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    for _ in 0..2 {
        let o = env.run(&["case", "find", case, "--match", MARKER]).await;
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    }
    let doc: Value =
        serde_json::from_slice(&std::fs::read(env.path("case").join("case.json")).unwrap())
            .unwrap();
    // The first search of the examples is kept, with what it matched (the stand-in's
    // marked examples), beside the latest.
    let earlier = doc["earlier_searches"].as_array().unwrap();
    let first_examples = earlier
        .iter()
        .find(|p| p["place"] == "examples")
        .expect("the first search of the examples is kept");
    assert_eq!(first_examples["answered"]["matched"], marked);
    let o = env.run(&["case", "show", case, "-o", "markdown"]).await;
    let md = text(&o).0;
    let rows = md.lines().filter(|l| l.starts_with("| examples |")).count();
    assert_eq!(rows, 2, "{md}");
    assert_clean(&env, &o);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_named_and_exits_3_in_every_case_command() {
    let mut env = Env::case().await;
    let case = env.path("case");
    let case = case.to_str().unwrap().to_owned();
    let o = env
        .run(&[
            "case", "open", &case, "--ticket", "DSR-48", "--match", MARKER,
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let o = env.run(&["case", "find", &case, "--match", MARKER]).await;
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    env.key = "lsv2_sk_NOT_THE_KEY_0a1b2c3d";
    for command in [
        vec!["case", "find", &case, "--match", MARKER],
        vec!["case", "erase", &case, "--match", MARKER, "--yes"],
        vec!["case", "verify", &case, "--match", MARKER],
    ] {
        let o = env.run(&command).await;
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(3), "{command:?}: {err}");
        assert!(err.contains("unauthorized"), "{command:?}: {err}");
    }
    // Judged by the stand-in's record: nothing was deleted with the wrong key.
    assert!(env.server.hard_deleted_ids().is_empty());
    assert!(env.server.deleted_traces().is_empty());
}
