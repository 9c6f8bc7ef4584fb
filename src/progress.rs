//! progress (to be written).
