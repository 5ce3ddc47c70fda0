//! Tokens minted with jwt-cli, exactly as the seed guide does.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// `jwt encode --alg RS256 --kid KID --iss … --aud … --exp=EXP --no-iat [--payload scope=…]
/// --secret @KEY`
pub fn mint(key: &Path, kid: &str, audience: &str, exp: &str, scope: Option<&str>) -> String {
    mint_for(key, kid, None, audience, exp, scope)
}

/// Like [`mint`], with a `sub` (the identity).
pub fn mint_for(
    key: &Path,
    kid: &str,
    subject: Option<&str>,
    audience: &str,
    exp: &str,
    scope: Option<&str>,
) -> String {
    let mut command = Command::new(jwt_cli());
    command.args([
        "encode",
        "--alg",
        "RS256",
        "--kid",
        kid,
        "--iss",
        "https://auth.example.com",
        "--aud",
        audience,
        &format!("--exp={exp}"),
        "--no-iat",
    ]);
    if let Some(subject) = subject {
        command.args(["--sub", subject]);
    }
    if let Some(scope) = scope {
        command.args(["--payload", &format!("scope={scope}")]);
    }
    command.arg("--secret").arg(format!("@{}", key.display()));
    let output = command
        .output()
        .expect("jwt-cli runs (scripts/setup.sh installs it)");
    assert!(
        output.status.success(),
        "jwt encode failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn jwt_cli() -> String {
    if let Ok(home) = std::env::var("CARGO_HOME") {
        let candidate = Path::new(&home).join("bin/jwt");
        if candidate.exists() {
            return candidate.display().to_string();
        }
    }
    if let Ok(home) = std::env::var("HOME") {
        let candidate = Path::new(&home).join(".cargo/bin/jwt");
        if candidate.exists() {
            return candidate.display().to_string();
        }
    }
    "jwt".to_owned()
}
