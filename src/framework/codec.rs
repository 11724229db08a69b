//! DynamicValue codec: msgpack (unknown = extension type 0) and JSON, both
//! decoded against a [`Type`] as the plugin protocol requires.

use std::collections::BTreeMap;

use super::value::{Type, Value};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CodecError {
    #[error("invalid msgpack: {0}")]
    Msgpack(String),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("at {path}: expected {expected}, found {found}")]
    Mismatch {
        path: String,
        expected: String,
        found: String,
    },
}

fn mismatch(path: &str, expected: &Type, found: &str) -> CodecError {
    CodecError::Mismatch {
        path: if path.is_empty() {
            "(root)".into()
        } else {
            path.to_string()
        },
        expected: expected.to_json().to_string(),
        found: found.to_string(),
    }
}

// ---------------------------------------------------------------- msgpack

pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut rd = bytes;
    let raw = rmpv::decode::read_value(&mut rd).map_err(|e| CodecError::Msgpack(e.to_string()))?;
    if !rd.is_empty() {
        return Err(CodecError::Msgpack(format!("{} trailing bytes", rd.len())));
    }
    from_rmpv(&raw, ty, "")
}

fn from_rmpv(v: &rmpv::Value, ty: &Type, path: &str) -> Result<Value, CodecError> {
    use rmpv::Value as M;
    match v {
        M::Nil => return Ok(Value::Null),
        // unknown (0), and unknown with refinements such as a known string
        // prefix (12); the refinements are hints the provider may drop
        M::Ext(0, _) | M::Ext(12, _) => return Ok(Value::Unknown),
        _ => {}
    }
    match ty {
        Type::String => match v {
            M::String(s) => Ok(Value::String(
                s.as_str()
                    .ok_or_else(|| CodecError::Msgpack(format!("{path}: string is not UTF-8")))?
                    .to_string(),
            )),
            _ => Err(mismatch(path, ty, kind(v))),
        },
        Type::Bool => match v {
            M::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(mismatch(path, ty, kind(v))),
        },
        Type::Number => match v {
            M::Integer(i) => Ok(Value::Number(
                i.as_i64()
                    .map(|n| n as f64)
                    .or_else(|| i.as_u64().map(|n| n as f64))
                    .unwrap_or(0.0),
            )),
            M::F32(f) => Ok(Value::Number(*f as f64)),
            M::F64(f) => Ok(Value::Number(*f)),
            // numbers too large for a float64 travel as strings
            M::String(s) => s
                .as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .map(Value::Number)
                .ok_or_else(|| mismatch(path, ty, "non-numeric string")),
            _ => Err(mismatch(path, ty, kind(v))),
        },
        Type::List(e) | Type::Set(e) => match v {
            M::Array(a) => {
                let items = a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| from_rmpv(x, e, &format!("{path}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(items)
                } else {
                    Value::Set(items)
                })
            }
            _ => Err(mismatch(path, ty, kind(v))),
        },
        Type::Map(e) => match v {
            M::Map(entries) => {
                let mut m = BTreeMap::new();
                for (k, x) in entries {
                    let k = k
                        .as_str()
                        .ok_or_else(|| mismatch(path, ty, "non-string map key"))?;
                    m.insert(k.to_string(), from_rmpv(x, e, &format!("{path}[\"{k}\"]"))?);
                }
                Ok(Value::Map(m))
            }
            _ => Err(mismatch(path, ty, kind(v))),
        },
        Type::Object(fields) => match v {
            M::Map(entries) => {
                let mut m: BTreeMap<String, Value> =
                    fields.keys().map(|k| (k.clone(), Value::Null)).collect();
                for (k, x) in entries {
                    let k = k
                        .as_str()
                        .ok_or_else(|| mismatch(path, ty, "non-string attribute name"))?;
                    let Some(ft) = fields.get(k) else {
                        return Err(mismatch(path, ty, &format!("unexpected attribute \"{k}\"")));
                    };
                    let p = if path.is_empty() {
                        k.to_string()
                    } else {
                        format!("{path}.{k}")
                    };
                    m.insert(k.to_string(), from_rmpv(x, ft, &p)?);
                }
                Ok(Value::Object(m))
            }
            _ => Err(mismatch(path, ty, kind(v))),
        },
    }
}

fn kind(v: &rmpv::Value) -> &'static str {
    use rmpv::Value as M;
    match v {
        M::Nil => "nil",
        M::Boolean(_) => "bool",
        M::Integer(_) => "integer",
        M::F32(_) | M::F64(_) => "float",
        M::String(_) => "string",
        M::Binary(_) => "binary",
        M::Array(_) => "array",
        M::Map(_) => "map",
        M::Ext(..) => "extension",
    }
}

pub fn encode_msgpack(v: &Value, ty: &Type) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_msgpack(&mut out, v, ty);
    out
}

fn write_msgpack(out: &mut Vec<u8>, v: &Value, ty: &Type) {
    use rmp::encode as e;
    // Writes into a Vec cannot fail.
    match v {
        Value::Null => {
            e::write_nil(out).ok();
        }
        Value::Unknown => {
            e::write_ext_meta(out, 1, 0).ok();
            out.push(0);
        }
        Value::Bool(b) => {
            e::write_bool(out, *b).ok();
        }
        Value::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9.2e18 {
                e::write_sint(out, *n as i64).ok();
            } else {
                e::write_f64(out, *n).ok();
            }
        }
        Value::String(s) => {
            e::write_str(out, s).ok();
        }
        Value::List(items) | Value::Set(items) => {
            let et = match ty {
                Type::List(t) | Type::Set(t) => t.as_ref(),
                _ => &Type::String,
            };
            e::write_array_len(out, items.len() as u32).ok();
            for i in items {
                write_msgpack(out, i, et);
            }
        }
        Value::Map(m) => {
            let et = match ty {
                Type::Map(t) => t.as_ref(),
                _ => &Type::String,
            };
            e::write_map_len(out, m.len() as u32).ok();
            for (k, x) in m {
                e::write_str(out, k).ok();
                write_msgpack(out, x, et);
            }
        }
        Value::Object(m) => {
            let Type::Object(fields) = ty else {
                e::write_nil(out).ok();
                return;
            };
            e::write_map_len(out, fields.len() as u32).ok();
            for (k, ft) in fields {
                e::write_str(out, k).ok();
                write_msgpack(out, m.get(k).unwrap_or(&Value::Null), ft);
            }
        }
    }
}

// ---------------------------------------------------------------- JSON

pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let j: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| CodecError::Json(e.to_string()))?;
    from_json(&j, ty, "", false)
}

/// Decodes stored JSON state; attributes the type does not know are
/// dropped when `lenient` (state written by an older schema).
pub fn decode_json_lenient(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let j: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| CodecError::Json(e.to_string()))?;
    from_json(&j, ty, "", true)
}

pub fn from_json(
    j: &serde_json::Value,
    ty: &Type,
    path: &str,
    lenient: bool,
) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    if j.is_null() {
        return Ok(Value::Null);
    }
    let jkind = |j: &J| match j {
        J::Null => "null",
        J::Bool(_) => "bool",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    };
    match ty {
        Type::String => match j {
            J::String(s) => Ok(Value::String(s.clone())),
            J::Number(n) => Ok(Value::String(n.to_string())),
            J::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch(path, ty, jkind(j))),
        },
        Type::Bool => match j {
            J::Bool(b) => Ok(Value::Bool(*b)),
            J::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(mismatch(path, ty, jkind(j))),
        },
        Type::Number => match j {
            J::Number(n) => Ok(Value::Number(n.as_f64().unwrap_or(0.0))),
            J::String(s) => s
                .parse()
                .map(Value::Number)
                .map_err(|_| mismatch(path, ty, "non-numeric string")),
            _ => Err(mismatch(path, ty, jkind(j))),
        },
        Type::List(e) | Type::Set(e) => match j {
            J::Array(a) => {
                let items = a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| from_json(x, e, &format!("{path}[{i}]"), lenient))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(items)
                } else {
                    Value::Set(items)
                })
            }
            _ => Err(mismatch(path, ty, jkind(j))),
        },
        Type::Map(e) => match j {
            J::Object(o) => Ok(Value::Map(
                o.iter()
                    .map(|(k, x)| {
                        Ok((
                            k.clone(),
                            from_json(x, e, &format!("{path}[\"{k}\"]"), lenient)?,
                        ))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )),
            _ => Err(mismatch(path, ty, jkind(j))),
        },
        Type::Object(fields) => match j {
            J::Object(o) => {
                let mut m: BTreeMap<String, Value> =
                    fields.keys().map(|k| (k.clone(), Value::Null)).collect();
                for (k, x) in o {
                    let Some(ft) = fields.get(k) else {
                        if lenient {
                            continue;
                        }
                        return Err(mismatch(path, ty, &format!("unexpected attribute \"{k}\"")));
                    };
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    m.insert(k.clone(), from_json(x, ft, &p, lenient)?);
                }
                Ok(Value::Object(m))
            }
            _ => Err(mismatch(path, ty, jkind(j))),
        },
    }
}

/// JSON form of a wholly known value (unknown becomes null).
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null | Value::Unknown => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                J::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n)
                    .map(J::Number)
                    .unwrap_or(J::Null)
            }
        }
        Value::String(s) => J::String(s.clone()),
        Value::List(a) | Value::Set(a) => J::Array(a.iter().map(to_json).collect()),
        Value::Map(m) | Value::Object(m) => {
            J::Object(m.iter().map(|(k, x)| (k.clone(), to_json(x))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_type() -> impl Strategy<Value = Type> {
        let leaf = prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(Type::list),
                inner.clone().prop_map(Type::set),
                inner.clone().prop_map(Type::map),
                prop::collection::btree_map("[a-z_]{1,6}", inner, 1..4).prop_map(Type::Object),
            ]
        })
    }

    fn arb_value(ty: Type) -> BoxedStrategy<Value> {
        let special = prop_oneof![Just(Value::Null), Just(Value::Unknown)];
        let known: BoxedStrategy<Value> = match ty {
            Type::String => ".{0,12}".prop_map(Value::String).boxed(),
            Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
            Type::Number => prop_oneof![
                any::<i32>().prop_map(|n| Value::Number(n as f64)),
                (-1.0e12f64..1.0e12).prop_map(Value::Number),
            ]
            .boxed(),
            Type::List(e) => prop::collection::vec(arb_value(*e), 0..4)
                .prop_map(Value::List)
                .boxed(),
            Type::Set(e) => prop::collection::vec(arb_value(*e), 0..4)
                .prop_map(Value::Set)
                .boxed(),
            Type::Map(e) => prop::collection::btree_map(".{0,5}", arb_value(*e), 0..4)
                .prop_map(Value::Map)
                .boxed(),
            Type::Object(f) => {
                let strategies: Vec<(String, BoxedStrategy<Value>)> =
                    f.into_iter().map(|(k, t)| (k, arb_value(t))).collect();
                strategies
                    .into_iter()
                    .fold(Just(BTreeMap::new()).boxed(), |acc, (k, s)| {
                        (acc, s)
                            .prop_map(move |(mut m, v)| {
                                m.insert(k.clone(), v);
                                m
                            })
                            .boxed()
                    })
                    .prop_map(Value::Object)
                    .boxed()
            }
        };
        prop_oneof![1 => special, 6 => known].boxed()
    }

    fn arb_typed() -> impl Strategy<Value = (Type, Value)> {
        arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(t)))
    }

    proptest! {
        #[test]
        fn msgpack_round_trips((ty, v) in arb_typed()) {
            let bytes = encode_msgpack(&v, &ty);
            prop_assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), v);
        }

        #[test]
        fn json_round_trips_known_values((ty, v) in arb_typed()) {
            prop_assume!(v.is_wholly_known());
            let bytes = serde_json::to_vec(&to_json(&v)).unwrap();
            prop_assert_eq!(decode_json(&bytes, &ty).unwrap(), v);
        }

        #[test]
        fn decoder_never_panics_on_garbage(bytes in prop::collection::vec(any::<u8>(), 0..64), ty in arb_type()) {
            let _ = decode_msgpack(&bytes, &ty);
            let _ = decode_json(&bytes, &ty);
        }
    }

    #[test]
    fn unknown_is_extension_zero() {
        assert_eq!(
            encode_msgpack(&Value::Unknown, &Type::String),
            vec![0xd4, 0x00, 0x00]
        );
        assert_eq!(
            decode_msgpack(&[0xd4, 0x00, 0x00], &Type::Number).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn refined_unknowns_are_unknown() {
        // "bench-${count.index}" during validation: unknown, prefix "bench-"
        let mut b = Vec::new();
        rmp::encode::write_ext_meta(&mut b, 9, 12).unwrap();
        b.extend_from_slice(&[0x81, 0x02, 0xa6, b'b', b'e', b'n', b'c', b'h', b'-']);
        assert_eq!(decode_msgpack(&b, &Type::String).unwrap(), Value::Unknown);
    }

    #[test]
    fn big_numbers_arrive_as_strings() {
        let mut b = Vec::new();
        rmp::encode::write_str(&mut b, "12345678901234567890").unwrap();
        assert_eq!(
            decode_msgpack(&b, &Type::Number).unwrap(),
            Value::Number(12345678901234567890.0)
        );
    }

    #[test]
    fn type_mismatch_names_the_path() {
        let ty = Type::object([("name", Type::String)]);
        let bytes = encode_msgpack(
            &Value::Object([("name".into(), Value::Bool(true))].into()),
            &Type::object([("name", Type::Bool)]),
        );
        let err = decode_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(err.to_string(), "at name: expected \"string\", found bool");
    }

    #[test]
    fn missing_object_attributes_decode_as_null() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        let v = decode_json(br#"{"a":"x"}"#, &ty).unwrap();
        assert_eq!(v.get("b"), &Value::Null);
        assert_eq!(v.get("a"), &Value::string("x"));
    }

    #[test]
    fn lenient_json_drops_unknown_attributes() {
        let ty = Type::object([("a", Type::String)]);
        assert!(decode_json(br#"{"a":"x","old":1}"#, &ty).is_err());
        assert_eq!(
            decode_json_lenient(br#"{"a":"x","old":1}"#, &ty)
                .unwrap()
                .get("a"),
            &Value::string("x")
        );
    }

    #[test]
    fn type_json_round_trips() {
        let t = Type::object([
            ("a", Type::list(Type::map(Type::Number))),
            ("b", Type::set(Type::Bool)),
        ]);
        assert_eq!(Type::from_json(&t.to_json()).unwrap(), t);
        assert_eq!(
            t.to_json().to_string(),
            r#"["object",{"a":["list",["map","number"]],"b":["set","bool"]}]"#
        );
    }
}
