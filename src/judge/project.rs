//! What the judges may ask about the project around a file: today, whether
//! the nearest `package.json` uses a framework that bundles variables with
//! the bare `PUBLIC_` prefix (SvelteKit, Astro). Read from the working tree
//! for `scan` and `staged`, from the example's own files for rule examples,
//! and unknown (no framework) elsewhere. Answers are cached per directory.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

/// Largest `package.json` read.
const MAX_MANIFEST: u64 = 1 << 20;

/// Where project files come from.
#[derive(Debug, Default)]
enum Files {
    /// Nothing is known.
    #[default]
    Unknown,
    /// Repository-relative paths under this directory.
    Disk(PathBuf),
    /// In-memory files (rule examples).
    Memory(BTreeMap<String, String>),
}

/// Facts about the project a scanned file belongs to.
#[derive(Debug, Default)]
pub struct Project {
    files: Files,
    /// Directory → whether its nearest manifest exposes bare `PUBLIC_`.
    cache: Mutex<HashMap<String, bool>>,
}

impl Project {
    /// Nothing known: judges fall back to what the file itself shows.
    pub fn unknown() -> Project {
        Project::default()
    }

    /// Files are read under `base`, the directory paths are relative to.
    pub fn on_disk(base: PathBuf) -> Project {
        Project {
            files: Files::Disk(base),
            ..Project::default()
        }
    }

    /// Files given in memory, by relative path.
    pub fn in_memory(files: BTreeMap<String, String>) -> Project {
        Project {
            files: Files::Memory(files),
            ..Project::default()
        }
    }

    /// Whether the nearest `package.json` above `path` depends on SvelteKit
    /// or Astro, which bundle `PUBLIC_` variables into client code.
    pub fn exposes_bare_public(&self, path: &str) -> bool {
        if matches!(self.files, Files::Unknown) {
            return false;
        }
        let mut dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        let mut visited = Vec::new();
        let answer = loop {
            if let Some(&known) = self.cache.lock().expect("lock").get(&dir) {
                break known;
            }
            visited.push(dir.clone());
            let manifest = if dir.is_empty() {
                "package.json".to_string()
            } else {
                format!("{dir}/package.json")
            };
            if let Some(text) = self.read(&manifest) {
                break text.contains("\"@sveltejs/kit\"") || text.contains("\"astro\"");
            }
            match dir.rsplit_once('/') {
                Some((parent, _)) => dir = parent.to_string(),
                None if !dir.is_empty() => dir.clear(),
                None => break false,
            }
        };
        let mut cache = self.cache.lock().expect("lock");
        for d in visited {
            cache.insert(d, answer);
        }
        answer
    }

    fn read(&self, rel: &str) -> Option<String> {
        match &self.files {
            Files::Unknown => None,
            Files::Memory(files) => files.get(rel).cloned(),
            Files::Disk(base) => {
                let full = base.join(rel);
                let meta = std::fs::symlink_metadata(&full).ok()?;
                if !meta.is_file() || meta.len() > MAX_MANIFEST {
                    return None;
                }
                std::fs::read_to_string(full).ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_manifest_decides() {
        let files = BTreeMap::from([
            (
                "package.json".to_string(),
                r#"{"dependencies": {"next": "15"}}"#.to_string(),
            ),
            (
                "apps/web/package.json".to_string(),
                r#"{"devDependencies": {"@sveltejs/kit": "2"}}"#.to_string(),
            ),
        ]);
        let p = Project::in_memory(files);
        assert!(p.exposes_bare_public("apps/web/src/lib/a.ts"));
        assert!(p.exposes_bare_public("apps/web/.env"));
        assert!(!p.exposes_bare_public("src/a.ts"));
        assert!(!p.exposes_bare_public(".env"));
        assert!(!Project::unknown().exposes_bare_public("apps/web/.env"));
    }
}
