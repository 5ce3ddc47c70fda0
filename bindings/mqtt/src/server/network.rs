//! The network side of a connection: MQTT packets read from and written to the network stream.
//!
//! Reads are decoded where they arrived ([`PacketInput`]); since the codec refuses a packet
//! larger than the maximum as soon as its fixed header is complete, and reading pauses while
//! more than that is buffered, the input stays within one maximum packet plus one read. Writes
//! are encoded into an output buffer and sent on `flush`, so the packets one event produces
//! leave in one frame.

use std::io;
use std::time::Instant;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zilla_engine::io::StreamIo;

use crate::codec::{encode_within, DecodeError, EncodeError, Packet, PacketInput, ProtocolVersion};

/// How far past one maximum packet the input may grow before reading pauses.
const READ_CHUNK: usize = 8 * 1024;

pub struct Network {
    io: StreamIo,
    input: PacketInput,
    output: BytesMut,
    /// The version CONNECT settled; v3.1.1 until then.
    pub version: ProtocolVersion,
    /// Largest packet accepted from the client.
    pub max_inbound: usize,
    /// Largest packet the client accepts.
    pub max_outbound: usize,
    closed: bool,
}

impl Network {
    pub fn new(io: StreamIo, max_inbound: usize) -> Self {
        Self {
            io,
            input: PacketInput::default(),
            output: BytesMut::new(),
            version: ProtocolVersion::V3_1_1,
            max_inbound,
            max_outbound: usize::MAX,
            closed: false,
        }
    }

    pub fn is_v5(&self) -> bool {
        self.version.is_v5()
    }

    /// Reads what arrived, every frame already queued included, so that the packets they bring
    /// are handled (and answered) together; `Ok(0)` when the client closed. Cancel-safe.
    pub async fn fill(&mut self) -> io::Result<usize> {
        let bytes = self.io.read_bytes().await?;
        let mut count = bytes.len();
        self.input.push(bytes);
        while count > 0 && self.has_room() {
            let Some(more) = self.io.try_read_bytes() else {
                break;
            };
            count += more.len();
            self.input.push(more);
        }
        Ok(count)
    }

    /// Whether the buffer holds less than a maximum packet, so reading more is bounded.
    pub fn has_room(&self) -> bool {
        self.input.len() < self.max_inbound.saturating_add(READ_CHUNK)
    }

    pub fn has_input(&self) -> bool {
        !self.input.is_empty()
    }

    /// The next complete packet in the buffer.
    pub fn decode(&mut self) -> Result<Option<Packet>, DecodeError> {
        self.input.decode(self.version, self.max_inbound)
    }

    /// Queues a packet for the next flush, unless it exceeds what the client accepts.
    pub fn queue(&mut self, packet: &Packet) -> Result<(), EncodeError> {
        encode_within(packet, self.version, self.max_outbound, &mut self.output)
    }

    /// Queues a packet whose size cannot exceed any limit (acks, CONNACK, DISCONNECT); one
    /// that somehow fails is dropped.
    pub fn queue_control(&mut self, packet: &Packet) {
        if let Err(error) = self.queue(packet) {
            tracing::debug!(%error, "control packet not sent");
        }
    }

    /// Writes whatever was queued, within the network stream's credit.
    pub async fn flush(&mut self) -> io::Result<()> {
        if self.output.is_empty() || self.closed {
            self.output.clear();
            return Ok(());
        }
        self.io.write_all_bytes(self.output.split().freeze()).await
    }

    /// Writes what was queued, ends the network stream in order, and keeps our end until the
    /// client closed its side too (or `deadline` passed): dropping it earlier could let the
    /// network side drop the socket before it wrote the last packets.
    pub async fn close(&mut self, deadline: Instant) {
        let _ = self.flush().await;
        if self.closed {
            return;
        }
        self.closed = true;
        let _ = self.io.shutdown().await;
        let drained = async {
            let mut discard = [0u8; 1024];
            while let Ok(read) = self.io.read(&mut discard).await {
                if read == 0 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout_at(deadline.into(), drained).await;
    }

    /// Ends the network stream abortively.
    pub fn abort(&mut self) {
        if !self.closed {
            self.closed = true;
            self.io.abort();
        }
    }
}
