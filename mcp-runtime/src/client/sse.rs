//! An incremental `text/event-stream` parser (the WHATWG "event stream interpretation"),
//! independent of any HTTP library: feed it bytes as they arrive, take events as soon as they
//! are complete.

use std::collections::VecDeque;

/// One dispatched server-sent event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` type; `"message"` when the event did not name one.
    pub event: String,
    /// The `data:` lines, joined with `\n`. Empty for an event whose `data:` lines are empty
    /// (an MCP priming event: `id: 1` `data:`); events with no `data:` line at all are not
    /// dispatched.
    pub data: String,
    /// The last event id seen on the stream when this event was dispatched, if any.
    pub id: Option<String>,
}

/// The stream broke a limit the parser enforces against hostile servers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a server-sent event exceeds {limit} bytes")]
pub struct SseTooLarge {
    /// The limit that was exceeded.
    pub limit: usize,
}

/// Turns chunks of an event stream into [`SseEvent`]s, whatever the chunk boundaries.
///
/// Handles `\n`, `\r\n` and `\r` line ends (also split across chunks), a leading BOM,
/// comments (`: keep-alive`), `retry:`, `id:` (remembered across events, as the last event id),
/// multi-line `data:`, and events without any `data:` line, which only update the last event
/// id and are not dispatched.
///
/// ```
/// use mcp_runtime::client::SseParser;
///
/// let mut parser = SseParser::new(1 << 20);
/// parser.feed(b"id: 1\nretry: 500\ndata: \n\n: keep-alive\n\nevent: message\nda").unwrap();
/// assert_eq!(parser.next_event().unwrap().data, ""); // the priming event
/// assert!(parser.next_event().is_none()); // nothing else complete yet
/// assert_eq!(parser.last_event_id(), Some("1"));
/// assert_eq!(parser.retry_ms(), Some(500));
/// parser.feed(b"ta: {\"a\":1}\n\n").unwrap();
/// let event = parser.next_event().unwrap();
/// assert_eq!((event.event.as_str(), event.data.as_str()), ("message", "{\"a\":1}"));
/// ```
#[derive(Debug)]
pub struct SseParser {
    /// Bytes of the current, incomplete line.
    line: Vec<u8>,
    /// The last chunk ended with `\r`: a `\n` starting the next chunk belongs to that line end.
    after_cr: bool,
    /// Still at the very start of the stream (a BOM may follow).
    at_start: bool,
    data: String,
    event: String,
    last_id: Option<String>,
    retry_ms: Option<u64>,
    ready: VecDeque<SseEvent>,
    max_event_bytes: usize,
}

impl SseParser {
    /// A parser that refuses events (and lines) larger than `max_event_bytes`.
    ///
    /// ```
    /// let parser = mcp_runtime::client::SseParser::new(16 * 1024 * 1024);
    /// assert_eq!(parser.last_event_id(), None);
    /// ```
    pub fn new(max_event_bytes: usize) -> SseParser {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            data: String::new(),
            event: String::new(),
            last_id: None,
            retry_ms: None,
            ready: VecDeque::new(),
            max_event_bytes,
        }
    }

    /// Consumes a chunk; complete events become available from [`next_event`](Self::next_event).
    ///
    /// ```
    /// let mut parser = mcp_runtime::client::SseParser::new(1024);
    /// for byte in b"data: a\r\ndata: b\r\n\r\n" {
    ///     parser.feed(&[*byte]).unwrap();
    /// }
    /// assert_eq!(parser.next_event().unwrap().data, "a\nb");
    /// ```
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), SseTooLarge> {
        if self.at_start {
            // The BOM may itself arrive split; wait until three bytes (or a mismatch) are seen.
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let seen = self.line.len();
            let take = chunk.len().min(BOM.len() - seen);
            self.line.extend_from_slice(&chunk[..take]);
            if BOM.starts_with(&self.line) {
                chunk = &chunk[take..];
                if self.line.len() < BOM.len() {
                    return Ok(());
                }
                self.line.clear();
            } else {
                // Not a BOM: what was held back is ordinary input.
                let held = std::mem::take(&mut self.line);
                self.at_start = false;
                self.feed_lines(&held)?;
                return self.feed_lines(&chunk[take..]);
            }
            self.at_start = false;
        }
        self.feed_lines(chunk)
    }

    fn feed_lines(&mut self, mut chunk: &[u8]) -> Result<(), SseTooLarge> {
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
        }
        while let Some(end) = chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            let line_end = chunk[end];
            if self.line.is_empty() {
                self.process_line(&chunk[..end])?;
            } else {
                self.check_size(end)?;
                self.line.extend_from_slice(&chunk[..end]);
                let line = std::mem::take(&mut self.line);
                self.process_line(&line)?;
                self.line = line;
                self.line.clear();
            }
            chunk = &chunk[end + 1..];
            if line_end == b'\r' {
                match chunk.first() {
                    Some(b'\n') => chunk = &chunk[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.check_size(chunk.len())?;
        self.line.extend_from_slice(chunk);
        Ok(())
    }

    fn check_size(&self, more: usize) -> Result<(), SseTooLarge> {
        if self.line.len() + more + self.data.len() > self.max_event_bytes {
            Err(SseTooLarge {
                limit: self.max_event_bytes,
            })
        } else {
            Ok(())
        }
    }

    fn process_line(&mut self, line: &[u8]) -> Result<(), SseTooLarge> {
        if line.is_empty() {
            self.dispatch();
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(()); // a comment
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.data.len() + value.len() + 1 > self.max_event_bytes {
                    return Err(SseTooLarge {
                        limit: self.max_event_bytes,
                    });
                }
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
            }
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            b"id" if !value.contains(&0) => {
                self.last_id = Some(String::from_utf8_lossy(value).into_owned());
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry_ms = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
            }
            _ => {} // unknown fields are ignored
        }
        Ok(())
    }

    fn dispatch(&mut self) {
        let event = std::mem::take(&mut self.event);
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the trailing '\n'
        let event = if event.is_empty() {
            "message".to_owned()
        } else {
            event
        };
        self.ready.push_back(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        });
    }

    /// The next complete event, in stream order.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        self.ready.pop_front()
    }

    /// The last `id:` seen (the value to send as `Last-Event-ID` when resuming).
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// The last valid `retry:` value, in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Whether bytes of an unfinished event are pending (the stream ended mid-event if it
    /// ends now).
    pub fn has_partial_event(&self) -> bool {
        !self.line.is_empty() || !self.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]]) -> (Vec<SseEvent>, SseParser) {
        let mut parser = SseParser::new(1 << 20);
        let mut events = Vec::new();
        for chunk in chunks {
            parser.feed(chunk).unwrap();
            while let Some(e) = parser.next_event() {
                events.push(e);
            }
        }
        (events, parser)
    }

    fn ev(event: &str, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    /// A stream shaped like our server's answer to a tool call, with every feature in it.
    const STREAM: &[u8] = b"\xEF\xBB\xBFid: 7-0\nretry: 1000\ndata: \n\n\
        : keep-alive\n\n\
        id: 7-1\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"a\"}\n\n\
        id: 7-2\r\nevent: message\r\ndata: first\r\ndata:second\r\n\r\n\
        data\rdata: x\r\rid: 7-3\nevent: message\ndata: {\"result\":\"\xC3\xA9\"}\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            ev("message", "", Some("7-0")),
            ev(
                "message",
                "{\"jsonrpc\":\"2.0\",\"method\":\"a\"}",
                Some("7-1"),
            ),
            ev("message", "first\nsecond", Some("7-2")),
            ev("message", "\nx", Some("7-2")),
            ev("message", "{\"result\":\"é\"}", Some("7-3")),
        ]
    }

    #[test]
    fn parses_a_whole_stream() {
        let (events, parser) = parse_all(&[STREAM]);
        assert_eq!(events, expected());
        assert_eq!(parser.last_event_id(), Some("7-3"));
        assert_eq!(parser.retry_ms(), Some(1000));
        assert!(!parser.has_partial_event());
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        for a in 0..=STREAM.len() {
            let (events, _) = parse_all(&[&STREAM[..a], &STREAM[a..]]);
            assert_eq!(events, expected(), "split at {a}");
        }
        for a in (0..=STREAM.len()).step_by(3) {
            for b in a..=STREAM.len() {
                let (events, _) = parse_all(&[&STREAM[..a], &STREAM[a..b], &STREAM[b..]]);
                assert_eq!(events, expected(), "split at {a}, {b}");
            }
        }
        let bytes: Vec<&[u8]> = STREAM.chunks(1).collect();
        assert_eq!(parse_all(&bytes).0, expected());
    }

    #[test]
    fn events_are_available_as_soon_as_they_are_complete() {
        let mut parser = SseParser::new(1024);
        parser.feed(b"data: one\n").unwrap();
        assert!(parser.next_event().is_none());
        assert!(parser.has_partial_event());
        parser.feed(b"\ndata: tw").unwrap();
        assert_eq!(parser.next_event().unwrap().data, "one");
        assert!(parser.next_event().is_none());
    }

    #[test]
    fn priming_events_have_empty_data_and_set_the_id_and_retry() {
        let (events, parser) = parse_all(&[b"id: abc\nretry: 250\ndata:\n\n"]);
        assert_eq!(events, vec![ev("message", "", Some("abc"))]);
        // Without a data line, nothing is dispatched, but the id is kept.
        let (events, parser2) = parse_all(&[b"id: def\n\n"]);
        assert!(events.is_empty());
        assert_eq!(parser2.last_event_id(), Some("def"));
        assert_eq!(parser.last_event_id(), Some("abc"));
        assert_eq!(parser.retry_ms(), Some(250));
    }

    #[test]
    fn odd_fields_follow_the_spec() {
        let (events, parser) = parse_all(&[
            b"retry: 12x\nid: a\0b\nfoo: bar\ndata:  two spaces\nevent: ping\n\ndata: plain\n\n",
        ]);
        assert_eq!(
            events,
            vec![
                ev("ping", " two spaces", None),
                ev("message", "plain", None)
            ]
        );
        assert_eq!(parser.retry_ms(), None);
    }

    #[test]
    fn a_non_bom_start_is_not_lost() {
        // A lone 0xEF is not a BOM: it stays part of the first line (an unknown field here).
        let (events, _) = parse_all(&[b"\xEF", b"data: x\n\ndata: y\n\n"]);
        assert_eq!(events, vec![ev("message", "y", None)]);
        let (events, _) = parse_all(&[b"da", b"ta: x\n\n"]);
        assert_eq!(events, vec![ev("message", "x", None)]);
        let (events, _) = parse_all(&[b"\xEF\xBB", b"\xBFdata: y\n\n"]);
        assert_eq!(events, vec![ev("message", "y", None)]);
    }

    #[test]
    fn oversized_events_are_refused() {
        let mut parser = SseParser::new(16);
        assert!(parser.feed(b"data: 0123456789\n").is_ok());
        assert_eq!(
            parser.feed(b"data: 0123456789\n"),
            Err(SseTooLarge { limit: 16 })
        );
        let mut parser = SseParser::new(16);
        assert!(parser.feed(&[b'x'; 17]).is_err());
    }
}
