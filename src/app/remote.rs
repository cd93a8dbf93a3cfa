//! The repository a run looked at, for SARIF `versionControlProvenance`:
//! the `origin` remote as an absolute URL without credentials, HEAD and
//! the branch. Remotes are parsed with the `url` crate; git's scp-like
//! `user@host:path` is read as `ssh://host/path`; a local path (`/srv/r.git`,
//! `C:\repos\app`, `file://…`) names nothing a reader of the report can
//! reach and is left out.

use std::path::Path;

use url::Url;

use crate::report::VcsInfo;

/// Schemes of remotes that name a host.
const REMOTE_SCHEMES: [&str; 8] = [
    "https", "http", "ssh", "git", "git+ssh", "ssh+git", "ftps", "ftp",
];

/// The repository around `path`. None outside git, without an `origin`, or
/// when `origin` is not a URL.
pub fn vcs_info(path: &Path) -> Option<VcsInfo> {
    let repo = gix::discover(path).ok()?;
    // `url.<base>.insteadOf` applied, as git fetches from it.
    let remote = repo.find_remote("origin").ok()?;
    let url = remote.url(gix::remote::Direction::Fetch)?.to_bstring();
    let repository_uri = sanitize_remote_url(std::str::from_utf8(&url).ok()?)?;
    let head = repo.head().ok().filter(|h| !h.is_unborn());
    Some(VcsInfo {
        repository_uri,
        revision: head.as_ref().and_then(|h| h.id()).map(|id| id.to_string()),
        branch: head
            .as_ref()
            .and_then(|h| h.referent_name())
            .filter(|name| name.category() == Some(gix::refs::Category::LocalBranch))
            .map(|name| name.shorten().to_string()),
    })
}

/// An absolute URL for a remote, without user name, password, query or
/// fragment (any of which can hold a token); `None` for what is no URL.
pub fn sanitize_remote_url(remote: &str) -> Option<String> {
    let remote = remote.trim();
    // git's own test: a URL has `://` after its scheme; anything else with
    // a colon is scp-like or a path.
    let mut url = if remote.contains("://") {
        Url::parse(remote)
            .ok()
            .filter(|u| REMOTE_SCHEMES.contains(&u.scheme()))?
    } else {
        Url::parse(&scp_to_ssh(remote)?).ok()?
    };
    url.host_str().filter(|h| !h.is_empty())?;
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    Some(url.into())
}

/// git's scp-like syntax, `[user@]host:path`, as an ssh URL. A one-letter
/// "host" is a Windows drive (`C:\repo`, `C:/repo`), and a path with
/// backslashes is a Windows path: neither is a remote host.
fn scp_to_ssh(remote: &str) -> Option<String> {
    let (authority, path) = remote.split_once(':')?;
    let host = authority.rsplit('@').next()?;
    let drive_or_path = host.chars().count() < 2
        || authority.contains(['/', '\\'])
        || path.contains('\\')
        || path.trim_start_matches('/').is_empty();
    if drive_or_path {
        return None;
    }
    Some(format!("ssh://{host}/{}", path.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::sanitize_remote_url;

    #[test]
    fn remote_urls_lose_credentials() {
        let cases = [
            (
                "https://user:ghp_token@github.com/o/r.git",
                "https://github.com/o/r.git",
            ),
            (
                "https://github.com/o/r.git?access_token=x#frag",
                "https://github.com/o/r.git",
            ),
            ("git@github.com:o/r.git", "ssh://github.com/o/r.git"),
            ("github.com:o/r.git", "ssh://github.com/o/r.git"),
            ("ssh://git@host:22/o/r", "ssh://host:22/o/r"),
            ("git://host.example/r.git", "git://host.example/r.git"),
        ];
        for (remote, want) in cases {
            assert_eq!(
                sanitize_remote_url(remote).as_deref(),
                Some(want),
                "{remote}"
            );
        }
    }

    #[test]
    fn local_paths_are_no_urls() {
        for remote in [
            "/srv/git/r.git",
            "../sibling",
            "C:\\repos\\app",
            "C:/repos/app",
            "c:\\",
            "\\\\server\\share\\repo.git",
            "file:///srv/git/r.git",
            "host:",
            "",
        ] {
            assert_eq!(sanitize_remote_url(remote), None, "{remote}");
        }
    }
}
