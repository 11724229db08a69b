//! `nova_aggregate`: a host aggregate (optionally an availability zone).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::{documents, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, decode_checked, Model, StringMap, Strings};
use crate::framework::validators::{MapEntryLength, NovaName, StringLength};
use crate::framework::*;
use crate::tf_model;

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
            .attr(Attribute::string("name").required().validate(StringLength(1, 255)).validate(NovaName).description("Name of the aggregate."))
            .attr(Attribute::string("availability_zone").optional().validate(StringLength(1, 255)).description("Makes the aggregate an availability zone of this name; renamed in place. Nova cannot take an aggregate out of its zone, so removing this argument replaces the aggregate."))
            .attr(Attribute::string_map("metadata").optional_computed().unset_when_removed().validate(MapEntryLength(255)).description("Metadata. Left unset, the aggregate's metadata is not touched; removed from the configuration, the keys Terraform set are unset and keys others added stay."))
            .attr(Attribute::string_set("hosts").optional_computed().unset_when_removed().description("Compute hosts in the aggregate. Left unset, its hosts are not touched; removed from the configuration, the hosts Terraform added are removed and hosts others added stay."))
            .block(timeouts_block(&["create", "update", "delete"], "10m")),
    )
}

tf_model! {
    /// `nova_aggregate` configuration, plan and state; the data source
    /// reads into it too (its view has no `timeouts`).
    ///
    /// The entries of `metadata` and `hosts` are `Attr`s of their own: a
    /// configuration can hold `{ k = null }` or a value not known until
    /// apply inside a known collection, and the plan must keep exactly
    /// that (a model that read the collection as wholly unknown would plan
    /// something other than the configuration says).
    pub struct AggregateModel {
        pub id: Attr<String>,
        pub uuid: Attr<String>,
        pub name: Attr<String>,
        pub availability_zone: Attr<String>,
        pub metadata: StringMap,
        pub hosts: Strings,
        pub timeouts: Value,
    }
}

/// The hosts to have at apply (see [`Attr::known_elements`]).
fn known_hosts(h: &Strings) -> Result<BTreeSet<String>, UnknownValue> {
    Ok(h.known_elements()?.into_iter().collect())
}

/// Copies an aggregate document into the model: every attribute but
/// `timeouts`. `metadata` leaves out the zone Nova mirrors there; `hosts`
/// are sorted. A document without hosts or metadata (the answer to a
/// create) gives empty ones.
pub fn flatten(a: &documents::Aggregate, m: &mut AggregateModel) {
    m.id = Attr::from_option(a.id.clone());
    m.uuid = Attr::from_option(a.uuid.clone());
    m.name = Attr::from_option(a.name.clone());
    m.availability_zone = Attr::from_option(a.availability_zone.clone());
    m.metadata = Attr::Known(
        a.metadata
            .iter()
            .filter(|(k, _)| k.as_str() != AZ_KEY)
            .map(|(k, v)| (k.clone(), Attr::Known(v.clone())))
            .collect(),
    );
    let mut hosts = a.hosts.clone();
    hosts.sort();
    m.hosts = Attr::from_known(hosts);
}

/// Reads the `aggregate` of a reply (`{"aggregate": {...}}`).
fn parse_reply(body: &J) -> Result<documents::Aggregate, ApiError> {
    documents::parse("aggregate", &body["aggregate"])
}

/// The `POST /os-aggregates` body (Nova API reference, "Create
/// Aggregate"): `{"aggregate": {"name", "availability_zone"}}`, the zone
/// only when set. Errs when the plan still holds an unknown name or zone.
pub fn create_body(m: &AggregateModel) -> Result<J, UnknownValue> {
    let mut agg = json!({"name": m.name.known()?});
    if let Some(az) = m.availability_zone.known()? {
        agg["availability_zone"] = az.as_str().into();
    }
    Ok(json!({"aggregate": agg}))
}

/// The `PUT /os-aggregates/{id}` body (Nova API reference, "Update
/// Aggregate"), `None` when neither name nor zone changed. Only what
/// changed is sent: the name always (Nova needs one of the two), the zone
/// only when it changed, so a rename never touches the zone. Errs when the
/// plan still holds an unknown name or zone.
pub fn update_body(
    prior: &AggregateModel,
    planned: &AggregateModel,
) -> Result<Option<J>, UnknownValue> {
    let az_changed = planned.availability_zone != prior.availability_zone;
    if planned.name == prior.name && !az_changed {
        return Ok(None);
    }
    let mut agg = json!({"name": planned.name.known()?});
    if az_changed {
        agg["availability_zone"] = json!(planned.availability_zone.known()?);
    }
    Ok(Some(json!({"aggregate": agg})))
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

/// An apply step that failed: the diagnostic summary and the cause.
type StepError = (String, ApiError);

/// An unknown value met at apply, where Terraform has resolved them all.
fn not_known(e: UnknownValue) -> StepError {
    (
        "Aggregate value not known at apply".to_string(),
        ApiError::Unsupported(e.to_string()),
    )
}

/// `POST /os-aggregates/{id}/action` with `body` (`set_metadata`,
/// `add_host` or `remove_host`), repeated on a lost answer.
async fn action(data: &NovaData, id: &str, body: &J, dl: Instant) -> Result<J, ApiError> {
    data.cloud
        .post_repeatable(&format!("/os-aggregates/{id}/action"), body, Some(dl))
        .await
}

/// `POST /os-aggregates` with `body`; when the answer is lost, the
/// aggregate of that name in `GET /os-aggregates` is the one made.
/// Returns `{"aggregate": {...}}`.
async fn post_aggregate(data: &NovaData, body: &J, dl: Instant) -> Result<J, ApiError> {
    let name = body["aggregate"]["name"].clone();
    let find = || async {
        let all = data.cloud.get("/os-aggregates").await?;
        Ok(all["aggregates"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == name))
            .map(|a| json!({"aggregate": a})))
    };
    data.cloud
        .create("/os-aggregates", body, Some(dl), find)
        .await
}

/// Brings metadata and hosts from `have` to `want` (set_metadata, then
/// remove_host and add_host one host at a time), recording each step that
/// succeeded in `state`, so a failure part way leaves the state true.
async fn converge(
    data: &NovaData,
    id: &str,
    want: &AggregateModel,
    have: &AggregateModel,
    state: &mut AggregateModel,
    dl: Instant,
) -> Result<(), StepError> {
    let (w, h) = (
        want.metadata.known_entries().map_err(not_known)?,
        have.metadata.known_entries().map_err(not_known)?,
    );
    if let Some(body) = metadata_body(&w, &h) {
        action(data, id, &body, dl)
            .await
            .map_err(|e| ("Cannot set aggregate metadata".to_string(), e))?;
        state.metadata = want.metadata.clone();
    }
    let (w, h) = (
        known_hosts(&want.hosts).map_err(not_known)?,
        known_hosts(&have.hosts).map_err(not_known)?,
    );
    let mut current = h.clone();
    for host in h.difference(&w) {
        action(data, id, &json!({"remove_host": {"host": host}}), dl)
            .await
            .map_err(|e| (format!("Cannot remove host {host} from the aggregate"), e))?;
        current.remove(host);
        state.hosts = Attr::from_known(current.iter().cloned());
    }
    for host in w.difference(&h) {
        action(data, id, &json!({"add_host": {"host": host}}), dl)
            .await
            .map_err(|e| (format!("Cannot add host {host} to the aggregate"), e))?;
        current.insert(host.clone());
        state.hosts = Attr::from_known(current.iter().cloned());
    }
    Ok(())
}

/// Renames the aggregate or moves it to another zone when the plan says
/// so (`PUT /os-aggregates/{id}`), recording the new name and zone in
/// `state` once Nova took them.
async fn rename(
    data: &NovaData,
    id: &str,
    prior: &AggregateModel,
    planned: &AggregateModel,
    state: &mut AggregateModel,
    dl: Instant,
) -> Result<(), StepError> {
    let Some(body) = update_body(prior, planned).map_err(not_known)? else {
        return Ok(());
    };
    data.cloud
        .compute(
            Method::PUT,
            &format!("/os-aggregates/{id}"),
            Some(&body),
            Some(dl),
        )
        .await
        .map_err(|e| ("Cannot update aggregate".to_string(), e))?;
    state.name = planned.name.clone();
    state.availability_zone = planned.availability_zone.clone();
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
        Some(IdentitySchema::id_only("The aggregate ID."))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode_checked::<AggregateModel>(config, diags) else {
            return;
        };
        // the key is caught whatever its value: null or not known yet
        if c.metadata
            .if_known()
            .is_some_and(|m| m.contains_key(AZ_KEY))
        {
            diags.error_at(
                AttrPath::attr("metadata").then_key(AZ_KEY),
                "Use the availability_zone argument",
                "The availability zone of an aggregate is set with availability_zone, not through metadata.",
            );
        }
    }

    async fn plan(&self, _data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let Some(c) = decode::<AggregateModel>("configuration", req.config, &mut resp.diags) else {
            return;
        };
        if req.prior.is_null() {
            // on create, unset means empty; on update the core plan keeps
            // the prior value (less what Terraform set, when removed)
            let Some(mut planned) =
                decode::<AggregateModel>("plan", &resp.planned, &mut resp.diags)
            else {
                return;
            };
            if c.metadata.is_null() {
                planned.metadata = Attr::Known(BTreeMap::new());
            }
            if c.hosts.is_null() {
                planned.hosts = Attr::Known(Vec::new());
            }
            resp.planned = planned.to_value(&schema().ty());
            return;
        }
        let Some(prior) = decode::<AggregateModel>("prior state", req.prior, &mut resp.diags)
        else {
            return;
        };
        // Nova refuses an empty zone name in every update path: an
        // aggregate leaves its zone only by being made again
        if !prior.availability_zone.is_null() && c.availability_zone.is_null() {
            resp.requires_replace
                .push(AttrPath::attr("availability_zone"));
        }
    }

    /// Creates the aggregate, then sets its metadata and adds its hosts.
    /// Once Nova made it, its ID is in the state whatever fails after.
    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(planned) = decode::<AggregateModel>("plan", &req.planned, &mut resp.diags) else {
            return;
        };
        let dl = deadline(&req.config, "create");
        let body = match create_body(&planned) {
            Ok(b) => b,
            Err(e) => {
                let (summary, e) = not_known(e);
                return resp.diags.push(api_error(&summary, &e));
            }
        };
        let made = match post_aggregate(data, &body, dl).await {
            Ok(r) => parse_reply(&r),
            Err(e) => return resp.diags.push(api_error("Cannot create aggregate", &e)),
        };
        let made = match made {
            Ok(a) => a,
            Err(e) => {
                return resp
                    .diags
                    .push(api_error("Cannot read the new aggregate", &e))
            }
        };
        let mut state = planned.clone();
        flatten(&made, &mut state);
        let id = state.id.as_deref().unwrap_or_default().to_string();
        let have = state.clone();
        let result = converge(data, &id, &planned, &have, &mut state, dl).await;
        resp.state = state.to_value(&schema().ty());
        if let Err((summary, e)) = result {
            resp.diags.push(api_error(&summary, &e));
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(mut m) = decode::<AggregateModel>("state", &req.state, &mut resp.diags) else {
            return;
        };
        let id = m.id.as_deref().unwrap_or_default();
        match data.cloud.get(&format!("/os-aggregates/{id}")).await {
            Ok(b) => match parse_reply(&b) {
                Ok(a) => {
                    flatten(&a, &mut m);
                    resp.state = m.to_value(&schema().ty());
                }
                Err(e) => resp.diags.push(api_error("Cannot read aggregate", &e)),
            },
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read aggregate", &e)),
        }
    }

    /// Renames or rezones in place, then brings metadata and hosts to the
    /// plan; the state records each step that succeeded.
    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let (Some(prior), Some(planned)) = (
            decode::<AggregateModel>("prior state", &req.prior, &mut resp.diags),
            decode::<AggregateModel>("plan", &req.planned, &mut resp.diags),
        ) else {
            return;
        };
        let dl = deadline(&req.config, "update");
        let id = prior.id.as_deref().unwrap_or_default().to_string();
        let mut state = prior.clone();
        state.timeouts = planned.timeouts.clone();
        let mut result = rename(data, &id, &prior, &planned, &mut state, dl).await;
        if result.is_ok() {
            result = converge(data, &id, &planned, &prior, &mut state, dl).await;
        }
        resp.state = state.to_value(&schema().ty());
        if let Err((summary, e)) = result {
            resp.diags.push(api_error(&summary, &e));
        }
    }

    /// Empties the aggregate of the hosts Nova reports (an aggregate with
    /// hosts cannot be deleted), then deletes it. Gone already is done.
    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let Some(prior) = decode::<AggregateModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        let dl = deadline(&req.prior, "delete");
        let id = prior.id.as_deref().unwrap_or_default();
        let current = match data.cloud.get(&format!("/os-aggregates/{id}")).await {
            Ok(b) => match parse_reply(&b) {
                Ok(a) => a,
                Err(e) => return resp.diags.push(api_error("Cannot read aggregate", &e)),
            },
            Err(e) if e.is_not_found() => return,
            Err(e) => return resp.diags.push(api_error("Cannot read aggregate", &e)),
        };
        for host in &current.hosts {
            if let Err(e) = action(data, id, &json!({"remove_host": {"host": host}}), dl).await {
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

    fn doc(v: J) -> documents::Aggregate {
        documents::parse("aggregate", &v).unwrap()
    }

    fn model(name: &str, az: Option<&str>) -> AggregateModel {
        AggregateModel {
            name: Attr::Known(name.into()),
            availability_zone: Attr::from_option(az.map(str::to_string)),
            ..Default::default()
        }
    }

    #[test]
    fn the_model_fits_the_schema() {
        AggregateModel::check_against(&schema().ty()).unwrap();
    }

    #[test]
    fn flatten_seed_aggregate_with_integer_id() {
        // F-002-aggregates-list (DIGEST §7.9)
        let a = json!({"availability_zone": "london", "created_at": "2016-12-27T23:47:32.911515", "deleted": false,
            "deleted_at": null, "hosts": ["compute"], "id": 1, "metadata": {"availability_zone": "london"},
            "name": "name", "updated_at": null, "uuid": "6ba28ba7-f29b-45cc-a30b-6e3a40c2fb14"});
        let mut m = AggregateModel::default();
        flatten(&doc(a), &mut m);
        let st = m.to_value(&schema().ty());
        assert_eq!(st.get("id"), &Value::string("1"));
        assert_eq!(st.get("availability_zone"), &Value::string("london"));
        assert_eq!(
            st.get("metadata"),
            &Value::Map(Default::default()),
            "the mirrored zone is not metadata"
        );
        assert_eq!(st.get("hosts"), &Value::Set(vec![Value::string("compute")]));
        // the create response has neither hosts nor metadata
        let mut m2 = AggregateModel::default();
        flatten(
            &doc(json!({"id": 1, "name": "name", "availability_zone": "beijing", "uuid": "u"})),
            &mut m2,
        );
        let st2 = m2.to_value(&schema().ty());
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

    /// A rename sends the name alone (Nova refuses a zone it did not
    /// expect to change); a new zone is sent with the name.
    #[test]
    fn updates_send_only_what_changed() {
        let prior = model("a", Some("z1"));
        assert_eq!(update_body(&prior, &prior.clone()), Ok(None));
        assert_eq!(
            update_body(&prior, &model("b", Some("z1"))),
            Ok(Some(json!({"aggregate": {"name": "b"}})))
        );
        assert_eq!(
            update_body(&prior, &model("a", Some("z2"))),
            Ok(Some(
                json!({"aggregate": {"name": "a", "availability_zone": "z2"}})
            ))
        );
        let unknown = AggregateModel {
            name: Attr::Unknown,
            ..prior.clone()
        };
        assert_eq!(update_body(&prior, &unknown), Err(UnknownValue));
        assert_eq!(
            create_body(&model("a", None)),
            Ok(json!({"aggregate": {"name": "a"}}))
        );
        assert_eq!(
            create_body(&model("a", Some("z"))),
            Ok(json!({"aggregate": {"name": "a", "availability_zone": "z"}}))
        );
    }

    /// Null entries are left out of what is sent; unknown ones are errors,
    /// never empty; and a plan holding either reads and writes back as it
    /// was.
    #[test]
    fn entries_keep_null_and_unknown() {
        let mut planned = Value::null_object(&schema().ty());
        planned.set("name", Value::string("a"));
        planned.set(
            "metadata",
            Value::Map(BTreeMap::from([
                ("k".to_string(), Value::Null),
                ("v".to_string(), Value::string("1")),
            ])),
        );
        planned.set(
            "hosts",
            Value::Set(vec![Value::string("c1"), Value::Unknown]),
        );
        let m = AggregateModel::from_value(&planned).unwrap();
        assert_eq!(m.to_value(&schema().ty()), planned);
        assert_eq!(
            m.metadata.known_entries(),
            Ok(BTreeMap::from([("v".to_string(), "1".to_string())]))
        );
        assert_eq!(known_hosts(&m.hosts), Err(UnknownValue));
        assert_eq!(known_hosts(&Attr::Null), Ok(BTreeSet::new()));
        assert_eq!(StringMap::Unknown.known_entries(), Err(UnknownValue));
        let hosts = Attr::Known(vec![Attr::Known("c1".to_string()), Attr::Null]);
        assert_eq!(known_hosts(&hosts), Ok(BTreeSet::from(["c1".to_string()])));
    }
}
