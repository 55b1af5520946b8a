//! The model: the invocation's flags, the exit status, and the evidence a run writes.

pub mod args;
pub mod deletion;
pub mod exit;
pub mod report;
pub mod selection;
pub mod traces;
pub mod verification;
