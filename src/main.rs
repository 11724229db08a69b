use terraform_provider_nova::plugin::{self, ServeConfig};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-version" || a == "--version") {
        println!("terraform-provider-nova {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    let debug = args.iter().any(|a| a == "-debug" || a == "--debug");
    terraform_provider_nova::logging::init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let provider_address = std::env::var("TF_PROVIDER_NOVA_ADDRESS")
        .unwrap_or_else(|_| plugin::serve::DEFAULT_ADDRESS.to_string());
    let code = rt.block_on(plugin::run(
        terraform_provider_nova::provider::NovaProvider::default(),
        ServeConfig {
            debug,
            provider_address,
        },
    ));
    std::process::exit(code);
}
