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
    ["localhost", "127.0.0.1", "[::1]", "::1"]
        .iter()
        .any(|name| name.eq_ignore_ascii_case(host))
}

/// The host name of `host[:port]` (keeping the brackets of a `[v6]` literal). Checks run on
/// every request, so nothing here allocates; comparisons ignore ASCII case.
fn host_name(authority: &str) -> &str {
    let authority = authority.trim();
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        };
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    }
}

impl OriginPolicy {
    /// `Ok` when both headers are acceptable; a missing `Origin` is fine (not a browser).
    ///
    /// Every place a request can name its host is checked: the `Host` header, and the authority
    /// of the request target (HTTP/2's `:authority`, or an HTTP/1 absolute-form request line,
    /// which RFC 9112 says takes precedence over `Host`). A request naming none gets 400 unless
    /// any host is allowed. A repeated `Origin` is refused: a check of the first would let the
    /// second through.
    pub(crate) fn check(&self, req: &HttpRequest) -> Result<(), HttpError> {
        let target = req.uri().authority().map(|a| a.as_str());
        let mut named = false;
        for value in req.headers().get_all(header::HOST) {
            named = true;
            match value.to_str() {
                Ok(host) if self.host_allowed(host) => {}
                Ok(host) => {
                    return Err(HttpError::Forbidden(format!(
                        "Host {host:?} is not allowed"
                    )))
                }
                Err(_) => {
                    return Err(HttpError::Forbidden(
                        "Host \"(unreadable)\" is not allowed".into(),
                    ))
                }
            }
        }
        if let Some(target) = target {
            named = true;
            if !self.host_allowed(target) {
                return Err(HttpError::Forbidden(format!(
                    "the request target names host {target:?}, which is not allowed"
                )));
            }
        }
        if !named && !matches!(self.hosts, AllowList::Any) {
            return Err(HttpError::MissingHost);
        }
        let mut origins = req.headers().get_all(header::ORIGIN);
        if let Some(origin) = origins.next() {
            if origins.next().is_some() {
                return Err(HttpError::Forbidden(
                    "more than one Origin header; a browser sends one".into(),
                ));
            }
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
            AllowList::Loopback => is_loopback_name(host_name(authority)),
            AllowList::Only(list) => {
                let full = authority.trim();
                let name = host_name(authority);
                list.iter().any(|allowed| {
                    allowed.eq_ignore_ascii_case(full) || allowed.eq_ignore_ascii_case(name)
                })
            }
        }
    }

    pub(crate) fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim();
        match &self.origins {
            AllowList::Any => true,
            AllowList::Only(list) => list
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin)),
            AllowList::Loopback => match origin.split_once("://") {
                Some((scheme, rest))
                    if scheme.eq_ignore_ascii_case("http")
                        || scheme.eq_ignore_ascii_case("https") =>
                {
                    is_loopback_name(host_name(rest.trim_end_matches('/')))
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
