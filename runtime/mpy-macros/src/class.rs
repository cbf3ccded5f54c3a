//! `#[mpy::class]`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::utils::path_list;

/// Options of `#[mpy::class(...)]`.
#[derive(Default)]
struct Options {
    name: Option<String>,
    /// `constructor = f`: the `#[mpy::function]` that `T(...)` calls.
    constructor: Option<syn::Path>,
    /// `methods = [f, g]`: `#[mpy::function]`s whose first parameter is `&T`.
    methods: Vec<syn::Path>,
}

fn parse_options(attr: TokenStream) -> syn::Result<Options> {
    let mut opts = Options::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            opts.name = Some(lit.value());
            Ok(())
        } else if meta.path.is_ident("constructor") {
            opts.constructor = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("methods") {
            opts.methods = path_list(meta.value()?.parse()?, "a `#[mpy::function]`")?;
            Ok(())
        } else {
            Err(meta.error(
                "unknown option; expected `name = \"PyName\"`, `constructor = f` or `methods = [f, g]`",
            ))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(opts)
}

/// The Python-visible name: `name = "..."`, else the type's own name.
fn py_name(opts: &Options, default: &syn::Ident) -> String {
    opts.name.clone().unwrap_or_else(|| {
        let s = default.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    })
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let item: syn::Item = syn::parse2(item)?;
    let (ident, generics) = match &item {
        syn::Item::Struct(s) => (&s.ident, &s.generics),
        syn::Item::Enum(e) => (&e.ident, &e.generics),
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "`#[mpy::class]` goes on a struct or an enum",
            ))
        }
    };
    if !generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            generics,
            "a class cannot be generic: each class is one Python type",
        ));
    }
    let opts = parse_options(attr)?;
    let name = py_name(&opts, ident);
    let qstr = crate::qstr::read_expr(&name);
    let constructor = match &opts.constructor {
        Some(f) => quote!(::core::option::Option::Some(#f::__mpy_make_new::<Self>)),
        None => quote!(::core::option::Option::None),
    };
    let methods = &opts.methods;
    let declared = opts.constructor.is_some() || !opts.methods.is_empty();
    let probe = probe_built_by_init(&quote!(#ident));
    Ok(quote! {
        #item

        impl ::mpy::impl_::Class for #ident {
            fn name() -> ::mpy::impl_::Qstr {
                #qstr
            }
        }

        impl ::mpy::impl_::TypeObject for #ident {
            fn slot() -> &'static ::mpy::impl_::TypeSlot {
                // Exported, so that the linker keeps the type object in BSS (reached
                // through the GOT) instead of in the module's image.
                #[unsafe(export_name = ::core::concat!("__mpy_type_", ::core::module_path!(), "::", #name))]
                static SLOT: ::mpy::impl_::TypeSlot = ::mpy::impl_::TypeSlot::new();
                &SLOT
            }
            fn built_by_init() -> bool {
                #probe
            }
        }

        impl ::mpy::impl_::ClassImpl for #ident {
            const PY_NAME: &'static str = #name;
            const MAKE_NEW: ::core::option::Option<::mpy::impl_::sys::MpMakeNewFun> = #constructor;
            const DECLARED: bool = #declared;
            const METHODS: &'static [::mpy::impl_::Function] = &[#(#methods::DEF),*];
        }
    })
}

/// Whether type `ty` is listed in `#[mpy::module(classes = [...])]` (implements
/// `BuiltByInit`), decided at compile time by method resolution: the method on `Probe<T>`
/// applies only when the bound holds, else auto-referencing finds the one on `&Probe<T>`.
pub(crate) fn probe_built_by_init(ty: &TokenStream) -> TokenStream {
    quote! {{
        #[allow(unused_imports)]
        use ::mpy::impl_::{ProbeDefault as _, ProbeListed as _};
        (&::mpy::impl_::Probe::<#ty>(::core::marker::PhantomData)).built_by_init()
    }}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_errors() {
        let id: syn::Ident = syn::parse_quote!(Counter);
        assert_eq!(py_name(&parse_options(quote!()).unwrap(), &id), "Counter");
        assert_eq!(
            py_name(&parse_options(quote!(name = "Ctr")).unwrap(), &id),
            "Ctr"
        );
        assert!(parse_options(quote!(bogus)).is_err());
        assert!(parse_options(quote!(methods = [1])).is_err());
        let out = expand(
            quote!(constructor = new, methods = [incr, m::reset]),
            quote!(
                struct Counter;
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            out.contains("Some (new :: __mpy_make_new :: < Self >)"),
            "{out}"
        );
        assert!(out.contains("& [incr :: DEF , m :: reset :: DEF]"), "{out}");
        let out = expand(
            quote!(),
            quote!(
                struct Counter {
                    n: u8,
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(out.contains("__mpy_qstr_Counter"), "{out}");
        assert!(expand(
            quote!(),
            quote!(
                struct G<T>(T);
            )
        )
        .is_err());
        assert!(expand(quote!(), quote!(union U { a: u8 })).is_err());
    }
}
