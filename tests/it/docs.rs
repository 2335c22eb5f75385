//! The documentation is checked like code: every relative link of every Markdown file
//! of the repository resolves — to a file or folder that exists and, for `#anchor`, to a
//! heading of the Markdown file it names (GitHub's anchor rules).

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Folders that hold no documentation of ours: build output, dependencies, run folders.
const SKIPPED: [&str; 5] = ["target", "node_modules", "corpus", "artifacts", "fixtures"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Markdown file under `dir`, hidden and skipped folders left out.
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || SKIPPED.contains(&name.as_str()) {
            continue;
        }
        if path.is_dir() {
            markdown_files(&path, out);
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// GitHub's anchor of a heading: lowercased, everything but letters, digits, spaces,
/// hyphens and underscores dropped, spaces as hyphens; a repeated one gets `-1`, `-2`, ….
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H6 => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let text = heading.take().unwrap_or_default();
                let slug: String = text
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
                    .map(|c| if c == ' ' { '-' } else { c })
                    .collect();
                let n = seen.entry(slug.clone()).or_insert(0);
                out.insert(if *n == 0 { slug.clone() } else { format!("{slug}-{n}") });
                *n += 1;
            }
            _ => {}
        }
    }
    out
}

/// The link and image targets of `markdown`.
fn targets(markdown: &str) -> Vec<String> {
    Parser::new(markdown)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                Some(dest_url.into_string())
            }
            _ => None,
        })
        .collect()
}

/// Why `target`, linked from `file`, does not resolve; `None` when it does (or is not
/// relative).
fn broken(file: &Path, target: &str) -> Option<String> {
    if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    let resolved = if path.is_empty() {
        file.to_path_buf()
    } else if let Some(from_root) = path.strip_prefix('/') {
        root().join(from_root)
    } else {
        file.parent().unwrap_or(Path::new(".")).join(path)
    };
    if !resolved.exists() {
        return Some(format!("{target}: no {}", resolved.display()));
    }
    let anchor = anchor.filter(|a| !a.is_empty() && resolved.extension().is_some_and(|e| e == "md"))?;
    let text = std::fs::read_to_string(&resolved).unwrap_or_default();
    let known = anchors(&text);
    (!known.contains(anchor)).then(|| format!("{target}: no heading #{anchor} in {}", resolved.display()))
}

#[test]
fn every_relative_link_of_every_markdown_file_resolves() {
    let root = root();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    files.sort();
    assert!(files.iter().any(|f| f.ends_with("README.md")), "no README.md found under {}", root.display());
    let mut problems = Vec::new();
    let mut links = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a Markdown file");
        for target in targets(&text) {
            links += 1;
            if let Some(problem) = broken(file, &target) {
                problems.push(format!("{}: {problem}", file.strip_prefix(&root).unwrap_or(file).display()));
            }
        }
    }
    assert!(problems.is_empty(), "{} broken link(s) of {links}:\n{}", problems.len(), problems.join("\n"));
    eprintln!("{links} links in {} Markdown files resolve", files.len());
}

#[test]
fn the_anchor_rules_are_githubs() {
    let known = anchors("# Trust model\n## Key-level endorsement\n## `nanotrace ca` (Fabric CA)\n## Trust model\n");
    let expected = ["trust-model", "key-level-endorsement", "nanotrace-ca-fabric-ca", "trust-model-1"];
    assert_eq!(known, expected.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a.md");
    std::fs::write(&file, "# Here\n").expect("write");
    assert_eq!(broken(&file, "#here"), None);
    assert!(broken(&file, "#there").is_some_and(|m| m.contains("no heading #there")));
    assert!(broken(&file, "missing.md").is_some_and(|m| m.contains("no ")));
    assert_eq!(broken(&file, "https://example.com/x.md#y"), None);
}

/// The workspace's binaries, as docs invoke them (`nt` is docs/CLI.md's shell function
/// for `nanotrace`).
const BINARIES: [&str; 7] = [
    "nanotrace",
    "nanotrace-console",
    "nanotrace-verifier",
    "nanotrace-notify",
    "nanotrace-chaincode",
    "nanotrace-load",
    "nanotrace-asset-chaincode",
];

/// The code of `markdown`: inline code spans, and code blocks line by line with `\`
/// continuations joined.
fn code(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Code(c) => out.push(c.into_string()),
            Event::Start(Tag::CodeBlock(_)) => block = Some(String::new()),
            Event::Text(t) => {
                if let Some(b) = block.as_mut() {
                    b.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let text = block.take().unwrap_or_default().replace("\\\n", " ");
                out.extend(text.lines().map(str::to_owned));
            }
            _ => {}
        }
    }
    out
}

/// The words of a shell line, quotes removed, each with whether it was quoted (a quoted
/// word is text, never a command).
fn words(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let (mut word, mut quoted, mut quote) = (String::new(), false, None::<char>);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quoted |= word.is_empty();
                quote = Some(c);
            }
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() || quoted {
                    out.push((std::mem::take(&mut word), quoted));
                }
                quoted = false;
            }
            (None, c) => word.push(c),
        }
    }
    if !word.is_empty() || quoted {
        out.push((word, quoted));
    }
    out
}

/// The invocations of our binaries in `line`: (binary, its arguments).
fn invocations(line: &str) -> Vec<(String, Vec<String>)> {
    let line = line.split(" #").next().unwrap_or_default();
    let words = words(line);
    let tokens: Vec<String> =
        words.iter().map(|(t, _)| t.trim_matches(|c| matches!(c, '`' | '(' | ')' | ',')).to_owned()).collect();
    let ends = |t: &str| matches!(t, "|" | "&&" | "||" | ";" | ">" | "2>" | "<" | "&" | "2>&1") || t.starts_with('>');
    // Where a command starts: first, after an operator, after `sudo`/`env`/`exec`/`time`
    // and after variable assignments there (`nanotrace` as an argument is no command).
    let mut at_command = vec![false; tokens.len()];
    for i in 0..tokens.len() {
        at_command[i] = !words[i].1
            && (i == 0 || {
                let prev = &tokens[i - 1];
                ends(prev)
                    || matches!(prev.as_str(), "sudo" | "env" | "exec" | "time" | "then" | "do" | "$")
                    || (at_command[i - 1] && prev.contains('=') && !prev.starts_with('-'))
            });
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let name = t.rsplit('/').next().unwrap_or_default();
        if !at_command[i] {
            i += 1;
            continue;
        }
        let start = if t == "cargo" && tokens.get(i + 1).is_some_and(|n| n == "run") {
            let rest = &tokens[i + 2..];
            let stop = rest.iter().position(|t| ends(t)).unwrap_or(rest.len());
            let rest = &rest[..stop];
            if rest.iter().any(|t| t == "--example") {
                i += 2 + stop;
                continue;
            }
            let after = |flag: &str| rest.iter().position(|t| t == flag).and_then(|p| rest.get(p + 1)).cloned();
            let bin = after("--bin").or_else(|| after("-p")).unwrap_or_else(|| "nanotrace".to_owned());
            let args_at = rest.iter().position(|t| t == "--").map(|p| i + 2 + p + 1).unwrap_or(i + 2 + stop);
            Some((bin, args_at))
        } else if name == "nt" || BINARIES.contains(&name) {
            Some((if name == "nt" { "nanotrace".to_owned() } else { name.to_owned() }, i + 1))
        } else {
            None
        };
        match start {
            Some((bin, from)) => {
                let from = from.min(tokens.len());
                let len = tokens[from..].iter().position(|t| ends(t)).unwrap_or(tokens.len() - from);
                out.push((bin, tokens[from..from + len].to_vec()));
                i = from + len;
            }
            None => i += 1,
        }
    }
    out
}

/// The subcommands a clap help text lists.
fn subcommands(help: &str) -> Vec<String> {
    help.split("Commands:")
        .nth(1)
        .map(|section| {
            section
                .lines()
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `--help` of `bin` (a built binary of the workspace) with `path` (subcommands).
fn help(bin: &Path, path: &[String]) -> String {
    let out = std::process::Command::new(bin)
        .args(path)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{} {path:?} --help: {e}", bin.display()));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What is wrong with `args` given to `bin`: a subcommand that does not exist, or a flag
/// that the `--help` of the subcommand (or of one above it) does not list.
fn unknown_usage(bin: &Path, args: &[String], helps: &mut BTreeMap<(PathBuf, Vec<String>), String>) -> Vec<String> {
    let mut get = |path: &[String]| -> String {
        helps.entry((bin.to_path_buf(), path.to_vec())).or_insert_with(|| help(bin, path)).clone()
    };
    let mut path: Vec<String> = Vec::new();
    let mut flags = Vec::new();
    // The first word, unless it is a flag's value, names a subcommand where there are some.
    let (mut first_word, mut after_flag) = (true, false);
    for arg in args {
        if let Some(flag) = arg.strip_prefix("--") {
            let (flag, value) = match flag.split_once('=') {
                Some((f, _)) => (f, true),
                None => (flag, false),
            };
            if !flag.is_empty() && flag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                flags.push(format!("--{flag}"));
            }
            after_flag = !value;
            continue;
        }
        let known = subcommands(&get(&path));
        if known.contains(arg) {
            path.push(arg.clone());
        } else if first_word
            && !after_flag
            && !known.is_empty()
            && arg.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        {
            return vec![format!("no subcommand {arg:?} (its --help lists {known:?})")];
        } else if after_flag {
            after_flag = false;
            continue;
        }
        first_word = false;
        after_flag = false;
    }
    let mut texts = vec![get(&path)];
    for n in 0..path.len() {
        texts.push(get(&path[..n]));
    }
    flags
        .into_iter()
        .filter(|f| {
            !texts.iter().any(|t| {
                t.match_indices(f.as_str())
                    .any(|(at, _)| !t[at + f.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-'))
            })
        })
        .map(|f| format!("{f}: not in the --help of {} {}", bin.display(), path.join(" ")))
        .collect()
}

#[test]
fn every_command_the_docs_show_exists_with_the_flags_they_use() {
    let root = root();
    let exe = std::env::current_exe().expect("the test's path");
    let bin_dir = exe.parent().and_then(Path::parent).expect("target/<profile>").to_path_buf();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    files.sort();
    let mut helps = BTreeMap::new();
    let (mut problems, mut checked) = (Vec::new(), 0);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a Markdown file");
        for line in code(&text) {
            for (bin, args) in invocations(&line) {
                let path = bin_dir.join(&bin);
                assert!(path.is_file(), "no {} (docs name it): run `cargo build --workspace` first", path.display());
                checked += 1;
                for problem in unknown_usage(&path, &args, &mut helps) {
                    let name = file.strip_prefix(&root).unwrap_or(file).display().to_string();
                    problems.push(format!("{name}: `{}`: {problem}", line.trim()));
                }
            }
        }
    }
    problems.dedup();
    assert!(checked > 50, "only {checked} commands found in the docs");
    assert!(problems.is_empty(), "{} problem(s) in {checked} commands:\n{}", problems.len(), problems.join("\n"));
    eprintln!("{checked} commands of the docs checked against their binaries' --help");
}

/// Flags of other programs that the docs name in prose, each with its program.
const OTHER_PROGRAMS_FLAGS: [(&str, &str); 5] = [
    ("--timings", "cargo build"),
    ("--read-only", "podman run"),
    ("--ulimit", "podman run"),
    ("--runtime", "podman run"),
    ("--batch-count", "nanotrace-load before it became --batches (docs/BENCHMARKS-HISTORY.md)"),
];

/// The `--flags` in `text` (a help text, a script, a source file).
fn flags_in(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices("--") {
        let name: String =
            text[at + 2..].chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
        let before = text[..at].chars().next_back();
        if name.len() > 1 && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-') {
            out.insert(format!("--{}", name.trim_end_matches('-')));
        }
    }
    out
}

/// Every flag of `bin` and of its subcommands, from their `--help`.
fn flags_of(bin: &Path, path: &mut Vec<String>, out: &mut BTreeSet<String>) {
    let text = help(bin, path);
    out.extend(flags_in(&text));
    for sub in subcommands(&text).into_iter().filter(|s| s != "help") {
        path.push(sub);
        flags_of(bin, path, out);
        path.pop();
    }
}

/// Every flag the workspace's programs take: the binaries' (their `--help`, every
/// subcommand's too), the scripts' and the benchmark harnesses' (their sources).
fn our_flags(bin_dir: &Path) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for bin in BINARIES.iter().chain(&["nanotrace-topology", "nanotrace-plot", "nanotrace-healthcheck"]) {
        let path = bin_dir.join(bin);
        assert!(path.is_file(), "no {}: run `cargo build --workspace` first", path.display());
        flags_of(&path, &mut Vec::new(), &mut flags);
    }
    let root = root();
    let mut sources = Vec::new();
    for dir in ["scripts", "systests", "bench/load/benches"] {
        files_under(&root.join(dir), &mut sources);
    }
    for file in sources.iter().filter(|f| f.extension().is_some_and(|e| e == "sh" || e == "rs")) {
        flags.extend(flags_in(&std::fs::read_to_string(file).unwrap_or_default()));
    }
    flags
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A flag named in prose (an inline code span that starts with it, as "`--max-staleness-secs`
/// (30 s)") is one that some program of ours takes — or another program the list above
/// names: a renamed flag left in the docs fails here (issue 74 found `--max-header` and
/// `--max-staleness`, which are `--max-header-bytes` and `--max-staleness-secs`).
#[test]
fn every_flag_the_docs_name_in_prose_exists() {
    let exe = std::env::current_exe().expect("the test's path");
    let bin_dir = exe.parent().and_then(Path::parent).expect("target/<profile>").to_path_buf();
    let mut known = our_flags(&bin_dir);
    assert!(known.contains("--max-staleness-secs") && known.contains("--profile"), "the binaries' flags were read");
    assert!(!known.contains("--max-staleness"), "a flag is read whole, not as a prefix of a longer one");
    known.extend(OTHER_PROGRAMS_FLAGS.iter().map(|(flag, _)| (*flag).to_owned()));
    let root = root();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    files.sort();
    let (mut problems, mut checked) = (Vec::new(), 0);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a Markdown file");
        for event in Parser::new(&text) {
            let Event::Code(span) = event else { continue };
            let Some(flag) = span.starts_with("--").then(|| flags_in(&span).into_iter().next()).flatten() else {
                continue;
            };
            checked += 1;
            if !known.contains(&flag) {
                let name = file.strip_prefix(&root).unwrap_or(file).display().to_string();
                problems.push(format!("{name}: `{span}`: no program of ours takes {flag}"));
            }
        }
    }
    problems.dedup();
    assert!(checked > 50, "only {checked} flags found in the docs' prose");
    assert!(
        problems.is_empty(),
        "{} flag(s) the docs name that nothing takes:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn flags_are_read_whole() {
    let found = flags_in("--max-staleness-secs <SECS>  [env: X] e.g. a--b, --x, `--profile=p`, --tls-ca-");
    let expected = ["--max-staleness-secs", "--profile", "--tls-ca"];
    assert_eq!(found, expected.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>());
}

#[test]
fn commands_are_found_in_shell_lines_and_cargo_runs() {
    let found =
        invocations("nt --profile $P/a.yaml approve NT-X --reason \"x\" | jq . && nanotrace-verifier --listen 1");
    assert_eq!(found[0].0, "nanotrace");
    assert_eq!(found[0].1, ["--profile", "$P/a.yaml", "approve", "NT-X", "--reason", "x"]);
    assert_eq!(found[1], ("nanotrace-verifier".to_owned(), vec!["--listen".to_owned(), "1".to_owned()]));
    let cargo = invocations("cargo run --bin nanotrace-console -- demo --data-dir ./nt-console   # a comment");
    assert_eq!(
        cargo,
        [("nanotrace-console".to_owned(), vec!["demo".into(), "--data-dir".into(), "./nt-console".into()])]
    );
    assert!(invocations("cargo run -p nanotrace-client --example connect -- x.yaml").is_empty());
    assert!(invocations("scripts/network.sh deploy nanotrace --address 1").is_empty(), "an argument");
    assert!(invocations("'nanotrace' sequence 2 committed").is_empty(), "quoted text");
    let env = invocations("X=\"a nanotrace b\" sudo nanotrace-notify check");
    assert_eq!(env, [("nanotrace-notify".to_owned(), vec!["check".to_owned()])]);
    let help = "Usage: x\n\nCommands:\n  apply   Apply\n  approve  Approve\n\nOptions:\n  --profile <P>\n";
    assert_eq!(subcommands(help), ["apply", "approve"]);
}

/// Whether `span` (inline code) names a file or folder of the repository: a relative
/// path with a folder, no placeholders, and a file extension or a trailing `/`.
fn names_a_path(span: &str) -> bool {
    const EXTENSIONS: [&str; 14] = [
        ".rs", ".md", ".sh", ".toml", ".yaml", ".yml", ".json", ".js", ".css", ".proto", ".png", ".go", ".service",
        ".lock",
    ];
    let generated = [".run/", "target/", "tests/vc/node_modules", "~", "/", "$", "<", "."];
    span.trim_end_matches('/').contains('/')
        && !span.split('/').any(|part| part.len() > 1 && part.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        && !span.contains(char::is_whitespace)
        && !span.contains(['*', '{', '…', '<', '>', '$', ':', '#', '?', '='])
        && !generated.iter().any(|g| span.starts_with(g))
        && (span.ends_with('/') || EXTENSIONS.iter().any(|e| span.ends_with(e)))
}

#[test]
fn every_file_the_docs_name_exists() {
    let root = root();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    let (mut missing, mut named) = (Vec::new(), 0);
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a Markdown file");
        let dir = file.parent().unwrap_or(&root);
        for span in Parser::new(&text).filter_map(|e| match e {
            Event::Code(c) => Some(c.into_string()),
            _ => None,
        }) {
            if !names_a_path(&span) {
                continue;
            }
            // From the repository's root, the document's folder, its crate's or its
            // crate's `src/`; a path whose first folder is in none of them is another
            // project's (Fabric's sources, an MSP folder's layout).
            let crate_dir = dir.ancestors().find(|d| d.join("Cargo.toml").is_file()).unwrap_or(&root);
            let bases = [root.clone(), dir.to_path_buf(), crate_dir.to_path_buf(), crate_dir.join("src")];
            let first = span.split('/').next().unwrap_or_default();
            if !bases.iter().any(|base| base.join(first).exists()) {
                continue;
            }
            if !bases.iter().any(|base| base.join(&span).exists()) {
                missing.push(format!("{}: `{span}`", file.strip_prefix(&root).unwrap_or(file).display()));
            }
            named += 1;
        }
    }
    missing.sort();
    missing.dedup();
    assert!(named > 100, "only {named} paths found in the docs");
    assert!(missing.is_empty(), "{} path(s) the docs name do not exist:\n{}", missing.len(), missing.join("\n"));
    eprintln!("{named} paths the docs name exist");
}
