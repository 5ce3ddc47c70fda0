#!/usr/bin/env bash
# Generates the keys the default zilla.yaml uses, into etc/:
#   etc/jwt/private.pem     signs tokens for the jwt guard (its public half is the JWK in zilla.yaml)
#   etc/tls/localhost.p12   the tls server's key and certificate (password: the KEYSTORE_PASSWORD
#                           that scripts/run.sh sets), signed by
#   etc/tls/ca.crt          a local CA that clients pass as --cafile
# The outputs are committed; rerun this to rotate them, then update the JWK in zilla.yaml
# (the script prints it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
password="${KEYSTORE_PASSWORD:-zilla-local}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$root/etc/jwt" "$root/etc/tls"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$root/etc/jwt/private.pem" 2>/dev/null

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/ca.key" 2>/dev/null
openssl req -x509 -new -key "$work/ca.key" -subj "/O=Zilla Local/CN=Zilla Local CA" -days 3650 \
  -sha256 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -out "$root/etc/tls/ca.crt"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/localhost.key" 2>/dev/null
openssl req -new -key "$work/localhost.key" -subj "/CN=localhost" -out "$work/localhost.csr"
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$work/ext"
openssl x509 -req -in "$work/localhost.csr" -CA "$root/etc/tls/ca.crt" -CAkey "$work/ca.key" \
  -CAcreateserial -CAserial "$work/ca.srl" -days 3650 -sha256 -extfile "$work/ext" -out "$work/localhost.crt" 2>/dev/null
openssl pkcs12 -export -name localhost -inkey "$work/localhost.key" -in "$work/localhost.crt" \
  -certfile "$root/etc/tls/ca.crt" -passout "pass:$password" -out "$root/etc/tls/localhost.p12"
# The image runs the gateway as a non-root user that must read the (password-protected) keystore.
chmod 644 "$root/etc/tls/localhost.p12"

python3 - "$root/etc/jwt/private.pem" <<'PY'
import base64, re, subprocess, sys
text = subprocess.run(["openssl", "rsa", "-in", sys.argv[1], "-noout", "-text"],
                      capture_output=True, text=True, check=True).stdout
modulus = re.search(r"modulus:\n((?:\s+[0-9a-f:]+\n)+)", text).group(1)
n = bytes.fromhex(re.sub(r"[\s:]", "", modulus)).lstrip(b"\0")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
print(f"n: {b64(n)}\ne: {b64((65537).to_bytes(3, 'big'))}")
PY
