//! The tcp binding: server (listen and accept) and client (connect)
