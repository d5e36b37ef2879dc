//! The stores behind an endpoint, in memory and behind a delay (as a networked store answers):
//! session records follow the session's life, a failing session store refuses `initialize`,
//! and a `requestState` sealed on one replica opens on another sharing the key ring, across
//! a key rotation.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use mcp_runtime::elicit::Elicitation;
use mcp_runtime::store::{
    InMemoryKeyRing, InMemorySessionStore, KeyRing, RequestStateKeys, SessionRecord, SessionStore,
};
use mcp_runtime::{mcp_tool, Ctx, LoggingLevel, Server, ToolError};
use serde_json::json;
use tests::stores::{Delayed, Stores, Unavailable};
use tests::TestServer;

use super::stateless::{assert_error, modern};

macro_rules! against_both_stores {
    ($($name:ident),* $(,)?) => {
        mod in_memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Stores::InMemory).await
                }
            )*
        }
        mod delayed {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Stores::Delayed).await
                }
            )*
        }
    };
}

against_both_stores!(
    a_session_record_follows_the_session_from_initialize_to_delete,
    request_state_opens_on_another_replica_sharing_the_key_ring,
);

/// Ask for a name.
#[mcp_tool]
async fn ask_name(ctx: Ctx) -> Result<String, ToolError> {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    Ok(match ctx.elicit_schema("Name?", schema).await? {
        Elicitation::Accept(content) => {
            format!("hello {}", content["name"].as_str().unwrap_or("?"))
        }
        other => other.action().to_owned(),
    })
}

fn server() -> Server {
    Server::new("stores", "1").tool::<ask_name>()
}

/// What `check` says of `store`'s record of `id`, within a second (updates and removals are
/// not waited for by the request that causes them).
async fn eventually<F, Fut>(store: &dyn SessionStore, id: &str, check: F)
where
    F: Fn(Option<SessionRecord>) -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..100 {
        if check(store.load(id).await.unwrap()).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the record of {id} never got there: {:?}",
        store.load(id).await
    );
}

async fn a_session_record_follows_the_session_from_initialize_to_delete(stores: Stores) {
    let store: Arc<dyn SessionStore> = match stores {
        Stores::InMemory => Arc::new(InMemorySessionStore::new()),
        Stores::Delayed => Arc::new(Delayed::new(InMemorySessionStore::new())),
    };
    let server = TestServer::start(server().into_http().session_store(store.clone()));
    let id = server.session().await;
    // Stored before `initialize` was answered: no waiting here.
    let record = store.load(&id).await.unwrap().expect("a record");
    assert_eq!(record.id, id);
    assert_eq!(record.protocol_version, "2025-11-25");
    assert_eq!(record.client_info.name, "tests");
    assert_eq!(record.owner, None);
    assert_eq!(record.log_level, None);

    let set = server
        .rpc(&id, 2, "logging/setLevel", json!({"level": "warning"}))
        .await;
    assert!(set["result"].is_object(), "{set}");
    eventually(&*store, &id, |record| async move {
        record.is_some_and(|r| r.log_level == Some(LoggingLevel::Warning))
    })
    .await;

    let deleted = server
        .request(reqwest::Method::DELETE)
        .header("mcp-session-id", &id)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    eventually(&*store, &id, |record| async move { record.is_none() }).await;
}

#[tokio::test]
async fn a_session_store_that_is_down_refuses_initialize_with_503() {
    let server = TestServer::start(server().into_http().session_store(Arc::new(Unavailable)));
    let response = server
        .post(None)
        .json(&tests::initialize_request("tests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("mcp-session-id").is_none());
}

async fn request_state_opens_on_another_replica_sharing_the_key_ring(stores: Stores) {
    let keys = RequestStateKeys::new(b"the shared key of these replicas, 32+ bytes");
    let ring = Arc::new(InMemoryKeyRing::new(keys));
    let shared: Arc<dyn KeyRing> = match stores {
        Stores::InMemory => ring.clone(),
        Stores::Delayed => Arc::new(Delayed::new(SharedRing(ring.clone()))),
    };
    let replica =
        |ring: Arc<dyn KeyRing>| TestServer::start(server().request_state_keys(ring).into_http());
    let (a, b) = (replica(shared.clone()), replica(shared));
    let stranger = replica(stores.keys(RequestStateKeys::new(
        b"another deployment's key, 32+ bytes",
    )));
    let caps = json!({"elicitation": {}});

    let (status, answer) =
        modern(&a, "tools/call", json!({"name": "ask_name"}), caps.clone()).await;
    assert_eq!(status, 200);
    let round1 = &answer[0]["result"];
    assert_eq!(round1["resultType"], "input_required", "{round1}");
    let state = round1["requestState"].as_str().unwrap().to_owned();

    // The ring rotates between the rounds: what the old key sealed still opens.
    ring.rotate(b"the next shared key of these replicas, 32+");
    let retry = json!({
        "name": "ask_name",
        "inputResponses": {"elicitation-1": {"action": "accept", "content": {"name": "Ada"}}},
        "requestState": state,
    });
    let (status, answer) = modern(&b, "tools/call", retry.clone(), caps.clone()).await;
    assert_eq!(status, 200, "{answer:?}");
    assert_eq!(
        answer[0]["result"]["content"][0]["text"], "hello Ada",
        "{answer:?}"
    );

    // A replica with another ring cannot open it.
    let refused = modern(&stranger, "tools/call", retry, caps).await;
    let error = assert_error(&refused, 400, -32602, 9);
    assert!(
        error["message"].as_str().unwrap().contains("integrity"),
        "{error}"
    );
}

/// A ring shared by reference, so the test can rotate it behind a [`Delayed`].
struct SharedRing(Arc<InMemoryKeyRing>);

impl KeyRing for SharedRing {
    fn keys(
        &self,
    ) -> mcp_runtime::store::StoreFuture<
        'static,
        Result<RequestStateKeys, mcp_runtime::store::StoreError>,
    > {
        self.0.keys()
    }
}
