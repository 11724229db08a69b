//! `nova_flavor` and `nova_flavor_access`.

use std::collections::BTreeMap;
use std::time::Instant;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::wire;
use crate::configured::NovaData;
use crate::framework::validators::{FloatBetween, IntBetween, MapEntryLength, StringLength};
use crate::framework::*;

use super::{api_error, deadline, path_segment, require_feature};

pub struct Flavor;

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("A flavor (hardware template) of servers. Sizes replace the flavor when changed; `description` and `extra_specs` change in place. Creating flavors is an administrator's operation.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("The flavor ID."))
            .attr(Attribute::string("flavor_id").optional_computed().requires_replace().use_state_for_unknown().validate(StringLength(1, 255)).description("A fixed ID such as `c3.2xlarge`; generated (a UUID) when absent."))
            .attr(Attribute::string("name").required().requires_replace().validate(StringLength(1, 255)).description("Name of the flavor."))
            .attr(Attribute::number("ram").required().requires_replace().validate(IntBetween(1, i32::MAX as i64)).description("Memory in MiB."))
            .attr(Attribute::number("vcpus").required().requires_replace().validate(IntBetween(1, i32::MAX as i64)).description("Number of virtual CPUs."))
            .attr(Attribute::number("disk").default(0).requires_replace().validate(IntBetween(0, i32::MAX as i64)).description("Root disk in GiB; 0 means the image's size."))
            .attr(Attribute::number("ephemeral").default(0).requires_replace().validate(IntBetween(0, i32::MAX as i64)).description("Ephemeral disk in GiB."))
            .attr(Attribute::number("swap").default(0).requires_replace().validate(IntBetween(0, i32::MAX as i64)).description("Swap in MiB."))
            .attr(Attribute::number("rx_tx_factor").default(Value::Number(1.0)).requires_replace().validate(FloatBetween(0.000001, 3.4e38)).description("Network bandwidth factor (default 1.0)."))
            .attr(Attribute::bool("is_public").default(true).requires_replace().description("Visible to every project (default true); private flavors are shared with `nova_flavor_access`."))
            .attr(Attribute::string("description").optional().validate(StringLength(0, 65535)).description("Free-form description (microversion 2.55); changes in place."))
            .attr(Attribute::string_map("extra_specs").optional_computed().unset_when_removed().validate(MapEntryLength(255)).description("Extra specifications, such as `hw:mem_page_size`; keys are set and unset individually in place. Left unset, the flavor's specs are not touched; removed from the configuration, the keys Terraform set are unset and keys others added stay."))
            .block(timeouts_block(&["create", "update", "delete"], "10m")),
    )
}

/// The create request body.
pub fn create_body(planned: &Value, with_description: bool) -> J {
    let mut f = json!({
        "name": planned.get("name").as_str(),
        "ram": planned.get("ram").as_i64(),
        "vcpus": planned.get("vcpus").as_i64(),
        "disk": planned.get("disk").as_i64().unwrap_or(0),
        "OS-FLV-EXT-DATA:ephemeral": planned.get("ephemeral").as_i64().unwrap_or(0),
        "swap": planned.get("swap").as_i64().unwrap_or(0),
        "rxtx_factor": planned.get("rx_tx_factor").as_f64().unwrap_or(1.0),
        "os-flavor-access:is_public": planned.get("is_public").as_bool().unwrap_or(true),
    });
    if let Some(id) = planned.get("flavor_id").as_str() {
        f["id"] = id.into();
    }
    if with_description {
        if let Some(d) = planned.get("description").as_str() {
            f["description"] = d.into();
        }
    }
    json!({"flavor": f})
}

/// Copies a flavor document into state (extra specs separately).
pub fn flatten(f: &J, state: &mut Value) {
    let id = wire::string(&f["id"]).unwrap_or_default();
    state.set("id", Value::string(&id));
    state.set("flavor_id", Value::string(&id));
    state.set("name", Value::from_opt_str(wire::string(&f["name"])));
    state.set("ram", Value::from_opt_i64(wire::int(&f["ram"])));
    state.set("vcpus", Value::from_opt_i64(wire::int(&f["vcpus"])));
    state.set("disk", Value::from(wire::int(&f["disk"]).unwrap_or(0)));
    state.set(
        "ephemeral",
        Value::from(wire::int(&f["OS-FLV-EXT-DATA:ephemeral"]).unwrap_or(0)),
    );
    state.set("swap", Value::from(wire::int(&f["swap"]).unwrap_or(0)));
    state.set(
        "rx_tx_factor",
        Value::Number(wire::float(&f["rxtx_factor"]).unwrap_or(1.0)),
    );
    state.set(
        "is_public",
        Value::Bool(wire::boolean(&f["os-flavor-access:is_public"]).unwrap_or(true)),
    );
    if f.get("description").is_some() {
        state.set(
            "description",
            Value::from_opt_str(wire::string(&f["description"])),
        );
    }
    if f.get("extra_specs").map(|e| e.is_object()).unwrap_or(false) {
        state.set(
            "extra_specs",
            Value::from_string_map(wire::string_map(&f["extra_specs"])),
        );
    }
}

async fn set_extra_specs(
    data: &NovaData,
    id: &str,
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
    dl: Instant,
) -> Result<(), crate::client::ApiError> {
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

async fn read_into(
    data: &NovaData,
    id: &str,
    state: &mut Value,
) -> Result<bool, crate::client::ApiError> {
    let body = match data
        .cloud
        .get(&format!("/flavors/{}", path_segment(id)))
        .await
    {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Ok(false),
        Err(e) => return Err(e),
    };
    flatten(&body["flavor"], state);
    // before 2.61 the flavor document has no extra specs
    if body["flavor"].get("extra_specs").is_none() {
        let specs = data
            .cloud
            .get(&format!("/flavors/{}/os-extra_specs", path_segment(id)))
            .await?;
        state.set(
            "extra_specs",
            Value::from_string_map(wire::string_map(&specs["extra_specs"])),
        );
    }
    Ok(true)
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

    async fn list(&self, data: &NovaData, config: &Value, diags: &mut Diagnostics) -> Vec<Listed> {
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
        if !req.config.get("description").is_null()
            && req.prior.get("description") != req.config.get("description")
        {
            require_feature(data, mv::FLAVOR_DESCRIPTION, "description", &mut resp.diags).await;
        }
        if req.config.get("extra_specs").is_null() && req.prior.is_null() {
            resp.planned
                .set("extra_specs", Value::Map(Default::default()));
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let with_description = data
            .cloud
            .session
            .compute_version()
            .await
            .map(|v| v >= mv::FLAVOR_DESCRIPTION)
            .unwrap_or(false);
        let body = create_body(&req.planned, with_description);
        let find = || async {
            let all = data
                .cloud
                .get_all("/flavors/detail?is_public=None", "flavors")
                .await?;
            let want = &body["flavor"];
            Ok(all["flavors"]
                .as_array()
                .and_then(|a| {
                    a.iter().find(|f| {
                        f["name"] == want["name"] && (want["id"].is_null() || f["id"] == want["id"])
                    })
                })
                .map(|f| json!({"flavor": f})))
        };
        let reply = match data.cloud.create("/flavors", &body, Some(dl), find).await {
            Ok(r) => r,
            Err(e) => return resp.diags.push(api_error("Cannot create flavor", &e)),
        };
        let mut state = req.planned.clone();
        flatten(&reply["flavor"], &mut state);
        state.set("description", req.planned.get("description").clone());
        let id = state.get("id").opt_str().unwrap_or_default();
        let Some(want) = resp
            .diags
            .known("extra_specs", req.planned.get("extra_specs").string_map())
        else {
            return;
        };
        state.set("extra_specs", Value::Map(Default::default()));
        resp.state = state;
        if let Err(e) = set_extra_specs(data, &id, &want, &BTreeMap::new(), dl).await {
            // the flavor exists: it stays in state, tainted by the error
            return resp.diags.push(api_error(
                "Flavor created, but setting its extra specs failed",
                &e,
            ));
        }
        resp.state.set("extra_specs", Value::from_string_map(want));
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let id = req.state.get("id").opt_str().unwrap_or_default();
        let mut state = req.state.clone();
        match read_into(data, &id, &mut state).await {
            Ok(true) => resp.state = state,
            Ok(false) => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read flavor", &e)),
        }
    }

    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "update");
        let id = req.prior.get("id").opt_str().unwrap_or_default();
        resp.state = req.prior.clone();
        resp.state
            .set("timeouts", req.planned.get("timeouts").clone());
        if req.planned.get("description") != req.prior.get("description") {
            let body = json!({"flavor": {"description": req.planned.get("description").as_str()}});
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
            resp.state
                .set("description", req.planned.get("description").clone());
        }
        let (Some(want), Some(have)) = (
            resp.diags
                .known("extra_specs", req.planned.get("extra_specs").string_map()),
            resp.diags
                .known("extra_specs", req.prior.get("extra_specs").string_map()),
        ) else {
            return;
        };
        if want != have {
            if let Err(e) = set_extra_specs(data, &id, &want, &have, dl).await {
                return resp
                    .diags
                    .push(api_error("Cannot update flavor extra specs", &e));
            }
            resp.state.set("extra_specs", Value::from_string_map(want));
        }
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let id = req.prior.get("id").opt_str().unwrap_or_default();
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

#[async_trait]
impl Resource<NovaData> for FlavorAccess {
    fn type_name(&self) -> &'static str {
        "nova_flavor_access"
    }

    fn schema(&self) -> Schema {
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
        let (f, p) = (
            req.planned.get("flavor_id").opt_str().unwrap_or_default(),
            req.planned.get("project_id").opt_str().unwrap_or_default(),
        );
        let body = json!({"addTenantAccess": {"tenant": p}});
        match data
            .cloud
            .compute(
                Method::POST,
                &format!("/flavors/{}/action", path_segment(&f)),
                Some(&body),
                Some(deadline(&req.config, "create")),
            )
            .await
        {
            Ok(_) => {
                resp.state = req.planned.clone();
                resp.state.set("id", Value::string(format!("{f}/{p}")));
            }
            Err(e) => resp.diags.push(api_error(
                "Cannot give the project access to the flavor",
                &e,
            )),
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let (f, p) = (
            req.state.get("flavor_id").opt_str().unwrap_or_default(),
            req.state.get("project_id").opt_str().unwrap_or_default(),
        );
        match data
            .cloud
            .get(&format!("/flavors/{}/os-flavor-access", path_segment(&f)))
            .await
        {
            Ok(b) => {
                let has = b["flavor_access"]
                    .as_array()
                    .map(|a| a.iter().any(|x| x["tenant_id"].as_str() == Some(&p)))
                    .unwrap_or(false);
                if has {
                    resp.state = req.state.clone();
                    resp.state.set("id", Value::string(format!("{f}/{p}")));
                } else {
                    resp.state = Value::Null;
                }
            }
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read flavor access", &e)),
        }
    }

    async fn update(&self, _data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        resp.state = req.planned;
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let (f, p) = (
            req.prior.get("flavor_id").opt_str().unwrap_or_default(),
            req.prior.get("project_id").opt_str().unwrap_or_default(),
        );
        let body = json!({"removeTenantAccess": {"tenant": p}});
        match data
            .cloud
            .compute(
                Method::POST,
                &format!("/flavors/{}/action", path_segment(&f)),
                Some(&body),
                Some(deadline(&req.prior, "delete")),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => resp.diags.push(api_error(
                "Cannot remove the project's access to the flavor",
                &e,
            )),
        }
    }

    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        let (f, p) = match &req.identity {
            Some(i) => (
                i.get("flavor_id").opt_str().unwrap_or_default(),
                i.get("project_id").opt_str().unwrap_or_default(),
            ),
            None => match req.id.split_once('/') {
                Some((f, p)) => (f.to_string(), p.to_string()),
                None => {
                    return resp.diags.error(
                        "Invalid import ID",
                        format!("Expected <flavor_id>/<project_id>, got \"{}\".", req.id),
                    );
                }
            },
        };
        resp.state.set("id", Value::string(format!("{f}/{p}")));
        resp.state.set("flavor_id", Value::string(f));
        resp.state.set("project_id", Value::string(p));
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

    #[test]
    fn flatten_seed_flavor_with_empty_swap() {
        let mut st = Value::null_object(&schema().ty());
        flatten(&seed_flavors(), &mut st);
        assert_eq!(st.get("id"), &Value::string("1"));
        assert_eq!(st.get("swap"), &Value::from(0));
        assert_eq!(st.get("ram"), &Value::from(512));
        assert_eq!(st.get("is_public"), &Value::Bool(true));
        assert_eq!(st.get("description"), &Value::Null);
        assert_eq!(st.get("extra_specs"), &Value::Map(Default::default()));
    }

    #[test]
    fn create_body_snapshot() {
        let mut p = Value::null_object(&schema().ty());
        for (k, v) in [
            ("name", Value::string("c3.large")),
            ("ram", Value::from(4096)),
            ("vcpus", Value::from(2)),
            ("disk", Value::from(40)),
            ("ephemeral", Value::from(0)),
            ("swap", Value::from(512)),
            ("rx_tx_factor", Value::Number(1.0)),
            ("is_public", Value::Bool(false)),
            ("flavor_id", Value::string("c3.large")),
            ("description", Value::string("general purpose")),
        ] {
            p.set(k, v);
        }
        insta::assert_json_snapshot!(create_body(&p, true), @r#"
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
            create_body(&p, false)["flavor"]
                .get("description")
                .is_none(),
            "no description below 2.55"
        );
    }
}
