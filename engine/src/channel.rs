//! The queue under each direction of a stream: one sender, one receiver, unbounded.
//!
//! Unbounded because what travels on it is bounded elsewhere (see `stream`). One lock around a
//! `VecDeque` and the receiver's waker: both ends of a stream almost always run on the same
//! worker thread, so the lock is uncontended, and a send is a push and at most one wakeup.
//! tokio's `mpsc`, which this replaced, is built for many senders on many threads: receiving
//! from it took more than twice the instructions (callgrind, the MQTT benchmark at QoS 1:
//! 12.0 million in `StreamReceiver::poll_recv` against 5.3 for the same 2,000 messages); a send
//! costs about the same either way, most of it the wakeup.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

struct State<T> {
    queue: VecDeque<T>,
    /// The receiver's, while it waits for an item.
    waker: Option<Waker>,
    sender_gone: bool,
    receiver_gone: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing that can panic runs under the lock, so a poisoned one is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why [`Receiver::try_recv`] returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing is queued now.
    Empty,
    /// Nothing is queued and the sender is gone.
    Disconnected,
}

pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

/// A new queue.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            waker: None,
            sender_gone: false,
            receiver_gone: false,
        }),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T> Sender<T> {
    /// Queues `item`; gives it back once the receiver is gone.
    pub fn send(&self, item: T) -> Result<(), T> {
        let waker = {
            let mut state = self.shared.lock();
            if state.receiver_gone {
                return Err(item);
            }
            state.queue.push_back(item);
            state.waker.take()
        };
        // Woken outside the lock: a wakeup consumes the waker, and the last reference to a
        // task's waker drops the task, whose future may own this very queue.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// True once the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().receiver_gone
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.shared.lock();
            state.sender_gone = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// The next item; `None` once the sender is gone and everything it sent was taken.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.shared.lock();
        if let Some(item) = state.queue.pop_front() {
            return Poll::Ready(Some(item));
        }
        if state.sender_gone {
            return Poll::Ready(None);
        }
        let replaced = match &state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => None,
            _ => state.waker.replace(cx.waker().clone()),
        };
        drop(state);
        // Dropped outside the lock: the last reference to a task's waker drops the task,
        // whose future may hold the other end of this very queue.
        drop(replaced);
        Poll::Pending
    }

    /// The next item if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = self.shared.lock();
        match state.queue.pop_front() {
            Some(item) => Ok(item),
            None if state.sender_gone => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let abandoned = {
            let mut state = self.shared.lock();
            state.receiver_gone = true;
            (state.waker.take(), std::mem::take(&mut state.queue))
        };
        // Dropped outside the lock: an item's own drop, or the task a last waker reference
        // keeps, may reach for this very queue.
        drop(abandoned);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counting_waker::CountingWaker;

    #[test]
    fn items_arrive_in_order_and_each_send_to_a_waiting_receiver_wakes_it_once() {
        let (tx, mut rx) = channel();
        let (wakes, waker) = CountingWaker::new();
        let mut cx = Context::from_waker(&waker);
        assert!(rx.poll_recv(&mut cx).is_pending());
        assert_eq!(tx.send(1), Ok(()));
        assert_eq!(tx.send(2), Ok(()));
        assert_eq!(
            wakes.wakeups(),
            1,
            "one wakeup until the receiver looks again"
        );
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(rx.poll_recv(&mut cx).is_pending());
        assert_eq!(tx.send(3), Ok(()));
        assert_eq!(wakes.wakeups(), 2);
    }

    #[test]
    fn a_gone_sender_ends_the_queue_after_what_it_sent() {
        let (tx, mut rx) = channel();
        let (wakes, waker) = CountingWaker::new();
        let mut cx = Context::from_waker(&waker);
        assert!(rx.poll_recv(&mut cx).is_pending());
        assert_eq!(tx.send("last"), Ok(()));
        drop(tx);
        assert!(wakes.wakeups() >= 1);
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some("last")));
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }

    #[test]
    fn a_sender_dropped_while_the_receiver_waits_wakes_it() {
        let (tx, mut rx) = channel::<u8>();
        let (wakes, waker) = CountingWaker::new();
        let mut cx = Context::from_waker(&waker);
        assert!(rx.poll_recv(&mut cx).is_pending());
        drop(tx);
        assert_eq!(wakes.wakeups(), 1);
        assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn a_gone_receiver_refuses_items_and_drops_what_was_queued() {
        let (tx, rx) = channel();
        let queued = Arc::new(());
        assert!(tx.send(queued.clone()).is_ok());
        drop(rx);
        assert_eq!(Arc::strong_count(&queued), 1, "the queued item was dropped");
        assert!(tx.is_closed());
        assert!(tx.send(queued.clone()).is_err());
    }

    #[test]
    fn a_new_waker_replaces_the_old_one() {
        let (tx, mut rx) = channel();
        let (first_wakes, first) = CountingWaker::new();
        let (second_wakes, second) = CountingWaker::new();
        assert!(rx.poll_recv(&mut Context::from_waker(&first)).is_pending());
        assert!(rx.poll_recv(&mut Context::from_waker(&second)).is_pending());
        assert_eq!(tx.send(()), Ok(()));
        assert_eq!((first_wakes.wakeups(), second_wakes.wakeups()), (0, 1));
    }

    /// A waker that owns the queue's sender, as a finished task's waker may own its future.
    struct HoldsSender {
        _sender: Sender<u8>,
    }

    impl std::task::Wake for HoldsSender {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn replacing_the_last_reference_to_a_waker_may_drop_the_sender() {
        let (tx, mut rx) = channel::<u8>();
        let first = Waker::from(Arc::new(HoldsSender { _sender: tx }));
        assert!(rx.poll_recv(&mut Context::from_waker(&first)).is_pending());
        drop(first);
        let (wakes, second) = CountingWaker::new();
        // The queue holds the last reference to the first waker; replacing it drops the
        // sender, which takes the queue's lock (under the lock this would never return).
        assert!(rx.poll_recv(&mut Context::from_waker(&second)).is_pending());
        assert_eq!(wakes.wakeups(), 1, "the sender's drop wakes the new waker");
        assert_eq!(
            rx.poll_recv(&mut Context::from_waker(&second)),
            Poll::Ready(None)
        );
    }

    #[test]
    fn items_sent_from_another_thread_all_arrive() {
        let (tx, mut rx) = channel();
        let sender = std::thread::spawn(move || {
            for item in 0..10_000u32 {
                if tx.send(item).is_err() {
                    break;
                }
            }
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let received = runtime.block_on(async move {
            let mut received = Vec::new();
            while let Some(item) = std::future::poll_fn(|cx| rx.poll_recv(cx)).await {
                received.push(item);
            }
            received
        });
        sender.join().unwrap_or_else(|_| panic!("sender panicked"));
        assert_eq!(received, (0..10_000).collect::<Vec<_>>());
    }
}
