//! The tls binding: server, client and proxy kinds
