//! Exit codes: what each means, per command, and the one place a run's code is decided
//! from its typed outcomes ([`decide`]).

use langsmith::{BulkReport, Error, ErrorKind, Outcome, VerificationKind, VerifyReport};

pub const PARTIAL: u8 = 1;
pub const USAGE: u8 = 2;
pub const AUTH: u8 = 3;
pub const UNREACHABLE: u8 = 4;
pub const NOT_FOUND: u8 = 5;
pub const NOT_ERASED: u8 = 6;
pub const PENDING: u8 = 7;
pub const EXCLUDED: u8 = 8;
pub const INTERRUPTED: u8 = 130;

/// The exit code list of a command, and what every list ends with.
macro_rules! codes {
    ($list:literal) => {
        concat!(
            "Exit codes:\n",
            $list,
            "\n\"Deleted\" means the server's answer named the id; \"erased\" means the id read back
with inputs, outputs and metadata all null and no attachment listed. With --with-runs,
\"deletion requested\" means the service queued a trace's deletion (it confirms nothing);
\"gone\" means a later runs query no longer lists it. Environment: LANGSMITH_ENDPOINT,
LANGSMITH_API_KEY, LANGSMITH_WORKSPACE_ID (or the LANGCHAIN_* names). The API key is
never accepted as an argument."
        )
    };
}

/// The top-level `--help`'s word on exit codes.
pub const GENERAL: &str = codes!(
    "  each command lists its own in its --help (`langsmith-examples hard-delete --help`);
  0 is success everywhere, 2 a usage or input error with nothing sent, 130 Ctrl-C
"
);

/// `hard-delete --help`'s exit codes.
pub const HARD_DELETE_CODES: &str = codes!(
    "  0    every id was confirmed deleted by the server's answer (or --dry-run succeeded),
       and with --verify read back erased
  1    some ids failed, were not confirmed, or were not attempted; the report says which
  2    usage or input error; nothing was sent
  3    authentication or permission refused (401/403), for the run or for some ids
  4    could not reach the server (nothing confirmed; connection, TLS or timeout)
  5    every id was deleted or not found, and some were not found
  6    with --verify: an id did not read back erased (data left, attachments listed
       past their 7 days, a field left out of the answer, or not found), or with
       --with-runs a run still references an example and its deletion was not requested
  7    with --verify: nothing contradicts the erasure, but some of it is pending
       (attachments still listed within their 7 days; with --with-runs, traces whose
       deletion was requested and that are still listed): verify again later
  8    the server listed examples that fail the selectors, or (--with-runs) runs that
       reference none of the examples, when checked here; they were excluded, never
       deleted; the rest were
  130  interrupted (Ctrl-C): in-flight requests finished, journal and report written
"
);

/// `select --help`'s exit codes.
pub const SELECT_CODES: &str = codes!(
    "  0    the ids were listed
  1    the listing failed or did not end normally (stdout then ends with a line
       starting `!incomplete`, which is no id)
  2    usage error, or a dataset name that names no dataset (or several)
  3    authentication or permission refused (401/403)
  4    could not reach the server
  8    the server listed examples that fail the selectors (or, --with-runs, runs that
       reference none of them) when checked here; they were left out of what was printed
"
);

/// `verify --help`'s exit codes.
pub const VERIFY_CODES: &str = codes!(
    "  0    every id read back erased
  1    some ids could not be read (failed or not attempted); the report says which
  2    usage or input error; nothing was sent
  3    authentication or permission refused (401/403)
  4    could not reach the server (nothing read)
  6    an id did not read back erased (data left, attachments listed past their 7
       days, a field left out of the answer, or not found), or with --with-runs a run
       still references an example and its deletion was never requested
  7    nothing contradicts the erasure, but some of it is pending: attachments still
       listed within 7 days of the deletion (or of an unknown deletion time), or with
       --with-runs traces whose deletion was requested and that are still listed;
       verify again later (LangSmith deletes traces in a later job)
  8    with --with-runs: the runs query listed runs that reference none of the ids;
       excluded from the proof
  130  interrupted (Ctrl-C)
"
);

/// A failure that ends the run with `code`.
pub struct Exit {
    pub code: u8,
    pub message: String,
}

/// A usage or input error: nothing was sent.
pub fn usage(message: impl Into<String>) -> Exit {
    Exit {
        code: USAGE,
        message: message.into(),
    }
}

/// A failed read request (a look-up, a count, a listing) as the run's exit, its code from
/// the error's kind.
pub fn for_error(what: &str, e: &Error) -> Exit {
    let code = match e.kind() {
        ErrorKind::Unauthorized | ErrorKind::Forbidden => AUTH,
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Tls => UNREACHABLE,
        ErrorKind::NameResolution
        | ErrorKind::BadRequest
        | ErrorKind::Unprocessable
        | ErrorKind::NotFound
        | ErrorKind::InvalidIds
        | ErrorKind::Config
        | ErrorKind::Request => USAGE,
        ErrorKind::RateLimited
        | ErrorKind::Server
        | ErrorKind::UnexpectedStatus
        | ErrorKind::UnexpectedBody
        | ErrorKind::ResponseTooLarge
        | ErrorKind::Redirect
        | ErrorKind::Paging => PARTIAL,
        // A kind newer than this tool: the run did not complete.
        _ => PARTIAL,
    };
    Exit {
        code,
        message: format!("{what}: {}", crate::term::chain_lines(e)),
    }
}

/// What a run did, as far as its exit code depends on it.
#[derive(Default)]
pub struct RunOutcome<'a> {
    /// The deletion, if one ran.
    pub bulk: Option<&'a BulkReport>,
    /// The read-back, if one ran.
    pub verification: Option<&'a VerifyReport>,
    /// Listed examples the client's check excluded.
    pub excluded: usize,
    /// The journal could not be written.
    pub journal_failed: bool,
    /// Ctrl-C stopped the run.
    pub interrupted: bool,
    /// With `--with-runs`: the traces found and their deletion requested.
    pub traces: Option<&'a crate::traces::TraceRun>,
    /// With `--with-runs` and a read-back: whether the traces are gone.
    pub trace_verification: Option<&'a Result<langsmith::TraceVerifyReport, Error>>,
    /// Ids read back with attachments still listed past their deadline (the deletion
    /// time + 7 days): not erased, no longer pending.
    pub attachments_overdue: usize,
}

/// The exit code of a run (see the commands' exit code lists): the worst of what
/// happened, in this order: interrupted; the deletion's outcomes; a journal that could
/// not be written; the trace deletion; the read-backs (of examples, then of traces; a
/// pending one yields to any other); listed rows excluded (which replaces 0 and 5).
pub fn decide(run: &RunOutcome<'_>) -> u8 {
    if run.interrupted {
        return INTERRUPTED;
    }
    let mut code = run.bulk.map_or(0, of_deletion);
    if run.journal_failed && code == 0 {
        code = PARTIAL;
    }
    if let Some(t) = run.traces
        && code == 0
    {
        code = of_trace_run(t);
    }
    if code == 0 {
        let examples = run
            .verification
            .map_or(0, |v| of_verification(v, run.attachments_overdue));
        let traces = run.trace_verification.map_or(0, of_trace_verification);
        code = match (examples, traces) {
            (0 | PENDING, 0 | PENDING) => examples.max(traces),
            (0 | PENDING, t) => t,
            (e, _) => e,
        };
    }
    let excluded = run.excluded + run.traces.map_or(0, crate::traces::TraceRun::excluded);
    if excluded > 0 && (code == 0 || code == NOT_FOUND) {
        code = EXCLUDED;
    }
    code
}

/// The code of a failed look-up or request, from its error.
fn of_failure(e: &Error) -> u8 {
    if e.is_auth() {
        AUTH
    } else if all_unreachable(std::iter::once(e)) {
        UNREACHABLE
    } else {
        PARTIAL
    }
}

fn of_trace_run(t: &crate::traces::TraceRun) -> u8 {
    if let Err(e) = &t.found {
        return of_failure(e);
    }
    let Some(d) = &t.deletion else {
        return 0;
    };
    if d.failed() + d.not_attempted() == 0 {
        return 0;
    }
    let errors = || d.requests().iter().filter_map(|r| r.error());
    if errors().any(Error::is_auth) {
        AUTH
    } else {
        PARTIAL
    }
}

fn of_trace_verification(v: &Result<langsmith::TraceVerifyReport, Error>) -> u8 {
    match v {
        Err(e) => of_failure(e),
        Ok(v) if v.unrequested() > 0 => NOT_ERASED,
        Ok(v) if v.pending() > 0 => PENDING,
        Ok(_) => 0,
    }
}

/// Whether every error is a failure to reach the server.
fn all_unreachable<'a>(mut errors: impl Iterator<Item = &'a Error>) -> bool {
    errors.all(|e| {
        matches!(
            e.kind(),
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Tls
        )
    })
}

fn of_deletion(report: &BulkReport) -> u8 {
    let errors = || report.requests().iter().filter_map(|r| r.error());
    if report.count(Outcome::Forbidden) > 0 || errors().any(Error::is_auth) {
        return AUTH;
    }
    let unsettled = report.count(Outcome::Failed)
        + report.count(Outcome::Unconfirmed)
        + report.count(Outcome::NotAttempted);
    if unsettled > 0 {
        let unreachable = report.count(Outcome::Deleted) == 0
            && errors().next().is_some()
            && all_unreachable(errors());
        return if unreachable { UNREACHABLE } else { PARTIAL };
    }
    if report.count(Outcome::NotFound) > 0 {
        return NOT_FOUND;
    }
    0
}

fn of_verification(v: &VerifyReport, attachments_overdue: usize) -> u8 {
    use VerificationKind as K;
    if v.all_erased() {
        return 0;
    }
    let errors = || v.requests().iter().filter_map(|r| r.error());
    if errors().any(Error::is_auth) {
        return AUTH;
    }
    if v.count(K::Failed) + v.count(K::NotAttempted) > 0 {
        let read = v.count(K::Erased)
            + v.count(K::NotErased)
            + v.count(K::AttachmentsPending)
            + v.count(K::Unproven)
            + v.count(K::NotFound);
        return if read == 0 && all_unreachable(errors()) {
            UNREACHABLE
        } else {
            PARTIAL
        };
    }
    let contradicted = v.count(K::NotErased) + v.count(K::Unproven) + v.count(K::NotFound);
    if contradicted == 0 && attachments_overdue == 0 {
        // Only erased ids and attachments within their window.
        return PENDING;
    }
    NOT_ERASED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interruption_wins_and_exclusion_replaces_success_and_not_found_only() {
        let interrupted = RunOutcome {
            interrupted: true,
            excluded: 3,
            ..RunOutcome::default()
        };
        assert_eq!(decide(&interrupted), 130);
        let excluded = RunOutcome {
            excluded: 1,
            ..RunOutcome::default()
        };
        assert_eq!(decide(&excluded), 8);
        assert_eq!(decide(&RunOutcome::default()), 0);
        let journal = RunOutcome {
            journal_failed: true,
            excluded: 1,
            ..RunOutcome::default()
        };
        // A journal that could not be written is worse than an exclusion.
        assert_eq!(decide(&journal), 1);
    }

    #[test]
    fn each_code_of_the_help_text_is_the_constant_it_names() {
        for (text, codes) in [
            (
                HARD_DELETE_CODES,
                &[
                    0,
                    PARTIAL,
                    USAGE,
                    AUTH,
                    UNREACHABLE,
                    NOT_FOUND,
                    NOT_ERASED,
                    PENDING,
                    EXCLUDED,
                    INTERRUPTED,
                ][..],
            ),
            (
                SELECT_CODES,
                &[0, PARTIAL, USAGE, AUTH, UNREACHABLE, EXCLUDED][..],
            ),
            (
                VERIFY_CODES,
                &[
                    0,
                    PARTIAL,
                    USAGE,
                    AUTH,
                    UNREACHABLE,
                    NOT_ERASED,
                    PENDING,
                    EXCLUDED,
                    INTERRUPTED,
                ][..],
            ),
        ] {
            let listed: Vec<u8> = text
                .lines()
                .filter_map(|l| l.strip_prefix("  "))
                .filter_map(|l| l.split_whitespace().next())
                .filter_map(|w| w.parse().ok())
                .collect();
            assert_eq!(listed, codes, "{text}");
        }
    }
}
