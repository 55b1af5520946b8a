//! Exit status: one enum with each status's code and rank ([`ExitStatus`]), the one
//! mapping from errors to it, each phase's status from its typed outcomes, and what each
//! code means per command (the help texts).

use langsmith::{
    BulkReport, Error, ErrorKind, Outcome, TraceDeleteReport, TraceVerifyReport, TracesFound,
    VerificationKind, VerifyReport,
};

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
  1    some ids failed, were not confirmed, or were not attempted; the report says which;
       or with --with-runs the runs lookup or a trace deletion request failed
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
       starting `!incomplete`, which is no id), or with --with-runs the runs lookup
       failed (the ids printed are the whole selection; its traces are not known)
  2    usage error, a selector the server refused as malformed (400/422), or a
       dataset name that names no dataset (or several)
  3    authentication or permission refused (401/403)
  4    could not reach the server
  8    the server listed examples that fail the selectors (or, --with-runs, runs that
       reference none of them) when checked here; they were left out of what was printed
"
);

/// `verify --help`'s exit codes.
pub const VERIFY_CODES: &str = codes!(
    "  0    every id read back erased
  1    some ids could not be read (failed or not attempted); the report says which;
       or with --with-runs the runs query failed
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

/// `case ... --help`'s exit codes.
pub const CASE_CODES: &str = codes!(
    "  0    find, erase: the step completed for every place and item; verify: the case is
       closed (never while a place the issue names is not searched yet)
  1    find: a place is incomplete (a listing failed or was cut off, or listed rows of
       another dataset); erase: an item failed; verify: a read-back or search failed,
       or a place is incomplete; or a file of the case could not be written
  2    usage or input error (a bad date or identifier, identifiers that are not the
       case's, a path that is not a case, an existing case for open); nothing was sent
  3    authentication or permission refused (401/403)
  4    could not reach the server
  6    verify: data left (an item read back with data) or new copies found (added to
       the case: run erase again)
  7    verify: nothing contradicts the erasure, but something is pending (a queued trace
       deletion, attachments within 7 days, places not searched yet): verify again at
       the date it names
  130  interrupted (Ctrl-C)
"
);

/// How a run ends: one value per outcome a command can have, each with its code (the
/// numbers the help texts list) and its rank. A command's status is the highest rank of
/// the statuses of its phases ([`ExitStatus::worst`]); a phase's status comes from its
/// typed outcomes (`of_*` below) and a failed request's from [`ExitStatus::of_error`],
/// the one mapping from errors.
///
/// The rank, lowest first: success; not found (5: a deletion found nothing to delete);
/// excluded (8: replaces only success and not found); pending (7: nothing contradicts the
/// erasure); not erased (6); unreachable (4: nothing confirmed); partial (1: some of the
/// work failed); auth (3); usage (2: nothing was sent); interrupted (130).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitStatus {
    /// 0
    #[default]
    Success,
    /// 5
    NotFound,
    /// 8
    Excluded,
    /// 7
    Pending,
    /// 6
    NotErased,
    /// 4
    Unreachable,
    /// 1
    Partial,
    /// 3
    Auth,
    /// 2
    Usage,
    /// 130
    Interrupted,
}

impl ExitStatus {
    /// Every status, lowest rank first.
    #[cfg(test)]
    pub const ALL: [ExitStatus; 10] = [
        ExitStatus::Success,
        ExitStatus::NotFound,
        ExitStatus::Excluded,
        ExitStatus::Pending,
        ExitStatus::NotErased,
        ExitStatus::Unreachable,
        ExitStatus::Partial,
        ExitStatus::Auth,
        ExitStatus::Usage,
        ExitStatus::Interrupted,
    ];

    /// The process's exit code.
    pub const fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Partial => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Auth => 3,
            ExitStatus::Unreachable => 4,
            ExitStatus::NotFound => 5,
            ExitStatus::NotErased => 6,
            ExitStatus::Pending => 7,
            ExitStatus::Excluded => 8,
            ExitStatus::Interrupted => 130,
        }
    }

    /// The rank: of two statuses of one run, the higher one is the run's.
    pub const fn rank(self) -> u8 {
        self as u8
    }

    /// The highest rank of `statuses` (success when there are none).
    pub fn worst(statuses: impl IntoIterator<Item = ExitStatus>) -> ExitStatus {
        statuses
            .into_iter()
            .max_by_key(|s| s.rank())
            .unwrap_or_default()
    }

    /// The one mapping from a failed request to a status, by the error's kind: refused
    /// credentials are `Auth`; a server that could not be reached is `Unreachable`; what
    /// refused the request's input (checked here, or by the server as malformed: 400,
    /// 422) is `Usage`; everything else, a 404 and a missing runs route included, is a
    /// request that failed: `Partial`. (A 404 names no input mistake: a missing route or
    /// resource, found after requests were sent, so never "nothing was sent".)
    pub fn of_error(e: &Error) -> ExitStatus {
        match e.kind() {
            ErrorKind::Unauthorized | ErrorKind::Forbidden => ExitStatus::Auth,
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Tls => ExitStatus::Unreachable,
            ErrorKind::NameResolution
            | ErrorKind::BadRequest
            | ErrorKind::Unprocessable
            | ErrorKind::InvalidIds
            | ErrorKind::Config
            | ErrorKind::Request => ExitStatus::Usage,
            ErrorKind::NotFound
            | ErrorKind::RateLimited
            | ErrorKind::Server
            | ErrorKind::UnexpectedStatus
            | ErrorKind::UnexpectedBody
            | ErrorKind::ResponseTooLarge
            | ErrorKind::Redirect
            | ErrorKind::Paging
            | ErrorKind::NoRunsApi => ExitStatus::Partial,
            // A kind newer than this tool: the run did not complete.
            _ => ExitStatus::Partial,
        }
    }

    /// This status for a phase that follows requests already answered (the runs lookup
    /// after a deletion, a read-back or a listing): `Usage` says nothing was sent, so
    /// there it is `Partial` (some of the work failed). The same failure of such a phase
    /// thus ends every command with the same code.
    pub fn after_requests(self) -> ExitStatus {
        match self {
            ExitStatus::Usage => ExitStatus::Partial,
            other => other,
        }
    }

    /// `Excluded` when listed rows were excluded, else success.
    pub fn excluded_if(excluded: usize) -> ExitStatus {
        if excluded > 0 {
            ExitStatus::Excluded
        } else {
            ExitStatus::Success
        }
    }

    /// A batch phase with failed requests (`errors`): `Auth` when one was refused its
    /// credentials; `Unreachable` when nothing was settled and every error is a failure
    /// to reach the server; otherwise `Partial`. Each error through [`Self::of_error`].
    fn of_failed_batch<'a>(
        errors: impl Iterator<Item = &'a Error> + Clone,
        settled_any: bool,
    ) -> ExitStatus {
        let mut statuses = errors.map(ExitStatus::of_error);
        if statuses.clone().any(|s| s == ExitStatus::Auth) {
            ExitStatus::Auth
        } else if !settled_any
            && statuses.clone().next().is_some()
            && statuses.all(|s| s == ExitStatus::Unreachable)
        {
            ExitStatus::Unreachable
        } else {
            ExitStatus::Partial
        }
    }

    /// The status of the deletion of examples.
    pub fn of_deletion(report: &BulkReport) -> ExitStatus {
        let errors = report.requests().iter().filter_map(|r| r.error());
        if report.count(Outcome::Forbidden) > 0 {
            return ExitStatus::Auth;
        }
        let unsettled = report.count(Outcome::Failed)
            + report.count(Outcome::Unconfirmed)
            + report.count(Outcome::NotAttempted);
        if unsettled > 0 || errors.clone().next().is_some() {
            let status = ExitStatus::of_failed_batch(errors, report.count(Outcome::Deleted) > 0);
            // Errors that settled nothing (a retried request) leave the outcome whole.
            if unsettled > 0 || status == ExitStatus::Auth {
                return status;
            }
        }
        if report.count(Outcome::NotFound) > 0 {
            return ExitStatus::NotFound;
        }
        ExitStatus::Success
    }

    /// The status of `--with-runs`' lookup and deletion request, after the examples were
    /// deleted.
    pub fn of_trace_deletion(
        found: &Result<TracesFound, Error>,
        deletion: Option<&TraceDeleteReport>,
    ) -> ExitStatus {
        if let Err(e) = found {
            return ExitStatus::of_error(e).after_requests();
        }
        let Some(d) = deletion else {
            return ExitStatus::Success;
        };
        if d.failed() + d.not_attempted() == 0 {
            return ExitStatus::Success;
        }
        // The examples were deleted before: the run did something, so never unreachable.
        ExitStatus::of_failed_batch(d.requests().iter().filter_map(|r| r.error()), true)
    }

    /// The status of a read-back of examples: `attachments_overdue` ids still list
    /// attachments past their deadline.
    pub fn of_verification(v: &VerifyReport, attachments_overdue: usize) -> ExitStatus {
        use VerificationKind as K;
        if v.all_erased() {
            return ExitStatus::Success;
        }
        let errors = || v.requests().iter().filter_map(|r| r.error());
        if errors().any(Error::is_auth) {
            return ExitStatus::Auth;
        }
        if v.count(K::Failed) + v.count(K::NotAttempted) > 0 {
            let read = v.count(K::Erased)
                + v.count(K::NotErased)
                + v.count(K::AttachmentsPending)
                + v.count(K::Unproven)
                + v.count(K::NotFound);
            let unreachable = errors().all(|e| ExitStatus::of_error(e) == ExitStatus::Unreachable);
            return if read == 0 && unreachable {
                ExitStatus::Unreachable
            } else {
                ExitStatus::Partial
            };
        }
        let contradicted = v.count(K::NotErased) + v.count(K::Unproven) + v.count(K::NotFound);
        if contradicted == 0 && attachments_overdue == 0 {
            // Only erased ids and attachments within their window.
            return ExitStatus::Pending;
        }
        ExitStatus::NotErased
    }

    /// The status of a read-back of traces.
    pub fn of_trace_verification(v: &Result<TraceVerifyReport, Error>) -> ExitStatus {
        match v {
            Err(e) => ExitStatus::of_error(e).after_requests(),
            Ok(v) if v.unrequested() > 0 => ExitStatus::NotErased,
            Ok(v) if v.pending() > 0 => ExitStatus::Pending,
            Ok(_) => ExitStatus::Success,
        }
    }
}

/// A failure that ends the run with `status`, and what to say on stderr.
pub struct Exit {
    pub status: ExitStatus,
    pub message: String,
    /// Lines said before the message (the items an input error is about).
    pub details: Vec<String>,
}

impl Exit {
    /// A failure with `status`.
    pub fn new(status: ExitStatus, message: impl Into<String>) -> Exit {
        Exit {
            status,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The same, with lines to say before its message.
    pub fn with_details(mut self, details: Vec<String>) -> Exit {
        self.details = details;
        self
    }
}

/// A usage or input error: nothing was sent.
pub fn usage(message: impl Into<String>) -> Exit {
    Exit::new(ExitStatus::Usage, message)
}

/// A failed request (a look-up, a count, a listing) as the run's exit, its status from
/// [`ExitStatus::of_error`].
pub fn for_error(what: &str, e: &Error) -> Exit {
    Exit::new(
        ExitStatus::of_error(e),
        format!("{what}: {}", crate::util::text::chain_lines(e)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExitStatus as S;

    #[test]
    fn codes_are_the_documented_numbers_and_rank_is_declaration_order() {
        // The numbers are the interface (scripts read them): written here, not derived.
        let codes: Vec<u8> = ExitStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 5, 8, 7, 6, 4, 1, 3, 2, 130]);
        for pair in ExitStatus::ALL.windows(2) {
            assert!(
                pair[0].rank() < pair[1].rank() && pair[0] < pair[1],
                "{pair:?}"
            );
        }
    }

    #[test]
    fn interruption_wins_and_exclusion_replaces_success_and_not_found_only() {
        assert_eq!(S::worst([S::Excluded, S::Interrupted]), S::Interrupted);
        assert_eq!(S::worst([S::Success, S::Excluded]), S::Excluded);
        assert_eq!(S::worst([S::NotFound, S::Excluded]), S::Excluded);
        assert_eq!(S::worst([]), S::Success);
        // A journal that could not be written (partial) is worse than an exclusion, and
        // pending keeps its word over an exclusion.
        assert_eq!(S::worst([S::Partial, S::Excluded]), S::Partial);
        assert_eq!(S::worst([S::Excluded, S::Pending]), S::Pending);
        // Pending yields to anything that contradicts the erasure or failed.
        for s in [S::NotErased, S::Unreachable, S::Partial, S::Auth] {
            assert_eq!(S::worst([S::Pending, s]), s);
        }
    }

    #[test]
    fn a_phase_after_answered_requests_is_never_usage() {
        assert_eq!(S::Usage.after_requests(), S::Partial);
        for s in ExitStatus::ALL.into_iter().filter(|s| *s != S::Usage) {
            assert_eq!(s.after_requests(), s);
        }
    }

    #[test]
    fn each_code_of_the_help_text_is_a_status_the_command_can_end_with() {
        for (text, codes) in [
            (HARD_DELETE_CODES, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 130][..]),
            (SELECT_CODES, &[0, 1, 2, 3, 4, 8][..]),
            (VERIFY_CODES, &[0, 1, 2, 3, 4, 6, 7, 8, 130][..]),
        ] {
            let listed: Vec<u8> = text
                .lines()
                .filter_map(|l| l.strip_prefix("  "))
                .filter_map(|l| l.split_whitespace().next())
                .filter_map(|w| w.parse().ok())
                .collect();
            assert_eq!(listed, codes, "{text}");
            for code in listed {
                assert!(
                    ExitStatus::ALL.iter().any(|s| s.code() == code),
                    "{code} is no status"
                );
            }
        }
    }
}
