//! `nova_quota_set`: the compute quotas of a project
//! (`/os-quota-sets/{project_id}`, Nova API reference "Quota sets
//! (os-quota-sets)").
//!
//! Every limit is optional and computed: a limit the configuration sets is
//! sent (`PUT`) when it differs from the cloud's; one it leaves out is not
//! managed, keeps the cloud's value and is never sent. `-1` means
//! unlimited. Destroying the resource reverts the project's quotas to the
//! defaults (`DELETE`).
//!
//! Nova removed some limits from quota sets in later microversions: the
//! network ones at 2.36 ([`mv::QUOTA_NETWORK_MAX`]) and the injected file
//! ones at 2.57 ([`mv::QUOTA_INJECTED_FILES_MAX`]). A configuration that
//! sets one the negotiated microversion no longer has is refused at plan
//! time, naming the attribute and the microversion to pin; such limits are
//! planned and stored as null. A limit the cloud's quota set does not
//! report at all (`networks` on Nova since its Train release, at every
//! microversion) is refused the same way once the cloud was asked.

use std::collections::BTreeMap;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::wire::de;
use crate::client::{documents, ApiError, Microversion};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::validators::{IntBetween, StringLength};
use crate::framework::*;
use crate::tf_model;

use super::{api_error, deadline, path_segment};

pub struct QuotaSet;

/// The largest limit Nova stores (its database's 32-bit integers).
pub const MAX_LIMIT: i64 = 0x7FFF_FFFF;

/// Nova's answer for a project Keystone does not know (a 400, not a 404):
/// the project, and so its quota set, is gone.
const NO_SUCH_PROJECT: &str = "is not a valid project";

/// The body field of `PUT /os-quota-sets/{project_id}` that sets limits
/// below what is in use.
const FORCE_FIELD: &str = "force";

/// One limit of a quota set: its attribute (and document field) name, the
/// last microversion whose quota sets have it, and its description.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub name: &'static str,
    /// `None`: every microversion has it.
    pub last: Option<Microversion>,
    pub description: &'static str,
}

/// Why a configured limit cannot be set on this cloud.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unavailable {
    /// The negotiated microversion no longer has it.
    #[error("{name} was removed from quota sets at compute API microversion {removed}; the provider speaks {speaks} with this cloud. Remove {name}, or pin compute_microversion = \"{last}\" (or lower) in the provider block.")]
    Removed {
        name: &'static str,
        last: Microversion,
        removed: Microversion,
        speaks: Microversion,
    },
    /// The cloud's quota set does not report it at all.
    #[error("the cloud's quota sets have no {name} limit at the microversion the provider speaks, so it cannot be set (Nova has had no networks limit at any microversion since its Train release). Remove {name}.")]
    NotReported { name: &'static str },
}

impl Limit {
    /// Whether a cloud speaking microversion `speaks` has this limit.
    pub fn check(&self, speaks: Microversion) -> Result<(), Unavailable> {
        match self.last {
            Some(last) if speaks > last => Err(Unavailable::Removed {
                name: self.name,
                last,
                removed: Microversion(last.0, last.1 + 1),
                speaks,
            }),
            _ => Ok(()),
        }
    }
}

/// Declares the limits once: the [`LIMITS`] table, the model's fields, the
/// document's fields and the accessors that pair them, so that no limit is
/// named twice.
macro_rules! quota_limits {
    ($( $field:ident, $last:expr, $description:literal; )*) => {
        /// Every limit, in the order of the schema.
        pub const LIMITS: &[Limit] = &[
            $( Limit { name: stringify!($field), last: $last, description: $description }, )*
        ];

        tf_model! {
            /// `nova_quota_set` configuration, plan and state; the data
            /// source reads into it too (its view has no `force` and no
            /// `timeouts`). Limits are whole numbers, `-1` for unlimited,
            /// null where the cloud's quota set has no such limit.
            pub struct QuotaSetModel {
                pub id: Attr<String>,
                pub project_id: Attr<String>,
                $( pub $field: Attr<i64>, )*
                pub force: Attr<bool>,
                pub timeouts: Value,
            }
        }

        /// A quota set (`GET /os-quota-sets/{project_id}`, and the answer
        /// to `PUT`, which has no `id`): each limit a whole number, `-1`
        /// for unlimited, RAM in MiB. A limit the microversion no longer
        /// has is left out (see [`Limit::last`]).
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(default)]
        pub struct QuotaSetDocument {
            #[serde(deserialize_with = "de::string")]
            pub id: Option<String>,
            $(
                #[serde(deserialize_with = "de::int")]
                pub $field: Option<i64>,
            )*
            #[serde(flatten)]
            pub other: BTreeMap<String, J>,
        }

        impl QuotaSetModel {
            /// Each limit with its value, in the order of [`LIMITS`].
            pub fn limits(&self) -> Vec<(&'static Limit, &Attr<i64>)> {
                LIMITS.iter().zip([ $( &self.$field ),* ]).collect()
            }

            fn limits_mut(&mut self) -> Vec<(&'static Limit, &mut Attr<i64>)> {
                LIMITS.iter().zip([ $( &mut self.$field ),* ]).collect()
            }
        }

        impl QuotaSetDocument {
            /// Each limit's value, in the order of [`LIMITS`].
            pub fn limits(&self) -> Vec<Option<i64>> {
                vec![ $( self.$field ),* ]
            }
        }
    };
}

quota_limits! {
    instances, None, "Servers the project may have.";
    cores, None, "Virtual CPUs (cores) of all the project's servers together.";
    ram, None, "RAM of all the project's servers together, in MiB.";
    key_pairs, None, "Key pairs each user may have.";
    server_groups, None, "Server groups the project may have.";
    server_group_members, None, "Servers each server group may hold.";
    metadata_items, None, "Metadata items each server may have.";
    injected_files, Some(mv::QUOTA_INJECTED_FILES_MAX), "Files each server may be given (`personality`). Up to microversion 2.56.";
    injected_file_content_bytes, Some(mv::QUOTA_INJECTED_FILES_MAX), "Bytes of content of each injected file. Up to microversion 2.56.";
    injected_file_path_bytes, Some(mv::QUOTA_INJECTED_FILES_MAX), "Bytes of the path of each injected file. Up to microversion 2.56.";
    fixed_ips, Some(mv::QUOTA_NETWORK_MAX), "Fixed IP addresses the project may have (nova-network). Up to microversion 2.35.";
    floating_ips, Some(mv::QUOTA_NETWORK_MAX), "Floating IP addresses the project may have (nova-network). Up to microversion 2.35.";
    security_groups, Some(mv::QUOTA_NETWORK_MAX), "Security groups the project may have (nova-network). Up to microversion 2.35.";
    security_group_rules, Some(mv::QUOTA_NETWORK_MAX), "Rules each security group may have (nova-network). Up to microversion 2.35.";
    networks, Some(mv::QUOTA_NETWORK_MAX), "Private networks the project may have (nova-network). Up to microversion 2.35, and only on clouds older than Nova's Train release, which has no such quota.";
}

pub fn schema() -> Schema {
    let mut b = Block::new("The compute quotas of a project (usually admin only). A limit the configuration sets is managed; one it leaves out is not: it keeps the cloud's value and nothing is sent for it. `-1` means unlimited. Limits that later microversions removed are refused at plan time when the provider speaks such a microversion with the cloud (pin `compute_microversion` to use them); they are null in state where the cloud does not report them. Destroying the resource reverts every compute quota of the project to the defaults, limits set outside Terraform included.")
        .attr(Attribute::string("id").computed().use_state_for_unknown().description("The project ID."))
        .attr(Attribute::string("project_id").required().requires_replace().validate(StringLength(1, 255)).description("The project whose quotas these are."));
    for l in LIMITS {
        b = b.attr(
            Attribute::number(l.name)
                .optional_computed()
                .validate(IntBetween(-1, MAX_LIMIT))
                .description(&format!("{} `-1` for unlimited.", l.description)),
        );
    }
    Schema::new(
        0,
        b.attr(Attribute::bool("force").optional().local().description("Set limits below what the project already uses (Nova's `force`); without it Nova refuses them. Sent with each change of limits; a change of `force` alone changes nothing in the cloud."))
            .block(timeouts_block(&["create", "update", "delete"], "10m")),
    )
}

tf_model! {
    /// The resource identity: the project.
    pub struct QuotaSetIdentity {
        pub project_id: Attr<String>,
    }
}

/// Copies a quota set document into the model: every limit (null where
/// the document has none), and the ID when the document has one (the
/// answer to `PUT` has not).
pub fn flatten(d: &QuotaSetDocument, m: &mut QuotaSetModel) {
    if let Some(id) = &d.id {
        m.id = Attr::Known(id.clone());
    }
    for ((_, attr), value) in m.limits_mut().into_iter().zip(d.limits()) {
        *attr = Attr::from_option(value);
    }
}

/// Reads the `quota_set` of a reply (`{"quota_set": {...}}`).
fn parse_reply(body: &J) -> Result<QuotaSetDocument, ApiError> {
    documents::parse("quota set", &body["quota_set"])
}

/// The `PUT /os-quota-sets/{project_id}` body (Nova API reference, "Update
/// Quotas"): `{"quota_set": {"<limit>": n, ..., "force": true}}` with the
/// limits `planned` knows that differ from `prior` (every known one on
/// create, when `prior` is `None`), and `force` only when it is true.
/// Limits still unknown are the ones the configuration leaves to the
/// cloud: they are not sent. `None` when no limit is to change.
pub fn update_body(planned: &QuotaSetModel, prior: Option<&QuotaSetModel>) -> Option<J> {
    let before = prior.map(QuotaSetModel::limits);
    let mut set = serde_json::Map::new();
    for (i, (limit, value)) in planned.limits().into_iter().enumerate() {
        let Some(n) = value.if_known() else { continue };
        let unchanged = before
            .as_ref()
            .is_some_and(|b| b[i].1.if_known() == Some(n));
        if !unchanged {
            set.insert(limit.name.to_string(), json!(n));
        }
    }
    if set.is_empty() {
        return None;
    }
    if planned.force.if_known() == Some(&true) {
        set.insert(FORCE_FIELD.to_string(), J::Bool(true));
    }
    Some(json!({ "quota_set": set }))
}

/// Plan-time checks of the configured limits against the cloud: each one
/// the microversion `speaks` no longer has, and (on update) each one the
/// cloud's quota set did not report (null in `prior`), is an error naming
/// the attribute.
pub fn check_config(
    config: &QuotaSetModel,
    speaks: Option<Microversion>,
    prior: Option<&QuotaSetModel>,
) -> Vec<Unavailable> {
    let before = prior.map(QuotaSetModel::limits);
    let mut out = Vec::new();
    for (i, (limit, value)) in config.limits().into_iter().enumerate() {
        if value.is_null() {
            continue;
        }
        if let Some(Err(e)) = speaks.map(|v| limit.check(v)) {
            out.push(e);
        } else if before.as_ref().is_some_and(|b| b[i].1.is_null()) {
            out.push(Unavailable::NotReported { name: limit.name });
        }
    }
    out
}

/// The plan of the limits the configuration leaves out: null where the
/// microversion `speaks` has no such limit, or (on update) where the cloud
/// did not report it; the framework's plan otherwise (the prior value, or
/// unknown on create).
pub fn plan_unset(
    config: &QuotaSetModel,
    planned: &mut QuotaSetModel,
    speaks: Option<Microversion>,
    prior: Option<&QuotaSetModel>,
) {
    let before = prior.map(QuotaSetModel::limits);
    let configured: Vec<bool> = config.limits().iter().map(|(_, v)| !v.is_null()).collect();
    for (i, (limit, value)) in planned.limits_mut().into_iter().enumerate() {
        if configured[i] {
            continue;
        }
        let removed = speaks.is_some_and(|v| limit.check(v).is_err());
        let unreported = before.as_ref().is_some_and(|b| b[i].1.is_null());
        if removed || unreported {
            *value = Attr::Null;
        }
    }
}

fn report(errors: Vec<Unavailable>, diags: &mut Diagnostics) {
    for e in errors {
        let name = match &e {
            Unavailable::Removed { name, .. } | Unavailable::NotReported { name } => *name,
        };
        diags.error_at(
            AttrPath::attr(name),
            "Not supported by this cloud",
            e.to_string(),
        );
    }
}

/// The quota set's path for `project_id`.
fn path(project_id: &str) -> String {
    format!("/os-quota-sets/{}", path_segment(project_id))
}

/// The project a model addresses: `project_id`, or `id` after an import.
fn project_of(m: &QuotaSetModel) -> String {
    m.project_id
        .if_known()
        .or(m.id.if_known())
        .cloned()
        .unwrap_or_default()
}

/// Whether an error means the project, and with it its quota set, is gone.
fn is_gone(e: &ApiError) -> bool {
    e.is_not_found() || (e.status() == Some(400) && e.message().contains(NO_SUCH_PROJECT))
}

/// On create, a limit the microversion allows but an older rule of the
/// API reference (`last`) marks as removable is checked against what the
/// cloud's quota set reports (`GET`), when the project is known.
async fn check_reported(
    data: &NovaData,
    config: &QuotaSetModel,
    diags: &mut Diagnostics,
) -> Result<(), ApiError> {
    let legacy = config
        .limits()
        .into_iter()
        .any(|(l, v)| l.last.is_some() && !v.is_null());
    let Some(project) = config.project_id.if_known().filter(|_| legacy) else {
        return Ok(());
    };
    let current = parse_reply(&data.cloud.get(&path(project)).await?)?;
    let mut reported = QuotaSetModel::default();
    flatten(&current, &mut reported);
    report(check_config(config, None, Some(&reported)), diags);
    Ok(())
}

/// `PUT` of `body` to the project's quota set; returns the document Nova
/// answers with.
async fn put(
    data: &NovaData,
    project: &str,
    body: &J,
    dl: std::time::Instant,
) -> Result<QuotaSetDocument, ApiError> {
    let r = data
        .cloud
        .compute(Method::PUT, &path(project), Some(body), Some(dl))
        .await?;
    parse_reply(&r.body)
}

/// Checks the limits of `planned` against the microversion at apply, so
/// that nothing is sent for one the plan let through without a cloud
/// (an unknown provider configuration at plan time).
async fn check_at_apply(data: &NovaData, planned: &QuotaSetModel, diags: &mut Diagnostics) -> bool {
    let speaks = match data.cloud.session.compute_version().await {
        Ok(v) => v,
        Err(e) => {
            diags.push(api_error("Cannot reach the cloud", &e));
            return false;
        }
    };
    let errors = check_config(planned, Some(speaks), None);
    let ok = errors.is_empty();
    report(errors, diags);
    ok
}

#[async_trait]
impl Resource<NovaData> for QuotaSet {
    fn type_name(&self) -> &'static str {
        "nova_quota_set"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![(
                "project_id".into(),
                Type::String,
                true,
                "The project whose quotas these are.".into(),
            )],
        })
    }

    /// Refuses limits the cloud does not have (see the module doc), and
    /// plans null for those the configuration leaves out.
    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        if resp.planned.is_null() {
            return;
        }
        let Some(c) = decode::<QuotaSetModel>("configuration", req.config, &mut resp.diags) else {
            return;
        };
        let Some(mut planned) = decode::<QuotaSetModel>("plan", &resp.planned, &mut resp.diags)
        else {
            return;
        };
        let prior = if req.prior.is_null() {
            None
        } else {
            match decode::<QuotaSetModel>("prior state", req.prior, &mut resp.diags) {
                Some(p) => Some(p),
                None => return,
            }
        };
        // a new project is a new quota set: the prior one says nothing of it
        let prior = prior.filter(|p| p.project_id == c.project_id);
        let wants_legacy = c
            .limits()
            .into_iter()
            .any(|(l, v)| l.last.is_some() && !v.is_null());
        let speaks = match data {
            Some(d) => match d.cloud.session.compute_version().await {
                Ok(v) => Some(v),
                Err(e) if wants_legacy => {
                    return resp.diags.push(api_error("Cannot reach the cloud", &e));
                }
                // the limits that depend on it are planned unknown
                Err(_) => None,
            },
            None => None,
        };
        report(check_config(&c, speaks, prior.as_ref()), &mut resp.diags);
        if resp.diags.has_errors() {
            return;
        }
        if let (Some(d), None, Some(_)) = (data, &prior, speaks) {
            if let Err(e) = check_reported(d, &c, &mut resp.diags).await {
                return resp
                    .diags
                    .push(api_error("Cannot read the project's quota set", &e));
            }
        }
        plan_unset(&c, &mut planned, speaks, prior.as_ref());
        if planned.id.is_unknown() {
            planned.id = c.project_id.clone();
        }
        resp.planned = planned.to_value(&schema().ty());
    }

    /// Sets the limits the configuration gives (one `PUT`), then reads the
    /// whole quota set.
    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(planned) = decode::<QuotaSetModel>("plan", &req.planned, &mut resp.diags) else {
            return;
        };
        if !check_at_apply(data, &planned, &mut resp.diags).await {
            return;
        }
        let dl = deadline(&req.config, "create");
        let project = project_of(&planned);
        let mut state = planned.clone();
        state.id = Attr::Known(project.clone());
        let result = match update_body(&planned, None) {
            Some(body) => put(data, &project, &body, dl).await,
            None => match data.cloud.get(&path(&project)).await {
                Ok(b) => parse_reply(&b),
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(doc) => {
                flatten(&doc, &mut state);
                resp.state = state.to_value(&schema().ty());
            }
            Err(e) => resp
                .diags
                .push(api_error("Cannot set the project's quotas", &e)),
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(mut m) = decode::<QuotaSetModel>("state", &req.state, &mut resp.diags) else {
            return;
        };
        let project = project_of(&m);
        match data.cloud.get(&path(&project)).await {
            Ok(b) => match parse_reply(&b) {
                Ok(doc) => {
                    flatten(&doc, &mut m);
                    m.id = Attr::Known(project.clone());
                    m.project_id = Attr::Known(project);
                    resp.state = m.to_value(&schema().ty());
                }
                Err(e) => resp.diags.push(api_error("Cannot read quota set", &e)),
            },
            Err(e) if is_gone(&e) => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read quota set", &e)),
        }
    }

    /// Sends the limits that change (one `PUT`, with `force` when set); the
    /// state takes Nova's answer.
    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let (Some(prior), Some(planned)) = (
            decode::<QuotaSetModel>("prior state", &req.prior, &mut resp.diags),
            decode::<QuotaSetModel>("plan", &req.planned, &mut resp.diags),
        ) else {
            return;
        };
        if !check_at_apply(data, &planned, &mut resp.diags).await {
            resp.state = req.prior;
            return;
        }
        let mut state = planned.clone();
        let project = project_of(&prior);
        let Some(body) = update_body(&planned, Some(&prior)) else {
            // no limit changes: the plan holds the cloud's values, unless
            // one is still to be read
            if !req.planned.is_wholly_known() {
                match data
                    .cloud
                    .get(&path(&project))
                    .await
                    .and_then(|b| parse_reply(&b))
                {
                    Ok(doc) => flatten(&doc, &mut state),
                    Err(e) => {
                        resp.state = req.prior;
                        return resp.diags.push(api_error("Cannot read quota set", &e));
                    }
                }
            }
            resp.state = state.to_value(&schema().ty());
            return;
        };
        match put(data, &project, &body, deadline(&req.config, "update")).await {
            Ok(doc) => {
                flatten(&doc, &mut state);
                resp.state = state.to_value(&schema().ty());
            }
            Err(e) => {
                resp.state = req.prior;
                resp.diags
                    .push(api_error("Cannot set the project's quotas", &e));
            }
        }
    }

    /// Reverts every quota of the project to the defaults
    /// (`DELETE /os-quota-sets/{project_id}`). A project that is gone has
    /// nothing to revert.
    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(prior) = decode::<QuotaSetModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        let dl = deadline(&req.prior, "delete");
        match data
            .cloud
            .compute(Method::DELETE, &path(&project_of(&prior)), None, Some(dl))
            .await
        {
            Ok(_) => {}
            Err(e) if is_gone(&e) => {}
            Err(e) => resp
                .diags
                .push(api_error("Cannot revert the project's quotas", &e)),
        }
    }

    /// Imports by project ID, or by an identity's `project_id`.
    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        if let Some(m) = imported(&req, &mut resp.diags) {
            resp.state = m.to_value(&schema().ty());
        }
    }
}

/// The state an import starts from (the read that follows fills the
/// limits): the project from the ID or the identity, as `id` too.
fn imported(req: &ImportRequest, diags: &mut Diagnostics) -> Option<QuotaSetModel> {
    let project = match &req.identity {
        Some(identity) => decode::<QuotaSetIdentity>("identity", identity, diags)?.project_id,
        None => Attr::Known(req.id.clone()),
    };
    Some(QuotaSetModel {
        id: project.clone(),
        project_id: project,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(non_snake_case)]
    fn V(minor: u16) -> Microversion {
        Microversion(2, minor)
    }

    fn doc(v: J) -> QuotaSetDocument {
        documents::parse("quota set", &v).unwrap()
    }

    /// A model with the given limits known and every other one `rest`.
    fn with(limits: &[(&str, i64)], rest: Attr<i64>) -> QuotaSetModel {
        let mut m = QuotaSetModel {
            id: Attr::Known("p".into()),
            project_id: Attr::Known("p".into()),
            ..Default::default()
        };
        for (l, v) in m.limits_mut() {
            *v = match limits.iter().find(|(n, _)| *n == l.name) {
                Some((_, n)) => Attr::Known(*n),
                None => rest.clone(),
            };
        }
        m
    }

    #[test]
    fn the_models_fit_the_schemas() {
        QuotaSetModel::check_against(&schema().ty()).unwrap();
        QuotaSetIdentity::check_against(&QuotaSet.identity_schema().unwrap().ty()).unwrap();
        let names = QuotaSetModel::attribute_names();
        for l in LIMITS {
            assert!(names.contains(&l.name), "{}", l.name);
        }
    }

    /// Nova's upstream answers at 2.1 (every limit, `networks` only before
    /// Train) and at 2.57+ (the removed ones left out); a vendor's numbers
    /// as strings.
    #[test]
    fn flatten_reads_what_the_microversion_reports() {
        let old = json!({"id": "p1", "cores": 20, "fixed_ips": -1, "floating_ips": 10, "injected_file_content_bytes": 10240,
            "injected_file_path_bytes": 255, "injected_files": 5, "instances": 10, "key_pairs": 100, "metadata_items": 128,
            "ram": 51200, "security_group_rules": 20, "security_groups": 10, "server_groups": 10, "server_group_members": 10,
            "networks": 3});
        let mut m = QuotaSetModel::default();
        flatten(&doc(old), &mut m);
        assert_eq!(m.id.as_deref(), Some("p1"));
        assert!(m.limits().iter().all(|(_, v)| v.if_known().is_some()));
        assert_eq!(m.fixed_ips, Attr::Known(-1));
        assert_eq!(m.networks, Attr::Known(3));
        let new = json!({"cores": "8", "instances": 4, "key_pairs": 100, "metadata_items": 128, "ram": 4096,
            "server_groups": 10, "server_group_members": 10});
        flatten(&doc(new), &mut m);
        assert_eq!(m.id.as_deref(), Some("p1"), "the answer to PUT has no id");
        assert_eq!(m.cores, Attr::Known(8));
        for (l, v) in m.limits() {
            assert_eq!(v.is_null(), l.last.is_some(), "{}", l.name);
        }
    }

    /// Table: what is sent for a plan against a prior state; unknown limits
    /// (left to the cloud) and null ones (not on this cloud) never are.
    #[test]
    fn update_bodies() {
        let prior = with(
            &[("cores", 20), ("instances", 10), ("ram", 51200)],
            Attr::Known(10),
        );
        let cases: Vec<(&str, QuotaSetModel, Option<&QuotaSetModel>, Option<J>)> = vec![
            (
                "create: the configured limits only",
                with(&[("cores", 8), ("ram", -1)], Attr::Unknown),
                None,
                Some(json!({"quota_set": {"cores": 8, "ram": -1}})),
            ),
            (
                "create: nothing configured",
                with(&[], Attr::Unknown),
                None,
                None,
            ),
            (
                "create: removed limits planned null",
                with(&[("instances", 2)], Attr::Null),
                None,
                Some(json!({"quota_set": {"instances": 2}})),
            ),
            ("update: nothing changed", prior.clone(), Some(&prior), None),
            (
                "update: only what changed",
                with(
                    &[("cores", 30), ("instances", 10), ("ram", 51200)],
                    Attr::Known(10),
                ),
                Some(&prior),
                Some(json!({"quota_set": {"cores": 30}})),
            ),
            (
                "update: unlimited",
                with(
                    &[("cores", 20), ("instances", -1), ("ram", 51200)],
                    Attr::Known(10),
                ),
                Some(&prior),
                Some(json!({"quota_set": {"instances": -1}})),
            ),
        ];
        for (what, planned, prior, want) in cases {
            assert_eq!(update_body(&planned, prior), want, "{what}");
        }
    }

    #[test]
    fn force_is_sent_with_a_change_only() {
        let prior = with(&[("cores", 20)], Attr::Null);
        let mut planned = with(&[("cores", 2)], Attr::Null);
        planned.force = Attr::Known(true);
        insta::assert_json_snapshot!(update_body(&planned, Some(&prior)).unwrap(), @r#"
        {
          "quota_set": {
            "cores": 2,
            "force": true
          }
        }
        "#);
        let mut same = prior.clone();
        same.force = Attr::Known(true);
        assert_eq!(update_body(&same, Some(&prior)), None);
        planned.force = Attr::Known(false);
        assert_eq!(
            update_body(&planned, Some(&prior)),
            Some(json!({"quota_set": {"cores": 2}}))
        );
    }

    #[test]
    fn create_body_with_every_kind_of_limit() {
        let planned = with(
            &[
                ("instances", 10),
                ("cores", 20),
                ("ram", 51200),
                ("fixed_ips", -1),
                ("injected_files", 3),
            ],
            Attr::Unknown,
        );
        insta::assert_json_snapshot!(update_body(&planned, None).unwrap(), @r#"
        {
          "quota_set": {
            "cores": 20,
            "fixed_ips": -1,
            "injected_files": 3,
            "instances": 10,
            "ram": 51200
          }
        }
        "#);
    }

    /// Table: which configured limits are refused at which microversion,
    /// with null (unset) and unknown (set, value to come) configurations.
    #[test]
    fn limits_the_microversion_removed_are_refused() {
        let names = |errs: Vec<Unavailable>| -> Vec<String> {
            errs.iter()
                .map(|e| match e {
                    Unavailable::Removed { name, .. } => format!("removed:{name}"),
                    Unavailable::NotReported { name } => format!("unreported:{name}"),
                })
                .collect()
        };
        let removed: Vec<String> = LIMITS
            .iter()
            .filter(|l| l.last.is_some())
            .map(|l| format!("removed:{}", l.name))
            .collect();
        let cases: Vec<(&str, QuotaSetModel, Option<Microversion>, Vec<&str>)> = vec![
            ("nothing set", with(&[], Attr::Null), Some(V(100)), vec![]),
            (
                "current limits at the newest",
                with(&[("cores", 1), ("server_groups", 2)], Attr::Null),
                Some(V(100)),
                vec![],
            ),
            (
                "network limits at 2.35",
                with(&[("fixed_ips", 1), ("networks", 1)], Attr::Null),
                Some(V(35)),
                vec![],
            ),
            (
                "network limits at 2.36",
                with(&[("fixed_ips", 1), ("security_group_rules", 1)], Attr::Null),
                Some(V(36)),
                vec!["removed:fixed_ips", "removed:security_group_rules"],
            ),
            (
                "injected files at 2.56",
                with(&[("injected_files", 1)], Attr::Null),
                Some(V(56)),
                vec![],
            ),
            (
                "injected files at 2.57",
                with(&[("injected_file_path_bytes", 1)], Attr::Null),
                Some(V(57)),
                vec!["removed:injected_file_path_bytes"],
            ),
            (
                "an unknown value is a set one",
                with(&[], Attr::Unknown),
                Some(V(57)),
                removed.iter().map(String::as_str).collect(),
            ),
            (
                "no cloud to ask: nothing refused yet",
                with(&[("fixed_ips", 1)], Attr::Null),
                None,
                vec![],
            ),
        ];
        for (what, config, speaks, want) in cases {
            assert_eq!(names(check_config(&config, speaks, None)), want, "{what}");
        }
        // on update, a limit the cloud did not report is refused too
        let prior = with(&[("fixed_ips", 5)], Attr::Null);
        let config = with(&[("fixed_ips", 6), ("networks", 1)], Attr::Null);
        assert_eq!(
            names(check_config(&config, Some(V(35)), Some(&prior))),
            ["unreported:networks"]
        );
    }

    #[test]
    fn errors_name_the_attribute_and_the_way_out() {
        let l = LIMITS.iter().find(|l| l.name == "floating_ips").unwrap();
        let e = l.check(V(90)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "floating_ips was removed from quota sets at compute API microversion 2.36; the provider speaks 2.90 with this cloud. Remove floating_ips, or pin compute_microversion = \"2.35\" (or lower) in the provider block."
        );
        let mut d = Diagnostics::default();
        report(vec![e], &mut d);
        assert_eq!(d.0[0].summary, "Not supported by this cloud");
        assert_eq!(d.0[0].path, Some(AttrPath::attr("floating_ips")));
    }

    /// Table: limits the configuration leaves out plan null where the
    /// cloud has none, and keep the framework's plan (prior or unknown)
    /// otherwise; configured ones are never touched.
    #[test]
    fn unset_limits_plan_null_where_the_cloud_has_none() {
        let config = with(&[("cores", 4)], Attr::Null);
        /// (what, speaks, prior, planned fixed_ips, planned instances)
        type Case = (
            &'static str,
            Option<Microversion>,
            Option<QuotaSetModel>,
            Attr<i64>,
            Attr<i64>,
        );
        let cases: Vec<Case> = vec![
            (
                "create at 2.100",
                Some(V(100)),
                None,
                Attr::Null,
                Attr::Unknown,
            ),
            (
                "create at 2.1",
                Some(V(1)),
                None,
                Attr::Unknown,
                Attr::Unknown,
            ),
            (
                "create with no cloud",
                None,
                None,
                Attr::Unknown,
                Attr::Unknown,
            ),
            (
                "update: not reported before",
                None,
                Some(with(&[("instances", 10)], Attr::Null)),
                Attr::Null,
                Attr::Known(10),
            ),
            (
                "update: reported before",
                Some(V(1)),
                Some(with(&[("instances", 10)], Attr::Known(7))),
                Attr::Unknown,
                Attr::Known(10),
            ),
        ];
        for (what, speaks, prior, fixed_ips, instances) in cases {
            let mut planned = with(&[("cores", 4)], Attr::Unknown);
            if let Some(p) = &prior {
                planned.instances = p.instances.clone();
            }
            plan_unset(&config, &mut planned, speaks, prior.as_ref());
            assert_eq!(planned.fixed_ips, fixed_ips, "{what}");
            assert_eq!(planned.instances, instances, "{what}");
            assert_eq!(planned.cores, Attr::Known(4), "{what}");
        }
    }

    #[test]
    fn a_deleted_project_is_a_gone_quota_set() {
        let http = |status, message: &str| {
            ApiError::Http(crate::client::error::HttpError {
                method: "GET".into(),
                url: "u".into(),
                status,
                message: message.into(),
                request_id: None,
            })
        };
        assert!(is_gone(&http(404, "")));
        assert!(is_gone(&http(
            400,
            "Project ID 0db92f705dac4ccc97c53e518feba021 is not a valid project."
        )));
        assert!(!is_gone(&http(
            400,
            "Quota limit 1 for cores must be greater than or equal to already used and reserved 2."
        )));
        assert!(!is_gone(&http(403, "")));
    }

    #[test]
    fn import_by_project_id_or_identity() {
        let mut d = Diagnostics::default();
        let by_id = ImportRequest {
            id: "p9".into(),
            identity: None,
        };
        let by_identity = ImportRequest {
            id: String::new(),
            identity: Some(Value::Object(
                [("project_id".to_string(), Value::string("p9"))].into(),
            )),
        };
        for req in [by_id, by_identity] {
            let st = imported(&req, &mut d).unwrap().to_value(&schema().ty());
            assert_eq!(st.get("project_id"), &Value::string("p9"));
            assert_eq!(st.get("id"), &Value::string("p9"));
            assert_eq!(st.get("cores"), &Value::Null);
        }
        assert!(d.0.is_empty());
    }
}
