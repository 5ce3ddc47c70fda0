//! Worker threads that connections are pinned to.
//!
//! Each worker runs its own single-threaded runtime. A connection, and every stream its
//! pipeline opens (`tcp → mqtt → mqtt client → tcp`), runs on the worker it was given: a
//! frame handed from one binding to the next wakes a task on the same thread, a push on that
//! thread's run queue, instead of waking a parked thread elsewhere. On a busy multi-threaded
//! scheduler each such hop could cost a cross-thread wakeup, and a message crosses about
//! eight of them; Zilla's engine pins a connection's streams to one worker for the same
//! reason.
//!
//! Streams between connections on different workers (a session taken over from another
//! connection, a shared upstream) still work: the channels underneath are thread-safe.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::{oneshot, Notify};

/// Where connection tasks run. Cheap to clone.
#[derive(Clone, Default)]
pub struct Workers {
    pool: Option<Arc<Pool>>,
}

struct Pool {
    handles: Vec<Handle>,
    next: AtomicUsize,
    /// Dropping these lets each worker's runtime finish, which cancels what is left on it.
    _stops: Vec<oneshot::Sender<()>>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workers({})", self.count())
    }
}

impl Workers {
    /// No threads of its own: tasks run on the runtime of whoever spawns them (tests and
    /// embedders that bring their own runtime).
    pub fn current() -> Self {
        Self::default()
    }

    /// Starts `count` worker threads (at least one), each with its own runtime, which keep
    /// polling for `spin` after their last network activity before they sleep.
    pub fn start(count: usize, spin: Duration) -> std::io::Result<Self> {
        let count = count.max(1);
        let mut handles = Vec::with_capacity(count);
        let mut stops = Vec::with_capacity(count);
        for index in 0..count {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let (stop, stopped) = oneshot::channel::<()>();
            handles.push(runtime.handle().clone());
            stops.push(stop);
            std::thread::Builder::new()
                .name(format!("zilla-worker-{index}"))
                .spawn(move || {
                    let idle = Rc::new(Idle::default());
                    // Without spinning nothing waits on the activity notes: leave them off.
                    if !spin.is_zero() {
                        IDLE.with(|current| current.replace(Some(idle.clone())));
                    }
                    // Either a stop or a dropped sender ends the worker.
                    runtime.block_on(async move {
                        tokio::select! {
                            _ = stopped => {}
                            () = idle.spin_after_activity(spin), if !spin.is_zero() => {}
                        }
                    });
                })?;
        }
        Ok(Self {
            pool: Some(Arc::new(Pool {
                handles,
                next: AtomicUsize::new(0),
                _stops: stops,
            })),
        })
    }

    /// How many worker threads there are; 0 when tasks run on the caller's runtime.
    pub fn count(&self) -> usize {
        self.pool.as_ref().map_or(0, |pool| pool.handles.len())
    }

    /// Runs `task` on the next worker in turn; everything it spawns stays on that worker.
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match &self.pool {
            Some(pool) => {
                let index = pool.next.fetch_add(1, Ordering::Relaxed) % pool.handles.len();
                pool.handles[index].spawn(task);
            }
            None => {
                tokio::spawn(task);
            }
        }
    }
}

thread_local! {
    /// The idle state of the worker running on this thread, if it is one.
    static IDLE: std::cell::RefCell<Option<Rc<Idle>>> = const { std::cell::RefCell::new(None) };
}

/// Tells this thread's worker that network traffic just moved, so that it keeps polling for a
/// little while instead of going to sleep. A no-op off the worker threads.
pub fn note_activity() {
    IDLE.with(|idle| {
        if let Some(idle) = idle.borrow().as_ref() {
            idle.active.set(true);
            if !idle.spinning.get() {
                idle.wake.notify_one();
            }
        }
    });
}

/// A worker's polling between bursts of traffic.
///
/// A request and its answer (a PUBLISH forwarded upstream and the broker's reply, a message
/// for one subscriber and the next) usually arrive tens of microseconds apart. A worker that
/// sleeps in between is woken by the kernel each time, and that wakeup costs more than the
/// work itself, especially on virtual machines. Polling the reactor without sleeping for a
/// short while after the last activity takes the next event at once (the spin-then-sleep idle
/// strategy of low-latency engines). The spin yields the CPU to anything else runnable on it,
/// and a worker with nothing to do for longer sleeps as before.
#[derive(Default)]
struct Idle {
    active: Cell<bool>,
    spinning: Cell<bool>,
    wake: Notify,
}

impl Idle {
    async fn spin_after_activity(&self, spin: Duration) {
        loop {
            self.wake.notified().await;
            self.spinning.set(true);
            let mut until = Instant::now() + spin;
            loop {
                let now = Instant::now();
                if self.active.replace(false) {
                    until = now + spin;
                } else if now >= until {
                    break;
                }
                std::thread::yield_now();
                // Deferred until the runtime has polled the reactor without blocking.
                tokio::task::yield_now().await;
            }
            self.spinning.set(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn tasks_are_spread_over_the_workers_and_their_children_stay_put() {
        let workers = Workers::start(2, Duration::from_micros(50)).expect("workers");
        let (report, mut reports) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..4 {
            let report = report.clone();
            workers.spawn(async move {
                let parent = std::thread::current().id();
                let child = tokio::spawn(async { std::thread::current().id() })
                    .await
                    .expect("child");
                let _ = report.send((parent, child));
            });
        }
        drop(report);
        let mut threads = BTreeSet::new();
        while let Some((parent, child)) = reports.blocking_recv() {
            assert_eq!(parent, child, "a task's children run on its worker");
            threads.insert(format!("{parent:?}"));
        }
        assert_eq!(threads.len(), 2, "round robin uses every worker");
    }

    #[test]
    fn timers_and_sockets_work_on_a_worker() {
        let workers = Workers::start(1, Duration::ZERO).expect("workers");
        let (done, finished) = std::sync::mpsc::channel();
        workers.spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await;
            let _ = done.send(listener.is_ok());
        });
        assert_eq!(
            finished.recv_timeout(Duration::from_secs(5)),
            Ok(true),
            "the worker runs timers and binds sockets"
        );
    }

    /// CPU time the calling thread has used.
    fn thread_cpu_time() -> Duration {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage only writes into the struct it is given.
        let usage = unsafe {
            libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr());
            usage.assume_init()
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        time(usage.ru_utime) + time(usage.ru_stime)
    }

    #[test]
    fn a_worker_spins_after_activity_then_sleeps() {
        let spin = Duration::from_millis(100);
        let workers = Workers::start(1, spin).expect("workers");
        let (done, finished) = std::sync::mpsc::channel();
        workers.spawn(async move {
            let before = thread_cpu_time();
            note_activity();
            tokio::time::sleep(Duration::from_millis(150)).await;
            let spinning = thread_cpu_time() - before;
            let before = thread_cpu_time();
            tokio::time::sleep(Duration::from_millis(200)).await;
            let sleeping = thread_cpu_time() - before;
            let _ = done.send((spinning, sleeping));
        });
        let (spinning, sleeping) = finished
            .recv_timeout(Duration::from_secs(5))
            .expect("measured");
        assert!(
            spinning >= Duration::from_millis(5),
            "polled after activity, used {spinning:?}"
        );
        assert!(
            sleeping < Duration::from_millis(20),
            "slept once quiet, used {sleeping:?}"
        );
    }

    #[tokio::test]
    async fn without_threads_tasks_run_on_the_callers_runtime() {
        let workers = Workers::current();
        assert_eq!(workers.count(), 0);
        let (done, finished) = oneshot::channel();
        workers.spawn(async move {
            let _ = done.send(());
        });
        finished.await.expect("ran");
    }
}
