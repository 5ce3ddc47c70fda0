//! The mqtt binding: server and client kinds, MQTT 3.1.1 and 5
