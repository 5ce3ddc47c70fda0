//! The guard's current keys, and for keys from a URL, how they are kept fresh: fetched at
//! start, again every `refresh` seconds, and on a token naming an unknown `kid` (at most once
//! per interval, so forged kids cannot turn the guard into a fetch amplifier). A failed fetch
//! keeps the last good keys.

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use zilla_engine::telemetry::events::Events;

use crate::events;
use crate::fetch::{self, describe, FetchLimits};
use crate::key_set::KeySet;
use crate::keys_url::KeysLocation;

/// Fewest seconds between fetches prompted by tokens rather than by the refresh timer.
pub const ON_DEMAND_INTERVAL: Duration = Duration::from_secs(10);

pub struct KeyStore {
    current: RwLock<Arc<KeySet>>,
    remote: Option<RemoteKeys>,
}

/// Where fetched keys come from and who hears about failures.
pub struct RemoteKeys {
    pub location: KeysLocation,
    pub limits: FetchLimits,
    pub on_demand_interval: Duration,
    pub guard: Arc<str>,
    pub events: Events,
    last_attempt: Mutex<Option<Instant>>,
}

impl RemoteKeys {
    pub fn new(location: KeysLocation, guard: Arc<str>, events: Events) -> Self {
        Self {
            location,
            limits: FetchLimits::default(),
            on_demand_interval: ON_DEMAND_INTERVAL,
            guard,
            events,
            last_attempt: Mutex::new(None),
        }
    }

    /// Fetches and parses the set, blocking the calling thread; for the fetch at start.
    pub fn load_blocking(&self) -> Result<KeySet, String> {
        if let Ok(mut last) = self.last_attempt.try_lock() {
            *last = Some(Instant::now());
        }
        fetch::fetch_blocking(&self.location, self.limits)
            .map_err(|error| error.to_string())
            .and_then(|document| self.parse(&document))
    }

    async fn load(&self) -> Result<KeySet, String> {
        fetch::fetch(&self.location, self.limits)
            .await
            .map_err(|error| error.to_string())
            .and_then(|document| self.parse(&document))
    }

    fn parse(&self, document: &[u8]) -> Result<KeySet, String> {
        let fetched = KeySet::from_jwks(document)
            .map_err(|error| format!("{}: {error}", describe(&self.location)))?;
        for skipped in &fetched.skipped {
            tracing::warn!(guard = %self.guard, "JWK set {}: skipped {skipped}", describe(&self.location));
        }
        Ok(fetched.keys)
    }

    /// Logs a failed fetch and emits it as an event.
    pub fn report(&self, message: String) {
        tracing::warn!(guard = %self.guard, "{message}");
        self.events
            .emit(&self.guard, events::KEYS_FETCH_FAILED, message);
    }
}

impl KeyStore {
    pub fn fixed(keys: KeySet) -> Self {
        Self {
            current: RwLock::new(Arc::new(keys)),
            remote: None,
        }
    }

    pub fn remote(initial: KeySet, remote: RemoteKeys) -> Self {
        Self {
            current: RwLock::new(Arc::new(initial)),
            remote: Some(remote),
        }
    }

    /// A snapshot of the keys; held only while one token is checked.
    pub fn current(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, keys: KeySet) {
        let keys = Arc::new(keys);
        match self.current.write() {
            Ok(mut current) => *current = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
    }

    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Fetches now, whatever the interval. True when new keys were taken.
    pub async fn refresh(&self) -> bool {
        let Some(remote) = &self.remote else {
            return false;
        };
        let mut last = remote.last_attempt.lock().await;
        *last = Some(Instant::now());
        self.take(remote, remote.load().await)
    }

    /// Fetches because a token named a key we lack, unless a fetch happened too recently.
    /// Concurrent callers wait for one fetch instead of each starting their own.
    pub async fn refresh_on_demand(&self) -> bool {
        let Some(remote) = &self.remote else {
            return false;
        };
        let mut last = remote.last_attempt.lock().await;
        if last.is_some_and(|at| at.elapsed() < remote.on_demand_interval) {
            return false;
        }
        *last = Some(Instant::now());
        self.take(remote, remote.load().await)
    }

    fn take(&self, remote: &RemoteKeys, keys: Result<KeySet, String>) -> bool {
        match keys {
            Ok(keys) => {
                tracing::debug!(guard = %remote.guard, count = keys.len(), "keys loaded");
                self.replace(keys);
                true
            }
            Err(reason) => {
                remote.report(format!(
                    "cannot load keys, keeping the previous ones: {reason}"
                ));
                false
            }
        }
    }
}

/// Stops the background refresh when the guard is dropped (on reload or shutdown).
#[derive(Debug)]
pub struct Refresher(tokio::task::JoinHandle<()>);

impl Drop for Refresher {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Refreshes every `every` while the store lives. Without a tokio runtime (a build outside
/// `start`) there is nothing to run it on, and the keys stay as loaded.
pub fn spawn_refresher(store: &Arc<KeyStore>, every: Duration) -> Option<Refresher> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let weak: Weak<KeyStore> = Arc::downgrade(store);
    Some(Refresher(runtime.spawn(async move {
        let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(store) = weak.upgrade() else {
                return;
            };
            store.refresh().await;
        }
    })))
}
