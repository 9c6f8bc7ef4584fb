//! The `netinv` binary: everything is in the library; this only hands it the exit code.

fn main() {
    std::process::exit(netinv::run::main());
}
