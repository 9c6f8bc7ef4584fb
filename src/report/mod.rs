//! Report (to be written).
