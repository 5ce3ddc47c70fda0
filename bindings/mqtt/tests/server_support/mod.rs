//! A real tcp server in front of the mqtt server, whose exit is a fake next hop that hands
//! every application stream to the test, and an MQTT client that speaks raw packets encoded
//! by the crate's own codec.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use zilla_binding_mqtt::codec::*;
use zilla_binding_mqtt::contract::*;
use zilla_binding_mqtt::MqttBindingFactory;
use zilla_binding_tcp::{TcpBindingFactory, TcpServer};
use zilla_engine::binding::{Binding, BindingFactory, BuildContext, Exit, Limits};
use zilla_engine::config::model::BindingConfig;
use zilla_engine::frame::{Begin, BindingId, Control, Data, Extension, Frame};
use zilla_engine::guard::{Guard, GuardRejection, Session};
use zilla_engine::runtime::listeners::Listeners;
use zilla_engine::stream::StreamEnd;
use zilla_engine::telemetry::events::{Event, EventSink, Events};

pub const WAIT: Duration = Duration::from_secs(5);

pub const V3: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;

/// A next hop that gives every stream opened toward it to the test.
pub struct FakeHop {
    id: BindingId,
    opened: mpsc::UnboundedSender<Opened>,
}

#[async_trait]
impl Binding for FakeHop {
    fn id(&self) -> &BindingId {
        &self.id
    }

    fn open(&self, begin: Begin, end: StreamEnd) {
        let _ = self.opened.send(Opened { begin, end });
    }
}

/// One application stream as the next hop sees it.
pub struct Opened {
    pub begin: Begin,
    pub end: StreamEnd,
}

impl Opened {
    pub fn ex(&self) -> &MqttBeginEx {
        self.begin
            .extension
            .get::<MqttBeginEx>()
            .unwrap_or_else(|| panic!("no mqtt begin extension"))
    }

    pub fn session(&self) -> &SessionBeginEx {
        match self.ex() {
            MqttBeginEx::Session(session) => session,
            other => panic!("expected a session stream, got {other:?}"),
        }
    }

    pub fn publish(&self) -> &PublishBeginEx {
        match self.ex() {
            MqttBeginEx::Publish(publish) => publish,
            other => panic!("expected a publish stream, got {other:?}"),
        }
    }

    pub fn subscribe(&self) -> &SubscribeBeginEx {
        match self.ex() {
            MqttBeginEx::Subscribe(subscribe) => subscribe,
            other => panic!("expected a subscribe stream, got {other:?}"),
        }
    }

    /// Accepts the stream with a reply `Begin` carrying `extension`, and grants credit.
    pub fn accept(&mut self, extension: Extension) {
        let reply = Begin {
            extension,
            ..self.begin.clone()
        };
        self.end.tx.begin(reply).unwrap_or_else(|e| panic!("{e}"));
        self.end.rx.open_window(64 * 1024, 0);
    }

    pub fn accept_session(&mut self, accepted: SessionAcceptedEx) {
        self.accept(Extension::new(accepted));
    }

    /// The next frame on the initial direction.
    pub async fn frame(&mut self) -> Frame {
        tokio::time::timeout(WAIT, self.end.rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no frame in time"))
            .unwrap_or_else(|| panic!("stream dropped"))
    }

    /// Nothing arrives on the initial direction for `wait`.
    pub async fn quiet(&mut self, wait: Duration) {
        if let Ok(frame) = tokio::time::timeout(wait, self.end.rx.recv()).await {
            panic!("unexpected {frame:?}");
        }
    }

    /// The next data frame, with its message extension.
    pub async fn message(&mut self) -> (Data, MessageEx) {
        match self.frame().await {
            Frame::Data(data) => {
                let message = data
                    .extension
                    .get::<MessageEx>()
                    .cloned()
                    .unwrap_or_else(|| panic!("data without a message extension"));
                (data, message)
            }
            other => panic!("expected data, got {other:?}"),
        }
    }

    /// Sends a message on the reply; returns the position its acknowledgement reaches.
    pub async fn deliver(&mut self, payload: &'static [u8], message: MessageEx) -> u64 {
        let payload = Bytes::from_static(payload);
        self.end
            .tx
            .ready(payload.len())
            .await
            .unwrap_or_else(|_| panic!("reset"));
        let data = Data::message(payload).with_extension(Extension::new(message));
        self.end.tx.data(data).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Waits until the reply's acknowledgement reaches `position`.
    pub async fn acknowledged(&mut self, position: u64) {
        let waiting = async {
            while self.end.tx.acknowledged() < position {
                match self.end.tx.control().await {
                    Some(Control::Reset(_)) | None => panic!("reply reset"),
                    Some(_) => {}
                }
            }
        };
        tokio::time::timeout(WAIT, waiting)
            .await
            .unwrap_or_else(|_| panic!("acknowledgement never reached {position}"));
    }

    /// The reply's acknowledgement stays short of `position` for `wait`.
    pub async fn not_acknowledged(&mut self, position: u64, wait: Duration) {
        let _ = tokio::time::timeout(wait, async {
            loop {
                if self.end.tx.control().await.is_none() {
                    return;
                }
            }
        })
        .await;
        assert!(self.end.tx.acknowledged() < position, "acknowledged early");
    }
}

/// A guard that knows one token.
pub struct FakeGuard {
    pub expires_in: Option<Duration>,
}

#[async_trait]
impl Guard for FakeGuard {
    fn name(&self) -> &str {
        "test:guard"
    }

    async fn authorize(&self, credentials: &str) -> Result<Session, GuardRejection> {
        if credentials != "good-token" {
            return Err(GuardRejection::new("unknown token"));
        }
        Ok(Session {
            guard: Arc::from("test:guard"),
            identity: "alice".to_owned(),
            roles: vec!["mqtt:stream".to_owned()],
            attributes: BTreeMap::new(),
            expires_at: self.expires_in.map(|after| SystemTime::now() + after),
        })
    }

    fn enforces_expiry(&self) -> bool {
        true
    }
}

#[derive(Default)]
pub struct Recorded(pub Mutex<Vec<Event>>);

impl EventSink for Recorded {
    fn event(&self, event: &Event) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event.clone());
        }
    }
}

/// The pipeline under test: tcp server → mqtt server → fake next hop.
pub struct Gateway {
    pub address: SocketAddr,
    pub opened: mpsc::UnboundedReceiver<Opened>,
    pub events: Arc<Recorded>,
    _tcp: Arc<TcpServer>,
    _mqtt: Arc<dyn Binding>,
}

/// The mqtt server's config with `options` and `routes`, its catch-all exit the fake hop.
pub fn mqtt_config(options: Value, routes: Value) -> BindingConfig {
    let config = json!({
        "type": "mqtt", "kind": "server", "options": options, "routes": routes, "exit": "next"
    });
    serde_json::from_value(config).unwrap_or_else(|e| panic!("bad config: {e}"))
}

fn context<'a>(name: &str, config: &'a BindingConfig, events: &Events) -> BuildContext<'a> {
    BuildContext {
        id: BindingId::from(format!("test:{name}")),
        config,
        config_dir: Path::new("."),
        exits: BTreeMap::new(),
        guards: BTreeMap::new(),
        vault: None,
        listeners: Listeners::new(),
        events: events.clone(),
        limits: Limits::default(),
    }
}

impl Gateway {
    pub async fn start(options: Value) -> Self {
        Self::start_with(mqtt_config(options, json!([])), None).await
    }

    pub async fn start_with(config: BindingConfig, guard: Option<FakeGuard>) -> Self {
        let (opened_tx, opened) = mpsc::unbounded_channel();
        let hop: Arc<dyn Binding> = Arc::new(FakeHop {
            id: BindingId::from("test:next"),
            opened: opened_tx,
        });
        let events = Events::new();
        let recorded = Arc::new(Recorded::default());
        events.set_sinks(vec![recorded.clone()]);
        let mut mqtt_context = context("mqtt", &config, &events);
        let exit = Exit {
            id: hop.id().clone(),
            binding: hop,
        };
        mqtt_context.exits.insert("next".to_owned(), exit);
        if let Some(guard) = guard {
            mqtt_context
                .guards
                .insert("guard".to_owned(), Arc::new(guard));
        }
        let mqtt = MqttBindingFactory::default()
            .build(mqtt_context)
            .unwrap_or_else(|e| panic!("build mqtt: {e}"));

        let tcp_config: BindingConfig = serde_json::from_value(json!({
            "type": "tcp", "kind": "server",
            "options": {"host": "127.0.0.1", "port": 0},
            "exit": "mqtt"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let mut tcp_context = context("tcp", &tcp_config, &events);
        tcp_context.exits.insert(
            "mqtt".to_owned(),
            Exit {
                id: mqtt.id().clone(),
                binding: mqtt.clone(),
            },
        );
        let tcp = TcpBindingFactory::new()
            .build_server(tcp_context)
            .unwrap_or_else(|e| panic!("build tcp: {e}"));
        tcp.start().await.unwrap_or_else(|e| panic!("start: {e}"));
        let address = tcp
            .local_addrs()
            .first()
            .copied()
            .unwrap_or_else(|| panic!("no listener"));
        Self {
            address,
            opened,
            events: recorded,
            _tcp: Arc::new(tcp),
            _mqtt: mqtt,
        }
    }

    /// The mqtt server binding itself.
    pub fn mqtt(&self) -> Arc<dyn Binding> {
        self._mqtt.clone()
    }

    /// The next application stream the server opened.
    pub async fn next_stream(&mut self) -> Opened {
        tokio::time::timeout(WAIT, self.opened.recv())
            .await
            .unwrap_or_else(|_| panic!("no stream opened in time"))
            .unwrap_or_else(|| panic!("gateway gone"))
    }

    /// No application stream opens for `wait`.
    pub async fn no_stream(&mut self, wait: Duration) {
        if let Ok(Some(opened)) = tokio::time::timeout(wait, self.opened.recv()).await {
            panic!("unexpected stream {:?}", opened.begin);
        }
    }

    pub async fn client(&self, version: ProtocolVersion) -> Client {
        let socket = TcpStream::connect(self.address)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        Client {
            socket,
            buffer: BytesMut::new(),
            version,
        }
    }

    /// Connects with `connect` and completes the session the way the next hop would.
    pub async fn connected(
        &mut self,
        connect: Connect,
        accepted: SessionAcceptedEx,
    ) -> (Client, Opened) {
        let mut client = self.client(connect.protocol).await;
        client.send(&Packet::Connect(Box::new(connect))).await;
        let mut session = self.next_stream().await;
        session.accept_session(accepted);
        match client.recv().await {
            Packet::Connack(connack) => assert_eq!(connack.reason_code, 0, "{connack:?}"),
            other => panic!("expected CONNACK, got {other:?}"),
        }
        (client, session)
    }
}

/// The reason code of a DISCONNECT.
pub fn disconnect_code(packet: Packet) -> u8 {
    match packet {
        Packet::Disconnect(disconnect) => disconnect.reason_code,
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
}

pub fn connect(version: ProtocolVersion, client_id: &str) -> Connect {
    Connect {
        protocol: version,
        clean_start: true,
        keep_alive: 60,
        properties: Properties::default(),
        client_id: client_id.to_owned(),
        will: None,
        username: None,
        password: None,
    }
}

pub fn id(value: u16) -> PacketId {
    PacketId::new(value).unwrap_or_else(|| panic!("zero packet id"))
}

pub fn publish(topic: &str, qos: QoS, packet_id: Option<u16>, payload: &'static [u8]) -> Packet {
    Packet::Publish(Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.to_owned(),
        packet_id: packet_id.map(id),
        properties: Properties::default(),
        payload: Bytes::from_static(payload),
    })
}

pub fn subscribe(packet_id: u16, filters: &[(&str, QoS)]) -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: id(packet_id),
        properties: Properties::default(),
        subscriptions: filters
            .iter()
            .map(|(filter, qos)| Subscription {
                filter: (*filter).to_owned(),
                options: SubscriptionOptions {
                    qos: *qos,
                    ..SubscriptionOptions::default()
                },
            })
            .collect(),
    })
}

/// A raw MQTT client over loopback.
pub struct Client {
    pub socket: TcpStream,
    buffer: BytesMut,
    pub version: ProtocolVersion,
}

impl Client {
    pub async fn send(&mut self, packet: &Packet) {
        let mut bytes = BytesMut::new();
        encode(packet, self.version, &mut bytes).unwrap_or_else(|e| panic!("encode: {e}"));
        self.send_raw(&bytes).await;
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.socket
            .write_all(bytes)
            .await
            .unwrap_or_else(|e| panic!("write: {e}"));
    }

    /// The next packet, or `None` when the server closed.
    pub async fn next(&mut self, wait: Duration) -> Option<Packet> {
        let reading = async {
            loop {
                if let Some(packet) = decode(&mut self.buffer, self.version, 1 << 24)
                    .unwrap_or_else(|e| panic!("server sent a bad packet: {e}"))
                {
                    return Some(packet);
                }
                match self.socket.read_buf(&mut self.buffer).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(wait, reading)
            .await
            .unwrap_or_else(|_| panic!("nothing from the server in time"))
    }

    pub async fn recv(&mut self) -> Packet {
        self.next(WAIT)
            .await
            .unwrap_or_else(|| panic!("server closed instead of answering"))
    }

    /// Nothing arrives for `wait` (and the connection stays open).
    pub async fn silent(&mut self, wait: Duration) {
        let mut byte = [0u8; 1];
        if let Ok(read) = tokio::time::timeout(wait, self.socket.peek(&mut byte)).await {
            panic!("unexpected read {read:?}");
        }
    }

    /// The server closes without sending anything more.
    pub async fn closed(&mut self) {
        assert!(self.buffer.is_empty(), "unread bytes: {:?}", self.buffer);
        let mut rest = Vec::new();
        let read = tokio::time::timeout(WAIT, self.socket.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "server did not close");
        assert!(rest.is_empty(), "server sent {rest:?} before closing");
    }
}
