//! Plan invariants checked over every resource type, from its schema alone:
//! configurations and prior states are built attribute by attribute, and
//! the whole plan (the framework pipeline, then the resource's own plan
//! hook, with no cloud) must keep these promises:
//!
//! 1. nothing changed, nothing planned: the plan equals the prior state
//!    for every attribute the configuration sets or leaves to the cloud;
//! 2. unmanaged means untouched: when one managed attribute changes, an
//!    optional+computed attribute the configuration leaves null plans
//!    equal to its prior value, unless the schema says why (recomputed:
//!    derived from the one that changed; unset-when-removed: Terraform's
//!    own entries leave);
//! 3. a change of `timeouts` alone is a local change: nothing is planned
//!    unknown, so apply has nothing to fill in;
//! 4. an unknown configuration value is planned unknown, never read as
//!    null or empty, and validation does not fail on it;
//! 5. a collection the configuration stops setting loses only the entries
//!    Terraform set.

use std::collections::{BTreeMap, BTreeSet};

use crate::framework::ownership::Owned;
use crate::framework::schema::{Attribute, Block, PlanModifier};
use crate::framework::*;

/// A sample value of an attribute's type, different for `variant` 0 and 1.
fn sample(a: &Attribute, variant: usize) -> Value {
    sample_of(&a.ty, &a.name, variant)
}

fn sample_of(ty: &Type, name: &str, variant: usize) -> Value {
    match ty {
        Type::String => Value::string(format!("{name}-{variant}")),
        Type::Number => Value::Number(3.0 + variant as f64),
        Type::Bool => Value::Bool(variant == 1),
        Type::List(t) => Value::List(vec![sample_of(t, name, variant)]),
        Type::Set(t) => Value::Set(vec![sample_of(t, name, variant)]),
        Type::Map(t) => Value::Map(BTreeMap::from([(
            format!("k{variant}"),
            sample_of(t, name, variant),
        )])),
        Type::Object(f) => Value::Object(
            f.iter()
                .map(|(k, t)| (k.clone(), sample_of(t, k, variant)))
                .collect(),
        ),
    }
}

fn is_managed(a: &Attribute) -> bool {
    (a.required || a.optional) && !a.write_only && a.nested.is_none()
}

/// Configuration-only and derived attributes are not what invariant 2
/// speaks of.
fn left_to_cloud(a: &Attribute) -> bool {
    a.optional && a.computed && a.default.is_none() && a.nested.is_none()
}

/// A configuration that sets every managed attribute (variant 0) and
/// leaves optional+computed ones to the cloud; blocks empty.
fn config_of(block: &Block) -> Value {
    let mut m = BTreeMap::new();
    for a in &block.attributes {
        let v = if is_managed(a) && !(a.computed && a.optional) {
            sample(a, 0)
        } else {
            Value::Null
        };
        m.insert(a.name.clone(), v);
    }
    for b in &block.blocks {
        m.insert(b.name.clone(), empty_block(b));
    }
    Value::Object(m)
}

fn empty_block(b: &NestedBlock) -> Value {
    match b.nesting {
        Nesting::Single => Value::Null,
        Nesting::List => Value::List(vec![]),
        Nesting::Set => Value::Set(vec![]),
    }
}

/// The prior state after creating with `config`: the create plan, with a
/// value for everything it left unknown (as apply fills them).
async fn prior_of(r: &dyn Resource<crate::configured::NovaData>, config: &Value) -> Value {
    let s = r.schema();
    let mut v = plan_of(r, &Value::Null, config, &Owned::default())
        .await
        .planned;
    for a in &s.block.attributes {
        if v.get(&a.name).is_unknown() {
            v.set(&a.name, sample(a, 0));
        }
    }
    v
}

/// Terraform's proposed new state: the configuration, with the prior
/// value where an attribute is computed and the configuration is null.
fn proposed_of(block: &Block, prior: &Value, config: &Value) -> Value {
    let mut v = config.clone();
    for a in &block.attributes {
        if config.get(&a.name).is_null() && a.computed && !prior.is_null() {
            v.set(&a.name, prior.get(&a.name).clone());
        }
    }
    v
}

struct Planned {
    planned: Value,
    requires_replace: usize,
}

async fn plan_of(
    r: &dyn Resource<crate::configured::NovaData>,
    prior: &Value,
    config: &Value,
    owned: &Owned,
) -> Planned {
    let s = r.schema();
    let proposed = proposed_of(&s.block, prior, config);
    let core = crate::framework::plan::plan(&s.block, prior, &proposed, config, owned);
    let private = owned.clone().into_private(b"");
    let mut resp = PlanResponse {
        planned: core.planned,
        requires_replace: core.requires_replace,
        private: private.clone(),
        diags: Diagnostics::default(),
    };
    let req = PlanRequest {
        prior,
        config,
        proposed: &proposed,
        prior_private: &private,
    };
    r.plan(None, &req, &mut resp).await;
    Planned {
        planned: resp.planned,
        requires_replace: resp.requires_replace.len(),
    }
}

fn unknown_paths(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Unknown => out.push(path.to_string()),
        Value::List(xs) | Value::Set(xs) => xs
            .iter()
            .enumerate()
            .for_each(|(i, x)| unknown_paths(x, &format!("{path}[{i}]"), out)),
        Value::Map(m) | Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| unknown_paths(x, &format!("{path}.{k}"), out)),
        _ => {}
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

#[test]
fn nothing_changed_plans_the_prior_state() {
    runtime().block_on(async {
        for r in super::all() {
            let s = r.schema();
            let config = config_of(&s.block);
            let prior = prior_of(r.as_ref(), &config).await;
            let p = plan_of(r.as_ref(), &prior, &config, &Owned::default()).await;
            assert_eq!(p.requires_replace, 0, "{}", r.type_name());
            for a in s.block.attributes.iter().filter(|a| is_managed(a)) {
                assert_eq!(
                    p.planned.get(&a.name),
                    prior.get(&a.name),
                    "{}.{}: an unchanged resource plans its prior value",
                    r.type_name(),
                    a.name
                );
            }
        }
    });
}

#[test]
fn an_in_place_change_keeps_what_the_configuration_leaves_to_the_cloud() {
    runtime().block_on(async {
        let mut checked = 0;
        for r in super::all() {
            let s = r.schema();
            let config = config_of(&s.block);
            let prior = prior_of(r.as_ref(), &config).await;
            let changeable: Vec<&Attribute> = s
                .block
                .attributes
                .iter()
                .filter(|a| is_managed(a) && !a.has(PlanModifier::RequiresReplace))
                .collect();
            for changed in changeable {
                let mut cfg = config.clone();
                cfg.set(&changed.name, sample(changed, 1));
                let p = plan_of(r.as_ref(), &prior, &cfg, &Owned::default()).await;
                for a in s.block.attributes.iter().filter(|a| left_to_cloud(a)) {
                    if a.name == changed.name || a.has(PlanModifier::Recomputed) {
                        continue;
                    }
                    checked += 1;
                    assert_eq!(
                        p.planned.get(&a.name),
                        prior.get(&a.name),
                        "{}: changing {} must leave {} (not configured) as it was",
                        r.type_name(),
                        changed.name,
                        a.name
                    );
                }
            }
        }
        assert!(checked > 0, "no attribute was checked");
    });
}

#[test]
fn a_timeouts_change_alone_plans_nothing_unknown() {
    runtime().block_on(async {
        for r in super::all() {
            let s = r.schema();
            let Some(t) = s.block.blocks.iter().find(|b| b.name == "timeouts") else {
                continue;
            };
            let config = config_of(&s.block);
            let prior = prior_of(r.as_ref(), &config).await;
            let op = &t.block.attributes[0].name;
            let mut cfg = config.clone();
            let mut timeouts = Value::null_object(&t.block.ty());
            timeouts.set(op, Value::string("20m"));
            cfg.set("timeouts", timeouts);
            let p = plan_of(r.as_ref(), &prior, &cfg, &Owned::default()).await;
            let mut unknown = Vec::new();
            unknown_paths(&p.planned, "", &mut unknown);
            assert!(
                unknown.is_empty(),
                "{}: a timeouts-only change planned {unknown:?} unknown",
                r.type_name()
            );
            assert!(
                crate::framework::plan::local_only_change(&s.block, &prior, &p.planned),
                "{}: a timeouts-only change is local",
                r.type_name()
            );
            assert_eq!(p.requires_replace, 0, "{}", r.type_name());
        }
    });
}

#[test]
fn unknown_configuration_values_stay_unknown_and_validate() {
    runtime().block_on(async {
        for r in super::all() {
            let s = r.schema();
            let config = config_of(&s.block);
            for a in s.block.attributes.iter().filter(|a| is_managed(a)) {
                let mut cfg = config.clone();
                cfg.set(&a.name, Value::Unknown);
                // validation: nothing said about the unknown attribute
                let mut diags = Diagnostics::default();
                crate::framework::schema::validate_config(
                    &s.block,
                    &cfg,
                    &AttrPath::root(),
                    &mut diags,
                );
                r.validate(&cfg, &mut diags);
                let about_it: Vec<&Diagnostic> = diags
                    .0
                    .iter()
                    .filter(|d| d.path.as_ref() == Some(&AttrPath::attr(&a.name)))
                    .collect();
                assert!(
                    about_it.is_empty(),
                    "{}.{}: unknown refused: {about_it:?}",
                    r.type_name(),
                    a.name
                );
                // plan, on create and on update
                for prior in [Value::Null, prior_of(r.as_ref(), &config).await] {
                    let p = plan_of(r.as_ref(), &prior, &cfg, &Owned::default()).await;
                    assert_eq!(
                        p.planned.get(&a.name),
                        &Value::Unknown,
                        "{}.{}: an unknown configuration value is planned unknown (prior {})",
                        r.type_name(),
                        a.name,
                        if prior.is_null() { "null" } else { "set" }
                    );
                }
            }
        }
    });
}

#[test]
fn collections_removed_from_configuration_lose_only_terraforms_entries() {
    runtime().block_on(async {
        let mut checked = 0;
        for r in super::all() {
            let s = r.schema();
            for a in s
                .block
                .attributes
                .iter()
                .filter(|a| a.has(PlanModifier::UnsetWhenRemoved))
            {
                let config = config_of(&s.block);
                let mut with = config.clone();
                with.set(&a.name, sample(a, 0));
                // the cloud has Terraform's entry and one an operator added
                let mut prior = prior_of(r.as_ref(), &with).await;
                let both = match (sample(a, 0), sample(a, 1)) {
                    (Value::Map(mut x), Value::Map(y)) => {
                        x.extend(y);
                        Value::Map(x)
                    }
                    (Value::Set(mut x), Value::Set(y)) => {
                        x.extend(y);
                        Value::Set(x)
                    }
                    other => panic!("{}: not a collection: {other:?}", a.name),
                };
                prior.set(&a.name, both);
                let owned = Owned::default().after_apply(&s.block, &with, false);
                let p = plan_of(r.as_ref(), &prior, &config, &owned).await;
                assert_eq!(
                    p.planned.get(&a.name),
                    &sample(a, 1),
                    "{}.{}: only the operator's entry stays",
                    r.type_name(),
                    a.name
                );
                // never set by Terraform: untouched
                let p = plan_of(r.as_ref(), &prior, &config, &Owned::default()).await;
                assert_eq!(
                    p.planned.get(&a.name),
                    prior.get(&a.name),
                    "{}.{}",
                    r.type_name(),
                    a.name
                );
                checked += 1;
            }
        }
        let names: BTreeSet<String> = super::all()
            .iter()
            .flat_map(|r| {
                let t = r.type_name();
                r.schema()
                    .block
                    .attributes
                    .into_iter()
                    .filter(|a| a.has(PlanModifier::UnsetWhenRemoved))
                    .map(move |a| format!("{t}.{}", a.name))
            })
            .collect();
        assert_eq!(checked, names.len());
        assert!(names.contains("nova_flavor.extra_specs"), "{names:?}");
        assert!(names.contains("nova_aggregate.hosts"), "{names:?}");
    });
}
