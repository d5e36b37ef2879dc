//! The tasks extension of the 2026 wire (`io.modelcontextprotocol/tasks`): a call of a tool
//! declared with `#[mcp_tool(task = "optional" | "required")]`, from a request whose client
//! capabilities name the extension, may be answered at once with a task (`resultType: "task"`)
//! while the tool goes on running. The client polls it with `tasks/get` (which inlines the
//! result once it is done), answers its questions with `tasks/update`, and stops it with
//! `tasks/cancel`.
//!
//! Tasks live in memory, shared by every worker of the process, for their `ttlMs` after their
//! last change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::protocol::RpcError;

/// The extension's id, under `capabilities.extensions`.
pub(crate) const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// How often clients are told to poll.
const POLL_INTERVAL_MS: u64 = 500;

/// The most tasks held at once; beyond it calls answer with their result instead.
const MAX_TASKS: usize = 10_000;

/// Every task of the process, by id.
pub(crate) struct TaskStore {
    tasks: Mutex<HashMap<String, Arc<Task>>>,
    /// How long a task stays readable after its last change.
    ttl: Duration,
}

impl Default for TaskStore {
    fn default() -> Self {
        TaskStore {
            tasks: Mutex::default(),
            ttl: Duration::from_secs(3600),
        }
    }
}

/// One task: a call running on after its request was answered.
pub(crate) struct Task {
    id: String,
    created: SystemTime,
    ttl: Duration,
    /// Cancels the call.
    cancel: CancellationToken,
    state: Mutex<TaskState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Working => "working",
            Status::InputRequired => "input_required",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// A question of the task's tool, waiting for `tasks/update`.
struct Waiting {
    request: Value,
    answer: oneshot::Sender<Value>,
}

struct TaskState {
    status: Status,
    updated: SystemTime,
    result: Option<Value>,
    error: Option<Value>,
    waiting: Vec<(String, Waiting)>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl TaskStore {
    /// A new working task for the call `cancel` stops, readable at once; `None`
    /// when the store is full.
    pub(crate) fn create(&self, cancel: CancellationToken) -> Option<Arc<Task>> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let now = SystemTime::now();
        let task = Arc::new(Task {
            id: id.clone(),
            created: now,
            ttl: self.ttl,
            cancel,
            state: Mutex::new(TaskState {
                status: Status::Working,
                updated: now,
                result: None,
                error: None,
                waiting: Vec::new(),
            }),
        });
        let mut tasks = lock(&self.tasks);
        tasks.retain(|_, t| !t.expired(now));
        if tasks.len() >= MAX_TASKS {
            return None;
        }
        tasks.insert(id, task.clone());
        Some(task)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Task>> {
        lock(&self.tasks)
            .get(id)
            .filter(|t| !t.expired(SystemTime::now()))
            .cloned()
    }
}

impl Task {
    fn expired(&self, now: SystemTime) -> bool {
        let state = lock(&self.state);
        state.status.is_terminal()
            && now
                .duration_since(state.updated)
                .is_ok_and(|age| age > self.ttl)
    }

    /// The fields every task message carries.
    fn fields(&self, state: &TaskState) -> Map<String, Value> {
        let ttl = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let mut fields = Map::new();
        fields.insert("taskId".into(), self.id.clone().into());
        fields.insert("status".into(), state.status.as_str().into());
        fields.insert("createdAt".into(), rfc3339(self.created).into());
        fields.insert("lastUpdatedAt".into(), rfc3339(state.updated).into());
        fields.insert("ttlMs".into(), ttl.into());
        fields.insert("pollIntervalMs".into(), POLL_INTERVAL_MS.into());
        fields
    }

    /// The `CreateTaskResult` answering the call that started the task.
    pub(crate) fn created(&self) -> Value {
        let mut result = self.fields(&lock(&self.state));
        result.insert("resultType".into(), "task".into());
        Value::Object(result)
    }

    /// The `tasks/get` result: the task, with its result, error or open questions.
    pub(crate) fn detailed(&self) -> Value {
        let state = lock(&self.state);
        let mut result = self.fields(&state);
        result.insert("resultType".into(), "complete".into());
        if let Some(value) = &state.result {
            result.insert("result".into(), value.clone());
        }
        if let Some(error) = &state.error {
            result.insert("error".into(), error.clone());
        }
        if state.status == Status::InputRequired {
            let requests: Map<String, Value> = state
                .waiting
                .iter()
                .map(|(key, w)| (key.clone(), w.request.clone()))
                .collect();
            result.insert("inputRequests".into(), Value::Object(requests));
        }
        Value::Object(result)
    }

    /// Parks a question of the tool until `tasks/update` answers it.
    pub(crate) fn ask(&self, key: String, method: &str, params: Value) -> oneshot::Receiver<Value> {
        let (answer, answered) = oneshot::channel();
        let mut state = lock(&self.state);
        if !state.status.is_terminal() {
            let request = json!({ "method": method, "params": params });
            state.waiting.retain(|(k, _)| *k != key);
            state.waiting.push((key, Waiting { request, answer }));
            state.status = Status::InputRequired;
            state.updated = SystemTime::now();
        }
        answered
    }

    /// Hands the client's answers to the questions they name; others are ignored.
    pub(crate) fn answer(&self, mut responses: Map<String, Value>) {
        let mut state = lock(&self.state);
        let waiting = std::mem::take(&mut state.waiting);
        for (key, question) in waiting {
            match responses.remove(&key) {
                Some(response) => {
                    let _ = question.answer.send(response);
                }
                None => state.waiting.push((key, question)),
            }
        }
        if state.status == Status::InputRequired && state.waiting.is_empty() {
            state.status = Status::Working;
        }
        state.updated = SystemTime::now();
    }

    /// Records the call's outcome: a result (a tool error too) completes the task, a protocol
    /// error fails it. A cancelled task stays cancelled.
    pub(crate) fn finish(&self, outcome: &Result<Value, RpcError>) {
        let mut state = lock(&self.state);
        if state.status.is_terminal() {
            return;
        }
        match outcome {
            Ok(result) => {
                let mut result = result.clone();
                if let Some(fields) = result.as_object_mut() {
                    fields.remove("resultType");
                }
                state.status = Status::Completed;
                state.result = Some(result);
            }
            Err(error) => {
                state.status = Status::Failed;
                state.error = Some(serde_json::to_value(error).expect("errors serialize"));
            }
        }
        state.waiting.clear();
        state.updated = SystemTime::now();
    }

    /// Stops the task's call, unless it is over already.
    pub(crate) fn cancel(&self) {
        {
            let mut state = lock(&self.state);
            if state.status.is_terminal() {
                return;
            }
            state.status = Status::Cancelled;
            state.waiting.clear();
            state.updated = SystemTime::now();
        }
        self.cancel.cancel();
    }
}

/// `2026-07-28T12:34:56.789Z`.
fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_millis(951_782_400_250); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.250Z");
        let later = UNIX_EPOCH + Duration::from_secs(1_785_240_000); // 2026-07-28T12:00:00Z
        assert_eq!(rfc3339(later), "2026-07-28T12:00:00.000Z");
    }
}
