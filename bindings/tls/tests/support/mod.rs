//! Builds tls bindings by hand over a real tcp server and an echo exit, and TLS clients to
//! talk to them over loopback.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use zilla_binding_echo::EchoBindingFactory;
use zilla_binding_tcp::{TcpBindingFactory, TcpServer};
use zilla_binding_tls::TlsBindingFactory;
use zilla_engine::binding::{Binding, BindingFactory, BuildContext, BuildError, Exit, Limits};
use zilla_engine::config::model::BindingConfig;
use zilla_engine::frame::BindingId;
use zilla_engine::registry::{ComponentContext, VaultFactory};
use zilla_engine::runtime::listeners::Listeners;
use zilla_engine::telemetry::events::Events;
use zilla_engine::vault::Vault;
use zilla_vault_filesystem::FilesystemVaultFactory;

pub const PASSWORD: &str = "test-password";

pub fn keys_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys")
}

pub fn config(value: Value) -> BindingConfig {
    serde_json::from_value(value).unwrap_or_else(|error| panic!("bad test config: {error}"))
}

pub fn exit(binding: Arc<dyn Binding>) -> Exit {
    Exit {
        id: binding.id().clone(),
        binding,
    }
}

pub fn vault_in(options: Value, dir: &Path) -> Arc<dyn Vault> {
    FilesystemVaultFactory
        .build(ComponentContext {
            id: "test:vault".into(),
            options: Some(&options),
            config_dir: dir,
            events: Events::new(),
        })
        .unwrap_or_else(|error| panic!("vault: {error}"))
}

/// The usual test vault: the `localhost` key (modern PKCS#12) and the CA as trust.
pub fn vault() -> Arc<dyn Vault> {
    vault_in(
        json!({
            "keys": { "store": "localhost.p12", "password": PASSWORD },
            "trust": { "store": "trust.p12", "password": PASSWORD }
        }),
        &keys_dir(),
    )
}

pub fn context<'a>(
    name: &str,
    config: &'a BindingConfig,
    exits: Vec<(&str, Exit)>,
    vault: Option<Arc<dyn Vault>>,
) -> BuildContext<'a> {
    BuildContext {
        id: BindingId::from(format!("test:{name}")),
        config,
        config_dir: Path::new("."),
        exits: exits
            .into_iter()
            .map(|(name, exit)| (name.to_owned(), exit))
            .collect::<BTreeMap<_, _>>(),
        guards: BTreeMap::new(),
        vault,
        listeners: Listeners::new(),
        events: Events::new(),
        limits: Limits::default(),
    }
}

pub fn try_tls(
    name: &str,
    config: &BindingConfig,
    exits: Vec<(&str, Exit)>,
    vault: Option<Arc<dyn Vault>>,
) -> Result<Arc<dyn Binding>, BuildError> {
    TlsBindingFactory::default().build(context(name, config, exits, vault))
}

pub fn echo() -> Exit {
    let config = config(json!({"type": "echo", "kind": "server"}));
    exit(
        EchoBindingFactory
            .build(context("echo", &config, Vec::new(), None))
            .unwrap_or_else(|error| panic!("echo: {error}")),
    )
}

/// A tcp server on an ephemeral loopback port whose every connection goes to `next`.
pub async fn tcp_server(next: Exit) -> (Arc<TcpServer>, SocketAddr) {
    let config = config(json!({
        "type": "tcp", "kind": "server",
        "options": { "host": "127.0.0.1", "port": 0 }, "exit": "next"
    }));
    let server = TcpBindingFactory::new()
        .build_server(context("tcp", &config, vec![("next", next)], None))
        .unwrap_or_else(|error| panic!("tcp: {error}"));
    let server = Arc::new(server);
    server
        .start()
        .await
        .unwrap_or_else(|error| panic!("start: {error}"));
    let address = server.local_addrs().first().copied();
    (server, address.unwrap_or_else(|| panic!("no listener")))
}

/// tcp server → tls server (with `options` and `vault`) → echo.
pub async fn tls_echo_server(
    options: Value,
    vault: Arc<dyn Vault>,
) -> (Arc<TcpServer>, SocketAddr) {
    let config = config(json!({
        "type": "tls", "kind": "server", "vault": "vault", "options": options, "exit": "echo"
    }));
    let tls = try_tls("tls", &config, vec![("echo", echo())], Some(vault))
        .unwrap_or_else(|error| panic!("tls: {error}"));
    tcp_server(exit(tls)).await
}

pub fn certificates(file: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(keys_dir().join(file))
        .unwrap_or_else(|error| panic!("{file}: {error}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("{file}: {error}"))
}

pub fn private_key(file: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_file(keys_dir().join(file))
        .unwrap_or_else(|error| panic!("{file}: {error}"))
}

/// A rustls client that trusts the test CA, optionally presenting `client` (`<name>.crt` and
/// `<name>.key`), limited to `versions`.
pub fn client_config(
    client: Option<&str>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates("ca.crt") {
        roots
            .add(certificate)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap_or_else(|error| panic!("{error}"))
    .with_root_certificates(roots);
    match client {
        Some(name) => builder
            .with_client_auth_cert(
                certificates(&format!("{name}.crt")),
                private_key(&format!("{name}.key")),
            )
            .unwrap_or_else(|error| panic!("{error}")),
        None => builder.with_no_client_auth(),
    }
}

pub async fn connect_with(
    address: SocketAddr,
    server_name: &str,
    config: rustls::ClientConfig,
) -> std::io::Result<TlsStream<TcpStream>> {
    let socket = TcpStream::connect(address).await?;
    let name = ServerName::try_from(server_name.to_owned())
        .map_err(|error| std::io::Error::other(error.to_string()))?;
    let connect = TlsConnector::from(Arc::new(config)).connect(name, socket);
    tokio::time::timeout(Duration::from_secs(5), connect)
        .await
        .unwrap_or_else(|_| panic!("handshake hung"))
}

pub async fn connect(
    address: SocketAddr,
    server_name: &str,
) -> std::io::Result<TlsStream<TcpStream>> {
    connect_with(
        address,
        server_name,
        client_config(None, rustls::ALL_VERSIONS),
    )
    .await
}

/// Writes `message` and reads it back; an error when the connection refuses.
pub async fn round_trip<S>(stream: &mut S, message: &[u8]) -> std::io::Result<Vec<u8>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    stream.write_all(message).await?;
    stream.flush().await?;
    let mut echoed = vec![0u8; message.len()];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut echoed))
        .await
        .map_err(|_| std::io::Error::other("no echo in time"))??;
    Ok(echoed)
}

/// Whether the peer closed: EOF or an error within a few seconds.
pub async fn closed<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> bool {
    let mut buffer = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    });
    read.await.is_ok()
}

/// Runs `openssl s_client` against `address` with `arguments`, sends `input`, waits a moment
/// for the answer, and returns everything it printed.
pub async fn openssl_client(address: SocketAddr, arguments: &[&str], input: &[u8]) -> String {
    let mut command = std::process::Command::new("openssl");
    command
        .args(["s_client", "-connect", &address.to_string()])
        .args(arguments)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let input = input.to_vec();
    let run = tokio::task::spawn_blocking(move || {
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("openssl is needed for this test: {error}"));
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            let _ = stdin.write_all(&input);
            let _ = stdin.flush();
            std::thread::sleep(Duration::from_millis(700));
        }
        let output = child
            .wait_with_output()
            .unwrap_or_else(|error| panic!("openssl: {error}"));
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .unwrap_or_else(|_| panic!("openssl hung"))
        .unwrap_or_else(|error| panic!("{error}"))
}
