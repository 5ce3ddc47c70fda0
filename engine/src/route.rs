//! Route resolution, the same for every binding: routes are tried in declaration order, `when`
//! is any-of, `guarded` requires every listed role, and the binding-level `exit` is a final
//! catch-all. What a condition *means* is the binding's business: it passes a matcher.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::binding::{BuildContext, BuildError, Exit};
use crate::guard::Authorization;

/// Values captured from `{param}` placeholders while matching a condition.
pub type Captures = BTreeMap<String, String>;

#[derive(Debug)]
pub struct Route<C, W> {
    pub exit: Exit,
    pub when: Vec<C>,
    pub with: Option<W>,
    /// Qualified guard name → roles the stream must carry for this route to be eligible.
    pub guarded: Vec<(Arc<str>, Vec<String>)>,
}

/// A binding's routes, typed by its condition `C` and its `with` `W`.
#[derive(Debug)]
pub struct Routes<C, W> {
    pub routes: Vec<Route<C, W>>,
    pub exit: Option<Exit>,
}

/// One eligible route.
#[derive(Debug)]
pub struct Resolved<'a, C, W> {
    pub exit: &'a Exit,
    /// The condition that matched; `None` for a route without conditions or the catch-all.
    pub condition: Option<&'a C>,
    pub with: Option<&'a W>,
    pub captures: Captures,
}

impl<C: DeserializeOwned, W: DeserializeOwned> Routes<C, W> {
    /// Types the configured routes and resolves their exits and guards.
    pub fn build(context: &BuildContext<'_>) -> Result<Self, BuildError> {
        let mut routes = Vec::with_capacity(context.config.routes.len());
        for (index, route) in context.config.routes.iter().enumerate() {
            let exit_name = route.exit.as_deref().or(context.config.exit.as_deref());
            let Some(exit_name) = exit_name else {
                return Err(BuildError::Config(format!(
                    "{}: route {index} has no exit",
                    context.id
                )));
            };
            let when = route
                .when
                .iter()
                .map(|condition| serde_json::from_value(condition.clone()))
                .collect::<Result<Vec<C>, _>>()
                .map_err(|error| {
                    BuildError::Config(format!("{}: route {index}: {error}", context.id))
                })?;
            let with = route
                .with
                .clone()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|error| {
                    BuildError::Config(format!("{}: route {index} with: {error}", context.id))
                })?;
            let mut guarded = Vec::with_capacity(route.guarded.len());
            for (guard, roles) in &route.guarded {
                let resolved = context.guards.get(guard).ok_or_else(|| {
                    BuildError::Config(format!("{}: unknown guard {guard}", context.id))
                })?;
                guarded.push((Arc::from(resolved.name()), roles.clone()));
            }
            routes.push(Route {
                exit: context.exit(exit_name)?,
                when,
                with,
                guarded,
            });
        }
        let exit = context
            .config
            .exit
            .as_deref()
            .map(|name| context.exit(name))
            .transpose()?;
        Ok(Self { routes, exit })
    }
}

impl<C, W> Routes<C, W> {
    /// Every eligible route in order, the catch-all last.
    pub fn resolve<'a>(
        &'a self,
        authorization: Option<&Authorization>,
        mut matcher: impl FnMut(&C) -> Option<Captures>,
    ) -> Vec<Resolved<'a, C, W>> {
        let mut resolved = Vec::new();
        for route in &self.routes {
            if !route.authorized(authorization) {
                continue;
            }
            if route.when.is_empty() {
                resolved.push(Resolved {
                    exit: &route.exit,
                    condition: None,
                    with: route.with.as_ref(),
                    captures: Captures::new(),
                });
                continue;
            }
            if let Some((condition, captures)) = route
                .when
                .iter()
                .find_map(|condition| matcher(condition).map(|captures| (condition, captures)))
            {
                resolved.push(Resolved {
                    exit: &route.exit,
                    condition: Some(condition),
                    with: route.with.as_ref(),
                    captures,
                });
            }
        }
        if let Some(exit) = &self.exit {
            resolved.push(Resolved {
                exit,
                condition: None,
                with: None,
                captures: Captures::new(),
            });
        }
        resolved
    }

    /// The first eligible route, which most bindings take.
    pub fn first<'a>(
        &'a self,
        authorization: Option<&Authorization>,
        matcher: impl FnMut(&C) -> Option<Captures>,
    ) -> Option<Resolved<'a, C, W>> {
        self.resolve(authorization, matcher).into_iter().next()
    }
}

impl<C, W> Route<C, W> {
    fn authorized(&self, authorization: Option<&Authorization>) -> bool {
        self.guarded.iter().all(|(guard, roles)| {
            authorization.is_some_and(|authorization| authorization.verify(guard, roles))
        })
    }
}
