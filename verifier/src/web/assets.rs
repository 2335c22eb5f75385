//! `GET /assets/{file}`: the scripts of the consignment page, built into the binary: our
//! own `consignment.js` and the vendored barcode reader (zxing-wasm, see
//! `verifier/assets/third_party/zxing-wasm/README.md`). Nothing else is served from disk.

use axum::extract::Path;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The vendored reader's version: part of its paths, so they can be cached for good.
pub(super) const ZXING_VERSION: &str = "3.1.4";
/// The path of the vendored reader's script.
pub(super) const ZXING_JS_PATH: &str = "/assets/zxing-wasm-3.1.4/reader.js";
/// The SRI hash the page pins the reader's script with (checked against the bytes by a test).
pub(super) const ZXING_JS_SRI: &str = "sha384-PN2+TcV6o3ygq0xnuFCxKBra0Yt4uPsZhoQ/vGYAwE57BrG9nHTvynv6YPyluWaU";
/// The path of the reader's WebAssembly (fetched by `consignment.js`, which checks its
/// SHA-256 against the one the reader's script was built with).
pub(super) const ZXING_WASM_PATH: &str = "/assets/zxing-wasm-3.1.4/zxing_reader.wasm";
/// The path of the page's own script.
pub(super) const PAGE_JS_PATH: &str = "/assets/consignment.js";

const ZXING_JS: &[u8] = include_bytes!("../../assets/third_party/zxing-wasm/reader.js");
const ZXING_WASM: &[u8] = include_bytes!("../../assets/third_party/zxing-wasm/zxing_reader.wasm");
const PAGE_JS: &[u8] = include_bytes!("../../assets/consignment.js");

/// One served file: its bytes, type and whether its path names its version.
struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    immutable: bool,
}

fn find(file: &str) -> Option<Asset> {
    let versioned = format!("zxing-wasm-{ZXING_VERSION}/");
    match file.strip_prefix(&versioned) {
        Some("reader.js") => {
            Some(Asset { bytes: ZXING_JS, content_type: "text/javascript; charset=utf-8", immutable: true })
        }
        Some("zxing_reader.wasm") => {
            Some(Asset { bytes: ZXING_WASM, content_type: "application/wasm", immutable: true })
        }
        Some(_) => None,
        None if file == "consignment.js" => {
            Some(Asset { bytes: PAGE_JS, content_type: "text/javascript; charset=utf-8", immutable: false })
        }
        None => None,
    }
}

/// `GET /assets/{*file}`.
pub(super) async fn asset(lang: super::i18n::Lang, Path(file): Path<String>) -> Response {
    let Some(asset) = find(&file) else {
        return super::pages::not_found_page(lang);
    };
    let cache = if asset.immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256, Sha384};

    #[test]
    fn the_vendored_reader_is_the_one_its_readme_and_the_page_pin() {
        let sri = format!("sha384-{}", data_encoding::BASE64.encode(&Sha384::digest(ZXING_JS)));
        assert_eq!(sri, ZXING_JS_SRI, "reader.js changed: update its hash after checking it against npm");
        let readme = include_str!("../../assets/third_party/zxing-wasm/README.md");
        assert!(readme.contains(ZXING_JS_SRI), "the README states the script's hash");
        let wasm = hex::encode(Sha256::digest(ZXING_WASM));
        let js = std::str::from_utf8(ZXING_JS).expect("UTF-8");
        assert!(
            js.contains(&format!("ZXING_WASM_SHA256=`{wasm}`")),
            "zxing_reader.wasm is the build reader.js expects"
        );
        assert!(ZXING_JS_PATH.contains(ZXING_VERSION) && ZXING_WASM_PATH.contains(ZXING_VERSION));
        assert!(PAGE_JS_PATH.ends_with("consignment.js"));
    }

    #[test]
    fn only_the_known_files_are_served() {
        assert!(find("zxing-wasm-3.1.4/reader.js").is_some());
        assert!(find("zxing-wasm-3.1.4/zxing_reader.wasm").is_some());
        assert!(find("consignment.js").is_some());
        for other in ["", "zxing-wasm-3.1.4/", "zxing-wasm-3.1.3/reader.js", "../Cargo.toml", "zxing-wasm-3.1.4/../x"] {
            assert!(find(other).is_none(), "{other}");
        }
    }
}
