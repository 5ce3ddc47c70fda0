//! The fan binding: every stream that reaches it joins one group. Data from any member goes to
//! the exit once, over the group's single stream; everything the exit sends back goes to every
//! member. With an echo exit, every member sees every member's data.
//!
//! Differences from Zilla, deliberate: a member's reply `Begin` is sent when it joins rather than
//! when the exit's reply begins, and a member that cannot keep up with the replies is dropped
//! instead of slowing the whole group (see `member`).

mod group;
mod member;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::de::IgnoredAny;
use zilla_engine::binding::{Binding, BindingFactory, BindingSchema, BuildContext, BuildError};
use zilla_engine::config::model::Kind;
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::route::{Captures, Routes};
use zilla_engine::stream::StreamEnd;
use zilla_engine::telemetry::events::Events;

use group::GroupHandle;
use member::Member;

/// Replies the group keeps for members that read slower than others.
pub const DEFAULT_REPLY_LOG: usize = 1024;

/// The factory registered for `type: fan`.
#[derive(Debug, Clone, Copy)]
pub struct FanBindingFactory {
    reply_log: usize,
}

impl Default for FanBindingFactory {
    fn default() -> Self {
        Self {
            reply_log: DEFAULT_REPLY_LOG,
        }
    }
}

impl FanBindingFactory {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many replies a member may fall behind before it is dropped.
    pub fn with_reply_log(mut self, replies: usize) -> Self {
        self.reply_log = replies.max(1);
        self
    }
}

/// A running fan server.
pub struct FanServer {
    id: BindingId,
    routes: Routes<IgnoredAny, IgnoredAny>,
    /// One group per exit, opened by its first member and reopened after the exit closed it.
    groups: Mutex<BTreeMap<BindingId, GroupHandle>>,
    window: u32,
    reply_log: usize,
    events: Events,
}

#[async_trait]
impl Binding for FanServer {
    fn id(&self) -> &BindingId {
        &self.id
    }

    fn open(&self, begin: Begin, mut stream: StreamEnd) {
        let Some(route) = self
            .routes
            .first(begin.authorization.as_ref(), |_| Some(Captures::new()))
        else {
            stream.rx.reset(Extension::none());
            return;
        };
        let group = {
            let Ok(mut groups) = self.groups.lock() else {
                stream.rx.reset(Extension::none());
                return;
            };
            let current = groups.get(&route.exit.id).filter(|group| group.is_open());
            match current {
                Some(group) => group.clone(),
                None => {
                    let group =
                        GroupHandle::open(self.id.clone(), route.exit, self.window, self.reply_log);
                    groups.insert(route.exit.id.clone(), group.clone());
                    group
                }
            }
        };
        let member = Member {
            id: self.id.clone(),
            events: self.events.clone(),
            window: self.window,
            reply_log: self.reply_log,
        };
        tokio::spawn(member.run(begin, stream, group));
    }
}

impl BindingFactory for FanBindingFactory {
    fn type_name(&self) -> &'static str {
        "fan"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Server]
    }

    fn schema(&self, _kind: Kind) -> BindingSchema {
        BindingSchema {
            options: None,
            condition: None,
            with: None,
            // As in Zilla's schema: a fan takes only a binding-level `exit`.
            routes: false,
            exit: true,
        }
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        Ok(Arc::new(FanServer {
            id: context.id.clone(),
            routes: Routes::build(&context)?,
            groups: Mutex::new(BTreeMap::new()),
            window: context.limits.stream_window,
            reply_log: self.reply_log,
            events: context.events.clone(),
        }))
    }
}
