//! `zilla validate`: runs the config pipeline up to, not including, building anything. No
//! socket is opened and nothing is fetched over the network.

use std::path::Path;
use std::process::ExitCode;

use zilla_engine::config::{load_file, LoadOptions};
use zilla_engine::registry::Registry;

use super::{exit, print_config_errors, print_warnings, EXIT_CONFIG};

/// Prints `OK` and exits 0, or prints every error and exits 78.
pub fn run(config: &Path, registry: &Registry, check_files: bool) -> ExitCode {
    let options = LoadOptions {
        registry,
        env: &crate::process_env,
        check_files,
    };
    match load_file(config, &options) {
        Ok(loaded) => {
            print_warnings(&loaded.warnings);
            println!("OK");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            print_config_errors(&errors);
            exit(EXIT_CONFIG)
        }
    }
}
