//! `nova_flavor` (exactly one) and `nova_flavors` (all that match).

use async_trait::async_trait;
use serde_json::Value as J;

use crate::client::wire;
use crate::configured::NovaData;
use crate::framework::schema::computed_view;
use crate::framework::validators::IntBetween;
use crate::framework::*;
use crate::resources::{api_error, flavor as rflavor};

const FILTERS: &[&str] = &[
    "name",
    "flavor_id",
    "vcpus",
    "ram",
    "disk",
    "is_public",
    "extra_specs",
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

/// Does a flavor document match the filters in `config`?
pub fn matches(f: &J, config: &Value) -> bool {
    let mut st = Value::null_object(&rflavor::schema().ty());
    rflavor::flatten(f, &mut st);
    for k in ["name", "flavor_id", "vcpus", "ram", "disk", "is_public"] {
        let want = config.get(k);
        if !want.is_null() && want != st.get(k) {
            return false;
        }
    }
    if let Some(min) = config.get("min_ram").as_i64() {
        if st.get("ram").as_i64().unwrap_or(0) < min {
            return false;
        }
    }
    if let Some(min) = config.get("min_disk").as_i64() {
        if st.get("disk").as_i64().unwrap_or(0) < min {
            return false;
        }
    }
    let want_specs = config.get("extra_specs").string_map().unwrap_or_default();
    let have = wire::string_map(&f["extra_specs"]);
    want_specs.iter().all(|(k, v)| have.get(k) == Some(v))
}

async fn candidates(data: &NovaData, config: &Value) -> Result<Vec<J>, crate::client::ApiError> {
    let body = data
        .cloud
        .get_all("/flavors/detail?is_public=None", "flavors")
        .await?;
    let mut out: Vec<J> = Vec::new();
    for f in body["flavors"].as_array().cloned().unwrap_or_default() {
        let mut f = f;
        // before 2.61 extra specs are not in the list: fetch them when filtering on them
        if config
            .get("extra_specs")
            .as_map()
            .is_some_and(|m| !m.is_empty())
            && f.get("extra_specs").is_none()
        {
            let id = wire::string(&f["id"]).unwrap_or_default();
            let specs = data
                .cloud
                .get(&format!(
                    "/flavors/{}/os-extra_specs",
                    crate::resources::path_segment(&id)
                ))
                .await?;
            f["extra_specs"] = specs["extra_specs"].clone();
        }
        if matches(&f, config) {
            out.push(f);
        }
    }
    out.sort_by_key(|f| {
        (
            wire::string(&f["name"]).unwrap_or_default(),
            wire::string(&f["id"]).unwrap_or_default(),
        )
    });
    Ok(out)
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

    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let found = match candidates(data, &req.config).await {
            Ok(c) => c,
            Err(e) => return resp.diags.push(api_error("Cannot list flavors", &e)),
        };
        match found.len() {
            1 => {
                let mut st = req.config.clone();
                rflavor::flatten(&found[0], &mut st);
                if st.get("extra_specs").is_null() {
                    st.set("extra_specs", Value::Map(Default::default()));
                }
                resp.state = st;
            }
            0 => resp.diags.error(
                "No flavor matches",
                "No flavor matches the given name, ID and filters.",
            ),
            _ => {
                let list: Vec<String> = found
                    .iter()
                    .map(|f| {
                        format!(
                            "{} ({})",
                            wire::string(&f["name"]).unwrap_or_default(),
                            wire::string(&f["id"]).unwrap_or_default()
                        )
                    })
                    .collect();
                resp.diags.error(
                    "Several flavors match",
                    format!(
                        "{} flavors match; narrow the filters. Candidates: {}.",
                        found.len(),
                        list.join(", ")
                    ),
                );
            }
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
        b = filter_attrs(b).attr(
            Attribute::new("flavors", Type::list(flavor_object_type()))
                .computed()
                .description("The matching flavors."),
        );
        Schema::new(0, b)
    }

    async fn read(&self, data: &NovaData, req: DataReadRequest, resp: &mut DataReadResponse) {
        let found = match candidates(data, &req.config).await {
            Ok(c) => c,
            Err(e) => return resp.diags.push(api_error("Cannot list flavors", &e)),
        };
        let rs = rflavor::schema();
        let list = found
            .iter()
            .map(|f| {
                let mut st = Value::null_object(&rs.ty());
                rflavor::flatten(f, &mut st);
                let specs = if st.get("extra_specs").is_null() {
                    Value::Map(Default::default())
                } else {
                    st.get("extra_specs").clone()
                };
                Value::Object(
                    [
                        ("id".to_string(), st.get("id").clone()),
                        ("name".to_string(), st.get("name").clone()),
                        ("vcpus".to_string(), st.get("vcpus").clone()),
                        ("ram".to_string(), st.get("ram").clone()),
                        ("disk".to_string(), st.get("disk").clone()),
                        ("ephemeral".to_string(), st.get("ephemeral").clone()),
                        ("swap".to_string(), st.get("swap").clone()),
                        ("is_public".to_string(), st.get("is_public").clone()),
                        ("extra_specs".to_string(), specs),
                    ]
                    .into(),
                )
            })
            .collect();
        let mut st = req.config.clone();
        st.set("flavors", Value::List(list));
        resp.state = st;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filter_table() {
        let f = json!({"id": "3", "name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40, "swap": "",
            "os-flavor-access:is_public": true, "extra_specs": {"hw:cpu_policy": "dedicated"}});
        let ty = FlavorData.schema().ty();
        let cfg = |pairs: &[(&str, Value)]| {
            let mut v = Value::null_object(&ty);
            for (k, x) in pairs {
                v.set(k, x.clone());
            }
            v
        };
        let cases = [
            (cfg(&[]), true),
            (cfg(&[("name", Value::string("m1.medium"))]), true),
            (cfg(&[("name", Value::string("m1.small"))]), false),
            (cfg(&[("vcpus", 2.into()), ("min_ram", 4096.into())]), true),
            (cfg(&[("min_ram", 4097.into())]), false),
            (
                cfg(&[("min_disk", 40.into()), ("is_public", true.into())]),
                true,
            ),
            (
                cfg(&[(
                    "extra_specs",
                    Value::from_string_map([("hw:cpu_policy", "dedicated")]),
                )]),
                true,
            ),
            (
                cfg(&[(
                    "extra_specs",
                    Value::from_string_map([("hw:cpu_policy", "shared")]),
                )]),
                false,
            ),
            (cfg(&[("flavor_id", Value::string("3"))]), true),
        ];
        for (i, (c, want)) in cases.iter().enumerate() {
            assert_eq!(matches(&f, c), *want, "case {i}");
        }
    }
}
