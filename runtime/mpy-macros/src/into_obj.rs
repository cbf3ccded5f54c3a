//! `#[derive(IntoObj)]`: an enum whose variants each convert their one field (or become
//! `None`), or a struct with one field that converts as that field.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use crate::utils::Errors;

/// One way the value converts: the pattern that matches it and the field it binds (none for
/// a unit variant, which becomes `None`).
struct Arm {
    pattern: TokenStream,
    field: Option<syn::Type>,
}

fn arm(path: TokenStream, fields: &syn::Fields, errors: &mut Errors) -> Option<Arm> {
    match fields {
        syn::Fields::Unit => Some(Arm {
            pattern: path,
            field: None,
        }),
        syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(Arm {
            pattern: quote!(#path(__v)),
            field: Some(f.unnamed[0].ty.clone()),
        }),
        syn::Fields::Named(f) if f.named.len() == 1 => {
            let name = f.named[0].ident.as_ref()?;
            Some(Arm {
                pattern: quote!(#path { #name: __v }),
                field: Some(f.named[0].ty.clone()),
            })
        }
        other => {
            errors.push(syn::Error::new(
                other.span(),
                "`#[derive(IntoObj)]` needs exactly one field here (or none, for `None`); \
                 for several values use a tuple field: `Variant((a, b))`",
            ));
            None
        }
    }
}

pub(crate) fn expand(item: TokenStream) -> syn::Result<TokenStream> {
    let input: syn::DeriveInput = syn::parse2(item)?;
    let ident = &input.ident;
    let mut errors = Errors::default();
    let arms: Vec<Arm> = match &input.data {
        syn::Data::Enum(e) => e
            .variants
            .iter()
            .filter_map(|v| {
                let vi = &v.ident;
                arm(quote!(#ident::#vi), &v.fields, &mut errors)
            })
            .collect(),
        syn::Data::Struct(s) => arm(quote!(#ident), &s.fields, &mut errors)
            .into_iter()
            .collect(),
        syn::Data::Union(u) => {
            errors.push(syn::Error::new(
                u.union_token.span(),
                "`#[derive(IntoObj)]` works on enums and one-field structs, not unions",
            ));
            Vec::new()
        }
    };
    errors.finish()?;

    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut where_clause = where_clause
        .cloned()
        .unwrap_or_else(|| syn::parse_quote!(where));
    for a in &arms {
        if let Some(ty) = &a.field {
            where_clause
                .predicates
                .push(syn::parse_quote!(#ty: ::mpy::impl_::IntoObj));
        }
    }
    let checked = arms.iter().map(|a| {
        let pat = &a.pattern;
        match a.field {
            Some(_) => quote!(#pat => ::mpy::impl_::IntoObj::into_obj(__v),),
            None => quote!(#pat => ::core::result::Result::Ok(::mpy::impl_::Obj::none()),),
        }
    });
    let raising = arms.iter().map(|a| {
        let pat = &a.pattern;
        match a.field {
            // SAFETY: forwarded from the caller; the field is part of `self`, so it owns
            // nothing with a destructor when `self` does not.
            Some(_) => quote!(#pat => unsafe { ::mpy::impl_::IntoObj::into_obj_raising(__v) },),
            None => quote!(#pat => ::mpy::impl_::Obj::none(),),
        }
    });
    Ok(quote! {
        impl #impl_generics ::mpy::impl_::IntoObj for #ident #ty_generics #where_clause {
            fn into_obj(self) -> ::mpy::impl_::PyResult<::mpy::impl_::Obj> {
                match self { #(#checked)* }
            }
            unsafe fn into_obj_raising(self) -> ::mpy::impl_::Obj {
                match self { #(#raising)* }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_arms_convert_their_field_or_become_none() {
        let out = expand(quote! {
            enum Access { All([u16; 4]), One { v: u16 }, Stored }
        })
        .unwrap()
        .to_string();
        assert!(
            out.contains("Access :: All (__v) => :: mpy :: impl_ :: IntoObj :: into_obj (__v)"),
            "{out}"
        );
        assert!(out.contains("Access :: One { v : __v }"), "{out}");
        assert!(
            out.contains(
                "Access :: Stored => :: core :: result :: Result :: Ok (:: mpy :: impl_ :: Obj :: none ())"
            ),
            "{out}"
        );
        assert!(
            out.contains("[u16 ; 4] : :: mpy :: impl_ :: IntoObj"),
            "{out}"
        );
    }

    #[test]
    fn generic_fields_get_conversion_bounds() {
        let out = expand(quote! {
            enum Either<L, R> where L: Copy { Left(L), Right(R) }
        })
        .unwrap()
        .to_string();
        assert!(
            out.contains("impl < L , R > :: mpy :: impl_ :: IntoObj for Either < L , R > where L : Copy , L : :: mpy :: impl_ :: IntoObj , R : :: mpy :: impl_ :: IntoObj"),
            "{out}"
        );
        let out = expand(quote!(
            struct Wrapper(u8);
        ))
        .unwrap()
        .to_string();
        assert!(
            out.contains("Wrapper (__v) => :: mpy :: impl_ :: IntoObj :: into_obj (__v)"),
            "{out}"
        );
    }

    #[test]
    fn several_fields_are_refused_with_every_error() {
        let err = expand(quote! {
            enum E { A(u8, u8), B { x: u8, y: u8 }, C(u8) }
        })
        .unwrap_err();
        assert_eq!(err.into_iter().count(), 2);
        assert!(expand(quote!(union U { a: u8 })).is_err());
    }
}
