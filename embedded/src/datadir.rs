//! An embedded data directory (the ledger and the local identities), and the sample
//! network that `nanotrace init` and `nanotrace demo` create in it: a regulator
//! (governance), a certification body and a manufacturer.

use crate::devmsp::{DevMsp, MspError, NodeType};
use crate::transport::EmbeddedTransport;
use nanotrace_client::Wait;
use nanotrace_client::{ApiError, IssuerSigner, NanoTrace};
use nanotrace_ledger::{Ledger, LedgerError};
use nanotrace_model::*;
use nanotrace_sample::{set_up, Members, MspIds, SetUpError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a data directory could not be opened or set up.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// The directory could not be created.
    #[error("cannot create data directory {}: {source}", path.display())]
    Create {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The ledger could not be opened or read.
    #[error("the embedded ledger in {}: {source}", path.display())]
    Ledger {
        /// The data directory.
        path: PathBuf,
        /// The ledger's error.
        source: LedgerError,
    },
    /// An identity or issuer key could not be read or made.
    #[error(transparent)]
    Msp(#[from] MspError),
    /// A transaction of the sample network failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A step of the sample network's set-up failed.
    #[error(transparent)]
    SetUp(#[from] SetUpError),
    /// `init` on a directory that already holds a ledger.
    #[error("{} already holds a ledger; use another --data-dir", .0.display())]
    AlreadyInitialized(PathBuf),
    /// The built-in sample application does not parse (a build defect).
    #[error("the built-in sample application is invalid: {0}")]
    BadSample(serde_json::Error),
    /// The verifier URL to register as the certification body's status base is not one.
    #[error("the status base (the verifier URL credentials name): {0}")]
    StatusBase(#[from] nanotrace_model::validate::ValidationError),
}

type Result<T> = std::result::Result<T, DataDirError>;

pub use nanotrace_model::sample::{CERTIFIER_MSP, MANUFACTURER_MSP, REGULATOR_MSP};
/// The governance admin of the sample network.
pub const ADMIN: &str = "admin@regulator";
/// A regulator's inspector (auditor role).
pub const INSPECTOR: &str = "inspector@regulator";
/// An accredited certifier with an issuer key.
pub const CERTIFIER: &str = "alice@certifier";
/// A manufacturer's employee who applies.
pub const APPLICANT: &str = "dave@manufacturer";

/// The sample application (nano-TiO2 sunscreen).
pub const SAMPLE_APPLICATION: &str = include_str!("../../examples/application.json");

/// The sample application, parsed.
pub fn sample_application() -> Result<Application> {
    serde_json::from_str(SAMPLE_APPLICATION).map_err(DataDirError::BadSample)
}

/// An embedded data directory: the ledger and the local identities.
pub struct DataDir {
    /// The directory.
    pub path: PathBuf,
    /// The embedded ledger in `path/ledger`.
    pub ledger: Arc<Ledger>,
    /// The local identities.
    pub msp: DevMsp,
}

impl std::fmt::Debug for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataDir").finish_non_exhaustive()
    }
}

impl DataDir {
    /// Opens (creating if needed) the data directory at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path).map_err(|source| DataDirError::Create { path: path.to_path_buf(), source })?;
        let ledger = Ledger::open(&path.join("ledger"))
            .map_err(|source| DataDirError::Ledger { path: path.to_path_buf(), source })?;
        let dir = DataDir { path: path.to_path_buf(), ledger: Arc::new(ledger), msp: DevMsp::new(path) };
        dir.define_collections();
        Ok(dir)
    }

    /// A ledger whose organisations were registered before private data existed has no
    /// collections yet: they are set from its organisations, read as any local identity
    /// (the list of organisations is public). A failure is logged; a billing call then
    /// fails as an unknown collection until the next registration sets them.
    fn define_collections(&self) {
        let unset = self.ledger.collections().map(|c| c.is_empty()).unwrap_or(false);
        if !unset || !self.is_initialized().unwrap_or(false) {
            return;
        }
        let Some(identity) = self.msp.list().ok().and_then(|list| list.into_iter().next()) else { return };
        if let Err(e) = crate::collections::refresh(&self.ledger, &identity.creator()) {
            tracing::warn!(error = %e, "the private data collections of this ledger could not be set");
        }
    }

    /// The typed API as identity `name`.
    pub fn client(&self, name: &str) -> Result<NanoTrace<EmbeddedTransport>> {
        let identity = self.msp.identity(name)?;
        Ok(NanoTrace::new(EmbeddedTransport::new(self.ledger.clone(), identity.creator())))
    }

    /// The MSP ID of identity `name`.
    pub fn msp_of(&self, name: &str) -> Result<String> {
        Ok(self.msp.identity(name)?.msp_id)
    }

    /// The issuer key of identity `name` (or of the key file called `key`).
    pub fn signer(&self, name: &str) -> Result<IssuerSigner> {
        Ok(IssuerSigner::new(self.msp.issuer_key(name)?))
    }

    /// The actor (MSP + Fabric-style ID) of identity `name`.
    pub fn actor(&self, name: &str) -> Result<Actor> {
        Ok(self.client(name)?.who_am_i().wait()?.identity)
    }

    /// Identity `name` with its key, as `GrantRole` names a grantee.
    pub fn holder(&self, name: &str) -> Result<RoleHolder> {
        Ok(self.client(name)?.who_am_i().wait()?.holder())
    }

    /// Whether the ledger holds any transaction.
    pub fn is_initialized(&self) -> Result<bool> {
        let height = self.ledger.height().map_err(|source| DataDirError::Ledger { path: self.path.clone(), source })?;
        Ok(height > 0)
    }

    /// Creates the sample network: identities, governance, organisations, roles, the
    /// certifier's issuer key and its status base [`sample::STATUS_BASE`]
    /// (the verifier's default address).
    pub fn init_sample_network(&self, now: i64) -> Result<()> {
        self.init_sample_network_for(now, nanotrace_model::sample::STATUS_BASE)
    }

    /// [`DataDir::init_sample_network`] with `status_base` (a verifier's public URL) as the
    /// certification body's status base: its credentials name the status lists there.
    /// Checked before anything is written.
    pub fn init_sample_network_for(&self, now: i64, status_base: &str) -> Result<()> {
        credential::check_status_base("status_base", status_base)?;
        if self.is_initialized()? {
            return Err(DataDirError::AlreadyInitialized(self.path.clone()));
        }
        for (name, msp, node) in [
            (ADMIN, REGULATOR_MSP, NodeType::Admin),
            (INSPECTOR, REGULATOR_MSP, NodeType::Client),
            (CERTIFIER, CERTIFIER_MSP, NodeType::Client),
            (APPLICANT, MANUFACTURER_MSP, NodeType::Client),
        ] {
            if self.msp.identity(name).is_err() {
                self.msp.enroll(name, msp, node)?;
            }
        }
        let admin = self.client(ADMIN)?;
        let key = match self.msp.issuer_key(CERTIFIER) {
            Ok(k) => k,
            Err(_) => self.msp.create_issuer_key(CERTIFIER)?,
        };
        let (certifier, inspector) = (self.holder(CERTIFIER)?, self.holder(INSPECTOR)?);
        let issuer = IssuerSigner::new(key);
        let members = Members {
            certifier: &certifier,
            auditor: Some(&inspector),
            issuer: &issuer,
            status_base: Some(status_base),
        };
        set_up(&admin, &MspIds::default(), &members, now).wait()?;
        Ok(())
    }
}

/// The current time in Unix seconds.
pub use nanotrace_model::clock::unix_now as now;
