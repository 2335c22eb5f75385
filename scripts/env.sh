# Sourced by demo.sh, test.sh and .ci/run: one build environment for every cargo call.
#
# RocksDB's C++ (librocksdb-sys, the longest unit of a machine's first build) is compiled by a build
# script whose cargo unit hash depends on the features of host dependencies shared
# with other crates (bindgen, cc and their syn/memchr/regex features). A different
# package selection (`cargo build -p X`), or a new crate in the workspace that enables
# another syn feature, gives that build script a new hash and cargo compiles all of
# RocksDB again into a second out/ folder (seen: `.fingerprint/librocksdb-sys-*` JSON
# differing only in the hashes of its `bindgen` and `cc` dependencies). ccache makes
# any such repeat a cache hit: the C++ is compiled once per machine.
#
# C++ by clang when the machine has it (scripts/prereqs.sh installs it for bindgen anyway):
# RocksDB's sources compile in about half gcc's time at the dev profile's -O0 for
# librocksdb-sys (Cargo.toml), which makes a newcomer's first build minutes shorter.
cxx=c++
command -v clang++ >/dev/null 2>&1 && cxx=clang++
if command -v ccache >/dev/null 2>&1; then
  export CC="${CC:-ccache cc}" CXX="${CXX:-ccache $cxx}"
  export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nanotrace/ccache}"
  export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}" CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
  # Depend mode: a miss runs the compiler once (its -MD output names the headers), not the
  # preprocessor first — ~13 % of RocksDB's compile time on a machine's first build.
  export CCACHE_DEPEND="${CCACHE_DEPEND:-1}"
else
  export CXX="${CXX:-$cxx}"
fi
unset cxx
# Fabric binaries (never part of this repository): the official release's bin/ and
# config/ unpacked into ~/.local/share/fabric, or these variables.
export FABRIC_BIN_DIR="${FABRIC_BIN_DIR:-$HOME/.local/share/fabric/bin}"
export FABRIC_CFG_DIR="${FABRIC_CFG_DIR:-$HOME/.local/share/fabric/config}"
