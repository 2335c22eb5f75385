//! A wallet: one enrolled identity in a folder of its own — `key.pem` (the private key,
//! made on this machine, mode 0600), `cert.pem`, `ca-chain.pem`, the CA's TLS root
//! `ca-tls.pem` and `ca.json` (the CA's URL and name, the enrollment ID). Written by
//! `nanotrace ca enroll`, renewed by `nanotrace ca reenroll`.
//!
//! Files are written to a temporary name and renamed into place, so a wallet is never
//! seen half-written; an existing wallet is never overwritten by a new enrollment.

use nanotrace_fabric_ca::{CaClient, Enrollment};
use nanotrace_fabric_gateway::profile::PeerEndpoint;
use nanotrace_fabric_gateway::ConnectionProfile;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

const KEY: &str = "key.pem";
const CERT: &str = "cert.pem";
const CHAIN: &str = "ca-chain.pem";
const TLS_ROOT: &str = "ca-tls.pem";
const META: &str = "ca.json";

/// Why a wallet could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `ca.json` is not what `nanotrace ca enroll` writes.
    #[error("{}: {message}", path.display())]
    Bad {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The folder already holds a wallet.
    #[error("{} already holds a wallet (its key.pem); choose another folder — a wallet is never overwritten", .0.display())]
    Exists(PathBuf),
    /// The CA client could not be made from the wallet's settings.
    #[error("the wallet's CA: {0}")]
    Ca(#[from] nanotrace_fabric_ca::CaError),
}

/// The wallet's `ca.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaSettings {
    /// The CA's URL.
    pub url: String,
    /// The CA's name (empty: the server's default CA).
    #[serde(default)]
    pub ca_name: String,
    /// The enrollment ID.
    pub enrollment_id: String,
}

/// A wallet folder.
#[derive(Debug, Clone)]
pub struct Wallet {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WalletError + '_ {
    move |source| WalletError::Io { path: path.to_path_buf(), source }
}

impl Wallet {
    /// The wallet in `dir` (nothing is read yet).
    pub fn at(dir: &Path) -> Wallet {
        Wallet { dir: dir.to_path_buf() }
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the folder holds a wallet.
    pub fn exists(&self) -> bool {
        self.dir.join(KEY).exists()
    }

    fn read(&self, name: &str) -> Result<String, WalletError> {
        let path = self.dir.join(name);
        std::fs::read_to_string(&path).map_err(io(&path))
    }

    /// `ca.json`.
    pub fn settings(&self) -> Result<CaSettings, WalletError> {
        let path = self.dir.join(META);
        let text = self.read(META)?;
        serde_json::from_str(&text).map_err(|e| WalletError::Bad { path, message: e.to_string() })
    }

    /// The enrolled identity.
    pub fn enrollment(&self) -> Result<Enrollment, WalletError> {
        let settings = self.settings()?;
        Ok(Enrollment::from_pem(&settings.enrollment_id, &self.read(CERT)?, &self.read(KEY)?, &self.read(CHAIN)?))
    }

    /// A client of the wallet's CA.
    pub fn client(&self) -> Result<CaClient, WalletError> {
        let settings = self.settings()?;
        let root = self.read(TLS_ROOT)?;
        Ok(CaClient::new(&settings.url, Some(root.as_bytes()))?.with_ca_name(settings.ca_name))
    }

    /// A connection profile (network/profiles/README.md) for the wallet's identity as a
    /// member of `msp_id`: the channel, chaincode, gateway, peers and orderer of `like`
    /// (another member's profile of the same network), the identity this wallet's
    /// certificate and key — the files themselves, so a re-enrollment needs no new
    /// profile.
    pub fn profile_yaml(&self, like: &ConnectionProfile, msp_id: &str) -> Result<String, WalletError> {
        let settings = self.settings()?;
        let dir = std::fs::canonicalize(&self.dir).map_err(io(&self.dir))?;
        let q = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        let p = |p: &Path| q(&p.display().to_string());
        let endpoint = |out: &mut String, indent: &str, e: &PeerEndpoint| {
            if let Some(msp) = &e.msp_id {
                out.push_str(&format!("{indent}msp_id: {}\n", q(msp)));
            }
            out.push_str(&format!("{indent}address: {}\n", q(&e.address)));
            if let Some(name) = &e.server_name {
                out.push_str(&format!("{indent}server_name: {}\n", q(name)));
            }
            if let Some(ca) = &e.tls_ca_cert {
                out.push_str(&format!("{indent}tls_ca_cert: {}\n", p(ca)));
            }
        };
        let mut out = String::from("# NanoTrace connection profile, written by `nanotrace ca profile` for a wallet.\n");
        out.push_str(&format!(
            "name: {}\n",
            q(&format!("{}-{}", like.name.split('-').next().unwrap_or("member"), settings.enrollment_id))
        ));
        out.push_str(&format!("channel: {}\nchaincode: {}\n", q(&like.channel), q(&like.chaincode)));
        out.push_str(&format!(
            "identity:\n  msp_id: {}\n  user: {}\n  key_algorithm: ecdsa-p256\n  cert: {}\n  key: {}\n",
            q(msp_id),
            q(&settings.enrollment_id),
            p(&dir.join(CERT)),
            p(&dir.join(KEY))
        ));
        out.push_str("gateway:\n");
        endpoint(&mut out, "  ", &like.gateway);
        if !like.peers.is_empty() {
            out.push_str("peers:\n");
            for peer in &like.peers {
                let mut item = String::new();
                endpoint(&mut item, "    ", peer);
                out.push_str(&format!("  -{}", &item[3..]));
            }
        }
        if let Some(orderer) = &like.orderer {
            out.push_str("orderer:\n");
            endpoint(&mut out, "  ", orderer);
        }
        Ok(out)
    }

    /// Writes a new wallet: refuses a folder that already holds one.
    pub fn create(
        &self,
        settings: &CaSettings,
        tls_root_pem: &str,
        enrollment: &Enrollment,
    ) -> Result<(), WalletError> {
        if self.exists() {
            return Err(WalletError::Exists(self.dir.clone()));
        }
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let meta = serde_json::to_string_pretty(settings)
            .map_err(|e| WalletError::Bad { path: self.dir.join(META), message: e.to_string() })?;
        self.write(TLS_ROOT, tls_root_pem, false)?;
        self.write(META, &(meta + "\n"), false)?;
        self.store(enrollment)
    }

    /// Writes `enrollment`'s certificate, chain and key (the key last-but-one, then the
    /// certificate, so the pair on disk always belongs together once both are renamed).
    pub fn store(&self, enrollment: &Enrollment) -> Result<(), WalletError> {
        self.write(CHAIN, &enrollment.ca_chain_pem, false)?;
        self.write(KEY, enrollment.key_pem(), true)?;
        self.write(CERT, &enrollment.certificate_pem, false)
    }

    /// Writes `name` through a temporary file renamed into place; `secret` files are 0600.
    fn write(&self, name: &str, content: &str, secret: bool) -> Result<(), WalletError> {
        let path = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if secret { 0o600 } else { 0o644 });
        }
        let mut file = options.open(&tmp).map_err(io(&tmp))?;
        file.write_all(content.as_bytes()).and_then(|()| file.sync_all()).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    }
}
