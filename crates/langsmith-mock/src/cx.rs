//! What a write operation is handed ([`crate::write`], [`crate::workspace`]).

use crate::store::Store;
use crate::traces::Runs;
use uuid::Uuid;

/// Everything a write needs: the stores (locked store first, then runs, as everywhere).
pub(crate) struct Cx<'a> {
    pub(crate) store: &'a mut Store,
    pub(crate) runs: &'a mut Runs,
    pub(crate) workspace: Uuid,
    /// Now, Unix seconds (runs, sessions, feedback, shares).
    pub(crate) now: i64,
    /// The same instant in Unix microseconds (example versions are timed in them).
    pub(crate) now_us: i64,
    /// The lie `Lies::feedback_delete_404`.
    pub(crate) feedback_delete_404: bool,
}
