//! Code generation for this workspace, usable as a library (the contract tests call it).
//!
//! `openapi/langsmith.json --(prune to openapi/operations.txt -> fixups -> progenitor -> prettyplease)--> crates/langsmith-api/src/generated.rs`

pub mod fixups;
pub mod prune;
pub mod whole;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub use fixups::Strictness;

/// The fixed fields of an OpenAPI Path Item Object that hold an operation, in the order
/// the specification lists them (OpenAPI 3.0.3 and 3.1.0, "Path Item Object"): the one
/// list every walk over a document's operations uses.
pub const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The vendored spec, relative to the workspace root.
pub const VENDORED_SPEC: &str = "openapi/langsmith.json";
/// The operations of it the generated client holds, relative to the workspace root.
pub const OPERATION_LIST: &str = "openapi/operations.txt";
/// Where the generated client goes, relative to the workspace root.
pub const GENERATED_CLIENT: &str = "crates/langsmith-api/src/generated.rs";
/// A multi-operation OpenAPI 3.1 fixture whose generated client is compiled by the tests crate.
pub const FIXTURE_SPEC: &str = "tests/fixtures/multi-operation-3.1.yaml";
/// Where that fixture's generated client goes.
pub const FIXTURE_CLIENT: &str = "tests/src/fixture_client.rs";

/// A schema of the workspace client generated as a hand-written type instead
/// (progenitor's `with_replacement`): `schema` is the component's name in the spec,
/// `rust_type` the type used in its place, `why` the reason. The contract suite reads this
/// list: a replaced schema is checked by what the replacing type promises, not property
/// by property.
#[derive(Debug, Clone, Copy)]
pub struct Replacement {
    pub schema: &'static str,
    pub rust_type: &'static str,
    pub why: &'static str,
}

/// The schemas the workspace client replaces. Both are runs as a runs query answers them,
/// which carry only the properties the query selected: `RunSchema` requires five
/// properties the client never selects (`name`, `run_type`, `dotted_order`, `status`,
/// `app_path`), so a server answering only the selection (as v2 does by contract) would
/// fail to decode; `query.RunResponse` would decode a partial run, but also every
/// property a server sent unasked, with its formats and enums. Each run is kept as the
/// object sent, and the facade decodes exactly what it selected
/// (`langsmith_api::partial::PartialRun::decode`).
pub const REPLACEMENTS: &[Replacement] = &[
    Replacement {
        schema: "RunSchema",
        rust_type: "crate::partial::PartialRun",
        why: "a v1 runs query answers the selected properties; RunSchema requires others",
    },
    Replacement {
        schema: "query.RunResponse",
        rust_type: "crate::partial::PartialRun",
        why: "a v2 runs query answers `id` and the `selects` only, by contract",
    },
    Replacement {
        schema: "RunRulesSchema",
        rust_type: "crate::partial::PartialObject",
        why: "a rule is listed for a warning: the client reads six properties, never its evaluators, alerts or enums",
    },
    Replacement {
        schema: "BulkExport",
        rust_type: "crate::partial::PartialObject",
        why: "an export is listed for a warning: the client reads four properties, never its formats or required times",
    },
    Replacement {
        schema: "FeedbackSchema",
        rust_type: "crate::partial::PartialObject",
        why: "feedback is searched for a text: the client reads six properties, never its score, value, source or enums",
    },
    Replacement {
        schema: "TracerSession",
        rust_type: "crate::partial::PartialObject",
        why: "a project is listed to search its runs: the client reads four properties, never its stats, feedback or enums",
    },
];

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

/// Any failure of generation, with what and where.
#[derive(Debug)]
pub enum GenError {
    Read(PathBuf, std::io::Error),
    /// A generated file (or its directory) that cannot be written.
    Write(PathBuf, std::io::Error),
    Parse(String, String),
    /// An operation list that does not parse, or a selector that matches nothing.
    Operations(String),
    Fixup(fixups::FixupError),
    NotOpenApi(String, String),
    Progenitor(String, String),
    /// progenitor or typify panicked: the message (no backtrace), and what was being
    /// generated when it is known (a schema or an operation).
    Panic {
        path: String,
        message: String,
        culprit: Option<String>,
    },
    Format(String, String),
}

impl std::fmt::Display for GenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenError::Read(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            GenError::Write(p, e) => write!(f, "cannot write {}: {e}", p.display()),
            GenError::Parse(p, e) => write!(f, "{p}: not valid YAML or JSON: {e}"),
            GenError::Operations(e) => write!(f, "{e}"),
            GenError::Fixup(e) => write!(f, "{e}"),
            GenError::NotOpenApi(p, e) => {
                write!(
                    f,
                    "{p}: after fixups, not an OpenAPI 3.0 document progenitor can read: {e}"
                )
            }
            GenError::Progenitor(p, e) => write!(f, "{p}: progenitor refused it: {e}"),
            GenError::Panic {
                path,
                message,
                culprit,
            } => {
                write!(f, "{path}: the generator panicked")?;
                if let Some(c) = culprit {
                    write!(f, " on {c}")?;
                }
                write!(f, ": {message}")
            }
            GenError::Format(p, e) => write!(f, "{p}: generated code does not parse: {e}"),
        }
    }
}

impl std::error::Error for GenError {}

/// Which client to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// The workspace's `langsmith-api`: hooks into `crate::hooks` for per-request auth
    /// headers and response metadata, with `crate::RequestDefaults` as the inner type.
    Workspace,
    /// A standalone client crate (`--spec PATH --out DIR`, the test fixture): no hooks.
    Standalone,
}

/// A parsed spec document, before fixups.
pub struct SpecSource {
    /// How the banner names the file (a workspace-relative path when it is one).
    pub display_path: String,
    pub text: String,
    pub sha256: String,
}

impl SpecSource {
    pub fn read(path: &Path, display_path: impl Into<String>) -> Result<Self, GenError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| GenError::Read(path.to_path_buf(), e))?;
        Ok(Self::from_text(text, display_path))
    }

    pub fn from_text(text: String, display_path: impl Into<String>) -> Self {
        let sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
        SpecSource {
            display_path: display_path.into(),
            text,
            sha256,
        }
    }

    /// The same document pruned to the operations of `list` (see [`prune`]), still named
    /// by the original file's path and sha256: the banner records what was vendored.
    pub fn pruned(&self, list: &[prune::Selector]) -> Result<(Self, prune::Kept), GenError> {
        self.pruned_from(&self.to_value()?, list)
    }

    /// [`SpecSource::pruned`] with the document already parsed (`doc`, this source's
    /// [`SpecSource::to_value`]).
    fn pruned_from(
        &self,
        doc: &Value,
        list: &[prune::Selector],
    ) -> Result<(Self, prune::Kept), GenError> {
        let (doc, kept) = prune::prune(doc, list)
            .map_err(|e| GenError::Operations(format!("{}: {e}", self.display_path)))?;
        let text = serde_json::to_string_pretty(&doc).expect("json");
        Ok((
            SpecSource {
                display_path: self.display_path.clone(),
                text,
                sha256: self.sha256.clone(),
            },
            kept,
        ))
    }

    /// The document as JSON (YAML is a superset; a JSON file is read as JSON, faster).
    pub fn to_value(&self) -> Result<Value, GenError> {
        if self.text.trim_start().starts_with('{')
            && let Ok(v) = serde_json::from_str::<Value>(&self.text)
        {
            return Ok(v);
        }
        serde_saphyr::from_str::<Value>(&self.text)
            .map_err(|e| GenError::Parse(self.display_path.clone(), e.to_string()))
    }
}

/// The result of generation: the file's text and what the fixups did.
pub struct Generated {
    pub code: String,
    pub applied: Vec<fixups::Applied>,
}

/// Generates the client module for `source`.
pub fn generate(
    source: &SpecSource,
    flavor: Flavor,
    strictness: Strictness,
) -> Result<Generated, GenError> {
    let original = source.to_value()?;
    generate_value(source, &original, flavor, strictness)
}

/// Runs `f`, turning a panic into its message (printed nowhere: no backtrace).
fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    use std::sync::{Arc, Mutex};
    // The panic hook is global: one catcher at a time.
    static HOOK: Mutex<()> = Mutex::new(());
    let _guard = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let message: Arc<Mutex<Option<String>>> = Arc::default();
    let slot = message.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let at = info
            .location()
            .map(|l| {
                format!(
                    " (at {}:{})",
                    l.file().rsplit("/src/").next().unwrap_or(l.file()),
                    l.line()
                )
            })
            .unwrap_or_default();
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{payload}{at}"));
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|_| {
        message
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(|| "a panic".into())
    })
}

/// [`generate`] for a document already parsed (`source` names it in messages and the
/// banner).
pub fn generate_value(
    source: &SpecSource,
    original: &Value,
    flavor: Flavor,
    strictness: Strictness,
) -> Result<Generated, GenError> {
    let mut doc = original.clone();
    let applied = fixups::apply_all(&mut doc, strictness).map_err(GenError::Fixup)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .map_err(|e| GenError::NotOpenApi(source.display_path.clone(), e.to_string()))?;
    let client = client_tokens(source, &spec, flavor)?;
    let facts = spec_facts(source, original, &doc);
    let tokens = quote! {
        #client
        #facts
    };
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| GenError::Format(source.display_path.clone(), e.to_string()))?;
    let body = prettyplease::unparse(&file);
    let code = format!("{}{}", banner(source), body).replace("\r\n", "\n");
    Ok(Generated { code, applied })
}

/// Whether progenitor generates a client for `original` (after the fixups), without
/// formatting it: the cheap trial [`whole`] runs per operation and per schema.
pub fn trial(source: &SpecSource, original: &Value) -> Result<(), GenError> {
    let mut doc = original.clone();
    fixups::apply_all(&mut doc, Strictness::Lenient).map_err(GenError::Fixup)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc)
        .map_err(|e| GenError::NotOpenApi(source.display_path.clone(), e.to_string()))?;
    client_tokens(source, &spec, Flavor::Standalone).map(|_| ())
}

/// progenitor's tokens for a (repaired) document; a panic becomes [`GenError::Panic`].
fn client_tokens(
    source: &SpecSource,
    spec: &openapiv3::OpenAPI,
    flavor: Flavor,
) -> Result<TokenStream, GenError> {
    let mut settings = progenitor::GenerationSettings::new();
    // Named arguments: each parameter is set by its name (`.limit(..).offset(..)`), so an
    // upstream reorder of same-typed parameters cannot silently shift their meaning (as
    // oxide.rs generates its SDK).
    settings.with_interface(progenitor::InterfaceStyle::Builder);
    if flavor == Flavor::Workspace {
        // The contract suite compares each generated type's schemars schema with the
        // spec. A standalone client goes without: typify 0.8 writes schemars-0.8-style
        // `JsonSchema` impls for integer enums, which schemars 1 does not compile.
        settings
            .with_derive("schemars::JsonSchema")
            .with_inner_type(quote!(crate::RequestDefaults))
            .with_pre_hook(quote!(crate::hooks::pre))
            .with_post_hook(quote!(crate::hooks::post));
        for r in REPLACEMENTS {
            // typify looks a replacement up by the schema's name as it names the type.
            settings.with_replacement(
                typify_name(r.schema),
                r.rust_type,
                [progenitor::TypeImpl::Default].into_iter(),
            );
        }
    }
    let mut generator = progenitor::Generator::new(&settings);
    catch_panic(|| generator.generate_tokens(spec))
        .map_err(|message| GenError::Panic {
            path: source.display_path.clone(),
            message,
            culprit: None,
        })?
        .map_err(|e| GenError::Progenitor(source.display_path.clone(), e.to_string()))
}

/// The name typify gives a component schema's type (`query.RunResponse` ->
/// `QueryRunResponse`): words split at non-alphanumerics, each capitalised.
pub fn typify_name(schema: &str) -> String {
    schema
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn banner(source: &SpecSource) -> String {
    format!(
        "// @generated by `cargo xtask generate` from {} (sha256 {}).\n\
         // Do not edit: change the spec or xtask/src, then run `cargo xtask generate`.\n\n",
        source.display_path, source.sha256
    )
}

/// Reads the sha256 the banner of a generated file records.
pub fn banner_sha256(code: &str) -> Option<&str> {
    let first = code.lines().next()?;
    let start = first.find("(sha256 ")? + "(sha256 ".len();
    first.get(start..start + 64)
}

/// `examples.DeleteExamplesRequest` -> `examples_delete_examples_request`
fn module_name(schema_name: &str) -> proc_macro2::Ident {
    let mut name = fixups::snake_case(schema_name);
    if name.is_empty() {
        name = "unnamed".into();
    }
    format_ident!("{}", name)
}

/// The `spec` module: facts of the document the generated types cannot carry.
fn spec_facts(source: &SpecSource, original: &Value, doc: &Value) -> TokenStream {
    let sha = &source.sha256;
    let path = &source.display_path;
    let openapi = original
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("");

    // Operations: method, path, operationId (as generated), documented statuses, security.
    let mut operations = Vec::new();
    let mut operation_mods = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (p, item) in paths {
            for method in HTTP_METHODS {
                let Some(op) = item.get(method) else { continue };
                let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
                let method_upper = method.to_uppercase();
                let mut statuses: Vec<u16> = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
                    .unwrap_or_default();
                statuses.sort_unstable();
                let security: Vec<TokenStream> = op
                    .get("security")
                    .or_else(|| doc.get("security"))
                    .and_then(Value::as_array)
                    .map(|reqs| {
                        reqs.iter()
                            .map(|req| {
                                let names: Vec<&str> = req
                                    .as_object()
                                    .map(|m| m.keys().map(String::as_str).collect())
                                    .unwrap_or_default();
                                quote!(&[#(#names),*])
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                // The query parameters, by the names the builder's setters carry.
                let query: Vec<&str> = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                    .filter_map(|p| p.get("name").and_then(Value::as_str))
                    .collect();
                operations.push(quote! {
                    Operation {
                        operation_id: #id,
                        method: #method_upper,
                        path: #p,
                        statuses: &[#(#statuses),*],
                        security: &[#(#security),*],
                        query_parameters: &[#(#query),*],
                    }
                });
                if !id.is_empty() {
                    let m = module_name(id);
                    let prefix = version_prefix(p);
                    let mut params = Vec::new();
                    for param in op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let (Some(name), Some(schema)) = (
                            param.get("name").and_then(Value::as_str),
                            param.get("schema"),
                        ) else {
                            continue;
                        };
                        let consts = constraint_consts(schema);
                        if consts.is_empty() {
                            continue;
                        }
                        let pm = module_name(name);
                        let doc_line = format!("Constraints of the parameter `{name}`.");
                        params.push(quote! {
                            #[doc = #doc_line]
                            pub mod #pm { #(#consts)* }
                        });
                    }
                    let doc_line = format!("`{method_upper} {p}`.");
                    operation_mods.push(quote! {
                        #[doc = #doc_line]
                        pub mod #m {
                            /// The HTTP method.
                            pub const METHOD: &str = #method_upper;
                            /// The path as the spec writes it.
                            pub const PATH: &str = #p;
                            /// The path's API version prefix (`/v1`, `/api/v1`), which an
                            /// endpoint that already ends in `/v1` must not repeat.
                            pub const VERSION_PREFIX: &str = #prefix;
                            /// Per parameter: the constraints the generated signature
                            /// does not enforce.
                            pub mod parameters { #(#params)* }
                        }
                    });
                }
            }
        }
    }

    // Security schemes.
    let mut schemes = Vec::new();
    let mut scheme_mods = Vec::new();
    if let Some(map) = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, s) in map {
            let kind = s.get("type").and_then(Value::as_str).unwrap_or("");
            let location = s.get("in").and_then(Value::as_str).unwrap_or("");
            let header = s.get("name").and_then(Value::as_str).unwrap_or("");
            let scheme = s.get("scheme").and_then(Value::as_str).unwrap_or("");
            schemes.push(quote! {
                SecurityScheme { name: #name, kind: #kind, location: #location, parameter_name: #header, scheme: #scheme }
            });
            let m = module_name(name);
            let doc_line = format!("The security scheme `{name}` ({kind}).");
            scheme_mods.push(quote! {
                #[doc = #doc_line]
                pub mod #m {
                    /// Its name in the document.
                    pub const NAME: &str = #name;
                    /// For `apiKey`: the header (or parameter) name; empty otherwise.
                    pub const PARAMETER_NAME: &str = #header;
                    /// For `http`: `bearer`, `basic`, ...; empty otherwise.
                    pub const SCHEME: &str = #scheme;
                }
            });
        }
    }

    // Per-schema, per-property constraints.
    let mut schema_mods = Vec::new();
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            let mut props = Vec::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (prop, ps) in properties {
                    let consts = constraint_consts(ps);
                    if consts.is_empty() {
                        continue;
                    }
                    let m = module_name(prop);
                    let doc_line = format!("Constraints of `{name}.{prop}`.");
                    props.push(quote! {
                        #[doc = #doc_line]
                        pub mod #m { #(#consts)* }
                    });
                }
            }
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if props.is_empty() && required.is_empty() {
                continue;
            }
            let m = module_name(name);
            let doc_line = format!("Constraints of the schema `{name}`.");
            schema_mods.push(quote! {
                #[doc = #doc_line]
                pub mod #m {
                    /// The properties the schema requires.
                    pub const REQUIRED: &[&str] = &[#(#required),*];
                    #(#props)*
                }
            });
        }
    }

    quote! {
        /// Facts of the OpenAPI document that the generated types cannot carry
        /// (progenitor drops `minItems`/`maxItems`, string formats and `securitySchemes`).
        /// Read these instead of restating the spec's numbers by hand.
        pub mod spec {
            /// The spec file this client was generated from.
            pub const PATH: &str = #path;
            /// sha256 of that file.
            pub const SHA256: &str = #sha;
            /// Its `openapi` version as published (before in-memory fixups).
            pub const OPENAPI_VERSION: &str = #openapi;

            /// One operation of the document.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Operation {
                /// As generated (synthesized by a fixup when upstream has none).
                pub operation_id: &'static str,
                pub method: &'static str,
                pub path: &'static str,
                /// Documented response statuses.
                pub statuses: &'static [u16],
                /// Alternative security requirements, each a list of scheme names.
                pub security: &'static [&'static [&'static str]],
                /// The query parameters, in the spec's order: the generated call has a
                /// setter of each name and sends it under that name.
                pub query_parameters: &'static [&'static str],
            }

            /// Every operation of the document.
            pub const OPERATIONS: &[Operation] = &[#(#operations),*];

            /// A security scheme of the document.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct SecurityScheme {
                pub name: &'static str,
                /// `apiKey`, `http`, ...
                pub kind: &'static str,
                /// For `apiKey`: `header`, `query` or `cookie`.
                pub location: &'static str,
                /// For `apiKey`: the header (or parameter) name.
                pub parameter_name: &'static str,
                /// For `http`: `bearer`, `basic`, ...
                pub scheme: &'static str,
            }

            /// Every security scheme of the document.
            pub const SECURITY_SCHEMES: &[SecurityScheme] = &[#(#schemes),*];

            /// Each security scheme by name: an upstream rename fails to compile.
            pub mod security_schemes { #(#scheme_mods)* }

            /// Each operation by its (generated) operation id: an upstream rename fails
            /// to compile.
            pub mod operations { #(#operation_mods)* }

            /// Per schema, per property: the constraints the generated types do not enforce.
            pub mod schemas { #(#schema_mods)* }
        }
    }
}

/// The API version prefix a path starts with: `/v1` or `/api/v1` (any `vN`); empty when
/// it has none.
fn version_prefix(path: &str) -> String {
    let mut end = 0;
    for segment in path.split('/').skip(1) {
        let is_version = segment.len() > 1
            && segment.starts_with('v')
            && segment[1..].bytes().all(|b| b.is_ascii_digit());
        end += 1 + segment.len();
        if is_version {
            return path[..end].to_owned();
        }
        if segment != "api" {
            break;
        }
    }
    String::new()
}

fn constraint_consts(schema: &Value) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (key, ident) in [
        ("minItems", "MIN_ITEMS"),
        ("maxItems", "MAX_ITEMS"),
        ("minLength", "MIN_LENGTH"),
        ("maxLength", "MAX_LENGTH"),
    ] {
        if let Some(n) = schema.get(key).and_then(Value::as_u64) {
            let n = n as usize;
            let ident = format_ident!("{}", ident);
            let doc_line = format!("`{key}` of the spec.");
            out.push(quote!(#[doc = #doc_line] pub const #ident: usize = #n;));
        }
    }
    for (key, ident) in [("minimum", "MINIMUM"), ("maximum", "MAXIMUM")] {
        if let Some(n) = schema.get(key).and_then(Value::as_f64) {
            let ident = format_ident!("{}", ident);
            let doc_line = format!("`{key}` of the spec.");
            out.push(quote!(#[doc = #doc_line] pub const #ident: f64 = #n;));
        }
    }
    if let Some(n) = schema.get("default").and_then(Value::as_u64)
        && schema.get("type").and_then(Value::as_str) == Some("integer")
    {
        out.push(quote!(
            #[doc = "`default` of the spec."]
            pub const DEFAULT: u64 = #n;
        ));
    }
    if schema.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
        out.push(quote!(
            #[doc = "`uniqueItems: true` in the spec."]
            pub const UNIQUE_ITEMS: bool = true;
        ));
    }
    for (key, ident, target) in [
        ("pattern", "PATTERN", schema.get("pattern")),
        ("format", "FORMAT", schema.get("format")),
        ("format", "ITEMS_FORMAT", schema.pointer("/items/format")),
        ("pattern", "ITEMS_PATTERN", schema.pointer("/items/pattern")),
    ] {
        if let Some(s) = target.and_then(Value::as_str) {
            let ident = format_ident!("{}", ident);
            let doc_line = format!("`{key}` of the spec.");
            out.push(quote!(#[doc = #doc_line] pub const #ident: &str = #s;));
        }
    }
    out
}

/// One generation target: a spec and where its client goes.
pub struct Target {
    pub spec: &'static str,
    /// An operation list to prune the spec to first (see [`prune`]).
    pub operations: Option<&'static str>,
    pub out: &'static str,
    pub flavor: Flavor,
    pub strictness: Strictness,
}

/// What `cargo xtask generate` writes.
pub const TARGETS: &[Target] = &[
    Target {
        spec: VENDORED_SPEC,
        operations: Some(OPERATION_LIST),
        out: GENERATED_CLIENT,
        flavor: Flavor::Workspace,
        strictness: Strictness::Vendored,
    },
    Target {
        spec: FIXTURE_SPEC,
        operations: None,
        out: FIXTURE_CLIENT,
        flavor: Flavor::Standalone,
        strictness: Strictness::Lenient,
    },
];

/// Generates one target from the workspace at `root`.
pub fn generate_target(root: &Path, target: &Target) -> Result<Generated, GenError> {
    let mut source = SpecSource::read(&root.join(target.spec), target.spec)?;
    let whole = source.to_value()?;
    if target.strictness == Strictness::Vendored {
        // Every general repair must still be needed somewhere in the document, though the
        // client's operations may not need it (those that must apply to them are checked
        // when generating).
        fixups::require_all_apply(&whole).map_err(GenError::Fixup)?;
    }
    if let Some(list) = target.operations {
        let selectors = read_operation_list(&root.join(list), list)?;
        source = source.pruned_from(&whole, &selectors)?.0;
    }
    match generate(&source, target.flavor, target.strictness) {
        // A panic names the schema that causes it.
        Err(e @ GenError::Panic { .. }) => Err(whole::explain(&source, &source.to_value()?, e)),
        other => other,
    }
}

/// Reads and parses an operation list (see [`prune::parse_operation_list`]).
pub fn read_operation_list(path: &Path, display: &str) -> Result<Vec<prune::Selector>, GenError> {
    let text = std::fs::read_to_string(path).map_err(|e| GenError::Read(path.to_path_buf(), e))?;
    prune::parse_operation_list(display, &text).map_err(GenError::Operations)
}

/// What [`ensure_file_contents`] found or did.
#[derive(Debug, PartialEq, Eq)]
pub enum Ensured {
    /// `--check`: the file holds what was generated.
    Current,
    /// `--check`: it does not (or is missing); a unified diff from it to what was generated.
    Stale(String),
    /// The file was (re)written.
    Written,
    /// The file already held what was generated: left untouched.
    Unchanged,
}

/// The one check-or-write of every generated file (rust-analyzer's
/// `ensure_file_contents`): with `check`, compares `path` with `contents` and returns the
/// diff when they differ (a missing file is empty); without, writes `contents` there
/// (creating its directory) unless it already holds them. `name` is how the diff's
/// header names the file. Reading an existing file that fails, or any failed write, is an
/// error naming the path.
pub fn ensure_file_contents(
    path: &Path,
    name: &str,
    contents: &str,
    check: bool,
) -> Result<Ensured, GenError> {
    let current = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        // Absent, or a path through a file (whose write then fails, naming it).
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            None
        }
        Err(e) => return Err(GenError::Read(path.to_path_buf(), e)),
    };
    if current.as_deref() == Some(contents) {
        return Ok(if check {
            Ensured::Current
        } else {
            Ensured::Unchanged
        });
    }
    if check {
        let diff = diff(name, current.as_deref().unwrap_or_default(), contents)
            .expect("the contents differ");
        return Ok(Ensured::Stale(diff));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| GenError::Write(parent.to_path_buf(), e))?;
    }
    std::fs::write(path, contents).map_err(|e| GenError::Write(path.to_path_buf(), e))?;
    Ok(Ensured::Written)
}

/// A unified diff between the committed file and fresh output; `None` when identical.
pub fn diff(path: &str, committed: &str, fresh: &str) -> Option<String> {
    if committed == fresh {
        return None;
    }
    let diff = similar::TextDiff::from_lines(committed, fresh);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(
                &format!("{path} (committed)"),
                &format!("{path} (generated now)"),
            )
            .to_string(),
    )
}

/// `src/lib.rs` of a standalone client crate: its docs list the operations left out of
/// it, each with its reason (`total`: the document's operations, when all were tried).
pub fn standalone_lib_rs(left_out: &[whole::LeftOut], total: Option<usize>) -> String {
    let mut out =
        String::from("//! A client generated by `cargo xtask generate` with progenitor.\n");
    if let Some(total) = total {
        out.push_str(&format!(
            "//!\n//! {} of the document's {total} operations are generated.",
            total - left_out.len()
        ));
        if left_out.is_empty() {
            out.push_str(" None is left out.\n");
        } else {
            out.push_str(&format!(
                " Left out ({}), each with the reason:\n//!\n",
                left_out.len()
            ));
            for l in left_out {
                out.push_str(&format!(
                    "//! - `{}`: {}\n",
                    l.operation,
                    l.reason.replace('\n', " ")
                ));
            }
        }
    }
    out.push_str("\nmod generated;\npub use generated::*;\n");
    out
}

/// `Cargo.toml` for a standalone client crate (`--spec PATH --out DIR`).
pub fn standalone_manifest(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[dependencies]
progenitor-client = "=0.15.1"
reqwest = {{ version = "0.13", default-features = false, features = ["rustls", "json"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
uuid = {{ version = "1", features = ["serde"] }}
# typify checks `pattern`s with regress.
regress = "0.12"
chrono = {{ version = "0.4", default-features = false, features = ["serde", "std"] }}

# Its own workspace, wherever it is written (inside another one's target/ included).
[workspace]
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_file_contents_checks_without_writing_and_writes_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file.rs");
        // Missing: stale in check mode (the diff adds every line), and nothing is written.
        let Ensured::Stale(d) = ensure_file_contents(&path, "file.rs", "one\n", true).unwrap()
        else {
            panic!("a missing file is stale")
        };
        assert!(d.contains("+one"), "{d}");
        assert!(!path.exists() && !dir.path().join("a").exists());
        // Written, its directories created; then unchanged, then current.
        assert_eq!(
            ensure_file_contents(&path, "file.rs", "one\n", false).unwrap(),
            Ensured::Written
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n");
        assert_eq!(
            ensure_file_contents(&path, "file.rs", "one\n", false).unwrap(),
            Ensured::Unchanged
        );
        assert_eq!(
            ensure_file_contents(&path, "file.rs", "one\n", true).unwrap(),
            Ensured::Current
        );
        // Changed: the diff names the file and both lines; check mode leaves it alone.
        let Ensured::Stale(d) = ensure_file_contents(&path, "file.rs", "two\n", true).unwrap()
        else {
            panic!("a changed file is stale")
        };
        assert!(d.contains("file.rs (committed)") && d.contains("-one") && d.contains("+two"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n");
        // A write that cannot happen (a file where a directory must be) names the path.
        let blocked = path.join("under-a-file.rs");
        let e = ensure_file_contents(&blocked, "x", "x", false).unwrap_err();
        assert!(matches!(e, GenError::Write(..)), "{e:?}");
        assert!(e.to_string().starts_with("cannot write "), "{e}");
    }
}
