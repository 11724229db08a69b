//! The plan pipeline, applied by the core before a resource's own plan hook:
//!
//! 1. start from Terraform's proposed new state;
//! 2. fill defaults where the configuration is null;
//! 3. null out write-only attributes (never planned, never stored);
//! 4. collections marked unset-when-removed that the configuration no
//!    longer sets keep their prior value less what Terraform set
//!    (`framework::ownership`);
//! 5. on create, computed attributes left null in configuration become
//!    unknown. On update, nothing changes unless the resource changes
//!    outside its local (configuration-only) attributes such as
//!    `timeouts`; then purely computed attributes become unknown unless
//!    marked use-state-for-unknown, and optional+computed attributes the
//!    configuration does not set keep their prior value (unmanaged means
//!    untouched) unless marked recomputed;
//! 6. collect requires-replace paths where a marked attribute changes.

use super::diag::AttrPath;
use super::schema::{Attribute, Block, Nesting, ObjectNesting, PlanModifier};

/// The nested attributes of an attribute, as a block (for recursion).
fn inner_block(a: &Attribute) -> Option<(ObjectNesting, Block)> {
    a.nested.as_ref().map(|n| {
        (
            n.nesting,
            Block {
                attributes: n.attributes.clone(),
                ..Default::default()
            },
        )
    })
}
use super::ownership::Owned;
use super::value::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutcome {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
}

pub fn plan(
    block: &Block,
    prior: &Value,
    proposed: &Value,
    config: &Value,
    owned: &Owned,
) -> PlanOutcome {
    if proposed.is_null() {
        // destroy: the planned state stays null
        return PlanOutcome {
            planned: Value::Null,
            requires_replace: Vec::new(),
        };
    }
    let mut planned = proposed.clone();
    apply_defaults(block, config, &mut planned);
    null_write_only(block, &mut planned);
    owned.plan(block, prior, config, &mut planned);
    let creating = prior.is_null();
    let changing = creating
        || !without_local(block, &planned).semantically_equal(&without_local(block, prior));
    if changing {
        mark_unknown(block, config, prior, &mut planned, creating);
    }
    let mut requires_replace = Vec::new();
    if !creating {
        collect_replace(
            block,
            prior,
            &planned,
            &AttrPath::root(),
            &mut requires_replace,
        );
    }
    PlanOutcome {
        planned,
        requires_replace,
    }
}

/// The value without its local (configuration-only) attributes and blocks.
fn without_local(block: &Block, v: &Value) -> Value {
    let mut out = v.clone();
    if let Some(m) = out.as_object_mut() {
        for a in block
            .attributes
            .iter()
            .filter(|a| a.has(PlanModifier::Local))
        {
            m.remove(&a.name);
        }
        for b in block.blocks.iter().filter(|b| b.local) {
            m.remove(&b.name);
        }
    }
    out
}

/// True when an update changes nothing but local attributes (`timeouts`,
/// configuration-only switches): the framework applies it by taking the
/// planned values, without calling the cloud.
pub fn local_only_change(block: &Block, prior: &Value, planned: &Value) -> bool {
    !prior.is_null()
        && !planned.is_null()
        && without_local(block, prior).semantically_equal(&without_local(block, planned))
}

/// Plans an update the core did not see as a change (it changes only what
/// a resource's hook plans, such as a write-only argument's effect) as one
/// that does: computed attributes as in step 5 of the pipeline. A plan the
/// core already saw changing is left as it is.
pub fn plan_as_changing(block: &Block, config: &Value, prior: &Value, planned: &mut Value) {
    if local_only_change(block, prior, planned) {
        mark_unknown(block, config, prior, planned, false);
    }
}

fn apply_defaults(block: &Block, config: &Value, planned: &mut Value) {
    let Some(obj) = planned.as_object_mut() else {
        return;
    };
    for a in &block.attributes {
        if let Some(d) = &a.default {
            if config.get(&a.name).is_null() {
                obj.insert(a.name.clone(), d.clone());
            }
        }
    }
    for b in &block.blocks {
        let cfg = config.get(&b.name).clone();
        let Some(child) = obj.get_mut(&b.name) else {
            continue;
        };
        match (b.nesting, child) {
            (Nesting::Single, v @ Value::Object(_)) => apply_defaults(&b.block, &cfg, v),
            (Nesting::List, Value::List(items)) => {
                for (i, e) in items.iter_mut().enumerate() {
                    apply_defaults(&b.block, cfg.walk().get(i).unwrap_or(&Value::Null), e);
                }
            }
            _ => {}
        }
    }
}

fn null_write_only(block: &Block, planned: &mut Value) {
    let Some(obj) = planned.as_object_mut() else {
        return;
    };
    for a in &block.attributes {
        if a.write_only {
            obj.insert(a.name.clone(), Value::Null);
        }
    }
}

fn mark_unknown(block: &Block, config: &Value, prior: &Value, planned: &mut Value, creating: bool) {
    let Some(obj) = planned.as_object_mut() else {
        return;
    };
    for a in &block.attributes {
        if let (Some((nesting, inner)), false) = (inner_block(a), config.get(&a.name).is_null()) {
            let (cfg, pri) = (config.get(&a.name), prior.get(&a.name));
            if let Some(child) = obj.get_mut(&a.name) {
                match (nesting, child) {
                    (ObjectNesting::Single, v @ Value::Object(_)) => {
                        mark_unknown(&inner, cfg, pri, v, creating)
                    }
                    (ObjectNesting::List, Value::List(items)) => {
                        for (i, e) in items.iter_mut().enumerate() {
                            let p = pri.walk().get(i).unwrap_or(&Value::Null);
                            if p.is_null() || !e.semantically_equal(p) {
                                mark_unknown(
                                    &inner,
                                    cfg.walk().get(i).unwrap_or(&Value::Null),
                                    p,
                                    e,
                                    p.is_null(),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            continue;
        }
        if !a.computed
            || a.write_only
            || !config.get(&a.name).is_null()
            || a.default.is_some()
            || (!creating && a.has(PlanModifier::UnsetWhenRemoved))
        {
            // set by the configuration, or planned by ownership already
            continue;
        }
        // unmanaged means untouched: an optional+computed attribute the
        // configuration does not set keeps its value unless it is derived
        let keep = !creating
            && !prior.get(&a.name).is_null()
            && (a.has(PlanModifier::UseStateForUnknown)
                || (a.optional && !a.has(PlanModifier::Recomputed)));
        if keep {
            obj.insert(a.name.clone(), prior.get(&a.name).clone());
        } else {
            obj.insert(a.name.clone(), Value::Unknown);
        }
    }
    for b in &block.blocks {
        let cfg = config.get(&b.name);
        let pri = prior.get(&b.name);
        let Some(child) = obj.get_mut(&b.name) else {
            continue;
        };
        match (b.nesting, child) {
            (Nesting::Single, v @ Value::Object(_)) => {
                mark_unknown(&b.block, cfg, pri, v, creating)
            }
            (Nesting::List, Value::List(items)) => {
                for (i, e) in items.iter_mut().enumerate() {
                    let c = cfg.walk().get(i).unwrap_or(&Value::Null);
                    let p = pri.walk().get(i).unwrap_or(&Value::Null);
                    // an element that is new, or changed, gets its computed parts re-derived
                    let element_changes = p.is_null() || !e.semantically_equal(p);
                    if element_changes {
                        mark_unknown(&b.block, c, p, e, p.is_null());
                    }
                }
            }
            _ => {}
        }
    }
}

fn collect_replace(
    block: &Block,
    prior: &Value,
    planned: &Value,
    path: &AttrPath,
    out: &mut Vec<AttrPath>,
) {
    for a in &block.attributes {
        if let Some((ObjectNesting::Single, inner)) = inner_block(a) {
            collect_replace(
                &inner,
                prior.get(&a.name),
                planned.get(&a.name),
                &path.then_attr(&a.name),
                out,
            );
        }
        if a.has(PlanModifier::RequiresReplace) {
            let (p, n) = (prior.get(&a.name), planned.get(&a.name));
            if !p.semantically_equal(n) {
                out.push(path.then_attr(&a.name));
            }
        }
    }
    for b in &block.blocks {
        let (p, n) = (prior.get(&b.name), planned.get(&b.name));
        let bp = path.then_attr(&b.name);
        if b.requires_replace {
            if !p.semantically_equal(n) {
                out.push(bp);
            }
            continue;
        }
        match b.nesting {
            Nesting::Single => collect_replace(&b.block, p, n, &bp, out),
            Nesting::List => {
                if p.walk().len() != n.walk().len()
                    && b.block
                        .attributes
                        .iter()
                        .any(|a| a.has(PlanModifier::RequiresReplace))
                {
                    out.push(bp);
                    continue;
                }
                for (i, (pe, ne)) in p.walk().iter().zip(n.walk()).enumerate() {
                    collect_replace(&b.block, pe, ne, &bp.then_index(i), out);
                }
            }
            Nesting::Set => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::{Attribute, NestedBlock};
    use std::collections::BTreeMap;

    fn block() -> Block {
        Block::new("t")
            .attr(Attribute::string("id").computed().use_state_for_unknown())
            .attr(Attribute::string("name").required().requires_replace())
            .attr(Attribute::string("description").optional())
            .attr(Attribute::string("status").computed())
            .attr(Attribute::bool("is_public").default(true))
            .attr(Attribute::string("secret_wo").optional().write_only())
            .block(NestedBlock::new(
                "disk",
                Nesting::List,
                Block::new("d")
                    .attr(Attribute::string("source").required().requires_replace())
                    .attr(Attribute::string("device").computed()),
            ))
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut m: BTreeMap<String, Value> = [
            "id",
            "name",
            "description",
            "status",
            "is_public",
            "secret_wo",
        ]
        .iter()
        .map(|k| (k.to_string(), Value::Null))
        .collect();
        m.insert("disk".into(), Value::List(vec![]));
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn create_marks_computed_unknown_and_fills_defaults() {
        let cfg = obj(&[("name", s("a")), ("secret_wo", s("pw"))]);
        let out = plan(&block(), &Value::Null, &cfg, &cfg, &Owned::default());
        assert_eq!(out.planned.get("id"), &Value::Unknown);
        assert_eq!(out.planned.get("status"), &Value::Unknown);
        assert_eq!(out.planned.get("is_public"), &Value::Bool(true));
        assert_eq!(
            out.planned.get("secret_wo"),
            &Value::Null,
            "write-only never planned"
        );
        assert_eq!(
            out.planned.get("description"),
            &Value::Null,
            "optional non-computed stays null"
        );
        assert!(out.requires_replace.is_empty());
    }

    #[test]
    fn no_change_keeps_prior_values() {
        let prior = obj(&[
            ("id", s("1")),
            ("name", s("a")),
            ("status", s("ACTIVE")),
            ("is_public", Value::Bool(true)),
        ]);
        let cfg = obj(&[("name", s("a"))]);
        let out = plan(&block(), &prior, &prior, &cfg, &Owned::default());
        assert_eq!(out.planned, prior);
        assert!(out.requires_replace.is_empty());
    }

    #[test]
    fn in_place_change_unknowns_computed_except_use_state() {
        let prior = obj(&[
            ("id", s("1")),
            ("name", s("a")),
            ("status", s("ACTIVE")),
            ("is_public", Value::Bool(true)),
        ]);
        let mut proposed = prior.clone();
        proposed.set("description", s("new"));
        let cfg = obj(&[("name", s("a")), ("description", s("new"))]);
        let out = plan(&block(), &prior, &proposed, &cfg, &Owned::default());
        assert_eq!(
            out.planned.get("id"),
            &s("1"),
            "use-state-for-unknown keeps the ID"
        );
        assert_eq!(out.planned.get("status"), &Value::Unknown);
        assert!(out.requires_replace.is_empty());
    }

    #[test]
    fn replace_paths_are_collected_including_unknown_values() {
        let prior = obj(&[
            ("id", s("1")),
            ("name", s("a")),
            ("is_public", Value::Bool(true)),
        ]);
        for new_name in [s("b"), Value::Unknown] {
            let mut proposed = prior.clone();
            proposed.set("name", new_name.clone());
            let cfg = obj(&[("name", new_name)]);
            let out = plan(&block(), &prior, &proposed, &cfg, &Owned::default());
            assert_eq!(out.requires_replace, vec![AttrPath::attr("name")]);
        }
    }

    #[test]
    fn nested_list_elements() {
        let disk = |src: &str, dev: Value| {
            Value::Object([("source".to_string(), s(src)), ("device".to_string(), dev)].into())
        };
        let prior = obj(&[
            ("id", s("1")),
            ("name", s("a")),
            ("is_public", Value::Bool(true)),
            ("disk", Value::List(vec![disk("x", s("/dev/vda"))])),
        ]);
        let mut proposed = prior.clone();
        proposed.set("disk", Value::List(vec![disk("y", s("/dev/vda"))]));
        let cfg = obj(&[
            ("name", s("a")),
            ("disk", Value::List(vec![disk("y", Value::Null)])),
        ]);
        let out = plan(&block(), &prior, &proposed, &cfg, &Owned::default());
        assert_eq!(
            out.requires_replace,
            vec![AttrPath::attr("disk").then_index(0).then_attr("source")]
        );
        assert_eq!(
            out.planned.get("disk").walk()[0].get("device"),
            &Value::Unknown
        );
        // adding an element whose attributes require replacement replaces the resource
        let mut grown = prior.clone();
        grown.set(
            "disk",
            Value::List(vec![disk("x", s("/dev/vda")), disk("z", Value::Null)]),
        );
        let out = plan(&block(), &prior, &grown, &grown, &Owned::default());
        assert_eq!(out.requires_replace, vec![AttrPath::attr("disk")]);
    }

    #[test]
    fn nested_attributes_get_unknown_computed_parts_and_replace_paths() {
        use crate::framework::schema::ObjectNesting;
        let b = Block::new("n")
            .attr(Attribute::string("id").computed())
            .attr(
                Attribute::nested(
                    "disk",
                    ObjectNesting::Single,
                    vec![
                        Attribute::string("size").required().requires_replace(),
                        Attribute::string("device").computed(),
                    ],
                )
                .optional(),
            );
        let disk = |size: &str, dev: Value| {
            Value::Object([("size".to_string(), s(size)), ("device".to_string(), dev)].into())
        };
        let cfg = Value::Object(
            [
                ("id".to_string(), Value::Null),
                ("disk".to_string(), disk("10", Value::Null)),
            ]
            .into(),
        );
        let out = plan(&b, &Value::Null, &cfg, &cfg, &Owned::default());
        assert_eq!(out.planned.get("disk").get("device"), &Value::Unknown);
        let prior = Value::Object(
            [
                ("id".to_string(), s("1")),
                ("disk".to_string(), disk("10", s("/dev/vdb"))),
            ]
            .into(),
        );
        let mut proposed = prior.clone();
        proposed.set("disk", disk("20", s("/dev/vdb")));
        let cfg2 = Value::Object(
            [
                ("id".to_string(), Value::Null),
                ("disk".to_string(), disk("20", Value::Null)),
            ]
            .into(),
        );
        let out = plan(&b, &prior, &proposed, &cfg2, &Owned::default());
        assert_eq!(
            out.requires_replace,
            vec![AttrPath::attr("disk").then_attr("size")]
        );
    }

    #[test]
    fn destroy_plans_null() {
        let prior = obj(&[("id", s("1"))]);
        let out = plan(
            &block(),
            &prior,
            &Value::Null,
            &Value::Null,
            &Owned::default(),
        );
        assert_eq!(out.planned, Value::Null);
    }

    #[test]
    fn explicit_default_override_is_kept() {
        let cfg = obj(&[("name", s("a")), ("is_public", Value::Bool(false))]);
        let out = plan(&block(), &Value::Null, &cfg, &cfg, &Owned::default());
        assert_eq!(out.planned.get("is_public"), &Value::Bool(false));
    }
}
