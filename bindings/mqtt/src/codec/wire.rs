//! The primitive data types of the wire format: integers, variable byte integers, UTF-8 strings
//! and binary data, read from a packet body and written to a sink.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::error::{DecodeError, EncodeError};

/// Largest value a variable byte integer can carry (four bytes).
pub const MAX_VARIABLE_INTEGER: u32 = 268_435_455;

/// Reads the primitives of one packet body, never past its end. Slices of the body come back as
/// `Bytes` that share its memory.
pub(crate) struct Reader {
    body: Bytes,
}

impl Reader {
    pub(crate) fn new(body: Bytes) -> Self {
        Self { body }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.body.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    pub(crate) fn take(&mut self, len: usize) -> Result<Bytes, DecodeError> {
        if len > self.body.len() {
            return Err(DecodeError::Truncated);
        }
        Ok(self.body.split_to(len))
    }

    /// A reader over the next `len` bytes, which this reader skips.
    pub(crate) fn sub_reader(&mut self, len: usize) -> Result<Reader, DecodeError> {
        self.take(len).map(Reader::new)
    }

    pub(crate) fn rest(&mut self) -> Bytes {
        self.body.split_off(0)
    }

    // Fixed-size fields are read in place: splitting a `Bytes` off for each would touch its
    // shared reference count twice per field.
    fn ensure(&self, len: usize) -> Result<(), DecodeError> {
        if len > self.body.len() {
            return Err(DecodeError::Truncated);
        }
        Ok(())
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        self.ensure(1)?;
        Ok(self.body.get_u8())
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        self.ensure(2)?;
        Ok(self.body.get_u16())
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        self.ensure(4)?;
        Ok(self.body.get_u32())
    }

    pub(crate) fn variable_integer(&mut self) -> Result<u32, DecodeError> {
        match read_variable_integer(&self.body)? {
            Some((value, len)) => {
                self.ensure(len)?;
                self.body.advance(len);
                Ok(value)
            }
            None => Err(DecodeError::Truncated),
        }
    }

    pub(crate) fn binary(&mut self) -> Result<Bytes, DecodeError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    pub(crate) fn string(&mut self) -> Result<String, DecodeError> {
        let len = usize::from(self.u16()?);
        self.ensure(len)?;
        let text = std::str::from_utf8(&self.body[..len]).map_err(|_| DecodeError::InvalidUtf8)?;
        if text.contains('\0') {
            return Err(DecodeError::NullCharacter);
        }
        let text = text.to_owned();
        self.body.advance(len);
        Ok(text)
    }
}

/// Reads a variable byte integer from the start of `bytes`: `Ok(None)` when more bytes are
/// needed, the value and its encoded length otherwise.
pub(crate) fn read_variable_integer(bytes: &[u8]) -> Result<Option<(u32, usize)>, DecodeError> {
    let mut value: u32 = 0;
    for (index, byte) in bytes.iter().take(4).enumerate() {
        let shift = 7 * index as u32;
        value |= u32::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Ok(Some((value, index + 1)));
        }
    }
    if bytes.len() >= 4 {
        return Err(DecodeError::MalformedVariableInteger);
    }
    Ok(None)
}

/// Number of bytes `value` takes as a variable byte integer.
pub(crate) fn variable_integer_len(value: usize) -> Result<usize, EncodeError> {
    match value {
        0..=127 => Ok(1),
        128..=16_383 => Ok(2),
        16_384..=2_097_151 => Ok(3),
        2_097_152..=268_435_455 => Ok(4),
        _ => Err(EncodeError::RemainingLengthTooLarge(value)),
    }
}

/// Where encoded bytes go: a buffer, or a counter that measures a packet before writing it.
pub(crate) trait Sink {
    fn put_slice(&mut self, bytes: &[u8]);

    fn put_u8(&mut self, value: u8) {
        self.put_slice(&[value]);
    }

    fn put_u16(&mut self, value: u16) {
        self.put_slice(&value.to_be_bytes());
    }

    fn put_u32(&mut self, value: u32) {
        self.put_slice(&value.to_be_bytes());
    }

    fn put_variable_integer(&mut self, value: u32) -> Result<(), EncodeError> {
        if value > MAX_VARIABLE_INTEGER {
            return Err(EncodeError::VariableIntegerTooLarge(value));
        }
        let mut rest = value;
        loop {
            let mut byte = (rest & 0x7F) as u8;
            rest >>= 7;
            if rest > 0 {
                byte |= 0x80;
            }
            self.put_u8(byte);
            if rest == 0 {
                return Ok(());
            }
        }
    }

    fn put_binary(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let len = u16::try_from(bytes.len()).map_err(|_| EncodeError::TooLong(bytes.len()))?;
        self.put_u16(len);
        self.put_slice(bytes);
        Ok(())
    }

    fn put_string(&mut self, text: &str) -> Result<(), EncodeError> {
        self.put_binary(text.as_bytes())
    }
}

impl Sink for BytesMut {
    fn put_slice(&mut self, bytes: &[u8]) {
        BufMut::put_slice(self, bytes);
    }
}

/// Counts the bytes an encoding would write.
#[derive(Default)]
pub(crate) struct Counter {
    pub(crate) len: usize,
}

impl Sink for Counter {
    fn put_slice(&mut self, bytes: &[u8]) {
        self.len = self.len.saturating_add(bytes.len());
    }
}

/// Converts a measured length to a variable byte integer value.
pub(crate) fn length_value(len: usize) -> Result<u32, EncodeError> {
    u32::try_from(len)
        .ok()
        .filter(|value| *value <= MAX_VARIABLE_INTEGER)
        .ok_or(EncodeError::RemainingLengthTooLarge(len))
}
