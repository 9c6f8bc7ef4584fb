fn main() {
    std::process::exit(netinv::run::main());
}
