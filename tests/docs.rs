//! The committed docs/ must be what the schemas and examples/ generate.
//! Regenerate with `scripts/docs` (UPDATE_DOCS=1 cargo test --test docs).

use std::path::Path;

#[test]
fn docs_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = terraform_provider_nova::docs::render_all(root);
    assert!(
        files.len() > 10,
        "every resource and data source has a page"
    );
    let update = std::env::var("UPDATE_DOCS").is_ok();
    let mut stale = Vec::new();
    for (rel, text) in &files {
        let path = root.join(rel);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(rel.clone());
        }
    }
    // pages of types that no longer exist
    for dir in ["docs/resources", "docs/data-sources", "docs/functions"] {
        for e in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
            if !files.contains_key(&rel) {
                if update {
                    std::fs::remove_file(e.path()).unwrap();
                } else {
                    stale.push(rel);
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs are out of date, run scripts/docs: {stale:?}"
    );
}
