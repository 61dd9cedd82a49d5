//! Build script: links the `folio` binary with packed relative relocations where the C library
//! can load them, so every folio process starts about 1 MB smaller.
//!
//! A position-independent binary carries one 24-byte relocation entry for every pointer in its
//! constant data (vtables, tables of strings): folio has some 45,000, a megabyte the loader reads
//! at every start and which stays resident. `-z pack-relative-relocs` stores them as a bitmap of
//! a few kilobytes instead, keeping address-space randomisation (a non-PIE binary would drop the
//! table too, but at the cost of ASLR). Loaders before glibc 2.36 cannot read the packed form
//! (the linker then records a version they lack, and the binary would not start), so the flag is
//! only passed when building on glibc 2.36 or later for the machine itself. Set
//! `FOLIO_NO_PACKED_RELOCS=1` to leave it out.

use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=FOLIO_NO_PACKED_RELOCS");
    if env::var_os("FOLIO_NO_PACKED_RELOCS").is_some() {
        return;
    }
    let (Ok(target), Ok(host)) = (env::var("TARGET"), env::var("HOST")) else { return };
    // The check below asks the build machine's C library, so it only speaks for native builds.
    if target != host || !target.ends_with("-linux-gnu") {
        return;
    }
    if glibc_version().is_some_and(|version| version >= (2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// The build machine's glibc version, from `getconf GNU_LIBC_VERSION` ("glibc 2.36").
fn glibc_version() -> Option<(u32, u32)> {
    let output = Command::new("getconf").arg("GNU_LIBC_VERSION").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.trim_end_matches(|c: char| !c.is_ascii_digit()).parse().ok()?;
    Some((major, minor))
}
