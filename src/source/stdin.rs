//! Standard input as a source (`skyscan scan -`), for editors and pipelines
//! that hold text no file does yet. `--stdin-filename NAME` names it: path
//! rules (`.env` files), per-path allowlists and judges that look at the
//! file name then treat it as that file; without a name it is reported as
//! `-`. The text counts as committed, like a file outside git.

use std::io::Read;

use crate::engine::Scratch;
use crate::error::Error;
use crate::finding::normalise_path;
use crate::judge::Project;
use crate::scan::{decode, scan_file, ScanSettings};
use crate::source::{ScanContext, ScanOutput, ScanStats};

/// Read `input` to its end (up to `max_filesize` bytes) and scan it as the
/// file `name`.
pub fn scan_stdin(cx: &ScanContext, input: &mut dyn Read, name: &str) -> Result<ScanOutput, Error> {
    let (matcher, max_filesize, settings) = (&cx.matcher, cx.max_filesize, &cx.settings);
    let name = normalise_path(name);
    let mut data = Vec::new();
    input
        .take(max_filesize.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|source| Error::Io {
            path: "standard input".into(),
            source,
        })?;
    let mut out = ScanOutput::default();
    if data.len() as u64 > max_filesize {
        out.stats.skipped_large = 1;
        out.warnings.push(format!(
            "{name}: skipped, standard input is over the size cap of {max_filesize} bytes (--max-filesize)"
        ));
        return Ok(out);
    }
    let Some(text) = decode(&data) else {
        out.stats.skipped_binary = 1;
        settings.log(|| format!("skipped {name} (standard input): binary"));
        return Ok(out);
    };
    settings.log(|| format!("scanned {name} (standard input)"));
    // The name is relative to the current directory, as ruff takes it: the
    // judges that read other files of the project read them from there.
    let settings = ScanSettings {
        project: std::env::current_dir()
            .ok()
            .map(|dir| std::sync::Arc::new(Project::on_disk(dir))),
        ..settings.clone()
    };
    out.stats = ScanStats {
        files_scanned: 1,
        bytes_scanned: text.len() as u64,
        ..ScanStats::default()
    };
    out.findings = scan_file(
        matcher,
        &name,
        &text,
        &mut Scratch::default(),
        &settings,
        true,
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Mode, RuleSet};

    #[test]
    fn oversized_and_binary_input_are_counted_not_scanned() {
        let rules = RuleSet::builtin().unwrap();
        let cx = |max_filesize| ScanContext {
            max_filesize,
            ..ScanContext::new(&rules, Mode::Worktree)
        };
        let out = scan_stdin(&cx(4), &mut &b"0123456789"[..], "-").unwrap();
        assert_eq!(out.stats.skipped_large, 1);
        assert_eq!(out.warnings.len(), 1);
        let out = scan_stdin(&cx(100), &mut &b"a\0b"[..], "x.bin").unwrap();
        assert_eq!(out.stats.skipped_binary, 1);
        assert_eq!(out.stats.files_scanned, 0);
    }
}
