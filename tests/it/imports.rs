//! No two files import each other (the guide's rule; issue 74 found circles in the
//! verifier's web layer, the Gateway client, the notifier and the contract).
//!
//! For every crate of the repository, each source file is a module (`a/b.rs` and
//! `a/b/mod.rs` are `a::b`), and a file *uses* another when one of its paths — in a `use`
//! or in the code — names that module or something inside it through `crate::`,
//! `super::` or `self::`. A module's use of its own ancestors (the parent that declares
//! it, and holds what its children share) does not count: that is where it lives, not
//! an import. Code under `#[cfg(test)]` does not count either. The test fails on any
//! circle of files left, naming them and the uses that close it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module path inside a crate (`["web", "api"]`); the crate root is empty.
type Module = Vec<String>;

/// Every file under `dir`, outside folders whose name starts with `.` and `target`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if !path.is_dir() {
                out.push(path);
            } else if !name.to_string_lossy().starts_with('.') && name != "target" && name != "node_modules" {
                stack.push(path);
            }
        }
    }
    out
}

/// The modules of the source tree at `src`: each file's module path.
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    for path in files(src) {
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let relative = path.strip_prefix(src).expect("under src");
        let mut module: Module =
            relative.with_extension("").components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
            module.pop();
        }
        // A crate with both lib.rs and main.rs: the library is the tree the paths name.
        if module.is_empty() && path.file_name().is_some_and(|n| n == "main.rs") && src.join("lib.rs").exists() {
            continue;
        }
        out.insert(module, path);
    }
    out
}

/// The paths of one file that start with `crate`, `super` or `self`, each with the
/// module it is written in (an inline `mod` moves it), code under `#[cfg(test)]` left out.
struct Paths {
    /// The module the visitor is in.
    here: Module,
    found: Vec<(Module, Vec<String>)>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.meta.require_list().is_ok_and(|l| l.tokens.to_string().trim() == "test"))
}

impl Paths {
    fn take(&mut self, segments: Vec<String>) {
        if matches!(segments.first().map(String::as_str), Some("crate" | "super" | "self")) {
            self.found.push((self.here.clone(), segments));
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                if n.ident != "self" {
                    path.push(n.ident.to_string());
                }
                self.take(path);
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                path.push(r.ident.to_string());
                self.take(path);
            }
            syn::UseTree::Glob(_) => self.take(prefix.clone()),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if is_cfg_test(&item.attrs) {
            return;
        }
        if item.content.is_some() {
            self.here.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.here.pop();
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_cfg_test(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if !is_cfg_test(&item.attrs) {
            syn::visit::visit_item_impl(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if !is_cfg_test(&item.attrs) {
            self.use_tree(&mut Vec::new(), &item.tree);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.take(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }
}

/// The module a path written in `here` (inside the file of module `file`) names: the
/// deepest module of the crate along it.
fn target(modules: &BTreeMap<Module, PathBuf>, file: &Module, here: &Module, path: &[String]) -> Option<Module> {
    let mut at: Module = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        _ => here.clone(),
    };
    let mut rest = &path[1..];
    if path.first().map(String::as_str) == Some("super") {
        at.pop();
    }
    while rest.first().map(String::as_str) == Some("super") {
        at.pop();
        rest = &rest[1..];
    }
    // Inside an inline module the file is still the file: walk up to a module that is one.
    while !modules.contains_key(&at) && !at.is_empty() {
        at.pop();
    }
    for segment in rest {
        let mut next = at.clone();
        next.push(segment.clone());
        if !modules.contains_key(&next) {
            break;
        }
        at = next;
    }
    let ancestor = file.starts_with(&at);
    (!ancestor && modules.contains_key(&at)).then_some(at)
}

/// Each file's uses of other files: `(from, to) → the paths that make it`.
fn uses(src: &Path) -> BTreeMap<(Module, Module), BTreeSet<String>> {
    let modules = modules(src);
    let mut out: BTreeMap<(Module, Module), BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let syntax = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut paths = Paths { here: module.clone(), found: Vec::new() };
        paths.visit_file(&syntax);
        for (here, path) in paths.found {
            if let Some(to) = target(&modules, module, &here, &path) {
                if &to != module {
                    out.entry((module.clone(), to)).or_default().insert(path.join("::"));
                }
            }
        }
    }
    out
}

/// The strongly connected groups of more than one file (Tarjan's algorithm).
fn circles(edges: &BTreeMap<(Module, Module), BTreeSet<String>>) -> Vec<BTreeSet<Module>> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
        next.entry(to).or_default();
    }
    struct Walk<'a> {
        next: &'a BTreeMap<&'a Module, Vec<&'a Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<BTreeSet<Module>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a Module) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for &w in &self.next[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.insert(w.clone());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        next: &next,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in next.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

/// Every crate's `src` folder in the repository (the workspace and the fuzz crate).
fn source_trees(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = files(root)
        .into_iter()
        .filter(|path| path.file_name().is_some_and(|n| n == "Cargo.toml"))
        .filter_map(|manifest| manifest.parent().map(|dir| dir.join("src")))
        .filter(|src| src.is_dir())
        .collect();
    out.sort();
    out
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "(crate root)".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn no_two_files_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let trees = source_trees(root);
    assert!(trees.len() > 20, "found only {} crates under {}", trees.len(), root.display());
    let mut report = String::new();
    for src in trees {
        let edges = uses(&src);
        for group in circles(&edges) {
            report.push_str(&format!("{}: {}\n", src.display(), group.iter().map(name).collect::<Vec<_>>().join(", ")));
            for ((from, to), paths) in &edges {
                if group.contains(from) && group.contains(to) {
                    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
                    report.push_str(&format!("    {} -> {}: {}\n", name(from), name(to), paths.join(", ")));
                }
            }
        }
    }
    assert!(report.is_empty(), "files that import each other (move what both need into a file of its own):\n{report}");
}

/// The check itself finds a circle, and not a child's use of its parent.
#[test]
fn a_circle_is_found_and_a_parent_is_no_import() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let src = dir.path();
    std::fs::create_dir_all(src.join("web")).expect("mkdir");
    std::fs::write(src.join("lib.rs"), "mod web;\npub struct Shared;\n").expect("write");
    std::fs::write(src.join("web/mod.rs"), "mod a;\nmod b;\nuse a::A;\nstruct Web(crate::Shared);\n").expect("write");
    std::fs::write(
        src.join("web/a.rs"),
        "use super::b::B;\nuse super::Web;\npub struct A;\n#[cfg(test)]\nmod tests { use crate::web::b::B; }\n",
    )
    .expect("write");
    std::fs::write(src.join("web/b.rs"), "pub struct B;\nfn f() -> crate::web::a::A { super::a::A }\n").expect("write");
    let edges = uses(src);
    let found = circles(&edges);
    let a: Module = vec!["web".into(), "a".into()];
    let b: Module = vec!["web".into(), "b".into()];
    assert_eq!(found, vec![BTreeSet::from([a.clone(), b.clone()])]);
    assert!(edges.keys().all(|(from, _)| from != &Vec::<String>::new()), "{edges:?}");
    assert!(!edges.contains_key(&(a.clone(), vec!["web".to_owned()])), "a child's use of its parent counts: {edges:?}");

    // Without b's use of a (only in a test there), no circle.
    std::fs::write(src.join("web/b.rs"), "pub struct B;\n#[cfg(test)]\nfn f() -> crate::web::a::A { super::a::A }\n")
        .expect("write");
    assert!(circles(&uses(src)).is_empty());
}
