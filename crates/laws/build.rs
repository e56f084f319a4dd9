// Rebuild when any law file changes: include_dir does not track new files.
fn main() {
    println!("cargo:rerun-if-changed=../../laws");
}
