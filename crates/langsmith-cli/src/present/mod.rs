//! Presentation: the only layer that prints (text on stdout and stderr, JSON documents,
//! the progress line, the confirmation prompt).

pub mod case;
pub mod hard_delete;
pub mod report;
pub mod select;
pub mod selection;
pub mod term;
pub mod traces;
pub mod verification;
pub mod verify;
