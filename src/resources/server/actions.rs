//! Server actions: `nova_server_reboot` (soft or hard) and
//! `nova_server_power` (start, stop). Each posts one server action and
//! waits, within its `timeout`, until the server has reached the state the
//! action leads to, reporting progress as it goes.

use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use serde_json::json;

use super::{action, wait_error, wait_for};
use crate::configured::NovaData;
use crate::framework::model::decode;
use crate::framework::validators::{parse_duration, Duration, OneOf, Uuid};
use crate::framework::*;
use crate::resources::api_error;
use crate::tf_model;

const DEFAULT_TIMEOUT: StdDuration = StdDuration::from_secs(10 * 60);

fn server_id() -> Attribute {
    Attribute::string("server_id")
        .required()
        .validate(Uuid)
        .description("The server.")
}

fn timeout() -> Attribute {
    Attribute::string("timeout")
        .optional()
        .validate(Duration)
        .description("How long to wait for the server, such as `5m` (default 10m).")
}

tf_model! {
    /// `nova_server_reboot` configuration.
    pub struct RebootModel {
        pub server_id: Attr<String>,
        pub r#type: Attr<String>,
        pub timeout: Attr<String>,
    }
}

tf_model! {
    /// `nova_server_power` configuration.
    pub struct PowerModel {
        pub server_id: Attr<String>,
        pub operation: Attr<String>,
        pub timeout: Attr<String>,
    }
}

/// The deadline of a `timeout` such as `5m` (10 minutes when not set).
fn deadline(timeout: &Attr<String>) -> Instant {
    let t = timeout
        .as_deref()
        .and_then(parse_duration)
        .unwrap_or(DEFAULT_TIMEOUT);
    crate::framework::deadline_after(t)
}

/// The server action body and the status it leads to.
pub fn reboot_request(kind: Option<&str>) -> (serde_json::Value, &'static str) {
    let kind = kind.unwrap_or("SOFT").to_ascii_uppercase();
    (json!({"reboot": {"type": kind}}), "ACTIVE")
}

pub fn power_request(operation: &str) -> (serde_json::Value, &'static str) {
    match operation {
        "stop" => (json!({"os-stop": null}), "SHUTOFF"),
        _ => (json!({"os-start": null}), "ACTIVE"),
    }
}

/// Posts `body` to server `id` and waits for `target` until `dl`, with
/// progress along the way.
async fn run(
    data: &NovaData,
    req: &InvokeRequest,
    (id, dl): (&str, Instant),
    what: &str,
    (body, target): (serde_json::Value, &str),
    diags: &mut Diagnostics,
) {
    let started = Instant::now();
    req.progress.report(format!("{what}: server {id}"));
    let rid = match action(data, id, &body, dl).await {
        Ok(rid) => rid,
        Err(e) => return diags.push(api_error(&format!("Cannot {what}"), &e)),
    };
    req.progress
        .report(format!("{what}: accepted; waiting for {target}"));
    match wait_for(data, id, &[target], dl, &req.stop, rid.as_deref()).await {
        Ok(_) => req.progress.report(format!(
            "{what}: server {id} is {target} after {:.1}s",
            started.elapsed().as_secs_f64()
        )),
        Err(e) => diags.push(wait_error(&format!("Server did not become {target}"), e)),
    }
}

pub struct RebootAction;

#[async_trait]
impl Action<NovaData> for RebootAction {
    fn type_name(&self) -> &'static str {
        "nova_server_reboot"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Reboots a server and waits until it is ACTIVE again.")
                .attr(server_id())
                .attr(Attribute::string("type").optional().validate(OneOf(&["SOFT", "HARD"])).description("`SOFT` (the guest is asked to restart; the default) or `HARD` (power cycle)."))
                .attr(timeout()),
        )
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<RebootModel>("configuration", &req.config, diags) else {
            return;
        };
        let (body, target) = reboot_request(c.r#type.as_deref());
        let kind = body["reboot"]["type"]
            .as_str()
            .unwrap_or("SOFT")
            .to_ascii_lowercase();
        let server = (
            c.server_id.as_deref().unwrap_or_default(),
            deadline(&c.timeout),
        );
        let what = format!("{kind} reboot");
        run(data, &req, server, &what, (body, target), diags).await;
    }
}

pub struct PowerAction;

#[async_trait]
impl Action<NovaData> for PowerAction {
    fn type_name(&self) -> &'static str {
        "nova_server_power"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Starts or stops a server and waits until it is ACTIVE or SHUTOFF. Unlike `power_state` on `nova_server`, the server's configuration does not change.")
                .attr(server_id())
                .attr(Attribute::string("operation").required().validate(OneOf(&["start", "stop"])).description("`start` or `stop`."))
                .attr(timeout()),
        )
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<PowerModel>("configuration", &req.config, diags) else {
            return;
        };
        let op = c.operation.as_deref().unwrap_or_default();
        let (body, target) = power_request(op);
        let id = c.server_id.as_deref().unwrap_or_default();
        // already there: nothing to do (Nova would answer 409)
        match data.cloud.server(id).await {
            Ok(Some(s)) if s["status"].as_str() == Some(target) => {
                return req
                    .progress
                    .report(format!("{op}: server {id} is already {target}"));
            }
            Ok(None) => {
                return diags.error_at(
                    AttrPath::attr("server_id"),
                    "No server found",
                    format!("No server has ID \"{id}\"."),
                );
            }
            Err(e) => return diags.push(api_error("Cannot read the server", &e)),
            _ => {}
        }
        let server = (id, deadline(&c.timeout));
        run(data, &req, server, op, (body, target), diags).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::Model;

    #[test]
    fn action_bodies() {
        assert_eq!(
            reboot_request(None),
            (json!({"reboot": {"type": "SOFT"}}), "ACTIVE")
        );
        assert_eq!(
            reboot_request(Some("HARD")).0,
            json!({"reboot": {"type": "HARD"}})
        );
        assert_eq!(power_request("stop"), (json!({"os-stop": null}), "SHUTOFF"));
        assert_eq!(
            power_request("start"),
            (json!({"os-start": null}), "ACTIVE")
        );
    }

    #[test]
    fn the_models_fit_the_schemas() {
        RebootModel::check_against(&RebootAction.schema().ty()).unwrap();
        PowerModel::check_against(&PowerAction.schema().ty()).unwrap();
    }

    #[test]
    fn invalid_configuration_names_the_attribute() {
        let s = PowerAction.schema();
        let mut c = Value::null_object(&s.ty());
        c.set("server_id", Value::string("not-a-uuid"));
        c.set("operation", Value::string("pause"));
        c.set("timeout", Value::string("soon"));
        let mut d = Diagnostics::default();
        crate::framework::schema::validate_config(&s.block, &c, &AttrPath::root(), &mut d);
        let paths: Vec<String> =
            d.0.iter()
                .filter_map(|x| x.path.as_ref().map(|p| p.to_string()))
                .collect();
        assert_eq!(paths.len(), 3, "{d:?}");
        for p in ["server_id", "operation", "timeout"] {
            assert!(paths.contains(&p.to_string()), "{paths:?}");
        }
    }
}
