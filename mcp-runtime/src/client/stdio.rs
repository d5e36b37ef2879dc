//! The stdio transport, client side: the server is a child process speaking newline-delimited
//! JSON-RPC on its stdin and stdout; its stderr is passed through to ours.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Mutex;

use super::error::ClientError;
use crate::protocol::Message;

/// How long a child gets to exit on its own after its stdin is closed, before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// The writing half and the process itself.
#[derive(Debug)]
pub(crate) struct StdioTransport {
    stdin: Mutex<Option<ChildStdin>>,
    child: Mutex<Child>,
}

/// The reading half: the child's stdout, one message a line.
#[derive(Debug)]
pub(crate) struct StdioReader {
    stdout: BufReader<ChildStdout>,
    max_line_bytes: usize,
}

impl StdioTransport {
    /// Spawns `command` with piped stdin and stdout and inherited stderr; the child is killed
    /// when the transport is dropped.
    pub(crate) fn spawn(
        mut command: Command,
        max_line_bytes: usize,
    ) -> Result<(StdioTransport, StdioReader), ClientError> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let program = command
            .as_std()
            .get_program()
            .to_string_lossy()
            .into_owned();
        let mut child = command.spawn().map_err(|e| ClientError::Transport {
            message: format!("could not start {program:?}: {e}"),
            source: Some(Box::new(e)),
        })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(ClientError::protocol(
                "the child process has no stdin or stdout pipe",
            ));
        };
        Ok((
            StdioTransport {
                stdin: Mutex::new(Some(stdin)),
                child: Mutex::new(child),
            },
            StdioReader {
                stdout: BufReader::new(stdout),
                max_line_bytes,
            },
        ))
    }

    /// Writes one message and its newline.
    pub(crate) async fn send(&self, body: &[u8]) -> Result<(), ClientError> {
        let mut stdin = self.stdin.lock().await;
        let Some(pipe) = stdin.as_mut() else {
            return Err(ClientError::Closed(
                "the client closed the connection".into(),
            ));
        };
        let written = async {
            pipe.write_all(body).await?;
            pipe.write_all(b"\n").await?;
            pipe.flush().await
        };
        written.await.map_err(|e| ClientError::Transport {
            message: format!("could not write to the server's stdin: {e}"),
            source: Some(Box::new(e)),
        })
    }

    /// How the child ended, once its stdout closed: waits a moment for it to exit.
    pub(crate) async fn exit_status(&self) -> Option<String> {
        let mut child = self.child.lock().await;
        match tokio::time::timeout(EXIT_GRACE, child.wait()).await {
            Ok(Ok(status)) => Some(status.to_string()),
            Ok(Err(_)) => Some("unknown".into()),
            Err(_) => None,
        }
    }

    /// Closes stdin, gives the child [`EXIT_GRACE`] to exit, then kills it.
    pub(crate) async fn close(&self) {
        drop(self.stdin.lock().await.take());
        let mut child = self.child.lock().await;
        if tokio::time::timeout(EXIT_GRACE, child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

impl StdioReader {
    /// The next message; `None` at the end of the child's stdout. Blank lines are skipped.
    pub(crate) async fn next(&mut self) -> Option<Result<Message, ClientError>> {
        let mut line = Vec::new();
        loop {
            line.clear();
            let limit = self.max_line_bytes as u64 + 1;
            match (&mut self.stdout)
                .take(limit)
                .read_until(b'\n', &mut line)
                .await
            {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(ClientError::transport(e))),
            }
            if line.last() != Some(&b'\n') && line.len() as u64 == limit {
                return Some(Err(ClientError::protocol(format!(
                    "a line from the server exceeds {} bytes",
                    self.max_line_bytes
                ))));
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Message::from_slice(&line).map_err(ClientError::from));
        }
    }
}
