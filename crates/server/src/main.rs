//! The Security info server: parse the configuration, start, serve until Ctrl-C or SIGTERM.

use clap::Parser;
use security_info_server::{config::Config, startup::Application, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let config = Config::parse();
    let application = Application::build(config).await?;
    tracing::info!(address = %application.local_addr(), "Security info is listening");
    application.run_until_stopped().await
}
