//! Which of a task's few fixed sources woke it.
//!
//! A task that waits on its network, a timer and a shutdown signal at once would otherwise poll
//! all of them after every wakeup, although a wakeup is nearly always for one of them. Here
//! each source is polled with a waker of its own, which marks the source before it wakes the
//! task, and a source that is not marked is not polled at all. [`crate::readiness`] does the
//! same for a task's many streams, where the set of keys changes; this is its fixed-size kin.
//!
//! The owner keeps one rule: a source it polled with another waker (an `await` outside
//! [`Woken::poll`], or a future replaced by a new one) is marked again with [`Woken::mark`],
//! since that source no longer holds the source's own waker.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Up to 32 sources of one task, each with its own waker.
pub struct Woken {
    shared: Arc<Shared>,
    wakers: Vec<Waker>,
    /// The task waker registered last, as `Waker::will_wake` compares it (data and vtable
    /// addresses): a poll by the same task, nearly every poll, then skips the lock. The
    /// registered clone keeps those addresses from being reused by another waker.
    registered: [AtomicUsize; 2],
}

struct Shared {
    /// One bit per source that woke the task since it was last polled.
    marked: AtomicU32,
    task: Mutex<Option<Waker>>,
}

struct SourceWaker {
    bit: u32,
    shared: Arc<Shared>,
}

impl Woken {
    /// `count` sources (at most 32), all marked, so that each is polled once and so registers
    /// its own waker.
    pub fn new(count: usize) -> Self {
        assert!(count <= 32, "at most 32 sources");
        let all = if count == 32 {
            u32::MAX
        } else {
            (1u32 << count) - 1
        };
        let shared = Arc::new(Shared {
            marked: AtomicU32::new(all),
            task: Mutex::new(None),
        });
        let wakers = (0..count)
            .map(|index| {
                Waker::from(Arc::new(SourceWaker {
                    bit: 1 << index,
                    shared: shared.clone(),
                }))
            })
            .collect();
        Self {
            shared,
            wakers,
            registered: [AtomicUsize::new(0), AtomicUsize::new(0)],
        }
    }

    /// Polls source `index` with its own waker when it is marked, and answers `Pending`
    /// without polling it otherwise. A source that answered `Ready` stays marked, as it may
    /// have more. `cx`'s waker is the task's, woken when any source is marked.
    pub fn poll<T>(
        &self,
        index: usize,
        cx: &Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.register(cx.waker());
        let bit = 1u32 << index;
        // Cleared before the poll, so a wakeup during the poll marks it again.
        if self.shared.marked.fetch_and(!bit, Ordering::AcqRel) & bit == 0 {
            return Poll::Pending;
        }
        let polled = poll(&mut Context::from_waker(&self.wakers[index]));
        if polled.is_ready() {
            self.mark(index);
        }
        polled
    }

    /// `future` as source `index`: polled only while the source is marked. For a `select!`
    /// branch, which is otherwise polled after every wakeup of the task.
    pub async fn gate<F: Future>(&self, index: usize, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| self.poll(index, cx, |cx| future.as_mut().poll(cx))).await
    }

    /// Marks source `index` to be polled next time without waking the task: for a source the
    /// task touched with another waker.
    pub fn mark(&self, index: usize) {
        self.shared.marked.fetch_or(1 << index, Ordering::AcqRel);
    }

    /// Source `index`'s own waker, for polling it outside [`Woken::poll`].
    pub fn waker(&self, index: usize) -> &Waker {
        &self.wakers[index]
    }

    fn register(&self, waker: &Waker) {
        let identity = [waker.data() as usize, waker.vtable() as *const _ as usize];
        // Only the owning task registers, so these never race with each other.
        if self.registered[0].load(Ordering::Relaxed) == identity[0]
            && self.registered[1].load(Ordering::Relaxed) == identity[1]
        {
            return;
        }
        let mut task = self
            .shared
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match task.as_ref() {
            Some(current) if current.will_wake(waker) => {}
            _ => *task = Some(waker.clone()),
        }
        self.registered[0].store(identity[0], Ordering::Relaxed);
        self.registered[1].store(identity[1], Ordering::Relaxed);
    }
}

impl Wake for SourceWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Already marked: the task was woken by whoever marked it, or has not looked yet.
        if self.shared.marked.fetch_or(self.bit, Ordering::AcqRel) & self.bit != 0 {
            return;
        }
        let task = self
            .shared
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if let Some(task) = task {
            task.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counting_waker::CountingWaker;

    #[test]
    fn every_source_is_polled_once_then_only_when_it_woke() {
        let woken = Woken::new(3);
        let (_, task) = CountingWaker::new();
        let cx = Context::from_waker(&task);
        let mut polls = [0; 3];
        for (index, count) in polls.iter_mut().enumerate() {
            let _: Poll<()> = woken.poll(index, &cx, |_| {
                *count += 1;
                Poll::Pending
            });
        }
        assert_eq!(polls, [1, 1, 1]);
        for (index, count) in polls.iter_mut().enumerate() {
            let _: Poll<()> = woken.poll(index, &cx, |_| {
                *count += 1;
                Poll::Pending
            });
        }
        assert_eq!(polls, [1, 1, 1], "nothing woke them");
        woken.waker(1).wake_by_ref();
        for (index, count) in polls.iter_mut().enumerate() {
            let _: Poll<()> = woken.poll(index, &cx, |_| {
                *count += 1;
                Poll::Pending
            });
        }
        assert_eq!(polls, [1, 2, 1]);
    }

    #[test]
    fn a_source_wakes_the_task_once_until_it_is_polled() {
        let woken = Woken::new(2);
        let (wakeups, task) = CountingWaker::new();
        let cx = Context::from_waker(&task);
        for index in 0..2 {
            let _: Poll<()> = woken.poll(index, &cx, |_| Poll::Pending);
        }
        woken.waker(0).wake_by_ref();
        woken.waker(0).wake_by_ref();
        assert_eq!(wakeups.wakeups(), 1);
        woken.waker(1).wake_by_ref();
        assert_eq!(wakeups.wakeups(), 2);
        let _: Poll<()> = woken.poll(0, &cx, |_| Poll::Pending);
        woken.waker(0).wake_by_ref();
        assert_eq!(wakeups.wakeups(), 3);
    }

    #[test]
    fn a_ready_source_is_polled_again_and_a_wakeup_during_its_poll_is_kept() {
        let woken = Woken::new(1);
        let (_, task) = CountingWaker::new();
        let cx = Context::from_waker(&task);
        assert_eq!(woken.poll(0, &cx, |_| Poll::Ready(1)), Poll::Ready(1));
        assert_eq!(woken.poll(0, &cx, |_| Poll::Ready(2)), Poll::Ready(2));
        let polled: Poll<()> = woken.poll(0, &cx, |cx| {
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        assert!(polled.is_pending());
        assert_eq!(woken.poll(0, &cx, |_| Poll::Ready(3)), Poll::Ready(3));
    }

    #[test]
    fn a_marked_source_is_polled_without_a_wakeup() {
        let woken = Woken::new(1);
        let (wakeups, task) = CountingWaker::new();
        let cx = Context::from_waker(&task);
        let _: Poll<()> = woken.poll(0, &cx, |_| Poll::Pending);
        woken.mark(0);
        assert_eq!(wakeups.wakeups(), 0);
        assert_eq!(woken.poll(0, &cx, |_| Poll::Ready(())), Poll::Ready(()));
    }

    #[test]
    fn a_new_task_waker_replaces_the_old_one() {
        let woken = Woken::new(1);
        let (first_wakeups, first) = CountingWaker::new();
        let (second_wakeups, second) = CountingWaker::new();
        let _: Poll<()> = woken.poll(0, &Context::from_waker(&first), |_| Poll::Pending);
        let _: Poll<()> = woken.poll(0, &Context::from_waker(&second), |_| Poll::Pending);
        woken.waker(0).wake_by_ref();
        assert_eq!(first_wakeups.wakeups(), 0);
        assert_eq!(second_wakeups.wakeups(), 1);
    }

    #[tokio::test]
    async fn a_real_channel_wakes_its_source() {
        let woken = Arc::new(Woken::new(2));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        let sender = std::thread::spawn(move || {
            for value in 0..1000 {
                tx.send(value).expect("receiver");
            }
        });
        let mut received = Vec::new();
        while received.len() < 1000 {
            let value = std::future::poll_fn(|cx| {
                // Source 1 never wakes; it must not hold up source 0.
                let _: Poll<()> = woken.poll(1, cx, |_| Poll::Pending);
                woken.poll(0, cx, |cx| rx.poll_recv(cx))
            })
            .await;
            received.extend(value);
        }
        sender.join().expect("sender");
        assert_eq!(received, (0..1000).collect::<Vec<_>>());
    }
}
