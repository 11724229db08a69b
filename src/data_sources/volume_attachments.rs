//! `nova_volume_attachments`: the volumes attached to one server (its
//! block devices backed by volumes, boot volume included).

use async_trait::async_trait;
use serde_json::Value as J;

use crate::client::{documents, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::validators::Uuid;
use crate::framework::*;
use crate::resources::api_error;
use crate::tf_model;

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

tf_model! {
    /// One element of `volume_attachments`.
    pub struct AttachmentItem {
        pub id: Attr<String>,
        pub volume_id: Attr<String>,
        pub device: Attr<String>,
        pub tag: Attr<String>,
        pub delete_on_termination: Attr<bool>,
        pub attachment_id: Attr<String>,
    }
}

tf_model! {
    /// `nova_volume_attachments` configuration and state.
    pub struct VolumeAttachmentsModel {
        pub server_id: Attr<String>,
        pub volume_attachments: Attr<Vec<AttachmentItem>>,
        pub volume_ids: Attr<Vec<String>>,
    }
}

/// One attachment of a `GET /servers/{id}/os-volume_attachments` answer;
/// what the cloud's microversion does not report stays null.
pub fn flatten_attachment(server_id: &str, a: &documents::VolumeAttachment) -> AttachmentItem {
    let vid = a.volume_id.clone().unwrap_or_default();
    AttachmentItem {
        id: Attr::Known(format!("{server_id}/{vid}")),
        volume_id: Attr::Known(vid),
        device: Attr::from_option(a.device.clone()),
        tag: Attr::from_option(a.tag.clone()),
        delete_on_termination: Attr::from_option(a.delete_on_termination),
        attachment_id: Attr::from_option(a.attachment_id.clone()),
    }
}

/// The attachments of `server_id` (the items of its
/// `os-volume_attachments` listing), ordered by device name, then volume ID.
pub fn flatten(
    server_id: &str,
    items: &[J],
    m: &mut VolumeAttachmentsModel,
) -> Result<(), ApiError> {
    let mut items: Vec<documents::VolumeAttachment> = items
        .iter()
        .map(|a| documents::parse("volume attachment", a))
        .collect::<Result<_, _>>()?;
    items.sort_by(|a, b| (&a.device, &a.volume_id).cmp(&(&b.device, &b.volume_id)));
    let list: Vec<AttachmentItem> = items
        .iter()
        .map(|a| flatten_attachment(server_id, a))
        .collect();
    m.volume_ids = Attr::Known(
        list.iter()
            .filter_map(|a| a.volume_id.if_known().cloned())
            .collect(),
    );
    m.volume_attachments = Attr::Known(list);
    Ok(())
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
        let Some(mut m) =
            decode::<VolumeAttachmentsModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let sid = m.server_id.as_deref().unwrap_or_default().to_string();
        let server = match data.cloud.server(&sid).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return resp.diags.error_at(
                    AttrPath::attr("server_id"),
                    "No server found",
                    format!("No server has ID \"{sid}\"."),
                )
            }
            Err(e) => return resp.diags.push(api_error("Cannot read the server", &e)),
        };
        let volumes: Vec<String> = server["os-extended-volumes:volumes_attached"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect();
        let items = match data.cloud.volume_attachments(&sid, &volumes).await {
            Ok(list) => list,
            Err(e) => {
                return resp
                    .diags
                    .push(api_error("Cannot list volume attachments", &e))
            }
        };
        match flatten(&sid, &items, &mut m) {
            Ok(()) => resp.state = m.to_value(&schema().ty()),
            Err(e) => resp
                .diags
                .push(api_error("Cannot read volume attachments", &e)),
        }
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
        let mut m = VolumeAttachmentsModel::default();
        flatten("s", body["volumeAttachments"].as_array().unwrap(), &mut m).unwrap();
        let st = m.to_value(&schema().ty());
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
    fn the_model_fits_the_schema() {
        VolumeAttachmentsModel::check_against(&schema().ty()).unwrap();
    }

    #[test]
    fn empty_listing() {
        let mut m = VolumeAttachmentsModel::default();
        flatten("s", &[], &mut m).unwrap();
        let st = m.to_value(&schema().ty());
        assert_eq!(st.get("volume_ids"), &Value::List(vec![]));
        assert_eq!(st.get("volume_attachments"), &Value::List(vec![]));
    }
}
