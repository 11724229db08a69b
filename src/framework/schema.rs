//! Schemas: attributes and nested blocks, with behaviour (validators, plan
//! modifiers, defaults) attached once, where the attribute is declared.

use std::sync::Arc;

use super::diag::{AttrPath, Diagnostics};
use super::validators::Validator;
use super::value::{Type, Value};

/// How an attribute behaves when planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanModifier {
    /// A change to this attribute replaces the resource.
    RequiresReplace,
    /// A computed attribute keeps its prior value instead of becoming
    /// unknown when something else in the resource changes.
    UseStateForUnknown,
    /// An optional+computed collection whose entries Terraform set are
    /// unset when the configuration stops setting it, while entries others
    /// added stay (see `framework::ownership`).
    UnsetWhenRemoved,
    /// Configuration only: never sent to the cloud. A change of such
    /// attributes alone is applied by the framework (state takes the
    /// planned values) and marks nothing else unknown.
    Local,
    /// An optional+computed attribute derived from others (a server's
    /// flavor name from its flavor ID): the resource's plan hook may plan
    /// it unknown when what it derives from changes; the core keeps the
    /// prior value like any other.
    Recomputed,
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub write_only: bool,
    pub description: String,
    pub deprecation: Option<String>,
    pub validators: Vec<Arc<dyn Validator>>,
    pub modifiers: Vec<PlanModifier>,
    pub default: Option<Value>,
    /// Nested attributes (an attribute whose value is an object, or a
    /// list, set or map of objects, described attribute by attribute).
    pub nested: Option<NestedAttributes>,
}

/// How the objects of a nested attribute are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectNesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Debug, Clone)]
pub struct NestedAttributes {
    pub nesting: ObjectNesting,
    pub attributes: Vec<Attribute>,
}

impl NestedAttributes {
    pub fn object_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("ty", &self.ty)
            .finish()
    }
}

impl Attribute {
    pub fn new(name: &str, ty: Type) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty,
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            description: String::new(),
            deprecation: None,
            validators: Vec::new(),
            modifiers: Vec::new(),
            default: None,
            nested: None,
        }
    }

    /// An attribute made of nested attributes.
    pub fn nested(name: &str, nesting: ObjectNesting, attributes: Vec<Attribute>) -> Attribute {
        let n = NestedAttributes {
            nesting,
            attributes,
        };
        let obj = n.object_type();
        let ty = match nesting {
            ObjectNesting::Single => obj,
            ObjectNesting::List => Type::list(obj),
            ObjectNesting::Set => Type::set(obj),
            ObjectNesting::Map => Type::map(obj),
        };
        let mut a = Attribute::new(name, ty);
        a.nested = Some(n);
        a
    }
    pub fn string(name: &str) -> Attribute {
        Attribute::new(name, Type::String)
    }
    pub fn number(name: &str) -> Attribute {
        Attribute::new(name, Type::Number)
    }
    pub fn bool(name: &str) -> Attribute {
        Attribute::new(name, Type::Bool)
    }
    pub fn string_map(name: &str) -> Attribute {
        Attribute::new(name, Type::map(Type::String))
    }
    pub fn string_set(name: &str) -> Attribute {
        Attribute::new(name, Type::set(Type::String))
    }
    pub fn string_list(name: &str) -> Attribute {
        Attribute::new(name, Type::list(Type::String))
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    /// Optional, and computed by the provider when not set.
    pub fn optional_computed(mut self) -> Self {
        self.optional = true;
        self.computed = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    pub fn description(mut self, d: &str) -> Self {
        self.description = d.to_string();
        self
    }
    pub fn deprecated(mut self, msg: &str) -> Self {
        self.deprecation = Some(msg.to_string());
        self
    }
    pub fn validate(mut self, v: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(v));
        self
    }
    pub fn requires_replace(mut self) -> Self {
        self.modifiers.push(PlanModifier::RequiresReplace);
        self
    }
    pub fn use_state_for_unknown(mut self) -> Self {
        self.modifiers.push(PlanModifier::UseStateForUnknown);
        self
    }
    /// See [`PlanModifier::UnsetWhenRemoved`].
    pub fn unset_when_removed(mut self) -> Self {
        self.modifiers.push(PlanModifier::UnsetWhenRemoved);
        self
    }
    /// See [`PlanModifier::Local`].
    pub fn local(mut self) -> Self {
        self.modifiers.push(PlanModifier::Local);
        self
    }
    /// See [`PlanModifier::Recomputed`].
    pub fn recomputed(mut self) -> Self {
        self.modifiers.push(PlanModifier::Recomputed);
        self
    }
    /// A default for an optional attribute; it becomes optional+computed so
    /// that the planned value may differ from the (null) configuration.
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self.optional = true;
        self.computed = true;
        self
    }
    pub fn has(&self, m: PlanModifier) -> bool {
        self.modifiers.contains(&m)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
}

#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
    /// Any change inside the block replaces the resource.
    pub requires_replace: bool,
    /// Configuration only, never sent to the cloud (`timeouts`); see
    /// [`PlanModifier::Local`].
    pub local: bool,
}

impl NestedBlock {
    pub fn new(name: &str, nesting: Nesting, block: Block) -> NestedBlock {
        NestedBlock {
            name: name.to_string(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
            requires_replace: false,
            local: false,
        }
    }
    pub fn max_items(mut self, n: i64) -> Self {
        self.max_items = n;
        self
    }
    pub fn min_items(mut self, n: i64) -> Self {
        self.min_items = n;
        self
    }
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    pub fn local(mut self) -> Self {
        self.local = true;
        self
    }
    pub fn ty(&self) -> Type {
        let obj = self.block.ty();
        match self.nesting {
            Nesting::Single => obj,
            Nesting::List => Type::list(obj),
            Nesting::Set => Type::set(obj),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecation: Option<String>,
}

impl Block {
    pub fn new(description: &str) -> Block {
        Block {
            description: description.to_string(),
            ..Default::default()
        }
    }
    pub fn attr(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }
    pub fn ty(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .chain(self.blocks.iter().map(|b| (b.name.clone(), b.ty())))
                .collect(),
        )
    }
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn nested(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Schema {
        Schema { version, block }
    }
    pub fn ty(&self) -> Type {
        self.block.ty()
    }
}

/// Runs every attribute's validators over a configuration (known, non-null
/// values only: unknown values are checked again at apply time).
pub fn validate_config(block: &Block, config: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if !matches!(config, Value::Object(_)) {
        return;
    }
    for a in &block.attributes {
        let v = config.get(&a.name);
        let p = path.then_attr(&a.name);
        if v.is_null() || v.is_unknown() {
            continue;
        }
        for val in &a.validators {
            val.validate(&p, v, diags);
        }
        null_elements(&a.name, v, &p, diags);
        if let Some(n) = &a.nested {
            let inner = Block {
                attributes: n.attributes.clone(),
                ..Default::default()
            };
            match n.nesting {
                ObjectNesting::Single => validate_config(&inner, v, &p, diags),
                ObjectNesting::List | ObjectNesting::Set => {
                    for (i, e) in v.walk().iter().enumerate() {
                        validate_config(&inner, e, &p.then_index(i), diags);
                    }
                }
                ObjectNesting::Map => {
                    for (k, e) in v.as_map().into_iter().flatten() {
                        validate_config(&inner, e, &p.then_key(k), diags);
                    }
                }
            }
        }
    }
    for b in &block.blocks {
        let v = config.get(&b.name);
        let p = path.then_attr(&b.name);
        match b.nesting {
            Nesting::Single => validate_config(&b.block, v, &p, diags),
            Nesting::List | Nesting::Set => {
                for (i, e) in v.walk().iter().enumerate() {
                    validate_config(&b.block, e, &p.then_index(i), diags);
                }
            }
        }
    }
}

/// A null element of a list, set or map (`tags = [null]`, `{ k = null }`)
/// means nothing to the compute API, and Terraform keeps it in state where
/// the cloud has nothing: it is refused, naming the element.
fn null_elements(name: &str, v: &Value, p: &AttrPath, diags: &mut Diagnostics) {
    let detail = format!("A null element is not allowed in {name}: remove it, or give a value.");
    match v {
        Value::List(items) | Value::Set(items) => {
            for (i, e) in items.iter().enumerate() {
                if e.is_null() {
                    let at = p.then_index(i);
                    diags.error_at(
                        at.clone(),
                        format!("Invalid value for {at}"),
                        detail.clone(),
                    );
                }
            }
        }
        Value::Map(m) => {
            for (k, e) in m {
                if e.is_null() {
                    let at = p.then_key(k);
                    diags.error_at(
                        at.clone(),
                        format!("Invalid value for {at}"),
                        detail.clone(),
                    );
                }
            }
        }
        _ => {}
    }
}

/// Schema of a `timeouts` block with the given operations ("create", ...).
pub fn timeouts_block(ops: &[&str], default: &str) -> NestedBlock {
    let mut b =
        Block::new("Time limits for operations, as a number and unit: \"30s\", \"10m\", \"2h\".");
    for op in ops {
        b = b.attr(
            Attribute::string(op)
                .optional()
                .description(&format!("Time limit for {op} (default {default})."))
                .validate(super::validators::Duration),
        );
    }
    NestedBlock::new("timeouts", Nesting::Single, b).local()
}

/// A data source's view of a resource schema: every attribute computed,
/// except `lookups`, which become optional arguments. Nested blocks
/// (timeouts, ...) are dropped; their attributes are not lookups.
pub fn computed_view(block: &Block, description: &str, lookups: &[&str]) -> Block {
    let mut b = Block::new(description);
    for a in &block.attributes {
        if a.write_only {
            continue;
        }
        let mut c = Attribute::new(&a.name, a.ty.clone());
        c.description = a.description.clone();
        c.sensitive = a.sensitive;
        if lookups.contains(&a.name.as_str()) {
            c.optional = true;
            c.computed = true;
            c.validators = a.validators.clone();
        } else {
            c.computed = true;
        }
        b.attributes.push(c);
    }
    b
}

#[cfg(test)]
mod view_tests {
    use super::*;

    /// Null elements are refused, each named; null and unknown
    /// collections, and unknown elements, are not.
    #[test]
    fn null_elements_are_refused_by_name() {
        let b = Block::new("b")
            .attr(Attribute::string_map("metadata").optional())
            .attr(Attribute::string_set("hosts").optional());
        let cases: Vec<(&str, Value, Value, Vec<&str>)> = vec![
            ("null collections", Value::Null, Value::Null, vec![]),
            (
                "unknown collections",
                Value::Unknown,
                Value::Unknown,
                vec![],
            ),
            (
                "unknown elements",
                Value::Map([("k".to_string(), Value::Unknown)].into()),
                Value::Set(vec![Value::Unknown]),
                vec![],
            ),
            (
                "null elements",
                Value::Map(
                    [
                        ("k".to_string(), Value::Null),
                        ("j".to_string(), Value::string("1")),
                    ]
                    .into(),
                ),
                Value::Set(vec![Value::string("h"), Value::Null]),
                vec![
                    "Invalid value for metadata[\"k\"]",
                    "Invalid value for hosts[1]",
                ],
            ),
        ];
        for (what, metadata, hosts, want) in cases {
            let cfg = Value::Object(
                [
                    ("metadata".to_string(), metadata),
                    ("hosts".to_string(), hosts),
                ]
                .into(),
            );
            let mut d = Diagnostics::default();
            validate_config(&b, &cfg, &AttrPath::root(), &mut d);
            let got: Vec<&str> = d.0.iter().map(|x| x.summary.as_str()).collect();
            assert_eq!(got, want, "{what}");
        }
    }

    #[test]
    fn nested_attributes_have_object_types_and_are_validated() {
        let a = Attribute::nested(
            "rules",
            ObjectNesting::List,
            vec![Attribute::string("name")
                .required()
                .validate(crate::framework::validators::StringLength(1, 3))],
        );
        assert_eq!(a.ty, Type::list(Type::object([("name", Type::String)])));
        let b = Block::new("b").attr(a.optional());
        let cfg = Value::Object(
            [(
                "rules".to_string(),
                Value::List(vec![Value::Object(
                    [("name".to_string(), Value::string("toolong"))].into(),
                )]),
            )]
            .into(),
        );
        let mut d = Diagnostics::default();
        validate_config(&b, &cfg, &AttrPath::root(), &mut d);
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "rules[0].name");
    }

    #[test]
    fn computed_view_keeps_lookups_optional() {
        let r = Block::new("r")
            .attr(Attribute::string("name").required().requires_replace())
            .attr(Attribute::string("secret").optional().write_only())
            .attr(Attribute::number("ram").required())
            .block(timeouts_block(&["create"], "1m"));
        let v = computed_view(&r, "d", &["name"]);
        let name = v.attribute("name").unwrap();
        assert!(name.optional && name.computed && !name.required && name.modifiers.is_empty());
        let ram = v.attribute("ram").unwrap();
        assert!(ram.computed && !ram.optional);
        assert!(v.attribute("secret").is_none() && v.blocks.is_empty());
    }
}

/// The configuration a user would write for an object in `state`: the
/// arguments (required, or optional and not computed) that hold a value
/// other than their default; nothing computed, nothing write-only. Nested
/// blocks follow the same rule; absent blocks are empty.
pub fn config_from_state(block: &Block, state: &Value) -> Value {
    let mut out = Value::null_object(&block.ty());
    if state.is_null() {
        return out;
    }
    for a in &block.attributes {
        let v = state.get(&a.name);
        let argument =
            a.required || (a.optional && !a.computed) || (a.default.is_some() && a.optional);
        if !argument || a.write_only || v.is_null() || a.default.as_ref() == Some(v) {
            continue;
        }
        if matches!(v, Value::Map(m) if m.is_empty())
            || matches!(v, Value::List(l) | Value::Set(l) if l.is_empty())
        {
            continue;
        }
        out.set(&a.name, v.clone());
    }
    for b in &block.blocks {
        if b.name == "timeouts" {
            continue;
        }
        let v = state.get(&b.name);
        let converted = match b.nesting {
            Nesting::Single => {
                if v.is_null() {
                    Value::Null
                } else {
                    config_from_state(&b.block, v)
                }
            }
            Nesting::List => Value::List(
                v.walk()
                    .iter()
                    .map(|e| config_from_state(&b.block, e))
                    .collect(),
            ),
            Nesting::Set => Value::Set(
                v.walk()
                    .iter()
                    .map(|e| config_from_state(&b.block, e))
                    .collect(),
            ),
        };
        out.set(&b.name, converted);
    }
    out
}

#[cfg(test)]
mod config_from_state_tests {
    use super::*;

    #[test]
    fn arguments_only_without_defaults_or_computed_values() {
        let inner = Block::new("n")
            .attr(Attribute::string("uuid").optional())
            .attr(Attribute::string("mac").computed());
        let b = Block::new("r")
            .attr(Attribute::string("name").required())
            .attr(Attribute::string("note").optional())
            .attr(Attribute::string("zone").optional_computed())
            .attr(Attribute::string("id").computed())
            .attr(Attribute::string("secret").optional().write_only())
            .attr(Attribute::bool("force").default(false))
            .attr(Attribute::bool("public").default(true))
            .attr(Attribute::string_map("labels").optional())
            .block(NestedBlock::new("net", Nesting::List, inner.clone()))
            .block(NestedBlock::new(
                "timeouts",
                Nesting::Single,
                Block::new("t").attr(Attribute::string("create").optional()),
            ));
        let net = |u: &str| {
            let mut n = Value::null_object(&inner.ty());
            n.set("uuid", Value::string(u));
            n.set("mac", Value::string("fa:16:3e:00:00:01"));
            n
        };
        let mut st = Value::null_object(&b.ty());
        for (k, v) in [
            ("name", Value::string("web")),
            ("zone", Value::string("nova")),
            ("id", Value::string("x")),
            ("secret", Value::string("s")),
            ("force", Value::Bool(false)),
            ("public", Value::Bool(false)),
            ("labels", Value::Map(Default::default())),
            ("net", Value::List(vec![net("a")])),
        ] {
            st.set(k, v);
        }
        let c = config_from_state(&b, &st);
        assert_eq!(c.get("name"), &Value::string("web"));
        for absent in [
            "note", "zone", "id", "secret", "force", "labels", "timeouts",
        ] {
            assert!(c.get(absent).is_null(), "{absent}");
        }
        assert_eq!(
            c.get("public"),
            &Value::Bool(false),
            "a default changed is an argument"
        );
        let nets = c.get("net").walk();
        assert_eq!(nets[0].get("uuid"), &Value::string("a"));
        assert!(nets[0].get("mac").is_null());
        // nothing in state: nothing generated, blocks empty
        let empty = config_from_state(&b, &Value::null_object(&b.ty()));
        assert_eq!(empty.get("net"), &Value::List(vec![]));
        assert!(config_from_state(&b, &Value::Null).get("name").is_null());
    }
}
