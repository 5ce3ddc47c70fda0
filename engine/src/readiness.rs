//! Which of a task's many streams a wakeup was for.
//!
//! A task that waits on many stream ends at once (an MQTT connection's publish and subscribe
//! streams, a session's streams toward the broker) would otherwise poll every one of them after
//! each wakeup, so that each message costs as much as the task has streams. Instead each stream
//! end is polled with a waker of its own, which queues the stream's key before it wakes the
//! task, and the task polls only the streams queued.
//!
//! The owner keeps one rule: a stream it polled or touched outside [`Readiness::context`] (an
//! `await` on one of its channels) is queued again with [`Readiness::queue`], since that poll
//! left the task's own waker on the channel instead of the stream's.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Wake, Waker};

/// The keys of the streams that may have something, in the order they were woken.
pub struct ReadyQueue<K> {
    shared: Arc<Shared<K>>,
}

struct Shared<K> {
    state: Mutex<State<K>>,
}

struct State<K> {
    queue: VecDeque<K>,
    /// The owning task, while it waits for a key.
    task: Option<Waker>,
}

/// One stream's place in a [`ReadyQueue`]: the waker its channels are polled with.
pub struct Readiness<K> {
    entry: Arc<Entry<K>>,
    waker: Waker,
}

struct Entry<K> {
    key: K,
    /// In the queue already: wakeups until it is polled add nothing.
    queued: AtomicBool,
    shared: Arc<Shared<K>>,
}

impl<K> Shared<K> {
    fn lock(&self) -> MutexGuard<'_, State<K>> {
        // The state is a queue of keys; one left half-updated by a panic elsewhere is still a
        // queue of keys.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K: Copy + Send + Sync + 'static> Default for ReadyQueue<K> {
    fn default() -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    task: None,
                }),
            }),
        }
    }
}

impl<K: Copy + Send + Sync + 'static> ReadyQueue<K> {
    /// A new stream's readiness, queued so that its first poll puts its waker on its channels.
    pub fn track(&self, key: K) -> Readiness<K> {
        let entry = Arc::new(Entry {
            key,
            queued: AtomicBool::new(false),
            shared: self.shared.clone(),
        });
        let waker = Waker::from(entry.clone());
        let readiness = Readiness { entry, waker };
        readiness.queue();
        readiness
    }

    /// The next queued key. The caller clears the stream's mark with [`Readiness::taken`]
    /// before it polls the stream, so a wakeup during the poll queues it again. When nothing is
    /// queued and `cx` is given, its waker is woken by the next key queued.
    ///
    /// A loop over `pop` ends because a stream is queued again only by a wakeup: a channel that
    /// has no coop budget left for the task answers `Pending` and, inside a tokio runtime,
    /// defers its wakeup until the task yields, instead of queueing the stream at once.
    pub fn pop(&self, cx: Option<&Context<'_>>) -> Option<K> {
        let mut state = self.shared.lock();
        let key = state.queue.pop_front();
        if key.is_none() {
            if let Some(cx) = cx {
                match &state.task {
                    Some(task) if task.will_wake(cx.waker()) => {}
                    _ => state.task = Some(cx.waker().clone()),
                }
            }
        }
        key
    }

    /// Keys queued now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shared.lock().queue.len()
    }
}

impl<K: Copy + Send + Sync + 'static> Readiness<K> {
    /// The context to poll this stream's channels with.
    pub fn context(&self) -> Context<'_> {
        Context::from_waker(&self.waker)
    }

    /// Queues the stream to be polled, unless it already is; the task is not woken, as only
    /// the task itself queues this way.
    pub fn queue(&self) {
        if !self.entry.queued.swap(true, Ordering::AcqRel) {
            self.entry.shared.lock().queue.push_back(self.entry.key);
        }
    }

    /// Queues the stream ahead of the others, unless it is queued already: for a stream that
    /// just gave an event, so that what arrived on it together is taken together, in the order
    /// it was sent, before the streams woken after it.
    pub fn queue_first(&self) {
        if !self.entry.queued.swap(true, Ordering::AcqRel) {
            self.entry.shared.lock().queue.push_front(self.entry.key);
        }
    }

    /// Notes that the stream's key was popped and that it is about to be polled.
    pub fn taken(&self) {
        self.entry.queued.store(false, Ordering::Release);
    }
}

impl<K: Copy + Send + Sync + 'static> Wake for Entry<K> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let task = {
            let mut state = self.shared.lock();
            if !self.queued.swap(true, Ordering::AcqRel) {
                state.queue.push_back(self.key);
            }
            state.task.take()
        };
        if let Some(task) = task {
            task.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counting_waker::CountingWaker;

    /// A queue with one stream, popped and about to be polled.
    fn polled<K: Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static>(
        key: K,
    ) -> (ReadyQueue<K>, Readiness<K>) {
        let queue = ReadyQueue::default();
        let stream = queue.track(key);
        assert_eq!(queue.pop(None), Some(key));
        stream.taken();
        (queue, stream)
    }

    #[test]
    fn new_streams_are_queued_once_and_popped_in_order() {
        let queue = ReadyQueue::default();
        let first = queue.track(1u32);
        let _second = queue.track(2u32);
        first.queue();
        assert_eq!(queue.len(), 2);
        assert_eq!(queue.pop(None), Some(1));
        assert_eq!(queue.pop(None), Some(2));
        assert_eq!(queue.pop(None), None);
    }

    #[test]
    fn a_stream_that_gave_an_event_goes_ahead_of_those_woken_after_it() {
        let (queue, first) = polled(1u8);
        let _second = queue.track(2u8);
        first.queue_first();
        assert_eq!(queue.pop(None), Some(1));
        assert_eq!(queue.pop(None), Some(2));
    }

    #[test]
    fn a_wakeup_queues_its_stream_and_wakes_the_waiting_task() {
        let (queue, stream) = polled(7u64);
        let (task, task_waker) = CountingWaker::new();
        assert_eq!(queue.pop(Some(&Context::from_waker(&task_waker))), None);

        stream.context().waker().wake_by_ref();
        stream.context().waker().wake_by_ref();
        assert_eq!(task.wakeups(), 1, "woken once until it waits again");
        assert_eq!(queue.pop(None), Some(7));
        assert_eq!(queue.pop(None), None, "two wakeups, one entry");
    }

    #[test]
    fn a_wakeup_while_the_stream_is_polled_queues_it_again() {
        let (queue, stream) = polled(3u8);
        stream.context().waker().wake_by_ref();
        assert_eq!(queue.pop(None), Some(3));
    }

    #[tokio::test]
    async fn channels_polled_with_the_streams_waker_queue_it_when_they_receive() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
        let (queue, stream) = polled(9u16);
        assert!(rx.poll_recv(&mut stream.context()).is_pending());
        assert_eq!(queue.len(), 0);
        tx.send(1).expect("send");
        assert_eq!(queue.pop(None), Some(9));
        stream.taken();
        assert_eq!(
            rx.poll_recv(&mut stream.context()),
            std::task::Poll::Ready(Some(1))
        );
    }

    /// Senders on other threads, a task that sleeps whenever nothing is queued: every message
    /// still arrives, so no wakeup is lost between a poll and the next pop.
    #[test]
    fn messages_sent_from_other_threads_all_arrive() {
        const CHANNELS: usize = 8;
        const MESSAGES: u32 = 2_000;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let queue = ReadyQueue::default();
        let mut receivers = Vec::new();
        let mut senders = Vec::new();
        for key in 0..CHANNELS {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
            receivers.push((rx, queue.track(key)));
            senders.push(tx);
        }
        let producers: Vec<_> = senders
            .into_iter()
            .map(|tx| {
                std::thread::spawn(move || {
                    for n in 0..MESSAGES {
                        tx.send(n).expect("send");
                        if n % 64 == 0 {
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let mut next = [0u32; CHANNELS];
        runtime.block_on(std::future::poll_fn(|cx| {
            while let Some(key) = queue.pop(Some(cx)) {
                let (rx, readiness) = &mut receivers[key];
                readiness.taken();
                while let std::task::Poll::Ready(Some(n)) = rx.poll_recv(&mut readiness.context()) {
                    assert_eq!(n, next[key], "in order on channel {key}");
                    next[key] += 1;
                }
            }
            if next.iter().all(|&count| count == MESSAGES) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        }));
        for producer in producers {
            producer.join().expect("producer");
        }
    }
}
