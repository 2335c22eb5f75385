//! `nanotrace-console`: the members' console.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use nanotrace_console::ledger::invite_member;
use nanotrace_console::registry::{enrollment_link, NewMember, Registry};
use nanotrace_console::web::Console;
use nanotrace_console::Config;
use nanotrace_model::clock::unix_now as now;

/// jemalloc, as the nanotrace CLI's: the console hosts the embedded ledger too.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The NanoTrace members' console: apply, review, approve and administer in a browser
/// that holds the member's key.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the console.
    Serve(Config),
    /// The console on a sample network in a minute: creates the embedded sample network
    /// in `--data-dir` if it is empty, prints a one-time enrollment link for each sample
    /// person (the regulator's admin, the certifier, the applicant, the inspector; each
    /// link enrolls a new browser key under that person's name and roles), then serves.
    Demo(Config),
    /// Invites a member and prints the one-time enrollment link (how an organisation's
    /// first administrator gets in; later admins invite from the console's Members page).
    Invite {
        /// The embedded ledger's data directory.
        #[arg(long, env = "NANOTRACE_CONSOLE_DATA_DIR")]
        data_dir: std::path::PathBuf,
        /// The console's state directory (default: `console/` in the data directory).
        #[arg(long, env = "NANOTRACE_CONSOLE_STATE_DIR")]
        state_dir: Option<std::path::PathBuf>,
        /// The console's public base URL, which the link starts with.
        #[arg(long, env = "NANOTRACE_CONSOLE_PUBLIC_URL", default_value = "http://127.0.0.1:8090")]
        public_url: String,
        /// The member's name (becomes the certificate's CN), e.g. `erin@manufacturer`.
        #[arg(long)]
        name: String,
        /// The member's organisation (MSP ID).
        #[arg(long)]
        msp: String,
        /// Enroll as an organisation administrator (NodeOU admin).
        #[arg(long)]
        admin: bool,
        /// Hours the link stays valid.
        #[arg(long, default_value_t = 72)]
        hours: u64,
    },
}

/// Prints the `listening on` line and serves until SIGTERM or Ctrl-C (SIGINT).
async fn serve(console: Console) -> anyhow::Result<()> {
    let stop = nanotrace_startup::shutdown_signal()?;
    let addr = console.local_addr()?;
    tracing::info!(%addr, url = %console.state().public_url, "console listening");
    println!("listening on {addr}");
    console
        .serve(async {
            stop.await;
        })
        .await
        .context("serving")
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    nanotrace_startup::init_logging(&nanotrace_startup::filter_from_env("info"), nanotrace_startup::LogFormat::Text)?;
    match cli.command {
        Command::Serve(config) => {
            let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(async {
                let console = Console::bind(config).await?;
                serve(console).await
            })
        }
        Command::Demo(config) => {
            let dir = config.data_dir.clone().context("the demo runs on an embedded ledger: pass --data-dir")?;
            let data = nanotrace_embedded::datadir::DataDir::open(&dir)?;
            if !data.is_initialized()? {
                data.init_sample_network(nanotrace_embedded::datadir::now())?;
            }
            drop(data);
            let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(async {
                let hours = config.invitation_hours;
                let msp_dir = nanotrace_embedded::devmsp::DevMsp::new(&dir);
                let console = Console::bind(config).await?;
                let state = console.state().clone();
                use nanotrace_embedded::datadir::{ADMIN, APPLICANT, CERTIFIER, INSPECTOR};
                println!("Open each link in its own browser profile (or a private window):");
                for (name, msp, admin) in [
                    (ADMIN, "RegulatorMSP", true),
                    (CERTIFIER, "CertifierMSP", false),
                    (APPLICANT, "ManufacturerMSP", false),
                    (INSPECTOR, "RegulatorMSP", false),
                ] {
                    let new =
                        NewMember { name, msp_id: msp, admin, email: None, invited_by: "demo", reenrollment: true };
                    match invite_member(&state.registry, &msp_dir, hours, now(), new) {
                        Ok(secret) => println!("  {name:<22} {}", enrollment_link(&state.public_url, &secret)),
                        Err(e) => println!("  {name:<22} (no new link: {e})"),
                    }
                }
                serve(console).await
            })
        }
        Command::Invite { data_dir, state_dir, public_url, name, msp, admin, hours } => {
            let registry = Registry::open(&state_dir.unwrap_or_else(|| data_dir.join("console")))?;
            let devmsp = nanotrace_embedded::devmsp::DevMsp::new(&data_dir);
            let new =
                NewMember { name: &name, msp_id: &msp, admin, email: None, invited_by: "cli", reenrollment: false };
            let secret = invite_member(&registry, &devmsp, hours, now(), new).map_err(anyhow::Error::msg)?;
            println!("{}", enrollment_link(&public_url, &secret));
            Ok(())
        }
    }
}
