//! `nova_volume_attachment` and `nova_interface_attachment`: devices added
//! to a running server, waited for until attached and until detached.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use crate::client::microversion as mv;
use crate::client::{documents, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, decode_checked, Model};
use crate::framework::validators::{IpAddress, Matches, Uuid};
use crate::framework::*;
use crate::tf_model;

use super::{api_error, deadline, path_segment, require_feature};

/// Polls `path` until it exists (`want_present`) or answers 404.
/// Polls `path` until it is present (or gone). `action` is the server and
/// the request ID of the request that started the change: while the change
/// has not shown, its instance action is read now and then, and a failed
/// event ends the wait with Nova's reason.
pub(crate) async fn wait_presence(
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

/// Detaches (DELETE on `path`, an attachment of server `sid`) and waits
/// until the attachment is gone.
async fn detach(
    data: &NovaData,
    (sid, path): (&str, &str),
    req: &ApplyRequest,
    what: &str,
    resp: &mut ApplyResponse,
) {
    let dl = deadline(&req.prior, "delete");
    if let Err(d) = detach_and_wait(data, (sid, path), what, dl, &req.stop).await {
        resp.diags.push(d);
    }
}

/// Detaches (DELETE on `path`, an attachment `what` of server `sid`) and
/// waits until the attachment is gone (404 at once: gone already); a
/// failed instance action ends the wait with Nova's reason.
pub(crate) async fn detach_and_wait(
    data: &NovaData,
    (sid, path): (&str, &str),
    what: &str,
    dl: Instant,
    stop: &StopSignal,
) -> Result<(), Diagnostic> {
    let rid = match data
        .cloud
        .compute(Method::DELETE, path, None, Some(dl))
        .await
    {
        Ok(r) => r.request_id(),
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(api_error(&format!("Cannot detach {what}"), &e)),
    };
    let action = rid.as_deref().map(|r| (sid, r));
    wait_presence(data, path, false, dl, stop, action)
        .await
        .map(|_| ())
        .map_err(|e| api_error(&format!("Detaching the {what} did not complete"), &e))
}

tf_model! {
    /// `nova_volume_attachment`'s identity.
    pub struct VolumeIdentity {
        pub server_id: Attr<String>,
        pub volume_id: Attr<String>,
    }
}

tf_model! {
    /// `nova_interface_attachment`'s identity.
    pub struct InterfaceIdentity {
        pub server_id: Attr<String>,
        pub port_id: Attr<String>,
    }
}

/// The two IDs of an import: `<server_id>/<other>`, or the pair an
/// identity holds (`identity_pair` reads it). `other` names the second
/// attribute for the error.
fn import_pair(
    req: &ImportRequest,
    other: &str,
    identity_pair: impl FnOnce(&Value, &mut Diagnostics) -> Option<(Attr<String>, Attr<String>)>,
    diags: &mut Diagnostics,
) -> Option<(String, String)> {
    let ids = match &req.identity {
        Some(i) => {
            let (a, b) = identity_pair(i, diags)?;
            a.if_known().cloned().zip(b.if_known().cloned())
        }
        None => split_id(&req.id),
    };
    if ids.is_none() {
        diags.error(
            "Invalid import ID",
            format!("Expected <server_id>/<{other}>, got \"{}\".", req.id),
        );
    }
    ids
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

tf_model! {
    /// `nova_volume_attachment` configuration, plan and state.
    pub struct VolumeAttachmentModel {
        pub id: Attr<String>,
        pub server_id: Attr<String>,
        pub volume_id: Attr<String>,
        pub device: Attr<String>,
        pub reported_device: Attr<String>,
        pub tag: Attr<String>,
        pub delete_on_termination: Attr<bool>,
        pub timeouts: Value,
    }
}

impl VolumeAttachmentModel {
    /// `/servers/{server_id}/os-volume_attachments/{volume_id}`.
    fn path(&self) -> String {
        format!(
            "/servers/{}/os-volume_attachments/{}",
            path_segment(self.server_id.as_deref().unwrap_or_default()),
            path_segment(self.volume_id.as_deref().unwrap_or_default())
        )
    }
}

/// The `POST /servers/{id}/os-volume_attachments` body: `volumeId`, and
/// `device`, `tag` (2.49) and `delete_on_termination` (2.79) when planned.
pub fn volume_attach_body(m: &VolumeAttachmentModel) -> J {
    let mut va = json!({"volumeId": m.volume_id.as_deref()});
    if let Some(d) = m.device.as_deref() {
        va["device"] = d.into();
    }
    if let Some(t) = m.tag.as_deref() {
        va["tag"] = t.into();
    }
    if let Some(d) = m.delete_on_termination.if_known() {
        va["delete_on_termination"] = (*d).into();
    }
    json!({"volumeAttachment": va})
}

/// Copies an attachment document into the model. A requested `device` is
/// advisory (hypervisors pick their own): the name as written stays, the
/// cloud's goes in `reported_device`.
pub fn flatten_volume(a: &documents::VolumeAttachment, m: &mut VolumeAttachmentModel) {
    let sid = a.server_id.clone().unwrap_or_default();
    let vid = a.volume_id.clone().unwrap_or_default();
    m.id = Attr::Known(format!("{sid}/{vid}"));
    m.server_id = Attr::Known(sid);
    m.volume_id = Attr::Known(vid);
    m.reported_device = Attr::from_option(a.device.clone());
    if m.device.as_deref().is_none_or(str::is_empty) {
        m.device = m.reported_device.clone();
    }
    if let Some(t) = &a.tag {
        m.tag = Attr::Known(t.clone());
    }
    m.delete_on_termination = Attr::Known(a.delete_on_termination.unwrap_or(false));
}

/// Reads the `volumeAttachment` of a reply into the model.
fn flatten_volume_reply(body: &J, m: &mut VolumeAttachmentModel) -> Result<(), ApiError> {
    let a = documents::parse("volume attachment", &body["volumeAttachment"])?;
    flatten_volume(&a, m);
    Ok(())
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
        if !req.prior.is_null() {
            return;
        }
        let Some(c) = decode::<VolumeAttachmentModel>("configuration", req.config, &mut resp.diags)
        else {
            return;
        };
        if !c.tag.is_null() {
            require_feature(data, mv::VOLUME_ATTACH_TAG, "tag", &mut resp.diags).await;
        }
        if !c.delete_on_termination.is_null() {
            require_feature(
                data,
                mv::VOLUME_ATTACH_DOT,
                "delete_on_termination",
                &mut resp.diags,
            )
            .await;
        }
    }
    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let Some(mut m) = decode::<VolumeAttachmentModel>("plan", &req.planned, &mut resp.diags)
        else {
            return;
        };
        let sid = m.server_id.as_deref().unwrap_or_default().to_string();
        let path = format!("/servers/{}/os-volume_attachments", path_segment(&sid));
        let reply = match data
            .cloud
            .compute(Method::POST, &path, Some(&volume_attach_body(&m)), Some(dl))
            .await
        {
            Ok(r) => r,
            Err(e) => return resp.diags.push(api_error("Cannot attach volume", &e)),
        };
        let read = flatten_volume_reply(&reply.body, &mut m);
        if m.id.is_unknown() {
            // the attachment exists all the same: its ID is the pair
            m.id = Attr::Known(format!(
                "{sid}/{}",
                m.volume_id.as_deref().unwrap_or_default()
            ));
        }
        for unsettled in [&mut m.device, &mut m.reported_device] {
            if unsettled.is_unknown() {
                *unsettled = Attr::Null;
            }
        }
        if m.delete_on_termination.is_unknown() {
            m.delete_on_termination = Attr::Known(false);
        }
        resp.state = m.to_value(&volume_schema().ty());
        if let Err(e) = read {
            return resp
                .diags
                .push(api_error("Cannot read the volume attachment", &e));
        }
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
        match wait_presence(data, &m.path(), true, dl, &req.stop, None).await {
            Ok(Some(b)) => match flatten_volume_reply(&b, &mut m) {
                Ok(()) => resp.state = m.to_value(&volume_schema().ty()),
                Err(e) => resp
                    .diags
                    .push(api_error("Cannot read the volume attachment", &e)),
            },
            Ok(None) => {}
            Err(e) => resp
                .diags
                .push(api_error("Volume attachment did not complete", &e)),
        }
    }
    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(mut m) = decode::<VolumeAttachmentModel>("state", &req.state, &mut resp.diags)
        else {
            return;
        };
        match data.cloud.get(&m.path()).await {
            Ok(b) => match flatten_volume_reply(&b, &mut m) {
                Ok(()) => resp.state = m.to_value(&volume_schema().ty()),
                Err(e) => resp
                    .diags
                    .push(api_error("Cannot read volume attachment", &e)),
            },
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
        let Some(m) = decode::<VolumeAttachmentModel>("state", &req.prior, &mut resp.diags) else {
            return;
        };
        let sid = m.server_id.as_deref().unwrap_or_default();
        detach(data, (sid, &m.path()), &req, "volume", resp).await;
    }
    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        let pair = |i: &Value, d: &mut Diagnostics| {
            decode::<VolumeIdentity>("identity", i, d).map(|i| (i.server_id, i.volume_id))
        };
        if let Some((sid, vid)) = import_pair(&req, "volume_id", pair, &mut resp.diags) {
            let m = VolumeAttachmentModel {
                id: Attr::Known(format!("{sid}/{vid}")),
                server_id: Attr::Known(sid),
                volume_id: Attr::Known(vid),
                ..Default::default()
            };
            resp.state = m.to_value(&volume_schema().ty());
        }
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
            .attr(Attribute::string("fixed_ip").optional_computed().requires_replace().use_state_for_unknown().validate(IpAddress::Any).description("Fixed IP for the new port."))
            .attr(Attribute::string("tag").optional().requires_replace().validate(tag_validator()).description("Device role tag (microversion 2.49)."))
            .attr(Attribute::string("mac").computed().use_state_for_unknown().description("MAC address."))
            .attr(Attribute::string_list("fixed_ips").computed().use_state_for_unknown().description("Every fixed IP of the port."))
            .block(timeouts_block(&["create", "delete"], "10m")),
    )
}

tf_model! {
    /// `nova_interface_attachment` configuration, plan and state.
    pub struct InterfaceAttachmentModel {
        pub id: Attr<String>,
        pub server_id: Attr<String>,
        pub network_id: Attr<String>,
        pub port_id: Attr<String>,
        pub fixed_ip: Attr<String>,
        pub tag: Attr<String>,
        pub mac: Attr<String>,
        pub fixed_ips: Attr<Vec<String>>,
        pub timeouts: Value,
    }
}

impl InterfaceAttachmentModel {
    fn server(&self) -> &str {
        self.server_id.as_deref().unwrap_or_default()
    }

    /// `/servers/{server_id}/os-interface/{port_id}`.
    fn path(&self) -> String {
        format!(
            "/servers/{}/os-interface/{}",
            path_segment(self.server()),
            path_segment(self.port_id.as_deref().unwrap_or_default())
        )
    }
}

/// The `POST /servers/{id}/os-interface` body: `net_id` or `port_id`,
/// `fixed_ips` for a new port, `tag` (2.49), each when planned.
pub fn interface_attach_body(m: &InterfaceAttachmentModel) -> J {
    let mut ia = serde_json::Map::new();
    if let Some(n) = m.network_id.as_deref() {
        ia.insert("net_id".into(), n.into());
    }
    if let Some(port) = m.port_id.as_deref() {
        ia.insert("port_id".into(), port.into());
    }
    if let Some(ip) = m.fixed_ip.as_deref() {
        ia.insert("fixed_ips".into(), json!([{"ip_address": ip}]));
    }
    if let Some(t) = m.tag.as_deref() {
        ia.insert("tag".into(), t.into());
    }
    json!({"interfaceAttachment": ia})
}

/// Copies an interface document of server `sid` into the model; a fixed
/// IP not asked for is the port's first.
pub fn flatten_interface(
    sid: &str,
    a: &documents::InterfaceAttachment,
    m: &mut InterfaceAttachmentModel,
) {
    let port = a.port_id.clone().unwrap_or_default();
    m.id = Attr::Known(format!("{sid}/{port}"));
    m.server_id = Attr::Known(sid.to_string());
    m.port_id = Attr::Known(port);
    m.network_id = Attr::from_option(a.net_id.clone());
    m.mac = Attr::from_option(a.mac_addr.clone());
    // reported from 2.70; a cloud that does not report it leaves it as written
    if let Some(t) = &a.tag {
        m.tag = Attr::Known(t.clone());
    }
    let ips = a.addresses();
    if m.fixed_ip.if_known().is_none() {
        m.fixed_ip = Attr::from_option(ips.first().cloned());
    }
    m.fixed_ips = Attr::Known(ips);
}

/// Reads the `interfaceAttachment` of a reply into the model.
fn flatten_interface_reply(body: &J, m: &mut InterfaceAttachmentModel) -> Result<(), ApiError> {
    let a = documents::parse("interface attachment", &body["interfaceAttachment"])?;
    let sid = m.server().to_string();
    flatten_interface(&sid, &a, m);
    Ok(())
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
        let Some(c) = decode_checked::<InterfaceAttachmentModel>(c, diags) else {
            return;
        };
        let (n, p) = (&c.network_id, &c.port_id);
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
        if !p.is_null() && !c.fixed_ip.is_null() {
            diags.error_at(
                AttrPath::attr("fixed_ip"),
                "Conflicting arguments",
                "An existing port has its own fixed IPs.",
            );
        }
    }
    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let dl = deadline(&req.config, "create");
        let Some(mut m) = decode::<InterfaceAttachmentModel>("plan", &req.planned, &mut resp.diags)
        else {
            return;
        };
        let path = format!("/servers/{}/os-interface", path_segment(m.server()));
        let body = interface_attach_body(&m);
        let reply = match data
            .cloud
            .compute(Method::POST, &path, Some(&body), Some(dl))
            .await
        {
            Ok(r) => r,
            Err(e) => return resp.diags.push(api_error("Cannot attach interface", &e)),
        };
        if let Err(e) = flatten_interface_reply(&reply.body, &mut m) {
            // attached, but the answer names no port to find it by
            return resp
                .diags
                .push(api_error("Cannot read the interface attachment", &e));
        }
        resp.state = m.to_value(&interface_schema().ty());
        if let Err(e) = wait_presence(data, &m.path(), true, dl, &req.stop, None).await {
            resp.diags
                .push(api_error("Interface attachment did not complete", &e));
        }
    }
    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let Some(mut m) = decode::<InterfaceAttachmentModel>("state", &req.state, &mut resp.diags)
        else {
            return;
        };
        match data.cloud.get(&m.path()).await {
            Ok(b) => match flatten_interface_reply(&b, &mut m) {
                Ok(()) => resp.state = m.to_value(&interface_schema().ty()),
                Err(e) => resp
                    .diags
                    .push(api_error("Cannot read interface attachment", &e)),
            },
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
        let Some(m) = decode::<InterfaceAttachmentModel>("state", &req.prior, &mut resp.diags)
        else {
            return;
        };
        detach(data, (m.server(), &m.path()), &req, "interface", resp).await;
    }
    async fn import(&self, _data: &NovaData, req: ImportRequest, resp: &mut ImportResponse) {
        let pair = |i: &Value, d: &mut Diagnostics| {
            decode::<InterfaceIdentity>("identity", i, d).map(|i| (i.server_id, i.port_id))
        };
        if let Some((sid, port)) = import_pair(&req, "port_id", pair, &mut resp.diags) {
            let m = InterfaceAttachmentModel {
                id: Attr::Known(format!("{sid}/{port}")),
                server_id: Attr::Known(sid),
                port_id: Attr::Known(port),
                ..Default::default()
            };
            resp.state = m.to_value(&interface_schema().ty());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::wire;

    fn fixture(id: &str) -> J {
        let path = format!(
            "{}/tests/fixtures/seeds/{id}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
    }

    #[test]
    fn the_models_fit_the_schemas() {
        VolumeAttachmentModel::check_against(&volume_schema().ty()).unwrap();
        InterfaceAttachmentModel::check_against(&interface_schema().ty()).unwrap();
        let identity = |s: Option<IdentitySchema>| {
            let attrs = s.unwrap().attributes;
            Type::object(attrs.iter().map(|a| (a.0.clone(), a.1.clone())))
        };
        VolumeIdentity::check_against(&identity(VolumeAttachment.identity_schema())).unwrap();
        InterfaceIdentity::check_against(&identity(InterfaceAttachment.identity_schema())).unwrap();
    }

    /// `fixed_ip` is checked as Nova's schema checks `ip_address`, at plan.
    #[test]
    fn interface_fixed_ip_is_an_ip_address() {
        let cases: Vec<(Value, bool)> = vec![
            (Value::string("192.168.1.50"), true),
            (Value::string("fd00::50"), true),
            (Value::string(""), false),
            (Value::string("192.168.1"), false),
            (Value::Null, true),
            (Value::Unknown, true),
        ];
        for (ip, ok) in cases {
            let mut c = Value::null_object(&interface_schema().ty());
            c.set(
                "server_id",
                Value::string("2390fb4d-1693-45d7-b309-e29c4af16538"),
            );
            c.set(
                "network_id",
                Value::string("3cb9bc59-5699-4588-a4b1-b87f96708bc6"),
            );
            c.set("fixed_ip", ip.clone());
            let mut d = Diagnostics::default();
            crate::framework::schema::validate_config(
                &interface_schema().block,
                &c,
                &AttrPath::root(),
                &mut d,
            );
            let paths: Vec<String> =
                d.0.iter()
                    .filter_map(|d| d.path.as_ref().map(|p| p.to_string()))
                    .collect();
            let want: Vec<String> = if ok { vec![] } else { vec!["fixed_ip".into()] };
            assert_eq!(paths, want, "{ip:?}");
        }
    }

    #[test]
    fn seed_volume_attachment_request_and_response() {
        let p = VolumeAttachmentModel {
            server_id: Attr::Known("2390fb4d-1693-45d7-b309-e29c4af16538".into()),
            volume_id: Attr::Known("a26887c6-c47b-4654-abb5-dfadf7d3f803".into()),
            device: Attr::Known("/dev/vdd".into()),
            ..Default::default()
        };
        assert_eq!(volume_attach_body(&p), fixture("F-002-volume-attach-req"));

        let body = fixture("F-002-volume-attach-resp");
        let a = &body["volumeAttachment"];
        let mut m = VolumeAttachmentModel::default();
        flatten_volume_reply(&body, &mut m).unwrap();
        let st = m.to_value(&volume_schema().ty());
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

    /// The device as written stays; the cloud's name is `reported_device`.
    #[test]
    fn a_requested_device_stays_as_written() {
        let cases = [
            (Attr::Known("/dev/xvdb".to_string()), "/dev/xvdb"),
            (Attr::Null, "/dev/sdb"),
            (Attr::Unknown, "/dev/sdb"),
            (Attr::Known(String::new()), "/dev/sdb"),
        ];
        let reply = json!({"serverId": "s", "volumeId": "v", "device": "/dev/sdb"});
        let a: documents::VolumeAttachment = documents::parse("volume attachment", &reply).unwrap();
        for (written, kept) in cases {
            let mut m = VolumeAttachmentModel {
                device: written.clone(),
                ..Default::default()
            };
            flatten_volume(&a, &mut m);
            assert_eq!(m.device.as_deref(), Some(kept), "{written:?}");
            assert_eq!(m.reported_device.as_deref(), Some("/dev/sdb"));
        }
    }

    #[test]
    fn seed_interface_attachment_request_and_response() {
        let p = InterfaceAttachmentModel {
            server_id: Attr::Known("srv".into()),
            port_id: Attr::Known("ce155147-9d3b-4c09-9079-da8de0d38df8".into()),
            ..Default::default()
        };
        assert_eq!(
            interface_attach_body(&p),
            fixture("F-002-interface-attach-req")
        );

        let body = fixture("F-002-interface-attach-resp");
        let a = &body["interfaceAttachment"];
        let mut m = InterfaceAttachmentModel {
            server_id: Attr::Known("srv".into()),
            ..Default::default()
        };
        flatten_interface_reply(&body, &mut m).unwrap();
        let st = m.to_value(&interface_schema().ty());
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
