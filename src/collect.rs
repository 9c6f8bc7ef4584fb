//! collect (to be written).
