//! Fan groups at the stream level, with an echo exit.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use zilla_binding_echo::EchoBindingFactory;
use zilla_binding_fan::FanBindingFactory;
use zilla_engine::binding::{Binding, BindingFactory, BuildContext, Exit, Limits};
use zilla_engine::config::model::BindingConfig;
use zilla_engine::frame::{Begin, BindingId, Data, Extension, Frame};
use zilla_engine::runtime::listeners::Listeners;
use zilla_engine::stream::{stream, StreamEnd};
use zilla_engine::telemetry::events::Events;

fn build(
    factory: &dyn BindingFactory,
    name: &str,
    config: serde_json::Value,
    exits: Vec<Exit>,
) -> Arc<dyn Binding> {
    let config: BindingConfig = serde_json::from_value(config).unwrap_or_else(|e| panic!("{e}"));
    let context = BuildContext {
        id: BindingId::from(format!("test:{name}")),
        config: &config,
        config_dir: Path::new("."),
        exits: exits
            .into_iter()
            .map(|exit| (exit.id.trim_start_matches("test:").to_owned(), exit))
            .collect::<BTreeMap<_, _>>(),
        guards: BTreeMap::new(),
        vault: None,
        listeners: Listeners::new(),
        events: Events::new(),
        limits: Limits::default(),
    };
    factory.build(context).unwrap_or_else(|e| panic!("{e}"))
}

fn fan(reply_log: usize) -> Arc<dyn Binding> {
    let echo = build(
        &EchoBindingFactory,
        "echo",
        json!({"type": "echo", "kind": "server"}),
        Vec::new(),
    );
    let echo = Exit {
        id: echo.id().clone(),
        binding: echo,
    };
    build(
        &FanBindingFactory::new().with_reply_log(reply_log),
        "fan",
        json!({"type": "fan", "kind": "server", "exit": "echo"}),
        vec![echo],
    )
}

fn join(fan: &Arc<dyn Binding>) -> StreamEnd {
    let (opener, target) = stream();
    let begin = Begin {
        origin: BindingId::from("test:client"),
        routed: fan.id().clone(),
        authorization: None,
        affinity: 0,
        extension: Extension::none(),
    };
    fan.open(begin, target);
    opener
}

async fn next(member: &mut StreamEnd) -> Option<Frame> {
    tokio::time::timeout(Duration::from_secs(5), member.rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no frame"))
}

async fn send(member: &mut StreamEnd, text: &'static str) {
    member
        .tx
        .ready(text.len())
        .await
        .unwrap_or_else(|_| panic!("reset"));
    member
        .tx
        .data(Data::message(Bytes::from_static(text.as_bytes())))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_member_that_falls_behind_is_dropped_and_the_others_carry_on() {
    let fan = fan(4);
    let mut reader = join(&fan);
    let mut stalled = join(&fan);
    assert!(matches!(next(&mut reader).await, Some(Frame::Begin(_))));
    assert!(matches!(next(&mut stalled).await, Some(Frame::Begin(_))));
    reader.rx.open_window(1 << 20, 0);
    // `stalled` never grants reply credit.

    for _ in 0..16 {
        send(&mut reader, "line\n").await;
        match next(&mut reader).await {
            Some(Frame::Data(data)) => assert_eq!(&data.payload[..], b"line\n"),
            other => panic!("expected Data, got {other:?}"),
        }
        reader.rx.acknowledge_all();
    }
    assert!(matches!(next(&mut stalled).await, Some(Frame::Abort(_))));

    send(&mut reader, "still here\n").await;
    assert!(matches!(next(&mut reader).await, Some(Frame::Data(_))));
}

#[tokio::test]
async fn data_is_acknowledged_once_the_exit_consumed_it() {
    let fan = fan(16);
    let mut member = join(&fan);
    assert!(matches!(next(&mut member).await, Some(Frame::Begin(_))));
    member.rx.open_window(1024, 0);
    send(&mut member, "abc").await;
    assert!(matches!(next(&mut member).await, Some(Frame::Data(_))));
    tokio::time::timeout(Duration::from_secs(5), async {
        while member.tx.acknowledged() < 3 {
            member.tx.control().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never acknowledged"));
}

#[tokio::test]
async fn a_member_that_ends_gets_its_reply_ended() {
    let fan = fan(16);
    let mut leaving = join(&fan);
    let mut staying = join(&fan);
    assert!(matches!(next(&mut leaving).await, Some(Frame::Begin(_))));
    assert!(matches!(next(&mut staying).await, Some(Frame::Begin(_))));
    staying.rx.open_window(1024, 0);
    leaving
        .tx
        .end(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(next(&mut leaving).await, Some(Frame::End(_))));
    send(&mut staying, "ok").await;
    assert!(matches!(next(&mut staying).await, Some(Frame::Data(_))));
}
