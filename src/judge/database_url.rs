//! Database connection URLs with a password (SC1). Most URLs committed to a
//! repository point at a development database: a docker-compose service
//! (`db`, `postgres`), the local machine or a documentation host, or hold
//! a template (`${DB_PASSWORD}`, `<password>`) for the password. Those are
//! dropped. A password for any other host is a credential that opens the
//! database, however weak: on real code, `user:user` on a cloud cluster is
//! common.

use super::fixtures::review_fixture;
use super::{Case, Verdict};

/// Passwords that say they are not one. Defaults such as `postgres` or
/// `guest`, and passwords equal to the user name, are not here: on a local
/// or compose host they are dropped with the host, and on any other host
/// they are a real (and weak) credential; people do put `user:user` on a
/// cloud database.
const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "pw",
    "secret",
    "changeme",
    "change_me",
    "change-me",
    "example",
    "dbpass",
    "dbpassword",
    "db_password",
    "mypassword",
    "yourpassword",
    "your_password",
];

/// Drop URLs whose host is local, internal to a compose network or a
/// documentation domain, and passwords that are templates or say they are
/// placeholders; judge the rest as fixtures in test code.
pub fn review_url(case: &Case<'_>) -> Verdict {
    let Some(url) = Parts::of(case.matched()) else {
        return Verdict::Drop;
    };
    if is_local_or_example_host(url.host) || is_placeholder_password(url.password) {
        return Verdict::Drop;
    }
    review_fixture(case)
}

/// The parts of `scheme://user:password@host...` the judgement needs.
struct Parts<'a> {
    password: &'a str,
    host: &'a str,
}

impl<'a> Parts<'a> {
    fn of(url: &'a str) -> Option<Parts<'a>> {
        let rest = &url[url.find("://")? + 3..];
        let at = rest.rfind('@')?;
        let (_user, password) = rest[..at].split_once(':')?;
        let after = &rest[at + 1..];
        let host = match after.strip_prefix('[') {
            Some(v6) => &v6[..v6.find(']')?],
            None => after
                .split([':', '/', '?', '#', ',', ';'])
                .next()
                .unwrap_or(after),
        };
        Some(Parts { password, host })
    }
}

fn is_local_or_example_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    // A name without a dot resolves inside a compose or cluster network (or
    // is a template such as `HOST`).
    !host.contains('.')
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || host == "host.docker.internal"
        // Docker's default bridge: the host as seen from a container.
        || host == "172.17.0.1"
        || [
            "localhost",
            "example.com",
            "example.org",
            "example.net",
            "example",
            "test",
            "local",
            "localdomain",
            "invalid",
            "internal",
        ]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

fn is_placeholder_password(password: &str) -> bool {
    let lower = password.to_ascii_lowercase();
    let template = ['$', '<', '[', '{', '%', '*'];
    password.starts_with(template)
        || password.ends_with(['>', ']', '}'])
        || lower.bytes().all(|b| b == b'x' || b == b'.')
        || lower.contains("password")
        || lower.contains("your")
        || PLACEHOLDER_PASSWORDS.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let p = Parts::of("postgresql+asyncpg://app:Zr8q@db.prod.acme.io:5432/main").unwrap();
        assert_eq!((p.password, p.host), ("Zr8q", "db.prod.acme.io"));
        let p = Parts::of("redis://:Zr8q@[2001:db8::1]:6379").unwrap();
        assert_eq!((p.password, p.host), ("Zr8q", "2001:db8::1"));
        assert!(Parts::of("postgres://db.acme.io/main").is_none());
    }

    #[test]
    fn local_hosts_and_placeholder_passwords() {
        for host in [
            "db",
            "localhost",
            "127.0.0.1",
            "172.17.0.1",
            "api.localhost",
            "db.example.com",
            "pg.test",
        ] {
            assert!(is_local_or_example_host(host), "{host}");
        }
        for host in ["db.prod.acme.io", "abc.supabase.co", "cluster0.mongodb.net"] {
            assert!(!is_local_or_example_host(host), "{host}");
        }
        for pw in [
            "${DB_PASSWORD}",
            "<password>",
            "[YOUR-PASSWORD]",
            "xxxx",
            "my_db_password",
            "%(pw)s",
            "changeme",
        ] {
            assert!(is_placeholder_password(pw), "{pw}");
        }
        for pw in ["Tq7vN2kLp9xW", "preet665665", "guest", "postgres"] {
            assert!(!is_placeholder_password(pw), "{pw}");
        }
    }
}
