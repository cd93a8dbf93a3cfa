//! Where a called Python name is defined in the project, found the way the
//! interpreter would: through the calling file's own definitions and its
//! imports, resolved against the project's packages (directories with an
//! `__init__.py`, found once by a walk that reads no file) and the modules
//! beside the calling script. Only the module files an import names are
//! read, each once, so the cost follows the imports of the files that need
//! an answer, not the size of the project. A name no import resolves to the
//! project (a third-party SDK) has no definition here.

use std::collections::HashMap;
use std::sync::Arc;

use super::code::{has_word, name_start};
use super::project::Argument;

/// Lines of a definition's body kept.
const MAX_BODY_LINES: usize = 1000;
/// How many re-exports (`from .client import Name` in an `__init__.py`)
/// are followed.
const MAX_HOPS: usize = 3;
/// Most modules looked into for a method of an object the file made.
const MAX_METHOD_MODULES: usize = 20;

/// Class and function name → the byte ranges, in the module's text, of the
/// bodies defining it (header line first). Ranges, not copies: a class and
/// each of its methods share the same text.
pub type Definitions = HashMap<String, Vec<std::ops::Range<usize>>>;

/// What the lookups need from the project.
pub trait ModuleSource {
    /// The text of a project file, if it exists and is small enough.
    fn module_text(&self, rel: &str) -> Option<Arc<ModuleText>>;
    /// Directories (relative) of top-level packages with this name.
    fn package_dirs(&self, name: &str) -> Vec<String>;
}

/// A parsed module: its text and definitions.
#[derive(Debug, Default)]
pub struct ModuleText {
    pub text: String,
    pub definitions: Definitions,
}

impl ModuleText {
    pub fn parse(text: String) -> ModuleText {
        let mut definitions = HashMap::new();
        index_definitions(&text, &mut definitions);
        ModuleText { text, definitions }
    }
}

/// How many calls deep a parameter is followed (`Firecrawl(api_key)`
/// handing it to `V2Client(api_key=api_key)`, which checks it).
pub const MAX_DELEGATION: usize = 2;

/// Whether the project's own `callee` (as called in `source`, the file
/// `caller`) handles a missing `arg` read from the variable `env`: in its
/// body (see [`body_handles`]) or, up to `depth` calls deep, in a callee of
/// its own that it hands the parameter to.
pub fn callee_handles(
    project: &dyn ModuleSource,
    caller: &str,
    source: &str,
    callee: &str,
    arg: &Argument,
    env: &str,
    depth: usize,
) -> bool {
    callee_bodies(project, caller, source, callee)
        .iter()
        .any(|(file, body)| {
            if body_handles(body, arg, env) {
                return true;
            }
            if depth == 0 {
                return false;
            }
            let Some(param) = parameter_name(body, arg) else {
                return false;
            };
            // The module the definition lives in resolves the names it calls.
            let module = project.module_text(file);
            let module_source = module.as_ref().map_or(source, |m| m.text.as_str());
            delegations(body, &param).into_iter().any(|(next, kw)| {
                callee_handles(
                    project,
                    file,
                    module_source,
                    &next,
                    &Argument::Keyword(kw),
                    env,
                    depth - 1,
                )
            })
        })
}

/// Calls in a body that hand `param` on as a keyword argument
/// (`V2Client(api_key=api_key)`): the callee and the keyword.
fn delegations(body: &str, param: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let pattern = format!("={param}");
    for line in body.lines().filter(|l| l.contains(param)) {
        let compact: String = line.split_whitespace().collect::<Vec<_>>().join("");
        let Some(at) = compact.find(&pattern) else {
            continue;
        };
        let after = compact[at + pattern.len()..].chars().next();
        if after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let head = &compact[..at];
        let kw_start = name_start(head, false);
        let kw = &head[kw_start..];
        let Some(open) = head[..kw_start].rfind('(') else {
            continue;
        };
        let callee_start = name_start(&head[..open], true);
        let callee = &head[callee_start..open];
        if !kw.is_empty() && !callee.is_empty() {
            out.push((callee.to_string(), kw.to_string()));
        }
    }
    out
}

/// The bodies of the definitions `callee` (as written at the call: `YouRM`,
/// `rm.YouRM`, `store.connect`) refers to from the file `caller` whose
/// source is `source`, with the file each is in.
pub fn callee_bodies(
    project: &dyn ModuleSource,
    caller: &str,
    source: &str,
    callee: &str,
) -> Vec<(String, String)> {
    let (qualifier, name) = match callee.rsplit_once('.') {
        Some((q, n)) => (Some(q), n),
        None => (None, callee),
    };
    let defined_here = ["class ", "def "]
        .iter()
        .any(|k| source.contains(&format!("{k}{name}")));
    if qualifier.is_none() && defined_here {
        let mut local = HashMap::new();
        index_definitions(source, &mut local);
        if let Some(bodies) = local.remove(name) {
            return bodies
                .into_iter()
                .map(|r| (caller.to_string(), source[r].to_string()))
                .collect();
        }
    }
    let dir = caller.rsplit_once('/').map_or("", |(d, _)| d);
    let imports = import_statements(source);
    let mut modules: Vec<(String, String)> = Vec::new(); // (module, name in it)
    match qualifier {
        None => {
            for (module, names) in imports.iter().filter_map(|l| from_import(l)) {
                for (real, alias) in names {
                    if alias == name {
                        modules.push((module.clone(), real));
                    }
                }
            }
        }
        Some(q) => {
            let root = q.split('.').next().unwrap_or(q);
            let mut named = false;
            for l in &imports {
                if let Some(module) = plain_import_alias(l, root) {
                    named = true;
                    modules.push((module, name.to_string()));
                } else if let Some((module, names)) = from_import(l) {
                    if let Some((real, _)) = names.iter().find(|(_, alias)| alias == root) {
                        named = true;
                        modules.push((format!("{module}.{real}"), name.to_string()));
                    }
                }
            }
            // `rm.connect(` on an object the file made: a method defined in
            // one of the modules it imports from.
            if !named {
                for (module, _) in imports.iter().filter_map(|l| from_import(l)) {
                    if modules.len() >= MAX_METHOD_MODULES {
                        break;
                    }
                    modules.push((module, name.to_string()));
                }
            }
        }
    }
    let mut bodies = Vec::new();
    for (module, real) in modules {
        for file in module_files(project, dir, &module) {
            bodies.extend(definitions_in(project, &file, &real, MAX_HOPS));
        }
    }
    bodies
}

/// The parameter `arg` names in a definition.
fn parameter_name(body: &str, arg: &Argument) -> Option<String> {
    match arg {
        Argument::Keyword(k) => Some(k.clone()),
        Argument::Positional(n) => positional_parameter(body, *n),
    }
}

/// The definitions of `name` in the module file `file` (with the file
/// each is in), following re-exports (`from .client import name`,
/// `name = Other`).
fn definitions_in(
    project: &dyn ModuleSource,
    file: &str,
    name: &str,
    hops: usize,
) -> Vec<(String, String)> {
    let Some(module) = project.module_text(file) else {
        return Vec::new();
    };
    if let Some(bodies) = module.definitions.get(name) {
        return bodies
            .iter()
            .map(|r| (file.to_string(), module.text[r.clone()].to_string()))
            .collect();
    }
    if hops == 0 {
        return Vec::new();
    }
    let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
    // `FirecrawlApp = Firecrawl`
    let alias = format!("{name} = ");
    if let Some(other) = module.text.lines().find_map(|l| l.strip_prefix(&alias)) {
        let other = other.trim();
        if other.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return definitions_in(project, file, other, hops - 1);
        }
    }
    for l in import_statements(&module.text) {
        let Some((from, names)) = from_import(&l) else {
            continue;
        };
        if let Some((real, _)) = names.iter().find(|(_, alias)| alias == name) {
            for next in module_files(project, dir, &from) {
                let found = definitions_in(project, &next, real, hops - 1);
                if !found.is_empty() {
                    return found;
                }
            }
        }
    }
    Vec::new()
}

/// The project files a module name can mean from a file in `dir`: relative
/// (`.client`), beside the script, or under a package of that name.
fn module_files(project: &dyn ModuleSource, dir: &str, module: &str) -> Vec<String> {
    let dots = module.chars().take_while(|c| *c == '.').count();
    let rest = module[dots..].replace('.', "/");
    let mut bases = Vec::new();
    if dots > 0 {
        let mut base = dir.to_string();
        for _ in 1..dots {
            base = base
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string());
        }
        bases.push(join(&base, &rest));
    } else {
        bases.push(join(dir, &rest));
        let (root, tail) = rest.split_once('/').unwrap_or((&rest, ""));
        for package in project.package_dirs(root) {
            bases.push(join(&package, tail));
        }
    }
    let mut files = Vec::new();
    for base in bases {
        for candidate in [format!("{base}.py"), join(&base, "__init__.py")] {
            if !candidate.is_empty()
                && candidate != ".py"
                && project.module_text(&candidate).is_some()
                && !files.contains(&candidate)
            {
                files.push(candidate);
            }
        }
    }
    files
}

fn join(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (false, true) => dir.to_string(),
        (false, false) => format!("{dir}/{rest}"),
    }
}

/// `from m import a, b as c` → (`m`, [(`a`, `a`), (`b`, `c`)]).
fn from_import(statement: &str) -> Option<(String, Vec<(String, String)>)> {
    let rest = statement.trim().strip_prefix("from ")?;
    let (module, names) = rest.split_once(" import ")?;
    let names = names
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .filter_map(|n| {
            let n = n.trim();
            if n.is_empty() || n == "*" {
                return None;
            }
            Some(match n.split_once(" as ") {
                Some((real, alias)) => (real.trim().to_string(), alias.trim().to_string()),
                None => (n.to_string(), n.to_string()),
            })
        })
        .collect();
    Some((module.trim().to_string(), names))
}

/// `import a.b as alias` / `import alias` → the module `alias` names.
fn plain_import_alias(statement: &str, alias: &str) -> Option<String> {
    let rest = statement.trim().strip_prefix("import ")?;
    rest.split(',').find_map(|part| {
        let part = part.trim();
        match part.split_once(" as ") {
            Some((module, a)) if a.trim() == alias => Some(module.trim().to_string()),
            None if part == alias || part.split('.').next() == Some(alias) => {
                Some(part.to_string())
            }
            _ => None,
        }
    })
}

/// The import statements of a Python file, a parenthesised
/// `from m import (\n  a,\n  b,\n)` joined into one line.
pub fn import_statements(source: &str) -> Vec<String> {
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
/// (its header line, then the lines indented under it, up to a bound).
pub fn index_definitions(text: &str, index: &mut Definitions) {
    // Each line without its ending, and the offset where it starts.
    let mut lines: Vec<&str> = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut offset = 0;
    for piece in text.split_inclusive('\n') {
        starts.push(offset);
        offset += piece.len();
        lines.push(piece.trim_end_matches(['\n', '\r']));
    }
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
        let extra = lines[n + 1..]
            .iter()
            .take(MAX_BODY_LINES)
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
            .count();
        let last = n + extra;
        let end = starts[last] + lines[last].len();
        index.entry(name).or_default().push(starts[n]..end);
    }
}

/// One definition's body handles a missing `arg` (see
/// [`crate::judge::Project::python_callee_handles`]): through the parameter, a local
/// derived from it (`key = self.api_key or os.getenv(...)`), or the
/// environment variable itself.
pub fn body_handles(body: &str, arg: &Argument, env: &str) -> bool {
    let param = parameter_name(body, arg);
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
/// [`crate::judge::Project::python_callee_handles`]).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_parsed() {
        let (m, names) = from_import("from a.b import (X, Y as Z)").unwrap();
        assert_eq!(m, "a.b");
        assert_eq!(names, [("X".into(), "X".into()), ("Y".into(), "Z".into())]);
        assert_eq!(
            plain_import_alias("import a.b as rm", "rm").as_deref(),
            Some("a.b")
        );
        assert_eq!(plain_import_alias("import os", "rm"), None);
        let joined = import_statements("from m import (\n    a,\n    b,\n)\nx = 1\n");
        assert_eq!(joined, ["from m import ( a, b, )"]);
    }
}
