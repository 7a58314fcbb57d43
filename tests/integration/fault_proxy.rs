//! A fault-injecting HTTP/1.1 proxy in front of moto, for tests and benchmarks.
//!
//! [`FaultProxy::start`] listens on `127.0.0.1:0` and forwards every request to the upstream
//! (`http://host:port`). Before forwarding it sleeps [`Faults::latency`]; then, with probability
//! [`Faults::throttle_fraction`], it answers itself with a throttling error shaped exactly like
//! AWS's (EC2: HTTP 503 `RequestLimitExceeded`; RDS and other query services: HTTP 400
//! `Throttling`), so the SDK's standard retry classifier retries it. The choice is a
//! deterministic pseudo-random sequence from [`Faults::seed`] over the order requests arrive.
//!
//! Clients keep their connections alive; each upstream exchange uses a fresh connection with
//! `Connection: close`, and the response is relayed with an exact `Content-Length`.
//! Dropping the proxy stops the listener and closes every client connection.
//!
//! Self-contained (std only) so a benchmark can include it with
//! `#[path = "../tests/integration/fault_proxy.rs"] mod fault_proxy;`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What to inject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Fraction of requests (0.0 to 1.0) answered with a throttling error instead of forwarded.
    pub throttle_fraction: f64,
    /// Sleep before handling each request (throttled or forwarded).
    pub latency: Duration,
    /// Seed of the throttling choice.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            throttle_fraction: 0.0,
            latency: Duration::ZERO,
            seed: 0,
        }
    }
}

/// Request counts, by `Action` (from the form body; `?` when it has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    pub throttled: u64,
    pub actions: BTreeMap<String, u64>,
    pub throttled_actions: BTreeMap<String, u64>,
}

struct Shared {
    upstream: String,
    faults: Faults,
    stop: AtomicBool,
    next_request: AtomicU64,
    next_conn: AtomicU64,
    counts: Mutex<Counts>,
    exchanges: Mutex<Vec<Exchange>>,
    /// Open client connections, so dropping the proxy can close them.
    conns: Mutex<BTreeMap<u64, TcpStream>>,
}

/// One forwarded request: its method and target (path and query), and the body bytes each
/// way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub method: String,
    pub target: String,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`http://host:port`, optionally with a trailing `/`).
    /// Panics when the URL is not plain HTTP or no local port can be bound: test setup only.
    pub fn start(upstream: &str, faults: Faults) -> FaultProxy {
        let hostport = upstream
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("fault proxy upstream must be http://host:port: {upstream}"))
            .trim_end_matches('/')
            .to_string();
        assert!(
            !hostport.contains('/'),
            "fault proxy upstream must have no path: {upstream}"
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let addr = listener.local_addr().expect("fault proxy address");
        let shared = Arc::new(Shared {
            upstream: hostport,
            faults,
            stop: AtomicBool::new(false),
            next_request: AtomicU64::new(0),
            next_conn: AtomicU64::new(0),
            counts: Mutex::new(Counts::default()),
            exchanges: Mutex::new(Vec::new()),
            conns: Mutex::new(BTreeMap::new()),
        });
        let s = shared.clone();
        let accept = std::thread::spawn(move || accept_loop(listener, s));
        FaultProxy {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// The endpoint to give clients instead of the upstream.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far (throttled or forwarded).
    pub fn requests(&self) -> u64 {
        self.counts().requests
    }

    /// Requests answered with a throttling error so far.
    pub fn throttled(&self) -> u64 {
        self.counts().throttled
    }

    /// Requests received so far with this `Action`.
    pub fn action(&self, action: &str) -> u64 {
        self.counts().actions.get(action).copied().unwrap_or(0)
    }

    /// Every request forwarded so far, in arrival order of its answer.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.exchanges).clone()
    }

    /// A snapshot of every counter.
    pub fn counts(&self) -> Counts {
        lock(&self.shared.counts).clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept; it sees the flag and returns.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for c in lock(&self.shared.conns).values() {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(conn) = conn else { continue };
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(c) = conn.try_clone() {
            lock(&shared.conns).insert(id, c);
        }
        let s = shared.clone();
        std::thread::spawn(move || {
            let _ = serve(conn, &s);
            lock(&s.conns).remove(&id);
        });
    }
}

/// One HTTP/1.1 message: start line, headers in order, decoded body.
struct Message {
    start: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Writes the message with `extra` headers, dropping hop-by-hop and length headers (the
    /// body is sent with an exact `Content-Length`).
    fn write_to(&self, w: &mut impl Write, extra: &[(&str, &str)]) -> io::Result<()> {
        const DROP: [&str; 6] = [
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "content-length",
            "expect",
        ];
        let mut out = format!("{}\r\n", self.start);
        for (k, v) in &self.headers {
            if !DROP.iter().any(|d| k.eq_ignore_ascii_case(d)) {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        for (k, v) in extra {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        w.write_all(&bytes)?;
        w.flush()
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

fn read_line(r: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()))
}

/// Reads one message; `None` at a clean end of stream before it starts. A response without
/// length or chunking runs until the connection closes.
fn read_message(r: &mut impl BufRead, response: bool) -> io::Result<Option<Message>> {
    let start = loop {
        match read_line(r)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?.ok_or_else(|| invalid("end of stream in headers"))?;
        if line.is_empty() {
            break;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| invalid("malformed header"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut m = Message {
        start,
        headers,
        body: Vec::new(),
    };
    let status = m.start.split(' ').nth(1).unwrap_or("");
    let bodiless = response && (status.starts_with('1') || status == "204" || status == "304");
    if bodiless {
        return Ok(Some(m));
    }
    let chunked = m
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let size_line = read_line(r)?.ok_or_else(|| invalid("end of stream in chunk"))?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while read_line(r)?.is_some_and(|l| !l.is_empty()) {}
                break;
            }
            let at = m.body.len();
            m.body.resize(at + size, 0);
            r.read_exact(&mut m.body[at..])?;
            read_line(r)?;
        }
    } else if let Some(n) = m.header("content-length") {
        let n: usize = n.parse().map_err(|_| invalid("bad content-length"))?;
        m.body.resize(n, 0);
        r.read_exact(&mut m.body)?;
    } else if response {
        r.read_to_end(&mut m.body)?;
    }
    Ok(Some(m))
}

/// Serves one client connection until it closes (or asks to close).
fn serve(client: TcpStream, shared: &Shared) -> io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    while let Some(req) = read_message(&mut reader, false)? {
        let close = req.start.ends_with("HTTP/1.0")
            || req
                .header("connection")
                .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let resp = handle(&req, shared);
        let extra: &[(&str, &str)] = if close {
            &[("Connection", "close")]
        } else {
            &[]
        };
        resp.write_to(&mut writer, extra)?;
        if close {
            break;
        }
    }
    Ok(())
}

/// splitmix64: the `n`th value of the sequence seeded by `seed`.
fn splitmix(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A form parameter of a query-protocol body (values the SDK sends for `Action` and `Version`
/// are plain ASCII, so no percent-decoding is needed).
fn form_param<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn handle(req: &Message, shared: &Shared) -> Message {
    let n = shared.next_request.fetch_add(1, Ordering::SeqCst);
    let r = splitmix(shared.faults.seed, n);
    let throttle = ((r >> 11) as f64 / (1u64 << 53) as f64) < shared.faults.throttle_fraction;
    let body = String::from_utf8_lossy(&req.body);
    let action = form_param(&body, "Action").unwrap_or("?").to_string();
    let ec2 = form_param(&body, "Version") == Some("2016-11-15");
    {
        let mut c = lock(&shared.counts);
        c.requests += 1;
        *c.actions.entry(action.clone()).or_default() += 1;
        if throttle {
            c.throttled += 1;
            *c.throttled_actions.entry(action).or_default() += 1;
        }
    }
    if !shared.faults.latency.is_zero() {
        std::thread::sleep(shared.faults.latency);
    }
    if throttle {
        return throttled(ec2, splitmix(!shared.faults.seed, n));
    }
    let resp = forward(req, &shared.upstream).unwrap_or_else(|e| Message {
        start: "HTTP/1.1 502 Bad Gateway".into(),
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: format!("fault proxy: upstream {}: {e}", shared.upstream).into_bytes(),
    });
    let mut words = req.start.split(' ');
    lock(&shared.exchanges).push(Exchange {
        method: words.next().unwrap_or_default().to_string(),
        target: words.next().unwrap_or_default().to_string(),
        bytes_up: req.body.len() as u64,
        bytes_down: resp.body.len() as u64,
    });
    resp
}

/// A throttling answer in the service's own error format.
fn throttled(ec2: bool, id: u64) -> Message {
    let request_id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        id >> 32,
        (id >> 16) & 0xffff,
        id & 0xfff,
        (id >> 20) & 0xfff,
        id & 0xffff_ffff_ffff
    );
    let (start, body) = if ec2 {
        (
            "HTTP/1.1 503 Service Unavailable",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"),
        )
    } else {
        (
            "HTTP/1.1 400 Bad Request",
            format!("<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"),
        )
    };
    Message {
        start: start.into(),
        headers: vec![
            ("Content-Type".into(), "text/xml;charset=UTF-8".into()),
            ("x-amzn-RequestId".into(), request_id),
        ],
        body: body.into_bytes(),
    }
}

/// Sends `req` upstream on a fresh connection and reads the whole response.
fn forward(req: &Message, upstream: &str) -> io::Result<Message> {
    let conn = TcpStream::connect(upstream)?;
    conn.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut w = conn.try_clone()?;
    req.write_to(&mut w, &[("Connection", "close")])?;
    let mut r = BufReader::new(conn);
    let mut resp = read_message(&mut r, true)?.ok_or_else(|| invalid("no response"))?;
    // Relay as HTTP/1.1 whatever the upstream spoke, so the client may keep its connection.
    if let Some((_, rest)) = resp.start.split_once(' ') {
        resp.start = format!("HTTP/1.1 {rest}");
    }
    Ok(resp)
}
