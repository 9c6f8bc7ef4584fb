//! SSH transport (to be written).
