//! Whether a subscription's filter selects a published topic.

/// True when `filter` selects `topic` (a topic name). Topics starting with `$` are not selected
/// by a filter starting with a wildcard, so `#` does not see `$SYS/...`.
pub fn filter_matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut filter_levels = filter.split('/');
    let mut topic_levels = topic.split('/');
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            // `#` also selects its parent level: `a/#` selects `a`.
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(wanted), Some(level)) if wanted == level => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}
