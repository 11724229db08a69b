//! `nova_server`.

pub mod actions;
pub mod model;
pub mod schema;
#[cfg(test)]
mod seed_fixtures;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::waiter::{wait_server, Observed, Wait, WaitError};
use crate::client::{wire, ApiError};
use crate::configured::NovaData;
use crate::framework::model::decode;
use crate::framework::*;

use super::{api_error, path_segment, require_feature};
use model::{BootVolumeImageRef, CreateOptions};

pub struct Server;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn deadline(v: &Value, op: &str) -> Instant {
    deadline_after(timeout_for(v, op, DEFAULT_TIMEOUT))
}

fn wait_error(summary: &str, e: WaitError) -> Diagnostic {
    match e {
        WaitError::Fault { message, code, .. } => Diagnostic::error(
            summary,
            format!(
                "Nova reported a fault{}: {message}",
                code.map(|c| format!(" (code {c})")).unwrap_or_default()
            ),
        ),
        other => Diagnostic::error(summary, other.to_string()),
    }
}

/// Flavors of the cloud, fetched once per process (again when a name or
/// ID is not found, as flavors may be created during the run).
async fn flavors(data: &NovaData, refresh: bool) -> Result<Vec<J>, ApiError> {
    let mut cache = data.flavors.lock().await;
    if refresh || cache.is_none() {
        let body = data
            .cloud
            .get_all("/flavors/detail?is_public=None", "flavors")
            .await?;
        *cache = Some(body["flavors"].as_array().cloned().unwrap_or_default());
    }
    Ok(cache.clone().unwrap_or_default())
}

async fn find_flavor(data: &NovaData, by: &str, value: &str) -> Result<Option<J>, ApiError> {
    for refresh in [false, true] {
        let all = flavors(data, refresh).await?;
        if let Some(f) = all
            .into_iter()
            .find(|f| wire::string(&f[by]).as_deref() == Some(value))
        {
            return Ok(Some(f));
        }
    }
    Ok(None)
}

/// Posts a server action; the request ID Nova gave it (its instance action
/// is found by it).
async fn action(
    data: &NovaData,
    id: &str,
    body: &J,
    dl: Instant,
) -> Result<Option<String>, ApiError> {
    data.cloud
        .compute(
            Method::POST,
            &format!("/servers/{id}/action"),
            Some(body),
            Some(dl),
        )
        .await
        .map(|r| r.request_id())
}

/// Waits for one of `targets`; `rid` is the request ID of the action the
/// wait follows, whose instance action ends the wait when it failed.
async fn wait_for(
    data: &NovaData,
    id: &str,
    targets: &[&str],
    dl: Instant,
    stop: &StopSignal,
    rid: Option<&str>,
) -> Result<Observed, WaitError> {
    let stopped = || stop.is_stopped();
    wait_server(
        &data.cloud,
        Wait {
            server_id: id,
            targets,
            gone_ok: false,
            gone: &[],
            deadline: dl,
            stopped: &stopped,
            request_id: rid,
        },
    )
    .await
}

fn status_for(power: &str) -> &'static [&'static str] {
    match power {
        "shutoff" => &["SHUTOFF"],
        "paused" => &["PAUSED"],
        "suspended" => &["SUSPENDED"],
        "shelved" => &["SHELVED", "SHELVED_OFFLOADED"],
        _ => &["ACTIVE"],
    }
}

/// Moves a server between power states, through `active` where needed.
async fn set_power_state(
    data: &NovaData,
    id: &str,
    from: &str,
    to: &str,
    dl: Instant,
    stop: &StopSignal,
) -> Result<(), Diagnostic> {
    if from == to {
        return Ok(());
    }
    let steps: Vec<(&str, J)> = match (from, to) {
        ("active", "shutoff") => vec![("shutoff", json!({"os-stop": null}))],
        ("active", "paused") => vec![("paused", json!({"pause": null}))],
        ("active", "suspended") => vec![("suspended", json!({"suspend": null}))],
        ("active", "shelved") => vec![("shelved", json!({"shelve": null}))],
        ("shutoff", "active") => vec![("active", json!({"os-start": null}))],
        ("paused", "active") => vec![("active", json!({"unpause": null}))],
        ("suspended", "active") => vec![("active", json!({"resume": null}))],
        ("shelved", "active") => vec![("active", json!({"unshelve": null}))],
        (f, t) => {
            // via active
            Box::pin(set_power_state(data, id, f, "active", dl, stop)).await?;
            return Box::pin(set_power_state(data, id, "active", t, dl, stop)).await;
        }
    };
    for (target, body) in steps {
        let verb = body
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default();
        let rid = action(data, id, &body, dl)
            .await
            .map_err(|e| api_error(&format!("Cannot change the power state ({verb})"), &e))?;
        wait_for(data, id, status_for(target), dl, stop, rid.as_deref())
            .await
            .map_err(|e| wait_error(&format!("Server did not reach power state {target}"), e))?;
    }
    Ok(())
}

/// Reads the server into `state`; `false` when it is gone. Reads that run
/// together share one listing (see `client::batch`).
async fn refresh(
    data: &NovaData,
    id: &str,
    prior: &Value,
    state: &mut Value,
) -> Result<bool, ApiError> {
    let Some(s) = data.cloud.server(id).await? else {
        return Ok(false);
    };
    fill(data, id, &s, prior, state, false).await
}

/// Security groups written as IDs stay IDs while those groups are on the
/// server (one network API look-up, only when IDs were written).
async fn security_groups_as_written(data: &NovaData, prior: &Value, state: &mut Value) {
    let Ok(written) = prior.get("security_groups").string_list() else {
        return;
    };
    let ids: Vec<&String> = written
        .iter()
        .filter(|w| crate::framework::validators::is_uuid(w))
        .collect();
    let Ok(reported) = state.get("security_groups").string_list() else {
        return;
    };
    let reported: std::collections::BTreeSet<String> = reported.into_iter().collect();
    let mut names = std::collections::HashMap::new();
    if !ids.is_empty() {
        let q: Vec<String> = ids
            .iter()
            .map(|i| format!("id={}", path_segment(i)))
            .collect();
        let path = format!("/v2.0/security-groups?{}", q.join("&"));
        match crate::client::batch::list_all(
            &data.cloud,
            crate::client::Service::Network,
            &path,
            "security_groups",
        )
        .await
        {
            Ok(groups) => {
                for g in groups {
                    if let (Some(id), Some(n)) = (wire::string(&g["id"]), wire::string(&g["name"]))
                    {
                        names.insert(id, n);
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "security groups not resolved"),
        }
    }
    let out = model::security_groups_as_written(&written, &reported, &names);
    state.set(
        "security_groups",
        Value::Set(out.into_iter().map(Value::String).collect()),
    );
}

/// Writes a server document into `state`. `settled`: the document comes
/// from a wait that has just ended, so its interfaces are looked up fresh.
async fn fill(
    data: &NovaData,
    id: &str,
    s: &J,
    prior: &Value,
    state: &mut Value,
    settled: bool,
) -> Result<bool, ApiError> {
    let status = wire::string(&s["status"])
        .unwrap_or_default()
        .to_ascii_uppercase();
    if crate::client::waiter::GONE_STATUSES.contains(&status.as_str()) {
        return Ok(false);
    }
    model::flatten(s, prior, state);
    resolve_flavor(data, s, prior, state).await?;
    security_groups_as_written(data, prior, state).await;
    let importing = prior.get("name").is_null();
    if importing || !state.get("network").walk().is_empty() {
        let list = if settled {
            data.cloud.fresh_interfaces(id).await?
        } else {
            data.cloud.interfaces(id, s).await?
        };
        if importing && state.get("network").walk().is_empty() && !list.is_empty() {
            // rebuild the blocks from the interfaces (import)
            let ty = schema::schema()
                .block
                .nested("network")
                .map(|b| b.block.ty())
                .unwrap_or(Type::String);
            state.set(
                "network",
                Value::List(list.iter().map(|_| Value::null_object(&ty)).collect()),
            );
        }
        model::flatten_networks(&list, state);
    }
    if importing && state.get("block_device").walk().is_empty() {
        let recovered = recover_block_devices(data, id, s).await?;
        if !recovered.is_empty() {
            state.set("block_device", Value::List(recovered));
        }
    }
    Ok(true)
}

/// Import: the `block_device` entries the server's volumes show (see
/// `model::recovered_block_devices`). The block storage record of each
/// volume is read when the cloud offers that API; without it, only a root
/// volume is recovered, as a `volume` source.
async fn recover_block_devices(data: &NovaData, id: &str, s: &J) -> Result<Vec<Value>, ApiError> {
    let attached: Vec<&J> = s["os-extended-volumes:volumes_attached"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    if attached.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = attached
        .iter()
        .filter_map(|v| wire::string(&v["id"]))
        .collect();
    let atts = data.cloud.volume_attachments(id, &ids).await?;
    let volume_api = |path: String| async move {
        let call = crate::client::Call::new(crate::client::Service::Volume, Method::GET, &path);
        match data.cloud.session.call(call).await {
            Ok(r) => Some(r.body),
            Err(e) => {
                tracing::debug!(path = %path, error = %e, "block storage record not readable at import");
                None
            }
        }
    };
    let mut volumes = Vec::with_capacity(atts.len());
    for a in &atts {
        let vid = wire::string(&a["volumeId"]).unwrap_or_default();
        let vol = volume_api(format!("/volumes/{}", path_segment(&vid))).await;
        volumes.push(vol.map(|b| b["volume"].clone()));
    }
    let default_type = volume_api("/types/default".to_string())
        .await
        .and_then(|b| wire::string(&b["volume_type"]["name"]));
    let seen: Vec<model::SeenVolume> = atts
        .iter()
        .zip(&volumes)
        .map(|(a, v)| model::SeenVolume {
            attachment: a,
            delete_on_termination: attached
                .iter()
                .find(|x| x["id"] == a["volumeId"])
                .and_then(|x| wire::boolean(&x["delete_on_termination"]))
                .or_else(|| wire::boolean(&a["delete_on_termination"])),
            volume: v.as_ref(),
        })
        .collect();
    // the root device: reported to administrators; else, for a server with
    // no image, its first device
    let volume_backed = s["image"].get("id").is_none();
    let root = wire::string(&s["OS-EXT-SRV-ATTR:root_device_name"]).or_else(|| {
        volume_backed
            .then(|| atts.iter().filter_map(|a| wire::string(&a["device"])).min())
            .flatten()
    });
    let ty = schema::schema()
        .block
        .nested("block_device")
        .map(|b| b.block.ty())
        .unwrap_or(Type::String);
    Ok(model::recovered_block_devices(
        id,
        root.as_deref(),
        default_type.as_deref(),
        &seen,
        &ty,
    ))
}

/// From 2.47 the server's flavor has a name but no ID: keep the known ID
/// when the name still matches, else look it up.
async fn resolve_flavor(
    data: &NovaData,
    s: &J,
    prior: &Value,
    state: &mut Value,
) -> Result<(), ApiError> {
    if s["flavor"].get("id").is_some() {
        if let Some(f) = find_flavor(
            data,
            "id",
            &wire::string(&s["flavor"]["id"]).unwrap_or_default(),
        )
        .await?
        {
            state.set("flavor_name", Value::from_opt_str(wire::string(&f["name"])));
        }
        return Ok(());
    }
    let name = wire::string(&s["flavor"]["original_name"]).unwrap_or_default();
    if prior.get("flavor_name").as_str() == Some(name.as_str())
        && prior.get("flavor_id").as_str().is_some()
    {
        state.set("flavor_id", prior.get("flavor_id").clone());
        return Ok(());
    }
    let id = find_flavor(data, "name", &name)
        .await?
        .and_then(|f| wire::string(&f["id"]));
    state.set("flavor_id", Value::from_opt_str(id));
    Ok(())
}

/// Finds the server a lost create request made, by its create token. Were
/// there two (a request repeated while the first was still being carried
/// out), the oldest is kept and the other deleted.
async fn adopt(data: &NovaData, name: &str, token: &str) -> Result<Option<String>, ApiError> {
    let q = format!(
        "/servers/detail?name={}",
        path_segment(&format!("^{}$", regex::escape(name)))
    );
    let body = data.cloud.get_all(&q, "servers").await?;
    let mut mine: Vec<&J> = body["servers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["metadata"][model::CREATE_TOKEN_KEY].as_str() == Some(token))
        .collect();
    mine.sort_by_key(|s| wire::string(&s["created"]).unwrap_or_default());
    for extra in mine.iter().skip(1) {
        if let Some(id) = wire::string(&extra["id"]) {
            tracing::warn!(server = %id, "deleting a duplicate made by a repeated create");
            let _ = data
                .cloud
                .compute(Method::DELETE, &format!("/servers/{id}"), None, None)
                .await;
        }
    }
    Ok(mine.first().and_then(|s| wire::string(&s["id"])))
}

#[async_trait]
impl Resource<NovaData> for Server {
    fn type_name(&self) -> &'static str {
        "nova_server"
    }

    fn list_schema(&self) -> Option<Schema> {
        Some(Schema::new(
            0,
            crate::data_sources::servers::filters(Block::new(
                "Lists the servers of the project that match the filters, sorted by name.",
            )),
        ))
    }

    async fn list(&self, data: &NovaData, config: &Value, diags: &mut Diagnostics) -> Vec<Listed> {
        use crate::data_sources::servers::{matching, ServerFilters};
        let Some(filters) = decode::<ServerFilters>("list configuration", config, diags) else {
            return Vec::new();
        };
        match matching(data, &filters).await {
            Ok(found) => found
                .into_iter()
                .filter_map(|s| {
                    Some(Listed {
                        id: s.id?,
                        display_name: s.name.unwrap_or_default(),
                    })
                })
                .collect(),
            Err(d) => {
                diags.push(d);
                Vec::new()
            }
        }
    }

    /// Generated configuration: the flavor by ID, the image when there is
    /// one, each network by its ID (ports and addresses are the cloud's).
    /// `user_data` is never read back, so it is left out; added by hand, the
    /// next apply records it in place.
    fn generated_config(&self, state: &Value, mut config: Value) -> Value {
        config.set("flavor_id", state.get("flavor_id").clone());
        config.set("image_id", state.get("image_id").clone());
        // generated from state, which is always known
        let nets: Vec<Value> = config
            .get("network")
            .walk()
            .iter()
            .zip(state.get("network").walk())
            .map(|(c, st)| {
                let mut c = c.clone();
                c.set("uuid", st.get("uuid").clone());
                c
            })
            .collect();
        config.set("network", Value::List(nets));
        config
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::id_only("The server ID."))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        schema::validate(config, diags);
    }

    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let (prior, config) = (req.prior, req.config);
        let creating = prior.is_null();
        if let Some(data) = data {
            for (attr, version, at_least) in model::version_requirements(config) {
                let changed = creating || config.get(attr) != prior.get(attr);
                if !changed {
                    continue;
                }
                if at_least {
                    require_feature(data, version, attr, &mut resp.diags).await;
                } else if let Ok(v) = data.cloud.session.compute_version().await {
                    if v > version {
                        resp.diags.error_at(
                            AttrPath::attr(attr),
                            "Not supported at this microversion",
                            format!("{attr} is accepted up to compute microversion {version}; the provider speaks {v}. Set compute_microversion = \"{version}\" in the provider block to use it."),
                        );
                    }
                }
            }
        }
        // user data: only its hash is kept; a change replaces the server
        let hash = match config.get("user_data") {
            Value::String(s) => Value::string(model::user_data_hash(s)),
            Value::Unknown => Value::Unknown,
            _ => Value::Null,
        };
        if !creating {
            let old = prior.get("user_data_hash");
            if !old.is_null() && *old != hash {
                resp.requires_replace.push(AttrPath::attr("user_data"));
            }
        }
        resp.planned.set("user_data_hash", hash);
        // a resize may move a server whose zone was not asked for to another zone
        let resizing = !creating
            && ((!config.get("flavor_id").is_null()
                && config.get("flavor_id") != prior.get("flavor_id"))
                || (!config.get("flavor_name").is_null()
                    && config.get("flavor_name") != prior.get("flavor_name")));
        if resizing && config.get("availability_zone").is_null() {
            resp.planned.set("availability_zone", Value::Unknown);
        }
        // the flavor is named by ID or by name; the other side is derived
        if !creating {
            for (given, derived) in [("flavor_id", "flavor_name"), ("flavor_name", "flavor_id")] {
                if config.get(derived).is_null() && !config.get(given).is_null() {
                    let same = config.get(given) == prior.get(given);
                    resp.planned.set(
                        derived,
                        if same {
                            prior.get(derived).clone()
                        } else {
                            Value::Unknown
                        },
                    );
                }
            }
        }
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let p = &req.planned;
        let flavor_ref = match (p.get("flavor_id").as_str(), p.get("flavor_name").as_str()) {
            (Some(id), _) => id.to_string(),
            (None, Some(name)) => match find_flavor(data, "name", name).await {
                Ok(Some(f)) => wire::string(&f["id"]).unwrap_or_default(),
                Ok(None) => {
                    return resp.diags.push(
                        Diagnostic::error(
                            "Unknown flavor",
                            format!("No flavor is named \"{name}\"."),
                        )
                        .at(AttrPath::attr("flavor_name")),
                    );
                }
                Err(e) => return resp.diags.push(api_error("Cannot list flavors", &e)),
            },
            _ => {
                return resp
                    .diags
                    .error("Missing flavor", "Give flavor_id or flavor_name.")
            }
        };
        let microversion = match data.cloud.session.compute_version().await {
            Ok(v) => v,
            Err(e) => {
                return resp
                    .diags
                    .push(api_error("Cannot reach the compute API", &e))
            }
        };
        let token = hex::encode(rand::random::<[u8; 12]>());
        let opts = CreateOptions {
            microversion,
            flavor_ref: &flavor_ref,
            boot_volume_image_ref: BootVolumeImageRef::parse(&data.boot_volume_image_ref),
            create_token: Some(&token),
        };
        let body = model::create_body(p, &req.config, &opts);
        let name = p.get("name").as_str().unwrap_or_default().to_string();
        // a lost answer is recovered by the create token: the server is
        // adopted, or the request (same token) sent again
        let find = || async {
            Ok(adopt(data, &name, &token)
                .await?
                .map(|id| json!({"server": {"id": id}})))
        };
        let id = match data
            .cloud
            .create_tracked("/servers", &body, Some(dl), find)
            .await
        {
            // sent more than once: the first attempt may have made a server
            // too; the oldest with the token is kept, the others deleted
            Ok((r, true)) => match adopt(data, &name, &token).await {
                Ok(Some(first)) => Some(first),
                _ => wire::string(&r["server"]["id"]),
            },
            Ok((r, false)) => wire::string(&r["server"]["id"]),
            Err(e) => return resp.diags.push(api_error("Cannot create server", &e)),
        };
        let Some(id) = id else {
            return resp.diags.error(
                "Cannot create server",
                "The compute API accepted the request but returned no server ID.",
            );
        };
        // From here on the server exists: its ID stays in state whatever happens.
        let mut state = p.clone();
        state.set("id", Value::string(&id));
        resp.state = state;
        let settled = match wait_for(data, &id, &["ACTIVE"], dl, &req.stop, None).await {
            Ok(Observed::Settled(s)) => Some(s),
            Ok(Observed::Gone) => None,
            Err(e) => {
                let mut st = resp.state.clone();
                if let WaitError::Fault { server, .. } = &e {
                    model::flatten(server, p, &mut st);
                }
                resp.state = st;
                return resp
                    .diags
                    .push(wait_error("Server did not become ACTIVE", e));
            }
        };
        let target = p
            .get("power_state")
            .as_str()
            .unwrap_or("active")
            .to_string();
        if let Err(d) = set_power_state(data, &id, "active", &target, dl, &req.stop).await {
            resp.diags.push(d);
        }
        let mut st = resp.state.clone();
        let read = match settled.filter(|_| target == "active") {
            // the wait's last look is the server as it is now
            Some(s) => fill(data, &id, &s, p, &mut st, true).await,
            None => refresh(data, &id, p, &mut st).await,
        };
        match read {
            Ok(_) => resp.state = st,
            Err(e) => resp
                .diags
                .push(api_error("Server created, but reading it failed", &e)),
        }
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let id = req.state.get("id").opt_str().unwrap_or_default();
        let mut st = req.state.clone();
        // a server in a cell that is down comes as a partial record
        // (microversion 2.69+): the state stays as it was
        let company = req.company.clone();
        let s = match data.cloud.server_among(&id, &move || company.now()).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                resp.state = Value::Null;
                return;
            }
            Err(e) => return resp.diags.push(api_error("Cannot read server", &e)),
        };
        if model::is_partial(&s) {
            resp.state = req.state.clone();
            return resp.diags.push(Diagnostic::warning(
                "Server partly unavailable",
                format!("The cloud returned a partial record for server {id} (status {}): its cell is unreachable. The state is kept as it was; refresh again later.", wire::string(&s["status"]).unwrap_or_default()),
            ));
        }
        match fill(data, &id, &s, &req.state, &mut st, false).await {
            Ok(true) => resp.state = st,
            Ok(false) => resp.state = Value::Null,
            Err(e) => resp.diags.push(api_error("Cannot read server", &e)),
        }
    }

    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "update");
        let (old, new) = (&req.prior, &req.planned);
        let id = old.get("id").opt_str().unwrap_or_default();
        resp.state = old.clone();
        let changed = |k: &str| old.get(k) != new.get(k) && !new.get(k).is_unknown();
        let from_power = old
            .get("power_state")
            .as_str()
            .unwrap_or("active")
            .to_string();
        let to_power = new
            .get("power_state")
            .as_str()
            .unwrap_or("active")
            .to_string();
        // power transitions go first when they unlock the other changes (a
        // shelved-offloaded server takes no metadata, resize or rebuild),
        // last when they lock them (shelve, pause, suspend, stop)
        let power_first =
            from_power != to_power && (from_power == "shelved" || to_power == "active");
        if power_first {
            if let Err(d) = set_power_state(data, &id, &from_power, &to_power, dl, &req.stop).await
            {
                return resp.diags.push(d);
            }
            resp.state.set("power_state", Value::string(&to_power));
        }
        let current_power = if power_first { &to_power } else { &from_power };
        // name, description, access addresses, hostname
        let mut put = serde_json::Map::new();
        for (attr, key) in [
            ("name", "name"),
            ("description", "description"),
            ("access_ip_v4", "accessIPv4"),
            ("access_ip_v6", "accessIPv6"),
            ("hostname", "hostname"),
        ] {
            if changed(attr) {
                put.insert(
                    key.into(),
                    new.get(attr).as_str().map(J::from).unwrap_or(J::Null),
                );
            }
        }
        if !put.is_empty() {
            if let Err(e) = data
                .cloud
                .compute(
                    Method::PUT,
                    &format!("/servers/{id}"),
                    Some(&json!({"server": put})),
                    Some(dl),
                )
                .await
            {
                return resp.diags.push(api_error("Cannot update server", &e));
            }
        }
        // metadata: set Terraform's keys, delete the ones it dropped
        if changed("metadata") {
            let (Some(want), Some(have)) = (
                resp.diags
                    .known("metadata", new.get("metadata").string_map()),
                resp.diags
                    .known("metadata", old.get("metadata").string_map()),
            ) else {
                return;
            };
            let set: serde_json::Map<String, J> = want
                .iter()
                .filter(|(k, v)| have.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), J::String(v.clone())))
                .collect();
            if !set.is_empty() {
                if let Err(e) = data
                    .cloud
                    .compute(
                        Method::POST,
                        &format!("/servers/{id}/metadata"),
                        Some(&json!({"metadata": set})),
                        Some(dl),
                    )
                    .await
                {
                    return resp.diags.push(api_error("Cannot set server metadata", &e));
                }
            }
            for k in have.keys().filter(|k| !want.contains_key(*k)) {
                match data
                    .cloud
                    .compute(
                        Method::DELETE,
                        &format!("/servers/{id}/metadata/{}", path_segment(k)),
                        None,
                        Some(dl),
                    )
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => {
                        return resp.diags.push(api_error(
                            &format!("Cannot delete server metadata key {k}"),
                            &e,
                        ))
                    }
                }
            }
        }
        // tags: add and remove Terraform's own
        if changed("tags") {
            let (Some(want), Some(have)) = (
                resp.diags.known("tags", new.get("tags").string_list()),
                resp.diags.known("tags", old.get("tags").string_list()),
            ) else {
                return;
            };
            let want: std::collections::BTreeSet<String> = want.into_iter().collect();
            let have: std::collections::BTreeSet<String> = have.into_iter().collect();
            for t in want.difference(&have) {
                if let Err(e) = data
                    .cloud
                    .compute(
                        Method::PUT,
                        &format!("/servers/{id}/tags/{}", path_segment(t)),
                        None,
                        Some(dl),
                    )
                    .await
                {
                    return resp
                        .diags
                        .push(api_error(&format!("Cannot add tag {t}"), &e));
                }
            }
            for t in have.difference(&want) {
                match data
                    .cloud
                    .compute(
                        Method::DELETE,
                        &format!("/servers/{id}/tags/{}", path_segment(t)),
                        None,
                        Some(dl),
                    )
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => {
                        return resp
                            .diags
                            .push(api_error(&format!("Cannot remove tag {t}"), &e))
                    }
                }
            }
        }
        // security groups
        if changed("security_groups") {
            let (Some(want), Some(have)) = (
                resp.diags
                    .known("security_groups", new.get("security_groups").string_list()),
                resp.diags
                    .known("security_groups", old.get("security_groups").string_list()),
            ) else {
                return;
            };
            let want: std::collections::BTreeSet<String> = want.into_iter().collect();
            let have: std::collections::BTreeSet<String> = have.into_iter().collect();
            for (names, verb) in [
                (
                    want.difference(&have).cloned().collect::<Vec<_>>(),
                    "addSecurityGroup",
                ),
                (
                    have.difference(&want).cloned().collect(),
                    "removeSecurityGroup",
                ),
            ] {
                for n in names {
                    if let Err(e) = action(data, &id, &json!({verb: {"name": n}}), dl).await {
                        return resp.diags.push(api_error(
                            &format!("Cannot change security group {n} ({verb})"),
                            &e,
                        ));
                    }
                }
            }
        }
        let settled = status_for(current_power);
        // resize, with confirmation
        let flavor_changed = (changed("flavor_id") && !new.get("flavor_id").is_null())
            || (changed("flavor_name") && !new.get("flavor_name").is_null());
        if flavor_changed {
            let target = match (
                new.get("flavor_id").as_str(),
                new.get("flavor_name").as_str(),
            ) {
                (Some(fid), _) => Some(fid.to_string()),
                (None, Some(name)) => find_flavor(data, "name", name)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|f| wire::string(&f["id"])),
                _ => None,
            };
            let Some(target) = target else {
                return resp.diags.push(
                    Diagnostic::error("Unknown flavor", "The new flavor was not found.")
                        .at(AttrPath::attr("flavor_name")),
                );
            };
            let rid = match action(data, &id, &json!({"resize": {"flavorRef": target}}), dl).await {
                Ok(rid) => rid,
                Err(e) => return resp.diags.push(api_error("Cannot resize server", &e)),
            };
            // VERIFY_RESIZE, or back where it was: a cloud that confirms
            // resizes itself, or a resize that failed (its instance action
            // tells which)
            let mut targets = vec!["VERIFY_RESIZE"];
            targets.extend_from_slice(settled);
            let s = match wait_for(data, &id, &targets, dl, &req.stop, rid.as_deref()).await {
                Ok(Observed::Settled(s)) => s,
                Ok(Observed::Gone) => J::Null.into(),
                Err(e) => return resp.diags.push(wait_error("Resize did not finish", e)),
            };
            if wire::string(&s["status"]).as_deref() == Some("VERIFY_RESIZE") {
                // a 400/409 answer: the cloud may be confirming it itself
                // (resize_confirm_window); the wait that follows tells
                let refused = match action(data, &id, &json!({"confirmResize": null}), dl).await {
                    Ok(_) => None,
                    Err(e) if matches!(e.status(), Some(400 | 409)) => Some(e),
                    Err(e) => return resp.diags.push(api_error("Cannot confirm the resize", &e)),
                };
                // after a refusal the cloud's own confirmation shows soon
                let settle_by = match refused {
                    Some(_) => dl.min(deadline_after(Duration::from_secs(120))),
                    None => dl,
                };
                if let Err(e) = wait_for(data, &id, settled, settle_by, &req.stop, None).await {
                    return resp.diags.push(match refused {
                        Some(r) => api_error("Cannot confirm the resize", &r),
                        None => wait_error("Server did not settle after the resize", e),
                    });
                }
            } else if let Some(rid) = rid.as_deref() {
                if let Some(a) = crate::client::waiter::read_action(&data.cloud, &id, rid, dl).await
                {
                    if let Some(e) = crate::client::waiter::failed_action(&a, &s) {
                        return resp.diags.push(wait_error("Resize failed", e));
                    }
                }
            }
        }
        // rebuild from a new image (image-backed servers)
        if changed("image_id") && !new.get("image_id").is_null() && !old.get("image_id").is_null() {
            let mut rb = json!({"imageRef": new.get("image_id").as_str()});
            if let Some(pw) = req
                .config
                .get("admin_pass_wo")
                .as_str()
                .or_else(|| new.get("admin_pass").as_str())
            {
                rb["adminPass"] = pw.into();
            }
            let rid = match action(data, &id, &json!({"rebuild": rb}), dl).await {
                Ok(rid) => rid,
                Err(e) => return resp.diags.push(api_error("Cannot rebuild server", &e)),
            };
            if let Err(e) = wait_for(data, &id, settled, dl, &req.stop, rid.as_deref()).await {
                return resp.diags.push(wait_error("Rebuild did not finish", e));
            }
        }
        // administrator password
        let new_pw = if changed("admin_pass_wo_version") {
            req.config.get("admin_pass_wo").as_str()
        } else {
            None
        }
        .or_else(|| {
            if changed("admin_pass") {
                new.get("admin_pass").as_str()
            } else {
                None
            }
        });
        if let Some(pw) = new_pw {
            if let Err(e) =
                action(data, &id, &json!({"changePassword": {"adminPass": pw}}), dl).await
            {
                return resp
                    .diags
                    .push(api_error("Cannot change the administrator password", &e));
            }
        }
        if let Err(d) = set_power_state(data, &id, current_power, &to_power, dl, &req.stop).await {
            return resp.diags.push(d);
        }
        let mut st = new.clone();
        match refresh(data, &id, new, &mut st).await {
            Ok(true) => resp.state = st,
            Ok(false) => resp.diags.error(
                "Server disappeared",
                "The server was deleted while it was being updated.",
            ),
            Err(e) => resp
                .diags
                .push(api_error("Server updated, but reading it failed", &e)),
        }
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.prior, "delete");
        let id = req.prior.get("id").opt_str().unwrap_or_default();
        if req.prior.get("stop_before_destroy").as_bool() == Some(true)
            && req.prior.get("status").as_str() == Some("ACTIVE")
        {
            match action(data, &id, &json!({"os-stop": null}), dl).await {
                Ok(rid) => {
                    let _ = wait_for(data, &id, &["SHUTOFF"], dl, &req.stop, rid.as_deref()).await;
                }
                Err(e) if e.is_not_found() => return,
                Err(e) if e.is_conflict() => {}
                Err(e) => {
                    return resp
                        .diags
                        .push(api_error("Cannot stop server before deleting it", &e))
                }
            }
        }
        match data
            .cloud
            .compute(Method::DELETE, &format!("/servers/{id}"), None, Some(dl))
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return,
            Err(e) if e.is_conflict() => {
                return resp.diags.push(Diagnostic::error(
                    "Cannot delete server",
                    format!("The cloud refused to delete the server (409): {}. A locked server must be unlocked first.", e.message()),
                ));
            }
            Err(e) => return resp.diags.push(api_error("Cannot delete server", &e)),
        }
        let stopped = || req.stop.is_stopped();
        let gone = |statuses| Wait {
            server_id: &id,
            targets: &[],
            gone_ok: true,
            gone: statuses,
            deadline: dl,
            stopped: &stopped,
            request_id: None,
        };
        let observed =
            match wait_server(&data.cloud, gone(crate::client::waiter::GONE_STATUSES)).await {
                Ok(o) => o,
                Err(e) => return resp.diags.push(wait_error("Server was not deleted", e)),
            };
        if req.prior.get("force_delete").as_bool() != Some(true) || observed != Observed::Gone {
            return;
        }
        // soft-deleted servers (recycle bin) are purged on request
        let soft = match data.cloud.get(&format!("/servers/{id}")).await {
            Ok(b) => wire::string(&b["server"]["status"]).as_deref() == Some("SOFT_DELETED"),
            Err(_) => false,
        };
        if soft {
            match action(data, &id, &json!({"forceDelete": null}), dl).await {
                Ok(_) => {
                    if let Err(e) = wait_server(&data.cloud, gone(&["DELETED"])).await {
                        resp.diags
                            .push(wait_error("Soft-deleted server was not purged", e));
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => resp
                    .diags
                    .push(api_error("Cannot purge the soft-deleted server", &e)),
            }
        }
    }
}
