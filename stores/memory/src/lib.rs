//! The memory store: in-process state for bindings that name a store
