//! A local HTTPS server that publishes client metadata documents for `tests/cimd.rs`.
//!
//! At start a throwaway CA issues a certificate for `127.0.0.1` and `localhost`; the gateway under
//! test is told to trust that CA (a test-only setting). Each path answers what the test set — status,
//! headers, body, a delay, chunked or not — and every request is counted, so tests can tell whether
//! the gateway fetched at all. HTTP/1.1 by hand: one request per connection.
#![allow(dead_code)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        ServerConfig,
        pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer},
    },
};

/// What one path answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// `Transfer-Encoding: chunked`, so no `Content-Length` announces the size.
    pub chunked: bool,
}

impl Reply {
    /// `200` with `Content-Type: application/json`.
    pub fn json(doc: &Value) -> Self {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: doc.to_string().into_bytes(),
            delay: Duration::ZERO,
            chunked: false,
        }
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }
}

#[derive(Default)]
struct Shared {
    replies: HashMap<String, Reply>,
    hits: HashMap<String, usize>,
}

pub struct DocServer {
    pub addr: SocketAddr,
    /// The CA that issued the server's certificate (PEM), for the gateway's test-only trust setting.
    pub ca_pem: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DocServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn certificates() -> (String, ServerConfig) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "cimd test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("leaf params");
    leaf.distinguished_name.push(DnType::CommonName, "localhost");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone()], key)
        .expect("server TLS config");
    (ca_cert.pem(), config)
}

impl DocServer {
    pub async fn start() -> Self {
        let (ca_pem, tls) = certificates();
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, state) = (acceptor.clone(), state.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = answer(tls, state).await;
                    }
                });
            }
        });
        DocServer { addr, ca_pem, shared, task }
    }

    /// `https://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.addr.port())
    }

    /// What `path` (with its query, if any) answers from now on.
    pub fn set(&self, path: &str, reply: Reply) {
        self.shared.lock().unwrap().replies.insert(path.to_owned(), reply);
    }

    /// How many requests `path` has received.
    pub fn hits(&self, path: &str) -> usize {
        self.shared.lock().unwrap().hits.get(path).copied().unwrap_or(0)
    }

    /// How many requests the server has received in all.
    pub fn total_hits(&self) -> usize {
        self.shared.lock().unwrap().hits.values().sum()
    }
}

async fn answer<S>(mut stream: S, shared: Arc<Mutex<Shared>>) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let reply = {
        let mut s = shared.lock().unwrap();
        *s.hits.entry(path.clone()).or_default() += 1;
        s.replies.get(&path).cloned()
    };
    let reply = reply.unwrap_or_else(|| Reply {
        status: 404,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: b"not found".to_vec(),
        delay: Duration::ZERO,
        chunked: false,
    });
    tokio::time::sleep(reply.delay).await;
    let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if reply.chunked {
        out.push_str("Transfer-Encoding: chunked\r\n\r\n");
        stream.write_all(out.as_bytes()).await?;
        for chunk in reply.body.chunks(1024) {
            stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await?;
        }
        stream.write_all(b"0\r\n\r\n").await?;
    } else {
        out.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
        stream.write_all(out.as_bytes()).await?;
        stream.write_all(&reply.body).await?;
    }
    stream.flush().await?;
    stream.shutdown().await
}
