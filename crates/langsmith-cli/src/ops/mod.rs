//! Operations: each calls the library (or reads and writes files) and returns typed
//! outcomes; none prints. Progress goes to a [`crate::util::Tick`] handed in.

pub mod case;
pub mod connect;
pub mod input;
pub mod journal;
pub mod selection;
pub mod traces;
pub mod verification;
