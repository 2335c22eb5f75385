//! The deployment files beside the systemd units: the Containerfiles of the images
//! (`deploy/containers`), the Compose file (`deploy/compose`) and the Kubernetes manifests
//! (`deploy/kubernetes`). Every variable they set is one the binary reads (named
//! `[env: …]` in its `--help`), and the manifests pass `tests/k8s-validate`: decoded
//! strictly into the Kubernetes API's own Go types (an unknown or misplaced field fails),
//! selectors, ports, probes and the security context checked. No cluster can run here; a mistyped manifest still fails this test.

use crate::support::{assert_reads_env, help_text, SERVICES};
use nanotrace_testkit::skip;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `ENV NAME=value NAME=value` lines of a Containerfile: the names.
fn containerfile_env(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("ENV "))
        .flat_map(|rest| rest.split_whitespace().filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_owned())))
        .collect()
}

/// `- name: NAME` entries under a container's `env:` in a manifest: the names.
fn manifest_env(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_env = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if line.trim() == "env:" {
            in_env = Some(indent);
            continue;
        }
        match in_env {
            Some(env_indent) if indent > env_indent || line.trim().is_empty() => {
                if let Some(name) = line.trim().strip_prefix("- name: ") {
                    names.push(name.to_owned());
                }
            }
            _ => in_env = None,
        }
    }
    names
}

#[test]
fn every_variable_the_images_and_manifests_set_is_read_by_its_binary() {
    for (service, binary, help) in SERVICES {
        let text = help_text(binary, help);
        let file = root().join(format!("deploy/containers/{service}.Containerfile"));
        let containerfile = std::fs::read_to_string(&file).expect("Containerfile");
        assert_reads_env(&file.display().to_string(), binary, &text, &containerfile_env(&containerfile));
        // The image starts the binary as the service unit does (its subcommand included).
        let entrypoint = containerfile.lines().find_map(|l| l.strip_prefix("ENTRYPOINT ")).expect("ENTRYPOINT");
        let entrypoint: Vec<String> = serde_json::from_str(entrypoint).expect("ENTRYPOINT is a JSON array");
        let unit = std::fs::read_to_string(root().join(format!("deploy/systemd/nanotrace-{service}.service")))
            .expect("the service unit");
        let exec: Vec<String> = unit
            .lines()
            .find_map(|l| l.strip_prefix("ExecStart="))
            .expect("ExecStart")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        assert_eq!(entrypoint, exec, "{}: the image starts {binary} otherwise than its unit", file.display());
        // The Compose file's service: this image, variables its binary reads.
        let compose = root().join("deploy/compose/compose.yaml");
        let compose_text = std::fs::read_to_string(&compose).expect("compose.yaml");
        let compose_doc: yaml_serde::Value = yaml_serde::from_str(&compose_text).expect("compose.yaml is YAML");
        let svc = &compose_doc["services"][service];
        let image = svc["image"].as_str().unwrap_or_else(|| panic!("compose.yaml: no service {service}"));
        assert!(image.starts_with(&format!("nanotrace-{service}:")), "compose.yaml: {service} runs {image}");
        let names: Vec<String> = svc["environment"]
            .as_mapping()
            .unwrap_or_else(|| panic!("compose.yaml: {service} has no environment mapping"))
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect();
        assert_reads_env(&format!("{} ({service})", compose.display()), binary, &text, &names);
        let manifest = root().join(format!("deploy/kubernetes/{service}.yaml"));
        if let Ok(yaml) = std::fs::read_to_string(&manifest) {
            assert_reads_env(&manifest.display().to_string(), binary, &text, &manifest_env(&yaml));
        }
    }
}

/// `tests/k8s-validate`, built once.
fn validator(dir: &Path) -> Option<PathBuf> {
    if !skip::go_or_skip("the Kubernetes manifests' offline validation") {
        return None;
    }
    let bin = dir.join("k8s-validate");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(root().join("tests/k8s-validate"))
        .env("GOFLAGS", "-mod=readonly")
        .status()
        .expect("go build");
    assert!(status.success(), "go build of tests/k8s-validate failed");
    Some(bin)
}

fn validate(bin: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = Command::new(bin).args(files).output().expect("k8s-validate");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn the_kubernetes_manifests_validate_offline_and_a_mistake_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(bin) = validator(tmp.path()) else { return };
    let manifests: Vec<PathBuf> =
        ["chaincode", "verifier"].iter().map(|s| root().join(format!("deploy/kubernetes/{s}.yaml"))).collect();
    let (ok, text) = validate(&bin, &manifests);
    assert!(ok, "the manifests do not validate:\n{text}");
    for object in [
        "Deployment nanotrace-chaincode ok",
        "Service nanotrace-chaincode ok",
        "Secret nanotrace-chaincode-tls ok",
        "Deployment nanotrace-verifier ok",
        "PersistentVolumeClaim nanotrace-verifier-cache ok",
    ] {
        assert!(text.contains(object), "{object} not checked:\n{text}");
    }

    // The check is strict: each mistake below fails it.
    let good = std::fs::read_to_string(&manifests[0]).expect("manifest");
    for (what, from, to, expect) in [
        ("a misspelt field", "readOnlyRootFilesystem: true", "readOnlyRootFilesytem: true", "unknown field"),
        ("a value of the wrong type", "containerPort: 9999", "containerPort: nine", "containerPort"),
        ("a Service port no container has", "targetPort: chaincode", "targetPort: grpc", "no container port"),
        (
            "a root filesystem left writable",
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false",
            "read-only",
        ),
        (
            "a selector that matches no pod",
            "      app.kubernetes.io/name: nanotrace-chaincode\n  template",
            "      app.kubernetes.io/name: other\n  template",
            "selector",
        ),
    ] {
        assert!(good.contains(from), "{what}: the manifest has no {from:?}");
        let bad = tmp.path().join("bad.yaml");
        std::fs::write(&bad, good.replacen(from, to, 1)).expect("write");
        let (ok, text) = validate(&bin, &[bad]);
        assert!(!ok && text.contains(expect), "{what} went unnoticed (expected {expect:?}):\n{text}");
    }
}
