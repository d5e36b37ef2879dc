//! Streamable HTTP transport on actix-web.
