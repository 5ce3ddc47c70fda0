# Sourced by the scripts that run the no-guard MQTT proxy (what tests/mqtt_proxy.rs runs):
# `proxy_config NAME PORT BROKER_PORT` prints its zilla.yaml, listening on PORT in front of the
# broker on BROKER_PORT.
proxy_config() {
  cat <<EOF
name: $1
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: $2
    exit: north_mqtt_server
  north_mqtt_server:
    type: mqtt
    kind: server
    exit: north_mqtt_client
  north_mqtt_client:
    type: mqtt
    kind: client
    exit: south_tcp_client
  south_tcp_client:
    type: tcp
    kind: client
    options:
      host: 127.0.0.1
      port: $3
EOF
}
