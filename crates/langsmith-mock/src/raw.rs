//! Raw HTTP responders for what a well-behaved server never does: answer with exact
//! bytes (any status, any body), never answer, or trickle a body a byte at a time.
//! They count connections, so tests can see how often a client tried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a [`RawServer`] does once it has read a request.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// Writes these bytes and closes the connection.
    Respond(Vec<u8>),
    /// Never answers.
    Silent,
    /// Writes `head`, then one body byte every `every`, forever.
    Trickle { head: Vec<u8>, every: Duration },
    /// Writes `head`, then `len` bytes of `fill` as fast as the client reads them (a huge
    /// body without holding it in memory).
    Flood { head: Vec<u8>, fill: u8, len: u64 },
}

/// A complete HTTP/1.1 response with a correct `content-length`.
pub fn http_response(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status_line}\r\nconnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A loopback server with one [`Behavior`]. Stops when dropped.
pub struct RawServer {
    url: String,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request: its head and `content-length` bytes of body.
async fn read_request(sock: &mut tokio::net::TcpStream) -> bool {
    let mut buf = vec![0u8; 1 << 16];
    let mut seen = Vec::new();
    loop {
        let n = sock.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return false;
        }
        seen.extend_from_slice(&buf[..n]);
        let Some(head_end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&seen[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if seen.len() >= head_end + 4 + len {
            return true;
        }
    }
}

impl RawServer {
    pub async fn start(behavior: Behavior) -> std::io::Result<RawServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let behavior = behavior.clone();
                tokio::spawn(async move {
                    if !read_request(&mut sock).await {
                        return;
                    }
                    match behavior {
                        Behavior::Respond(bytes) => {
                            let _ = sock.write_all(&bytes).await;
                            let _ = sock.shutdown().await;
                        }
                        Behavior::Silent => std::future::pending::<()>().await,
                        Behavior::Flood { head, fill, len } => {
                            if sock.write_all(&head).await.is_err() {
                                return;
                            }
                            let chunk = vec![fill; 64 * 1024];
                            let mut left = len;
                            while left > 0 {
                                let n = left.min(chunk.len() as u64) as usize;
                                if sock.write_all(&chunk[..n]).await.is_err() {
                                    return;
                                }
                                left -= n as u64;
                            }
                            let _ = sock.shutdown().await;
                        }
                        Behavior::Trickle { head, every } => {
                            if sock.write_all(&head).await.is_err() {
                                return;
                            }
                            while sock.write_all(b" ").await.is_ok() {
                                tokio::time::sleep(every).await;
                            }
                        }
                    }
                });
            }
        });
        Ok(RawServer {
            url,
            connections,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
