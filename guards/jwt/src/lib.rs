//! The jwt guard: verifies JSON Web Tokens against a JWK set
