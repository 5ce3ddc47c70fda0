//! The mqtt client kind: consumes the application streams of [`crate::contract`] and speaks
//! MQTT to an upstream broker through its exit.

use std::sync::Arc;

use zilla_engine::binding::{Binding, BuildContext, BuildError};

pub fn build(context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
    let _ = context;
    Err(BuildError::Config(
        "the mqtt client is not available in this build yet".to_owned(),
    ))
}
