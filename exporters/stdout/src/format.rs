//! One event as one line, the way Zilla's stdout exporter prints it:
//!
//! `<namespace>:<name> [<dd/MMM/yyyy:HH:mm:ss Z>] [<trace id as 16 hex digits>d] <EVENT_NAME> <message>`
//!
//! The event name is the dotted name upper-cased with dots turned into underscores, the time is
//! in the local zone, and the trace id is followed by a literal `d` exactly as Zilla's format
//! string writes it.

use chrono::{DateTime, Local, TimeZone};
use zilla_engine::telemetry::events::Event;

/// The line for `event`, without its newline, with the time shown in the local zone.
pub fn format_event(event: &Event) -> String {
    let time: DateTime<Local> = DateTime::from(event.timestamp);
    format_event_in(event, &time)
}

/// The line for `event`, with the time shown as `time` (already in the zone to print).
pub fn format_event_in<Tz: TimeZone>(event: &Event, time: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    format!(
        "{} [{}] [{:016x}d] {} {}",
        event.source,
        time.format("%d/%b/%Y:%H:%M:%S %z"),
        event.trace_id,
        event_name(event.name),
        event.message
    )
}

/// `guard.jwt.authorization.failed` → `GUARD_JWT_AUTHORIZATION_FAILED`.
pub fn event_name(name: &str) -> String {
    name.replace('.', "_").to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    fn event(trace_id: u64) -> Event {
        Event {
            source: Arc::from("example:north_tcp_client"),
            name: "binding.tcp.dns.failed",
            message: "Unable to resolve host dns for address (kafka).".into(),
            trace_id,
            // 2024-03-05T14:07:09Z
            timestamp: SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_647_629),
        }
    }

    #[test]
    fn line_matches_zillas_layout() {
        let utc = FixedOffset::east_opt(0).unwrap_or_else(|| panic!("offset"));
        let event = event(0x2a);
        let time = DateTime::<chrono::Utc>::from(event.timestamp).with_timezone(&utc);
        assert_eq!(
            format_event_in(&event, &time),
            "example:north_tcp_client [05/Mar/2024:14:07:09 +0000] [000000000000002ad] \
             BINDING_TCP_DNS_FAILED Unable to resolve host dns for address (kafka)."
        );
    }

    #[test]
    fn offsets_and_large_trace_ids() {
        let zone = FixedOffset::west_opt(5 * 3600).unwrap_or_else(|| panic!("offset"));
        let event = event(u64::MAX);
        let time = DateTime::<chrono::Utc>::from(event.timestamp).with_timezone(&zone);
        let line = format_event_in(&event, &time);
        assert!(line.contains("[05/Mar/2024:09:07:09 -0500]"), "{line}");
        assert!(line.contains("[ffffffffffffffffd]"), "{line}");
    }

    #[test]
    fn names_are_upper_snake_case() {
        assert_eq!(
            event_name("guard.jwt.authorization.failed"),
            "GUARD_JWT_AUTHORIZATION_FAILED"
        );
    }
}
