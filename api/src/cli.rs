//! The `motgift` command line: `serve`, `migrate`, `seed`, `audit`, `report`, `export`,
//! `import`.

use std::sync::Arc;

use clap::{Parser, Subcommand};
use motgift_migrations::{Migrator, MigratorTrait};
use motgift_schema::Store;
use motgift_schema::store::VersionNotifications;
use motgift_seed::{DEFAULT_RANDOM_SEED, Scale, SeedOptions};
use sea_orm_migration::MigrationStatus;
use tokio::net::TcpListener;

use crate::app::{AppState, metrics_router, router};
use crate::auth::Authenticator;
use crate::auth::dev_issuer::DevIssuer;
use crate::auth::settings::AuthSettings;
use crate::config::{AppConfig, DatabaseArgs, ServeArgs};
use crate::database;
use crate::export::{ReportErrors, ReportFormat, export};
use crate::rate_limit::RateLimit;

/// Motgift: the shared overdose-prevention action plan's GraphQL service.
///
/// Without a command, `motgift` serves (the same as `motgift serve`).
#[derive(Debug, Parser)]
#[command(name = "motgift", version)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve GraphQL over HTTP.
    Serve(ServeArgs),
    /// Apply, roll back or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Load reference data, and optionally demo or benchmark data. Running it twice changes
    /// nothing.
    Seed(SeedArgs),
    /// Print a development token on its own line, for scripts and front-end work. The service
    /// accepts it when it trusts the development issuer with the same key file.
    DevToken(DevTokenArgs),
    /// Write a year's annual report (a municipality's, or the joint one without
    /// `--municipality`) as JSON, CSV or a printable HTML page.
    Report(ReportArgs),
    /// Count every municipality's monthly counts (what dashboards read) again from its
    /// records in force. Needed once after an upgrade that changes what is counted, when older
    /// instances kept writing during the rollout (deploy/README.md says which).
    Recount,
    /// Check the change audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Write every table (or one municipality's rows and the reference data) to a directory:
    /// a JSON-lines file per table and a manifest with row counts and checksums.
    Export(ExportArgs),
    /// Restore an archive written by `motgift export` into an empty database. Every file is
    /// checked against the manifest before anything is written.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The directory to write; it must be new or empty.
    #[arg(long)]
    pub output: std::path::PathBuf,
    /// Only this municipality's rows (kommunenummer), besides the reference data and the plan;
    /// repeat for several. Without it, every municipality's.
    #[arg(long = "municipality")]
    pub municipalities: Vec<motgift_schema::domain::Kommunenummer>,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The directory `motgift export` wrote.
    #[arg(long)]
    pub input: std::path::PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[arg(long)]
    pub year: i32,
    /// The municipality (kommunenummer); without it, the joint report.
    #[arg(long)]
    pub municipality: Option<motgift_schema::domain::Kommunenummer>,
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReportFormat,
    /// Where to write it; standard output without it.
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DevTokenArgs {
    /// Municipality (kommunenummer) the caller acts for; repeat for several.
    #[arg(long = "municipality")]
    pub municipalities: Vec<motgift_schema::domain::Kommunenummer>,
    /// Role: coordinator, registrar, analyst or plan_admin; repeat for several.
    #[arg(long = "role", required = true, value_parser = parse_role)]
    pub roles: Vec<motgift_schema::Role>,
    /// Hours the token is valid.
    #[arg(long, default_value_t = 12)]
    pub hours: i64,
    /// The development issuer's key file.
    #[arg(long, env = "MOTGIFT_DEV_ISSUER_KEY", default_value = crate::auth::dev_issuer::DEFAULT_KEY_FILE)]
    pub key: std::path::PathBuf,
}

fn parse_role(code: &str) -> Result<motgift_schema::Role, String> {
    motgift_schema::Role::from_code(code)
        .ok_or_else(|| "one of coordinator, registrar, analyst, plan_admin".to_owned())
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Walk every municipality's hash chain and report whether it is intact. Exits with a
    /// failure if an event was changed, removed or reordered.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the latest migration, more with --steps, or all with --all.
    Down {
        #[arg(long, default_value_t = 1, conflicts_with = "all")]
        steps: u32,
        /// Roll back every migration, leaving an empty database.
        #[arg(long)]
        all: bool,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// Add synthetic actions, incidents and naloxone records for the three municipalities.
    #[arg(long)]
    pub demo: bool,
    /// `national` adds the benchmark set: 357 synthetic municipalities over ten years.
    #[arg(long, value_enum, default_value_t = Scale::Reference)]
    pub scale: Scale,
    /// Seed of the random generator: the same seed gives the same rows.
    #[arg(long, env = "MOTGIFT_RANDOM_SEED", default_value_t = DEFAULT_RANDOM_SEED)]
    pub random_seed: u64,
}

/// `serve` with every setting from its default or the environment.
#[derive(Debug, Parser)]
struct DefaultServe {
    #[command(flatten)]
    serve: ServeArgs,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            None => serve(&self.database, DefaultServe::parse_from(["motgift"]).serve).await,
            Some(Command::Serve(args)) => serve(&self.database, args).await,
            Some(Command::Migrate { action }) => migrate(&self.database, action).await,
            Some(Command::Seed(args)) => seed(&self.database, args).await,
            Some(Command::DevToken(args)) => {
                let issuer = DevIssuer::load_or_create(&args.key)?;
                println!(
                    "{}",
                    issuer.token(&args.municipalities, &args.roles, args.hours)
                );
                Ok(())
            }
            Some(Command::Report(args)) => report(&self.database, args).await,
            Some(Command::Recount) => recount(&self.database).await,
            Some(Command::Audit {
                action: AuditAction::Verify,
            }) => verify_audit(&self.database).await,
            Some(Command::Export(args)) => export_archive(&self.database, args).await,
            Some(Command::Import(args)) => import_archive(&self.database, args).await,
        }
    }
}

async fn serve(database_args: &DatabaseArgs, args: ServeArgs) -> anyhow::Result<()> {
    let span_export = match args.otlp_endpoint.as_deref().map(str::trim) {
        Some(endpoint) if !endpoint.is_empty() => Some(crate::telemetry::export_spans(
            endpoint,
            &args.otlp_service_name,
        )?),
        _ => None,
    };
    let statement_timeout = (args.statement_timeout_seconds > 0)
        .then(|| std::time::Duration::from_secs(args.statement_timeout_seconds));
    let opened = database::open_with(database_args, statement_timeout).await?;
    // The embedded default is a laptop's: the development issuer is on when it is safe.
    let loopback = args.listen.ip().is_loopback();
    let dev_issuer = args.dev_issuer || (opened.embedded && loopback);
    if dev_issuer && !loopback && !args.dev_issuer_on_any_address {
        anyhow::bail!(
            "the development issuer is only trusted on a loopback address (got {}); listen on \
             127.0.0.1, drop --dev-issuer, or pass --dev-issuer-on-any-address if you really mean it",
            args.listen
        );
    }
    let dev_issuer = dev_issuer
        .then(|| DevIssuer::load_or_create(&args.dev_issuer_key))
        .transpose()?;
    let settings = match &args.auth_config {
        Some(path) => AuthSettings::from_file(path)?,
        None => AuthSettings::default(),
    };
    let auth = Authenticator::new(&settings, dev_issuer.as_ref());
    if opened.embedded {
        tracing::info!(path = %DatabaseArgs::embedded_path().display(), "using the embedded SQLite database");
        database::prepare_embedded(&opened.db).await?;
    } else if args.migrate_on_start {
        Migrator::up(&opened.db, None).await?;
    }

    let state = AppState::new(
        Store::new(opened.db.clone())
            .with_disclosure_threshold(args.disclosure_threshold)
            .with_audit_limit(args.audit_limit)
            .with_version_notifications(VersionNotifications::from_setting(
                args.version_notifications.as_deref(),
            )?),
        AppConfig {
            max_body_bytes: args.max_body_bytes,
            request_timeout: std::time::Duration::from_secs(args.request_timeout_seconds),
            auth: Arc::new(auth),
            rate_limit: RateLimit::from_settings(args.rate_limit_per_minute, args.rate_limit_burst),
            metrics_on_main_port: args.metrics_listen.is_none(),
            database: Some(opened.db),
        },
    );
    let listener = TcpListener::bind(args.listen).await?;
    let address = listener.local_addr()?;
    publish_ahead(state.store.clone(), args.publish_ahead_years);
    let metrics_listener = match args.metrics_listen {
        Some(metrics_address) => Some(TcpListener::bind(metrics_address).await?),
        None => None,
    };
    tracing::info!(%address, "listening");
    println!("Motgift is listening on http://{address}");
    println!("  GraphiQL:  http://{address}/graphql");
    match &metrics_listener {
        Some(l) => println!("  Metrics:   http://{}/metrics", l.local_addr()?),
        None => println!("  Metrics:   http://{address}/metrics"),
    }
    if let Some(dev) = &dev_issuer {
        println!(
            "  Development tokens (12 hours; `motgift dev-token` makes more). In GraphiQL, set the \
             header {{\"Authorization\": \"Bearer <token>\"}}:"
        );
        for (who, token) in dev.ready_made_tokens() {
            println!("    {who}:\n      {token}");
        }
        println!("  Key: {}", dev.path().display());
    }

    let grace = std::time::Duration::from_secs(args.shutdown_grace_seconds);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut stop_rx = stop_rx.clone();
        async move {
            let _ = stop_rx.wait_for(|stop| *stop).await;
        }
    };
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let metrics_server = metrics_listener.map(|listener| {
        tokio::spawn(crate::app::serve(
            listener,
            metrics_router(state.clone()),
            stopped(),
            grace,
        ))
    });
    crate::app::serve(listener, router(state), stopped(), grace).await?;
    if let Some(metrics_server) = metrics_server {
        metrics_server.await??;
    }
    // The requests' spans have ended: send what is still queued before the runtime goes.
    if let Some(span_export) = span_export {
        span_export.shutdown().await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Publishes the analysts' panels of the last `years` calendar years, this one first, in a
/// task of its own: requests are served meanwhile, and one that asks for a panel being
/// published waits for it.
fn publish_ahead(store: Store, years: u16) {
    if years == 0 {
        return;
    }
    let years = motgift_schema::dashboard::last_years(years);
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match motgift_schema::dashboard::publish_ahead(&store, years).await {
            Ok(panels) => tracing::info!(
                panels,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "analysts' panels published ahead"
            ),
            Err(error) => tracing::warn!(%error, "publishing analysts' panels ahead stopped"),
        }
    });
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

async fn migrate(database_args: &DatabaseArgs, action: MigrateAction) -> anyhow::Result<()> {
    let opened = database::open(database_args).await?;
    let db = &opened.db;
    match action {
        MigrateAction::Up => Migrator::up(db, None).await?,
        MigrateAction::Down { all: true, .. } => Migrator::down(db, None).await?,
        MigrateAction::Down { steps, .. } => Migrator::down(db, Some(steps)).await?,
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(db).await? {
                let status = match migration.status() {
                    MigrationStatus::Applied => "applied",
                    MigrationStatus::Pending => "pending",
                };
                println!("{status:8} {}", migration.name());
            }
            return Ok(());
        }
    }
    let applied = Migrator::get_applied_migrations(db).await?.len();
    let total = Migrator::migrations().len();
    println!("{applied} of {total} migrations applied");
    Ok(())
}

async fn seed(database_args: &DatabaseArgs, args: SeedArgs) -> anyhow::Result<()> {
    let opened = database::open(database_args).await?;
    let started = std::time::Instant::now();
    let report = motgift_seed::migrate_and_run(
        &opened.db,
        SeedOptions {
            demo: args.demo,
            scale: args.scale,
            random_seed: args.random_seed,
        },
    )
    .await?;
    println!(
        "seeded in {:.1} s: {} actions, {} incidents, {} naloxone distributions \
         (rows that already existed were left as they were)",
        started.elapsed().as_secs_f64(),
        report.actions,
        report.incidents,
        report.naloxone_distributions
    );
    Ok(())
}

/// The report as the command line reads it: as the municipality's coordinator (its own
/// figures exact, its actions listed) or, for the joint report, as an analyst. Its reads are in
/// the access log under the subject `motgift-cli`.
async fn report(database_args: &DatabaseArgs, args: ReportArgs) -> anyhow::Result<()> {
    use motgift_schema::ctx::{Caller, Role};

    let opened = database::open(database_args).await?;
    let store = Store::new(opened.db);
    let schema = motgift_schema::graphql::build_schema(store.clone());
    let (roles, municipalities) = match &args.municipality {
        Some(k) => ([Role::Coordinator].into(), [k.clone()].into()),
        None => ([Role::Analyst].into(), Default::default()),
    };
    let ctx = motgift_schema::RequestContext::new(
        uuid::Uuid::new_v4().to_string(),
        Some(Caller {
            subject: "motgift-cli".to_owned(),
            roles,
            municipalities,
        }),
        Some("AnnualReportExport".to_owned()),
    );
    let municipality = args.municipality.as_ref().map(|k| k.as_str());
    let body = export(&schema, &store, ctx, args.year, municipality, args.format)
        .await
        .map_err(|ReportErrors(errors)| anyhow::anyhow!("the report failed: {errors}"))?;
    match &args.output {
        Some(path) => std::fs::write(path, body)?,
        None => print!("{body}"),
    }
    Ok(())
}

async fn recount(database_args: &DatabaseArgs) -> anyhow::Result<()> {
    let opened = database::open(database_args).await?;
    let started = std::time::Instant::now();
    let municipalities = Store::new(opened.db).recount().await?;
    println!(
        "recounted {municipalities} municipalities in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn verify_audit(database_args: &DatabaseArgs) -> anyhow::Result<()> {
    let opened = database::open(database_args).await?;
    let verification = Store::new(opened.db).verify_audit().await?;
    for chain in &verification.chains {
        match &chain.problem {
            None => println!(
                "{}: intact, {} events, head {}",
                chain.kommunenummer, chain.events, chain.head_hash
            ),
            Some(problem) => println!("{}: BROKEN: {problem}", chain.kommunenummer),
        }
    }
    if verification.chains.is_empty() {
        println!("no audit events yet");
    }
    if verification.intact() {
        Ok(())
    } else {
        anyhow::bail!("the audit trail has been tampered with (see above)")
    }
}

async fn export_archive(database_args: &DatabaseArgs, args: ExportArgs) -> anyhow::Result<()> {
    let opened = database::open(database_args).await?;
    let started = std::time::Instant::now();
    let manifest = crate::backup::export(&opened.db, &args.output, &args.municipalities).await?;
    let rows: u64 = manifest.tables.iter().map(|t| t.rows).sum();
    let scope = match &manifest.scope {
        crate::backup::Scope::All => "every municipality".to_owned(),
        crate::backup::Scope::Municipalities(listed) => listed.join(", "),
    };
    println!(
        "exported {rows} rows of {} tables ({scope}; migration {}) to {} in {:.1} s",
        manifest.tables.len(),
        manifest.migration,
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn import_archive(database_args: &DatabaseArgs, args: ImportArgs) -> anyhow::Result<()> {
    let opened = database::open(database_args).await?;
    let started = std::time::Instant::now();
    let imported = crate::backup::import(&opened.db, &args.input).await?;
    println!(
        "imported {} rows of {} tables from {} (exported {}) in {:.1} s",
        imported.rows,
        imported.manifest.tables.len(),
        args.input.display(),
        imported.manifest.created_at,
        started.elapsed().as_secs_f64()
    );
    if let Some(broken) = imported.audit.chains.iter().find(|c| c.problem.is_some()) {
        anyhow::bail!(
            "the rows were imported, but the audit chain of {} is broken ({}), as it must have \
             been in the exported database; `motgift audit verify` lists every chain",
            broken.kommunenummer,
            broken.problem.as_deref().unwrap_or_default()
        );
    }
    println!("audit trail intact: {} chains", imported.audit.chains.len());
    Ok(())
}
