use std::fmt;

/// A dated MCP protocol revision this runtime can speak.
///
/// The 2025 era (`2025-03-26` .. `2025-11-25`, and `2024-11-05`) uses an `initialize`
/// handshake and sessions. The 2026 era (`2026-07-28`) is stateless: every request names its
/// revision in `_meta`, and no session exists ([`ProtocolVersion::STATELESS`]).
///
/// ```
/// use mcp_runtime::protocol::ProtocolVersion;
/// assert_eq!(ProtocolVersion::negotiate("2025-06-18"), ProtocolVersion::V2025_06_18);
/// assert_eq!(ProtocolVersion::negotiate("1999-01-01"), ProtocolVersion::LATEST);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// 2024-11-05 (HTTP+SSE era).
    V2024_11_05,
    /// 2025-03-26 (Streamable HTTP, batching).
    V2025_03_26,
    /// 2025-06-18 (structured output, elicitation, protocol-version header).
    V2025_06_18,
    /// 2025-11-25 (priming events, tool-error input validation).
    V2025_11_25,
    /// 2026-07-28 (stateless: per-request `_meta`, `server/discover`, multi-round-trip input).
    V2026_07_28,
}

impl ProtocolVersion {
    /// The newest session-era revision; the answer to a client asking for one we do not know.
    pub const LATEST: ProtocolVersion = ProtocolVersion::V2025_11_25;

    /// The stateless revisions, served without `initialize` on the same endpoint.
    ///
    /// ```
    /// use mcp_runtime::protocol::ProtocolVersion;
    /// assert_eq!(ProtocolVersion::parse_stateless("2026-07-28"), Some(ProtocolVersion::V2026_07_28));
    /// assert_eq!(ProtocolVersion::parse_stateless("2025-11-25"), None);
    /// ```
    pub const STATELESS: [ProtocolVersion; 1] = [ProtocolVersion::V2026_07_28];

    /// Every session-era revision served (the ones `initialize` negotiates), oldest first.
    pub const ALL: [ProtocolVersion; 4] = [
        ProtocolVersion::V2024_11_05,
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
    ];

    /// The wire spelling, e.g. `"2025-11-25"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2024_11_05 => "2024-11-05",
            ProtocolVersion::V2025_03_26 => "2025-03-26",
            ProtocolVersion::V2025_06_18 => "2025-06-18",
            ProtocolVersion::V2025_11_25 => "2025-11-25",
            ProtocolVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// Parses a wire spelling; `None` for a revision this runtime does not serve.
    pub fn parse(s: &str) -> Option<ProtocolVersion> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Parses a stateless revision's wire spelling; `None` for anything else.
    pub fn parse_stateless(s: &str) -> Option<ProtocolVersion> {
        Self::STATELESS.into_iter().find(|v| v.as_str() == s)
    }

    /// The answer to `initialize`: the client's revision when served, else [`Self::LATEST`]
    /// (the spec asks servers to answer with a version they support rather than fail).
    pub fn negotiate(requested: &str) -> ProtocolVersion {
        Self::parse(requested).unwrap_or(Self::LATEST)
    }

    /// Whether SSE streams for this revision start with a priming event (SEP-1699, 2025-11-25).
    /// Older clients may choke on an event with empty data.
    pub fn primes_streams(self) -> bool {
        self >= ProtocolVersion::V2025_11_25
    }

    /// Whether `notifications/progress` may carry a `message` (added in 2025-03-26).
    pub fn progress_has_message(self) -> bool {
        self >= ProtocolVersion::V2025_03_26
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_served_revision_and_nothing_else() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::parse(v.as_str()), Some(v));
        }
        assert_eq!(ProtocolVersion::parse("2025-11-26"), None);
        assert_eq!(ProtocolVersion::parse(""), None);
    }

    #[test]
    fn negotiation_echoes_known_and_falls_back_to_latest() {
        assert_eq!(
            ProtocolVersion::negotiate("2025-03-26"),
            ProtocolVersion::V2025_03_26
        );
        assert_eq!(
            ProtocolVersion::negotiate("2099-01-01"),
            ProtocolVersion::LATEST
        );
    }
}
