//! `zilla schema`: the JSON schema of `zilla.yaml` for the factories this binary has.

use zilla_engine::registry::Registry;

pub fn run(registry: &Registry) -> anyhow::Result<()> {
    let schema = zilla_engine::config::schema(registry);
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}
