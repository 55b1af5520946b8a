//! One file per command: each parses nothing (`main.rs` does), prints nothing (it hands
//! what to say to `present`), and returns the run's exit status, the highest rank of its
//! phases' ([`crate::model::exit::ExitStatus::worst`]).

pub mod case;
pub mod hard_delete;
pub mod select;
pub mod verify;

use crate::model::args::{Global, Shared};
use crate::model::exit::Exit;
use crate::ops::connect::{self, Connect, Target};

/// The checks every command makes before reading input: stdin used once, numbers in
/// range.
pub(crate) fn check(global: &Global, shared: &Shared, ids_file: Option<&str>) -> Result<(), Exit> {
    connect::check_common(global, ids_file, shared.concurrency, shared.rate_limit)
}

/// Connects as every command does (flags, environment, profile, or the stand-in), and
/// says what the user must know before anything is sent.
pub(crate) async fn connect(global: &Global, opts: Connect<'_>) -> Result<Target, Exit> {
    let target = connect::connect(global, opts).await?;
    crate::present::term::warnings(&target.warnings);
    Ok(target)
}
