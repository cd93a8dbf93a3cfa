//! Findings that are not one regex over content: rules about the file
//! itself (committed `.env` files). Cross-file and history checks join them
//! here as they are built.

pub mod env_files;
pub mod history;
