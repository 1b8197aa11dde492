//! The `leap-mock` binary: `serve` (default), `healthcheck`, `test-cases`, `--version`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use leap_mock::scenarios::Catalogue;
use leap_mock::settings::{ENV_CONFIG_FILE, Settings};
use leap_mock::{Application, telemetry};

#[derive(Parser)]
#[command(
    name = "leap-mock",
    version,
    about = "A local, offline mock of Leap's staging environment"
)]
struct Cli {
    /// Settings file (TOML), layered over the built-in defaults; env vars override it.
    #[arg(long, global = true, env = ENV_CONFIG_FILE, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Exit 0 if GET /healthz answers 200 within 2 s, else 1 (for container health checks).
    Healthcheck {
        /// Base URL or full /healthz URL; default: the configured host and port (a wildcard
        /// host means its loopback, 127.0.0.1 or [::1]).
        #[arg(long)]
        url: Option<String>,
    },
    /// Print the test-case catalogue (built-in plus `scenarios.file`) and exit.
    TestCases {
        /// Print JSON (as `GET /_mock/test-cases` does) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn load_settings(cli: &Cli) -> Settings {
    match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => leap_mock::settings_error_exit(&e),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        None | Some(Command::Serve) => serve(load_settings(&cli)),
        Some(Command::Healthcheck { url }) => {
            let url = match url {
                Some(u) => u.clone(),
                None => load_settings(&cli).server.local_url(),
            };
            healthcheck(&url)
        }
        Some(Command::TestCases { json }) => test_cases(&load_settings(&cli), *json),
    }
}

fn test_cases(settings: &Settings, json: bool) -> ExitCode {
    let file = Some(settings.scenarios.file.as_str())
        .filter(|f| !f.is_empty())
        .map(std::path::Path::new);
    let catalogue = match Catalogue::load(file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("leap-mock: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        let cases: Vec<_> = catalogue.cases().iter().map(|c| c.view()).collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({ "test_cases": cases }))
            .unwrap_or_default();
        println!("{text}");
        return ExitCode::SUCCESS;
    }
    for case in catalogue.cases() {
        println!(
            "{:<40} {:<5} {:<7} {:<8} {}",
            case.id,
            case.iso.as_str(),
            format!("{:?}", case.group).to_lowercase(),
            format!("{:?}", case.outcome).to_lowercase(),
            case.label
        );
        for (i, step) in case.steps.iter().enumerate() {
            let delay = if step.delay.is_zero() {
                String::new()
            } else {
                format!("after {} ", humantime::format_duration(step.delay))
            };
            println!("    {}. {delay}{}", i + 1, step.command.summary());
        }
    }
    ExitCode::SUCCESS
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

fn serve(settings: Settings) -> ExitCode {
    telemetry::init(&settings.log);
    let result = runtime().and_then(|rt| {
        rt.block_on(async move {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await
        })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "leap-mock failed");
            eprintln!("leap-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

fn healthcheck(url: &str) -> ExitCode {
    let url = if url.trim_end_matches('/').ends_with("/healthz") {
        url.to_string()
    } else {
        format!("{}/healthz", url.trim_end_matches('/'))
    };
    let ok = runtime()
        .map(|rt| {
            rt.block_on(async {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(2))
                    .build();
                match client {
                    Ok(c) => matches!(c.get(&url).send().await, Ok(r) if r.status() == 200),
                    Err(_) => false,
                }
            })
        })
        .unwrap_or(false);
    if ok {
        println!("healthy: {url}");
        ExitCode::SUCCESS
    } else {
        eprintln!("unhealthy: {url} did not answer 200 within 2 s");
        ExitCode::from(1)
    }
}
