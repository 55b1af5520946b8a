//! Durable files: atomic replacement and directory entries that survive a crash.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The directory a file is in (`.` for a bare file name).
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a new (or renamed) file's directory entry durable: fsyncs its directory.
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir_of(path))?.sync_all()
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsynced, renamed over
/// `path`, and the directory fsynced. A reader sees the old content or the new, never a
/// mix; a failure leaves the old file as it was and no temporary behind.
///
/// The rename is the commit point: an error fsyncing the directory after it is returned
/// (the new content is in place, but its durability is not known).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes)?;
    sync_parent(path)
}

/// [`write_atomic`] without the directory's fsync: a temporary file beside `path`,
/// fsynced, renamed over it.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir_of(path))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomic(&dir.path().join("missing/x.json"), b"x").is_err());
    }
}
