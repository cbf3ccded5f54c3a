//! `#[mpy::module]`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::utils::path_list;

#[derive(Default)]
struct Options {
    no_allocator: bool,
    no_panic_handler: bool,
    /// `functions = [a, b]`: `#[mpy::function]` items stored when init returns.
    functions: Vec<syn::Path>,
    /// `constants = [NAME = value, ...]`: values stored when init returns.
    constants: Vec<(syn::Ident, syn::Expr)>,
    /// `classes = [T]`: `#[mpy::class]` types registered when init returns.
    classes: Vec<syn::Path>,
    /// `exceptions = [E, F]`: `create_exception!` types stored when init returns.
    exceptions: Vec<syn::Path>,
}

fn parse_options(attr: TokenStream) -> syn::Result<Options> {
    let mut opts = Options::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("no_allocator") {
            opts.no_allocator = true;
        } else if meta.path.is_ident("no_panic_handler") {
            opts.no_panic_handler = true;
        } else if meta.path.is_ident("functions") {
            opts.functions = path_list(meta.value()?.parse()?, "a `#[mpy::function]`")?;
        } else if meta.path.is_ident("classes") {
            opts.classes = path_list(meta.value()?.parse()?, "an `#[mpy::class]` type")?;
        } else if meta.path.is_ident("exceptions") {
            opts.exceptions = path_list(
                meta.value()?.parse()?,
                "an exception declared with `mpy::create_exception!`",
            )?;
        } else if meta.path.is_ident("constants") {
            let list: syn::ExprArray = meta.value()?.parse()?;
            for e in list.elems {
                let err = || {
                    syn::Error::new_spanned(&e, "expected `NAME = value` (NAME becomes the qstr)")
                };
                let syn::Expr::Assign(a) = &e else {
                    return Err(err());
                };
                let syn::Expr::Path(p) = &*a.left else {
                    return Err(err());
                };
                let Some(name) = p.path.get_ident() else {
                    return Err(err());
                };
                opts.constants.push((name.clone(), (*a.right).clone()));
            }
        } else {
            return Err(meta.error(
                "unknown option; expected `no_allocator`, `no_panic_handler`, `functions = [...]`, \
                 `constants = [...]`, `classes = [...]` or `exceptions = [...]`",
            ));
        }
        Ok(())
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(opts)
}

/// An unsuffixed integer literal (possibly negated) becomes its small int at compile time;
/// any other value is converted when stored.
fn constant_value(value: &syn::Expr) -> TokenStream {
    let lit = match value {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => &*u.expr,
        other => other,
    };
    match lit {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) if i.suffix().is_empty() => {
            quote!(const { ::mpy::impl_::small_int_literal(#value) })
        }
        _ => quote!(#value),
    }
}

/// Whether the init function's body is just `Ok(())`: then no module code runs while the
/// module initialises, and its globals need not be made current.
fn body_is_ok_unit(func: &syn::ItemFn) -> bool {
    let [syn::Stmt::Expr(syn::Expr::Call(call), None)] = func.block.stmts.as_slice() else {
        return false;
    };
    let is_ok =
        matches!(&*call.func, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident("Ok"));
    let unit_arg = matches!(
        call.args.iter().collect::<Vec<_>>().as_slice(),
        [syn::Expr::Tuple(t)] if t.elems.is_empty()
    );
    is_ok && unit_arg
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let opts = parse_options(attr)?;
    let func: syn::ItemFn = syn::parse2(item)?;
    if func.sig.inputs.len() != 1 {
        return Err(syn::Error::new_spanned(
            &func.sig,
            "the module init function takes one parameter: `m: &mpy::Module<'_>`",
        ));
    }
    let init = &func.sig.ident;
    let functions = &opts.functions;
    // Several functions: one table in rodata and a loop (the names are data relocations, so
    // they need no GOT entries); a single one is stored directly.
    let store_functions = if functions.len() >= 2 {
        let n = functions.len();
        quote! {
            static __MPY_FUNCTIONS: [::mpy::impl_::Function; #n] = [#(#functions::DEF),*];
            ::mpy::impl_::store_functions(__globals, &__MPY_FUNCTIONS);
        }
    } else {
        quote!(#(::mpy::impl_::store_function(__globals, #functions::DEF);)*)
    };
    let classes = &opts.classes;
    let exceptions = &opts.exceptions;
    // An init function that only returns `Ok(())` runs no module code: the exports are
    // stored without making the module's globals current (two firmware calls fewer).
    let run = if body_is_ok_unit(&func) {
        quote!(::mpy::impl_::module_init_exports_only)
    } else {
        quote!(::mpy::impl_::module_init)
    };
    let (const_names, const_values): (Vec<_>, Vec<_>) = opts
        .constants
        .iter()
        .map(|(name, value)| (name.clone(), constant_value(value)))
        .unzip();
    // Only in the module's own build (`panic = "abort"`, which `cargo mpy build` sets): not
    // in `cargo test` or doc-test builds on the host, which link the standard library with
    // its own panic handler, and whose start-up code allocates before any firmware exists.
    let allocator = (!opts.no_allocator).then(|| {
        quote! {
            #[cfg(all(not(test), panic = "abort"))]
            #[global_allocator]
            static __MPY_HEAP: ::mpy::impl_::MpHeap = ::mpy::impl_::MpHeap;
        }
    });
    let panic_handler = (!opts.no_panic_handler).then(|| {
        quote! {
            #[cfg(all(not(test), panic = "abort"))]
            #[panic_handler]
            fn __mpy_panic(info: &::core::panic::PanicInfo<'_>) -> ! {
                ::mpy::impl_::panic(info)
            }
        }
    });
    Ok(quote! {
        #func

        /// Entry point called by MicroPython's loader when the module is imported.
        ///
        /// # Safety
        ///
        /// Only the loader may call this, with the module's function object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn mpy_init(
            self_: *mut ::mpy::impl_::sys::MpObjFun,
            _n_args: usize,
            _n_kw: usize,
            _args: *mut ::mpy::impl_::sys::MpObj,
        ) -> ::mpy::impl_::sys::MpObj {
            // SAFETY: called by the loader with the module's function object, before any
            // other code of the module (the listed types' storage is still zero); the
            // closure runs after `init` returned `Ok`, from a frame that owns nothing.
            unsafe {
                // The listed types first, so that no later use needs to check for them.
                #(::mpy::impl_::build_exception::<#exceptions>();)*
                #(::mpy::impl_::build_class::<#classes>();)*
                #run(self_, #init, |__globals| {
                    #store_functions
                    #(::mpy::impl_::register_exception::<#exceptions>(__globals);)*
                    #(::mpy::impl_::register_class::<#classes>(__globals);)*
                    #(::mpy::impl_::store_constant(__globals, ::mpy::impl_::qstr!(#const_names), #const_values);)*
                })
            }
        }

        // The module builds these in `mpy_init` before anything else.
        #(unsafe impl ::mpy::impl_::BuiltByInit for #exceptions {})*
        #(unsafe impl ::mpy::impl_::BuiltByInit for #classes {})*

        #allocator
        #panic_handler
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_init_that_only_returns_ok_skips_the_globals_swap() {
        let empty = expand(
            quote!(),
            quote!(
                fn init(_m: &Module<'_>) -> PyResult<()> {
                    Ok(())
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            empty.contains("module_init_exports_only (self_ , init"),
            "{empty}"
        );
        for body in [
            quote!({
                m.add(qstr!(X), 1)?;
                Ok(())
            }),
            quote!({ Ok(m.add(qstr!(X), 1)?) }),
            quote!({ std::result::Result::Ok(()) }),
        ] {
            let item = quote!(fn init(m: &Module<'_>) -> PyResult<()> #body);
            let out = expand(quote!(), item).unwrap().to_string();
            assert!(
                out.contains("module_init (self_ , init") && !out.contains("exports_only"),
                "{out}"
            );
        }
    }

    #[test]
    fn options() {
        let out = expand(
            quote!(no_allocator),
            quote!(
                fn init(m: &Module<'_>) -> PyResult<()> {
                    Ok(())
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            out.contains("mpy_init")
                && !out.contains("global_allocator")
                && out.contains("panic_handler")
        );
        assert!(expand(
            quote!(),
            quote!(
                fn init() {}
            )
        )
        .is_err());
        assert!(expand(
            quote!(nope),
            quote!(
                fn init(m: &Module) {}
            )
        )
        .is_err());
        let out = expand(
            quote!(functions = [add, sub::inner]),
            quote!(
                fn init(m: &Module) {}
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            out.contains("add :: DEF")
                && out.contains("sub :: inner :: DEF")
                && out.contains("store_functions"),
            "{out}"
        );
        let out = expand(
            quote!(constants = [VAL = 42, MSG = qstr!(HELLO)]),
            quote!(
                fn init(m: &Module) {}
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            out.contains(
                "store_constant (__globals , :: mpy :: impl_ :: qstr ! (VAL) , const { :: mpy :: impl_ :: small_int_literal (42) })"
            ) && out.contains("store_constant (__globals , :: mpy :: impl_ :: qstr ! (MSG) , qstr ! (HELLO))"),
            "{out}"
        );
        let out = expand(
            quote!(classes = [Counter], exceptions = [Oops, m::Bad]),
            quote!(
                fn init(m: &Module) {}
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            out.contains("register_class :: < Counter > (__globals)")
                && out.contains("register_exception :: < Oops > (__globals)")
                && out.contains("register_exception :: < m :: Bad > (__globals)"),
            "{out}"
        );
        // Built first thing in `mpy_init`, before `module_init` runs any module code, and
        // marked so that uses skip the check.
        let build = out.find("build_class :: < Counter > ()").unwrap();
        assert!(out.find("build_exception :: < m :: Bad > ()").unwrap() < build);
        assert!(build < out.find("module_init").unwrap(), "{out}");
        assert!(
            out.contains("unsafe impl :: mpy :: impl_ :: BuiltByInit for Counter { }")
                && out.contains("unsafe impl :: mpy :: impl_ :: BuiltByInit for m :: Bad { }"),
            "{out}"
        );
        assert!(expand(
            quote!(exceptions = [Bad(ValueError)]),
            quote!(
                fn init(m: &Module) {}
            )
        )
        .is_err());
        assert!(expand(
            quote!(constants = [42]),
            quote!(
                fn init(m: &Module) {}
            )
        )
        .is_err());
        assert!(expand(
            quote!(functions = [1 + 2]),
            quote!(
                fn init(m: &Module) {}
            )
        )
        .is_err());
    }
}
