//! Interoperability: `openssl s_client` against the tls server kind.

mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn s_client_sees_localhost_and_gets_its_data_back() {
    let options = json!({ "keys": ["localhost"], "sni": ["localhost"] });
    let (_server, address) = tls_echo_server(options, vault()).await;
    let output = openssl_client(
        address,
        &["-servername", "localhost"],
        b"ping-through-openssl\n",
    )
    .await;
    assert!(output.contains("CN = localhost"), "{output}");
    assert!(
        output.contains("Verification") || output.contains("Verify return code"),
        "{output}"
    );
    assert!(output.contains("ping-through-openssl"), "no echo: {output}");
}

#[tokio::test]
async fn s_client_with_tls_1_2_and_a_trusted_chain() {
    let options = json!({ "keys": ["localhost"] });
    let (_server, address) = tls_echo_server(options, vault()).await;
    let ca = keys_dir().join("ca.crt");
    let ca = ca.to_string_lossy();
    let output = openssl_client(
        address,
        &[
            "-servername",
            "localhost",
            "-tls1_2",
            "-CAfile",
            &ca,
            "-verify_return_error",
        ],
        b"twelve\n",
    )
    .await;
    assert!(output.contains("Verify return code: 0 (ok)"), "{output}");
    assert!(output.contains("TLSv1.2"), "{output}");
    assert!(output.contains("twelve"), "no echo: {output}");
}

#[tokio::test]
async fn s_client_with_an_unknown_name_gets_an_alert() {
    let options = json!({ "keys": ["localhost"], "sni": ["localhost"] });
    let (_server, address) = tls_echo_server(options, vault()).await;
    let output = openssl_client(address, &["-servername", "elsewhere.test"], b"x\n").await;
    assert!(output.contains("alert"), "{output}");
    assert!(!output.contains("CN = localhost"), "{output}");
}
