//! `nova_server_group`: an (anti-)affinity group for servers.

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::{documents, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, decode_checked, Model};
use crate::framework::validators::{IntBetween, NovaName, OneOf, StringLength};
use crate::framework::*;
use crate::tf_model;

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
            .attr(Attribute::string("name").required().requires_replace().validate(StringLength(1, 255)).validate(NovaName).description("Name of the group."))
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

tf_model! {
    /// `nova_server_group` configuration, plan and state.
    pub struct ServerGroupModel {
        pub id: Attr<String>,
        pub name: Attr<String>,
        pub policy: Attr<String>,
        pub members: Attr<Vec<String>>,
        pub project_id: Attr<String>,
        pub user_id: Attr<String>,
        pub rules: Attr<RulesModel>,
        pub timeouts: Value,
    }
}

tf_model! {
    /// The `rules` block.
    pub struct RulesModel {
        pub max_server_per_host: Attr<i64>,
    }
}

impl ServerGroupModel {
    /// `rules.max_server_per_host` as configured or planned.
    fn max_server_per_host(&self) -> &Attr<i64> {
        static NULL: Attr<i64> = Attr::Null;
        self.rules
            .if_known()
            .map_or(&NULL, |r| &r.max_server_per_host)
    }
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

/// Copies what the cloud reports into the model. `rules` stays null when
/// it was and the cloud reports no rule.
pub fn flatten(g: &documents::ServerGroup, m: &mut ServerGroupModel) {
    m.id = Attr::from_option(g.id.clone());
    m.name = Attr::from_option(g.name.clone());
    m.policy = Attr::from_option(g.policy().map(str::to_string));
    let mut members = g.members.clone();
    members.sort();
    m.members = Attr::Known(members);
    m.project_id = Attr::from_option(g.project_id.clone());
    m.user_id = Attr::from_option(g.user_id.clone());
    m.rules = match g.max_server_per_host() {
        Some(n) => Attr::Known(RulesModel {
            max_server_per_host: Attr::Known(n),
        }),
        None if m.rules.is_null() => Attr::Null,
        None => Attr::Known(RulesModel::default()),
    };
}

/// Reads the `server_group` of a reply into the model.
fn flatten_reply(body: &J, m: &mut ServerGroupModel) -> Result<(), ApiError> {
    let g: documents::ServerGroup = documents::parse("server group", &body["server_group"])?;
    flatten(&g, m);
    Ok(())
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
        Some(IdentitySchema::id_only("The server group ID."))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode_checked::<ServerGroupModel>(config, diags) else {
            return;
        };
        let policy = c.policy.as_deref();
        if !c.max_server_per_host().is_null()
            && !c.max_server_per_host().is_unknown()
            && policy.is_some_and(|p| p != "anti-affinity")
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
        let Some(c) = decode::<ServerGroupModel>("configuration", req.config, &mut resp.diags)
        else {
            return;
        };
        if let Some(profile) = data.cloud_profile {
            for d in super::server::vendor_rules::server_group_refusals(profile, &c.policy) {
                resp.diags.push(d);
            }
        }
        if c.policy.as_deref().is_some_and(|p| p.starts_with("soft-")) {
            require_feature(data, mv::SOFT_AFFINITY, "policy", &mut resp.diags).await;
        }
        if !c.max_server_per_host().is_null() {
            require_feature(data, mv::SERVER_GROUP_RULES, "rules", &mut resp.diags).await;
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(mut m) = decode::<ServerGroupModel>("plan", &req.planned, &mut resp.diags) else {
            return;
        };
        // what the plan could not judge (the policy, or the profile,
        // unknown then) is judged now, before the create request
        let refused = super::server::vendor_rules::server_group_refusals(
            data.cloud_profile.unwrap_or_default(),
            &m.policy,
        );
        if !refused.is_empty() {
            return refused.into_iter().for_each(|d| resp.diags.push(d));
        }
        let modern = data
            .cloud
            .session
            .compute_version()
            .await
            .map(|v| v >= mv::SERVER_GROUP_RULES)
            .unwrap_or(false);
        let body = create_body(
            m.name.as_deref().unwrap_or_default(),
            m.policy.as_deref().unwrap_or_default(),
            m.max_server_per_host().if_known().copied(),
            modern,
        );
        let reply = data
            .cloud
            .compute(
                Method::POST,
                "/os-server-groups",
                Some(&body),
                Some(deadline(&req.config, "create")),
            )
            .await;
        match reply {
            Ok(r) => {
                let planned_rules = m.rules.clone();
                if let Err(e) = flatten_reply(&r.body, &mut m) {
                    resp.diags
                        .push(api_error("Cannot read the new server group", &e));
                }
                m.rules = planned_rules;
                resp.state = m.to_value(&schema().ty());
            }
            Err(e) => resp.diags.push(api_error("Cannot create server group", &e)),
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(mut m) = decode::<ServerGroupModel>("state", &req.state, &mut resp.diags) else {
            return;
        };
        let id = m.id.as_deref().unwrap_or_default();
        match data.cloud.get(&format!("/os-server-groups/{id}")).await {
            Ok(b) => match flatten_reply(&b, &mut m) {
                Ok(()) => resp.state = m.to_value(&schema().ty()),
                Err(e) => resp.diags.push(api_error("Cannot read server group", &e)),
            },
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read server group", &e)),
        }
    }

    async fn update(&self, _data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        resp.state = req.planned;
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(m) = decode::<ServerGroupModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        let id = m.id.as_deref().unwrap_or_default();
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
    fn the_model_fits_the_schema() {
        ServerGroupModel::check_against(&schema().ty()).unwrap();
    }

    #[test]
    fn flatten_both_shapes() {
        // F-002-server-groups-list: the 2.64 shape
        let g = json!({"id": "4f72629e-35e6-40de-a648-7f4ae106a7fa", "name": "cloud-product-anti-group",
            "policy": "soft-anti-affinity", "rules": {}, "members": ["c8df6394", "3058bc88"],
            "project_id": "0db92f705dac4ccc97c53e518feba021", "user_id": "37ba0c69974e41979fc009ad372c637f"});
        let mut m = ServerGroupModel::default();
        flatten(&documents::parse("server group", &g).unwrap(), &mut m);
        assert_eq!(m.policy.as_deref(), Some("soft-anti-affinity"));
        assert_eq!(m.members.if_known().map(Vec::len), Some(2));
        assert_eq!(m.rules, Attr::Null, "no rule reported, none configured");
        let st = m.to_value(&schema().ty());
        assert_eq!(st.get("rules"), &Value::Null);
        assert_eq!(st.get("members").walk().len(), 2);
        let old = json!({"id": "x", "name": "n", "policies": ["affinity"], "members": [], "metadata": {}});
        flatten(&documents::parse("server group", &old).unwrap(), &mut m);
        assert_eq!(m.policy.as_deref(), Some("affinity"));
    }

    /// A `rules` block configured without a value reads back as a block
    /// with a null rule, not as no block (which would plan a change).
    #[test]
    fn an_empty_rules_block_stays() {
        let mut m = ServerGroupModel {
            rules: Attr::Known(RulesModel::default()),
            ..Default::default()
        };
        let g =
            documents::parse("server group", &json!({"id": "g", "policy": "affinity"})).unwrap();
        flatten(&g, &mut m);
        assert_eq!(
            m.rules,
            Attr::Known(RulesModel {
                max_server_per_host: Attr::Null
            })
        );
    }
}
