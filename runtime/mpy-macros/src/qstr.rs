//! `qstr!`.

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// The qstr's text from `name` or `"string"`.
fn text(input: TokenStream) -> syn::Result<String> {
    if let Ok(id) = syn::parse2::<syn::Ident>(input.clone()) {
        let s = id.to_string();
        return Ok(s.strip_prefix("r#").map(str::to_owned).unwrap_or(s));
    }
    match syn::parse2::<syn::LitStr>(input) {
        Ok(l) => Ok(l.value()),
        Err(e) => Err(syn::Error::new(
            e.span(),
            "expected `qstr!(identifier)` or `qstr!(\"string\")`",
        )),
    }
}

/// The linker symbol for qstr `text`.
pub(crate) fn symbol(text: &str) -> String {
    let mut out = String::from(mpy_sys::qstr::QSTR_SYMBOL_PREFIX);
    mpy_sys::qstr::encode(text.as_bytes(), |b| out.push(char::from(b)));
    out
}

/// Expression for the qstr `text`: a constant for a static qstr (numbered the same in
/// every firmware), else a read of its symbol at run time.
pub(crate) fn read_expr(text: &str) -> TokenStream {
    if let Some(n) = mpy_sys::static_qstrs::static_qstr(text) {
        let n = usize::from(n);
        return quote!(::mpy::impl_::Qstr::from_raw(#n));
    }
    let sym = syn::LitStr::new(&symbol(text), Span::call_site());
    quote! {{
        unsafe extern "C" {
            #[link_name = #sym]
            static __MPY_QSTR: u16;
        }
        // SAFETY: the linker points this symbol at the module's qstr table slot.
        unsafe { ::mpy::impl_::read_qstr(&raw const __MPY_QSTR) }
    }}
}

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    Ok(read_expr(&text(input)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols() {
        assert_eq!(symbol("add"), "__mpy_qstr_add");
        assert_eq!(symbol("__init__"), "__mpy_qstr___init__");
        assert_eq!(symbol("a b"), "__mpy_qstr_a$20b");
        assert_eq!(text(quote!(r#type)).unwrap(), "type");
        assert_eq!(text(quote!("x-y")).unwrap(), "x-y");
        assert!(text(quote!(1 + 2)).is_err());
    }

    #[test]
    fn static_qstrs_are_constants() {
        // "" is the first static qstr (number 1); `TypeError` is numbered by its position.
        let n = mpy_sys::static_qstrs::STATIC_QSTRS
            .iter()
            .position(|(t, _)| *t == "TypeError")
            .unwrap()
            + 1;
        let q = read_expr("TypeError").to_string();
        assert_eq!(q, format!(":: mpy :: impl_ :: Qstr :: from_raw ({n}usize)"));
        assert!(read_expr("factorial")
            .to_string()
            .contains("__mpy_qstr_factorial"));
    }
}
