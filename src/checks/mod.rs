//! Findings that are not one regex over content: rules about the file
//! itself (committed `.env` files), across files (one key in two
//! environments) and over git history (keys left in history, old keys).

pub mod env_files;
pub mod history;
pub mod key_reuse;
