//! The JOSE header of a compact token, read before any key is chosen. `jsonwebtoken` parses it
//! too, but refuses unknown algorithms (`none` among them) with a generic JSON error; reading
//! it here lets every refusal say precisely why.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;

use crate::rejection::Rejection;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenHeader {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
}

pub fn read_header(token: &str) -> Result<TokenHeader, Rejection> {
    let mut segments = token.split('.');
    let header = segments.next().unwrap_or_default();
    match segments.count() {
        2 => {}
        4 => {
            return Err(Rejection::Malformed(
                "it is encrypted (JWE), only signed tokens (JWS) are accepted".into(),
            ))
        }
        _ => {
            return Err(Rejection::Malformed(
                "it is not three base64url segments separated by dots".into(),
            ))
        }
    }
    let json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|error| Rejection::Malformed(format!("its header is not base64url: {error}")))?;
    serde_json::from_slice(&json)
        .map_err(|error| Rejection::Malformed(format!("its header is not a JOSE header: {error}")))
}

/// Reads `data` as a token's text, the way a fuzz target does, down to the algorithm the guard
/// would pick keys by. Panics when a header is accepted from text that is not a compact JWS
/// or a refusal is not `Malformed`, so that a fuzzer reports it.
#[doc(hidden)]
pub fn fuzz_token_header(data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    match read_header(&token) {
        Ok(header) => {
            assert_eq!(token.matches('.').count(), 2, "a header from {token:?}");
            let _ = crate::jwt_guard::header_algorithm(&header.alg);
        }
        Err(rejection) => assert!(
            matches!(rejection, Rejection::Malformed(_)),
            "{rejection:?}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn reads_alg_and_kid() {
        let token = format!(
            "{}.e30.c2ln",
            encode(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#)
        );
        let header = read_header(&token).expect("header");
        assert_eq!(header.alg, "RS256");
        assert_eq!(header.kid.as_deref(), Some("k1"));
        let token = format!("{}.e30.", encode(r#"{"alg":"none"}"#));
        assert_eq!(read_header(&token).expect("header").kid, None);
    }

    #[test]
    fn refuses_what_is_not_a_compact_jws() {
        for token in ["", "abc", "a.b", "a.b.c.d", "!!.e30.c2ln"] {
            assert!(
                matches!(read_header(token), Err(Rejection::Malformed(_))),
                "{token}"
            );
        }
        let jwe = format!("{}.a.b.c.d", encode(r#"{"alg":"RSA-OAEP"}"#));
        assert!(
            matches!(read_header(&jwe), Err(Rejection::Malformed(reason)) if reason.contains("JWE"))
        );
        let no_alg = format!("{}.e30.c2ln", encode(r#"{"kid":"k"}"#));
        assert!(read_header(&no_alg).is_err());
    }
}
