//! Classic HTTP streaming next to MCP, in one actix-web `App`: `GET /stream` is a plain
//! server-sent event stream (a counter every 200 ms, for any browser or `curl -N`), and `/mcp`
//! is the MCP endpoint (the example tools), mounted with `StreamableHttp::configure`.
//!
//! ```text
//! cargo run -p examples --example classic_stream -- --bind 127.0.0.1:8000
//! curl -N http://127.0.0.1:8000/stream                      # data: 1, data: 2, ... until 10
//! cargo run -p examples --example client -- http://127.0.0.1:8000/mcp process_files \
//!     '{"items":["a.pdf","b.pdf"],"delay_ms":300}'
//! ```
//!
//! The difference: `/stream` is one response per request that you design yourself (any event
//! names, any payload, no protocol around it). MCP notifications (`notifications/message`,
//! `notifications/progress`) travel on the SSE response of the tool call that caused them,
//! as JSON-RPC messages any MCP client understands, and end with that call's result.

use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use bytes::Bytes;
use futures_util::stream;

/// How many counter events `/stream` sends before it ends.
const COUNT: u32 = 10;

/// `GET /stream`: `data: 1` .. `data: 10`, 200 ms apart, then the stream ends.
async fn counter() -> HttpResponse {
    let events = stream::unfold(1u32, |n| async move {
        if n > COUNT {
            return None;
        }
        if n > 1 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let event = Bytes::from(format!("event: tick\ndata: {n}\n\n"));
        Some((Ok::<_, actix_web::Error>(event), n + 1))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(events)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mcp = examples::tools::server().into_http();
    let addr = examples::bind_addr();
    eprintln!("classic stream at http://{addr}/stream, MCP at http://{addr}/mcp");
    HttpServer::new(move || {
        App::new()
            .route("/stream", web::get().to(counter))
            .configure(|cfg| mcp.configure(cfg))
    })
    .bind(addr)?
    .run()
    .await
}
