//! The `nova_quota_set` data source: the compute quotas of a project
//! (`GET /os-quota-sets/{project_id}`, Nova API reference "Show A Quota").

use async_trait::async_trait;

use crate::client::documents;
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::schema::computed_view;
use crate::framework::*;
use crate::resources::api_error;
use crate::resources::quota_set::{self, QuotaSetDocument, QuotaSetModel};

pub struct QuotaSetData;

#[async_trait]
impl DataSource<NovaData> for QuotaSetData {
    fn type_name(&self) -> &'static str {
        "nova_quota_set"
    }

    /// The resource's attributes, all computed but `project_id`
    /// (optional: the provider's own project when left out); `force` is
    /// the resource's alone.
    fn schema(&self) -> Schema {
        let mut b = computed_view(
            &quota_set::schema().block,
            "The compute quotas of a project: `project_id`, or the project the provider works in when it is left out. `-1` means unlimited; a limit is null where the cloud's quota set has none at the microversion the provider speaks (the network limits after 2.35, the injected file limits after 2.56).",
            &["project_id"],
        );
        b.attributes.retain(|a| a.name != "force");
        if let Some(a) = b.attributes.iter_mut().find(|a| a.name == "project_id") {
            a.description =
                "The project whose quotas to read; default: the project the provider's credentials are scoped to.".into();
        }
        Schema::new(0, b)
    }

    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let Some(mut m) = decode::<QuotaSetModel>("configuration", &req.config, &mut resp.diags)
        else {
            return;
        };
        let project =
            match m.project_id.as_deref() {
                Some(p) => p.to_string(),
                None => match data.cloud.session.project_id().await {
                    Ok(Some(p)) => p,
                    Ok(None) => return resp.diags.error(
                        "No project to read the quotas of",
                        "The provider's credentials are not scoped to a project: set project_id.",
                    ),
                    Err(e) => return resp.diags.push(api_error("Cannot authenticate", &e)),
                },
            };
        let path = format!("/os-quota-sets/{}", crate::client::path_segment(&project));
        let doc = match data.cloud.get(&path).await {
            Ok(b) => documents::parse::<QuotaSetDocument>("quota set", &b["quota_set"]),
            Err(e) => Err(e),
        };
        match doc {
            Ok(d) => {
                quota_set::flatten(&d, &mut m);
                m.id = Attr::Known(project.clone());
                m.project_id = Attr::Known(project);
                resp.state = m.to_value(&self.schema().ty());
            }
            Err(e) => resp.diags.push(api_error("Cannot read quota set", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data source's view is the resource's model less `force` and
    /// `timeouts`: every other field is an attribute, and the other way
    /// round.
    #[test]
    fn the_model_fits_the_view() {
        let ty = QuotaSetData.schema().ty();
        let Type::Object(attrs) = &ty else {
            panic!("an object type")
        };
        let fields: Vec<&str> = QuotaSetModel::attribute_names();
        for name in attrs.keys() {
            assert!(fields.contains(&name.as_str()), "{name}");
        }
        assert_eq!(attrs.len(), fields.len() - 2, "all but force and timeouts");
        let s = QuotaSetData.schema();
        let project = s.block.attribute("project_id").unwrap();
        assert!(project.optional && project.computed && !project.required);
        assert!(s
            .block
            .attributes
            .iter()
            .filter(|a| a.name != "project_id")
            .all(|a| a.computed && !a.optional));
        // a state written through the view reads back
        let m = QuotaSetModel {
            id: Attr::Known("p".into()),
            project_id: Attr::Known("p".into()),
            cores: Attr::Known(-1),
            ..Default::default()
        };
        let v = m.to_value(&ty);
        assert_eq!(v.get("cores"), &Value::Number(-1.0));
        assert_eq!(
            QuotaSetModel::from_value(&v).unwrap().cores,
            Attr::Known(-1)
        );
    }
}
