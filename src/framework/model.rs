//! Typed models: a resource's configuration, plan and state as Rust
//! structs instead of lookups by attribute name.
//!
//! - [`Attr<T>`] says null, unknown or known for one attribute; reading it
//!   is a decision the code spells out ([`Attr::known`] errs on unknown,
//!   [`Attr::if_known`] treats unknown as "not decided yet").
//! - [`Tf`] converts between a Rust type and a framework [`Value`] of a
//!   Terraform [`Type`], and checks that the Rust type fits the schema's.
//! - [`tf_model!`](crate::tf_model) declares a struct whose fields are the
//!   attributes and nested blocks of a schema block (field name = attribute
//!   name; `r#type` is `type`), and implements [`Tf`] and [`Model`] for it.
//!
//! A model is checked against its schema by [`Model::check_against`] in a
//! unit test of each resource: every field must be an attribute of the
//! right type and every attribute a field.

use std::collections::BTreeMap;

use super::value::{Type, UnknownValue, Value};

/// One attribute's value in configuration, plan or state.
///
/// `Known` holds a value known all the way down: a list with one unknown
/// element is `Unknown` as a whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Attr<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Attr<T> {
    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown)
    }

    /// The value, `None` for null, and [`UnknownValue`] for unknown: what
    /// apply code uses, where an unknown value is a fault to report.
    pub fn known(&self) -> Result<Option<&T>, UnknownValue> {
        match self {
            Attr::Null => Ok(None),
            Attr::Unknown => Err(UnknownValue),
            Attr::Known(v) => Ok(Some(v)),
        }
    }

    /// The value when known; `None` for null *and* unknown. For plan-time
    /// checks, where an unknown value is one to check later.
    pub fn if_known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attr<U> {
        match self {
            Attr::Null => Attr::Null,
            Attr::Unknown => Attr::Unknown,
            Attr::Known(v) => Attr::Known(f(v)),
        }
    }

    /// Known from `Some`, null from `None` (a cloud document's optional field).
    pub fn from_option(v: Option<T>) -> Attr<T> {
        v.map_or(Attr::Null, Attr::Known)
    }
}

impl Attr<String> {
    /// The known string as `&str`; `None` for null and unknown (see
    /// [`Attr::if_known`]).
    pub fn as_deref(&self) -> Option<&str> {
        self.if_known().map(String::as_str)
    }
}

/// A set or list of strings whose elements may each be null or unknown
/// (configuration and plan keep exactly what was written).
pub type Strings = Attr<Vec<Attr<String>>>;

/// A map of strings whose entries may each be null or unknown.
pub type StringMap = Attr<BTreeMap<String, Attr<String>>>;

impl<T: Clone> Attr<Vec<Attr<T>>> {
    /// The elements to act on at apply: null is none and null elements
    /// are left out; an unknown collection or element is an
    /// [`UnknownValue`], never read as empty.
    pub fn known_elements(&self) -> Result<Vec<T>, UnknownValue> {
        let Some(items) = self.known()? else {
            return Ok(Vec::new());
        };
        items
            .iter()
            .filter_map(|x| x.known().transpose())
            .map(|x| x.cloned())
            .collect()
    }

    /// The elements known so far, for plan-time checks: unknown ones (and
    /// an unknown collection) are checked later.
    pub fn known_so_far(&self) -> Vec<T> {
        self.if_known()
            .into_iter()
            .flatten()
            .filter_map(|x| x.if_known().cloned())
            .collect()
    }

    /// A known collection of known elements.
    pub fn from_known(items: impl IntoIterator<Item = T>) -> Self {
        Attr::Known(items.into_iter().map(Attr::Known).collect())
    }
}

impl<T: Clone> Attr<BTreeMap<String, Attr<T>>> {
    /// The entries to act on at apply: null is empty and null entries are
    /// left out; an unknown map or entry is an [`UnknownValue`], never read
    /// as empty.
    pub fn known_entries(&self) -> Result<BTreeMap<String, T>, UnknownValue> {
        let Some(m) = self.known()? else {
            return Ok(BTreeMap::new());
        };
        let mut out = BTreeMap::new();
        for (k, v) in m {
            if let Some(v) = v.known()? {
                out.insert(k.clone(), v.clone());
            }
        }
        Ok(out)
    }

    /// The entries known so far, for plan-time checks and requests built
    /// from a plan: unknown ones (and an unknown map) are left out.
    pub fn known_so_far(&self) -> BTreeMap<String, T> {
        self.if_known()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.if_known()?.clone())))
            .collect()
    }

    /// A known map of known entries.
    pub fn from_known_entries(entries: impl IntoIterator<Item = (String, T)>) -> Self {
        Attr::Known(
            entries
                .into_iter()
                .map(|(k, v)| (k, Attr::Known(v)))
                .collect(),
        )
    }
}

impl Attr<String> {
    /// The value as written when the cloud's `reported` spelling means the
    /// same by `same(written, reported)` (null and absent counting as "");
    /// otherwise the cloud's value, so real drift still shows. Unknown
    /// (nothing written yet) takes the cloud's value.
    pub fn as_written(&self, reported: Option<String>, same: impl Fn(&str, &str) -> bool) -> Self {
        let written = match self {
            Attr::Null => Some(""),
            Attr::Known(s) => Some(s.as_str()),
            Attr::Unknown => None,
        };
        match written {
            Some(w) if same(w, reported.as_deref().unwrap_or("")) => self.clone(),
            _ => Attr::from_option(reported),
        }
    }
}

/// A value that does not fit the model: the attribute path and what was
/// found instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ModelError {
    pub path: String,
    pub problem: String,
    /// The value did not fit only because it was unknown.
    pub unknown: bool,
    /// The configuration's error rather than the provider's: a null where
    /// the model has no room for one (an element of a collection), or a
    /// fraction where a whole number is needed.
    pub invalid: bool,
}

impl ModelError {
    fn new(problem: impl Into<String>) -> Self {
        ModelError {
            path: String::new(),
            problem: problem.into(),
            unknown: false,
            invalid: false,
        }
    }

    fn found(expected: &str, v: &Value) -> Self {
        let got = match v {
            Value::Null => "null",
            Value::Unknown => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
        };
        ModelError {
            unknown: v.is_unknown(),
            invalid: v.is_null(),
            ..ModelError::new(format!("expected {expected}, found {got}"))
        }
    }

    /// The same error seen from the enclosing attribute `name`.
    pub fn within(mut self, name: &str) -> Self {
        self.path = if self.path.is_empty() {
            name.to_string()
        } else if self.path.starts_with('[') {
            format!("{name}{}", self.path)
        } else {
            format!("{name}.{}", self.path)
        };
        self
    }

    /// Whether the value did not fit only because something was unknown.
    pub fn is_unknown(&self) -> bool {
        self.unknown
    }
}

/// A Rust type that stands for Terraform values of some [`Type`].
pub trait Tf: Sized {
    /// Reads a value. Null and unknown are errors except in [`Attr`] (and,
    /// for null, in collections, where it reads as empty).
    fn from_tf(v: &Value) -> Result<Self, ModelError>;

    /// Writes the value as Terraform type `ty` (sets and lists differ only
    /// there).
    fn to_tf(&self, ty: &Type) -> Value;

    /// Whether values of type `ty` fit this Rust type; the error says why not.
    fn check(ty: &Type) -> Result<(), String>;
}

fn want(ty: &Type, expected: &Type) -> Result<(), String> {
    if ty == expected {
        Ok(())
    } else {
        Err(format!(
            "the schema has {}, the model {}",
            ty.to_json(),
            expected.to_json()
        ))
    }
}

/// `Tf` for a scalar: the value variant it reads (`read`: the known
/// value to the Rust one, `None` when it does not fit), how it writes, and
/// its Terraform type.
macro_rules! scalar {
    ($t:ty, $what:literal, $ty:expr, $read:expr, $write:expr) => {
        impl Tf for $t {
            fn from_tf(v: &Value) -> Result<Self, ModelError> {
                let read: fn(&Value) -> Option<Option<$t>> = $read;
                match read(v) {
                    Some(Some(x)) => Ok(x),
                    Some(None) => Err(ModelError {
                        invalid: true,
                        ..ModelError::new(concat!("must be ", $what))
                    }),
                    None => Err(ModelError::found($what, v)),
                }
            }
            fn to_tf(&self, _ty: &Type) -> Value {
                let write: fn(&$t) -> Value = $write;
                write(self)
            }
            fn check(ty: &Type) -> Result<(), String> {
                want(ty, &$ty)
            }
        }
    };
}

scalar!(
    String,
    "a string",
    Type::String,
    |v| v.as_str().map(|s| Some(s.to_string())),
    |s| Value::String(s.clone())
);
scalar!(bool, "a bool", Type::Bool, |v| v.as_bool().map(Some), |b| {
    Value::Bool(*b)
});
scalar!(
    i64,
    "a whole number",
    Type::Number,
    |v| v.as_f64().map(|_| v.as_i64()),
    |n| Value::Number(*n as f64)
);
scalar!(
    f64,
    "a number",
    Type::Number,
    |v| v.as_f64().map(Some),
    |n| { Value::Number(*n) }
);

/// A value kept as it is (the `timeouts` block, or an attribute whose
/// partly known shape the code walks itself).
impl Tf for Value {
    fn from_tf(v: &Value) -> Result<Self, ModelError> {
        Ok(v.clone())
    }
    fn to_tf(&self, _ty: &Type) -> Value {
        self.clone()
    }
    fn check(_ty: &Type) -> Result<(), String> {
        Ok(())
    }
}

impl<T: Tf> Tf for Attr<T> {
    fn from_tf(v: &Value) -> Result<Self, ModelError> {
        match v {
            Value::Null => Ok(Attr::Null),
            Value::Unknown => Ok(Attr::Unknown),
            _ => match T::from_tf(v) {
                Ok(t) => Ok(Attr::Known(t)),
                Err(e) if e.is_unknown() => Ok(Attr::Unknown),
                Err(e) => Err(e),
            },
        }
    }
    fn to_tf(&self, ty: &Type) -> Value {
        match self {
            Attr::Null => Value::Null,
            Attr::Unknown => Value::Unknown,
            Attr::Known(v) => v.to_tf(ty),
        }
    }
    fn check(ty: &Type) -> Result<(), String> {
        T::check(ty)
    }
}

/// A list or set (null reads as empty: use `Attr<Vec<T>>` where they differ).
impl<T: Tf> Tf for Vec<T> {
    fn from_tf(v: &Value) -> Result<Self, ModelError> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::List(items) | Value::Set(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| T::from_tf(x).map_err(|e| e.within(&format!("[{i}]"))))
                .collect(),
            other => Err(ModelError::found("a list or set", other)),
        }
    }
    fn to_tf(&self, ty: &Type) -> Value {
        match ty {
            Type::Set(e) => Value::Set(self.iter().map(|x| x.to_tf(e)).collect()),
            Type::List(e) => Value::List(self.iter().map(|x| x.to_tf(e)).collect()),
            other => Value::List(self.iter().map(|x| x.to_tf(other)).collect()),
        }
    }
    fn check(ty: &Type) -> Result<(), String> {
        match ty {
            Type::List(e) | Type::Set(e) => T::check(e),
            other => Err(format!(
                "the schema has {}, the model a list or set",
                other.to_json()
            )),
        }
    }
}

/// A map (null reads as empty: use `Attr<BTreeMap<..>>` where they differ).
/// A null entry is left out where `T` has no room for null (as
/// [`Value::string_map`] leaves it out) and kept where it has (`Attr<T>`).
impl<T: Tf> Tf for BTreeMap<String, T> {
    fn from_tf(v: &Value) -> Result<Self, ModelError> {
        match v {
            Value::Null => Ok(BTreeMap::new()),
            Value::Map(m) => m
                .iter()
                .filter_map(|(k, x)| match T::from_tf(x) {
                    Ok(t) => Some(Ok((k.clone(), t))),
                    Err(_) if x.is_null() => None,
                    Err(e) => Some(Err(e.within(&format!("[{k:?}]")))),
                })
                .collect(),
            other => Err(ModelError::found("a map", other)),
        }
    }
    fn to_tf(&self, ty: &Type) -> Value {
        let elem = match ty {
            Type::Map(e) => e.as_ref().clone(),
            other => other.clone(),
        };
        Value::Map(
            self.iter()
                .map(|(k, x)| (k.clone(), x.to_tf(&elem)))
                .collect(),
        )
    }
    fn check(ty: &Type) -> Result<(), String> {
        match ty {
            Type::Map(e) => T::check(e),
            other => Err(format!(
                "the schema has {}, the model a map",
                other.to_json()
            )),
        }
    }
}

/// A struct declared with [`tf_model!`](crate::tf_model): an object type.
pub trait Model: Tf {
    /// The attribute names, in declaration order.
    fn attribute_names() -> Vec<&'static str>;

    /// Reads a whole configuration, plan or state.
    fn from_value(v: &Value) -> Result<Self, ModelError> {
        Self::from_tf(v)
    }

    /// The value of schema type `ty` (a resource's `schema().ty()`, or a
    /// data source's view of it: fields the type lacks are left out).
    fn to_value(&self, ty: &Type) -> Value {
        self.to_tf(ty)
    }

    /// Every field is an attribute of `ty` of a fitting type, and every
    /// attribute a field.
    fn check_against(ty: &Type) -> Result<(), String> {
        Self::check(ty)
    }
}

/// The attribute name of a field (`r#type` is `type`).
pub fn attr_name(field: &'static str) -> &'static str {
    field.strip_prefix("r#").unwrap_or(field)
}

/// A field of a model: its attribute name and its type check ([`Tf::check`]).
pub type FieldCheck = (&'static str, fn(&Type) -> Result<(), String>);

/// Checks an object type against a model's field names and field types.
pub fn check_object(ty: &Type, fields: &[FieldCheck]) -> Result<(), String> {
    let Type::Object(attrs) = ty else {
        return Err(format!(
            "the schema has {}, the model an object",
            ty.to_json()
        ));
    };
    let mut problems = Vec::new();
    for (name, check) in fields {
        match attrs.get(*name) {
            None => problems.push(format!("{name}: a field with no attribute")),
            Some(t) => {
                if let Err(e) = check(t) {
                    problems.push(format!("{name}: {e}"));
                }
            }
        }
    }
    for name in attrs.keys() {
        if !fields.iter().any(|(f, _)| f == name) {
            problems.push(format!("{name}: an attribute with no field"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Reads an object's attribute into a field, naming the attribute on error.
pub fn read_field<T: Tf>(v: &Value, name: &'static str) -> Result<T, ModelError> {
    T::from_tf(v.get(name)).map_err(|e| e.within(name))
}

/// Reads an object value, or says why it is not one.
pub fn expect_object(v: &Value) -> Result<(), ModelError> {
    match v {
        Value::Object(_) => Ok(()),
        other => Err(ModelError::found("an object", other)),
    }
}

/// The type of attribute `name` in object type `ty`; `None` when the type
/// has no such attribute (a data source's view of a resource's model
/// leaves some out, and writing skips them).
pub fn field_type<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    match ty {
        Type::Object(f) => f.get(name),
        _ => None,
    }
}

/// Reads a model, or reports a value that does not fit it as an error
/// diagnostic naming the attribute: a `null` element of a collection or a
/// fraction for a whole number is the configuration's error; anything else
/// is a fault of the provider, since Terraform checked the value against
/// the same schema.
pub fn decode<M: Model>(what: &str, v: &Value, diags: &mut super::diag::Diagnostics) -> Option<M> {
    match M::from_value(v) {
        Ok(m) => Some(m),
        Err(e) if e.invalid => {
            let detail = if e.problem.ends_with("found null") {
                "A null element is not allowed here: remove it, or give a value.".to_string()
            } else {
                format!("The value {}.", e.problem)
            };
            diags.error(format!("Invalid value for {}", e.path), detail);
            None
        }
        Err(e) => {
            provider_fault(what, &e, diags);
            None
        }
    }
}

/// [`decode`] for a resource's own `validate`, after the schema's checks:
/// a value those checks refuse (null elements, fractions) is not reported
/// again, and the resource's checks are skipped.
pub fn decode_checked<M: Model>(v: &Value, diags: &mut super::diag::Diagnostics) -> Option<M> {
    match M::from_value(v) {
        Ok(m) => Some(m),
        Err(e) if e.invalid => None,
        Err(e) => {
            provider_fault("configuration", &e, diags);
            None
        }
    }
}

fn provider_fault(what: &str, e: &ModelError, diags: &mut super::diag::Diagnostics) {
    diags.error(
        format!("The provider cannot read the {what}"),
        format!("{e}. This is a fault of the provider; please report it."),
    );
}

/// Declares a model struct: one field per attribute or nested block of a
/// schema block, the field named as the attribute (a field the value lacks
/// reads as null). Implements
/// [`Tf`](crate::framework::model::Tf) and
/// [`Model`](crate::framework::model::Model).
///
/// ```ignore
/// tf_model! {
///     pub struct GroupModel {
///         pub id: Attr<String>,
///         pub members: Attr<Vec<String>>,
///         pub rules: Attr<RulesModel>,
///     }
/// }
/// ```
#[macro_export]
macro_rules! tf_model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $fty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $fty ),*
        }

        impl $crate::framework::model::Tf for $name {
            fn from_tf(
                v: &$crate::framework::Value,
            ) -> Result<Self, $crate::framework::model::ModelError> {
                use $crate::framework::model::{attr_name, expect_object, read_field};
                expect_object(v)?;
                Ok(Self {
                    $( $field: read_field(v, attr_name(stringify!($field)))?, )*
                })
            }

            fn to_tf(&self, ty: &$crate::framework::Type) -> $crate::framework::Value {
                use $crate::framework::model::{attr_name, field_type, Tf};
                let mut m = std::collections::BTreeMap::new();
                $(
                    let name = attr_name(stringify!($field));
                    if let Some(t) = field_type(ty, name) {
                        m.insert(name.to_string(), Tf::to_tf(&self.$field, t));
                    }
                )*
                $crate::framework::Value::Object(m)
            }

            fn check(ty: &$crate::framework::Type) -> Result<(), String> {
                use $crate::framework::model::{attr_name, check_object, Tf};
                check_object(ty, &[
                    $( (attr_name(stringify!($field)), <$fty as Tf>::check), )*
                ])
            }
        }

        impl $crate::framework::model::Model for $name {
            fn attribute_names() -> Vec<&'static str> {
                vec![$( $crate::framework::model::attr_name(stringify!($field)) ),*]
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::tf_model! {
        struct Rules {
            max: Attr<i64>,
        }
    }

    crate::tf_model! {
        struct Thing {
            id: Attr<String>,
            r#type: Attr<String>,
            tags: Attr<Vec<String>>,
            meta: BTreeMap<String, String>,
            rules: Attr<Rules>,
            disks: Vec<Rules>,
            timeouts: Value,
        }
    }

    fn ty() -> Type {
        let rules = Type::object([("max", Type::Number)]);
        Type::object([
            ("id", Type::String),
            ("type", Type::String),
            ("tags", Type::set(Type::String)),
            ("meta", Type::map(Type::String)),
            ("rules", rules.clone()),
            ("disks", Type::list(rules)),
            ("timeouts", Type::object([("create", Type::String)])),
        ])
    }

    fn obj(fields: &[(&str, Value)]) -> Value {
        Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    /// Null, unknown and known in every kind of field, read and written back.
    #[test]
    fn null_unknown_and_known_round_trip() {
        let cases: Vec<(&str, Value, Attr<Vec<String>>)> = vec![
            ("null tags", Value::Null, Attr::Null),
            ("unknown tags", Value::Unknown, Attr::Unknown),
            (
                "a set with an unknown element is unknown as a whole",
                Value::Set(vec![Value::string("a"), Value::Unknown]),
                Attr::Unknown,
            ),
            ("empty set", Value::Set(vec![]), Attr::Known(vec![])),
            (
                "known set",
                Value::Set(vec![Value::string("a")]),
                Attr::Known(vec!["a".into()]),
            ),
        ];
        for (what, tags, expected) in cases {
            let v = obj(&[
                ("id", Value::string("x")),
                ("type", Value::Unknown),
                ("tags", tags.clone()),
                ("meta", Value::Null),
                ("rules", obj(&[("max", Value::Number(2.0))])),
                ("disks", Value::List(vec![obj(&[("max", Value::Null)])])),
                ("timeouts", Value::Null),
            ]);
            let m = Thing::from_value(&v).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(m.tags, expected, "{what}");
            assert_eq!(m.id, Attr::Known("x".into()));
            assert!(m.r#type.is_unknown());
            assert_eq!(m.rules.if_known().and_then(|r| r.max.if_known()), Some(&2));
            assert_eq!(m.disks.len(), 1);
            let back = m.to_value(&ty());
            let want_tags = if matches!(tags, Value::Set(ref s) if s.contains(&Value::Unknown)) {
                Value::Unknown
            } else {
                tags
            };
            assert_eq!(back.get("tags"), &want_tags, "{what}");
            assert_eq!(back.get("meta"), &Value::Map(BTreeMap::new()));
            assert_eq!(back.get("type"), &Value::Unknown);
        }
    }

    #[test]
    fn null_map_entries_are_left_out() {
        let v = Value::Map(
            [
                ("a".to_string(), Value::string("1")),
                ("b".to_string(), Value::Null),
            ]
            .into(),
        );
        let m: Attr<BTreeMap<String, String>> = Tf::from_tf(&v).unwrap();
        assert_eq!(m, Attr::Known([("a".to_string(), "1".to_string())].into()));
        assert_eq!(
            Ok(m.if_known().cloned().unwrap_or_default()),
            v.string_map()
        );
        let v = Value::Map([("a".to_string(), Value::Unknown)].into());
        let m: Attr<BTreeMap<String, String>> = Tf::from_tf(&v).unwrap();
        assert!(m.is_unknown(), "an unknown entry makes the map unknown");
    }

    #[test]
    fn reading_an_unknown_is_an_explicit_decision() {
        let a: Attr<String> = Attr::Unknown;
        assert_eq!(a.known(), Err(UnknownValue));
        assert_eq!(a.if_known(), None);
        let n: Attr<String> = Attr::Null;
        assert_eq!(n.known(), Ok(None));
    }

    /// `tags = [null]` is the configuration's error, named as such.
    #[test]
    fn a_null_element_is_the_configurations_error() {
        let v = obj(&[("tags", Value::Set(vec![Value::Null]))]);
        let mut d = crate::framework::Diagnostics::default();
        assert!(decode::<Thing>("configuration", &v, &mut d).is_none());
        assert_eq!(d.0[0].summary, "Invalid value for tags[0]");
        let v = obj(&[("rules", obj(&[("max", Value::Number(1.5))]))]);
        let mut d = crate::framework::Diagnostics::default();
        assert!(decode::<Thing>("configuration", &v, &mut d).is_none());
        assert_eq!(d.0[0].summary, "Invalid value for rules.max");
        assert_eq!(d.0[0].detail, "The value must be a whole number.");
        let mut d = crate::framework::Diagnostics::default();
        assert!(decode_checked::<Thing>(&v, &mut d).is_none());
        assert!(d.0.is_empty(), "the schema's validators report it");
        let v = obj(&[("id", Value::Bool(true))]);
        let mut d = crate::framework::Diagnostics::default();
        assert!(decode::<Thing>("configuration", &v, &mut d).is_none());
        assert_eq!(d.0[0].summary, "The provider cannot read the configuration");
    }

    #[test]
    fn misfits_name_the_attribute() {
        let v = obj(&[("id", Value::Number(1.0))]);
        let e = Thing::from_value(&v).unwrap_err();
        assert_eq!(e.to_string(), "id: expected a string, found a number");
        let v = obj(&[(
            "disks",
            Value::List(vec![obj(&[("max", Value::string("x"))])]),
        )]);
        let e = Thing::from_value(&v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "disks[0].max: expected a whole number, found a string"
        );
        let v = obj(&[("disks", Value::List(vec![Value::Unknown]))]);
        assert!(
            Thing::from_value(&v).unwrap_err().is_unknown(),
            "a non-Attr field cannot be unknown"
        );
    }

    #[test]
    fn models_are_checked_against_schema_types() {
        assert_eq!(Thing::check_against(&ty()), Ok(()));
        let mut wrong = ty();
        if let Type::Object(f) = &mut wrong {
            f.insert("extra".into(), Type::Bool);
            f.insert("tags".into(), Type::String);
            f.remove("meta");
        }
        let e = Thing::check_against(&wrong).unwrap_err();
        assert!(e.contains("meta: a field with no attribute"), "{e}");
        assert!(e.contains("extra: an attribute with no field"), "{e}");
        assert!(e.contains("tags: the schema has \"string\""), "{e}");
        assert_eq!(Thing::attribute_names()[1], "type");
    }

    /// A data source's view of a resource's schema lacks some attributes:
    /// the model writes only those the type has.
    #[test]
    fn writing_to_a_narrower_type_leaves_fields_out() {
        let m = Thing {
            id: Attr::Known("x".into()),
            ..Default::default()
        };
        let view = Type::object([("id", Type::String), ("tags", Type::set(Type::String))]);
        let v = m.to_value(&view);
        assert_eq!(v.as_object().map(|o| o.len()), Some(2));
        assert_eq!(v.get("id"), &Value::string("x"));
        assert_eq!(v.get("tags"), &Value::Null);
    }
}
