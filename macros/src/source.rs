//! Generated code written as Rust source and lexed once.
//!
//! Inside rustc every token a proc macro builds crosses the proc-macro
//! bridge, and the macro itself runs unoptimised in debug builds
//! (`build-override` defaults to `opt-level = 0`): building the thousands
//! of tokens of a large skeleton one by one with `quote!` cost most of the
//! expansion time. The repetitive parts (types, per-variable accessors,
//! per-map and per-program fields) are therefore written with `write!`
//! (the standard library's formatting is compiled optimised) and lexed by
//! the compiler in one call. All their tokens get the call-site span, as
//! `quote!`'s do.

use proc_macro2::TokenStream;

/// Lexes generated source. It is always valid Rust: if it ever were not,
/// the error names this macro rather than panicking.
pub fn tokens(src: &str) -> TokenStream {
    // In the compiler, its lexer directly: `proc_macro2`'s `FromStr` would
    // first validate the text with its own lexer, unoptimised here.
    let lexed = if proc_macro::is_available() {
        src.parse::<proc_macro::TokenStream>()
            .map(TokenStream::from)
            .map_err(|e| e.to_string())
    } else {
        src.parse::<TokenStream>().map_err(|e| e.to_string())
    };
    match lexed {
        Ok(t) => t,
        Err(e) => {
            let msg =
                format!("#[bpf_skeleton] generated source that does not lex ({e}); please report");
            quote::quote!(::core::compile_error!(#msg);)
        }
    }
}
