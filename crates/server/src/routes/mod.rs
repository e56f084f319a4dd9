//! The API's handlers, one module per resource. Each checks the caller's
//! role first, reads its parameters, then calls the engine or the store.

pub mod decisions;
pub mod laws;
pub mod log;
pub mod reports;
pub mod system;
pub mod tokens;
