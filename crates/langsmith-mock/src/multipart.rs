//! A small `multipart/form-data` reader for the multipart routes (the example upload and
//! update, `POST`/`PATCH /v1/platform/datasets/{id}/examples`, and `POST /runs/multipart`):
//! each part's name, content type and bytes, framed as RFC 7578 frames them (a part's
//! other headers are not read). Anything else (no boundary, a part without a name, a body
//! that does not end with the closing delimiter) is an error naming what is wrong.

/// One part of a form.
#[derive(Debug)]
pub(crate) struct Part {
    pub(crate) name: String,
    /// The `filename` of its `Content-Disposition`, if any (a file field's).
    pub(crate) filename: Option<String>,
    /// Its `Content-Type` header as sent (`image/png; length=12`), if any.
    pub(crate) content_type: Option<String>,
    pub(crate) data: Vec<u8>,
}

impl Part {
    /// The media type of its `Content-Type` without parameters (`image/png`), if any.
    pub(crate) fn mime_type(&self) -> Option<&str> {
        self.content_type
            .as_deref()
            .and_then(|t| t.split(';').next())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Result<String, String> {
    let mut it = content_type.split(';').map(str::trim);
    if !it
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
    {
        return Err(format!(
            "content type {content_type:?} is not multipart/form-data"
        ));
    }
    it.find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| "the multipart content type names no boundary".to_owned())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The parts of `body`.
pub(crate) fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let mut pos = find(body, delimiter.as_bytes(), 0)
        .ok_or("the body holds no multipart delimiter")?
        + delimiter.len();
    let next_delimiter = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Ok(parts);
        }
        if body.get(pos..pos + 2) != Some(b"\r\n") {
            return Err(format!("byte {pos}: a delimiter not followed by CRLF"));
        }
        pos += 2;
        let headers_end = find(body, b"\r\n\r\n", pos)
            .ok_or_else(|| format!("byte {pos}: a part's headers do not end"))?;
        let headers = std::str::from_utf8(&body[pos..headers_end])
            .map_err(|_| format!("byte {pos}: a part's headers are not UTF-8"))?;
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| format!("a part header {line:?} has no colon"))?;
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                let param = |key: &str| {
                    v.split(';')
                        .map(str::trim)
                        .find_map(|p| p.strip_prefix(key))
                        .map(|n| n.trim_matches('"').to_owned())
                };
                name = param("name=");
                filename = param("filename=");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_owned());
            }
        }
        let name = name.ok_or_else(|| format!("byte {pos}: a part without a name"))?;
        let data_start = headers_end + 4;
        let end = find(body, next_delimiter.as_bytes(), data_start)
            .ok_or_else(|| format!("part {name:?}: no closing delimiter"))?;
        parts.push(Part {
            name,
            filename,
            content_type,
            data: body[data_start..end].to_vec(),
        });
        pos = end + next_delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_read_binary_safe_and_bad_framing_is_named() {
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.csv\"\r\nContent-Type: application/json\r\n\r\n{\"k\":\r\n1}\r\n--xyz\r\nContent-Disposition: form-data; name=\"b.inputs\"\r\n\r\n\x00\xff\r\n--xyz--\r\n";
        let parts = parse(body, "xyz").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "a");
        assert_eq!(parts[0].filename.as_deref(), Some("a.csv"));
        assert_eq!(parts[1].filename, None);
        assert_eq!(parts[0].data, b"{\"k\":\r\n1}");
        assert_eq!(parts[0].mime_type(), Some("application/json"));
        assert_eq!(parts[1].mime_type(), None);
        assert_eq!(parts[1].data, b"\x00\xff");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"xyz\"").unwrap(),
            "xyz"
        );
        assert!(boundary("application/json").is_err());
        assert!(
            parse(
                b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nopen",
                "xyz"
            )
            .unwrap_err()
            .contains("\"a\"")
        );
    }
}
