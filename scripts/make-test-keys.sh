#!/usr/bin/env bash
# Regenerates the test keys of the tls binding and the filesystem vault:
#   a test CA; a `localhost` server certificate and an `example.com` one signed by it; a client
#   certificate for mutual TLS; a client certificate from a CA nobody trusts; PKCS#12 keystores
#   (modern AES/SHA-256, and legacy RC2/3DES/SHA-1 as older Java keytools write them) and PEM files.
# The outputs are committed so that tests never need openssl at run time.
set -euo pipefail

out="$(cd "$(dirname "$0")/.." && pwd)/bindings/tls/tests/keys"
password="test-password"
days=36500
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$out" "$out/pem"
rm -f "$out"/*.p12 "$out"/*.pem "$out"/*.crt "$out"/*.key "$out"/pem/*

rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# $1 name, $2 subject, $3 signing CA prefix, $4 extensions
sign() {
  openssl req -new -key "$work/$1.key" -subj "$2" -out "$work/$1.csr"
  printf '%s\n' "$4" > "$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/$3.crt" -CAkey "$work/$3.key" \
    -CAcreateserial -days "$days" -sha256 -extfile "$work/$1.ext" -out "$work/$1.crt" 2>/dev/null
}

ca() {
  rsa_key "$work/$1.key"
  openssl req -x509 -new -key "$work/$1.key" -subj "$2" -days "$days" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$work/$1.crt"
}

ca ca "/O=Zilla Test/CN=Test CA"
ca rogue "/O=Nobody/CN=Untrusted CA"

server_ext() {
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s' "$1"
}
client_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'

rsa_key "$work/localhost.key"
sign localhost "/O=Zilla Test/CN=localhost" ca "$(server_ext localhost)"
ec_key "$work/example.key"
sign example "/O=Zilla Test/CN=example.com" ca "$(server_ext example.com)"
ec_key "$work/client.key"
sign client "/O=Zilla Test/CN=device1" ca "$client_ext"
ec_key "$work/rogue-client.key"
sign rogue-client "/O=Nobody/CN=intruder" rogue "$client_ext"

# PEM files: certificates, PKCS#8 keys, and the same keys as PKCS#1 and SEC1.
cp "$work/ca.crt" "$out/ca.crt"
for name in localhost example client rogue-client; do
  cp "$work/$name.crt" "$out/$name.crt"
  cp "$work/$name.key" "$out/$name.key"
done
openssl pkey -in "$work/localhost.key" -traditional -out "$out/localhost.pkcs1.key"
openssl ec -in "$work/client.key" -out "$out/client.sec1.key" 2>/dev/null

# A PEM directory store: one file per entry, each its key followed by its chain.
cat "$work/localhost.key" "$work/localhost.crt" "$work/ca.crt" > "$out/pem/localhost.pem"
cat "$work/example.key" "$work/example.crt" "$work/ca.crt" > "$out/pem/example.pem"
cat "$work/client.key" "$work/client.crt" "$work/ca.crt" > "$out/pem/client.pem"

# PKCS#12: modern defaults, and the legacy algorithms of older keystores.
export_p12() { # $1 out, $2 name, $3 alias, extra args...
  local target="$1" name="$2" alias="$3"
  shift 3
  openssl pkcs12 -export -inkey "$work/$name.key" -in "$work/$name.crt" -certfile "$work/ca.crt" \
    -name "$alias" -passout "pass:$password" -out "$out/$target" "$@"
}
export_p12 localhost.p12 localhost localhost
export_p12 localhost-legacy.p12 localhost localhost -legacy
export_p12 client.p12 client device1
export_p12 rogue-client.p12 rogue-client intruder -legacy
# A trust store: the CA certificate alone, under alias `ca`.
openssl pkcs12 -export -nokeys -in "$work/ca.crt" -caname ca -passout "pass:$password" -out "$out/trust.p12"

echo "test keys written to $out (password: $password)"
