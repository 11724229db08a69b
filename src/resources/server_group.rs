//! `nova_server_group`: an (anti-)affinity group for servers.

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::wire;
use crate::framework::validators::{IntBetween, OneOf, StringLength};
use crate::framework::*;
use crate::provider::NovaData;

use super::{api_error, deadline, require_feature};

pub struct ServerGroup;

pub const POLICIES: &[&str] = &[
    "affinity",
    "anti-affinity",
    "soft-affinity",
    "soft-anti-affinity",
];

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("A server group: servers created with it (`scheduler_hints.group`) are placed by its policy. Any change replaces the group.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("The server group ID."))
            .attr(Attribute::string("name").required().requires_replace().validate(StringLength(1, 255)).description("Name of the group."))
            .attr(Attribute::string("policy").required().requires_replace().validate(OneOf(POLICIES)).description("`affinity`, `anti-affinity`, `soft-affinity` or `soft-anti-affinity` (soft policies: microversion 2.15)."))
            .attr(Attribute::string_set("members").computed().description("IDs of the servers in the group."))
            .attr(Attribute::string("project_id").computed().use_state_for_unknown().description("Owning project."))
            .attr(Attribute::string("user_id").computed().use_state_for_unknown().description("Owning user."))
            .block(
                NestedBlock::new(
                    "rules",
                    Nesting::Single,
                    Block::new("Policy rules (microversion 2.64).").attr(
                        Attribute::number("max_server_per_host")
                            .optional()
                            .requires_replace()
                            .validate(IntBetween(1, i32::MAX as i64))
                            .description("With `anti-affinity`: how many members may share a host."),
                    ),
                )
                .requires_replace(),
            )
            .block(timeouts_block(&["create", "delete"], "10m")),
    )
}

/// The create body: `policy` + `rules` from 2.64, `policies` before.
pub fn create_body(name: &str, policy: &str, max_per_host: Option<i64>, modern: bool) -> J {
    if modern {
        let mut g = json!({"name": name, "policy": policy});
        if let Some(n) = max_per_host {
            g["rules"] = json!({"max_server_per_host": n});
        }
        json!({"server_group": g})
    } else {
        json!({"server_group": {"name": name, "policies": [policy]}})
    }
}

pub fn flatten(g: &J, state: &mut Value) {
    state.set("id", Value::from_opt_str(wire::string(&g["id"])));
    state.set("name", Value::from_opt_str(wire::string(&g["name"])));
    let policy =
        wire::string(&g["policy"]).or_else(|| wire::strings(&g["policies"]).into_iter().next());
    state.set("policy", Value::from_opt_str(policy));
    let mut members = wire::strings(&g["members"]);
    members.sort();
    state.set(
        "members",
        Value::Set(members.into_iter().map(Value::String).collect()),
    );
    state.set(
        "project_id",
        Value::from_opt_str(wire::string(&g["project_id"])),
    );
    state.set("user_id", Value::from_opt_str(wire::string(&g["user_id"])));
    let max = wire::int(&g["rules"]["max_server_per_host"]);
    let rules = match max {
        Some(n) => Value::Object([("max_server_per_host".to_string(), Value::from(n))].into()),
        None if state.get("rules").is_null() => Value::Null,
        None => Value::Object([("max_server_per_host".to_string(), Value::Null)].into()),
    };
    state.set("rules", rules);
}

/// `list` blocks find these by name.
const LISTING: crate::resources::ByName = crate::resources::ByName {
    what: "server groups",
    path: "/os-server-groups",
    collection: "server_groups",
    item_key: "",
    id_key: "id",
};

#[async_trait]
impl Resource<NovaData> for ServerGroup {
    fn type_name(&self) -> &'static str {
        "nova_server_group"
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
        Some(IdentitySchema::id_only("The server group ID."))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let max = config.get("rules").get("max_server_per_host");
        if !max.is_null()
            && !max.is_unknown()
            && config
                .get("policy")
                .as_str()
                .is_some_and(|p| p != "anti-affinity")
        {
            diags.error_at(
                AttrPath::attr("rules").then_attr("max_server_per_host"),
                "Rule not allowed for this policy",
                "rules.max_server_per_host applies to the anti-affinity policy only.",
            );
        }
    }

    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let Some(data) = data else { return };
        if !req.prior.is_null() {
            return;
        }
        if req
            .config
            .get("policy")
            .as_str()
            .is_some_and(|p| p.starts_with("soft-"))
        {
            require_feature(data, mv::SOFT_AFFINITY, "policy", &mut resp.diags).await;
        }
        if !req.config.get("rules").get("max_server_per_host").is_null() {
            require_feature(data, mv::SERVER_GROUP_RULES, "rules", &mut resp.diags).await;
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let modern = data
            .cloud
            .session
            .compute_version()
            .await
            .map(|v| v >= mv::SERVER_GROUP_RULES)
            .unwrap_or(false);
        let p = &req.planned;
        let body = create_body(
            p.get("name").as_str().unwrap_or_default(),
            p.get("policy").as_str().unwrap_or_default(),
            p.get("rules").get("max_server_per_host").as_i64(),
            modern,
        );
        match data
            .cloud
            .compute(
                Method::POST,
                "/os-server-groups",
                Some(&body),
                Some(deadline(&req.config, "create")),
            )
            .await
        {
            Ok(r) => {
                let mut state = req.planned.clone();
                flatten(&r.body["server_group"], &mut state);
                state.set("rules", req.planned.get("rules").clone());
                resp.state = state;
            }
            Err(e) => resp.diags.push(api_error("Cannot create server group", &e)),
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let id = req.state.get("id").opt_str().unwrap_or_default();
        match data.cloud.get(&format!("/os-server-groups/{id}")).await {
            Ok(b) => {
                let mut state = req.state.clone();
                flatten(&b["server_group"], &mut state);
                resp.state = state;
            }
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read server group", &e)),
        }
    }

    async fn update(&self, _data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        resp.state = req.planned;
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let id = req.prior.get("id").opt_str().unwrap_or_default();
        match data
            .cloud
            .compute(
                Method::DELETE,
                &format!("/os-server-groups/{id}"),
                None,
                Some(deadline(&req.prior, "delete")),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => resp.diags.push(api_error("Cannot delete server group", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_bodies_by_microversion() {
        // F-002-server-group-create-req is the pre-2.64 shape
        assert_eq!(
            create_body("test", "soft-affinity", None, false),
            json!({"server_group": {"name": "test", "policies": ["soft-affinity"]}})
        );
        insta::assert_json_snapshot!(create_body("web", "anti-affinity", Some(2), true), @r#"
        {
          "server_group": {
            "name": "web",
            "policy": "anti-affinity",
            "rules": {
              "max_server_per_host": 2
            }
          }
        }
        "#);
    }

    #[test]
    fn flatten_both_shapes() {
        // F-002-server-groups-list: the 2.64 shape
        let g = json!({"id": "4f72629e-35e6-40de-a648-7f4ae106a7fa", "name": "cloud-product-anti-group",
            "policy": "soft-anti-affinity", "rules": {}, "members": ["c8df6394", "3058bc88"],
            "project_id": "0db92f705dac4ccc97c53e518feba021", "user_id": "37ba0c69974e41979fc009ad372c637f"});
        let mut st = Value::null_object(&schema().ty());
        flatten(&g, &mut st);
        assert_eq!(st.get("policy"), &Value::string("soft-anti-affinity"));
        assert_eq!(st.get("members").walk().len(), 2);
        assert_eq!(st.get("rules"), &Value::Null);
        let old = json!({"id": "x", "name": "n", "policies": ["affinity"], "members": [], "metadata": {}});
        flatten(&old, &mut st);
        assert_eq!(st.get("policy"), &Value::string("affinity"));
    }
}
