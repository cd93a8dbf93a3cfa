//! `skyscan hook install`: a plain git pre-commit hook that runs
//! `skyscan staged`, for repositories that do not use the pre-commit
//! framework. A hook skyscan did not write is never replaced without
//! `--force`.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The line that marks a hook as ours.
pub const MARKER: &str = "# installed by skyscan hook install";

/// The hook script. `SKYSCAN` overrides the binary (default: `skyscan` on PATH).
pub fn script() -> String {
    format!(
        "#!/bin/sh\n{MARKER}\n# Refuses commits that add Skytells keys, exposed keys, .env files or\n# disabled TLS checks. Bypass once with `git commit --no-verify`.\nexec \"${{SKYSCAN:-skyscan}}\" staged\n"
    )
}

/// What `install` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Installed {
    New(PathBuf),
    Updated(PathBuf),
    Replaced(PathBuf),
}

/// Install the hook in the repository at (or above) `path`.
pub fn install(path: &Path, force: bool) -> Result<Installed, Error> {
    let repo = crate::source::open_repository(path)?;
    let hooks_dir = match repo.config().and_then(|c| c.get_path("core.hooksPath")) {
        Ok(p) if p.is_absolute() => p,
        Ok(p) => repo.workdir().unwrap_or(repo.path()).join(p),
        Err(_) => repo.path().join("hooks"),
    };
    let hook = hooks_dir.join("pre-commit");
    let io = |source| Error::Create {
        path: hook.clone(),
        source,
    };
    let outcome = match std::fs::read(&hook) {
        Ok(existing) if memchr::memmem::find(&existing, MARKER.as_bytes()).is_some() => {
            Installed::Updated(hook.clone())
        }
        Ok(_) if !force => {
            return Err(Error::Usage(format!(
                "{} exists and was not written by skyscan; use --force to replace it (or call `skyscan staged` from it)",
                hook.display()
            )))
        }
        Ok(_) => Installed::Replaced(hook.clone()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Installed::New(hook.clone()),
        Err(source) => {
            return Err(Error::Io {
                path: hook.clone(),
                source,
            })
        }
    };
    std::fs::create_dir_all(&hooks_dir).map_err(io)?;
    std::fs::write(&hook, script()).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).map_err(io)?;
    }
    Ok(outcome)
}
