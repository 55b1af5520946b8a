//! Words and numbers for messages: plurals, rates, error chains.

/// An error's causes, outermost first, each once: a wrapper that says exactly what the
/// error it wraps says (as TLS and I/O layers do) is not repeated.
fn causes(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in langsmith::error_chain(e) {
        let text = c.to_string();
        if out.last() != Some(&text) {
            out.push(text);
        }
    }
    out
}

/// What to try, when the causes show a known mistake.
fn hint(causes: &[String]) -> Option<&'static str> {
    // rustls's word for a peer that answered a TLS handshake in plain text.
    causes
        .iter()
        .any(|c| c.contains("InvalidContentType"))
        .then_some("the server answered the TLS handshake in plain text: it may speak plain http (an endpoint starting http://)")
}

/// An error and its causes, one per line, for stderr.
pub fn chain_lines(e: &(dyn std::error::Error + 'static)) -> String {
    let causes = causes(e);
    let mut out = causes.join("\n  caused by: ");
    if let Some(h) = hint(&causes) {
        out.push_str(&format!("\n  hint: {h}"));
    }
    out
}

pub fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn human_rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.1}M", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1}k", per_sec / 1e3)
    } else {
        format!("{per_sec:.0}")
    }
}
