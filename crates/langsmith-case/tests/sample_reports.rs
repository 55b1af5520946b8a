//! Reports of release 0.1.0 still load: samples written by that release's binary (run
//! once against its embedded stand-in, ids and times as they came) are read by type, and
//! what the model holds is judged against the raw JSON of the same files.

use langsmith::Uuid;
use langsmith_case::evidence::{
    self, Document, LoadErrorKind, Phase, RunsApi, SCHEMA, State, TargetId, TraceKeyRow,
};
use serde_json::Value;
use std::collections::BTreeSet;

fn sample(name: &str) -> (Vec<u8>, Value) {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let raw: Value = serde_json::from_slice(&bytes).unwrap();
    (bytes, raw)
}

const DELETION: &str = "main-2026-12-04/hard-delete-ids-with-runs-verify.json";
const DRY_RUN: &str = "main-2026-12-04/hard-delete-selection-dry-run.json";
const VERIFY: &str = "main-2026-12-04/verify-ids.json";
/// Before the v2 runs query: its runs lookups record no API, window or datasets.
const DELETION_F11BF09: &str = "f11bf09/hard-delete-ids-with-runs-verify.json";
const ALL: [&str; 4] = [DELETION, DRY_RUN, VERIFY, DELETION_F11BF09];

fn uuids(v: &Value) -> Vec<Uuid> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn the_samples_are_of_release_0_1_and_have_no_schema() {
    for name in ALL {
        let (_, raw) = sample(name);
        assert_eq!(raw["version"], "0.1.0", "{name}");
        assert!(raw.get("schema").is_none(), "{name}");
    }
}

/// Whether `new` holds every field of `old` with its value, and beyond them only
/// `schema` at the top and, in a runs `lookup` that lacked them, `runs_api` and `window`
/// null and `datasets` empty. Differences are pushed to `out` by their place.
fn holds(old: &Value, new: &Value, at: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in o {
                match n.get(k) {
                    Some(nv) => holds(v, nv, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}: dropped")),
                }
            }
            for (k, v) in n.iter().filter(|(k, _)| !o.contains_key(*k)) {
                let added = match (at, k.as_str()) {
                    ("", "schema") => v.as_u64() == Some(u64::from(SCHEMA)),
                    (l, "runs_api" | "window") if l.ends_with(".lookup") => v.is_null(),
                    (l, "datasets") if l.ends_with(".lookup") => *v == serde_json::json!([]),
                    _ => false,
                };
                if !added {
                    out.push(format!("{at}.{k}: added as {v}"));
                }
            }
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => {
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                holds(a, b, &format!("{at}[{i}]"), out);
            }
        }
        _ if old == new => {}
        _ => out.push(format!("{at}: {old} became {new}")),
    }
}

#[test]
fn every_field_of_an_old_report_is_kept_by_the_model() {
    // Loaded and written again, each sample is itself plus `schema` (and the runs
    // lookup's fields it predates, empty): no field dropped, renamed or reshaped.
    for name in ALL {
        let (bytes, raw) = sample(name);
        let doc = evidence::load(&bytes).unwrap();
        let again = match &doc {
            Document::Deletion(r) => {
                assert_eq!(r.schema, SCHEMA);
                serde_json::to_value(r).unwrap()
            }
            Document::Verify(r) => {
                assert_eq!(r.schema, SCHEMA);
                serde_json::to_value(r).unwrap()
            }
        };
        let mut diff = Vec::new();
        holds(&raw, &again, "", &mut diff);
        assert!(diff.is_empty(), "{name}:\n{}", diff.join("\n"));
    }
    // The check itself: a value changed, a field dropped, one added, each is caught.
    let (_, raw) = sample(DELETION);
    for (mutate, place) in [
        (
            Box::new(|v: &mut Value| v["plan"]["batches"] = 2.into()) as Box<dyn Fn(&mut Value)>,
            ".plan.batches: 1 became 2",
        ),
        (
            Box::new(|v: &mut Value| {
                v["runs"]["lookup"].as_object_mut().unwrap().remove("pages");
            }),
            ".runs.lookup.pages: dropped",
        ),
        (
            Box::new(|v: &mut Value| v["runs"]["lookup"]["extra"] = true.into()),
            ".runs.lookup.extra: added as true",
        ),
    ] {
        let mut changed = raw.clone();
        mutate(&mut changed);
        let mut diff = Vec::new();
        holds(&raw, &changed, "", &mut diff);
        assert_eq!(diff, [place]);
    }
}

#[test]
fn a_deletion_report_reads_back_its_ids_and_requested_traces() {
    let (bytes, raw) = sample(DELETION);
    let Document::Deletion(r) = evidence::load(&bytes).unwrap() else {
        panic!("not read as a deletion report");
    };
    // Every id of every outcome, from the raw document.
    let mut want: BTreeSet<Uuid> = BTreeSet::new();
    for (_, list) in raw["ids"].as_object().unwrap() {
        want.extend(uuids(list));
    }
    assert_eq!(r.all_ids(), want.into_iter().collect::<Vec<_>>());
    assert_eq!(
        r.all_ids().len() as u64,
        raw["unique_ids"].as_u64().unwrap()
    );
    let requested: BTreeSet<TraceKeyRow> = raw["runs"]["traces"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["outcome"] == "deletion_requested")
        .map(|t| TraceKeyRow {
            session_id: t["session_id"].as_str().unwrap().parse().unwrap(),
            trace_id: t["trace_id"].as_str().unwrap().parse().unwrap(),
        })
        .collect();
    assert!(!requested.is_empty());
    assert_eq!(
        r.requested_traces().into_iter().collect::<BTreeSet<_>>(),
        requested
    );
    assert_eq!(r.envelope.started_at, raw["started_at"].as_str().unwrap());
    assert_eq!(r.envelope.ticket.as_deref(), raw["ticket"].as_str());
    // The runs lookup as recorded, typed.
    let lookup = &r.runs.as_ref().unwrap().lookup;
    let raw_lookup = &raw["runs"]["lookup"];
    assert_eq!(
        serde_json::to_value(lookup.runs_api).unwrap(),
        raw_lookup["runs_api"]
    );
    assert_eq!(lookup.datasets, uuids(&raw_lookup["datasets"]));
    let (min, max) = lookup.window.as_ref().unwrap().parse().unwrap();
    assert!(min < max);

    // Before the v2 runs query, the lookup recorded none of that.
    let (bytes, raw) = sample(DELETION_F11BF09);
    assert!(raw["runs"]["lookup"].get("runs_api").is_none());
    let Document::Deletion(r) = evidence::load(&bytes).unwrap() else {
        panic!()
    };
    let lookup = &r.runs.as_ref().unwrap().lookup;
    assert_eq!((lookup.runs_api, &lookup.window), (None, &None));
    assert!(lookup.datasets.is_empty());
    assert_eq!(r.requested_traces().len() as u64, n_requested(&raw));
}

fn n_requested(raw: &Value) -> u64 {
    raw["runs"]["totals"]["deletion_requested"]
        .as_u64()
        .unwrap()
}

#[test]
fn targets_give_one_state_per_target_and_phase() {
    let (bytes, raw) = sample(DELETION);
    let Document::Deletion(r) = evidence::load(&bytes).unwrap() else {
        panic!()
    };
    let targets = r.targets();
    let count = |phase: Phase, f: &dyn Fn(&State) -> bool| {
        targets
            .iter()
            .filter(|t| t.phase == phase && f(&t.state))
            .count() as u64
    };
    let n = |v: &Value| v.as_u64().unwrap();
    assert_eq!(
        count(Phase::Deletion, &|s| *s == State::Deleted),
        n(&raw["totals"]["deleted"])
    );
    assert_eq!(
        count(Phase::Verification, &|s| *s == State::Erased),
        n(&raw["verification"]["totals"]["erased"])
    );
    assert_eq!(
        count(Phase::Runs, &|s| *s == State::DeletionRequested),
        n(&raw["runs"]["totals"]["deletion_requested"])
    );
    assert_eq!(
        count(Phase::RunsVerification, &|s| *s == State::Gone),
        raw["runs_verification"]["gone"].as_array().unwrap().len() as u64
    );
    assert!(targets.iter().all(|t| match t.id {
        TargetId::Example(_) => matches!(t.phase, Phase::Deletion | Phase::Verification),
        TargetId::Trace { .. } => matches!(t.phase, Phase::Runs | Phase::RunsVerification),
        TargetId::Run(_) => t.phase == Phase::Runs,
    }));

    // A dry run's selection: every selected id not attempted.
    let (bytes, raw) = sample(DRY_RUN);
    let Document::Deletion(r) = evidence::load(&bytes).unwrap() else {
        panic!()
    };
    assert!(r.dry_run);
    let not_attempted = r
        .targets()
        .iter()
        .filter(|t| t.state == State::NotAttempted)
        .count() as u64;
    assert_eq!(
        not_attempted,
        raw["selection"]["selected"].as_u64().unwrap()
    );

    // A verify report is read as one, with its states.
    let (bytes, raw) = sample(VERIFY);
    let Document::Verify(v) = evidence::load(&bytes).unwrap() else {
        panic!("not read as a verify report")
    };
    let not_erased = v
        .targets()
        .iter()
        .filter(|t| matches!(t.state, State::NotErased { .. }))
        .count() as u64;
    assert_eq!(
        not_erased,
        raw["verification"]["totals"]["not_erased"]
            .as_u64()
            .unwrap()
    );
}

#[test]
fn what_is_not_a_report_of_this_schema_is_refused_with_its_place() {
    let (_, raw) = sample(DELETION);
    let load = |v: &Value| evidence::load(&serde_json::to_vec(v).unwrap());

    let mut broken = raw.clone();
    broken["ids"]["deleted"][1] = "not-a-uuid".into();
    let e = load(&broken).unwrap_err();
    assert_eq!(e.kind(), LoadErrorKind::Invalid);
    assert_eq!(e.to_string(), "ids.deleted[1]: not a UUID");
    assert!(std::error::Error::source(&e).is_some(), "the cause is kept");

    let mut outcome = raw.clone();
    outcome["runs"]["traces"][0]["outcome"] = "gone".into();
    let e = load(&outcome).unwrap_err();
    assert!(e.to_string().starts_with("runs.traces[0].outcome:"), "{e}");

    let mut newer = raw.clone();
    newer["schema"] = (SCHEMA + 1).into();
    assert_eq!(load(&newer).unwrap_err().kind(), LoadErrorKind::NewerSchema);

    let mut other = raw.clone();
    other["tool"] = "something-else".into();
    assert_eq!(load(&other).unwrap_err().kind(), LoadErrorKind::NotOurs);

    let mut neither = raw.clone();
    for k in ["ids", "verification"] {
        neither.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(
        load(&neither).unwrap_err().kind(),
        LoadErrorKind::UnknownKind
    );
    assert_eq!(
        evidence::load(b"{").unwrap_err().kind(),
        LoadErrorKind::NotJson
    );
}

#[test]
fn a_schema_2_report_loads_as_written() {
    let (bytes, _) = sample(DELETION);
    let Document::Deletion(mut r) = evidence::load(&bytes).unwrap() else {
        panic!()
    };
    // The sample says v1; make it v2.
    r.runs.as_mut().unwrap().lookup.runs_api = Some(RunsApi::V2);
    let written = serde_json::to_vec(&r).unwrap();
    let raw: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(raw["schema"], SCHEMA);
    assert_eq!(raw["runs"]["lookup"]["runs_api"], "v2");
    assert_eq!(evidence::load(&written).unwrap(), Document::Deletion(r));
}
