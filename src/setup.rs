//! Opening an embedded data directory, and the sample network that `init` and `demo`
//! create in it: a regulator (governance), a certification body and a manufacturer.

use anyhow::{bail, Context, Result};
use nanotrace_chaincode::api::{IssuerSigner, NanoTrace};
use nanotrace_chaincode::model::*;
use nanotrace_ledger::devmsp::{DevMsp, NodeType};
use nanotrace_ledger::transport::EmbeddedTransport;
use nanotrace_ledger::Ledger;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const REGULATOR_MSP: &str = "RegulatorMSP";
pub const CERTIFIER_MSP: &str = "CertifierMSP";
pub const MANUFACTURER_MSP: &str = "ManufacturerMSP";
/// The governance admin of the sample network.
pub const ADMIN: &str = "admin@regulator";
/// A regulator's inspector (auditor role).
pub const INSPECTOR: &str = "inspector@regulator";
/// An accredited certifier with an issuer key.
pub const CERTIFIER: &str = "alice@certifier";
/// A manufacturer's employee who applies.
pub const APPLICANT: &str = "dave@manufacturer";

/// The sample application (nano-TiO2 sunscreen).
pub const SAMPLE_APPLICATION: &str = include_str!("../examples/application.json");

pub fn sample_application() -> Result<Application> {
    serde_json::from_str(SAMPLE_APPLICATION).context("the built-in sample application is invalid")
}

/// An embedded data directory: the ledger and the local identities.
pub struct DataDir {
    pub path: PathBuf,
    pub ledger: Arc<Ledger>,
    pub msp: DevMsp,
}

impl DataDir {
    pub fn open(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path).with_context(|| format!("cannot create data directory {}", path.display()))?;
        let ledger = Ledger::open(&path.join("ledger"))
            .with_context(|| format!("cannot open the embedded ledger in {}", path.display()))?;
        Ok(DataDir { path: path.to_path_buf(), ledger: Arc::new(ledger), msp: DevMsp::new(path) })
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
        Ok(self.client(name)?.who_am_i()?.identity)
    }

    pub fn is_initialized(&self) -> Result<bool> {
        Ok(self.ledger.height()? > 0)
    }

    /// Creates the sample network: identities, governance, organisations, roles and the
    /// certifier's issuer key.
    pub fn init_sample_network(&self, now: i64) -> Result<()> {
        if self.is_initialized()? {
            bail!("{} already holds a ledger; use another --data-dir", self.path.display());
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
        admin.bootstrap()?;
        admin.register_organization(REGULATOR_MSP, "National Nanomaterials Regulator", OrgKind::Regulator)?;
        admin.register_organization(CERTIFIER_MSP, "NanoCert Certification Body", OrgKind::Certifier)?;
        admin.register_organization(MANUFACTURER_MSP, "Acme Nanomaterials GmbH", OrgKind::Manufacturer)?;
        admin.grant_role(self.actor(CERTIFIER)?, Role::Certifier)?;
        admin.grant_role(self.actor(INSPECTOR)?, Role::Auditor)?;
        let key = match self.msp.issuer_key(CERTIFIER) {
            Ok(k) => k,
            Err(_) => self.msp.create_issuer_key(CERTIFIER)?,
        };
        let signer = IssuerSigner::new(key);
        admin.register_issuer_key(&RegisterIssuerKeyRequest {
            public_key: signer.public_key_hex(),
            holder: self.actor(CERTIFIER)?,
            valid_from: now - 86_400,
            valid_until: now + 5 * 365 * 86_400,
        })?;
        Ok(())
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}
