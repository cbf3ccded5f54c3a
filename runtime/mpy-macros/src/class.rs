//! `#[mpy::class]`.

use proc_macro2::TokenStream;
use quote::quote;

/// The Python-visible name: `name = "..."`, else the type's own name.
fn parse_name(attr: TokenStream, default: &syn::Ident) -> syn::Result<String> {
    let mut name = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            name = Some(lit.value());
            Ok(())
        } else {
            Err(meta.error("unknown option; expected `name = \"PyName\"`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(name.unwrap_or_else(|| {
        let s = default.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    }))
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
    let name = parse_name(attr, ident)?;
    let qstr = crate::qstr::read_expr(&name);
    Ok(quote! {
        #item

        impl ::mpy::class::Class for #ident {
            fn name() -> ::mpy::Qstr {
                #qstr
            }
            fn slot() -> &'static ::mpy::class::TypeSlot {
                static SLOT: ::mpy::class::TypeSlot = ::mpy::class::TypeSlot::new();
                &SLOT
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_errors() {
        let id: syn::Ident = syn::parse_quote!(Counter);
        assert_eq!(parse_name(quote!(), &id).unwrap(), "Counter");
        assert_eq!(parse_name(quote!(name = "Ctr"), &id).unwrap(), "Ctr");
        assert!(parse_name(quote!(bogus), &id).is_err());
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
