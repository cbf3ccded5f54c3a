//! `#[mpy::function]`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::qstr::read_expr;
use crate::utils::{option_inner, Errors};

/// Options of `#[mpy::function(...)]`.
#[derive(Default)]
struct Options {
    name: Option<String>,
    positional: bool,
}

fn parse_options(attr: TokenStream) -> syn::Result<Options> {
    let mut opts = Options::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            opts.name = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            Ok(())
        } else if meta.path.is_ident("positional") {
            opts.positional = true;
            Ok(())
        } else {
            Err(meta.error("unknown option; expected `name = \"...\"` or `positional`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(opts)
}

/// One Python-visible parameter.
struct Param {
    ident: syn::Ident,
    /// The type with every lifetime replaced by `'_` (usable inside the generated module).
    ty: TokenStream,
    optional: bool,
    /// `&[Obj]`: every positional argument from here on.
    rest: bool,
    span: Span,
}

/// Whether `ty` is `&[Obj]` (any lifetime, any path ending in `Obj`): the parameter that
/// takes the remaining positional arguments.
fn is_rest(ty: &syn::Type) -> bool {
    let syn::Type::Reference(r) = ty else {
        return false;
    };
    if r.mutability.is_some() {
        return false;
    }
    let syn::Type::Slice(sl) = &*r.elem else {
        return false;
    };
    matches!(&*sl.elem, syn::Type::Path(p)
        if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Obj"))
}

/// `tokens` with each lifetime (`'a`) replaced by `'_`.
fn erase_lifetimes(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'' => {
                out.push(proc_macro2::TokenTree::Punct(p));
                if let Some(proc_macro2::TokenTree::Ident(id)) = iter.next() {
                    out.push(proc_macro2::TokenTree::Ident(syn::Ident::new(
                        "_",
                        id.span(),
                    )));
                }
            }
            proc_macro2::TokenTree::Group(g) => {
                let mut ng = proc_macro2::Group::new(g.delimiter(), erase_lifetimes(g.stream()));
                ng.set_span(g.span());
                out.push(proc_macro2::TokenTree::Group(ng));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn params(sig: &syn::Signature) -> syn::Result<Vec<Param>> {
    let mut errors = Errors::default();
    if let Some(a) = &sig.asyncness {
        errors.push(syn::Error::new(
            a.span(),
            "`async fn` cannot be a MicroPython function",
        ));
    }
    if let Some(v) = &sig.variadic {
        errors.push(syn::Error::new(
            v.span(),
            "variadic functions are not supported",
        ));
    }
    for g in &sig.generics.params {
        if !matches!(g, syn::GenericParam::Lifetime(_)) {
            errors.push(syn::Error::new(
                g.span(),
                "generic functions cannot be exported; only lifetimes are allowed",
            ));
        }
    }
    let mut out = Vec::new();
    for arg in &sig.inputs {
        match arg {
            syn::FnArg::Receiver(r) => {
                errors.push(syn::Error::new(
                    r.span(),
                    "`self` is not allowed in a `#[mpy::function]`",
                ));
            }
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) if pi.subpat.is_none() => out.push(Param {
                    ident: pi.ident.clone(),
                    ty: erase_lifetimes(pt.ty.to_token_stream()),
                    optional: option_inner(&pt.ty).is_some(),
                    rest: is_rest(&pt.ty),
                    span: pt.span(),
                }),
                other => errors.push(syn::Error::new(
                    other.span(),
                    "parameters must be plain identifiers",
                )),
            },
        }
    }
    errors.finish()?;
    Ok(out)
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let opts = parse_options(attr)?;
    let func: syn::ItemFn = syn::parse2(item)?;
    let mut params = params(&func.sig)?;
    // A trailing `&[Obj]` takes the remaining positional arguments (`*args`).
    let rest = match params.iter().position(|p| p.rest) {
        None => None,
        Some(i) if i + 1 == params.len() && opts.positional => params.pop(),
        Some(i) => {
            let msg = if opts.positional {
                "a `&[Obj]` parameter takes the remaining arguments, so it must come last"
            } else {
                "a `&[Obj]` parameter (the remaining positional arguments) needs \
                 `#[mpy::function(positional)]`"
            };
            return Err(syn::Error::new(params[i].span, msg));
        }
    };

    let fn_ident = &func.sig.ident;
    let vis = &func.vis;
    let rust_name = fn_ident.to_string();
    let py_name = opts.name.clone().unwrap_or_else(|| {
        rust_name
            .strip_prefix("r#")
            .unwrap_or(&rust_name)
            .to_owned()
    });
    let n = params.len();
    let n_required = params.iter().take_while(|p| !p.optional).count();
    let all_required = n_required == n;

    let names = params.iter().map(|p| read_expr(&p.ident.to_string()));
    let types: Vec<&TokenStream> = params.iter().map(|p| &p.ty).collect();
    let extract = params.iter().enumerate().map(|(i, p)| {
        let id = format_ident!("__arg_{}", i);
        let pname = p.ident.to_string();
        // The raising conversion when no parameter type has a destructor, else the
        // checked one.
        let (raising, checked) = if p.optional {
            (
                quote!(::mpy::impl_::optional_raising(__slots[#i])),
                quote!(::mpy::impl_::optional(__slots[#i])),
            )
        } else if opts.positional {
            (
                quote!(::mpy::impl_::positional_raising(__slots[#i])),
                quote!(::mpy::impl_::required(__slots[#i], __fname, #pname)),
            )
        } else {
            (
                quote!(::mpy::impl_::required_raising(__slots[#i], __fname, #pname)),
                quote!(::mpy::impl_::required(__slots[#i], __fname, #pname)),
            )
        };
        // The `unsafe` block has the macro's own span (the rest the parameter's, for errors
        // about its type), so that `#![forbid(unsafe_code)]` in the user's crate accepts it.
        let raising = quote! {
            // SAFETY: no parameter type has a destructor, so a raise skips nothing.
            unsafe { #raising }
        };
        quote_spanned!(p.span=> #[allow(unused_unsafe)] let #id = if ::mpy::impl_::plain::<(#(#types,)*)>() {
            #raising
        } else {
            #checked?
        };)
    });
    let mut arg_ids: Vec<_> = (0..n).map(|i| format_ident!("__arg_{}", i)).collect();
    if rest.is_some() {
        arg_ids.push(format_ident!("__rest"));
    }
    // Without keyword arguments the firmware has checked the count already and
    // no parameter names are needed at run time.
    let fixed = opts.positional && all_required && n <= 3 && rest.is_none();
    let binding = if fixed {
        // A fixed-arity entry point receives exactly `n` objects: every slot is filled,
        // which the optimiser can see, so no "missing argument" path is linked.
        quote!(let __slots = ::mpy::impl_::fixed_slots(&__raw);)
    } else if opts.positional {
        let rest = rest
            .as_ref()
            .map(|_| quote!(let __rest = __call.rest_after(#n);));
        quote!(let __slots = __call.positional_slots::<#n>(); #rest)
    } else {
        quote! {
            let __names: [::mpy::impl_::Qstr; #n] = [#(#names),*];
            let __slots = __call.bind(__fname, &__names)?;
        }
    };
    // Binding and converting the arguments, shared by the entry point and the constructor;
    // `__fname` is the name that argument errors give (the function's, or the class's).
    let prelude = quote! {
        #binding
        #(#extract)*
    };
    let call = quote!(super::#fn_ident(#(#arg_ids),*));
    let body = quote! {
        let __fname: &str = #py_name;
        #prelude
        // SAFETY: the user function has returned; only its result is left.
        #[allow(unused_unsafe)]
        let __result = unsafe { ::mpy::impl_::finish(#call) };
        __result
    };

    let obj = quote!(::mpy::impl_::sys::MpObj);
    let name_sym = syn::LitStr::new(
        &crate::qstr::symbol(&py_name),
        proc_macro2::Span::call_site(),
    );
    // How many positional arguments a positional function accepts (its signature, checked
    // by the firmware for a call and by the `make_new` slot below).
    let pos_min = n_required as u32;
    let pos_max = if rest.is_some() {
        quote!(::mpy::impl_::sys::MP_OBJ_FUN_ARGS_MAX)
    } else {
        let max = n as u32;
        quote!(#max)
    };
    let (entry, def, def_ty) = if fixed {
        let raw: Vec<_> = (0..n).map(|i| format_ident!("__raw_{}", i)).collect();
        let ctor = format_ident!("new_{}", n);
        (
            quote! {
                unsafe extern "C" fn __mpy_entry(#(#raw: #obj),*) -> #obj {
                    let __raw: [#obj; #n] = [#(#raw),*];
                    // SAFETY: the firmware calls this entry point with `n` valid objects.
                    unsafe { ::mpy::impl_::trampoline(|| { #body }) }
                }

            },
            quote!(::mpy::impl_::objects::#ctor(__mpy_entry)),
            quote!(::mpy::impl_::sys::MpObjFunBuiltinFixed),
        )
    } else if opts.positional {
        (
            quote! {
                unsafe extern "C" fn __mpy_entry(__n: usize, __args: *const #obj) -> #obj {
                    // SAFETY: the firmware passes `__n` (checked against the signature) objects.
                    unsafe {
                        ::mpy::impl_::trampoline(|| {
                            let __call = ::mpy::impl_::CallArgs::positional(__n, __args);
                            #body
                        })
                    }
                }
            },
            quote!(::mpy::impl_::objects::new_var(#pos_min, #pos_max, __mpy_entry)),
            quote!(::mpy::impl_::sys::MpObjFunBuiltinVar),
        )
    } else {
        // MicroPython checks the minimum against positional arguments only,
        // so a required parameter given by keyword would be refused before
        // our code runs. Register no minimum; the generated argument code
        // reports each missing parameter by name.
        let min = 0u32;
        (
            quote! {
                unsafe extern "C" fn __mpy_entry(__n: usize, __args: *const #obj, __kw: *mut ::mpy::impl_::sys::MpMap) -> #obj {
                    // SAFETY: the firmware passes `__n` objects and a keyword map (or null).
                    unsafe {
                        ::mpy::impl_::trampoline(|| {
                            let __call = ::mpy::impl_::CallArgs::new(__n, __args, __kw);
                            #body
                        })
                    }
                }
            },
            quote!(::mpy::impl_::objects::new_kw(#min, __mpy_entry)),
            quote!(::mpy::impl_::sys::MpObjFunBuiltinVar),
        )
    };

    // The function as the `make_new` slot of class `C` (`#[mpy::class(constructor = ...)]`),
    // dropped by the linker when no class uses it. It checks the arguments as the firmware
    // checks a call of the function, binds them as the entry point does, and places the
    // returned value in an instance of the type the firmware passes (the class's own type,
    // as in C). Only a function returning `C` or `PyResult<C>` compiles as `C`'s constructor.
    let make_new_args = if fixed {
        let idx = 0..n;
        let n32 = n as u32;
        quote! {
            ::mpy::impl_::check_args(__n, __n_kw, #n32, #n32);
            let __raw: [#obj; #n] = [#(*__args.add(#idx)),*];
        }
    } else if opts.positional {
        quote! {
            ::mpy::impl_::check_args(__n, __n_kw, #pos_min, #pos_max);
            let __call = ::mpy::impl_::CallArgs::positional(__n, __args);
        }
    } else {
        quote! {
            let __call = ::mpy::impl_::CallArgs::make_new(__n, __n_kw, __args);
        }
    };
    // The bound that makes only constructors of `C` compile; a return type that cannot be
    // named here (borrowed, `impl Trait`) cannot be a class value anyway.
    let ret_ty = match &func.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let nameable = !ret_ty.clone().into_iter().any(|tt| {
        matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'' || p.as_char() == '&')
            || matches!(&tt, proc_macro2::TokenTree::Ident(i) if i == "impl")
            || matches!(&tt, proc_macro2::TokenTree::Group(_))
                && tt.to_string().contains(['\'', '&'])
    });
    let (ctor_bound, make_new_body) = if nameable {
        (
            quote!(#ret_ty: ::mpy::impl_::Constructs<C>),
            quote! {
                // SAFETY: the firmware passes `__n` positional and `__n_kw` keyword arguments
                // (name, value pairs after them); the check raises before anything is owned.
                unsafe {
                    #make_new_args
                    ::mpy::impl_::trampoline(|| {
                        let __fname: &str = <C as ::mpy::impl_::ClassImpl>::PY_NAME;
                        #prelude
                        ::mpy::impl_::construct::<C, _>(#call, __ty)
                    })
                }
            },
        )
    } else {
        // The bound is never met, so this body is never compiled to code.
        (
            quote!(C: ::mpy::impl_::ReturnsClassByValue),
            quote!(::core::unreachable!()),
        )
    };
    let make_new = quote! {
        /// The function as the `make_new` slot of class `C`.
        #[doc(hidden)]
        #[allow(clippy::extra_unused_type_parameters)]
        pub unsafe extern "C" fn __mpy_make_new<C: ::mpy::impl_::Class>(
            __ty: *const ::mpy::impl_::sys::MpObjType,
            __n: usize,
            __n_kw: usize,
            __args: *const #obj,
        ) -> #obj
        where
            #ctor_bound
        {
            #make_new_body
        }
    };
    Ok(quote! {
        #func

        #[doc(hidden)]
        #[allow(non_snake_case)]
        #vis mod #fn_ident {
            #[allow(unused_imports)]
            use super::*;

            #entry
            #make_new

            unsafe extern "C" {
                #[link_name = #name_sym]
                static __MPY_NAME: u16;
            }

            static __MPY_OBJECT: #def_ty = #def;

            /// The MicroPython function (object and name).
            // SAFETY: `__MPY_NAME` is this function's `__mpy_qstr_*` symbol.
            pub const DEF: ::mpy::impl_::Function =
                unsafe { ::mpy::impl_::Function::new(&__MPY_OBJECT, &raw const __MPY_NAME) };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn collects_all_errors() {
        let f: syn::ItemFn = parse_quote! {
            async fn f<T>(&self, (a, b): (i32, i32)) {}
        };
        let err = params(&f.sig).err().unwrap();
        assert_eq!(err.into_iter().count(), 4);
    }

    #[test]
    fn optional_params_are_detected() {
        let f: syn::ItemFn = parse_quote! {
            fn f(a: i64, b: Option<&str>, c: core::option::Option<Obj>) {}
        };
        let p = params(&f.sig).unwrap();
        assert_eq!(
            p.iter().map(|p| p.optional).collect::<Vec<_>>(),
            [false, true, true]
        );
    }

    #[test]
    fn trailing_obj_slice_takes_the_remaining_arguments() {
        let out = expand(
            quote!(positional),
            quote!(
                fn make_dict(first: Obj, args: &[Obj]) -> Obj {
                    first
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            out.contains("new_var (1u32 , :: mpy :: impl_ :: sys :: MP_OBJ_FUN_ARGS_MAX"),
            "{out}"
        );
        assert!(out.contains("rest_after (1usize)"), "{out}");
        let not_last = expand(
            quote!(positional),
            quote!(
                fn f(args: &[Obj], x: Obj) {}
            ),
        );
        assert!(not_last.unwrap_err().to_string().contains("must come last"));
        let keywords = expand(
            quote!(),
            quote!(
                fn f(args: &'a [mpy::Obj]) {}
            ),
        );
        assert!(keywords.unwrap_err().to_string().contains("positional"));
    }

    #[test]
    fn expands() {
        let out = expand(
            quote!(positional),
            quote!(
                fn add(a: i64, b: i64) -> i64 {
                    a + b
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(out.contains("new_2"), "{out}");
        assert!(out.contains("__mpy_qstr_add"), "{out}");
        let out = expand(
            quote!(name = "plus"),
            quote!(
                fn add(a: i64, b: Option<i64>) -> i64 {
                    a
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(out.contains("new_kw"), "{out}");
        assert!(out.contains("__mpy_qstr_plus"), "{out}");
        assert!(expand(
            quote!(bogus),
            quote!(
                fn f() {}
            )
        )
        .is_err());
    }
}
