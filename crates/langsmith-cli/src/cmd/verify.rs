//! `verify`: read ids back and say per id whether they are erased.

use crate::exit::{self, Exit, usage};
use crate::input::{self, IdArgs};
use crate::report::{self, Output};
use crate::verification::{self, VerificationSection};
use crate::{Cli, connect, term};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

#[derive(clap::Args)]
pub struct Args {
    /// Example ids (UUIDs in any usual form).
    #[arg(value_name = "ID")]
    ids: Vec<String>,
    /// Ids one per line (blank lines and # comments ignored) or a JSON array of strings; `-` for stdin.
    #[arg(long, value_name = "PATH")]
    ids_file: Option<String>,
    /// Read the examples as they were at this time (RFC 3339), to check earlier versions.
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// Requests in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4)]
    concurrency: usize,
    /// Client-side limit, requests per minute.
    #[arg(long, value_name = "PER_MIN")]
    rate_limit: Option<u32>,
    /// Write the JSON verification report here, atomically.
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// `verify`: reads ids back and says per id whether they are erased.
pub async fn run(cli: &Cli, args: &Args) -> Result<u8, Exit> {
    let started = SystemTime::now();
    connect::check_common(
        cli,
        args.ids_file.as_deref(),
        args.concurrency,
        args.rate_limit,
    )?;
    let as_of = args
        .as_of
        .as_deref()
        .map(verification::parse_as_of)
        .transpose()?;
    if let Some(path) = &args.report {
        report::check_writable(path)
            .map_err(|e| usage(format!("--report {e}; nothing was sent")))?;
    }
    let input = input::collect(IdArgs {
        ids: &args.ids,
        ids_file: args.ids_file.as_deref(),
        hash: report::wanted(args.report.as_deref(), args.output),
    })?;
    let target = connect::connect(
        cli,
        connect::Connect {
            rate_limit: args.rate_limit,
            needs_key: true,
            seed: connect::Seed::Ids(input.set.as_slice()),
        },
    )
    .await?;
    let cancel = Arc::new(AtomicBool::new(false));
    term::watch_interrupts(cancel.clone());
    let ids = input.set.as_slice().to_vec();
    let v = verification::verify_ids(
        &target.client,
        ids,
        as_of,
        args.concurrency,
        cli.quiet,
        cancel.clone(),
    )
    .await;
    let interrupted = cancel.load(Ordering::SeqCst);
    let exit = exit::decide(&exit::RunOutcome {
        verification: Some(&v),
        interrupted,
        ..exit::RunOutcome::default()
    });
    if report::wanted(args.report.as_deref(), args.output) {
        let evidence = report::Evidence::of(cli);
        let doc = VerifyReportDoc {
            envelope: report::Envelope::now(
                &evidence,
                &target.endpoint,
                target.workspace.as_deref(),
                started,
            ),
            inputs: &input.sources,
            unique_ids: v.ids().len() as u64,
            verification: verification::VerificationSection::of(&v),
            interrupted,
            exit_code: exit,
        };
        report::write_json(args.report.as_deref(), args.output, &doc)?;
    }
    if args.output == Output::Text {
        verification::print_summary(&v);
    }
    Ok(exit)
}

/// The `verify` command's report.
#[derive(serde::Serialize)]
pub struct VerifyReportDoc<'a> {
    #[serde(flatten)]
    pub envelope: report::Envelope<'a>,
    pub inputs: &'a [report::InputSource],
    pub unique_ids: u64,
    pub verification: VerificationSection<'a>,
    pub interrupted: bool,
    pub exit_code: u8,
}
