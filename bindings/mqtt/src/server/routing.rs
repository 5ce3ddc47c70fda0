//! Route conditions compiled once at build time, and the three questions the server asks its
//! routes: where does this session, this publish topic, this subscription filter go.
//!
//! As in Zilla, each `when` entry is judged on its own: a session matches an entry without
//! `session` clauses, while a publish (or subscribe) only matches an entry that lists a
//! matching `publish` (or `subscribe`) topic.

use serde::de::IgnoredAny;
use serde::Deserialize;
use zilla_engine::binding::{BuildContext, BuildError, Exit};
use zilla_engine::guard::Authorization;
use zilla_engine::route::{Captures, Routes};

use crate::conditions::{MqttConditionConfig, MqttTopicCondition};
use crate::topic::{ClientIdPattern, PatternError, SharedSubscription, TopicPattern};

/// One `when` entry, compiled.
#[derive(Debug, Deserialize)]
#[serde(try_from = "MqttConditionConfig")]
pub struct MqttCondition {
    sessions: Vec<ClientIdPattern>,
    publish: Vec<TopicRule>,
    subscribe: Vec<TopicRule>,
}

#[derive(Debug)]
struct TopicRule {
    pattern: TopicPattern,
    params: Vec<(String, ParamValue)>,
}

/// What a `{param}` capture must equal.
#[derive(Debug, PartialEq, Eq)]
enum ParamValue {
    Literal(String),
    Identity { guard: String },
    Attribute { guard: String, name: String },
}

impl TryFrom<MqttConditionConfig> for MqttCondition {
    type Error = PatternError;

    fn try_from(config: MqttConditionConfig) -> Result<Self, Self::Error> {
        let sessions = config
            .session
            .iter()
            .map(|session| ClientIdPattern::new(session.client_id.as_deref().unwrap_or("*")))
            .collect();
        let rules = |conditions: &[MqttTopicCondition]| {
            conditions
                .iter()
                .map(TopicRule::compile)
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            sessions,
            publish: rules(&config.publish)?,
            subscribe: rules(&config.subscribe)?,
        })
    }
}

impl TopicRule {
    fn compile(condition: &MqttTopicCondition) -> Result<Self, PatternError> {
        let pattern = TopicPattern::parse(condition.topic.as_deref().unwrap_or("#"))?;
        let params = condition
            .params
            .iter()
            .map(|(name, value)| (name.clone(), ParamValue::parse(value)))
            .collect();
        Ok(Self { pattern, params })
    }

    fn accepts(&self, captures: &Captures, authorization: Option<&Authorization>) -> bool {
        self.params.iter().all(|(name, expected)| {
            let captured = captures.get(name).map(String::as_str);
            captured.is_some() && captured == expected.resolve(authorization).as_deref()
        })
    }
}

impl ParamValue {
    /// `${guarded['NAME'].identity}` or `${guarded['NAME'].attributes.KEY}`; anything else is
    /// compared literally.
    fn parse(text: &str) -> Self {
        let parsed = text
            .trim()
            .strip_prefix("${guarded[")
            .and_then(|rest| rest.strip_suffix('}'))
            .and_then(|rest| rest.split_once("]."))
            .and_then(|(quoted, member)| {
                let guard = quoted.trim_matches(|c| c == '\'' || c == '"').to_owned();
                if member == "identity" {
                    return Some(ParamValue::Identity { guard });
                }
                let name = member.strip_prefix("attributes.")?.to_owned();
                Some(ParamValue::Attribute { guard, name })
            });
        parsed.unwrap_or_else(|| ParamValue::Literal(text.to_owned()))
    }

    fn resolve(&self, authorization: Option<&Authorization>) -> Option<String> {
        let session = |guard: &str| {
            authorization?
                .sessions()
                .iter()
                .find(|session| guard_named(&session.guard, guard))
        };
        match self {
            ParamValue::Literal(value) => Some(value.clone()),
            ParamValue::Identity { guard } => session(guard).map(|s| s.identity.clone()),
            ParamValue::Attribute { guard, name } => {
                session(guard).and_then(|s| s.attributes.get(name).cloned())
            }
        }
    }
}

/// A session's guard is qualified (`namespace:name`); a route names it either way.
fn guard_named(qualified: &str, name: &str) -> bool {
    qualified == name || qualified.rsplit(':').next() == Some(name)
}

impl MqttCondition {
    fn matches_session(&self, client_id: &str) -> bool {
        self.sessions.is_empty() || self.sessions.iter().any(|p| p.matches(client_id))
    }

    fn match_publish(&self, topic: &str, authorization: Option<&Authorization>) -> bool {
        self.publish.iter().any(|rule| {
            rule.pattern
                .match_topic(topic)
                .is_some_and(|captures| rule.accepts(&captures, authorization))
        })
    }

    fn match_subscribe(&self, filter: &str, authorization: Option<&Authorization>) -> bool {
        self.subscribe.iter().any(|rule| {
            rule.pattern
                .match_filter(filter)
                .is_some_and(|captures| rule.accepts(&captures, authorization))
        })
    }
}

/// The server's routes.
pub struct Router {
    routes: Routes<MqttCondition, IgnoredAny>,
}

impl Router {
    pub fn build(context: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Self {
            routes: Routes::build(context)?,
        })
    }

    fn first(
        &self,
        authorization: Option<&Authorization>,
        matches: impl Fn(&MqttCondition) -> bool,
    ) -> Option<Exit> {
        self.routes
            .first(authorization, |condition| {
                matches(condition).then(Captures::new)
            })
            .map(|resolved| resolved.exit.clone())
    }

    pub fn session(&self, authorization: Option<&Authorization>, client_id: &str) -> Option<Exit> {
        self.first(authorization, |c| c.matches_session(client_id))
    }

    pub fn publish(&self, authorization: Option<&Authorization>, topic: &str) -> Option<Exit> {
        self.first(authorization, |c| c.match_publish(topic, authorization))
    }

    /// Routes a filter as written; a shared subscription routes by the filter it shares.
    pub fn subscribe(&self, authorization: Option<&Authorization>, filter: &str) -> Option<Exit> {
        let filter = match SharedSubscription::parse(filter) {
            Ok(Some(shared)) => shared.filter,
            _ => filter,
        };
        self.first(authorization, |c| c.match_subscribe(filter, authorization))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use zilla_engine::guard::Session;

    fn authorization(identity: &str) -> Authorization {
        let mut attributes = BTreeMap::new();
        attributes.insert("site".to_owned(), "north".to_owned());
        Authorization::single(Session {
            guard: Arc::from("ns:jwt"),
            identity: identity.to_owned(),
            roles: Vec::new(),
            attributes,
            expires_at: None,
        })
    }

    fn condition(json: serde_json::Value) -> MqttCondition {
        serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn params_must_equal_the_guarded_identity_or_attribute() {
        let c = condition(serde_json::json!({"publish": [{
            "topic": "place/{id}/{site}/#",
            "params": {"id": "${guarded['jwt'].identity}", "site": "${guarded['jwt'].attributes.site}"}
        }]}));
        let alice = authorization("alice");
        assert!(c.match_publish("place/alice/north/x", Some(&alice)));
        assert!(!c.match_publish("place/bob/north/x", Some(&alice)));
        assert!(!c.match_publish("place/alice/south/x", Some(&alice)));
        assert!(!c.match_publish("place/alice/north/x", None));
    }

    #[test]
    fn entries_without_session_clauses_match_any_session_but_no_publish() {
        let c = condition(serde_json::json!({"subscribe": [{"topic": "a/#"}]}));
        assert!(c.matches_session("anyone"));
        assert!(!c.match_publish("a/b", None));
        assert!(c.match_subscribe("a/+", None));
        let s = condition(serde_json::json!({"session": [{"client-id": "dev-*"}]}));
        assert!(s.matches_session("dev-1"));
        assert!(!s.matches_session("other"));
    }
}
