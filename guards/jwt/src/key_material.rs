//! Key members (`n`, `e`, `x`, `y`) as identity providers and hand-written configs spell them:
//! base64url as RFC 7518 asks, but also standard base64, padded or not. The upstream example's
//! modulus is standard base64 with padding, so strictness here would refuse a published config.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// A key member decoded once, kept both as bytes (for size checks) and in the base64url form
/// without padding that `jsonwebtoken`'s component constructors expect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMaterial {
    pub base64url: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{member}` is not base64 or base64url")]
pub struct KeyMaterialError {
    pub member: &'static str,
}

/// Decodes one member, accepting either alphabet, padding or none, and line breaks that a
/// copied config may carry.
pub fn decode_member(member: &'static str, text: &str) -> Result<KeyMaterial, KeyMaterialError> {
    let error = KeyMaterialError { member };
    let mut normalised = String::with_capacity(text.len());
    let mut padding = 0usize;
    for character in text.chars() {
        match character {
            '+' | '-' if padding == 0 => normalised.push('-'),
            '/' | '_' if padding == 0 => normalised.push('_'),
            '=' => padding += 1,
            c if c.is_ascii_whitespace() => {}
            c if c.is_ascii_alphanumeric() && padding == 0 => normalised.push(c),
            _ => return Err(error),
        }
    }
    if normalised.is_empty() || padding > 2 {
        return Err(error);
    }
    let bytes = URL_SAFE_NO_PAD.decode(&normalised).map_err(|_| error)?;
    Ok(KeyMaterial {
        base64url: normalised,
        bytes,
    })
}

/// Bit length of a big-endian unsigned integer, ignoring leading zero bytes.
pub fn bit_length(bytes: &[u8]) -> usize {
    let mut significant = bytes.iter().skip_while(|byte| **byte == 0);
    match significant.next() {
        None => 0,
        Some(first) => (8 - first.leading_zeros() as usize) + 8 * significant.count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_with_or_without_padding_decode_alike() {
        let url = decode_member("n", "-_8").expect("base64url");
        let standard = decode_member("n", "+/8=").expect("standard, padded");
        assert_eq!(url, standard);
        assert_eq!(url.base64url, "-_8");
        assert_eq!(url.bytes, vec![0xfb, 0xff]);
        assert_eq!(
            decode_member("e", "AQ\nAB").expect("wrapped").bytes,
            vec![1, 0, 1]
        );
    }

    #[test]
    fn junk_is_refused() {
        for text in ["", "=", "a=b", "AQAB===", "not base64!", "A"] {
            assert!(decode_member("n", text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn bit_length_ignores_leading_zeros() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0, 0x7f, 0xff]), 15);
    }
}
