//! settings (to be written).
