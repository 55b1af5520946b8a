//! Hash-chained JSON lines: the format of the CLI's deletion journal and of a case's
//! `log.jsonl`.
//!
//! Each line is one JSON object whose last field is `hash`: the sha256 (hex) of the
//! previous line's hash, a newline, and the line as it would read without its `hash`
//! field (the first line chains from the empty string). Editing, reordering or splicing
//! lines breaks the chain. The chain is not keyed: it detects edits, not a forger who
//! recomputes it.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// `,"hash":"` + 64 hex digits + `"}`
pub const HASH_SUFFIX_LEN: usize = 9 + 64 + 2;

/// The hash of a line whose payload (the line without its `hash` field) is `payload`,
/// chained to the previous line's hash `prev`.
pub fn chain(prev: &str, payload: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(payload);
    format!("{:x}", h.finalize())
}

/// A line for `value` (a JSON object), chained to `prev`: returns the line (with its
/// newline) and its hash.
///
/// # Panics
/// When `value` does not serialize to a JSON object.
pub fn seal<T: Serialize>(value: &T, prev: &str) -> (Vec<u8>, String) {
    let mut payload = serde_json::to_vec(value).expect("json");
    assert!(
        payload.first() == Some(&b'{') && payload.last() == Some(&b'}'),
        "a chained line is a JSON object"
    );
    let hash = chain(prev, &payload);
    payload.pop(); // the closing brace
    payload.extend_from_slice(format!(",\"hash\":\"{hash}\"}}\n").as_bytes());
    (payload, hash)
}

/// Checks a complete line (without its newline) against `prev`; returns its payload (the
/// line without the hash field) and its hash.
pub fn open_seal(line: &[u8], prev: &str) -> Result<(Vec<u8>, String), String> {
    if line.len() < HASH_SUFFIX_LEN + 2 {
        return Err("no hash".into());
    }
    let (body, tail) = line.split_at(line.len() - HASH_SUFFIX_LEN);
    let hash = tail
        .strip_prefix(b",\"hash\":\"")
        .and_then(|t| t.strip_suffix(b"\"}"))
        .filter(|h| h.len() == 64 && h.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')))
        .ok_or("no hash at the end of the line")?;
    let hash = String::from_utf8(hash.to_vec()).expect("hex");
    let mut payload = body.to_vec();
    payload.push(b'}');
    if chain(prev, &payload) != hash {
        return Err(
            "its hash does not match: the line was edited, or lines were removed or reordered"
                .into(),
        );
    }
    Ok((payload, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_chains_from_the_empty_string_as_sha256sum_computes_it() {
        // `printf '\n{"a":1}' | sha256sum`
        let (line, hash) = seal(&serde_json::json!({"a": 1}), "");
        assert_eq!(
            hash,
            "7395dc66860499cb2b8970e17094ec53ed1ff54e7067ad619f884917096166b0"
        );
        let text = String::from_utf8(line.clone()).unwrap();
        assert_eq!(text, format!("{{\"a\":1,\"hash\":\"{hash}\"}}\n"));
        let (payload, again) = open_seal(&line[..line.len() - 1], "").unwrap();
        assert_eq!(
            (payload.as_slice(), again.as_str()),
            (&b"{\"a\":1}"[..], hash.as_str())
        );
        assert!(open_seal(&line[..line.len() - 1], &hash).is_err());
    }
}
