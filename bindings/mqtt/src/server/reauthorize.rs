//! Re-checking a live connection after a reload replaced its binding.
//!
//! A connection stays with the binding that accepted it (its streams keep their next hops), but
//! it must still be allowed under the new configuration: its session must have a route in the
//! new binding's routes with the authorization it logged in with (a route's required roles may
//! have changed, or the route may be gone). A connection still allowed carries on untouched;
//! one that is not ends with DISCONNECT 0x87 (Not authorized), its will published, and the
//! refusal is the guard's event as at login.

use std::ops::ControlFlow;

use super::close::Ending;
use super::connection::{Connection, Flow};
use crate::codec::reason;

impl Connection {
    pub(super) fn reauthorize(&mut self) -> Flow {
        let Some(next) = self.successor.borrow_and_update().clone() else {
            return ControlFlow::Continue(());
        };
        // Only asked once CONNECT was accepted (the session is routed then).
        let Some(client) = &self.client else {
            return ControlFlow::Continue(());
        };
        let authorization = client.authorization.as_ref();
        if next
            .router
            .session(authorization, &client.id.value)
            .is_some()
        {
            return ControlFlow::Continue(());
        }
        tracing::debug!(
            binding = %self.shared.id,
            client = %client.id.value,
            "no longer authorized after a reload"
        );
        if let (Some(login), Some(authorization)) = (&next.login, authorization) {
            login.refused_by_routes(authorization);
        }
        ControlFlow::Break(Ending::will(Some(reason::NOT_AUTHORIZED)))
    }
}
