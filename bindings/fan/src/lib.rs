//! The fan binding: every stream's data goes to every stream in its group
