//! The requests of the tasks extension (`tasks/get`, `tasks/update`, `tasks/cancel`) on the
//! stateless wire; the tasks themselves live in the peer layer ([`Task`](crate::peer::Task)).

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::dispatch::Reply;
use super::stateless::refuse;
use super::ServerCore;
use crate::peer::TASKS_EXTENSION;
use crate::protocol::meta::{RequestMeta, StatelessError};
use crate::protocol::{Request, Response, RpcError};

/// Whether a request's client capabilities take tasks.
pub(crate) fn negotiated(meta: &RequestMeta) -> bool {
    meta.capabilities
        .get("extensions")
        .and_then(|e| e.get(TASKS_EXTENSION))
        .is_some_and(Value::is_object)
}

/// The refusal of a request that needs the extension the client did not declare.
pub(crate) fn missing_extension() -> StatelessError {
    StatelessError::MissingCapability(json!({ "extensions": { TASKS_EXTENSION: {} } }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskParams {
    task_id: String,
    #[serde(default)]
    input_responses: Option<Map<String, Value>>,
}

impl ServerCore {
    /// `tasks/get`, `tasks/update` and `tasks/cancel`, for clients that declared the extension.
    /// An unknown task id is `-32602`.
    pub(crate) fn tasks_request(&self, meta: &RequestMeta, request: Request) -> Reply {
        let id = request.id;
        if !negotiated(meta) {
            return refuse(id, &missing_extension());
        }
        let params: TaskParams = match crate::protocol::jsonrpc::parse_params(request.params) {
            Ok(params) => params,
            Err(e) => return refuse(id, &StatelessError::InvalidInput(e.message)),
        };
        let answer = |result: Result<Value, RpcError>| Reply::Now(Response::new(id, result));
        let Some(task) = self.stateless.tasks.get(&params.task_id) else {
            let mut error = RpcError::invalid_params(format!("Unknown task: {}", params.task_id));
            error.data = Some(json!({ "taskId": params.task_id }));
            return answer(Err(error));
        };
        let ack = json!({ "resultType": "complete" });
        answer(Ok(match request.method.as_str() {
            "tasks/get" => task.detailed(),
            "tasks/update" => {
                task.answer(params.input_responses.unwrap_or_default());
                ack
            }
            _ => {
                task.cancel();
                ack
            }
        }))
    }
}
