//! The `wagate` command line: serve (the default), migrate, mint tokens, export the schema,
//! replay stored webhook deliveries.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use wagate::{
    App,
    auth::{JwtKeys, Role, parse_ttl},
    config::{Config, JwtSecretSource},
    domain::Domain,
    graphql,
    metrics::Metrics,
    store, telemetry,
};

#[derive(Parser)]
#[command(name = "wagate", version, about = "WhatsApp Cloud API gateway")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve HTTP (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write the GraphQL schema (SDL).
    ExportSchema {
        /// Where to write it; `-` for standard output.
        #[arg(long, default_value = "schema.graphql")]
        out: PathBuf,
    },
    /// Stored webhook deliveries.
    #[command(subcommand)]
    Webhook(WebhookCommand),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a signed JWT (and nothing else) on standard output.
    Issue {
        /// What the token may do.
        #[arg(long, value_enum)]
        role: Role,
        /// The user the token belongs to (required for `--role user`).
        #[arg(long)]
        user: Option<i64>,
        /// How long it is valid: 30d, 12h, 15m, 3600s.
        #[arg(long, default_value = "30d", value_parser = parse_ttl)]
        ttl: std::time::Duration,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Process stored deliveries again: one by id, or every one not `processed`.
    Replay {
        /// The delivery's id; without it, every unprocessed delivery.
        #[arg(long)]
        id: Option<i64>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("wagate: {err}");
            return ExitCode::from(2);
        }
    };
    let _logs = telemetry::init(config.log_format, &config.log_filter);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("wagate: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = connect(&config).await?;
            store::migrate(&db).await.map_err(|e| wagate::StartError::Migrate(e).to_string())?;
            tracing::info!("migrations applied");
            // On SQLite, closing the last connection copies the log into the database file.
            db.close().await.map_err(|e| format!("the database could not be closed cleanly: {e}"))
        }
        Command::Token(TokenCommand::Issue { role, user, ttl }) => {
            if config.jwt_secret_source == JwtSecretSource::Ephemeral {
                return Err("JWT_SECRET is not set: a token needs the secret the server will check it with".into());
            }
            let token = JwtKeys::new(&config.jwt_secret).issue(role, user, ttl).map_err(|e| e.message())?;
            println!("{token}");
            Ok(())
        }
        Command::ExportSchema { out } => {
            let sdl = graphql::sdl();
            if out.as_os_str() == "-" {
                print!("{sdl}");
                Ok(())
            } else {
                std::fs::write(&out, sdl).map_err(|e| format!("cannot write {}: {e}", out.display()))
            }
        }
        Command::Webhook(WebhookCommand::Replay { id }) => replay(config, id).await,
    }
}

async fn serve(config: Config) -> Result<(), String> {
    if config.app_secret.is_none() {
        tracing::warn!(
            "WHATSAPP_APP_SECRET is not set: webhook signatures are NOT checked and anyone can post \
             fake deliveries; set it to your Meta app's secret"
        );
    }
    if config.jwt_secret_source == JwtSecretSource::Ephemeral {
        tracing::warn!("JWT_SECRET is not set: using a random secret, so tokens stop working at restart");
    }
    if let (Some(addr), None) = (config.metrics.addr, &config.metrics.token)
        && !addr.ip().is_loopback()
    {
        tracing::warn!(
            "METRICS_ADDR ({addr}) is not a loopback address and METRICS_TOKEN is not set: whoever reaches \
             it reads the metrics; set METRICS_TOKEN or keep the port private"
        );
    }
    let addr = config.bind_addr;
    let admin_email = config.admin_email.clone();
    // The ports first: a start that cannot open them must not use up the first admin's password,
    // which is shown only once.
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr} (BIND_ADDR): {e}"))?;
    let app = App::build(config).await.map_err(|e| e.to_string())?;
    if let Some(password) = app.state().domain.ensure_admin(&admin_email).await.map_err(|e| e.message())? {
        tracing::warn!(
            "first admin created: email={admin_email} password={password} (shown once: sign in at /admin \
             and change it with the changePassword mutation)"
        );
    }
    let bound = listener.local_addr().map_err(|e| format!("cannot read the bound address: {e}"))?;
    tracing::info!(addr = %bound, "wagate is listening; the admin UI is at /admin");
    if let Some(metrics_addr) = app.metrics_addr() {
        tracing::info!(%metrics_addr, "metrics are served at /metrics on their own listener (METRICS_ADDR)");
    }
    app.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

/// The database of `DATABASE_URL`; an error never shows its password.
async fn connect(config: &Config) -> Result<sea_orm::DatabaseConnection, String> {
    store::connect(&config.database_url, config.pool_settings())
        .await
        .map_err(|e| wagate::StartError::connect(&config.database_url, &e).to_string())
}

async fn replay(config: Config, id: Option<i64>) -> Result<(), String> {
    let db = connect(&config).await?;
    store::migrate(&db).await.map_err(|e| wagate::StartError::Migrate(e).to_string())?;
    let statements = store::StatementCounter::default();
    let store = store::Store::open(db, &config.database_url, config.pool_settings(), &statements)
        .await
        .map_err(|e| wagate::without_password(&e.to_string(), &config.database_url))?;
    let events = wagate::events::EventBus::new(config.live_event_buffer);
    let metrics = Metrics::new(events.clone());
    let domain = Domain::new(store, config.prices, config.default_monthly_credits, events, metrics);
    let ids = match id {
        Some(id) => vec![id],
        None => domain.unprocessed_deliveries().await.map_err(|e| e.message())?,
    };
    let mut failed = 0;
    for id in &ids {
        match domain.replay_delivery(*id).await {
            Ok(report) => {
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
                if report.outcome == "failed" {
                    eprintln!("delivery {id}: some of it still cannot be interpreted (see its report)");
                    failed += 1;
                }
            }
            Err(err) => {
                eprintln!("delivery {id}: {}", err.message());
                failed += 1;
            }
        }
    }
    domain.close().await.map_err(|e| format!("the database could not be closed cleanly: {e}"))?;
    match failed {
        0 => Ok(()),
        _ => Err(format!("{failed} of {} deliveries could not be replayed (see above)", ids.len())),
    }
}
