//! Just enough DER to re-wrap a PKCS#1 or SEC1 private key as PKCS#8, the one form the vault
//! hands out. Lengths and tags are checked, so a malformed key is an error, never a panic.

/// One DER element: its tag, its contents, and everything after it.
pub(crate) struct Element<'a> {
    pub tag: u8,
    pub contents: &'a [u8],
    pub rest: &'a [u8],
}

pub(crate) fn read(input: &[u8]) -> Option<Element<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, after_length) = after_tag.split_first()?;
    let (length, body) = if first < 0x80 {
        (usize::from(first), after_length)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || after_length.len() < count {
            return None;
        }
        let (digits, body) = after_length.split_at(count);
        let length = digits
            .iter()
            .fold(0usize, |length, digit| (length << 8) | usize::from(*digit));
        (length, body)
    };
    if body.len() < length {
        return None;
    }
    let (contents, rest) = body.split_at(length);
    Some(Element {
        tag,
        contents,
        rest,
    })
}

/// Encodes one element.
pub(crate) fn write(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    out.push(tag);
    let length = contents.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let digits: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|digit| *digit == 0)
            .collect();
        out.push(0x80 | digits.len() as u8);
        out.extend_from_slice(&digits);
    }
    out.extend_from_slice(contents);
    out
}

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const NULL: u8 = 0x05;
/// `[0]`, constructed: SEC1's optional curve parameters.
pub(crate) const CONTEXT_0: u8 = 0xa0;
