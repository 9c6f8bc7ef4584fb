//! sys (to be written).
