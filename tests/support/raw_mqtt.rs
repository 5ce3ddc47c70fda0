//! A bare MQTT client over a plain socket, built on the project's codec, for the cases the
//! command-line clients cannot produce (malformed input, topic aliases, exact packets).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use zilla_binding_mqtt::codec::{decode, encode, Connect, Packet, Properties, ProtocolVersion};

pub struct RawClient {
    pub socket: TcpStream,
    pub version: ProtocolVersion,
    buffer: BytesMut,
}

impl RawClient {
    pub fn connect(port: u16, version: ProtocolVersion) -> Self {
        let socket = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        Self {
            socket,
            version,
            buffer: BytesMut::new(),
        }
    }

    pub fn send(&mut self, packet: &Packet) {
        let mut bytes = BytesMut::new();
        encode(packet, self.version, &mut bytes).expect("encodable");
        self.socket.write_all(&bytes).expect("send");
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.socket.write_all(bytes);
    }

    /// The next packet within `deadline`; `None` on timeout or close.
    pub fn receive(&mut self, deadline: Duration) -> Option<Packet> {
        let until = Instant::now() + deadline;
        loop {
            if let Ok(Some(packet)) = decode(&mut self.buffer, self.version, 1 << 20) {
                return Some(packet);
            }
            if Instant::now() > until {
                return None;
            }
            let mut chunk = [0u8; 4096];
            match self.socket.read(&mut chunk) {
                Ok(0) => return None,
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
    }

    /// True once the gateway closed the connection (reads EOF or reset) within `deadline`.
    pub fn closed_within(&mut self, deadline: Duration) -> bool {
        let until = Instant::now() + deadline;
        while Instant::now() < until {
            let mut chunk = [0u8; 4096];
            match self.socket.read(&mut chunk) {
                Ok(0) => return true,
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return true,
            }
        }
        false
    }

    /// Bytes received but not decoded (what arrived before a close).
    pub fn leftover(&self) -> &[u8] {
        &self.buffer
    }
}

pub fn connect_packet(client_id: &str, keep_alive: u16, version: ProtocolVersion) -> Packet {
    Packet::Connect(Box::new(Connect {
        protocol: version,
        clean_start: true,
        keep_alive,
        properties: Properties::default(),
        client_id: client_id.to_owned(),
        will: None,
        username: None,
        password: None,
    }))
}
