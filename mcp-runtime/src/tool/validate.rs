//! A [`DynamicTool`](super::DynamicTool)'s arguments checked against its JSON input schema
//! before its handler runs: what decoding into typed parameters does for a `#[mcp_tool]`
//! tool, with the same kind of error (an `isError` result that names the argument).
//!
//! The keywords that say what a value may be are checked: `type`, `enum`, `const`,
//! `properties`, `required`, `additionalProperties`, `minProperties`, `maxProperties`, `items`
//! (and `prefixItems`, or `items` as a list), `minItems`, `maxItems`, `uniqueItems`,
//! `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minLength`,
//! `maxLength`, `allOf`, `anyOf`, `oneOf`, `not`, and local `$ref`s (`#`, `#/$defs/..`,
//! `#/definitions/..`). Annotations and the keywords this check does not know (`pattern`,
//! `format`, `if`/`then`/`else`, ...) accept any value: the handler still sees the arguments
//! and may refuse them itself.

use serde_json::{Map, Value};

use super::ArgumentError;

/// How deep schemas may nest (`$ref`s included) before the check gives up.
const MAX_DEPTH: u32 = 128;

/// Checks `args` (the call's `arguments` object) against `schema`.
pub(crate) fn check(schema: &Value, args: &Value) -> Result<(), ArgumentError> {
    let mut path = String::new();
    Checker { root: schema }
        .value(schema, args, &mut path, 0)
        .map_err(|problem| match problem {
            Problem::Missing => ArgumentError::MissingProperty { path },
            Problem::Invalid(problem) => ArgumentError::Mismatch {
                path: if path.is_empty() {
                    "arguments".into()
                } else {
                    path
                },
                problem,
            },
        })
}

/// What is wrong at the path the check stopped at.
enum Problem {
    /// A required property is absent.
    Missing,
    Invalid(String),
}

fn invalid(problem: impl Into<String>) -> Result<(), Problem> {
    Err(Problem::Invalid(problem.into()))
}

struct Checker<'a> {
    root: &'a Value,
}

impl Checker<'_> {
    /// Checks `value` against `schema`; on failure `path` names where (`a.b[2]`).
    fn value(
        &self,
        schema: &Value,
        value: &Value,
        path: &mut String,
        depth: u32,
    ) -> Result<(), Problem> {
        if depth > MAX_DEPTH {
            return invalid("the input schema nests too deep to check");
        }
        let schema = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return invalid("no value is allowed here"),
            Value::Object(schema) => schema,
            _ => return Ok(()),
        };
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            match target
                .strip_prefix('#')
                .and_then(|pointer| self.root.pointer(pointer))
            {
                Some(target) => self.value(target, value, path, depth + 1)?,
                None => return invalid(format!("the input schema's $ref {target:?} is unknown")),
            }
        }
        if let Some(kind) = schema.get("type") {
            let allowed: Vec<&str> = match kind {
                Value::String(kind) => vec![kind],
                Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !allowed.is_empty() && !allowed.iter().any(|kind| has_type(value, kind)) {
                return invalid(format!(
                    "expected {}, got {}",
                    allowed.join(" or "),
                    kind_of(value)
                ));
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if !options.iter().any(|option| same(option, value)) {
                return invalid(format!(
                    "expected one of {}, got {value}",
                    Value::from(options.clone())
                ));
            }
        }
        if let Some(expected) = schema.get("const") {
            if !same(expected, value) {
                return invalid(format!("expected {expected}, got {value}"));
            }
        }
        self.combinators(schema, value, path, depth)?;
        match value {
            Value::Object(object) => self.object(schema, object, path, depth),
            Value::Array(items) => self.array(schema, items, path, depth),
            Value::String(text) => {
                let length = text.chars().count() as u64;
                bounds(schema, "minLength", "maxLength", length, "characters")
            }
            Value::Number(number) => number_bounds(schema, number.as_f64().unwrap_or(f64::NAN)),
            _ => Ok(()),
        }
    }

    fn combinators(
        &self,
        schema: &Map<String, Value>,
        value: &Value,
        path: &mut String,
        depth: u32,
    ) -> Result<(), Problem> {
        let branches = |key| schema.get(key).and_then(Value::as_array);
        if let Some(all) = branches("allOf") {
            for branch in all {
                self.value(branch, value, path, depth + 1)?;
            }
        }
        let matching = |list: &Vec<Value>| {
            list.iter()
                .filter(|b| self.value(b, value, &mut path.clone(), depth + 1).is_ok())
                .count()
        };
        if let Some(any) = branches("anyOf") {
            if matching(any) == 0 {
                return invalid("matches none of the schemas of anyOf");
            }
        }
        if let Some(one) = branches("oneOf") {
            let n = matching(one);
            if n != 1 {
                return invalid(format!(
                    "matches {n} of the schemas of oneOf, not exactly one"
                ));
            }
        }
        if let Some(not) = schema.get("not") {
            if self.value(not, value, &mut path.clone(), depth + 1).is_ok() {
                return invalid("matches the schema of not");
            }
        }
        Ok(())
    }

    fn object(
        &self,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        path: &mut String,
        depth: u32,
    ) -> Result<(), Problem> {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = name.as_str() else { continue };
            if !object.contains_key(name) {
                push_key(path, name);
                return Err(Problem::Missing);
            }
        }
        let extra = schema.get("additionalProperties");
        for (name, value) in object {
            let len = path.len();
            push_key(path, name);
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.value(property, value, path, depth + 1)?,
                None => match extra {
                    Some(Value::Bool(false)) => return invalid("not an argument of this tool"),
                    Some(extra) => self.value(extra, value, path, depth + 1)?,
                    None => {}
                },
            }
            path.truncate(len);
        }
        bounds(
            schema,
            "minProperties",
            "maxProperties",
            object.len() as u64,
            "properties",
        )
    }

    fn array(
        &self,
        schema: &Map<String, Value>,
        items: &[Value],
        path: &mut String,
        depth: u32,
    ) -> Result<(), Problem> {
        // 2020-12 `prefixItems` then `items`; draft-07 `items: [..]` then `additionalItems`.
        let (prefix, rest) = match (schema.get("prefixItems"), schema.get("items")) {
            (Some(Value::Array(prefix)), rest) => (prefix.as_slice(), rest),
            (None, Some(Value::Array(prefix))) => {
                (prefix.as_slice(), schema.get("additionalItems"))
            }
            (_, rest) => (&[][..], rest),
        };
        for (i, item) in items.iter().enumerate() {
            let item_schema = match prefix.get(i) {
                Some(schema) => schema,
                None => match rest {
                    Some(schema) => schema,
                    None => continue,
                },
            };
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            self.value(item_schema, item, path, depth + 1)?;
            path.truncate(len);
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, item) in items.iter().enumerate() {
                if items[..i].iter().any(|earlier| same(earlier, item)) {
                    return invalid(format!("items must be unique, {item} is repeated"));
                }
            }
        }
        bounds(schema, "minItems", "maxItems", items.len() as u64, "items")
    }
}

/// `a`, then `a.b`.
fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        _ => true,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// JSON equality, with `1` and `1.0` the same number.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// `min..=max` on a count: characters, items or properties.
fn bounds(
    schema: &Map<String, Value>,
    min: &str,
    max: &str,
    n: u64,
    what: &str,
) -> Result<(), Problem> {
    if let Some(min) = schema
        .get(min)
        .and_then(Value::as_u64)
        .filter(|&min| n < min)
    {
        return invalid(format!("expected at least {min} {what}, got {n}"));
    }
    if let Some(max) = schema
        .get(max)
        .and_then(Value::as_u64)
        .filter(|&max| n > max)
    {
        return invalid(format!("expected at most {max} {what}, got {n}"));
    }
    Ok(())
}

fn number_bounds(schema: &Map<String, Value>, n: f64) -> Result<(), Problem> {
    let limit = |key| schema.get(key).and_then(Value::as_f64);
    if let Some(min) = limit("minimum").filter(|&min| n < min) {
        return invalid(format!("expected at least {min}, got {n}"));
    }
    if let Some(max) = limit("maximum").filter(|&max| n > max) {
        return invalid(format!("expected at most {max}, got {n}"));
    }
    if let Some(min) = limit("exclusiveMinimum").filter(|&min| n <= min) {
        return invalid(format!("expected more than {min}, got {n}"));
    }
    if let Some(max) = limit("exclusiveMaximum").filter(|&max| n >= max) {
        return invalid(format!("expected less than {max}, got {n}"));
    }
    if let Some(step) = limit("multipleOf").filter(|&step| step > 0.0) {
        let ratio = n / step;
        if (ratio - ratio.round()).abs() > 1e-9 {
            return invalid(format!("expected a multiple of {step}, got {n}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problem(schema: Value, args: Value) -> Option<String> {
        check(&schema, &args).err().map(|e| e.to_string())
    }

    #[test]
    fn what_the_schema_allows_passes() {
        let schema = json!({
            "type": "object",
            "properties": {
                "word": {"type": "string", "minLength": 1, "pattern": "^[a-z]+$"},
                "count": {"type": "integer", "minimum": 1, "maximum": 10},
                "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": true},
                "when": {"$ref": "#/$defs/when"},
                "either": {"anyOf": [{"type": "null"}, {"type": "number"}]}
            },
            "required": ["word"],
            "$defs": {"when": {"type": "object", "properties": {"at": {"type": "string"}}}}
        });
        let args = json!({"word": "x", "count": 2.0, "tags": ["a", "b"], "when": {"at": "noon"},
            "either": null, "unknown": [1]});
        assert_eq!(problem(schema, args), None);
        assert_eq!(problem(json!({"type": "object"}), json!({"a": 1})), None);
    }

    #[test]
    fn each_refusal_names_the_argument() {
        let schema = json!({
            "type": "object",
            "properties": {
                "word": {"type": "string", "maxLength": 3},
                "count": {"type": "integer", "exclusiveMinimum": 0},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
                "mode": {"enum": ["fast", "slow"]},
                "when": {"$ref": "#/$defs/when"}
            },
            "required": ["word"],
            "additionalProperties": false,
            "$defs": {"when": {"type": "object", "required": ["at"]}}
        });
        let cases = [
            (json!({}), "missing required argument `word`"),
            (json!({"word": 7}), "invalid value for argument `word`: expected string, got a number"),
            (json!({"word": "long"}), "invalid value for argument `word`: expected at most 3 characters, got 4"),
            (json!({"word": "a", "count": 1.5}), "invalid value for argument `count`: expected integer, got a number"),
            (json!({"word": "a", "count": 0}), "invalid value for argument `count`: expected more than 0, got 0"),
            (json!({"word": "a", "tags": ["x", 2]}), "invalid value for argument `tags[1]`: expected string, got a number"),
            (json!({"word": "a", "tags": ["x", "y", "z"]}), "invalid value for argument `tags`: expected at most 2 items, got 3"),
            (json!({"word": "a", "mode": "medium"}), "invalid value for argument `mode`: expected one of [\"fast\",\"slow\"], got \"medium\""),
            (json!({"word": "a", "when": {}}), "missing required argument `when.at`"),
            (json!({"word": "a", "extra": 1}), "invalid value for argument `extra`: not an argument of this tool"),
        ];
        for (args, expected) in cases {
            assert_eq!(
                problem(schema.clone(), args.clone()).as_deref(),
                Some(expected),
                "{args}"
            );
        }
    }

    #[test]
    fn combinators_and_odd_schemas() {
        let one_of = json!({"type": "object", "properties": {"n": {"oneOf": [
            {"type": "integer"}, {"type": "number", "minimum": 0}]}}});
        assert_eq!(problem(one_of.clone(), json!({"n": 1.5})), None);
        assert!(problem(one_of.clone(), json!({"n": -1.5})).is_some());
        assert!(problem(one_of.clone(), json!({"n": 2}))
            .unwrap()
            .contains("2 of the schemas"));
        let never = json!({"type": "object", "properties": {"n": false}});
        assert!(problem(never, json!({"n": 1})).is_some());
        let looping = json!({"type": "object", "properties": {"n": {"$ref": "#/properties/n"}}});
        assert!(problem(looping, json!({"n": 1}))
            .unwrap()
            .contains("too deep"));
        let dangling = json!({"type": "object", "properties": {"n": {"$ref": "#/$defs/gone"}}});
        assert!(problem(dangling, json!({"n": 1}))
            .unwrap()
            .contains("unknown"));
    }
}
