//! The kafka binding: client, cache_client and cache_server kinds
