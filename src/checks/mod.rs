//! Findings that are not one regex over content: rules about the file
//! itself (committed `.env` files, `.env` files git does not ignore), across files (one key in two
//! environments), over git history (keys left in history, old keys) and
//! over where a file ships (keys in a client bundle).

pub mod client_bundle;
pub mod env_files;
pub mod env_ignore;
pub mod history;
pub mod key_reuse;
