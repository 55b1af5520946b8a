//! Reading ids from arguments, files and stdin: streamed, validated, located.

use crate::model::exit::{Exit, usage};
use crate::model::report;
use crate::util::text::plural;
use langsmith::{IdSet, Uuid, parse_id, quote_value};

/// Control characters (and only those) escaped, so that a message is one safe line.
pub fn escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use std::fmt;
use std::io::{BufRead, Read};

/// How many bad items are listed before they are only counted.
pub const MAX_LISTED: usize = 20;
/// Lines longer than this are refused without being parsed.
pub(crate) const MAX_LINE_BYTES: usize = 4096;

/// One refused item: `PATH:LINE: reason: value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadItem {
    pub location: String,
    pub reason: String,
    pub value: String,
}

impl fmt::Display for BadItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}: {}", self.location, self.reason)
        } else {
            write!(f, "{}: {}: {}", self.location, self.reason, self.value)
        }
    }
}

/// Everything read from every source.
#[derive(Debug, Default)]
pub struct Collected {
    /// Valid ids, duplicates included, 16 bytes each.
    pub ids: Vec<Uuid>,
    /// Lines (or JSON items, or arguments) read.
    pub input_lines: u64,
    /// The first [`MAX_LISTED`] bad items.
    pub bad: Vec<BadItem>,
    /// How many bad items in all.
    pub bad_total: usize,
}

impl Collected {
    fn refuse(&mut self, location: String, reason: impl Into<String>, value: &str) {
        self.bad_total += 1;
        if self.bad.len() < MAX_LISTED {
            self.bad.push(BadItem {
                location: escape(&location),
                reason: escape(&reason.into()),
                value: if value.is_empty() {
                    String::new()
                } else {
                    quote_value(value)
                },
            });
        }
    }

    /// Ids given as command-line arguments.
    pub fn add_args(&mut self, args: &[String]) {
        for (i, arg) in args.iter().enumerate() {
            self.input_lines += 1;
            match parse_id(arg) {
                Ok(id) => self.ids.push(id),
                Err(e) => self.refuse(format!("argument {}", i + 1), e.to_string(), arg),
            }
        }
    }

    /// Ids from a reader: one per line, or a JSON array of strings.
    pub fn add_reader(&mut self, name: &str, mut reader: impl BufRead) -> std::io::Result<()> {
        // Skip a UTF-8 BOM, and peek past leading whitespace to see what the content is.
        // Whitespace is consumed only a whole buffer at a time; its newlines are counted
        // so that line numbers stay true.
        let mut skipped_lines = 0u64;
        let first = loop {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                self.input_lines += skipped_lines;
                return Ok(());
            }
            if buf.starts_with(b"\xEF\xBB\xBF") {
                reader.consume(3);
                continue;
            }
            match buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            {
                Some(i) => break buf[i],
                None => {
                    skipped_lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
                    let n = buf.len();
                    reader.consume(n);
                }
            }
        };
        self.input_lines += skipped_lines;
        // JSON only when the first non-space character is `[`: a braced id `{...}` on
        // the first line is an id like on any other line.
        match first {
            b'[' => self.add_json(name, reader),
            _ => self.add_lines(name, reader, skipped_lines),
        }
    }

    fn add_lines(
        &mut self,
        name: &str,
        mut reader: impl BufRead,
        first_line: u64,
    ) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(128);
        let mut line_no = first_line;
        loop {
            // The usual line: an id in ASCII, whole in the reader's buffer, parsed where
            // it lies. Anything else (a comment, a blank, a BOM, a line cut by the
            // buffer's end, an error to word) takes the path below, which accepts the
            // same ids.
            let available = reader.fill_buf()?;
            // `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
            const HYPHENATED: usize = 36;
            let end = if available.get(HYPHENATED) == Some(&b'\n') {
                // The commonest line of all, a bare hyphenated id: no scan for its end.
                Some(HYPHENATED)
            } else {
                let head = &available[..available.len().min(MAX_LINE_BYTES)];
                head.iter().position(|&b| b == b'\n')
            };
            let fast = end.and_then(|end| {
                Uuid::try_parse_ascii(available[..end].trim_ascii())
                    .ok()
                    .map(|id| (end, id))
            });
            if let Some((end, id)) = fast {
                reader.consume(end + 1);
                line_no += 1;
                self.input_lines += 1;
                self.ids.push(id);
                continue;
            }
            buf.clear();
            // A line's bytes, capped: a 10 MB line is skipped, not held.
            let (n, too_long) = read_line_capped(&mut reader, &mut buf, MAX_LINE_BYTES)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            self.input_lines += 1;
            // Formatted only for a refused line: valid lines cost no allocation.
            let location = || format!("{name}:{line_no}");
            if too_long {
                let shown = String::from_utf8_lossy(&buf).into_owned();
                self.refuse(location(), format!("line too long ({n} bytes)"), &shown);
                continue;
            }
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t,
                Err(e) => {
                    let shown = String::from_utf8_lossy(&buf).into_owned();
                    self.refuse(location(), format!("not UTF-8 ({e})"), shown.trim_end());
                    continue;
                }
            };
            let text = text.trim_start_matches('\u{feff}').trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            match parse_id(text) {
                Ok(id) => self.ids.push(id),
                Err(e) => self.refuse(location(), e.to_string(), text),
            }
        }
        Ok(())
    }

    fn add_json(&mut self, name: &str, reader: impl BufRead) -> std::io::Result<()> {
        let mut de = serde_json::Deserializer::from_reader(reader);
        let result = IdsSeed { name, out: self }
            .deserialize(&mut de)
            .and_then(|()| de.end());
        if let Err(e) = result {
            if e.is_io() {
                return Err(std::io::Error::other(e));
            }
            self.refuse(
                format!("{name}:{}:{}", e.line(), e.column()),
                format!("invalid JSON ids file ({e})"),
                "",
            );
        }
        Ok(())
    }
}

/// Reads one line (without the `\n`) into `buf`, keeping at most `cap + 1` bytes.
/// Returns the full line length read and whether it exceeded `cap`.
pub(crate) fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut total = 0;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            break;
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        total += chunk.len();
        let room = (cap + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        match done {
            Some(consumed) => {
                reader.consume(consumed);
                // Count the newline so an empty line is distinguishable from EOF.
                return Ok((total.max(1), total > cap));
            }
            None => {
                let n = chunk.len();
                reader.consume(n);
            }
        }
    }
    if buf.ends_with(b"\r") {
        buf.pop();
    }
    Ok((total, total > cap))
}

/// Deserializes a JSON array of id strings straight into `Uuid`s.
pub(crate) struct IdsSeed<'a> {
    name: &'a str,
    out: &'a mut Collected,
}

impl<'de> DeserializeSeed<'de> for IdsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for IdsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of id strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(item) = seq.next_element::<serde_json::Value>()? {
            index += 1;
            self.out.input_lines += 1;
            let location = || format!("{}: item {index}", self.name);
            match item {
                serde_json::Value::String(s) => match parse_id(&s) {
                    Ok(id) => self.out.ids.push(id),
                    Err(e) => self.out.refuse(location(), e.to_string(), &s),
                },
                other => self
                    .out
                    .refuse(location(), "not a string", &other.to_string()),
            }
        }
        Ok(())
    }
}

/// A reader that counts every byte read through it, and hashes them (sha256) when asked.
pub struct Hashing<R> {
    inner: R,
    /// `None`: counting only (no report will need the digest).
    hasher: Option<sha2::Sha256>,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R> Hashing<R> {
    /// Counts what is read, and hashes it when `hash` is set.
    pub fn new(inner: R, hash: bool) -> Self {
        use sha2::Digest;
        Hashing {
            inner,
            hasher: hash.then(sha2::Sha256::new),
            bytes: 0,
        }
    }

    /// The sha256 (hex, when hashing) and length of everything read.
    pub fn finish(self) -> (Option<String>, u64) {
        use sha2::Digest;
        (
            self.hasher.map(|h| format!("{:x}", h.finalize())),
            self.bytes,
        )
    }
}

/// Opens `path`, or stdin for `-`, counting (and when `hash`, hashing) what is read.
pub fn open(path: &str, hash: bool) -> std::io::Result<std::io::BufReader<Hashing<Box<dyn Read>>>> {
    let inner: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path)?)
    };
    Ok(std::io::BufReader::with_capacity(
        1 << 16,
        Hashing::new(inner, hash),
    ))
}

/// Reads a secret (API key) from a file or stdin, trimmed.
pub fn read_secret(path: &str) -> std::io::Result<String> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        std::fs::File::open(path)?.read_to_string(&mut text)?;
    }
    Ok(text.trim().to_owned())
}

// ---------------------------------------------------------------------------------------
// A run's input
/// Everything read from the inputs.
pub(crate) struct Input {
    pub(crate) set: IdSet,
    pub(crate) lines: u64,
    pub(crate) sources: Vec<report::InputSource>,
    /// When the ids came from selectors: what they selected.
    pub(crate) selection: Option<report::SelectionInfo>,
}

/// Where ids come from: arguments and an ids file.
pub(crate) struct IdArgs<'a> {
    pub(crate) ids: &'a [String],
    pub(crate) ids_file: Option<&'a str>,
    /// Whether to hash the file's bytes (for a report).
    pub(crate) hash: bool,
}

/// Reads and validates every input; nothing is sent before this succeeds.
pub(crate) fn collect(args: IdArgs<'_>) -> Result<Input, Exit> {
    let mut collected = Collected::default();
    let mut sources = Vec::new();
    if !args.ids.is_empty() {
        collected.add_args(args.ids);
        let mut h = Hashing::new(std::io::Cursor::new(args.ids.join("\n").into_bytes()), true);
        let _ = std::io::copy(&mut h, &mut std::io::sink());
        let (sha256, bytes) = h.finish();
        sources.push(report::InputSource {
            source: "arguments".into(),
            sha256,
            bytes,
            lines: args.ids.len() as u64,
        });
    }
    if let Some(path) = args.ids_file {
        let name = if path == "-" { "<stdin>" } else { path };
        let before = collected.input_lines;
        // A file's size says about how many ids it holds (37 bytes a line): room for
        // them at once, instead of growing by doubling (which holds old and new).
        if path != "-"
            && let Ok(meta) = std::fs::metadata(path)
            && meta.is_file()
        {
            const MAX_RESERVED: u64 = 1 << 24;
            collected
                .ids
                .reserve((meta.len() / 37).min(MAX_RESERVED) as usize);
        }
        // The digest is evidence for the report; without one, only bytes are counted.
        let mut reader = open(path, args.hash)
            .map_err(|e| usage(format!("--ids-file {name}: {e}; nothing was sent")))?;
        collected
            .add_reader(name, &mut reader)
            .map_err(|e| usage(format!("{name}: {e}")))?;
        // Hash every byte of the input, also what follows a JSON array.
        std::io::copy(&mut reader, &mut std::io::sink())
            .map_err(|e| usage(format!("{name}: {e}")))?;
        let (sha256, bytes) = reader.into_inner().finish();
        sources.push(report::InputSource {
            source: name.into(),
            sha256,
            bytes,
            lines: collected.input_lines - before,
        });
    }
    if collected.bad_total > 0 {
        // Each bad item on a line of its own, before the error.
        let mut details: Vec<String> = collected.bad.iter().map(ToString::to_string).collect();
        let unlisted = collected.bad_total - collected.bad.len();
        if unlisted > 0 {
            details.push(format!(
                "... and {}",
                plural(unlisted as u64, "more invalid item", "more invalid items")
            ));
        }
        return Err(usage(format!(
            "{}; nothing was sent",
            plural(collected.bad_total as u64, "invalid id", "invalid ids")
        ))
        .with_details(details));
    }
    if collected.ids.is_empty() {
        return Err(usage(
            "no ids given (pass IDs, --ids-file PATH, or selectors such as --dataset NAME); nothing was sent",
        ));
    }
    Ok(Input {
        lines: collected.input_lines,
        set: IdSet::from_uuids(collected.ids),
        sources,
        selection: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "123e4567-e89b-12d3-a456-426614174000";

    fn read(bytes: &[u8]) -> Collected {
        let mut c = Collected::default();
        c.add_reader("f", std::io::Cursor::new(bytes.to_vec()))
            .unwrap();
        c
    }

    #[test]
    fn lines_comments_crlf_bom_and_forms() {
        let text = format!(
            "\u{feff}# header\r\n{A}\r\n\r\n  {}  \n{{{A}}}\n# end",
            A.to_uppercase()
        );
        let c = read(text.as_bytes());
        assert_eq!(c.bad, vec![]);
        assert_eq!(c.ids.len(), 3);
        assert_eq!(c.input_lines, 6);
    }

    #[test]
    fn ids_whole_in_the_buffer_and_ids_cut_by_it_read_alike() {
        // Every form, with CR, spaces, tabs, a vertical tab (Unicode white space, not
        // ASCII's), a BOM mid-file, comments and bad lines.
        let lines = [
            A.to_owned(),
            A.to_uppercase(),
            format!("{A}\r"),
            format!(" \t{A} "),
            format!("\u{b}{A}"),
            format!("{{{A}}}"),
            A.replace('-', ""),
            format!("urn:uuid:{A}"),
            format!("\u{feff}{A}"),
            "# a comment".to_owned(),
            String::new(),
            "nope".to_owned(),
            format!("{A}x"),
        ];
        let text = lines.join("\n") + "\n";
        // What the uuid crate itself makes of each line, trimmed as str::trim does.
        let expected: Vec<Uuid> = lines
            .iter()
            .filter_map(|l| uuid::Uuid::parse_str(l.trim_start_matches('\u{feff}').trim()).ok())
            .collect();
        assert_eq!(expected.len(), 9, "the test's own lines");
        let whole = read(text.as_bytes());
        let mut cut = Collected::default();
        // A 7-byte buffer: no line is ever whole in it.
        cut.add_reader(
            "f",
            std::io::BufReader::with_capacity(7, std::io::Cursor::new(text.clone())),
        )
        .unwrap();
        for c in [&whole, &cut] {
            assert_eq!(c.ids, expected);
            assert_eq!(c.input_lines, lines.len() as u64);
            let located: Vec<&str> = c.bad.iter().map(|b| b.location.as_str()).collect();
            assert_eq!(located, ["f:12", "f:13"]);
        }
    }

    #[test]
    fn bad_lines_are_located() {
        let c = read(format!("{A}\nnope\n\n{A}x\n").as_bytes());
        assert_eq!(c.bad_total, 2);
        assert_eq!(c.bad[0].location, "f:2");
        assert_eq!(c.bad[1].location, "f:4");
        assert!(
            c.bad[0].to_string().starts_with("f:2: not a UUID"),
            "{}",
            c.bad[0]
        );
    }

    #[test]
    fn hostile_input() {
        let c = read(b"\xff\xfe\n");
        assert!(c.bad[0].reason.starts_with("not UTF-8"), "{:?}", c.bad);
        let c = read(format!("{A}\0\n").as_bytes());
        assert_eq!(c.bad_total, 1);
        assert!(c.bad[0].value.contains("\\0"));
        // Control characters are escaped in the reason too, not only in the value: the
        // whole message stays one printable line.
        let c = read("123e4567-e89b-12d3-a456-42661417400\u{1b}\n".as_bytes());
        let shown = c.bad[0].to_string();
        assert!(!shown.chars().any(|ch| ch.is_control()), "{shown:?}");
        assert!(shown.contains("\\u{1b}"), "{shown}");
        let mut long = vec![b'a'; 10 << 20];
        long.extend_from_slice(format!("\n{A}\n").as_bytes());
        let c = read(&long);
        assert_eq!(c.ids.len(), 1);
        assert_eq!(c.bad[0].location, "f:1");
        assert!(c.bad[0].reason.contains("too long"));
        assert!(c.bad[0].to_string().len() < 300);
    }

    #[test]
    fn json_arrays() {
        let c = read(format!("\u{feff}  [\"{A}\", \"{}\"]", A.to_uppercase()).as_bytes());
        assert_eq!((c.ids.len(), c.bad_total), (2, 0));
        let c = read(format!("[\"{A}\", 5, \"x\"]").as_bytes());
        assert_eq!(c.bad_total, 2);
        assert_eq!(c.bad[0].location, "f: item 2");
        let c = read(b"[\"a\",");
        assert!(
            c.bad
                .iter()
                .any(|b| b.location == "f:1:5" && b.reason.starts_with("invalid JSON")),
            "{:?}",
            c.bad
        );
        // JSON only when the first non-space character is `[`: an object is a bad line,
        // and a braced id on the first line is an id.
        let c = read(b"{\"ids\": []}");
        assert_eq!(c.bad[0].location, "f:1");
        assert!(c.bad[0].reason.contains("not a UUID"));
        let c = read(format!("{{{A}}}\n{A}\n").as_bytes());
        assert_eq!((c.ids.len(), c.bad_total), (2, 0));
        let c = read(format!("[\"{A}\"] trailing").as_bytes());
        assert_eq!(c.bad_total, 1);
    }

    #[test]
    fn line_numbers_survive_leading_blank_buffers() {
        let mut text = "\n".repeat(100_000);
        text.push_str("bad\n");
        let c = read(text.as_bytes());
        assert_eq!(c.bad[0].location, "f:100001");
    }

    #[test]
    fn the_list_is_capped() {
        let text: String = (0..50).map(|i| format!("bad{i}\n")).collect();
        let c = read(text.as_bytes());
        assert_eq!((c.bad.len(), c.bad_total), (MAX_LISTED, 50));
    }
}
