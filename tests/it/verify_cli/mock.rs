//! A tiny HTTP/1.1 server on 127.0.0.1 for the verification tests: it
//! answers each request by the key it carries (in any header), records
//! what it saw, counts connections, and answers a proxy's `CONNECT` with
//! 502 (so it can stand in for an HTTPS proxy too). Threads, std only.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the mock answers a key.
#[derive(Clone, Debug)]
pub enum Reply {
    /// This status and JSON body.
    Status(u16, String),
    /// Accept, read the request, then say nothing for this long and close.
    Hang(Duration),
    /// Close the connection without an answer.
    Close,
}

/// One request as the mock saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// The header that carried a registered key (lower case), and the key.
    pub key_header: Option<String>,
    pub key: Option<String>,
    /// Every header, lower-cased names.
    pub headers: Vec<(String, String)>,
}

pub struct Mock {
    pub base: String,
    pub port: u16,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    /// Start a mock answering `replies` (key → reply); any other request
    /// gets 404.
    pub fn start(replies: HashMap<String, Reply>) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let replies = Arc::new(replies);
        {
            let (connections, seen) = (connections.clone(), seen.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (seen, replies) = (seen.clone(), replies.clone());
                    std::thread::spawn(move || serve(stream, &replies, &seen));
                }
            });
        }
        Mock {
            base: format!("http://127.0.0.1:{port}"),
            port,
            connections,
            seen,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests that carried `key`.
    pub fn seen_with(&self, key: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.key.as_deref() == Some(key))
            .collect()
    }
}

fn serve(mut stream: TcpStream, replies: &HashMap<String, Reply>, seen: &Mutex<Vec<Seen>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(head) = read_head(&mut stream) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let found = headers.iter().find_map(|(name, value)| {
        let bare = value.strip_prefix("Bearer ").unwrap_or(value);
        replies
            .get_key_value(bare)
            .map(|(k, reply)| (name.clone(), k.clone(), reply.clone()))
    });
    // Drain a body, if one was announced.
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(1 << 16)];
    let _ = stream.read_exact(&mut body);
    seen.lock().unwrap().push(Seen {
        method: method.clone(),
        target,
        key_header: found.as_ref().map(|f| f.0.clone()),
        key: found.as_ref().map(|f| f.1.clone()),
        headers,
    });
    let reply = match (method.as_str(), found) {
        ("CONNECT", _) => Reply::Status(502, String::new()),
        (_, Some((_, _, reply))) => reply,
        (_, None) => Reply::Status(404, "{}".into()),
    };
    match reply {
        Reply::Status(status, body) => {
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Mock\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Reply::Hang(pause) => std::thread::sleep(pause),
        Reply::Close => {}
    }
}

/// The request line and headers, up to the blank line (64 KiB at most).
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 1 << 16 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}
