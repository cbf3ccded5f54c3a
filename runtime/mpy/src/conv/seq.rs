// Sequences and mappings: lists, tuples and dicts to and from Rust collections, and the
// wrappers that build objects from plain values (`Tuple`, `Dict`, `ByteArray`, `Builtin`)
// (included by `conv/mod.rs`).

fn items(obj: &Obj) -> PyResult<&[Obj]> {
    let (p, n) = ffi::array_items(obj.0).ok_or_else(|| type_error("tuple or list", obj))?;
    if n == 0 {
        return Ok(&[]);
    }
    // SAFETY: the items belong to `obj` (which outlives 'a); `Obj` is a transparent word.
    // A list could be resized by Python code only if Rust called back into Python, and the
    // old item array stays allocated while this slice is reachable from the stack.
    Ok(unsafe { core::slice::from_raw_parts(p.cast::<Obj>(), n) })
}

/// From a `list` or `tuple`.
impl<'a, T: FromObj<'a>> FromObj<'a> for Vec<T> {
    fn from_obj(obj: &'a Obj) -> PyResult<Vec<T>> {
        items(obj)?.iter().map(T::from_obj).collect()
    }
}
/// Into a `list`.
impl<T: IntoObj> IntoObj for Vec<T> {
    fn into_obj(self) -> PyResult<Obj> {
        let objs = self
            .into_iter()
            .map(IntoObj::into_obj)
            .collect::<PyResult<Vec<Obj>>>()?;
        let raw: Vec<sys::MpObj> = objs.iter().map(|o| o.0).collect();
        ffi::new_list(&raw).map(Obj).map_err(raised)
    }
}
/// Into a `list`. A function returning an array of plain values (`[u16; 4]`) builds the
/// list after it returns, with direct firmware calls, like a C module.
impl<T: IntoObj, const N: usize> IntoObj for [T; N] {
    fn into_obj(self) -> PyResult<Obj> {
        let mut raw = [Obj::none().0; N];
        for (r, v) in raw.iter_mut().zip(self) {
            *r = v.into_obj()?.0;
        }
        ffi::new_list(&raw).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: forwarded from the caller (the array owns nothing with a destructor, or
        // the caller would not use this path). As C modules do, the list is made first with
        // room for `N` items, which are then stored into it; until then the collector sees
        // zeros or stale words there, both harmless to a conservative scan.
        unsafe {
            let list = (ffi::table().new_list)(N, core::ptr::null_mut());
            let items = (*list.cast::<sys::MpObjList>()).items;
            let values = core::mem::ManuallyDrop::new(self);
            for i in 0..N {
                *items.add(i) = core::ptr::read(&values[i]).into_obj_raising().0;
            }
            Obj(list)
        }
    }
}

/// A `tuple` of the array's items: `Tuple([a, b, c])` (a plain array converts to a list).
/// Returned from a function as an array of plain values, it is built after the function
/// returns with direct firmware calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Tuple<A>(pub A);

impl<T: IntoObj, const N: usize> IntoObj for Tuple<[T; N]> {
    fn into_obj(self) -> PyResult<Obj> {
        let mut raw = [Obj::none().0; N];
        for (r, v) in raw.iter_mut().zip(self.0) {
            *r = v.into_obj()?.0;
        }
        ffi::new_tuple(&raw).map(Obj).map_err(raised)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: forwarded from the caller (the array owns nothing with a destructor);
        // `new_tuple` copies the items.
        unsafe {
            let values = core::mem::ManuallyDrop::new(self.0);
            let raw: [sys::MpObj; N] =
                core::array::from_fn(|i| core::ptr::read(&values[i]).into_obj_raising().0);
            Obj((ffi::table().new_tuple)(N, raw.as_ptr()))
        }
    }
}

/// A `dict` of the `(key, value)` pairs an iterator yields: `Dict(pairs)`, e.g.
/// `Dict(args.chunks_exact(2).map(|kv| (kv[0], kv[1])))`. Returned from a function (as
/// `impl IntoObj`), it is built after the function returns, with direct firmware calls when
/// neither the iterator nor its keys and values own anything with a destructor.
#[derive(Clone, Copy, Debug)]
pub struct Dict<I>(pub I);

impl<I, K, V> IntoObj for Dict<I>
where
    I: IntoIterator<Item = (K, V)>,
    K: IntoObj,
    V: IntoObj,
{
    fn into_obj(self) -> PyResult<Obj> {
        let iter = self.0.into_iter();
        let d = ffi::new_dict(iter.size_hint().0).map_err(raised)?;
        for (k, v) in iter {
            let (k, v) = (k.into_obj()?, v.into_obj()?);
            ffi::dict_store(d, k.0, v.0).map_err(raised)?;
        }
        Ok(Obj(d))
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // The caller vouches for the iterator; the pairs it yields are checked here.
        if core::mem::needs_drop::<(K, V)>() {
            return match self.into_obj() {
                Ok(o) => o,
                // SAFETY: forwarded from the caller; nothing is held at this point.
                Err(e) => unsafe { e.raise() },
            };
        }
        let iter = self.0.into_iter();
        let t = ffi::table();
        // SAFETY: a raise is the caller's to allow, and the pairs own nothing.
        unsafe {
            let d = (t.new_dict)(iter.size_hint().0);
            for (k, v) in iter {
                let k = k.into_obj_raising();
                let v = v.into_obj_raising();
                (t.dict_store)(d, k.0, v.0);
            }
            Obj(d)
        }
    }
}

/// The builtin named by a qstr (`Builtin(qstr!(int))` is the `int` type), looked up when
/// converted, as C modules find `mp_type_int`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin(pub crate::obj::Qstr);

impl IntoObj for Builtin {
    fn into_obj(self) -> PyResult<Obj> {
        Obj::builtin(self.0)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        // SAFETY: a raise (NameError) is the caller's to allow.
        Obj(unsafe { (ffi::table().load_global)(self.0.as_raw()) })
    }
}

/// A `bytearray` holding a copy of the bytes: `ByteArray([1, 2, 3])`, `ByteArray(vec)`.
///
/// `&[u8]` and `Vec<u8>`-like byte strings convert to `bytes`; wrap them to get a mutable
/// `bytearray` instead. Returned from a function as a plain array (`ByteArray<[u8; N]>`),
/// it is built after the function returns with direct firmware calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ByteArray<B>(pub B);

impl<B: AsRef<[u8]>> IntoObj for ByteArray<B> {
    fn into_obj(self) -> PyResult<Obj> {
        Obj::new_bytearray(self.0.as_ref())
    }
    unsafe fn into_obj_raising(self) -> Obj {
        let data = self.0.as_ref();
        // SAFETY: as `Obj::new_bytearray`, raising instead of returning errors, which the
        // caller allows.
        unsafe {
            let block = ffi::heap_realloc(core::ptr::null_mut(), data.len().max(1), false);
            if block.is_null() {
                crate::obj::out_of_memory().raise();
            }
            core::ptr::copy_nonoverlapping(data.as_ptr(), block, data.len());
            Obj((ffi::table().obj_new_bytearray_by_ref)(
                data.len(),
                block.cast(),
            ))
        }
    }
}

/// Into a `dict`.
impl<K: IntoObj, V: IntoObj> IntoObj for BTreeMap<K, V> {
    fn into_obj(self) -> PyResult<Obj> {
        let d = ffi::new_dict(self.len()).map_err(raised)?;
        for (k, v) in self {
            let (k, v) = (k.into_obj()?, v.into_obj()?);
            ffi::dict_store(d, k.0, v.0).map_err(raised)?;
        }
        Ok(Obj(d))
    }
}

/// From a `dict` (or any object whose iteration yields keys and that supports `obj[key]`).
impl<'a, K, V> FromObj<'a> for BTreeMap<K, V>
where
    K: for<'b> FromObj<'b> + Ord,
    V: for<'b> FromObj<'b>,
{
    fn from_obj(obj: &'a Obj) -> PyResult<BTreeMap<K, V>> {
        if !obj.is_dict() {
            return Err(type_error("dict", obj));
        }
        let mut out = BTreeMap::new();
        for key in obj.iter()? {
            let key = key?;
            let value = obj.get_item(key)?;
            out.insert(K::from_obj(&key)?, V::from_obj(&value)?);
        }
        Ok(out)
    }
}

macro_rules! tuples {
    ($(($n:literal: $($t:ident $i:tt),+))*) => {$(
        /// From a `tuple` or `list` of exactly this length.
        impl<'a, $($t: FromObj<'a>),+> FromObj<'a> for ($($t,)+) {
            fn from_obj(obj: &'a Obj) -> PyResult<Self> {
                let it = items(obj)?;
                if it.len() != $n {
                    return Err(PyErr::new::<ValueError>(crate::err::Msg::new().s("expected a sequence of length ").n($n as i64).s(", got ").n(it.len() as i64)));
                }
                Ok(($($t::from_obj(&it[$i])?,)+))
            }
        }
        /// Into a `tuple`.
        impl<$($t: IntoObj),+> IntoObj for ($($t,)+) {
            fn into_obj(self) -> PyResult<Obj> {
                let raw = [$(self.$i.into_obj()?.0),+];
                ffi::new_tuple(&raw).map(Obj).map_err(raised)
            }
            unsafe fn into_obj_raising(self) -> Obj {
                // SAFETY: forwarded from the caller (who knows the tuple owns nothing with
                // a destructor); `new_tuple` copies the items.
                unsafe {
                    let raw = [$(self.$i.into_obj_raising().0),+];
                    Obj((ffi::table().new_tuple)(raw.len(), raw.as_ptr()))
                }
            }
        }
    )*};
}
tuples! {
    (1: A 0)
    (2: A 0, B 1)
    (3: A 0, B 1, C 2)
    (4: A 0, B 1, C 2, D 3)
    (5: A 0, B 1, C 2, D 3, E 4)
    (6: A 0, B 1, C 2, D 3, E 4, F 5)
    (7: A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
}
