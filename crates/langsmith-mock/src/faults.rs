//! Fault injection: seeded, so a run of requests in the same order repeats.

use std::time::Duration;

/// Faults to inject. Rates are fractions of requests in `[0, 1]`; at most one fault is
/// drawn per request, in the order the fields are listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Seed of the fault draws.
    pub seed: u64,
    /// Every response leaves no sooner than this after its request arrived (the server's
    /// own work happens within it, as on a real server).
    pub latency: Duration,
    /// Uniform extra latency in `[0, jitter]`.
    pub jitter: Duration,
    /// 429 with `Retry-After: retry_after_secs`, before anything is deleted.
    pub rate_429: f64,
    pub retry_after_secs: u64,
    /// 500, 502, 503, 504 (JSON error bodies), before anything is deleted.
    pub rate_500: f64,
    pub rate_502: f64,
    pub rate_503: f64,
    pub rate_504: f64,
    /// A 502 HTML error page, as a gateway would send, before anything is deleted.
    pub rate_html: f64,
    /// The delete happens, then the connection is closed mid-response.
    pub rate_close: f64,
    /// The delete happens, then a 200 whose JSON body is cut short.
    pub rate_truncated: f64,
    /// The delete happens, then a 200 whose body is not JSON.
    pub rate_non_json: f64,
    /// Per-credential limit: more requests than this within a minute get 429.
    pub rate_limit_per_minute: Option<u32>,
    /// The first this many `POST /api/v1/runs/delete` requests answer 500 before anything
    /// is queued (deterministic, not drawn): a retry must follow.
    pub runs_delete_500_first: u32,
    /// Every `POST /api/v2/runs/query` answers 500 with a `shared.ProblemDetails` body
    /// (after authentication; not drawn): a client must fail, not fall back to v1.
    pub runs_v2_500: bool,
    /// Deterministic faults as rules (operation, condition, effect), checked in order
    /// after authentication and before anything else happens: the first that fires
    /// answers. Each counts the requests of its operation itself.
    pub rules: Vec<Rule>,
    /// Lies about what a listing holds, told on every request they apply to.
    pub lies: Lies,
}

/// Lies a server can tell about which examples match, as an older or buggy LangSmith
/// would: deterministic, told on every request they apply to (not drawn). A client that
/// acts on listed rows must catch each of them before it deletes anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lies {
    /// Query parameters that listing and counting examples ignore (`full_text_contains`,
    /// `metadata`, `splits`, `dataset`, `filter`, ...), as a server that does not know
    /// them would.
    pub ignore_params: Vec<String>,
    /// The `dataset` filter leaks: the first this many examples (in id order) of every
    /// other dataset of the workspace match it too, in listing and count alike (an
    /// examples listing of one dataset returns rows of another: `--fault-foreign-examples`).
    pub foreign_examples: usize,
    /// Pages past the end of a listing come back full instead of short.
    pub endless_pages: Option<EndlessPages>,
    /// Every read answers 200 with an HTML page (`text/html`) instead of its JSON.
    pub html_200: bool,
    /// `POST /api/v1/runs/query` ignores its `reference_example` filter: every run of the
    /// other filters comes back, those of other examples and unrelated traces too.
    pub runs_ignore_reference_example: bool,
    /// The runs queries (v1 and v2) never end: every answer's next cursor leads back to
    /// the first page.
    pub runs_endless_cursor: bool,
    /// `POST /api/v2/runs/query` ignores its `reference_examples` filter: every run of the
    /// other filters and the window comes back.
    pub runs_v2_ignore_reference_examples: bool,
    /// `POST /api/v2/runs/query` parses its `filter` (a malformed one still answers 400),
    /// then answers as if it were absent: every run of the projects in the window, as a
    /// search that silently fell back to listing would.
    pub runs_v2_search_ignores_filter: bool,
    /// `DELETE /api/v1/feedback/{id}` answers 404 for a feedback record that exists, and
    /// keeps it: a client must read back, not take a 404 for "already gone".
    pub feedback_delete_404: bool,
}

/// A deterministic fault: on requests to `operation` that meet `condition`, `effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub operation: Operation,
    pub condition: Condition,
    pub effect: Effect,
}

/// The operations a [`Rule`] can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    HardDelete,
    ListExamples,
    CountExamples,
    ReadExample,
    ListDatasets,
    ReadDataset,
    Sessions,
    /// `POST /api/v1/runs/query`.
    RunsQueryV1,
    /// `POST /api/v2/runs/query`.
    RunsQueryV2,
    /// `POST /api/v1/runs/delete`.
    RunsDelete,
}

/// Which requests of its operation a [`Rule`] fires on (counted from 1 per rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Condition {
    Always,
    /// The first `n`.
    FirstN(u32),
    /// Every one after the first `n`: a listing that fails part-way.
    AfterN(u32),
}

/// What a firing [`Rule`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// Answers this status (4xx or 5xx) in the route's error shape (`shared.ProblemDetails`
    /// on the v2 route), before the operation runs.
    Status(u16),
}

impl Condition {
    /// Whether the `n`-th request (from 1) meets it.
    pub(crate) fn holds(self, n: u32) -> bool {
        match self {
            Condition::Always => true,
            Condition::FirstN(k) => n <= k,
            Condition::AfterN(k) => n > k,
        }
    }
}

impl std::str::FromStr for Rule {
    type Err = String;

    /// `OPERATION:CONDITION:STATUS`, e.g. `runs-query-v2:after-1:500`: operations
    /// `hard-delete`, `list-examples`, `count-examples`, `read-example`, `list-datasets`,
    /// `read-dataset`, `sessions`, `runs-query-v1`, `runs-query-v2`, `runs-delete`;
    /// conditions `always`, `first-N`, `after-N`.
    fn from_str(text: &str) -> Result<Rule, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let [op, cond, status] = parts[..] else {
            return Err(format!("{text:?}: expected OPERATION:CONDITION:STATUS"));
        };
        let operation = match op {
            "hard-delete" => Operation::HardDelete,
            "list-examples" => Operation::ListExamples,
            "count-examples" => Operation::CountExamples,
            "read-example" => Operation::ReadExample,
            "list-datasets" => Operation::ListDatasets,
            "read-dataset" => Operation::ReadDataset,
            "sessions" => Operation::Sessions,
            "runs-query-v1" => Operation::RunsQueryV1,
            "runs-query-v2" => Operation::RunsQueryV2,
            "runs-delete" => Operation::RunsDelete,
            other => return Err(format!("{text:?}: unknown operation {other:?}")),
        };
        let number = |n: &str| {
            n.parse::<u32>()
                .map_err(|e| format!("{text:?}: condition {cond:?}: {e}"))
        };
        let condition = if cond == "always" {
            Condition::Always
        } else if let Some(n) = cond.strip_prefix("first-") {
            Condition::FirstN(number(n)?)
        } else if let Some(n) = cond.strip_prefix("after-") {
            Condition::AfterN(number(n)?)
        } else {
            return Err(format!("{text:?}: unknown condition {cond:?}"));
        };
        let status: u16 = status
            .parse()
            .map_err(|e| format!("{text:?}: status {status:?}: {e}"))?;
        Ok(Rule {
            operation,
            condition,
            effect: Effect::Status(status),
        })
    }
}

/// What a full page past the end of a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndlessPages {
    /// The listing's first page again.
    Repeat,
    /// Made-up examples of the queried dataset, never listed before (their ids exist
    /// nowhere else).
    Fresh,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            seed: 0,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            rate_429: 0.0,
            retry_after_secs: 1,
            rate_500: 0.0,
            rate_502: 0.0,
            rate_503: 0.0,
            rate_504: 0.0,
            rate_html: 0.0,
            rate_close: 0.0,
            rate_truncated: 0.0,
            rate_non_json: 0.0,
            rate_limit_per_minute: None,
            runs_delete_500_first: 0,
            runs_v2_500: false,
            rules: Vec::new(),
            lies: Lies::default(),
        }
    }
}

/// The fault drawn for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    TooManyRequests,
    Status(u16),
    HtmlPage,
    CloseMidResponse,
    Truncated,
    NonJson,
}

impl Fault {
    /// Whether the delete is carried out before the fault shows.
    pub fn after_delete(self) -> bool {
        matches!(
            self,
            Fault::CloseMidResponse | Fault::Truncated | Fault::NonJson
        )
    }
}

impl Faults {
    /// Draws the fault for the next request.
    pub(crate) fn draw(&self, rng: &mut fastrand::Rng) -> (Fault, Duration) {
        let extra = if self.jitter.is_zero() {
            Duration::ZERO
        } else {
            self.jitter.mul_f64(rng.f64())
        };
        let x = rng.f64();
        let table = [
            (self.rate_429, Fault::TooManyRequests),
            (self.rate_500, Fault::Status(500)),
            (self.rate_502, Fault::Status(502)),
            (self.rate_503, Fault::Status(503)),
            (self.rate_504, Fault::Status(504)),
            (self.rate_html, Fault::HtmlPage),
            (self.rate_close, Fault::CloseMidResponse),
            (self.rate_truncated, Fault::Truncated),
            (self.rate_non_json, Fault::NonJson),
        ];
        let mut acc = 0.0;
        let mut fault = Fault::None;
        for (rate, f) in table {
            acc += rate;
            if x < acc {
                fault = f;
                break;
            }
        }
        (fault, self.latency + extra)
    }

    /// Checks every rate is a fraction and they add up to at most 1.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            self.rate_429,
            self.rate_500,
            self.rate_502,
            self.rate_503,
            self.rate_504,
            self.rate_html,
            self.rate_close,
            self.rate_truncated,
            self.rate_non_json,
        ];
        if rates.iter().any(|r| !(0.0..=1.0).contains(r)) {
            return Err("every fault rate must be within 0..=1".into());
        }
        if rates.iter().sum::<f64>() > 1.0 + 1e-9 {
            return Err("fault rates add up to more than 1".into());
        }
        for r in &self.rules {
            let Effect::Status(s) = r.effect;
            if !(400..=599).contains(&s) {
                return Err(format!("a rule's status must be 4xx or 5xx, not {s}"));
            }
        }
        if self.rate_limit_per_minute == Some(0) {
            return Err("a rate limit must allow at least 1 request per minute".into());
        }
        Ok(())
    }
}
