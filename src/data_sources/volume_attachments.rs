//! `nova_volume_attachments`: the volumes attached to one server (its
//! block devices backed by volumes, boot volume included).

use async_trait::async_trait;
use serde_json::Value as J;

use crate::client::wire;
use crate::configured::NovaData;
use crate::framework::validators::Uuid;
use crate::framework::*;
use crate::resources::{api_error, path_segment};

fn attachment_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("volume_id", Type::String),
        ("device", Type::String),
        ("tag", Type::String),
        ("delete_on_termination", Type::Bool),
        ("attachment_id", Type::String),
    ])
}

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("The volumes attached to a server, boot volume included, ordered by device name.")
            .attr(Attribute::string("server_id").required().validate(Uuid).description("The server."))
            .attr(
                Attribute::new("volume_attachments", Type::list(attachment_type()))
                    .computed()
                    .description("Each attachment: `id` (`<server>/<volume>`, the ID `nova_volume_attachment` imports), `volume_id`, `device`, `tag` (microversion 2.70), `delete_on_termination` (2.79), `attachment_id` (the block storage attachment, 2.89); null where the cloud's microversion does not report it."),
            )
            .attr(Attribute::string_list("volume_ids").computed().description("The attached volume IDs, in the same order.")),
    )
}

/// One attachment of a `GET /servers/{id}/os-volume_attachments` answer.
pub fn flatten_attachment(server_id: &str, a: &J) -> Value {
    let vid = wire::string(&a["volumeId"]).unwrap_or_default();
    let s = |k: &str| Value::from_opt_str(wire::string(&a[k]));
    Value::Object(
        [
            (
                "id".to_string(),
                Value::string(format!("{server_id}/{vid}")),
            ),
            ("volume_id".to_string(), Value::string(vid)),
            ("device".to_string(), s("device")),
            ("tag".to_string(), s("tag")),
            (
                "delete_on_termination".to_string(),
                wire::boolean(&a["delete_on_termination"])
                    .map(Value::Bool)
                    .unwrap_or(Value::Null),
            ),
            ("attachment_id".to_string(), s("attachment_id")),
        ]
        .into(),
    )
}

/// The state for `server_id` from the listing body.
pub fn flatten(server_id: &str, body: &J, state: &mut Value) {
    let mut items: Vec<&J> = body["volumeAttachments"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    items.sort_by_key(|a| (wire::string(&a["device"]), wire::string(&a["volumeId"])));
    let list: Vec<Value> = items
        .iter()
        .map(|a| flatten_attachment(server_id, a))
        .collect();
    let ids = list.iter().map(|a| a.get("volume_id").clone()).collect();
    state.set("volume_attachments", Value::List(list));
    state.set("volume_ids", Value::List(ids));
}

pub struct VolumeAttachmentsData;

#[async_trait]
impl DataSource<NovaData> for VolumeAttachmentsData {
    fn type_name(&self) -> &'static str {
        "nova_volume_attachments"
    }
    fn schema(&self) -> Schema {
        schema()
    }
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let sid = req.config.get("server_id").opt_str().unwrap_or_default();
        let path = format!("/servers/{}/os-volume_attachments", path_segment(&sid));
        let body = match data.cloud.get(&path).await {
            Ok(b) => b,
            Err(e) if e.is_not_found() => {
                return resp.diags.error_at(
                    AttrPath::attr("server_id"),
                    "No server found",
                    format!("No server has ID \"{sid}\"."),
                )
            }
            Err(e) => {
                return resp
                    .diags
                    .push(api_error("Cannot list volume attachments", &e))
            }
        };
        let mut st = req.config.clone();
        flatten(&sid, &body, &mut st);
        resp.state = st;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn listing_is_ordered_by_device_and_keeps_nulls() {
        // the seed's attach response item, and a later one with 2.79/2.89 fields
        let body = json!({"volumeAttachments": [
            {"device": "/dev/vdd", "id": "b", "serverId": "s", "volumeId": "b", "tag": "data",
             "delete_on_termination": true, "attachment_id": "att-1"},
            {"device": "/dev/vda", "id": "a", "serverId": "s", "volumeId": "a"},
        ]});
        let mut st = Value::null_object(&schema().ty());
        flatten("s", &body, &mut st);
        assert_eq!(
            st.get("volume_ids"),
            &Value::List(vec![Value::string("a"), Value::string("b")])
        );
        let list = st.get("volume_attachments").walk();
        assert_eq!(list[0].get("id"), &Value::string("s/a"));
        assert_eq!(list[0].get("tag"), &Value::Null);
        assert_eq!(list[0].get("delete_on_termination"), &Value::Null);
        assert_eq!(list[1].get("device"), &Value::string("/dev/vdd"));
        assert_eq!(list[1].get("delete_on_termination"), &Value::Bool(true));
        assert_eq!(list[1].get("attachment_id"), &Value::string("att-1"));
    }

    #[test]
    fn empty_listing() {
        let mut st = Value::null_object(&schema().ty());
        flatten("s", &json!({"volumeAttachments": []}), &mut st);
        assert_eq!(st.get("volume_ids"), &Value::List(vec![]));
        assert_eq!(st.get("volume_attachments"), &Value::List(vec![]));
    }
}
