//! The commands of the `zilla` binary.

pub mod schema;
pub mod start;
pub mod validate;

use std::process::ExitCode;

use zilla_engine::config::error::ConfigErrors;

/// `EX_CONFIG` from sysexits: the configuration is invalid.
pub const EXIT_CONFIG: u8 = 78;

/// Prints every config error on its own line, on stderr.
pub fn print_config_errors(errors: &ConfigErrors) {
    for error in &errors.0 {
        eprintln!("{error}");
    }
}

/// Prints load warnings (such as unset environment variables) on stderr.
pub fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}
