use super::*;

#[test]
fn topic_names() {
    assert_eq!(validate_topic_name("a/b/c"), Ok(()));
    assert_eq!(validate_topic_name("/"), Ok(()));
    assert_eq!(validate_topic_name(""), Err(TopicError::Empty));
    assert_eq!(validate_topic_name("a/+"), Err(TopicError::WildcardInName));
    assert_eq!(validate_topic_name("a/#"), Err(TopicError::WildcardInName));
    assert_eq!(validate_topic_name("a\0b"), Err(TopicError::NullCharacter));
}

#[test]
fn topic_filters() {
    for good in [
        "#",
        "+",
        "a/+/c",
        "a/#",
        "+/+",
        "/#",
        "$share/g/a/+",
        "$SYS/#",
    ] {
        assert_eq!(validate_topic_filter(good), Ok(()), "{good}");
    }
    let misplaced_hash = TopicError::MisplacedMultiLevelWildcard;
    assert_eq!(validate_topic_filter("a/#/b"), Err(misplaced_hash.clone()));
    assert_eq!(validate_topic_filter("a#"), Err(misplaced_hash));
    let misplaced_plus = TopicError::MisplacedSingleLevelWildcard;
    assert_eq!(validate_topic_filter("a+/b"), Err(misplaced_plus));
    let shared = TopicError::InvalidSharedSubscription;
    assert_eq!(validate_topic_filter("$share/g"), Err(shared.clone()));
    assert_eq!(validate_topic_filter("$share//a"), Err(shared.clone()));
    assert_eq!(validate_topic_filter("$share/g+/a"), Err(shared.clone()));
    assert_eq!(validate_topic_filter("$share/g/"), Err(shared));
}

#[test]
fn shared_subscriptions() {
    let shared = SharedSubscription::parse("$share/group/a/b/#");
    assert_eq!(
        shared,
        Ok(Some(SharedSubscription {
            group: "group",
            filter: "a/b/#"
        }))
    );
    assert_eq!(SharedSubscription::parse("a/b"), Ok(None));
}

#[test]
fn filters_select_topics() {
    assert!(filter_matches("a/b", "a/b"));
    assert!(filter_matches("a/+", "a/b"));
    assert!(!filter_matches("a/+", "a/b/c"));
    assert!(filter_matches("a/#", "a"));
    assert!(filter_matches("a/#", "a/b/c"));
    assert!(filter_matches("#", "a/b"));
    assert!(filter_matches("+/+", "/b"));
    assert!(!filter_matches("a/b", "a"));
    assert!(!filter_matches("#", "$SYS/x"));
    assert!(!filter_matches("+/x", "$SYS/x"));
    assert!(filter_matches("$SYS/#", "$SYS/x"));
}

#[test]
fn patterns_capture_params_from_topics() {
    let pattern = TopicPattern::parse("place/{identity}/#").unwrap_or_else(|e| panic!("{e}"));
    let captures = pattern.match_topic("place/alice/device/1");
    assert_eq!(
        captures.and_then(|c| c.get("identity").cloned()).as_deref(),
        Some("alice")
    );
    assert_eq!(pattern.match_topic("place"), None);
    assert_eq!(pattern.match_topic("other/alice"), None);
    assert_eq!(pattern.params().collect::<Vec<_>>(), ["identity"]);

    let mixed = TopicPattern::parse("sensor-{id}/temp").unwrap_or_else(|e| panic!("{e}"));
    let captures = mixed.match_topic("sensor-7/temp");
    assert_eq!(
        captures.and_then(|c| c.get("id").cloned()).as_deref(),
        Some("7")
    );
    assert_eq!(mixed.match_topic("sensor-/temp"), None);
}

#[test]
fn patterns_cover_filters() {
    let pattern = TopicPattern::parse("place/{identity}/#").unwrap_or_else(|e| panic!("{e}"));
    assert!(pattern.match_filter("place/alice/+").is_some());
    assert!(pattern.match_filter("place/alice/#").is_some());
    assert!(pattern.match_filter("place/+/x").is_none());
    assert!(pattern.match_filter("place/#").is_none());
    let device = TopicPattern::parse("device/+").unwrap_or_else(|e| panic!("{e}"));
    assert!(device.match_filter("device/+").is_some());
    assert!(device.match_filter("device/#").is_none());
    let all = TopicPattern::parse("#").unwrap_or_else(|e| panic!("{e}"));
    assert!(all.match_filter("topic/+/sub").is_some());
    assert!(all.match_filter("#").is_some());
    assert!(all.match_filter("$SYS/x").is_none());
}

#[test]
fn bad_patterns() {
    assert_eq!(TopicPattern::parse(""), Err(PatternError::Empty));
    assert_eq!(
        TopicPattern::parse("a/#/b"),
        Err(PatternError::MisplacedMultiLevelWildcard)
    );
    assert_eq!(
        TopicPattern::parse("a/{x"),
        Err(PatternError::UnbalancedBrace("{x".into()))
    );
    assert_eq!(
        TopicPattern::parse("a/{x}{y}"),
        Err(PatternError::SeveralParams("{x}{y}".into()))
    );
    assert_eq!(
        TopicPattern::parse("a/{x-y}"),
        Err(PatternError::InvalidParamName("x-y".into()))
    );
}

#[test]
fn client_id_globs() {
    assert!(ClientIdPattern::new("*").matches("anything"));
    assert!(ClientIdPattern::new("*").matches(""));
    assert!(ClientIdPattern::new("client-*").matches("client-1"));
    assert!(!ClientIdPattern::new("client-*").matches("other-1"));
    assert!(ClientIdPattern::new("a*b*c").matches("axxbyyc"));
    assert!(!ClientIdPattern::new("a*b*c").matches("axxc"));
    assert!(ClientIdPattern::new("exact").matches("exact"));
    assert!(!ClientIdPattern::new("exact").matches("exactly"));
}
