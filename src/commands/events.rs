//! `nanotrace events --follow`: the contract's chaincode events as they commit, through
//! the Gateway's `ChaincodeEvents` stream, resumable from a checkpoint file (the
//! gateway's [`FileCheckpointer`], Fabric's Go client format).
//!
//! The stream is read on its own thread (it owns the connection and its runtime); this
//! thread prints each event, then records it in the checkpoint, so an event is in the
//! checkpoint only once printed: a restart with the same file neither loses nor repeats
//! any. Ctrl-C and SIGTERM stop after the event being printed (exit 0); a stream that
//! breaks or ends is an error (exit 1), never a silent stop.

use super::backend::Backend;
use super::Ctx;
use anyhow::{bail, Context, Result};
use nanotrace_client::Wait;
use nanotrace_fabric_gateway::{
    ChaincodeEvent, Checkpoint, Checkpointer, EventsOptions, FileCheckpointer, Gateway, InMemoryCheckpointer,
};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// Sets `stop` on SIGINT / SIGTERM (signal-hook: the handler only stores to the atomic).
fn install_signal_handlers(stop: &Arc<AtomicBool>) -> Result<()> {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(stop)).context("cannot install the signal handlers")?;
    }
    Ok(())
}

/// What the stream thread reports.
enum Msg {
    Event(ChaincodeEvent),
    Failed(String),
}

/// Either checkpointer, behind one interface.
enum Cp {
    File(FileCheckpointer),
    Memory(InMemoryCheckpointer),
}

impl Cp {
    fn get(&self) -> &dyn Checkpoint {
        match self {
            Cp::File(c) => c,
            Cp::Memory(c) => c,
        }
    }

    fn record(&mut self, event: &ChaincodeEvent) -> Result<()> {
        match self {
            Cp::File(c) => {
                c.checkpoint_event(event).with_context(|| format!("cannot save the checkpoint {}", c.path().display()))
            }
            Cp::Memory(c) => Ok(c.checkpoint_event(event)?),
        }
    }
}

/// Follows the events until a signal (exit 0) or a failure (error).
pub(super) fn follow(
    ctx: &Ctx,
    net: &Backend,
    checkpoint: Option<&Path>,
    start_block: Option<u64>,
) -> Result<ExitCode> {
    let fabric = net.fabric()?;
    let mut cp = match checkpoint {
        Some(path) => Cp::File(FileCheckpointer::open(path)?),
        None => Cp::Memory(InMemoryCheckpointer::new()),
    };
    let resumes = cp.get().block_number() != 0 || cp.get().transaction_id().is_some();
    let options = match (resumes, start_block) {
        (true, _) | (false, None) => EventsOptions::new().checkpoint(cp.get()),
        (false, Some(n)) => EventsOptions::new().start_block(n),
    };
    let (identity, connect, channel, chaincode) = fabric.endpoint();
    let (channel, chaincode) = (channel.to_owned(), chaincode.to_owned());
    let describe = fabric.describe();
    let stop = Arc::new(AtomicBool::new(false));
    install_signal_handlers(&stop)?;

    let (tx, rx) = mpsc::channel::<Msg>();
    std::thread::spawn(move || {
        let fail = |tx: &mpsc::Sender<Msg>, text: String| {
            let _ = tx.send(Msg::Failed(text));
        };
        // The stream runs on the client's runtime; this thread waits for it to end.
        async {
            let gateway = match Gateway::connect(identity, connect).await {
                Ok(g) => g,
                Err(e) => return fail(&tx, format!("cannot reach {describe}: {e}")),
            };
            let mut stream = match gateway.network(channel.as_str()).chaincode_events(&chaincode, &options).await {
                Ok(s) => s,
                Err(e) => {
                    return fail(
                        &tx,
                        format!("cannot open the chaincode event stream of {chaincode} on {channel}: {e}"),
                    )
                }
            };
            while let Some(item) = stream.next().await {
                match item {
                    Ok(event) => {
                        if tx.send(Msg::Event(event)).is_err() {
                            return;
                        }
                    }
                    Err(e) => return fail(&tx, format!("the chaincode event stream broke: {e}")),
                }
            }
            fail(&tx, "the chaincode event stream ended".to_owned());
        }
        .wait();
    });

    let mut printed = 0u64;
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Msg::Event(event)) => {
                if !print(ctx, &event)? {
                    break; // the reader went away
                }
                cp.record(&event)?;
                printed += 1;
            }
            Ok(Msg::Failed(message)) => {
                bail!("{message} (after {printed} event(s); rerun with the same --checkpoint to resume)")
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!("the chaincode event stream stopped"),
        }
    }
    let at = cp.get();
    eprintln!(
        "stopped after {printed} event(s); checkpoint: block {}{}",
        at.block_number(),
        at.transaction_id().map(|t| format!(", transaction {t}")).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints one event (a JSON object per line with `--json`); false if stdout is closed.
fn print(ctx: &Ctx, event: &ChaincodeEvent) -> Result<bool> {
    let parsed: Option<nanotrace_model::Event> = serde_json::from_slice(&event.payload).ok();
    let ids = parsed.as_ref().map(|e| e.certificate_ids.clone()).unwrap_or_default();
    let line = if ctx.json {
        let mut value = serde_json::json!({
            "block_number": event.block_number,
            "tx_id": event.transaction_id,
            "event_name": event.event_name,
            "certificate_ids": ids,
        });
        match &parsed {
            Some(e) => {
                value["status"] = serde_json::to_value(e.status)?;
                value["flagged"] = serde_json::to_value(&e.flagged)?;
            }
            None => value["payload"] = String::from_utf8_lossy(&event.payload).into_owned().into(),
        }
        serde_json::to_string(&value)? + "\n"
    } else {
        let status = parsed.as_ref().and_then(|e| e.status).map(|s| format!(" → {}", s.as_str())).unwrap_or_default();
        format!(
            "block {:>6}  {}  {:<24} {}{status}\n",
            event.block_number,
            event.transaction_id,
            event.event_name,
            if ids.is_empty() { "-".to_owned() } else { ids.join(", ") }
        )
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(line.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}
