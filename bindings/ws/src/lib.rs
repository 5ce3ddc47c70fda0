//! The ws binding: options model
