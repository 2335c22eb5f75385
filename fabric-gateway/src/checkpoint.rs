//! Checkpoints of chaincode event streams: the block and the last transaction whose
//! events were handled, so that a resumed stream loses and repeats nothing. The file
//! format is Fabric's Go client's (`{"blockNumber":N,"transactionId":"…"}`).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::chaincode_event::ChaincodeEvent;
use crate::error::GatewayError;

/// A position to resume a stream from.
pub trait Checkpoint {
    /// The block to resume from.
    fn block_number(&self) -> u64;
    /// The last transaction of that block already handled, if any.
    fn transaction_id(&self) -> Option<&str>;
}

/// A checkpoint that is updated as events are handled.
pub trait Checkpointer: Checkpoint {
    /// Records a transaction (its events all handled) in a block.
    fn checkpoint_transaction(&mut self, block_number: u64, transaction_id: &str) -> Result<(), GatewayError>;

    /// Records a whole block as handled: resume from the next one.
    fn checkpoint_block(&mut self, block_number: u64) -> Result<(), GatewayError>;

    /// Records an event's transaction as handled.
    fn checkpoint_event(&mut self, event: &ChaincodeEvent) -> Result<(), GatewayError> {
        self.checkpoint_transaction(event.block_number, &event.transaction_id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    #[serde(rename = "blockNumber")]
    block_number: u64,
    #[serde(rename = "transactionId", default)]
    transaction_id: String,
}

/// A checkpoint in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InMemoryCheckpointer {
    state: State,
}

impl InMemoryCheckpointer {
    /// An empty checkpoint (streams start at the next commit).
    pub fn new() -> Self {
        Self::default()
    }
}

impl Checkpoint for InMemoryCheckpointer {
    fn block_number(&self) -> u64 {
        self.state.block_number
    }
    fn transaction_id(&self) -> Option<&str> {
        Some(self.state.transaction_id.as_str()).filter(|t| !t.is_empty())
    }
}

impl Checkpointer for InMemoryCheckpointer {
    fn checkpoint_transaction(&mut self, block_number: u64, transaction_id: &str) -> Result<(), GatewayError> {
        self.state = State { block_number, transaction_id: transaction_id.to_owned() };
        Ok(())
    }
    fn checkpoint_block(&mut self, block_number: u64) -> Result<(), GatewayError> {
        self.state = State { block_number: block_number + 1, transaction_id: String::new() };
        Ok(())
    }
}

/// A checkpoint persisted to a file at every update, atomically (written to a
/// temporary file beside it, synced, renamed over it), so a crash leaves the old or the
/// new checkpoint, never a torn one.
#[derive(Debug, Clone)]
pub struct FileCheckpointer {
    path: PathBuf,
    state: State,
}

impl FileCheckpointer {
    /// Opens (or starts) the checkpoint at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, GatewayError> {
        let path = path.as_ref().to_owned();
        let err = |message: String| GatewayError::Checkpoint { path: path.display().to_string(), message };
        let state = match std::fs::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => State::default(),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| err(format!("not a checkpoint: {e}")))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(err(e.to_string())),
        };
        Ok(FileCheckpointer { path, state })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn save(&self) -> Result<(), GatewayError> {
        let err = |message: String| GatewayError::Checkpoint { path: self.path.display().to_string(), message };
        let data = serde_json::to_vec(&self.state).map_err(|e| err(e.to_string()))?;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&data)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            if let Ok(d) = std::fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e.to_string())
        })
    }
}

impl Checkpoint for FileCheckpointer {
    fn block_number(&self) -> u64 {
        self.state.block_number
    }
    fn transaction_id(&self) -> Option<&str> {
        Some(self.state.transaction_id.as_str()).filter(|t| !t.is_empty())
    }
}

impl Checkpointer for FileCheckpointer {
    fn checkpoint_transaction(&mut self, block_number: u64, transaction_id: &str) -> Result<(), GatewayError> {
        self.state = State { block_number, transaction_id: transaction_id.to_owned() };
        self.save()
    }
    fn checkpoint_block(&mut self, block_number: u64) -> Result<(), GatewayError> {
        self.state = State { block_number: block_number + 1, transaction_id: String::new() };
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_checkpoints_survive_reopening_in_go_clients_format() -> Result<(), GatewayError> {
        let dir = std::env::temp_dir().join(format!("nt-cp-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("cp.json");
        let _ = std::fs::remove_file(&path);
        let mut cp = FileCheckpointer::open(&path)?;
        assert_eq!((cp.block_number(), cp.transaction_id()), (0, None));
        cp.checkpoint_transaction(11, "tx-b1")?;
        let text = std::fs::read_to_string(&path).map_err(|e| GatewayError::Request(e.to_string()))?;
        assert_eq!(text, r#"{"blockNumber":11,"transactionId":"tx-b1"}"#);
        let cp = FileCheckpointer::open(&path)?;
        assert_eq!((cp.block_number(), cp.transaction_id()), (11, Some("tx-b1")));
        let mut cp = cp;
        cp.checkpoint_block(11)?;
        let cp = FileCheckpointer::open(&path)?;
        assert_eq!((cp.block_number(), cp.transaction_id()), (12, None));
        std::fs::write(&path, b"{garbage").map_err(|e| GatewayError::Request(e.to_string()))?;
        assert!(matches!(FileCheckpointer::open(&path), Err(GatewayError::Checkpoint { .. })));
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
