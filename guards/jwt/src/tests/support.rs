//! Test keys (generated with openssl at test time), token minting, guard contexts, captured
//! events and a tiny HTTP server for JWK sets.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use zilla_engine::registry::ComponentContext;
use zilla_engine::telemetry::events::{Event, EventSink, Events};

use crate::guard_builder::{build_guard, Tuning};
use crate::jwt_guard::JwtGuard;

pub const ISSUER: &str = "https://auth.example.com";
pub const AUDIENCE: &str = "https://api.example.com";
pub const GUARD: &str = "test:jwt0";

/// A private key for signing and its public half for the guard.
pub struct TestKey {
    pub pem: Vec<u8>,
    pub encoding: EncodingKey,
    /// The public JWK members (`kty`, `n`/`e` or `crv`/`x`/`y`), without `kid` or `alg`.
    pub public: Value,
}

impl TestKey {
    /// The public JWK with a kid and, when given, an alg.
    pub fn jwk(&self, kid: Option<&str>, alg: Option<&str>) -> Value {
        let mut jwk = self.public.clone();
        if let Some(kid) = kid {
            jwk["kid"] = json!(kid);
        }
        if let Some(alg) = alg {
            jwk["alg"] = json!(alg);
        }
        jwk
    }
}

pub struct TestKeys {
    pub rsa: TestKey,
    pub rsa_other: TestKey,
    pub p256: TestKey,
    pub ed25519: TestKey,
}

pub fn keys() -> &'static TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = scratch_dir("keys");
        let keys = TestKeys {
            rsa: rsa_key(&dir, "rsa"),
            rsa_other: rsa_key(&dir, "rsa-other"),
            p256: p256_key(&dir),
            ed25519: ed25519_key(&dir),
        };
        let _ = std::fs::remove_dir_all(dir);
        keys
    })
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn generate(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, Vec<u8>) {
    let path = dir.join(format!("{name}.pem"));
    let path_text = path.to_str().expect("utf-8 path");
    let mut all = vec!["genpkey"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-out", path_text]);
    openssl(&all);
    let pem = std::fs::read(&path).expect("key file");
    (path, pem)
}

/// The public key as SubjectPublicKeyInfo DER, whose tail is the raw point for EC and OKP.
fn public_der(path: &Path) -> Vec<u8> {
    openssl(&[
        "pkey",
        "-in",
        path.to_str().expect("utf-8 path"),
        "-pubout",
        "-outform",
        "DER",
    ])
}

fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn rsa_key(dir: &Path, name: &str) -> TestKey {
    let (path, pem) = generate(
        dir,
        name,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    );
    let modulus = openssl(&[
        "rsa",
        "-in",
        path.to_str().expect("utf-8 path"),
        "-noout",
        "-modulus",
    ]);
    let hex = String::from_utf8(modulus).expect("text");
    let hex = hex.trim().trim_start_matches("Modulus=");
    let n: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex"))
        .collect();
    TestKey {
        encoding: EncodingKey::from_rsa_pem(&pem).expect("rsa pem"),
        pem,
        public: json!({ "kty": "RSA", "n": b64url(&n), "e": "AQAB" }),
    }
}

fn p256_key(dir: &Path) -> TestKey {
    let (path, pem) = generate(
        dir,
        "p256",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let der = public_der(&path);
    let point = &der[der.len() - 64..];
    TestKey {
        encoding: EncodingKey::from_ec_pem(&pem).expect("ec pem"),
        pem,
        public: json!({ "kty": "EC", "crv": "P-256", "x": b64url(&point[..32]), "y": b64url(&point[32..]) }),
    }
}

fn ed25519_key(dir: &Path) -> TestKey {
    let (path, pem) = generate(dir, "ed25519", &["-algorithm", "ED25519"]);
    let der = public_der(&path);
    TestKey {
        encoding: EncodingKey::from_ed_pem(&pem).expect("ed pem"),
        pem,
        public: json!({ "kty": "OKP", "crv": "Ed25519", "x": b64url(&der[der.len() - 32..]) }),
    }
}

/// The same bytes in standard base64 with padding, as the upstream example writes `n`.
pub fn standard_base64(base64url: &str) -> String {
    STANDARD.encode(URL_SAFE_NO_PAD.decode(base64url).expect("base64url"))
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs() as i64)
        .unwrap_or_default()
}

/// Claims Zilla's guard tests use: subject, scope, issuer, audience, ten seconds to live.
pub fn claims() -> Value {
    json!({
        "sub": "testSubject",
        "scope": "read:stream write:stream",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": now() + 10,
    })
}

pub fn sign(key: &TestKey, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("token")
}

/// A token whose header and payload are exactly these, with `signature` appended.
pub fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    )
}

/// Options like the upstream example's, with the given keys.
pub fn options(keys: Value) -> Value {
    json!({ "issuer": ISSUER, "audience": AUDIENCE, "keys": keys, "challenge": 3 })
}

#[derive(Default)]
pub struct CapturedEvents(Mutex<Vec<Event>>);

impl EventSink for CapturedEvents {
    fn event(&self, event: &Event) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event.clone());
        }
    }
}

impl CapturedEvents {
    pub fn named(&self, name: &str) -> Vec<Event> {
        self.0
            .lock()
            .map(|events| {
                events
                    .iter()
                    .filter(|event| event.name == name)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub struct Built {
    pub guard: JwtGuard,
    pub events: Arc<CapturedEvents>,
}

pub fn try_build(options: &Value, config_dir: &Path, tuning: Tuning) -> Result<Built, String> {
    let captured = Arc::new(CapturedEvents::default());
    let events = Events::new();
    events.set_sinks(vec![captured.clone()]);
    let context = ComponentContext {
        id: Arc::from(GUARD),
        options: Some(options),
        config_dir,
        events,
    };
    build_guard(&context, tuning)
        .map(|guard| Built {
            guard,
            events: captured,
        })
        .map_err(|error| error.to_string())
}

pub fn build(options: &Value) -> Built {
    try_build(options, Path::new("."), Tuning::default()).expect("guard builds")
}

/// A directory of its own for one test, under the system's temporary directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "jwt-guard-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Serves one body to every GET, over plain HTTP on an ephemeral port, counting requests and
/// remembering the last path asked for.
pub struct JwksServer {
    pub url: String,
    body: Arc<Mutex<Vec<u8>>>,
    hits: Arc<AtomicUsize>,
    last_path: Arc<Mutex<String>>,
}

impl JwksServer {
    pub fn start(body: impl Into<Vec<u8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let body = Arc::new(Mutex::new(body.into()));
        let hits = Arc::new(AtomicUsize::new(0));
        let last_path = Arc::new(Mutex::new(String::new()));
        let (served, counted, pathed) = (body.clone(), hits.clone(), last_path.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(read) => request.extend_from_slice(&chunk[..read]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                *pathed.lock().expect("path") = path;
                counted.fetch_add(1, Ordering::SeqCst);
                let body = served.lock().expect("body").clone();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Self {
            url,
            body,
            hits,
            last_path,
        }
    }

    pub fn serve(&self, body: impl Into<Vec<u8>>) {
        *self.body.lock().expect("body") = body.into();
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn last_path(&self) -> String {
        self.last_path.lock().expect("path").clone()
    }
}

pub fn jwks(keys: &[Value]) -> Vec<u8> {
    json!({ "keys": keys }).to_string().into_bytes()
}
