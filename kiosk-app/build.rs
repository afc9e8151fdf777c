fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true)
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_bundled_translations(concat!(env!("CARGO_MANIFEST_DIR"), "/lang"));
    slint_build::compile_with_config("ui/main.slint", config).expect("Slint UI compiles");
}
