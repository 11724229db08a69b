//! Terraform's type system and values, with null and unknown at every level.

use std::collections::BTreeMap;

/// A Terraform (cty) type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    pub fn object<I: IntoIterator<Item = (S, Type)>, S: Into<String>>(fields: I) -> Type {
        Type::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// This object type with only the attributes named in `names` (other
    /// types as they are): the part of a schema one model writes.
    pub fn only(&self, names: &[&str]) -> Type {
        match self {
            Type::Object(attrs) => Type::Object(
                attrs
                    .iter()
                    .filter(|(k, _)| names.contains(&k.as_str()))
                    .map(|(k, t)| (k.clone(), t.clone()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The JSON form Terraform uses for types in schemas: `"string"`,
    /// `["list","string"]`, `["object",{"a":"number"}]`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(f) => {
                let m: serde_json::Map<String, serde_json::Value> =
                    f.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
                json!(["object", m])
            }
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match v {
            J::String(s) => match s.as_str() {
                "string" => Some(Type::String),
                "number" => Some(Type::Number),
                "bool" => Some(Type::Bool),
                _ => None,
            },
            J::Array(a) if a.len() == 2 => {
                let kind = a[0].as_str()?;
                match kind {
                    "list" => Some(Type::list(Type::from_json(&a[1])?)),
                    "set" => Some(Type::set(Type::from_json(&a[1])?)),
                    "map" => Some(Type::map(Type::from_json(&a[1])?)),
                    "object" => {
                        let m = a[1].as_object()?;
                        let mut f = BTreeMap::new();
                        for (k, v) in m {
                            f.insert(k.clone(), Type::from_json(v)?);
                        }
                        Some(Type::Object(f))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// A value was unknown where a known one was needed (a collection read
/// during apply before it was known, for example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the value is not known yet")]
pub struct UnknownValue;

/// A value of some [`Type`]. `Null` and `Unknown` can stand anywhere.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Unknown,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Known all the way down (no unknown anywhere inside).
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// The null value of a type, with objects spelled out (so attribute
    /// lookups on it work) only at the top level.
    pub fn null_object(ty: &Type) -> Value {
        match ty {
            Type::Object(f) => Value::Object(f.keys().map(|k| (k.clone(), Value::Null)).collect()),
            _ => Value::Null,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => {
                Some(*n as i64)
            }
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut BTreeMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Elements of a list or set: none for null; [`UnknownValue`] for an
    /// unknown collection, which the caller must handle (an unknown list is
    /// never read as an empty one).
    pub fn elements(&self) -> Result<&[Value], UnknownValue> {
        match self {
            Value::List(v) | Value::Set(v) => Ok(v),
            Value::Unknown => Err(UnknownValue),
            _ => Ok(&[]),
        }
    }

    /// The elements to walk when planning or validating the structure of a
    /// value: none for null or unknown (an unknown collection has no known
    /// elements to plan or check). Not for reading what to send.
    pub fn walk(&self) -> &[Value] {
        self.elements().unwrap_or_default()
    }

    /// Entries of a map; `None` for null/unknown.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// An attribute of an object (null when absent or when self is not an object).
    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Sets an attribute of an object value; no-op on anything else.
    pub fn set(&mut self, name: &str, v: Value) {
        if let Value::Object(m) = self {
            m.insert(name.to_string(), v);
        }
    }

    /// Walks a path of attribute names and element keys.
    pub fn at(&self, path: &crate::framework::diag::AttrPath) -> &Value {
        use crate::framework::diag::PathStep;
        static NULL: Value = Value::Null;
        let mut cur = self;
        for step in &path.0 {
            cur = match (step, cur) {
                (PathStep::Attr(a), Value::Object(m)) => m.get(a).unwrap_or(&NULL),
                (PathStep::Key(k), Value::Map(m)) => m.get(k).unwrap_or(&NULL),
                (PathStep::Index(i), Value::List(v)) => v.get(*i as usize).unwrap_or(&NULL),
                (_, Value::Unknown) => return cur,
                _ => &NULL,
            };
        }
        cur
    }

    /// Optional string: `None` for null or unknown.
    pub fn opt_str(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }

    /// A map of strings: null is the empty map, null entries are skipped.
    ///
    /// Errors with [`UnknownValue`] when the map or any entry is unknown:
    /// an unknown value is never read as empty.
    pub fn string_map(&self) -> Result<BTreeMap<String, String>, UnknownValue> {
        match self {
            Value::Null => Ok(BTreeMap::new()),
            Value::Map(m) => m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(UnknownValue),
                })
                .collect(),
            _ => Err(UnknownValue),
        }
    }

    /// A list or set of strings: null is empty, null elements are skipped.
    ///
    /// Errors with [`UnknownValue`] when the collection or any element is
    /// unknown.
    pub fn string_list(&self) -> Result<Vec<String>, UnknownValue> {
        match self {
            Value::Null => Ok(Vec::new()),
            Value::List(v) | Value::Set(v) => v
                .iter()
                .filter(|x| !x.is_null())
                .map(|x| match x {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(UnknownValue),
                })
                .collect(),
            _ => Err(UnknownValue),
        }
    }

    pub fn from_string_map<I: IntoIterator<Item = (K, V)>, K: Into<String>, V: Into<String>>(
        m: I,
    ) -> Value {
        Value::Map(
            m.into_iter()
                .map(|(k, v)| (k.into(), Value::String(v.into())))
                .collect(),
        )
    }

    pub fn from_opt_str(s: Option<impl Into<String>>) -> Value {
        s.map(|s| Value::String(s.into())).unwrap_or(Value::Null)
    }

    pub fn from_opt_i64(n: Option<i64>) -> Value {
        n.map(|n| Value::Number(n as f64)).unwrap_or(Value::Null)
    }

    /// State holds what the user wrote: `self` (the value in state or plan)
    /// is kept when the cloud's `reported` string means the same thing by
    /// `same(written, reported)`, null counting as ""; otherwise the cloud's
    /// value is taken, so real drift still shows. An unknown `self`
    /// (nothing written yet) takes the cloud's value.
    pub fn as_written(&self, reported: Value, same: impl Fn(&str, &str) -> bool) -> Value {
        let text = |v: &Value| match v {
            Value::Null => Some(String::new()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        match (text(self), text(&reported)) {
            (Some(w), Some(r)) if same(&w, &r) => self.clone(),
            _ => reported,
        }
    }

    /// Equality that treats sets as unordered collections.
    pub fn semantically_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Set(a), Value::Set(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.semantically_equal(y)))
            }
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.semantically_equal(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, x)| b.get(k).map(|y| x.semantically_equal(y)).unwrap_or(false))
            }
            _ => self == other,
        }
    }
}

/// The same text up to surrounding white space ("" and null alike), as
/// Nova stores free-form text such as a server's description.
pub fn same_text(written: &str, reported: &str) -> bool {
    written.trim() == reported.trim()
}

/// `zone`, `zone:host` and `zone:host:node` (an administrator's targeting)
/// name the zone the cloud reports.
pub fn same_zone(written: &str, reported: &str) -> bool {
    written == reported || written.split(':').next() == Some(reported)
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n as f64)
    }
}

#[cfg(test)]
mod unknown_tests {
    use super::*;

    /// Null reads as empty, unknown never does: every collection accessor
    /// returns an error the caller must handle.
    #[test]
    fn unknown_collections_are_never_read_as_empty() {
        let cases: Vec<(&str, Value, bool)> = vec![
            ("null", Value::Null, true),
            ("unknown", Value::Unknown, false),
            ("empty list", Value::List(vec![]), true),
            (
                "list with an unknown element",
                Value::List(vec![Value::Unknown]),
                false,
            ),
            (
                "map with an unknown entry",
                Value::Map([("k".to_string(), Value::Unknown)].into()),
                false,
            ),
        ];
        for (what, v, known) in cases {
            let is_map = matches!(v, Value::Map(_));
            if !is_map {
                assert_eq!(v.string_list().is_ok(), known, "string_list of {what}");
            }
            if is_map || matches!(v, Value::Null | Value::Unknown) {
                assert_eq!(v.string_map().is_ok(), known, "string_map of {what}");
            }
        }
        assert_eq!(Value::Unknown.elements(), Err(UnknownValue));
        assert_eq!(Value::Null.elements(), Ok(&[][..]));
        assert!(Value::Unknown.walk().is_empty());
        assert_eq!(Value::Null.as_str(), None);
        assert_eq!(Value::Unknown.as_str(), None);
    }
}
