//! The `zilla` service of docker/compose.yaml.

use super::{project, read};

/// The `zilla` service of docker/compose.yaml, read line by line (its shape is simple and
/// fixed; a change that breaks this reading should be looked at anyway).
pub struct ComposeService {
    pub environment: Vec<(String, String)>,
    pub volumes: Vec<(String, String)>,
    pub healthcheck: Vec<String>,
    pub command: Vec<String>,
}

pub fn compose_zilla_service() -> ComposeService {
    let text = read(&project().join("docker/compose.yaml"));
    let mut lines = text
        .lines()
        .skip_while(|line| *line != "  zilla:")
        .skip(1)
        .take_while(|line| !(line.starts_with("  ") && line.as_bytes().get(2) != Some(&b' ')))
        .filter(|line| !line.trim_start().starts_with('#'));
    let mut service = ComposeService {
        environment: Vec::new(),
        volumes: Vec::new(),
        healthcheck: Vec::new(),
        command: Vec::new(),
    };
    let mut section = "";
    for line in lines.by_ref() {
        if let Some(key) = line
            .strip_prefix("    ")
            .filter(|rest| !rest.starts_with(' '))
        {
            section = key.split(':').next().unwrap_or_default();
            if let Some(command) = key.strip_prefix("command:") {
                service.command = command.split_whitespace().map(str::to_owned).collect();
            }
            continue;
        }
        let item = line.trim();
        match section {
            "environment" => {
                if let Some((name, value)) = item.split_once(':') {
                    service
                        .environment
                        .push((name.trim().to_owned(), value.trim().to_owned()));
                }
            }
            "volumes" => {
                let volume = item.trim_start_matches("- ");
                let mut parts = volume.split(':');
                if let (Some(source), Some(target)) = (parts.next(), parts.next()) {
                    service.volumes.push((source.to_owned(), target.to_owned()));
                }
            }
            "healthcheck" => {
                if let Some(test) = item.strip_prefix("test:") {
                    let argv: Vec<String> = serde_json::from_str(test.trim()).expect("test: [...]");
                    service.healthcheck = argv.into_iter().skip(1).collect();
                }
            }
            _ => {}
        }
    }
    service
}
