//! Tidy: no import circle among the facade's modules (issue 29). A module names another
//! by `crate::module`, or by a name `lib.rs` re-exports from it (`crate::Client` is
//! `client`); comments and the `#[cfg(test)] mod tests` at a file's end do not count. A
//! circle fails the test, naming its modules, so a lower module never comes to import a
//! higher one unnoticed (rust-analyzer keeps such checks in `xtask/src/tidy.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The names `lib.rs` re-exports (`pub use module::{A, B};`, `pub use module::A;`), each
/// with its module.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = lib;
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let end = rest.find(';').unwrap_or(rest.len());
        let item = &rest[..end];
        if let Some((module, names)) = item.split_once("::") {
            for name in names.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !name.is_empty() {
                    out.insert(name.to_owned(), module.trim().to_owned());
                }
            }
        }
    }
    out
}

/// The identifiers a file's code (comments and its test module left out) reaches
/// through `crate::`: `crate::a::b` gives `a`, `use crate::{a, b::C}` gives `a`, `b`, `C`.
fn crate_names(source: &str) -> BTreeSet<String> {
    let code = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for word in group[..end].split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !word.is_empty() {
                    out.insert(word.to_owned());
                }
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.insert(rest[..end].to_owned());
        }
    }
    out
}

/// The facade's module graph: each module (a file of `src/` but `lib.rs`) with the
/// modules it names.
fn facade_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let names = reexports(&lib);
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "rs") && stem != "lib" {
            files.insert(stem, std::fs::read_to_string(&path).unwrap());
        }
    }
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, source)| {
            let uses = crate_names(source)
                .into_iter()
                .filter_map(|name| {
                    if modules.contains(&name) {
                        Some(name)
                    } else {
                        names.get(&name).cloned()
                    }
                })
                .filter(|m| m != module)
                .collect();
            (module.clone(), uses)
        })
        .collect()
}

/// One circle of the graph, if there is any: its modules in order, the first repeated
/// at the end.
fn a_circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(graph, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(graph, start, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_circle_among_the_facade_modules() {
    let graph = facade_graph();
    // The graph is read, not empty: the modules everything stands on are in it.
    for (module, uses) in [
        ("read", "select"),
        ("config", "profile"),
        ("call", "client"),
    ] {
        assert!(
            graph[module].contains(uses),
            "{module} -> {uses}: {graph:?}"
        );
    }
    if let Some(circle) = a_circle(&graph) {
        panic!("an import circle: {}", circle.join(" -> "));
    }
}

#[test]
fn the_reader_sees_every_form_of_import_and_the_check_finds_a_circle() {
    let source = "use crate::a::X;\nuse crate::{b, c::Y};\n// crate::commented\nfn f() { crate::D::new(); }\n#[cfg(test)]\nmod tests { use crate::e; }\n";
    let names: Vec<String> = crate_names(source).into_iter().collect();
    assert_eq!(names, ["D", "Y", "a", "b", "c"]);
    let lib = "pub use x::{A, B};\npub use y::C;\n";
    let r = reexports(lib);
    assert_eq!(
        (r["A"].as_str(), r["B"].as_str(), r["C"].as_str()),
        ("x", "x", "y")
    );
    let graph = |edges: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(
        a_circle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    let circle = a_circle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])).unwrap();
    assert_eq!(circle, ["a", "b", "c", "a"]);
}
