//! `nova_volume_attachment` and `nova_interface_attachment`: devices added
//! to a running server, waited for until attached and until detached.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::{wire, ApiError};
use crate::configured::NovaData;
use crate::framework::validators::{Matches, Uuid};
use crate::framework::*;

use super::{api_error, deadline, path_segment, require_feature};

/// Polls `path` until it exists (`want_present`) or answers 404.
/// Polls `path` until it is present (or gone). `action` is the server and
/// the request ID of the request that started the change: while the change
/// has not shown, its instance action is read now and then, and a failed
/// event ends the wait with Nova's reason.
async fn wait_presence(
    data: &NovaData,
    path: &str,
    want_present: bool,
    dl: Instant,
    stop: &StopSignal,
    action: Option<(&str, &str)>,
) -> Result<Option<J>, ApiError> {
    let mut interval = Duration::from_millis(300);
    let mut looks = 0u32;
    loop {
        looks += 1;
        if let Some((sid, rid)) = action {
            if looks >= 3 && (looks - 3) % 3 == 0 {
                if let Some(a) = crate::client::waiter::read_action(&data.cloud, sid, rid, dl).await
                {
                    if let Some(e) = crate::client::waiter::failed_action(&a, &J::Null) {
                        return Err(ApiError::Unsupported(e.to_string()));
                    }
                }
            }
        }
        match data.cloud.get(path).await {
            Ok(b) if want_present => return Ok(Some(b)),
            Err(e) if e.is_not_found() && !want_present => return Ok(None),
            Err(e) if !e.is_not_found() => return Err(e),
            _ => {}
        }
        if stop.is_stopped() {
            return Err(ApiError::Stopped);
        }
        if Instant::now() >= dl {
            return Err(ApiError::Timeout(format!(
                "timed out waiting for {path} to be {}",
                if want_present { "attached" } else { "detached" }
            )));
        }
        interval = interval
            .mul_f64(1.5)
            .clamp(Duration::from_millis(500), Duration::from_secs(10));
        tokio::time::sleep(interval).await;
    }
}

fn split_id(id: &str) -> Option<(String, String)> {
    id.split_once('/')
        .map(|(a, b)| (a.to_string(), b.to_string()))
}

/// Detaches (DELETE on `path`) and waits until the attachment is gone.
async fn detach(
    data: &NovaData,
    path: &str,
    req: &ApplyRequest,
    what: &str,
    resp: &mut ApplyResponse,
) {
    let dl = deadline(&req.prior, "delete");
    let sid = req.prior.get("server_id").opt_str().unwrap_or_default();
    let rid = match data
        .cloud
        .compute(Method::DELETE, path, None, Some(dl))
        .await
    {
        Ok(r) => r.request_id(),
        Err(e) if e.is_not_found() => return,
        Err(e) => {
            return resp
                .diags
                .push(api_error(&format!("Cannot detach {what}"), &e))
        }
    };
    let action = rid.as_deref().map(|r| (sid.as_str(), r));
    if let Err(e) = wait_presence(data, path, false, dl, &req.stop, action).await {
        resp.diags.push(api_error(
            &format!("Detaching the {what} did not complete"),
            &e,
        ));
    }
}

/// Import by `<server_id>/<other>` or by an identity of those two attributes.
fn import_pair(req: &ImportRequest, resp: &mut ImportResponse, other: &str) {
    let ids = match &req.identity {
        Some(i) => i.get("server_id").opt_str().zip(i.get(other).opt_str()),
        None => split_id(&req.id),
    };
    match ids {
        Some((s, o)) => {
            resp.state.set("id", Value::string(format!("{s}/{o}")));
            resp.state.set("server_id", Value::string(s));
            resp.state.set(other, Value::string(o));
        }
        None => resp.diags.error(
            "Invalid import ID",
            format!("Expected <server_id>/<{other}>, got \"{}\".", req.id),
        ),
    }
}

fn tag_validator() -> Matches {
    Matches(
        regex::Regex::new(r"^[^/,]{1,60}$").expect("static regex"),
        "1 to 60 characters without '/' or ','",
    )
}

pub struct VolumeAttachment;

pub fn volume_schema() -> Schema {
    Schema::new(
        0,
        Block::new("Attaches an existing volume to a server; waits until attached and, on destroy, until detached.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("`<server_id>/<volume_id>`."))
            .attr(Attribute::string("server_id").required().requires_replace().validate(Uuid).description("The server."))
            .attr(Attribute::string("volume_id").required().requires_replace().validate(Uuid).description("The volume."))
            .attr(Attribute::string("device").optional_computed().requires_replace().use_state_for_unknown().description("Device name to request, such as `/dev/vdb`. Hypervisors may pick another (libvirt does); the requested name stays here and the cloud's is in `reported_device`. Computed when not set."))
            .attr(Attribute::string("reported_device").computed().description("The device name the cloud reports for the attachment."))
            .attr(Attribute::string("tag").optional().requires_replace().validate(tag_validator()).description("Device role tag (microversion 2.49)."))
            .attr(Attribute::bool("delete_on_termination").optional_computed().requires_replace().use_state_for_unknown().description("Delete the volume with the server (microversion 2.79)."))
            .block(timeouts_block(&["create", "delete"], "10m")),
    )
}

/// The `POST /servers/{id}/os-volume_attachments` body.
pub fn volume_attach_body(planned: &Value) -> J {
    let mut va = json!({"volumeId": planned.get("volume_id").as_str()});
    for (attr, key) in [("device", "device"), ("tag", "tag")] {
        if let Some(v) = planned.get(attr).as_str() {
            va[key] = v.into();
        }
    }
    if let Some(d) = planned.get("delete_on_termination").as_bool() {
        va["delete_on_termination"] = d.into();
    }
    json!({"volumeAttachment": va})
}

/// The `POST /servers/{id}/os-interface` body.
pub fn interface_attach_body(planned: &Value) -> J {
    let mut ia = serde_json::Map::new();
    if let Some(n) = planned.get("network_id").as_str() {
        ia.insert("net_id".into(), n.into());
    }
    if let Some(port) = planned.get("port_id").as_str() {
        ia.insert("port_id".into(), port.into());
    }
    if let Some(ip) = planned.get("fixed_ip").as_str() {
        ia.insert("fixed_ips".into(), json!([{"ip_address": ip}]));
    }
    if let Some(t) = planned.get("tag").as_str() {
        ia.insert("tag".into(), t.into());
    }
    json!({"interfaceAttachment": ia})
}

pub fn flatten_volume(a: &J, state: &mut Value) {
    let (sid, vid) = (
        wire::string(&a["serverId"]).unwrap_or_default(),
        wire::string(&a["volumeId"]).unwrap_or_default(),
    );
    state.set("id", Value::string(format!("{sid}/{vid}")));
    state.set("server_id", Value::string(sid));
    state.set("volume_id", Value::string(vid));
    let reported = Value::from_opt_str(wire::string(&a["device"]));
    // the requested name is advisory: the name as written stays
    let device = state
        .get("device")
        .as_written(reported.clone(), |written, _| !written.is_empty());
    state.set("device", device);
    state.set("reported_device", reported);
    if let Some(t) = wire::string(&a["tag"]) {
        state.set("tag", Value::string(t));
    }
    let dot = wire::boolean(&a["delete_on_termination"]).map(Value::Bool);
    state.set("delete_on_termination", dot.unwrap_or(Value::Bool(false)));
}

#[async_trait]
impl Resource<NovaData> for VolumeAttachment {
    fn type_name(&self) -> &'static str {
        "nova_volume_attachment"
    }
    fn schema(&self) -> Schema {
        volume_schema()
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                ("server_id".into(), Type::String, true, "The server.".into()),
                ("volume_id".into(), Type::String, true, "The volume.".into()),
            ],
        })
    }
    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let Some(data) = data else { return };
        if req.prior.is_null() {
            if !req.config.get("tag").is_null() {
                require_feature(data, mv::VOLUME_ATTACH_TAG, "tag", &mut resp.diags).await;
            }
            if !req.config.get("delete_on_termination").is_null() {
                require_feature(
                    data,
                    mv::VOLUME_ATTACH_DOT,
                    "delete_on_termination",
                    &mut resp.diags,
                )
                .await;
            }
        }
    }
    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let p = &req.planned;
        let (sid, vid) = (
            p.get("server_id").opt_str().unwrap_or_default(),
            p.get("volume_id").opt_str().unwrap_or_default(),
        );
        let path = format!("/servers/{}/os-volume_attachments", path_segment(&sid));
        let reply = match data
            .cloud
            .compute(Method::POST, &path, Some(&volume_attach_body(p)), Some(dl))
            .await
        {
            Ok(r) => r,
            Err(e) => return resp.diags.push(api_error("Cannot attach volume", &e)),
        };
        let mut st = p.clone();
        flatten_volume(&reply.body["volumeAttachment"], &mut st);
        if st.get("delete_on_termination").is_unknown() {
            st.set("delete_on_termination", Value::Bool(false));
        }
        resp.state = st;
        // the compute host attaches after the answer: its instance action
        // says when it is done, or why it failed
        if let Some(rid) = reply.request_id() {
            let stopped = || req.stop.is_stopped();
            if let Err(e) =
                crate::client::waiter::wait_action(&data.cloud, &sid, &rid, dl, &stopped).await
            {
                return resp
                    .diags
                    .push(Diagnostic::error("Volume attachment failed", e.to_string()));
            }
        }
        let one = format!("{path}/{}", path_segment(&vid));
        match wait_presence(data, &one, true, dl, &req.stop, None).await {
            Ok(Some(b)) => {
                let mut st = resp.state.clone();
                flatten_volume(&b["volumeAttachment"], &mut st);
                resp.state = st;
            }
            Ok(None) => {}
            Err(e) => resp
                .diags
                .push(api_error("Volume attachment did not complete", &e)),
        }
    }
    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let (sid, vid) = (
            req.state.get("server_id").opt_str().unwrap_or_default(),
            req.state.get("volume_id").opt_str().unwrap_or_default(),
        );
        match data
            .cloud
            .get(&format!(
                "/servers/{}/os-volume_attachments/{}",
                path_segment(&sid),
                path_segment(&vid)
            ))
            .await
        {
            Ok(b) => {
                let mut st = req.state.clone();
                flatten_volume(&b["volumeAttachment"], &mut st);
                resp.state = st;
            }
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp
                .diags
                .push(api_error("Cannot read volume attachment", &e)),
        }
    }
    async fn update(&self, _data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        resp.state = req.planned;
    }
    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let (sid, vid) = (
            req.prior.get("server_id").opt_str().unwrap_or_default(),
            req.prior.get("volume_id").opt_str().unwrap_or_default(),
        );
        let one = format!(
            "/servers/{}/os-volume_attachments/{}",
            path_segment(&sid),
            path_segment(&vid)
        );
        detach(data, &one, &req, "volume", resp).await;
    }
    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        import_pair(&req, resp, "volume_id");
    }
}

pub struct InterfaceAttachment;

pub fn interface_schema() -> Schema {
    Schema::new(
        0,
        Block::new("Attaches a network interface (a new port on a network, or an existing port) to a server.")
            .attr(Attribute::string("id").computed().use_state_for_unknown().description("`<server_id>/<port_id>`."))
            .attr(Attribute::string("server_id").required().requires_replace().validate(Uuid).description("The server."))
            .attr(Attribute::string("network_id").optional_computed().requires_replace().use_state_for_unknown().validate(Uuid).description("Network to create a port on."))
            .attr(Attribute::string("port_id").optional_computed().requires_replace().use_state_for_unknown().validate(Uuid).description("Existing port to attach; computed otherwise."))
            .attr(Attribute::string("fixed_ip").optional_computed().requires_replace().use_state_for_unknown().description("Fixed IP for the new port."))
            .attr(Attribute::string("tag").optional().requires_replace().validate(tag_validator()).description("Device role tag (microversion 2.49)."))
            .attr(Attribute::string("mac").computed().use_state_for_unknown().description("MAC address."))
            .attr(Attribute::string_list("fixed_ips").computed().use_state_for_unknown().description("Every fixed IP of the port."))
            .block(timeouts_block(&["create", "delete"], "10m")),
    )
}

pub fn flatten_interface(sid: &str, a: &J, state: &mut Value) {
    let port = wire::string(&a["port_id"]).unwrap_or_default();
    state.set("id", Value::string(format!("{sid}/{port}")));
    state.set("server_id", Value::string(sid));
    state.set("port_id", Value::string(&port));
    state.set(
        "network_id",
        Value::from_opt_str(wire::string(&a["net_id"])),
    );
    state.set("mac", Value::from_opt_str(wire::string(&a["mac_addr"])));
    let ips: Vec<String> = a["fixed_ips"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| wire::string(&f["ip_address"]))
        .collect();
    if state.get("fixed_ip").is_null() || state.get("fixed_ip").is_unknown() {
        state.set("fixed_ip", Value::from_opt_str(ips.first().cloned()));
    }
    state.set(
        "fixed_ips",
        Value::List(ips.into_iter().map(Value::String).collect()),
    );
}

#[async_trait]
impl Resource<NovaData> for InterfaceAttachment {
    fn type_name(&self) -> &'static str {
        "nova_interface_attachment"
    }
    fn schema(&self) -> Schema {
        interface_schema()
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                ("server_id".into(), Type::String, true, "The server.".into()),
                (
                    "port_id".into(),
                    Type::String,
                    true,
                    "The attached port.".into(),
                ),
            ],
        })
    }
    fn validate(&self, c: &Value, diags: &mut Diagnostics) {
        let (n, p) = (c.get("network_id"), c.get("port_id"));
        if n.is_null() && p.is_null() {
            diags.error_at(
                AttrPath::attr("network_id"),
                "Missing network",
                "Give network_id or port_id.",
            );
        }
        if !n.is_null() && !p.is_null() && !n.is_unknown() && !p.is_unknown() {
            diags.error_at(
                AttrPath::attr("port_id"),
                "Conflicting arguments",
                "Give network_id or port_id, not both.",
            );
        }
        if !p.is_null() && !c.get("fixed_ip").is_null() {
            diags.error_at(
                AttrPath::attr("fixed_ip"),
                "Conflicting arguments",
                "An existing port has its own fixed IPs.",
            );
        }
    }
    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let p = &req.planned;
        let sid = p.get("server_id").opt_str().unwrap_or_default();
        let path = format!("/servers/{}/os-interface", path_segment(&sid));
        let reply = match data
            .cloud
            .compute(
                Method::POST,
                &path,
                Some(&interface_attach_body(p)),
                Some(dl),
            )
            .await
        {
            Ok(r) => r,
            Err(e) => return resp.diags.push(api_error("Cannot attach interface", &e)),
        };
        let mut st = p.clone();
        flatten_interface(&sid, &reply.body["interfaceAttachment"], &mut st);
        resp.state = st;
        let port = resp.state.get("port_id").opt_str().unwrap_or_default();
        if let Err(e) = wait_presence(
            data,
            &format!("{path}/{}", path_segment(&port)),
            true,
            dl,
            &req.stop,
            None,
        )
        .await
        {
            resp.diags
                .push(api_error("Interface attachment did not complete", &e));
        }
    }
    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let (sid, port) = (
            req.state.get("server_id").opt_str().unwrap_or_default(),
            req.state.get("port_id").opt_str().unwrap_or_default(),
        );
        match data
            .cloud
            .get(&format!(
                "/servers/{}/os-interface/{}",
                path_segment(&sid),
                path_segment(&port)
            ))
            .await
        {
            Ok(b) => {
                let mut st = req.state.clone();
                flatten_interface(&sid, &b["interfaceAttachment"], &mut st);
                resp.state = st;
            }
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => resp
                .diags
                .push(api_error("Cannot read interface attachment", &e)),
        }
    }
    async fn update(&self, _data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        resp.state = req.planned;
    }
    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let (sid, port) = (
            req.prior.get("server_id").opt_str().unwrap_or_default(),
            req.prior.get("port_id").opt_str().unwrap_or_default(),
        );
        let one = format!(
            "/servers/{}/os-interface/{}",
            path_segment(&sid),
            path_segment(&port)
        );
        detach(data, &one, &req, "interface", resp).await;
    }
    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        import_pair(&req, resp, "port_id");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(id: &str) -> J {
        let path = format!(
            "{}/tests/fixtures/seeds/{id}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
    }

    #[test]
    fn seed_volume_attachment_request_and_response() {
        let mut p = Value::null_object(&volume_schema().ty());
        p.set(
            "server_id",
            Value::string("2390fb4d-1693-45d7-b309-e29c4af16538"),
        );
        p.set(
            "volume_id",
            Value::string("a26887c6-c47b-4654-abb5-dfadf7d3f803"),
        );
        p.set("device", Value::string("/dev/vdd"));
        assert_eq!(volume_attach_body(&p), fixture("F-002-volume-attach-req"));

        let a = fixture("F-002-volume-attach-resp");
        let a = &a["volumeAttachment"];
        let mut st = Value::null_object(&volume_schema().ty());
        flatten_volume(a, &mut st);
        let (sid, vid) = (
            a["serverId"].as_str().unwrap(),
            a["volumeId"].as_str().unwrap(),
        );
        assert_eq!(st.get("id"), &Value::string(format!("{sid}/{vid}")));
        assert_eq!(
            st.get("device"),
            &Value::from_opt_str(wire::string(&a["device"]))
        );
        assert_eq!(st.get("delete_on_termination"), &Value::Bool(false));
    }

    #[test]
    fn seed_interface_attachment_request_and_response() {
        let mut p = Value::null_object(&interface_schema().ty());
        p.set("server_id", Value::string("srv"));
        p.set(
            "port_id",
            Value::string("ce155147-9d3b-4c09-9079-da8de0d38df8"),
        );
        assert_eq!(
            interface_attach_body(&p),
            fixture("F-002-interface-attach-req")
        );

        let a = fixture("F-002-interface-attach-resp");
        let a = &a["interfaceAttachment"];
        let mut st = Value::null_object(&interface_schema().ty());
        flatten_interface("srv", a, &mut st);
        let port = a["port_id"].as_str().unwrap();
        assert_eq!(st.get("id"), &Value::string(format!("srv/{port}")));
        assert_eq!(
            st.get("fixed_ip").as_str(),
            a["fixed_ips"][0]["ip_address"].as_str()
        );
        assert_eq!(st.get("mac").as_str(), a["mac_addr"].as_str());
    }

    #[test]
    fn interface_needs_exactly_one_target() {
        let ty = interface_schema().ty();
        let mut c = Value::null_object(&ty);
        let mut d = Diagnostics::default();
        InterfaceAttachment.validate(&c, &mut d);
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "network_id");
        c.set("network_id", Value::string("n"));
        c.set("port_id", Value::string("p"));
        let mut d = Diagnostics::default();
        InterfaceAttachment.validate(&c, &mut d);
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "port_id");
    }
}
