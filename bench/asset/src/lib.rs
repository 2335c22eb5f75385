//! The asset-transfer contract of the Fabric samples (`asset-transfer-basic`, the workload of
//! Hyperledger Caliper's published Fabric reports) on NanoTrace's chaincode runtime.
//!
//! It exists for one comparison: `bench/go-asset` serves the same contract with Fabric's Go
//! contract API (fabric-contract-api-go v2.2.0 on fabric-chaincode-go v2.3.0), this crate
//! serves it with our shim (`nanotrace-ccaas`) in the same process model (a CCaaS server
//! binary), so a benchmark of the two measures the runtimes, not the contracts.
//!
//! Behaviour follows the Go contract and the Go contract API it runs on, call for call:
//!
//! - the same functions (`InitLedger`, `CreateAsset`, `ReadAsset`, `UpdateAsset`,
//!   `DeleteAsset`, `AssetExists`, `TransferAsset`, `GetAllAssets`), also under the default
//!   contract's namespace (`AssetContract:CreateAsset`) and with a lower-case first letter;
//! - the same ledger reads and writes: `CreateAsset` and `UpdateAsset` read the key (the
//!   existence check) and write it, `ReadAsset` reads it;
//! - the same stored bytes: the asset's JSON with the fields in Go's order and Go's string
//!   escaping (`<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes). One difference, for
//!   arguments that are not UTF-8: both replace each invalid byte sequence with U+FFFD, which
//!   Go writes as the escape `\ufffd` and this contract as the character itself (the JSON
//!   reads back as the same asset);
//! - the same error messages (`the asset asset1 already exists`, `the asset asset1 does not
//!   exist`, the contract API's `incorrect number of params. Expected 5, received 4` and
//!   `error managing parameter param2. conversion error. cannot convert passed value x to
//!   int`, `Function Foo not found in contract AssetContract`);
//! - the optional `AssetCreated` event (the Go binary's `ASSET_EVENTS=1`), set here by
//!   [`AssetContract::with_events`] since a contract reads no environment.
//!
//! Not served: the Go contract API's system contract (`org.hyperledger.fabric:GetMetadata`).
//!
//! One function the Go contract does not have, for measuring Fabric's own cost per written
//! key (docs/BENCHMARKS-HISTORY.md, "Fabric's floor"): `CreateAssets(prefix, count, color, size,
//! owner, appraisedValue)` creates `count` assets `prefix0` … `prefix{count-1}` in one
//! transaction, with `CreateAsset`'s existence check (one read and one write per asset; the
//! reads go in GET_STATE_MULTIPLE round trips) and the same stored JSON. And
//! `ProtectAsset(id, mspId)` sets a key-level endorsement policy (a peer of `mspId`) on
//! one existing asset: once any key of a namespace has one, Fabric's validator looks up
//! the metadata of every key the namespace writes, which the floor measures with and
//! without. `ProtectAssets(prefix, count, mspId)` sets that policy on `count` existing
//! assets `prefix0` … `prefix{count-1}` in one transaction (one read and one metadata write
//! each): the floor for the key-level policies a NanoTrace approval sets.

use nanotrace_ccaas::{Chaincode, ChaincodeError};
use nanotrace_shim::{EndorsementPolicy, Stub, StubError};
use serde::{Deserialize, Serialize};

/// The name the Go contract API gives the contract (its Go type's name); transactions may
/// name it as a namespace, `AssetContract:ReadAsset`.
pub const CONTRACT_NAME: &str = "AssetContract";

/// A key's stored value, if it has one.
type Stored = Option<Vec<u8>>;

/// The most assets one `CreateAssets` transaction creates.
pub const MAX_CREATE_ASSETS: usize = 10_000;

/// The event `CreateAsset` sets when events are on; its payload is the asset ID.
pub const ASSET_CREATED_EVENT: &str = "AssetCreated";

/// An asset, with the JSON shape of the Fabric samples' asset-transfer-basic. The fields
/// are declared in the Go struct's order, so the JSON is the same, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// Appraised value (Go `int`: 64 bits here).
    #[serde(rename = "AppraisedValue")]
    pub appraised_value: i64,
    /// Colour.
    #[serde(rename = "Color")]
    pub color: String,
    /// The asset ID, also its ledger key.
    #[serde(rename = "ID")]
    pub id: String,
    /// Current owner.
    #[serde(rename = "Owner")]
    pub owner: String,
    /// Size.
    #[serde(rename = "Size")]
    pub size: i64,
}

/// The assets `InitLedger` writes, as the Go contract (and the Fabric sample) does.
fn initial_assets() -> [Asset; 6] {
    let a = |id: &str, color: &str, size, owner: &str, appraised_value| Asset {
        appraised_value,
        color: color.to_owned(),
        id: id.to_owned(),
        owner: owner.to_owned(),
        size,
    };
    [
        a("asset1", "blue", 5, "Tomoko", 300),
        a("asset2", "red", 5, "Brad", 400),
        a("asset3", "green", 10, "Jin Soo", 500),
        a("asset4", "yellow", 10, "Max", 600),
        a("asset5", "black", 15, "Adriana", 700),
        a("asset6", "white", 15, "Michel", 800),
    ]
}

/// JSON as Go's `encoding/json` writes it: serde_json's output, with the characters Go
/// escapes for HTML safety (`<`, `>`, `&`) and the JS line terminators (U+2028, U+2029)
/// written as `\u` escapes. They can only occur inside strings, so replacing them in the
/// whole text is exact.
fn go_json<T: Serialize>(value: &T) -> Result<Vec<u8>, ChaincodeError> {
    let text = serde_json::to_string(value).map_err(|e| ChaincodeError::new(e.to_string()))?;
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return Ok(text.into_bytes());
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out.into_bytes())
}

fn ledger_error(e: StubError) -> ChaincodeError {
    ChaincodeError::new(format!("failed to read from world state: {e}"))
}

/// The arguments of one call, read as the Go contract API reads them: strings (invalid
/// UTF-8 replaced with U+FFFD, as Go's JSON encoder replaces it), at least as many as the function declares
/// (extra ones are ignored), `int` parameters with `strconv.Atoi`'s rules (an empty
/// string is 0).
struct Params<'a> {
    args: &'a [Vec<u8>],
    /// Whether parameter errors name the parameter: the Go contract API finds a
    /// function's metadata only under its exact name, not the lower-case form.
    named: bool,
}

impl<'a> Params<'a> {
    fn new(args: &'a [Vec<u8>], expected: usize, named: bool) -> Result<Self, ChaincodeError> {
        if args.len() < expected {
            return Err(ChaincodeError::new(format!(
                "incorrect number of params. Expected {expected}, received {}",
                args.len()
            )));
        }
        Ok(Self { args, named })
    }

    fn string(&self, i: usize) -> String {
        String::from_utf8_lossy(&self.args[i]).into_owned()
    }

    fn int(&self, i: usize) -> Result<i64, ChaincodeError> {
        let value = self.string(i);
        if value.is_empty() {
            return Ok(0);
        }
        value.parse::<i64>().map_err(|_| {
            let name = if self.named { format!(" param{i}") } else { String::new() };
            ChaincodeError::new(format!(
                "error managing parameter{name}. conversion error. cannot convert passed value {value} to int"
            ))
        })
    }

    /// `(id, color, size, owner, appraisedValue)`, the arguments of Create and Update.
    fn asset(&self) -> Result<Asset, ChaincodeError> {
        Ok(Asset {
            id: self.string(0),
            color: self.string(1),
            size: self.int(2)?,
            owner: self.string(3),
            appraised_value: self.int(4)?,
        })
    }
}

/// The asset-transfer contract as a [`Chaincode`] of the NanoTrace runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssetContract {
    events: bool,
}

impl AssetContract {
    /// The contract without events (the benchmark baseline, as the Go one by default).
    pub fn new() -> Self {
        Self::default()
    }

    /// With `events`, `CreateAsset` also sets the `AssetCreated` event (the asset ID as
    /// payload), as the Go contract does with `ASSET_EVENTS=1`.
    pub fn with_events(events: bool) -> Self {
        Self { events }
    }

    fn put(stub: &mut dyn Stub, asset: &Asset) -> Result<(), ChaincodeError> {
        let raw = go_json(asset)?;
        stub.put_state(&asset.id, &raw).map_err(|e| ChaincodeError::new(e.to_string()))
    }

    /// `AssetExists(id)`: whether a value is stored under `id`.
    pub fn asset_exists(&self, stub: &mut dyn Stub, id: &str) -> Result<bool, ChaincodeError> {
        Ok(stub.get_state(id).map_err(ledger_error)?.is_some())
    }

    /// `InitLedger`: writes asset1…asset6.
    pub fn init_ledger(&self, stub: &mut dyn Stub) -> Result<(), ChaincodeError> {
        initial_assets().iter().try_for_each(|a| Self::put(stub, a))
    }

    /// `CreateAsset`: writes a new asset; refused when the ID is taken.
    pub fn create_asset(&self, stub: &mut dyn Stub, asset: &Asset) -> Result<(), ChaincodeError> {
        if self.asset_exists(stub, &asset.id)? {
            return Err(ChaincodeError::new(format!("the asset {} already exists", asset.id)));
        }
        Self::put(stub, asset)?;
        if self.events {
            stub.set_event(ASSET_CREATED_EVENT, asset.id.as_bytes()).map_err(|e| ChaincodeError::new(e.to_string()))?;
        }
        Ok(())
    }

    /// The IDs `prefix0` … `prefix{count-1}` and their stored values, read in one batch;
    /// refused unless `count` is 1 to [`MAX_CREATE_ASSETS`].
    fn numbered(stub: &mut dyn Stub, prefix: &str, count: usize) -> Result<(Vec<String>, Vec<Stored>), ChaincodeError> {
        if !(1..=MAX_CREATE_ASSETS).contains(&count) {
            return Err(ChaincodeError::new(format!("count must be 1 to {MAX_CREATE_ASSETS}, got {count}")));
        }
        let ids: Vec<String> = (0..count).map(|i| format!("{prefix}{i}")).collect();
        let existing = stub.get_state_multiple(&ids).map_err(ledger_error)?;
        Ok((ids, existing))
    }

    /// `CreateAssets`: `count` new assets `prefix0` … `prefix{count-1}`, each as
    /// `CreateAsset` would create it from `template` (whose ID is ignored), in one
    /// transaction: all or none, refused when any ID is taken or `count` is not 1 to
    /// [`MAX_CREATE_ASSETS`]. The existence checks read all the keys in one batch.
    pub fn create_assets(
        &self,
        stub: &mut dyn Stub,
        prefix: &str,
        count: usize,
        template: &Asset,
    ) -> Result<(), ChaincodeError> {
        let (ids, existing) = Self::numbered(stub, prefix, count)?;
        if let Some((id, _)) = ids.iter().zip(&existing).find(|(_, v)| v.is_some()) {
            return Err(ChaincodeError::new(format!("the asset {id} already exists")));
        }
        let mut asset = template.clone();
        for id in ids {
            asset.id = id;
            Self::put(stub, &asset)?;
        }
        Ok(())
    }

    /// `ProtectAsset`: from this transaction on, changes to asset `id` need the
    /// endorsement of a peer of `msp_id` (a key-level endorsement policy); refused when
    /// there is no such asset.
    pub fn protect_asset(&self, stub: &mut dyn Stub, id: &str, msp_id: &str) -> Result<(), ChaincodeError> {
        if !self.asset_exists(stub, id)? {
            return Err(ChaincodeError::new(format!("the asset {id} does not exist")));
        }
        let policy = EndorsementPolicy::peer_of(msp_id);
        stub.set_state_validation_parameter(id, &policy).map_err(|e| ChaincodeError::new(e.to_string()))
    }

    /// `ProtectAssets`: [`AssetContract::protect_asset`] for the existing assets `prefix0` …
    /// `prefix{count-1}` in one transaction (their existence read in one batch): all or
    /// none, refused when any of them does not exist or `count` is not 1 to
    /// [`MAX_CREATE_ASSETS`].
    pub fn protect_assets(
        &self,
        stub: &mut dyn Stub,
        prefix: &str,
        count: usize,
        msp_id: &str,
    ) -> Result<(), ChaincodeError> {
        let (ids, existing) = Self::numbered(stub, prefix, count)?;
        if let Some((id, _)) = ids.iter().zip(&existing).find(|(_, v)| v.is_none()) {
            return Err(ChaincodeError::new(format!("the asset {id} does not exist")));
        }
        let policy = EndorsementPolicy::peer_of(msp_id);
        for id in &ids {
            stub.set_state_validation_parameter(id, &policy).map_err(|e| ChaincodeError::new(e.to_string()))?;
        }
        Ok(())
    }

    /// `ReadAsset`: the asset stored under `id`.
    pub fn read_asset(&self, stub: &mut dyn Stub, id: &str) -> Result<Asset, ChaincodeError> {
        let raw = stub
            .get_state(id)
            .map_err(ledger_error)?
            .ok_or_else(|| ChaincodeError::new(format!("the asset {id} does not exist")))?;
        serde_json::from_slice(&raw).map_err(|e| ChaincodeError::new(e.to_string()))
    }

    /// `UpdateAsset`: overwrites an existing asset; refused when there is none.
    pub fn update_asset(&self, stub: &mut dyn Stub, asset: &Asset) -> Result<(), ChaincodeError> {
        if !self.asset_exists(stub, &asset.id)? {
            return Err(ChaincodeError::new(format!("the asset {} does not exist", asset.id)));
        }
        Self::put(stub, asset)
    }

    /// `DeleteAsset`: removes an existing asset; refused when there is none.
    pub fn delete_asset(&self, stub: &mut dyn Stub, id: &str) -> Result<(), ChaincodeError> {
        if !self.asset_exists(stub, id)? {
            return Err(ChaincodeError::new(format!("the asset {id} does not exist")));
        }
        stub.del_state(id).map_err(|e| ChaincodeError::new(e.to_string()))
    }

    /// `TransferAsset`: sets a new owner; returns the previous one.
    pub fn transfer_asset(&self, stub: &mut dyn Stub, id: &str, new_owner: &str) -> Result<String, ChaincodeError> {
        let mut asset = self.read_asset(stub, id)?;
        let old = std::mem::replace(&mut asset.owner, new_owner.to_owned());
        Self::put(stub, &asset)?;
        Ok(old)
    }

    /// `GetAllAssets`: every asset, in key order (a full scan of the simple keys).
    pub fn get_all_assets(&self, stub: &mut dyn Stub) -> Result<Vec<Asset>, ChaincodeError> {
        let mut assets = Vec::new();
        let mut bookmark = String::new();
        loop {
            let page = stub.get_state_by_range("", "", 0, &bookmark).map_err(|e| ChaincodeError::new(e.to_string()))?;
            for (_, raw) in &page.entries {
                assets.push(serde_json::from_slice(raw).map_err(|e| ChaincodeError::new(e.to_string()))?);
            }
            if page.bookmark.is_empty() {
                return Ok(assets);
            }
            bookmark = page.bookmark;
        }
    }
}

/// `fn` with its first letter in upper case, as the Go contract API looks functions up.
fn first_upper(function: &str) -> String {
    let mut chars = function.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Chaincode for AssetContract {
    fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        let (namespace, name) = match function.rfind(':') {
            Some(i) => (&function[..i], &function[i + 1..]),
            None => (CONTRACT_NAME, function),
        };
        if namespace != CONTRACT_NAME {
            return Err(ChaincodeError::new(format!("Contract not found with name {namespace}")));
        }
        if name.is_empty() {
            return Err(ChaincodeError::new("Blank function name passed"));
        }
        let resolved = first_upper(name);
        let named = resolved == name;
        let params = |n| Params::new(args, n, named);
        match resolved.as_str() {
            "InitLedger" => self.init_ledger(stub).map(|()| Vec::new()),
            "CreateAsset" => self.create_asset(stub, &params(5)?.asset()?).map(|()| Vec::new()),
            "CreateAssets" => {
                let p = params(6)?;
                let count = usize::try_from(p.int(1)?)
                    .map_err(|_| ChaincodeError::new(format!("count must be 1 to {MAX_CREATE_ASSETS}")))?;
                let template = Asset {
                    id: String::new(),
                    color: p.string(2),
                    size: p.int(3)?,
                    owner: p.string(4),
                    appraised_value: p.int(5)?,
                };
                self.create_assets(stub, &p.string(0), count, &template).map(|()| Vec::new())
            }
            "ProtectAsset" => {
                let p = params(2)?;
                self.protect_asset(stub, &p.string(0), &p.string(1)).map(|()| Vec::new())
            }
            "ProtectAssets" => {
                let p = params(3)?;
                let count = usize::try_from(p.int(1)?)
                    .map_err(|_| ChaincodeError::new(format!("count must be 1 to {MAX_CREATE_ASSETS}")))?;
                self.protect_assets(stub, &p.string(0), count, &p.string(2)).map(|()| Vec::new())
            }
            "ReadAsset" => go_json(&self.read_asset(stub, &params(1)?.string(0))?),
            "UpdateAsset" => self.update_asset(stub, &params(5)?.asset()?).map(|()| Vec::new()),
            "DeleteAsset" => self.delete_asset(stub, &params(1)?.string(0)).map(|()| Vec::new()),
            "AssetExists" => {
                let exists = self.asset_exists(stub, &params(1)?.string(0))?;
                Ok(exists.to_string().into_bytes())
            }
            "TransferAsset" => {
                let p = params(2)?;
                self.transfer_asset(stub, &p.string(0), &p.string(1)).map(String::into_bytes)
            }
            "GetAllAssets" => go_json(&self.get_all_assets(stub)?),
            _ => Err(ChaincodeError::new(format!("Function {name} not found in contract {namespace}"))),
        }
    }

    /// As the Go contract API: an INIT without a function succeeds and does nothing.
    fn init(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        if function.is_empty() {
            return Ok(b"Default initiator successful.".to_vec());
        }
        self.invoke(stub, function, args)
    }
}
