//! `nova_server_evacuate`: rebuilds a server whose compute host has failed
//! on another host (`evacuate`, admins), keeping its ID, and waits until
//! it is settled there, reporting the evacuation's migration record as it
//! goes.
//!
//! Nova evacuates only from a host whose compute service is down (or
//! forced down); otherwise it answers 400 "Compute service of HOST is
//! still in use.", which is reported as Nova's own error. From
//! microversion 2.95 Nova leaves the evacuated server SHUTOFF; before, the
//! server keeps the state it had. `target_state` says which state the
//! action must end in: `SHUTOFF` needs 2.95 (refused at plan time below),
//! `ACTIVE` starts the server on its new host when Nova left it stopped.

use std::time::Instant;

use async_trait::async_trait;
use serde_json::{json, Value as J};

use super::day2::{action_failure, deadline, server_id, timeout, watch_migrations};
use super::{action, wait_error, wait_for};
use crate::client::microversion::{EVACUATE_NO_SHARED_STORAGE, EVACUATE_STOPPED};
use crate::client::waiter::{action_finished, failed_action, read_action, Observed};
use crate::client::{wire, Microversion};
use crate::configured::NovaData;
use crate::framework::model::decode;
use crate::framework::validators::{OneOf, StringLength};
use crate::framework::*;
use crate::resources::{api_error, require_feature_at};
use crate::tf_model;

tf_model! {
    /// `nova_server_evacuate` configuration.
    pub struct EvacuateModel {
        pub server_id: Attr<String>,
        pub host: Attr<String>,
        pub admin_pass: Attr<String>,
        pub on_shared_storage: Attr<bool>,
        pub target_state: Attr<String>,
        pub timeout: Attr<String>,
    }
}

/// The evacuate request for a cloud speaking `version`: only what is
/// configured is sent; `onSharedStorage` only below 2.14 (Nova refuses the
/// key from 2.14, where it finds out by itself).
pub fn evacuate_request(
    host: Option<&str>,
    admin_pass: Option<&str>,
    on_shared_storage: Option<bool>,
    version: Microversion,
) -> J {
    let mut args = serde_json::Map::new();
    if let Some(h) = host {
        args.insert("host".into(), json!(h));
    }
    if let Some(p) = admin_pass {
        args.insert("adminPass".into(), json!(p));
    }
    if version < EVACUATE_NO_SHARED_STORAGE {
        if let Some(s) = on_shared_storage {
            args.insert("onSharedStorage".into(), json!(s));
        }
    }
    json!({ "evacuate": args })
}

/// Plan-time checks that need no cloud: a password is set on a disk that
/// is rebuilt, never on one kept on shared storage (Nova: "admin password
/// can't be changed on existing disk").
fn check_evacuate(c: &EvacuateModel, diags: &mut Diagnostics) {
    if c.on_shared_storage.if_known() == Some(&true) && !c.admin_pass.is_null() {
        diags.error_at(
            AttrPath::attr("admin_pass"),
            "admin_pass does not apply here",
            "A server evacuated from shared storage keeps its disk, whose password Nova cannot change; remove admin_pass or set on_shared_storage = false.",
        );
    }
}

/// Plan-time checks against the microversion the provider speaks with
/// the cloud: `on_shared_storage` is given exactly when the cloud speaks
/// below 2.14.
fn check_version(c: &EvacuateModel, version: Microversion, diags: &mut Diagnostics) {
    let at = AttrPath::attr("on_shared_storage");
    if version >= EVACUATE_NO_SHARED_STORAGE && !c.on_shared_storage.is_null() {
        diags.error_at(
            at,
            "on_shared_storage does not apply to this cloud",
            format!("on_shared_storage is sent below compute API microversion {EVACUATE_NO_SHARED_STORAGE}; this cloud speaks {version}, where Nova finds out by itself whether the server's disks are on shared storage. Remove on_shared_storage."),
        );
    } else if version < EVACUATE_NO_SHARED_STORAGE && c.on_shared_storage.is_null() {
        diags.error_at(
            at,
            "Missing on_shared_storage",
            format!("This cloud speaks compute API microversion {version}, below {EVACUATE_NO_SHARED_STORAGE}, where Nova must be told whether the server's disks are on shared storage. Set on_shared_storage."),
        );
    }
}

/// The statuses the wait for the evacuation settles in: the one Nova
/// leaves the server in at `version` when the server was `before`.
pub fn settled_status(version: Microversion, before: Option<&str>) -> &'static str {
    // Nova ignores the target state (2.95) of a server evacuated from ERROR
    // and rebuilds it running (`rebuild_instance`: `orig_vm_state !=
    // vm_states.ERROR`)
    if before == Some("ERROR") {
        "ACTIVE"
    } else if version >= EVACUATE_STOPPED || before == Some("SHUTOFF") {
        "SHUTOFF"
    } else {
        "ACTIVE"
    }
}

pub struct EvacuateAction;

#[async_trait]
impl Action<NovaData> for EvacuateAction {
    fn type_name(&self) -> &'static str {
        "nova_server_evacuate"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Evacuates a server from a failed compute host (admins): Nova rebuilds it on another host, keeping its ID. Nova evacuates only from a host whose compute service is down or forced down, and answers otherwise that the compute service is still in use. The action waits until the server has settled on its new host, reporting the evacuation's migration record as it goes. From compute API microversion 2.95 (which the provider speaks with current clouds) Nova leaves the evacuated server SHUTOFF; below, the server keeps the state it had. A server evacuated from `ERROR` is rebuilt ACTIVE at every microversion. Set `target_state = \"ACTIVE\"` to have the server started on its new host.")
                .attr(server_id())
                .attr(Attribute::string("host").optional().validate(StringLength(1, 255)).description("The compute host to evacuate to (Nova's scheduler chooses when not set). It cannot be the host the server is on."))
                .attr(Attribute::string("admin_pass").optional().sensitive().validate(StringLength(1, 255)).description("The administrative password of the rebuilt server, where the image and the hypervisor support it (Nova generates one when not set). Not with `on_shared_storage = true`."))
                .attr(Attribute::bool("on_shared_storage").optional().description("Whether the server's disks are on storage the target host shares (kept) or not (rebuilt from the image). Only for clouds spoken to below compute API microversion 2.14, which must be told; from 2.14 Nova finds out by itself and the argument is refused at plan time."))
                .attr(Attribute::string("target_state").optional().validate(OneOf(&["ACTIVE", "SHUTOFF"])).description("The state the server must end in on its new host: `ACTIVE` (the server is started there when Nova left it stopped) or `SHUTOFF` (needs compute API microversion 2.95, from which Nova leaves every evacuated server stopped but one evacuated from `ERROR`, which it rebuilds running and the provider then stops). When not set, the server ends as Nova leaves it."))
                .attr(timeout("the evacuation")),
        )
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(c) = decode::<EvacuateModel>("configuration", config, diags) {
            check_evacuate(&c, diags);
        }
    }
    async fn plan(&self, data: Option<&NovaData>, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode::<EvacuateModel>("configuration", config, diags) else {
            return;
        };
        check_evacuate(&c, diags);
        let Some(data) = data else { return };
        if c.target_state.if_known().map(String::as_str) == Some("SHUTOFF") {
            let at = AttrPath::attr("target_state");
            require_feature_at(
                data,
                EVACUATE_STOPPED,
                "target_state = \"SHUTOFF\"",
                at,
                diags,
            )
            .await;
        }
        match data.cloud.session.compute_version().await {
            Ok(v) => check_version(&c, v, diags),
            Err(e) => diags.push(api_error("Cannot reach the cloud", &e)),
        }
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<EvacuateModel>("configuration", &req.config, diags) else {
            return;
        };
        let id = c.server_id.as_deref().unwrap_or_default();
        let what = "evacuation";
        let dl = deadline(&c.timeout);
        let started = Instant::now();
        let version = match data.cloud.session.compute_version().await {
            Ok(v) => v,
            Err(e) => return diags.push(api_error("Cannot reach the cloud", &e)),
        };
        let body = evacuate_request(
            c.host.as_deref(),
            c.admin_pass.as_deref(),
            c.on_shared_storage.if_known().copied(),
            version,
        );
        let host_of = |s: &J| wire::string(&s["OS-EXT-SRV-ATTR:host"]);
        let before = data.cloud.server(id).await.ok().flatten();
        let from = before.as_ref().and_then(host_of);
        let status_before = before.as_ref().and_then(|s| wire::string(&s["status"]));
        req.progress.report(format!(
            "{what}: server {id}{}",
            from.as_ref()
                .map(|h| format!(" from {h}"))
                .unwrap_or_default()
        ));
        let rid = match action(data, id, &body, dl).await {
            Ok(rid) => rid,
            Err(e) => return diags.push(api_error("Cannot evacuate the server", &e)),
        };
        let expected = settled_status(version, status_before.as_deref());
        req.progress.report(format!(
            "{what}: accepted; waiting for {expected} on another host"
        ));
        // ACTIVE too: a scheduling failure leaves the server as it was, with
        // a failed instance action that says why. Nova shows the rebuilt
        // server settled a moment before it moves it to the new host: a
        // server still on its old host is waited for again until the
        // instance action has finished (or failed).
        let settle = async {
            loop {
                let waited = wait_for(
                    data,
                    id,
                    &["ACTIVE", "SHUTOFF"],
                    dl,
                    &req.stop,
                    rid.as_deref(),
                )
                .await;
                let Ok(Observed::Settled(s)) = &waited else {
                    return waited;
                };
                if from.is_none() || host_of(s) != from {
                    return waited;
                }
                let running = match rid.as_deref() {
                    Some(r) => read_action(&data.cloud, id, r, dl)
                        .await
                        .is_some_and(|a| failed_action(&a, s).is_none() && !action_finished(&a)),
                    None => false,
                };
                if !running {
                    return waited;
                }
            }
        };
        let waited = tokio::select! {
            r = settle => r,
            _ = watch_migrations(data, id, false, what, &req.progress) => unreachable!("the watch never ends"),
        };
        let server = match waited {
            Ok(Observed::Settled(s)) => *s,
            Ok(_) => {
                return diags.error(
                    "Server gone",
                    format!("Server {id} disappeared during the {what}."),
                )
            }
            Err(e) => return diags.push(wait_error("The evacuation did not finish", e)),
        };
        if let Some(d) = action_failure(data, id, rid.as_deref(), dl).await {
            return diags.push(d);
        }
        let to = host_of(&server);
        if let (Some(f), Some(t)) = (&from, &to) {
            if f == t {
                return diags.error(
                    "The evacuation did not move the server",
                    format!("Server {id} is still on {f} after the evacuation."),
                );
            }
        }
        let on = to.map(|h| format!(" on {h}")).unwrap_or_default();
        let mut status = wire::string(&server["status"]).unwrap_or_default();
        // ACTIVE from SHUTOFF: started. SHUTOFF from ACTIVE: Nova (2.95+)
        // leaves a server evacuated from ERROR running; stopped.
        let power = match (c.target_state.as_deref(), status.as_str()) {
            (Some("ACTIVE"), "SHUTOFF") => Some(("start", "starting")),
            (Some("SHUTOFF"), "ACTIVE") => Some(("stop", "stopping")),
            _ => None,
        };
        if let Some((done, doing)) = power {
            req.progress
                .report(format!("{what}: server {id} is {status}{on}; {doing}"));
            let (body, want) = super::actions::power_request(done);
            let rid = match action(data, id, &body, dl).await {
                Ok(rid) => rid,
                Err(e) => {
                    return diags.push(api_error(
                        &format!("Cannot {done} the evacuated server"),
                        &e,
                    ))
                }
            };
            if let Err(e) = wait_for(data, id, &[want], dl, &req.stop, rid.as_deref()).await {
                return diags.push(wait_error(
                    &format!("The evacuated server did not {done}"),
                    e,
                ));
            }
            status = want.into();
        }
        match (c.target_state.as_deref(), status.as_str()) {
            (Some(want), got) if want != got => {
                return diags.error_at(
                    AttrPath::attr("target_state"),
                    format!("The evacuated server is not {want}"),
                    format!("Server {id} is {got}{on} after the evacuation."),
                );
            }
            _ => {}
        }
        req.progress.report(format!(
            "{what}: server {id} is {status}{on} after {:.1}s",
            started.elapsed().as_secs_f64()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::Model;

    const ID: &str = "8d5a34b9-5a9e-4d1c-9d47-6b8b6b1f0c11";

    /// Arguments set, and the paths the errors are expected at.
    type CheckCase = (Vec<(&'static str, Value)>, Vec<&'static str>);
    /// host, admin password, on_shared_storage, microversion; the body.
    type BodyCase = (
        Option<&'static str>,
        Option<&'static str>,
        Option<bool>,
        Microversion,
        J,
    );

    fn config(set: &[(&str, Value)]) -> Value {
        let mut c = Value::null_object(&EvacuateAction.schema().ty());
        for (k, v) in set {
            c.set(k, v.clone());
        }
        c
    }

    fn paths(d: &Diagnostics) -> Vec<String> {
        d.0.iter()
            .filter_map(|x| x.path.as_ref().map(|p| p.to_string()))
            .collect()
    }

    #[test]
    fn the_model_fits_the_schema() {
        EvacuateModel::check_against(&EvacuateAction.schema().ty()).unwrap();
    }

    #[test]
    fn evacuate_bodies() {
        let new = Microversion(2, 100);
        let v229 = Microversion(2, 29);
        let old = Microversion(2, 1);
        let cases: &[BodyCase] = &[
            (None, None, None, new, json!({"evacuate": {}})),
            (
                Some("compute2"),
                None,
                None,
                new,
                json!({"evacuate": {"host": "compute2"}}),
            ),
            (
                None,
                Some("pw"),
                None,
                v229,
                json!({"evacuate": {"adminPass": "pw"}}),
            ),
            // never `force`, and no onSharedStorage from 2.14 even if given
            (
                Some("compute2"),
                None,
                Some(true),
                v229,
                json!({"evacuate": {"host": "compute2"}}),
            ),
            (
                None,
                None,
                Some(true),
                old,
                json!({"evacuate": {"onSharedStorage": true}}),
            ),
            (
                Some("compute2"),
                Some("pw"),
                Some(false),
                old,
                json!({"evacuate": {"host": "compute2", "adminPass": "pw", "onSharedStorage": false}}),
            ),
            // not set below 2.14: not sent (the plan asks for it)
            (None, None, None, old, json!({"evacuate": {}})),
        ];
        for (host, pw, shared, v, want) in cases {
            assert_eq!(
                &evacuate_request(*host, *pw, *shared, *v),
                want,
                "{host:?} {pw:?} {shared:?} {v}"
            );
        }
    }

    #[test]
    fn evacuate_body_snapshot() {
        insta::assert_json_snapshot!(
            evacuate_request(Some("compute2"), Some("s3cret-Pa55"), None, Microversion(2, 95)),
            @r#"
        {
          "evacuate": {
            "adminPass": "s3cret-Pa55",
            "host": "compute2"
          }
        }
        "#
        );
        insta::assert_json_snapshot!(
            evacuate_request(None, None, Some(false), Microversion(2, 1)),
            @r#"
        {
          "evacuate": {
            "onSharedStorage": false
          }
        }
        "#
        );
    }

    #[test]
    fn checks_name_the_argument() {
        let s = EvacuateAction.schema();
        let id = ("server_id", Value::string(ID));
        let cases: Vec<CheckCase> = vec![
            (vec![id.clone()], vec![]),
            (
                vec![
                    id.clone(),
                    ("host", Value::string("compute2")),
                    ("admin_pass", Value::string("pw")),
                    ("target_state", Value::string("ACTIVE")),
                    ("timeout", Value::string("5m")),
                ],
                vec![],
            ),
            // unknown values: checked when known
            (
                vec![
                    ("server_id", Value::Unknown),
                    ("host", Value::Unknown),
                    ("admin_pass", Value::Unknown),
                    ("on_shared_storage", Value::Unknown),
                    ("target_state", Value::Unknown),
                ],
                vec![],
            ),
            (
                vec![("server_id", Value::string("web-1"))],
                vec!["server_id"],
            ),
            (vec![id.clone(), ("host", Value::string(""))], vec!["host"]),
            (
                vec![id.clone(), ("admin_pass", Value::string(""))],
                vec!["admin_pass"],
            ),
            (
                vec![id.clone(), ("target_state", Value::string("active"))],
                vec!["target_state"],
            ),
            (
                vec![id.clone(), ("timeout", Value::string("soon"))],
                vec!["timeout"],
            ),
            (
                vec![
                    id.clone(),
                    ("on_shared_storage", Value::Bool(true)),
                    ("admin_pass", Value::string("pw")),
                ],
                vec!["admin_pass"],
            ),
            (
                vec![
                    id.clone(),
                    ("on_shared_storage", Value::Bool(true)),
                    ("admin_pass", Value::Unknown),
                ],
                vec!["admin_pass"],
            ),
            (
                vec![
                    id.clone(),
                    ("on_shared_storage", Value::Bool(false)),
                    ("admin_pass", Value::string("pw")),
                ],
                vec![],
            ),
        ];
        for (set, want) in cases {
            let c = config(&set);
            let mut d = Diagnostics::default();
            crate::framework::schema::validate_config(&s.block, &c, &AttrPath::root(), &mut d);
            EvacuateAction.validate(&c, &mut d);
            assert_eq!(paths(&d), want, "{set:?}");
        }
    }

    #[test]
    fn shared_storage_goes_with_old_clouds_only() {
        let new = Microversion(2, 14);
        let old = Microversion(2, 13);
        let cases: &[(Value, Microversion, bool)] = &[
            (Value::Null, new, true),
            (Value::Bool(true), new, false),
            (Value::Bool(false), new, false),
            (Value::Unknown, new, false),
            (Value::Null, old, false),
            (Value::Bool(false), old, true),
            (Value::Bool(true), old, true),
            (Value::Unknown, old, true),
        ];
        for (shared, v, ok) in cases {
            let c = config(&[
                ("server_id", Value::string(ID)),
                ("on_shared_storage", shared.clone()),
            ]);
            let mut d = Diagnostics::default();
            let m = decode::<EvacuateModel>("configuration", &c, &mut d).unwrap();
            check_version(&m, *v, &mut d);
            let want: Vec<String> = if *ok {
                vec![]
            } else {
                vec!["on_shared_storage".into()]
            };
            assert_eq!(paths(&d), want, "{shared:?} {v}");
        }
    }

    /// A mock cloud where the evacuated server shows ACTIVE, no task, on
    /// its old host for `window` reads after the request (as Nova shows it
    /// a moment before it moves it), then SHUTOFF on `to`; the instance
    /// action has finished from then on. The action's diagnostics and
    /// progress.
    async fn invoke_on_mock(window: usize, to: &'static str) -> (Diagnostics, Vec<String>) {
        let (d, lines, _) = invoke_on_mock_as(window, to, "SHUTOFF", None).await;
        (d, lines)
    }

    /// The same, the server settling `settled` on `to` (a server evacuated
    /// from ERROR is rebuilt ACTIVE), with `target_state`; also the bodies
    /// of the server actions posted. A posted os-stop or os-start makes the
    /// server SHUTOFF or ACTIVE.
    async fn invoke_on_mock_as(
        window: usize,
        to: &'static str,
        settled: &'static str,
        target_state: Option<&str>,
    ) -> (Diagnostics, Vec<String>, Vec<J>) {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::Arc;
        use std::sync::Mutex;
        use wiremock::matchers::{method, path, path_regex};
        use wiremock::{Mock, Request, ResponseTemplate};

        let (server, cloud) = crate::client::batch::tests::mock_cloud().await;
        crate::client::testing::version_document(&server, "/v2.1", "2.96").await;
        let posted = Arc::new(AtomicBool::new(false));
        let reads = Arc::new(AtomicUsize::new(0));
        let bodies: Arc<Mutex<Vec<J>>> = Arc::default();
        let power: Arc<Mutex<Option<&'static str>>> = Arc::default();
        let doc = {
            let (posted, reads, power) = (posted.clone(), reads.clone(), power.clone());
            move || {
                let moved =
                    posted.load(Ordering::SeqCst) && reads.fetch_add(1, Ordering::SeqCst) >= window;
                let (status, host) = if moved {
                    ((*power.lock().unwrap()).unwrap_or(settled), to)
                } else {
                    ("ACTIVE", "c1")
                };
                json!({"id": ID, "status": status, "OS-EXT-STS:task_state": null,
                       "OS-EXT-SRV-ATTR:host": host})
            }
        };
        let one = doc.clone();
        Mock::given(method("GET"))
            .and(path(format!("/v2.1/servers/{ID}")))
            .respond_with(move |_: &Request| {
                ResponseTemplate::new(200).set_body_json(json!({"server": one()}))
            })
            .mount(&server)
            .await;
        let listed = doc.clone();
        Mock::given(method("GET"))
            .and(path("/v2.1/servers/detail"))
            .respond_with(move |_: &Request| {
                ResponseTemplate::new(200).set_body_json(json!({"servers": [listed()]}))
            })
            .mount(&server)
            .await;
        let (p, b, pw) = (posted.clone(), bodies.clone(), power.clone());
        Mock::given(method("POST"))
            .and(path(format!("/v2.1/servers/{ID}/action")))
            .respond_with(move |r: &Request| {
                let body = serde_json::from_slice::<J>(&r.body).unwrap();
                b.lock().unwrap().push(body.clone());
                if body == json!({"os-stop": null}) {
                    *pw.lock().unwrap() = Some("SHUTOFF");
                    return ResponseTemplate::new(202);
                }
                if body == json!({"os-start": null}) {
                    *pw.lock().unwrap() = Some("ACTIVE");
                    return ResponseTemplate::new(202);
                }
                assert_eq!(body, json!({"evacuate": {}}));
                p.store(true, Ordering::SeqCst);
                ResponseTemplate::new(200).insert_header("x-openstack-request-id", "req-1")
            })
            .mount(&server)
            .await;
        let r = reads.clone();
        Mock::given(method("GET"))
            .and(path(format!("/v2.1/servers/{ID}/os-instance-actions/req-1")))
            .respond_with(move |_: &Request| {
                let done = r.load(Ordering::SeqCst) > window;
                let finish = if done { json!("2026-12-01T00:00:00") } else { J::Null };
                ResponseTemplate::new(200).set_body_json(json!({"instanceAction": {
                    "action": "evacuate", "events": [
                        {"event": "compute_rebuild_instance", "result": if done { json!("Success") } else { J::Null },
                         "finish_time": finish}]}}))
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/v2.1/os-migrations"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"migrations": []})))
            .mount(&server)
            .await;
        let data = NovaData::new(cloud);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let req = InvokeRequest {
            config: match target_state {
                Some(t) => config(&[
                    ("server_id", Value::string(ID)),
                    ("target_state", Value::string(t)),
                ]),
                None => config(&[("server_id", Value::string(ID))]),
            },
            stop: StopSignal::default(),
            progress: Progress::new(tx),
        };
        let mut d = Diagnostics::default();
        EvacuateAction.invoke(&data, req, &mut d).await;
        let mut lines = vec![];
        while let Ok(l) = rx.try_recv() {
            lines.push(l);
        }
        let posted = bodies.lock().unwrap().clone();
        (d, lines, posted)
    }

    /// The server reaches the target state whatever state Nova leaves it
    /// in: a server evacuated from ERROR, which Nova (2.95+) rebuilds
    /// ACTIVE, is stopped for target_state = "SHUTOFF"; one left SHUTOFF is
    /// started for "ACTIVE"; nothing more is posted when Nova left it as
    /// asked, or when no target state is set.
    #[tokio::test]
    async fn the_server_ends_in_the_target_state() {
        let evacuate = json!({"evacuate": {}});
        let stop = json!({"os-stop": null});
        let start = json!({"os-start": null});
        let cases: Vec<(&str, Option<&str>, Vec<J>, &str)> = vec![
            (
                "ACTIVE",
                Some("SHUTOFF"),
                vec![evacuate.clone(), stop],
                "SHUTOFF",
            ),
            (
                "SHUTOFF",
                Some("ACTIVE"),
                vec![evacuate.clone(), start],
                "ACTIVE",
            ),
            (
                "SHUTOFF",
                Some("SHUTOFF"),
                vec![evacuate.clone()],
                "SHUTOFF",
            ),
            ("ACTIVE", Some("ACTIVE"), vec![evacuate.clone()], "ACTIVE"),
            ("ACTIVE", None, vec![evacuate.clone()], "ACTIVE"),
            ("SHUTOFF", None, vec![evacuate.clone()], "SHUTOFF"),
        ];
        for (settled, target, want_posted, end) in cases {
            let (d, lines, posted) = invoke_on_mock_as(0, "c2", settled, target).await;
            assert!(d.0.is_empty(), "{settled} {target:?}: {d:?}");
            assert_eq!(posted, want_posted, "{settled} {target:?}");
            let last = lines.last().unwrap();
            assert!(
                last.starts_with(&format!("evacuation: server {ID} is {end} on c2 after")),
                "{settled} {target:?}: {lines:?}"
            );
            if settled != end {
                let doing = if end == "ACTIVE" {
                    "starting"
                } else {
                    "stopping"
                };
                assert!(
                    lines.contains(&format!(
                        "evacuation: server {ID} is {settled} on c2; {doing}"
                    )),
                    "{lines:?}"
                );
            }
        }
    }

    /// The server shown settled on its old host while the instance action
    /// runs is waited for again, until it is on the new one.
    #[tokio::test]
    async fn a_server_settled_on_its_old_host_is_waited_for_until_it_moves() {
        let (d, lines) = invoke_on_mock(2, "c2").await;
        assert!(d.0.is_empty(), "{d:?}");
        assert_eq!(
            lines.first().unwrap(),
            &format!("evacuation: server {ID} from c1")
        );
        let last = lines.last().unwrap();
        assert!(
            last.starts_with(&format!("evacuation: server {ID} is SHUTOFF on c2 after")),
            "{lines:?}"
        );
    }

    /// An evacuation Nova finished with the server where it was is an
    /// error, not a success.
    #[tokio::test]
    async fn a_finished_evacuation_that_did_not_move_the_server_is_an_error() {
        let (d, _) = invoke_on_mock(1, "c1").await;
        let e: Vec<String> =
            d.0.iter()
                .map(|x| format!("{}: {}", x.summary, x.detail))
                .collect();
        assert_eq!(
            e,
            vec![format!(
                "The evacuation did not move the server: Server {ID} is still on c1 after the evacuation."
            )]
        );
    }

    #[test]
    fn the_state_nova_leaves() {
        let cases: &[(Microversion, Option<&str>, &str)] = &[
            (Microversion(2, 95), Some("ACTIVE"), "SHUTOFF"),
            (Microversion(2, 100), None, "SHUTOFF"),
            (Microversion(2, 94), Some("ACTIVE"), "ACTIVE"),
            (Microversion(2, 94), Some("SHUTOFF"), "SHUTOFF"),
            (Microversion(2, 1), None, "ACTIVE"),
            // Nova ignores the target state of a server in ERROR
            (Microversion(2, 95), Some("ERROR"), "ACTIVE"),
            (Microversion(2, 94), Some("ERROR"), "ACTIVE"),
        ];
        for (v, before, want) in cases {
            assert_eq!(settled_status(*v, *before), *want, "{v} {before:?}");
        }
    }
}
