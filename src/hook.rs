//! `skyscan hook install|uninstall`: a plain git pre-commit hook that runs
//! `skyscan staged --quiet`, for repositories that do not use the
//! pre-commit framework. A hook skyscan did not write is never replaced
//! without `--force`, and never removed.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The line that marks a hook as ours.
pub const MARKER: &str = "# installed by skyscan hook install";

/// The hook script. `SKYSCAN` overrides the binary (default: `skyscan` on
/// PATH). `--quiet`: a clean commit prints nothing.
pub fn script() -> String {
    format!(
        "#!/bin/sh\n{MARKER}\n# Refuses commits that add Skytells keys, exposed keys, .env files or\n# disabled TLS checks. Bypass once with `git commit --no-verify`.\n# Remove with `skyscan hook uninstall`.\nexec \"${{SKYSCAN:-skyscan}}\" staged --quiet\n"
    )
}

/// What `install` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Installed {
    New(PathBuf),
    Updated(PathBuf),
    Replaced(PathBuf),
}

/// What `uninstall` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Uninstalled {
    Removed(PathBuf),
    /// There was no pre-commit hook.
    Absent(PathBuf),
}

/// The pre-commit hook of the repository at (or above) `path`: under
/// `core.hooksPath` when set, else in the git directory.
fn hook_path(path: &Path) -> Result<PathBuf, Error> {
    let repo = crate::git::discover(path)?;
    let configured = repo
        .config_snapshot()
        .trusted_path("core.hooksPath")
        .map_err(|e| Error::Git(format!("core.hooksPath: {e}")))?;
    let hooks_dir = match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or(repo.git_dir()).join(p),
        // Hooks are shared by linked work trees, as git runs them.
        None => repo.common_dir().join("hooks"),
    };
    Ok(hooks_dir.join("pre-commit"))
}

/// The hook's content, or `None` when there is none.
fn read_hook(hook: &Path) -> Result<Option<Vec<u8>>, Error> {
    match std::fs::read(hook) {
        Ok(existing) => Ok(Some(existing)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: hook.to_path_buf(),
            source,
        }),
    }
}

fn is_ours(hook: &[u8]) -> bool {
    memchr::memmem::find(hook, MARKER.as_bytes()).is_some()
}

/// Install the hook in the repository at (or above) `path`.
pub fn install(path: &Path, force: bool) -> Result<Installed, Error> {
    let hook = hook_path(path)?;
    let create = |source| Error::Create {
        path: hook.clone(),
        source,
    };
    let outcome = match read_hook(&hook)? {
        Some(existing) if is_ours(&existing) => Installed::Updated(hook.clone()),
        Some(_) if !force => {
            return Err(Error::Usage(format!(
                "{} exists and was not written by skyscan; use --force to replace it (or call `skyscan staged` from it)",
                hook.display()
            )))
        }
        Some(_) => Installed::Replaced(hook.clone()),
        None => Installed::New(hook.clone()),
    };
    if let Some(dir) = hook.parent() {
        std::fs::create_dir_all(dir).map_err(create)?;
    }
    std::fs::write(&hook, script()).map_err(create)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).map_err(create)?;
    }
    Ok(outcome)
}

/// Remove the hook from the repository at (or above) `path`, if skyscan
/// wrote it. A hook someone else wrote is an error and stays as it is.
pub fn uninstall(path: &Path) -> Result<Uninstalled, Error> {
    let hook = hook_path(path)?;
    match read_hook(&hook)? {
        None => Ok(Uninstalled::Absent(hook)),
        Some(existing) if is_ours(&existing) => {
            std::fs::remove_file(&hook).map_err(|source| Error::Create {
                path: hook.clone(),
                source,
            })?;
            Ok(Uninstalled::Removed(hook))
        }
        Some(_) => Err(Error::Usage(format!(
            "{} was not written by skyscan; it is left as it is",
            hook.display()
        ))),
    }
}
