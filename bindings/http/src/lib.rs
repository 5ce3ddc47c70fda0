//! The http binding: options model
