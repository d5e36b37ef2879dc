//! Property tests of the JSON-RPC decoder, the first code untrusted bytes reach: it never
//! panics, every failure maps to -32700 or -32600, and what it accepts round-trips.

use mcp_runtime::protocol::{ErrorCode, Message, RequestId};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Arbitrary JSON, biased towards the shapes a JSON-RPC message has.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("2.0".to_owned()),
            Just("tools/call".to_owned()),
            ".{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("jsonrpc".to_owned()),
                        Just("id".to_owned()),
                        Just("method".to_owned()),
                        Just("params".to_owned()),
                        Just("result".to_owned()),
                        Just("error".to_owned()),
                        "[a-z]{1,6}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn assert_classified(result: Result<Message, mcp_runtime::protocol::DecodeError>) {
    if let Err(error) = result {
        let code = error.to_rpc_error().code;
        assert!(
            code == ErrorCode::PARSE_ERROR || code == ErrorCode::INVALID_REQUEST,
            "{error}"
        );
        assert!(!error.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        assert_classified(Message::from_slice(&bytes));
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        assert_classified(Message::from_slice(&bytes));
    }

    #[test]
    fn mutated_valid_messages_never_panic(
        cut in 0usize..120,
        flip in 0usize..120,
        byte in any::<u8>(),
    ) {
        let mut bytes = br#"{"jsonrpc":"2.0","id":"abc","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":[2,{"c":null}]}}}"#.to_vec();
        if flip < bytes.len() {
            bytes[flip] = byte;
        }
        bytes.truncate(cut.min(bytes.len()));
        assert_classified(Message::from_slice(&bytes));
    }

    #[test]
    fn requests_round_trip(id in any::<i64>(), method in "[a-z/]{1,20}", n in any::<i64>()) {
        let wire = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": {"n": n}});
        let Message::Request(request) = Message::from_slice(wire.to_string().as_bytes()).unwrap() else {
            panic!("a request");
        };
        prop_assert_eq!(request.id, RequestId::Number(id));
        prop_assert_eq!(request.method, method);
        prop_assert_eq!(request.params, Some(json!({"n": n})));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [200, 100_000] {
        let mut bytes = Vec::new();
        bytes.extend(std::iter::repeat_n(b'[', depth));
        bytes.extend(std::iter::repeat_n(b']', depth));
        let error = Message::from_slice(&bytes).unwrap_err();
        assert_eq!(error.to_rpc_error().code, ErrorCode::PARSE_ERROR);

        let mut object = br#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":"#.to_vec();
        object.extend(std::iter::repeat_n(b'[', depth));
        object.extend(std::iter::repeat_n(b']', depth));
        object.extend(b"}}");
        assert_classified(Message::from_slice(&object));
    }
}

#[test]
fn huge_strings_and_numbers_are_handled() {
    let long = format!(
        r#"{{"jsonrpc":"2.0","id":"{}","method":"ping"}}"#,
        "x".repeat(1 << 20)
    );
    assert!(matches!(
        Message::from_slice(long.as_bytes()),
        Ok(Message::Request(_))
    ));
    let big = r#"{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}"#;
    assert_classified(Message::from_slice(big.as_bytes()));
    let float = r#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#;
    assert_classified(Message::from_slice(float.as_bytes()));
}
