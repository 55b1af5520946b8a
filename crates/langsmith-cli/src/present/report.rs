//! Writing a report document: to its file, atomically, and for `-o json` to stdout.

use crate::model::args::Output;
use crate::model::exit::{Exit, ExitStatus};
use crate::util::fs::write_atomic;
use std::io::Write;

/// Writes a report to `path` (atomically) and, for `-o json`, to stdout.
pub(crate) fn write_json(
    path: Option<&std::path::Path>,
    output: Output,
    r: &impl serde::Serialize,
) -> Result<Option<String>, Exit> {
    let json = serde_json::to_vec_pretty(r).expect("json");
    let mut digest = None;
    if let Some(path) = path {
        use sha2::Digest;
        let mut bytes = json.clone();
        bytes.push(b'\n');
        write_atomic(path, &bytes).map_err(|message| Exit::new(ExitStatus::Partial, message))?;
        // The file's own digest, to reference it from a ticket.
        let sha = format!("{:x}", sha2::Sha256::digest(&bytes));
        eprintln!("report: {} (sha256 {sha})", path.display());
        digest = Some(sha);
    }
    if output == Output::Json {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&json);
        let _ = out.write_all(b"\n");
    }
    Ok(digest)
}
