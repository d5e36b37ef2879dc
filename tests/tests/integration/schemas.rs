//! Snapshot tests of the `tools/list` entries `#[mcp_tool]` produces, plus direct checks of
//! the schema rules clients depend on.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p tests --test integration -- schemas::` rewrites `tests/snapshots/*.json`;
//! review the diff before committing.

use std::collections::HashMap;
use std::path::PathBuf;

use mcp_runtime::{mcp_tool, tool::Tool, Json, JsonSchema, Server};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Check that the server is alive.
#[mcp_tool(annotations(read_only_hint = true))]
async fn ping() -> &'static str {
    "pong"
}

/// Add two numbers.
///
/// Returns their sum as text.
#[mcp_tool(title = "Adder")]
async fn add(
    /// The first addend.
    a: i64,
    /// The second addend,
    /// which may have a fraction.
    b: f64,
    /// Round the result.
    round: bool,
    label: String,
) -> String {
    format!(
        "{label}{}",
        if round {
            (a as f64 + b).round()
        } else {
            a as f64 + b
        }
    )
}

fn default_sort() -> Vec<String> {
    vec!["relevance".into()]
}

/// Search the catalogue.
#[mcp_tool]
async fn search(
    /// What to look for.
    query: String,
    /// Restrict to one category.
    category: Option<String>,
    /// How many results.
    #[mcp(default = 10)]
    limit: u32,
    /// Include archived items.
    #[mcp(default)]
    archived: bool,
    page: Option<u32>,
    /// Sort keys.
    #[mcp(default = default_sort())]
    sort: Vec<String>,
) -> String {
    format!("{query} {category:?} {limit} {archived} {page:?} {sort:?}")
}

/// Count words per bucket.
#[mcp_tool]
async fn tally(
    /// The words.
    items: Vec<String>,
    /// Starting counts.
    counts: HashMap<String, u32>,
    weights: Option<Vec<f64>>,
) -> usize {
    items.len() + counts.len() + weights.map_or(0, |w| w.len())
}

/// A postal address.
#[derive(Deserialize, JsonSchema)]
struct Address {
    /// Street and number.
    street: String,
    /// Postal code, when known.
    zip: Option<String>,
}

/// What a person may do.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Role {
    Admin,
    Member,
}

/// A person to register.
#[derive(Deserialize, JsonSchema)]
struct Person {
    name: String,
    address: Address,
    role: Role,
    nickname: Option<String>,
    previous: Option<Address>,
}

/// Register a person.
#[mcp_tool(name = "people.register")]
async fn register(
    /// Who to register.
    person: Person,
    /// Overrides the person's role.
    role: Option<Role>,
) -> String {
    let _ = (
        &person.name,
        &person.address.street,
        &person.address.zip,
        &person.role,
    );
    let _ = (&person.nickname, &person.previous, role);
    "ok".into()
}

/// A sum, structured.
#[derive(Serialize, JsonSchema)]
struct Sum {
    /// The total.
    total: i64,
    /// The parts' average, if there were any.
    mean: Option<f64>,
}

/// Sum numbers, structured.
#[mcp_tool]
async fn sum(values: Vec<i64>) -> Json<Sum> {
    let total = values.iter().sum();
    Json(Sum { total, mean: None })
}

/// Sum numbers, maybe.
#[mcp_tool]
async fn try_sum(values: Vec<i64>) -> Result<Json<Sum>, String> {
    let total = values.iter().sum();
    Ok(Json(Sum { total, mean: None }))
}

/// Double every number.
#[mcp_tool]
async fn doubled(values: Vec<i64>) -> Json<Vec<i64>> {
    Json(values.into_iter().map(|v| v * 2).collect())
}

fn definition<T: Tool>() -> Value {
    let server = Server::new("schemas", "1").tool::<T>();
    server.tool_definitions().next().expect("one tool")
}

/// Compares `value` with `snapshots/<name>.json`, or rewrites it with `UPDATE_SNAPSHOTS=1`.
fn assert_snapshot(name: &str, value: &Value) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "snapshots",
        &format!("{name}.json"),
    ]
    .iter()
    .collect();
    let actual = serde_json::to_string_pretty(value).expect("serializes") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "snapshot {name} differs (UPDATE_SNAPSHOTS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// The rules every definition follows, whatever the tool.
fn assert_rules(definition: &Value) {
    let input = &definition["inputSchema"];
    assert_eq!(input["type"], "object", "{definition:#}");
    assert!(
        input["properties"].is_object(),
        "properties must always be present: {definition:#}"
    );
    assert!(definition["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    assert_no_nullable(input);
    assert_refs_resolve(input, input);
    if let Some(output) = definition.get("outputSchema") {
        assert_eq!(
            output["type"], "object",
            "outputSchema must be an object: {definition:#}"
        );
        assert_refs_resolve(output, output);
    }
}

/// No `["T", "null"]` type arrays and no `{"type": "null"}` branches anywhere in an input
/// schema. (Output schemas keep them: `None` is serialized as `null`, and clients validate
/// `structuredContent` against the output schema.)
fn assert_no_nullable(value: &Value) {
    match value {
        Value::Object(obj) => {
            if let Some(Value::Array(types)) = obj.get("type") {
                assert!(
                    !types.iter().any(|t| t == "null"),
                    "nullable type array: {value:#}"
                );
            }
            assert_ne!(
                obj.get("type"),
                Some(&Value::from("null")),
                "null schema: {value:#}"
            );
            obj.values().for_each(assert_no_nullable);
        }
        Value::Array(items) => items.iter().for_each(assert_no_nullable),
        _ => {}
    }
}

/// Every `$ref` points into the same root's `$defs`.
fn assert_refs_resolve(root: &Value, value: &Value) {
    match value {
        Value::Object(obj) => {
            if let Some(reference) = obj.get("$ref") {
                let name = reference
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .unwrap_or_else(|| panic!("$ref outside $defs: {reference}"));
                assert!(
                    root["$defs"][name].is_object(),
                    "dangling $ref {reference} in {root:#}"
                );
            }
            obj.values().for_each(|v| assert_refs_resolve(root, v));
        }
        Value::Array(items) => items.iter().for_each(|v| assert_refs_resolve(root, v)),
        _ => {}
    }
}

fn required(definition: &Value) -> Vec<&str> {
    match &definition["inputSchema"]["required"] {
        Value::Array(names) => names.iter().map(|n| n.as_str().expect("string")).collect(),
        Value::Null => Vec::new(),
        other => panic!("required is not an array: {other}"),
    }
}

fn property_names(definition: &Value) -> Vec<&str> {
    let props = definition["inputSchema"]["properties"]
        .as_object()
        .expect("properties");
    props.keys().map(String::as_str).collect()
}

#[test]
fn no_arguments() {
    let def = definition::<ping>();
    assert_rules(&def);
    assert_eq!(def["inputSchema"]["properties"], serde_json::json!({}));
    assert!(required(&def).is_empty());
    assert!(def.get("outputSchema").is_none());
    assert_eq!(
        def["annotations"],
        serde_json::json!({"readOnlyHint": true})
    );
    assert_snapshot("ping", &def);
}

#[test]
fn primitives_with_docs() {
    let def = definition::<add>();
    assert_rules(&def);
    assert_eq!(def["title"], "Adder");
    assert_eq!(
        def["description"],
        "Add two numbers.\n\nReturns their sum as text."
    );
    assert_eq!(required(&def), ["a", "b", "round", "label"]);
    let props = &def["inputSchema"]["properties"];
    assert_eq!(props["a"]["type"], "integer");
    assert_eq!(props["a"]["description"], "The first addend.");
    assert_eq!(
        props["b"]["description"],
        "The second addend,\nwhich may have a fraction."
    );
    assert_eq!(props["round"]["type"], "boolean");
    assert!(props["label"].get("description").is_none());
    assert_snapshot("add", &def);
}

#[test]
fn optional_and_defaults() {
    let def = definition::<search>();
    assert_rules(&def);
    assert_eq!(required(&def), ["query"]);
    assert_eq!(
        property_names(&def),
        ["query", "category", "limit", "archived", "page", "sort"]
    );
    let props = &def["inputSchema"]["properties"];
    assert_eq!(props["category"]["type"], "string");
    assert_eq!(props["page"]["type"], "integer");
    assert_eq!(props["limit"]["type"], "integer");
    assert_snapshot("search", &def);
}

#[test]
fn collections() {
    let def = definition::<tally>();
    assert_rules(&def);
    assert_eq!(required(&def), ["items", "counts"]);
    let props = &def["inputSchema"]["properties"];
    assert_eq!(props["items"]["type"], "array");
    assert_eq!(props["items"]["items"]["type"], "string");
    assert_eq!(props["counts"]["type"], "object");
    assert_eq!(props["counts"]["additionalProperties"]["type"], "integer");
    assert_eq!(props["weights"]["type"], "array");
    assert_snapshot("tally", &def);
}

#[test]
fn nested_user_types() {
    let def = definition::<register>();
    assert_rules(&def);
    assert_eq!(def["name"], "people.register");
    assert_eq!(required(&def), ["person"]);
    let input = &def["inputSchema"];
    assert_eq!(input["properties"]["person"]["$ref"], "#/$defs/Person");
    assert_eq!(
        input["properties"]["person"]["description"],
        "Who to register."
    );
    assert_eq!(input["properties"]["role"]["$ref"], "#/$defs/Role");
    let defs = input["$defs"].as_object().expect("$defs");
    let mut names: Vec<&str> = defs.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["Address", "Person", "Role"]);
    let person = &defs["Person"];
    assert_eq!(person["properties"]["address"]["$ref"], "#/$defs/Address");
    assert_eq!(person["properties"]["nickname"]["type"], "string");
    assert_eq!(person["properties"]["previous"]["$ref"], "#/$defs/Address");
    assert_eq!(
        person["required"],
        serde_json::json!(["name", "address", "role"])
    );
    assert_eq!(defs["Address"]["properties"]["zip"]["type"], "string");
    assert_snapshot("register", &def);
}

#[test]
fn structured_output_object() {
    let def = definition::<sum>();
    assert_rules(&def);
    let output = &def["outputSchema"];
    // `Json<Sum>` sends the object itself as structuredContent, so the schema is Sum's, not
    // wrapped in `result`.
    assert_eq!(output["properties"]["total"]["type"], "integer");
    assert_eq!(output["required"], serde_json::json!(["total"]));
    assert_snapshot("sum", &def);

    let fallible = definition::<try_sum>();
    assert_rules(&fallible);
    assert_eq!(fallible["outputSchema"], def["outputSchema"]);
}

#[test]
fn structured_output_not_an_object() {
    let def = definition::<doubled>();
    assert_rules(&def);
    let output = &def["outputSchema"];
    assert_eq!(output["required"], serde_json::json!(["result"]));
    assert_eq!(output["properties"]["result"]["type"], "array");
    assert_eq!(output["properties"]["result"]["items"]["type"], "integer");
    assert_snapshot("doubled", &def);
}

#[test]
fn spec_matches_signature() {
    let spec = <search as Tool>::SPEC;
    assert_eq!(spec.name(), "search");
    assert!(!spec.uses_ctx());
    let params: Vec<(&str, bool)> = spec
        .params()
        .iter()
        .map(|p| (p.name(), p.required()))
        .collect();
    assert_eq!(
        params,
        [
            ("query", true),
            ("category", false),
            ("limit", false),
            ("archived", false),
            ("page", false),
            ("sort", false),
        ]
    );
}
