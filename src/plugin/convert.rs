//! Pure converters between protocol messages and core types.

use std::collections::HashMap;

use crate::framework::diag::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::framework::function::{FunctionDefinition, FunctionError};
use crate::framework::resource::IdentitySchema;
use crate::framework::runtime::Dynamic;
use crate::framework::schema::{Attribute, Block, NestedBlock, Nesting, Schema};

use super::proto::tfplugin6 as pb;

pub fn dynamic_in(d: Option<pb::DynamicValue>) -> Dynamic {
    d.map(|d| Dynamic {
        msgpack: d.msgpack,
        json: d.json,
    })
    .unwrap_or_default()
}

pub fn dynamic_out(d: Dynamic) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: d.msgpack,
        json: d.json,
    }
}

/// A moment as protobuf's Timestamp (moments before 1970 become 1970).
pub fn timestamp_out(t: std::time::SystemTime) -> prost_types::Timestamp {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp {
        seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos() as i32,
    }
}

pub fn path_out(p: &AttrPath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub fn path_in(p: &pb::AttributePath) -> AttrPath {
    use pb::attribute_path::step::Selector;
    AttrPath(
        p.steps
            .iter()
            .filter_map(|s| {
                Some(match s.selector.as_ref()? {
                    Selector::AttributeName(a) => PathStep::Attr(a.clone()),
                    Selector::ElementKeyString(k) => PathStep::Key(k.clone()),
                    Selector::ElementKeyInt(i) => PathStep::Index(*i),
                })
            })
            .collect(),
    )
}

pub fn diagnostic_out(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.path.as_ref().map(path_out),
    }
}

pub fn diagnostics_out(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.iter().map(diagnostic_out).collect()
}

fn string_kind(s: &str) -> i32 {
    // descriptions are written in Markdown
    let _ = s;
    pb::StringKind::Markdown as i32
}

fn attribute_out(a: &Attribute) -> pb::schema::Attribute {
    use crate::framework::schema::ObjectNesting;
    use pb::schema::object::NestingMode;
    // an attribute has either a type or nested attributes, never both
    let (ty, nested_type) = match &a.nested {
        None => (a.ty.to_json().to_string().into_bytes(), None),
        Some(n) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: n.attributes.iter().map(attribute_out).collect(),
                nesting: match n.nesting {
                    ObjectNesting::Single => NestingMode::Single,
                    ObjectNesting::List => NestingMode::List,
                    ObjectNesting::Set => NestingMode::Set,
                    ObjectNesting::Map => NestingMode::Map,
                } as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: ty,
        nested_type,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: string_kind(&a.description),
        deprecated: a.deprecation.is_some(),
        write_only: a.write_only,
        deprecation_message: a.deprecation.clone().unwrap_or_default(),
    }
}

fn nested_out(b: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    pb::schema::NestedBlock {
        type_name: b.name.clone(),
        block: Some(block_out(&b.block, 0)),
        nesting: match b.nesting {
            Nesting::Single => NestingMode::Single,
            Nesting::List => NestingMode::List,
            Nesting::Set => NestingMode::Set,
        } as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

fn block_out(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute_out).collect(),
        block_types: b.blocks.iter().map(nested_out).collect(),
        description: b.description.clone(),
        description_kind: string_kind(&b.description),
        deprecated: b.deprecation.is_some(),
        deprecation_message: b.deprecation.clone().unwrap_or_default(),
    }
}

pub fn schema_out(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block_out(&s.block, s.version)),
    }
}

pub fn identity_schema_out(i: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: i.version,
        identity_attributes: i
            .attributes
            .iter()
            .map(|(name, ty, required, description)| {
                pb::resource_identity_schema::IdentityAttribute {
                    name: name.clone(),
                    r#type: ty.to_json().to_string().into_bytes(),
                    required_for_import: *required,
                    optional_for_import: !*required,
                    description: description.clone(),
                }
            })
            .collect(),
    }
}

pub fn identity_out(d: Option<Dynamic>) -> Option<pb::ResourceIdentityData> {
    d.map(|d| pb::ResourceIdentityData {
        identity_data: Some(dynamic_out(d)),
    })
}

pub fn identity_in(d: Option<pb::ResourceIdentityData>) -> Option<Dynamic> {
    d.and_then(|i| i.identity_data).map(|d| Dynamic {
        msgpack: d.msgpack,
        json: d.json,
    })
}

/// A function's definition; no parameter takes unknown values (Terraform
/// skips the call while an argument is unknown).
pub fn function_out(f: &FunctionDefinition) -> pb::Function {
    pb::Function {
        parameters: f
            .parameters
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.clone(),
                r#type: p.ty.to_json().to_string().into_bytes(),
                allow_null_value: p.allow_null,
                allow_unknown_values: false,
                description: p.description.clone(),
                description_kind: string_kind(&p.description),
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: f.returns.to_json().to_string().into_bytes(),
        }),
        summary: f.summary.clone(),
        description: f.description.clone(),
        description_kind: string_kind(&f.description),
        deprecation_message: String::new(),
    }
}

pub fn functions_out(fs: &[FunctionDefinition]) -> HashMap<String, pb::Function> {
    fs.iter()
        .map(|f| (f.name.to_string(), function_out(f)))
        .collect()
}

pub fn function_error_out(e: &FunctionError) -> pb::FunctionError {
    pb::FunctionError {
        text: e.text.clone(),
        function_argument: e.argument.map(|i| i as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::Attribute;

    #[test]
    fn paths_round_trip() {
        let p = AttrPath::attr("network")
            .then_index(1)
            .then_attr("tags")
            .then_key("k");
        assert_eq!(path_in(&path_out(&p)), p);
    }

    #[test]
    fn diagnostics_carry_severity_and_path() {
        let d = Diagnostic::error("bad", "detail").at(AttrPath::attr("name"));
        let out = diagnostic_out(&d);
        assert_eq!(out.severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(
            path_in(out.attribute.as_ref().unwrap()),
            AttrPath::attr("name")
        );
        let w = diagnostic_out(&Diagnostic::warning("w", ""));
        assert_eq!(w.severity, pb::diagnostic::Severity::Warning as i32);
        assert!(w.attribute.is_none());
    }

    #[test]
    fn attribute_types_are_json() {
        let s = Schema::new(
            1,
            Block::new("x")
                .attr(Attribute::string_map("metadata").optional())
                .attr(
                    Attribute::string("password")
                        .optional()
                        .sensitive()
                        .write_only(),
                ),
        );
        let out = schema_out(&s);
        let b = out.block.unwrap();
        assert_eq!(b.version, 1);
        assert_eq!(
            String::from_utf8(b.attributes[0].r#type.clone()).unwrap(),
            r#"["map","string"]"#
        );
        assert!(b.attributes[1].sensitive && b.attributes[1].write_only);
    }
}
