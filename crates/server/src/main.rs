//! The Security info server: parse the configuration, start, serve until Ctrl-C or SIGTERM;
//! or, with `accounts ...`, run an operator's command on its database and exit.

use std::process::ExitCode;

use clap::Parser;
use security_info_server::{
    config::{Cli, Command},
    operator,
    startup::Application,
    telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Accounts(command)) => {
            telemetry::init_with_default("warn");
            Ok(operator::run(&cli.config, command).await)
        }
        None => {
            telemetry::init();
            let application = Application::build(cli.config).await?;
            tracing::info!(address = %application.local_addr(), "Security info is listening");
            application.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
