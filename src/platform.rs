//! Platform strings (placeholder).
