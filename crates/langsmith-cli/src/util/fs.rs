//! Files: atomic writes, durable directory entries.

use std::path::{Path, PathBuf};

/// Checks, before anything is sent, that the report can be written at `path`: not a
/// directory, and its directory takes a new file. Nothing is left behind.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{}: is a directory", path.display()));
    }
    let probe = tempfile::NamedTempFile::new_in(dir_of(path))
        .map_err(|e| format!("{}: cannot write the report there: {e}", path.display()))?;
    drop(probe);
    Ok(())
}

/// The directory a file is in (`.` for a bare file name).
fn dir_of(path: &Path) -> PathBuf {
    langsmith_case::durable::dir_of(path)
}

/// Makes a new file's directory entry durable (fsyncs its directory).
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    langsmith_case::durable::sync_parent(path)
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsynced, renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    langsmith_case::durable::replace(path, bytes)
        .map_err(|e| format!("{}: cannot write the report: {e}", path.display()))?;
    // The rename is done; a directory that cannot be fsynced does not undo it.
    let _ = sync_parent(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_checks_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        check_writable(&path).unwrap();
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        assert!(
            check_writable(dir.path())
                .unwrap_err()
                .contains("directory")
        );
        assert!(check_writable(&dir.path().join("missing/r.json")).is_err());
    }
}
