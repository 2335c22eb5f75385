//! A real browser for tests (feature `browser`): Debian's Chromium, headless, driven over
//! the DevTools protocol (chromiumoxide), one profile (its own storage) per [`Profile`].
//! Tests click, type and choose files as a person would, wait for conditions (never for
//! a fixed time) and keep full-page screenshots at phone and desktop width in
//! [`screenshot_dir`]. Used by the console's and the verifier's browser tests.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::target::SetAutoAttachParams;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::Page;
use futures::StreamExt;

/// The DevTools client, for the commands a test sends itself.
pub use chromiumoxide;

/// Debian's Chromium (package `chromium`; `scripts/prereqs.sh --tests` installs it).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The flags every test browser runs with: no GPU, no QUIC, nothing fetched or synced
/// in the background (nothing outside this machine is reachable).
pub const QUIET_FLAGS: [&str; 6] = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];
/// How long a test waits for a condition before it fails, saying what it waited for.
pub const WAIT: Duration = Duration::from_secs(20);

/// Where screenshots go: `$CARGO_TARGET_DIR/screenshots` (or the workspace's `target/…`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// Fails the test, saying how to install it, if Chromium is missing: browser tests never skip.
pub fn require_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium (scripts/prereqs.sh --tests does). \
         Browser tests do not skip: CI installs it."
    );
}

/// One browser profile (its own IndexedDB: its own keys).
#[allow(missing_debug_implementations)] // chromiumoxide's browser and page are not Debug
pub struct Profile {
    browser: Browser,
    /// The page the profile's tab shows.
    pub page: Page,
    _dir: tempfile::TempDir,
    handler: tokio::task::JoinHandle<()>,
}

impl Profile {
    pub async fn launch(url: &str) -> Profile {
        Profile::launch_with(url, &[]).await
    }

    /// [`launch`](Self::launch) with Chromium flags of the test's own (a fake camera…).
    pub async fn launch_with(url: &str, extra: &[String]) -> Profile {
        let dir = tempfile::tempdir().expect("profile dir");
        let config = BrowserConfig::builder()
            .chrome_executable(CHROMIUM)
            .user_data_dir(dir.path())
            .no_sandbox()
            .window_size(1280, 900)
            .args(QUIET_FLAGS)
            .args(extra)
            .build()
            .expect("browser config");
        let (browser, mut events) = Browser::launch(config).await.expect("launch chromium");
        let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
        let page = browser.new_page("about:blank").await.expect("page");
        // chromiumoxide has the page's new targets (its service worker among them) wait
        // for the debugger when they start, and releases them from its event handler;
        // when that release is missed the worker never runs and `register()` hangs (seen
        // once in a few runs of the offline tests). The pages need no attached workers.
        let detached = SetAutoAttachParams::builder()
            .auto_attach(false)
            .wait_for_debugger_on_start(false)
            .flatten(true)
            .build()
            .expect("Target.setAutoAttach");
        page.execute(detached).await.expect("Target.setAutoAttach");
        let profile = Profile { browser, page, _dir: dir, handler };
        profile.goto(url).await;
        profile
    }

    pub async fn goto(&self, url: &str) {
        self.page.goto(url).await.expect("goto");
        self.page.wait_for_navigation().await.expect("loaded");
    }

    /// Evaluates `js` and returns its value as a string (`None` while the page is
    /// between documents).
    pub async fn try_eval(&self, js: &str) -> Option<String> {
        let value = self.page.evaluate(js).await.ok()?;
        value.into_value::<serde_json::Value>().ok().map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// Evaluates `js` once the page can run it; its value as a string.
    pub async fn eval(&self, js: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(v) = self.try_eval(js).await {
                return v;
            }
            assert!(start.elapsed() < WAIT, "the page never became ready to evaluate {js}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `js` is truthy.
    pub async fn wait_for(&self, what: &str, js: &str) {
        self.wait_for_within(what, js, WAIT).await
    }

    /// Waits until `js` is truthy, for at most `budget` (for what a loaded machine can
    /// make slow, such as a service worker's installation).
    pub async fn wait_for_within(&self, what: &str, js: &str, budget: Duration) {
        let start = Instant::now();
        loop {
            if self.try_eval(&format!("Boolean({js})")).await.as_deref() == Some("true") {
                return;
            }
            if start.elapsed() > budget {
                let url = self.eval("location.href").await;
                let text = self.eval("document.body ? document.body.innerText.slice(0, 800) : ''").await;
                panic!("waited {budget:?} for {what} at {url}; page:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element `selector` finds, once it finds one. A page that has just been made
    /// again (the reads a page needs are signed, then the page is loaded again) can leave
    /// the driver with the node IDs of the page before ("Could not find node with given
    /// id"): the query is repeated until it finds the element, for at most 10 s.
    pub async fn element(&self, selector: &str) -> chromiumoxide::Element {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match self.page.find_element(selector).await {
                Ok(el) => return el,
                Err(e) if std::time::Instant::now() >= deadline => panic!("{selector}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Clicks `selector` as a person would (scrolled into view, at its centre), once
    /// the layout has settled.
    pub async fn click(&self, selector: &str) {
        let el = self.element(selector).await;
        el.scroll_into_view().await.expect("scroll");
        tokio::time::sleep(Duration::from_millis(50)).await;
        el.click().await.expect("click");
    }

    pub async fn type_into(&self, selector: &str, text: &str) {
        let el = self.element(selector).await;
        el.click().await.expect("focus");
        el.type_str(text).await.expect("type");
    }

    pub async fn choose_file(&self, selector: &str, file: &Path) {
        let el = self.element(selector).await;
        let params = SetFileInputFilesParams::builder()
            .file(file.to_string_lossy().to_string())
            .backend_node_id(el.backend_node_id)
            .build()
            .expect("params");
        self.page.execute(params).await.expect("set file");
        // DOM.setFileInputFiles does not fire `change` in every version: fire it as a pick does.
        self.page
            .evaluate(format!(
                "document.querySelector({selector:?}).dispatchEvent(new Event('change', {{bubbles: true}}))"
            ))
            .await
            .expect("change");
    }

    /// Full-page screenshots at 360 px and 1280 px wide, named `{name}-360.png` and
    /// `{name}-1280.png`.
    pub async fn screenshots(&self, name: &str) {
        for (width, mobile) in [(360, true), (1280, false)] {
            let metrics = SetDeviceMetricsOverrideParams::new(width, if mobile { 780 } else { 900 }, 1.0, mobile);
            self.page.execute(metrics).await.expect("metrics");
            tokio::time::sleep(Duration::from_millis(150)).await;
            let path = screenshot_dir().join(format!("{name}-{width}.png"));
            self.page
                .save_screenshot(ScreenshotParams::builder().full_page(true).build(), &path)
                .await
                .expect("screenshot");
        }
        self.page
            .execute(chromiumoxide::cdp::browser_protocol::emulation::ClearDeviceMetricsOverrideParams::default())
            .await
            .expect("clear");
    }

    /// Evaluates `js` with the page laid out `width` px wide (a phone's metrics).
    pub async fn eval_at_width(&self, width: i64, js: &str) -> String {
        let metrics = SetDeviceMetricsOverrideParams::new(width, 780, 1.0, true);
        self.page.execute(metrics).await.expect("metrics");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let out = self.eval(js).await;
        self.page
            .execute(chromiumoxide::cdp::browser_protocol::emulation::ClearDeviceMetricsOverrideParams::default())
            .await
            .expect("clear");
        out
    }

    /// Cuts the page's network (`offline`) or gives it back, through the DevTools
    /// protocol's network emulation: requests fail as with no connection.
    pub async fn set_offline(&self, offline: bool) {
        use chromiumoxide::cdp::browser_protocol::network::{
            EmulateNetworkConditionsByRuleParams, EnableParams, NetworkConditions,
        };
        self.page.execute(EnableParams::default()).await.expect("Network.enable");
        // Every request (an empty pattern), no throttling: only the cut.
        let conditions =
            EmulateNetworkConditionsByRuleParams::new(offline, vec![NetworkConditions::new("", 0.0, -1.0, -1.0)]);
        self.page.execute(conditions).await.expect("Network.emulateNetworkConditionsByRule");
    }

    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}
