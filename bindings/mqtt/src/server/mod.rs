//! The mqtt server kind: turns each network stream into application streams (see
//! [`crate::contract`]).

use std::sync::Arc;

use zilla_engine::binding::{Binding, BuildContext, BuildError};

pub fn build(context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
    let _ = context;
    Err(BuildError::Config(
        "the mqtt server is not available in this build yet".to_owned(),
    ))
}
