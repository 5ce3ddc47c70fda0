//! The real `zilla` binary as a user runs it: exit codes, messages, the ready file.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn zilla() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zilla"));
    command.env_remove("RUST_LOG");
    command
}

fn run(args: &[&str]) -> Output {
    zilla().args(args).output().expect("zilla runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn non_empty_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn echo_config(dir: &Path, port: u16) -> PathBuf {
    let path = dir.join("zilla.yaml");
    let yaml = format!(
        "name: test\n\
         bindings:\n\
         \x20 tcp_server:\n\
         \x20   type: tcp\n\
         \x20   kind: server\n\
         \x20   options:\n\
         \x20     host: 127.0.0.1\n\
         \x20     port: {port}\n\
         \x20   exit: echo_server\n\
         \x20 echo_server:\n\
         \x20   type: echo\n\
         \x20   kind: server\n"
    );
    std::fs::write(&path, yaml).expect("config");
    path
}

fn wait_until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + deadline;
    while Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

fn terminate(child: &Child) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: sends a signal to a child this test started and has not reaped yet.
    let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(sent, 0, "SIGTERM sent");
}

fn wait_exit(child: &mut Child, deadline: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + deadline;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("zilla did not exit within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_pipe(pipe: Option<impl Read>) -> String {
    let mut text = String::new();
    if let Some(mut pipe) = pipe {
        let _ = pipe.read_to_string(&mut text);
    }
    text
}

fn engine_property(engine: &Path) -> String {
    format!("zilla.engine.directory={}", engine.display())
}

#[test]
fn version_prints_the_version() {
    let output = run(&["version"]);
    assert!(output.status.success());
    assert_eq!(
        text(&output.stdout).trim(),
        format!("zilla version {}", env!("CARGO_PKG_VERSION"))
    );
    let output = run(&["--version"]);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn validate_of_a_missing_file_exits_78_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.yaml");
    let output = run(&["validate", "-c", missing.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(78));
    let stderr = text(&output.stderr);
    let lines = non_empty_lines(&stderr);
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("missing.yaml"), "{stderr}");
    assert!(text(&output.stdout).trim().is_empty());
}

#[test]
fn start_with_a_missing_config_fails_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.yaml");
    let engine = dir.path().join("engine");
    let output = run(&[
        "start",
        "-c",
        missing.to_str().expect("utf-8"),
        "-P",
        &engine_property(&engine),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    let lines = non_empty_lines(&stderr);
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("missing.yaml"), "{stderr}");
}

#[test]
fn a_stale_ready_file_is_removed_at_startup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = dir.path().join("engine");
    std::fs::create_dir_all(&engine).expect("engine dir");
    std::fs::write(engine.join("ready"), b"left over").expect("stale ready");
    // Whatever happens next (here: no config), a stale ready file must not survive startup.
    let output = run(&[
        "start",
        "-c",
        dir.path().join("missing.yaml").to_str().expect("utf-8"),
        "-P",
        &engine_property(&engine),
    ]);
    assert!(!output.status.success());
    assert!(!engine.join("ready").exists());
}

#[test]
fn a_properties_file_picks_the_config_and_the_engine_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = dir.path().join("from-properties");
    let config = dir.path().join("named-in-properties.yaml");
    let properties = dir.path().join("zilla.properties");
    std::fs::write(
        &properties,
        format!(
            "# as the image ships it\nzilla.engine.config.url=file:{}\nzilla.engine.directory={}\n",
            config.display(),
            engine.display()
        ),
    )
    .expect("properties");
    let output = run(&["start", "-p", properties.to_str().expect("utf-8")]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("named-in-properties.yaml"), "{stderr}");
    assert!(engine.is_dir(), "engine directory created");
}

#[test]
fn a_missing_properties_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.properties");
    let output = run(&["start", "-p", missing.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("nope.properties"));
}

#[test]
fn an_unknown_property_warns_without_failing_on_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(&[
        "start",
        "-c",
        dir.path().join("missing.yaml").to_str().expect("utf-8"),
        "-P",
        &engine_property(&dir.path().join("engine")),
        "-P",
        "zilla.engine.no.such.thing=1",
    ]);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("warning: unknown property zilla.engine.no.such.thing"),
        "{stderr}"
    );
    // It failed on the missing config, not on the property.
    assert!(stderr.contains("missing.yaml"), "{stderr}");
}

#[test]
fn zero_workers_is_refused() {
    let output = run(&["start", "-w", "0"]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("workers"));
}

#[test]
fn schema_prints_json() {
    let output = run(&["schema"]);
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("schema is JSON");
    assert!(schema.is_object());
}

#[test]
fn start_writes_the_ready_file_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = echo_config(dir.path(), port);
    let engine = dir.path().join("engine");
    let mut child = zilla()
        .args(["start", "-v", "-e", "-c"])
        .arg(&config)
        .arg("-P")
        .arg(engine_property(&engine))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let ready = engine.join("ready");
    if !wait_until(Duration::from_secs(10), || ready.exists()) {
        let _ = child.kill();
        panic!("no ready file; stderr: {}", read_pipe(child.stderr.take()));
    }
    std::net::TcpStream::connect(("127.0.0.1", port)).expect("listening once ready");
    terminate(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(
        status.success(),
        "{status:?}: {}",
        read_pipe(child.stderr.take())
    );
    assert!(!ready.exists(), "ready file removed at shutdown");
    let stdout = read_pipe(child.stdout.take());
    assert!(stdout.contains("started"), "{stdout}");
    assert!(stdout.contains("stopped"), "{stdout}");
}

#[test]
fn a_port_in_use_fails_startup_naming_the_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    let config = echo_config(dir.path(), port);
    let engine = dir.path().join("engine");
    let mut child = zilla()
        .arg("start")
        .arg("-c")
        .arg(&config)
        .arg("-P")
        .arg(engine_property(&engine))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status = wait_exit(&mut child, Duration::from_secs(10));
    let stderr = read_pipe(child.stderr.take());
    assert!(!status.success());
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(stderr.contains("tcp_server"), "{stderr}");
    assert!(!engine.join("ready").exists());
}

#[test]
fn verbose_prints_the_config_as_written_not_the_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let path = dir.path().join("zilla.yaml");
    let yaml = format!(
        "name: test\n\
         bindings:\n\
         \x20 tcp_server:\n\
         \x20   type: tcp\n\
         \x20   kind: server\n\
         \x20   options:\n\
         \x20     host: ${{{{ env.TEST_LISTEN_HOST }}}}\n\
         \x20     port: {port}\n\
         \x20   exit: echo_server\n\
         \x20 echo_server:\n\
         \x20   type: echo\n\
         \x20   kind: server\n"
    );
    std::fs::write(&path, yaml).expect("config");
    let engine = dir.path().join("engine");
    let mut child = zilla()
        .args(["start", "-v", "-c"])
        .arg(&path)
        .arg("-P")
        .arg(engine_property(&engine))
        .env("TEST_LISTEN_HOST", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    assert!(wait_until(Duration::from_secs(10), || engine
        .join("ready")
        .exists()));
    terminate(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
    let stdout = read_pipe(child.stdout.take());
    assert!(stdout.contains("${{ env.TEST_LISTEN_HOST }}"), "{stdout}");
    assert!(!stdout.contains("host: 127.0.0.1"), "{stdout}");
}

#[test]
fn validate_prints_ok_for_a_good_config_and_opens_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    // The port is in use: validate must not try to bind it.
    let config = echo_config(dir.path(), port);
    let output = zilla()
        .arg("validate")
        .arg("-c")
        .arg(&config)
        .output()
        .expect("zilla runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), "OK");
}

#[test]
fn validate_lists_every_error_located_and_exits_78() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("zilla.yaml");
    std::fs::write(
        &path,
        "name: test\nbindings:\n  tcp_server:\n    type: tcp\n    kind: server\n    \
         options:\n      port: not-a-port\n    exit: nowhere\n",
    )
    .expect("config");
    let output = zilla()
        .arg("validate")
        .arg("-c")
        .arg(&path)
        .output()
        .expect("zilla runs");
    assert_eq!(output.status.code(), Some(78));
    let stderr = text(&output.stderr);
    let lines = non_empty_lines(&stderr);
    assert!(lines.len() >= 2, "every error reported: {stderr}");
    for line in lines {
        assert!(line.starts_with(path.to_str().expect("utf-8")), "{line}");
        assert!(line.contains(": at /bindings/tcp_server"), "{line}");
    }
}

#[test]
fn the_tls_handshake_timeout_property_closes_a_silent_client() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let keystore = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("etc/tls/localhost.p12");
    let config = dir.path().join("zilla.yaml");
    let yaml = format!(
        "name: test
vaults:
  server:
    type: filesystem
    options:
      keys:
        store: {keystore}
        password: zilla-local
bindings:
  tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: {port}
    exit: tls_server
  tls_server:
    type: tls
    kind: server
    vault: server
    options:
      keys:
        - localhost
    exit: echo_server
  echo_server:
    type: echo
    kind: server
",
        keystore = keystore.display()
    );
    std::fs::write(&config, yaml).expect("config");
    let engine = dir.path().join("engine");
    let mut child = zilla()
        .args(["start", "-c"])
        .arg(&config)
        .args(["-P", &engine_property(&engine)])
        .args(["-P", "zilla.binding.tls.handshake.timeout=1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if !wait_until(Duration::from_secs(10), || engine.join("ready").exists()) {
        let _ = child.kill();
        panic!("no ready file; stderr: {}", read_pipe(child.stderr.take()));
    }

    // A client that connects and never says hello is closed after the configured second,
    // not after the default ten.
    let mut silent = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    silent
        .set_read_timeout(Some(Duration::from_secs(8)))
        .expect("timeout");
    let began = Instant::now();
    let mut buffer = [0u8; 64];
    let closed = matches!(silent.read(&mut buffer), Ok(0) | Err(_));
    let waited = began.elapsed();
    terminate(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    let stderr = read_pipe(child.stderr.take());
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(!stderr.contains("unknown property"), "{stderr}");
    assert!(closed, "the silent client was closed");
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
}
