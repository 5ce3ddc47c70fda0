//! A real Mosquitto broker, the mqtt client built by hand over a real tcp client, and the
//! contract driven from the test as the mqtt server would drive it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use zilla_binding_mqtt::codec::QoS;
use zilla_binding_mqtt::contract::*;
use zilla_binding_mqtt::MqttBindingFactory;
use zilla_binding_tcp::TcpBindingFactory;
use zilla_engine::binding::{Binding, BindingFactory, BuildContext, Exit, Limits};
use zilla_engine::config::model::BindingConfig;
use zilla_engine::frame::{flags, Begin, BindingId, Control, Data, Extension, Frame};
use zilla_engine::runtime::listeners::Listeners;
use zilla_engine::stream::{stream, StreamEnd};
use zilla_engine::telemetry::events::Events;

pub const WAIT: Duration = Duration::from_secs(8);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free port: {error}"))
}

/// A Mosquitto broker on an ephemeral port, killed when dropped.
pub struct Broker {
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl Broker {
    pub fn start() -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("mqtt-client-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let child = Command::new("/usr/sbin/mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("mosquitto: {e}"));
        let deadline = std::time::Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "mosquitto did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { port, child, dir }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Freezes (or thaws) the broker process, to observe what waits for its answers.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(status.success());
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn config(value: serde_json::Value) -> BindingConfig {
    serde_json::from_value(value).unwrap_or_else(|error| panic!("bad test config: {error}"))
}

fn context<'a>(
    name: &str,
    config: &'a BindingConfig,
    exits: Vec<(&str, Exit)>,
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
        vault: None,
        listeners: Listeners::new(),
        events: Events::new(),
        limits: Limits::default(),
    }
}

/// The mqtt client, its exit a tcp client toward `port`.
pub fn client(port: u16, options: serde_json::Value) -> Arc<dyn Binding> {
    let tcp_config = config(json!({
        "type": "tcp", "kind": "client", "options": {"host": "127.0.0.1", "port": port}
    }));
    let tcp = TcpBindingFactory::new()
        .build(context("tcp0", &tcp_config, Vec::new()))
        .unwrap_or_else(|e| panic!("tcp: {e}"));
    let exit = Exit {
        id: tcp.id().clone(),
        binding: tcp,
    };
    let mqtt_config = config(json!({
        "type": "mqtt", "kind": "client", "options": options, "exit": "tcp0"
    }));
    MqttBindingFactory::default()
        .build(context("mqtt0", &mqtt_config, vec![("tcp0", exit)]))
        .unwrap_or_else(|e| panic!("mqtt client: {e}"))
}

pub fn session(client_id: &str) -> SessionBeginEx {
    SessionBeginEx {
        client_id: client_id.to_owned(),
        client_id_assigned: false,
        clean_start: true,
        session_expiry: 0,
        keep_alive: 30,
        will: None,
        receive_maximum: u16::MAX,
        maximum_packet_size: None,
        v5: true,
        user_properties: Vec::new(),
    }
}

/// A session that outlives its connection by five minutes, resumed if the broker has it.
pub fn persistent(client_id: &str) -> SessionBeginEx {
    let mut asked = session(client_id);
    asked.clean_start = false;
    asked.session_expiry = 300;
    asked
}

pub fn open(client: &Arc<dyn Binding>, affinity: u64, extension: MqttBeginEx) -> StreamEnd {
    open_with_window(client, affinity, extension, 64 * 1024)
}

/// Opens a stream to the client, granting it `window` bytes of credit.
pub fn open_with_window(
    client: &Arc<dyn Binding>,
    affinity: u64,
    extension: MqttBeginEx,
    window: u32,
) -> StreamEnd {
    let (mut opener, target) = stream();
    client.open(
        Begin {
            origin: BindingId::from("test:server"),
            routed: client.id().clone(),
            authorization: None,
            affinity,
            extension: Extension::new(extension),
        },
        target,
    );
    opener.rx.open_window(window, 0);
    opener
}

/// Opens a session and waits for it to be accepted.
pub async fn accepted(
    client: &Arc<dyn Binding>,
    affinity: u64,
    session: SessionBeginEx,
) -> (StreamEnd, SessionAcceptedEx) {
    let mut opener = open(client, affinity, MqttBeginEx::Session(session));
    match next_frame(&mut opener).await {
        Frame::Begin(begin) => {
            let accepted = begin
                .extension
                .get::<SessionAcceptedEx>()
                .cloned()
                .unwrap_or_else(|| panic!("reply Begin without SessionAcceptedEx"));
            (opener, accepted)
        }
        other => panic!("expected the session accepted, got {other:?}"),
    }
}

/// The reason code of the reset that refuses a stream.
pub async fn refused(opener: &mut StreamEnd) -> u8 {
    loop {
        match tokio::time::timeout(WAIT, opener.tx.control()).await {
            Ok(Some(Control::Reset(reset))) => {
                return reset
                    .extension
                    .get::<MqttResetEx>()
                    .map_or(0, |reset| reset.reason_code)
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("stream dropped without a reset"),
            Err(_) => panic!("no reset in time"),
        }
    }
}

pub async fn next_frame(opener: &mut StreamEnd) -> Frame {
    tokio::time::timeout(WAIT, opener.rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no frame in time"))
        .unwrap_or_else(|| panic!("stream closed"))
}

/// Waits for the opener's window acknowledgement to reach `position`; false if it did not
/// within `limit`.
pub async fn acknowledged(opener: &mut StreamEnd, position: u64, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while opener.tx.acknowledged() < position {
        match tokio::time::timeout_at(deadline, opener.tx.control()).await {
            Ok(Some(Control::Window(_))) | Ok(Some(Control::Challenge(_))) => {}
            Ok(Some(Control::Reset(_))) | Ok(None) => panic!("stream reset"),
            Err(_) => return false,
        }
    }
    true
}

pub fn message(topic: &str, qos: QoS, packet_id: Option<u16>) -> MessageEx {
    MessageEx {
        topic: topic.to_owned(),
        qos,
        retain: false,
        packet_id,
        subscription_ids: Vec::new(),
        properties: MessageProperties::default(),
    }
}

/// Sends one whole message; returns the position that acknowledges it.
pub async fn send_message(
    opener: &mut StreamEnd,
    payload: &'static [u8],
    message: MessageEx,
) -> u64 {
    opener
        .tx
        .ready(payload.len())
        .await
        .unwrap_or_else(|_| panic!("publish stream reset"));
    let data = Data {
        flags: flags::COMPLETE,
        length: Some(payload.len()),
        budget_id: 0,
        payload: Bytes::from_static(payload),
        extension: Extension::new(message),
    };
    opener.tx.data(data).unwrap_or_else(|e| panic!("{e}"))
}

/// A delivered message: its extension and whole payload.
pub async fn next_message(opener: &mut StreamEnd) -> (MessageEx, Bytes) {
    loop {
        match next_frame(opener).await {
            Frame::Data(data) => {
                let message = data
                    .extension
                    .get::<MessageEx>()
                    .cloned()
                    .unwrap_or_else(|| panic!("Data without MessageEx"));
                assert!(data.is_fin(), "test messages fit one fragment");
                return (message, data.payload);
            }
            Frame::Flush(_) | Frame::Begin(_) => {}
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

pub fn filter(pattern: &str, qos: QoS, subscription_id: Option<u32>) -> Filter {
    Filter {
        pattern: pattern.to_owned(),
        qos,
        no_local: false,
        retain_as_published: false,
        retain_handling: 0,
        subscription_id,
    }
}

/// The reply Flush answering a subscribe stream's request.
pub async fn next_flush(opener: &mut StreamEnd) -> Extension {
    loop {
        match next_frame(opener).await {
            Frame::Flush(extension) => return extension,
            Frame::Begin(_) => {}
            other => panic!("expected a Flush, got {other:?}"),
        }
    }
}

/// Runs `mosquitto_pub` against the broker with extra arguments, waiting for it to finish.
pub async fn mosquitto_pub(port: u16, args: &[&str]) {
    let mut command = Command::new("mosquitto_pub");
    command
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-V", "mqttv5"])
        .args(args);
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("mosquitto_pub: {e}"));
    assert!(status.success(), "mosquitto_pub failed");
}

/// A `mosquitto_sub` printing each message as `MSG|topic|qos|retain|payload`.
pub struct Subscriber {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Subscriber {
    /// Subscribes and waits until the broker acknowledged the subscription.
    pub fn start(port: u16, topic: &str, qos: u8) -> Self {
        // Line-buffered, so the debug line of the SUBACK shows when it happens.
        let mut child = Command::new("stdbuf")
            .args(["-oL", "mosquitto_sub"])
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-V",
                "mqttv5",
                "-d",
            ])
            .args(["-t", topic, "-q", &qos.to_string(), "-F", "MSG|%t|%q|%r|%p"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("mosquitto_sub: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut subscriber = Self { child, lines };
        subscriber.wait_line(|line| line.contains("SUBACK"), WAIT);
        subscriber
    }

    fn wait_line(&mut self, wanted: impl Fn(&str) -> bool, limit: Duration) -> Option<String> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(std::time::Instant::now())?;
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// The next message line (`MSG|topic|qos|retain|payload`), if one comes within `limit`.
    pub fn message(&mut self, limit: Duration) -> Option<String> {
        self.wait_line(|line| line.starts_with("MSG|"), limit)
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A listening socket on a free loopback port for a broker the test plays itself, and the port.
pub fn fake_broker() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    (listener, port)
}

/// The next whole packet from a fake broker's socket, within 10 s.
pub fn read_packet(
    socket: &mut std::net::TcpStream,
    buffer: &mut bytes::BytesMut,
) -> zilla_binding_mqtt::codec::Packet {
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("{e}"));
    loop {
        if let Some(packet) = zilla_binding_mqtt::codec::decode(
            buffer,
            zilla_binding_mqtt::codec::ProtocolVersion::V5,
            1 << 20,
        )
        .unwrap_or_else(|e| panic!("{e}"))
        {
            return packet;
        }
        let mut chunk = [0u8; 4096];
        let read = std::io::Read::read(socket, &mut chunk).unwrap_or_else(|e| panic!("{e}"));
        assert!(read > 0, "the client closed");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// Sends `packet` (MQTT 5) from a fake broker.
pub fn send_packet(socket: &mut std::net::TcpStream, packet: &zilla_binding_mqtt::codec::Packet) {
    let mut out = bytes::BytesMut::new();
    zilla_binding_mqtt::codec::encode(
        packet,
        zilla_binding_mqtt::codec::ProtocolVersion::V5,
        &mut out,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::io::Write::write_all(socket, &out).unwrap_or_else(|e| panic!("{e}"));
}

/// A fake broker takes the client's connection: reads its CONNECT and answers with a
/// successful CONNACK whose properties `connack` sets. Returns the socket and what was read
/// past the CONNECT.
pub fn accept_client(
    listener: &std::net::TcpListener,
    connack: impl FnOnce(&mut zilla_binding_mqtt::codec::Properties),
) -> (std::net::TcpStream, bytes::BytesMut) {
    use zilla_binding_mqtt::codec::{Connack, Packet, Properties};
    let (mut socket, _) = listener.accept().unwrap_or_else(|e| panic!("{e}"));
    let mut buffer = bytes::BytesMut::new();
    match read_packet(&mut socket, &mut buffer) {
        Packet::Connect(_) => {}
        other => panic!("expected CONNECT, got {other:?}"),
    }
    let mut properties = Properties::default();
    connack(&mut properties);
    let answer = Connack {
        session_present: false,
        reason_code: 0,
        properties,
    };
    send_packet(&mut socket, &Packet::Connack(answer));
    (socket, buffer)
}
