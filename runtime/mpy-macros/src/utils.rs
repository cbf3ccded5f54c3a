//! Shared helpers.

/// Collects several errors so the user sees all of them in one compile.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// `Some(inner)` when `ty` is spelled `Option<inner>` (also `core::option::Option<..>`).
pub(crate) fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// The paths of a `[a, b::c]` list; anything else is an error naming `what` was expected.
pub(crate) fn path_list(list: syn::ExprArray, what: &str) -> syn::Result<Vec<syn::Path>> {
    list.elems
        .into_iter()
        .map(|e| match e {
            syn::Expr::Path(p) => Ok(p.path),
            other => Err(syn::Error::new_spanned(
                other,
                format!("expected the name of {what}"),
            )),
        })
        .collect()
}
