//! DNS-rebinding protection: which `Host` and `Origin` values the endpoint answers.

use actix_web::http::header;
use actix_web::HttpRequest;

use super::error::HttpError;

/// An allow-list for `Host` or `Origin`.
#[derive(Debug, Clone)]
pub(crate) enum AllowList {
    /// `localhost`, `127.0.0.1` and `[::1]`, on any port: the default, safe for local servers.
    Loopback,
    /// These values only (lower-cased). A host entry without a port matches any port.
    Only(Vec<String>),
    /// Anything (a proxy in front checks it).
    Any,
}

/// The `Host` / `Origin` policy of one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct OriginPolicy {
    pub(crate) hosts: AllowList,
    pub(crate) origins: AllowList,
}

impl Default for OriginPolicy {
    fn default() -> Self {
        OriginPolicy {
            hosts: AllowList::Loopback,
            origins: AllowList::Loopback,
        }
    }
}

fn is_loopback_name(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1")
}

/// Splits `host[:port]` (with `[v6]` literals) into the host name, lower-cased.
fn host_name(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => authority[..=end].to_owned(),
            None => authority,
        };
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name.to_owned(),
        _ => authority,
    }
}

impl OriginPolicy {
    /// `Ok` when both headers are acceptable; a missing `Origin` is fine (not a browser).
    pub(crate) fn check(&self, req: &HttpRequest) -> Result<(), HttpError> {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| req.uri().authority().map(|a| a.to_string()));
        if let Some(host) = host {
            if !self.host_allowed(&host) {
                return Err(HttpError::Forbidden(format!(
                    "Host {host:?} is not allowed"
                )));
            }
        }
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            if !self.origin_allowed(origin) {
                return Err(HttpError::Forbidden(format!(
                    "Origin {origin:?} is not allowed"
                )));
            }
        }
        Ok(())
    }

    fn host_allowed(&self, authority: &str) -> bool {
        match &self.hosts {
            AllowList::Any => true,
            AllowList::Loopback => is_loopback_name(&host_name(authority)),
            AllowList::Only(list) => {
                let full = authority.trim().to_ascii_lowercase();
                let name = host_name(authority);
                list.iter()
                    .any(|allowed| *allowed == full || *allowed == name)
            }
        }
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim().to_ascii_lowercase();
        match &self.origins {
            AllowList::Any => true,
            AllowList::Only(list) => list.contains(&origin),
            AllowList::Loopback => match origin.split_once("://") {
                Some(("http" | "https", rest)) => {
                    is_loopback_name(&host_name(rest.trim_end_matches('/')))
                }
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_policy() {
        let p = OriginPolicy::default();
        for ok in [
            "localhost",
            "localhost:8000",
            "127.0.0.1:1",
            "[::1]:9",
            "LOCALHOST",
        ] {
            assert!(p.host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example.com",
            "evil.example.com:80",
            "127.0.0.1.evil.com",
            "[::2]:1",
        ] {
            assert!(!p.host_allowed(bad), "{bad}");
        }
        assert!(p.origin_allowed("http://localhost:3000"));
        assert!(p.origin_allowed("https://127.0.0.1"));
        assert!(!p.origin_allowed("http://evil.example.com"));
        assert!(!p.origin_allowed("null"));
        assert!(!p.origin_allowed("file://localhost"));
    }

    #[test]
    fn explicit_lists() {
        let p = OriginPolicy {
            hosts: AllowList::Only(vec![
                "mcp.example.com".into(),
                "api.example.com:8443".into(),
            ]),
            origins: AllowList::Only(vec!["https://app.example.com".into()]),
        };
        assert!(p.host_allowed("mcp.example.com:443"));
        assert!(p.host_allowed("api.example.com:8443"));
        assert!(!p.host_allowed("api.example.com:9000"));
        assert!(!p.host_allowed("localhost"));
        assert!(p.origin_allowed("https://app.example.com"));
        assert!(!p.origin_allowed("https://app.example.com.evil"));
    }
}
