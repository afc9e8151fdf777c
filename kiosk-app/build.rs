fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true)
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_bundled_translations(concat!(env!("CARGO_MANIFEST_DIR"), "/lang"));
    slint_build::compile_with_config("ui/main.slint", config).expect("Slint UI compiles");
    // The bundled translations are read from each .po file: name every one, so an edit to a file's
    // content (not only adding or removing one) rebuilds them.
    let lang = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lang");
    for entry in walk(&lang) {
        println!("cargo:rerun-if-changed={}", entry.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "po") {
            found.push(path);
        }
    }
    found
}
