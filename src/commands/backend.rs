//! Where the commands run: the embedded ledger of a data directory, or a Fabric
//! network through its Gateway as a connection profile says. [`Net`] is the one
//! [`Transport`] the commands use, whichever the ledger.

use super::Ctx;
use anyhow::{bail, Context, Result};
use nanotrace_client::{
    ApiError, GatewayTransport, IssuerSigner, NanoTrace, PreparedTx, Submitted, Transient, Transport, Wait,
};
use nanotrace_embedded::datadir::DataDir;
use nanotrace_embedded::transport::EmbeddedTransport;
use nanotrace_fabric_gateway::{ConnectOptions, ConnectionProfile, SigningIdentity};
use nanotrace_model::{Actor, RoleHolder};
use std::path::{Path, PathBuf};

/// The typed API over whichever ledger the command runs on.
pub(super) type Api = NanoTrace<Net>;

/// A transport to the embedded ledger or to a Fabric Gateway.
pub(super) enum Net {
    /// In-process, as a local identity.
    Embedded(EmbeddedTransport),
    /// Over gRPC, as the connection profile's identity.
    Gateway(Box<GatewayTransport>),
}

impl Transport for Net {
    async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        match self {
            Net::Embedded(t) => t.submit(function, args).await,
            Net::Gateway(t) => t.submit(function, args).await,
        }
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        match self {
            Net::Embedded(t) => t.evaluate(function, args).await,
            Net::Gateway(t) => t.evaluate(function, args).await,
        }
    }

    fn prepare(&self) -> Option<PreparedTx> {
        match self {
            Net::Embedded(t) => t.prepare(),
            Net::Gateway(t) => t.prepare(),
        }
    }

    async fn submit_prepared(&self, tx: &PreparedTx, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        match self {
            Net::Embedded(t) => t.submit_prepared(tx, function, args).await,
            Net::Gateway(t) => t.submit_prepared(tx, function, args).await,
        }
    }

    async fn submit_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Submitted, ApiError> {
        match self {
            Net::Embedded(t) => t.submit_transient(function, args, transient).await,
            Net::Gateway(t) => t.submit_transient(function, args, transient).await,
        }
    }

    async fn evaluate_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Vec<u8>, ApiError> {
        match self {
            Net::Embedded(t) => t.evaluate_transient(function, args, transient).await,
            Net::Gateway(t) => t.evaluate_transient(function, args, transient).await,
        }
    }
}

/// The ledger of this run.
pub(super) enum Backend {
    /// `--network embedded`: the data directory.
    Embedded(DataDir),
    /// `--network fabric`: a checked connection profile (connects on first use).
    Fabric(Box<Fabric>),
}

/// A connection profile whose files were all read: nothing left to fail but the network.
pub(super) struct Fabric {
    path: PathBuf,
    profile: ConnectionProfile,
    identity: SigningIdentity,
    options: ConnectOptions,
}

impl Fabric {
    /// Loads and checks the profile named with `--profile` (or `NANOTRACE_PROFILE`).
    pub(super) fn load(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            bail!(
                "--network fabric needs a connection profile: pass --profile PATH or set NANOTRACE_PROFILE \
                 (`scripts/network.sh up` writes .run/fabric/profiles/<org>-<user>.yaml)"
            )
        };
        if !path.is_file() {
            bail!(
                "no connection profile at {} (`scripts/network.sh up` writes one per org user to \
                 .run/fabric/profiles/<org>-<user>.yaml)",
                path.display()
            )
        }
        let bad = || format!("bad connection profile {} (format: network/profiles/README.md)", path.display());
        let profile = ConnectionProfile::load(path).with_context(bad)?;
        let identity = profile.signing_identity().with_context(bad)?;
        let options = profile.connect_options().with_context(bad)?;
        Ok(Fabric { path: path.to_path_buf(), profile, identity, options })
    }

    fn connect(&self) -> Result<Api> {
        let transport = GatewayTransport::connect(
            self.identity.clone(),
            self.options.clone(),
            &self.profile.channel,
            &self.profile.chaincode,
        )
        .wait()
        .with_context(|| {
            format!(
                "cannot reach the Fabric gateway {} of profile {} (is the network up? `scripts/network.sh status`)",
                self.profile.gateway.address,
                self.path.display()
            )
        })?;
        Ok(NanoTrace::new(Net::Gateway(Box::new(transport))))
    }
}

impl Fabric {
    /// The profile's identity, connection options, channel and chaincode.
    pub(super) fn endpoint(&self) -> (SigningIdentity, ConnectOptions, &str, &str) {
        (self.identity.clone(), self.options.clone(), &self.profile.channel, &self.profile.chaincode)
    }

    /// The profile file and its gateway address, for error messages.
    pub(super) fn describe(&self) -> String {
        format!("the Fabric gateway {} of profile {}", self.profile.gateway.address, self.path.display())
    }
}

impl Backend {
    /// The connection profile, for the commands that work on Fabric only.
    pub(super) fn fabric(&self) -> Result<&Fabric> {
        match self {
            Backend::Fabric(fabric) => Ok(fabric),
            Backend::Embedded(_) => bail!("this command works with --network fabric only"),
        }
    }

    /// The data directory, for the commands that work on the embedded ledger only.
    pub(super) fn dir(&self) -> Result<&DataDir> {
        match self {
            Backend::Embedded(dir) => Ok(dir),
            Backend::Fabric(_) => bail!("this command works on the embedded ledger only, not with --network fabric"),
        }
    }

    /// The typed API as the acting identity (`--as`, or the profile's).
    pub(super) fn client(&self, ctx: &Ctx) -> Result<Api> {
        match self {
            Backend::Embedded(dir) => Ok(NanoTrace::new(Net::Embedded(dir.client(ctx.who()?)?.transport().clone()))),
            Backend::Fabric(fabric) => fabric.connect(),
        }
    }

    /// The typed API for reads (any identity will do on the embedded ledger).
    pub(super) fn reader(&self, ctx: &Ctx) -> Result<Api> {
        match self {
            Backend::Embedded(dir) => Ok(NanoTrace::new(Net::Embedded(ctx.reader(dir)?.transport().clone()))),
            Backend::Fabric(fabric) => fabric.connect(),
        }
    }

    /// The actor (MSP + Fabric-style ID) `identity` names: a local identity on the
    /// embedded ledger; on Fabric a connection profile, whose identity is asked.
    pub(super) fn actor(&self, identity: &str) -> Result<Actor> {
        match self {
            Backend::Embedded(dir) => Ok(dir.actor(identity)?),
            Backend::Fabric(_) => Ok(Fabric::load(Some(Path::new(identity)))?.connect()?.who_am_i().wait()?.identity),
        }
    }

    /// [`Backend::actor`] with its certificate's key: whom `GrantRole` grants to.
    pub(super) fn holder(&self, identity: &str) -> Result<RoleHolder> {
        match self {
            Backend::Embedded(dir) => Ok(dir.holder(identity)?),
            Backend::Fabric(_) => Ok(Fabric::load(Some(Path::new(identity)))?.connect()?.who_am_i().wait()?.holder()),
        }
    }

    /// The acting identity's organisation (the issuing organisation of an approval).
    pub(super) fn msp(&self, ctx: &Ctx) -> Result<String> {
        match self {
            Backend::Embedded(dir) => Ok(dir.msp_of(ctx.who()?)?),
            Backend::Fabric(fabric) => Ok(fabric.profile.identity.msp_id.clone()),
        }
    }

    /// The issuer key that signs: on the embedded ledger the key called `key` in the
    /// data directory (default: the acting identity's); on Fabric the key file `key`.
    pub(super) fn signer(&self, ctx: &Ctx, key: Option<&str>) -> Result<IssuerSigner> {
        match self {
            Backend::Embedded(dir) => {
                let who = ctx.who()?;
                Ok(dir.signer(key.unwrap_or(who))?)
            }
            Backend::Fabric(_) => match key {
                Some(file) => key_file(Path::new(file)),
                None => bail!(
                    "--network fabric has no local key store: pass --key FILE, the certifier's Ed25519 issuer key \
                     (hex seed, as in <data-dir>/issuer-keys/NAME.key)"
                ),
            },
        }
    }

    /// The issuer key for a reinstatement, which needs one only after an SDS update: a
    /// key named with `--key` must load; without one, the caller's own key when it has
    /// one (embedded), none (Fabric).
    pub(super) fn optional_signer(&self, ctx: &Ctx, key: Option<&str>) -> Result<Option<IssuerSigner>> {
        match self {
            Backend::Embedded(dir) => {
                let who = ctx.who()?;
                match key {
                    Some(key) => Ok(Some(dir.signer(key)?)),
                    None => Ok(dir.signer(who).ok()),
                }
            }
            Backend::Fabric(_) => key.map(|file| key_file(Path::new(file))).transpose(),
        }
    }
}

/// An Ed25519 issuer key file (the data directory's format; see
/// [`nanotrace_embedded::devmsp::read_issuer_key_file`]).
fn key_file(path: &Path) -> Result<IssuerSigner> {
    Ok(IssuerSigner::new(nanotrace_embedded::devmsp::read_issuer_key_file(path)?))
}

/// Writes a new issuer key to `path` in the format [`key_file`] reads (mode 0600, never
/// over an existing file).
pub(super) fn write_key_file(path: &Path, key: &ed25519_dalek::SigningKey) -> Result<()> {
    Ok(nanotrace_embedded::devmsp::write_issuer_key_file(path, key)?)
}
