//! Generations replaced by a reload. A retired generation accepts nothing new; its open
//! connections carry on until they close or its drain deadline passes, then it is stopped
//! (its bindings end what is still open) and dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::generation::Generation;

type Draining = Arc<Mutex<Vec<Arc<Generation>>>>;

/// The retired generations still draining.
pub struct Retired {
    drain: Duration,
    generations: Draining,
    tasks: Vec<JoinHandle<()>>,
}

impl Retired {
    pub fn new(drain: Duration) -> Self {
        Self {
            drain,
            generations: Draining::default(),
            tasks: Vec::new(),
        }
    }

    pub fn set_drain(&mut self, drain: Duration) {
        self.drain = drain;
    }

    /// Every generation still draining, oldest first.
    pub fn all(&self) -> Vec<Arc<Generation>> {
        self.generations
            .lock()
            .map(|generations| generations.clone())
            .unwrap_or_default()
    }

    /// Lets `generation` (already retired) drain, then stops and drops it.
    pub fn add(&mut self, generation: Arc<Generation>) {
        if let Ok(mut generations) = self.generations.lock() {
            generations.push(generation.clone());
        }
        let generations = self.generations.clone();
        let drain = self.drain;
        self.tasks.retain(|task| !task.is_finished());
        self.tasks.push(tokio::spawn(async move {
            if tokio::time::timeout(drain, generation.idle())
                .await
                .is_err()
            {
                tracing::info!("a retired configuration still had connections after {drain:?}");
            }
            generation.stop().await;
            if let Ok(mut generations) = generations.lock() {
                generations.retain(|other| !Arc::ptr_eq(other, &generation));
            }
        }));
    }

    /// Stops every retired generation now (the engine is stopping).
    pub async fn stop_all(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        let generations = self
            .generations
            .lock()
            .map(|mut generations| std::mem::take(&mut *generations))
            .unwrap_or_default();
        for generation in generations {
            generation.stop().await;
        }
    }
}
