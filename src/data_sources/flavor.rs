//! `nova_flavor` (exactly one) and `nova_flavors` (all that match).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::union;
use crate::client::microversion::FLAVOR_DESCRIPTION;
use crate::client::{documents, ApiError};
use crate::configured::NovaData;
use crate::framework::model::{decode, Model};
use crate::framework::schema::computed_view;
use crate::framework::validators::{FloatBetween, IntBetween, StringLength};
use crate::framework::*;
use crate::resources::flavor::{self as rflavor, FlavorModel};
use crate::resources::{api_error, path_segment};
use crate::tf_model;

const FILTERS: &[&str] = &[
    "name",
    "flavor_id",
    "vcpus",
    "ram",
    "disk",
    "is_public",
    "extra_specs",
    "swap",
    "rx_tx_factor",
    "description",
];

fn filter_attrs(b: Block) -> Block {
    b.attr(
        Attribute::number("min_ram")
            .optional()
            .validate(IntBetween(0, i64::MAX))
            .description("At least this much memory (MiB)."),
    )
    .attr(
        Attribute::number("min_disk")
            .optional()
            .validate(IntBetween(0, i64::MAX))
            .description("At least this much root disk (GiB)."),
    )
}

tf_model! {
    /// What a lookup asks for, read from the configuration of either data
    /// source (`nova_flavors` has no `flavor_id`, which reads as null).
    /// Null asks for nothing, unknown matches nothing. Numbers as Terraform
    /// sends them: `ram`, `min_ram` and `swap` in MiB, `disk` and `min_disk`
    /// in GiB.
    pub struct Filters {
        pub name: Attr<String>,
        pub flavor_id: Attr<String>,
        pub vcpus: Attr<f64>,
        pub ram: Attr<f64>,
        pub disk: Attr<f64>,
        pub is_public: Attr<bool>,
        pub min_ram: Attr<f64>,
        pub min_disk: Attr<f64>,
        pub extra_specs: Attr<BTreeMap<String, String>>,
        pub swap: Attr<f64>,
        pub rx_tx_factor: Attr<f64>,
        pub description: Attr<String>,
    }
}

/// `want` holds for `have`: null asks for nothing, unknown matches nothing.
fn equal<T: PartialEq>(want: &Attr<T>, have: &Attr<T>) -> bool {
    match want {
        Attr::Null => true,
        Attr::Unknown => false,
        Attr::Known(_) => want == have,
    }
}

/// `have` reaches `min`: null asks for nothing, unknown matches nothing.
fn at_least(min: &Attr<f64>, have: &Attr<i64>) -> bool {
    let have = match have {
        Attr::Known(n) => *n as f64,
        _ => 0.0,
    };
    match min {
        Attr::Null => true,
        Attr::Unknown => false,
        Attr::Known(m) => have >= *m,
    }
}

impl Filters {
    /// Whether flavor `f` matches: each attribute asked for equals the
    /// flavor's as `nova_flavor` reads it, the sizes reach the minimums, and
    /// the flavor has every extra spec asked for (specs the document does
    /// not carry count as none).
    pub fn matches(&self, f: &documents::Flavor) -> bool {
        let mut have = FlavorModel::default();
        rflavor::flatten(f, &mut have);
        let number = |a: &Attr<i64>| a.clone().map(|n| n as f64);
        equal(&self.name, &have.name)
            && equal(&self.flavor_id, &have.flavor_id)
            && equal(&self.vcpus, &number(&have.vcpus))
            && equal(&self.ram, &number(&have.ram))
            && equal(&self.disk, &number(&have.disk))
            && equal(&self.is_public, &have.is_public)
            && equal(&self.swap, &number(&have.swap))
            && equal(&self.rx_tx_factor, &have.rx_tx_factor)
            && equal(&self.description, &have.description)
            && at_least(&self.min_ram, &have.ram)
            && at_least(&self.min_disk, &have.disk)
            && self.has_specs(f)
    }

    fn has_specs(&self, f: &documents::Flavor) -> bool {
        let Ok(want) = self.extra_specs.known() else {
            return false;
        };
        let none = BTreeMap::new();
        let have = f.extra_specs().unwrap_or(&none);
        want.into_iter()
            .flatten()
            .all(|(k, v)| have.get(k) == Some(v))
    }

    /// Whether a description is asked for (then the cloud must report
    /// descriptions: microversion 2.55).
    fn wants_description(&self) -> bool {
        !self.description.is_null()
    }

    /// Whether some extra spec is asked for (then a listing without specs,
    /// before 2.61, needs each flavor's read).
    fn wants_specs(&self) -> bool {
        self.extra_specs.if_known().is_some_and(|m| !m.is_empty())
    }
}

/// The flavors that match, sorted by name and then ID: every flavor
/// (`GET /flavors/detail?is_public=None`, all pages, Nova API reference
/// "List Flavors With Details"); before microversion 2.61, when extra
/// specs are asked for, each flavor's specs from `GET
/// /flavors/{id}/os-extra_specs` (several at once).
async fn candidates(
    data: &NovaData,
    filters: &Filters,
) -> Result<Vec<documents::Flavor>, ApiError> {
    if filters.wants_description() {
        data.cloud
            .require(FLAVOR_DESCRIPTION, "the description filter")
            .await?;
    }
    let body = data
        .cloud
        .get_all("/flavors/detail?is_public=None", "flavors")
        .await?;
    let mut listed: Vec<documents::Flavor> =
        documents::parse::<Option<_>>("flavors", &body["flavors"])?.unwrap_or_default();
    if filters.wants_specs() {
        listed = complete_all_specs(data, listed).await?;
    }
    let mut out: Vec<documents::Flavor> =
        listed.into_iter().filter(|f| filters.matches(f)).collect();
    out.sort_by_key(|f| {
        (
            f.name.clone().unwrap_or_default(),
            f.id.clone().unwrap_or_default(),
        )
    });
    Ok(out)
}

/// Gives `f` its extra specs from `GET /flavors/{id}/os-extra_specs` when
/// its document came without them (listings before microversion 2.61);
/// a document that carries them is left as it is.
async fn complete_specs(data: &NovaData, f: &mut documents::Flavor) -> Result<(), ApiError> {
    if f.has_extra_specs() {
        return Ok(());
    }
    let id = f.id.clone().unwrap_or_default();
    let specs: documents::ExtraSpecs = documents::parse(
        "flavor extra specs",
        &data
            .cloud
            .get(&format!("/flavors/{}/os-extra_specs", path_segment(&id)))
            .await?,
    )?;
    f.extra_specs = Some(Some(specs.extra_specs));
    Ok(())
}

/// [`complete_specs`] for each of `flavors`, at most the provider's
/// `query_concurrency` reads at once, in the order given.
async fn complete_all_specs(
    data: &NovaData,
    flavors: Vec<documents::Flavor>,
) -> Result<Vec<documents::Flavor>, ApiError> {
    use futures::{StreamExt, TryStreamExt};
    futures::stream::iter(flavors)
        .map(|mut f| async move { complete_specs(data, &mut f).await.map(|()| f) })
        .buffered(data.query_concurrency.max(1))
        .try_collect()
        .await
}

/// What `nova_flavors` finds: the [`candidates`], each with its extra
/// specs also where the listing leaves them out (before microversion 2.61,
/// and on clouds without microversions).
async fn all_found(data: &NovaData, filters: &Filters) -> Result<Vec<documents::Flavor>, ApiError> {
    let found = candidates(data, filters).await?;
    complete_all_specs(data, found).await
}

/// The one flavor that matches `filters`, with its extra specs even when
/// the listing leaves them out (before microversion 2.61), so that
/// `nova_flavor` reads the same specs on every cloud; `Ok(Err(found))`
/// when none or several match.
async fn the_one(
    data: &NovaData,
    filters: &Filters,
) -> Result<Result<documents::Flavor, Vec<documents::Flavor>>, ApiError> {
    let mut found = candidates(data, filters).await?;
    if found.len() != 1 {
        return Ok(Err(found));
    }
    let mut f = found.remove(0);
    complete_specs(data, &mut f).await?;
    Ok(Ok(f))
}

/// `name (id)` of each flavor, for an error that lists them.
fn names(found: &[documents::Flavor]) -> String {
    found
        .iter()
        .map(|f| {
            format!(
                "{} ({})",
                f.name.as_deref().unwrap_or_default(),
                f.id.as_deref().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub struct FlavorData;

#[async_trait]
impl DataSource<NovaData> for FlavorData {
    fn type_name(&self) -> &'static str {
        "nova_flavor"
    }

    fn schema(&self) -> Schema {
        let b = computed_view(&rflavor::schema().block, "Finds exactly one flavor by name, ID or filters; no match or several matches is an error that lists the candidates.", FILTERS);
        Schema::new(0, filter_attrs(b))
    }

    /// The state is the resource's view of the one flavor that matches,
    /// with the minimums as configured.
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let (Some(filters), Some(mut m)) = (
            decode::<Filters>("configuration", &req.config, &mut resp.diags),
            decode::<FlavorModel>("configuration", &req.config, &mut resp.diags),
        ) else {
            return;
        };
        let found = match the_one(data, &filters).await {
            Ok(Ok(f)) => vec![f],
            Ok(Err(found)) => found,
            Err(e) => return resp.diags.push(api_error("Cannot list flavors", &e)),
        };
        match found.as_slice() {
            [f] => {
                rflavor::flatten(f, &mut m);
                if m.extra_specs.is_null() {
                    m.extra_specs = Attr::Known(BTreeMap::new());
                }
                let ty = self.schema().ty();
                resp.state = union(m.to_value(&ty), filters.to_value(&ty));
            }
            [] => resp.diags.error(
                "No flavor matches",
                "No flavor matches the given name, ID and filters.",
            ),
            _ => resp.diags.error(
                "Several flavors match",
                format!(
                    "{} flavors match; narrow the filters. Candidates: {}.",
                    found.len(),
                    names(&found)
                ),
            ),
        }
    }
}

pub struct FlavorsData;

fn flavor_object_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("name", Type::String),
        ("vcpus", Type::Number),
        ("ram", Type::Number),
        ("disk", Type::Number),
        ("ephemeral", Type::Number),
        ("swap", Type::Number),
        ("is_public", Type::Bool),
        ("extra_specs", Type::map(Type::String)),
    ])
}

tf_model! {
    /// One of `nova_flavors`' `flavors`: sizes in MiB (`ram`, `swap`) and
    /// GiB (`disk`, `ephemeral`).
    pub struct FlavorSummary {
        pub id: Attr<String>,
        pub name: Attr<String>,
        pub vcpus: Attr<i64>,
        pub ram: Attr<i64>,
        pub disk: Attr<i64>,
        pub ephemeral: Attr<i64>,
        pub swap: Attr<i64>,
        pub is_public: Attr<bool>,
        pub extra_specs: Attr<BTreeMap<String, String>>,
    }
}

impl FlavorSummary {
    /// The flavor as `nova_flavor` reads it; extra specs the document does
    /// not carry are none.
    fn of(f: &documents::Flavor) -> FlavorSummary {
        let mut m = FlavorModel::default();
        rflavor::flatten(f, &mut m);
        FlavorSummary {
            id: m.id,
            name: m.name,
            vcpus: m.vcpus,
            ram: m.ram,
            disk: m.disk,
            ephemeral: m.ephemeral,
            swap: m.swap,
            is_public: m.is_public,
            extra_specs: match m.extra_specs {
                Attr::Null => Attr::Known(BTreeMap::new()),
                specs => specs,
            },
        }
    }
}

tf_model! {
    /// What `nova_flavors` finds (its filters are [`Filters`]).
    pub struct FlavorsFound {
        pub flavors: Attr<Vec<FlavorSummary>>,
    }
}

#[async_trait]
impl DataSource<NovaData> for FlavorsData {
    fn type_name(&self) -> &'static str {
        "nova_flavors"
    }

    fn schema(&self) -> Schema {
        let mut b = Block::new("Lists every flavor that matches the filters, sorted by name.");
        for k in ["vcpus", "ram", "disk"] {
            b = b.attr(
                Attribute::number(k)
                    .optional()
                    .description(&format!("Exactly this {k}.")),
            );
        }
        b = b
            .attr(
                Attribute::string("name")
                    .optional()
                    .description("Exactly this name."),
            )
            .attr(
                Attribute::bool("is_public")
                    .optional()
                    .description("Public or private flavors only."),
            )
            .attr(
                Attribute::string_map("extra_specs")
                    .optional()
                    .description("Flavors having at least these extra specs."),
            );
        b = b
            .attr(
                Attribute::number("swap")
                    .optional()
                    .validate(IntBetween(0, i32::MAX as i64))
                    .description("Exactly this swap, in MiB (0: none)."),
            )
            .attr(
                Attribute::number("rx_tx_factor")
                    .optional()
                    .validate(FloatBetween(0.000001, 3.4e38))
                    .description("Exactly this network bandwidth factor."),
            )
            .attr(
                Attribute::string("description")
                    .optional()
                    .validate(StringLength(0, 65535))
                    .description("Exactly this description (microversion 2.55)."),
            );
        b = filter_attrs(b).attr(
            Attribute::new("flavors", Type::list(flavor_object_type()))
                .computed()
                .description("The matching flavors."),
        );
        Schema::new(0, b)
    }

    /// The filters as configured, and the flavors that match them.
    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let Some(filters) = decode::<Filters>("configuration", &req.config, &mut resp.diags) else {
            return;
        };
        let found = match all_found(data, &filters).await {
            Ok(c) => c,
            Err(e) => return resp.diags.push(api_error("Cannot list flavors", &e)),
        };
        let found = FlavorsFound {
            flavors: Attr::Known(found.iter().map(FlavorSummary::of).collect()),
        };
        let ty = self.schema().ty();
        resp.state = union(found.to_value(&ty), filters.to_value(&ty));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The attribute names of object type `ty`.
    fn attribute_names(ty: &Type) -> Vec<String> {
        match ty {
            Type::Object(attrs) => attrs.keys().cloned().collect(),
            _ => vec![],
        }
    }

    #[test]
    fn the_models_fit_the_schemas() {
        // nova_flavor: the resource's attributes (its model is checked
        // against the resource) and the filters
        let ty = FlavorData.schema().ty();
        let resource = rflavor::schema().ty();
        let shared: Vec<&str> = FlavorModel::attribute_names()
            .into_iter()
            .filter(|n| *n != "timeouts")
            .collect();
        assert_eq!(ty.only(&shared), resource.only(&shared));
        assert_eq!(
            attribute_names(&resource).len(),
            shared.len() + 1,
            "the view leaves out timeouts only"
        );
        Filters::check_against(&ty.only(&Filters::attribute_names())).unwrap();
        for name in attribute_names(&ty) {
            assert!(
                shared.contains(&name.as_str())
                    || Filters::attribute_names().contains(&name.as_str()),
                "{name}: no model writes it"
            );
        }
        // nova_flavors: the same filters less flavor_id, and what it found
        let tys = FlavorsData.schema().ty();
        let filters: Vec<&str> = Filters::attribute_names()
            .into_iter()
            .filter(|n| *n != "flavor_id")
            .collect();
        assert_eq!(tys.only(&filters), ty.only(&filters));
        FlavorsFound::check_against(&tys.only(&FlavorsFound::attribute_names())).unwrap();
        for name in attribute_names(&tys) {
            assert!(
                filters.contains(&name.as_str())
                    || FlavorsFound::attribute_names().contains(&name.as_str()),
                "{name}: no model writes it"
            );
        }
    }

    #[test]
    fn filter_table() {
        let f = json!({"id": "3", "name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40, "swap": "",
            "os-flavor-access:is_public": true, "extra_specs": {"hw:cpu_policy": "dedicated"},
            "description": "for tests"});
        let f: documents::Flavor = documents::parse("flavor", &f).unwrap();
        let specs = |k: &str, v: &str| Attr::Known([(k.to_string(), v.to_string())].into());
        let cases = [
            (Filters::default(), true),
            (
                Filters {
                    name: Attr::Known("m1.medium".into()),
                    ..Default::default()
                },
                true,
            ),
            (
                Filters {
                    name: Attr::Known("m1.small".into()),
                    ..Default::default()
                },
                false,
            ),
            (
                Filters {
                    vcpus: Attr::Known(2.0),
                    min_ram: Attr::Known(4096.0),
                    ..Default::default()
                },
                true,
            ),
            (
                Filters {
                    min_ram: Attr::Known(4097.0),
                    ..Default::default()
                },
                false,
            ),
            (
                Filters {
                    min_disk: Attr::Known(40.0),
                    is_public: Attr::Known(true),
                    ..Default::default()
                },
                true,
            ),
            (
                Filters {
                    extra_specs: specs("hw:cpu_policy", "dedicated"),
                    ..Default::default()
                },
                true,
            ),
            (
                Filters {
                    extra_specs: specs("hw:cpu_policy", "shared"),
                    ..Default::default()
                },
                false,
            ),
            (
                Filters {
                    flavor_id: Attr::Known("3".into()),
                    ..Default::default()
                },
                true,
            ),
            (
                Filters {
                    swap: Attr::Known(0.0),
                    rx_tx_factor: Attr::Known(1.0),
                    ..Default::default()
                },
                true,
            ),
            (
                Filters {
                    swap: Attr::Known(512.0),
                    ..Default::default()
                },
                false,
            ),
            (
                Filters {
                    rx_tx_factor: Attr::Known(2.0),
                    ..Default::default()
                },
                false,
            ),
            (
                Filters {
                    description: Attr::Known("for tests".into()),
                    ..Default::default()
                },
                true,
            ),
            (
                Filters {
                    description: Attr::Known("other".into()),
                    ..Default::default()
                },
                false,
            ),
        ];
        for (i, (c, want)) in cases.iter().enumerate() {
            assert_eq!(c.matches(&f), *want, "case {i}");
        }
    }

    /// A filter not known yet is never taken for no filter.
    #[test]
    fn unknown_filters_match_nothing() {
        let f: documents::Flavor =
            documents::parse("flavor", &json!({"id": "3", "name": "m", "ram": 1})).unwrap();
        for c in [
            Filters {
                name: Attr::Unknown,
                ..Default::default()
            },
            Filters {
                min_ram: Attr::Unknown,
                ..Default::default()
            },
            Filters {
                extra_specs: Attr::Unknown,
                ..Default::default()
            },
            Filters {
                swap: Attr::Unknown,
                ..Default::default()
            },
            Filters {
                rx_tx_factor: Attr::Unknown,
                ..Default::default()
            },
            Filters {
                description: Attr::Unknown,
                ..Default::default()
            },
        ] {
            assert!(!c.matches(&f), "{c:?}");
        }
    }

    /// `nova_flavors` lists each flavor with its specs (none when the
    /// document carries none) and keeps the filters as configured.
    #[test]
    fn flavors_state_keeps_the_filters() {
        let f: documents::Flavor = documents::parse(
            "flavor",
            &json!({"id": "3", "name": "m", "ram": "512", "vcpus": 1, "swap": ""}),
        )
        .unwrap();
        let filters = Filters {
            min_ram: Attr::Known(256.0),
            flavor_id: Attr::Known("not in nova_flavors".into()),
            ..Default::default()
        };
        let found = FlavorsFound {
            flavors: Attr::Known(vec![FlavorSummary::of(&f)]),
        };
        let ty = FlavorsData.schema().ty();
        let st = union(found.to_value(&ty), filters.to_value(&ty));
        let want = Type::object([("flavors", Type::list(flavor_object_type()))]);
        assert_eq!(
            found.to_value(&want),
            FlavorsFound::from_value(&st).unwrap().to_value(&want)
        );
        assert_eq!(
            attribute_names(&ty).len(),
            st.as_object().map_or(0, |o| o.len())
        );
        let back = Filters::from_value(&st).unwrap();
        assert_eq!(back.min_ram, Attr::Known(256.0));
        assert_eq!(back.flavor_id, Attr::Null, "nova_flavors has no flavor_id");
        let summary = &found.flavors.if_known().unwrap()[0];
        assert_eq!(summary.ram, Attr::Known(512));
        assert_eq!(summary.swap, Attr::Known(0));
        assert_eq!(summary.extra_specs, Attr::Known(BTreeMap::new()));
    }

    /// A cloud answering at `max` as its newest microversion, whose flavor
    /// listing carries no extra specs (as before 2.61): the one flavor
    /// found is read with its specs, from os-extra_specs; flavors that are
    /// not the match are not read.
    async fn listing_without_specs(max: &str) -> (wiremock::MockServer, NovaData) {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, ResponseTemplate};
        let (server, data) = crate::configured::mock_nova(max).await;
        Mock::given(method("GET"))
            .and(path("/v2.1/flavors/detail"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"flavors": [
                {"id": "a", "name": "small", "vcpus": 1, "ram": 512, "disk": 1, "os-flavor-access:is_public": true},
                {"id": "b", "name": "big", "vcpus": 8, "ram": 8192, "disk": 80, "os-flavor-access:is_public": false}
            ]})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2.1/flavors/b/os-extra_specs"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "extra_specs": {"hw:mem_page_size": "large"}
            })))
            .expect(1)
            .mount(&server)
            .await;
        (server, data)
    }

    /// A cloud at microversion `max` listing `flavors`; each `(id, specs,
    /// delay in ms)` of `reads` answers `os-extra_specs` once (exactly),
    /// after that delay. Every other os-extra_specs read fails the test.
    async fn flavor_cloud(
        max: &str,
        flavors: serde_json::Value,
        reads: &[(&str, serde_json::Value, u64)],
        concurrency: usize,
    ) -> (wiremock::MockServer, NovaData) {
        use wiremock::matchers::{method, path, path_regex};
        use wiremock::{Mock, ResponseTemplate};
        let (server, mut data) = crate::configured::mock_nova(max).await;
        Mock::given(method("GET"))
            .and(path("/v2.1/flavors/detail"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"flavors": flavors})))
            .mount(&server)
            .await;
        for (id, specs, delay) in reads {
            Mock::given(method("GET"))
                .and(path(format!("/v2.1/flavors/{id}/os-extra_specs")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"extra_specs": specs}))
                        .set_delay(std::time::Duration::from_millis(*delay)),
                )
                .expect(1)
                .mount(&server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path_regex("/os-extra_specs$"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .mount(&server)
            .await;
        data.query_concurrency = concurrency;
        (server, data)
    }

    /// `nova_flavors` reports each flavor's extra specs on every cloud:
    /// where the listing carries none (before 2.61; seed 001 has no
    /// microversions, so always 2.1) each flavor found is read from
    /// os-extra_specs, several at once, and the flavors stay in the data
    /// source's order (by name) whichever read ends first; where the
    /// listing carries them (2.61) nothing more is read.
    #[tokio::test]
    async fn nova_flavors_reports_extra_specs_at_every_microversion() {
        let plain = json!([
            {"id": "a", "name": "small", "vcpus": 1, "ram": 512, "disk": 1},
            {"id": "b", "name": "big", "vcpus": 8, "ram": 8192, "disk": 80},
            {"id": "c", "name": "medium", "vcpus": 2, "ram": 2048, "disk": 20}
        ]);
        let with_specs = json!([
            {"id": "a", "name": "small", "vcpus": 1, "ram": 512, "disk": 1, "extra_specs": {}},
            {"id": "b", "name": "big", "vcpus": 8, "ram": 8192, "disk": 80, "extra_specs": {"hw:mem_page_size": "large"}},
            {"id": "c", "name": "medium", "vcpus": 2, "ram": 2048, "disk": 20, "extra_specs": {"k": "v", "quota:cpu_shares": "64"}}
        ]);
        let reads = [
            // the first flavor in order answers last
            ("b", json!({"hw:mem_page_size": "large"}), 600),
            ("c", json!({"k": "v", "quota:cpu_shares": "64"}), 300),
            ("a", json!({}), 0),
        ];
        let specs = |pairs: &[(&str, &str)]| -> Attr<BTreeMap<String, String>> {
            Attr::Known(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        let all = vec![
            ("big", specs(&[("hw:mem_page_size", "large")])),
            ("medium", specs(&[("k", "v"), ("quota:cpu_shares", "64")])),
            ("small", specs(&[])),
        ];
        let by_spec = Filters {
            extra_specs: Attr::Known([("k".to_string(), "v".to_string())].into()),
            ..Default::default()
        };
        type Case<'a> = (
            &'a str,
            &'a serde_json::Value,
            &'a [(&'a str, serde_json::Value, u64)],
            usize,
            Filters,
            Vec<(&'a str, Attr<BTreeMap<String, String>>)>,
        );
        let cases: Vec<Case> = vec![
            // 2.1 (seed 001): three reads at once, in order
            ("2.1", &plain, &reads, 8, Filters::default(), all.clone()),
            // one read at a time: the same result
            ("2.1", &plain, &reads, 1, Filters::default(), all.clone()),
            // 2.60: still no specs in the listing
            ("2.60", &plain, &reads, 8, Filters::default(), all.clone()),
            // a spec filter reads every flavor once, then keeps the matches
            (
                "2.1",
                &plain,
                &reads,
                8,
                by_spec.clone(),
                vec![all[1].clone()],
            ),
            // 2.61: the listing has them; no reads
            ("2.61", &with_specs, &[], 8, Filters::default(), all.clone()),
            ("2.61", &with_specs, &[], 8, by_spec, vec![all[1].clone()]),
        ];
        for (max, listing, reads, concurrency, filters, want) in cases {
            let (server, data) = flavor_cloud(max, listing.clone(), reads, concurrency).await;
            let started = std::time::Instant::now();
            let found = all_found(&data, &filters).await.unwrap();
            let elapsed = started.elapsed();
            let got: Vec<(String, Attr<BTreeMap<String, String>>)> = found
                .iter()
                .map(FlavorSummary::of)
                .map(|s| {
                    (
                        s.name.as_deref().unwrap_or_default().to_string(),
                        s.extra_specs,
                    )
                })
                .collect();
            let want: Vec<(String, Attr<BTreeMap<String, String>>)> =
                want.into_iter().map(|(n, s)| (n.to_string(), s)).collect();
            assert_eq!(got, want, "{max} concurrency {concurrency} {filters:?}");
            server.verify().await;
            if max == "2.1" && concurrency == 8 {
                // the reads overlap: well under the sum of their delays
                assert!(
                    elapsed < std::time::Duration::from_millis(850),
                    "{elapsed:?}"
                );
            }
            if concurrency == 1 && !reads.is_empty() {
                assert!(
                    elapsed >= std::time::Duration::from_millis(900),
                    "{elapsed:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn the_one_flavor_found_has_its_specs_when_the_listing_has_none() {
        let (server, data) = listing_without_specs("2.1").await;
        let filters = Filters {
            name: Attr::Known("big".into()),
            ..Default::default()
        };
        let f = the_one(&data, &filters).await.unwrap().unwrap();
        assert_eq!(f.id.as_deref(), Some("b"));
        let mut m = FlavorModel::default();
        rflavor::flatten(&f, &mut m);
        assert_eq!(
            m.extra_specs,
            Attr::Known([("hw:mem_page_size".to_string(), "large".to_string())].into())
        );
        // several matches: no flavor's specs are read for them
        let none = the_one(&data, &Filters::default()).await.unwrap();
        assert_eq!(none.unwrap_err().len(), 2);
        server.verify().await;
    }
}
