//! Reads the server name and offered protocols from a TLS ClientHello without terminating the
//! session, for the proxy kind. Every length is checked against what is there: a short or
//! malformed hello is `Incomplete` or `Invalid`, never a panic.

/// What the first bytes of a connection say so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Peeked {
    /// More bytes are needed.
    Incomplete,
    /// Not a TLS ClientHello.
    Invalid,
    Hello(Hello),
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Hello {
    pub server_name: Option<String>,
    pub alpn: Vec<String>,
}

/// The most a ClientHello may take before the proxy gives up on it.
pub const MAX_HELLO: usize = 64 * 1024;

const HANDSHAKE_RECORD: u8 = 0x16;
const CLIENT_HELLO: u8 = 0x01;
const SERVER_NAME: u16 = 0x0000;
const ALPN: u16 = 0x0010;
const HOST_NAME: u8 = 0x00;

/// Peeks at the records in `bytes` (the connection's first bytes).
pub fn peek(bytes: &[u8]) -> Peeked {
    // The hello may be split over several handshake records: gather their payloads first.
    let mut handshake = Vec::new();
    let mut records = bytes;
    loop {
        let mut header = Reader(records);
        let (Some(kind), Some(major), Some(_minor), Some(length)) =
            (header.u8(), header.u8(), header.u8(), header.u16())
        else {
            return Peeked::Incomplete;
        };
        if kind != HANDSHAKE_RECORD || major != 0x03 {
            return Peeked::Invalid;
        }
        let Some(payload) = header.take(usize::from(length)) else {
            return Peeked::Incomplete;
        };
        records = header.0;
        handshake.extend_from_slice(payload);
        let mut reader = Reader(&handshake);
        let (Some(kind), Some(length)) = (reader.u8(), reader.u24()) else {
            continue;
        };
        if kind != CLIENT_HELLO || length > MAX_HELLO {
            return Peeked::Invalid;
        }
        if let Some(body) = reader.take(length) {
            return parse_hello(body).map_or(Peeked::Invalid, Peeked::Hello);
        }
    }
}

fn parse_hello(body: &[u8]) -> Option<Hello> {
    let mut reader = Reader(body);
    reader.take(2 + 32)?; // legacy version, random
    reader.vector8()?; // session id
    reader.vector16()?; // cipher suites
    reader.vector8()?; // compression methods
    let mut hello = Hello::default();
    if reader.0.is_empty() {
        return Some(hello);
    }
    let mut extensions = Reader(reader.vector16()?);
    while !extensions.0.is_empty() {
        let kind = extensions.u16()?;
        let mut data = Reader(extensions.vector16()?);
        match kind {
            SERVER_NAME => {
                let mut names = Reader(data.vector16()?);
                while !names.0.is_empty() {
                    let name_type = names.u8()?;
                    let name = names.vector16()?;
                    if name_type == HOST_NAME {
                        hello.server_name = Some(std::str::from_utf8(name).ok()?.to_owned());
                    }
                }
            }
            ALPN => {
                let mut protocols = Reader(data.vector16()?);
                while !protocols.0.is_empty() {
                    let protocol = protocols.vector8()?;
                    hello
                        .alpn
                        .push(String::from_utf8_lossy(protocol).into_owned());
                }
            }
            _ => {}
        }
    }
    Some(hello)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let taken = self.0.get(..count)?;
        self.0 = self.0.get(count..)?;
        Some(taken)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        let bytes = self.take(2)?;
        Some(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
    }

    fn u24(&mut self) -> Option<usize> {
        let bytes = self.take(3)?;
        Some(
            bytes
                .iter()
                .fold(0usize, |value, byte| (value << 8) | usize::from(*byte)),
        )
    }

    fn vector8(&mut self) -> Option<&'a [u8]> {
        let length = usize::from(self.u8()?);
        self.take(length)
    }

    fn vector16(&mut self) -> Option<&'a [u8]> {
        let length = usize::from(self.u16()?);
        self.take(length)
    }
}

/// Peeks at `data` as a fuzz target does and checks what must hold whatever the bytes: a
/// verdict of hello or invalid stands however many bytes follow, and no prefix of a hello is
/// invalid (the proxy would refuse a client whose hello arrived in pieces). Panics when one
/// does not hold, so that a fuzzer reports it.
#[doc(hidden)]
pub fn fuzz_peek(data: &[u8]) {
    let peeked = peek(data);
    let mut longer = data.to_vec();
    longer.extend_from_slice(&[HANDSHAKE_RECORD, 0x03, 0x01, 0x00, 0x04]);
    if peeked != Peeked::Incomplete {
        assert_eq!(peek(&longer), peeked, "more bytes changed the verdict");
    }
    if let Peeked::Hello(_) = peeked {
        // Every prefix of a short input, evenly spaced ones of a long one: all of them would
        // cost quadratic time.
        let step = (data.len() / 64).max(1);
        for end in (0..data.len()).step_by(step) {
            assert_ne!(peek(&data[..end]), Peeked::Invalid, "prefix of {end} bytes");
        }
    }
}
