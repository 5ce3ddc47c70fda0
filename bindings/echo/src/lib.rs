//! The echo binding: a server that sends every stream's data back
