//! Acknowledgements of the broker's QoS 1 messages through the proxy: the mqtt client holds
//! them to send several at once, which must never stall a broker that waits for them nor let
//! one acknowledged message come back to a resumed session.

mod support;

use std::time::Duration;

use support::mosquitto::{publish, stdout, Subscriber};
use support::proxy::{setup, setup_with_broker};

const MESSAGES: usize = 40;

fn publish_numbered(port: u16, topic: &str, count: usize) {
    for n in 0..count {
        let payload = n.to_string();
        let published = publish(port, &["-q", "1", "-t", topic, "-m", &payload]);
        assert!(published.status.success(), "{published:?}");
    }
}

fn numbered(count: usize) -> Vec<String> {
    (0..count).map(|n| n.to_string()).collect()
}

/// A broker that sends two messages at most before it wants their acknowledgements: fewer
/// than the client ever holds back, so only releasing them as the subscriber takes its
/// messages keeps the flow going.
#[test]
fn a_broker_with_a_tiny_in_flight_window_keeps_delivering() {
    let setup = setup_with_broker("max_inflight_messages 2\n");
    for version in ["mqttv311", "mqttv5"] {
        let topic = format!("tiny/{version}");
        let count = MESSAGES.to_string();
        let subscriber = Subscriber::start(
            setup.port,
            &[
                "-V", version, "-q", "1", "-t", &topic, "-C", &count, "-W", "20",
            ],
        );
        std::thread::sleep(Duration::from_millis(500));
        publish_numbered(setup.broker.port, &topic, MESSAGES);
        let output = subscriber.wait();
        let received: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
        assert_eq!(received, numbered(MESSAGES), "{version}: {output:?}");
    }
}

/// What a persistent session's client acknowledged is acknowledged to the broker before the
/// session ends, so it is not sent again when the session comes back.
#[test]
fn a_resumed_session_gets_nothing_it_already_acknowledged() {
    let setup = setup();
    let session = ["-c", "-i", "acker", "-q", "1", "-t", "acked/#"];
    let first = Subscriber::start(setup.port, &[&session[..], &["-E"]].concat());
    assert!(first.wait().status.success());
    let count = MESSAGES.to_string();
    let taking = Subscriber::start(
        setup.port,
        &[&session[..], &["-C", &count, "-W", "20"]].concat(),
    );
    std::thread::sleep(Duration::from_millis(500));
    publish_numbered(setup.broker.port, "acked/x", MESSAGES);
    let taken = stdout(&taking.wait());
    assert_eq!(taken.lines().count(), MESSAGES, "{taken}");

    assert!(publish(
        setup.broker.port,
        &["-q", "1", "-t", "acked/x", "-m", "after"]
    )
    .status
    .success());
    let resumed = Subscriber::start(setup.port, &[&session[..], &["-W", "3"]].concat());
    let output = resumed.wait();
    assert_eq!(stdout(&output).trim(), "after", "{output:?}");
}
