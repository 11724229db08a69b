//! `region` on every resource and data source, added once, around each
//! type: the argument in the schema, which region a plan and an apply use,
//! and the region's data ([`NovaData::in_region`]) handed to the type, which
//! itself knows nothing of regions.
//!
//! A resource's `region` is optional, computed and replaces the resource on
//! change. Unset, it is the provider's region (its `region` setting, else
//! the region of the catalog's compute endpoint it uses), recorded in state
//! so the next plan is empty; a resource keeps the region it has when the
//! argument is removed from the configuration. An unknown `region` is never
//! read as the default: the plan leaves it unknown (and the type's plan-time
//! checks, which would need that region's cloud, wait for apply).
//!
//! Import: `<region>/<id>` (for types whose ID has two parts,
//! `<region>/<a>/<b>`) imports from that region; an ID without the region,
//! or an `identity`, imports from the provider's region.

use std::sync::Arc;

use async_trait::async_trait;

use crate::configured::{InRegion, NovaData, RegionError};
use crate::framework::validators::StringLength;
use crate::framework::*;

pub const REGION: &str = "region";

fn resource_attribute() -> Attribute {
    Attribute::string(REGION)
        .optional()
        .computed()
        .requires_replace()
        .validate(StringLength(1, 255))
        .description("The region whose compute endpoint (in the service catalog) manages this object, with the provider's authentication. Default: the provider's region (its `region`, else the region of the catalog endpoint it uses), recorded in state; removing the argument keeps the region the object has. Import from another region with `<region>/` before the import ID (an `identity` imports from the provider's region). The provider's `cloud_profile` applies here too.")
}

fn data_source_attribute() -> Attribute {
    Attribute::string(REGION)
        .optional()
        .computed()
        .validate(StringLength(1, 255))
        .description("The region whose compute endpoint (in the service catalog) is read, with the provider's authentication. Default: the provider's region (its `region`, else the region of the catalog endpoint it uses).")
}

/// `schema` with `attr` added to its top-level block.
fn with_attribute(mut schema: Schema, attr: Attribute) -> Schema {
    schema.block.attributes.push(attr);
    schema
}

/// What a plan makes of `region`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// This region: from the configuration, or kept from the state.
    Given(String),
    /// Known only at apply (the configuration's value is unknown).
    Unknown,
    /// The provider's region (resolved through its settings or catalog).
    Default,
}

/// The configuration's `region`, else the one the state records, else the
/// provider's. An unknown configuration value stays unknown.
pub fn planned_region(config: &Value, prior: &Value) -> Planned {
    match (config, prior) {
        (Value::Unknown, _) => Planned::Unknown,
        (Value::String(r), _) => Planned::Given(r.clone()),
        (_, Value::String(r)) => Planned::Given(r.clone()),
        _ => Planned::Default,
    }
}

/// Whether going from region `prior` (state) to `planned` replaces the
/// object: a recorded region that changes, or that the configuration makes
/// unknown. A state without a region (moved, or from before the argument;
/// "" when the provider's endpoint has none) replaces nothing.
pub fn replaces(prior: &Value, planned: &Value) -> bool {
    match (prior, planned) {
        (Value::String(p), _) if p.is_empty() => false,
        (Value::String(_), Value::Unknown) => true,
        (Value::String(p), Value::String(n)) => p != n,
        _ => false,
    }
}

/// The region an apply works in: the one known in `values` in order
/// (planned, then configuration or state); `None` for the provider's.
pub fn region_in(values: &[&Value]) -> Option<String> {
    values
        .iter()
        .find_map(|v| v.get(REGION).as_str().filter(|r| !r.is_empty()))
        .map(str::to_string)
}

/// An import ID with its region: `<region>/<rest>` when it has one more
/// `/`-separated part than the type's own IDs (`parts`).
pub fn split_import_id(id: &str, parts: usize) -> (Option<&str>, &str) {
    match id.split_once('/') {
        Some((r, rest)) if !r.is_empty() && id.split('/').count() == parts + 1 => (Some(r), rest),
        _ => (None, id),
    }
}

fn region_diag(e: &RegionError) -> Diagnostic {
    let summary = match e {
        RegionError::Api(_) => "Cannot reach the cloud",
        _ => "Invalid region",
    };
    Diagnostic::error(summary, format!("region: {e}")).at(AttrPath::attr(REGION))
}

/// The data of `region` (`None`: the provider's), and the region to record.
async fn data_for<'a>(
    data: &'a NovaData,
    region: Option<&str>,
) -> Result<(InRegion<'a>, String), RegionError> {
    match region {
        Some(r) => Ok((data.in_region(r).await?, r.to_string())),
        None => Ok((InRegion::Default(data), data.default_region().await?)),
    }
}

/// [`data_for`], its failure pushed to `diags` as an error on `region`.
async fn data_or_diag<'a>(
    data: &'a NovaData,
    region: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<(InRegion<'a>, String)> {
    data_for(data, region)
        .await
        .map_err(|e| diags.push(region_diag(&e)))
        .ok()
}

/// A resource type with `region`.
pub struct Regional {
    inner: Arc<dyn Resource<NovaData>>,
    /// How many `/`-separated parts the type's import IDs have.
    id_parts: usize,
}

impl Regional {
    /// `inner` with `region`, as registered.
    pub fn wrap(
        inner: Arc<dyn Resource<NovaData>>,
        id_parts: usize,
    ) -> Arc<dyn Resource<NovaData>> {
        Arc::new(Regional { inner, id_parts })
    }
}

#[async_trait]
impl Resource<NovaData> for Regional {
    fn type_name(&self) -> &'static str {
        self.inner.type_name()
    }

    fn schema(&self) -> Schema {
        with_attribute(self.inner.schema(), resource_attribute())
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.inner.identity_schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        self.inner.validate(config, diags)
    }

    async fn plan(&self, data: Option<&NovaData>, req: &PlanRequest<'_>, resp: &mut PlanResponse) {
        let prior_region = req.prior.get(REGION).clone();
        let planned = match planned_region(req.config.get(REGION), &prior_region) {
            Planned::Given(r) => Value::String(r),
            Planned::Unknown => Value::Unknown,
            Planned::Default => match data {
                // not resolvable now: apply resolves it
                Some(d) => d
                    .default_region()
                    .await
                    .map_or(Value::Unknown, Value::String),
                None => Value::Unknown,
            },
        };
        let region_path = AttrPath::attr(REGION);
        resp.requires_replace.retain(|p| *p != region_path);
        if !req.prior.is_null() && replaces(&prior_region, &planned) {
            resp.requires_replace.push(region_path);
        }
        resp.planned.set(REGION, planned.clone());
        let inner_data = match (&planned, data) {
            (Value::String(r), Some(d)) => {
                let r = Some(r.as_str()).filter(|r| !r.is_empty());
                match data_for(d, r).await {
                    Ok((x, _)) => Some(x),
                    Err(e) => return resp.diags.push(region_diag(&e)),
                }
            }
            _ => None,
        };
        self.inner.plan(inner_data.as_deref(), req, resp).await;
        resp.planned.set(REGION, planned);
    }

    async fn create(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let region = region_in(&[&req.planned, &req.config]);
        let Some((d, recorded)) = data_or_diag(data, region.as_deref(), &mut resp.diags).await
        else {
            return;
        };
        self.inner.create(&d, req, resp).await;
        resp.state.set(REGION, Value::String(recorded));
    }

    async fn read(&self, data: &NovaData, req: ReadRequest, resp: &mut ReadResponse) {
        let region = region_in(&[&req.state]);
        let Some((d, recorded)) = data_or_diag(data, region.as_deref(), &mut resp.diags).await
        else {
            return;
        };
        self.inner.read(&d, req, resp).await;
        resp.state.set(REGION, Value::String(recorded));
    }

    async fn update(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let region = region_in(&[&req.prior, &req.planned]);
        let Some((d, recorded)) = data_or_diag(data, region.as_deref(), &mut resp.diags).await
        else {
            return;
        };
        self.inner.update(&d, req, resp).await;
        resp.state.set(REGION, Value::String(recorded));
    }

    async fn delete(&self, data: &NovaData, req: ApplyRequest, resp: &mut ApplyResponse) {
        let region = region_in(&[&req.prior]);
        let Some((d, _)) = data_or_diag(data, region.as_deref(), &mut resp.diags).await else {
            return;
        };
        self.inner.delete(&d, req, resp).await
    }

    async fn import(&self, data: &NovaData, mut req: ImportRequest, resp: &mut ImportResponse) {
        let mut region = None;
        if req.identity.is_none() {
            let (r, rest) = split_import_id(&req.id, self.id_parts);
            region = r.map(str::to_string);
            req.id = rest.to_string();
        }
        let Some((d, recorded)) = data_or_diag(data, region.as_deref(), &mut resp.diags).await
        else {
            return;
        };
        self.inner.import(&d, req, resp).await;
        resp.state.set(REGION, Value::String(recorded));
    }

    fn list_schema(&self) -> Option<Schema> {
        self.inner.list_schema()
    }

    async fn list(
        &self,
        data: &NovaData,
        config: &Value,
        limit: Option<usize>,
        diags: &mut Diagnostics,
    ) -> Vec<Listed> {
        self.inner.list(data, config, limit, diags).await
    }

    fn generated_config(&self, state: &Value, config: Value) -> Value {
        self.inner.generated_config(state, config)
    }

    fn upgrade_state(
        &self,
        version: i64,
        raw: &serde_json::Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let mut v = self.inner.upgrade_state(version, raw, diags)?;
        if let Some(r) = raw.get(REGION).and_then(|r| r.as_str()) {
            v.set(REGION, Value::string(r));
        }
        Some(v)
    }
}

/// A data source type with `region`.
pub struct RegionalData(pub Arc<dyn DataSource<NovaData>>);

impl RegionalData {
    /// `inner` with `region`, as registered.
    pub fn wrap(inner: Arc<dyn DataSource<NovaData>>) -> Arc<dyn DataSource<NovaData>> {
        Arc::new(RegionalData(inner))
    }
}

#[async_trait]
impl DataSource<NovaData> for RegionalData {
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    fn schema(&self) -> Schema {
        with_attribute(self.0.schema(), data_source_attribute())
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        self.0.validate(config, diags)
    }

    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let region = region_in(&[&req.config]);
        let Some((d, recorded)) = data_or_diag(data, region.as_deref(), &mut resp.diags).await
        else {
            return;
        };
        self.0.read(&d, req, resp).await;
        resp.state.set(REGION, Value::String(recorded));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    #[test]
    fn the_plans_region() {
        use Planned::*;
        let cases: &[(&str, Value, Value, Planned)] = &[
            (
                "configured, creating",
                s("R2"),
                Value::Null,
                Given("R2".into()),
            ),
            ("configured, changing", s("R2"), s("R1"), Given("R2".into())),
            (
                "unknown is not the default",
                Value::Unknown,
                Value::Null,
                Unknown,
            ),
            ("unknown with a state", Value::Unknown, s("R1"), Unknown),
            ("unset, creating", Value::Null, Value::Null, Default),
            (
                "unset keeps the state's",
                Value::Null,
                s("R2"),
                Given("R2".into()),
            ),
            (
                "unset, state without one",
                Value::Null,
                Value::Null,
                Default,
            ),
        ];
        for (name, config, prior, want) in cases {
            assert_eq!(&planned_region(config, prior), want, "{name}");
        }
    }

    #[test]
    fn what_replaces() {
        let cases: &[(&str, Value, Value, bool)] = &[
            ("same region", s("R1"), s("R1"), false),
            ("another region", s("R1"), s("R2"), true),
            ("made unknown", s("R1"), Value::Unknown, true),
            ("no region recorded (moved)", Value::Null, s("R1"), false),
            (
                "no region recorded, unknown",
                Value::Null,
                Value::Unknown,
                false,
            ),
            ("recorded as none", s(""), s("R1"), false),
            ("creating", Value::Null, Value::Null, false),
        ];
        for (name, prior, planned, want) in cases {
            assert_eq!(replaces(prior, planned), *want, "{name}");
        }
    }

    #[test]
    fn the_apply_region() {
        let obj = |r: Value| Value::Object([(REGION.to_string(), r)].into_iter().collect());
        let cases: &[(&str, Vec<Value>, Option<&str>)] = &[
            ("planned", vec![obj(s("R2")), obj(s("R1"))], Some("R2")),
            (
                "unknown planned, config",
                vec![obj(Value::Unknown), obj(s("R3"))],
                Some("R3"),
            ),
            (
                "null everywhere",
                vec![obj(Value::Null), obj(Value::Null)],
                None,
            ),
            ("empty is the provider's", vec![obj(s(""))], None),
            ("null object", vec![Value::Null], None),
        ];
        for (name, values, want) in cases {
            let refs: Vec<&Value> = values.iter().collect();
            assert_eq!(region_in(&refs).as_deref(), *want, "{name}");
        }
    }

    #[test]
    fn import_ids() {
        let cases: &[(&str, usize, Option<&str>, &str)] = &[
            ("abc", 1, None, "abc"),
            ("RegionTwo/abc", 1, Some("RegionTwo"), "abc"),
            ("srv/vol", 2, None, "srv/vol"),
            ("RegionTwo/srv/vol", 2, Some("RegionTwo"), "srv/vol"),
            ("/abc", 1, None, "/abc"),
            ("a/b/c", 1, None, "a/b/c"),
            ("", 1, None, ""),
        ];
        for (id, parts, region, rest) in cases {
            assert_eq!(split_import_id(id, *parts), (*region, *rest), "{id}");
        }
    }

    /// A type that records the region of the data its plan and create get.
    struct Probe(std::sync::Mutex<Vec<Option<String>>>);

    #[async_trait]
    impl Resource<NovaData> for Probe {
        fn type_name(&self) -> &'static str {
            "nova_probe"
        }
        fn schema(&self) -> Schema {
            Schema::new(
                0,
                Block::new("probe").attr(Attribute::string("id").computed()),
            )
        }
        async fn plan(&self, data: Option<&NovaData>, _: &PlanRequest<'_>, _: &mut PlanResponse) {
            let seen = match data {
                Some(d) => Some(d.default_region().await.unwrap()),
                None => None,
            };
            self.0.lock().unwrap().push(seen);
        }
        async fn create(&self, data: &NovaData, _: ApplyRequest, resp: &mut ApplyResponse) {
            let url = data
                .cloud
                .session
                .endpoint(crate::client::Service::Compute)
                .await
                .unwrap();
            resp.state = Value::Object(
                [("id".to_string(), Value::string(url))]
                    .into_iter()
                    .collect(),
            );
        }
        async fn read(&self, _: &NovaData, _: ReadRequest, _: &mut ReadResponse) {}
        async fn update(&self, _: &NovaData, _: ApplyRequest, _: &mut ApplyResponse) {}
        async fn delete(&self, _: &NovaData, _: ApplyRequest, _: &mut ApplyResponse) {}
    }

    fn with_region(r: Value) -> Value {
        Value::Object(
            [("id".to_string(), Value::Null), (REGION.to_string(), r)]
                .into_iter()
                .collect(),
        )
    }

    /// (name, config, prior, planned, replaces, the region of the data the
    /// type's plan got (`Some(None)`: none; `None`: not called), error).
    type PlanCase = (
        &'static str,
        Value,
        Value,
        Value,
        bool,
        Option<Option<&'static str>>,
        Option<&'static str>,
    );

    /// The plan of a wrapped type against a cloud whose catalog has region
    /// `R1` only: what is planned, what replaces, and which region's data
    /// the type's own plan gets (none while the region is unknown).
    #[tokio::test]
    async fn plans_against_a_catalog() {
        let (_server, data) = crate::configured::mock_nova("2.90").await;
        let cases: &[PlanCase] = &[
            ("unset, creating", Value::Null, Value::Null, s("R1"), false, Some(Some("R1")), None),
            ("set, creating", s("R1"), Value::Null, s("R1"), false, Some(Some("R1")), None),
            ("unset keeps the state's", Value::Null, s("R1"), s("R1"), false, Some(Some("R1")), None),
            ("unknown, creating", Value::Unknown, Value::Null, Value::Unknown, false, Some(None), None),
            ("unknown replaces", Value::Unknown, s("R1"), Value::Unknown, true, Some(None), None),
            ("not in the catalog", s("R9"), Value::Null, s("R9"), false, None,
             Some("region: the service catalog has no compute endpoint (interface public) in region \"R9\"; its regions with one: \"R1\"")),
            ("moved away from the catalog", s("R9"), s("R1"), s("R9"), true, None, Some("\"R9\"")),
        ];
        for (name, config, prior, planned, replace, got, error) in cases {
            let probe = Arc::new(Probe(Default::default()));
            let wrapped = Regional::wrap(probe.clone(), 1);
            let prior_v = if prior.is_null() {
                Value::Null
            } else {
                with_region(prior.clone())
            };
            let config_v = with_region(config.clone());
            let req = PlanRequest {
                prior: &prior_v,
                config: &config_v,
                proposed: &config_v,
                prior_private: &[],
            };
            let mut resp = PlanResponse {
                planned: config_v.clone(),
                requires_replace: vec![AttrPath::attr(REGION)],
                private: Vec::new(),
                diags: Diagnostics::default(),
            };
            wrapped.plan(Some(&data), &req, &mut resp).await;
            assert_eq!(resp.planned.get(REGION), planned, "{name}");
            assert_eq!(
                resp.requires_replace.contains(&AttrPath::attr(REGION)),
                *replace,
                "{name}"
            );
            let seen = probe.0.lock().unwrap().clone();
            match got {
                Some(g) => assert_eq!(seen, vec![g.map(str::to_string)], "{name}"),
                None => assert!(seen.is_empty(), "{name}: the type planned"),
            }
            match error {
                None => assert!(!resp.diags.has_errors(), "{name}: {:?}", resp.diags),
                Some(e) => {
                    let d = resp.diags.iter().next().expect(name);
                    assert!(d.detail.contains(e), "{name}: {}", d.detail);
                    assert_eq!(d.path.as_ref(), Some(&AttrPath::attr(REGION)), "{name}");
                }
            }
        }
        // without a provider (its configuration unknown): nothing resolved
        let probe = Arc::new(Probe(Default::default()));
        let wrapped = Regional::wrap(probe.clone(), 1);
        let config_v = with_region(Value::Null);
        let none = Value::Null;
        let req = PlanRequest {
            prior: &none,
            config: &config_v,
            proposed: &config_v,
            prior_private: &[],
        };
        let mut resp = PlanResponse {
            planned: config_v.clone(),
            requires_replace: vec![],
            private: Vec::new(),
            diags: Diagnostics::default(),
        };
        wrapped.plan(None, &req, &mut resp).await;
        assert_eq!(resp.planned.get(REGION), &Value::Unknown);
        assert_eq!(*probe.0.lock().unwrap(), vec![None]);
    }

    /// Create records the provider's region when none is planned, and the
    /// type works on the region's data.
    #[tokio::test]
    async fn create_records_the_region() {
        let (server, data) = crate::configured::mock_nova("2.90").await;
        let wrapped = Regional::wrap(Arc::new(Probe(Default::default())), 1);
        for planned in [Value::Null, Value::Unknown, s("R1")] {
            let mut resp = ApplyResponse {
                state: Value::Null,
                private: Vec::new(),
                diags: Diagnostics::default(),
            };
            let req = ApplyRequest {
                prior: Value::Null,
                planned: with_region(planned.clone()),
                config: with_region(Value::Null),
                private: Vec::new(),
                stop: StopSignal::default(),
            };
            wrapped.create(&data, req, &mut resp).await;
            assert!(!resp.diags.has_errors(), "{:?}", resp.diags);
            assert_eq!(resp.state.get(REGION), &s("R1"), "{planned:?}");
            assert_eq!(
                resp.state.get("id"),
                &Value::string(format!("{}/v2.1", server.uri()))
            );
        }
    }

    #[test]
    fn every_type_gets_region_once() {
        for r in crate::resources::all() {
            let s = r.schema();
            let n = s
                .block
                .attributes
                .iter()
                .filter(|a| a.name == REGION)
                .count();
            assert_eq!(n, 1, "{}", r.type_name());
            let a = s.block.attribute(REGION).unwrap();
            assert!(a.optional && a.computed, "{}", r.type_name());
            assert!(a.has(crate::framework::schema::PlanModifier::RequiresReplace));
        }
        for d in crate::data_sources::all() {
            let s = d.schema();
            let n = s
                .block
                .attributes
                .iter()
                .filter(|a| a.name == REGION)
                .count();
            assert_eq!(n, 1, "{}", d.type_name());
        }
    }
}
