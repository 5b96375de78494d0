//! Measuring helpers the benchmarks share: closed-loop load and percentiles.

#![allow(dead_code)]

use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
pub struct Stats {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

/// Percentiles of `v`; all zero when nothing was measured (a side the
/// command line left out).
pub fn stats(mut v: Vec<Duration>) -> Stats {
    if v.is_empty() {
        return Stats {
            p50: Duration::ZERO,
            p95: Duration::ZERO,
            p99: Duration::ZERO,
        };
    }
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    Stats {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs `requests` calls spread over `clients` concurrent workers; answers the latencies.
pub async fn load<F, Fut>(clients: usize, requests: usize, call: F) -> Vec<Duration>
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let per = requests.div_ceil(clients);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per);
            for k in 0..per {
                let t = Instant::now();
                call(c, c * per + k).await;
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    all
}

/// One measured load: its latencies, and the CPU each call took.
#[derive(Clone, Copy)]
pub struct Run {
    pub stats: Stats,
    /// This process's CPU (server and load generator) per call.
    pub cpu: Duration,
    /// The whole machine's busy CPU per call: this process, PostgreSQL and
    /// the kernel's work for both.
    pub machine_cpu: Duration,
    /// From the first call sent to the last answered.
    pub elapsed: Duration,
    /// Calls made.
    pub calls: usize,
}

impl Run {
    /// `process / machine` CPU per call, for a table cell.
    pub fn cpu_cell(&self) -> String {
        format!("{} / {}", ms(self.cpu), ms(self.machine_cpu))
    }

    /// Calls answered per second.
    pub fn rate(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// [`load`], measured: percentiles, and CPU per call averaged over `per`
/// calls (pass the number of requests even when `requests` is zero because
/// the command line left this side out; everything then reads zero).
pub async fn measure<F, Fut>(clients: usize, requests: usize, per: usize, call: F) -> Run
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let (process, machine) = (process_cpu(), machine_cpu());
    let started = std::time::Instant::now();
    let times = load(clients, requests, call).await;
    let elapsed = started.elapsed();
    let per = per.max(1) as u32;
    Run {
        calls: times.len(),
        stats: stats(times),
        cpu: (process_cpu() - process) / per,
        machine_cpu: (machine_cpu() - machine) / per,
        elapsed,
    }
}

/// The value after `--name` on the benchmark's command line, if given.
pub fn arg(name: &str) -> Option<String> {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|x| x == name)
        .and_then(|i| argv.get(i + 1))
        .cloned()
}

/// The benchmarks' runtime: two worker threads, as the machines this runs on
/// have two cores.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A lean load generator's client: one keep-alive HTTP/1 connection, a fixed
/// session cookie, pre-encoded bodies. It spends far less CPU per request than
/// a general client with a cookie jar, which matters when the load generator
/// shares the server's two cores (as `wrk` would, compared with a browser).
pub struct LeanClient {
    sender: tokio::sync::Mutex<
        hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>,
    >,
    origin: http::HeaderValue,
    host: http::HeaderValue,
    cookie: http::HeaderValue,
}

impl LeanClient {
    /// Connects to `base` (`http://127.0.0.1:port`) as the holder of `cookie`.
    pub async fn connect(base: &str, cookie: &str) -> LeanClient {
        let addr = base.trim_start_matches("http://");
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(connection);
        LeanClient {
            sender: tokio::sync::Mutex::new(sender),
            origin: base.parse().expect("origin"),
            host: addr.parse().expect("host"),
            cookie: cookie.parse().expect("cookie"),
        }
    }

    /// POSTs `body` (JSON) to the server function `endpoint`; answers the
    /// status and the body.
    pub async fn post(
        &self,
        endpoint: &str,
        body: bytes::Bytes,
    ) -> (http::StatusCode, bytes::Bytes) {
        use http::header;
        let request = http::Request::post(format!("/api/{endpoint}"))
            .header(header::HOST, self.host.clone())
            .header(header::ORIGIN, self.origin.clone())
            .header(header::COOKIE, self.cookie.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(http_body_util::Full::new(body))
            .expect("request");
        self.send(request).await
    }

    /// GETs `path` with the session cookie; answers the status and the body.
    pub async fn get(&self, path: &str) -> (http::StatusCode, bytes::Bytes) {
        use http::header;
        let request = http::Request::get(path)
            .header(header::HOST, self.host.clone())
            .header(header::COOKIE, self.cookie.clone())
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .expect("request");
        self.send(request).await
    }

    async fn send(
        &self,
        request: http::Request<http_body_util::Full<bytes::Bytes>>,
    ) -> (http::StatusCode, bytes::Bytes) {
        use http_body_util::BodyExt;
        let mut sender = self.sender.lock().await;
        sender.ready().await.expect("connection ready");
        let response = sender.send_request(request).await.expect("response");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, body)
    }
}

/// CPU time this process has used so far (user + system), for CPU per request.
pub fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let total = ticks(11) + ticks(12);
    // Linux reports them in USER_HZ, 100 per second on every common platform.
    Duration::from_millis(total * 10)
}

/// Busy CPU time of the whole machine so far, all cores together: every
/// state of `/proc/stat`'s `cpu` line except idle and I/O wait.
pub fn machine_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is in user).
    let busy: u64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    Duration::from_millis(busy * 10)
}
