//! What the judges may ask about the project around a file: whether the
//! nearest `package.json` uses a framework that bundles variables with the
//! bare `PUBLIC_` prefix (SvelteKit, Astro), and whether a Python class or
//! function the project defines handles a missing argument (see
//! [`super::python_defs`]). Read from the working tree for `scan` and
//! `staged`, from the example's own files for rule examples, and unknown
//! elsewhere. Answers are cached.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::python_defs::{callee_handles, ModuleSource, ModuleText, MAX_DELEGATION};

/// Largest `package.json` or Python module read.
const MAX_MANIFEST: u64 = 1 << 20;
/// Most entries looked at when listing the project's Python packages, and
/// how deep (`lib/crewai/src/crewai/__init__.py` is at depth 5).
const MAX_WALK_ENTRIES: usize = 200_000;
const MAX_PACKAGE_DEPTH: usize = 7;
/// Directories that hold no package a project's code imports.
const NOT_PACKAGE_DIRS: &[&str] = &[
    "node_modules",
    "docs",
    "doc",
    "site-packages",
    ".venv",
    "venv",
    "dist",
    "build",
    "__pycache__",
    "fixtures",
    "cassettes",
];

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
    /// Top-level Python package name → the directories holding it.
    packages: OnceLock<HashMap<String, Vec<String>>>,
    /// Python modules read so far (`None`: absent or too large).
    modules: Mutex<HashMap<String, Option<Arc<ModuleText>>>>,
    /// Answers of [`Project::python_callee_handles`], by caller, callee,
    /// argument and variable: a file often passes several reads to one
    /// callee.
    answers: Mutex<HashMap<(String, String, String, String), bool>>,
}

/// How a value is passed to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Argument {
    /// `callee(name=value)`
    Keyword(String),
    /// `callee(a, value)`: the index among positional arguments.
    Positional(usize),
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

    /// Whether the class or function `callee` (as called in `source`, the
    /// file `caller`) is the project's own and handles a missing `arg`
    /// (see [`callee_handles`]); `env` is the variable the value was read
    /// from.
    pub fn python_callee_handles(
        &self,
        caller: &str,
        source: &str,
        callee: &str,
        arg: &Argument,
        env: &str,
    ) -> bool {
        if matches!(self.files, Files::Unknown) {
            return false;
        }
        // The caller's text is part of the key: the same path can hold
        // other text (rule examples, staged and working copies).
        let text = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            source.hash(&mut h);
            h.finish()
        };
        let key = (
            format!("{caller}#{text:x}"),
            callee.to_string(),
            format!("{arg:?}"),
            env.to_string(),
        );
        if let Some(&known) = self.answers.lock().expect("lock").get(&key) {
            return known;
        }
        let answer = callee_handles(self, caller, source, callee, arg, env, MAX_DELEGATION);
        self.answers.lock().expect("lock").insert(key, answer);
        answer
    }

    /// Top-level package directories (with an `__init__.py` whose parent
    /// is not a package), by name. The walk reads no file.
    fn index_packages(&self) -> HashMap<String, Vec<String>> {
        let mut inits: Vec<String> = match &self.files {
            Files::Unknown => Vec::new(),
            Files::Memory(files) => files
                .keys()
                .filter(|k| k.ends_with("__init__.py"))
                .cloned()
                .collect(),
            Files::Disk(base) => package_inits(base),
        };
        inits.sort();
        let dirs: std::collections::HashSet<String> = inits
            .iter()
            .map(|p| {
                p.rsplit_once('/')
                    .map_or(String::new(), |(d, _)| d.to_string())
            })
            .collect();
        let mut packages: HashMap<String, Vec<String>> = HashMap::new();
        for dir in &dirs {
            let parent = dir.rsplit_once('/').map_or("", |(p, _)| p);
            if dir.is_empty() || dirs.contains(parent) && !parent.is_empty() {
                continue;
            }
            let name = dir.rsplit('/').next().unwrap_or(dir);
            packages
                .entry(name.to_string())
                .or_default()
                .push(dir.clone());
        }
        packages
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

/// The `__init__.py` files (relative, `/`-separated) of the top-level
/// packages under `base`: an iterative walk, no deeper than
/// `MAX_PACKAGE_DEPTH`, that lists directories without reading files and
/// does not descend into a package (its subpackages are not top-level) nor
/// into hidden or vendored directories.
fn package_inits(base: &Path) -> Vec<String> {
    let mut inits = Vec::new();
    let mut stack = vec![(base.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut subdirs = Vec::new();
        let mut is_package = false;
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_WALK_ENTRIES {
                return inits;
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_file() && name == "__init__.py" {
                is_package = true;
            } else if kind.is_dir()
                && !name.starts_with('.')
                && !NOT_PACKAGE_DIRS.contains(&name.as_ref())
            {
                subdirs.push(entry.path());
            }
        }
        if is_package && depth > 0 {
            if let Ok(rel) = dir.join("__init__.py").strip_prefix(base) {
                inits.push(rel.to_string_lossy().replace('\\', "/"));
            }
            continue;
        }
        if depth < MAX_PACKAGE_DEPTH {
            stack.extend(subdirs.into_iter().map(|d| (d, depth + 1)));
        }
    }
    inits
}

impl ModuleSource for Project {
    fn module_text(&self, rel: &str) -> Option<Arc<ModuleText>> {
        if let Some(known) = self.modules.lock().expect("lock").get(rel) {
            return known.clone();
        }
        let parsed = self.read(rel).map(|text| Arc::new(ModuleText::parse(text)));
        self.modules
            .lock()
            .expect("lock")
            .insert(rel.to_string(), parsed.clone());
        parsed
    }

    fn package_dirs(&self, name: &str) -> Vec<String> {
        self.packages
            .get_or_init(|| self.index_packages())
            .get(name)
            .cloned()
            .unwrap_or_default()
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

    #[test]
    fn callees_that_check_their_parameters() {
        let rm = r#"
class YouRM(Retriever):
    def __init__(self, ydc_api_key=None, k=3):
        super().__init__(k=k)
        if not ydc_api_key and not os.environ.get("YDC_API_KEY"):
            raise RuntimeError("You must supply ydc_api_key")
        self.ydc_api_key = ydc_api_key

class Loose:
    def __init__(self, api_key=None):
        self.api_key = api_key
"#;
        let p = Project::in_memory(BTreeMap::from([
            ("knowledge/__init__.py".to_string(), String::new()),
            ("knowledge/rm.py".to_string(), rm.to_string()),
        ]));
        let caller = "from knowledge.rm import YouRM, Loose\nfrom openai import OpenAI\n";
        let kw = |k: &str| Argument::Keyword(k.to_string());
        let handles = |src: &str, callee: &str, arg: &Argument| {
            p.python_callee_handles("run.py", src, callee, arg, "NOT_NAMED")
        };
        assert!(handles(caller, "YouRM", &kw("ydc_api_key")));
        assert!(handles(caller, "YouRM", &Argument::Positional(0)));
        assert!(!handles(caller, "YouRM", &Argument::Positional(1)));
        assert!(!handles(caller, "Loose", &kw("api_key")));
        assert!(!handles(caller, "OpenAI", &kw("api_key")));
        // A class of the same name from another package is not the project's.
        assert!(!handles(
            "from other import YouRM\n",
            "YouRM",
            &kw("ydc_api_key")
        ));
        assert!(handles(
            "import knowledge.rm as rm\n",
            "rm.YouRM",
            &kw("ydc_api_key")
        ));
        // The callee checks the environment variable itself.
        assert!(p.python_callee_handles("run.py", caller, "YouRM", &kw("misspelt"), "YDC_API_KEY"));
        assert!(!Project::unknown().python_callee_handles(
            "run.py",
            caller,
            "YouRM",
            &kw("ydc_api_key"),
            ""
        ));
    }
}
