//! Client-exposed variables (SC2). A secret-looking name behind a public
//! prefix matters where the variable is really read or defined: a
//! `process.env.X` / `import.meta.env.X` / `env.X` read, an import from
//! SvelteKit's `$env/static/public`, a non-empty assignment in an env file,
//! a key with a value in YAML/JSON/TOML, `ENV`/`ARG` in a Dockerfile, an
//! assignment in a shell script. The same name in a string, an error
//! message, a URL, a deploy-button list or a type declaration is not. The
//! bare `PUBLIC_` prefix is only client-bundled by SvelteKit and Astro, so it
//! counts where the project uses one of them.

use super::code::{assigned_value, has_word, nearby_lines};
use super::{Case, Verdict};

/// Prefixes every framework that has them inlines into the bundle.
const FRAMEWORK_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "GATSBY_",
    "VUE_APP_",
];

pub fn review(case: &Case<'_>) -> Verdict {
    let path = case.path;
    if path.ends_with(".d.ts") || path.ends_with(".d.mts") || path.ends_with(".d.cts") {
        return Verdict::Drop;
    }
    let name = case.matched();
    let (lines, at) = nearby_lines(case.text, case.start, 0, 0);
    let line = lines[at];
    let col = case.start - line.start;
    let (before, after) = (
        line.text.get(..col).unwrap_or(""),
        line.text.get(col + name.len()..).unwrap_or(""),
    );
    let file = path.rsplit('/').next().unwrap_or(path);
    let real = if is_env_file(file) {
        env_assignment(before, after)
    } else if file.starts_with("Dockerfile") || file.ends_with(".dockerfile") {
        docker_definition(before, after)
    } else if has_ext(file, &["sh", "bash", "zsh"]) {
        shell_assignment(before, after)
    } else if has_ext(file, &["yml", "yaml", "json", "toml"]) {
        config_definition(before, after)
    } else {
        code_read(case.text, before, after, name)
    };
    if !real {
        return Verdict::Drop;
    }
    let bare_public =
        name.starts_with("PUBLIC_") && !FRAMEWORK_PREFIXES.iter().any(|p| name.starts_with(p));
    if bare_public && !exposes_bare_public(case) {
        return Verdict::Drop;
    }
    Verdict::keep()
}

fn has_ext(file: &str, exts: &[&str]) -> bool {
    file.rsplit_once('.')
        .is_some_and(|(_, e)| exts.contains(&e.to_ascii_lowercase().as_str()))
}

fn is_env_file(file: &str) -> bool {
    file.starts_with(".env") || file.ends_with(".env")
}

/// `NAME=value` / `export NAME=value` with a non-empty value.
fn env_assignment(before: &str, after: &str) -> bool {
    let lead = before.trim();
    (lead.is_empty() || lead == "export") && has_value(after, &['='])
}

/// `ENV NAME=value`, `ENV NAME value`, `ARG NAME[=default]`: the build
/// hands the variable to the bundler.
fn docker_definition(before: &str, _after: &str) -> bool {
    let lead = before.trim_start().to_ascii_uppercase();
    lead.starts_with("ENV ") || lead.starts_with("ARG ")
}

/// `NAME=value` / `export NAME=value` (also before a command).
fn shell_assignment(before: &str, after: &str) -> bool {
    let lead = before.trim();
    let lead_ok = lead.is_empty()
        || lead == "export"
        || lead.ends_with("&&")
        || lead.ends_with(';')
        || lead.split_whitespace().all(|w| w.contains('='));
    lead_ok && has_value(after, &['='])
}

/// A key with a value: `NAME: value`, `"NAME": "value"`, `NAME = "value"`,
/// `- NAME=value` (compose lists), outside comments.
fn config_definition(before: &str, after: &str) -> bool {
    let lead = before.trim();
    if lead.starts_with('#') || lead.starts_with("//") {
        return false;
    }
    let lead = lead.trim_start_matches("- ").trim_start_matches('-').trim();
    let lead_ok = lead.is_empty() || lead == "\"" || lead == "'" || lead.ends_with('{');
    let after = after.trim_start_matches(['"', '\'']);
    lead_ok && has_value(after, &[':', '='])
}

/// After the name: one of `seps`, then a value that is not empty, a
/// comment, or an empty string.
fn has_value(after: &str, seps: &[char]) -> bool {
    let rest = after.trim_start();
    let Some(value) = rest.strip_prefix(seps) else {
        return false;
    };
    let value = value.trim();
    let value = value.split(" #").next().unwrap_or(value).trim();
    let value = value.trim_end_matches(',');
    !(value.is_empty()
        || value.starts_with('#')
        || matches!(value, "\"\"" | "''" | "null" | "~" | "{}" | "[]"))
}

/// A read of the variable in code: `process.env.NAME`, `import.meta.env.NAME`,
/// `env.NAME`, `process.env["NAME"]`, `{ NAME } = process.env`, or an
/// import from `$env/static/public` / `$env/dynamic/public`; not a type
/// declaration.
fn code_read(text: &[u8], before: &str, after: &str, name: &str) -> bool {
    let b = before.trim_end();
    if b.ends_with("env.") || b.ends_with("env?.") {
        return true;
    }
    if (b.ends_with("env[\"") || b.ends_with("env['")) && after.starts_with(['"', '\'']) {
        return true;
    }
    let a = after.trim_start();
    // `readonly NAME: string`, `NAME?: string;` in an interface.
    if a.starts_with(':') || a.starts_with("?:") {
        let ty = a
            .trim_start_matches('?')
            .trim_start_matches(':')
            .trim_start();
        if ["string", "boolean", "number", "undefined", "str"]
            .iter()
            .any(|t| ty.starts_with(t))
        {
            return false;
        }
        // `env: { NAME: process.env.SECRET }` (next.config.js) or a schema
        // entry: the variable is defined, with a value, for the bundle.
        let key_position = before.trim().is_empty() || before.trim_end().ends_with('{');
        if key_position && a.starts_with(':') && !ty.is_empty() && !ty.starts_with(['"', '\'', '`'])
        {
            return true;
        }
    }
    // Inside a string literal: the quotes before it on the line are unbalanced.
    if ['"', '\'', '`']
        .iter()
        .any(|q| before.matches(*q).count() % 2 == 1)
    {
        return false;
    }
    // Destructuring or an import list: the statement names an env source.
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    text.lines().any(|l| {
        has_word(l, name)
            && (l.contains("$env/static/public")
                || l.contains("$env/dynamic/public")
                || (l.contains('{')
                    && (l.contains("process.env") || l.contains("import.meta.env"))))
    })
}

/// SvelteKit or Astro: in the file (`$env/.../public`, Astro's
/// `import.meta.env.PUBLIC_`) or in the nearest `package.json`.
fn exposes_bare_public(case: &Case<'_>) -> bool {
    let in_file = |needle: &str| memchr::memmem::find(case.text, needle.as_bytes()).is_some();
    if in_file("$env/static/public") || in_file("$env/dynamic/public") {
        return true;
    }
    if case.path.ends_with(".astro") && in_file("import.meta.env.PUBLIC_") {
        return true;
    }
    case.project.exposes_bare_public(case.path)
}

/// `use-client-api-key`: an `x-api-key` header in a client component is
/// a leak when its value comes from the bundle: an env read, a literal, or
/// a name assigned one of those in the file. A key the user typed (held in
/// component state, received as a prop) is the user's own.
pub fn review_client_key(case: &Case<'_>) -> Verdict {
    let matched = case.matched();
    if matched.contains("env.") {
        return Verdict::keep();
    }
    let (lines, at) = nearby_lines(case.text, case.start, 0, 0);
    let line = lines[at];
    let value = line
        .text
        .get(case.end - line.start..)
        .unwrap_or("")
        .trim_start()
        .trim_start_matches(':')
        .trim_start();
    if bundled_value(value) {
        return Verdict::keep();
    }
    let ident: String = value
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        .collect();
    if ident.is_empty() {
        return Verdict::Drop;
    }
    let Ok(text) = std::str::from_utf8(case.text) else {
        return Verdict::Drop;
    };
    let assigned_from_bundle = text
        .lines()
        .any(|l| assigned_value(l, &ident).is_some_and(|v| bundled_value(v.trim_start())));
    if assigned_from_bundle {
        Verdict::keep()
    } else {
        Verdict::Drop
    }
}

/// An env read or a non-empty string literal.
fn bundled_value(value: &str) -> bool {
    value.starts_with("process.env")
        || value.starts_with("import.meta.env")
        || (value.len() > 2
            && value.starts_with(['"', '\'', '`'])
            && !value[1..].starts_with(['"', '\'', '`']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines() {
        assert!(env_assignment("", "=sk-abc"));
        assert!(env_assignment("export ", "=\"x\""));
        assert!(!env_assignment("", "="));
        assert!(!env_assignment("", "=  # set me"));
        assert!(!env_assignment("# ", "=abc"));
    }

    #[test]
    fn config_lines() {
        assert!(config_definition("  ", ": ${{ secrets.KEY }}"));
        assert!(config_definition("      - ", "=abc"));
        assert!(config_definition("  \"", "\": \"abc\""));
        assert!(!config_definition("  # - ", "=abc"));
        assert!(!config_definition("  \"env\": [\"", "\"]"));
    }

    #[test]
    fn code_reads() {
        let t = b"x";
        assert!(code_read(t, "const k = process.env.", ";", "NEXT_PUBLIC_K"));
        assert!(code_read(t, "const k = import.meta.env.", ";", "VITE_K"));
        assert!(!code_read(t, "throw new Error('set ", " first')", "VITE_K"));
        assert!(!code_read(t, "  readonly ", ": string", "VITE_K"));
        assert!(code_read(
            b"import { PUBLIC_K } from '$env/static/public';",
            "import { ",
            " } from",
            "PUBLIC_K"
        ));
    }
}
