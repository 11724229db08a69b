//! `nova_flavor` and `nova_flavor_access`.

use std::collections::BTreeMap;
use std::time::Instant;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::{documents, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::validators::{
    FloatBetween, IntBetween, MapEntryLength, NovaName, Printable, StringLength,
};
use crate::framework::*;
use crate::tf_model;

use super::{api_error, deadline, path_segment, require_feature};

pub struct Flavor;

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("A flavor (hardware template) of servers. Sizes replace the flavor when changed; `description` and `extra_specs` change in place. Creating flavors is an administrator's operation.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("The flavor ID."))
            .attr(Attribute::string("flavor_id").optional_computed().requires_replace().use_state_for_unknown().validate(StringLength(1, 255)).description("A fixed ID such as `c3.2xlarge`; generated (a UUID) when absent."))
            .attr(Attribute::string("name").required().requires_replace().validate(StringLength(1, 255)).validate(NovaName).description("Name of the flavor."))
            .attr(Attribute::number("ram").required().requires_replace().validate(IntBetween(1, i32::MAX as i64)).description("Memory in MiB."))
            .attr(Attribute::number("vcpus").required().requires_replace().validate(IntBetween(1, i32::MAX as i64)).description("Number of virtual CPUs."))
            .attr(Attribute::number("disk").default(0).requires_replace().validate(IntBetween(0, i32::MAX as i64)).description("Root disk in GiB; 0 means the image's size."))
            .attr(Attribute::number("ephemeral").default(0).requires_replace().validate(IntBetween(0, i32::MAX as i64)).description("Ephemeral disk in GiB."))
            .attr(Attribute::number("swap").default(0).requires_replace().validate(IntBetween(0, i32::MAX as i64)).description("Swap in MiB."))
            .attr(Attribute::number("rx_tx_factor").default(Value::Number(1.0)).requires_replace().validate(FloatBetween(0.000001, 3.4e38)).description("Network bandwidth factor (default 1.0)."))
            .attr(Attribute::bool("is_public").default(true).requires_replace().description("Visible to every project (default true); private flavors are shared with `nova_flavor_access`."))
            .attr(Attribute::string("description").optional().validate(StringLength(0, 65535)).validate(Printable).description("Free-form description (microversion 2.55); changes in place."))
            .attr(Attribute::string_map("extra_specs").optional_computed().unset_when_removed().validate(MapEntryLength(255)).description("Extra specifications, such as `hw:mem_page_size`; keys are set and unset individually in place. Left unset, the flavor's specs are not touched; removed from the configuration, the keys Terraform set are unset and keys others added stay."))
            .block(timeouts_block(&["create", "update", "delete"], "10m")),
    )
}

tf_model! {
    /// `nova_flavor` configuration, plan and state. The `nova_flavor` data
    /// source reads and writes its view of the schema (no `timeouts`)
    /// through it too.
    pub struct FlavorModel {
        pub id: Attr<String>,
        pub flavor_id: Attr<String>,
        pub name: Attr<String>,
        /// MiB.
        pub ram: Attr<i64>,
        pub vcpus: Attr<i64>,
        /// GiB.
        pub disk: Attr<i64>,
        /// GiB.
        pub ephemeral: Attr<i64>,
        /// MiB.
        pub swap: Attr<i64>,
        pub rx_tx_factor: Attr<f64>,
        pub is_public: Attr<bool>,
        pub description: Attr<String>,
        pub extra_specs: Attr<BTreeMap<String, String>>,
        pub timeouts: Value,
    }
}

impl FlavorModel {
    /// The flavor ID to address the API with (`""` when null); `None`, with
    /// an error diagnostic, when unknown.
    fn api_id(&self, diags: &mut Diagnostics) -> Option<String> {
        diags
            .known("id", self.id.known())
            .map(|id| id.cloned().unwrap_or_default())
    }

    /// The extra specs as a map (empty when null); `None`, with an error
    /// diagnostic, when unknown: an unknown map is never taken for none.
    fn specs(&self, diags: &mut Diagnostics) -> Option<BTreeMap<String, String>> {
        diags
            .known("extra_specs", self.extra_specs.known())
            .map(|m| m.cloned().unwrap_or_default())
    }
}

/// The create request body (`POST /flavors`, Nova API reference "Create
/// Flavor"): sizes as planned, with `disk`, `ephemeral` and `swap` 0,
/// `rxtx_factor` 1.0 and `is_public` true when null; `id` only when
/// `flavor_id` is known (unknown: not configured, the cloud generates one);
/// `description` only when the cloud speaks microversion 2.55
/// (`with_description`). Errs when any other value is unknown.
pub fn create_body(m: &FlavorModel, with_description: bool) -> Result<J, UnknownValue> {
    let mut f = json!({
        "name": m.name.known()?,
        "ram": m.ram.known()?,
        "vcpus": m.vcpus.known()?,
        "disk": m.disk.known()?.copied().unwrap_or(0),
        "OS-FLV-EXT-DATA:ephemeral": m.ephemeral.known()?.copied().unwrap_or(0),
        "swap": m.swap.known()?.copied().unwrap_or(0),
        "rxtx_factor": m.rx_tx_factor.known()?.copied().unwrap_or(1.0),
        "os-flavor-access:is_public": m.is_public.known()?.copied().unwrap_or(true),
    });
    if let Attr::Known(id) = &m.flavor_id {
        f["id"] = id.as_str().into();
    }
    if with_description {
        if let Some(d) = m.description.known()? {
            f["description"] = d.as_str().into();
        }
    }
    Ok(json!({"flavor": f}))
}

/// Copies a flavor document into the model: `id` and `flavor_id` are the
/// document's ID; `disk`, `ephemeral`, `swap` (0), `rx_tx_factor` (1.0) and
/// `is_public` (true) take their defaults when the cloud leaves them out;
/// `description` (2.55) only when the document carries the field (kept as
/// written when it means the same: `""` for null), and
/// `extra_specs` (2.61) only when it carries them as an object (read them
/// separately otherwise).
pub fn flatten(f: &documents::Flavor, m: &mut FlavorModel) {
    let id = f.id.clone().unwrap_or_default();
    m.id = Attr::Known(id.clone());
    m.flavor_id = Attr::Known(id);
    m.name = Attr::from_option(f.name.clone());
    m.ram = Attr::from_option(f.ram);
    m.vcpus = Attr::from_option(f.vcpus);
    m.disk = Attr::Known(f.disk.unwrap_or(0));
    m.ephemeral = Attr::Known(f.ephemeral.unwrap_or(0));
    m.swap = Attr::Known(f.swap.unwrap_or(0));
    m.rx_tx_factor = Attr::Known(f.rxtx_factor.unwrap_or(1.0));
    m.is_public = Attr::Known(f.is_public.unwrap_or(true));
    if let Some(d) = &f.description {
        // "" as written: the cloud reports it as null
        m.description = m
            .description
            .as_written(d.clone(), crate::framework::value::same_text);
    }
    if let Some(specs) = f.extra_specs() {
        m.extra_specs = Attr::Known(specs.clone());
    }
}

/// Makes flavor `id`'s extra specs `want`, given that they are `have`:
/// the keys added or changed in one `POST /flavors/{id}/os-extra_specs`
/// ("Create Extra Specs For A Flavor"), then each key gone with `DELETE
/// /flavors/{id}/os-extra_specs/{key}` ("Delete An Extra Spec For A
/// Flavor"; one already gone is fine). Stops at the first error.
async fn set_extra_specs(
    data: &NovaData,
    id: &str,
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
    dl: Instant,
) -> Result<(), ApiError> {
    let changed: serde_json::Map<String, J> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), J::String(v.clone())))
        .collect();
    if !changed.is_empty() {
        let body = json!({"extra_specs": changed});
        data.cloud
            .post_repeatable(
                &format!("/flavors/{}/os-extra_specs", path_segment(id)),
                &body,
                Some(dl),
            )
            .await?;
    }
    for k in have.keys().filter(|k| !want.contains_key(*k)) {
        let p = format!(
            "/flavors/{}/os-extra_specs/{}",
            path_segment(id),
            path_segment(k)
        );
        match data.cloud.compute(Method::DELETE, &p, None, Some(dl)).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads flavor `id` into the model (`GET /flavors/{id}`, "Show Flavor
/// Details"; before microversion 2.61 also `GET /flavors/{id}/os-extra_specs`,
/// "List Extra Specs For A Flavor"). `Ok(false)` when the flavor is gone.
async fn read_into(data: &NovaData, id: &str, m: &mut FlavorModel) -> Result<bool, ApiError> {
    let body = match data
        .cloud
        .get(&format!("/flavors/{}", path_segment(id)))
        .await
    {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Ok(false),
        Err(e) => return Err(e),
    };
    let f: documents::Flavor = documents::parse("flavor", &body["flavor"])?;
    flatten(&f, m);
    if !f.has_extra_specs() {
        let specs: documents::ExtraSpecs = documents::parse(
            "flavor extra specs",
            &data
                .cloud
                .get(&format!("/flavors/{}/os-extra_specs", path_segment(id)))
                .await?,
        )?;
        m.extra_specs = Attr::Known(specs.extra_specs);
    }
    Ok(true)
}

/// After a create whose answer was lost: the flavor among all of them
/// (`GET /flavors/detail?is_public=None`) with the name sent, and the ID
/// sent if one was, as a create answer (`{"flavor": {...}}`).
async fn find_created(data: &NovaData, sent: &J) -> Result<Option<J>, ApiError> {
    let all = data
        .cloud
        .get_all("/flavors/detail?is_public=None", "flavors")
        .await?;
    Ok(all["flavors"]
        .as_array()
        .and_then(|a| {
            a.iter().find(|f| {
                f["name"] == sent["name"] && (sent["id"].is_null() || f["id"] == sent["id"])
            })
        })
        .map(|f| json!({"flavor": f})))
}

/// `list` blocks find these by name.
const LISTING: crate::resources::ByName = crate::resources::ByName {
    what: "flavors",
    path: "/flavors/detail?is_public=None",
    collection: "flavors",
    item_key: "",
    id_key: "id",
};

#[async_trait]
impl Resource<NovaData> for Flavor {
    fn type_name(&self) -> &'static str {
        "nova_flavor"
    }

    fn list_schema(&self) -> Option<Schema> {
        Some(LISTING.schema())
    }

    async fn list(
        &self,
        data: &NovaData,
        config: &Value,
        _limit: Option<usize>,
        diags: &mut Diagnostics,
    ) -> Vec<Listed> {
        LISTING.list(data, config, diags).await
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::id_only("The flavor ID."))
    }

    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let Some(data) = data else { return };
        let Some(c) = decode::<FlavorModel>("configuration", req.config, &mut resp.diags) else {
            return;
        };
        let creating = req.prior.is_null();
        let prior_description = if creating {
            Attr::Null
        } else {
            let Some(prior) = decode::<FlavorModel>("state", req.prior, &mut resp.diags) else {
                return;
            };
            prior.description
        };
        if !c.description.is_null() && prior_description != c.description {
            require_feature(data, mv::FLAVOR_DESCRIPTION, "description", &mut resp.diags).await;
        }
        if c.extra_specs.is_null() && creating {
            // a new flavor has no extra specs until Terraform sets some
            let Some(mut planned) = decode::<FlavorModel>("plan", &resp.planned, &mut resp.diags)
            else {
                return;
            };
            planned.extra_specs = Attr::Known(BTreeMap::new());
            resp.planned = planned.to_value(&schema().ty());
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let Some(planned) = decode::<FlavorModel>("plan", &req.planned, &mut resp.diags) else {
            return;
        };
        let with_description = data
            .cloud
            .session
            .compute_version()
            .await
            .map(|v| v >= mv::FLAVOR_DESCRIPTION)
            .unwrap_or(false);
        let body = match create_body(&planned, with_description) {
            Ok(b) => b,
            Err(e) => {
                return resp.diags.error(
                    "Value not known at apply",
                    format!("{e}; no flavor was created. This is a bug in the provider."),
                )
            }
        };
        let find = || find_created(data, &body["flavor"]);
        let reply = match data.cloud.create("/flavors", &body, Some(dl), find).await {
            Ok(r) => r,
            Err(e) => return resp.diags.push(api_error("Cannot create flavor", &e)),
        };
        let f = match documents::parse::<documents::Flavor>("flavor", &reply["flavor"]) {
            Ok(f) => f,
            Err(e) => return resp.diags.push(api_error("Cannot read the new flavor", &e)),
        };
        let mut m = planned.clone();
        flatten(&f, &mut m);
        m.description = planned.description.clone();
        m.extra_specs = Attr::Known(BTreeMap::new());
        // the flavor exists: it stays in state whatever fails next
        resp.state = m.to_value(&schema().ty());
        let (Some(id), Some(want)) = (m.api_id(&mut resp.diags), planned.specs(&mut resp.diags))
        else {
            return;
        };
        if let Err(e) = set_extra_specs(data, &id, &want, &BTreeMap::new(), dl).await {
            // tainted by the error
            return resp.diags.push(api_error(
                "Flavor created, but setting its extra specs failed",
                &e,
            ));
        }
        m.extra_specs = Attr::Known(want);
        resp.state = m.to_value(&schema().ty());
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(mut m) = decode::<FlavorModel>("state", &req.state, &mut resp.diags) else {
            return;
        };
        let Some(id) = m.api_id(&mut resp.diags) else {
            return;
        };
        match read_into(data, &id, &mut m).await {
            Ok(true) => resp.state = m.to_value(&schema().ty()),
            Ok(false) => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read flavor", &e)),
        }
    }

    /// `description` with `PUT /flavors/{id}` ("Update Flavor Description",
    /// 2.55), then the extra specs that changed; the state shows each step
    /// that succeeded.
    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "update");
        let (Some(planned), Some(mut m)) = (
            decode::<FlavorModel>("plan", &req.planned, &mut resp.diags),
            decode::<FlavorModel>("state", &req.prior, &mut resp.diags),
        ) else {
            return;
        };
        m.timeouts = planned.timeouts.clone();
        resp.state = m.to_value(&schema().ty());
        let Some(id) = m.api_id(&mut resp.diags) else {
            return;
        };
        if planned.description != m.description {
            let Some(description) = resp.diags.known("description", planned.description.known())
            else {
                return;
            };
            let body = json!({"flavor": {"description": description}});
            if let Err(e) = data
                .cloud
                .compute(
                    Method::PUT,
                    &format!("/flavors/{}", path_segment(&id)),
                    Some(&body),
                    Some(dl),
                )
                .await
            {
                return resp
                    .diags
                    .push(api_error("Cannot update flavor description", &e));
            }
            m.description = planned.description.clone();
            resp.state = m.to_value(&schema().ty());
        }
        let (Some(want), Some(have)) = (planned.specs(&mut resp.diags), m.specs(&mut resp.diags))
        else {
            return;
        };
        if want != have {
            if let Err(e) = set_extra_specs(data, &id, &want, &have, dl).await {
                return resp
                    .diags
                    .push(api_error("Cannot update flavor extra specs", &e));
            }
            m.extra_specs = Attr::Known(want);
            resp.state = m.to_value(&schema().ty());
        }
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(m) = decode::<FlavorModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        let Some(id) = m.api_id(&mut resp.diags) else {
            return;
        };
        match data
            .cloud
            .compute(
                Method::DELETE,
                &format!("/flavors/{}", path_segment(&id)),
                None,
                Some(deadline(&req.prior, "delete")),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => resp.diags.push(api_error("Cannot delete flavor", &e)),
        }
    }
}

pub struct FlavorAccess;

pub fn access_schema() -> Schema {
    Schema::new(
        0,
        Block::new("Gives a project access to a private flavor.")
            .attr(
                Attribute::string("id")
                    .computed()
                    .use_state_for_unknown()
                    .description("`<flavor_id>/<project_id>`."),
            )
            .attr(
                Attribute::string("flavor_id")
                    .required()
                    .requires_replace()
                    .description("The private flavor."),
            )
            .attr(
                Attribute::string("project_id")
                    .required()
                    .requires_replace()
                    .description("The project given access."),
            )
            .block(timeouts_block(&["create", "delete"], "10m")),
    )
}

tf_model! {
    /// `nova_flavor_access` configuration, plan and state.
    pub struct FlavorAccessModel {
        pub id: Attr<String>,
        pub flavor_id: Attr<String>,
        pub project_id: Attr<String>,
        pub timeouts: Value,
    }
}

tf_model! {
    /// The `nova_flavor_access` identity.
    pub struct FlavorAccessIdentity {
        pub flavor_id: Attr<String>,
        pub project_id: Attr<String>,
    }
}

impl FlavorAccessModel {
    /// (flavor ID, project ID) to address the API with (`""` for null);
    /// `None`, with an error diagnostic, when either is unknown.
    fn pair(&self, diags: &mut Diagnostics) -> Option<(String, String)> {
        let f = diags.known("flavor_id", self.flavor_id.known());
        let p = diags.known("project_id", self.project_id.known());
        Some((
            f?.cloned().unwrap_or_default(),
            p?.cloned().unwrap_or_default(),
        ))
    }

    /// The model with `flavor_id`, `project_id` and `id`
    /// (`<flavor_id>/<project_id>`) set.
    fn with_pair(self, (f, p): (String, String)) -> Self {
        FlavorAccessModel {
            id: Attr::Known(format!("{f}/{p}")),
            flavor_id: Attr::Known(f),
            project_id: Attr::Known(p),
            ..self
        }
    }
}

/// `addTenantAccess` or `removeTenantAccess` of project `p` on flavor `f`
/// (`POST /flavors/{f}/action`, Nova API reference "Add Flavor Access To
/// Tenant" / "Remove Flavor Access From Tenant").
async fn access_action(
    data: &NovaData,
    action: &str,
    (f, p): &(String, String),
    dl: Instant,
) -> Result<(), ApiError> {
    let body = json!({ action: {"tenant": p} });
    data.cloud
        .compute(
            Method::POST,
            &format!("/flavors/{}/action", path_segment(f)),
            Some(&body),
            Some(dl),
        )
        .await
        .map(|_| ())
}

#[async_trait]
impl Resource<NovaData> for FlavorAccess {
    fn type_name(&self) -> &'static str {
        "nova_flavor_access"
    }

    fn schema(&self) -> Schema {
        access_schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                (
                    "flavor_id".into(),
                    Type::String,
                    true,
                    "The private flavor.".into(),
                ),
                (
                    "project_id".into(),
                    Type::String,
                    true,
                    "The project given access.".into(),
                ),
            ],
        })
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(m) = decode::<FlavorAccessModel>("plan", &req.planned, &mut resp.diags) else {
            return;
        };
        let Some(pair) = m.pair(&mut resp.diags) else {
            return;
        };
        let dl = deadline(&req.config, "create");
        match access_action(data, "addTenantAccess", &pair, dl).await {
            Ok(()) => resp.state = m.with_pair(pair).to_value(&access_schema().ty()),
            Err(e) => resp.diags.push(api_error(
                "Cannot give the project access to the flavor",
                &e,
            )),
        }
    }

    /// Present while the project is in `GET /flavors/{id}/os-flavor-access`
    /// ("List Flavor Access Information For Given Flavor").
    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(m) = decode::<FlavorAccessModel>("state", &req.state, &mut resp.diags) else {
            return;
        };
        let Some((f, p)) = m.pair(&mut resp.diags) else {
            return;
        };
        let listed = match data
            .cloud
            .get(&format!("/flavors/{}/os-flavor-access", path_segment(&f)))
            .await
        {
            Ok(b) => documents::parse::<documents::FlavorAccessList>("flavor access", &b),
            Err(e) if e.is_not_found() => return resp.state = Value::Null,
            Err(e) => Err(e),
        };
        match listed {
            Ok(l)
                if l.flavor_access
                    .iter()
                    .any(|a| a.tenant_id.as_ref() == Some(&p)) =>
            {
                resp.state = m.with_pair((f, p)).to_value(&access_schema().ty());
            }
            Ok(_) => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read flavor access", &e)),
        }
    }

    async fn update(&self, _data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        resp.state = req.planned;
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(m) = decode::<FlavorAccessModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        let Some(pair) = m.pair(&mut resp.diags) else {
            return;
        };
        let dl = deadline(&req.prior, "delete");
        match access_action(data, "removeTenantAccess", &pair, dl).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => resp.diags.push(api_error(
                "Cannot remove the project's access to the flavor",
                &e,
            )),
        }
    }

    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        let m = match &req.identity {
            Some(i) => {
                let Some(id) = decode::<FlavorAccessIdentity>("identity", i, &mut resp.diags)
                else {
                    return;
                };
                FlavorAccessModel {
                    flavor_id: id.flavor_id,
                    project_id: id.project_id,
                    ..Default::default()
                }
            }
            None => match req.id.split_once('/') {
                Some((f, p)) => FlavorAccessModel {
                    flavor_id: Attr::Known(f.to_string()),
                    project_id: Attr::Known(p.to_string()),
                    ..Default::default()
                },
                None => {
                    return resp.diags.error(
                        "Invalid import ID",
                        format!("Expected <flavor_id>/<project_id>, got \"{}\".", req.id),
                    );
                }
            },
        };
        let Some(pair) = m.pair(&mut resp.diags) else {
            return;
        };
        resp.state = m.with_pair(pair).to_value(&access_schema().ty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_flavors() -> J {
        // F-002-flavors-list (DIGEST §7.8), first item
        json!({"name": "1-512-20", "links": [], "ram": 512, "vcpus": 1, "description": null, "extra_specs": {},
               "swap": "", "os-flavor-access:is_public": true, "rxtx_factor": 1.0, "OS-FLV-EXT-DATA:ephemeral": 0,
               "disk": 0, "id": "1"})
    }

    fn doc(v: &J) -> documents::Flavor {
        documents::parse("flavor", v).unwrap()
    }

    #[test]
    fn the_models_fit_the_schemas() {
        FlavorModel::check_against(&schema().ty()).unwrap();
        FlavorAccessModel::check_against(&access_schema().ty()).unwrap();
        let identity = FlavorAccess.identity_schema().unwrap();
        let ty = Type::object(
            identity
                .attributes
                .iter()
                .map(|a| (a.0.clone(), a.1.clone())),
        );
        FlavorAccessIdentity::check_against(&ty).unwrap();
    }

    /// `description = ""` stays as written (the cloud reports null);
    /// another description, or none when one was written, is drift.
    #[test]
    fn an_empty_description_stays_as_written() {
        let empty = |d: Attr<String>| FlavorModel {
            description: d,
            ..Default::default()
        };
        for (written, reported, kept) in [
            (
                Attr::Known(String::new()),
                json!(null),
                Attr::Known(String::new()),
            ),
            (
                Attr::Known(String::new()),
                json!(""),
                Attr::Known(String::new()),
            ),
            (Attr::Null, json!(""), Attr::Null),
            (Attr::Known("a".into()), json!(null), Attr::Null),
            (
                Attr::Known(String::new()),
                json!("b"),
                Attr::Known("b".into()),
            ),
            (Attr::Unknown, json!(null), Attr::Null),
        ] {
            let mut m = empty(written.clone());
            flatten(&doc(&json!({"id": "1", "description": reported})), &mut m);
            assert_eq!(m.description, kept, "{written:?} {reported}");
        }
    }

    #[test]
    fn flatten_seed_flavor_with_empty_swap() {
        let mut m = FlavorModel::default();
        flatten(&doc(&seed_flavors()), &mut m);
        let st = m.to_value(&schema().ty());
        assert_eq!(st.get("id"), &Value::string("1"));
        assert_eq!(st.get("swap"), &Value::from(0));
        assert_eq!(st.get("ram"), &Value::from(512));
        assert_eq!(st.get("is_public"), &Value::Bool(true));
        assert_eq!(st.get("description"), &Value::Null);
        assert_eq!(st.get("extra_specs"), &Value::Map(Default::default()));
    }

    /// Before 2.55 there is no `description` and before 2.61 no
    /// `extra_specs` in the document: what the model holds stays.
    #[test]
    fn flatten_keeps_what_older_documents_leave_out() {
        let mut m = FlavorModel {
            description: Attr::Known("as written".into()),
            extra_specs: Attr::Known([("k".to_string(), "v".to_string())].into()),
            ..Default::default()
        };
        let before = m.clone();
        flatten(
            &doc(&json!({"id": "1", "name": "n", "ram": 1, "vcpus": 1})),
            &mut m,
        );
        assert_eq!(m.description, before.description);
        assert_eq!(m.extra_specs, before.extra_specs);
        assert_eq!(m.rx_tx_factor, Attr::Known(1.0));
        flatten(
            &doc(&json!({"id": "1", "description": "new", "extra_specs": {}})),
            &mut m,
        );
        assert_eq!(m.description.as_deref(), Some("new"));
        assert_eq!(m.extra_specs, Attr::Known(BTreeMap::new()));
    }

    #[test]
    fn create_body_snapshot() {
        let p = FlavorModel {
            name: Attr::Known("c3.large".into()),
            ram: Attr::Known(4096),
            vcpus: Attr::Known(2),
            disk: Attr::Known(40),
            ephemeral: Attr::Known(0),
            swap: Attr::Known(512),
            rx_tx_factor: Attr::Known(1.0),
            is_public: Attr::Known(false),
            flavor_id: Attr::Known("c3.large".into()),
            description: Attr::Known("general purpose".into()),
            ..Default::default()
        };
        insta::assert_json_snapshot!(create_body(&p, true).unwrap(), @r#"
        {
          "flavor": {
            "OS-FLV-EXT-DATA:ephemeral": 0,
            "description": "general purpose",
            "disk": 40,
            "id": "c3.large",
            "name": "c3.large",
            "os-flavor-access:is_public": false,
            "ram": 4096,
            "rxtx_factor": 1.0,
            "swap": 512,
            "vcpus": 2
          }
        }
        "#);
        assert!(
            create_body(&p, false).unwrap()["flavor"]
                .get("description")
                .is_none(),
            "no description below 2.55"
        );
    }

    /// An unknown `flavor_id` is the cloud's to generate; any other
    /// unknown value sends nothing.
    #[test]
    fn create_body_and_unknown_values() {
        let mut p = FlavorModel {
            name: Attr::Known("n".into()),
            ram: Attr::Known(1),
            vcpus: Attr::Known(1),
            flavor_id: Attr::Unknown,
            ..Default::default()
        };
        let body = create_body(&p, true).unwrap();
        assert!(!body["flavor"].as_object().unwrap().contains_key("id"));
        assert_eq!(body["flavor"]["rxtx_factor"], json!(1.0));
        assert_eq!(body["flavor"]["os-flavor-access:is_public"], json!(true));
        p.ram = Attr::Unknown;
        assert_eq!(create_body(&p, true), Err(UnknownValue));
    }

    #[test]
    fn unknown_extra_specs_are_not_read_as_none() {
        let mut diags = Diagnostics::default();
        let m = FlavorModel {
            extra_specs: Attr::Unknown,
            ..Default::default()
        };
        assert_eq!(m.specs(&mut diags), None);
        assert!(diags.has_errors());
        let mut diags = Diagnostics::default();
        assert_eq!(
            FlavorModel::default().specs(&mut diags),
            Some(BTreeMap::new())
        );
        assert!(!diags.has_errors());
    }

    #[test]
    fn access_ids_pair_flavor_and_project() {
        let m = FlavorAccessModel {
            flavor_id: Attr::Known("f".into()),
            project_id: Attr::Known("p".into()),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        let pair = m.pair(&mut diags).unwrap();
        let st = m.with_pair(pair).to_value(&access_schema().ty());
        assert_eq!(
            FlavorAccessModel::from_value(&st).unwrap().id,
            Attr::Known("f/p".into())
        );
        let unknown = FlavorAccessModel {
            project_id: Attr::Unknown,
            ..Default::default()
        };
        assert_eq!(unknown.pair(&mut diags), None);
        assert!(diags.has_errors());
    }
}
