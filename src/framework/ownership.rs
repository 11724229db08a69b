//! What Terraform set on the configuration's behalf, remembered in the
//! resource's private state, for collections that others may add to.
//!
//! The rule, for every attribute marked [`PlanModifier::UnsetWhenRemoved`]
//! (an optional+computed map or set, such as a flavor's `extra_specs` or an
//! aggregate's `hosts` and `metadata`):
//!
//! - while the configuration sets it, the configuration is authoritative:
//!   entries others added show as drift and are planned for removal;
//! - when the configuration never set it, the cloud's value is kept as it
//!   is and apply sends nothing for it (unmanaged means untouched);
//! - when the configuration stops setting it, exactly the keys (map) or
//!   elements (set) that the last successful apply set are planned for
//!   removal; what others added stays.
//!
//! After each create or update the keys the configuration set are stored
//! as `{"owned": {"<attribute>": ["<key>", ...]}}` in private state. State
//! written before this rule (no record) and imported resources own nothing
//! until an apply records it: an import never plans removals the user did
//! not write.

use std::collections::{BTreeMap, BTreeSet};

use super::schema::{Block, PlanModifier};
use super::value::Value;

/// The keys or elements Terraform set, by attribute name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owned(pub BTreeMap<String, BTreeSet<String>>);

/// The keys of a map, or the string elements of a set or list; `None` when
/// the value or part of it is unknown.
fn entries(v: &Value) -> Option<BTreeSet<String>> {
    match v {
        Value::Map(m) => Some(m.keys().cloned().collect()),
        other => other.string_list().ok().map(|l| l.into_iter().collect()),
    }
}

/// `v` without the keys or elements in `drop`.
fn without(v: &Value, drop: &BTreeSet<String>) -> Value {
    match v {
        Value::Map(m) => Value::Map(
            m.iter()
                .filter(|(k, _)| !drop.contains(*k))
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect(),
        ),
        Value::Set(xs) | Value::List(xs) => {
            let kept = xs
                .iter()
                .filter(|x| x.as_str().is_none_or(|s| !drop.contains(s)))
                .cloned()
                .collect();
            if matches!(v, Value::Set(_)) {
                Value::Set(kept)
            } else {
                Value::List(kept)
            }
        }
        other => other.clone(),
    }
}

impl Owned {
    /// Reads the record from private state; empty when there is none or it
    /// cannot be read.
    pub fn from_private(private: &[u8]) -> Owned {
        let Ok(j) = serde_json::from_slice::<serde_json::Value>(private) else {
            return Owned::default();
        };
        let mut out = BTreeMap::new();
        if let Some(m) = j.get("owned").and_then(|o| o.as_object()) {
            for (attr, keys) in m {
                let set = keys
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect();
                out.insert(attr.clone(), set);
            }
        }
        Owned(out)
    }

    /// Writes the record into private state, keeping whatever else it holds.
    pub fn into_private(self, private: &[u8]) -> Vec<u8> {
        let mut j = serde_json::from_slice::<serde_json::Value>(private)
            .ok()
            .filter(|j| j.is_object())
            .unwrap_or_else(|| serde_json::json!({}));
        if self.0.is_empty() {
            if let Some(m) = j.as_object_mut() {
                m.remove("owned");
            }
        } else {
            j["owned"] = serde_json::to_value(&self.0).unwrap_or_default();
        }
        if j.as_object().is_some_and(|m| m.is_empty()) {
            return Vec::new();
        }
        serde_json::to_vec(&j).unwrap_or_default()
    }

    /// Plans the marked attributes of an update: a null configuration keeps
    /// the prior value less what Terraform set.
    pub fn plan(&self, block: &Block, prior: &Value, config: &Value, planned: &mut Value) {
        if prior.is_null() {
            return;
        }
        for a in block
            .attributes
            .iter()
            .filter(|a| a.has(PlanModifier::UnsetWhenRemoved))
        {
            let p = prior.get(&a.name);
            if !config.get(&a.name).is_null() || p.is_null() {
                continue;
            }
            let drop = self.0.get(&a.name).cloned().unwrap_or_default();
            planned.set(&a.name, without(p, &drop));
        }
    }

    /// The record after an apply of `config`: what it sets of each marked
    /// attribute. When the apply failed, what the earlier record owned is
    /// kept as well (part of it may not have been removed).
    pub fn after_apply(&self, block: &Block, config: &Value, failed: bool) -> Owned {
        let mut out = BTreeMap::new();
        for a in block
            .attributes
            .iter()
            .filter(|a| a.has(PlanModifier::UnsetWhenRemoved))
        {
            let mut set = entries(config.get(&a.name)).unwrap_or_default();
            if failed {
                set.extend(self.0.get(&a.name).cloned().unwrap_or_default());
            }
            if !set.is_empty() {
                out.insert(a.name.clone(), set);
            }
        }
        Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::schema::Attribute;

    fn block() -> Block {
        Block::new("t")
            .attr(
                Attribute::string_map("specs")
                    .optional_computed()
                    .unset_when_removed(),
            )
            .attr(
                Attribute::string_set("hosts")
                    .optional_computed()
                    .unset_when_removed(),
            )
    }

    fn state(specs: &[(&str, &str)], hosts: &[&str]) -> Value {
        let mut v = Value::Object(Default::default());
        v.set("specs", Value::from_string_map(specs.iter().copied()));
        v.set(
            "hosts",
            Value::Set(hosts.iter().map(|h| Value::string(*h)).collect()),
        );
        v
    }

    fn null_config() -> Value {
        let mut v = Value::Object(Default::default());
        v.set("specs", Value::Null);
        v.set("hosts", Value::Null);
        v
    }

    #[test]
    fn never_configured_keeps_what_others_added() {
        let prior = state(&[("hw:cpu_policy", "dedicated")], &["c1"]);
        let mut planned = prior.clone();
        Owned::default().plan(&block(), &prior, &null_config(), &mut planned);
        assert_eq!(planned, prior);
    }

    #[test]
    fn removed_from_configuration_unsets_only_what_terraform_set() {
        // Terraform set test=123 and host c1; an operator added op=1 and c2
        let prior = state(&[("test", "123"), ("op", "1")], &["c1", "c2"]);
        let config = state(&[("test", "123")], &["c1"]);
        let owned = Owned::default().after_apply(&block(), &config, false);
        let private = owned.clone().into_private(b"");
        assert_eq!(Owned::from_private(&private), owned);
        let mut planned = prior.clone();
        owned.plan(&block(), &prior, &null_config(), &mut planned);
        assert_eq!(planned, state(&[("op", "1")], &["c2"]));
        // after that apply nothing is owned any more
        let next = owned.after_apply(&block(), &null_config(), false);
        assert_eq!(next, Owned::default());
        assert!(next.into_private(b"").is_empty());
    }

    #[test]
    fn configured_values_are_planned_as_written() {
        let prior = state(&[("a", "1"), ("op", "1")], &[]);
        let config = state(&[("a", "2")], &[]);
        let mut planned = config.clone();
        Owned::default().plan(&block(), &prior, &config, &mut planned);
        assert_eq!(planned, config);
    }

    #[test]
    fn unknown_configuration_owns_nothing_yet_and_failures_keep_the_record() {
        let mut config = null_config();
        config.set("specs", Value::Unknown);
        let before = Owned(BTreeMap::from([(
            "specs".to_string(),
            BTreeSet::from(["x".to_string()]),
        )]));
        assert_eq!(
            before.after_apply(&block(), &config, false),
            Owned::default()
        );
        assert_eq!(before.after_apply(&block(), &config, true), before);
    }

    #[test]
    fn unreadable_or_foreign_private_state_is_kept_and_owns_nothing() {
        assert_eq!(Owned::from_private(b"not json"), Owned::default());
        let other = br#"{"other":1}"#;
        let out = Owned::default().into_private(other);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out).unwrap()["other"],
            1
        );
    }
}
