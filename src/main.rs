fn main() {
    std::process::exit(mingzhang::cli::main());
}
