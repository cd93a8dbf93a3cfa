//! What the judges may ask about the project around a file: whether the
//! nearest `package.json` uses a framework that bundles variables with the
//! bare `PUBLIC_` prefix (SvelteKit, Astro), and whether a Python class or
//! function the project defines checks one of its parameters. Read from the
//! working tree for `scan` and `staged`, from the example's own files for
//! rule examples, and unknown elsewhere. Answers are cached; the Python
//! definitions are indexed once, on the first question, within fixed bounds.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::code::has_word;

/// Largest `package.json` or Python file read.
const MAX_MANIFEST: u64 = 1 << 20;
/// Most Python files indexed, and most bytes read for the index.
const MAX_PY_FILES: usize = 20_000;
const MAX_PY_BYTES: u64 = 256 << 20;
/// Lines of a definition's body kept in the index.
const MAX_BODY_LINES: usize = 1000;

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
    /// The project's Python definitions and packages.
    python: OnceLock<PythonIndex>,
}

/// How a value is passed to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Argument {
    /// `callee(name=value)`
    Keyword(String),
    /// `callee(a, value)`: the index among positional arguments.
    Positional(usize),
}

/// What the project defines in Python.
#[derive(Debug, Default)]
struct PythonIndex {
    /// Class and function name → the bodies defining it.
    definitions: HashMap<String, Vec<String>>,
    /// Names importable from the project: its package directories (those
    /// with an `__init__.py`).
    packages: std::collections::HashSet<String>,
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

    /// Whether a class or function named `callee` that the project defines
    /// handles a missing argument `arg`: an `assert` or `raise` naming the
    /// parameter (or `self.param`), an `if not param` / `if param is None`
    /// followed by a `raise` (it fails fast), an `if param:` guarding an
    /// optional use, or a check of the environment variable `env` itself
    /// followed by a `raise`. Defaulting the parameter (`if param is None:
    /// param = ...`) is not handling it.
    ///
    /// `callee` is the name as called in `source` (`YouRM`, `rm.YouRM`); it
    /// counts only when it resolves to the project itself: defined in
    /// `source`, imported relatively, or from one of the project's own
    /// packages. A third-party class of the same name is not the project's.
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
        let index = self.python.get_or_init(|| self.index_python());
        let name = callee.rsplit('.').next().unwrap_or(callee);
        // A script imports the modules beside it (`from scripts.x import
        // Y` run from the script's directory).
        let dir = caller.rsplit_once('/').map_or("", |(d, _)| d);
        let beside = |module: &str| {
            let rel = if dir.is_empty() {
                module.to_string()
            } else {
                format!("{dir}/{module}")
            };
            let file = format!("{rel}.py");
            // The script itself does not count (`onepassword.py` importing
            // the `onepassword` package).
            self.exists(&rel) || (file != caller && self.exists(&file))
        };
        if !resolves_to_project(source, callee, &index.packages, beside) {
            return false;
        }
        // Definitions in the calling file itself come first (a notebook's
        // own classes are not in the index).
        let mut local = HashMap::new();
        index_definitions(source, &mut local);
        let bodies = local.get(name).or_else(|| index.definitions.get(name));
        bodies.is_some_and(|bodies| bodies.iter().any(|body| body_handles(body, arg, env)))
    }

    fn index_python(&self) -> PythonIndex {
        let mut index = PythonIndex::default();
        match &self.files {
            Files::Unknown => {}
            Files::Memory(files) => {
                for (path, text) in files {
                    if path.ends_with(".py") {
                        index.add_file(Path::new(path), |dir| {
                            let init = dir.join("__init__.py");
                            files.contains_key(&init.to_string_lossy().replace('\\', "/"))
                        });
                        index_definitions(text, &mut index.definitions);
                    }
                }
            }
            Files::Disk(base) => {
                let mut files = 0;
                let mut bytes = 0u64;
                let walk = ignore::WalkBuilder::new(base).follow_links(false).build();
                for entry in walk.flatten() {
                    let path = entry.path();
                    if path.extension().is_none_or(|e| e != "py") {
                        continue;
                    }
                    let Ok(meta) = std::fs::symlink_metadata(path) else {
                        continue;
                    };
                    if !meta.is_file() || meta.len() > MAX_MANIFEST {
                        continue;
                    }
                    files += 1;
                    bytes += meta.len();
                    if files > MAX_PY_FILES || bytes > MAX_PY_BYTES {
                        break;
                    }
                    index.add_file(path, |dir| dir.join("__init__.py").is_file());
                    if let Ok(text) = std::fs::read_to_string(path) {
                        index_definitions(&text, &mut index.definitions);
                    }
                }
            }
        }
        index
    }

    /// Whether a file or directory exists at this relative path.
    fn exists(&self, rel: &str) -> bool {
        match &self.files {
            Files::Unknown => false,
            Files::Memory(files) => {
                let dir = format!("{rel}/");
                files.keys().any(|k| k == rel || k.starts_with(&dir))
            }
            Files::Disk(base) => std::fs::symlink_metadata(base.join(rel)).is_ok(),
        }
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

impl PythonIndex {
    /// A top-level package's `__init__.py` (one whose parent directory is
    /// not a package itself) makes its directory's name importable.
    /// Single-module files and subpackages are not counted: a project's
    /// `providers/openai/` would otherwise pass for the `openai` package.
    fn add_file(&mut self, path: &Path, is_package: impl Fn(&Path) -> bool) {
        if path.file_stem().is_none_or(|s| s != "__init__") {
            return;
        }
        let Some(dir) = path.parent() else {
            return;
        };
        let nested = dir.parent().is_some_and(&is_package);
        if let (false, Some(name)) = (nested, dir.file_name()) {
            self.packages.insert(name.to_string_lossy().into_owned());
        }
    }
}

/// Whether `callee`, as called in `source`, is the project's own: defined
/// there, imported relatively, or imported from one of `packages`.
fn resolves_to_project(
    source: &str,
    callee: &str,
    packages: &std::collections::HashSet<String>,
    beside: impl Fn(&str) -> bool,
) -> bool {
    let (qualifier, name) = match callee.rsplit_once('.') {
        Some((q, n)) => (Some(q), n),
        None => (None, callee),
    };
    let defines = |l: &str| {
        let t = l.trim_start();
        [
            format!("class {name}"),
            format!("def {name}("),
            format!("async def {name}("),
        ]
        .iter()
        .any(|d| t.starts_with(d.as_str()))
    };
    if qualifier.is_none() && source.lines().any(defines) {
        return true;
    }
    let local = |module: &str| {
        let root = module.split('.').next().unwrap_or(module);
        module.starts_with('.') || packages.contains(root) || beside(root)
    };
    let imports = import_statements(source);
    // `rm.init_db(`, where `rm` is no imported name: a method of an object
    // the file made, defined by the project if anywhere.
    if let Some(q) = qualifier {
        let root = q.split('.').next().unwrap_or(q);
        if root == "self" || !imports.iter().any(|l| has_word(l, root)) {
            return true;
        }
    }
    imports.iter().any(|l| {
        let t = l.trim_start();
        match qualifier {
            // `rm.YouRM(`: `import pkg.rm as rm` / `from pkg import rm`.
            Some(q) => {
                let alias = q.rsplit('.').next().unwrap_or(q);
                (t.starts_with("import ") || t.starts_with("from "))
                    && has_word(t, alias)
                    && t.split_whitespace().nth(1).is_some_and(local)
            }
            // `YouRM(`: `from pkg.rm import YouRM`.
            None => t
                .strip_prefix("from ")
                .and_then(|r| r.split_once(" import "))
                .is_some_and(|(module, names)| has_word(names, name) && local(module.trim())),
        }
    })
}

/// One definition's body handles a missing `arg` (see
/// [`Project::python_callee_handles`]): through the parameter, a local
/// derived from it (`key = self.api_key or os.getenv(...)`), or the
/// environment variable itself.
fn body_handles(body: &str, arg: &Argument, env: &str) -> bool {
    let param = match arg {
        Argument::Keyword(k) => Some(k.clone()),
        Argument::Positional(n) => positional_parameter(body, *n),
    };
    let lines: Vec<&str> = body.lines().map(str::trim_start).collect();
    let mut names: Vec<String> = param.iter().cloned().collect();
    if let Some(p) = &param {
        let attr = format!("self.{p}");
        for l in &lines {
            if let Some((lhs, rhs)) = l.split_once(" = ") {
                let lhs = lhs.trim();
                let derived = has_word(rhs, p) || rhs.contains(&attr);
                if derived && lhs.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    names.push(lhs.to_string());
                }
            }
        }
    }
    let quoted = [format!("\"{env}\""), format!("'{env}'")];
    (0..lines.len()).any(|n| {
        names.iter().any(|p| handles_parameter(&lines, n, p))
            || (quoted.iter().any(|q| lines[n].contains(q.as_str()))
                && is_condition(lines[n])
                && raises_below(&lines, n))
    })
}

fn is_condition(t: &str) -> bool {
    t.starts_with("if ") || t.starts_with("elif ") || t.starts_with("assert ")
}

/// A `raise` among the next three lines.
fn raises_below(lines: &[&str], n: usize) -> bool {
    lines[n + 1..]
        .iter()
        .filter(|l| !l.is_empty())
        .take(3)
        .any(|l| l.starts_with("raise "))
}

/// Line `n` of a definition handles a missing `param` (see
/// [`Project::python_callee_handles`]).
fn handles_parameter(lines: &[&str], n: usize, param: &str) -> bool {
    let t = lines[n];
    let attr = format!("self.{param}");
    let names = |t: &str| has_word(t, param) || t.contains(&attr);
    if t.starts_with("assert ") || t.starts_with("raise ") {
        return names(t);
    }
    if !(t.starts_with("if ") || t.starts_with("elif ")) || !names(t) {
        return false;
    }
    let absent = t.contains("not ") || t.contains("is None") || t.contains("== \"\"");
    let defaults_it = lines[n + 1..]
        .iter()
        .find(|l| !l.is_empty())
        .is_some_and(|l| {
            l.starts_with(&format!("{param} =")) || l.starts_with(&format!("{attr} ="))
        });
    (absent && raises_below(lines, n)) || (!absent && !defaults_it)
}

/// The name of the `index`-th positional parameter of a definition (its
/// `__init__` for a class), `self` and `cls` left out.
fn positional_parameter(body: &str, index: usize) -> Option<String> {
    let header = body.lines().map(str::trim_start).find(|l| {
        l.starts_with("def __init__(") || (l.starts_with("def ") && !body.starts_with("class"))
    })?;
    // The parameter list, which may span lines.
    let start = body.find(header)? + header.find('(')? + 1;
    let mut depth = 1i32;
    let mut end = start;
    for (i, c) in body[start..].char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    end = start + i;
                    break;
                }
            }
            _ => {}
        }
    }
    let mut params = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in body[start..end].chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                params.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    params.push(current);
    params
        .iter()
        .map(|p| p.split([':', '=']).next().unwrap_or("").trim().to_string())
        .filter(|p| !p.is_empty() && p != "self" && p != "cls" && !p.starts_with('*') && p != "/")
        .nth(index)
}

/// The import statements of a Python file, a parenthesised
/// `from m import (\n  a,\n  b,\n)` joined into one line.
fn import_statements(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for line in source.lines() {
        let t = line.trim();
        if let Some(statement) = open.as_mut() {
            statement.push(' ');
            statement.push_str(t);
            if t.contains(')') || statement.len() > 4096 {
                out.push(open.take().unwrap_or_default());
            }
            continue;
        }
        if t.starts_with("import ") || t.starts_with("from ") {
            if t.contains('(') && !t.contains(')') {
                open = Some(t.to_string());
            } else {
                out.push(t.to_string());
            }
        }
    }
    out.extend(open);
    out
}

/// Record each `class Name` and `def name(` of a Python file with its body
/// (the lines indented under it, up to a bound).
fn index_definitions(text: &str, index: &mut HashMap<String, Vec<String>>) {
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let rest = t
            .strip_prefix("class ")
            .or_else(|| t.strip_prefix("def "))
            .or_else(|| t.strip_prefix("async def "));
        let Some(rest) = rest else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        let indent = line.len() - t.len();
        // The header line, then the lines indented under it.
        let body: Vec<&str> = std::iter::once(*line)
            .chain(
                lines[n + 1..]
                    .iter()
                    .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
                    .copied(),
            )
            .take(MAX_BODY_LINES)
            .collect();
        index.entry(name).or_default().push(body.join("\n"));
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
        let p = Project::in_memory(BTreeMap::from([(
            "knowledge/rm.py".to_string(),
            rm.to_string(),
        )]));
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
