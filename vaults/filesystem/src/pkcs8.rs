//! Turns the private key formats PEM files carry (PKCS#8, PKCS#1, SEC1) into PKCS#8.

use crate::der::{self, CONTEXT_0, INTEGER, NULL, OCTET_STRING, OID, SEQUENCE};

/// 1.2.840.113549.1.1.1
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// 1.2.840.10045.2.1
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// A PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`.
pub(crate) fn from_pkcs1(pkcs1: &[u8]) -> Option<Vec<u8>> {
    let key = der::read(pkcs1)?;
    if key.tag != SEQUENCE || !key.rest.is_empty() {
        return None;
    }
    let algorithm = [der::write(OID, RSA_ENCRYPTION), der::write(NULL, &[])].concat();
    Some(private_key_info(&algorithm, pkcs1))
}

/// A SEC1 `ECPrivateKey` inside a PKCS#8 `PrivateKeyInfo`; the curve comes from the key's own
/// parameters, without which the key cannot be used.
pub(crate) fn from_sec1(sec1: &[u8]) -> Option<Vec<u8>> {
    let key = der::read(sec1)?;
    if key.tag != SEQUENCE || !key.rest.is_empty() {
        return None;
    }
    let version = der::read(key.contents)?;
    let secret = der::read(version.rest)?;
    if version.tag != INTEGER || secret.tag != OCTET_STRING {
        return None;
    }
    let parameters = der::read(secret.rest)?;
    if parameters.tag != CONTEXT_0 {
        return None;
    }
    let curve = der::read(parameters.contents)?;
    if curve.tag != OID {
        return None;
    }
    let algorithm = [
        der::write(OID, EC_PUBLIC_KEY),
        der::write(OID, curve.contents),
    ]
    .concat();
    Some(private_key_info(&algorithm, sec1))
}

fn private_key_info(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    let body = [
        der::write(INTEGER, &[0]),
        der::write(SEQUENCE, algorithm),
        der::write(OCTET_STRING, key),
    ]
    .concat();
    der::write(SEQUENCE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_round_trip() {
        let contents = vec![7u8; 300];
        let encoded = der::write(OCTET_STRING, &contents);
        assert_eq!(&encoded[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let element = der::read(&encoded).map(|element| element.contents.len());
        assert_eq!(element, Some(300));
    }

    #[test]
    fn truncated_or_foreign_input_is_refused() {
        assert!(der::read(&[0x30, 0x05, 0x01]).is_none());
        assert!(der::read(&[0x30, 0x85, 0, 0, 0, 0, 1]).is_none());
        assert!(from_pkcs1(&[0x04, 0x00]).is_none());
        assert!(from_sec1(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_none());
    }
}
