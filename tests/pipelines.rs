//! The tcp → echo and tcp → fan → echo pipelines through the real binary and real sockets.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::{free_port, Gateway};

fn config(echo_port: u16, reflect_port: u16) -> String {
    format!(
        "name: test
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: [{echo_port}, {reflect_port}]
    routes:
      - when:
          - port: {echo_port}
        exit: north_echo_server
      - when:
          - port: {reflect_port}
        exit: north_fan_server
  north_fan_server:
    type: fan
    kind: server
    exit: north_echo_server
  north_echo_server:
    type: echo
    kind: server
telemetry:
  exporters:
    stdout_logs_exporter:
      type: stdout
"
    )
}

fn connect(port: u16) -> (TcpStream, BufReader<TcpStream>) {
    let socket = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let reader = BufReader::new(socket.try_clone().expect("clone"));
    (socket, reader)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line back");
    line
}

#[test]
fn echo_returns_each_line_sent() {
    let port = free_port();
    let gateway = Gateway::start(&config(port, free_port()), &[]);
    let (mut socket, mut reader) = connect(port);
    for line in ["Hello, world\n", "second line\n"] {
        socket.write_all(line.as_bytes()).expect("send");
        assert_eq!(read_line(&mut reader), line);
    }
    drop(socket);
    assert!(gateway.stop().success());
}

#[test]
fn reflect_sends_every_line_to_every_client() {
    let port = free_port();
    let gateway = Gateway::start(&config(free_port(), port), &[]);
    let (mut first, mut first_reader) = connect(port);
    let (mut second, mut second_reader) = connect(port);
    // Both members must have joined before the first line, or it could miss the second one.
    std::thread::sleep(Duration::from_millis(200));

    first.write_all(b"from the first\n").expect("send");
    assert_eq!(read_line(&mut first_reader), "from the first\n");
    assert_eq!(read_line(&mut second_reader), "from the first\n");

    second.write_all(b"from the second\n").expect("send");
    assert_eq!(read_line(&mut first_reader), "from the second\n");
    assert_eq!(read_line(&mut second_reader), "from the second\n");
    drop((first, second));
    assert!(gateway.stop().success());
}

#[test]
fn large_messages_echo_intact_through_small_windows() {
    let port = free_port();
    let gateway = Gateway::start(&config(port, free_port()), &[]);
    let (mut socket, mut reader) = connect(port);
    let message: Vec<u8> = (0..4 * 1024 * 1024)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    let sent = message.clone();
    let writer = std::thread::spawn(move || {
        socket.write_all(&sent).expect("send");
        socket
            .shutdown(std::net::Shutdown::Write)
            .expect("half close");
    });
    let mut received = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut received).expect("read to end");
    writer.join().expect("writer");
    assert_eq!(received.len(), message.len());
    assert!(received == message, "echoed bytes differ");
    assert!(gateway.stop().success());
}

#[test]
fn stdout_exporter_prints_engine_events_in_zilla_format() {
    let gateway = Gateway::start(&config(free_port(), free_port()), &[]);
    assert!(gateway.wait_stdout("ENGINE_STARTED", Duration::from_secs(5)));
    let line = gateway
        .stdout()
        .into_iter()
        .find(|line| line.contains("ENGINE_STARTED"))
        .unwrap_or_default();
    // `<qualified name> [dd/MMM/yyyy:HH:mm:ss Z] [<16 hex digits>d] <EVENT_NAME> <message>`
    let fields: Vec<&str> = line.splitn(6, ' ').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert!(fields[0].contains(':'), "qualified name in {line}");
    assert!(
        fields[1].starts_with('[') && fields[2].ends_with(']'),
        "{line}"
    );
    assert_eq!(fields[3].len(), 19, "trace id in {line}");
    assert_eq!(fields[4], "ENGINE_STARTED");
    assert!(gateway.stop().success());
}

#[test]
fn logs_flag_prints_events_without_a_stdout_exporter() {
    let port = free_port();
    let without_exporter = config(port, free_port()).replace(
        "telemetry:\n  exporters:\n    stdout_logs_exporter:\n      type: stdout\n",
        "",
    );
    assert!(!without_exporter.contains("telemetry"));
    let quiet = Gateway::start(&without_exporter, &[]);
    assert!(!quiet.wait_stdout("ENGINE_STARTED", Duration::from_millis(500)));
    assert!(quiet.stop().success());

    let logging = Gateway::start_with_args(&without_exporter, &["-l"]);
    assert!(logging.wait_stdout("ENGINE_STARTED", Duration::from_secs(5)));
    assert!(logging.stop().success());
}

/// With a hard open-file limit it cannot raise, the gateway runs out of descriptors under a
/// burst of connections; the accept loop must survive that and serve again once they close.
#[test]
fn the_accept_loop_survives_running_out_of_file_descriptors() {
    use std::process::{Command, Stdio};
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("zilla.yaml");
    std::fs::write(&config, self::config(port, free_port())).expect("config");
    let engine = dir.path().join("engine");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" start -c "$1" -P "zilla.engine.directory=$2""#)
        .arg(env!("CARGO_BIN_EXE_zilla"))
        .arg(&config)
        .arg(&engine)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("zilla starts");
    assert!(support::wait_until(Duration::from_secs(15), || engine
        .join("ready")
        .exists()));

    let burst: Vec<TcpStream> = (0..150)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    assert!(burst.len() > 64, "the burst must exceed the limit");
    drop(burst);
    std::thread::sleep(Duration::from_millis(500));

    let (mut socket, mut reader) = connect(port);
    socket.write_all(b"still here\n").expect("send");
    assert_eq!(read_line(&mut reader), "still here\n");
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    assert!(child.wait().expect("exit").success());
}
