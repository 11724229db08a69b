//! Registry-layout documentation generated from the schemas' descriptions
//! and the files under `examples/`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::framework::schema::{Attribute, Block, Nesting};
use crate::framework::{Provider, Schema, Type};
use crate::provider::NovaProvider;

fn type_name(t: &Type) -> String {
    match t {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::List(e) => format!("List of {}", type_name(e)),
        Type::Set(e) => format!("Set of {}", type_name(e)),
        Type::Map(e) => format!("Map of {}", type_name(e)),
        Type::Object(_) => "Object".into(),
    }
}

fn attr_line(a: &Attribute) -> String {
    let mut flags = vec![type_name(&a.ty)];
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.write_only {
        flags.push("Write-only".into());
    }
    if a.deprecation.is_some() {
        flags.push("Deprecated".into());
    }
    let mut desc = a.description.clone();
    if let Some(d) = &a.default {
        desc.push_str(&format!(
            " Default: `{}`.",
            crate::framework::codec::to_json(d)
        ));
    }
    for v in &a.validators {
        desc.push_str(&format!(" Must be {}.", v.description()));
    }
    if a.modifiers
        .contains(&crate::framework::schema::PlanModifier::RequiresReplace)
    {
        desc.push_str(" Changing it replaces the resource.");
    }
    format!("- `{}` ({}) {}\n", a.name, flags.join(", "), desc.trim())
}

fn render_block(b: &Block, anchor: &str, out: &mut String, nested: &mut Vec<(String, Block)>) {
    let groups: [(&str, Box<dyn Fn(&Attribute) -> bool>); 3] = [
        ("Required", Box::new(|a: &Attribute| a.required)),
        ("Optional", Box::new(|a: &Attribute| a.optional)),
        (
            "Read-Only",
            Box::new(|a: &Attribute| a.computed && !a.optional && !a.required),
        ),
    ];
    for (title, pick) in groups.iter() {
        let attrs: Vec<&Attribute> = b.attributes.iter().filter(|a| pick(a)).collect();
        let blocks: Vec<_> = if *title == "Optional" {
            b.blocks.iter().collect()
        } else {
            Vec::new()
        };
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for a in attrs {
            out.push_str(&attr_line(a));
            if let Some(n) = &a.nested {
                let anchor_name = format!("{anchor}{}", a.name);
                out.push_str(&format!(
                    "  (see [below for nested schema](#nestedblock--{anchor_name}))\n"
                ));
                nested.push((
                    anchor_name,
                    Block {
                        attributes: n.attributes.clone(),
                        ..Default::default()
                    },
                ));
            }
        }
        for nb in blocks {
            let kind = match nb.nesting {
                Nesting::Single => "Block",
                Nesting::List => "Block List",
                Nesting::Set => "Block Set",
            };
            let max = if nb.max_items > 0 {
                format!(", Max: {}", nb.max_items)
            } else {
                String::new()
            };
            let anchor_name = format!("{anchor}{}", nb.name);
            out.push_str(&format!(
                "- `{}` ({kind}{max}) {} (see [below for nested schema](#nestedblock--{anchor_name}))\n",
                nb.name,
                nb.block.description.trim()
            ));
            nested.push((anchor_name, nb.block.clone()));
        }
    }
}

fn render_schema(s: &Schema) -> String {
    let mut out = String::from("\n## Schema\n");
    let mut nested = Vec::new();
    render_block(&s.block, "", &mut out, &mut nested);
    while !nested.is_empty() {
        let (anchor, b) = nested.remove(0);
        out.push_str(&format!(
            "\n<a id=\"nestedblock--{anchor}\"></a>\n### Nested Schema for `{}`\n",
            anchor.replace("--", ".")
        ));
        let mut more = Vec::new();
        render_block(&b, &format!("{anchor}--"), &mut out, &mut more);
        nested.extend(more);
    }
    out
}

fn read(root: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(root.join(rel)).ok()
}

fn first_sentence(s: &str) -> String {
    s.split(". ")
        .next()
        .unwrap_or(s)
        .trim_end_matches('.')
        .to_string()
        + "."
}

fn page(kind: &str, name: &str, s: &Schema, root: &Path) -> String {
    let (dir, example, label) = match kind {
        "resource" => ("resources", "resource.tf", "Resource"),
        "action" => ("actions", "action.tf", "Action"),
        "ephemeral" => (
            "ephemeral-resources",
            "ephemeral-resource.tf",
            "Ephemeral Resource",
        ),
        _ => ("data-sources", "data-source.tf", "Data Source"),
    };
    let mut out = format!(
        "---\npage_title: \"{name} {label} - nova\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n\n# {name} ({label})\n\n{}\n",
        first_sentence(&s.block.description),
        s.block.description
    );
    if let Some(ex) = read(root, &format!("examples/{dir}/{name}/{example}")) {
        out.push_str(&format!(
            "\n## Example Usage\n\n```terraform\n{}\n```\n",
            ex.trim_end()
        ));
    }
    out.push_str(&render_schema(s));
    if kind == "resource" {
        if let Some(imp) = read(root, &format!("examples/{dir}/{name}/import.sh")) {
            out.push_str(&format!("\n## Import\n\nImport is supported using the following syntax:\n\n```shell\n{}\n```\n", imp.trim_end()));
        }
    }
    out
}

/// A function's page: its signature, arguments and example.
fn function_page(f: &crate::framework::FunctionDefinition, root: &Path) -> String {
    let name = f.name;
    let mut out = format!(
        "---\npage_title: \"{name} function - nova\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n\n# function: {name}\n\n{}\n",
        f.summary, f.description
    );
    if let Some(ex) = read(root, &format!("examples/functions/{name}/function.tf")) {
        out.push_str(&format!(
            "\n## Example Usage\n\n```terraform\n{}\n```\n",
            ex.trim_end()
        ));
    }
    let params: Vec<String> = f
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.name, type_name(&p.ty).to_lowercase()))
        .collect();
    out.push_str(&format!(
        "\n## Signature\n\n```text\n{name}({}) {}\n```\n\n## Arguments\n\n",
        params.join(", "),
        type_name(&f.returns).to_lowercase()
    ));
    for (i, p) in f.parameters.iter().enumerate() {
        let null = if p.allow_null { ", Nullable" } else { "" };
        out.push_str(&format!(
            "{}. `{}` ({}{null}) {}\n",
            i + 1,
            p.name,
            type_name(&p.ty),
            p.description
        ));
    }
    out
}

/// Every documentation file, by path relative to the repository root.
pub fn render_all(root: &Path) -> BTreeMap<String, String> {
    let p = NovaProvider;
    let mut files = BTreeMap::new();
    let mut index = String::from(
        "---\npage_title: \"Provider: nova\"\ndescription: |-\n  The nova provider manages servers, flavors, key pairs, aggregates and server groups on clouds that speak the OpenStack Compute (Nova) API.\n---\n\n# nova Provider\n\nThe nova provider manages servers (with block device mappings and attachments), flavors, key pairs, host aggregates and server groups on every cloud that speaks the OpenStack Compute (Nova) API: upstream OpenStack and the vendor clouds built on it.\n\nCredentials come from the provider block, the `OS_*` environment variables or clouds.yaml, in that order of precedence.\n",
    );
    if let Some(ex) = read(root, "examples/provider/provider.tf") {
        index.push_str(&format!(
            "\n## Example Usage\n\n```terraform\n{}\n```\n",
            ex.trim_end()
        ));
    }
    index.push_str(&render_schema(&p.schema()).replace("## Schema", "## Schema (provider block)"));
    files.insert("docs/index.md".to_string(), index);
    for r in p.resources() {
        let name = r.type_name();
        files.insert(
            format!("docs/resources/{}.md", name.trim_start_matches("nova_")),
            page("resource", name, &r.schema(), root),
        );
    }
    for d in p.data_sources() {
        let name = d.type_name();
        files.insert(
            format!("docs/data-sources/{}.md", name.trim_start_matches("nova_")),
            page("data-source", name, &d.schema(), root),
        );
    }
    for f in p.functions() {
        let def = f.definition();
        files.insert(
            format!("docs/functions/{}.md", def.name),
            function_page(&def, root),
        );
    }
    for e in p.ephemeral_resources() {
        let name = e.type_name();
        files.insert(
            format!(
                "docs/ephemeral-resources/{}.md",
                name.trim_start_matches("nova_")
            ),
            page("ephemeral", name, &e.schema(), root),
        );
    }
    for a in p.actions() {
        let name = a.type_name();
        files.insert(
            format!("docs/actions/{}.md", name.trim_start_matches("nova_")),
            page("action", name, &a.schema(), root),
        );
    }
    files
}
