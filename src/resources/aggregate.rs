//! `nova_aggregate`: a host aggregate (optionally an availability zone).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::{wire, ApiError};
use crate::configured::NovaData;
use crate::framework::validators::{MapEntryLength, StringLength};
use crate::framework::*;

use super::{api_error, deadline};

pub struct Aggregate;

/// Nova mirrors the zone into the metadata; the `availability_zone`
/// argument manages it, so it is kept out of `metadata`.
const AZ_KEY: &str = "availability_zone";

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("A host aggregate. With `availability_zone` it is also an availability zone. Everything changes in place.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("The aggregate ID."))
            .attr(Attribute::string("uuid").computed().use_state_for_unknown().description("The aggregate UUID."))
            .attr(Attribute::string("name").required().validate(StringLength(1, 255)).description("Name of the aggregate."))
            .attr(Attribute::string("availability_zone").optional().validate(StringLength(1, 255)).description("Makes the aggregate an availability zone of this name; renamed in place. Nova cannot take an aggregate out of its zone, so removing this argument replaces the aggregate."))
            .attr(Attribute::string_map("metadata").optional_computed().unset_when_removed().validate(MapEntryLength(255)).description("Metadata. Left unset, the aggregate's metadata is not touched; removed from the configuration, the keys Terraform set are unset and keys others added stay."))
            .attr(Attribute::string_set("hosts").optional_computed().unset_when_removed().description("Compute hosts in the aggregate. Left unset, its hosts are not touched; removed from the configuration, the hosts Terraform added are removed and hosts others added stay."))
            .block(timeouts_block(&["create", "update", "delete"], "10m")),
    )
}

pub fn flatten(a: &J, state: &mut Value) {
    state.set("id", Value::from_opt_str(wire::string(&a["id"])));
    state.set("uuid", Value::from_opt_str(wire::string(&a["uuid"])));
    state.set("name", Value::from_opt_str(wire::string(&a["name"])));
    state.set(
        "availability_zone",
        Value::from_opt_str(wire::string(&a["availability_zone"])),
    );
    let mut md = wire::string_map(&a["metadata"]);
    md.remove(AZ_KEY);
    state.set("metadata", Value::from_string_map(md));
    let mut hosts = wire::strings(&a["hosts"]);
    hosts.sort();
    state.set(
        "hosts",
        Value::Set(hosts.into_iter().map(Value::String).collect()),
    );
}

/// The set_metadata body: changed keys with their values, removed keys as null.
pub fn metadata_body(
    want: &BTreeMap<String, String>,
    have: &BTreeMap<String, String>,
) -> Option<J> {
    let mut m = serde_json::Map::new();
    for (k, v) in want {
        if have.get(k) != Some(v) {
            m.insert(k.clone(), J::String(v.clone()));
        }
    }
    for k in have.keys().filter(|k| !want.contains_key(*k)) {
        m.insert(k.clone(), J::Null);
    }
    (!m.is_empty()).then(|| json!({"set_metadata": {"metadata": m}}))
}

fn hosts(v: &Value) -> Result<BTreeSet<String>, UnknownValue> {
    Ok(v.string_list()?.into_iter().collect())
}

async fn action(
    data: &NovaData,
    id: &str,
    body: &J,
    dl: std::time::Instant,
) -> Result<J, ApiError> {
    data.cloud
        .post_repeatable(&format!("/os-aggregates/{id}/action"), body, Some(dl))
        .await
}

/// Brings metadata and hosts from `have` to `want`, recording progress in `state`.
async fn converge(
    data: &NovaData,
    id: &str,
    want: &Value,
    have: &Value,
    state: &mut Value,
    dl: std::time::Instant,
) -> Result<(), (String, ApiError)> {
    let unknown = |e: UnknownValue| {
        (
            "Aggregate value not known at apply".to_string(),
            ApiError::Unsupported(e.to_string()),
        )
    };
    if let Some(body) = metadata_body(
        &want.get("metadata").string_map().map_err(unknown)?,
        &have.get("metadata").string_map().map_err(unknown)?,
    ) {
        action(data, id, &body, dl)
            .await
            .map_err(|e| ("Cannot set aggregate metadata".to_string(), e))?;
        state.set("metadata", want.get("metadata").clone());
    }
    let (w, h) = (
        hosts(want.get("hosts")).map_err(unknown)?,
        hosts(have.get("hosts")).map_err(unknown)?,
    );
    let mut current = h.clone();
    for host in h.difference(&w) {
        action(data, id, &json!({"remove_host": {"host": host}}), dl)
            .await
            .map_err(|e| (format!("Cannot remove host {host} from the aggregate"), e))?;
        current.remove(host);
        state.set(
            "hosts",
            Value::Set(current.iter().cloned().map(Value::String).collect()),
        );
    }
    for host in w.difference(&h) {
        action(data, id, &json!({"add_host": {"host": host}}), dl)
            .await
            .map_err(|e| (format!("Cannot add host {host} to the aggregate"), e))?;
        current.insert(host.clone());
        state.set(
            "hosts",
            Value::Set(current.iter().cloned().map(Value::String).collect()),
        );
    }
    Ok(())
}

/// `list` blocks find these by name.
const LISTING: crate::resources::ByName = crate::resources::ByName {
    what: "host aggregates",
    path: "/os-aggregates",
    collection: "aggregates",
    item_key: "",
    id_key: "id",
};

#[async_trait]
impl Resource<NovaData> for Aggregate {
    fn type_name(&self) -> &'static str {
        "nova_aggregate"
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
        Some(IdentitySchema::id_only("The aggregate ID."))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if config
            .get("metadata")
            .as_map()
            .map(|m| m.contains_key(AZ_KEY))
            .unwrap_or(false)
        {
            diags.error_at(
                AttrPath::attr("metadata").then_key(AZ_KEY),
                "Use the availability_zone argument",
                "The availability zone of an aggregate is set with availability_zone, not through metadata.",
            );
        }
    }

    async fn plan(&self, _data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        for (k, empty) in [
            ("metadata", Value::Map(Default::default())),
            ("hosts", Value::Set(vec![])),
        ] {
            // on create, unset means empty; on update the core plan keeps
            // the prior value (less what Terraform set, when removed)
            if req.config.get(k).is_null() && req.prior.is_null() {
                resp.planned.set(k, empty);
            }
        }
        // Nova refuses an empty zone name in every update path: an
        // aggregate leaves its zone only by being made again
        if !req.prior.is_null()
            && !req.prior.get("availability_zone").is_null()
            && req.config.get("availability_zone").is_null()
        {
            resp.requires_replace
                .push(AttrPath::attr("availability_zone"));
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let mut agg = json!({"name": req.planned.get("name").as_str()});
        if let Some(az) = req.planned.get("availability_zone").as_str() {
            agg["availability_zone"] = az.into();
        }
        let name = agg["name"].clone();
        let find = || async {
            let all = data.cloud.get("/os-aggregates").await?;
            Ok(all["aggregates"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == name))
                .map(|a| json!({"aggregate": a})))
        };
        let reply = match data
            .cloud
            .create("/os-aggregates", &json!({"aggregate": agg}), Some(dl), find)
            .await
        {
            Ok(r) => r,
            Err(e) => return resp.diags.push(api_error("Cannot create aggregate", &e)),
        };
        let mut state = req.planned.clone();
        flatten(&reply["aggregate"], &mut state);
        let id = state.get("id").opt_str().unwrap_or_default();
        let have = state.clone();
        let result = converge(data, &id, &req.planned, &have, &mut state, dl).await;
        resp.state = state;
        if let Err((summary, e)) = result {
            resp.diags.push(api_error(&summary, &e));
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let id = req.state.get("id").opt_str().unwrap_or_default();
        match data.cloud.get(&format!("/os-aggregates/{id}")).await {
            Ok(b) => {
                let mut state = req.state.clone();
                flatten(&b["aggregate"], &mut state);
                resp.state = state;
            }
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read aggregate", &e)),
        }
    }

    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "update");
        let id = req.prior.get("id").opt_str().unwrap_or_default();
        let mut state = req.prior.clone();
        state.set("timeouts", req.planned.get("timeouts").clone());
        let (name, az) = (
            req.planned.get("name"),
            req.planned.get("availability_zone"),
        );
        let az_changed = az != req.prior.get("availability_zone");
        if name != req.prior.get("name") || az_changed {
            // only what changed is sent: a rename never touches the zone
            let mut agg = json!({"name": name.as_str()});
            if az_changed {
                agg["availability_zone"] = az.as_str().into();
            }
            match data
                .cloud
                .compute(
                    Method::PUT,
                    &format!("/os-aggregates/{id}"),
                    Some(&json!({"aggregate": agg})),
                    Some(dl),
                )
                .await
            {
                Ok(_) => {
                    state.set("name", name.clone());
                    state.set("availability_zone", az.clone());
                }
                Err(e) => {
                    resp.state = state;
                    return resp.diags.push(api_error("Cannot update aggregate", &e));
                }
            }
        }
        let have = req.prior.clone();
        let result = converge(data, &id, &req.planned, &have, &mut state, dl).await;
        resp.state = state;
        if let Err((summary, e)) = result {
            resp.diags.push(api_error(&summary, &e));
        }
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.prior, "delete");
        let id = req.prior.get("id").opt_str().unwrap_or_default();
        // an aggregate with hosts cannot be deleted: empty it first
        let current = match data.cloud.get(&format!("/os-aggregates/{id}")).await {
            Ok(b) => b["aggregate"].clone(),
            Err(e) if e.is_not_found() => return,
            Err(e) => return resp.diags.push(api_error("Cannot read aggregate", &e)),
        };
        for host in wire::strings(&current["hosts"]) {
            if let Err(e) = action(data, &id, &json!({"remove_host": {"host": host}}), dl).await {
                if !e.is_not_found() {
                    return resp.diags.push(api_error(
                        &format!("Cannot remove host {host} from the aggregate"),
                        &e,
                    ));
                }
            }
        }
        match data
            .cloud
            .compute(
                Method::DELETE,
                &format!("/os-aggregates/{id}"),
                None,
                Some(dl),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => resp.diags.push(api_error("Cannot delete aggregate", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_seed_aggregate_with_integer_id() {
        // F-002-aggregates-list (DIGEST §7.9)
        let a = json!({"availability_zone": "london", "created_at": "2016-12-27T23:47:32.911515", "deleted": false,
            "deleted_at": null, "hosts": ["compute"], "id": 1, "metadata": {"availability_zone": "london"},
            "name": "name", "updated_at": null, "uuid": "6ba28ba7-f29b-45cc-a30b-6e3a40c2fb14"});
        let mut st = Value::null_object(&schema().ty());
        flatten(&a, &mut st);
        assert_eq!(st.get("id"), &Value::string("1"));
        assert_eq!(st.get("availability_zone"), &Value::string("london"));
        assert_eq!(
            st.get("metadata"),
            &Value::Map(Default::default()),
            "the mirrored zone is not metadata"
        );
        assert_eq!(st.get("hosts"), &Value::Set(vec![Value::string("compute")]));
        // the create response has neither hosts nor metadata
        let mut st2 = Value::null_object(&schema().ty());
        flatten(
            &json!({"id": 1, "name": "name", "availability_zone": "beijing", "uuid": "u"}),
            &mut st2,
        );
        assert_eq!(st2.get("hosts"), &Value::Set(vec![]));
    }

    #[test]
    fn removed_metadata_keys_are_sent_as_null() {
        let want = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "new".to_string()),
        ]);
        let have = BTreeMap::from([
            ("b".to_string(), "old".to_string()),
            ("c".to_string(), "x".to_string()),
        ]);
        insta::assert_json_snapshot!(metadata_body(&want, &have).unwrap(), @r#"
        {
          "set_metadata": {
            "metadata": {
              "a": "1",
              "b": "new",
              "c": null
            }
          }
        }
        "#);
        assert_eq!(metadata_body(&want, &want), None);
    }
}
