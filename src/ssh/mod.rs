//! SSH transport (to be written).

pub mod shell;
pub mod text;
