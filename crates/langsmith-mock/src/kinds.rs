//! The closed sets of kinds the stand-in stores as `&'static str` (a dataset's
//! `data_type`, a run's `run_type`), and their serde for the stored types.

use serde::Deserialize;

/// The run types the stand-in stores (the SDKs' `RUN_TYPE_T`).
pub(crate) const RUN_TYPES: [&str; 7] = [
    "tool",
    "chain",
    "llm",
    "retriever",
    "embedding",
    "prompt",
    "parser",
];

/// `&'static str`, named so that serde's derive does not take the field for one borrowed
/// from the input (it would then deserialize only from `'static` data).
pub type StaticStr = &'static str;

/// Serde for a `&'static str` field holding one of a known set (a dataset's `data_type`).
pub(crate) mod data_type {
    pub(crate) fn serialize<S: serde::Serializer>(
        v: &&'static str,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<&'static str, D::Error> {
        super::one_of(d, &["kv", "llm", "chat"])
    }
}

/// Serde for a run's `run_type`.
pub(crate) mod run_type {
    pub(crate) fn serialize<S: serde::Serializer>(
        v: &&'static str,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<&'static str, D::Error> {
        super::one_of(d, &super::RUN_TYPES)
    }
}

fn one_of<'de, D: serde::Deserializer<'de>>(
    d: D,
    known: &[&'static str],
) -> Result<&'static str, D::Error> {
    let s = String::deserialize(d)?;
    known
        .iter()
        .find(|k| **k == s)
        .copied()
        .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is none of {known:?}")))
}
