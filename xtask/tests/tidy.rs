//! Tidy checks (as rust-analyzer's `xtask/src/tidy.rs` keeps them): rules of the code's
//! shape that a review would otherwise have to remember.
//!
//! - The CLI (`crates/langsmith-cli/src`) is in layers, bottom up: `util`, `model`,
//!   `ops`, `present`, `cmd`, and the crate root (`main.rs`). A module names only its own
//!   layer and those below (through `crate::`, `super::` or `self::` paths).
//! - No import circle among the modules of the crates in [`NO_CIRCLE`] (a module is a
//!   file; an edge is a path in its code that names another module, or an item the crate
//!   root re-exports from one; the crate root itself, which declares and re-exports the
//!   modules, is left out: the CLI's layering check keeps modules from naming it).
//! - Only the CLI's `present` layer prints (`println!`, `eprintln!`, `print!`, `eprint!`,
//!   `dbg!`, `stdout()`, `stderr()`).
//! - No `allow(clippy::too_many_arguments)` in hand-written code (files marked
//!   `linguist-generated` in `.gitattributes` are generated), beyond the ratchet below.
//!
//! The module-graph code is tested on small fake graphs at the end of this file, so a
//! check that can no longer fail shows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Crates (their `src`) whose modules must hold no import circle. Add a crate here. (On
/// the facade of f11bf09 this reported its two circles: client <-> config <-> profile and
/// read <-> select; on the stand-in of b18b45b, one of eleven modules.)
const NO_CIRCLE: &[&str] = &[
    "crates/langsmith-cli/src",
    "crates/langsmith/src",
    "crates/langsmith-mock/src",
];

/// The CLI's layers, lowest first; the crate root is above them all.
const CLI_LAYERS: &[&str] = &["util", "model", "ops", "present", "cmd"];

/// `allow(clippy::too_many_arguments)` that predate this check, per file: the count may
/// only go down (a file whose count fell must be updated here, so it cannot come back).
/// None is left.
const TOO_MANY_ARGUMENTS_RATCHET: &[(&str, usize)] = &[];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn cli_layers_point_down_only() {
    let graph = ModuleGraph::of_dir(&workspace().join("crates/langsmith-cli/src"));
    assert!(
        graph.edges.contains_key("ops::traces") && graph.edges.contains_key("present::term"),
        "the CLI's modules were not found: {:?}",
        graph.edges.keys()
    );
    let back = graph.back_arrows(cli_layer);
    assert!(
        back.is_empty(),
        "a lower layer names a higher one (layers, lowest first: {CLI_LAYERS:?}, then the crate root):\n{}",
        lines(back.iter().map(|(a, b)| format!("{a} -> {b}")))
    );
}

#[test]
fn no_import_circle() {
    for dir in NO_CIRCLE {
        let graph = ModuleGraph::of_dir(&workspace().join(dir)).without_root();
        let circles = graph.circles();
        assert!(
            circles.is_empty(),
            "{dir}: import circles:\n{}",
            lines(circles.iter().map(|c| c.join(" <-> ")))
        );
    }
}

#[test]
fn only_the_presentation_layer_prints() {
    let src = workspace().join("crates/langsmith-cli/src");
    let mut found = Vec::new();
    for file in rust_files(&src) {
        let rel = file.strip_prefix(&src).unwrap();
        if rel.starts_with("present") {
            continue;
        }
        let code = strip(&std::fs::read_to_string(&file).unwrap());
        for (line, what) in printing(&code) {
            found.push(format!("{}:{line}: {what}", rel.display()));
        }
    }
    assert!(
        found.is_empty(),
        "printing outside present/:\n{}",
        lines(found)
    );
}

#[test]
fn no_allow_too_many_arguments_in_hand_written_code() {
    let root = workspace();
    let generated = generated_files(&root);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for dir in ["crates", "xtask", "tests"] {
        for file in rust_files(&root.join(dir)) {
            let rel = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if generated.contains(&rel) {
                continue;
            }
            let code = strip(&std::fs::read_to_string(&file).unwrap());
            let n = allows_too_many_arguments(&code);
            if n > 0 {
                counts.insert(rel, n);
            }
        }
    }
    let ratchet: BTreeMap<String, usize> = TOO_MANY_ARGUMENTS_RATCHET
        .iter()
        .map(|(f, n)| (f.to_string(), *n))
        .collect();
    assert_eq!(
        counts, ratchet,
        "allow(clippy::too_many_arguments) found (left) differs from the ratchet (right): pass a struct instead; where one was removed, lower the ratchet"
    );
}

fn cli_layer(module: &str) -> usize {
    if module == ROOT {
        return CLI_LAYERS.len();
    }
    let top = module.split("::").next().unwrap();
    CLI_LAYERS
        .iter()
        .position(|l| *l == top)
        .unwrap_or_else(|| panic!("module {module} is in no layer of {CLI_LAYERS:?}"))
}

fn lines(items: impl IntoIterator<Item = String>) -> String {
    items
        .into_iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The crate root's name in a graph.
const ROOT: &str = "crate";

/// Modules (one per file: `a::b` for `a/b.rs` or `a/b/mod.rs`, [`ROOT`] for `main.rs` or
/// `lib.rs`) and the modules each one's code names.
#[derive(Debug, Default)]
struct ModuleGraph {
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl ModuleGraph {
    /// The graph of a crate's `src` directory.
    fn of_dir(src: &Path) -> ModuleGraph {
        let files: Vec<(String, String)> = rust_files(src)
            .into_iter()
            .map(|f| {
                let rel = f.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                let module = if parts.len() == 1 && (parts[0] == "main" || parts[0] == "lib") {
                    ROOT.to_owned()
                } else {
                    parts.join("::")
                };
                (module, std::fs::read_to_string(&f).unwrap())
            })
            .collect();
        ModuleGraph::of_sources(&files)
    }

    /// The graph of `(module, source)` pairs.
    fn of_sources(files: &[(String, String)]) -> ModuleGraph {
        let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
        // Names the crate root re-exports (`pub use a::b::Name`): `crate::Name` is `a::b`.
        let mut reexports: BTreeMap<String, String> = BTreeMap::new();
        if let Some((_, root)) = files.iter().find(|(m, _)| m == ROOT) {
            let code = strip(root);
            for path in use_paths(&code, "pub use ") {
                if let Some(target) = resolve(&modules, ROOT, &path)
                    && target != ROOT
                    && let Some(name) = path.last()
                {
                    reexports.insert(name.clone(), target);
                }
            }
        }
        let mut graph = ModuleGraph::default();
        for (module, source) in files {
            let code = strip(source);
            let mut to = BTreeSet::new();
            for path in referenced_paths(&code) {
                let target = match resolve(&modules, module, &path) {
                    Some(t) if t == ROOT => path
                        .get(1)
                        .and_then(|name| reexports.get(name).cloned())
                        .unwrap_or(t),
                    Some(t) => t,
                    None => continue,
                };
                if &target != module {
                    to.insert(target);
                }
            }
            graph.edges.insert(module.clone(), to);
        }
        graph
    }

    /// Edges from a module to one of a higher layer.
    fn back_arrows(&self, layer: impl Fn(&str) -> usize) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (from, tos) in &self.edges {
            for to in tos {
                if layer(to) > layer(from) {
                    out.push((from.clone(), to.clone()));
                }
            }
        }
        out
    }

    /// The graph without the crate root: the root declares and re-exports every module
    /// by design, so a module that uses an item the root defines (the facade's
    /// `error_chain`) would close a circle through it. Edges to the root are what the
    /// layering check (the root is the top layer) is for.
    fn without_root(&self) -> ModuleGraph {
        ModuleGraph {
            edges: self
                .edges
                .iter()
                .filter(|(m, _)| *m != ROOT)
                .map(|(m, to)| {
                    (
                        m.clone(),
                        to.iter().filter(|t| *t != ROOT).cloned().collect(),
                    )
                })
                .collect(),
        }
    }

    /// Every set of modules that name each other in a circle (Tarjan's strongly
    /// connected components of more than one module), each sorted.
    fn circles(&self) -> Vec<Vec<String>> {
        struct Tarjan<'a> {
            graph: &'a ModuleGraph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on_stack: BTreeSet<&'a str>,
            out: Vec<Vec<String>>,
        }
        impl<'a> Tarjan<'a> {
            fn visit(&mut self, v: &'a str) {
                let i = self.index.len();
                self.index.insert(v, i);
                self.low.insert(v, i);
                self.stack.push(v);
                self.on_stack.insert(v);
                for w in self.graph.edges.get(v).into_iter().flatten() {
                    let w = w.as_str();
                    if !self.index.contains_key(w) {
                        self.visit(w);
                        let lw = self.low[w];
                        let lv = self.low.get_mut(v).unwrap();
                        *lv = (*lv).min(lw);
                    } else if self.on_stack.contains(w) {
                        let iw = self.index[w];
                        let lv = self.low.get_mut(v).unwrap();
                        *lv = (*lv).min(iw);
                    }
                }
                if self.low[v] == self.index[v] {
                    let mut component = Vec::new();
                    loop {
                        let w = self.stack.pop().unwrap();
                        self.on_stack.remove(w);
                        component.push(w.to_owned());
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort();
                        self.out.push(component);
                    }
                }
            }
        }
        let mut t = Tarjan {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            out: Vec::new(),
        };
        for v in self.edges.keys() {
            if !t.index.contains_key(v.as_str()) {
                t.visit(v);
            }
        }
        t.out.sort();
        t.out
    }
}

/// The module a path names, seen from `from`: the longest prefix that is a module
/// (`crate::a::b::Item` is `a::b` when that is a module, else `a`; a path naming no
/// module, such as `crate::Item`, is the crate root). Other paths name no module of the
/// crate, unless they start with the name of a child module of `from`.
fn resolve(modules: &BTreeSet<&str>, from: &str, path: &[String]) -> Option<String> {
    let mut base: Vec<String> = if from == ROOT {
        Vec::new()
    } else {
        from.split("::").map(str::to_owned).collect()
    };
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        // A bare path starting with a child module's name (`mod b;` then `b::X`).
        Some(first) if modules.contains(child(from, first).as_str()) => {}
        _ => return None,
    }
    let mut best = if base.is_empty() {
        ROOT.to_owned()
    } else {
        base.join("::")
    };
    let mut cur = base;
    for seg in rest {
        cur.push(seg.clone());
        let name = cur.join("::");
        if modules.contains(name.as_str()) {
            best = name;
        } else {
            break;
        }
    }
    Some(best)
}

/// The module `name` declared in `parent`.
fn child(parent: &str, name: &str) -> String {
    if parent == ROOT {
        name.to_owned()
    } else {
        format!("{parent}::{name}")
    }
}

/// Every path in `code` (`a::b...`, `crate::...`, `super::...`), with `{...}` groups
/// expanded: `crate::{a::X, b::{Y, Z}}` is three paths. A path inside an inline module
/// (`mod tests { use super::*; }`) starts with one `super` per enclosing inline module
/// removed: it names what the same path names in the file's own module.
fn referenced_paths(code: &str) -> Vec<Vec<String>> {
    let tokens = tokens(code);
    let mut out = Vec::new();
    // Brace depths at which inline modules opened.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "{" => {
                if i >= 2 && tokens[i - 2] == "mod" {
                    inline.push(depth);
                }
                depth += 1;
            }
            "}" => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        // A path: an identifier (`crate`, `super`, `self` or a name) followed by `::`,
        // not in the middle of another path (`pub(crate)` and `&self` are no paths).
        let starts = tokens[i].chars().next().is_some_and(is_ident_start)
            && tokens.get(i + 1).is_some_and(|t| t == "::")
            && (i == 0 || tokens[i - 1] != "::");
        if starts {
            let (paths, next) = use_tree(&tokens, i, Vec::new());
            for mut path in paths {
                for _ in 0..inline.len() {
                    if path.first().is_some_and(|s| s == "super") {
                        path[0] = "self".to_owned();
                        if path.get(1).is_some_and(|s| s == "super") {
                            path.remove(0);
                        }
                    }
                }
                out.push(path);
            }
            // Braces inside a use group are not blocks.
            i = next.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The paths of every `prefix` (such as `pub use `) statement.
fn use_paths(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let end = after.find(';').unwrap_or(after.len());
        let tokens = tokens(&after[..end]);
        if !tokens.is_empty() {
            out.extend(use_tree(&tokens, 0, Vec::new()).0);
        }
        rest = &after[end..];
    }
    out
}

/// Parses a use tree at `tokens[i]` (`a::b`, `a::{b, c::d}`, `a::*`), returning its
/// paths (each after `prefix`) and the index after it.
fn use_tree(tokens: &[String], mut i: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix;
    loop {
        match tokens.get(i).map(String::as_str) {
            Some("{") => {
                let mut out = Vec::new();
                i += 1;
                while i < tokens.len() && tokens[i] != "}" {
                    if tokens[i] == "," {
                        i += 1;
                        continue;
                    }
                    let (paths, next) = use_tree(tokens, i, path.clone());
                    out.extend(paths);
                    i = next.max(i + 1);
                }
                return (out, i + 1);
            }
            Some(t) if t.chars().next().is_some_and(is_ident_start) => {
                path.push(t.to_owned());
                i += 1;
                if tokens.get(i).is_some_and(|t| t == "::") {
                    i += 1;
                    continue;
                }
                return (vec![path], i);
            }
            // `*`, or anything else: the path so far.
            _ => return (vec![path], i + 1),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Identifiers, `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_ident_start(c) {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".to_owned());
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// `code` with comments, string literals and char literals blanked out (line breaks
/// kept, so line numbers hold).
fn strip(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let blank = |out: &mut String, s: &[char]| {
        for c in s {
            out.push(if *c == '\n' { '\n' } else { ' ' });
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            let end = chars[i..]
                .iter()
                .position(|c| *c == '\n')
                .map_or(chars.len(), |p| i + p);
            blank(&mut out, &chars[i..end]);
            i = end;
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < chars.len() && depth > 0 {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &chars[i..j]);
            i = j;
        } else if !prev_ident && (c == 'r' || (c == 'b' && next == Some('r'))) && {
            let k = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = chars[k..].iter().take_while(|c| **c == '#').count();
            chars.get(k + hashes) == Some(&'"')
        } {
            let k = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = chars[k..].iter().take_while(|c| **c == '#').count();
            let body = k + hashes + 1;
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let mut j = body;
            while j < chars.len() && !chars[j..].starts_with(&close) {
                j += 1;
            }
            let end = (j + close.len()).min(chars.len());
            blank(&mut out, &chars[i..end]);
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(chars.len());
            blank(&mut out, &chars[i..end]);
            i = end;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), else a lifetime.
            let end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|c| *c == '\'')
                    .map(|p| i + 2 + p + 1)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut out, &chars[i..end]);
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `(line, what)` for each print macro or `stdout()`/`stderr()` call in stripped code.
fn printing(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let t = tokens(line);
        for w in t.windows(2) {
            let hit = matches!(
                (w[0].as_str(), w[1].as_str()),
                ("println" | "eprintln" | "print" | "eprint" | "dbg", "!")
                    | ("stdout" | "stderr", "(")
            );
            if hit {
                out.push((n + 1, format!("{}{}", w[0], w[1])));
            }
        }
    }
    out
}

/// How many `allow(clippy::too_many_arguments)` (or `expect(...)`) stripped code holds.
fn allows_too_many_arguments(code: &str) -> usize {
    let t = tokens(code);
    t.windows(6)
        .filter(|w| {
            matches!(w[0].as_str(), "allow" | "expect")
                && w[1] == "("
                && w[2] == "clippy"
                && w[3] == "::"
                && w[4] == "too_many_arguments"
        })
        .count()
}

/// Files `.gitattributes` marks `linguist-generated` (workspace-relative).
fn generated_files(root: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(root.join(".gitattributes"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("linguist-generated"))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// `.rs` files under `dir`, sorted, skipping `target` directories.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name()
                    .is_some_and(|n| n != "target" && n != "node_modules")
                {
                    todo.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

// The checks themselves, on small fakes: each must catch what it is for.

fn fake(files: &[(&str, &str)]) -> ModuleGraph {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(m, s)| (m.to_string(), s.to_string()))
        .collect();
    ModuleGraph::of_sources(&files)
}

#[test]
fn a_circle_and_a_back_arrow_are_caught() {
    let g = fake(&[
        (
            "crate",
            "mod util; mod ops; mod cmd; fn main() { cmd::run(); }",
        ),
        ("util", "pub fn f() {}"),
        // ops names cmd (a higher layer) and cmd names ops: a circle and a back arrow.
        (
            "ops",
            "use crate::cmd::Thing; pub fn g() { crate::util::f(); }",
        ),
        ("cmd", "use crate::{ops::g, util};\npub struct Thing;"),
    ]);
    assert_eq!(g.circles(), vec![vec!["cmd".to_owned(), "ops".to_owned()]]);
    assert_eq!(g.without_root().circles(), g.circles());
    // A module naming an item the root defines closes a circle through the root; the
    // layering check reports that back arrow, the circle check leaves the root out.
    let r = fake(&[
        ("crate", "mod m; pub use m::X; pub fn helper() {}"),
        ("m", "pub struct X; fn f() { crate::helper(); }"),
    ]);
    assert_eq!(r.circles(), vec![vec!["crate".to_owned(), "m".to_owned()]]);
    assert!(r.without_root().circles().is_empty());
    assert_eq!(
        r.back_arrows(|m| usize::from(m == ROOT)),
        vec![("m".to_owned(), ROOT.to_owned())]
    );
    let layer = |m: &str| match m {
        "util" => 0,
        "ops" => 1,
        "cmd" => 2,
        _ => 3,
    };
    assert_eq!(
        g.back_arrows(layer),
        vec![("ops".to_owned(), "cmd".to_owned())]
    );
}

#[test]
fn paths_resolve_through_groups_super_and_reexports() {
    let g = fake(&[
        ("crate", "pub use error::Error;\nmod error; mod a;"),
        ("error", "pub struct Error;"),
        ("a", "mod b;"),
        (
            "a::b",
            "use super::super::a; fn f() -> crate::Error { let _ = super::c::X; todo!() }",
        ),
        ("a::c", "use crate::{a::{b, self}};\npub const X: u8 = 1;"),
    ]);
    let to = |m: &str| g.edges[m].iter().cloned().collect::<Vec<_>>();
    // `crate::Error` is the root's re-export of `error`, not the root.
    assert_eq!(to("a::b"), ["a", "a::c", "error"]);
    assert_eq!(to("a::c"), ["a", "a::b"]);
    assert_eq!(to("crate"), ["error"]);
    // `super` inside an inline module is the file's own module: no edge.
    let t = fake(&[
        ("x", "mod tests { use super::*; use super::super::y::Z; }"),
        ("y", ""),
    ]);
    assert_eq!(t.edges["x"].iter().collect::<Vec<_>>(), ["y"]);
    assert_eq!(
        g.circles(),
        vec![vec!["a::b".to_owned(), "a::c".to_owned()]]
    );
}

#[test]
fn comments_and_strings_neither_hide_nor_fake_code() {
    let code = strip(
        "// println!(\"x\")\nlet s = \"eprintln!(crate::cmd)\"; let r = r#\"dbg!(\"#;\n/* print!( */ let c = '\"'; eprintln!(\"real\");\nfn f<'a>(x: &'a str) {}",
    );
    assert_eq!(printing(&code), vec![(3, "eprintln!".to_owned())]);
    assert!(referenced_paths(&code).is_empty(), "{code}");
    assert_eq!(code.lines().count(), 4);
    let allow = "#[allow(clippy::too_many_arguments)]\nfn f() {}\n// #[allow(clippy::too_many_arguments)]\nconst S: &str = \"allow(clippy::too_many_arguments)\";";
    assert_eq!(allows_too_many_arguments(&strip(allow)), 1);
}
