//! Reading a JWK set document from where the `keys` URL points, within a time and size budget
//! so a slow or hostile server can neither stall the guard nor exhaust memory.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use crate::keys_url::KeysLocation;

/// Fetches wait at most this long.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// A JWK set larger than this is refused; real ones are a few kilobytes.
pub const MAX_JWKS_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    pub timeout: Duration,
    pub max_bytes: u64,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: FETCH_TIMEOUT,
            max_bytes: MAX_JWKS_BYTES,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("GET {url} failed: {reason}")]
    Http { url: String, reason: String },
    #[error("GET {url} answered status {status}")]
    Status { url: String, status: u16 },
    #[error("{location} is larger than {limit} bytes")]
    TooLarge { location: String, limit: u64 },
    #[error("cannot read {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("fetching {location} took longer than {seconds} s")]
    Timeout { location: String, seconds: u64 },
    #[error("the fetch of {0} stopped unexpectedly")]
    Interrupted(String),
}

/// Reads the document, blocking the calling thread for at most `limits.timeout`.
pub fn fetch_blocking(location: &KeysLocation, limits: FetchLimits) -> Result<Vec<u8>, FetchError> {
    match location {
        KeysLocation::Http(url) => fetch_http(url, limits),
        KeysLocation::File(path) => read_file(path, limits),
    }
}

/// Reads the document off the async runtime's worker threads.
pub async fn fetch(location: &KeysLocation, limits: FetchLimits) -> Result<Vec<u8>, FetchError> {
    let owned = location.clone();
    let task = tokio::task::spawn_blocking(move || fetch_blocking(&owned, limits));
    // The HTTP client enforces the timeout itself; this outer bound also covers a stuck file
    // system, with a little slack so the client's more precise error wins when it fires.
    match tokio::time::timeout(limits.timeout + Duration::from_secs(1), task).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(FetchError::Interrupted(describe(location))),
        Err(_) => Err(FetchError::Timeout {
            location: describe(location),
            seconds: limits.timeout.as_secs(),
        }),
    }
}

pub fn describe(location: &KeysLocation) -> String {
    match location {
        KeysLocation::Http(url) => url.clone(),
        KeysLocation::File(path) => path.display().to_string(),
    }
}

fn fetch_http(url: &str, limits: FetchLimits) -> Result<Vec<u8>, FetchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(limits.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let http = |reason: String| FetchError::Http {
        url: url.to_string(),
        reason,
    };
    let response = agent
        .get(url)
        .header("Accept", "application/json")
        .call()
        .map_err(|error| match error {
            ureq::Error::Timeout(_) => FetchError::Timeout {
                location: url.to_string(),
                seconds: limits.timeout.as_secs(),
            },
            other => http(other.to_string()),
        })?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status {
            url: url.to_string(),
            status,
        });
    }
    response
        .into_body()
        .with_config()
        .limit(limits.max_bytes)
        .read_to_vec()
        .map_err(|error| match error {
            ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge {
                location: url.to_string(),
                limit: limits.max_bytes,
            },
            ureq::Error::Timeout(_) => FetchError::Timeout {
                location: url.to_string(),
                seconds: limits.timeout.as_secs(),
            },
            other => http(other.to_string()),
        })
}

fn read_file(path: &PathBuf, limits: FetchLimits) -> Result<Vec<u8>, FetchError> {
    let file_error = |error: std::io::Error| FetchError::File {
        path: path.clone(),
        reason: error.to_string(),
    };
    let file = std::fs::File::open(path).map_err(file_error)?;
    let mut document = Vec::new();
    // One byte past the limit tells "exactly at the limit" from "over it".
    file.take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut document)
        .map_err(file_error)?;
    if document.len() as u64 > limits.max_bytes {
        return Err(FetchError::TooLarge {
            location: path.display().to_string(),
            limit: limits.max_bytes,
        });
    }
    Ok(document)
}
