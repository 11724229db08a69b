//! Day-2 server actions: `nova_server_lock` (lock and unlock, with a
//! reason from microversion 2.73), `nova_server_rescue` (rescue and
//! unrescue), `nova_server_snapshot` (createImage, waiting until the image
//! is active) and `nova_server_migrate` (cold or live). Each refuses bad
//! input at plan time, naming the argument, reports Nova's own error when
//! the cloud refuses, and checks the server (or image) afterwards.

use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value as J};

use super::{action, wait_error, wait_for};
use crate::client::microversion::{
    LIVE_MIGRATE_AUTO, MIGRATE_HOST, SERVER_LOCKED, SERVER_LOCKED_REASON,
};
use crate::client::waiter::{failed_action, read_action};
use crate::client::{wire, Call, Service};
use crate::configured::NovaData;
use crate::framework::model::{decode, StringMap};
use crate::framework::validators::{
    parse_duration, Duration, MapEntryLength, OneOf, StringLength, Uuid,
};
use crate::framework::*;
use crate::resources::{api_error, path_segment, require_feature};
use crate::tf_model;

/// How long a request of an action without a wait of its own may take.
const REQUEST_TIMEOUT: StdDuration = StdDuration::from_secs(2 * 60);
const DEFAULT_TIMEOUT: StdDuration = StdDuration::from_secs(10 * 60);
/// How often progress (image status, migrations) is looked at.
const PROGRESS_EVERY: StdDuration = StdDuration::from_secs(1);

pub(super) fn server_id() -> Attribute {
    Attribute::string("server_id")
        .required()
        .validate(Uuid)
        .description("The server.")
}

pub(super) fn timeout(what: &str) -> Attribute {
    Attribute::string("timeout")
        .optional()
        .validate(Duration)
        .description(&format!(
            "How long to wait for {what}, such as `5m` (default 10m)."
        ))
}

/// The deadline of a `timeout` such as `5m` (10 minutes when not set).
pub(super) fn deadline(timeout: &Attr<String>) -> Instant {
    let t = timeout
        .as_deref()
        .and_then(parse_duration)
        .unwrap_or(DEFAULT_TIMEOUT);
    crate::framework::deadline_after(t)
}

/// An error at `attr` when it is set (known or not) while `flag` is known
/// to be `when`: an argument that only goes with the other choice.
fn only_with<T>(
    attr: &str,
    value: &Attr<T>,
    flag: &Attr<bool>,
    when: bool,
    why: &str,
    diags: &mut Diagnostics,
) {
    if flag.if_known() == Some(&when) && !value.is_null() {
        diags.error_at(
            AttrPath::attr(attr),
            format!("{attr} does not apply here"),
            why.to_string(),
        );
    }
}

/// After a wait ended well: the instance action of `rid`, when it has a
/// failed event, as Nova's own reason (a migration that went back to
/// ACTIVE on its source host ends like one that succeeded).
pub(super) async fn action_failure(
    data: &NovaData,
    id: &str,
    rid: Option<&str>,
    dl: Instant,
) -> Option<Diagnostic> {
    let a = read_action(&data.cloud, id, rid?, dl).await?;
    let server = data
        .cloud
        .server(id)
        .await
        .ok()
        .flatten()
        .unwrap_or(J::Null);
    failed_action(&a, &server).map(|e| wait_error("Nova reported a failure", e))
}

// ---------------------------------------------------------------------------
// nova_server_lock

tf_model! {
    /// `nova_server_lock` configuration.
    pub struct LockModel {
        pub server_id: Attr<String>,
        pub locked: Attr<bool>,
        pub locked_reason: Attr<String>,
    }
}

/// The lock or unlock request: `locked` null means lock; a reason is sent
/// only when one is configured.
pub fn lock_request(locked: Option<bool>, reason: Option<&str>) -> J {
    if locked.unwrap_or(true) {
        match reason {
            Some(r) => json!({"lock": {"locked_reason": r}}),
            None => json!({"lock": null}),
        }
    } else {
        json!({"unlock": null})
    }
}

/// Plan-time checks that need no cloud: a reason goes with locking only.
fn check_lock(c: &LockModel, diags: &mut Diagnostics) {
    if c.locked.if_known() == Some(&false) && !c.locked_reason.is_null() {
        diags.error_at(
            AttrPath::attr("locked_reason"),
            "locked_reason without a lock",
            "locked_reason is recorded when a server is locked; unlocking (locked = false) takes no reason. Remove locked_reason or set locked = true.",
        );
    }
}

/// What the server shows after the action, against what was asked: `None`
/// when it agrees. `reason_shown` is whether the cloud's microversion
/// shows `locked_reason` (2.73).
pub fn lock_mismatch(
    server: &J,
    locked: bool,
    reason: Option<&str>,
    reason_shown: bool,
) -> Option<String> {
    match server.get("locked").and_then(J::as_bool) {
        Some(l) if l != locked => {
            return Some(format!("the server shows locked = {l} after the request"))
        }
        _ => {}
    }
    if reason_shown && locked {
        let shown = server.get("locked_reason").and_then(J::as_str);
        if shown != reason {
            return Some(format!(
                "the server shows locked_reason = {} after the request",
                shown.map(|s| format!("\"{s}\"")).unwrap_or("null".into())
            ));
        }
    }
    None
}

pub struct LockAction;

#[async_trait]
impl Action<NovaData> for LockAction {
    fn type_name(&self) -> &'static str {
        "nova_server_lock"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Locks a server (actions by users other than admins are then refused) or unlocks it, and checks the server's `locked` (and `locked_reason`) afterwards.")
                .attr(server_id())
                .attr(Attribute::bool("locked").optional().description("`true` (the default) locks the server, `false` unlocks it."))
                .attr(Attribute::string("locked_reason").optional().validate(StringLength(1, 255)).description("Why the server is locked, shown as its `locked_reason`. Needs compute API microversion 2.73; only with `locked = true`.")),
        )
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(c) = decode::<LockModel>("configuration", config, diags) {
            check_lock(&c, diags);
        }
    }
    async fn plan(&self, data: Option<&NovaData>, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode::<LockModel>("configuration", config, diags) else {
            return;
        };
        check_lock(&c, diags);
        if let (Some(data), false) = (data, c.locked_reason.is_null()) {
            require_feature(data, SERVER_LOCKED_REASON, "locked_reason", diags).await;
        }
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<LockModel>("configuration", &req.config, diags) else {
            return;
        };
        let id = c.server_id.as_deref().unwrap_or_default();
        let locked = c.locked.if_known().copied().unwrap_or(true);
        let reason = c.locked_reason.as_deref();
        let what = if locked { "lock" } else { "unlock" };
        let dl = Instant::now() + REQUEST_TIMEOUT;
        req.progress.report(format!("{what}: server {id}"));
        if let Err(e) = action(data, id, &lock_request(Some(locked), reason), dl).await {
            return diags.push(api_error(&format!("Cannot {what} the server"), &e));
        }
        let version = match data.cloud.session.compute_version().await {
            Ok(v) => v,
            Err(e) => return diags.push(api_error("Cannot read the server", &e)),
        };
        let server = match data.cloud.server(id).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return diags.error(
                    "Server gone",
                    format!("Server {id} disappeared after the {what} request."),
                )
            }
            Err(e) => return diags.push(api_error("Cannot read the server", &e)),
        };
        if let Some(m) = lock_mismatch(&server, locked, reason, version >= SERVER_LOCKED_REASON) {
            return diags.error(format!("The server did not {what}"), m);
        }
        let shown = if version >= SERVER_LOCKED {
            ""
        } else {
            " (this cloud does not show `locked`)"
        };
        req.progress.report(match (locked, reason) {
            (true, Some(r)) => format!("lock: server {id} is locked: {r}"),
            (true, None) => format!("lock: server {id} is locked{shown}"),
            _ => format!("unlock: server {id} is unlocked{shown}"),
        });
    }
}

// ---------------------------------------------------------------------------
// nova_server_rescue

tf_model! {
    /// `nova_server_rescue` configuration.
    pub struct RescueModel {
        pub server_id: Attr<String>,
        pub rescue: Attr<bool>,
        pub image_id: Attr<String>,
        pub admin_pass: Attr<String>,
        pub timeout: Attr<String>,
    }
}

/// The rescue or unrescue request and the status it leads to. Only what
/// is configured is sent.
pub fn rescue_request(rescue: bool, image: Option<&str>, pass: Option<&str>) -> (J, &'static str) {
    if !rescue {
        return (json!({"unrescue": null}), "ACTIVE");
    }
    let mut args = serde_json::Map::new();
    if let Some(p) = pass {
        args.insert("adminPass".into(), json!(p));
    }
    if let Some(i) = image {
        args.insert("rescue_image_ref".into(), json!(i));
    }
    let body = if args.is_empty() {
        json!({"rescue": null})
    } else {
        json!({"rescue": args})
    };
    (body, "RESCUE")
}

fn check_rescue(c: &RescueModel, diags: &mut Diagnostics) {
    let why = "Unrescuing (rescue = false) takes no image and no password; remove it or set rescue = true.";
    only_with("image_id", &c.image_id, &c.rescue, false, why, diags);
    only_with("admin_pass", &c.admin_pass, &c.rescue, false, why, diags);
}

pub struct RescueAction;

#[async_trait]
impl Action<NovaData> for RescueAction {
    fn type_name(&self) -> &'static str {
        "nova_server_rescue"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Puts a server into rescue mode (booted from a rescue image, its own disk attached) and waits until it is RESCUE, or takes it out of rescue and waits until it is ACTIVE.")
                .attr(server_id())
                .attr(Attribute::bool("rescue").optional().description("`true` (the default) rescues the server, `false` unrescues it."))
                .attr(Attribute::string("image_id").optional().validate(Uuid).description("The image to boot the rescue from (the server's own image when not set)."))
                .attr(Attribute::string("admin_pass").optional().sensitive().validate(StringLength(1, 255)).description("The password of the rescue system (Nova generates one when not set)."))
                .attr(timeout("the server")),
        )
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(c) = decode::<RescueModel>("configuration", config, diags) {
            check_rescue(&c, diags);
        }
    }
    async fn plan(&self, _data: Option<&NovaData>, config: &Value, diags: &mut Diagnostics) {
        if let Some(c) = decode::<RescueModel>("configuration", config, diags) {
            check_rescue(&c, diags);
        }
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<RescueModel>("configuration", &req.config, diags) else {
            return;
        };
        let id = c.server_id.as_deref().unwrap_or_default();
        let rescue = c.rescue.if_known().copied().unwrap_or(true);
        let (body, target) = rescue_request(rescue, c.image_id.as_deref(), c.admin_pass.as_deref());
        let what = if rescue { "rescue" } else { "unrescue" };
        let dl = deadline(&c.timeout);
        let started = Instant::now();
        req.progress.report(format!("{what}: server {id}"));
        let rid = match action(data, id, &body, dl).await {
            Ok(rid) => rid,
            Err(e) => return diags.push(api_error(&format!("Cannot {what} the server"), &e)),
        };
        req.progress
            .report(format!("{what}: accepted; waiting for {target}"));
        if let Err(e) = wait_for(data, id, &[target], dl, &req.stop, rid.as_deref()).await {
            return diags.push(wait_error(&format!("Server did not become {target}"), e));
        }
        req.progress.report(format!(
            "{what}: server {id} is {target} after {:.1}s",
            started.elapsed().as_secs_f64()
        ));
    }
}

// ---------------------------------------------------------------------------
// nova_server_snapshot

tf_model! {
    /// `nova_server_snapshot` configuration.
    pub struct SnapshotModel {
        pub server_id: Attr<String>,
        pub name: Attr<String>,
        pub metadata: StringMap,
        pub timeout: Attr<String>,
    }
}

/// The createImage request: metadata only when configured.
pub fn snapshot_request(name: &str, metadata: &std::collections::BTreeMap<String, String>) -> J {
    let mut args = json!({"name": name});
    if !metadata.is_empty() {
        args["metadata"] = json!(metadata);
    }
    json!({"createImage": args})
}

/// The image ID of a createImage answer: `image_id` in the body (2.45+),
/// else the last segment of the `Location` header.
pub fn snapshot_image_id(body: &J, location: Option<&str>) -> Option<String> {
    wire::string(&body["image_id"]).or_else(|| {
        location
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

/// What an image status means for the wait: `Some(true)` done,
/// `Some(false)` failed for good, `None` still on its way.
pub fn image_settled(status: &str) -> Option<bool> {
    match status {
        "active" => Some(true),
        "killed" | "deleted" | "pending_delete" | "deactivated" => Some(false),
        _ => None,
    }
}

pub struct SnapshotAction;

#[async_trait]
impl Action<NovaData> for SnapshotAction {
    fn type_name(&self) -> &'static str {
        "nova_server_snapshot"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Snapshots a server into a new image (`createImage`) and waits until the image service shows the image `active`, reporting the image's status as it goes.")
                .attr(server_id())
                .attr(Attribute::string("name").required().validate(StringLength(1, 255)).description("The name of the image."))
                .attr(Attribute::string_map("metadata").optional().validate(MapEntryLength(255)).description("Properties of the image."))
                .attr(timeout("the image")),
        )
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<SnapshotModel>("configuration", &req.config, diags) else {
            return;
        };
        let id = c.server_id.as_deref().unwrap_or_default();
        let name = c.name.as_deref().unwrap_or_default();
        let metadata = match c.metadata.known_entries() {
            Ok(m) => m,
            Err(_) => {
                return diags.error_at(
                    AttrPath::attr("metadata"),
                    "Unknown metadata",
                    "metadata is not known yet.",
                )
            }
        };
        let dl = deadline(&c.timeout);
        let started = Instant::now();
        req.progress
            .report(format!("snapshot: server {id} as image \"{name}\""));
        let reply = match data
            .cloud
            .compute(
                Method::POST,
                &format!("/servers/{id}/action"),
                Some(&snapshot_request(name, &metadata)),
                Some(dl),
            )
            .await
        {
            Ok(r) => r,
            Err(e) => return diags.push(api_error("Cannot snapshot the server", &e)),
        };
        let rid = reply.request_id();
        let Some(image) = snapshot_image_id(&reply.body, reply.header("location").as_deref())
        else {
            return diags.error(
                "Cannot snapshot the server",
                "Nova accepted createImage but named no image.",
            );
        };
        let path = format!("/v2/images/{}", path_segment(&image));
        let mut last = String::new();
        loop {
            let status = match data
                .cloud
                .session
                .call(Call::new(Service::Image, Method::GET, &path).deadline(Some(dl)))
                .await
            {
                Ok(r) => wire::string(&r.body["status"]).unwrap_or_else(|| "unknown".into()),
                Err(e) if e.is_not_found() => "deleted".into(),
                Err(e) => return diags.push(api_error(&format!("Cannot read image {image}"), &e)),
            };
            if status != last {
                req.progress
                    .report(format!("snapshot: image {image} is {status}"));
                last = status.clone();
            }
            match image_settled(&status) {
                Some(true) => break,
                Some(false) => {
                    if let Some(d) = action_failure(data, id, rid.as_deref(), dl).await {
                        return diags.push(d);
                    }
                    return diags.error(
                        "The snapshot failed",
                        format!("Image {image} is {status}: the image service did not keep it."),
                    );
                }
                None => {}
            }
            if Instant::now() >= dl {
                return diags.error(
                    "The snapshot did not finish",
                    format!("Image {image} is still {status} at the end of the timeout."),
                );
            }
            if req.stop.is_stopped() {
                return diags.error(
                    "The snapshot did not finish",
                    "stopped: Terraform asked the provider to stop",
                );
            }
            tokio::time::sleep(PROGRESS_EVERY).await;
        }
        req.progress.report(format!(
            "snapshot: image {image} \"{name}\" is active after {:.1}s",
            started.elapsed().as_secs_f64()
        ));
    }
}

// ---------------------------------------------------------------------------
// nova_server_migrate

tf_model! {
    /// `nova_server_migrate` configuration.
    pub struct MigrateModel {
        pub server_id: Attr<String>,
        pub live: Attr<bool>,
        pub block_migration: Attr<String>,
        pub host: Attr<String>,
        pub timeout: Attr<String>,
    }
}

/// The migrate or live-migrate request for a cloud speaking `version`:
/// `block_migration` is "auto" (2.25+), "true" or "false"; before 2.25
/// Nova wants a boolean and `disk_over_commit`.
pub fn migrate_request(
    live: bool,
    block: Option<&str>,
    host: Option<&str>,
    version: crate::client::Microversion,
) -> J {
    if !live {
        return match host {
            Some(h) => json!({"migrate": {"host": h}}),
            None => json!({"migrate": null}),
        };
    }
    let mut args = json!({"host": host});
    if version >= LIVE_MIGRATE_AUTO {
        args["block_migration"] = match block {
            Some("true") => json!(true),
            Some("false") => json!(false),
            _ => json!("auto"),
        };
    } else {
        args["block_migration"] = json!(block == Some("true"));
        args["disk_over_commit"] = json!(false);
    }
    json!({"os-migrateLive": args})
}

fn check_migrate(c: &MigrateModel, diags: &mut Diagnostics) {
    let cold = !c.live.is_unknown() && c.live.if_known() != Some(&true);
    if cold && !c.block_migration.is_null() {
        diags.error_at(
            AttrPath::attr("block_migration"),
            "block_migration does not apply here",
            "block_migration applies to live migration (live = true) only.",
        );
    }
}

/// One line about a migration record, from `/servers/{id}/migrations` or
/// `/os-migrations`: its status, hosts and (live) memory copied.
pub fn migration_line(m: &J) -> String {
    let mut out = format!(
        "migration {} is {}",
        wire::string(&m["id"]).unwrap_or_default(),
        wire::string(&m["status"]).unwrap_or_else(|| "unknown".into())
    );
    if let (Some(s), Some(d)) = (
        wire::string(&m["source_compute"]),
        wire::string(&m["dest_compute"]),
    ) {
        out.push_str(&format!(" ({s} -> {d})"));
    }
    let total = m["memory_total_bytes"].as_f64().unwrap_or(0.0);
    if total > 0.0 {
        let done = m["memory_processed_bytes"].as_f64().unwrap_or(0.0);
        out.push_str(&format!(", memory {:.0}% copied", 100.0 * done / total));
    }
    out
}

pub struct MigrateAction;

/// Reports the server's migrations as they change, forever (the caller
/// stops it), each line after `label`: the live migration in progress
/// (`/servers/{id}/migrations`) or, for a cold one or an evacuation, the
/// newest of `/os-migrations` for the server (an admin listing; nothing is
/// reported where policy hides it).
pub(super) async fn watch_migrations(
    data: &NovaData,
    id: &str,
    live: bool,
    label: &str,
    progress: &Progress,
) {
    let path = if live {
        format!("/servers/{id}/migrations")
    } else {
        format!("/os-migrations?instance_uuid={id}")
    };
    let mut last = String::new();
    loop {
        tokio::time::sleep(PROGRESS_EVERY).await;
        let Ok(body) = data.cloud.get(&path).await else {
            continue;
        };
        let newest = body["migrations"].as_array().and_then(|l| {
            l.iter()
                .max_by_key(|m| m["id"].as_i64().unwrap_or(0))
                .cloned()
        });
        if let Some(m) = newest {
            let line = migration_line(&m);
            if line != last {
                progress.report(format!("{label}: {line}"));
                last = line;
            }
        }
    }
}

#[async_trait]
impl Action<NovaData> for MigrateAction {
    fn type_name(&self) -> &'static str {
        "nova_server_migrate"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new("Moves a server to another compute host: cold (`migrate`, then the resize confirmed, or left to clouds that confirm by themselves) or live (`os-migrateLive`), waiting until it is ACTIVE again and reporting the migration's progress.")
                .attr(server_id())
                .attr(Attribute::bool("live").optional().description("`true` migrates the running server live; `false` (the default) migrates it cold."))
                .attr(Attribute::string("block_migration").optional().validate(OneOf(&["auto", "true", "false"])).description("For live migration: `auto` (the default; Nova chooses), `true` (copy the disks) or `false` (shared storage)."))
                .attr(Attribute::string("host").optional().validate(StringLength(1, 255)).description("The compute host to move to (admins; Nova's scheduler chooses when not set). Cold migration to a named host needs compute API microversion 2.56."))
                .attr(timeout("the migration")),
        )
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(c) = decode::<MigrateModel>("configuration", config, diags) {
            check_migrate(&c, diags);
        }
    }
    async fn plan(&self, data: Option<&NovaData>, config: &Value, diags: &mut Diagnostics) {
        let Some(c) = decode::<MigrateModel>("configuration", config, diags) else {
            return;
        };
        check_migrate(&c, diags);
        let cold = !c.live.is_unknown() && c.live.if_known() != Some(&true);
        if let (Some(data), true, false) = (data, cold, c.host.is_null()) {
            require_feature(data, MIGRATE_HOST, "host", diags).await;
        }
    }
    async fn invoke(&self, data: &NovaData, req: InvokeRequest, diags: &mut Diagnostics) {
        let Some(c) = decode::<MigrateModel>("configuration", &req.config, diags) else {
            return;
        };
        let id = c.server_id.as_deref().unwrap_or_default();
        let live = c.live.if_known().copied().unwrap_or(false);
        let what = if live { "live migration" } else { "migration" };
        let dl = deadline(&c.timeout);
        let started = Instant::now();
        let version = match data.cloud.session.compute_version().await {
            Ok(v) => v,
            Err(e) => return diags.push(api_error("Cannot reach the cloud", &e)),
        };
        let body = migrate_request(
            live,
            c.block_migration.as_deref(),
            c.host.as_deref(),
            version,
        );
        let host_of = |s: &J| wire::string(&s["OS-EXT-SRV-ATTR:host"]);
        let from = data
            .cloud
            .server(id)
            .await
            .ok()
            .flatten()
            .as_ref()
            .and_then(host_of);
        req.progress.report(format!(
            "{what}: server {id}{}",
            from.as_ref()
                .map(|h| format!(" from {h}"))
                .unwrap_or_default()
        ));
        let rid = match action(data, id, &body, dl).await {
            Ok(rid) => rid,
            Err(e) => return diags.push(api_error(&format!("Cannot start the {what}"), &e)),
        };
        let targets: &[&str] = if live {
            &["ACTIVE"]
        } else {
            &["VERIFY_RESIZE", "ACTIVE"]
        };
        req.progress.report(format!(
            "{what}: accepted; waiting for {}",
            targets.join(" or ")
        ));
        let waited = tokio::select! {
            r = wait_for(data, id, targets, dl, &req.stop, rid.as_deref()) => r,
            _ = watch_migrations(data, id, live, what, &req.progress) => unreachable!("the watch never ends"),
        };
        let status = match waited {
            Ok(crate::client::waiter::Observed::Settled(s)) => {
                wire::string(&s["status"]).unwrap_or_default()
            }
            Ok(_) => {
                return diags.error(
                    "Server gone",
                    format!("Server {id} disappeared during the {what}."),
                )
            }
            Err(e) => return diags.push(wait_error(&format!("The {what} did not finish"), e)),
        };
        if let Some(d) = action_failure(data, id, rid.as_deref(), dl).await {
            return diags.push(d);
        }
        if status == "VERIFY_RESIZE" {
            req.progress
                .report(format!("{what}: server {id} is VERIFY_RESIZE; confirming"));
            let rid = match action(data, id, &json!({"confirmResize": null}), dl).await {
                Ok(rid) => rid,
                Err(e) => return diags.push(api_error("Cannot confirm the migration", &e)),
            };
            if let Err(e) = wait_for(data, id, &["ACTIVE"], dl, &req.stop, rid.as_deref()).await {
                return diags.push(wait_error("The migration was not confirmed", e));
            }
        }
        let to = data
            .cloud
            .server(id)
            .await
            .ok()
            .flatten()
            .as_ref()
            .and_then(host_of);
        req.progress.report(format!(
            "{what}: server {id} is ACTIVE{} after {:.1}s",
            to.map(|h| format!(" on {h}")).unwrap_or_default(),
            started.elapsed().as_secs_f64()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::Model;

    fn errors_at(
        block: &Schema,
        set: &[(&str, Value)],
        custom: &dyn Action<NovaData>,
    ) -> Vec<String> {
        let mut c = Value::null_object(&block.ty());
        for (k, v) in set {
            c.set(k, v.clone());
        }
        let mut d = Diagnostics::default();
        crate::framework::schema::validate_config(&block.block, &c, &AttrPath::root(), &mut d);
        custom.validate(&c, &mut d);
        d.0.iter()
            .filter_map(|x| x.path.as_ref().map(|p| p.to_string()))
            .collect()
    }

    #[test]
    fn the_models_fit_the_schemas() {
        LockModel::check_against(&LockAction.schema().ty()).unwrap();
        RescueModel::check_against(&RescueAction.schema().ty()).unwrap();
        SnapshotModel::check_against(&SnapshotAction.schema().ty()).unwrap();
        MigrateModel::check_against(&MigrateAction.schema().ty()).unwrap();
    }

    /// Arguments set, and the paths the errors are expected at.
    type CheckCase = (Vec<(&'static str, Value)>, Vec<&'static str>);
    /// rescue, image, password; the body and the status it leads to.
    type RescueCase = (
        bool,
        Option<&'static str>,
        Option<&'static str>,
        J,
        &'static str,
    );
    /// live, block_migration, host, microversion; the body.
    type MigrateCase = (
        bool,
        Option<&'static str>,
        Option<&'static str>,
        crate::client::Microversion,
        J,
    );

    const ID: &str = "8d5a34b9-5a9e-4d1c-9d47-6b8b6b1f0c11";

    #[test]
    fn rescue_bodies() {
        let cases: &[RescueCase] = &[
            (true, None, None, json!({"rescue": null}), "RESCUE"),
            (
                true,
                Some("img"),
                None,
                json!({"rescue": {"rescue_image_ref": "img"}}),
                "RESCUE",
            ),
            (
                true,
                None,
                Some("pw"),
                json!({"rescue": {"adminPass": "pw"}}),
                "RESCUE",
            ),
            (
                true,
                Some("img"),
                Some("pw"),
                json!({"rescue": {"adminPass": "pw", "rescue_image_ref": "img"}}),
                "RESCUE",
            ),
            (false, None, None, json!({"unrescue": null}), "ACTIVE"),
        ];
        for (rescue, img, pw, body, target) in cases {
            assert_eq!(
                rescue_request(*rescue, *img, *pw),
                (body.clone(), *target),
                "{rescue} {img:?} {pw:?}"
            );
        }
    }

    #[test]
    fn rescue_checks_name_the_argument() {
        let s = RescueAction.schema();
        let id = ("server_id", Value::string(ID));
        let cases: Vec<CheckCase> = vec![
            (vec![id.clone()], vec![]),
            (
                vec![
                    id.clone(),
                    ("image_id", Value::string(ID)),
                    ("admin_pass", Value::string("pw")),
                ],
                vec![],
            ),
            (
                vec![
                    id.clone(),
                    ("rescue", Value::Unknown),
                    ("image_id", Value::string(ID)),
                ],
                vec![],
            ),
            (
                vec![
                    id.clone(),
                    ("rescue", Value::Bool(false)),
                    ("image_id", Value::string(ID)),
                ],
                vec!["image_id"],
            ),
            (
                vec![
                    id.clone(),
                    ("rescue", Value::Bool(false)),
                    ("admin_pass", Value::Unknown),
                ],
                vec!["admin_pass"],
            ),
            (
                vec![id.clone(), ("image_id", Value::string("cirros"))],
                vec!["image_id"],
            ),
            (
                vec![id.clone(), ("timeout", Value::string("soon"))],
                vec!["timeout"],
            ),
        ];
        for (set, want) in cases {
            assert_eq!(errors_at(&s, &set, &RescueAction), want, "{set:?}");
        }
    }

    #[test]
    fn snapshot_requests_and_answers() {
        let none = std::collections::BTreeMap::new();
        assert_eq!(
            snapshot_request("daily", &none),
            json!({"createImage": {"name": "daily"}})
        );
        let m: std::collections::BTreeMap<String, String> =
            [("purpose".to_string(), "backup".to_string())].into();
        assert_eq!(
            snapshot_request("daily", &m),
            json!({"createImage": {"name": "daily", "metadata": {"purpose": "backup"}}})
        );
        let cases: &[(J, Option<&str>, Option<&str>)] = &[
            (json!({"image_id": "abc"}), None, Some("abc")),
            (
                json!({"image_id": "abc"}),
                Some("http://glance/v2/images/def"),
                Some("abc"),
            ),
            (
                json!(null),
                Some("http://glance/v2/images/def"),
                Some("def"),
            ),
            (
                json!(null),
                Some("http://glance/v2/images/def/"),
                Some("def"),
            ),
            (json!(null), None, None),
            (json!({"image_id": ""}), None, None),
        ];
        for (body, loc, want) in cases {
            assert_eq!(
                snapshot_image_id(body, *loc).as_deref(),
                *want,
                "{body} {loc:?}"
            );
        }
        for (status, want) in [
            ("queued", None),
            ("saving", None),
            ("importing", None),
            ("active", Some(true)),
            ("killed", Some(false)),
            ("deleted", Some(false)),
        ] {
            assert_eq!(image_settled(status), want, "{status}");
        }
    }

    #[test]
    fn snapshot_checks_name_the_argument() {
        let s = SnapshotAction.schema();
        let id = ("server_id", Value::string(ID));
        let long = "x".repeat(256);
        let cases: Vec<CheckCase> = vec![
            (vec![id.clone(), ("name", Value::string("daily"))], vec![]),
            (vec![id.clone(), ("name", Value::string(""))], vec!["name"]),
            (vec![id.clone(), ("name", Value::Unknown)], vec![]),
            (
                vec![
                    id.clone(),
                    ("name", Value::string("d")),
                    (
                        "metadata",
                        Value::Map([("k".to_string(), Value::string(&long))].into()),
                    ),
                ],
                vec!["metadata[\"k\"]"],
            ),
        ];
        for (set, want) in cases {
            assert_eq!(errors_at(&s, &set, &SnapshotAction), want, "{set:?}");
        }
    }

    #[test]
    fn migrate_bodies() {
        use crate::client::Microversion as V;
        let new = V(2, 100);
        let old = V(2, 24);
        let cases: &[MigrateCase] = &[
            (false, None, None, new, json!({"migrate": null})),
            (
                false,
                None,
                Some("compute2"),
                new,
                json!({"migrate": {"host": "compute2"}}),
            ),
            (
                true,
                None,
                None,
                new,
                json!({"os-migrateLive": {"host": null, "block_migration": "auto"}}),
            ),
            (
                true,
                Some("true"),
                Some("compute2"),
                new,
                json!({"os-migrateLive": {"host": "compute2", "block_migration": true}}),
            ),
            (
                true,
                Some("false"),
                None,
                new,
                json!({"os-migrateLive": {"host": null, "block_migration": false}}),
            ),
            (
                true,
                None,
                None,
                old,
                json!({"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}),
            ),
            (
                true,
                Some("true"),
                None,
                old,
                json!({"os-migrateLive": {"host": null, "block_migration": true, "disk_over_commit": false}}),
            ),
        ];
        for (live, block, host, v, want) in cases {
            assert_eq!(
                &migrate_request(*live, *block, *host, *v),
                want,
                "{live} {block:?} {host:?} {v}"
            );
        }
    }

    #[test]
    fn migrate_checks_name_the_argument() {
        let s = MigrateAction.schema();
        let id = ("server_id", Value::string(ID));
        let cases: Vec<CheckCase> = vec![
            (vec![id.clone()], vec![]),
            (
                vec![
                    id.clone(),
                    ("live", Value::Bool(true)),
                    ("block_migration", Value::string("auto")),
                ],
                vec![],
            ),
            (
                vec![
                    id.clone(),
                    ("live", Value::Unknown),
                    ("block_migration", Value::string("auto")),
                ],
                vec![],
            ),
            (
                vec![id.clone(), ("block_migration", Value::string("true"))],
                vec!["block_migration"],
            ),
            (
                vec![
                    id.clone(),
                    ("live", Value::Bool(false)),
                    ("block_migration", Value::Unknown),
                ],
                vec!["block_migration"],
            ),
            (
                vec![
                    id.clone(),
                    ("live", Value::Bool(true)),
                    ("block_migration", Value::string("yes")),
                ],
                vec!["block_migration"],
            ),
            (vec![id.clone(), ("host", Value::string(""))], vec!["host"]),
        ];
        for (set, want) in cases {
            assert_eq!(errors_at(&s, &set, &MigrateAction), want, "{set:?}");
        }
    }

    #[test]
    fn migration_lines() {
        assert_eq!(
            migration_line(
                &json!({"id": 7, "status": "migrating", "source_compute": "compute1", "dest_compute": "compute2"})
            ),
            "migration 7 is migrating (compute1 -> compute2)"
        );
        assert_eq!(
            migration_line(
                &json!({"id": 8, "status": "running", "memory_total_bytes": 200, "memory_processed_bytes": 50})
            ),
            "migration 8 is running, memory 25% copied"
        );
        assert_eq!(
            migration_line(&json!({"id": 9, "status": null, "dest_compute": "compute2"})),
            "migration 9 is unknown"
        );
    }

    #[test]
    fn lock_bodies() {
        let cases: &[(Option<bool>, Option<&str>, J)] = &[
            (None, None, json!({"lock": null})),
            (Some(true), None, json!({"lock": null})),
            (
                Some(true),
                Some("audit"),
                json!({"lock": {"locked_reason": "audit"}}),
            ),
            (
                None,
                Some("audit"),
                json!({"lock": {"locked_reason": "audit"}}),
            ),
            (Some(false), None, json!({"unlock": null})),
        ];
        for (locked, reason, want) in cases {
            assert_eq!(
                &lock_request(*locked, *reason),
                want,
                "{locked:?} {reason:?}"
            );
        }
    }

    #[test]
    fn lock_checks_name_the_argument() {
        let s = LockAction.schema();
        let id = (
            "server_id",
            Value::string("8d5a34b9-5a9e-4d1c-9d47-6b8b6b1f0c11"),
        );
        let cases: Vec<CheckCase> = vec![
            (vec![id.clone()], vec![]),
            (
                vec![id.clone(), ("locked_reason", Value::string("audit"))],
                vec![],
            ),
            // unknown: checked when known
            (
                vec![
                    id.clone(),
                    ("locked", Value::Unknown),
                    ("locked_reason", Value::string("x")),
                ],
                vec![],
            ),
            (
                vec![
                    id.clone(),
                    ("locked", Value::Bool(false)),
                    ("locked_reason", Value::string("x")),
                ],
                vec!["locked_reason"],
            ),
            (
                vec![
                    id.clone(),
                    ("locked", Value::Bool(false)),
                    ("locked_reason", Value::Unknown),
                ],
                vec!["locked_reason"],
            ),
            (
                vec![id.clone(), ("locked_reason", Value::string(""))],
                vec!["locked_reason"],
            ),
            (
                vec![("server_id", Value::string("web-1"))],
                vec!["server_id"],
            ),
        ];
        for (set, want) in cases {
            assert_eq!(errors_at(&s, &set, &LockAction), want, "{set:?}");
        }
    }

    #[test]
    fn lock_is_checked_on_the_server() {
        let cases: &[(J, bool, Option<&str>, bool, bool)] = &[
            (
                json!({"locked": true, "locked_reason": "audit"}),
                true,
                Some("audit"),
                true,
                true,
            ),
            (
                json!({"locked": true, "locked_reason": null}),
                true,
                None,
                true,
                true,
            ),
            (
                json!({"locked": true, "locked_reason": "other"}),
                true,
                Some("audit"),
                true,
                false,
            ),
            (json!({"locked": false}), true, None, true, false),
            (
                json!({"locked": false, "locked_reason": null}),
                false,
                None,
                true,
                true,
            ),
            (json!({"locked": true}), false, None, true, false),
            // older clouds: no locked_reason shown, no `locked` at all before 2.9
            (json!({"locked": true}), true, Some("audit"), false, true),
            (json!({}), true, None, false, true),
        ];
        for (server, locked, reason, shown, ok) in cases {
            assert_eq!(
                lock_mismatch(server, *locked, *reason, *shown).is_none(),
                *ok,
                "{server} {locked} {reason:?}"
            );
        }
    }
}
